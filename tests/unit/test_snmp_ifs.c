/* The interfaces and host collections, and agent text to UTF-8. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snmp_host.h"
#include "snmp_ifs.h"
#include "snmp_text.h"

#define S(x) ((pd_ns)(x)*PD_SEC)

/* "会议室终端" as iconv -f UTF-8 -t GB18030 writes it. */
#define ROOM_GB   "\xbb\xe1\xd2\xe9\xca\xd2\xd6\xd5\xb6\xcb"
#define ROOM_UTF8 "会议室终端"

static struct snmp_value v_uint(uint64_t u)
{
    return (struct snmp_value){.type = SNMP_V_UINT, .u = u};
}

static struct snmp_value v_int(int64_t i)
{
    return (struct snmp_value){.type = SNMP_V_INT, .i = i};
}

static struct snmp_value v_str(const char *s)
{
    return (struct snmp_value){.type = SNMP_V_STRING, .s = s, .s_len = strlen(s)};
}

static struct snmp_value v_oid(const uint32_t *oid, size_t n)
{
    return (struct snmp_value){.type = SNMP_V_OID, .val_oid = oid, .val_oid_len = n};
}

static void put(struct snmp_ifs *t, int field, uint32_t index, struct snmp_value v)
{
    snmp_ifs_put(t, field, &index, 1, &v);
}

/* An interface as a v2c agent answers it, without counters. */
static void put_if(struct snmp_ifs *t, uint32_t index, const char *name, int admin, int oper)
{
    put(t, IF_NAME, index, v_str(name));
    put(t, IF_ADMIN, index, v_int(admin));
    put(t, IF_OPER, index, v_int(oper));
}

static void put_hc(struct snmp_ifs *t, uint32_t index, uint64_t in, uint64_t out)
{
    put(t, IF_HC_IN_OCT, index, v_uint(in));
    put(t, IF_HC_OUT_OCT, index, v_uint(out));
}

static struct snmp_if *find(struct snmp_ifs *t, uint32_t index)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].index == index)
            return &t->v[i];
    fail_msg("no interface %u", index);
    return NULL;
}

static double metric(const struct snmp_if *ifc, const char *name)
{
    for (size_t i = 0; i < ifc->n_m; i++)
        if (strcmp(ifc->m[i].name, name) == 0)
            return ifc->m[i].value;
    fail_msg("no metric %s for interface %u", name, ifc->index);
    return NAN;
}

/* The end of a round whose oper changes are not looked at. */
static void end_at(struct snmp_ifs *t, const char *patterns, int64_t sec, enum snmp_restart restart)
{
    struct snmp_if_change ch[4];
    snmp_ifs_end(t, patterns, S(sec), restart, ch, 4);
}

struct column {
    int field;
    uint32_t oid[11];
    size_t len;
};

#define IF_ENTRY  1, 3, 6, 1, 2, 1, 2, 2, 1
#define IFX_ENTRY 1, 3, 6, 1, 2, 1, 31, 1, 1, 1

/* IF-MIB's numbers, written here from RFC 2863 rather than taken from
 * the module. */
static const struct column if_mib[] = {
    {IF_DESCR, {IF_ENTRY, 2}, 10},        {IF_ADMIN, {IF_ENTRY, 7}, 10},
    {IF_OPER, {IF_ENTRY, 8}, 10},         {IF_SPEED, {IF_ENTRY, 5}, 10},
    {IF_IN_OCT, {IF_ENTRY, 10}, 10},      {IF_OUT_OCT, {IF_ENTRY, 16}, 10},
    {IF_IN_DISC, {IF_ENTRY, 13}, 10},     {IF_IN_ERR, {IF_ENTRY, 14}, 10},
    {IF_OUT_DISC, {IF_ENTRY, 19}, 10},    {IF_OUT_ERR, {IF_ENTRY, 20}, 10},
    {IF_NAME, {IFX_ENTRY, 1}, 11},        {IF_HC_IN_OCT, {IFX_ENTRY, 6}, 11},
    {IF_HC_OUT_OCT, {IFX_ENTRY, 10}, 11}, {IF_HIGH_SPEED, {IFX_ENTRY, 15}, 11},
    {IF_ALIAS, {IFX_ENTRY, 18}, 11},      {IF_DISCONT, {IFX_ENTRY, 19}, 11},
};

