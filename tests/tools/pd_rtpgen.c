/*
 * pd-rtpgen: writes packet captures of RTP media with a known ground truth,
 * for the rtp tests and the bench. No network: frames are built in memory
 * and written as a classic pcap file (Ethernet, microsecond stamps).
 *
 *   pd-rtpgen lab OUT.pcap TRUTH.tsv
 *     A fixed scene: audio and video streams with a sequence wrap, loss
 *     bursts, reordering, duplicates, an SSRC change, a VLAN tag, IPv6, a
 *     dynamic payload type with marker bits, a frame cut short inside its
 *     RTP header, RTCP, and UDP and TCP noise (some of it RTP-looking).
 *     TRUTH.tsv has one line per stream, worked out here from what was
 *     written, independently of probed's analysis (see write_truth).
 *
 *   pd-rtpgen bench OUT.pcap STREAMS PACKETS_PER_STREAM [LOSS_PER_MILLE [SNAPLEN]]
 *     STREAMS interleaved 20 ms streams (alternately PCMU audio and H.263
 *     video), each losing about LOSS_PER_MILLE of its packets (default 1),
 *     each frame kept to SNAPLEN bytes (default 65535; tcpdump -s 96 on a
 *     mirror port keeps the headers and makes a file a third the size).
 *     Written as it is made, so the file can be far larger than memory.
 *
 * Exit status 0, 1 on a write error, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_SEC 1763700000LL /* 2025-11-21: any fixed start will do */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, the same capture every run */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
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

/* One frame to write: Ethernet (optional 802.1Q tag), IPv4 or IPv6, UDP
 * or TCP, and the payload. */
struct frame {
    int64_t at_us; /* microseconds since T0 */
    uint8_t bytes[256];
    uint32_t len, caplen;
    int order; /* lab: creation order, to sort frames of one time stably */
    int sent;  /* lab: index in sent[] of an RTP frame, -1 for others */
};

struct endpoint {
    const char *addr;
    uint16_t port;
};

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Builds a frame around payload; proto 17 (UDP) or 6 (TCP). */
static void build(struct frame *f, int64_t at_us, uint16_t vlan, struct endpoint src,
                  struct endpoint dst, uint8_t proto, const uint8_t *payload, size_t plen)
{
    uint8_t *p = f->bytes;
    int v6 = strchr(src.addr, ':') != NULL;
    size_t off = 12;
    memset(f, 0, sizeof(*f));
    f->at_us = at_us;
    f->sent = -1;
    memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    if (vlan) {
        put16(p + off, 0x8100);
        put16(p + off + 2, vlan);
        off += 4;
    }
    put16(p + off, v6 ? 0x86dd : 0x0800);
    off += 2;
    size_t l4 = proto == 17 ? 8 : 20;
    if (v6) {
        p[off] = 0x60;
        put16(p + off + 4, (uint16_t)(l4 + plen));
        p[off + 6] = proto;
        p[off + 7] = 64;
        inet_pton(AF_INET6, src.addr, p + off + 8);
        inet_pton(AF_INET6, dst.addr, p + off + 24);
        off += 40;
    } else {
        p[off] = 0x45;
        put16(p + off + 2, (uint16_t)(20 + l4 + plen));
        p[off + 8] = 64;
        p[off + 9] = proto;
        inet_pton(AF_INET, src.addr, p + off + 12);
        inet_pton(AF_INET, dst.addr, p + off + 16);
        put16(p + off + 10, ip_checksum(p + off, 20));
        off += 20;
    }
    put16(p + off, src.port);
    put16(p + off + 2, dst.port);
    if (proto == 17) {
        put16(p + off + 4, (uint16_t)(8 + plen)); /* checksum 0: none (IPv4) */
    } else {
        put32(p + off + 4, 1000);
        p[off + 12] = 0x50;
        p[off + 13] = 0x18; /* PSH ACK */
        put16(p + off + 14, 65535);
    }
    off += l4;
    memcpy(p + off, payload, plen);
    f->len = f->caplen = (uint32_t)(off + plen);
}

