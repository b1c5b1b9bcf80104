/*
 * libFuzzer harness for what the snmp plugin makes of an agent's table
 * answers: the walk (snmp_walk.c) and the interfaces and host tables it
 * feeds (snmp_ifs.c, snmp_host.c, snmp_text.c). net-snmp decodes the
 * datagram; everything after that is ours and sees the agent's values.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_snmp_tables
 *   ./build-fuzz/tests/fuzz_snmp_tables -max_total_time=60 tests/fuzz/corpus/snmp_tables
 *
 * Input: answers separated by a 0xFF byte; an answer is varbinds, each
 * [type][name length][name: that many bytes, each a sub-identifier, the
 * first chosen from the walk's columns when below 0x80][value length]
 * [value bytes]. Each answer is fed to the walk as the reply to its last
 * request; then the tables end their round. The invariants: every
 * series id is path-safe, every name and alias valid UTF-8.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_host.h"
#include "snmp_ifs.h"
#include "snmp_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VB 64

struct tables {
    struct snmp_ifs ifs;
    struct snmp_host host;
    int field[SNMP_WALK_COLS];
};

static void on_value(void *arg, size_t col, const uint32_t *index, size_t index_len,
                     const struct snmp_value *v)
{
    struct tables *t = arg;
    if (t->field[col] < IF_FIELDS)
        snmp_ifs_put(&t->ifs, t->field[col], index, index_len, v);
    else
        snmp_host_put(&t->host, t->field[col] - IF_FIELDS, index, index_len, v);
}

static void check_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > SNMP_SERIES_MAX || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        __builtin_trap();
}

static void check_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        if (*p >= 0x80 && (*p < 0xC2 || *p > 0xF4))
            __builtin_trap();
        for (size_t i = 1; i < k; i++)
            if ((p[i] & 0xC0) != 0x80)
                __builtin_trap();
        p += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tables t;
    const uint32_t *bases[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    memset(&t.host, 0, sizeof(t.host));
    size_t n =
        snmp_ifs_columns(size > 0 && data[0] & 1, size > 0 && data[0] & 2, bases, lens, t.field);
    size_t k = snmp_host_columns(bases + n, lens + n, t.field + n);
    for (size_t i = n; i < n + k; i++)
        t.field[i] += IF_FIELDS;
    n += k;

    struct snmp_walk w;
    struct snmp_value v[MAX_VB];
    uint32_t names[MAX_VB][SNMP_OID_MAX + 16], oidv[MAX_VB][32];
    snmp_walk_start(&w, bases, lens, n);
    snmp_ifs_begin(&t.ifs);
    snmp_host_begin(&t.host);
    size_t pos = size > 0 ? 1 : 0;
    for (int answer = 0; answer < 64 && pos < size; answer++) {
        const uint32_t *oids[SNMP_WALK_COLS];
        size_t olens[SNMP_WALK_COLS];
        size_t asked = snmp_walk_next(&w, oids, olens);
        if (asked == 0)
            break;
        size_t nv = 0;
        while (pos < size && data[pos] != 0xFF && nv < MAX_VB) {
            if (size - pos < 3)
                return 0;
            struct snmp_value *x = &v[nv];
            memset(x, 0, sizeof(*x));
            x->type = data[pos] % 6;
            size_t nl = data[pos + 1] % (SNMP_OID_MAX + 16);
            pos += 2;
            if (size - pos < nl + 1)
                return 0;
            /* A name that starts as the column asked, then the input's. */
            const uint32_t *col = oids[nv % asked];
            size_t cl = olens[nv % asked];
            for (size_t i = 0; i < nl; i++)
                names[nv][i] = i < cl && data[pos + i] < 0x80 ? col[i] : data[pos + i];
            x->oid = names[nv];
            x->oid_len = nl;
            pos += nl;
            size_t vl = data[pos++];
            if (size - pos < vl)
                return 0;
            const uint8_t *val = data + pos;
            pos += vl;
            for (size_t i = 0; i < vl && i < 8; i++)
                x->u = x->u << 8 | val[i];
            x->i = (int64_t)x->u;
            x->s = (const char *)val;
            x->s_len = vl;
            x->val_oid_len = vl < 32 ? vl : 32;
            for (size_t i = 0; i < x->val_oid_len; i++)
                oidv[nv][i] =
                    val[i] < 0x80 && i < 9 ? (uint32_t[]){1, 3, 6, 1, 2, 1, 25, 2, 1}[i] : val[i];
            x->val_oid = oidv[nv];
            nv++;
        }
        pos++; /* the separator */
        if (answer % 7 == 6)
            snmp_walk_v1_end(&w, nv % (asked + 1));
        else
            snmp_walk_feed(&w, v, nv, on_value, &t);
    }
    struct snmp_if_change changes[8];
    snmp_ifs_end(&t.ifs, size > 1 && data[1] & 1 ? "ge*, alias:*上联*, !ge3" : "*",
                 (pd_ns)size * PD_SEC, SNMP_SAME, changes, 8);
    for (size_t i = 0; i < t.ifs.n; i++) {
        check_utf8(t.ifs.v[i].name);
        check_utf8(t.ifs.v[i].alias);
        if (t.ifs.v[i].selected)
            check_id(t.ifs.v[i].id);
    }
    struct pd_metric m[3];
    snmp_host_end(&t.host, m);
    for (size_t i = 0; i < t.host.n_disks; i++) {
        check_id(t.host.st[i].id);
        check_utf8(t.host.st[i].descr);
    }
    /* Across inputs, as across rounds: forget now and then. */
    if (size > 2 && data[2] == 0)
        snmp_ifs_free(&t.ifs);
    return 0;
}
