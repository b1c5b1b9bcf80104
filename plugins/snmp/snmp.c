/*
 * snmp: poll an agent (switch, firewall, codec terminal) with SNMP v1, v2c
 * or v3, from the core loop: every agent's request is asynchronous, its
 * socket watched and its retries timed by the core (snmp_session.c).
 *
 * A round is one GET of the check's OIDs: sysUpTime.0 (and hrSystemUptime.0
 * from v2c on) for the `system` collection, plus the custom `oids`. The
 * answer gives the agent's uptime, whether it restarted since the last
 * round (the engine's boots, the uptime going back, not the 497-day wrap:
 * snmp_counter.c), and each custom OID as a gauge or a rate (no rate from
 * the first sample or across a restart). No answer, an authentication
 * failure, an unknown user or an OID the agent lacks is a bad round with
 * that reason.
 *
 * Credentials are profiles (plugins.snmp.profiles), secrets possibly in the
 * secrets file. At most max_inflight checks wait for an answer at once;
 * more rounds queue in order.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "plugin.h"
#include "snmp_counter.h"
#include "snmp_oids.h"
#include "snmp_session.h"

#define SYS_UPTIME  0 /* index in the request */
#define HOST_UPTIME 1
#define MAX_REQUEST (2 + SNMP_OIDS_MAX)
#define MAX_METRICS (3 + SNMP_OIDS_MAX)

static const uint32_t oid_sys_uptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
static const uint32_t oid_host_uptime[] = {1, 3, 6, 1, 2, 1, 25, 1, 1, 0};

struct snmp_settings {
    long max_inflight;
};

enum phase { IDLE, WAITING, DISCOVERING, GETTING };

struct snmp_check {
    /* options */
    char *profile;
    char *collections;
    char *oids;
    /* state */
    pd_check *check;
    struct snmp_oid custom[SNMP_OIDS_MAX];
    size_t n_custom;
    struct snmp_counter counters[SNMP_OIDS_MAX];
    bool system;
    struct snmp_sess *sess;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    pd_watch *watch;
    pd_timer *timer;
    enum phase phase;
    bool host_uptime_asked; /* v1 fails a whole GET on one missing OID: not asked there */
    pd_ns sent;
    struct snmp_uptime last_up;
    bool has_last_up;
    struct snmp_check *next_waiting;
};

static const struct pd_option snmp_options[] = {
    {"profile", PD_OPT_PROFILE, offsetof(struct snmp_check, profile), "default",
     "credentials: a profile of plugins.snmp.profiles"},
    {"collections", PD_OPT_STRING, offsetof(struct snmp_check, collections), "system",
     "what to poll: system (uptime, restarts), or none (only the oids)"},
    {"oids", PD_OPT_STRING, offsetof(struct snmp_check, oids), "",
     "custom OIDs: name=OID[:gauge|counter|counter32|counter64|derive], comma-separated"},
};

static const struct pd_option snmp_settings_table[] = {
    {"max_inflight", PD_OPT_INT, offsetof(struct snmp_settings, max_inflight), "1000",
     "agents waited on at once; more rounds queue"},
};

static const struct pd_option snmp_profile_table[] = {
    {"version", PD_OPT_STRING, offsetof(struct snmp_profile, version), "2c", "1, 2c or 3"},
    {"community", PD_OPT_SECRET, offsetof(struct snmp_profile, community), "", "v1/v2c"},
    {"user", PD_OPT_STRING, offsetof(struct snmp_profile, user), "", "v3 user"},
    {"level", PD_OPT_STRING, offsetof(struct snmp_profile, level), "authPriv",
     "v3: noAuthNoPriv, authNoPriv, authPriv"},
    {"auth_protocol", PD_OPT_STRING, offsetof(struct snmp_profile, auth_protocol), "SHA-256",
     "v3: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512"},
    {"auth_password", PD_OPT_SECRET, offsetof(struct snmp_profile, auth_password), "", "v3"},
    {"priv_protocol", PD_OPT_STRING, offsetof(struct snmp_profile, priv_protocol), "AES",
     "v3: DES, AES, AES-192, AES-256"},
    {"priv_password", PD_OPT_SECRET, offsetof(struct snmp_profile, priv_password), "", "v3"},
    {"port", PD_OPT_PORT, offsetof(struct snmp_profile, port), "161", "UDP port of the agent"},
    {"retries", PD_OPT_INT, offsetof(struct snmp_profile, retries), "1",
     "tries after the first; the check's timeout is shared among them"},
};

