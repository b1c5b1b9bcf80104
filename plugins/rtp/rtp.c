/*
 * rtp: the loss and jitter of the real media of every codec terminal,
 * measured passively from a capture (a mirror port, or the platform's own
 * interface). One capture for the whole plugin feeds a table of RTP
 * streams (rtp_table.c, RFC 3550); each check watches its target's
 * address and, each round, sums what the streams from and to it did since
 * the round before: series `out` (media the target sends) and `in` (media
 * it receives), and the check's own figures over both.
 *
 * A round is bad when loss or jitter in either direction passes the
 * check's limits; `fail_after` such rounds make the check DOWN, which is
 * how a report counts minutes of degraded media. A round with too few
 * packets (no conference running) has no verdict: no media is not bad
 * media. Frames the kernel dropped because the capture fell behind are
 * counted apart (`capture_drops`) and never as network loss.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "plugin.h"
#include "rtp_capture.h"
#include "rtp_table.h"

enum { READ_BATCH = 4096 };           /* frames per wake-up, so probes do not wait */
#define TICK_NS      (1000 * PD_MSEC) /* stream expiry */
#define CAPTURE_WAIT 100              /* ms: the kernel hands frames over at the latest */

enum { SIDE_OUT = 0, SIDE_IN = 1 }; /* the target is the source, the destination */

struct rtp_settings {
    char *interface;
    char *filter;
    long snaplen;
    long buffer_mb;
    char **clock_rates;
    char **ports;
    pd_ns stream_timeout;
    long max_streams;
};

/* What one direction's streams did since the check's last round. */
struct side_sum {
    uint64_t expected, unique, packets;
    double jitter_ms; /* the worst stream's */
    long streams;
};

struct rtp_check {
    /* options */
    double max_loss;   /* percent */
    double max_jitter; /* ms */
    long min_packets;

    /* state */
    pd_check *check; /* kept current by rebind() */
    struct rtp_addr addr;
    int have_addr;
    struct rtp_check *next;
    struct side_sum sum[2];
    uint64_t drops_mark;
};

static struct {
    pd_plugin_ctx *ctx;
    struct rtp_capture *cap;
    pd_watch *watch;
    pd_timer *tick;
    pd_ns last_expiry;
    struct rtp_table table;
    struct rtp_check *checks;
    int dlt;
    uint64_t read_errors;
    char cap_error[256]; /* why there is no capture: each check's reason */
} g;

static const struct pd_option rtp_options[] = {
    {"max_loss", PD_OPT_DOUBLE, offsetof(struct rtp_check, max_loss), "1",
     "media loss above this percentage in either direction is a bad round"},
    {"max_jitter", PD_OPT_DOUBLE, offsetof(struct rtp_check, max_jitter), "30",
     "interarrival jitter above this many ms in either direction is a bad round"},
    {"min_packets", PD_OPT_INT, offsetof(struct rtp_check, min_packets), "50",
     "fewer media packets in a round than this: no verdict (no call running)"},
};

static const struct pd_option rtp_settings_table[] = {
    {"interface", PD_OPT_STRING, offsetof(struct rtp_settings, interface), "",
     "interface to capture on (a mirror port; \"any\": all of them)"},
    {"filter", PD_OPT_STRING, offsetof(struct rtp_settings, filter), "udp",
     "capture filter, pcap-filter(7) syntax"},
    {"snaplen", PD_OPT_INT, offsetof(struct rtp_settings, snaplen), "128",
     "bytes kept of each frame: enough for the headers"},
    {"buffer_mb", PD_OPT_INT, offsetof(struct rtp_settings, buffer_mb), "64",
     "the kernel's capture buffer, MiB"},
    {"clock_rates", PD_OPT_LIST, offsetof(struct rtp_settings, clock_rates), "",
     "PT=HZ for dynamic payload types (default 90000 for 96..127)"},
    {"ports", PD_OPT_LIST, offsetof(struct rtp_settings, ports), "1024-65535",
     "UDP ports or ranges that carry media"},
    {"stream_timeout", PD_OPT_DURATION, offsetof(struct rtp_settings, stream_timeout), "5s",
     "a stream without packets for this long has ended"},
    {"max_streams", PD_OPT_INT, offsetof(struct rtp_settings, max_streams), "20000",
     "streams followed at once"},
};

static const struct rtp_settings *settings(void)
{
    return pd_plugin_settings(g.ctx);
}

