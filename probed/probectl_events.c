#include "probectl_status.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "probectl_common.h"
#include "probectl_report.h"
#include "text_table.h"
#include "timefmt.h"

#define ARROW " \xe2\x86\x92 " /* → */
#define DAY   (24 * 3600 * PD_SEC)

enum { E_TARGET, E_NAME, E_SITE, E_CHECK, E_FROM, E_TO, E_REASON, E_N };

struct event {
    char *s[E_N]; /* copies of the pd_event_row strings, never NULL */
    int64_t id;
    pd_ns at, detected;
    pd_ns lasted; /* how long `from` had lasted; -1: not known */
    int note;     /* a probe's event (pd_event): kind in s[E_TO], message in s[E_REASON] */
};

struct gap {
    pd_ns from, to; /* to 0: still going on */
    char *reason;
};

struct event_list {
    struct event *v;
    size_t n, cap;
    struct gap *gaps;
    size_t n_gaps, cap_gaps;
};

static const char events_help[] =
    "Usage: probectl [-c FILE] events [--target ID] [--site PREFIX] [--since TIME]\n"
    "                [--until TIME] [--targets-only] [--format table|csv] [--no-bom]\n"
    "       probectl [-c FILE] events export --month YYYY-MM   (see events export --help)\n"
    "\n"
    "Lists the state changes of targets and checks in a time range, oldest first,\n"
    "with what the probes saw happen besides (EVENT reboot: an SNMP agent restarted),\n"
    "from the event store <data_dir>/probed.db, together with the periods when no\n"
    "probed was watching (NOT OBSERVED): those count as neither up nor down, and\n"
    "are listed so that nobody mistakes a silent stretch for one without faults.\n"
    "The range is the last 24 hours unless --since or --until say otherwise.\n"
    "\n"
    "Columns of the table (times in the configured time zone):\n"
    "  TIME      when the new state began (an outage begins at its first bad\n"
    "            round, not when it was confirmed)\n"
    "  TARGET    the target's id (\"*\" for NOT OBSERVED: no target was watched)\n"
    "  NAME      the target's display name\n"
    "  CHECK     the check id; \"-\" for the target as a whole; check/part for\n"
    "            an event about one part of a check (snmp/gi1_0_1: an interface)\n"
    "  CHANGE    old state -> new state (UP, DOWN, UNKNOWN), or NOT OBSERVED\n"
    "  LASTED    how long the old state had lasted, when it began in the range;\n"
    "            for NOT OBSERVED, how long the gap lasted\n"
    "  DETECTED  how long after TIME probed confirmed the change\n"
    "  REASON    why, as the probe reported it\n"
    "\n"
    "Options:\n"
    "  --target ID      only this target\n"
    "  --site PREFIX    only targets at this site or below it\n"
    "  --since TIME     start of the range (default: 24 hours before --until)\n"
    "  --until TIME     end of the range, exclusive (default: now)\n"
    "  --targets-only   only the targets' own changes, not their checks'\n"
    "  --format FORMAT  table (default) or csv: one line per change or gap with the\n"
    "                   columns kind (transition or not_observed), time, end (of a\n"
    "                   gap), target, name, site, check (empty for the target),\n"
    "                   from, to, lasted_s (seconds), detected, reason; times in\n"
    "                   ISO 8601 with offset\n"
    "  --no-bom         CSV without the UTF-8 byte order mark\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "TIME is one of\n"
    "  2026-11-01  2026-11-01 08:00  2026-11-01T08:00:00   in the configured zone\n"
    "  2026-11-01T08:00:00+08:00  2026-11-01 00:00Z        with an explicit offset\n"
    "  now  -2h  -7d  -1h30m                               relative to now\n"
    "\n"
    "Examples:\n"
    "  probectl events\n"
    "  probectl events --site guizhou/zunyi --since -7d --targets-only\n"
    "  probectl events --since 2026-11-01 --until 2026-12-01 --format csv > nov.csv\n"
    "\n"
    "Exit status: 0 when the events were listed (also when there are none), 1 when\n"
    "the event store cannot be read, 2 on bad usage.\n";

struct events_opts {
    const char *target, *site;
    pd_ns since, until; /* until 0: open (now) */
    int targets_only;
    enum pctl_format format;
    int bom;
};

static int parse_time_opt(const char *opt, const char *text, pd_ns now, pd_ns *out, FILE *errout)
{
    char err[256];

    if (pd_time_parse(text, now, out, err, sizeof(err)) == 0)
        return -1;
    fprintf(errout, "probectl events: %s: %s\n", opt, err);
    fprintf(errout, "Try 'probectl events --help'.\n");
    return 2;
}

