/*
 * What the report tests share: the limits of the "emergency" severity of
 * docs/reports.md's worked example (availability 99.5 %, MTBF 360 h, MTTR
 * 60 min, 95 % within 30 min and 90 % within 60 min, coverage 99 %).
 */
#ifndef PROBED_TEST_REPORT_FIXTURE_H
#define PROBED_TEST_REPORT_FIXTURE_H

#include "availability.h"

#define PD_TEST_EMERGENCY_LIMITS                                                                   \
    {                                                                                              \
        .availability_min = 99.5, .mtbf_min = 360 * 3600 * PD_SEC, .mttr_max = 3600 * PD_SEC,      \
        .resolved = {{95, 1800 * PD_SEC}, {90, 3600 * PD_SEC}}, .n_resolved = 2,                   \
        .coverage_min = 99                                                                         \
    }

#endif
