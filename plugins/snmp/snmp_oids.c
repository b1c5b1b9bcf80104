#include "snmp_oids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int snmp_oid_parse(const char *text, struct snmp_oid *o)
{
    const char *p = text;
    o->len = 0;
    if (*p == '.')
        p++;
    while (*p) {
        if (*p < '0' || *p > '9' || o->len >= SNMP_OID_MAX)
            return -EINVAL;
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (v > UINT32_MAX || (*end && *end != '.') || (*end == '.' && !end[1]))
            return -EINVAL;
        o->sub[o->len++] = (uint32_t)v;
        p = *end ? end + 1 : end;
    }
    /* Every OID begins with 0, 1 or 2, and has at least two parts. */
    return o->len >= 2 && o->sub[0] <= 2 ? 0 : -EINVAL;
}

bool snmp_metric_reserved(const char *name)
{
    static const char *const builtin[] = {"uptime_s", "rebooted", "rtt_ms", NULL};
    for (size_t i = 0; builtin[i]; i++)
        if (strcmp(builtin[i], name) == 0)
            return true;
    return false;
}

static int kind_parse(const char *s, enum snmp_counter_kind *k)
{
    static const struct {
        const char *name;
        enum snmp_counter_kind kind;
    } kinds[] = {{"gauge", SNMP_GAUGE},
                 {"counter", SNMP_COUNTER64},
                 {"counter32", SNMP_COUNTER32},
                 {"counter64", SNMP_COUNTER64},
                 {"derive", SNMP_DERIVE}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(s, kinds[i].name) == 0) {
            *k = kinds[i].kind;
            return 0;
        }
    }
    return -EINVAL;
}

static int name_valid(const char *s, size_t n)
{
    if (n == 0 || n >= SNMP_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* The ':' that starts an item's type, or NULL: the last one, unless it
 * belongs to a module's "::". */
static char *type_colon(char *oid)
{
    char *c = strrchr(oid, ':');
    if (!c || (c > oid && c[-1] == ':'))
        return NULL;
    return c;
}

static int oid_parse(const char *item, const char *text, snmp_oid_resolver resolve,
                     struct snmp_oid *o, char *err, size_t errlen)
{
    if (snmp_oid_parse(text, o) == 0)
        return 0;
    /* Digits and dots only: a numeric OID written wrong, not a name. */
    if (!resolve || strspn(text, "0123456789.") == strlen(text)) {
        snprintf(err, errlen, "oids: '%s': '%s' is not a numeric OID such as 1.3.6.1.2.1.1.3.0",
                 item, text);
        return -EINVAL;
    }
    char why[400] = "";
    size_t len = SNMP_OID_MAX;
    if (resolve(text, o->sub, &len, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "oids: '%s': %s", item, why);
        return -EINVAL;
    }
    o->len = len;
    return 0;
}

int snmp_oids_parse_names(const char *text, snmp_oid_resolver resolve, struct snmp_oid *out,
                          size_t *n, char *err, size_t errlen)
{
    char item[512];
    *n = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, ",");
        if (len >= sizeof(item)) {
            snprintf(err, errlen, "oids: an item is too long");
            return -EINVAL;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        p += len + (p[len] == ',');
        char *s = item;
        while (*s == ' ')
            s++;
        char *e = s + strlen(s);
        while (e > s && e[-1] == ' ')
            *--e = '\0';
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq || !name_valid(s, (size_t)(eq - s))) {
            snprintf(err, errlen,
                     "oids: '%s': expected name=OID[:type], the name 1..19 characters of a-z, "
                     "0-9, _",
                     s);
            return -EINVAL;
        }
        if (*n >= SNMP_OIDS_MAX) {
            snprintf(err, errlen, "oids: at most %d per check", SNMP_OIDS_MAX);
            return -EINVAL;
        }
        struct snmp_oid *o = &out[*n];
        *eq = '\0';
        memcpy(o->name, s, (size_t)(eq - s) + 1); /* name_valid: under SNMP_NAME_MAX */
        char *colon = type_colon(eq + 1);
        o->kind = SNMP_GAUGE;
        if (colon) {
            *colon = '\0';
            if (kind_parse(colon + 1, &o->kind) < 0) {
                snprintf(err, errlen,
                         "oids: '%s': unknown type '%s' (expected gauge, counter, counter32, "
                         "counter64 or derive)",
                         s, colon + 1);
                return -EINVAL;
            }
        }
        if (oid_parse(s, eq + 1, resolve, o, err, errlen) < 0)
            return -EINVAL;
        if (snmp_metric_reserved(o->name)) {
            snprintf(err, errlen, "oids: '%s' is the name of a built-in metric", o->name);
            return -EINVAL;
        }
        for (size_t i = 0; i < *n; i++) {
            if (strcmp(out[i].name, o->name) == 0) {
                snprintf(err, errlen, "oids: the name '%s' appears twice", o->name);
                return -EINVAL;
            }
        }
        (*n)++;
    }
    return 0;
}

int snmp_oids_parse(const char *text, struct snmp_oid *out, size_t *n, char *err, size_t errlen)
{
    return snmp_oids_parse_names(text, NULL, out, n, err, errlen);
}
