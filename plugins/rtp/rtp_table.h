/*
 * The RTP streams seen on a capture: frames in, one entry per stream
 * (source and destination address and port, SSRC) with its RFC 3550
 * statistics. Shared by the daemon's live capture and probectl's offline
 * analysis. Pure: no libpcap, no clock.
 *
 * Which UDP packets are media: an RTP version 2 header whose payload type
 * has a clock rate here (the static types of RFC 3551 and the configured
 * dynamic ones), on a port of the configured ranges; a stream counts once
 * two packets arrived in sequence (RFC 3550's probation), so a stray UDP
 * packet that happens to look like RTP makes no stream. A new SSRC on the
 * same addresses and ports is a new stream.
 */
#ifndef PROBED_RTP_TABLE_H
#define PROBED_RTP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "rtp_packet.h"
#include "rtp_stream.h"

enum { RTP_MAX_PORT_RANGES = 16 };

struct rtp_match {
    uint32_t clock_rate[128]; /* by payload type: Hz, 0 = not media */
    struct {
        uint16_t lo, hi;
    } ports[RTP_MAX_PORT_RANGES]; /* either port of the packet in one */
    size_t n_ports;               /* 0: any port */
    size_t max_streams;           /* streams (and candidates) tracked at once */
};

struct rtp_entry {
    struct rtp_flow flow;
    uint32_t ssrc;
    uint8_t pt; /* the first packet's */
    uint16_t vlan;
    uint64_t serial; /* numbers streams in the order they were first seen */
    struct rtp_stream_stats st;
    /* The caller's: what the stream belongs to on each side (source,
     * destination), and what it reported of the stream so far. */
    void *side[2];
    uint64_t mark_expected[2], mark_unique[2], mark_packets[2];
    int announced; /* the caller said the stream began */
    /* private */
    uint32_t hash;
    uint8_t used;
};

/* What went by, for the counters people see. */
struct rtp_counts {
    uint64_t frames;
    uint64_t media;     /* RTP packets of tracked streams */
    uint64_t control;   /* RTCP */
    uint64_t other;     /* not UDP */
    uint64_t udp;       /* UDP that is not media (ports, payload type, not RTP) */
    uint64_t malformed; /* cut short or inconsistent headers */
    uint64_t untracked; /* media of new streams while the table was full */
};

struct rtp_table {
    struct rtp_match match; /* ro after init */
    struct rtp_counts counts;
    struct rtp_entry *slots; /* open addressing, linear probing */
    size_t cap;              /* a power of two */
    size_t n;
    uint64_t next_serial;
};

/* The default match: RFC 3551's static types, 96..127 at 90 kHz (video),
 * any port from 1024, 20,000 streams. */
void rtp_match_default(struct rtp_match *m);

/* Parses "96=90000" into m's clock rates; "1024-65535" or "5004" into its
 * ports. 0 or -EINVAL with err filled. */
int rtp_match_clock_rate(struct rtp_match *m, const char *text, char *err, size_t errlen);
int rtp_match_ports(struct rtp_match *m, const char *text, char *err, size_t errlen);

/* 0 or -ENOMEM. match is copied. */
int rtp_table_init(struct rtp_table *t, const struct rtp_match *match);
void rtp_table_free(struct rtp_table *t);

/* One captured frame (caplen bytes, dlt link type) that arrived at
 * arrival_ns. Returns its kind; *entry is its stream for RTP_KIND_MEDIA
 * when tracked (NULL else). Entry pointers stay valid until the next call
 * of rtp_table_packet() or rtp_table_expire(). */
enum rtp_kind rtp_table_packet(struct rtp_table *t, int dlt, const uint8_t *frame, size_t caplen,
                               int64_t arrival_ns, struct rtp_entry **entry);

/* Removes the streams idle for longer than idle_ns at now_ns (candidates
 * still on probation after a second), calling ended(arg, entry) on each
 * valid one first. Returns how many were removed. */
size_t rtp_table_expire(struct rtp_table *t, int64_t now_ns, int64_t idle_ns,
                        void (*ended)(void *arg, struct rtp_entry *e), void *arg);

/* The next used entry at or after *pos (start at 0), or NULL at the end. */
struct rtp_entry *rtp_table_next(struct rtp_table *t, size_t *pos);

#endif