/* Which fields the columns cover (a bit each), checking every OID. */
static uint32_t columns_of(bool v1, bool with32)
{
    const uint32_t *bases[IF_FIELDS];
    size_t lens[IF_FIELDS];
    int fields[IF_FIELDS];
    uint32_t got = 0;
    size_t n = snmp_ifs_columns(v1, with32, bases, lens, fields);

    assert_true(n <= IF_FIELDS);
    for (size_t i = 0; i < n; i++) {
        assert_true(fields[i] >= 0 && fields[i] < IF_FIELDS);
        assert_false(got & 1u << fields[i]);
        got |= 1u << fields[i];
        const struct column *c = NULL;
        for (size_t k = 0; k < sizeof(if_mib) / sizeof(if_mib[0]); k++)
            if (if_mib[k].field == fields[i])
                c = &if_mib[k];
        assert_non_null(c);
        assert_int_equal(lens[i], c->len);
        assert_memory_equal(bases[i], c->oid, c->len * sizeof(uint32_t));
    }
    return got;
}

#define BIT(f) (1u << (f))

static void test_columns(void **state)
{
    (void)state;
    const uint32_t all = BIT(IF_FIELDS) - 1;
    const uint32_t v2_only =
        BIT(IF_HC_IN_OCT) | BIT(IF_HC_OUT_OCT) | BIT(IF_HIGH_SPEED) | BIT(IF_DISCONT);
    const uint32_t old32 = BIT(IF_SPEED) | BIT(IF_IN_OCT) | BIT(IF_OUT_OCT);

    assert_int_equal(columns_of(true, false), all & ~v2_only);
    assert_int_equal(columns_of(true, true), all & ~v2_only);
    assert_int_equal(columns_of(false, false), all & ~old32);
    assert_int_equal(columns_of(false, true), all);
}

static void test_patterns_valid(void **state)
{
    (void)state;
    char err[256];
    const char *bad[] = {"", " , ", "!", "alias:", "!alias:", "ge*, ,!"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(snmp_ifs_patterns_valid(bad[i], err, sizeof(err)), -EINVAL);
        assert_true(strncmp(err, "interfaces: ", 12) == 0);
    }
    assert_int_equal(snmp_ifs_patterns_valid("*", err, sizeof(err)), 0);
    assert_int_equal(snmp_ifs_patterns_valid("ge*, alias:*上联*, !ge3", err, sizeof(err)), 0);
}

/* Five named interfaces (three aliased in Chinese) and one without a name. */
static void put_selection_round(struct snmp_ifs *t)
{
    snmp_ifs_begin(t);
    put_if(t, 1, "GE1", 1, 1);
    put(t, IF_ALIAS, 1, v_str("核心交换机"));
    put_if(t, 2, "ge2", 1, 1);
    put_if(t, 3, "ge3", 1, 1);
    put(t, IF_ALIAS, 3, v_str("上联备用"));
    put_if(t, 4, "Vlan1", 1, 1);
    put(t, IF_ALIAS, 4, v_str("上联管理"));
    put_if(t, 5, "Eth0", 1, 1);
    put(t, IF_ALIAS, 5, v_str("办公室"));
    put(t, IF_OPER, 6, v_int(1));
}

