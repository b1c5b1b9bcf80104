/*
 * The SNMPv1/v2c BER codec beside net-snmp: net-snmp builds and parses the
 * same PDUs and is the reference; ours must give the same bytes and the
 * same values, and refuse every malformed datagram without reading past
 * it (buffers are allocated to the exact size, so ASan sees a stray read).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "snmp_ber.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint32_t oid_sys_descr[] = {1, 3, 6, 1, 2, 1, 1, 1, 0};
static const uint32_t oid_big[] = {1,   3,     6,     1,          4,          1,          127,
                                   128, 16383, 16384, 0x0fffffff, 0x10000000, 0xffffffff, 0};
static const uint32_t oid_zero[] = {0, 0};
static const uint32_t oid_arc0[] = {0, 39, 1};
static const uint32_t oid_arc1[] = {1, 39, 2};
static const uint32_t oid_arc2[] = {2, 999, 3};
static const uint32_t oid_arc2_low[] = {2, 0};
static uint32_t oid_long[SNMP_BER_MAX_OID]; /* sub-ids of every encoded size */
static char str_300[300];

static const uint32_t *const names[] = {oid_sys_descr, oid_big,  oid_zero,     oid_arc0,
                                        oid_arc1,      oid_arc2, oid_arc2_low, oid_long};
static const size_t name_lens[] = {
    ARRAY_LEN(oid_sys_descr), ARRAY_LEN(oid_big),  ARRAY_LEN(oid_zero),     ARRAY_LEN(oid_arc0),
    ARRAY_LEN(oid_arc1),      ARRAY_LEN(oid_arc2), ARRAY_LEN(oid_arc2_low), ARRAY_LEN(oid_long)};
#define N_NAMES ARRAY_LEN(names)

/* Request ids whose encodings take 1 to 4 bytes, both signs. */
static const int32_t req_ids[] = {0,        1,        127,        128, 255,  0x7fff, 0x8000,
                                  0x7fffff, 0x800000, 0x7fffffff, -1,  -128, -129,   INT32_MIN};

static int setup(void **state)
{
    (void)state;
    oid_long[0] = 1;
    oid_long[1] = 3;
    for (size_t i = 2; i < SNMP_BER_MAX_OID; i++)
        oid_long[i] = (uint32_t)((1ull << (i % 33)) - 1);
    memset(str_300, 'x', sizeof(str_300));
    str_300[0] = '\0';
    /* net-snmp's own forward encoder writes every SEQUENCE length in the
     * 3-byte form; the reverse one (its default after init_snmp, which
     * would read configuration) writes minimal lengths, as ours. */
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_REVERSE_ENCODE, 1);
    return 0;
}

static uint8_t *copy_exact(const void *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, src, len);
    return p;
}

static netsnmp_pdu *ref_pdu(int command, long version, const void *community, size_t community_len,
                            long reqid, long errstat, long errindex)
{
    netsnmp_pdu *pdu = snmp_pdu_create(command);
    assert_non_null(pdu);
    pdu->version = version;
    pdu->community = copy_exact(community, community_len);
    pdu->community_len = community_len;
    pdu->reqid = reqid;
    pdu->errstat = errstat;   /* GETBULK: non-repeaters */
    pdu->errindex = errindex; /* GETBULK: max-repetitions */
    return pdu;
}

static void ref_add_name(netsnmp_pdu *pdu, const uint32_t *name, size_t len, u_char type,
                         const void *val, size_t val_len)
{
    oid o[MAX_OID_LEN];
    assert_true(len <= MAX_OID_LEN);
    for (size_t i = 0; i < len; i++)
        o[i] = name[i];
    assert_non_null(snmp_pdu_add_variable(pdu, o, len, type, val, val_len));
}

/* net-snmp's whole message for pdu (freed): an exact-size copy. */
static uint8_t *ref_build(netsnmp_pdu *pdu, size_t *len)
{
    netsnmp_session s;
    size_t cap = 64, off = 0;
    u_char *pkt = malloc(cap);

    snmp_sess_init(&s);
    assert_non_null(pkt);
    assert_int_equal(snmp_build(&pkt, &cap, &off, &s, pdu), 0);
    /* Reverse encoding: the message ends the buffer. */
    uint8_t *out = copy_exact(pkt + cap - off, off);
    free(pkt);
    snmp_free_pdu(pdu);
    *len = off;
    return out;
}

static netsnmp_pdu *ref_parse(const uint8_t *msg, size_t len)
{
    netsnmp_session s;
    netsnmp_pdu *pdu = calloc(1, sizeof(*pdu));
    uint8_t *copy = copy_exact(msg, len);

    snmp_sess_init(&s);
    assert_non_null(pdu);
    assert_int_equal(snmp_parse(NULL, &s, pdu, copy, len), 0);
    free(copy);
    return pdu;
}

/* Encode r with ours and with net-snmp; the same bytes. Returns the
 * length. */
