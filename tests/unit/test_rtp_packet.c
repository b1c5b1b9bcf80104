/*
 * Captured frames down to RTP (rtp_packet.c) and the stream table that
 * follows them (rtp_table.c): link layers, VLAN tags, IPv6 extension
 * headers, RTCP, frames cut short, and the table's own work (SSRCs apart,
 * growth, expiry, the match settings). Every frame is passed in a buffer
 * of its exact length, so ASan sees a read past it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtp_table.h"

struct frame {
    uint8_t b[512];
    size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* An RTP header (version 2, no CSRC) and 20 payload bytes. */
static size_t rtp_header(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    p[0] = 0x80;
    p[1] = pt;
    put16(p + 2, seq);
    put32(p + 4, ts);
    put32(p + 8, ssrc);
    memset(p + 12, 0xd5, 20);
    return 32;
}

/* UDP around payload at p + 8; returns the UDP length. */
static size_t udp(uint8_t *p, uint16_t sport, uint16_t dport, size_t payload)
{
    put16(p, sport);
    put16(p + 2, dport);
    put16(p + 4, (uint16_t)(8 + payload));
    put16(p + 6, 0);
    return 8 + payload;
}

static size_t ipv4(uint8_t *p, const char *src, const char *dst, uint8_t proto, size_t payload)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint16_t)(20 + payload));
    p[8] = 64;
    p[9] = proto;
    inet_pton(AF_INET, src, p + 12);
    inet_pton(AF_INET, dst, p + 16);
    return 20 + payload;
}

/* Ethernet with n_tags 802.1Q tags (the first with vlan), IPv4, UDP, RTP. */
static void eth_rtp(struct frame *f, int n_tags, uint16_t vlan, uint16_t seq, uint32_t ssrc)
{
    uint8_t *p = f->b;
    memset(p, 0x02, 12);
    size_t off = 12;
    for (int i = 0; i < n_tags; i++) {
        put16(p + off, i == 0 && n_tags > 1 ? 0x88a8 : 0x8100);
        put16(p + off + 2, i == 0 ? vlan : 7);
        off += 4;
    }
    put16(p + off, 0x0800);
    off += 2;
    size_t r = rtp_header(p + off + 28, 96, seq, 1000u * seq, ssrc);
    size_t u = udp(p + off + 20, 40000, 50000, r);
    off += ipv4(p + off, "10.1.2.3", "10.1.2.4", 17, u);
    f->len = off;
}

/* The first len bytes of f in a buffer of exactly that size (taken by
 * the caller). */
static uint8_t *exact(const struct frame *f, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, f->b, len);
    return copy;
}

static enum rtp_kind parse(int dlt, const struct frame *f, size_t len, struct rtp_packet *out)
{
    uint8_t *copy = exact(f, len);
    enum rtp_kind k = rtp_parse(dlt, copy, len, out);
    free(copy);
    return k;
}

static void test_ethernet_ipv4(void **unused)
{
    (void)unused;
    struct frame f;
    struct rtp_packet p;
    char a[64];
    eth_rtp(&f, 0, 0, 4242, 0xdeadbeef);
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_MEDIA);
    assert_int_equal(p.seq, 4242);
    assert_int_equal(p.ts, 4242000u);
    assert_int_equal(p.ssrc, 0xdeadbeef);
    assert_int_equal(p.pt, 96);
    assert_int_equal(p.flow.sport, 40000);
    assert_int_equal(p.flow.dport, 50000);
    assert_string_equal(rtp_addr_text(&p.flow.src, a, sizeof(a)), "10.1.2.3");
    assert_string_equal(rtp_addr_text(&p.flow.dst, a, sizeof(a)), "10.1.2.4");
    assert_int_equal(p.vlan, 0);
    /* Ethernet padding after the IP packet changes nothing. */
    f.len += 6;
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_MEDIA);
}

static void test_vlan_tags(void **unused)
{
    (void)unused;
    struct frame f;
    struct rtp_packet p;
    eth_rtp(&f, 1, 210, 1, 1);
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_MEDIA);
    assert_int_equal(p.vlan, 210);
    eth_rtp(&f, 2, 300, 1, 1); /* 802.1ad outer, 802.1Q inner */
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_MEDIA);
    assert_int_equal(p.vlan, 300);
    eth_rtp(&f, 5, 300, 1, 1); /* more tags than any network stacks */
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_OTHER);
}

/* Every cut of a frame parses without reading past it, and a cut inside
 * the headers RTP needs is malformed, never media. */
static void test_every_truncation(void **unused)
{
    (void)unused;
    struct frame f;
    struct rtp_packet p;
    eth_rtp(&f, 1, 5, 10, 10);
    size_t rtp_end = 14 + 4 + 20 + 8 + 12;
    for (size_t len = 0; len < f.len; len++) {
        enum rtp_kind k = parse(RTP_DLT_EN10MB, &f, len, &p);
        if (len < rtp_end)
            assert_int_equal(k, RTP_KIND_MALFORMED);
        else
            assert_int_equal(k, RTP_KIND_MEDIA); /* the payload is not needed */
    }
}