static void test_selection(void **state)
{
    struct snmp_ifs *t = *state;

    put_selection_round(t);
    end_at(t, "*", 0, SNMP_FIRST);
    assert_int_equal(t->n, 6);
    for (size_t i = 0; i < t->n; i++)
        assert_true(t->v[i].selected);

    put_selection_round(t);
    end_at(t, "ge*, alias:*上联*, !ge3", 10, SNMP_SAME);
    assert_true(find(t, 1)->selected); /* "ge*" ignores case */
    assert_true(find(t, 2)->selected);
    assert_false(find(t, 3)->selected); /* excluded, though its alias matches */
    assert_true(find(t, 4)->selected);  /* by its alias */
    assert_false(find(t, 5)->selected);
    assert_false(find(t, 6)->selected);
    assert_int_equal(find(t, 1)->n_m, SNMP_IF_METRICS);

    /* An exclusion before the inclusions counts the same. */
    put_selection_round(t);
    end_at(t, "!ge3, *", 20, SNMP_SAME);
    assert_false(find(t, 3)->selected);
    assert_true(find(t, 5)->selected);
}

static void test_series_ids(void **state)
{
    struct snmp_ifs *t = *state;

    snmp_ifs_begin(t);
    put_if(t, 1, "GigabitEthernet1/0/1", 1, 1);
    put_if(t, 5, "Gi1/0/1", 1, 1);
    put_if(t, 7, "Gi1:0:1", 1, 1);
    put(t, IF_DESCR, 9, v_str("eth0"));
    put(t, IF_OPER, 12, v_int(1));
    put(t, IF_DESCR, 13, v_str("Serial0"));
    put(t, IF_NAME, 13, v_str("Se0"));
    end_at(t, "*", 0, SNMP_FIRST);
    assert_string_equal(find(t, 1)->id, "if-gigabitethernet1_0_1");
    assert_string_equal(find(t, 5)->id, "if-gi1_0_1");
    assert_string_equal(find(t, 7)->id, "if-gi1_0_1-7");
    assert_string_equal(find(t, 9)->name, "eth0");
    assert_string_equal(find(t, 9)->id, "if-eth0");
    assert_string_equal(find(t, 12)->id, "if-12");
    assert_string_equal(find(t, 13)->id, "if-se0");

    /* Only selected interfaces take a name away. */
    snmp_ifs_begin(t);
    put_if(t, 5, "Gi1/0/1", 1, 1);
    put_if(t, 7, "Gi1:0:1", 1, 1);
    end_at(t, "Gi1:*", 5, SNMP_SAME);
    assert_string_equal(find(t, 7)->id, "if-gi1_0_1");

    /* After a restart the agent numbered the ports anew: the ids stay
     * with the names, and the old indexes are forgotten. */
    snmp_ifs_begin(t);
    put_if(t, 104, "GigabitEthernet1/0/1", 1, 1);
    put_if(t, 103, "GigabitEthernet1/0/2", 1, 1);
    end_at(t, "*", 10, SNMP_REBOOT);
    assert_int_equal(t->n, 2);
    assert_string_equal(find(t, 104)->id, "if-gigabitethernet1_0_1");
    assert_string_equal(find(t, 103)->id, "if-gigabitethernet1_0_2");

    char id[SNMP_SERIES_MAX + 1];
    snmp_series_id("if-", "Port  #1 (uplink)", id, sizeof(id));
    assert_string_equal(id, "if-port_1_uplink_");
    snmp_series_id("if-", "ABCDEFGH", id, 8);
    assert_string_equal(id, "if-abcd");
}

static void test_long_name_id_fits(void **state)
{
    struct snmp_ifs *t = *state;
    char name[64];

    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snmp_ifs_begin(t);
    put_if(t, 1, name, 1, 1);
    put_if(t, 4000000000u, name, 1, 1);
    end_at(t, "*", 0, SNMP_FIRST);
    const char *a = find(t, 1)->id, *b = find(t, 4000000000u)->id;
    assert_true(strlen(b) <= SNMP_SERIES_MAX);
    assert_string_not_equal(a, b);
    assert_int_equal(strncmp(a, "if-xxx", 6), 0);
    assert_true(strlen(b) > 11);
    assert_string_equal(b + strlen(b) - 11, "-4000000000");
}