/* Plugin-wide: the context (for settings) and the queue of rounds. */
static pd_plugin_ctx *plugin_ctx;
static long inflight;
static unsigned long long queued;
static struct snmp_check *wait_head, *wait_tail;

static int parse_collections(const char *text, bool *system, char *err, size_t errlen)
{
    if (strcmp(text, "system") == 0 || strcmp(text, "") == 0) {
        *system = text[0] != '\0';
        return 0;
    }
    if (strcmp(text, "none") == 0) {
        *system = false;
        return 0;
    }
    snprintf(err, errlen, "collections: '%s' is not one of: system, none", text);
    return -EINVAL;
}

static int snmp_validate(const void *params, const struct pd_check_limits *limits, char *err,
                         size_t errlen)
{
    (void)limits;
    const struct snmp_check *c = params;
    struct snmp_oid oids[SNMP_OIDS_MAX];
    size_t n;
    bool system;
    if (parse_collections(c->collections, &system, err, errlen) < 0 ||
        snmp_oids_parse(c->oids, oids, &n, err, errlen) < 0)
        return -EINVAL;
    if (!system && n == 0) {
        snprintf(err, errlen, "nothing to poll: collections none and no oids");
        return -EINVAL;
    }
    return 0;
}

static int snmp_validate_profile(const void *profile, char *err, size_t errlen)
{
    return snmp_profile_validate(profile, err, errlen);
}

static int snmp_validate_settings(const void *settings, char *err, size_t errlen)
{
    const struct snmp_settings *s = settings;
    if (s->max_inflight < 1 || s->max_inflight > 100000) {
        snprintf(err, errlen, "max_inflight must be 1..100000");
        return -EINVAL;
    }
    return 0;
}

static int snmp_init(pd_plugin_ctx *ctx, char *err, size_t errlen)
{
    plugin_ctx = ctx;
    return snmp_library_init(ctx, err, errlen);
}

static void snmp_shutdown_plugin(pd_plugin_ctx *ctx)
{
    struct snmp_stats st;
    snmp_session_stats(&st);
    pd_ctx_log(ctx, PD_LOG_INFO,
               "%llu requests, %llu answers, %llu timeouts, %llu security errors, %llu port "
               "unreachable, %llu datagrams dropped (malformed or unexpected), %llu rounds queued",
               st.requests, st.answers, st.timeouts, st.security, st.refused, st.dropped, queued);
    snmp_library_shutdown();
    plugin_ctx = NULL;
}

static long max_inflight(void)
{
    const struct snmp_settings *s = plugin_ctx ? pd_plugin_settings(plugin_ctx) : NULL;
    return s ? s->max_inflight : 1000;
}

static int snmp_start(pd_check *check, void *params, char *err, size_t errlen)
{
    struct snmp_check *c = params;
    c->check = check;
    if (parse_collections(c->collections, &c->system, err, errlen) < 0 ||
        snmp_oids_parse(c->oids, c->custom, &c->n_custom, err, errlen) < 0)
        return -EINVAL;
    return 0;
}

static void close_session(struct snmp_check *c)
{
    pd_watch_cancel(c->watch);
    c->watch = NULL;
    snmp_sess_stop(c->sess);
    c->sess = NULL;
}

static void start_next_waiting(void);

