/*
 * The main configuration file (YAML) and the inventory files (CSV) it names,
 * loaded into one immutable struct pd_config.
 *
 * Loading checks structure only: keys, types, ids, durations, references
 * between sections. Plugin options stay unparsed (struct pd_param) until
 * pd_config_bind_plugins() checks them against each plugin's option table.
 * Every error names file:line:col and what was expected; loading goes on
 * after an error to report up to PD_CONFIG_MAX_ERRORS of them at once.
 */
#ifndef PROBED_CONFIG_H
#define PROBED_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

#define PD_CONFIG_MAX_ERRORS 20
#define PD_ID_MAX            64
#define PD_SERIES_MAX        64 /* a pd_series id: [a-z0-9._-] */

struct pd_mark {
    const char *file; /* owned by the config (pd_config.files) */
    int line;         /* 1-based */
    int col;          /* 1-based; 0 when not known */
};

/* One check parameter as written, for the plugin's option table. */
struct pd_param {
    char *key;
    char *value; /* scalar text as written; a list's items joined by '\n' */
    int is_list; /* written as a YAML list */
    struct pd_mark at;
};

struct pd_check_conf {
    char *id;   /* [a-z0-9._-], unique within its template */
    char *type; /* plugin name */
    pd_ns interval;
    pd_ns timeout; /* defaults to min(interval, 10s) */
    int fail_after;
    int recover_after;
    int availability; /* 1: this check decides the target's availability */
    /* Which of timeout and availability were written (here or in the check
     * of the template it extends), rather than defaulted: a check that
     * extends another recomputes what was defaulted. */
    int timeout_written;
    int availability_written;
    struct pd_param *params;
    size_t n_params;
    struct pd_mark at;
};

/* One named profile of a plugin as written, with its secrets merged in
 * from the secrets file (their marks point there). */
struct pd_profile_conf {
    char *name;
    struct pd_param *params;
    size_t n_params;
    struct pd_mark at;
};

/* Plugin-wide settings as written: `plugins: {<name>: {key: value}}`. */
struct pd_plugin_conf {
    char *name;
    struct pd_param *params; /* the settings, without `profiles` */
    size_t n_params;
    struct pd_profile_conf *profiles;
    size_t n_profiles;
    struct pd_mark at;
};

struct pd_template {
    char *name; /* the device type it applies to */
    char *severity;
    struct pd_check_conf *checks;
    size_t n_checks;
    struct pd_mark at;       /* its name, in the main file or a template file */
    char *extends;           /* the template it was built on (`extends:`), or NULL */
    struct pd_mark replaced; /* `override: true`: the definition it replaced; file NULL: none */
};

struct pd_target_conf {
    char *id;                       /* [a-z0-9._-], unique across the whole configuration */
    char *name;                     /* display name, any UTF-8; defaults to id */
    char *address;                  /* IP literal or host name */
    char *type;                     /* template name */
    char *site;                     /* slash-separated path of ids, e.g. guizhou/guiyang */
    char *snmp_profile;             /* NULL: its snmp checks' own; else theirs for this target */
    const struct pd_template *tmpl; /* borrowed from the same config */
    struct pd_mark at;              /* YAML node or CSV row */
};

enum pd_rra_cf { PD_CF_AVERAGE = 1, PD_CF_MIN = 2, PD_CF_MAX = 4, PD_CF_LAST = 8 };

struct pd_rra_conf {
    pd_ns step; /* 0: the check's own interval */
    pd_ns keep;
    unsigned cf; /* mask of enum pd_rra_cf */
};

/* The archives used when the configuration names none: raw rounds for two
 * days, 5-minute steps for two weeks, hourly for three months, daily for
 * five years, MIN and MAX beside AVERAGE where a step holds several rounds.
 * About 215 KiB per metric at a 60 s interval. */
extern const struct pd_rra_conf pd_rra_defaults[];
extern const size_t pd_n_rra_defaults;

