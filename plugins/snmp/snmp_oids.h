/*
 * What an snmp check asks for: the built-in OIDs of its collections and
 * its custom list ("cpu=1.3.6.1.4.1.2021.11.11.0:gauge,in=...:counter"),
 * numeric OIDs parsed here without net-snmp or MIBs. Pure.
 */
#ifndef PROBED_SNMP_OIDS_H
#define PROBED_SNMP_OIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snmp_counter.h"

#define SNMP_OID_MAX  128 /* sub-identifiers, as net-snmp's MAX_OID_LEN */
#define SNMP_NAME_MAX 20  /* a metric name: 19 characters, an RRD data source */
#define SNMP_OIDS_MAX 32  /* custom OIDs per check */

struct snmp_oid {
    char name[SNMP_NAME_MAX]; /* metric name, [a-z0-9_] */
    uint32_t sub[SNMP_OID_MAX];
    size_t len;
    enum snmp_counter_kind kind;
};

/* "1.3.6.1.2.1.1.3.0" (a leading dot allowed) into o->sub; 0 or -EINVAL. */
int snmp_oid_parse(const char *text, struct snmp_oid *o);

/* The custom list into out (at most SNMP_OIDS_MAX entries). Each item is
 * name=OID[:gauge|counter|counter32|counter64|derive] (default gauge);
 * names are metric names, unique, not a built-in metric's. 0 or -EINVAL
 * with err saying which item is wrong and how. */
int snmp_oids_parse(const char *text, struct snmp_oid *out, size_t *n, char *err, size_t errlen);

/* Built-in metric names a custom OID may not take. */
bool snmp_metric_reserved(const char *name);

#endif
