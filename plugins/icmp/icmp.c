/*
 * icmp: rounds of echo requests to each target, SmokePing style: `count`
 * echoes `spacing` apart; loss, RTT figures, jitter and every RTT of the
 * round (sorted) for the smoke graph.
 *
 * All checks share one socket per family (icmp_socket.c). A pacer sends
 * every echo at its planned time (the round's slot plus i x spacing),
 * several per wake-up when they fall together, under a global token
 * bucket; one read watch per socket takes the replies in batches with the
 * kernel's receive stamps. A reply finds its check through the tag in its
 * payload (slot and generation, behind a per-daemon magic), never through
 * a global sequence table, so there is no ceiling on echoes per second and
 * another ping on the host changes nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "icmp_heap.h"
#include "icmp_round.h"
#include "icmp_socket.h"
#include "icmp_wire.h"
#include "plugin.h"

#define MAX_SIZE 9000 /* ICMP payload bytes: a jumbo frame */

/* The pacer's clock is a timerfd (CLOCK_MONOTONIC, the core's clock):
 * libev's own timers wait in whole milliseconds, which would make sends up
 * to 1 ms late. Echoes planned within plugins.icmp.send_window after a
 * wake-up go out with it: several sends per wake-up, none late, none more
 * than the window early. */

/* Send lateness histogram: 10 us bins from -100 ms (the largest send
 * window) to +50 ms. */
#define LATE_BIN  (10 * 1000)
#define LATE_MIN  (-100 * PD_MSEC)
#define LATE_BINS 15000

struct icmp_settings {
    double max_rate;   /* echoes per second, all checks together */
    long burst;        /* echoes the bucket holds */
    pd_ns send_window; /* echoes due this soon go out together */
};

struct icmp_check {
    /* options */
    long count;
    pd_ns spacing;
    long size;
    char *dscp;
    char *family;
    char *source;
    double loss_down;
    pd_ns rtt_down;

    /* state */
    pd_check *check; /* kept current by rebind() */
    uint32_t slot, gen;
    int fam;     /* AF_UNSPEC, AF_INET, AF_INET6 */
    int literal; /* the address is an IP literal: addr is set once */
    int tos;     /* -1: the system's */
    struct sockaddr_storage src;
    int has_src;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    struct icmp_sock *sock; /* this round's */
    struct icmp_round round;
    struct icmp_seq seq;
    unsigned next_echo; /* echoes of the round handed to the pacer so far */
    pd_ns next_planned; /* when echo next_echo is due */
    size_t send_index;  /* in g.sends; ICMP_HEAP_NONE: nothing to send */
    pd_ns deadline;     /* when the round in progress ends at the latest */
    size_t end_index;   /* in g.ends; ICMP_HEAP_NONE: no round in progress */
    pd_ns last_send;    /* monotonic time of the round's latest send */
    int send_errno;     /* the network refused a send (no route...) */
    int local_errno;    /* our host refused one (no buffer...) */
    char unreach[128];  /* the last ICMP error for this round */
};

static struct {
    pd_plugin_ctx *ctx;
    struct icmp_sock sock4, sock6;
    pd_watch *watch4, *watch6;
    uint16_t ident;
    uint64_t magic;

    struct icmp_check **slots; /* slot -> check, NULL when free */
    uint32_t *slot_gen;
    uint32_t n_slots, cap_slots;
    uint32_t *free_slots;
    uint32_t n_free;

    /* Echoes to send (on next_planned) and rounds to end (on deadline):
     * one timerfd wakes up for the earlier of the two, and nothing is
     * allocated per round or per echo. */
    struct icmp_heap sends, ends;
    int tfd;
    pd_watch *tick;
    pd_ns tick_at; /* armed for; 0: not armed */
    double tokens;
    pd_ns refilled;
    double demand; /* echoes per second the started checks ask for */

    uint64_t sent, refused, received, late, dups, foreign, stale, malformed, unreach, throttled;
    uint32_t lateness[LATE_BINS + 2]; /* + below and above the range */
    pd_ns late_max;
    /* The same figures for /metrics, live: the ones above are only logged
     * at shutdown (echoes per second = rate() of echoes_sent). */
    pd_counter *c_sent, *c_sent_late, *c_answered;
} g;

static const struct icmp_settings *settings(void)
{
    return pd_plugin_settings(g.ctx);
}