static size_t expect_same_request(const struct snmp_ber_request *r)
{
    int command = r->pdu == SNMP_BER_GET       ? SNMP_MSG_GET
                  : r->pdu == SNMP_BER_GETNEXT ? SNMP_MSG_GETNEXT
                                               : SNMP_MSG_GETBULK;
    netsnmp_pdu *pdu = ref_pdu(command, r->version, r->community, r->community_len, r->request_id,
                               r->non_rep, r->max_rep);
    for (size_t i = 0; i < r->n; i++)
        ref_add_name(pdu, r->oids[i], r->lens[i], ASN_NULL, NULL, 0);
    size_t want_len;
    uint8_t *want = ref_build(pdu, &want_len);

    size_t bound = snmp_ber_request_bound(r);
    uint8_t *buf = malloc(bound);
    assert_non_null(buf);
    long got = snmp_ber_encode_request(r, buf, bound);
    assert_true(got > 0);
    assert_true((size_t)got <= bound);
    assert_int_equal(got, want_len);
    assert_memory_equal(buf, want, want_len);
    free(buf);
    free(want);
    return want_len;
}

static struct snmp_ber_request request(int version, int pdu, const uint32_t *const *oids,
                                       const size_t *lens, size_t n)
{
    return (struct snmp_ber_request){.version = version,
                                     .community = "public",
                                     .community_len = 6,
                                     .pdu = pdu,
                                     .request_id = 1,
                                     .oids = oids,
                                     .lens = lens,
                                     .n = n};
}

static void test_encode_each_name_matches_netsnmp(void **state)
{
    (void)state;
    const int pdus[] = {SNMP_BER_GET, SNMP_BER_GETNEXT};
    for (int version = 0; version <= 1; version++)
        for (size_t p = 0; p < ARRAY_LEN(pdus); p++)
            for (size_t k = 0; k < N_NAMES; k++)
                for (size_t i = 0; i < ARRAY_LEN(req_ids); i++) {
                    struct snmp_ber_request r =
                        request(version, pdus[p], &names[k], &name_lens[k], 1);
                    r.request_id = req_ids[i];
                    expect_same_request(&r);
                }
}

static void test_encode_bulk_matches_netsnmp(void **state)
{
    (void)state;
    const int32_t counts[] = {0, 1, 10, 127, 128, 255, 256, 0x7fffffff};
    for (size_t a = 0; a < ARRAY_LEN(counts); a++)
        for (size_t b = 0; b < ARRAY_LEN(counts); b++) {
            struct snmp_ber_request r = request(1, SNMP_BER_GETBULK, names, name_lens, N_NAMES);
            r.request_id = req_ids[(a + b) % ARRAY_LEN(req_ids)];
            r.non_rep = counts[a];
            r.max_rep = counts[b];
            expect_same_request(&r);
        }
}

/* Containers around the 127- and 255-byte steps of the length forms:
 * communities of 0 to 300 bytes, 0 to 60 names; then a 200-byte
 * community and names enough for 3-byte lengths everywhere. */
static void test_encode_lengths_match_netsnmp(void **state)
{
    (void)state;
    char community[300];
    uint32_t base[60][10];
    const uint32_t *oids[60];
    size_t lens[60];
    for (size_t i = 0; i < sizeof(community); i++)
        community[i] = (char)i; /* NULs and bytes above 0x7f too */
    for (size_t i = 0; i < 60; i++) {
        memcpy(base[i], oid_sys_descr, sizeof(oid_sys_descr));
        base[i][9] = (uint32_t)i * 37;
        oids[i] = base[i];
        lens[i] = 10;
    }
    for (size_t len = 0; len <= sizeof(community); len++) {
        struct snmp_ber_request r = request(0, SNMP_BER_GET, oids, lens, 1);
        r.community = community;
        r.community_len = len;
        expect_same_request(&r);
    }
    for (size_t n = 0; n <= 60; n++) {
        struct snmp_ber_request r = request(1, SNMP_BER_GETNEXT, oids, lens, n);
        expect_same_request(&r);
    }
    const int pdus[] = {SNMP_BER_GET, SNMP_BER_GETNEXT, SNMP_BER_GETBULK};
    for (int version = 0; version <= 1; version++)
        for (size_t p = 0; p < ARRAY_LEN(pdus); p++) {
            if (pdus[p] == SNMP_BER_GETBULK && version == 0)
                continue; /* net-snmp refuses GETBULK in v1, as RFC 3416 says */
            struct snmp_ber_request r = request(version, pdus[p], oids, lens, 60);
            r.community = community;
            r.community_len = 200;
            r.request_id = 0x7fffffff;
            assert_true(expect_same_request(&r) > 0x3ff);
        }
}

/* Every sub-identifier in 5 bytes, every number in 4: the bound holds. */
static void test_encode_worst_case_within_bound(void **state)
{
    (void)state;
    static uint32_t wide[SNMP_BER_MAX_OID];
    const uint32_t *oids[8];
    size_t lens[8];
    char community[255];
    wide[0] = 2;
    wide[1] = 0xffffffff - 80; /* net-snmp's limit for the first pair */
    for (size_t i = 2; i < SNMP_BER_MAX_OID; i++)
        wide[i] = 0xffffffff;
    for (size_t i = 0; i < ARRAY_LEN(oids); i++) {
        oids[i] = wide;
        lens[i] = SNMP_BER_MAX_OID;
    }
    memset(community, 0xff, sizeof(community));
    struct snmp_ber_request r = request(1, SNMP_BER_GETBULK, oids, lens, ARRAY_LEN(oids));
    r.community = community;
    r.community_len = sizeof(community);
    r.request_id = INT32_MIN;
    r.non_rep = 0x7fffffff;
    r.max_rep = 0x7fffffff;
    assert_true(expect_same_request(&r) > ARRAY_LEN(oids) * 5 * SNMP_BER_MAX_OID);
}

