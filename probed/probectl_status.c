#include "probectl_status.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "db.h"
#include "probectl_common.h"
#include "text_table.h"
#include "timefmt.h"

enum {
    S_TARGET,
    S_NAME,
    S_ADDRESS,
    S_TYPE,
    S_SITE,
    S_CHECK,
    S_STATE,
    S_VERDICT,
    S_REASON,
    S_METRICS,
    S_N
};

struct status_row {
    char *s[S_N]; /* copies of the pd_status_row strings, never NULL */
    pd_ns since, last;
    uint64_t rounds, skipped;
};

struct status_list {
    struct status_row *v;
    size_t n, cap;
};

static char *age_text(pd_ns now, pd_ns t, char *buf, size_t len)
{
    return pd_duration_short(now - t, buf, len);
}

static void print_daemon_line(FILE *out, const struct pctl_run *run, enum pctl_daemon_state st,
                              pd_ns now, const struct pd_config *cfg)
{
    char t[PD_TIME_BUFLEN], age[PD_TIME_BUFLEN];

    switch (st) {
    case PCTL_NEVER_RAN:
        fprintf(out, "probed: has never run with data_dir %s\n", cfg->data_dir);
        break;
    case PCTL_RUNNING:
        fprintf(out, "probed: running (pid %d on %s, version %s) since %s, last heartbeat %s ago\n",
                run->pid, run->host, run->version, pd_time_format(run->started, t, sizeof(t)),
                age_text(now, run->last_heartbeat, age, sizeof(age)));
        break;
    case PCTL_LOST:
        fprintf(out,
                "probed: NOT RUNNING (last heartbeat %s, %s ago; pid %d on %s)\n"
                "        states below are as of then, not now\n",
                pd_time_format(run->last_heartbeat, t, sizeof(t)),
                age_text(now, run->last_heartbeat, age, sizeof(age)), run->pid, run->host);
        break;
    case PCTL_STOPPED:
        fprintf(out, "probed: stopped cleanly at %s (%s ago)\n",
                pd_time_format(run->stopped, t, sizeof(t)),
                age_text(now, run->stopped, age, sizeof(age)));
        break;
    }
}

static const char status_help[] =
    "Usage: probectl [-c FILE] status [--site PREFIX] [--target ID]\n"
    "                [--state up|down|unknown] [--format table|csv|json] [--no-bom]\n"
    "\n"
    "Shows whether probed is running and the current state of every target in\n"
    "service and of each of its checks, as recorded in the event store\n"
    "<data_dir>/probed.db. It works whether or not probed is running; when it is\n"
    "not, the states shown are those it last recorded, and the first line says so.\n"
    "\n"
    "probed counts as running when its last heartbeat is less than three\n"
    "heartbeat intervals (storage.heartbeat, default 60s) old.\n"
    "\n"
    "In the table each target's own row (CHECK \"-\") is followed by one row per\n"
    "check. Times are in the configured time zone; the figure in brackets is the\n"
    "age. Columns:\n"
    "  TARGET, NAME, SITE  the target's id, display name and site\n"
    "  CHECK   the check id; \"-\" for the target as a whole\n"
    "  STATE   UP, DOWN or UNKNOWN (not observed, or no verdict)\n"
    "  SINCE   when this state began\n"
    "  LAST    when the last round ended (time only when today)\n"
    "  RESULT  the last round: ok, bad or no verdict, its reason and metrics\n"
    "\n"
    "Options:\n"
    "  --site PREFIX    only targets at this site or below it (guizhou/guiyang\n"
    "                   matches guizhou/guiyang/yunyan but not guizhou/guiyang2)\n"
    "  --target ID      only this target\n"
    "  --state STATE    only targets whose own state is up, down or unknown\n"
    "  --format FORMAT  table (default); csv: one line per target and check, times\n"
    "                   in ISO 8601 with offset, for spreadsheets; json: an object\n"
    "                   {daemon, summary, targets: [{..., checks: [...]}]}\n"
    "  --no-bom         CSV without the UTF-8 byte order mark (which Excel needs to\n"
    "                   read Chinese names, and most other programs ignore)\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "In CSV, names and reasons that begin with = + - or @ get a leading ' so that\n"
    "a spreadsheet shows them instead of running them as formulas.\n"
    "\n"
    "Examples:\n"
    "  probectl status\n"
    "  probectl status --site guizhou/zunyi --state down\n"
    "  probectl status --format csv > status.csv\n"
    "  probectl status --format json | jq '.targets[] | select(.state == \"DOWN\").id'\n"
    "\n"
    "Exit status: 0 when the status was shown (also when it is empty), 1 when the\n"
    "event store cannot be read, 2 on bad usage.\n";

