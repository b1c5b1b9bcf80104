/*
 * What an snmp check asks for: the built-in OIDs of its collections and
 * its custom list ("cpu=1.3.6.1.4.1.2021.11.11.0:gauge,in=...:counter"),
 * numeric OIDs parsed here without net-snmp or MIBs; symbolic names are
 * handed to a resolver (snmp_mib_resolve). Pure.
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

/* Turns a symbolic OID (text, borrowed) into at most *len sub-identifiers
 * in sub, setting *len; 0 or a negative errno with err for a person. */
typedef int (*snmp_oid_resolver)(const char *text, uint32_t *sub, size_t *len, char *err,
                                 size_t errlen);

/* The custom list into out (at most SNMP_OIDS_MAX entries). Each item is
 * name=OID[:gauge|counter|counter32|counter64|derive] (default gauge);
 * names are metric names, unique, not a built-in metric's. The type
 * follows the last ':' unless that ':' is half of a "::", so that the OID
 * may be "IF-MIB::ifHCInOctets.3". A numeric OID is parsed here; any other
 * goes to resolve, or is an error when resolve is NULL. 0 or -EINVAL with
 * err saying which item is wrong and how. */
int snmp_oids_parse_names(const char *text, snmp_oid_resolver resolve, struct snmp_oid *out,
                          size_t *n, char *err, size_t errlen);

/* snmp_oids_parse_names without a resolver: numeric OIDs only. */
int snmp_oids_parse(const char *text, struct snmp_oid *out, size_t *n, char *err, size_t errlen);

/* Built-in metric names a custom OID may not take. */
bool snmp_metric_reserved(const char *name);

#endif