static int build_match(const struct rtp_settings *s, struct rtp_match *m, char *err, size_t errlen)
{
    char why[200];
    rtp_match_default(m);
    m->n_ports = 0;
    for (char **p = s->ports; p && *p; p++)
        if (rtp_match_ports(m, *p, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "ports: %s", why);
            return -EINVAL;
        }
    for (char **r = s->clock_rates; r && *r; r++)
        if (rtp_match_clock_rate(m, *r, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "clock_rates: %s", why);
            return -EINVAL;
        }
    m->max_streams = (size_t)s->max_streams;
    return 0;
}

static int rtp_validate_settings(const void *p, char *err, size_t errlen)
{
    const struct rtp_settings *s = p;
    struct rtp_match m;
    if (s->snaplen < 64 || s->snaplen > 65535) {
        snprintf(err, errlen, "snaplen: 64..65535 bytes");
        return -EINVAL;
    }
    if (s->buffer_mb < 1 || s->buffer_mb > 2048) {
        snprintf(err, errlen, "buffer_mb: 1..2048");
        return -EINVAL;
    }
    if (s->max_streams < 1 || s->max_streams > 1000000) {
        snprintf(err, errlen, "max_streams: 1..1000000");
        return -EINVAL;
    }
    if (s->stream_timeout < PD_SEC) {
        snprintf(err, errlen, "stream_timeout: at least 1s");
        return -EINVAL;
    }
    return build_match(s, &m, err, errlen);
}

static int rtp_validate(const void *params, const struct pd_check_limits *limits, char *err,
                        size_t errlen)
{
    const struct rtp_check *c = params;
    (void)limits;
    if (!(c->max_loss >= 0 && c->max_loss <= 100)) {
        snprintf(err, errlen, "max_loss: a percentage, 0..100");
        return -EINVAL;
    }
    if (!(c->max_jitter > 0 && c->max_jitter <= 10000)) {
        snprintf(err, errlen, "max_jitter: milliseconds, above 0 and at most 10000");
        return -EINVAL;
    }
    if (c->min_packets < 1) {
        snprintf(err, errlen, "min_packets: at least 1");
        return -EINVAL;
    }
    return 0;
}

static const char *side_name(int side)
{
    return side == SIDE_OUT ? "out" : "in";
}

static void describe_stream(const struct rtp_entry *e, char *buf, size_t len)
{
    char src[64], dst[64];
    snprintf(buf, len, "%s:%u -> %s:%u, SSRC 0x%08X, payload type %u",
             rtp_addr_text(&e->flow.src, src, sizeof(src)), e->flow.sport,
             rtp_addr_text(&e->flow.dst, dst, sizeof(dst)), e->flow.dport, (unsigned)e->ssrc,
             e->pt);
}

/* Adds what the stream did since the check's last look to its sums. */
static void fold(struct rtp_check *c, int side, struct rtp_entry *e)
{
    struct side_sum *s = &c->sum[side];
    uint64_t expected = rtp_stream_expected(&e->st), unique = rtp_stream_unique(&e->st);
    uint64_t packets = e->st.packets;
    uint64_t new_packets = packets - e->mark_packets[side];
    if (new_packets == 0)
        return;
    s->expected += expected - e->mark_expected[side];
    s->unique += unique - e->mark_unique[side];
    s->packets += new_packets;
    s->streams++;
    double j = rtp_stream_jitter_ms(&e->st);
    if (j > s->jitter_ms)
        s->jitter_ms = j;
    e->mark_expected[side] = expected;
    e->mark_unique[side] = unique;
    e->mark_packets[side] = packets;
}

static struct rtp_check *check_of(const struct rtp_addr *a)
{
    for (struct rtp_check *c = g.checks; c; c = c->next)
        if (c->have_addr && rtp_addr_equal(&c->addr, a))
            return c;
    return NULL;
}

/* The stream's sides: the checks of its source and destination, each
 * told that it began. from_now: count only what comes next (a check that
 * starts, or an address that changes, while the stream runs). */
static void attach(struct rtp_entry *e, struct rtp_check *c, int side, int from_now)
{
    char what[160];
    e->side[side] = c;
    e->mark_expected[side] = from_now ? rtp_stream_expected(&e->st) : 0;
    e->mark_unique[side] = from_now ? rtp_stream_unique(&e->st) : 0;
    e->mark_packets[side] = from_now ? e->st.packets : 0;
    describe_stream(e, what, sizeof(what));
    pd_event(c->check, e->st.first_ns, "stream_start", "RTP stream %s: %s%s", side_name(side), what,
             from_now ? " (already running; counted from now)" : "");
}

