#include "snmp_host.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "snmp_text.h"

#define HR_STORAGE_ENTRY 1, 3, 6, 1, 2, 1, 25, 2, 3, 1

static const uint32_t hr_storage_types[] = {1, 3, 6, 1, 2, 1, 25, 2, 1};
enum { HR_TYPE_RAM = 2, HR_TYPE_FIXED_DISK = 4 };

static const struct {
    uint32_t oid[11];
    size_t len;
    int field;
} columns[] = {
    {{1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2}, 11, HR_CPU_LOAD},
    {{HR_STORAGE_ENTRY, 2}, 11, HR_ST_TYPE},
    {{HR_STORAGE_ENTRY, 3}, 11, HR_ST_DESCR},
    {{HR_STORAGE_ENTRY, 4}, 11, HR_ST_UNITS},
    {{HR_STORAGE_ENTRY, 5}, 11, HR_ST_SIZE},
    {{HR_STORAGE_ENTRY, 6}, 11, HR_ST_USED},
};

size_t snmp_host_columns(const uint32_t **bases, size_t *lens, int *fields)
{
    size_t n = sizeof(columns) / sizeof(columns[0]);
    for (size_t i = 0; i < n; i++) {
        bases[i] = columns[i].oid;
        lens[i] = columns[i].len;
        fields[i] = columns[i].field;
    }
    return n;
}

void snmp_host_begin(struct snmp_host *h)
{
    h->load_sum = h->load_max = 0;
    h->n_cpu = 0;
    h->n_st = 0;
    h->n_disks = 0;
}

static struct snmp_storage *storage_row(struct snmp_host *h, uint32_t index)
{
    /* Rows come in index order, one column after another: look back. */
    for (size_t i = h->n_st; i-- > 0;)
        if (h->st[i].index == index)
            return &h->st[i];
    if (h->n_st >= SNMP_HOST_MAX)
        return NULL;
    struct snmp_storage *s = &h->st[h->n_st++];
    memset(s, 0, sizeof(*s));
    s->index = index;
    return s;
}

void snmp_host_put(struct snmp_host *h, int field, const uint32_t *index, size_t index_len,
                   const struct snmp_value *v)
{
    if (index_len != 1)
        return;
    if (field == HR_CPU_LOAD) {
        if (v->type != SNMP_V_INT || v->i < 0 || v->i > 100 || h->n_cpu >= SNMP_HOST_MAX)
            return;
        h->load_sum += (double)v->i;
        h->load_max = fmax(h->load_max, (double)v->i);
        h->n_cpu++;
        return;
    }
    struct snmp_storage *s = storage_row(h, index[0]);
    if (!s)
        return;
    switch (field) {
    case HR_ST_TYPE:
        if (v->type != SNMP_V_OID || v->val_oid_len != 10 ||
            memcmp(v->val_oid, hr_storage_types, sizeof(hr_storage_types)) != 0)
            return;
        s->type = (int)v->val_oid[9];
        break;
    case HR_ST_DESCR:
        if (v->type != SNMP_V_STRING)
            return;
        snmp_text_utf8(v->s, v->s_len, s->descr, sizeof(s->descr));
        break;
    case HR_ST_UNITS:
    case HR_ST_SIZE:
    case HR_ST_USED: {
        if (v->type != SNMP_V_INT || v->i < 0)
            return;
        int64_t *to = field == HR_ST_UNITS ? &s->units : field == HR_ST_SIZE ? &s->size : &s->used;
        *to = v->i;
        break;
    }
    default:
        return;
    }
    s->have |= 1u << field;
}

static bool complete(const struct snmp_storage *s)
{
    unsigned need = 1u << HR_ST_UNITS | 1u << HR_ST_SIZE | 1u << HR_ST_USED;
    return (s->have & need) == need && s->size > 0;
}

size_t snmp_host_end(struct snmp_host *h, struct pd_metric *out)
{
    double mem = NAN;
    size_t disks = 0;
    for (size_t i = 0; i < h->n_st; i++) {
        struct snmp_storage s = h->st[i];
        if (!complete(&s))
            continue;
        double used_pct = 100.0 * (double)s.used / (double)s.size;
        if (s.type == HR_TYPE_RAM && isnan(mem))
            mem = used_pct;
        if (s.type != HR_TYPE_FIXED_DISK)
            continue;
        /* "/" is root; "/var/log" is var_log. */
        snmp_series_id("fs-", strcmp(s.descr, "/") == 0 ? "root" : s.descr + (s.descr[0] == '/'),
                       s.id, sizeof(s.id));
        s.m[0] = (struct pd_metric){"used_pct", used_pct};
        s.m[1] = (struct pd_metric){"used_bytes", (double)s.used * (double)s.units};
        s.m[2] = (struct pd_metric){"size_bytes", (double)s.size * (double)s.units};
        /* Two file systems with one name: the second keeps its index. */
        for (size_t k = 0; k < disks; k++)
            if (strcmp(h->st[k].id, s.id) == 0)
                snprintf(s.id, sizeof(s.id), "fs-%u", s.index);
        h->st[disks++] = s;
    }
    h->n_disks = disks;
    size_t n = 0;
    out[n++] = (struct pd_metric){"cpu_load_pct", h->n_cpu ? h->load_sum / (double)h->n_cpu : NAN};
    out[n++] = (struct pd_metric){"cpu_load_max", h->n_cpu ? h->load_max : NAN};
    out[n++] = (struct pd_metric){"mem_used_pct", mem};
    return n;
}