/* Hand over the round's result and let a waiting round go. */
static void round_end(struct snmp_check *c, enum pd_verdict ok, const char *reason,
                      const struct pd_metric *metrics, size_t n_metrics)
{
    pd_timer_cancel(c->timer);
    c->timer = NULL;
    if (c->phase == DISCOVERING || c->phase == GETTING)
        inflight--;
    c->phase = IDLE;
    struct pd_result r = {.ok = ok, .reason = reason, .metrics = metrics, .n_metrics = n_metrics};
    pd_submit(c->check, &r);
    start_next_waiting();
}

static void on_deadline(pd_check *check, void *arg);

/* After each send, read and timeout: the library's next deadline. */
static void rearm(struct snmp_check *c)
{
    pd_ns delay;
    if (snmp_sess_next_deadline(c->sess, &delay) < 0) {
        pd_timer_cancel(c->timer);
        c->timer = NULL;
        return;
    }
    if (c->timer)
        pd_timer_again(c->timer, delay);
    else
        c->timer = pd_timer_after(c->check, delay, on_deadline, c);
}

static void send_get(struct snmp_check *c)
{
    const uint32_t *oids[MAX_REQUEST];
    size_t lens[MAX_REQUEST], n = 0;
    char err[256];
    if (c->system) {
        oids[n] = oid_sys_uptime;
        lens[n++] = sizeof(oid_sys_uptime) / sizeof(oid_sys_uptime[0]);
        if (c->host_uptime_asked) {
            oids[n] = oid_host_uptime;
            lens[n++] = sizeof(oid_host_uptime) / sizeof(oid_host_uptime[0]);
        }
    }
    for (size_t i = 0; i < c->n_custom; i++) {
        oids[n] = c->custom[i].sub;
        lens[n++] = c->custom[i].len;
    }
    c->phase = GETTING;
    c->sent = pd_now(c->check);
    if (snmp_sess_get(c->sess, oids, lens, n, err, sizeof(err)) < 0) {
        round_end(c, PD_NO_VERDICT, err, NULL, 0);
        return;
    }
    rearm(c);
}

static const char *oid_text(const struct snmp_oid *o, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < o->len && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "." : "", o->sub[i]);
    return buf;
}

/* The answer to the GET: metrics, restarts, rates. */
static void answered(struct snmp_check *c)
{
    struct pd_metric m[MAX_METRICS];
    size_t n_m = 0, n_v;
    const struct snmp_value *v = snmp_sess_values(c->sess, &n_v);
    pd_ns now = pd_now(c->check);
    enum snmp_restart restart = SNMP_SAME;
    size_t base = 0;
    char reason[256];

    m[n_m++] = (struct pd_metric){"rtt_ms", (double)(now - c->sent) / 1e6};
    if (c->system) {
        if (n_v < 1 || v[SYS_UPTIME].type != SNMP_V_UINT) {
            round_end(c, PD_BAD, "no sysUpTime.0 in the answer (no such object)", NULL, 0);
            return;
        }
        struct snmp_uptime up = {
            .at = now, .wall = pd_wall(c->check), .ticks = (uint32_t)v[SYS_UPTIME].u};
        base = 1;
        if (c->host_uptime_asked) {
            base = 2;
            if (n_v >= 2 && v[HOST_UPTIME].type == SNMP_V_UINT) {
                up.has_host = true;
                up.host_ticks = (uint32_t)v[HOST_UPTIME].u;
            }
        }
        up.has_boots = snmp_sess_engine_boots(c->sess, &up.boots);
        pd_ns boot;
        restart = snmp_uptime_compare(c->has_last_up ? &c->last_up : NULL, &up, &boot);
        if (restart == SNMP_REBOOT) {
            char at[40];
            time_t t = (time_t)(boot / PD_SEC);
            struct tm tm;
            strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
            pd_event(c->check, boot, "reboot",
                     "the agent restarted at %s (sysUpTime %.0f s, was %.0f s)", at,
                     up.ticks / 100.0, c->last_up.ticks / 100.0);
        }
        c->last_up = up;
        c->has_last_up = true;
        m[n_m++] = (struct pd_metric){"uptime_s", up.ticks / 100.0};
        m[n_m++] = (struct pd_metric){"rebooted", restart == SNMP_REBOOT ? 1.0 : 0.0};
    }
    for (size_t i = 0; i < c->n_custom; i++) {
        const struct snmp_value *x = base + i < n_v ? &v[base + i] : NULL;
        if (!x || x->type == SNMP_V_MISSING) {
            char oid[SNMP_OID_MAX * 11];
            snprintf(reason, sizeof(reason), "no such object: %s (%s)",
                     oid_text(&c->custom[i], oid, sizeof(oid)), c->custom[i].name);
            round_end(c, PD_BAD, reason, NULL, 0);
            return;
        }
        double value = NAN;
        if (x->type == SNMP_V_UINT)
            value = snmp_counter_update(&c->counters[i], c->custom[i].kind, x->u, now, restart);
        else if (x->type == SNMP_V_INT)
            value = c->custom[i].kind == SNMP_GAUGE
                        ? (double)x->i
                        : snmp_counter_update(&c->counters[i], c->custom[i].kind, (uint64_t)x->i,
                                              now, restart);
        m[n_m++] = (struct pd_metric){c->custom[i].name, value};
    }
    round_end(c, PD_OK, NULL, m, n_m);
}