static void test_rates(void **state)
{
    struct snmp_ifs *t = *state;
    uint64_t in = UINT64_C(80000000000), out = 1000;

    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 1);
    put_hc(t, 1, in, out);
    put(t, IF_HIGH_SPEED, 1, v_uint(1000));
    put(t, IF_IN_ERR, 1, v_uint(4294967000u));
    put(t, IF_OUT_DISC, 1, v_uint(0));
    end_at(t, "*", 100, SNMP_FIRST);
    struct snmp_if *ifc = find(t, 1);
    assert_int_equal(ifc->n_m, SNMP_IF_METRICS);
    assert_true(isnan(metric(ifc, "in_bps")));
    assert_true(isnan(metric(ifc, "out_bps")));
    assert_true(isnan(metric(ifc, "in_errors")));
    assert_true(metric(ifc, "oper_up") == 1.0);
    assert_true(metric(ifc, "speed_mbps") == 1000.0);
    assert_false(t->want32);

    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 2);
    put_hc(t, 1, in + 1250000, out + 2500000);
    put(t, IF_HIGH_SPEED, 1, v_uint(1000));
    put(t, IF_IN_ERR, 1, v_uint(704)); /* Counter32 wrapped: 296 + 704 */
    put(t, IF_OUT_DISC, 1, v_uint(50));
    end_at(t, "*", 110, SNMP_SAME);
    ifc = find(t, 1);
    assert_true(metric(ifc, "in_bps") == 1e6);
    assert_true(metric(ifc, "out_bps") == 2e6);
    assert_true(metric(ifc, "in_errors") == 100.0);
    assert_true(metric(ifc, "out_discards") == 5.0);
    /* Not answered: unknown, not zero. */
    assert_true(isnan(metric(ifc, "out_errors")));
    assert_true(isnan(metric(ifc, "in_discards")));
    assert_true(metric(ifc, "oper_up") == 0.0);

    /* The agent restarted: its counters began again, no rate. */
    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 1);
    put_hc(t, 1, 5000, 6000);
    put(t, IF_IN_ERR, 1, v_uint(3));
    end_at(t, "*", 120, SNMP_REBOOT);
    ifc = find(t, 1);
    assert_true(isnan(metric(ifc, "in_bps")));
    assert_true(isnan(metric(ifc, "out_bps")));
    assert_true(isnan(metric(ifc, "in_errors")));
    /* No ifHighSpeed, no ifSpeed: no speed. */
    assert_true(isnan(metric(ifc, "speed_mbps")));

    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 1);
    put_hc(t, 1, 5000 + 1250000, 6000);
    put(t, IF_IN_ERR, 1, v_uint(13));
    end_at(t, "*", 130, SNMP_SAME);
    ifc = find(t, 1);
    assert_true(metric(ifc, "in_bps") == 1e6);
    assert_true(metric(ifc, "out_bps") == 0.0);
    assert_true(metric(ifc, "in_errors") == 1.0);
}

static void test_discontinuity(void **state)
{
    struct snmp_ifs *t = *state;
    const uint32_t discont[4][2] = {{0, 0}, {0, 0}, {5000, 0}, {5000, 0}};

    for (int r = 0; r < 4; r++) {
        snmp_ifs_begin(t);
        for (uint32_t i = 1; i <= 2; i++) {
            put_if(t, i, i == 1 ? "ge1" : "ge2", 1, 1);
            put_hc(t, i, 1250000u * (uint64_t)r, 0);
            put(t, IF_DISCONT, i, v_uint(discont[r][i - 1]));
        }
        end_at(t, "*", 10 * r, r ? SNMP_SAME : SNMP_FIRST);
        double one = metric(find(t, 1), "in_bps"), two = metric(find(t, 2), "in_bps");
        if (r == 0) {
            assert_true(isnan(one) && isnan(two));
        } else if (r == 2) {
            /* ge1's counters restarted; ge2's did not. */
            assert_true(isnan(one));
            assert_true(two == 1e6);
        } else {
            assert_true(one == 1e6);
            assert_true(two == 1e6);
        }
    }
}