static const struct pd_option icmp_options[] = {
    {"count", PD_OPT_INT, offsetof(struct icmp_check, count), "5", "echoes per round, 1..20"},
    {"spacing", PD_OPT_DURATION, offsetof(struct icmp_check, spacing), "1s",
     "time between the echoes of a round"},
    {"size", PD_OPT_INT, offsetof(struct icmp_check, size), "56",
     "payload bytes per echo, 16..9000 (like ping -s)"},
    {"dscp", PD_OPT_STRING, offsetof(struct icmp_check, dscp), "0",
     "DSCP mark: 0..63 or a name such as EF, AF41, CS5"},
    {"family", PD_OPT_STRING, offsetof(struct icmp_check, family), "auto",
     "auto, 4 or 6: which address of a host name to use"},
    {"source", PD_OPT_STRING, offsetof(struct icmp_check, source), "",
     "source address (an address of this host); empty: the route's"},
    {"loss_down", PD_OPT_DOUBLE, offsetof(struct icmp_check, loss_down), "100",
     "a round is bad at this loss percentage or more"},
    {"rtt_down", PD_OPT_DURATION, offsetof(struct icmp_check, rtt_down), "0",
     "a round is bad when its median RTT is above this; 0: never"},
};

static const struct pd_option icmp_settings_table[] = {
    {"max_rate", PD_OPT_DOUBLE, offsetof(struct icmp_settings, max_rate), "20000",
     "echoes per second for all checks together"},
    {"burst", PD_OPT_INT, offsetof(struct icmp_settings, burst), "100",
     "echoes that may leave at once after a quiet moment"},
    {"send_window", PD_OPT_DURATION, offsetof(struct icmp_settings, send_window), "10ms",
     "echoes due within this time go out together, early by at most this"},
};

/* "EF", "AF41", "CS5", "BE" or 0..63; -1 when not a DSCP. */
static int dscp_parse(const char *text)
{
    char *end;
    if (!strcasecmp(text, "EF"))
        return 46;
    if (!strcasecmp(text, "BE") || !strcasecmp(text, "default"))
        return 0;
    if (!strncasecmp(text, "CS", 2) && text[2] >= '0' && text[2] <= '7' && !text[3])
        return (text[2] - '0') * 8;
    if (!strncasecmp(text, "AF", 2) && text[2] >= '1' && text[2] <= '4' && text[3] >= '1' &&
        text[3] <= '3' && !text[4])
        return (text[2] - '0') * 8 + (text[3] - '0') * 2;
    long v = strtol(text, &end, 10);
    return *text && !*end && v >= 0 && v <= 63 ? (int)v : -1;
}

static int family_parse(const char *text)
{
    if (!strcmp(text, "auto"))
        return AF_UNSPEC;
    if (!strcmp(text, "4") || !strcasecmp(text, "ipv4"))
        return AF_INET;
    if (!strcmp(text, "6") || !strcasecmp(text, "ipv6"))
        return AF_INET6;
    return -1;
}

static int source_parse(const char *text, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *in4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, text, &in4->sin_addr) == 1)
        in4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1)
        in6->sin6_family = AF_INET6;
    else
        return -1;
    return 0;
}

