#include "report_write.h"

#include <errno.h>
#include <string.h>

int pd_report_format_parse(const char *name, enum pd_report_format *out)
{
    static const char *const names[] = {"csv", "json", "html", "xlsx"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum pd_report_format)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* The words of docs/reports.md, short enough for a table cell. */
const struct pd_report_definition pd_report_definitions[] = {
    {"period", "one calendar month in the configured time zone, from midnight on the 1st",
     "[start, end)"},
    {"total",
     "in-service time: from the target's adding (or the month's start) to its retirement "
     "(or the month's end)",
     "end of in service - start of in service, within the month"},
    {"maintenance", "in-service time inside a maintenance window (overlapping windows count once)",
     ""},
    {"unknown",
     "time not observed (before the first result, while probed was not running, checks "
     "without a verdict), outside maintenance; never counted as up",
     ""},
    {"downtime", "time DOWN, outside maintenance", ""},
    {"up", "observed, up, not in maintenance", "total - maintenance - unknown - downtime"},
    {"availability", "the contract's formula: maintenance and unobserved time are not downtime",
     "(total - downtime) / total x 100 %"},
    {"coverage", "how much of the month was observed", "(total - unknown) / total x 100 %"},
    {"observed availability", "availability over the observed, unplanned time only",
     "up / (up + downtime) x 100 %"},
    {"outage",
     "a DOWN interval; DOWN, unobserved, DOWN again is one outage; counted = its DOWN "
     "time outside maintenance over its whole life",
     "start = first instant DOWN, end = first instant after the last DOWN part"},
    {"failures", "outages that began in the month, not those wholly inside maintenance", "count"},
    {"MTBF", "mean time between failures; null with no failure (the limit is then met)",
     "up / failures, in hours"},
    {"MTTR", "mean time to repair over the outages that ended in the month; null when none ended",
     "sum of counted durations / outages ended, in minutes"},
    {"resolved within L",
     "share of the outages ended in the month whose counted duration is at "
     "most L",
     "outages with counted <= L / outages ended x 100 %"},
    {"verdict",
     "met or not_met against the severity's limit; unverified when coverage is below "
     "the minimum; no_limit when the contract sets none",
     "a figure exactly at its limit meets it"},
    {"system",
     "a group of targets with a rule (all, any, k of n); a member in maintenance counts "
     "as UP",
     "UP when u >= k, DOWN when u + x < k, else UNKNOWN (u members UP, x UNKNOWN)"},
    {"site", "the targets at a site path and below it", "mean availability over its devices"},
    {"media quality",
     "for targets with rtp checks: time with media (a call) good or degraded; degraded = the "
     "media check DOWN (loss or jitter over its limits); no call is not counted",
     "degraded % = degraded / (good + degraded) x 100 %, outside maintenance"},
    {"degraded period",
     "a DOWN run of the media checks beginning in the month outside maintenance; not joined "
     "across time without media",
     "longest = its length within the month"},
    {"provisional",
     "some target was not seen after the month ended: a later record may still "
     "change a figure",
     ""},
    {NULL, NULL, NULL},
};