static size_t rtp_payload(uint8_t *p, uint8_t pt, int marker, uint16_t seq, uint32_t ts,
                          uint32_t ssrc, size_t body)
{
    p[0] = 0x80;
    p[1] = (uint8_t)(pt | (marker ? 0x80 : 0));
    put16(p + 2, seq);
    put32(p + 4, ts);
    put32(p + 8, ssrc);
    for (size_t i = 0; i < body; i++)
        p[12 + i] = (uint8_t)(0xd5 ^ i);
    return 12 + body;
}

static int write_header(FILE *out, uint32_t snaplen)
{
    uint8_t h[24] = {0};
    uint32_t magic = 0xa1b2c3d4, link = 1;
    uint16_t major = 2, minor = 4;
    memcpy(h, &magic, 4); /* the writer's byte order, as pcap files are */
    memcpy(h + 4, &major, 2);
    memcpy(h + 6, &minor, 2);
    memcpy(h + 16, &snaplen, 4);
    memcpy(h + 20, &link, 4);
    return fwrite(h, sizeof(h), 1, out) == 1 ? 0 : -1;
}

static int write_frame(FILE *out, const struct frame *f)
{
    uint32_t rec[4] = {(uint32_t)(T0_SEC + f->at_us / 1000000), (uint32_t)(f->at_us % 1000000),
                       f->caplen, f->len};
    if (fwrite(rec, sizeof(rec), 1, out) != 1 || fwrite(f->bytes, f->caplen, 1, out) != 1)
        return -1;
    return 0;
}

/* ---- the lab scene ---- */

/* A stream of the scene, and what happened to each of its packets. */
struct stream {
    const char *name;
    struct endpoint src, dst;
    uint16_t vlan;
    uint8_t pt;
    int marker;    /* every packet carries the marker bit */
    uint32_t rate; /* Hz */
    uint32_t ssrc;
    uint16_t seq0;
    uint32_t ts0;
    int n;            /* packets sent */
    int per_frame;    /* packets sharing one timestamp (video) */
    int64_t frame_us; /* time between frames */
    uint32_t frame_ts;
    int64_t start_us;
    int jitter_us;     /* arrival spread, uniform 0..this (video: below the 1 ms
                        * between the packets of a frame, so only the packets
                        * sent late below arrive out of order) */
    int tshark_jitter; /* tshark knows the clock rate: its jitter is comparable */
};

enum { MAX_FRAMES = 40000 };
static struct frame frames[MAX_FRAMES];
static int n_frames;

/* What each written RTP frame was, for the truth. */
struct sent {
    int stream;
    int64_t ext_seq; /* extended: seq0 + index */
    uint32_t ts;
    int64_t at_us;
    int readable; /* the RTP header was captured */
};
static struct sent sent[MAX_FRAMES];
static int n_sent;

/* The next frame of the scene; build() fills it, then set_order(). */
static struct frame *add_frame(void)
{
    if (n_frames == MAX_FRAMES) {
        fprintf(stderr, "pd-rtpgen: too many frames\n");
        exit(1);
    }
    return &frames[n_frames++];
}

static void set_order(struct frame *f, int sent_index)
{
    f->order = (int)(f - frames);
    f->sent = sent_index;
}

static void emit_rtp(const struct stream *s, int index, int k, int64_t at_us, int cut)
{
    uint8_t payload[200];
    int64_t frame = k / s->per_frame;
    uint16_t seq = (uint16_t)(s->seq0 + k);
    uint32_t ts = s->ts0 + (uint32_t)frame * s->frame_ts;
    size_t plen = rtp_payload(payload, s->pt, s->marker, seq, ts, s->ssrc, 160);
    struct frame *f = add_frame();
    build(f, at_us, s->vlan, s->src, s->dst, 17, payload, plen);
    if (cut) /* the capture kept too little: the RTP header is cut short */
        f->caplen = f->len - (uint32_t)plen + 8;
    set_order(f, n_sent);
    sent[n_sent++] = (struct sent){index, (int64_t)s->seq0 + k, ts, at_us, !cut};
}