static int icmp_validate(const void *params, const struct pd_check_limits *lim, char *err,
                         size_t errlen)
{
    const struct icmp_check *c = params;
    struct sockaddr_storage src;
    char a[32], b[32];
    if (c->count < 1 || c->count > ICMP_MAX_COUNT) {
        snprintf(err, errlen, "count must be 1..%d, not %ld", ICMP_MAX_COUNT, c->count);
        return -EINVAL;
    }
    if (c->size < ICMP_MIN_PAYLOAD || c->size > MAX_SIZE) {
        snprintf(err, errlen, "size must be %d..%d bytes, not %ld", ICMP_MIN_PAYLOAD, MAX_SIZE,
                 c->size);
        return -EINVAL;
    }
    if (dscp_parse(c->dscp) < 0) {
        snprintf(err, errlen, "dscp '%s': expected 0..63 or a name such as EF, AF41, CS5", c->dscp);
        return -EINVAL;
    }
    int fam = family_parse(c->family);
    if (fam < 0) {
        snprintf(err, errlen, "family '%s': expected auto, 4 or 6", c->family);
        return -EINVAL;
    }
    if (c->source[0] && source_parse(c->source, &src) < 0) {
        snprintf(err, errlen, "source '%s' is not an IP address", c->source);
        return -EINVAL;
    }
    if (c->source[0] && fam != AF_UNSPEC && src.ss_family != fam) {
        snprintf(err, errlen, "source %s is not an IPv%d address", c->source,
                 fam == AF_INET ? 4 : 6);
        return -EINVAL;
    }
    if (!(c->loss_down > 0 && c->loss_down <= 100)) {
        snprintf(err, errlen, "loss_down must be above 0 and at most 100, not %g", c->loss_down);
        return -EINVAL;
    }
    if (c->spacing < 0 || c->rtt_down < 0) {
        snprintf(err, errlen, "spacing and rtt_down cannot be negative");
        return -EINVAL;
    }
    if (c->rtt_down > 0 && c->rtt_down >= lim->timeout) {
        snprintf(err, errlen,
                 "rtt_down (%lld ms) must be below the timeout (%lld ms): a later "
                 "reply is already lost",
                 (long long)(c->rtt_down / PD_MSEC), (long long)(lim->timeout / PD_MSEC));
        return -EINVAL;
    }
    /* The whole round must end before the next one is due. */
    pd_ns round = (pd_ns)(c->count - 1) * c->spacing + lim->timeout;
    if (round >= lim->interval) {
        snprintf(a, sizeof(a), "%.3g s", (double)round / PD_SEC);
        snprintf(b, sizeof(b), "%.3g s", (double)lim->interval / PD_SEC);
        snprintf(err, errlen,
                 "a round of %ld echoes %lld ms apart plus the %lld ms timeout lasts %s, not "
                 "less than the interval (%s): lower count or spacing, or raise the interval",
                 c->count, (long long)(c->spacing / PD_MSEC), (long long)(lim->timeout / PD_MSEC),
                 a, b);
        return -EINVAL;
    }
    return 0;
}

static int icmp_validate_settings(const void *settings, char *err, size_t errlen)
{
    const struct icmp_settings *st = settings;
    if (!(st->max_rate >= 1 && st->max_rate <= 1e7)) {
        snprintf(err, errlen, "max_rate must be 1..10000000 echoes per second, not %g",
                 st->max_rate);
        return -EINVAL;
    }
    if (st->burst < 1 || st->burst > 1000000) {
        snprintf(err, errlen, "burst must be 1..1000000, not %ld", st->burst);
        return -EINVAL;
    }
    if (st->send_window < 0 || st->send_window > 100 * PD_MSEC) {
        snprintf(err, errlen, "send_window must be 0 to 100ms");
        return -EINVAL;
    }
    return 0;
}

static int slot_take(struct icmp_check *c)
{
    if (g.n_free) {
        c->slot = g.free_slots[--g.n_free];
    } else {
        if (g.n_slots == g.cap_slots) {
            uint32_t cap = g.cap_slots ? g.cap_slots * 2 : 1024;
            struct icmp_check **s = realloc(g.slots, cap * sizeof(*s));
            if (s)
                g.slots = s;
            uint32_t *gen = realloc(g.slot_gen, cap * sizeof(*gen));
            if (gen)
                g.slot_gen = gen;
            uint32_t *fr = realloc(g.free_slots, cap * sizeof(*fr));
            if (fr)
                g.free_slots = fr;
            if (!s || !gen || !fr)
                return -ENOMEM;
            g.cap_slots = cap;
        }
        c->slot = g.n_slots++;
        g.slot_gen[c->slot] = 0;
    }
    c->gen = ++g.slot_gen[c->slot];
    g.slots[c->slot] = c;
    return 0;
}

static void slot_release(struct icmp_check *c)
{
    g.slots[c->slot] = NULL;
    g.free_slots[g.n_free++] = c->slot;
}

static void record_lateness(pd_ns late)
{
    size_t bin = late < LATE_MIN ? 0 : (size_t)((late - LATE_MIN) / LATE_BIN) + 1;
    g.lateness[bin > LATE_BINS ? LATE_BINS + 1 : bin]++;
    if (late > g.late_max)
        g.late_max = late;
    if (late > PD_MSEC)
        pd_counter_add(g.c_sent_late, 1);
}