static void test_32bit_counters(void **state)
{
    struct snmp_ifs *t = *state;

    /* ge2 answers no 64-bit counters (the 32-bit ones not walked yet). */
    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 1);
    put_hc(t, 1, 0, 0);
    put_if(t, 2, "ge2", 1, 1);
    end_at(t, "*", 0, SNMP_FIRST);
    assert_true(t->want32);
    assert_true(isnan(metric(find(t, 2), "in_bps")));

    /* Walked with them now: two rounds to a rate, across a wrap. */
    const uint64_t top = UINT64_C(1) << 32;
    const uint64_t in[2] = {top - 250000, 1000000}, out[2] = {100, 100 + 125};
    for (int r = 0; r < 2; r++) {
        snmp_ifs_begin(t);
        put_if(t, 1, "ge1", 1, 1);
        put_hc(t, 1, 0, 0);
        put_if(t, 2, "ge2", 1, 1);
        put(t, IF_SPEED, 2, v_uint(100000000));
        put(t, IF_HIGH_SPEED, 2, v_uint(0)); /* 0: not known, see ifSpeed */
        put(t, IF_IN_OCT, 2, v_uint(in[r]));
        put(t, IF_OUT_OCT, 2, v_uint(out[r]));
        end_at(t, "*", 10 + 10 * r, SNMP_SAME);
        assert_true(t->want32);
    }
    struct snmp_if *ge2 = find(t, 2);
    assert_true(metric(ge2, "in_bps") == 1e6);
    assert_true(metric(ge2, "out_bps") == 100.0);
    assert_true(metric(ge2, "speed_mbps") == 100.0);

    /* ge2 is gone: every interface has 64-bit counters. */
    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 1);
    put_hc(t, 1, 0, 0);
    end_at(t, "*", 30, SNMP_SAME);
    assert_false(t->want32);
}

/* Ports renumbered while the agent runs (a module added): the state
 * kept per ifIndex is forgotten when the index's name (its id) changes,
 * so no rate comes from another port's counters and no oper change that
 * did not happen is reported. */
static void test_renumbered_while_running(void **state)
{
    struct snmp_ifs *t = *state;
    struct snmp_if_change ch[4];
    const char *const names[2][2] = {{"Gi1/0/1", "Gi1/0/2"}, {"Gi1/0/2", "Gi1/0/1"}};
    const uint64_t octets[2] = {UINT64_C(1000000000), UINT64_C(5000000000)};
    size_t n_changes = 0;

    for (int r = 0; r < 2; r++) {
        snmp_ifs_begin(t);
        for (uint32_t i = 0; i < 2; i++) {
            int port = strcmp(names[r][i], "Gi1/0/1") == 0 ? 0 : 1;
            uint64_t o = octets[port] + UINT64_C(1250000) * (uint64_t)r;
            /* Gi1/0/1 is down all along, Gi1/0/2 up. */
            put_if(t, 3 + i, names[r][i], 1, port ? 1 : 2);
            put_hc(t, 3 + i, o, o);
        }
        n_changes = snmp_ifs_end(t, "*", S(10 * r), r ? SNMP_SAME : SNMP_FIRST, ch, 4);
    }
    assert_string_equal(find(t, 3)->id, "if-gi1_0_2");
    assert_string_equal(find(t, 4)->id, "if-gi1_0_1");
    /* Each port's own rate, or none; never the difference between two
     * ports' counters. */
    for (uint32_t index = 3; index <= 4; index++) {
        double bps = metric(find(t, index), "in_bps");
        assert_true(isnan(bps) || bps == 1e6);
    }
    assert_int_equal(n_changes, 0);
}