/* -1 to go on, else the exit code. */
static int events_args(int argc, char **argv, pd_ns now, struct events_opts *o, FILE *out,
                       FILE *errout)
{
    static const struct option longopts[] = {
        {"target", required_argument, NULL, 't'},
        {"site", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'a'},
        {"until", required_argument, NULL, 'b'},
        {"targets-only", no_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'f'},
        {"no-bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *since = NULL, *until = NULL;
    int opt, rc;

    *o = (struct events_opts){.format = PCTL_TABLE, .bom = 1};
    optind = 0; /* glibc: start afresh on this argv */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            o->target = optarg;
            break;
        case 's':
            o->site = optarg;
            break;
        case 'a':
            since = optarg;
            break;
        case 'b':
            until = optarg;
            break;
        case 'T':
            o->targets_only = 1;
            break;
        case 'f':
            if (pctl_parse_format(optarg, 0, &o->format) < 0)
                return pctl_usage_error(errout, "events", "--format must be table or csv, not '%s'",
                                        optarg);
            break;
        case 'B':
            o->bom = 0;
            break;
        case 'h':
            fputs(events_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "events", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "events", "unexpected argument '%s'", argv[optind]);
    if (until && (rc = parse_time_opt("--until", until, now, &o->until, errout)) >= 0)
        return rc;
    if (since && (rc = parse_time_opt("--since", since, now, &o->since, errout)) >= 0)
        return rc;
    if (!since)
        o->since = (until ? o->until : now) - DAY;
    if (until && o->since >= o->until)
        return pctl_usage_error(errout, "events", "--since must be before --until");
    return -1;
}

static void event_list_free(struct event_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int k = 0; k < E_N; k++)
            free(l->v[i].s[k]);
    free(l->v);
    for (size_t i = 0; i < l->n_gaps; i++)
        free(l->gaps[i].reason);
    free(l->gaps);
}

static int copy_event(const struct pd_event_row *r, void *arg)
{
    struct event_list *l = arg;
    const char *src[E_N] = {r->target_id, r->name, r->site, r->check_id, r->from, r->to, r->reason};
    struct event *e, *grown;

    grown = pctl_grow(l->v, &l->cap, l->n, sizeof(*l->v));
    if (!grown)
        return -ENOMEM;
    l->v = grown;
    e = &l->v[l->n++];
    *e = (struct event){.id = r->id, .at = r->at, .detected = r->detected, .lasted = -1};
    for (int k = 0; k < E_N; k++)
        if (!(e->s[k] = pctl_strdup(src[k])))
            return -ENOMEM;
    return 0;
}

static int copy_note(const struct pd_note_row *r, void *arg)
{
    /* About one part of the check (an interface): check/part. */
    char check[2 * 256];
    snprintf(check, sizeof(check), "%s%s%s", r->check_id, r->series[0] ? "/" : "", r->series);
    struct pd_event_row row = {.target_id = r->target_id,
                               .name = r->name,
                               .site = r->site,
                               .check_id = check,
                               .at = r->at,
                               .detected = r->at,
                               .from = "",
                               .to = r->kind,
                               .reason = r->message};
    struct event_list *l = arg;
    int rc = copy_event(&row, l);
    if (rc == 0)
        l->v[l->n - 1].note = 1;
    return rc;
}

/* Changes and probe events in one time line; at one instant the change
 * first. */
static int cmp_event_time(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->note != y->note)
        return x->note - y->note;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int add_gap(struct event_list *l, pd_ns from, pd_ns to, const char *reason)
{
    struct gap *g, *grown;

    grown = pctl_grow(l->gaps, &l->cap_gaps, l->n_gaps, sizeof(*l->gaps));
    if (!grown)
        return -ENOMEM;
    l->gaps = grown;
    g = &l->gaps[l->n_gaps];
    *g = (struct gap){.from = from, .to = to, .reason = pctl_strdup(reason)};
    if (!g->reason)
        return -ENOMEM;
    l->n_gaps++;
    return 0;
}

static int copy_gap(const struct pd_gap_row *r, void *arg)
{
    return add_gap(arg, r->from, r->to, r->reason);
}

static int cmp_event_key(const void *a, const void *b)
{
    const struct event *x = *(const struct event *const *)a;
    const struct event *y = *(const struct event *const *)b;
    int c = strcmp(x->s[E_TARGET], y->s[E_TARGET]);

    if (!c)
        c = strcmp(x->s[E_CHECK], y->s[E_CHECK]);
    if (!c)
        c = x->at < y->at ? -1 : x->at > y->at;
    if (!c)
        c = x->id < y->id ? -1 : x->id > y->id;
    return c;
}

/* The previous state's length is known when its own start, the previous
 * change of the same target and check, is in the list. */
static int compute_lasted(struct event_list *l)
{
    struct event **by_key = calloc(l->n ? l->n : 1, sizeof(*by_key));

    if (!by_key)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].note)
            by_key[n++] = &l->v[i];
    qsort(by_key, n, sizeof(*by_key), cmp_event_key);
    for (size_t i = 1; i < n; i++) {
        const struct event *prev = by_key[i - 1];
        struct event *e = by_key[i];

        if (strcmp(prev->s[E_TARGET], e->s[E_TARGET]) == 0 &&
            strcmp(prev->s[E_CHECK], e->s[E_CHECK]) == 0 &&
            strcmp(prev->s[E_TO], e->s[E_FROM]) == 0)
            e->lasted = e->at - prev->at;
    }
    free(by_key);
    return 0;
}

