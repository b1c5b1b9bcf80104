/* Walking table columns: what is asked next, and how answers are read. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snmp_walk.h"

#define VALUES_MAX 32
#define INDEX_MAX  SNMP_OID_MAX

static const uint32_t col_a[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 2}; /* ifDescr */
static const uint32_t col_b[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 7}; /* ifAdminStatus */
static const uint32_t col_c[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 8}; /* ifOperStatus */
#define COL_LEN 10

/* A fake answer: the values' names point into names. */
struct answer {
    uint32_t names[VALUES_MAX][SNMP_OID_MAX + 2];
    struct snmp_value v[VALUES_MAX];
    size_t n;
};

struct call {
    size_t col;
    uint32_t index[INDEX_MAX];
    size_t index_len;
    uint64_t u;
};

struct seen {
    struct call c[VALUES_MAX];
    size_t n;
};

static void record(void *arg, size_t col, const uint32_t *index, size_t index_len,
                   const struct snmp_value *value)
{
    struct seen *s = arg;
    assert_true(s->n < VALUES_MAX);
    assert_true(index_len <= INDEX_MAX);
    struct call *c = &s->c[s->n++];
    c->col = col;
    memcpy(c->index, index, index_len * sizeof(*index));
    c->index_len = index_len;
    c->u = value->u;
}

/* A value named base.sfx (sfx_len sub-identifiers); its number is u. */
static struct snmp_value *add_name(struct answer *a, const uint32_t *base, size_t base_len,
                                   const uint32_t *sfx, size_t sfx_len, uint64_t u)
{
    assert_true(a->n < VALUES_MAX);
    assert_true(base_len + sfx_len <= SNMP_OID_MAX + 2);
    uint32_t *name = a->names[a->n];
    memcpy(name, base, base_len * sizeof(*base));
    if (sfx_len > 0)
        memcpy(name + base_len, sfx, sfx_len * sizeof(*sfx));
    struct snmp_value *v = &a->v[a->n++];
    *v = (struct snmp_value){
        .type = SNMP_V_UINT, .u = u, .oid = name, .oid_len = base_len + sfx_len};
    return v;
}

/* The column's row: u is 100 * row + the column's last sub-identifier,
 * so that every callback says where its value came from. */
static void add_row(struct answer *a, const uint32_t *col, uint32_t row)
{
    add_name(a, col, COL_LEN, &row, 1, 100u * row + col[COL_LEN - 1]);
}

static void start(struct snmp_walk *w, size_t n)
{
    const uint32_t *const bases[] = {col_a, col_b, col_c};
    const size_t lens[] = {COL_LEN, COL_LEN, COL_LEN};
    assert_true(n <= 3);
    snmp_walk_start(w, bases, lens, n);
}

static void expect_call(const struct seen *s, size_t i, size_t col, uint32_t row, uint64_t u)
{
    assert_true(i < s->n);
    assert_int_equal(s->c[i].col, col);
    assert_int_equal(s->c[i].index_len, 1);
    assert_int_equal(s->c[i].index[0], row);
    assert_int_equal(s->c[i].u, u);
}

/* The k-th name asked is col.row (row 0: the column itself). */
static void expect_asked(const uint32_t *const *oids, const size_t *lens, size_t k,
                         const uint32_t *col, uint32_t row)
{
    assert_int_equal(lens[k], row ? COL_LEN + 1 : COL_LEN);
    assert_memory_equal(oids[k], col, COL_LEN * sizeof(*col));
    if (row)
        assert_int_equal(oids[k][COL_LEN], row);
}