static void announce(struct rtp_entry *e)
{
    e->announced = 1;
    const struct rtp_addr *addr[2] = {&e->flow.src, &e->flow.dst};
    for (int side = 0; side < 2; side++) {
        struct rtp_check *c = check_of(addr[side]);
        if (c)
            attach(e, c, side, 0);
    }
}

static void stream_ended(void *arg, struct rtp_entry *e)
{
    (void)arg;
    char what[160];
    for (int side = 0; side < 2; side++) {
        struct rtp_check *c = e->side[side];
        if (!c)
            continue;
        fold(c, side, e);
        describe_stream(e, what, sizeof(what));
        pd_event(c->check, e->st.last_ns, "stream_end",
                 "RTP stream %s ended after %.0f s: %s; %llu packets, %llu lost (%.2f %%), "
                 "jitter %.1f ms (max %.1f)",
                 side_name(side), (double)(e->st.last_ns - e->st.first_ns) / 1e9, what,
                 (unsigned long long)e->st.packets, (unsigned long long)rtp_stream_lost(&e->st),
                 rtp_stream_lost_pct(&e->st), rtp_stream_jitter_ms(&e->st),
                 rtp_stream_max_jitter_ms(&e->st));
    }
}

static void on_frame(void *arg, const uint8_t *frame, size_t caplen, int64_t arrival_ns)
{
    (void)arg;
    struct rtp_entry *e;
    if (rtp_table_packet(&g.table, g.dlt, frame, caplen, arrival_ns, &e) == RTP_KIND_MEDIA && e &&
        e->st.valid && !e->announced)
        announce(e);
}

static void read_frames(void)
{
    char err[256];
    if (rtp_capture_read(g.cap, READ_BATCH, on_frame, NULL, err, sizeof(err)) < 0 &&
        g.read_errors++ == 0)
        pd_ctx_log(g.ctx, PD_LOG_ERR, "%s", err);
}

static void on_readable(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg)
{
    (void)ctx, (void)fd, (void)revents, (void)arg;
    read_frames();
}

static void on_tick(pd_plugin_ctx *ctx, void *arg)
{
    (void)ctx, (void)arg;
    int poll_ms = rtp_capture_poll_ms(g.cap);
    if (poll_ms)
        read_frames();
    pd_ns now = pd_now(NULL);
    if (now - g.last_expiry >= TICK_NS) {
        g.last_expiry = now;
        rtp_table_expire(&g.table, pd_wall(NULL), settings()->stream_timeout, stream_ended, NULL);
    }
    pd_timer_again(g.tick, poll_ms ? poll_ms * PD_MSEC : TICK_NS);
}

/* The capture, opened once before privileges are dropped. A capture that
 * cannot be opened (no interface set, a mirror port missing) stops only
 * the rtp checks, each round saying why: the other probes go on. */
static int rtp_init(pd_plugin_ctx *ctx, char *err, size_t errlen)
{
    g.ctx = ctx;
    const struct rtp_settings *s = settings();
    struct rtp_match m;
    if (!s->interface || !*s->interface) {
        snprintf(g.cap_error, sizeof(g.cap_error),
                 "plugins.rtp.interface: the interface to capture media on is not set "
                 "(e.g. a mirror port such as eth1, or \"any\")");
        return 0;
    }
    if (build_match(s, &m, err, errlen) < 0)
        return -EINVAL;
    struct rtp_capture_conf conf = {.interface = s->interface,
                                    .filter = s->filter,
                                    .snaplen = (int)s->snaplen,
                                    .buffer_bytes = (int)(s->buffer_mb * 1024 * 1024),
                                    .timeout_ms = CAPTURE_WAIT};
    if (!(g.cap = rtp_capture_open(&conf, g.cap_error, sizeof(g.cap_error)))) {
        pd_ctx_log(ctx, PD_LOG_ERR, "%s; the rtp checks cannot run", g.cap_error);
        return 0;
    }
    g.dlt = rtp_capture_dlt(g.cap);
    if (!rtp_dlt_supported(g.dlt)) {
        snprintf(g.cap_error, sizeof(g.cap_error),
                 "capture on %s: link type %d is not one probed reads", s->interface, g.dlt);
        pd_ctx_log(ctx, PD_LOG_ERR, "%s; the rtp checks cannot run", g.cap_error);
        rtp_capture_close(g.cap);
        g.cap = NULL;
        return 0;
    }
    if (rtp_table_init(&g.table, &m) < 0)
        goto nomem;
    if (!(g.watch = pd_ctx_watch_fd(ctx, rtp_capture_fd(g.cap), PD_READ, on_readable, NULL)))
        goto nomem;
    int poll_ms = rtp_capture_poll_ms(g.cap);
    if (!(g.tick = pd_ctx_timer_after(ctx, poll_ms ? poll_ms * PD_MSEC : TICK_NS, on_tick, NULL)))
        goto nomem;
    g.last_expiry = pd_now(NULL);
    pd_ctx_log(ctx, PD_LOG_NOTICE, "capturing media on %s (filter '%s', %ld MiB buffer)",
               s->interface, s->filter, s->buffer_mb);
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    rtp_capture_close(g.cap);
    rtp_table_free(&g.table);
    memset(&g, 0, sizeof(g));
    return -ENOMEM;
}