#define PD_CONFIG_MAX_RESOLVED 4

/* A severity's limits, with sla's availability_min and mtbf_min filled in
 * where it sets none. 0 means no limit. */
struct pd_severity_conf {
    char *name;
    double availability_min; /* percent */
    pd_ns mtbf_min;
    pd_ns mttr_max; /* contract limit on mean time to repair */
    struct {
        double share_pct; /* 95: 95 % of the outages ended in a month ... */
        pd_ns within;     /* ... lasted at most this */
    } resolved[PD_CONFIG_MAX_RESOLVED];
    size_t n_resolved;
};

/* A named group of targets judged as one (docs/reports.md, Systems). */
struct pd_system_conf {
    char *id;
    char *name;     /* display name; defaults to id */
    char *severity; /* defaults to sla.default_severity */
    int rule;       /* enum pd_system_rule of availability.h: 0 all, 1 any, 2 k_of_n */
    unsigned k;     /* members needed UP for k_of_n */
    char **members; /* target ids, selectors (site:, type:) expanded, no duplicates */
    size_t n_members;
    struct pd_mark at;
};

enum pd_maint_conf_scope {
    PD_MAINT_CONF_ALL,
    PD_MAINT_CONF_TARGET,
    PD_MAINT_CONF_SITE,
    PD_MAINT_CONF_SYSTEM
};

/* A planned maintenance window written in the configuration. */
struct pd_maint_conf {
    pd_ns start, end;
    enum pd_maint_conf_scope scope;
    char *what; /* target id, site path or system id; NULL for all */
    char *reason;
    struct pd_mark at;
};

/* The dashboard's server (web.c); docs/configuration.md, web. */
struct pd_web_conf {
    int enabled;    /* default 1 */
    char *listen;   /* "127.0.0.1:8080" (default), "[::1]:8080", "*:8080" */
    int threads;    /* request threads, default 4 */
    char *tls_cert; /* PEM files; both or neither */
    char *tls_key;
    char *users_file;  /* web_auth.h's users file; NULL: no authentication */
    char *realm;       /* Basic auth realm, default "probed" */
    struct pd_mark at; /* the `web` node, for messages */
};

/* Alerts (alert_*.c); docs/alerts.md. */
enum pd_channel_type {
    PD_CHANNEL_WEBHOOK,  /* JSON POST, docs/alerts.md's schema */
    PD_CHANNEL_WECOM,    /* WeCom group robot: markdown message */
    PD_CHANNEL_DINGTALK, /* DingTalk robot: markdown, optional signing secret */
    PD_CHANNEL_EMAIL     /* SMTP through libcurl */
};

struct pd_channel_conf {
    char *id;
    enum pd_channel_type type;
    char *url;      /* webhook, wecom, dingtalk: the endpoint; email: smtp://host:port or
                     * smtps://host:port */
    pd_ns timeout;  /* one attempt; default 10s */
    char *secret;   /* dingtalk signing secret; NULL: unsigned. Secret */
    int starttls;   /* email over smtp://: 1 (default) requires STARTTLS, 0 plain */
    int insecure;   /* 1: do not verify the server's certificate (lab use); default 0 */
    char *ca_file;  /* NULL: the system's CA store */
    char *user;     /* email: SMTP AUTH user; NULL: no AUTH */
    char *password; /* email: secret */
    char *from;     /* email: envelope and From: address */
    char **to;      /* email: recipients */
    size_t n_to;
    struct pd_mark at;
};

/* Which alerts go where. An alert matches when each list that is set
 * holds its value (all lists empty: every alert). */
struct pd_route_conf {
    char *id;
    char **severities; /* the target's or system's severity */
    size_t n_severities;
    char **sites; /* site path prefixes */
    size_t n_sites;
    char **types; /* device types (templates) */
    size_t n_types;
    char **systems; /* system ids: the system's own alerts and its members' */
    size_t n_systems;
    char **channels; /* channel ids, at least one */
    size_t n_channels;
    int recoveries; /* send recoveries too; default 1 */
    struct pd_mark at;
};

