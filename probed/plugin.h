/*
 * probed plugin ABI: the only header a plugin includes.
 *
 * A plugin is a shared object exporting one `const struct pd_plugin
 * pd_plugin_entry`. It parses nothing itself: it declares its check options
 * as a table and the core parses, validates and reports file:line:col errors.
 * It never sees the event loop: it asks the core for fd watches and one-shot
 * timers, and hands each round's verdict to pd_submit().
 *
 * Threading: every function here runs on the core's loop thread and may be
 * called from inside watch and timer callbacks.
 *
 * The special problem of reloads: a reload may hand a running plugin
 * instance (its params struct, watches and timers) to a new pd_check. Do
 * not keep a pd_check pointer in your own state; use the one each callback
 * receives. A plugin that must reach a check from plugin-wide code (a
 * shared socket's watch) keeps the pointer in params and implements
 * rebind(), which the core calls with the new check after a hand-over.
 *
 * Plugin-wide resources (one raw socket for all checks) belong to the
 * plugin: opened in init() with the pd_plugin_ctx services, which need no
 * check, and closed in shutdown().
 */
#ifndef PROBED_PLUGIN_H
#define PROBED_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PD_PLUGIN_ABI 6

typedef int64_t pd_ns; /* nanoseconds: the one time type */

#define PD_MSEC ((pd_ns)1000000)
#define PD_SEC  ((pd_ns)1000000000)

typedef struct pd_check pd_check;           /* one configured check, opaque */
typedef struct pd_watch pd_watch;           /* fd watch, owned by the core */
typedef struct pd_timer pd_timer;           /* one-shot timer, owned by the core */
typedef struct pd_plugin_ctx pd_plugin_ctx; /* plugin-wide context, opaque */
typedef struct pd_counter pd_counter;       /* a plugin's own counter, owned by the core */

enum pd_opt_type {
    PD_OPT_STRING,   /* char *, owned by the core, freed after stop() */
    PD_OPT_INT,      /* long */
    PD_OPT_DOUBLE,   /* double */
    PD_OPT_BOOL,     /* int, 0 or 1 */
    PD_OPT_DURATION, /* pd_ns, written "500ms", "10s", "5m", "1h30m" */
    PD_OPT_PORT,     /* long, 1..65535 */
    PD_OPT_SECRET,   /* char *, as STRING, but never shown: not in errors, logs or
                      * status; may come from the secrets file (see profiles) */
    PD_OPT_PROFILE,  /* char *, the name of one of the plugin's profiles; the core
                      * refuses a name the configuration does not define */
    PD_OPT_LIST,     /* char **, NULL-terminated, owned by the core: a YAML list of
                      * one-line strings, or one string (one item); the default
                      * is written with '\n' between items, "" for none */
};

/* One check option. The core parses it into params + offset. */
struct pd_option {
    const char *key;
    enum pd_opt_type type;
    size_t offset;
    const char *def;  /* default as written in YAML; NULL: required */
    const char *help; /* one line for docs and errors */
};

struct pd_metric {
    const char *name; /* [a-z0-9_], at most 19 chars (an RRD data source) */
    double value;     /* NAN = unknown this round */
};

enum pd_verdict {
    PD_BAD = 0,         /* the target failed this round */
    PD_OK = 1,          /* the target answered as expected */
    PD_NO_VERDICT = -1, /* the probe could not run (local error): says nothing
                         * about the target, counts as not observed */
};

/* One part of what a check watches that has series of its own: a switch's
 * interface, a server's file system. Each gets its own RRD file,
 * <check>/<id>.rrd beside the check's, and its description for people
 * from pd_describe(). */
struct pd_series {
    const char *id; /* [a-z0-9._-]{1,64}, not "." or "..": stable across rounds
                     * and restarts (the file name), derived from what people
                     * call the part, not from an index the device may renumber */
    const struct pd_metric *metrics;
    size_t n_metrics;
};

/* Borrowed by pd_submit(), which copies what it keeps. */
struct pd_result {
    pd_ns when;         /* wall time the round refers to; 0: round start */
    enum pd_verdict ok; /* round verdict */
    const char *reason; /* why not ok, for people; NULL when ok */
    const struct pd_metric *metrics;
    size_t n_metrics;
    const struct pd_series *series; /* the round's figures per part; may be NULL */
    size_t n_series;
};

