#include "icmp_round.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Replies older than this many sequence numbers are not ours to judge. */
#define LATE_WINDOW 30000u

void icmp_round_begin(struct icmp_round *r, struct icmp_seq *seq, unsigned count, pd_ns timeout)
{
    unsigned dup = r->open ? 0 : r->dup, late = r->open ? 0 : r->late;
    memset(r, 0, sizeof(*r));
    r->count = count > ICMP_MAX_COUNT ? ICMP_MAX_COUNT : count;
    r->timeout = timeout;
    r->seq0 = seq->next;
    r->dup = dup;
    r->late = late;
    r->open = 1;
}

uint16_t icmp_round_next_seq(const struct icmp_round *r)
{
    return (uint16_t)(r->seq0 + r->sent);
}

static void use_seq(struct icmp_seq *seq)
{
    seq->next++;
    if (seq->issued < UINT32_MAX)
        seq->issued++;
}

void icmp_round_sent(struct icmp_round *r, struct icmp_seq *seq, pd_ns tx_mono, pd_ns tx_real)
{
    if (r->sent >= r->count)
        return;
    r->tx_mono[r->sent] = tx_mono;
    r->tx_real[r->sent] = tx_real;
    r->state[r->sent] = ICMP_ECHO_WAITING;
    r->sent++;
    use_seq(seq);
}

void icmp_round_refused(struct icmp_round *r, struct icmp_seq *seq, pd_ns tx_mono)
{
    if (r->sent >= r->count)
        return;
    r->tx_mono[r->sent] = tx_mono;
    r->state[r->sent] = ICMP_ECHO_UNREACHABLE;
    r->unreachable++;
    r->sent++;
    use_seq(seq);
}

enum icmp_match icmp_round_reply(struct icmp_round *r, const struct icmp_seq *seq, uint16_t s,
                                 pd_ns rx_mono, pd_ns rx_real)
{
    uint16_t idx = (uint16_t)(s - r->seq0);
    /* The copy right behind the reply that completed (and closed) the
     * round is a duplicate, not a late reply. */
    if (!r->open && idx < r->sent && r->state[idx] == ICMP_ECHO_ANSWERED) {
        r->dup++;
        return ICMP_MATCH_DUP;
    }
    if (r->open && idx < r->sent) {
        if (r->state[idx] == ICMP_ECHO_ANSWERED) {
            r->dup++;
            return ICMP_MATCH_DUP;
        }
        /* The kernel's stamp against ours taken just before the send: the
         * most exact RTT we can have. The monotonic one (read after the
         * batch) bounds it, and replaces it if the wall clock stepped. */
        pd_ns mono_rtt = rx_mono - r->tx_mono[idx];
        pd_ns rtt = rx_real ? rx_real - r->tx_real[idx] : mono_rtt;
        if (rtt < 0 || rtt > mono_rtt + PD_MSEC)
            rtt = mono_rtt;
        if (rtt > r->timeout) {
            r->late++;
            return ICMP_MATCH_LATE;
        }
        if (r->state[idx] == ICMP_ECHO_UNREACHABLE)
            r->unreachable--; /* an error and then a reply: the reply wins */
        r->state[idx] = ICMP_ECHO_ANSWERED;
        r->rtt[idx] = rtt;
        r->received++;
        return ICMP_MATCH_NEW;
    }
    /* Behind the round (or any reply once it closed): was it ever sent? */
    uint16_t behind = (uint16_t)(seq->next - 1 - s);
    uint32_t window = seq->issued < LATE_WINDOW ? seq->issued : LATE_WINDOW;
    if (behind < window) {
        r->late++;
        return ICMP_MATCH_LATE;
    }
    return ICMP_MATCH_UNKNOWN;
}

int icmp_round_unreachable(struct icmp_round *r, uint16_t s)
{
    uint16_t idx = (uint16_t)(s - r->seq0);
    if (!r->open || idx >= r->sent || r->state[idx] != ICMP_ECHO_WAITING)
        return 0;
    r->state[idx] = ICMP_ECHO_UNREACHABLE;
    r->unreachable++;
    return 1;
}

void icmp_round_close(struct icmp_round *r)
{
    r->open = 0;
    r->dup = 0;
    r->late = 0;
}

int icmp_round_complete(const struct icmp_round *r)
{
    return r->sent == r->count && r->received + r->unreachable == r->sent;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void icmp_round_stats(const struct icmp_round *r, struct icmp_stats *out)
{
    double rtts[ICMP_MAX_COUNT], sum = 0, jit = 0, prev = NAN;
    unsigned n = 0, n_jit = 0;
    for (unsigned i = 0; i < r->sent; i++) {
        if (r->state[i] != ICMP_ECHO_ANSWERED)
            continue;
        double ms = (double)r->rtt[i] / 1e6;
        if (!isnan(prev)) {
            jit += fabs(ms - prev);
            n_jit++;
        }
        prev = ms;
        rtts[n++] = ms;
        sum += ms;
    }
    out->sent = r->sent;
    out->received = n;
    out->loss_pct = r->sent ? 100.0 * (double)(r->sent - n) / (double)r->sent : NAN;
    out->min = out->avg = out->median = out->max = out->stddev = NAN;
    out->jitter = n_jit ? jit / n_jit : NAN;
    for (unsigned i = 0; i < ICMP_MAX_COUNT; i++)
        out->sorted[i] = NAN;
    if (n == 0)
        return;
    qsort(rtts, n, sizeof(rtts[0]), cmp_double);
    memcpy(out->sorted, rtts, n * sizeof(rtts[0]));
    out->min = rtts[0];
    out->max = rtts[n - 1];
    out->avg = sum / n;
    out->median = n % 2 ? rtts[n / 2] : (rtts[n / 2 - 1] + rtts[n / 2]) / 2;
    double var = 0;
    for (unsigned i = 0; i < n; i++)
        var += (rtts[i] - out->avg) * (rtts[i] - out->avg);
    out->stddev = sqrt(var / n);
}
