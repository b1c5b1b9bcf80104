/*
 * snmp: poll an agent (switch, firewall, codec terminal) with SNMP v1, v2c
 * or v3, from the core loop: every agent's request is asynchronous, its
 * socket watched and its retries timed by the core (snmp_session.c).
 *
 * A round is one GET of the check's scalars, then one walk of its tables:
 *  - `system`: sysUpTime.0 (and hrSystemUptime.0 from v2c on), sysName.0,
 *    sysDescr.0: the agent's uptime, whether it restarted since the last
 *    round (the engine's boots, the uptime going back, not the 497-day
 *    wrap: snmp_counter.c), and what it is (pd_describe);
 *  - the custom `oids`, each a gauge or a rate (no rate from the first
 *    sample or across a restart);
 *  - `interfaces`: ifTable and ifXTable walked with GETBULK (GETNEXT for
 *    v1), each selected interface a series (snmp_ifs.c);
 *  - `host`: HOST-RESOURCES-MIB processor load and storage (snmp_host.c).
 * No answer, an authentication failure, an unknown user or an OID the
 * agent lacks is a bad round with that reason.
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
#include "snmp_host.h"
#include "snmp_ifs.h"
#include "snmp_mib.h"
#include "snmp_oids.h"
#include "snmp_session.h"
#include "snmp_text.h"
#include "snmp_walk.h"

#define MAX_REQUEST (4 + SNMP_OIDS_MAX)
#define MAX_METRICS (3 + SNMP_OIDS_MAX + 5)
/* A walk that has not ended after this many requests is given up: an
 * agent that loops, or a table far larger than any device's. */
#define MAX_WALK_REQUESTS 200
#define MAX_CHANGES       64 /* interface events per round */

static const uint32_t oid_sys_uptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
static const uint32_t oid_host_uptime[] = {1, 3, 6, 1, 2, 1, 25, 1, 1, 0};
static const uint32_t oid_sys_name[] = {1, 3, 6, 1, 2, 1, 1, 5, 0};
static const uint32_t oid_sys_descr[] = {1, 3, 6, 1, 2, 1, 1, 1, 0};

enum { COLL_SYSTEM = 1, COLL_INTERFACES = 2, COLL_HOST = 4 };

struct snmp_settings {
    long max_inflight;
};

enum phase { IDLE, WAITING, DISCOVERING, GETTING, WALKING };

/* Where a GET's answers are: the index of each scalar, -1 if not asked. */
struct get_layout {
    int uptime, host_uptime, name, descr, custom;
};

struct snmp_check {
    /* options */
    char *profile;
    char *collections;
    char *oids;
    char *interfaces;
    long max_repetitions;
    /* state */
    pd_check *check;
    struct snmp_oid custom[SNMP_OIDS_MAX];
    size_t n_custom;
    struct snmp_counter counters[SNMP_OIDS_MAX];
    unsigned collections_set; /* COLL_* */
    struct get_layout get;
    /* the round's figures so far */
    struct pd_metric m[MAX_METRICS];
    size_t n_m;
    enum snmp_restart restart;
    /* tables */
    struct snmp_walk walk;
    int walk_field[SNMP_WALK_COLS]; /* field of each column; host ones + IF_FIELDS */
    struct snmp_ifs ifs;
    struct snmp_host *host;
    struct pd_series *series;
    size_t series_cap;
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
     "custom OIDs: name=OID[:gauge|counter|counter32|counter64|derive], comma-separated; OIDs "
     "numeric or names from the MIBs (IF-MIB::ifHCInOctets.3)"},
    {"interfaces", PD_OPT_STRING, offsetof(struct snmp_check, interfaces), "*",
     "interfaces collection: which interfaces, name patterns (Gi1/0/*), alias:patterns, "
     "!excluded, comma-separated"},
    {"max_repetitions", PD_OPT_INT, offsetof(struct snmp_check, max_repetitions), "25",
     "rows a GETBULK asks for at once in a table walk"},
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

/* "system, interfaces, host" or "none" into COLL_* bits. */
static int parse_collections(const char *text, unsigned *set, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"system", COLL_SYSTEM}, {"interfaces", COLL_INTERFACES}, {"host", COLL_HOST}, {"none", 0}};
    *set = 0;
    for (const char *p = text; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, " ,");
        if (n == 0)
            break;
        size_t k = 0;
        while (k < sizeof(names) / sizeof(names[0]) &&
               (strlen(names[k].name) != n || strncmp(p, names[k].name, n) != 0))
            k++;
        if (k == sizeof(names) / sizeof(names[0])) {
            snprintf(err, errlen,
                     "collections: '%.*s' is not one of: system, interfaces, host, none", (int)n,
                     p);
            return -EINVAL;
        }
        *set |= names[k].bit;
        p += n;
    }
    return 0;
}