struct status_opts {
    const char *site, *target, *state;
    enum pctl_format format;
    int bom;
};

/* -1 to go on, else the exit code. */
static int status_args(int argc, char **argv, struct status_opts *o, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {"no-bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    *o = (struct status_opts){.format = PCTL_TABLE, .bom = 1};
    optind = 0; /* glibc: start afresh on this argv */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            o->site = optarg;
            break;
        case 't':
            o->target = optarg;
            break;
        case 'S':
            if (strcasecmp(optarg, "up") && strcasecmp(optarg, "down") &&
                strcasecmp(optarg, "unknown"))
                return pctl_usage_error(errout, "status",
                                        "--state must be up, down or unknown, not '%s'", optarg);
            o->state = optarg;
            break;
        case 'f':
            if (pctl_parse_format(optarg, 1, &o->format) < 0)
                return pctl_usage_error(errout, "status",
                                        "--format must be table, csv or json, not '%s'", optarg);
            break;
        case 'B':
            o->bom = 0;
            break;
        case 'h':
            fputs(status_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "status", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "status", "unexpected argument '%s'", argv[optind]);
    return -1;
}

static void status_list_free(struct status_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int k = 0; k < S_N; k++)
            free(l->v[i].s[k]);
    free(l->v);
}

static int copy_status(const struct pd_status_row *r, void *arg)
{
    struct status_list *l = arg;
    const char *src[S_N] = {r->target_id,   r->name,        r->address, r->type,
                            r->site,        r->check_id,    r->state,   r->last_verdict,
                            r->last_reason, r->last_metrics};
    struct status_row *row, *grown;

    grown = pctl_grow(l->v, &l->cap, l->n, sizeof(*l->v));
    if (!grown)
        return -ENOMEM;
    l->v = grown;
    row = &l->v[l->n++];
    *row = (struct status_row){
        .since = r->since, .last = r->last, .rounds = r->rounds, .skipped = r->skipped};
    for (int k = 0; k < S_N; k++)
        if (!(row->s[k] = pctl_strdup(src[k])))
            return -ENOMEM;
    return 0;
}

/* The rows of one target are consecutive, its own row (check "") first. */
static size_t group_end(const struct status_list *l, size_t i)
{
    size_t j = i + 1;

    while (j < l->n && strcmp(l->v[j].s[S_TARGET], l->v[i].s[S_TARGET]) == 0)
        j++;
    return j;
}

static const char *group_state(const struct status_list *l, size_t i)
{
    return l->v[i].s[S_CHECK][0] ? "UNKNOWN" : l->v[i].s[S_STATE];
}

static int state_wanted(const struct status_opts *o, const char *state)
{
    return !o->state || strcasecmp(o->state, state) == 0;
}

/* "2026-11-21 07:00:03 (3h12m)"; short_today: "07:00:03 (3h12m)" when t
 * is today. */
static void time_cell(pd_ns t, pd_ns now, int short_today, char *buf, size_t len)
{
    char when[PD_TIME_BUFLEN], age[PD_TIME_BUFLEN];
    const char *text;

    if (!t) {
        snprintf(buf, len, "-");
        return;
    }
    text = pd_time_format_local(t, when, sizeof(when));
    if (short_today && pd_time_same_day(t, now) && strlen(text) > 11)
        text += 11;
    snprintf(buf, len, "%s (%s)", text, age_text(now, t, age, sizeof(age)));
}

static void result_cell(const struct status_row *r, char *buf, size_t len)
{
    const char *verdict = r->s[S_VERDICT], *reason = r->s[S_REASON];
    char metrics[PCTL_TEXT_LEN];

    if (!r->last) {
        snprintf(buf, len, "%s", r->s[S_CHECK][0] ? "no result yet" : "");
        return;
    }
    pctl_metrics_summary(r->s[S_METRICS], 0, metrics, sizeof(metrics));
    if (strcmp(verdict, "none") == 0)
        verdict = "no verdict";
    snprintf(buf, len, "%s%s%s%s%s", verdict, reason[0] ? ": " : "", reason, metrics[0] ? "  " : "",
             metrics);
}

