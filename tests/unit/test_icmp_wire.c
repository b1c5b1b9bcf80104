#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "icmp_wire.h"

#define PAYLOAD 56

static const struct icmp_tag tag = {.magic = 0x0123456789abcdefULL, .slot = 4711, .gen = 9};
static const uint8_t dst4[4] = {192, 0, 2, 7};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};

/* Parse a copy of p that is exactly n bytes long on the heap, so ASan
 * reports any read past the end. */
static enum icmp_kind parse_exact(const uint8_t *p, size_t n, int family, int ip_header,
                                  struct icmp_parsed *out)
{
    uint8_t *copy = malloc(n ? n : 1);
    enum icmp_kind k;

    assert_non_null(copy);
    memcpy(copy, p, n);
    /* Stale fields from an earlier parse must not survive. */
    memset(out, 0xa5, sizeof(*out));
    k = icmp_parse(copy, n, family, ip_header, out);
    free(copy);
    assert_int_equal(out->kind, k);
    return k;
}

/* An IPv4 header of hlen bytes (options: NOPs) for a packet of total bytes. */
static size_t put_ipv4(uint8_t *p, size_t hlen, size_t total, const uint8_t *dst)
{
    memset(p, 0, hlen);
    p[0] = (uint8_t)(0x40 | hlen / 4);
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[8] = 64;
    p[9] = 1;
    memcpy(p + 12, (uint8_t[]){198, 51, 100, 1}, 4);
    memcpy(p + 16, dst, 4);
    memset(p + 20, 1, hlen - 20);
    return hlen;
}

static size_t put_ipv6(uint8_t *p, size_t payload_len)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    p[4] = (uint8_t)(payload_len >> 8);
    p[5] = (uint8_t)payload_len;
    p[6] = 58;
    p[7] = 64;
    p[8] = 0xfe;
    p[9] = 0x80;
    p[23] = 1;
    memcpy(p + 24, dst6, 16);
    return 40;
}

/* An echo reply as the peer sends it back: our request with the type turned. */
static size_t put_reply(uint8_t *p, int family, size_t payload_len)
{
    size_t n = icmp_build_echo(p, 1500, family, 0x1234, 0xbeef, &tag, payload_len);

    assert_int_equal(n, ICMP_HDR_LEN + payload_len);
    p[0] = family == AF_INET ? 0 : 129;
    return n;
}

static void assert_reply(const struct icmp_parsed *out, int with_tag)
{
    assert_int_equal(out->kind, ICMP_KIND_REPLY);
    assert_int_equal(out->code, 0);
    assert_int_equal(out->id, 0x1234);
    assert_int_equal(out->seq, 0xbeef);
    assert_int_equal(out->has_tag, with_tag);
    if (with_tag) {
        assert_true(out->tag.magic == tag.magic);
        assert_int_equal(out->tag.slot, tag.slot);
        assert_int_equal(out->tag.gen, tag.gen);
    }
}

static void test_roundtrip_v4(void **state)
{
    uint8_t pkt[256];
    struct icmp_parsed out;
    size_t hlens[] = {20, 24, 60};

    (void)state;
    for (size_t i = 0; i < sizeof(hlens) / sizeof(hlens[0]); i++) {
        size_t h = hlens[i];
        size_t n = put_reply(pkt + h, AF_INET, PAYLOAD);

        put_ipv4(pkt, h, h + n, dst4);
        assert_int_equal(parse_exact(pkt, h + n, AF_INET, 1, &out), ICMP_KIND_REPLY);
        assert_int_equal(out.type, 0);
        assert_reply(&out, 1);
    }
    /* Datagram ("ping") sockets: no IP header. */
    size_t n = put_reply(pkt, AF_INET, PAYLOAD);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 0, &out), ICMP_KIND_REPLY);
    assert_reply(&out, 1);
}

static void test_roundtrip_v6(void **state)
{
    uint8_t pkt[256];
    struct icmp_parsed out;
    size_t n;

    (void)state;
    n = put_reply(pkt, AF_INET6, PAYLOAD);
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_REPLY);
    assert_int_equal(out.type, 129);
    assert_reply(&out, 1);
    /* IPv6 sockets never prepend a header, whatever the caller says. */
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 1, &out), ICMP_KIND_REPLY);
    /* A v4 reply type means nothing on a v6 socket, and the reverse. */
    pkt[0] = 0;
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_IGNORED);
    pkt[0] = 129;
    assert_int_equal(parse_exact(pkt, n, AF_INET, 0, &out), ICMP_KIND_IGNORED);
}