static void delay_text(pd_ns at, pd_ns detected, char *buf, size_t len)
{
    char d[PD_TIME_BUFLEN];

    if (!detected || detected < at)
        buf[0] = '\0';
    else if (detected - at < 60 * PD_SEC)
        snprintf(buf, len, "+%.1fs", (double)(detected - at) / PD_SEC);
    else
        snprintf(buf, len, "+%s", pd_duration_short(detected - at, d, sizeof(d)));
}

/* Walk changes and gaps together in time order. A change at the instant a
 * gap begins goes first: it is the state that gap leaves open (e.g.
 * "daemon stopped"). Returns 1 for a gap, 0 for a change, -1 at the end,
 * with its index in *idx. */
static int next_item(const struct event_list *l, size_t *ei, size_t *gi, size_t *idx)
{
    if (*gi < l->n_gaps && (*ei >= l->n || l->gaps[*gi].from < l->v[*ei].at)) {
        *idx = (*gi)++;
        return 1;
    }
    if (*ei < l->n) {
        *idx = (*ei)++;
        return 0;
    }
    return -1;
}

static int events_table(const struct event_list *l, pd_ns now, FILE *out)
{
    static const char *const headers[] = {"TIME",   "TARGET", "NAME",     "CHECK",
                                          "CHANGE", "LASTED", "DETECTED", "REASON"};
    struct pd_table *t = pd_table_new(8, headers);
    size_t ei = 0, gi = 0, idx;
    int kind, rc = -ENOMEM;

    if (!t)
        goto fail;
    pd_table_set_max_width(t, 2, 24);
    while ((kind = next_item(l, &ei, &gi, &idx)) >= 0) {
        char when[PD_TIME_BUFLEN], lasted[PD_TIME_BUFLEN], change[64], delay[PD_TIME_BUFLEN];
        char reason[PCTL_TEXT_LEN], end[PD_TIME_BUFLEN];
        const char *cells[8] = {when, "", "", "", change, lasted, delay, reason};

        lasted[0] = delay[0] = '\0';
        if (kind == 1) {
            const struct gap *g = &l->gaps[idx];

            pd_time_format_local(g->from, when, sizeof(when));
            cells[1] = "*";
            snprintf(change, sizeof(change), "NOT OBSERVED");
            pd_duration_short((g->to ? g->to : now) - g->from, lasted, sizeof(lasted));
            if (g->to)
                snprintf(reason, sizeof(reason), "%s; until %s", g->reason,
                         pd_time_format_local(g->to, end, sizeof(end)));
            else
                snprintf(reason, sizeof(reason), "%s (still going on)", g->reason);
        } else {
            const struct event *e = &l->v[idx];

            pd_time_format_local(e->at, when, sizeof(when));
            cells[1] = e->s[E_TARGET];
            cells[2] = e->s[E_NAME];
            cells[3] = e->s[E_CHECK][0] ? e->s[E_CHECK] : "-";
            if (e->note)
                snprintf(change, sizeof(change), "EVENT %s", e->s[E_TO]);
            else
                snprintf(change, sizeof(change), "%s" ARROW "%s", e->s[E_FROM], e->s[E_TO]);
            if (e->lasted >= 0)
                pd_duration_short(e->lasted, lasted, sizeof(lasted));
            if (!e->note)
                delay_text(e->at, e->detected, delay, sizeof(delay));
            cells[7] = e->s[E_REASON];
        }
        if (pd_table_add_row(t, cells) < 0)
            goto fail;
    }
    rc = pd_table_print(t, out);
fail:
    pd_table_free(t);
    return rc;
}

