/*
 * libFuzzer harness for the events file an auditor feeds to
 * `probectl report --events`: the CSV reader, the row checks, and the
 * report built from whatever timelines survive them.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_report_events
 *   ./build-fuzz/tests/fuzz_report_events -max_total_time=60 tests/fuzz/corpus/events
 *
 * Every build also replays the corpus under ctest.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "report.h"
#include "report_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pd_severity_conf sev = {.name = "general", .availability_min = 95};
    static char general[] = "general";
    static const struct pd_config cfg = {.severities = &sev,
                                         .n_severities = 1,
                                         .sla_default_severity = general,
                                         .sla_coverage_min = 99};
    /* November 2026 in UTC. */
    static const struct pd_span month = {1793491200LL * PD_SEC, 1796083200LL * PD_SEC};
    struct pd_report_data d = {0};
    struct pd_report *r = NULL;
    char err[4096] = "";

    if (pd_report_events_parse(&d, "fuzz.csv", (const char *)data, size, err, sizeof(err)) == 0 &&
        pd_report_data_finish(&d, &cfg, err, sizeof(err)) == 0) {
        d.in.month = "2026-11";
        d.in.period = month;
        if (pd_report_build(&d.in, &r, err, sizeof(err)) == 0) {
            for (size_t i = 0; i < r->n_targets; i++)
                if (r->targets[i].avail.total_s < 0 || r->targets[i].avail.downtime_s < 0)
                    __builtin_trap();
            pd_report_free(r);
        }
    }
    pd_report_data_free(&d);
    return 0;
}
