#include "rtp_packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88a8,
    ETH_QINQ_OLD = 0x9100
};
enum { MAX_VLAN_TAGS = 4, MAX_IPV6_EXTENSIONS = 8 };

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int rtp_dlt_supported(int dlt)
{
    switch (dlt) {
    case RTP_DLT_NULL:
    case RTP_DLT_EN10MB:
    case RTP_DLT_RAW:
    case RTP_DLT_RAW_ALT:
    case RTP_DLT_LOOP:
    case RTP_DLT_LINUX_SLL:
    case RTP_DLT_IPV4:
    case RTP_DLT_IPV6:
    case RTP_DLT_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

/* The UDP payload: RTP, RTCP or something else. have: bytes captured;
 * len: bytes the UDP header says. */
static enum rtp_kind classify(const uint8_t *p, size_t have, size_t len, struct rtp_packet *out)
{
    if (len < 2 || have < 2 || p[0] >> 6 != 2)
        return len >= 2 && have < 2 ? RTP_KIND_MALFORMED : RTP_KIND_UDP;
    uint8_t second = p[1];
    if (second >= 192 && second <= 223) {
        /* RTCP: a header and the sender's SSRC, its length in 32-bit words
         * minus one within the datagram (a compound packet has more). */
        if (len < 8)
            return RTP_KIND_UDP;
        if (have < 8)
            return RTP_KIND_MALFORMED;
        if (((size_t)be16(p + 2) + 1) * 4 > len)
            return RTP_KIND_UDP;
        out->pt = second;
        out->ssrc = be32(p + 4);
        return RTP_KIND_CONTROL;
    }
    size_t header = 12 + 4 * (size_t)(p[0] & 0x0f);
    if (len < header)
        return RTP_KIND_UDP;
    if (have < 12)
        return RTP_KIND_MALFORMED;
    /* 72..76 with the marker clear: reserved, they would read as RTCP. */
    if ((second & 0x7f) >= 72 && (second & 0x7f) <= 76)
        return RTP_KIND_UDP;
    if (p[0] & 0x10) { /* a header extension: its length must fit */
        if (len < header + 4)
            return RTP_KIND_UDP;
        if (have >= header + 4 && header + 4 + 4 * (size_t)be16(p + header + 2) > len)
            return RTP_KIND_UDP;
    }
    if ((p[0] & 0x20) && have >= len && len > 0 && p[len - 1] > len - header)
        return RTP_KIND_UDP; /* more padding than payload */
    out->marker = second >> 7;
    out->pt = second & 0x7f;
    out->seq = be16(p + 2);
    out->ts = be32(p + 4);
    out->ssrc = be32(p + 8);
    return RTP_KIND_MEDIA;
}

static enum rtp_kind udp(const uint8_t *p, size_t have, size_t ip_len, struct rtp_packet *out)
{
    if (ip_len < 8)
        return RTP_KIND_MALFORMED;
    if (have < 8)
        return RTP_KIND_MALFORMED;
    size_t len = be16(p + 4);
    if (len < 8 || len > ip_len)
        return RTP_KIND_MALFORMED;
    out->flow.sport = be16(p);
    out->flow.dport = be16(p + 2);
    out->udp_len = (uint32_t)(len - 8);
    size_t payload_have = have - 8;
    if (payload_have > len - 8)
        payload_have = len - 8;
    return classify(p + 8, payload_have, len - 8, out);
}

static enum rtp_kind ipv4(const uint8_t *p, size_t have, struct rtp_packet *out)
{
    if (have < 20)
        return RTP_KIND_MALFORMED;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t total = be16(p + 2);
    if (p[0] >> 4 != 4 || ihl < 20 || total < ihl || have < ihl)
        return RTP_KIND_MALFORMED;
    if ((be16(p + 6) & 0x1fff) != 0 || p[9] != 17)
        return RTP_KIND_OTHER; /* a later fragment (no UDP header), or not UDP */
    out->flow.src.family = out->flow.dst.family = 4;
    memcpy(out->flow.src.bytes, p + 12, 4);
    memcpy(out->flow.dst.bytes, p + 16, 4);
    /* Ethernet pads short frames: the IP length says where the packet ends. */
    size_t in_frame = have < total ? have : total;
    return udp(p + ihl, in_frame - ihl, total - ihl, out);
}

static enum rtp_kind ipv6(const uint8_t *p, size_t have, struct rtp_packet *out)
{
    if (have < 40 || p[0] >> 4 != 6)
        return RTP_KIND_MALFORMED;
    size_t payload = be16(p + 4);
    if (payload == 0) /* a jumbogram: the capture says how long */
        payload = have - 40;
    out->flow.src.family = out->flow.dst.family = 6;
    memcpy(out->flow.src.bytes, p + 8, 16);
    memcpy(out->flow.dst.bytes, p + 24, 16);
    uint8_t next = p[6];
    size_t off = 40, end = 40 + payload;
    size_t in_frame = have < end ? have : end;
    for (int i = 0; i <= MAX_IPV6_EXTENSIONS; i++) {
        size_t ext;
        switch (next) {
        case 17:
            return udp(p + off, in_frame - off, end - off, out);
        case 0:  /* hop-by-hop options */
        case 43: /* routing */
        case 60: /* destination options */
            if (in_frame < off + 8)
                return RTP_KIND_MALFORMED;
            ext = ((size_t)p[off + 1] + 1) * 8;
            break;
        case 44: /* fragment: only the first holds the UDP header */
            if (in_frame < off + 8)
                return RTP_KIND_MALFORMED;
            if ((be16(p + off + 2) & 0xfff8) != 0)
                return RTP_KIND_OTHER;
            ext = 8;
            break;
        case 51: /* authentication header */
            if (in_frame < off + 8)
                return RTP_KIND_MALFORMED;
            ext = ((size_t)p[off + 1] + 2) * 4;
            break;
        default:
            return RTP_KIND_OTHER;
        }
        next = p[off];
        if (ext > in_frame - off)
            return RTP_KIND_MALFORMED;
        off += ext;
    }
    return RTP_KIND_OTHER;
}

static enum rtp_kind ip(const uint8_t *p, size_t have, struct rtp_packet *out)
{
    if (have < 1)
        return RTP_KIND_MALFORMED;
    switch (p[0] >> 4) {
    case 4:
        return ipv4(p, have, out);
    case 6:
        return ipv6(p, have, out);
    default:
        return RTP_KIND_OTHER;
    }
}

static enum rtp_kind ethertype(uint16_t type, const uint8_t *p, size_t have, struct rtp_packet *out)
{
    switch (type) {
    case ETH_IPV4:
        return ipv4(p, have, out);
    case ETH_IPV6:
        return ipv6(p, have, out);
    default:
        return RTP_KIND_OTHER;
    }
}

static enum rtp_kind ethernet(const uint8_t *p, size_t have, struct rtp_packet *out)
{
    if (have < 14)
        return RTP_KIND_MALFORMED;
    size_t off = 12;
    uint16_t type = be16(p + off);
    for (int tags = 0; type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD; tags++) {
        if (tags == MAX_VLAN_TAGS || have < off + 6)
            return tags == MAX_VLAN_TAGS ? RTP_KIND_OTHER : RTP_KIND_MALFORMED;
        if (tags == 0)
            out->vlan = be16(p + off + 2) & 0x0fff;
        off += 4;
        type = be16(p + off);
    }
    off += 2;
    return ethertype(type, p + off, have - off, out);
}

/* BSD loopback: the address family, in the capturing host's byte order
 * (DLT_NULL) or big-endian (DLT_LOOP). IPv6's number differs by system. */
static enum rtp_kind loopback(const uint8_t *p, size_t have, int big_endian, struct rtp_packet *out)
{
    if (have < 4)
        return RTP_KIND_MALFORMED;
    uint32_t family = be32(p);
    if (!big_endian && (family & 0xffff) == 0)
        family = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
    switch (family) {
    case 2:
        return ipv4(p + 4, have - 4, out);
    case 10: /* Linux */
    case 24: /* NetBSD, OpenBSD */
    case 28: /* FreeBSD */
    case 30: /* macOS */
        return ipv6(p + 4, have - 4, out);
    default:
        return RTP_KIND_OTHER;
    }
}

enum rtp_kind rtp_parse(int dlt, const uint8_t *frame, size_t caplen, struct rtp_packet *out)
{
    memset(out, 0, sizeof(*out));
    switch (dlt) {
    case RTP_DLT_EN10MB:
        return ethernet(frame, caplen, out);
    case RTP_DLT_LINUX_SLL: /* 16 bytes, the protocol last */
        if (caplen < 16)
            return RTP_KIND_MALFORMED;
        return ethertype(be16(frame + 14), frame + 16, caplen - 16, out);
    case RTP_DLT_LINUX_SLL2: /* 20 bytes, the protocol first */
        if (caplen < 20)
            return RTP_KIND_MALFORMED;
        return ethertype(be16(frame), frame + 20, caplen - 20, out);
    case RTP_DLT_RAW:
    case RTP_DLT_RAW_ALT:
        return ip(frame, caplen, out);
    case RTP_DLT_IPV4:
        return ipv4(frame, caplen, out);
    case RTP_DLT_IPV6:
        return ipv6(frame, caplen, out);
    case RTP_DLT_NULL:
        return loopback(frame, caplen, 0, out);
    case RTP_DLT_LOOP:
        return loopback(frame, caplen, 1, out);
    default:
        return RTP_KIND_OTHER;
    }
}

const char *rtp_addr_text(const struct rtp_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->bytes, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

int rtp_addr_parse(const char *text, struct rtp_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, text, out->bytes) == 1) {
        out->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) {
        out->family = 6;
        return 0;
    }
    return -EINVAL;
}

int rtp_addr_equal(const struct rtp_addr *a, const struct rtp_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == 6 ? 16 : 4) == 0;
}