static void test_encode_rejects_unencodable_names(void **state)
{
    (void)state;
    static const uint32_t three[] = {3, 1};
    static const uint32_t zero40[] = {0, 40};
    static const uint32_t one40[] = {1, 40, 1};
    static uint32_t too_long[SNMP_BER_MAX_OID + 1];
    const uint32_t *bad[] = {oid_sys_descr, oid_sys_descr, three, zero40, one40, too_long};
    const size_t bad_lens[] = {0, 1, 2, 2, 3, SNMP_BER_MAX_OID + 1};
    uint8_t buf[2048], untouched[sizeof(buf)];

    memcpy(too_long, oid_sys_descr, sizeof(oid_sys_descr));
    memset(untouched, 0xaa, sizeof(untouched));
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        /* The bad name after a good one: nothing is written. */
        const uint32_t *oids[] = {oid_sys_descr, bad[i]};
        const size_t lens[] = {ARRAY_LEN(oid_sys_descr), bad_lens[i]};
        struct snmp_ber_request r = request(1, SNMP_BER_GET, oids, lens, 2);
        memset(buf, 0xaa, sizeof(buf));
        assert_int_equal(snmp_ber_encode_request(&r, buf, sizeof(buf)), -EINVAL);
        assert_memory_equal(buf, untouched, sizeof(buf));
    }
    /* The limits themselves are fine: 128 sub-ids, 0.39, 1.39, 2.40. */
    static const uint32_t two40[] = {2, 40};
    const uint32_t *good[] = {oid_long, oid_arc0, oid_arc1, two40};
    const size_t good_lens[] = {SNMP_BER_MAX_OID, 3, 3, 2};
    struct snmp_ber_request r = request(0, SNMP_BER_GET, good, good_lens, 4);
    expect_same_request(&r);
    /* No GETBULK in v1, no negative counts (net-snmp refuses them too). */
    struct snmp_ber_request bulk = request(0, SNMP_BER_GETBULK, good, good_lens, 1);
    assert_int_equal(snmp_ber_encode_request(&bulk, buf, sizeof(buf)), -EINVAL);
    bulk.version = 1;
    bulk.max_rep = -1;
    assert_int_equal(snmp_ber_encode_request(&bulk, buf, sizeof(buf)), -EINVAL);
    bulk.max_rep = 10;
    bulk.non_rep = -1;
    assert_int_equal(snmp_ber_encode_request(&bulk, buf, sizeof(buf)), -EINVAL);
    bulk.non_rep = 0;
    assert_true(snmp_ber_encode_request(&bulk, buf, sizeof(buf)) > 0);
}

/* Every buffer shorter than the message: -ENOSPC and no byte written past
 * cap; every one from the message's length up to the bound: the message. */
static void test_encode_short_buffer(void **state)
{
    (void)state;
    struct snmp_ber_request r = request(1, SNMP_BER_GETBULK, names, name_lens, N_NAMES);
    r.request_id = 0x12345678;
    r.max_rep = 25;
    size_t bound = snmp_ber_request_bound(&r);
    uint8_t *ref = malloc(bound);
    assert_non_null(ref);
    long len = snmp_ber_encode_request(&r, ref, bound);
    assert_true(len > 0);
    for (size_t cap = 0; cap < bound; cap++) {
        uint8_t *buf = malloc(cap ? cap : 1);
        assert_non_null(buf);
        long got = snmp_ber_encode_request(&r, buf, cap);
        if (cap < (size_t)len) {
            assert_int_equal(got, -ENOSPC);
        } else {
            assert_int_equal(got, len);
            assert_memory_equal(buf, ref, (size_t)len);
        }
        free(buf);
    }
    free(ref);
}

/* Our decoding of a datagram, in exact-size buffers. */
struct decoded {
    uint8_t *msg;
    struct snmp_ber_message m;
    size_t n, arena_bytes;
    struct snmp_value *v;
    char *arena;
};

static void decode(const uint8_t *bytes, size_t len, struct decoded *d)
{
    d->msg = copy_exact(bytes, len);
    assert_int_equal(snmp_ber_decode_message(d->msg, len, &d->m), 0);
    assert_int_equal(snmp_ber_measure(&d->m, &d->n, &d->arena_bytes), 0);
    d->v = malloc(d->n ? d->n * sizeof(*d->v) : 1);
    d->arena = malloc(d->arena_bytes ? d->arena_bytes : 1);
    assert_non_null(d->v);
    assert_non_null(d->arena);
    assert_int_equal(snmp_ber_values(&d->m, d->v, d->n, d->arena), d->n);
}

static void decoded_free(struct decoded *d)
{
    free(d->msg);
    free(d->v);
    free(d->arena);
}

static void expect_in_arena(const struct decoded *d, const void *p, size_t bytes)
{
    assert_true((const char *)p >= d->arena);
    assert_true((const char *)p + bytes <= d->arena + d->arena_bytes);
}