/* The library has done its part; see where the round stands. */
static void step(struct snmp_check *c)
{
    const char *why;
    char err[256];
    enum snmp_outcome o = snmp_sess_outcome(c->sess, &why);
    if (o == SNMP_PENDING) {
        rearm(c);
        return;
    }
    if (o == SNMP_ANSWERED && c->phase == DISCOVERING) {
        if (snmp_sess_discovered(c->sess, err, sizeof(err)) < 0) {
            close_session(c);
            round_end(c, PD_BAD, err, NULL, 0);
            return;
        }
        send_get(c);
        return;
    }
    if (o == SNMP_ANSWERED) {
        answered(c);
        return;
    }
    char reason[320];
    if (o == SNMP_TIMED_OUT)
        snprintf(reason, sizeof(reason), "no answer%s (timeout %.1f s)",
                 c->phase == DISCOVERING ? " to the v3 engine discovery" : "",
                 (double)pd_check_timeout(c->check) / 1e9);
    else
        snprintf(reason, sizeof(reason), "%s", why);
    /* A v3 agent may have new keys or a new engine: discover again. A
     * socket that got an ICMP error is best replaced too. */
    if (o != SNMP_FAILED || snmp_sess_needs_discovery(c->sess))
        close_session(c);
    round_end(c, PD_BAD, reason, NULL, 0);
}

static void on_readable(pd_check *check, int fd, unsigned revents, void *arg)
{
    (void)check;
    (void)fd;
    (void)revents;
    struct snmp_check *c = arg;
    snmp_sess_on_readable(c->sess);
    if (c->phase == DISCOVERING || c->phase == GETTING)
        step(c);
}

static void on_deadline(pd_check *check, void *arg)
{
    (void)check;
    struct snmp_check *c = arg;
    c->timer = NULL;
    snmp_sess_on_deadline(c->sess);
    if (c->phase == DISCOVERING || c->phase == GETTING)
        step(c);
}

static int open_session(struct snmp_check *c, const struct snmp_profile *p, char *err,
                        size_t errlen)
{
    struct sockaddr_storage sa;
    socklen_t len;
    int rc = pd_check_sockaddr(c->check, AF_UNSPEC, &sa, &len, err, errlen);
    if (rc < 0)
        return rc;
    if (c->sess && (len != c->peer_len || memcmp(&sa, &c->peer, len) != 0))
        close_session(c); /* the host name moved */
    if (c->sess)
        return 0;
    /* The check's timeout is the whole round's: shared among the tries. */
    pd_ns try_timeout = pd_check_timeout(c->check) / (p->retries + 1);
    if ((rc = snmp_sess_start((struct sockaddr *)&sa, len, p, try_timeout, &c->sess, err, errlen)) <
        0)
        return rc;
    c->peer = sa;
    c->peer_len = len;
    c->host_uptime_asked = strcmp(p->version, "1") != 0;
    c->watch = pd_watch_fd(c->check, snmp_sess_fd(c->sess), PD_READ, on_readable, c);
    return 0;
}

