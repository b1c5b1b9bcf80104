/*
 * One check's echoes: which sequence numbers belong to the round in
 * progress, which replies are new, duplicated or late, and the round's
 * figures. Pure: times come in as arguments.
 *
 * Sequence numbers run on per check (16 bits, wrapping), so a reply is
 * matched to its own target's round, never through a global table, and a
 * reply to an earlier round is told apart from one that was never asked
 * for.
 */
#ifndef PROBED_ICMP_ROUND_H
#define PROBED_ICMP_ROUND_H

#include <stdint.h>

#include "plugin.h"

#define ICMP_MAX_COUNT 20 /* echoes per round: ping1..ping20 in the RRD */

enum icmp_echo_state {
    ICMP_ECHO_WAITING = 0,
    ICMP_ECHO_ANSWERED,
    ICMP_ECHO_UNREACHABLE, /* an ICMP error (or the send) said it cannot arrive */
};

struct icmp_round {
    unsigned count;    /* ro: echoes planned */
    unsigned sent;     /* ro: echoes sent (a send refused by the route counts) */
    unsigned received; /* ro: echoes answered in time */
    unsigned unreachable;
    unsigned dup, late; /* ro: replies counted, never matched */
    int open;           /* ro: replies may still be matched */
    uint16_t seq0;      /* ro: sequence of echo 0 */
    pd_ns timeout;
    pd_ns tx_mono[ICMP_MAX_COUNT];
    pd_ns tx_real[ICMP_MAX_COUNT];
    pd_ns rtt[ICMP_MAX_COUNT];
    uint8_t state[ICMP_MAX_COUNT];
};

/* Per check, across rounds. */
struct icmp_seq {
    uint16_t next;   /* the next sequence number to use */
    uint32_t issued; /* how many were used, saturating: bounds "late" */
};

enum icmp_match {
    ICMP_MATCH_NEW,     /* the first reply to an echo of this round, in time */
    ICMP_MATCH_DUP,     /* a second reply to an echo of this round */
    ICMP_MATCH_LATE,    /* to an earlier round, or after the echo's timeout */
    ICMP_MATCH_UNKNOWN, /* to a sequence number never sent */
};

/* Start a round of count (1..ICMP_MAX_COUNT) echoes; dup and late start
 * from what came in since the last round. */
void icmp_round_begin(struct icmp_round *r, struct icmp_seq *seq, unsigned count, pd_ns timeout);

/* Echo r->sent is about to go out at these times: returns its sequence. */
uint16_t icmp_round_next_seq(const struct icmp_round *r);
void icmp_round_sent(struct icmp_round *r, struct icmp_seq *seq, pd_ns tx_mono, pd_ns tx_real);

/* The echo r->sent could not go out because the network refused it
 * (no route): it counts as sent and lost. */
void icmp_round_refused(struct icmp_round *r, struct icmp_seq *seq, pd_ns tx_mono);

/* A reply with sequence s arrived. rx_real is the kernel's receive stamp
 * (wall clock, 0 if none), rx_mono when it was read. The RTT is taken from
 * the wall stamps unless the clock stepped in between. */
enum icmp_match icmp_round_reply(struct icmp_round *r, const struct icmp_seq *seq, uint16_t s,
                                 pd_ns rx_mono, pd_ns rx_real);

/* An ICMP error says echo s cannot arrive. 1 if it was this round's. */
int icmp_round_unreachable(struct icmp_round *r, uint16_t s);

/* No more matching: what arrives from now on is late. Returns nothing;
 * dup and late restart from 0 for what comes in before the next round. */
void icmp_round_close(struct icmp_round *r);

/* Every echo sent has an answer (or an error): nothing left to wait for. */
int icmp_round_complete(const struct icmp_round *r);

/* The round's figures. RTTs in ms; NAN where there is nothing to say. */
struct icmp_stats {
    unsigned sent, received;
    double loss_pct;
    double min, avg, median, max, stddev;
    double jitter;                 /* mean |rtt[i] - rtt[i-1]| over answered echoes in order */
    double sorted[ICMP_MAX_COUNT]; /* answered RTTs ascending, then NAN */
};
void icmp_round_stats(const struct icmp_round *r, struct icmp_stats *out);

#endif
