#include "rtp_stream.h"

#include <string.h>

#define SEQ_MOD 65536u

/* RFC 3550 A.1's constants: a forward step below MAX_DROPOUT is loss, a
 * step back within MAX_MISORDER a late packet, anything else a jump that
 * holds only when the next packet follows it; MIN_SEQUENTIAL packets in
 * sequence make a new source valid. */
enum { MAX_DROPOUT = 3000, MAX_MISORDER = 100, MIN_SEQUENTIAL = 2 };

/* A.1's init_seq(), for the counting that starts (again) at seq. */
static void restart_at(struct rtp_stream_stats *s, uint16_t seq)
{
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
    s->cycles = 0;
    memset(s->seen, 0, sizeof(s->seen));
    s->highest = (int64_t)seq - 1;
}

void rtp_stream_init(struct rtp_stream_stats *s, uint16_t seq, uint32_t ts, int64_t arrival_ns,
                     uint32_t clock_rate)
{
    memset(s, 0, sizeof(*s));
    s->clock_rate = clock_rate;
    s->first_ns = arrival_ns;
    restart_at(s, seq);
    s->max_seq = (uint16_t)(seq - 1);
    s->probation = MIN_SEQUENTIAL;
    rtp_stream_update(s, seq, ts, arrival_ns);
}

static void jitter(struct rtp_stream_stats *s, uint32_t ts, int64_t arrival_ns)
{
    if (s->packets > 1) {
        int64_t gap = arrival_ns - s->last_ns;
        if (gap > s->max_gap_ns)
            s->max_gap_ns = gap;
        /* A.8: D = (Rj - Ri) - (Sj - Si) in timestamp units; the
         * timestamps' difference taken modulo 2^32, so a wrap is a step. */
        double arrived = (double)gap * (double)s->clock_rate / 1e9;
        double d = arrived - (double)(int32_t)(ts - s->last_ts);
        if (d < 0)
            d = -d;
        s->jitter += (d - s->jitter) / 16.0;
        if (s->jitter > s->jitter_max)
            s->jitter_max = s->jitter;
        s->jitter_sum += s->jitter;
        s->jitter_n++;
    }
    s->last_ts = ts;
    s->last_ns = arrival_ns;
}

/* A packet counted in the sequence space, at extended number ext: new,
 * late, or a duplicate. */
static void count(struct rtp_stream_stats *s, int64_t ext)
{
    s->received++;
    if (ext > s->highest) {
        if (ext - s->highest >= RTP_DUP_WINDOW)
            memset(s->seen, 0, sizeof(s->seen));
        else
            for (int64_t e = s->highest + 1; e < ext; e++)
                s->seen[(e % RTP_DUP_WINDOW) / 64] &= ~(1ULL << (e % 64));
        s->highest = ext;
    } else if (ext < (int64_t)s->base_seq || s->highest - ext >= RTP_DUP_WINDOW) {
        /* From before counting began: A.1 counts it, nothing expected it. */
        s->out_of_order++;
        s->before_start++;
        return;
    } else {
        uint64_t bit = 1ULL << (ext % 64);
        if (s->seen[(ext % RTP_DUP_WINDOW) / 64] & bit) {
            s->duplicates++;
            return;
        }
        s->out_of_order++;
    }
    s->seen[(ext % RTP_DUP_WINDOW) / 64] |= 1ULL << (ext % 64);
}

