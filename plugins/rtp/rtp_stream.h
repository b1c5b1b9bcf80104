/*
 * One RTP stream's reception statistics, as RFC 3550 defines them: the
 * extended sequence number space with probation and re-synchronisation
 * (appendix A.1) and the interarrival jitter (A.8). Pure: arrival times
 * come in, counters come out.
 *
 * Where probed goes beyond A.1, and why:
 *  - duplicates are recognised (a bitmap of the newest sequence numbers)
 *    and kept out of `unique`: lost = expected - unique is the number of
 *    sequence numbers that never arrived. A.1's receiver-report loss,
 *    expected - received, counts a duplicate as a received packet and so
 *    hides a loss; it is kept too (rtp_stream_lost_rfc);
 *  - a re-synchronisation (the sender restarted its numbering: two
 *    sequential packets after a jump) folds the counts so far into the
 *    totals instead of dropping them as A.1's init_seq() does.
 */
#ifndef PROBED_RTP_STREAM_H
#define PROBED_RTP_STREAM_H

#include <stdint.h>

enum { RTP_DUP_WINDOW = 256 }; /* sequence numbers remembered for duplicates */

struct rtp_stream_stats {
    /* ro: what callers read */
    uint64_t packets;      /* every packet of the stream, probation included */
    uint64_t received;     /* A.1's count in the sequence space, duplicates included */
    uint64_t duplicates;   /* of those, sequence numbers already seen */
    uint64_t out_of_order; /* arrived after a higher sequence number (not duplicates) */
    uint64_t resyncs;      /* re-synchronisations after a large jump */
    uint64_t jumps;        /* packets dropped as a jump that did not hold */
    double jitter;         /* A.8's J, in timestamp units */
    double jitter_max;     /* the highest J after any packet */
    double jitter_sum;     /* sum of J after each packet with a predecessor */
    uint64_t jitter_n;
    int64_t first_ns, last_ns; /* arrival of the first and the latest packet */
    int64_t max_gap_ns;        /* the longest time between two arrivals */
    uint32_t clock_rate;       /* Hz */
    int valid;                 /* past probation: the counts mean something */

    /* private: A.1's state */
    uint16_t max_seq;
    uint64_t cycles; /* wraps, times 65536 */
    uint32_t base_seq;
    uint32_t bad_seq;
    uint32_t probation;
    uint64_t expected_before; /* folded in at re-synchronisations */
    uint64_t before_start;    /* late packets from before counting began */
    int64_t highest;          /* the highest extended sequence number counted */
    uint32_t last_ts;
    uint64_t seen[RTP_DUP_WINDOW / 64]; /* by extended sequence number */
};

/* A new stream whose first packet has seq; clock_rate in Hz (> 0). */
void rtp_stream_init(struct rtp_stream_stats *s, uint16_t seq, uint32_t ts, int64_t arrival_ns,
                     uint32_t clock_rate);

/* One more packet. Returns 1 when it counts in the sequence space (A.1's
 * update_seq), 0 while on probation or when dropped as a jump. */
int rtp_stream_update(struct rtp_stream_stats *s, uint16_t seq, uint32_t ts, int64_t arrival_ns);

/* Sequence numbers expected since the stream became valid. */
uint64_t rtp_stream_expected(const struct rtp_stream_stats *s);
/* Distinct sequence numbers received of those. */
uint64_t rtp_stream_unique(const struct rtp_stream_stats *s);
/* expected - unique: never arrived (0 when negative cannot happen). */
uint64_t rtp_stream_lost(const struct rtp_stream_stats *s);
/* RFC 3550's cumulative number of packets lost: expected - received,
 * negative when duplicates outnumber losses. */
int64_t rtp_stream_lost_rfc(const struct rtp_stream_stats *s);
/* lost as a percentage of expected; 0 while nothing is expected. */
double rtp_stream_lost_pct(const struct rtp_stream_stats *s);
/* J in milliseconds: now, its highest, and its mean over the packets. */
double rtp_stream_jitter_ms(const struct rtp_stream_stats *s);
double rtp_stream_max_jitter_ms(const struct rtp_stream_stats *s);
double rtp_stream_mean_jitter_ms(const struct rtp_stream_stats *s);

/* The RTP clock rate of a static payload type (RFC 3551), 0 if it has
 * none (dynamic, reserved or unassigned). */
uint32_t rtp_static_clock_rate(uint8_t pt);
/* Its encoding name ("PCMU", "H263"), NULL if none. */
const char *rtp_static_name(uint8_t pt);

#endif