static void expect_oid(const struct decoded *d, const uint32_t *got, size_t got_len,
                       const oid *want, size_t want_len)
{
    assert_int_equal(got_len, want_len);
    expect_in_arena(d, got, got_len * sizeof(*got));
    for (size_t i = 0; i < want_len; i++)
        assert_int_equal(got[i], want[i]);
}

/* Ours beside net-snmp's parse of the same datagram, mapped as the
 * session mapped net-snmp's values before this codec. */
static void expect_as_netsnmp(const struct decoded *d, const uint8_t *msg, size_t len)
{
    netsnmp_pdu *ref = ref_parse(msg, len);
    assert_int_equal(d->m.version, ref->version);
    assert_int_equal(d->m.community_len, ref->community_len);
    if (ref->community_len)
        assert_memory_equal(d->m.community, ref->community, ref->community_len);
    assert_int_equal(d->m.pdu, ref->command);
    assert_int_equal(d->m.request_id, ref->reqid);
    assert_int_equal(d->m.error_status, ref->errstat);
    assert_int_equal(d->m.error_index, ref->errindex);
    size_t k = 0;
    for (const netsnmp_variable_list *vb = ref->variables; vb; vb = vb->next_variable, k++) {
        assert_true(k < d->n);
        const struct snmp_value *v = &d->v[k];
        expect_oid(d, v->oid, v->oid_len, vb->name, vb->name_length);
        switch (vb->type) {
        case ASN_INTEGER:
            assert_int_equal(v->type, SNMP_V_INT);
            assert_int_equal(v->i, *vb->val.integer);
            break;
        case ASN_COUNTER:
        case ASN_GAUGE:
        case ASN_TIMETICKS:
            assert_int_equal(v->type, SNMP_V_UINT);
            assert_int_equal(v->u, (uint32_t)*vb->val.integer);
            break;
        case ASN_COUNTER64:
            assert_int_equal(v->type, SNMP_V_UINT);
            assert_int_equal(v->u, (uint64_t)vb->val.counter64->high << 32 |
                                       (uint32_t)vb->val.counter64->low);
            break;
        case ASN_OCTET_STR:
            assert_int_equal(v->type, SNMP_V_STRING);
            assert_int_equal(v->s_len, vb->val_len);
            expect_in_arena(d, v->s, v->s_len + 1);
            assert_memory_equal(v->s, vb->val.string, vb->val_len);
            assert_int_equal(v->s[v->s_len], '\0');
            break;
        case ASN_OBJECT_ID:
            assert_int_equal(v->type, SNMP_V_OID);
            expect_oid(d, v->val_oid, v->val_oid_len, vb->val.objid, vb->val_len / sizeof(oid));
            break;
        case SNMP_NOSUCHOBJECT:
        case SNMP_NOSUCHINSTANCE:
        case SNMP_ENDOFMIBVIEW:
            assert_int_equal(v->type, SNMP_V_MISSING);
            break;
        default:
            assert_int_equal(v->type, SNMP_V_NONE);
            break;
        }
    }
    assert_int_equal(k, d->n);
    snmp_free_pdu(ref);
}

static const long int_vals[] = {0, -1, INT32_MIN, INT32_MAX};
static const u_long u32_vals[] = {0, 0x80000000, 0xffffffff};
static const struct counter64 c64_vals[] = {{0, 0}, {0x80000000, 0}, {0xffffffff, 0xffffffff}};
static const char str_nul[] = {'a', 0, 'b', 0, (char)0xff};
static const char str_zh[] = "核心交换机 端口一";
static const oid oid_val[] = {1, 3, 6, 1, 4, 1, 8072, 3, 2, 10};
static const u_char ip_val[] = {192, 0, 2, 1};
static const u_char opaque_val[] = {0x04, 0x01, 0x02};

/* Every type a response carries, as net-snmp's snmp_pdu_add_variable takes it. */
static const struct typed {
    u_char asn;
    const void *val;
    size_t len;
} typed[] = {
    {ASN_INTEGER, &int_vals[0], sizeof(long)},
    {ASN_INTEGER, &int_vals[1], sizeof(long)},
    {ASN_INTEGER, &int_vals[2], sizeof(long)},
    {ASN_INTEGER, &int_vals[3], sizeof(long)},
    {ASN_OCTET_STR, "", 0},
    {ASN_OCTET_STR, str_nul, sizeof(str_nul)},
    {ASN_OCTET_STR, str_zh, sizeof(str_zh) - 1},
    {ASN_OCTET_STR, str_300, sizeof(str_300)},
    {ASN_NULL, NULL, 0},
    {ASN_OBJECT_ID, oid_val, sizeof(oid_val)},
    {ASN_IPADDRESS, ip_val, sizeof(ip_val)},
    {ASN_COUNTER, &u32_vals[0], sizeof(u_long)},
    {ASN_COUNTER, &u32_vals[1], sizeof(u_long)},
    {ASN_COUNTER, &u32_vals[2], sizeof(u_long)},
    {ASN_GAUGE, &u32_vals[2], sizeof(u_long)},
    {ASN_TIMETICKS, &u32_vals[1], sizeof(u_long)},
    {ASN_OPAQUE, opaque_val, sizeof(opaque_val)},
    {ASN_COUNTER64, &c64_vals[0], sizeof(struct counter64)},
    {ASN_COUNTER64, &c64_vals[1], sizeof(struct counter64)},
    {ASN_COUNTER64, &c64_vals[2], sizeof(struct counter64)},
    {SNMP_NOSUCHOBJECT, NULL, 0},
    {SNMP_NOSUCHINSTANCE, NULL, 0},
    {SNMP_ENDOFMIBVIEW, NULL, 0},
};

