/*
 * The `host` collection: HOST-RESOURCES-MIB's processor load and storage
 * use, walked every round. CPU load and memory use are the check's own
 * metrics; each fixed disk (a file system) is a series of its own. Pure.
 *
 * The special problem of hrProcessorLoad: agents compute it as the
 * average of the last minute, and answer an empty table until that
 * minute has passed after their start: cpu_load_pct is unknown then, not
 * zero.
 */
#ifndef PROBED_SNMP_HOST_H
#define PROBED_SNMP_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugin.h"
#include "snmp_ifs.h"
#include "snmp_session.h"

#define SNMP_HOST_MAX 256 /* processors, and storage rows, kept per agent */

enum snmp_host_field {
    HR_CPU_LOAD,
    HR_ST_TYPE,
    HR_ST_DESCR,
    HR_ST_UNITS,
    HR_ST_SIZE,
    HR_ST_USED,
    HR_FIELDS
};

struct snmp_storage {
    uint32_t index;
    int type; /* the last sub-identifier under hrStorageTypes: 2 RAM, 4 fixed disk, ... */
    char descr[128];
    int64_t units, size, used;
    uint32_t have;
    char id[SNMP_SERIES_MAX + 1];
    struct pd_metric m[3];
};

struct snmp_host {
    double load_sum, load_max;
    size_t n_cpu;
    struct snmp_storage st[SNMP_HOST_MAX];
    size_t n_st;
    size_t n_disks; /* the fixed disks, first in st after snmp_host_end */
};

size_t snmp_host_columns(const uint32_t **bases, size_t *lens, int *fields);
void snmp_host_begin(struct snmp_host *h);
void snmp_host_put(struct snmp_host *h, int field, const uint32_t *index, size_t index_len,
                   const struct snmp_value *v);
/* The walk is over: out gets cpu_load_pct, cpu_load_max and
 * mem_used_pct (NAN when not known; room for 3); the fixed disks are
 * moved first in h->st with their ids and metrics (used_pct, used_bytes,
 * size_bytes). Returns the number of metrics. */
size_t snmp_host_end(struct snmp_host *h, struct pd_metric *out);

#endif