static void test_ipv6_extensions(void **unused)
{
    (void)unused;
    struct frame f;
    struct rtp_packet p;
    char a[64];
    uint8_t *b = f.b;
    memset(b, 0, sizeof(f.b));
    b[0] = 0x60;
    b[6] = 0; /* hop-by-hop options first */
    b[7] = 64;
    inet_pton(AF_INET6, "fd00:7::1", b + 8);
    inet_pton(AF_INET6, "fd00:7::2", b + 24);
    b[40] = 44; /* then a fragment header, the first fragment */
    b[41] = 0;  /* 8 bytes */
    b[48] = 17;
    size_t r = rtp_header(b + 64, 0, 9, 9, 9);
    size_t u = udp(b + 56, 5004, 5006, r);
    put16(b + 4, (uint16_t)(16 + u));
    f.len = 56 + u;
    assert_int_equal(parse(RTP_DLT_RAW, &f, f.len, &p), RTP_KIND_MEDIA);
    assert_int_equal(p.flow.src.family, 6);
    assert_string_equal(rtp_addr_text(&p.flow.dst, a, sizeof(a)), "fd00:7::2");
    assert_int_equal(p.pt, 0);
    /* A later fragment has no UDP header. */
    put16(b + 50, 8 << 3);
    assert_int_equal(parse(RTP_DLT_RAW, &f, f.len, &p), RTP_KIND_OTHER);
}

static void test_cooked_and_loopback(void **unused)
{
    (void)unused;
    struct frame eth, f;
    struct rtp_packet p;
    eth_rtp(&eth, 0, 0, 77, 77);
    size_t ip_len = eth.len - 14;
    /* Linux cooked v1: 16 bytes, the protocol last. */
    memset(f.b, 0, 16);
    put16(f.b + 14, 0x0800);
    memcpy(f.b + 16, eth.b + 14, ip_len);
    f.len = 16 + ip_len;
    assert_int_equal(parse(RTP_DLT_LINUX_SLL, &f, f.len, &p), RTP_KIND_MEDIA);
    /* v2: 20 bytes, the protocol first. */
    memset(f.b, 0, 20);
    put16(f.b, 0x0800);
    memcpy(f.b + 20, eth.b + 14, ip_len);
    f.len = 20 + ip_len;
    assert_int_equal(parse(RTP_DLT_LINUX_SLL2, &f, f.len, &p), RTP_KIND_MEDIA);
    /* BSD loopback, family 2 in little-endian order. */
    memset(f.b, 0, 4);
    f.b[0] = 2;
    memcpy(f.b + 4, eth.b + 14, ip_len);
    f.len = 4 + ip_len;
    assert_int_equal(parse(RTP_DLT_NULL, &f, f.len, &p), RTP_KIND_MEDIA);
    assert_int_equal(p.seq, 77);
    assert_true(rtp_dlt_supported(RTP_DLT_LINUX_SLL2));
    assert_false(rtp_dlt_supported(105)); /* 802.11 */
}

static void test_rtcp_and_noise(void **unused)
{
    (void)unused;
    struct frame f;
    struct rtp_packet p;
    eth_rtp(&f, 0, 0, 1, 1);
    uint8_t *payload = f.b + 14 + 20 + 8;
    /* A receiver report: 8 bytes, length field 1 (two words). */
    payload[0] = 0x81;
    payload[1] = 201;
    put16(payload + 2, 1);
    put32(payload + 4, 0x1234);
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_CONTROL);
    assert_int_equal(p.ssrc, 0x1234);
    assert_int_equal(p.pt, 201);
    /* A length beyond the datagram: not RTCP. */
    put16(payload + 2, 100);
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_UDP);
    /* Version 1: not RTP. */
    payload[0] = 0x40;
    payload[1] = 0;
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_UDP);
    /* Reserved payload type 72 (would read as RTCP with the marker). */
    payload[0] = 0x80;
    payload[1] = 72;
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_UDP);
    /* Fifteen CSRCs announced in a 32-byte datagram: not RTP. */
    payload[0] = 0x8f;
    payload[1] = 0;
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_UDP);
    /* TCP. */
    eth_rtp(&f, 0, 0, 1, 1);
    f.b[14 + 9] = 6;
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_OTHER);
    /* A UDP length beyond the IP packet. */
    eth_rtp(&f, 0, 0, 1, 1);
    put16(f.b + 14 + 20 + 4, 900);
    assert_int_equal(parse(RTP_DLT_EN10MB, &f, f.len, &p), RTP_KIND_MALFORMED);
}

static struct rtp_entry *feed(struct rtp_table *t, const struct frame *f, int64_t at)
{
    struct rtp_entry *e;
    uint8_t *copy = exact(f, f->len);
    rtp_table_packet(t, RTP_DLT_EN10MB, copy, f->len, at, &e);
    free(copy);
    return e;
}