static void test_bulk_interleaved_columns_end_apart(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 2);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    expect_asked(oids, lens, 0, col_a, 0);
    expect_asked(oids, lens, 1, col_b, 0);
    /* A 3-row table whose column a lacks row 2; three repetitions: rows
     * of (a, b). Column a's third successor is already in column b. */
    add_row(&a, col_a, 1);
    add_row(&a, col_b, 1);
    add_row(&a, col_a, 3);
    add_row(&a, col_b, 2);
    add_row(&a, col_b, 1);
    add_row(&a, col_b, 3);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 5);
    expect_call(&s, 0, 0, 1, 102);
    expect_call(&s, 1, 1, 1, 107);
    expect_call(&s, 2, 0, 3, 302);
    expect_call(&s, 3, 1, 2, 207);
    expect_call(&s, 4, 1, 3, 307);
    assert_true(w.col[0].done);
    assert_false(w.col[1].done);

    /* Only b goes on, from its last row: one column, every value is its. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    expect_asked(oids, lens, 0, col_b, 3);
    memset(&a, 0, sizeof(a));
    add_row(&a, col_c, 1);
    add_row(&a, col_c, 2);
    add_row(&a, col_c, 3);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 5);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
    assert_int_equal(w.requests, 2);
    assert_false(w.looped);
}

static void test_bulk_cut_short(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 2);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    /* Two rows asked, the second cut after its first value. */
    add_row(&a, col_a, 1);
    add_row(&a, col_b, 1);
    add_row(&a, col_a, 2);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 3);
    expect_call(&s, 2, 0, 2, 202);
    /* Both go on, each from where it got to. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    expect_asked(oids, lens, 0, col_a, 2);
    expect_asked(oids, lens, 1, col_b, 1);
}

static void test_end_of_mib(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};
    uint32_t row = 5;

    start(&w, 2);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    add_row(&a, col_a, 1);
    /* endOfMibView, under a name that would be inside the column. */
    add_name(&a, col_b, COL_LEN, &row, 1, 0)->type = SNMP_V_MISSING;
    add_row(&a, col_a, 2);
    add_row(&a, col_b, 6);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 2);
    expect_call(&s, 0, 0, 1, 102);
    expect_call(&s, 1, 0, 2, 202);
    assert_true(w.col[1].done);
    assert_false(w.looped);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    expect_asked(oids, lens, 0, col_a, 2);
}

static void test_leaves_subtree(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};
    static const uint32_t col_a_20[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 20};
    uint32_t row = 1;

    start(&w, 3);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 3);
    /* ifDescr (…1.2) is followed by ifOutErrors (…1.20): a prefix of
     * numbers, not of sub-identifiers. */
    add_name(&a, col_a_20, COL_LEN, &row, 1, 1);
    /* A name shorter than the column that begins like it. */
    add_name(&a, col_b, COL_LEN - 1, NULL, 0, 2);
    add_row(&a, col_c, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 1);
    expect_call(&s, 0, 2, 1, 108);
    assert_true(w.col[0].done);
    assert_true(w.col[1].done);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    expect_asked(oids, lens, 0, col_c, 1);
}

static void test_name_equal_to_base_ends_column(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 2);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    add_name(&a, col_a, COL_LEN, NULL, 0, 1);
    add_row(&a, col_b, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 1);
    expect_call(&s, 0, 1, 1, 107);
    assert_true(w.col[0].done);
    assert_false(w.looped);
}

static void test_name_not_after_cursor(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 3);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 3);
    add_row(&a, col_a, 1);
    add_row(&a, col_b, 2);
    add_row(&a, col_c, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 3);

    /* a answers its cursor again, b a name before its cursor; c moves. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 3);
    memset(&a, 0, sizeof(a));
    add_row(&a, col_a, 1);
    add_row(&a, col_b, 1);
    add_row(&a, col_c, 2);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), -EPROTO);
    assert_true(w.looped);
    assert_int_equal(s.n, 4);
    expect_call(&s, 3, 2, 2, 208);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    expect_asked(oids, lens, 0, col_c, 2);

    /* In a later row of a bulk answer: the column's own earlier row is
     * its cursor. Every value before and after is still read. */
    start(&w, 2);
    memset(&s, 0, sizeof(s));
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    memset(&a, 0, sizeof(a));
    add_row(&a, col_a, 1);
    add_row(&a, col_b, 1);
    add_row(&a, col_a, 2);
    add_row(&a, col_b, 1);
    add_row(&a, col_a, 3);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), -EPROTO);
    assert_int_equal(s.n, 4);
    expect_call(&s, 2, 0, 2, 202);
    expect_call(&s, 3, 0, 3, 302);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    expect_asked(oids, lens, 0, col_a, 3);
    /* The answer after that one is good again: no error for it. */
    memset(&a, 0, sizeof(a));
    add_row(&a, col_b, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
}

static void test_empty_answer(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};

    start(&w, 2);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    assert_int_equal(snmp_walk_feed(&w, NULL, 0, record, &s), -EPROTO);
    assert_int_equal(s.n, 0);
    assert_true(w.looped);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
    assert_int_equal(w.requests, 1);
}