static uint8_t *ref_response(long version, const char *community, size_t community_len, long reqid,
                             long errstat, long errindex, size_t first, size_t count, size_t *len)
{
    netsnmp_pdu *pdu =
        ref_pdu(SNMP_MSG_RESPONSE, version, community, community_len, reqid, errstat, errindex);
    for (size_t k = first; k < first + count; k++)
        ref_add_name(pdu, names[k % N_NAMES], name_lens[k % N_NAMES], typed[k].asn, typed[k].val,
                     typed[k].len);
    return ref_build(pdu, len);
}

/* snmp_ber_values fills no more than its cap. */
static void expect_cap(const struct decoded *d)
{
    for (size_t cap = 0; cap < d->n; cap++) {
        struct snmp_value *v = malloc(cap ? cap * sizeof(*v) : 1);
        assert_non_null(v);
        assert_int_equal(snmp_ber_values(&d->m, v, cap, d->arena), cap);
        for (size_t k = 0; k < cap; k++)
            assert_int_equal(v[k].oid_len, d->v[k].oid_len);
        free(v);
    }
}

/* Each type alone (short messages), then all in one (over 255 bytes). */
static void test_decode_every_type_as_netsnmp(void **state)
{
    (void)state;
    for (long version = SNMP_VERSION_1; version <= SNMP_VERSION_2c; version++) {
        for (size_t k = 0; k <= ARRAY_LEN(typed); k++) {
            size_t first = k < ARRAY_LEN(typed) ? k : 0;
            size_t count = k < ARRAY_LEN(typed) ? 1 : ARRAY_LEN(typed);
            size_t len;
            uint8_t *msg = ref_response(version, "public", 6, 42, 0, 0, first, count, &len);
            struct decoded d;
            decode(msg, len, &d);
            assert_int_equal(d.m.pdu, SNMP_BER_RESPONSE);
            assert_int_equal(d.m.version, version);
            assert_int_equal(d.n, count);
            expect_as_netsnmp(&d, msg, len);
            if (count > 1) {
                assert_true(len > 0xff);
                expect_cap(&d);
            }
            decoded_free(&d);
            free(msg);
        }
    }
}

/* Request ids and error fields at their limits; a 200-byte community. */
static void test_decode_header_fields_as_netsnmp(void **state)
{
    (void)state;
    const struct {
        long reqid, errstat, errindex;
    } cases[] = {
        {0, 0, 0},  {1, 2, 1},         {0x7fffffff, 18, 0x7fffffff},
        {-1, 5, 3}, {INT32_MIN, 1, 0}, {0x8000, 0x80, 0x100},
    };
    char community[200];
    for (size_t i = 0; i < sizeof(community); i++)
        community[i] = (char)(0xff - i);
    for (long version = SNMP_VERSION_1; version <= SNMP_VERSION_2c; version++)
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
            size_t len, clen = i % 2 ? sizeof(community) : 0;
            uint8_t *msg = ref_response(version, community, clen, cases[i].reqid, cases[i].errstat,
                                        cases[i].errindex, 0, 3, &len);
            struct decoded d;
            decode(msg, len, &d);
            assert_int_equal(d.m.request_id, cases[i].reqid);
            assert_int_equal(d.m.error_status, cases[i].errstat);
            assert_int_equal(d.m.error_index, cases[i].errindex);
            assert_int_equal(d.m.community_len, clen);
            if (clen)
                assert_memory_equal(d.m.community, community, clen);
            expect_as_netsnmp(&d, msg, len);
            decoded_free(&d);
            free(msg);
        }
}

/* A small BER writer for the malformed datagrams net-snmp cannot build. */
struct out {
    uint8_t b[4096];
    size_t n;
};

static void put(struct out *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof(o->b));
    if (n > 0)
        memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_tlv(struct out *o, uint8_t tag, const void *content, size_t len)
{
    uint8_t h[4] = {tag, (uint8_t)len};
    size_t hn = 2;
    assert_true(len <= 0xffff);
    if (len > 0xff) {
        h[1] = 0x82;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        hn = 4;
    } else if (len >= 0x80) {
        h[1] = 0x81;
        h[2] = (uint8_t)len;
        hn = 3;
    }
    put(o, h, hn);
    put(o, content, len);
}

/* Hex bytes ("30 07 06"), appended to o. */
static void put_hex(struct out *o, const char *hex)
{
    for (const char *p = hex; *p;) {
        unsigned b;
        if (*p == ' ') {
            p++;
            continue;
        }
        assert_int_equal(sscanf(p, "%2x", &b), 1);
        put(o, &(uint8_t){(uint8_t)b}, 1);
        p += 2;
    }
}