static int status_table(const struct status_list *l, const struct status_opts *o, pd_ns now,
                        FILE *out)
{
    static const char *const headers[] = {"TARGET", "NAME",  "SITE", "CHECK",
                                          "STATE",  "SINCE", "LAST", "RESULT"};
    struct pd_table *t = pd_table_new(8, headers);
    int rc = -ENOMEM;

    if (!t)
        goto fail;
    pd_table_set_max_width(t, 1, 24);
    pd_table_set_max_width(t, 2, 32);
    for (size_t i = 0, end; i < l->n; i = end) {
        end = group_end(l, i);
        if (!state_wanted(o, group_state(l, i)))
            continue;
        for (size_t k = i; k < end; k++) {
            const struct status_row *r = &l->v[k];
            char since[64], last[64], result[2 * PCTL_TEXT_LEN];
            const char *cells[8] = {k == i ? r->s[S_TARGET] : "",
                                    k == i ? r->s[S_NAME] : "",
                                    k == i ? r->s[S_SITE] : "",
                                    r->s[S_CHECK][0] ? r->s[S_CHECK] : "-",
                                    r->s[S_STATE],
                                    since,
                                    last,
                                    result};

            time_cell(r->since, now, 0, since, sizeof(since));
            time_cell(r->last, now, 1, last, sizeof(last));
            result_cell(r, result, sizeof(result));
            if (pd_table_add_row(t, cells) < 0)
                goto fail;
        }
    }
    if (pd_table_rows(t) == 0) {
        fprintf(out, "no target is %s\n", o->state ? o->state : "shown");
        rc = 0;
    } else {
        rc = pd_table_print(t, out);
    }
fail:
    pd_table_free(t);
    return rc;
}

static void status_csv(const struct status_list *l, const struct status_opts *o, FILE *out)
{
    static const char *const headers[] = {"target", "name",    "site",   "address", "type",
                                          "check",  "state",   "since",  "last",    "verdict",
                                          "reason", "metrics", "rounds", "skipped"};

    pctl_csv_header(out, o->bom, headers, sizeof(headers) / sizeof(headers[0]));
    for (size_t i = 0, end; i < l->n; i = end) {
        end = group_end(l, i);
        if (!state_wanted(o, group_state(l, i)))
            continue;
        for (size_t k = i; k < end; k++) {
            const struct status_row *r = &l->v[k];
            char metrics[PCTL_TEXT_LEN];

            pctl_metrics_summary(r->s[S_METRICS], 1, metrics, sizeof(metrics));
            pctl_csv_cell(out, r->s[S_TARGET], 1, 0);
            pctl_csv_cell(out, r->s[S_NAME], 0, 1);
            pctl_csv_cell(out, r->s[S_SITE], 0, 0);
            pctl_csv_cell(out, r->s[S_ADDRESS], 0, 1);
            pctl_csv_cell(out, r->s[S_TYPE], 0, 1);
            pctl_csv_cell(out, r->s[S_CHECK], 0, 0);
            pctl_csv_cell(out, r->s[S_STATE], 0, 0);
            pctl_csv_time(out, r->since);
            pctl_csv_time(out, r->last);
            pctl_csv_cell(out, r->s[S_VERDICT], 0, 0);
            pctl_csv_cell(out, r->s[S_REASON], 0, 1);
            pctl_csv_cell(out, metrics, 0, 1);
            fprintf(out, ",%llu,%llu", (unsigned long long)r->rounds,
                    (unsigned long long)r->skipped);
            pctl_csv_end_row(out);
        }
    }
}

static void json_state_fields(struct pctl_json *j, const struct status_row *r)
{
    pctl_json_str(j, "state", r->s[S_STATE]);
    pctl_json_time(j, "since", r->since);
    pctl_json_time(j, "last", r->last);
    pctl_json_str(j, "verdict", r->s[S_VERDICT]);
    pctl_json_str(j, "reason", r->s[S_REASON]);
    pctl_json_metrics(j, "metrics", r->s[S_METRICS]);
    pctl_json_int(j, "rounds", (long long)r->rounds);
    pctl_json_int(j, "skipped", (long long)r->skipped);
}

static void json_daemon(struct pctl_json *j, const struct pctl_run *run, enum pctl_daemon_state st)
{
    pctl_json_open(j, "daemon", '{');
    pctl_json_str(j, "state", pctl_daemon_state_name(st));
    if (run->found) {
        pctl_json_int(j, "pid", run->pid);
        pctl_json_str(j, "host", run->host);
        pctl_json_str(j, "version", run->version);
        pctl_json_time(j, "started", run->started);
        pctl_json_time(j, "last_heartbeat", run->last_heartbeat);
        pctl_json_time(j, "stopped", run->stopped);
    }
    pctl_json_close(j, '}');
}

static void status_json(const struct status_list *l, const struct status_opts *o,
                        const struct pd_config *cfg, const struct pctl_run *run,
                        enum pctl_daemon_state st, const size_t counts[3], pd_ns now, FILE *out)
{
    struct pctl_json j = {.out = out};

