#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "snmp_ifs.h"

#include <errno.h>
#include <fnmatch.h>
#include <iconv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_text.h"

#define IF_ENTRY  1, 3, 6, 1, 2, 1, 2, 2, 1
#define IFX_ENTRY 1, 3, 6, 1, 2, 1, 31, 1, 1, 1

static const struct {
    uint32_t oid[11];
    size_t len;
    int field;
    int when; /* 0 always, 1 v1 or with32, 2 v2c and v3 only */
} columns[] = {
    {{IF_ENTRY, 2}, 10, IF_DESCR, 0},        {{IF_ENTRY, 7}, 10, IF_ADMIN, 0},
    {{IF_ENTRY, 8}, 10, IF_OPER, 0},         {{IF_ENTRY, 5}, 10, IF_SPEED, 1},
    {{IF_ENTRY, 10}, 10, IF_IN_OCT, 1},      {{IF_ENTRY, 13}, 10, IF_IN_DISC, 0},
    {{IF_ENTRY, 14}, 10, IF_IN_ERR, 0},      {{IF_ENTRY, 16}, 10, IF_OUT_OCT, 1},
    {{IF_ENTRY, 19}, 10, IF_OUT_DISC, 0},    {{IF_ENTRY, 20}, 10, IF_OUT_ERR, 0},
    {{IFX_ENTRY, 1}, 11, IF_NAME, 0},        {{IFX_ENTRY, 6}, 11, IF_HC_IN_OCT, 2},
    {{IFX_ENTRY, 10}, 11, IF_HC_OUT_OCT, 2}, {{IFX_ENTRY, 15}, 11, IF_HIGH_SPEED, 2},
    {{IFX_ENTRY, 18}, 11, IF_ALIAS, 0},      {{IFX_ENTRY, 19}, 11, IF_DISCONT, 2},
};

size_t snmp_ifs_columns(bool v1, bool with32, const uint32_t **bases, size_t *lens, int *fields)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
        if ((columns[i].when == 1 && !v1 && !with32) || (columns[i].when == 2 && v1))
            continue;
        bases[n] = columns[i].oid;
        lens[n] = columns[i].len;
        fields[n++] = columns[i].field;
    }
    return n;
}

void snmp_series_id(const char *prefix, const char *name, char *out, size_t len)
{
    if (len == 0)
        return;
    size_t n = strlen(prefix);
    if (n >= len)
        n = len - 1;
    memcpy(out, prefix, n);
    bool last_sub = false;
    for (const char *p = name; *p && n + 1 < len; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        /* One '_' for a run of others: "Gi1/0/1" -> "gi1_0_1", "a  b" -> "a_b". */
        if (!ok && last_sub)
            continue;
        out[n++] = ok ? c : '_';
        last_sub = !ok;
    }
    out[n] = '\0';
}

/* Items: "pattern", "alias:pattern", "!..." excludes. */
static bool next_item(const char **p, char *item, size_t len)
{
    const char *s = *p;
    while (*s == ' ' || *s == ',')
        s++;
    if (!*s)
        return false;
    size_t n = strcspn(s, ",");
    *p = s + n;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    snprintf(item, len, "%.*s", (int)n, s);
    return true;
}

int snmp_ifs_patterns_valid(const char *patterns, char *err, size_t errlen)
{
    char item[256];
    size_t n = 0;
    for (const char *p = patterns; next_item(&p, item, sizeof(item)); n++) {
        const char *pat = item + (item[0] == '!');
        if (strncmp(pat, "alias:", 6) == 0)
            pat += 6;
        if (!*pat) {
            snprintf(err, errlen, "interfaces: empty pattern in '%s'", patterns);
            return -EINVAL;
        }
    }
    if (n == 0) {
        snprintf(err, errlen, "interfaces: no pattern (\"*\" selects every interface)");
        return -EINVAL;
    }
    return 0;
}

static bool matches(const struct snmp_if *ifc, const char *item)
{
    const char *pat = item, *what = ifc->name;
    if (strncmp(pat, "alias:", 6) == 0) {
        pat += 6;
        what = ifc->alias;
    }
    return fnmatch(pat, what, FNM_CASEFOLD) == 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull; /* a separator: "ab"+"c" is not "a"+"bc" */
}

static bool selected(const struct snmp_if *ifc, const char *patterns)
{
    char item[256];
    bool in = false;
    for (const char *p = patterns; next_item(&p, item, sizeof(item));) {
        if (item[0] == '!' && matches(ifc, item + 1))
            return false;
        if (item[0] != '!' && !in)
            in = matches(ifc, item);
    }
    return in;
}