static size_t oper_round(struct snmp_ifs *t, int64_t sec, const int (*st)[3], size_t n,
                         struct snmp_if_change *ch, size_t max)
{
    snmp_ifs_begin(t);
    for (size_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "ge%d", st[i][0]);
        put_if(t, (uint32_t)st[i][0], name, st[i][1], st[i][2]);
    }
    return snmp_ifs_end(t, "*", S(sec), sec ? SNMP_SAME : SNMP_FIRST, ch, max);
}

static void test_oper_changes(void **state)
{
    struct snmp_ifs *t = *state;
    struct snmp_if_change ch[4];

    /* {ifIndex, admin, oper} */
    const int r0[][3] = {{1, 1, 1}, {2, 1, 1}, {3, 2, 2}, {4, 1, 1}};
    assert_int_equal(oper_round(t, 0, r0, 4, ch, 4), 0);

    /* ge1 goes down; ge2 is shut down (admin down); ge3 stays shut. */
    const int r1[][3] = {{1, 1, 2}, {2, 2, 2}, {3, 2, 2}, {4, 1, 1}};
    assert_int_equal(oper_round(t, 10, r1, 4, ch, 4), 1);
    assert_int_equal(ch[0].ifc->index, 1);
    assert_false(ch[0].up);
    assert_int_equal(ch[0].oper, 2);
    assert_int_equal(ch[0].after, 0);

    /* Down to lowerLayerDown is no change; ge4 leaves the walk. */
    const int r2[][3] = {{1, 1, 7}, {2, 2, 2}, {3, 2, 2}};
    assert_int_equal(oper_round(t, 40, r2, 3, ch, 4), 0);
    assert_int_equal(t->n, 3);

    /* ge1 is up again after 60 s down; ge4 is back, down, but new. */
    const int r3[][3] = {{1, 1, 1}, {2, 2, 2}, {3, 2, 2}, {4, 1, 2}};
    assert_int_equal(oper_round(t, 70, r3, 4, ch, 4), 1);
    assert_int_equal(ch[0].ifc->index, 1);
    assert_true(ch[0].up);
    assert_int_equal(ch[0].oper, 1);
    assert_true(ch[0].after == S(60));

    /* Two changes, room for one. */
    const int r4[][3] = {{1, 1, 2}, {2, 2, 2}, {3, 2, 2}, {4, 1, 1}};
    assert_int_equal(oper_round(t, 80, r4, 4, ch, 1), 1);
    assert_int_equal(ch[0].ifc->index, 1);
    assert_false(ch[0].up);
}

static void test_text(void **state)
{
    char out[128];
    struct snmp_ifs *t = *state;

    snmp_ifs_begin(t);
    put_if(t, 1, "ge1", 1, 1);
    put(t, IF_ALIAS, 1, v_str(ROOM_GB));
    put_if(t, 2, "ge2", 1, 1);
    put(t, IF_ALIAS, 2, v_str(ROOM_UTF8));
    end_at(t, "alias:*会议室*", 0, SNMP_FIRST);
    assert_string_equal(find(t, 1)->alias, ROOM_UTF8);
    assert_string_equal(find(t, 2)->alias, ROOM_UTF8);
    assert_true(find(t, 1)->selected);

    /* Neither UTF-8 nor GB18030. */
    snmp_text_utf8("ab\xffz\x80", 5, out, sizeof(out));
    assert_string_equal(out, "ab?z?");
    snmp_text_utf8("Gi1\t\n\x01x\x7f", 8, out, sizeof(out));
    assert_string_equal(out, "Gi1   x ");
    /* The string ends at a NUL inside it. */
    snmp_text_utf8("ab\0cd", 5, out, sizeof(out));
    assert_string_equal(out, "ab");

    /* Cut to fit, at a character: 3 bytes each. */
    snmp_text_utf8(ROOM_UTF8, strlen(ROOM_UTF8), out, 8);
    assert_string_equal(out, "会议");
    snmp_text_utf8(ROOM_GB, strlen(ROOM_GB), out, 10);
    assert_string_equal(out, "会议室");
    snmp_text_utf8("abcdef", 6, out, 4);
    assert_string_equal(out, "abc");
    out[0] = 'x';
    snmp_text_utf8("abc", 3, out, 1);
    assert_string_equal(out, "");

    /* A long Chinese name in a 64-byte field: 21 characters. */
    char gb[6 * sizeof(ROOM_GB)] = "", utf8[6 * sizeof(ROOM_UTF8)] = "";
    for (int i = 0; i < 5; i++) {
        strcat(gb, ROOM_GB);
        strcat(utf8, ROOM_UTF8);
    }
    snmp_ifs_begin(t);
    put(t, IF_NAME, 3, v_str(gb));
    put(t, IF_DESCR, 4, v_str(utf8));
    end_at(t, "*", 10, SNMP_SAME);
    assert_int_equal(strlen(find(t, 3)->name), 63);
    assert_memory_equal(find(t, 3)->name, utf8, 63);
    assert_int_equal(strlen(find(t, 4)->name), 63);
    assert_memory_equal(find(t, 4)->name, utf8, 63);
}

