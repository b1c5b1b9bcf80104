#include "rtp_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { INITIAL_SLOTS = 1024 };
#define CANDIDATE_IDLE_NS 1000000000LL /* a stream on probation that stopped */

void rtp_match_default(struct rtp_match *m)
{
    memset(m, 0, sizeof(*m));
    for (uint8_t pt = 0; pt < 96; pt++)
        m->clock_rate[pt] = rtp_static_clock_rate(pt);
    /* Comfort noise shares its stream's SSRC in practice; alone it is no
     * stream worth a jitter figure, but it is media all the same. */
    for (uint8_t pt = 96; pt < 128; pt++)
        m->clock_rate[pt] = 90000;
    m->ports[0].lo = 1024;
    m->ports[0].hi = 65535;
    m->n_ports = 1;
    m->max_streams = 20000;
}

static int parse_uint(const char *text, char **end, unsigned long max, unsigned long *out)
{
    if (*text < '0' || *text > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(text, end, 10);
    if (errno || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

int rtp_match_clock_rate(struct rtp_match *m, const char *text, char *err, size_t errlen)
{
    char *end;
    unsigned long pt, rate;
    if (parse_uint(text, &end, 127, &pt) < 0 || *end != '=' ||
        parse_uint(end + 1, &end, 10000000, &rate) < 0 || *end || rate == 0) {
        snprintf(err, errlen,
                 "'%s': expected PAYLOAD_TYPE=CLOCK_RATE, e.g. 96=90000 (type 0..127, rate in Hz)",
                 text);
        return -EINVAL;
    }
    m->clock_rate[pt] = (uint32_t)rate;
    return 0;
}

int rtp_match_ports(struct rtp_match *m, const char *text, char *err, size_t errlen)
{
    char *end;
    unsigned long lo, hi;
    if (parse_uint(text, &end, 65535, &lo) < 0 || lo == 0)
        goto bad;
    hi = lo;
    if (*end == '-' && (parse_uint(end + 1, &end, 65535, &hi) < 0 || hi < lo))
        goto bad;
    if (*end)
        goto bad;
    if (m->n_ports == RTP_MAX_PORT_RANGES) {
        snprintf(err, errlen, "more than %d port ranges", RTP_MAX_PORT_RANGES);
        return -EINVAL;
    }
    m->ports[m->n_ports].lo = (uint16_t)lo;
    m->ports[m->n_ports].hi = (uint16_t)hi;
    m->n_ports++;
    return 0;
bad:
    snprintf(err, errlen, "'%s': expected a UDP port or a range, e.g. 5004 or 16384-32767", text);
    return -EINVAL;
}

int rtp_table_init(struct rtp_table *t, const struct rtp_match *match)
{
    memset(t, 0, sizeof(*t));
    t->match = *match;
    t->slots = calloc(INITIAL_SLOTS, sizeof(*t->slots));
    if (!t->slots)
        return -ENOMEM;
    t->cap = INITIAL_SLOTS;
    return 0;
}

void rtp_table_free(struct rtp_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static uint32_t key_hash(const struct rtp_flow *f, uint32_t ssrc)
{
    uint64_t a, b,
        h = mix(0x243f6a8885a308d3ULL, (uint64_t)ssrc << 32 | (uint64_t)f->sport << 16 | f->dport);
    size_t len = f->src.family == 6 ? 16 : 4;
    for (size_t i = 0; i < len; i += 4) {
        memcpy(&a, f->src.bytes + i, 4);
        memcpy(&b, f->dst.bytes + i, 4);
        h = mix(h, (a & 0xffffffff) << 32 | (b & 0xffffffff));
    }
    return (uint32_t)(h ^ (h >> 32));
}

static int key_equal(const struct rtp_entry *e, const struct rtp_flow *f, uint32_t ssrc)
{
    return e->ssrc == ssrc && e->flow.sport == f->sport && e->flow.dport == f->dport &&
           rtp_addr_equal(&e->flow.src, &f->src) && rtp_addr_equal(&e->flow.dst, &f->dst);
}

static int grow(struct rtp_table *t)
{
    size_t cap = t->cap * 2;
    struct rtp_entry *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].used)
            continue;
        size_t j = t->slots[i].hash & (cap - 1);
        while (slots[j].used)
            j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

static int port_matches(const struct rtp_match *m, uint16_t sport, uint16_t dport)
{
    if (m->n_ports == 0)
        return 1;
    for (size_t i = 0; i < m->n_ports; i++)
        if ((sport >= m->ports[i].lo && sport <= m->ports[i].hi) ||
            (dport >= m->ports[i].lo && dport <= m->ports[i].hi))
            return 1;
    return 0;
}

enum rtp_kind rtp_table_packet(struct rtp_table *t, int dlt, const uint8_t *frame, size_t caplen,
                               int64_t arrival_ns, struct rtp_entry **entry)
{
    struct rtp_packet p;
    enum rtp_kind kind = rtp_parse(dlt, frame, caplen, &p);
    *entry = NULL;
    t->counts.frames++;
    switch (kind) {
    case RTP_KIND_OTHER:
        t->counts.other++;
        return kind;
    case RTP_KIND_UDP:
        t->counts.udp++;
        return kind;
    case RTP_KIND_MALFORMED:
        t->counts.malformed++;
        return kind;
    case RTP_KIND_CONTROL:
        if (!port_matches(&t->match, p.flow.sport, p.flow.dport)) {
            t->counts.udp++;
            return RTP_KIND_UDP;
        }
        t->counts.control++;
        return kind;
    case RTP_KIND_MEDIA:
        break;
    }
    uint32_t rate = t->match.clock_rate[p.pt];
    if (!rate || !port_matches(&t->match, p.flow.sport, p.flow.dport)) {
        t->counts.udp++;
        return RTP_KIND_UDP;
    }
    uint32_t h = key_hash(&p.flow, p.ssrc);
    size_t i = h & (t->cap - 1);
    for (; t->slots[i].used; i = (i + 1) & (t->cap - 1)) {
        struct rtp_entry *e = &t->slots[i];
        if (e->hash == h && key_equal(e, &p.flow, p.ssrc)) {
            int was_valid = e->st.valid;
            rtp_stream_update(&e->st, p.seq, p.ts, arrival_ns);
            if (e->st.valid || was_valid)
                t->counts.media++;
            else
                t->counts.udp++; /* on probation: maybe not media at all */
            *entry = e;
            return kind;
        }
    }
    if (t->n >= t->match.max_streams) {
        t->counts.untracked++;
        return kind;
    }
    if ((t->n + 1) * 10 > t->cap * 7) { /* at most 70 % full */
        if (grow(t) < 0) {
            t->counts.untracked++;
            return kind;
        }
        i = h & (t->cap - 1);
        while (t->slots[i].used)
            i = (i + 1) & (t->cap - 1);
    }
    struct rtp_entry *e = &t->slots[i];
    memset(e, 0, sizeof(*e));
    e->used = 1;
    e->hash = h;
    e->flow = p.flow;
    e->ssrc = p.ssrc;
    e->pt = p.pt;
    e->vlan = p.vlan;
    e->serial = ++t->next_serial;
    rtp_stream_init(&e->st, p.seq, p.ts, arrival_ns, rate);
    t->n++;
    t->counts.udp++;
    *entry = e;
    return kind;
}

/* Removes slot i, shifting the entries of its probe run back so lookups
 * need no tombstones. */
static void remove_slot(struct rtp_table *t, size_t i)
{
    size_t mask = t->cap - 1, j = i;
    t->slots[i].used = 0;
    t->n--;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].used)
            return;
        size_t home = t->slots[j].hash & mask;
        /* j's entry may move to i when i lies cyclically in [home, j). */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->slots[i] = t->slots[j];
            t->slots[j].used = 0;
            i = j;
        }
    }
}

size_t rtp_table_expire(struct rtp_table *t, int64_t now_ns, int64_t idle_ns,
                        void (*ended)(void *arg, struct rtp_entry *e), void *arg)
{
    size_t removed = 0;
    for (size_t i = 0; i < t->cap;) {
        struct rtp_entry *e = &t->slots[i];
        int64_t limit = e->st.valid                   ? idle_ns
                        : CANDIDATE_IDLE_NS < idle_ns ? CANDIDATE_IDLE_NS
                                                      : idle_ns;
        if (!e->used || now_ns - e->st.last_ns <= limit) {
            i++;
            continue;
        }
        if (e->st.valid && ended)
            ended(arg, e);
        remove_slot(t, i);
        removed++;
        /* slot i now holds an entry shifted back into it: look again */
    }
    return removed;
}

struct rtp_entry *rtp_table_next(struct rtp_table *t, size_t *pos)
{
    for (; *pos < t->cap; (*pos)++)
        if (t->slots[*pos].used)
            return &t->slots[(*pos)++];
    return NULL;
}
