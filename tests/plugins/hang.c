/*
 * A test plugin whose first round never ends: it neither submits nor
 * times out. Any later round submits at once. So a core that started a
 * second round while the first still ran (stacking) would show a completed
 * round; a core that skips shows none, and counts the skips.
 */
#include <stddef.h>

#include "plugin.h"

struct hang_check {
    long runs;
};

static int hang_start(pd_check *check, void *params, char *err, size_t errlen)
{
    (void)check;
    (void)params;
    (void)err;
    (void)errlen;
    return 0;
}

static void hang_run(pd_check *check, void *params)
{
    struct hang_check *h = params;
    if (h->runs++ == 0)
        return;
    struct pd_result r = {.ok = PD_OK};
    pd_submit(check, &r);
}

static void hang_stop(pd_check *check, void *params)
{
    (void)check;
    (void)params;
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "hang",
    .description = "test plugin: the first round never ends",
    .params_size = sizeof(struct hang_check),
    .start = hang_start,
    .run = hang_run,
    .stop = hang_stop,
};