static void test_table_ssrc_and_counts(void **unused)
{
    (void)unused;
    struct rtp_match m;
    struct rtp_table t;
    struct frame f;
    rtp_match_default(&m);
    assert_int_equal(rtp_table_init(&t, &m), 0);
    for (uint16_t i = 0; i < 10; i++) {
        eth_rtp(&f, 0, 0, i, 0xaaaa);
        feed(&t, &f, 1000000000LL + i * 20000000LL);
    }
    /* The same addresses and ports, a new SSRC: a new stream. */
    for (uint16_t i = 0; i < 5; i++) {
        eth_rtp(&f, 0, 0, (uint16_t)(500 + i), 0xbbbb);
        feed(&t, &f, 2000000000LL + i * 20000000LL);
    }
    assert_int_equal(t.n, 2);
    /* The first packet of each is on probation, not yet media. */
    assert_int_equal(t.counts.media, 13);
    assert_int_equal(t.counts.udp, 2);
    size_t pos = 0, seen = 0;
    struct rtp_entry *e;
    while ((e = rtp_table_next(&t, &pos))) {
        seen++;
        assert_true(e->st.valid);
        assert_int_equal(rtp_stream_expected(&e->st), e->ssrc == 0xaaaa ? 9 : 4);
        assert_int_equal(e->serial, e->ssrc == 0xaaaa ? 1 : 2);
        assert_int_equal(e->st.clock_rate, 90000);
    }
    assert_int_equal(seen, 2);
    rtp_table_free(&t);
}

static void test_table_ports_and_types(void **unused)
{
    (void)unused;
    struct rtp_match m;
    char err[256];
    rtp_match_default(&m);
    m.n_ports = 0;
    assert_int_equal(rtp_match_ports(&m, "16384-32767", err, sizeof(err)), 0);
    assert_int_equal(rtp_match_ports(&m, "5004", err, sizeof(err)), 0);
    assert_int_equal(rtp_match_ports(&m, "9-3", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "16384-32767"));
    assert_int_equal(rtp_match_ports(&m, "70000", err, sizeof(err)), -EINVAL);
    assert_int_equal(rtp_match_clock_rate(&m, "111=48000", err, sizeof(err)), 0);
    assert_int_equal(m.clock_rate[111], 48000);
    assert_int_equal(rtp_match_clock_rate(&m, "128=8000", err, sizeof(err)), -EINVAL);
    assert_int_equal(rtp_match_clock_rate(&m, "96", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "PAYLOAD_TYPE=CLOCK_RATE"));

    struct rtp_table t;
    struct frame f;
    assert_int_equal(rtp_table_init(&t, &m), 0);
    eth_rtp(&f, 0, 0, 1, 1); /* ports 40000 -> 50000: not configured */
    assert_null(feed(&t, &f, 1));
    assert_int_equal(t.counts.udp, 1);
    put16(f.b + 14 + 20 + 2, 5004);
    assert_non_null(feed(&t, &f, 2));
    f.b[14 + 20 + 8 + 1] = 50; /* an unassigned payload type */
    assert_null(feed(&t, &f, 3));
    rtp_table_free(&t);
}

static int ended_count;
static void count_ended(void *arg, struct rtp_entry *e)
{
    (void)arg;
    assert_true(e->st.valid);
    ended_count++;
}

/* Thousands of streams: the table grows; expiry removes the idle ones
 * (shifting entries back) and every other stream is still found. */
static void test_table_growth_and_expiry(void **unused)
{
    (void)unused;
    struct rtp_match m;
    struct rtp_table t;
    struct frame f;
    rtp_match_default(&m);
    assert_int_equal(rtp_table_init(&t, &m), 0);
    enum { N = 3000 };
    for (uint32_t s = 0; s < N; s++)
        for (uint16_t i = 0; i < 2; i++) {
            eth_rtp(&f, 0, 0, i, s);
            /* Odd SSRCs stop early. */
            feed(&t, &f, (s % 2 ? 1 : 5) * 1000000000LL + i);
        }
    assert_int_equal(t.n, N);
    assert_true(t.cap >= N * 10 / 7);
    ended_count = 0;
    assert_int_equal(rtp_table_expire(&t, 7000000000LL, 5000000000LL, count_ended, NULL), N / 2);
    assert_int_equal(ended_count, N / 2);
    assert_int_equal(t.n, N / 2);
    for (uint32_t s = 0; s < N; s += 2) {
        eth_rtp(&f, 0, 0, 2, s);
        struct rtp_entry *e = feed(&t, &f, 6000000000LL);
        assert_non_null(e);
        assert_int_equal(e->ssrc, s);
        assert_int_equal(rtp_stream_expected(&e->st), 2); /* an old stream, found again */
    }
    assert_int_equal(t.n, N / 2);
    /* Full: a new stream is not followed, and said so. */
    t.match.max_streams = N / 2;
    eth_rtp(&f, 0, 0, 1, 999999);
    assert_null(feed(&t, &f, 6000000001LL));
    assert_int_equal(t.counts.untracked, 1);
    rtp_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_ipv4),
        cmocka_unit_test(test_vlan_tags),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_ipv6_extensions),
        cmocka_unit_test(test_cooked_and_loopback),
        cmocka_unit_test(test_rtcp_and_noise),
        cmocka_unit_test(test_table_ssrc_and_counts),
        cmocka_unit_test(test_table_ports_and_types),
        cmocka_unit_test(test_table_growth_and_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
