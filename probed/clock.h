/*
 * The one clock of the core. Monotonic time drives intervals and timeouts;
 * wall time stamps results, events and month boundaries. Tests install a
 * fake clock and move it by hand.
 */
#ifndef PROBED_CLOCK_H
#define PROBED_CLOCK_H

#include "plugin.h"

struct pd_fake_clock {
    pd_ns mono; /* rw */
    pd_ns wall; /* rw */
};

pd_ns pd_clock_mono(void);
pd_ns pd_clock_wall(void);

/* Use the fake clock (borrowed; must outlive its use) or, with NULL, the
 * system clocks again. */
void pd_clock_use_fake(struct pd_fake_clock *fake);

#endif
