/*
 * One captured frame, down to its RTP or RTCP header: link layer (Ethernet
 * with 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP, BSD loopback), IPv4
 * or IPv6 (extension headers skipped), UDP. Pure: no libpcap, no
 * allocation; every length read off the frame is checked against what was
 * captured, so any bytes at all are safe to pass (there is a fuzz target).
 */
#ifndef PROBED_RTP_PACKET_H
#define PROBED_RTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* Link types, as libpcap numbers them (DLT_*), without needing pcap.h. */
enum {
    RTP_DLT_NULL = 0,
    RTP_DLT_EN10MB = 1,
    RTP_DLT_RAW = 12,
    RTP_DLT_RAW_ALT = 14, /* DLT_RAW on OpenBSD; in some captures */
    RTP_DLT_LOOP = 108,
    RTP_DLT_LINUX_SLL = 113,
    RTP_DLT_IPV4 = 228,
    RTP_DLT_IPV6 = 229,
    RTP_DLT_LINUX_SLL2 = 276,
};

enum rtp_kind {
    RTP_KIND_OTHER,     /* not UDP over IP (ARP, TCP, a later IP fragment...) */
    RTP_KIND_UDP,       /* UDP whose payload is neither RTP nor RTCP */
    RTP_KIND_MEDIA,     /* an RTP header: version 2, a media payload type */
    RTP_KIND_CONTROL,   /* RTCP (payload types 192..223, RFC 5761) */
    RTP_KIND_MALFORMED, /* cut short or inconsistent where RTP should be */
};

struct rtp_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t bytes[16];
};

struct rtp_flow {
    struct rtp_addr src, dst;
    uint16_t sport, dport;
};

struct rtp_packet {
    struct rtp_flow flow; /* filled from UDP on */
    uint16_t vlan;        /* the outer 802.1Q id; 0 untagged */
    uint8_t pt;           /* payload type (RTCP: the packet type, 192..223) */
    uint8_t marker;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    uint32_t udp_len; /* UDP payload bytes, as the UDP header says */
};

/* Parses frame (caplen bytes captured) of link type dlt into *out.
 * Returns what it is; out's RTP fields are set for RTP_KIND_MEDIA and
 * (ssrc, pt) for RTP_KIND_CONTROL, flow from RTP_KIND_UDP on. */
enum rtp_kind rtp_parse(int dlt, const uint8_t *frame, size_t caplen, struct rtp_packet *out);

/* True when dlt is a link type rtp_parse() reads. */
int rtp_dlt_supported(int dlt);

/* "a.b.c.d" or IPv6 text into buf (at least 46 bytes). */
const char *rtp_addr_text(const struct rtp_addr *a, char *buf, size_t len);

/* Parses an IPv4 or IPv6 address; 0 or -EINVAL. */
int rtp_addr_parse(const char *text, struct rtp_addr *out);

int rtp_addr_equal(const struct rtp_addr *a, const struct rtp_addr *b);

#endif