static void rtp_shutdown(pd_plugin_ctx *ctx)
{
    if (g.cap)
        pd_ctx_log(
            ctx, PD_LOG_INFO,
            "%llu frames: %llu RTP, %llu RTCP, %llu other UDP, %llu malformed, %llu of "
            "streams past max_streams; %llu dropped by the kernel",
            (unsigned long long)g.table.counts.frames, (unsigned long long)g.table.counts.media,
            (unsigned long long)g.table.counts.control, (unsigned long long)g.table.counts.udp,
            (unsigned long long)g.table.counts.malformed,
            (unsigned long long)g.table.counts.untracked,
            (unsigned long long)rtp_capture_drops(g.cap));
    /* The core cancels the watch and the timer after this. */
    rtp_capture_close(g.cap);
    rtp_table_free(&g.table);
    memset(&g, 0, sizeof(g));
}

/* The target's address, for matching streams; 0 or -errno with err. */
static int refresh_address(struct rtp_check *c, pd_check *check, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    struct rtp_addr a = {0};
    int rc = pd_check_sockaddr(check, AF_UNSPEC, &ss, &len, err, errlen);
    if (rc < 0)
        return rc;
    if (ss.ss_family == AF_INET) {
        a.family = 4;
        memcpy(a.bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    } else {
        a.family = 6;
        memcpy(a.bytes, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    }
    if (c->have_addr && rtp_addr_equal(&a, &c->addr))
        return 0;
    /* New, or the name now leads elsewhere: follow the streams of the
     * address it has now, from now on. */
    struct rtp_entry *e;
    size_t pos = 0;
    c->addr = a;
    c->have_addr = 1;
    while ((e = rtp_table_next(&g.table, &pos))) {
        const struct rtp_addr *addr[2] = {&e->flow.src, &e->flow.dst};
        for (int side = 0; side < 2; side++) {
            if (e->side[side] == c)
                e->side[side] = NULL;
            if (e->announced && !e->side[side] && rtp_addr_equal(addr[side], &a))
                attach(e, c, side, 1);
        }
    }
    return 0;
}

static int rtp_start(pd_check *check, void *params, char *err, size_t errlen)
{
    struct rtp_check *c = params;
    char why[256];
    if (!g.cap) {
        snprintf(err, errlen, "%s", g.cap_error);
        return -ENODEV;
    }
    c->check = check;
    c->next = g.checks;
    g.checks = c;
    c->drops_mark = rtp_capture_drops(g.cap);
    if (refresh_address(c, check, why, sizeof(why)) == -ENOENT) {
        snprintf(err, errlen, "%s", why);
        g.checks = c->next;
        return -ENOENT;
    }
    return 0;
}

static void rtp_stop(pd_check *check, void *params)
{
    struct rtp_check *c = params, **p;
    struct rtp_entry *e;
    size_t pos = 0;
    (void)check;
    for (p = &g.checks; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    while ((e = rtp_table_next(&g.table, &pos)))
        for (int side = 0; side < 2; side++)
            if (e->side[side] == c)
                e->side[side] = NULL;
}

static void rtp_rebind(pd_check *check, void *params)
{
    ((struct rtp_check *)params)->check = check;
}

static double loss_pct(const struct side_sum *s)
{
    if (s->expected == 0)
        return NAN;
    uint64_t lost = s->expected > s->unique ? s->expected - s->unique : 0;
    return 100.0 * (double)lost / (double)s->expected;
}

static void rtp_run(pd_check *check, void *params)
{
    struct rtp_check *c = params;
    char err[256], reason[256] = "";
    enum pd_verdict verdict = PD_OK;
    if (refresh_address(c, check, err, sizeof(err)) < 0) {
        struct pd_result r = {.ok = PD_NO_VERDICT, .reason = err};
        pd_submit(check, &r);
        return;
    }
    read_frames(); /* what the kernel holds belongs to this round */
    struct rtp_entry *e;
    size_t pos = 0;
    while ((e = rtp_table_next(&g.table, &pos)))
        for (int side = 0; side < 2; side++)
            if (e->side[side] == c)
                fold(c, side, e);

    struct side_sum all = {0};
    struct pd_metric m[2][5];
    struct pd_series series[2];
    for (int side = 0; side < 2; side++) {
        const struct side_sum *s = &c->sum[side];
        double loss = loss_pct(s);
        double jitter = s->streams ? s->jitter_ms : NAN;
        m[side][0] = (struct pd_metric){"loss_pct", loss};
        m[side][1] = (struct pd_metric){"jitter_ms", jitter};
        m[side][2] = (struct pd_metric){"streams", (double)s->streams};
        m[side][3] = (struct pd_metric){"packets", (double)s->packets};
        m[side][4] = (struct pd_metric){
            "lost", s->expected > s->unique ? (double)(s->expected - s->unique) : 0};
        series[side] = (struct pd_series){side_name(side), m[side], 5};
        all.expected += s->expected;
        all.unique += s->unique;
        all.packets += s->packets;
        all.streams += s->streams;
        if (s->jitter_ms > all.jitter_ms)
            all.jitter_ms = s->jitter_ms;
        if (verdict == PD_OK && loss > c->max_loss)
            snprintf(reason, sizeof(reason), "media loss %.2f %% %s (limit %g %%)", loss,
                     side == SIDE_IN ? "to the target" : "from the target", c->max_loss);
        else if (verdict == PD_OK && s->streams && s->jitter_ms > c->max_jitter)
            snprintf(reason, sizeof(reason), "media jitter %.1f ms %s (limit %g ms)", s->jitter_ms,
                     side == SIDE_IN ? "to the target" : "from the target", c->max_jitter);
        if (reason[0])
            verdict = PD_BAD;
    }
    if (all.packets < (uint64_t)c->min_packets) {
        verdict = PD_NO_VERDICT;
        snprintf(reason, sizeof(reason), "no media: %llu RTP packets this round (min_packets %ld)",
                 (unsigned long long)all.packets, c->min_packets);
    }
    uint64_t drops = rtp_capture_drops(g.cap);
    struct pd_metric main[] = {
        {"loss_pct", loss_pct(&all)},
        {"jitter_ms", all.streams ? all.jitter_ms : NAN},
        {"streams", (double)all.streams},
        {"packets", (double)all.packets},
        {"lost", all.expected > all.unique ? (double)(all.expected - all.unique) : 0},
        {"capture_drops", (double)(drops - c->drops_mark)},
    };
    c->drops_mark = drops;
    struct pd_result r = {.ok = verdict,
                          .reason = verdict == PD_OK ? NULL : reason,
                          .metrics = main,
                          .n_metrics = sizeof(main) / sizeof(main[0]),
                          .series = series,
                          .n_series = 2};
    pd_submit(check, &r);
    memset(c->sum, 0, sizeof(c->sum));
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "rtp",
    .description = "passive RTP capture: media loss and jitter per target and direction",
    .options = rtp_options,
    .n_options = sizeof(rtp_options) / sizeof(rtp_options[0]),
    .params_size = sizeof(struct rtp_check),
    .settings = rtp_settings_table,
    .n_settings = sizeof(rtp_settings_table) / sizeof(rtp_settings_table[0]),
    .settings_size = sizeof(struct rtp_settings),
    .validate_settings = rtp_validate_settings,
    .init = rtp_init,
    .shutdown = rtp_shutdown,
    .validate = rtp_validate,
    .start = rtp_start,
    .run = rtp_run,
    .stop = rtp_stop,
    .rebind = rtp_rebind,
};