static void begin(struct snmp_check *c)
{
    char err[320];
    const struct snmp_profile *p = pd_check_profile(c->check, c->profile);
    if (!p) {
        snprintf(err, sizeof(err), "no profile '%s'", c->profile);
        round_end(c, PD_NO_VERDICT, err, NULL, 0);
        return;
    }
    int rc = open_session(c, p, err, sizeof(err));
    if (rc < 0) {
        /* Our side could not ask: says nothing about the agent. */
        c->phase = IDLE;
        round_end(c, PD_NO_VERDICT, err, NULL, 0);
        return;
    }
    inflight++;
    if (snmp_sess_needs_discovery(c->sess)) {
        c->phase = DISCOVERING;
        if (snmp_sess_discover(c->sess, err, sizeof(err)) < 0) {
            round_end(c, PD_NO_VERDICT, err, NULL, 0);
            return;
        }
        rearm(c);
        return;
    }
    send_get(c);
}

static void start_next_waiting(void)
{
    while (wait_head && inflight < max_inflight()) {
        struct snmp_check *c = wait_head;
        wait_head = c->next_waiting;
        if (!wait_head)
            wait_tail = NULL;
        c->next_waiting = NULL;
        begin(c);
    }
}

static void snmp_run(pd_check *check, void *params)
{
    struct snmp_check *c = params;
    c->check = check;
    if (inflight >= max_inflight()) {
        c->phase = WAITING;
        queued++;
        if (wait_tail)
            wait_tail->next_waiting = c;
        else
            wait_head = c;
        wait_tail = c;
        return;
    }
    begin(c);
}

static void unqueue(struct snmp_check *c)
{
    struct snmp_check **pp = &wait_head, *prev = NULL;
    for (; *pp; prev = *pp, pp = &(*pp)->next_waiting) {
        if (*pp != c)
            continue;
        *pp = c->next_waiting;
        if (wait_tail == c)
            wait_tail = prev;
        c->next_waiting = NULL;
        return;
    }
}

static void snmp_stop(pd_check *check, void *params)
{
    (void)check;
    struct snmp_check *c = params;
    if (c->phase == WAITING)
        unqueue(c);
    if (c->phase == DISCOVERING || c->phase == GETTING)
        inflight--;
    c->phase = IDLE;
    /* The core cancels our watch and timer after this. */
    c->watch = NULL;
    c->timer = NULL;
    snmp_sess_stop(c->sess);
    c->sess = NULL;
    start_next_waiting();
}

static void snmp_rebind(pd_check *check, void *params)
{
    ((struct snmp_check *)params)->check = check;
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "snmp",
    .description = "SNMP v1/v2c/v3 GET: uptime, restarts, custom OIDs as gauges or rates",
    .options = snmp_options,
    .n_options = sizeof(snmp_options) / sizeof(snmp_options[0]),
    .params_size = sizeof(struct snmp_check),
    .settings = snmp_settings_table,
    .n_settings = sizeof(snmp_settings_table) / sizeof(snmp_settings_table[0]),
    .settings_size = sizeof(struct snmp_settings),
    .validate_settings = snmp_validate_settings,
    .init = snmp_init,
    .shutdown = snmp_shutdown_plugin,
    .validate = snmp_validate,
    .start = snmp_start,
    .run = snmp_run,
    .stop = snmp_stop,
    .rebind = snmp_rebind,
    .profile_options = snmp_profile_table,
    .n_profile_options = sizeof(snmp_profile_table) / sizeof(snmp_profile_table[0]),
    .profile_size = sizeof(struct snmp_profile),
    .validate_profile = snmp_validate_profile,
};