    pctl_json_open(&j, NULL, '{');
    pctl_json_time(&j, "generated", now);
    pctl_json_str(&j, "timezone", pd_time_zone());
    pctl_json_str(&j, "data_dir", cfg->data_dir);
    json_daemon(&j, run, st);
    pctl_json_open(&j, "summary", '{');
    pctl_json_int(&j, "up", (long long)counts[0]);
    pctl_json_int(&j, "down", (long long)counts[1]);
    pctl_json_int(&j, "unknown", (long long)counts[2]);
    pctl_json_close(&j, '}');
    pctl_json_open(&j, "targets", '[');
    for (size_t i = 0, end; i < l->n; i = end) {
        const struct status_row *r = &l->v[i];

        end = group_end(l, i);
        if (!state_wanted(o, group_state(l, i)))
            continue;
        pctl_json_open(&j, NULL, '{');
        pctl_json_str(&j, "id", r->s[S_TARGET]);
        pctl_json_str(&j, "name", r->s[S_NAME]);
        pctl_json_str(&j, "site", r->s[S_SITE]);
        pctl_json_str(&j, "address", r->s[S_ADDRESS]);
        pctl_json_str(&j, "type", r->s[S_TYPE]);
        /* A target's own row has a state but no rounds of its own. */
        pctl_json_str(&j, "state", group_state(l, i));
        pctl_json_time(&j, "since", r->s[S_CHECK][0] ? 0 : r->since);
        pctl_json_open(&j, "checks", '[');
        for (size_t k = r->s[S_CHECK][0] ? i : i + 1; k < end; k++) {
            pctl_json_open(&j, NULL, '{');
            pctl_json_str(&j, "id", l->v[k].s[S_CHECK]);
            json_state_fields(&j, &l->v[k]);
            pctl_json_close(&j, '}');
        }
        pctl_json_close(&j, ']');
        pctl_json_close(&j, '}');
    }
    pctl_json_close(&j, ']');
    pctl_json_close(&j, '}');
}

int pd_cmd_status(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    struct status_opts o;
    struct status_list l = {0};
    struct pctl_run run = {0};
    struct pd_db *db = NULL;
    size_t counts[3] = {0}; /* up, down, unknown */
    pd_ns now = pd_clock_wall();
    enum pctl_daemon_state st;
    int rc = status_args(argc, argv, &o, out, errout), err;

    if (rc >= 0)
        return rc;
    rc = 1;
    if (pctl_open_store(cfg, "status", &db, errout) < 0)
        goto fail;
    if (pctl_load_run(db, &run, "status", errout) < 0)
        goto fail;
    err = pd_db_status(db, o.site, o.target, copy_status, &l);
    if (err < 0) {
        fprintf(errout, "probectl status: reading the status: %s\n", strerror(-err));
        goto fail;
    }
    st = pctl_daemon_state(&run, cfg->heartbeat, now);
    for (size_t i = 0; i < l.n; i = group_end(&l, i)) {
        const char *s = group_state(&l, i);

        counts[strcmp(s, "UP") == 0 ? 0 : strcmp(s, "DOWN") == 0 ? 1 : 2]++;
    }
    if (l.n == 0 && o.format != PCTL_TABLE)
        fprintf(errout, "probectl status: no target %s\n",
                o.site || o.target ? "matches" : "in the event store yet");
    if (o.format == PCTL_CSV) {
        status_csv(&l, &o, out);
    } else if (o.format == PCTL_JSON) {
        status_json(&l, &o, cfg, &run, st, counts, now, out);
    } else {
        print_daemon_line(out, &run, st, now, cfg);
        if (l.n == 0 && !o.site && !o.target) {
            fprintf(out,
                    "no status yet: is probed running with this configuration? data_dir is %s\n",
                    cfg->data_dir);
        } else if (l.n == 0) {
            fprintf(out, "no target in service matches%s%s%s%s\n", o.site ? " --site " : "",
                    o.site ? o.site : "", o.target ? " --target " : "", o.target ? o.target : "");
        } else {
            fprintf(out, "targets: %zu up, %zu down, %zu unknown; times in %s\n\n", counts[0],
                    counts[1], counts[2], pd_time_zone());
            if (status_table(&l, &o, now, out) == -ENOMEM) {
                fprintf(errout, "probectl status: out of memory\n");
                goto fail;
            }
        }
    }
    rc = pctl_finish_output(out, errout, "status");
fail:
    status_list_free(&l);
    pd_db_close(db);
    return rc;
}