void snmp_ifs_begin(struct snmp_ifs *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct snmp_if *ifc = &t->v[i];
        ifc->seen = false;
        ifc->have = 0;
        /* Walked again every round: a name that is gone is gone. */
        ifc->name[0] = ifc->alias[0] = ifc->descr[0] = '\0';
    }
}

static struct snmp_if *find_or_add(struct snmp_ifs *t, uint32_t index)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->v[mid].index == index)
            return &t->v[mid];
        if (t->v[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (t->n >= SNMP_IFS_MAX) {
        t->dropped = true;
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        void *p = realloc(t->v, cap * sizeof(*t->v));
        if (!p)
            return NULL;
        t->v = p;
        t->cap = cap;
    }
    memmove(&t->v[lo + 1], &t->v[lo], (t->n - lo) * sizeof(*t->v));
    t->n++;
    memset(&t->v[lo], 0, sizeof(t->v[lo]));
    t->v[lo].index = index;
    return &t->v[lo];
}

void snmp_ifs_put(struct snmp_ifs *t, int field, const uint32_t *index, size_t index_len,
                  const struct snmp_value *v)
{
    if (index_len != 1 || field < 0 || field >= IF_FIELDS)
        return;
    struct snmp_if *ifc = find_or_add(t, index[0]);
    if (!ifc)
        return;
    ifc->seen = true;
    switch (field) {
    case IF_DESCR:
    case IF_NAME:
    case IF_ALIAS:
        if (v->type != SNMP_V_STRING)
            return;
        snmp_text_utf8(v->s, v->s_len,
                       field == IF_DESCR  ? ifc->descr
                       : field == IF_NAME ? ifc->name
                                          : ifc->alias,
                       field == IF_ALIAS ? sizeof(ifc->alias) : sizeof(ifc->name));
        break;
    default:
        if (v->type == SNMP_V_UINT)
            ifc->raw[field] = (int64_t)v->u;
        else if (v->type == SNMP_V_INT)
            ifc->raw[field] = v->i;
        else
            return;
        break;
    }
    ifc->have |= 1u << field;
}

static bool has(const struct snmp_if *ifc, int field)
{
    return (ifc->have >> field) & 1u;
}

/* What is kept per ifIndex belongs to the port of that name: when the
 * index now stands for another port (renumbered while the agent ran),
 * its counters and link state are not this port's. */
static void forget_state(struct snmp_if *ifc)
{
    memset(ifc->ctr, 0, sizeof(ifc->ctr));
    ifc->has_discont = false;
    ifc->last_oper = 0;
    ifc->down_since = 0;
    ifc->down_reported = false;
}

/* Ids from names; two names that come out the same (or an interface
 * without one) get the ifIndex added, in ifIndex order. */
static void assign_ids(struct snmp_ifs *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct snmp_if *ifc = &t->v[i];
        if (!ifc->selected)
            continue;
        char id[SNMP_SERIES_MAX + 1];
        snmp_series_id("if-", ifc->name, id, sizeof(id) - 12);
        bool taken = strcmp(id, "if-") == 0;
        for (size_t k = 0; k < i && !taken; k++)
            taken = t->v[k].selected && strcmp(t->v[k].id, id) == 0;
        if (taken)
            snprintf(id + strlen(id), 12, "%s%u", strcmp(id, "if-") == 0 ? "" : "-", ifc->index);
        if (ifc->id[0] && strcmp(ifc->id, id) != 0)
            forget_state(ifc);
        memcpy(ifc->id, id, sizeof(ifc->id));
    }
}

static double rate(struct snmp_if *ifc, int which, enum snmp_counter_kind kind, int field,
                   pd_ns now, enum snmp_restart restart)
{
    if (!has(ifc, field)) {
        ifc->ctr[which].valid = false;
        return NAN;
    }
    return snmp_counter_update(&ifc->ctr[which], kind, (uint64_t)ifc->raw[field], now, restart);
}