/* A v2c response, request id 7, around a varbind list's contents. */
static void wrap(const uint8_t *vbs, size_t len, struct out *msg)
{
    struct out pdu = {0}, body = {0};
    put_hex(&pdu, "02 01 07 02 01 00 02 01 00");
    put_tlv(&pdu, 0x30, vbs, len);
    put_hex(&body, "02 01 01");
    put_tlv(&body, 0x04, "public", 6);
    put_tlv(&body, SNMP_BER_RESPONSE, pdu.b, pdu.n);
    msg->n = 0;
    put_tlv(msg, 0x30, body.b, body.n);
}

/* One varbind: the name's contents, a value's tag and contents. */
static void varbind(struct out *o, const uint8_t *name, size_t name_len, uint8_t tag,
                    const uint8_t *val, size_t val_len)
{
    struct out vb = {0};
    put_tlv(&vb, 0x06, name, name_len);
    put_tlv(&vb, tag, val, val_len);
    put_tlv(o, 0x30, vb.b, vb.n);
}

/* Where ours refuses a datagram (exact-size copy): 0 in decode_message,
 * 1 in measure, 2 nowhere. */
static int refused_at(const uint8_t *bytes, size_t len)
{
    uint8_t *msg = copy_exact(bytes, len);
    struct snmp_ber_message m;
    size_t n, arena;
    int rc = snmp_ber_decode_message(msg, len, &m), stage = 0;
    if (rc == 0) {
        stage = 1;
        rc = snmp_ber_measure(&m, &n, &arena);
    }
    free(msg);
    if (rc == 0)
        return 2;
    assert_int_equal(rc, -EBADMSG);
    return stage;
}

static void test_reject_every_prefix_and_trailing_bytes(void **state)
{
    (void)state;
    size_t len;
    uint8_t *msg = ref_response(SNMP_VERSION_2c, "public", 6, 9, 0, 0, 0, ARRAY_LEN(typed), &len);
    for (size_t k = 0; k < len; k++)
        assert_int_equal(refused_at(msg, k), 0);
    uint8_t *longer = malloc(len + 2);
    assert_non_null(longer);
    memcpy(longer, msg, len);
    longer[len] = 0x05;
    longer[len + 1] = 0x00;
    assert_int_equal(refused_at(longer, len + 1), 0);
    assert_int_equal(refused_at(longer, len + 2), 0);
    assert_int_equal(refused_at(longer, len), 2); /* the control */
    free(longer);
    free(msg);
}

#define PUBLIC " 02 01 01 04 06 70 75 62 6c 69 63 " /* version 1, "public" */
#define FIELDS " 02 01 07 02 01 00 02 01 00 "       /* request id 7, no error */

/* Whole datagrams with no varbind: accepted (the request id said), or
 * refused by snmp_ber_decode_message. */
static const struct {
    const char *hex;
    bool ok;
    int64_t request_id;
} header_cases[] = {
    {"30 18" PUBLIC "a2 0b" FIELDS "30 00", true, 7},
    {"30 84 00 00 00 18" PUBLIC "a2 0b" FIELDS "30 00", true, 7}, /* 4-byte length */
    {"30 1f" PUBLIC "a2 12 02 08 7f ff ff ff ff ff ff ff 02 01 00 02 01 00 30 00", true, INT64_MAX},
    {"", false, 0},
    {"30 80" PUBLIC "a2 0b" FIELDS "30 00 00 00", false, 0}, /* indefinite */
    {"30 18" PUBLIC "a2 80" FIELDS "30 00", false, 0},
    {"30 85 00 00 00 00 18" PUBLIC "a2 0b" FIELDS "30 00", false, 0},          /* 5-byte length */
    {"30 18 02 01 01 04 20 70 75 62 6c 69 63 a2 0b" FIELDS "30 00", false, 0}, /* past */
    {"30 18" PUBLIC "a2 0c" FIELDS "30 00", false, 0},
    {"30 18" PUBLIC "a2 0b" FIELDS "30 01", false, 0},
    {"30 18" PUBLIC "bf 0b" FIELDS "30 00", false, 0}, /* a multi-byte tag */
    {"30 18" PUBLIC "30 0b" FIELDS "30 00", false, 0}, /* no PDU */
    {"30 18" PUBLIC "04 0b" FIELDS "30 00", false, 0},
    {"30 18" PUBLIC "62 0b" FIELDS "30 00", false, 0},
    {"30 18 04 01 01 04 06 70 75 62 6c 69 63 a2 0b" FIELDS "30 00", false, 0},
    {"30 18" PUBLIC "a2 0b" FIELDS "31 00", false, 0},
    {"30 17" PUBLIC "a2 0a 02 00 02 01 00 02 01 00 30 00", false, 0}, /* 0-byte id */
    {"30 20" PUBLIC "a2 13 02 09 00 ff ff ff ff ff ff ff ff 02 01 00 02 01 00 30 00", false, 0},
    {"30 1a" PUBLIC "a2 0d" FIELDS "30 00 05 00", false, 0}, /* more in the PDU */
    {"30 1a" PUBLIC "a2 0b" FIELDS "30 00 05 00", false, 0}, /* more in the message */
    {"30 18" PUBLIC "a2 0b" FIELDS "30 00 05", false, 0},    /* more after it */
};

