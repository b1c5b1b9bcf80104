/* ICMP echo packets on the wire: build requests, parse replies and errors.
 * Every read from a packet is preceded by a check of the bytes remaining. */
#include <string.h>
#include <sys/socket.h>

#include "icmp_wire.h"

#define IPV4_MIN_HDR    20
#define IPV6_HDR_LEN    40
#define IPPROTO_ICMP_V4 1
#define NEXTHDR_ICMP_V6 58

#define ICMP4_ECHO_REPLY   0
#define ICMP4_UNREACH      3
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_TIME_EXCEED  11
#define ICMP6_UNREACH      1
#define ICMP6_TIME_EXCEED  3
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

static void tag_write(uint8_t *p, const struct icmp_tag *tag)
{
    put32(p, (uint32_t)(tag->magic >> 32));
    put32(p + 4, (uint32_t)tag->magic);
    put32(p + 8, tag->slot);
    put32(p + 12, tag->gen);
}

static void tag_read(const uint8_t *p, struct icmp_tag *tag)
{
    tag->magic = (uint64_t)get32(p) << 32 | get32(p + 4);
    tag->slot = get32(p + 8);
    tag->gen = get32(p + 12);
}

uint16_t icmp_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t sum = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t icmp_build_echo(uint8_t *buf, size_t buflen, int family, uint16_t id, uint16_t seq,
                       const struct icmp_tag *tag, size_t payload_len)
{
    uint8_t type;

    if (family == AF_INET)
        type = ICMP4_ECHO_REQUEST;
    else if (family == AF_INET6)
        type = ICMP6_ECHO_REQUEST;
    else
        return 0;
    if (payload_len < ICMP_MIN_PAYLOAD || buflen < ICMP_HDR_LEN ||
        payload_len > buflen - ICMP_HDR_LEN)
        return 0;

    buf[0] = type;
    buf[1] = 0;
    put16(buf + 2, 0);
    put16(buf + 4, id);
    put16(buf + 6, seq);
    tag_write(buf + ICMP_HDR_LEN, tag);
    /* A fixed filler rather than zeros, so a path that mangles or truncates
     * payloads shows in a packet capture. */
    for (size_t i = ICMP_TAG_LEN; i < payload_len; i++)
        buf[ICMP_HDR_LEN + i] = (uint8_t)(0x20 + i % 0x5f);
    if (family == AF_INET)
        put16(buf + 2, icmp_checksum(buf, ICMP_HDR_LEN + payload_len));
    return ICMP_HDR_LEN + payload_len;
}

/* Bounds of an IPv4 header at p (len bytes available). Returns 1 and its
 * length in *hlen when it is a sane header of an ICMP packet; else 0 and the
 * kind to report in *bad. */
static int ipv4_header(const uint8_t *p, size_t len, size_t *hlen, enum icmp_kind *bad)
{
    *bad = ICMP_KIND_MALFORMED;
    if (len < IPV4_MIN_HDR || p[0] >> 4 != 4)
        return 0;
    *hlen = (size_t)(p[0] & 0x0f) * 4;
    if (*hlen < IPV4_MIN_HDR || *hlen > len)
        return 0;
    *bad = ICMP_KIND_IGNORED;
    return p[9] == IPPROTO_ICMP_V4;
}

/* The echo request quoted by an ICMP error: q[0..len) is what follows the
 * 8-byte error header. */
static enum icmp_kind parse_quoted(const uint8_t *q, size_t len, int family,
                                   struct icmp_parsed *out)
{
    enum icmp_kind k;
    size_t hlen;

    if (family == AF_INET) {
        if (!ipv4_header(q, len, &hlen, &k))
            return k;
        /* The quoted total length is not trusted: it describes the whole
         * original datagram, of which routers quote only a prefix, and some
         * rewrite it. */
        memcpy(out->quoted_dst, q + 16, 4);
    } else {
        if (len < IPV6_HDR_LEN || q[0] >> 4 != 6)
            return ICMP_KIND_MALFORMED;
        /* Our echoes carry no extension headers, so one here is not ours. */
        if (q[6] != NEXTHDR_ICMP_V6)
            return ICMP_KIND_IGNORED;
        hlen = IPV6_HDR_LEN;
        memcpy(out->quoted_dst, q + 24, 16);
    }
    q += hlen;
    len -= hlen;
    if (len < ICMP_HDR_LEN)
        return ICMP_KIND_MALFORMED;
    if (q[0] != (family == AF_INET ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST))
        return ICMP_KIND_IGNORED;
    out->quoted_family = family;
    out->id = get16(q + 4);
    out->seq = get16(q + 6);
    if (len - ICMP_HDR_LEN >= ICMP_TAG_LEN) {
        tag_read(q + ICMP_HDR_LEN, &out->tag);
        out->has_tag = 1;
    }
    return ICMP_KIND_UNREACH;
}

static enum icmp_kind parse_icmp(const uint8_t *p, size_t len, int family, struct icmp_parsed *out)
{
    int v4 = family == AF_INET;

    if (len < ICMP_HDR_LEN)
        return ICMP_KIND_MALFORMED;
    out->type = p[0];
    out->code = p[1];
    if (out->type == (v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY)) {
        if (out->code != 0)
            return ICMP_KIND_IGNORED;
        out->id = get16(p + 4);
        out->seq = get16(p + 6);
        if (len - ICMP_HDR_LEN >= ICMP_TAG_LEN) {
            tag_read(p + ICMP_HDR_LEN, &out->tag);
            out->has_tag = 1;
        }
        return ICMP_KIND_REPLY;
    }
    if (v4 ? out->type == ICMP4_UNREACH || out->type == ICMP4_TIME_EXCEED
           : out->type == ICMP6_UNREACH || out->type == ICMP6_TIME_EXCEED)
        return parse_quoted(p + ICMP_HDR_LEN, len - ICMP_HDR_LEN, family, out);
    return ICMP_KIND_IGNORED;
}

enum icmp_kind icmp_parse(const uint8_t *pkt, size_t len, int family, int ip_header,
                          struct icmp_parsed *out)
{
    struct icmp_parsed clean = {0};
    enum icmp_kind k;
    size_t hlen, total;

    *out = clean;
    if (family != AF_INET && family != AF_INET6) {
        out->kind = ICMP_KIND_MALFORMED;
        return out->kind;
    }
    if (family == AF_INET && ip_header) {
        if (!ipv4_header(pkt, len, &hlen, &k)) {
            out->kind = k;
            return k;
        }
        total = get16(pkt + 2);
        if (total < hlen) {
            out->kind = ICMP_KIND_MALFORMED;
            return out->kind;
        }
        if (total < len)
            len = total;
        pkt += hlen;
        len -= hlen;
    }
    k = parse_icmp(pkt, len, family, out);
    if (k != ICMP_KIND_REPLY && k != ICMP_KIND_UNREACH) {
        /* Half-read fields must not look valid to a careless caller. */
        uint8_t type = out->type, code = out->code;

        *out = clean;
        out->type = type;
        out->code = code;
    }
    out->kind = k;
    return k;
}
