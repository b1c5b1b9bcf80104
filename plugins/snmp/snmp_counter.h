/*
 * SNMP counters to rates, and reboots from sysUpTime; pure (no I/O, no
 * clock), so that every wrap, reset and reboot case is a unit test.
 *
 * The mistakes of other pollers this avoids: a counter reset after a
 * reboot taken for a wrap (a huge false spike), the 32-bit sysUpTime wrap
 * after 497 days taken for a reboot, and a rate from the first sample.
 */
#ifndef PROBED_SNMP_COUNTER_H
#define PROBED_SNMP_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

#include "plugin.h"

#define SNMP_TICKS_WRAP ((uint64_t)1 << 32) /* TimeTicks: hundredths, 32 bits */

enum snmp_counter_kind {
    SNMP_GAUGE,     /* the value itself */
    SNMP_COUNTER32, /* rate; wraps at 2^32 */
    SNMP_COUNTER64, /* rate; never wraps in practice: going back is a reset */
    SNMP_DERIVE,    /* rate of a signed value that may go down */
};

/* One poll of an agent: when, and what it says about its own clock. */
struct snmp_uptime {
    pd_ns at;       /* monotonic time of the answer */
    pd_ns wall;     /* wall time of the answer, for the boot time */
    uint32_t ticks; /* sysUpTime.0, hundredths of a second */
    bool has_boots; /* snmpEngineBoots.0 answered (SNMPv3 agents) */
    uint32_t boots;
    bool has_host; /* hrSystemUptime.0 answered */
    uint32_t host_ticks;
};

enum snmp_restart {
    SNMP_SAME,    /* the agent ran on since the last poll */
    SNMP_WRAPPED, /* sysUpTime wrapped (497 days), no restart */
    SNMP_REBOOT,  /* the agent (or the device) restarted */
    SNMP_FIRST,   /* no earlier poll to compare with */
};

/* Compare a poll with the one before (prev NULL: the first). On a reboot
 * *boot_wall is the computed wall time of the restart. */
enum snmp_restart snmp_uptime_compare(const struct snmp_uptime *prev, const struct snmp_uptime *now,
                                      pd_ns *boot_wall);

/* A counter's last sample. Zero it to start. */
struct snmp_counter {
    bool valid; /* a sample is held */
    uint64_t value;
    pd_ns at;
};

/* The rate per second since the last sample, or NAN: the first sample,
 * after a restart (the counter began again: no spike), a value that went
 * back (a counter reset without a restart; for COUNTER32 a wrap counts
 * only when the wrapped step is under half the range), or no time
 * passed. A GAUGE gives its value. The sample is kept either way. */
double snmp_counter_update(struct snmp_counter *c, enum snmp_counter_kind kind, uint64_t value,
                           pd_ns at, enum snmp_restart restart);

#endif
