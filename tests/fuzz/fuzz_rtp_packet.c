/*
 * libFuzzer harness for the rtp check's frame parser (rtp_packet.c) and
 * stream table (rtp_table.c): what a capture hands over is whatever was on
 * the wire, cut at the snap length.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_rtp_packet
 *   ./build-fuzz/tests/fuzz_rtp_packet -max_total_time=60 -max_len=2048 tests/fuzz/corpus/rtp
 *
 * Input: the first byte picks the link type, the rest is a run of frames,
 * each a 16-bit big-endian length and that many bytes (each copied to a
 * buffer of its exact size, so ASan sees a read past it), arriving 20 ms
 * apart. The invariants: a kind the parser defines; a media packet's
 * payload type below 128 and addresses of family 4 or 6; the table's
 * counts add up to the frames; a stream's counts are consistent (never
 * more unique packets than it received, jitter finite and not negative).
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_rtp_packet).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtp_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int link_types[] = {RTP_DLT_EN10MB,     RTP_DLT_RAW,  RTP_DLT_LINUX_SLL,
                                 RTP_DLT_LINUX_SLL2, RTP_DLT_NULL, RTP_DLT_LOOP,
                                 RTP_DLT_IPV4,       RTP_DLT_IPV6};

static void check_entry(const struct rtp_entry *e)
{
    const struct rtp_stream_stats *s = &e->st;
    if (e->pt >= 128 || (e->flow.src.family != 4 && e->flow.src.family != 6))
        abort();
    if (s->duplicates + s->before_start > s->received || s->received > s->packets)
        abort();
    if (!isfinite(s->jitter) || s->jitter < 0 || s->jitter > s->jitter_max + 1e-9)
        abort();
    if (!s->valid && rtp_stream_expected(s) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int dlt = link_types[data[0] % (sizeof(link_types) / sizeof(link_types[0]))];
    struct rtp_match m;
    rtp_match_default(&m);
    m.n_ports = 0; /* any port: more of the input reaches the streams */
    m.max_streams = 64;
    struct rtp_table t;
    if (rtp_table_init(&t, &m) < 0)
        return 0;
    size_t off = 1;
    int64_t at = 1000000000;
    while (off + 2 <= size) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        uint8_t *frame = malloc(len ? len : 1);
        if (!frame)
            break;
        memcpy(frame, data + off, len);
        off += len;
        struct rtp_packet p;
        enum rtp_kind kind = rtp_parse(dlt, frame, len, &p);
        if (kind > RTP_KIND_MALFORMED)
            abort();
        if (kind == RTP_KIND_MEDIA &&
            (p.pt >= 128 || (p.flow.src.family != 4 && p.flow.src.family != 6)))
            abort();
        struct rtp_entry *e;
        rtp_table_packet(&t, dlt, frame, len, at, &e);
        if (e)
            check_entry(e);
        free(frame);
        at += 20000000;
    }
    const struct rtp_counts *c = &t.counts;
    if (c->media + c->control + c->other + c->udp + c->malformed + c->untracked != c->frames)
        abort();
    rtp_table_expire(&t, at + 60000000000LL, 5000000000LL, NULL, NULL);
    if (t.n != 0)
        abort();
    rtp_table_free(&t);
    return 0;
}