struct pd_alerts_conf {
    pd_ns group_wait;           /* transitions within this of the first are sent together; 10s */
    pd_ns group_interval;       /* the next message waits until this after the last; 30s */
    pd_ns remind_every;         /* an outage still open is reminded this often; 0: never; 1h */
    pd_ns flap_window;          /* a subject changing state flap_changes times within ... */
    unsigned flap_changes;      /* ... this window is flapping: one message, then quiet; 10m, 6 */
    pd_ns retry_min, retry_max; /* delivery backoff doubles from min to max; 5s, 5m */
    pd_ns expire;               /* undelivered after this: given up, recorded; 24h */
    struct pd_channel_conf *channels;
    size_t n_channels;
    struct pd_route_conf *routes;
    size_t n_routes;
    struct pd_mark at;
};

/* Inspection records (inspect*.c, calendar.c); docs/inspection.md. */
enum pd_inspect_format_bit {
    PD_INSPECT_CSV = 1,
    PD_INSPECT_JSON = 2,
    PD_INSPECT_HTML = 4,
    PD_INSPECT_XLSX = 8,
};

struct pd_inspection_conf {
    int daily_minute;       /* the daily check's time, minutes after local midnight; 08:30 */
    int write_daily;        /* the daemon writes each working day's record; default 1 */
    unsigned daily_formats; /* enum pd_inspect_format_bit mask; default csv, json, html */
    unsigned working_days;  /* bit 1 << weekday (0 Sunday); default Monday to Friday */
    int32_t *holidays;      /* calendar days (calendar.h), sorted, no duplicates */
    size_t n_holidays;
    int32_t *extra_working_days; /* days worked though not in working_days (make-up days) */
    size_t n_extra_working_days;
    /* What the problem list flags; 0: not judged. */
    double loss_pct;   /* mean ICMP loss above this; default 1 */
    double latency_ms; /* 95th percentile of the RTT above this; default 0 */
    double jitter_ms;  /* 95th percentile of the jitter above this; default 0 */
    long cert_days;    /* a certificate expiring within this many days; default 30 */
    struct pd_mark at; /* the `inspection` node, for messages */
};

struct pd_config {
    char *path;       /* the main file as given */
    char *data_dir;   /* absolute or relative to the main file's directory, resolved */
    char *timezone;   /* IANA name, default "UTC" */
    char *user;       /* drop to this user when started as root; NULL: stay */
    char *pid_file;   /* NULL: none */
    char *plugin_dir; /* NULL: next to the binary, then the installed dir */
    int log_level;    /* PD_LOG_* */
    int log_syslog;   /* 1: syslog, 0: stderr */

    char **inventory; /* globs, resolved against the main file's directory */
    size_t n_inventory;

    char **template_files; /* `template_files:` globs, absolute */
    size_t n_template_files;
    /* Template files first (in the order of their patterns), then the main
     * file's; one per name: a later one with `override: true` takes the
     * place of the one it replaces. */
    struct pd_template *templates;
    size_t n_templates;
    struct pd_target_conf *targets; /* YAML targets first, then CSV rows */
    size_t n_targets;

    double sla_availability_min; /* percent, default 95 */
    pd_ns sla_mtbf_min;          /* default 360h */
    double sla_coverage_min;     /* percent, default 99: below it verdicts are unverified */
    char *sla_default_severity;  /* default "general" */
    struct pd_severity_conf *severities;
    size_t n_severities;
    struct pd_system_conf *systems;
    size_t n_systems;
    struct pd_maint_conf *maintenance;
    size_t n_maintenance;

    struct pd_rra_conf *rras;
    size_t n_rras;
    pd_ns rrd_write_delay; /* samples of a file written together; default 60s */