static pd_ns wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (pd_ns)ts.tv_sec * PD_SEC + ts.tv_nsec;
}

/* The network said no (no route, a firewall): the echo is lost. Anything
 * else is our own host's trouble and says nothing about the target. */
static int refused_by_network(int e)
{
    return e == ENETUNREACH || e == EHOSTUNREACH || e == ENETDOWN || e == EHOSTDOWN || e == EPERM ||
           e == EACCES;
}

static void send_echo(struct icmp_check *c)
{
    static uint8_t pkt[ICMP_HDR_LEN + MAX_SIZE];
    uint16_t seq = icmp_round_next_seq(&c->round);
    struct icmp_tag tag = {g.magic, c->slot, c->gen};
    size_t len =
        icmp_build_echo(pkt, sizeof(pkt), c->sock->family, g.ident, seq, &tag, (size_t)c->size);
    pd_ns planned = c->next_planned;
    /* Stamps as close to the send as we can take them. */
    pd_ns mono = pd_now(NULL), real = wall_now();
    int rc = icmp_sock_send(c->sock, pkt, len, &c->addr, c->addr_len, c->tos,
                            c->has_src ? &c->src : NULL);
    record_lateness(mono - planned);
    c->last_send = mono;
    if (rc == 0) {
        icmp_round_sent(&c->round, &c->seq, mono, real);
        g.sent++;
        pd_counter_add(g.c_sent, 1);
    } else if (refused_by_network(-rc)) {
        icmp_round_refused(&c->round, &c->seq, mono);
        c->send_errno = -rc;
        g.refused++;
    } else {
        c->local_errno = -rc;
    }
}

static void pacer_arm(pd_ns at)
{
    if (at == g.tick_at)
        return;
    if (at < 1)
        at = 1; /* 0 would disarm; a time past fires at once */
    struct itimerspec its = {.it_value = {.tv_sec = at / PD_SEC, .tv_nsec = at % PD_SEC}};
    if (timerfd_settime(g.tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
        g.tick_at = at;
    else
        pd_ctx_log(g.ctx, PD_LOG_ERR, "pacer timer: %s", strerror(errno));
}

static void end_due_rounds(pd_ns now);

/* Send every echo that is due, as the bucket allows, end the rounds whose
 * time is up, and arm the timer for what comes next. */
static void pacer_run(void)
{
    const struct icmp_settings *st = settings();
    pd_ns now = pd_now(NULL);
    g.tokens += (double)(now - g.refilled) * st->max_rate / 1e9;
    if (g.tokens > (double)st->burst)
        g.tokens = (double)st->burst;
    g.refilled = now;
    struct icmp_check *c;
    while ((c = icmp_heap_top(&g.sends)) && c->next_planned <= now + st->send_window) {
        if (g.tokens < 1) {
            g.throttled++;
            break;
        }
        send_echo(c);
        g.tokens -= 1;
        if (++c->next_echo < c->round.count) {
            c->next_planned += c->spacing;
            icmp_heap_rekey(&g.sends, c);
        } else {
            icmp_heap_remove(&g.sends, c);
        }
    }
    end_due_rounds(now);
    pd_ns at = icmp_heap_top_key(&g.sends);
    if (at != INT64_MAX && g.tokens < 1) {
        pd_ns refill = now + (pd_ns)((1 - g.tokens) * 1e9 / st->max_rate) + 1;
        if (refill > at)
            at = refill;
    }
    if (icmp_heap_top_key(&g.ends) < at)
        at = icmp_heap_top_key(&g.ends);
    if (at != INT64_MAX)
        pacer_arm(at);
}

static void pacer_fired(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg)
{
    (void)ctx;
    (void)revents;
    (void)arg;
    uint64_t expirations;
    if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
        pd_ctx_log(g.ctx, PD_LOG_ERR, "pacer timer: %s", strerror(errno));
    g.tick_at = 0;
    pacer_run();
}

static void note_unreachable(struct icmp_check *c, const struct icmp_parsed *p,
                             const struct sockaddr_storage *from)
{
    char who[INET6_ADDRSTRLEN] = "?";
    if (from->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)from)->sin_addr, who, sizeof(who));
    else if (from->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)from)->sin6_addr, who, sizeof(who));
    int time_exceeded = (c->sock->family == AF_INET && p->type == 11) ||
                        (c->sock->family == AF_INET6 && p->type == 3);
    snprintf(c->unreach, sizeof(c->unreach), "%s (ICMP type %u code %u from %s)",
             time_exceeded ? "time exceeded in transit" : "destination unreachable",
             (unsigned)p->type, (unsigned)p->code, who);
}