static int64_t nominal_us(const struct stream *s, int k)
{
    return s->start_us + (k / s->per_frame) * s->frame_us + (k % s->per_frame) * 1000;
}

static int cmp_frames(const void *a, const void *b)
{
    const struct frame *x = a, *y = b;
    if (x->at_us != y->at_us)
        return x->at_us < y->at_us ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Truth per stream, from the frames as written, in file (arrival) order:
 * loss counts the sequence numbers from the stream's second packet (RFC
 * 3550's probation) to its highest that no readable frame carried; the
 * jitter is A.8's, in ms. */
static void write_truth(FILE *out, const struct stream *st, int n_streams)
{
    fprintf(out, "src\tsport\tdst\tdport\tssrc\tpt\tpackets\texpected\tlost\tlost_rfc\t"
                 "duplicates\tlate\tjitter_ms\tmax_jitter_ms\tmean_jitter_ms\ttshark_jitter\n");
    for (int i = 0; i < n_streams; i++) {
        const struct stream *s = &st[i];
        char *seen = calloc((size_t)s->n + 1, 1);
        int64_t first = -1, second = -1, highest = -1, prev_at = 0;
        uint32_t prev_ts = 0;
        long packets = 0, received = 0, dups = 0, late = 0;
        double j = 0, jmax = 0, jsum = 0;
        long jn = 0;
        for (int f = 0; f < n_frames; f++) {
            if (frames[f].sent < 0)
                continue;
            const struct sent *p = &sent[frames[f].sent];
            if (p->stream != i || !p->readable)
                continue;
            packets++;
            if (packets > 1) {
                double arrived_ms = (double)(p->at_us - prev_at) / 1000.0;
                double stamped_ms = (double)(int32_t)(p->ts - prev_ts) * 1000.0 / s->rate;
                j += (fabs(arrived_ms - stamped_ms) - j) / 16.0;
                jmax = j > jmax ? j : jmax;
                jsum += j;
                jn++;
            }
            prev_at = p->at_us;
            prev_ts = p->ts;
            int64_t idx = p->ext_seq - s->seq0;
            if (first < 0) {
                first = idx;
                continue;
            }
            if (second < 0)
                second = idx;
            received++;
            if (seen[idx])
                dups++;
            else if (idx < highest)
                late++;
            seen[idx] = 1;
            highest = idx > highest ? idx : highest;
        }
        long expected = (long)(highest - second + 1), unique = 0;
        for (int64_t k = second; k <= highest; k++)
            unique += seen[k];
        char src[64], dst[64];
        snprintf(src, sizeof(src), "%s", s->src.addr);
        snprintf(dst, sizeof(dst), "%s", s->dst.addr);
        fprintf(out,
                "%s\t%u\t%s\t%u\t0x%08" PRIX32
                "\t%u\t%ld\t%ld\t%ld\t%ld\t%ld\t%ld\t%.6f\t%.6f\t%.6f\t%d\n",
                src, s->src.port, dst, s->dst.port, s->ssrc, s->pt, packets, expected,
                expected - unique, expected - received, dups, late, j, jmax, jn ? jsum / jn : 0.0,
                s->tshark_jitter);
        free(seen);
    }
}

static int lab(const char *pcap_path, const char *truth_path)
{
    /* Audio every 20 ms; video 30 frames a second in 3 packets each. */
    const struct stream st[] = {
        {"audio, wraps, bursts",
         {"10.20.1.15", 40000},
         {"10.20.9.1", 50000},
         0,
         0,
         0,
         8000,
         0x11111111,
         65000,
         123456,
         3000,
         1,
         20000,
         160,
         0,
         4000,
         1},
        {"video, reordered, duplicated",
         {"10.20.9.1", 50002},
         {"10.20.1.15", 40002},
         0,
         34,
         0,
         90000,
         0x22222222,
         100,
         9000,
         1500,
         3,
         33333,
         3000,
         5000,
         700,
         1},
        {"audio on VLAN 100",
         {"10.20.1.16", 40010},
         {"10.20.9.1", 50010},
         100,
         8,
         0,
         8000,
         0x33333333,
         20000,
         5,
         1000,
         1,
         20000,
         160,
         300,
         2000,
         1},
        {"the same after an SSRC change",
         {"10.20.1.16", 40010},
         {"10.20.9.1", 50010},
         100,
         8,
         0,
         8000,
         0x44444444,
         1,
         77777,
         1000,
         1,
         20000,
         160,
         20000300,
         2000,
         1},
        {"dynamic type 96, marker bits",
         {"10.20.1.17", 40020},
         {"10.20.9.1", 50020},
         0,
         96,
         1,
         90000,
         0x55555555,
         4000,
         0,
         500,
         1,
         40000,
         3600,
         1000,
         6000,
         0},
        {"IPv6 audio",
         {"fd00:20::15", 40030},
         {"fd00:20::1", 50030},
         0,
         0,
         0,
         8000,
         0x66666666,
         300,
         1,
         500,
         1,
         20000,
         160,
         2000,
         1500,
         1},
    };
    enum { N_STREAMS = sizeof(st) / sizeof(st[0]) };
    for (int i = 0; i < N_STREAMS; i++) {
        const struct stream *s = &st[i];
        for (int k = 0; k < s->n; k++) {
            int64_t at = nominal_us(s, k) + (int64_t)(rng() % (uint64_t)(s->jitter_us + 1));
            /* Loss: never among the first three packets (probation). */
            if (i == 0 && ((k >= 500 && k < 505) || k == 1200 || (k >= 2000 && k < 2010)))
                continue;
            if (i == 3 && k >= 300 && k < 303)
                continue;
            if (i == 5 && (k == 100 || k == 101))
                continue;
            if (i == 1 && (k == 300 || k == 700)) /* sent late: after 301, after 702 */
                continue;
            emit_rtp(s, i, k, at, i == 0 && k == 2500);
            if (i == 1 && k == 301)
                emit_rtp(s, i, 300, at + 200, 0);
            if (i == 1 && k == 702)
                emit_rtp(s, i, 700, at + 200, 0);
            if (i == 1 && (k == 400 || k == 900)) /* the network sent it twice */
                emit_rtp(s, i, k, at + 100, 0);
        }
    }
    /* RTCP sender reports of the two first streams, every 5 s. */
    for (int64_t t = 2500000; t < 60000000; t += 5000000) {
        uint8_t sr[28] = {0x80, 200, 0, 6};
        put32(sr + 4, 0x11111111);
        build(add_frame(), t, 0, (struct endpoint){"10.20.1.15", 40001},
              (struct endpoint){"10.20.9.1", 50001}, 17, sr, sizeof(sr));
        put32(sr + 4, 0x22222222);
        build(add_frame(), t + 7, 0, (struct endpoint){"10.20.9.1", 50003},
              (struct endpoint){"10.20.1.15", 40003}, 17, sr, sizeof(sr));
    }
    /* Noise: DNS, UDP that is not RTP, UDP that looks like one RTP packet
     * of a new SSRC each time, and TCP. */
    for (int64_t t = 1000; t < 60000000; t += 50000) {
        uint8_t junk[64];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)rng();
        junk[0] = 0x12; /* a DNS id, not version 2 */
        build(add_frame(), t, 0, (struct endpoint){"10.20.1.50", 33000},
              (struct endpoint){"10.20.9.53", 53}, 17, junk, 40);
        if (t % 1000000 == 1000) {
            junk[0] = 0x80;
            junk[1] = 0;
            build(add_frame(), t + 11, 0, (struct endpoint){"10.20.1.51", 40100},
                  (struct endpoint){"10.20.9.1", 50100}, 17, junk, sizeof(junk));
            build(add_frame(), t + 13, 0, (struct endpoint){"10.20.1.52", 44444},
                  (struct endpoint){"10.20.9.1", 443}, 6, junk, 30);
        }
    }
    for (int i = 0; i < n_frames; i++)
        if (frames[i].sent < 0)
            set_order(&frames[i], -1);
    /* Arrival order: a late packet is late in the file too. */
    qsort(frames, (size_t)n_frames, sizeof(frames[0]), cmp_frames);
    FILE *out = fopen(pcap_path, "wb");
    if (!out || write_header(out, 65535) < 0) {
        perror(pcap_path);
        return 1;
    }
    for (int i = 0; i < n_frames; i++)
        if (write_frame(out, &frames[i]) < 0) {
            perror(pcap_path);
            return 1;
        }
    if (fclose(out) != 0) {
        perror(pcap_path);
        return 1;
    }
    FILE *truth = fopen(truth_path, "w");
    if (!truth) {
        perror(truth_path);
        return 1;
    }
    write_truth(truth, st, N_STREAMS);
    return fclose(truth) == 0 ? 0 : 1;
}