static void test_reject_malformed_header(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(header_cases); i++) {
        struct out msg = {0};
        struct decoded d;
        put_hex(&msg, header_cases[i].hex);
        if (!header_cases[i].ok) {
            assert_int_equal(refused_at(msg.b, msg.n), 0);
            continue;
        }
        decode(msg.b, msg.n, &d);
        assert_int_equal(d.n, 0);
        assert_int_equal(d.m.request_id, header_cases[i].request_id);
        decoded_free(&d);
    }
}

#define BAD (-1)

/* One varbind, built around a name's and a value's contents (hex): what
 * ours makes of it, or BAD when snmp_ber_measure refuses it. */
static const struct {
    const char *name;
    uint8_t tag;
    const char *value;
    int type;
    uint64_t num; /* u, i, a string's or an OID's length; for NULL, the name's last sub-id */
} value_cases[] = {
    {"2b 06 01", 0x05, "", SNMP_V_NONE, 1},
    {"2b 06 01 8f ff ff ff 7f", 0x05, "", SNMP_V_NONE, 0xffffffff},
    {"2b 06 01 90 80 80 80 00", 0x05, "", BAD, 0},         /* a sub-identifier of 2^32 */
    {"90 80 80 80 4f", 0x05, "", SNMP_V_NONE, 0xffffffff}, /* 2.(2^32-1) */
    {"90 80 80 80 50", 0x05, "", BAD, 0},
    {"2b 06 01 81", 0x05, "", BAD, 0}, /* cut short */
    {"", 0x05, "", BAD, 0},
    {"2b 06 01", 0x06, "2b 06 01 81", BAD, 0},
    {"2b 06 01", 0x06, "2b 06 01 90 80 80 80 00", BAD, 0},
    {"2b 06 01", 0x06, "", BAD, 0},
    {"2b 06 01", 0x06, "2b 06 01 8f ff ff ff 7f", SNMP_V_OID, 5},
    {"2b 06 01", 0x02, "80 00 00 00 00 00 00 00", SNMP_V_INT, (uint64_t)INT64_MIN},
    {"2b 06 01", 0x02, "", BAD, 0},
    {"2b 06 01", 0x02, "00 ff ff ff ff ff ff ff ff", BAD, 0},
    {"2b 06 01", 0x46, "00 ff ff ff ff ff ff ff ff", SNMP_V_UINT, UINT64_MAX},
    {"2b 06 01", 0x46, "01 ff ff ff ff ff ff ff ff", BAD, 0},
    {"2b 06 01", 0x46, "00 00 ff ff ff ff ff ff ff ff", BAD, 0},
    {"2b 06 01", 0x46, "", BAD, 0},
    {"2b 06 01", 0x41, "", BAD, 0},
    {"2b 06 01", 0x41, "ff ff ff ff", SNMP_V_UINT, 0xffffffff}, /* no leading 00 */
    {"2b", 0x04, "ff ff ff ff ff ff ff ff", SNMP_V_STRING, 8},  /* ends the arena */
    {"2b 06 01", 0x05, "00", BAD, 0},
    {"2b 06 01", 0x80, "", SNMP_V_MISSING, 0},
    {"2b 06 01", 0x80, "00", BAD, 0},
    {"2b 06 01", 0x81, "", SNMP_V_MISSING, 0},
    {"2b 06 01", 0x81, "00", BAD, 0},
    {"2b 06 01", 0x82, "", SNMP_V_MISSING, 0},
    {"2b 06 01", 0x82, "00", BAD, 0},
    {"2b 06 01", 0x47, "ff ff ff", SNMP_V_NONE, 1}, /* a type of tomorrow */
};

static void expect_varbind_list(const uint8_t *vbs, size_t len, int type, uint64_t num)
{
    struct out msg;
    struct decoded d;
    wrap(vbs, len, &msg);
    if (type == BAD) {
        assert_int_equal(refused_at(msg.b, msg.n), 1);
        return;
    }
    decode(msg.b, msg.n, &d);
    assert_int_equal(d.n, 1);
    const struct snmp_value *v = &d.v[0];
    assert_int_equal(v->type, type);
    if (type == SNMP_V_NONE)
        assert_int_equal(v->oid[v->oid_len - 1], num);
    if (type == SNMP_V_INT)
        assert_int_equal(v->i, (int64_t)num);
    if (type == SNMP_V_UINT)
        assert_int_equal(v->u, num);
    if (type == SNMP_V_OID)
        assert_int_equal(v->val_oid_len, num);
    if (type == SNMP_V_STRING) {
        assert_int_equal(v->s_len, num);
        assert_int_equal(v->s[num], '\0');
    }
    decoded_free(&d);
}