int rtp_stream_update(struct rtp_stream_stats *s, uint16_t seq, uint32_t ts, int64_t arrival_ns)
{
    s->packets++;
    jitter(s, ts, arrival_ns);
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    if (s->probation) {
        if (seq == (uint16_t)(s->max_seq + 1)) {
            s->probation--;
            s->max_seq = seq;
            if (s->probation == 0) {
                restart_at(s, seq);
                s->valid = 1;
                count(s, seq);
                return 1;
            }
        } else {
            s->probation = MIN_SEQUENTIAL - 1;
            s->max_seq = seq;
        }
        return 0;
    }
    int64_t ext;
    if (udelta < MAX_DROPOUT) {
        if (seq < s->max_seq)
            s->cycles += SEQ_MOD;
        s->max_seq = seq;
        ext = (int64_t)s->cycles + seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
        if (seq != s->bad_seq) {
            s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
            s->jumps++;
            return 0;
        }
        /* Two in sequence after a jump: the sender restarted its numbers. */
        s->expected_before = rtp_stream_expected(s);
        s->resyncs++;
        restart_at(s, seq);
        ext = seq;
    } else {
        /* Behind the highest: late, or a duplicate; before a wrap if its
         * number is above the highest's. */
        ext = (int64_t)s->cycles + seq - (seq > s->max_seq ? (int64_t)SEQ_MOD : 0);
    }
    count(s, ext);
    return 1;
}

uint64_t rtp_stream_expected(const struct rtp_stream_stats *s)
{
    if (!s->valid)
        return 0;
    return s->expected_before + s->cycles + s->max_seq - s->base_seq + 1;
}

uint64_t rtp_stream_unique(const struct rtp_stream_stats *s)
{
    return s->received - s->duplicates - s->before_start;
}

uint64_t rtp_stream_lost(const struct rtp_stream_stats *s)
{
    uint64_t expected = rtp_stream_expected(s), unique = rtp_stream_unique(s);
    return expected > unique ? expected - unique : 0;
}

int64_t rtp_stream_lost_rfc(const struct rtp_stream_stats *s)
{
    return (int64_t)rtp_stream_expected(s) - (int64_t)s->received;
}

double rtp_stream_lost_pct(const struct rtp_stream_stats *s)
{
    uint64_t expected = rtp_stream_expected(s);
    return expected ? 100.0 * (double)rtp_stream_lost(s) / (double)expected : 0;
}

/* Timestamp units to ms at the stream's clock rate. */
static double units_ms(const struct rtp_stream_stats *s, double units)
{
    return s->clock_rate ? units * 1000.0 / s->clock_rate : 0;
}

double rtp_stream_jitter_ms(const struct rtp_stream_stats *s)
{
    return units_ms(s, s->jitter);
}

double rtp_stream_max_jitter_ms(const struct rtp_stream_stats *s)
{
    return units_ms(s, s->jitter_max);
}

double rtp_stream_mean_jitter_ms(const struct rtp_stream_stats *s)
{
    return s->jitter_n ? units_ms(s, s->jitter_sum / (double)s->jitter_n) : 0;
}

/* RFC 3551's table 4 and 5: the payload types with a fixed encoding. */
static const struct {
    const char *name;
    uint32_t rate;
} static_types[35] = {
    [0] = {"PCMU", 8000},   [3] = {"GSM", 8000},    [4] = {"G723", 8000},   [5] = {"DVI4", 8000},
    [6] = {"DVI4", 16000},  [7] = {"LPC", 8000},    [8] = {"PCMA", 8000},   [9] = {"G722", 8000},
    [10] = {"L16", 44100},  [11] = {"L16", 44100},  [12] = {"QCELP", 8000}, [13] = {"CN", 8000},
    [14] = {"MPA", 90000},  [15] = {"G728", 8000},  [16] = {"DVI4", 11025}, [17] = {"DVI4", 22050},
    [18] = {"G729", 8000},  [25] = {"CelB", 90000}, [26] = {"JPEG", 90000}, [28] = {"nv", 90000},
    [31] = {"H261", 90000}, [32] = {"MPV", 90000},  [33] = {"MP2T", 90000}, [34] = {"H263", 90000},
};

uint32_t rtp_static_clock_rate(uint8_t pt)
{
    return pt < sizeof(static_types) / sizeof(static_types[0]) ? static_types[pt].rate : 0;
}

const char *rtp_static_name(uint8_t pt)
{
    return pt < sizeof(static_types) / sizeof(static_types[0]) ? static_types[pt].name : NULL;
}