static void events_csv(const struct event_list *l, const struct events_opts *o, FILE *out)
{
    static const char *const headers[] = {"kind",  "time", "end", "target",   "name",     "site",
                                          "check", "from", "to",  "lasted_s", "detected", "reason"};
    size_t ei = 0, gi = 0, idx;
    int kind;

    pctl_csv_header(out, o->bom, headers, sizeof(headers) / sizeof(headers[0]));
    while ((kind = next_item(l, &ei, &gi, &idx)) >= 0) {
        if (kind == 1) {
            const struct gap *g = &l->gaps[idx];

            pctl_csv_cell(out, "not_observed", 1, 0);
            pctl_csv_time(out, g->from);
            pctl_csv_time(out, g->to);
            fputs(",,,,,,,,", out); /* target .. detected */
            pctl_csv_cell(out, g->reason, 0, 1);
        } else {
            const struct event *e = &l->v[idx];

            pctl_csv_cell(out, e->note ? "event" : "transition", 1, 0);
            pctl_csv_time(out, e->at);
            pctl_csv_cell(out, "", 0, 0);
            pctl_csv_cell(out, e->s[E_TARGET], 0, 0);
            pctl_csv_cell(out, e->s[E_NAME], 0, 1);
            pctl_csv_cell(out, e->s[E_SITE], 0, 0);
            pctl_csv_cell(out, e->s[E_CHECK], 0, 0);
            pctl_csv_cell(out, e->s[E_FROM], 0, 0);
            pctl_csv_cell(out, e->s[E_TO], 0, 0);
            if (e->lasted >= 0)
                fprintf(out, ",%.3f", (double)e->lasted / PD_SEC);
            else
                fputc(',', out);
            pctl_csv_time(out, e->detected);
            pctl_csv_cell(out, e->s[E_REASON], 0, 1);
        }
        pctl_csv_end_row(out);
    }
}

/* While probed is not running, its gap is not in the store yet (it is
 * written at the next start): show it, up to now. */
static int add_current_gap(struct event_list *l, const struct pctl_run *run,
                           enum pctl_daemon_state st, const struct events_opts *o)
{
    pd_ns from = st == PCTL_STOPPED ? run->stopped : run->last_heartbeat;

    if (st != PCTL_STOPPED && st != PCTL_LOST)
        return 0;
    if (o->until && from >= o->until)
        return 0;
    return add_gap(l, from, 0,
                   st == PCTL_STOPPED ? "probed stopped" : "probed not running (no heartbeat)");
}

int pd_cmd_events(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    if (argc > 1 && strcmp(argv[1], "export") == 0)
        return pd_cmd_events_export(cfg, argc - 1, argv + 1, out, errout);
    pd_ns now = pd_clock_wall();
    struct events_opts o;
    struct event_list l = {0};
    struct pctl_run run = {0};
    struct pd_db *db = NULL;
    struct pd_event_filter filter;
    char a[PD_TIME_BUFLEN], b[PD_TIME_BUFLEN];
    int rc = events_args(argc, argv, now, &o, out, errout), err;

    if (rc >= 0)
        return rc;
    rc = 1;
    if (pctl_open_store(cfg, "events", &db, errout) < 0)
        goto fail;
    if (pctl_load_run(db, &run, "events", errout) < 0)
        goto fail;
    filter = (struct pd_event_filter){.target_id = o.target,
                                      .site_prefix = o.site,
                                      .from = o.since,
                                      .until = o.until,
                                      .targets_only = o.targets_only};
    err = pd_db_events(db, &filter, copy_event, &l);
    size_t n_changes = l.n;
    if (err == 0)
        err = pd_db_notes(db, &filter, copy_note, &l);
    if (err == 0 && l.n > n_changes)
        qsort(l.v, l.n, sizeof(*l.v), cmp_event_time);
    if (err == 0)
        err = pd_db_gaps(db, o.since, o.until ? o.until : INT64_MAX, copy_gap, &l);
    if (err == 0)
        err = add_current_gap(&l, &run, pctl_daemon_state(&run, cfg->heartbeat, now), &o);
    if (err == 0)
        err = compute_lasted(&l);
    if (err < 0) {
        fprintf(errout, "probectl events: reading the events: %s\n", strerror(-err));
        goto fail;
    }
    if (o.format == PCTL_CSV) {
        events_csv(&l, &o, out);
    } else {
        fprintf(out, "from %s to %s%s; times in %s\n", pd_time_format(o.since, a, sizeof(a)),
                pd_time_format(o.until ? o.until : now, b, sizeof(b)), o.until ? "" : " (now)",
                pd_time_zone());
        size_t n_notes = l.n - n_changes;
        fprintf(out, "%zu state change%s, %zu probe event%s, %zu period%s not observed\n",
                n_changes, n_changes == 1 ? "" : "s", n_notes, n_notes == 1 ? "" : "s", l.n_gaps,
                l.n_gaps == 1 ? "" : "s");
        if (l.n + l.n_gaps > 0) {
            fputc('\n', out);
            if (events_table(&l, now, out) == -ENOMEM) {
                fprintf(errout, "probectl events: out of memory\n");
                goto fail;
            }
        }
    }
    rc = pctl_finish_output(out, errout, "events");
fail:
    event_list_free(&l);
    pd_db_close(db);
    return rc;
}