static void submit(pd_check *check, struct icmp_check *c)
{
    struct icmp_stats st;
    icmp_round_stats(&c->round, &st);
    static const char *const ping_names[ICMP_MAX_COUNT] = {
        "ping1",  "ping2",  "ping3",  "ping4",  "ping5",  "ping6",  "ping7",
        "ping8",  "ping9",  "ping10", "ping11", "ping12", "ping13", "ping14",
        "ping15", "ping16", "ping17", "ping18", "ping19", "ping20"};
    struct pd_metric m[11 + ICMP_MAX_COUNT] = {
        {"sent", st.sent},     {"received", st.received}, {"loss_pct", st.loss_pct},
        {"rtt_min", st.min},   {"rtt_avg", st.avg},       {"rtt_median", st.median},
        {"rtt_max", st.max},   {"rtt_stddev", st.stddev}, {"jitter", st.jitter},
        {"dup", c->round.dup}, {"late", c->round.late},
    };
    size_t n = 11;
    for (long i = 0; i < c->count; i++)
        m[n++] = (struct pd_metric){ping_names[i], st.sorted[i]};

    char reason[256] = "";
    enum pd_verdict ok = PD_OK;
    if (st.sent == 0) {
        ok = PD_NO_VERDICT;
        snprintf(reason, sizeof(reason), "no echo could be sent: %s",
                 c->local_errno ? strerror(c->local_errno) : "rate limit (plugins.icmp.max_rate)");
    } else if (st.loss_pct >= c->loss_down) {
        ok = PD_BAD;
        const char *why = c->unreach[0] ? c->unreach : c->send_errno ? strerror(c->send_errno) : "";
        if (st.received == 0)
            snprintf(reason, sizeof(reason), "no reply to %u echo%s%s%s", st.sent,
                     st.sent == 1 ? "" : "es", why[0] ? ": " : "", why);
        else
            snprintf(reason, sizeof(reason), "%.0f%% loss (%u of %u echoes answered)%s%s",
                     st.loss_pct, st.received, st.sent, why[0] ? ": " : "", why);
    } else if (c->rtt_down > 0 && st.median > (double)c->rtt_down / 1e6) {
        ok = PD_BAD;
        snprintf(reason, sizeof(reason), "median RTT %.1f ms above %.1f ms", st.median,
                 (double)c->rtt_down / 1e6);
    }
    g.received += st.received;
    pd_counter_add(g.c_answered, st.received);
    icmp_round_close(&c->round);
    struct pd_result r = {
        .ok = ok, .reason = reason[0] ? reason : NULL, .metrics = m, .n_metrics = n};
    pd_submit(check, &r);
}

static void finish_round(struct icmp_check *c)
{
    icmp_heap_remove(&g.sends, c); /* echoes not sent by now never will be */
    icmp_heap_remove(&g.ends, c);
    submit(c->check, c);
}

static void end_due_rounds(pd_ns now)
{
    struct icmp_check *c;
    while ((c = icmp_heap_top(&g.ends)) && c->deadline <= now) {
        /* The bucket may have held the last echo back: it gets its full
         * timeout too. */
        pd_ns timeout = c->round.timeout;
        if (c->send_index == ICMP_HEAP_NONE && c->round.sent && c->last_send + timeout > now) {
            c->deadline = c->last_send + timeout;
            icmp_heap_rekey(&g.ends, c);
            continue;
        }
        finish_round(c);
    }
}

static void round_abort(pd_check *check, struct icmp_check *c, const char *why)
{
    icmp_round_close(&c->round);
    struct pd_result r = {.ok = PD_NO_VERDICT, .reason = why};
    pd_submit(check, &r);
}

