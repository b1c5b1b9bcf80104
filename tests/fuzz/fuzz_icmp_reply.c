/*
 * libFuzzer harness for the icmp plugin's packet parser.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_icmp_reply
 *   ./build-fuzz/tests/fuzz_icmp_reply -max_total_time=60 -max_len=600 tests/fuzz/corpus/icmp
 *
 * The first input byte picks the socket: bit 0 set for an IPv4 header in
 * front (raw IPv4 socket), bit 1 set for IPv6. The rest is the packet.
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_icmp_reply).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "icmp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* The tag as it sits on the wire at p. */
static void check_tag(const struct icmp_parsed *out, const uint8_t *p)
{
    uint8_t wire[ICMP_TAG_LEN];
    struct icmp_tag t = out->tag;

    for (int i = 7; i >= 0; i--, t.magic >>= 8)
        wire[i] = (uint8_t)t.magic;
    for (int i = 11; i >= 8; i--, t.slot >>= 8)
        wire[i] = (uint8_t)t.slot;
    for (int i = 15; i >= 12; i--, t.gen >>= 8)
        wire[i] = (uint8_t)t.gen;
    if (memcmp(wire, p, ICMP_TAG_LEN) != 0)
        __builtin_trap();
}

/* A reply parsed from the wire is one we could have sent: rebuild it and
 * parse it again. */
static void check_rebuild(const struct icmp_parsed *out, int family)
{
    uint8_t buf[ICMP_HDR_LEN + ICMP_TAG_LEN];
    struct icmp_parsed again;
    size_t n =
        icmp_build_echo(buf, sizeof(buf), family, out->id, out->seq, &out->tag, ICMP_TAG_LEN);

    if (n != sizeof(buf))
        __builtin_trap();
    if (family == AF_INET && icmp_checksum(buf, n) != 0)
        __builtin_trap();
    buf[0] = family == AF_INET ? 0 : 129;
    if (icmp_parse(buf, n, family, 0, &again) != ICMP_KIND_REPLY || !again.has_tag ||
        again.id != out->id || again.seq != out->seq || again.tag.magic != out->tag.magic ||
        again.tag.slot != out->tag.slot || again.tag.gen != out->tag.gen)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct icmp_parsed out;
    const uint8_t *p;
    size_t len, off = 0;
    int family, ip_header;
    enum icmp_kind k;

    if (size < 1)
        return 0;
    ip_header = data[0] & 1;
    family = data[0] & 2 ? AF_INET6 : AF_INET;
    p = data + 1;
    len = size - 1;

    k = icmp_parse(p, len, family, ip_header, &out);
    if (k != out.kind || (unsigned)k > ICMP_KIND_MALFORMED)
        __builtin_trap();
    if (k != ICMP_KIND_REPLY && k != ICMP_KIND_UNREACH) {
        if (out.has_tag || out.id || out.seq || out.quoted_family)
            __builtin_trap();
        return 0;
    }

    if (family == AF_INET && ip_header) {
        if (len < 20)
            __builtin_trap();
        off = (size_t)(p[0] & 0x0f) * 4;
    }
    if (len < off + ICMP_HDR_LEN || p[off] != out.type || p[off + 1] != out.code)
        __builtin_trap();

    if (k == ICMP_KIND_REPLY) {
        if (be16(p + off + 4) != out.id || be16(p + off + 6) != out.seq)
            __builtin_trap();
        if (out.has_tag) {
            if (len < off + ICMP_HDR_LEN + ICMP_TAG_LEN)
                __builtin_trap();
            check_tag(&out, p + off + ICMP_HDR_LEN);
            check_rebuild(&out, family);
        }
        return 0;
    }

    /* UNREACH: the quoted echo's header must have been inside the packet. */
    const uint8_t *q = p + off + ICMP_HDR_LEN;
    size_t qlen = len - off - ICMP_HDR_LEN, qhlen;

    if (out.quoted_family != family)
        __builtin_trap();
    if (family == AF_INET) {
        if (qlen < 20)
            __builtin_trap();
        qhlen = (size_t)(q[0] & 0x0f) * 4;
        if (qhlen < 20 || memcmp(out.quoted_dst, q + 16, 4) != 0)
            __builtin_trap();
    } else {
        qhlen = 40;
        if (qlen < qhlen || memcmp(out.quoted_dst, q + 24, 16) != 0)
            __builtin_trap();
    }
    if (qlen < qhlen + ICMP_HDR_LEN || be16(q + qhlen + 4) != out.id ||
        be16(q + qhlen + 6) != out.seq)
        __builtin_trap();
    if (out.has_tag) {
        if (qlen < qhlen + ICMP_HDR_LEN + ICMP_TAG_LEN)
            __builtin_trap();
        check_tag(&out, q + qhlen + ICMP_HDR_LEN);
    }
    return 0;
}
