#include "snmp_counter.h"

#include <math.h>
#include <stddef.h>

#define TICK (10 * PD_MSEC)

/* How far an agent's uptime may lag the time that passed between two
 * polls before we call it a restart: agents update sysUpTime lazily and
 * the answers' own delays differ. */
static pd_ns tolerance(pd_ns elapsed)
{
    pd_ns t = elapsed / 10;
    return t > 5 * PD_SEC ? t : 5 * PD_SEC;
}

/* The host's uptime went on as time did (when the agent gives it). */
static bool host_went_on(const struct snmp_uptime *prev, const struct snmp_uptime *now,
                         pd_ns elapsed)
{
    uint32_t step = now->host_ticks - prev->host_ticks; /* modulo 2^32 */
    pd_ns advanced = (pd_ns)step * TICK;
    return advanced + tolerance(elapsed) >= elapsed && advanced <= elapsed + tolerance(elapsed);
}

enum snmp_restart snmp_uptime_compare(const struct snmp_uptime *prev, const struct snmp_uptime *now,
                                      pd_ns *boot_wall)
{
    *boot_wall = now->wall - (pd_ns)now->ticks * TICK;
    if (!prev)
        return SNMP_FIRST;
    pd_ns elapsed = now->at - prev->at;
    if (elapsed < 0)
        elapsed = 0;
    /* SNMPv3 engines count their restarts: the surest sign. */
    if (now->has_boots && prev->has_boots && now->boots != prev->boots)
        return SNMP_REBOOT;
    if (now->ticks >= prev->ticks) {
        /* Ran on, unless it advanced far less than the time that passed:
         * it restarted and has been up for a while already. */
        pd_ns advanced = (pd_ns)(now->ticks - prev->ticks) * TICK;
        return advanced + tolerance(elapsed) >= elapsed ? SNMP_SAME : SNMP_REBOOT;
    }
    /* Went back: a restart, or the 32-bit wrap after 497 days if the
     * uptime before plus the time that passed lands past 2^32 just where
     * the new value says. */
    uint64_t expected = (uint64_t)prev->ticks + (uint64_t)(elapsed / TICK);
    uint64_t wrapped = (uint64_t)now->ticks + SNMP_TICKS_WRAP;
    uint64_t off = expected > wrapped ? expected - wrapped : wrapped - expected;
    if ((pd_ns)off * TICK > tolerance(elapsed))
        return SNMP_REBOOT;
    /* It fits a wrap; a host uptime that went on confirms it, one that
     * went back too denies it. Without one, the fit decides. */
    if (now->has_host && prev->has_host && !host_went_on(prev, now, elapsed))
        return SNMP_REBOOT;
    return SNMP_WRAPPED;
}

double snmp_counter_update(struct snmp_counter *c, enum snmp_counter_kind kind, uint64_t value,
                           pd_ns at, enum snmp_restart restart)
{
    struct snmp_counter prev = *c;
    c->valid = true;
    c->value = value;
    c->at = at;
    if (kind == SNMP_GAUGE)
        return (double)value;
    if (!prev.valid || restart == SNMP_REBOOT || restart == SNMP_FIRST || at <= prev.at)
        return NAN;
    double seconds = (double)(at - prev.at) / 1e9, delta;
    switch (kind) {
    case SNMP_COUNTER32: {
        uint64_t step = value >= prev.value ? value - prev.value
                                            : (value & 0xffffffffu) + (1ull << 32) - prev.value;
        /* A "wrap" of more than half the range is a reset (counters
         * cleared on the device), not traffic. */
        if (value < prev.value && step >= (1ull << 31))
            return NAN;
        delta = (double)step;
        break;
    }
    case SNMP_COUNTER64:
        if (value < prev.value)
            return NAN;
        delta = (double)(value - prev.value);
        break;
    case SNMP_DERIVE:
        delta = (double)((int64_t)value - (int64_t)prev.value);
        break;
    default:
        return NAN;
    }
    return delta / seconds;
}