static void icmp_run(pd_check *check, void *params)
{
    struct icmp_check *c = params;
    char why[256];
    c->check = check;
    /* An IP literal never changes; a host name may, so it is looked up
     * every round (from the resolver's cache: no DNS here). */
    if (!c->literal &&
        pd_check_sockaddr(check, c->fam, &c->addr, &c->addr_len, why, sizeof(why)) < 0) {
        round_abort(check, c, why);
        return;
    }
    c->sock = c->addr.ss_family == AF_INET6 ? &g.sock6 : &g.sock4;
    if (c->sock->fd < 0) {
        round_abort(check, c, c->sock->error);
        return;
    }
    if (c->has_src && c->src.ss_family != c->addr.ss_family) {
        snprintf(why, sizeof(why), "source %s and target %s are not of the same family", c->source,
                 pd_check_address(check));
        round_abort(check, c, why);
        return;
    }
    pd_ns timeout = pd_check_timeout(check), due = pd_round_due(check);
    icmp_round_begin(&c->round, &c->seq, (unsigned)c->count, timeout);
    c->next_echo = 0;
    c->next_planned = due;
    c->send_errno = c->local_errno = 0;
    c->unreach[0] = '\0';
    c->deadline = due + (c->count - 1) * c->spacing + timeout;
    icmp_heap_push(&g.sends, c);
    icmp_heap_push(&g.ends, c);
    /* Rounds start up to 10 ms early, many per core tick: most need only
     * the timer, not a pass of the pacer each. */
    if (due <= pd_now(check) + settings()->send_window)
        pacer_run();
    else if (g.tick_at == 0 || due < g.tick_at)
        pacer_arm(due);
}

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static int quoted_is(const struct icmp_parsed *p, const struct sockaddr_storage *a)
{
    if (p->quoted_family != a->ss_family)
        return 0;
    if (a->ss_family == AF_INET)
        return memcmp(p->quoted_dst, &((const struct sockaddr_in *)a)->sin_addr, 4) == 0;
    return memcmp(p->quoted_dst, &((const struct sockaddr_in6 *)a)->sin6_addr, 16) == 0;
}

/* Which check a packet belongs to, or NULL (counted). */
static struct icmp_check *owner(const struct icmp_sock *s, const struct icmp_parsed *p)
{
    /* Raw sockets see everyone's ICMP: the identifier, then the magic,
     * tell ours apart. Datagram sockets get only ours, id set by the
     * kernel. */
    if (!p->has_tag || p->tag.magic != g.magic || (s->raw && p->id != g.ident)) {
        g.foreign++;
        return NULL;
    }
    if (p->tag.slot >= g.n_slots) {
        g.foreign++;
        return NULL;
    }
    struct icmp_check *c = g.slots[p->tag.slot];
    if (!c || c->gen != p->tag.gen) {
        g.stale++; /* its check stopped, or was replaced */
        return NULL;
    }
    return c;
}

static void take_packet(const struct icmp_sock *s, const struct icmp_rx *rx, pd_ns rx_mono)
{
    struct icmp_parsed p;
    enum icmp_kind kind =
        icmp_parse(rx->data, rx->len, s->family, s->raw && s->family == AF_INET, &p);
    if (kind == ICMP_KIND_MALFORMED) {
        g.malformed++;
        return;
    }
    if (kind == ICMP_KIND_IGNORED)
        return;
    struct icmp_check *c = owner(s, &p);
    if (!c)
        return;
    if (kind == ICMP_KIND_UNREACH) {
        if (!quoted_is(&p, &c->addr) || !icmp_round_unreachable(&c->round, p.seq))
            return;
        g.unreach++;
        note_unreachable(c, &p, &rx->from);
    } else {
        if (!same_host(&rx->from, &c->addr)) {
            g.foreign++; /* our tag, another sender: spoofed or a broadcast */
            return;
        }
        switch (icmp_round_reply(&c->round, &c->seq, p.seq, rx_mono, rx->stamp)) {
        case ICMP_MATCH_NEW:
            break;
        case ICMP_MATCH_DUP:
            g.dups++;
            return;
        case ICMP_MATCH_LATE:
            g.late++;
            return;
        case ICMP_MATCH_UNKNOWN:
            g.foreign++;
            return;
        }
    }
    /* A timer armed for this round's end now wakes up for nothing, once:
     * cheaper than re-arming it on every reply. */
    if (c->next_echo == c->round.count && icmp_round_complete(&c->round))
        finish_round(c);
}