/* ---- the bench capture ---- */

static int bench(const char *pcap_path, long streams, long per_stream, long loss_per_mille,
                 long snaplen)
{
    FILE *out = fopen(pcap_path, "wb");
    if (!out || write_header(out, (uint32_t)snaplen) < 0) {
        perror(pcap_path);
        return 1;
    }
    uint8_t payload[200];
    /* Each stream sends every 20 ms at its own offset in the 20 ms; the
     * streams take turns, so the file is in time order. */
    int64_t step_us = 20000;
    for (long k = 0; k < per_stream; k++) {
        for (long s = 0; s < streams; s++) {
            if (k > 3 && (long)(rng() % 1000) < loss_per_mille)
                continue;
            int video = s % 2;
            char src[32], dst[32];
            snprintf(src, sizeof(src), "10.%ld.%ld.%ld", 30 + s / 65536, (s / 256) % 256, s % 256);
            snprintf(dst, sizeof(dst), "10.29.0.1");
            struct endpoint a = {src, (uint16_t)(20000 + 2 * (s % 20000))};
            struct endpoint b = {dst, (uint16_t)(40000 + 2 * (s % 10000))};
            uint32_t ts = (uint32_t)k * (video ? 1800u : 160u);
            size_t plen = rtp_payload(payload, video ? 34 : 0, 0, (uint16_t)(s * 7 + k), ts,
                                      (uint32_t)(0x10000000 + s), video ? 180 : 160);
            struct frame f;
            int64_t at = k * step_us + s * step_us / streams + (int64_t)(rng() % 50);
            build(&f, at, 0, a, b, 17, payload, plen);
            if (f.caplen > snaplen)
                f.caplen = (uint32_t)snaplen;
            if (write_frame(out, &f) < 0) {
                perror(pcap_path);
                return 1;
            }
        }
    }
    if (fclose(out) != 0) {
        perror(pcap_path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "lab") == 0)
        return lab(argv[2], argv[3]);
    if (argc >= 5 && argc <= 7 && strcmp(argv[1], "bench") == 0) {
        long streams = atol(argv[3]), per = atol(argv[4]), loss = argc >= 6 ? atol(argv[5]) : 1;
        long snaplen = argc == 7 ? atol(argv[6]) : 65535;
        if (streams < 1 || streams > 100000 || per < 1 || loss < 0 || loss > 1000 || snaplen < 64 ||
            snaplen > 65535) {
            fprintf(stderr, "pd-rtpgen bench: STREAMS 1..100000, PACKETS >= 1, LOSS 0..1000, "
                            "SNAPLEN 64..65535\n");
            return 2;
        }
        return bench(argv[2], streams, per, loss, snaplen);
    }
    fprintf(stderr, "usage: pd-rtpgen lab OUT.pcap TRUTH.tsv\n"
                    "       pd-rtpgen bench OUT.pcap STREAMS PACKETS_PER_STREAM "
                    "[LOSS_PER_MILLE [SNAPLEN]]\n");
    return 2;
}