/* Varbind lists' contents (hex), as in value_cases. */
static const struct {
    const char *hex;
    int type;
} list_cases[] = {
    {"30 07 06 03 2b 06 01 05 00", SNMP_V_NONE},
    {"30 84 00 00 00 07 06 03 2b 06 01 05 00", SNMP_V_NONE},
    {"30 09 06 03 2b 06 01 05 00 05 00", BAD}, /* three elements */
    {"30 05 06 03 2b 06 01", BAD},             /* one */
    {"30 07 04 03 2b 06 01 05 00", BAD},       /* a name that is no OID */
    {"31 07 06 03 2b 06 01 05 00", BAD},       /* no SEQUENCE */
    {"30 08 06 03 2b 06 01 04 05 41", BAD},    /* a value past its varbind */
    {"30 09 06 03 2b 06 01 05 00", BAD},       /* a varbind past the list */
    {"30 80 06 03 2b 06 01 05 00 00 00", BAD}, /* indefinite lengths */
    {"30 07 06 03 2b 06 01 05 80", BAD},
    {"30 85 00 00 00 00 07 06 03 2b 06 01 05 00", BAD},
    {"30 08 06 03 2b 06 01 5f 01 00", BAD}, /* a multi-byte tag */
    {"30", BAD},
    {"30 07 06 03 2b 06 01 05 00 30 09 06 03 2b 06 01 05 00 05 00", BAD}, /* one bad of 2 */
};

static void test_reject_malformed_varbinds(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(value_cases); i++) {
        struct out name = {0}, value = {0}, vbs = {0};
        put_hex(&name, value_cases[i].name);
        put_hex(&value, value_cases[i].value);
        varbind(&vbs, name.b, name.n, value_cases[i].tag, value.b, value.n);
        expect_varbind_list(vbs.b, vbs.n, value_cases[i].type, value_cases[i].num);
    }
    for (size_t i = 0; i < ARRAY_LEN(list_cases); i++) {
        struct out vbs = {0};
        put_hex(&vbs, list_cases[i].hex);
        expect_varbind_list(vbs.b, vbs.n, list_cases[i].type, 1);
    }
}

/* 128 sub-identifiers in a name or an OID value, not 129. */
static void test_reject_long_oids(void **state)
{
    (void)state;
    uint8_t oid[SNMP_BER_MAX_OID] = {0x2b}; /* 1.3, then 2, 3, ... */
    const uint8_t name[] = {0x2b, 0x06, 0x01};
    for (size_t i = 2; i <= SNMP_BER_MAX_OID; i++)
        oid[i - 1] = (uint8_t)(i & 0x7f);
    for (size_t n = SNMP_BER_MAX_OID; n <= SNMP_BER_MAX_OID + 1; n++) {
        struct out as_name = {0}, as_value = {0};
        bool ok = n <= SNMP_BER_MAX_OID;
        varbind(&as_name, oid, n - 1, 0x05, NULL, 0);
        expect_varbind_list(as_name.b, as_name.n, ok ? SNMP_V_NONE : BAD, (n - 1) & 0x7f);
        varbind(&as_value, name, sizeof(name), 0x06, oid, n - 1);
        expect_varbind_list(as_value.b, as_value.n, ok ? SNMP_V_OID : BAD, n);
    }
}

/* 32-bit numbers in more bytes than they need, or without the leading
 * 0x00 a positive number wants: read as net-snmp reads them. */
static void test_decode_loose_unsigned_as_netsnmp(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint64_t want;
    } cases[] = {
        {"80", 0x80},          {"ff ff ff ff", 0xffffffff},
        {"01 00 00 00 05", 5}, {"00 ff ff ff ff ff ff ff fe", 0xfffffffe},
        {"00 00", 0},
    };
    const uint8_t tags[] = {0x41, 0x42, 0x43};
    const uint8_t name[] = {0x2b, 0x06, 0x01};
    for (size_t t = 0; t < sizeof(tags); t++)
        for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
            struct out value = {0}, vbs = {0}, msg;
            struct decoded d;
            put_hex(&value, cases[i].hex);
            varbind(&vbs, name, sizeof(name), tags[t], value.b, value.n);
            wrap(vbs.b, vbs.n, &msg);
            decode(msg.b, msg.n, &d);
            assert_int_equal(d.v[0].type, SNMP_V_UINT);
            assert_int_equal(d.v[0].u, cases[i].want);
            expect_as_netsnmp(&d, msg.b, msg.n);
            decoded_free(&d);
        }
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(snmp_ber_error_name(0), "noError");
    assert_string_equal(snmp_ber_error_name(2), "noSuchName");
    assert_string_equal(snmp_ber_error_name(18), "inconsistentName");
    assert_string_equal(snmp_ber_error_name(19), "unknown error");
    assert_string_equal(snmp_ber_error_name(-1), "unknown error");
    assert_string_equal(snmp_ber_error_name(INT64_MAX), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_each_name_matches_netsnmp),
        cmocka_unit_test(test_encode_bulk_matches_netsnmp),
        cmocka_unit_test(test_encode_lengths_match_netsnmp),
        cmocka_unit_test(test_encode_worst_case_within_bound),
        cmocka_unit_test(test_encode_rejects_unencodable_names),
        cmocka_unit_test(test_encode_short_buffer),
        cmocka_unit_test(test_decode_every_type_as_netsnmp),
        cmocka_unit_test(test_decode_header_fields_as_netsnmp),
        cmocka_unit_test(test_decode_loose_unsigned_as_netsnmp),
        cmocka_unit_test(test_reject_every_prefix_and_trailing_bytes),
        cmocka_unit_test(test_reject_malformed_header),
        cmocka_unit_test(test_reject_malformed_varbinds),
        cmocka_unit_test(test_reject_long_oids),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