static void host_put(struct snmp_host *h, int field, uint32_t index, struct snmp_value v)
{
    snmp_host_put(h, field, &index, 1, &v);
}

static const uint32_t hr_ram[] = {1, 3, 6, 1, 2, 1, 25, 2, 1, 2};
static const uint32_t hr_virtual[] = {1, 3, 6, 1, 2, 1, 25, 2, 1, 3};
static const uint32_t hr_fixed_disk[] = {1, 3, 6, 1, 2, 1, 25, 2, 1, 4};

/* units, size, used < 0: not answered. */
static void put_storage(struct snmp_host *h, uint32_t index, const uint32_t *type, size_t type_len,
                        const char *descr, int64_t units, int64_t size, int64_t used)
{
    host_put(h, HR_ST_TYPE, index, v_oid(type, type_len));
    host_put(h, HR_ST_DESCR, index, v_str(descr));
    if (units >= 0)
        host_put(h, HR_ST_UNITS, index, v_int(units));
    if (size >= 0)
        host_put(h, HR_ST_SIZE, index, v_int(size));
    if (used >= 0)
        host_put(h, HR_ST_USED, index, v_int(used));
}

static void test_host_columns(void **state)
{
    (void)state;
    const uint32_t *bases[HR_FIELDS];
    size_t lens[HR_FIELDS];
    int fields[HR_FIELDS];
    static const uint32_t load[] = {1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2};
    static const uint32_t used[] = {1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 6};

    assert_int_equal(snmp_host_columns(bases, lens, fields), HR_FIELDS);
    for (size_t i = 0; i < HR_FIELDS; i++) {
        assert_int_equal(lens[i], 11);
        if (fields[i] == HR_CPU_LOAD)
            assert_memory_equal(bases[i], load, sizeof(load));
        if (fields[i] == HR_ST_USED)
            assert_memory_equal(bases[i], used, sizeof(used));
    }
}