static int parse_options(const struct snmp_check *c, unsigned *set, struct snmp_oid *oids,
                         size_t *n, char *err, size_t errlen)
{
    if (parse_collections(c->collections, set, err, errlen) < 0 ||
        snmp_oids_parse_names(c->oids, snmp_mib_resolve, oids, n, err, errlen) < 0 ||
        ((*set & COLL_INTERFACES) && snmp_ifs_patterns_valid(c->interfaces, err, errlen) < 0))
        return -EINVAL;
    if (c->max_repetitions < 1 || c->max_repetitions > 200) {
        snprintf(err, errlen, "max_repetitions must be 1..200");
        return -EINVAL;
    }
    if (*set == 0 && *n == 0) {
        snprintf(err, errlen, "nothing to poll: collections none and no oids");
        return -EINVAL;
    }
    return 0;
}

static int snmp_validate(const void *params, const struct pd_check_limits *limits, char *err,
                         size_t errlen)
{
    (void)limits;
    struct snmp_oid oids[SNMP_OIDS_MAX];
    size_t n;
    unsigned set;
    return parse_options(params, &set, oids, &n, err, errlen);
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
    char first[256] = "";
    /* The MIBs were read at the first symbolic name, if any; what their
     * parser said (modules not installed), once. */
    unsigned problems = snmp_mib_problems(first, sizeof(first));
    if (problems > 0)
        pd_ctx_log(ctx, PD_LOG_INFO, "MIB parser: %u messages while loading, the first: %s",
                   problems, first);
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
    snmp_text_close();
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
    if (parse_options(c, &c->collections_set, c->custom, &c->n_custom, err, errlen) < 0)
        return -EINVAL;
    if ((c->collections_set & COLL_HOST) && !(c->host = calloc(1, sizeof(*c->host)))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
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
                      const struct pd_series *series, size_t n_series)
{
    pd_timer_cancel(c->timer);
    c->timer = NULL;
    if (c->phase == DISCOVERING || c->phase == GETTING || c->phase == WALKING)
        inflight--;
    c->phase = IDLE;
    struct pd_result r = {.ok = ok, .reason = reason};
    if (ok == PD_OK) {
        r.metrics = c->m;
        r.n_metrics = c->n_m;
        r.series = series;
        r.n_series = n_series;
    }
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

static void send_request(struct snmp_check *c, enum snmp_op op, const uint32_t *const *oids,
                         const size_t *lens, size_t n)
{
    char err[256];
    if (snmp_sess_request(c->sess, op, oids, lens, n, c->max_repetitions, err, sizeof(err)) < 0) {
        round_end(c, PD_NO_VERDICT, err, NULL, 0);
        return;
    }
    rearm(c);
}

static void add_oid(const uint32_t **oids, size_t *lens, size_t *n, const uint32_t *oid, size_t len)
{
    oids[*n] = oid;
    lens[(*n)++] = len;
}

#define ADD_FIXED(oids, lens, n, a) add_oid(oids, lens, n, a, sizeof(a) / sizeof(a[0]))

static void send_get(struct snmp_check *c)
{
    const uint32_t *oids[MAX_REQUEST];
    size_t lens[MAX_REQUEST], n = 0;
    c->get = (struct get_layout){-1, -1, -1, -1, -1};
    if (c->collections_set & COLL_SYSTEM) {
        c->get.uptime = (int)n;
        ADD_FIXED(oids, lens, &n, oid_sys_uptime);
        if (c->host_uptime_asked) {
            c->get.host_uptime = (int)n;
            ADD_FIXED(oids, lens, &n, oid_host_uptime);
        }
        c->get.name = (int)n;
        ADD_FIXED(oids, lens, &n, oid_sys_name);
        c->get.descr = (int)n;
        ADD_FIXED(oids, lens, &n, oid_sys_descr);
    }
    c->get.custom = (int)n;
    for (size_t i = 0; i < c->n_custom; i++)
        add_oid(oids, lens, &n, c->custom[i].sub, c->custom[i].len);
    c->phase = GETTING;
    send_request(c, SNMP_OP_GET, oids, lens, n);
}

static const char *oid_text(const struct snmp_oid *o, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < o->len && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "." : "", o->sub[i]);
    return buf;
}

static const struct snmp_value *get_value(const struct snmp_value *v, size_t n, int at)
{
    return at >= 0 && (size_t)at < n ? &v[at] : NULL;
}

/* uptime_s, rebooted; the reboot event; what the agent is. 0, or -1
 * when the answer lacks sysUpTime.0 (the round has ended). */
static int system_answered(struct snmp_check *c, const struct snmp_value *v, size_t n_v, pd_ns now)
{
    const struct snmp_value *x = get_value(v, n_v, c->get.uptime);
    if (!x || x->type != SNMP_V_UINT) {
        round_end(c, PD_BAD, "no sysUpTime.0 in the answer (no such object)", NULL, 0);
        return -1;
    }
    struct snmp_uptime up = {.at = now, .wall = pd_wall(c->check), .ticks = (uint32_t)x->u};
    if ((x = get_value(v, n_v, c->get.host_uptime)) && x->type == SNMP_V_UINT) {
        up.has_host = true;
        up.host_ticks = (uint32_t)x->u;
    }
    up.has_boots = snmp_sess_engine_boots(c->sess, &up.boots);
    pd_ns boot;
    c->restart = snmp_uptime_compare(c->has_last_up ? &c->last_up : NULL, &up, &boot);
    if (c->restart == SNMP_REBOOT) {
        char at[40];
        time_t t = (time_t)(boot / PD_SEC);
        struct tm tm;
        strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        pd_event(c->check, boot, "reboot",
                 "the agent restarted at %s (sysUpTime %.0f s, was %.0f s)", at, up.ticks / 100.0,
                 c->last_up.ticks / 100.0);
    }
    c->last_up = up;
    c->has_last_up = true;
    c->m[c->n_m++] = (struct pd_metric){"uptime_s", up.ticks / 100.0};
    c->m[c->n_m++] = (struct pd_metric){"rebooted", c->restart == SNMP_REBOOT ? 1.0 : 0.0};

    char name[256] = "", descr[256] = "";
    const struct snmp_value *vn = get_value(v, n_v, c->get.name);
    const struct snmp_value *vd = get_value(v, n_v, c->get.descr);
    if (vn && vn->type == SNMP_V_STRING)
        snmp_text_utf8(vn->s, vn->s_len, name, sizeof(name));
    if (vd && vd->type == SNMP_V_STRING)
        snmp_text_utf8(vd->s, vd->s_len, descr, sizeof(descr));
    pd_describe(c->check, NULL, name, descr);
    return 0;
}

static void start_walk(struct snmp_check *c);
static void finish(struct snmp_check *c);

/* The answer to the GET: uptime, restarts, custom values. */
static void get_answered(struct snmp_check *c)
{
    size_t n_v;
    const struct snmp_value *v = snmp_sess_values(c->sess, &n_v);
    pd_ns now = pd_now(c->check);
    char reason[256];

    if ((c->collections_set & COLL_SYSTEM) && system_answered(c, v, n_v, now) < 0)
        return;
    for (size_t i = 0; i < c->n_custom; i++) {
        const struct snmp_value *x = get_value(v, n_v, c->get.custom + (int)i);
        if (!x || x->type == SNMP_V_MISSING) {
            char oid[SNMP_OID_MAX * 11];
            snprintf(reason, sizeof(reason), "no such object: %s (%s)",
                     oid_text(&c->custom[i], oid, sizeof(oid)), c->custom[i].name);
            round_end(c, PD_BAD, reason, NULL, 0);
            return;
        }
        double value = NAN;
        if (x->type == SNMP_V_UINT)
            value = snmp_counter_update(&c->counters[i], c->custom[i].kind, x->u, now, c->restart);
        else if (x->type == SNMP_V_INT)
            value = c->custom[i].kind == SNMP_GAUGE
                        ? (double)x->i
                        : snmp_counter_update(&c->counters[i], c->custom[i].kind, (uint64_t)x->i,
                                              now, c->restart);
        c->m[c->n_m++] = (struct pd_metric){c->custom[i].name, value};
    }
    if (c->collections_set & (COLL_INTERFACES | COLL_HOST))
        start_walk(c);
    else
        finish(c);
}

static void walk_next(struct snmp_check *c)
{
    const uint32_t *oids[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS];
    size_t n = snmp_walk_next(&c->walk, oids, lens);
    if (n == 0) {
        finish(c);
        return;
    }
    if (c->walk.requests > MAX_WALK_REQUESTS) {
        char reason[128];
        snprintf(reason, sizeof(reason), "the table walk did not end after %d requests",
                 MAX_WALK_REQUESTS);
        round_end(c, PD_BAD, reason, NULL, 0);
        return;
    }
    send_request(c, SNMP_OP_GETBULK, oids, lens, n);
}

static void start_walk(struct snmp_check *c)
{
    const uint32_t *bases[SNMP_WALK_COLS];
    size_t lens[SNMP_WALK_COLS], n = 0;
    bool v1 = !c->host_uptime_asked;
    if (c->collections_set & COLL_INTERFACES) {
        n = snmp_ifs_columns(v1, c->ifs.want32, bases, lens, c->walk_field);
        snmp_ifs_begin(&c->ifs);
    }
    if (c->host) {
        size_t k = snmp_host_columns(bases + n, lens + n, c->walk_field + n);
        for (size_t i = n; i < n + k; i++)
            c->walk_field[i] += IF_FIELDS; /* host fields after the interface ones */
        n += k;
        snmp_host_begin(c->host);
    }
    snmp_walk_start(&c->walk, bases, lens, n);
    c->phase = WALKING;
    walk_next(c);
}

static void on_walked(void *arg, size_t col, const uint32_t *index, size_t index_len,
                      const struct snmp_value *value)
{
    struct snmp_check *c = arg;
    int field = c->walk_field[col];
    if (field < IF_FIELDS)
        snmp_ifs_put(&c->ifs, field, index, index_len, value);
    else
        snmp_host_put(c->host, field - IF_FIELDS, index, index_len, value);
}

static void walk_answered(struct snmp_check *c)
{
    size_t k = snmp_sess_v1_end(c->sess);
    if (k > 0) {
        snmp_walk_v1_end(&c->walk, k);
    } else {
        size_t n_v;
        const struct snmp_value *v = snmp_sess_values(c->sess, &n_v);
        if (snmp_walk_feed(&c->walk, v, n_v, on_walked, c) < 0)
            pd_log(c->check, PD_LOG_WARNING,
                   "the agent answered a table walk out of order: that column ends there");
    }
    walk_next(c);
}

static const char *oper_name(int oper)
{
    static const char *const names[] = {"?",       "up",      "down",       "testing",
                                        "unknown", "dormant", "notPresent", "lowerLayerDown"};
    return oper >= 1 && oper <= 7 ? names[oper] : "?";
}

static bool grow_series(struct snmp_check *c, size_t n)
{
    if (n <= c->series_cap)
        return true;
    void *p = realloc(c->series, n * sizeof(*c->series));
    if (!p)
        return false;
    c->series = p;
    c->series_cap = n;
    return true;
}

/* "GigabitEthernet1/0/1 (至市局上联)", or the name alone. */
static const char *if_title(const struct snmp_if *ifc, char *buf, size_t len)
{
    snprintf(buf, len, ifc->alias[0] ? "%s (%s)" : "%s", ifc->name, ifc->alias);
    return buf;
}

/* The selected interfaces into series and the check's if_up/if_down;
 * their oper changes into events. */
static size_t interfaces_done(struct snmp_check *c, const struct snmp_if_change *changes,
                              size_t n_changes, size_t n_series)
{
    char title[256];
    size_t up = 0, down = 0;
    for (size_t i = 0; i < c->ifs.n; i++) {
        struct snmp_if *ifc = &c->ifs.v[i];
        if (!ifc->selected)
            continue;
        c->series[n_series++] = (struct pd_series){ifc->id, ifc->m, ifc->n_m};
        pd_describe(c->check, ifc->id, ifc->name, ifc->alias);
        bool admin_up = (ifc->have >> IF_ADMIN & 1u) && ifc->raw[IF_ADMIN] == 1;
        up += admin_up && ifc->last_oper == 1;
        down += admin_up && ifc->last_oper != 0 && ifc->last_oper != 1;
    }
    for (size_t i = 0; i < n_changes; i++) {
        const struct snmp_if_change *x = &changes[i];
        if_title(x->ifc, title, sizeof(title));
        if (!x->up)
            pd_series_event(c->check, x->ifc->id, 0, "interface_down",
                            "%s went down (oper status %s)", title, oper_name(x->oper));
        else if (x->after)
            pd_series_event(c->check, x->ifc->id, 0, "interface_up", "%s is up again after %.0f s",
                            title, (double)x->after / PD_SEC);
        else
            pd_series_event(c->check, x->ifc->id, 0, "interface_up", "%s is up again", title);
    }
    c->m[c->n_m++] = (struct pd_metric){"if_up", (double)up};
    c->m[c->n_m++] = (struct pd_metric){"if_down", (double)down};
    if (c->ifs.dropped)
        pd_log(c->check, PD_LOG_WARNING, "more than %d interfaces: the rest are not watched",
               SNMP_IFS_MAX);
    return n_series;
}

/* The tables are walked: interfaces and disks into series, changes into
 * events; then the round's result. */
static void finish(struct snmp_check *c)
{
    struct snmp_if_change changes[MAX_CHANGES];
    size_t n_changes = 0, n_series = 0, wanted = 0;
    if (c->collections_set & COLL_INTERFACES) {
        n_changes = snmp_ifs_end(&c->ifs, c->interfaces, pd_now(c->check), c->restart, changes,
                                 MAX_CHANGES);
        for (size_t i = 0; i < c->ifs.n; i++)
            wanted += c->ifs.v[i].selected;
    }
    if (c->host) {
        c->n_m += snmp_host_end(c->host, c->m + c->n_m);
        wanted += c->host->n_disks;
    }
    if (!grow_series(c, wanted)) {
        round_end(c, PD_NO_VERDICT, "out of memory", NULL, 0);
        return;
    }
    if (c->collections_set & COLL_INTERFACES)
        n_series = interfaces_done(c, changes, n_changes, n_series);
    for (size_t i = 0; c->host && i < c->host->n_disks; i++) {
        struct snmp_storage *st = &c->host->st[i];
        c->series[n_series++] = (struct pd_series){st->id, st->m, 3};
        pd_describe(c->check, st->id, st->descr, "");
    }
    round_end(c, PD_OK, NULL, c->series, n_series);
}

/* A request of the round was answered: the next step. */
static void answered(struct snmp_check *c)
{
    if (c->n_m == 0) /* the first answer of the round */
        c->m[c->n_m++] = (struct pd_metric){"rtt_ms", (double)(pd_now(c->check) - c->sent) / 1e6};
    if (c->phase == GETTING)
        get_answered(c);
    else
        walk_answered(c);
}

/* Scalars first, then tables. */
static void start_requests(struct snmp_check *c)
{
    c->n_m = 0;
    c->restart = SNMP_SAME;
    c->sent = pd_now(c->check);
    if ((c->collections_set & COLL_SYSTEM) || c->n_custom > 0)
        send_get(c);
    else
        start_walk(c);
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
        start_requests(c);
        return;
    }
    if (o == SNMP_ANSWERED) {
        answered(c);
        return;
    }
    char reason[320];
    if (o == SNMP_TIMED_OUT)
        snprintf(reason, sizeof(reason), "no answer%s (timeout %.1f s)",
                 c->phase == DISCOVERING ? " to the v3 engine discovery"
                 : c->phase == WALKING   ? " during the table walk"
                                         : "",
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
    if (c->phase == DISCOVERING || c->phase == GETTING || c->phase == WALKING)
        step(c);
}

static void on_deadline(pd_check *check, void *arg)
{
    (void)check;
    struct snmp_check *c = arg;
    c->timer = NULL;
    snmp_sess_on_deadline(c->sess);
    if (c->phase == DISCOVERING || c->phase == GETTING || c->phase == WALKING)
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
    start_requests(c);
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
    if (c->phase == DISCOVERING || c->phase == GETTING || c->phase == WALKING)
        inflight--;
    c->phase = IDLE;
    /* The core cancels our watch and timer after this. */
    c->watch = NULL;
    c->timer = NULL;
    snmp_sess_stop(c->sess);
    c->sess = NULL;
    snmp_ifs_free(&c->ifs);
    free(c->host);
    c->host = NULL;
    free(c->series);
    c->series = NULL;
    c->series_cap = 0;
    start_next_waiting();
}

static void snmp_rebind(pd_check *check, void *params)
{
    ((struct snmp_check *)params)->check = check;
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "snmp",
    .description = "SNMP v1/v2c/v3: uptime and restarts, interfaces (traffic, errors, status), "
                   "host CPU and storage, custom OIDs as gauges or rates",
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