static void test_build(void **state)
{
    uint8_t pkt[256];
    size_t n;

    (void)state;
    n = icmp_build_echo(pkt, sizeof(pkt), AF_INET, 0x1234, 0xbeef, &tag, 24);
    assert_int_equal(n, 32);
    assert_memory_equal(pkt, ((uint8_t[]){8, 0}), 2);
    assert_memory_equal(pkt + 4, ((uint8_t[]){0x12, 0x34, 0xbe, 0xef}), 4);
    assert_memory_equal(
        pkt + 8,
        ((uint8_t[]){0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 0, 0x12, 0x67, 0, 0, 0, 9}),
        16);
    assert_int_not_equal(pkt[2] | pkt[3], 0);

    n = icmp_build_echo(pkt, sizeof(pkt), AF_INET6, 1, 2, &tag, 16);
    assert_int_equal(n, 24);
    assert_int_equal(pkt[0], 128);
    assert_int_equal(pkt[2] | pkt[3], 0);
}

static void test_build_small(void **state)
{
    uint8_t *buf = malloc(8 + PAYLOAD);

    (void)state;
    assert_non_null(buf);
    /* Exactly big enough, on the heap so ASan sees a write past the end. */
    assert_int_equal(icmp_build_echo(buf, 8 + PAYLOAD, AF_INET, 1, 1, &tag, PAYLOAD), 8 + PAYLOAD);
    assert_int_equal(icmp_build_echo(buf, 8 + PAYLOAD - 1, AF_INET, 1, 1, &tag, PAYLOAD), 0);
    assert_int_equal(icmp_build_echo(buf, 7, AF_INET6, 1, 1, &tag, 16), 0);
    assert_int_equal(icmp_build_echo(buf, 0, AF_INET, 1, 1, &tag, 16), 0);
    assert_int_equal(icmp_build_echo(buf, 8 + PAYLOAD, AF_INET, 1, 1, &tag, SIZE_MAX), 0);
    assert_int_equal(icmp_build_echo(buf, 8 + PAYLOAD, AF_INET, 1, 1, &tag, ICMP_TAG_LEN - 1), 0);
    assert_int_equal(icmp_build_echo(buf, 8 + PAYLOAD, AF_UNIX, 1, 1, &tag, PAYLOAD), 0);
    free(buf);
}

static void test_checksum(void **state)
{
    /* RFC 1071 section 3: these bytes sum to ddf2, so the checksum is 220d. */
    static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint8_t pkt[256];
    size_t n;

    (void)state;
    assert_int_equal(icmp_checksum(rfc, sizeof(rfc)), 0x220d);
    /* An odd last byte counts as the high half of a word. */
    assert_int_equal(icmp_checksum(rfc, 3), (uint16_t) ~(0x0001 + 0xf200));
    assert_int_equal(icmp_checksum(rfc, 0), 0xffff);

    for (size_t len = ICMP_MIN_PAYLOAD; len <= 101; len += 17) {
        n = icmp_build_echo(pkt, sizeof(pkt), AF_INET, 0xffff, 0xfffe, &tag, len);
        assert_int_equal(n, ICMP_HDR_LEN + len);
        assert_int_equal(icmp_checksum(pkt, n), 0);
        pkt[n - 1] ^= 1;
        assert_int_not_equal(icmp_checksum(pkt, n), 0);
    }
}

/* Every prefix of a valid reply: MALFORMED while the ICMP header is cut,
 * then a reply whose tag appears once all of it is there. */
static void test_truncation(void **state)
{
    static const struct {
        int family, ip_header;
        size_t hlen;
    } cases[] = {{AF_INET, 1, 20}, {AF_INET, 1, 24}, {AF_INET, 0, 0}, {AF_INET6, 0, 0}};
    uint8_t pkt[256];
    struct icmp_parsed out;

    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t h = cases[c].hlen;
        size_t full = h + put_reply(pkt + h, cases[c].family, PAYLOAD);

        if (h)
            put_ipv4(pkt, h, full, dst4);
        for (size_t n = 0; n <= full; n++) {
            enum icmp_kind k = parse_exact(pkt, n, cases[c].family, cases[c].ip_header, &out);

            if (n < h + ICMP_HDR_LEN) {
                assert_int_equal(k, ICMP_KIND_MALFORMED);
                assert_int_equal(out.has_tag, 0);
            } else {
                assert_reply(&out, n >= h + ICMP_HDR_LEN + ICMP_TAG_LEN);
            }
        }
    }
}

