/*
 * The `interfaces` collection: IF-MIB's ifTable and ifXTable walked every
 * round, the interfaces the check's patterns select turned into series
 * (bits per second in and out from the 64-bit octet counters, errors and
 * discards per second, oper status, speed), and their oper status
 * changes into events. Pure: the walk's values come in through
 * snmp_ifs_put(), the clock through the caller.
 *
 * An interface's series id comes from its name (ifName, else ifDescr),
 * not from its ifIndex: many devices renumber ifIndex when they restart
 * or a module is added, and the graphs must stay with the port.
 */
#ifndef PROBED_SNMP_IFS_H
#define PROBED_SNMP_IFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugin.h"
#include "snmp_counter.h"
#include "snmp_session.h"

#define SNMP_IFS_MAX    4096 /* interfaces kept per agent; more are ignored */
#define SNMP_SERIES_MAX 64   /* a series id, as the core's */
#define SNMP_IF_METRICS 8

enum snmp_if_field {
    IF_DESCR,
    IF_ADMIN,
    IF_OPER,
    IF_SPEED,  /* ifSpeed, bits/s (32 bits) */
    IF_IN_OCT, /* 32-bit octets */
    IF_OUT_OCT,
    IF_IN_DISC,
    IF_IN_ERR,
    IF_OUT_DISC,
    IF_OUT_ERR,
    IF_NAME,
    IF_HC_IN_OCT, /* 64-bit octets */
    IF_HC_OUT_OCT,
    IF_HIGH_SPEED, /* Mbit/s */
    IF_ALIAS,
    IF_DISCONT, /* ifCounterDiscontinuityTime: the counters restarted */
    IF_FIELDS
};

enum { IFC_IN, IFC_OUT, IFC_IN_ERR, IFC_OUT_ERR, IFC_IN_DISC, IFC_OUT_DISC, IFC_N };

struct snmp_if {
    uint32_t index;
    char name[64];   /* ifName, else ifDescr; UTF-8 cut at a character */
    char alias[128]; /* ifAlias (often Chinese: "至市局上联") */
    char descr[64];
    int64_t raw[IF_FIELDS]; /* this round's numbers */
    uint32_t have;          /* bit per field answered this round */
    bool seen;              /* in this round's walk */
    bool selected;
    uint64_t sel_key; /* of the name, alias and patterns selected was judged for */
    char id[SNMP_SERIES_MAX + 1];
    struct snmp_counter ctr[IFC_N];
    bool hc; /* its octet counters are the 64-bit ones */
    bool has_discont;
    uint32_t discont;
    int last_oper; /* 0: not known yet */
    pd_ns down_since;
    bool down_reported; /* an interface_down was said: an interface_up follows */
    struct pd_metric m[SNMP_IF_METRICS];
    size_t n_m;
};

/* An oper status change of a selected interface: down while its admin
 * status is up, and up again after such a down. */
struct snmp_if_change {
    const struct snmp_if *ifc;
    bool up;
    int oper;    /* the new status: 1 up, 2 down, 7 lowerLayerDown, ... */
    pd_ns after; /* up: how long it was down (0: not known) */
};

struct snmp_ifs {
    struct snmp_if *v; /* sorted by index */
    size_t n, cap;
    bool want32;  /* some interface had no 64-bit counters: walk the 32-bit ones too */
    bool dropped; /* more than SNMP_IFS_MAX interfaces */
};

/* The columns to walk: v1 agents have no 64-bit counters; with32 adds
 * the 32-bit octet counters. Fills bases/lens/fields (room for
 * IF_FIELDS) and returns how many. */
size_t snmp_ifs_columns(bool v1, bool with32, const uint32_t **bases, size_t *lens, int *fields);

/* Check a selection such as "Gi1/0/1, alias:uplink*, !Vlan*"; 0 or -EINVAL. */
int snmp_ifs_patterns_valid(const char *patterns, char *err, size_t errlen);

void snmp_ifs_begin(struct snmp_ifs *t);
/* One walked value of field for the row index (ifIndex). */
void snmp_ifs_put(struct snmp_ifs *t, int field, const uint32_t *index, size_t index_len,
                  const struct snmp_value *v);
/* The walk is over: interfaces not seen are forgotten; the selected ones
 * get their ids and this round's metrics (rates need a previous round;
 * none across a restart of the agent or of the interface's counters);
 * their oper changes go to changes (room for max). Returns how many
 * changes. */
size_t snmp_ifs_end(struct snmp_ifs *t, const char *patterns, pd_ns now, enum snmp_restart restart,
                    struct snmp_if_change *changes, size_t max);
void snmp_ifs_free(struct snmp_ifs *t);

/* A series id from a name: prefix, then the name in lower case with
 * every character outside [a-z0-9._-] as '_', cut to fit. */
void snmp_series_id(const char *prefix, const char *name, char *out, size_t len);

#endif