    size_t queue_size; /* storage queue, samples; default 65536 */
    pd_ns heartbeat;   /* default 60s */
    /* A check's status row is rewritten when its verdict or reason changes,
     * otherwise at most this often; default 30s, 0: every round. */
    pd_ns status_refresh;

    pd_ns dns_refresh; /* host names resolved again this often; default 5m */
    pd_ns dns_retry;   /* a name that failed, again after; default 30s */

    struct pd_web_conf web;
    struct pd_alerts_conf alerts;
    struct pd_inspection_conf inspection;

    struct pd_plugin_conf *plugins;
    size_t n_plugins;
    /* Profile secrets: YAML {<plugin>: {<profile>: {key: value}}}, never
     * readable by every user; NULL: none. Its bytes are not part of the
     * configuration's hash in reports. */
    char *secrets;

    char **files; /* every file read, for marks */
    size_t n_files;
};

/* Load path and the inventory it names. On success *out is the new config
 * (owned by the caller, free with pd_config_free) and 0 is returned. On
 * failure returns -EINVAL (or -errno for I/O), *out is NULL, and err holds
 * one "file:line:col: message" line per error. */
int pd_config_load(const char *path, struct pd_config **out, char *err, size_t errlen);
void pd_config_free(struct pd_config *cfg);

/* One inventory file read from memory instead of from the disk: the
 * content probectl inventory means to write, validated by the daemon's
 * own loader before it is written. path names the file as the loader
 * finds it (a match of an `inventory:` pattern as the configuration
 * holds it, absolute); a path that does not exist yet is read in its
 * place when it fits a pattern. label names it in marks and errors
 * (NULL: path). All borrowed. */
struct pd_config_subst {
    const char *path;
    const char *label;
    const char *text;
    size_t len;
};

/* pd_config_load with subst's text (NULL: none) as that file's. */
int pd_config_load_subst(const char *path, const struct pd_config_subst *subst,
                         struct pd_config **out, char *err, size_t errlen);

/* A configuration of one target (address) with one check (a copy of
 * check, whose params are copied), for one-shot probes. Defaults as for a
 * loaded file; plugin settings copied from base when given. NULL on
 * ENOMEM. */
struct pd_config *pd_config_oneshot(const struct pd_config *base, const char *address,
                                    const struct pd_check_conf *check);

const struct pd_plugin_conf *pd_config_plugin(const struct pd_config *cfg, const char *name);
const struct pd_profile_conf *pd_config_profile(const struct pd_config *cfg, const char *plugin,
                                                const char *name);

const struct pd_template *pd_config_template(const struct pd_config *cfg, const char *name);
/* Where t was defined, for people: "FILE:LINE:COL", then ", extends NAME"
 * and ", overrides FILE:LINE:COL" when it does. Returns buf. */
const char *pd_config_template_origin(const struct pd_template *t, char *buf, size_t len);
/* The profile a target names for the checks of plugin (its snmp_profile
 * for "snmp"), which takes the place of theirs; NULL: none. */
const char *pd_target_profile(const struct pd_target_conf *t, const char *plugin);
const struct pd_severity_conf *pd_config_severity(const struct pd_config *cfg, const char *name);
const struct pd_system_conf *pd_config_system(const struct pd_config *cfg, const char *id);
/* alerts.channels and alerts.routes by id, or NULL. */
const struct pd_channel_conf *pd_config_channel(const struct pd_config *cfg, const char *id);
const struct pd_route_conf *pd_config_route(const struct pd_config *cfg, const char *id);
/* "webhook", "wecom", "dingtalk", "email" */
const char *pd_config_channel_type_name(enum pd_channel_type t);

/* Syntax checks shared with other modules. */
int pd_id_valid(const char *id);                     /* [a-z0-9._-]{1,64}, not "." or ".." */
int pd_site_valid(const char *site);                 /* ids joined by '/' */
int pd_duration_parse(const char *text, pd_ns *out); /* "1h30m", "500ms"; 0 or -EINVAL */

#endif