static void test_host(void **state)
{
    (void)state;
    struct snmp_host h;
    struct pd_metric m[3];
    static const uint32_t not_types[] = {1, 3, 6, 1, 2, 1, 25, 3, 1, 4};
    static const uint32_t long_type[] = {1, 3, 6, 1, 2, 1, 25, 2, 1, 4, 1};

    memset(&h, 0xa5, sizeof(h));
    snmp_host_begin(&h);
    host_put(&h, HR_CPU_LOAD, 196608, v_int(30));
    host_put(&h, HR_CPU_LOAD, 196609, v_int(70));
    host_put(&h, HR_CPU_LOAD, 196610, v_int(101)); /* not a percentage */
    put_storage(&h, 1, hr_ram, 10, "Physical memory", 1024, 2000, 500);
    put_storage(&h, 3, hr_virtual, 10, "Virtual memory", 1024, 4000, 3000);
    put_storage(&h, 31, hr_fixed_disk, 10, "/", 4096, 1000, 250);
    put_storage(&h, 33, hr_fixed_disk, 10, "/boot", 1024, 100, -1);
    put_storage(&h, 34, hr_fixed_disk, 10, "/mnt", -1, 100, 10);
    put_storage(&h, 35, hr_fixed_disk, 10, "/home", 4096, -1, 10);
    put_storage(&h, 36, hr_fixed_disk, 10, "/var/log", 1024, 400, 100);
    put_storage(&h, 37, hr_fixed_disk, 10, "/media/cdrom", 2048, 0, 0);
    put_storage(&h, 40, not_types, 10, "/srv", 1024, 400, 100);
    put_storage(&h, 41, long_type, 11, "/opt", 1024, 400, 100);
    put_storage(&h, 42, hr_fixed_disk, 10, "/var_log", 512, 100, 100);

    assert_int_equal(snmp_host_end(&h, m), 3);
    assert_string_equal(m[0].name, "cpu_load_pct");
    assert_true(m[0].value == 50.0);
    assert_string_equal(m[1].name, "cpu_load_max");
    assert_true(m[1].value == 70.0);
    assert_string_equal(m[2].name, "mem_used_pct");
    assert_true(m[2].value == 25.0);

    /* /boot, /mnt and /home each miss a number; /media/cdrom has no
     * size; /srv and /opt have no type we know. */
    assert_int_equal(h.n_disks, 3);
    assert_string_equal(h.st[0].id, "fs-root");
    assert_int_equal(h.st[0].index, 31);
    assert_string_equal(h.st[0].m[0].name, "used_pct");
    assert_true(h.st[0].m[0].value == 25.0);
    assert_string_equal(h.st[0].m[1].name, "used_bytes");
    assert_true(h.st[0].m[1].value == 250.0 * 4096);
    assert_string_equal(h.st[0].m[2].name, "size_bytes");
    assert_true(h.st[0].m[2].value == 1000.0 * 4096);
    assert_string_equal(h.st[1].id, "fs-var_log");
    assert_true(h.st[1].m[1].value == 100.0 * 1024);
    /* Its name comes out as /var/log's: it keeps its index. */
    assert_string_equal(h.st[2].id, "fs-42");
    assert_true(h.st[2].m[0].value == 100.0);
}

static void test_host_unknown(void **state)
{
    (void)state;
    struct snmp_host h;
    struct pd_metric m[3];

    /* Minutes after the agent started: no processor rows yet. */
    snmp_host_begin(&h);
    put_storage(&h, 31, hr_fixed_disk, 10, "/", 4096, 1000, 250);
    assert_int_equal(snmp_host_end(&h, m), 3);
    assert_true(isnan(m[0].value));
    assert_true(isnan(m[1].value));
    assert_true(isnan(m[2].value)); /* no RAM row */
    assert_int_equal(h.n_disks, 1);

    /* The next round starts empty. */
    snmp_host_begin(&h);
    host_put(&h, HR_CPU_LOAD, 1, v_int(0));
    assert_int_equal(snmp_host_end(&h, m), 3);
    assert_true(m[0].value == 0.0);
    assert_true(m[1].value == 0.0);
    assert_int_equal(h.n_disks, 0);
}

/* The table is freed even when an assertion ends a test early. */
static int ifs_setup(void **state)
{
    *state = calloc(1, sizeof(struct snmp_ifs));
    return *state ? 0 : -1;
}

static int ifs_teardown(void **state)
{
    snmp_ifs_free(*state);
    free(*state);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    snmp_text_close();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_patterns_valid),
        cmocka_unit_test_setup_teardown(test_selection, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_series_ids, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_long_name_id_fits, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_rates, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_discontinuity, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_32bit_counters, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_renumbered_while_running, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_oper_changes, ifs_setup, ifs_teardown),
        cmocka_unit_test_setup_teardown(test_text, ifs_setup, ifs_teardown),
        cmocka_unit_test(test_host_columns),
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_host_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