enum { PD_READ = 1, PD_WRITE = 2 };
enum { PD_LOG_ERR = 3, PD_LOG_WARNING = 4, PD_LOG_NOTICE = 5, PD_LOG_INFO = 6, PD_LOG_DEBUG = 7 };

typedef void (*pd_io_cb)(pd_check *check, int fd, unsigned revents, void *arg);
typedef void (*pd_timer_cb)(pd_check *check, void *arg);
typedef void (*pd_ctx_io_cb)(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg);
typedef void (*pd_ctx_timer_cb)(pd_plugin_ctx *ctx, void *arg);

/* What validate() may hold the options against. */
struct pd_check_limits {
    pd_ns interval; /* between round starts */
    pd_ns timeout;  /* the check's timeout, as configured or defaulted */
};

struct pd_plugin {
    uint32_t abi;     /* PD_PLUGIN_ABI */
    const char *name; /* "tcp", "icmp", ...: the check `type` in the config */
    const char *description;
    const struct pd_option *options;
    size_t n_options;
    /* Size of the plugin's per-check struct. The core allocates it zeroed,
     * fills the option fields, and frees it (and its option strings) after
     * stop(). The rest of the struct is the plugin's own per-check state. */
    size_t params_size;
    /* Plugin-wide settings, the config's `plugins: {<name>: {...}}`, parsed
     * with this table into a settings_size struct (defaults when the
     * section is absent). Read them with pd_plugin_settings() when needed:
     * a reload may replace them. */
    const struct pd_option *settings;
    size_t n_settings;
    size_t settings_size;
    /* Cross-setting checks after parsing; NULL if none. 0 or -EINVAL. */
    int (*validate_settings)(const void *settings, char *err, size_t errlen);

    /* Plugin-wide, once, before privileges are dropped (settings already
     * parsed, the loop already there); NULL if not needed. Return 0 or
     * -errno and fill err. */
    int (*init)(pd_plugin_ctx *ctx, char *err, size_t errlen);
    /* The core cancels the ctx watches and timers still held afterwards. */
    void (*shutdown)(pd_plugin_ctx *ctx);
    /* Cross-option checks after parsing; 0 or -EINVAL with err filled. */
    int (*validate)(const void *params, const struct pd_check_limits *limits, char *err,
                    size_t errlen);
    /* Open per-check resources; 0 or -errno with err filled. */
    int (*start)(pd_check *check, void *params, char *err, size_t errlen);
    /* Start one round. Must not block; must end in exactly one pd_submit(),
     * possibly later from a watch or timer callback. */
    void (*run)(pd_check *check, void *params);
    /* Abort any round in progress and free own state. The core cancels the
     * watches and timers the check still holds after this returns. */
    void (*stop)(pd_check *check, void *params);
    /* A reload handed this running instance to a new check (see above);
     * NULL when the plugin keeps no pd_check pointer. */
    void (*rebind)(pd_check *check, void *params);

    /* Profiles: named option sets written once and named by checks (SNMP
     * credentials), `plugins: {<name>: {profiles: {<id>: {...}}}}`, parsed
     * with this table into profile_size structs; PD_OPT_SECRET values may
     * instead come from the secrets file (the config's `secrets:`), which
     * must not be readable by every user. NULL/0 when the plugin has none.
     * A check whose profile changes on reload gets a new instance. */
    const struct pd_option *profile_options;
    size_t n_profile_options;
    size_t profile_size;
    /* Cross-option checks of one profile; NULL if none. 0 or -EINVAL. */
    int (*validate_profile)(const void *profile, char *err, size_t errlen);
};

/* Core services. */

/* Watch fd for PD_READ and/or PD_WRITE. The watch never closes the fd. */
pd_watch *pd_watch_fd(pd_check *check, int fd, unsigned events, pd_io_cb cb, void *arg);
void pd_watch_cancel(pd_watch *watch);
/* Watch the same fd for other events (PD_READ, PD_WRITE, both); 0 pauses
 * the watch without giving it up. */
void pd_watch_events(pd_watch *watch, unsigned events);

/* Call cb once after delay. The handle is valid until the callback returns
 * or the timer is cancelled; cancelling inside its own callback is fine. */