static void test_ipv4_header(void **state)
{
    uint8_t pkt[256];
    struct icmp_parsed out;
    size_t n = put_reply(pkt + 20, AF_INET, PAYLOAD) + 20;

    (void)state;
    put_ipv4(pkt, 20, n, dst4);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_REPLY);

    pkt[0] = 0x44; /* IHL 4: 16 bytes */
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_MALFORMED);
    pkt[0] = 0x40;
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_MALFORMED);
    pkt[0] = 0x4f; /* 60 bytes, more than a 40-byte packet holds */
    assert_int_equal(parse_exact(pkt, 40, AF_INET, 1, &out), ICMP_KIND_MALFORMED);
    pkt[0] = 0x65; /* version 6 */
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_MALFORMED);
    pkt[0] = 0x45;

    pkt[9] = 17; /* UDP */
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_IGNORED);
    pkt[9] = 1;

    /* Total length below the header's own: inconsistent. */
    put_ipv4(pkt, 20, 19, dst4);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_MALFORMED);
    /* Total length shorter than what arrived (link padding): the rest is not
     * ICMP, so the tag it would cover is not there. */
    put_ipv4(pkt, 20, 20 + 8 + 10, dst4);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_REPLY);
    assert_reply(&out, 0);
    put_ipv4(pkt, 20, 20 + 7, dst4);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_MALFORMED);
    /* Longer than what arrived: what arrived counts. */
    put_ipv4(pkt, 20, 0xffff, dst4);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 1, &out), ICMP_KIND_REPLY);
    assert_reply(&out, 1);
}

static void test_ignored(void **state)
{
    uint8_t pkt[256];
    struct icmp_parsed out;
    size_t n;

    (void)state;
    /* Our own requests, seen on the loopback or by a raw socket. */
    n = icmp_build_echo(pkt, sizeof(pkt), AF_INET, 1, 2, &tag, PAYLOAD);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 0, &out), ICMP_KIND_IGNORED);
    assert_int_equal(out.type, 8);
    assert_int_equal(out.has_tag, 0);
    n = icmp_build_echo(pkt, sizeof(pkt), AF_INET6, 1, 2, &tag, PAYLOAD);
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_IGNORED);
    assert_int_equal(out.type, 128);

    n = put_reply(pkt, AF_INET, PAYLOAD);
    pkt[1] = 1; /* echo reply with a code that does not exist */
    assert_int_equal(parse_exact(pkt, n, AF_INET, 0, &out), ICMP_KIND_IGNORED);
    pkt[1] = 0;
    pkt[0] = 5; /* redirect */
    assert_int_equal(parse_exact(pkt, n, AF_INET, 0, &out), ICMP_KIND_IGNORED);
    pkt[0] = 0;
    assert_int_equal(parse_exact(pkt, n, AF_UNIX, 0, &out), ICMP_KIND_MALFORMED);

    n = put_reply(pkt, AF_INET6, PAYLOAD);
    pkt[0] = 135; /* neighbour solicitation */
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_IGNORED);
}

/* An ICMPv4 error (type, code) quoting quoted_len bytes of our echo request
 * sent to dst4, whose quoted IP header is qhlen bytes; with an outer IP
 * header when raw. Returns the length. */
static size_t put_error4(uint8_t *p, int raw, uint8_t type, uint8_t code, size_t qhlen,
                         size_t quoted_len)
{
    uint8_t echo[256];
    size_t h = raw ? 20 : 0, n;

    n = icmp_build_echo(echo, sizeof(echo), AF_INET, 0x1234, 0xbeef, &tag, PAYLOAD);
    memset(p + h, 0, 8);
    p[h] = type;
    p[h + 1] = code;
    put_ipv4(p + h + 8, qhlen, qhlen + n, dst4);
    memcpy(p + h + 8 + qhlen, echo, quoted_len);
    n = h + 8 + qhlen + quoted_len;
    if (raw)
        put_ipv4(p, 20, n, (uint8_t[]){198, 51, 100, 1});
    return n;
}

static size_t put_error6(uint8_t *p, uint8_t type, uint8_t code, size_t quoted_len)
{
    uint8_t echo[256];
    size_t n = icmp_build_echo(echo, sizeof(echo), AF_INET6, 0x1234, 0xbeef, &tag, PAYLOAD);

    memset(p, 0, 8);
    p[0] = type;
    p[1] = code;
    put_ipv6(p + 8, n);
    memcpy(p + 48, echo, quoted_len);
    return 48 + quoted_len;
}

static void assert_unreach(const struct icmp_parsed *out, int family, uint8_t type, uint8_t code,
                           int with_tag)
{
    assert_int_equal(out->kind, ICMP_KIND_UNREACH);
    assert_int_equal(out->type, type);
    assert_int_equal(out->code, code);
    assert_int_equal(out->id, 0x1234);
    assert_int_equal(out->seq, 0xbeef);
    assert_int_equal(out->quoted_family, family);
    if (family == AF_INET)
        assert_memory_equal(out->quoted_dst, dst4, 4);
    else
        assert_memory_equal(out->quoted_dst, dst6, 16);
    assert_int_equal(out->has_tag, with_tag);
    if (with_tag) {
        assert_true(out->tag.magic == tag.magic);
        assert_int_equal(out->tag.slot, tag.slot);
        assert_int_equal(out->tag.gen, tag.gen);
    }
}