static void compute(struct snmp_if *ifc, pd_ns now, enum snmp_restart restart)
{
    /* The interface's own counters restarted (a line card reset). */
    if (has(ifc, IF_DISCONT)) {
        uint32_t d = (uint32_t)ifc->raw[IF_DISCONT];
        if (ifc->has_discont && d != ifc->discont)
            restart = SNMP_REBOOT;
        ifc->discont = d;
        ifc->has_discont = true;
    }
    bool hc = has(ifc, IF_HC_IN_OCT) && has(ifc, IF_HC_OUT_OCT);
    if (hc != ifc->hc) { /* other counters: no rate across the switch */
        ifc->ctr[IFC_IN].valid = ifc->ctr[IFC_OUT].valid = false;
        ifc->hc = hc;
    }
    enum snmp_counter_kind oct = hc ? SNMP_COUNTER64 : SNMP_COUNTER32;
    double in = rate(ifc, IFC_IN, oct, hc ? IF_HC_IN_OCT : IF_IN_OCT, now, restart);
    double out = rate(ifc, IFC_OUT, oct, hc ? IF_HC_OUT_OCT : IF_OUT_OCT, now, restart);
    double speed = has(ifc, IF_HIGH_SPEED) && ifc->raw[IF_HIGH_SPEED] > 0
                       ? (double)ifc->raw[IF_HIGH_SPEED]
                   : has(ifc, IF_SPEED) ? (double)ifc->raw[IF_SPEED] / 1e6
                                        : NAN;
    size_t n = 0;
    ifc->m[n++] = (struct pd_metric){"in_bps", in * 8};
    ifc->m[n++] = (struct pd_metric){"out_bps", out * 8};
    ifc->m[n++] = (struct pd_metric){
        "in_errors", rate(ifc, IFC_IN_ERR, SNMP_COUNTER32, IF_IN_ERR, now, restart)};
    ifc->m[n++] = (struct pd_metric){
        "out_errors", rate(ifc, IFC_OUT_ERR, SNMP_COUNTER32, IF_OUT_ERR, now, restart)};
    ifc->m[n++] = (struct pd_metric){
        "in_discards", rate(ifc, IFC_IN_DISC, SNMP_COUNTER32, IF_IN_DISC, now, restart)};
    ifc->m[n++] = (struct pd_metric){
        "out_discards", rate(ifc, IFC_OUT_DISC, SNMP_COUNTER32, IF_OUT_DISC, now, restart)};
    ifc->m[n++] = (struct pd_metric){
        "oper_up", has(ifc, IF_OPER) ? (ifc->raw[IF_OPER] == 1 ? 1.0 : 0.0) : NAN};
    ifc->m[n++] = (struct pd_metric){"speed_mbps", speed};
    ifc->n_m = n;
}

size_t snmp_ifs_end(struct snmp_ifs *t, const char *patterns, pd_ns now, enum snmp_restart restart,
                    struct snmp_if_change *changes, size_t max)
{
    size_t kept = 0, n_changes = 0;
    bool want32 = false;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].seen)
            t->v[kept++] = t->v[i];
    t->n = kept;
    for (size_t i = 0; i < t->n; i++) {
        struct snmp_if *ifc = &t->v[i];
        if (!ifc->name[0])
            memcpy(ifc->name, ifc->descr, sizeof(ifc->name));
        /* Judged again only when a name or the patterns change: fnmatch
         * with case folding costs more than the rest of the round. */
        uint64_t key = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ull, ifc->name), ifc->alias), patterns);
        if (key != ifc->sel_key || key == 0) {
            ifc->selected = selected(ifc, patterns);
            ifc->sel_key = key;
        }
    }
    assign_ids(t);
    for (size_t i = 0; i < t->n; i++) {
        struct snmp_if *ifc = &t->v[i];
        if (!ifc->selected)
            continue;
        compute(ifc, now, restart);
        want32 |= !ifc->hc;
        if (!has(ifc, IF_OPER))
            continue;
        int oper = (int)ifc->raw[IF_OPER];
        bool admin_up = has(ifc, IF_ADMIN) && ifc->raw[IF_ADMIN] == 1;
        bool was_up = ifc->last_oper == 1, is_up = oper == 1;
        /* Down while meant to be up; up again only after such a down, so
         * that events come in pairs (a port brought back from shutdown
         * says nothing). */
        bool down = ifc->last_oper != 0 && was_up && !is_up && admin_up;
        bool up = is_up && !was_up && ifc->down_reported;
        if ((down || up) && n_changes < max) {
            changes[n_changes++] = (struct snmp_if_change){
                .ifc = ifc,
                .up = up,
                .oper = oper,
                .after = up && ifc->down_since ? now - ifc->down_since : 0,
            };
            ifc->down_reported = down;
        }
        if (was_up && !is_up)
            ifc->down_since = now;
        else if (is_up)
            ifc->down_since = 0;
        ifc->last_oper = oper;
    }
    t->want32 = want32;
    /* The changes point into t->v, which is not moved again this round. */
    return n_changes;
}

void snmp_ifs_free(struct snmp_ifs *t)
{
    free(t->v);
    memset(t, 0, sizeof(*t));
}