pd_timer *pd_timer_after(pd_check *check, pd_ns delay, pd_timer_cb cb, void *arg);
void pd_timer_cancel(pd_timer *timer);
/* Arm a timer again: pending, it fires after delay instead; inside its own
 * callback, it is kept and fires once more. Cheaper than a new timer for
 * one that fires all the time (a pacer). */
void pd_timer_again(pd_timer *timer, pd_ns delay);

/* Hand over the round's result; copies, never blocks, ends the round. */
void pd_submit(pd_check *check, const struct pd_result *result);

/* Record something the probe saw happen besides the round's verdict (an
 * agent's restart, an interface going down): kind is [a-z_]{1,32}
 * ("reboot"), when the wall time it happened (0: now), the message for
 * people. Logged and stored with the check's events; copies, never blocks.
 * For things that happen, not for every round. */
void pd_event(pd_check *check, pd_ns when, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* As pd_event, about one series of the check (an interface going down);
 * series NULL is the check itself. */
void pd_series_event(pd_check *check, const char *series, pd_ns when, const char *kind,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* What the check (series NULL) or one of its series is, for people: a label
 * (an interface's name; an agent's sysName) and a description (the
 * interface's alias; the agent's sysDescr), any UTF-8, each cut to 255
 * bytes. Stored when new or changed, so calling it every round is cheap;
 * never blocks. */
void pd_describe(pd_check *check, const char *series, const char *label, const char *description);

/* check may be NULL (plugin-wide code). */
pd_ns pd_now(const pd_check *check);  /* monotonic, for durations */
pd_ns pd_wall(const pd_check *check); /* wall clock, for result times */

/* The monotonic time the current round was planned for. Rounds start up to
 * 10 ms before it (wake-ups are batched on a 10 ms grid), so a plugin that
 * times its packets can send them on time, not up to a grid step late. */
pd_ns pd_round_due(const pd_check *check);

const char *pd_check_target_id(const pd_check *check);
const char *pd_check_id(const pd_check *check);
const char *pd_check_address(const pd_check *check); /* the target's address, as written */
/* The target's address as a socket address (port 0). family: AF_UNSPEC,
 * AF_INET or AF_INET6. Host names are resolved by the core on its own
 * thread and refreshed; this never blocks. Returns 0, -EAGAIN while a name
 * is still being resolved, or -ENOENT/-EAFNOSUPPORT with err saying why
 * (for the round's reason). */
int pd_check_sockaddr(const pd_check *check, int family, struct sockaddr_storage *out,
                      socklen_t *len, char *err, size_t errlen);
pd_ns pd_check_timeout(const pd_check *check);
pd_ns pd_check_interval(const pd_check *check);

void pd_log(const pd_check *check, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Plugin-wide services: as above, without a check. Watches and timers
 * made here are the plugin's until cancelled or shutdown() returns. */
pd_watch *pd_ctx_watch_fd(pd_plugin_ctx *ctx, int fd, unsigned events, pd_ctx_io_cb cb, void *arg);
pd_timer *pd_ctx_timer_after(pd_plugin_ctx *ctx, pd_ns delay, pd_ctx_timer_cb cb, void *arg);
const void *pd_plugin_settings(const pd_plugin_ctx *ctx); /* never NULL if settings_size */
/* The parsed profile of that name (a PD_OPT_PROFILE option's value), or
 * NULL. Valid until the round ends: a reload may replace it. */
const void *pd_plugin_profile(const pd_plugin_ctx *ctx, const char *name);
const void *pd_check_profile(const pd_check *check, const char *name);
void pd_ctx_log(const pd_plugin_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A counter of the plugin's own work (echoes sent), for probed's health
 * in /metrics as probed_<plugin>_<name>_total; name is [a-z0-9_]{1,47}
 * without "_total", help one line for people. Ask in init() and keep the
 * handle: asking again for the same name gives the same counter, which
 * lives as long as the daemon. NULL when the host keeps no figures
 * (probectl) or the name is bad; pd_counter_add() takes NULL. Lock-free:
 * cheap enough to call per packet. */
pd_counter *pd_ctx_counter(pd_plugin_ctx *ctx, const char *name, const char *help);
void pd_counter_add(pd_counter *counter, uint64_t n);

#endif
