/* icmp_wire.h: ICMP echo packets on the wire, for IPv4 and IPv6. Pure: no I/O.
 *
 * Families are AF_INET / AF_INET6 from <sys/socket.h>. All multi-byte fields
 * are read and written byte by byte (network order), so buffers need no
 * alignment. */
#ifndef PROBED_ICMP_WIRE_H
#define PROBED_ICMP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define ICMP_HDR_LEN     8
#define ICMP_TAG_LEN     16 /* our payload tag: magic, slot, generation */
#define ICMP_MIN_PAYLOAD ICMP_TAG_LEN

/* On the wire: magic (8 bytes), slot (4), gen (4), all big-endian, at the
 * start of the echo payload. */
struct icmp_tag {
    uint64_t magic; /* random per daemon: tells our echoes from anyone else's */
    uint32_t slot;  /* which check sent it */
    uint32_t gen;   /* the slot's generation: a reused slot does not take old replies */
};

enum icmp_kind {
    ICMP_KIND_IGNORED = 0, /* well-formed but not for us to match (echo request, other types) */
    ICMP_KIND_REPLY,       /* echo reply: id, seq, tag (if has_tag) valid */
    ICMP_KIND_UNREACH,     /* destination unreachable / time exceeded quoting an echo request:
                              id, seq, tag (if has_tag), type, code, and the quoted destination
                              valid */
    ICMP_KIND_MALFORMED,   /* too short, bad header, inconsistent lengths */
};

struct icmp_parsed {
    enum icmp_kind kind;
    uint8_t type, code; /* of the outer ICMP message */
    uint16_t id, seq;   /* of the echo (outer for REPLY, quoted for UNREACH) */
    int has_tag;        /* the payload held a full tag */
    struct icmp_tag tag;
    int quoted_family;      /* UNREACH: AF_INET/AF_INET6 of the quoted packet */
    uint8_t quoted_dst[16]; /* UNREACH: destination of the quoted echo (4 or 16 bytes used) */
};

/* Write an echo request: 8-byte header (type 8 for AF_INET, 128 for AF_INET6), then
 * payload_len bytes of payload starting with the tag (the rest a fixed filler pattern).
 * For AF_INET the checksum is computed; for AF_INET6 it is left 0 (the kernel fills it).
 * payload_len >= ICMP_MIN_PAYLOAD. Returns the packet length, or 0 when buflen is too small
 * (or payload_len below the minimum, or family unknown). buf and tag are borrowed. */
size_t icmp_build_echo(uint8_t *buf, size_t buflen, int family, uint16_t id, uint16_t seq,
                       const struct icmp_tag *tag, size_t payload_len);

/* Parse one received packet. family AF_INET or AF_INET6; ip_header: 1 when the packet starts
 * with an IPv4 header (IPv4 raw sockets), 0 otherwise (IPv4 datagram "ping" sockets and all
 * IPv6 sockets deliver the ICMP message only); it is ignored for AF_INET6. Fills out; returns
 * out->kind (MALFORMED for an unknown family). Never reads outside pkt[0..len). The outer
 * checksum is NOT verified (the kernel already did for IPv6 and it costs CPU at 10,000
 * packets/s; a bad IPv4 checksum is rare and harmless since the tag's 64-bit magic must still
 * match). */
enum icmp_kind icmp_parse(const uint8_t *pkt, size_t len, int family, int ip_header,
                          struct icmp_parsed *out);

/* The Internet checksum (RFC 1071) over len bytes, an odd last byte padded with zero. The
 * value is the 16-bit field as read big-endian: store the high byte first. Over a packet
 * that holds its own correct checksum it returns 0. */
uint16_t icmp_checksum(const void *data, size_t len);

#endif