static void test_unreach_v4(void **state)
{
    uint8_t pkt[512];
    struct icmp_parsed out;
    size_t n;

    (void)state;
    for (int raw = 0; raw <= 1; raw++) {
        size_t h = raw ? 20 : 0;

        /* Host unreachable, quoting header and tag (Linux quotes it all). */
        n = put_error4(pkt, raw, 3, 1, 20, 8 + ICMP_TAG_LEN);
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_UNREACH);
        assert_unreach(&out, AF_INET, 3, 1, 1);
        /* TTL exceeded from an old router that quotes only 8 bytes. */
        n = put_error4(pkt, raw, 11, 0, 20, 8);
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_UNREACH);
        assert_unreach(&out, AF_INET, 11, 0, 0);
        /* A quoted header with options. */
        n = put_error4(pkt, raw, 3, 13, 28, 8 + 20);
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_UNREACH);
        assert_unreach(&out, AF_INET, 3, 13, 1);

        /* Every prefix: MALFORMED until the quoted ICMP header is whole. */
        n = put_error4(pkt, raw, 3, 3, 20, 8 + PAYLOAD);
        for (size_t len = 0; len <= n; len++) {
            enum icmp_kind k = parse_exact(pkt, len, AF_INET, raw, &out);

            if (len < h + 8 + 20 + 8)
                assert_int_equal(k, ICMP_KIND_MALFORMED);
            else
                assert_unreach(&out, AF_INET, 3, 3, len >= h + 8 + 20 + 8 + ICMP_TAG_LEN);
        }

        /* Quoting something that is not our echo request. */
        n = put_error4(pkt, raw, 3, 3, 20, 8 + ICMP_TAG_LEN);
        pkt[h + 8 + 9] = 17; /* a UDP datagram of another program */
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_IGNORED);
        assert_int_equal(out.has_tag, 0);
        pkt[h + 8 + 9] = 1;
        pkt[h + 8 + 20] = 0; /* an echo reply */
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_IGNORED);
        pkt[h + 8 + 20] = 8;

        /* A broken quoted header. */
        pkt[h + 8] = 0x44;
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_MALFORMED);
        pkt[h + 8] = 0x4f;
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_MALFORMED);
        pkt[h + 8] = 0x55;
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_MALFORMED);
        pkt[h + 8] = 0x45;
        assert_int_equal(parse_exact(pkt, n, AF_INET, raw, &out), ICMP_KIND_UNREACH);
    }
    /* An ICMPv6 error type number means something else in ICMPv4. */
    n = put_error4(pkt, 0, 1, 0, 20, 8 + ICMP_TAG_LEN);
    assert_int_equal(parse_exact(pkt, n, AF_INET, 0, &out), ICMP_KIND_IGNORED);
}

static void test_unreach_v6(void **state)
{
    uint8_t pkt[512];
    struct icmp_parsed out;
    size_t n;

    (void)state;
    n = put_error6(pkt, 1, 3, 8 + ICMP_TAG_LEN);
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_UNREACH);
    assert_unreach(&out, AF_INET6, 1, 3, 1);
    n = put_error6(pkt, 3, 0, 8 + ICMP_TAG_LEN - 1);
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_UNREACH);
    assert_unreach(&out, AF_INET6, 3, 0, 0);

    n = put_error6(pkt, 1, 0, 8 + PAYLOAD);
    for (size_t len = 0; len <= n; len++) {
        enum icmp_kind k = parse_exact(pkt, len, AF_INET6, 0, &out);

        if (len < 8 + 40 + 8)
            assert_int_equal(k, ICMP_KIND_MALFORMED);
        else
            assert_unreach(&out, AF_INET6, 1, 0, len >= 8 + 40 + 8 + ICMP_TAG_LEN);
    }

    pkt[8 + 6] = 0; /* a hop-by-hop header first: not one of ours */
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_IGNORED);
    pkt[8 + 6] = 58;
    pkt[48] = 129; /* quoting an echo reply */
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_IGNORED);
    pkt[48] = 128;
    pkt[8] = 0x40; /* version 4 */
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_MALFORMED);
    pkt[8] = 0x60;
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_UNREACH);
    pkt[0] = 2; /* packet too big is not a reachability verdict */
    assert_int_equal(parse_exact(pkt, n, AF_INET6, 0, &out), ICMP_KIND_IGNORED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_v4), cmocka_unit_test(test_roundtrip_v6),
        cmocka_unit_test(test_build),        cmocka_unit_test(test_build_small),
        cmocka_unit_test(test_checksum),     cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_ipv4_header),  cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_unreach_v4),   cmocka_unit_test(test_unreach_v6),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