static void test_v1_end(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 3);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 3);
    /* GETNEXT: one value per name. a ends at once. */
    add_row(&a, col_b, 1);
    add_row(&a, col_b, 1);
    add_row(&a, col_c, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 2);
    assert_true(w.col[0].done);

    /* Asked now: b (1st) and c (2nd). There is no 3rd: nothing ends. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    snmp_walk_v1_end(&w, 3);
    assert_false(w.col[1].done);
    assert_false(w.col[2].done);
    /* noSuchName for the 2nd is c's. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 2);
    expect_asked(oids, lens, 0, col_b, 1);
    expect_asked(oids, lens, 1, col_c, 1);
    snmp_walk_v1_end(&w, 2);
    assert_true(w.col[2].done);
    assert_false(w.col[1].done);
    /* The request is over: a late feed reads nothing. */
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 2);

    /* Out of range: nothing ends. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    snmp_walk_v1_end(&w, 0);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    snmp_walk_v1_end(&w, 2);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    expect_asked(oids, lens, 0, col_b, 1);
    snmp_walk_v1_end(&w, 1);
    assert_true(w.col[1].done);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
}

static void test_next_counts_requests(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 1);
    assert_int_equal(w.requests, 0);
    for (uint32_t row = 1; row <= 3; row++) {
        assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
        assert_int_equal(w.requests, row);
        memset(&a, 0, sizeof(a));
        add_row(&a, col_a, row);
        assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    }
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    memset(&a, 0, sizeof(a));
    add_row(&a, col_b, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 3);
    /* All done: nothing to ask, and no request counted. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
    assert_int_equal(w.requests, 4);

    /* No columns at all. */
    start(&w, 0);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
    assert_int_equal(w.requests, 0);
}

static void test_index_suffix(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};
    /* ipAdEntIfIndex, indexed by an IPv4 address. */
    static const uint32_t col_ip[] = {1, 3, 6, 1, 2, 1, 4, 20, 1, 2};
    const uint32_t *const bases[] = {col_ip};
    const size_t base_lens[] = {sizeof(col_ip) / sizeof(col_ip[0])};
    static const uint32_t addr[] = {192, 0, 2, 17};

    snmp_walk_start(&w, bases, base_lens, 1);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    add_name(&a, col_ip, 10, addr, 4, 3);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.c[0].col, 0);
    assert_int_equal(s.c[0].index_len, 4);
    assert_memory_equal(s.c[0].index, addr, sizeof(addr));
    assert_int_equal(s.c[0].u, 3);
    /* The cursor is the whole name. */
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    assert_int_equal(lens[0], 14);
    assert_memory_equal(oids[0] + 10, addr, sizeof(addr));
}

static void test_name_too_long(void **state)
{
    (void)state;
    struct snmp_walk w;
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    struct seen s = {0};
    struct answer a = {0};
    uint32_t sfx[SNMP_OID_MAX + 1 - COL_LEN];

    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
        sfx[i] = 1;
    start(&w, 1);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    /* Inside the column, but longer than a cursor can hold. */
    add_name(&a, col_a, COL_LEN, sfx, sizeof(sfx) / sizeof(sfx[0]), 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 0);
    /* SNMP_OID_MAX itself fits. */
    start(&w, 1);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    memset(&a, 0, sizeof(a));
    add_name(&a, col_a, COL_LEN, sfx, sizeof(sfx) / sizeof(sfx[0]) - 1, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.c[0].index_len, SNMP_OID_MAX - COL_LEN);
    assert_int_equal(snmp_walk_next(&w, oids, lens), 1);
    assert_int_equal(lens[0], SNMP_OID_MAX);
}

static void test_feed_without_request(void **state)
{
    (void)state;
    struct snmp_walk w;
    struct seen s = {0};
    struct answer a = {0};

    start(&w, 1);
    add_row(&a, col_a, 1);
    assert_int_equal(snmp_walk_feed(&w, a.v, a.n, record, &s), 0);
    assert_int_equal(snmp_walk_feed(&w, NULL, 0, record, &s), 0);
    assert_int_equal(s.n, 0);
    assert_false(w.col[0].done);
    assert_false(w.looped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_interleaved_columns_end_apart),
        cmocka_unit_test(test_bulk_cut_short),
        cmocka_unit_test(test_end_of_mib),
        cmocka_unit_test(test_leaves_subtree),
        cmocka_unit_test(test_name_equal_to_base_ends_column),
        cmocka_unit_test(test_name_not_after_cursor),
        cmocka_unit_test(test_empty_answer),
        cmocka_unit_test(test_v1_end),
        cmocka_unit_test(test_next_counts_requests),
        cmocka_unit_test(test_index_suffix),
        cmocka_unit_test(test_name_too_long),
        cmocka_unit_test(test_feed_without_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