static void on_readable(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg)
{
    (void)ctx;
    (void)fd;
    (void)revents;
    const struct icmp_sock *s = arg;
    static struct icmp_rx rx[ICMP_RX_BATCH];
    /* Bounded: a flood of foreign ICMP must not hold the loop. */
    for (int batch = 0; batch < 16; batch++) {
        int n = icmp_sock_recv(s, rx);
        if (n <= 0) {
            if (n < 0)
                pd_ctx_log(g.ctx, PD_LOG_WARNING, "receive: %s", strerror(-n));
            return;
        }
        pd_ns rx_mono = pd_now(NULL);
        for (int i = 0; i < n; i++)
            take_packet(s, &rx[i], rx_mono);
        if (n < ICMP_RX_BATCH)
            return;
    }
}

static int icmp_start(pd_check *check, void *params, char *err, size_t errlen)
{
    struct icmp_check *c = params;
    c->check = check;
    c->send_index = c->end_index = ICMP_HEAP_NONE;
    c->fam = family_parse(c->family);
    int dscp = dscp_parse(c->dscp);
    c->tos = dscp > 0 ? dscp << 2 : -1;
    c->has_src = c->source[0] && source_parse(c->source, &c->src) == 0;
    struct sockaddr_storage probe;
    char why[256];
    c->literal = source_parse(pd_check_address(check), &probe) == 0 &&
                 pd_check_sockaddr(check, c->fam, &c->addr, &c->addr_len, why, sizeof(why)) == 0;
    /* Random first sequence: a restart does not take replies meant for
     * the previous run. */
    uint16_t seq0 = 0;
    if (getrandom(&seq0, sizeof(seq0), GRND_NONBLOCK) != sizeof(seq0))
        seq0 = (uint16_t)(pd_now(check) >> 10);
    c->seq.next = seq0;
    /* Every started check may be in both heaps at once. */
    if (icmp_heap_reserve(&g.sends, g.n_slots - g.n_free + 1) < 0 ||
        icmp_heap_reserve(&g.ends, g.n_slots - g.n_free + 1) < 0 || slot_take(c) < 0)
        goto nomem;
    g.demand += (double)c->count * 1e9 / (double)pd_check_interval(check);
    if (g.demand > settings()->max_rate)
        pd_ctx_log(g.ctx, PD_LOG_WARNING,
                   "the icmp checks ask for %.0f echoes/s, above plugins.icmp.max_rate (%.0f): "
                   "echoes will be late",
                   g.demand, settings()->max_rate);
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

static void icmp_stop(pd_check *check, void *params)
{
    struct icmp_check *c = params;
    icmp_heap_remove(&g.sends, c);
    icmp_heap_remove(&g.ends, c);
    slot_release(c);
    g.demand -= (double)c->count * 1e9 / (double)pd_check_interval(check);
}

static void icmp_rebind(pd_check *check, void *params)
{
    ((struct icmp_check *)params)->check = check;
}

static const char *kind_name(const struct icmp_sock *s)
{
    return s->fd < 0 ? "none" : s->raw ? "raw" : "datagram";
}

static int icmp_init(pd_plugin_ctx *ctx, char *err, size_t errlen)
{
    g.ctx = ctx;
    g.ident = (uint16_t)getpid();
    g.c_sent = pd_ctx_counter(ctx, "echoes_sent", "ICMP echo requests sent, all icmp checks.");
    g.c_sent_late = pd_ctx_counter(ctx, "echoes_sent_late",
                                   "Echo requests sent more than 1 ms after their planned time.");
    g.c_answered = pd_ctx_counter(ctx, "echoes_answered",
                                  "Echo replies matched to their request within the timeout.");
    if (getrandom(&g.magic, sizeof(g.magic), 0) != sizeof(g.magic)) {
        snprintf(err, errlen, "getrandom: %s", strerror(errno));
        return -EIO;
    }
    g.sends = (struct icmp_heap){.key_off = offsetof(struct icmp_check, next_planned),
                                 .index_off = offsetof(struct icmp_check, send_index)};
    g.ends = (struct icmp_heap){.key_off = offsetof(struct icmp_check, deadline),
                                .index_off = offsetof(struct icmp_check, end_index)};
    g.tokens = (double)settings()->burst;
    g.refilled = pd_now(NULL);
    g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (g.tfd < 0) {
        snprintf(err, errlen, "timerfd: %s", strerror(errno));
        return -errno;
    }
    if (!(g.tick = pd_ctx_watch_fd(ctx, g.tfd, PD_READ, pacer_fired, NULL)))
        goto nomem;
    icmp_sock_open(&g.sock4, AF_INET);
    icmp_sock_open(&g.sock6, AF_INET6);
    if (g.sock4.fd >= 0 &&
        !(g.watch4 = pd_ctx_watch_fd(ctx, g.sock4.fd, PD_READ, on_readable, &g.sock4)))
        goto nomem;
    if (g.sock6.fd >= 0 &&
        !(g.watch6 = pd_ctx_watch_fd(ctx, g.sock6.fd, PD_READ, on_readable, &g.sock6)))
        goto nomem;
    /* Not an error: a daemon without icmp checks needs no socket, and the
     * checks say why they cannot run. */
    int degraded = g.sock4.fd < 0 || g.sock6.fd < 0 || !g.sock4.raw || !g.sock6.raw;
    pd_ctx_log(ctx, degraded ? PD_LOG_WARNING : PD_LOG_NOTICE,
               "ICMP sockets: IPv4 %s, IPv6 %s%s%s%s%s", kind_name(&g.sock4), kind_name(&g.sock6),
               g.sock4.error[0] ? "; " : "", g.sock4.error, g.sock6.error[0] ? "; " : "",
               g.sock6.error);
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

static double lateness_quantile(uint64_t total, double q)
{
    uint64_t want = (uint64_t)ceil((double)total * q), seen = 0;
    for (size_t i = 0; i < LATE_BINS + 2; i++) {
        seen += g.lateness[i];
        if (seen >= want && want > 0) {
            if (i == 0)
                return (double)LATE_MIN / 1e6;
            if (i == LATE_BINS + 1)
                return (double)g.late_max / 1e6;
            return (double)(LATE_MIN + (pd_ns)i * LATE_BIN) / 1e6; /* the bin's upper edge */
        }
    }
    return NAN;
}

static void icmp_shutdown(pd_plugin_ctx *ctx)
{
    uint64_t sends = 0;
    for (size_t i = 0; i < LATE_BINS + 2; i++)
        sends += g.lateness[i];
    if (sends > 0)
        pd_ctx_log(ctx, PD_LOG_INFO,
                   "%llu echoes sent (%llu refused by the network), %llu answered in time, %llu "
                   "late, %llu duplicates, %llu unreachable, %llu foreign, %llu stale, %llu "
                   "malformed; send lateness p1 "
                   "%.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms; %llu waits for the rate limit",
                   (unsigned long long)(g.sent + g.refused), (unsigned long long)g.refused,
                   (unsigned long long)g.received, (unsigned long long)g.late,
                   (unsigned long long)g.dups, (unsigned long long)g.unreach,
                   (unsigned long long)g.foreign, (unsigned long long)g.stale,
                   (unsigned long long)g.malformed, lateness_quantile(sends, 0.01),
                   lateness_quantile(sends, 0.5), lateness_quantile(sends, 0.99),
                   (double)g.late_max / 1e6, (unsigned long long)g.throttled);
    /* The core cancels the watches after this. */
    if (g.tfd > 0)
        close(g.tfd);
    icmp_sock_close(&g.sock4);
    icmp_sock_close(&g.sock6);
    free(g.slots);
    free(g.slot_gen);
    free(g.free_slots);
    icmp_heap_free(&g.sends);
    icmp_heap_free(&g.ends);
    memset(&g, 0, sizeof(g));
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "icmp",
    .description = "ICMP echo rounds: loss, RTT (min/avg/median/max/stddev), jitter, smoke",
    .options = icmp_options,
    .n_options = sizeof(icmp_options) / sizeof(icmp_options[0]),
    .params_size = sizeof(struct icmp_check),
    .settings = icmp_settings_table,
    .n_settings = sizeof(icmp_settings_table) / sizeof(icmp_settings_table[0]),
    .settings_size = sizeof(struct icmp_settings),
    .validate_settings = icmp_validate_settings,
    .init = icmp_init,
    .shutdown = icmp_shutdown,
    .validate = icmp_validate,
    .start = icmp_start,
    .run = icmp_run,
    .stop = icmp_stop,
    .rebind = icmp_rebind,
};
