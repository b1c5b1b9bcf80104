#include "clock.h"

#include <time.h>

static struct pd_fake_clock *fake_clock;

static pd_ns read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (pd_ns)ts.tv_sec * PD_SEC + ts.tv_nsec;
}

pd_ns pd_clock_mono(void)
{
    return fake_clock ? fake_clock->mono : read_clock(CLOCK_MONOTONIC);
}

pd_ns pd_clock_wall(void)
{
    return fake_clock ? fake_clock->wall : read_clock(CLOCK_REALTIME);
}

void pd_clock_use_fake(struct pd_fake_clock *fake)
{
    fake_clock = fake;
}
