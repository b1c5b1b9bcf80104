#include "probectl_report.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "probectl_common.h"
#include "probectl_output.h"
#include "report.h"
#include "report_source.h"
#include "report_write.h"
#include "text_table.h"
#include "timefmt.h"
#include "yaml_tree.h"

#define ERR_LEN 8192

static const char report_help[] =
    "Usage: probectl [-c FILE] report --month YYYY-MM [--target ID | --site PATH |\n"
    "                --system ID] [--format table|csv|json|html|xlsx] [-o FILE]\n"
    "                [--excel] [--events FILE [--maintenance FILE]] [--quiet]\n"
    "       probectl report verify FILE\n"
    "\n"
    "The monthly availability report of the contract: for every target, system\n"
    "and site, availability, coverage, downtime, failures, MTBF, MTTR, the share\n"
    "of outages resolved in time, each judged against its severity's limits\n"
    "(met, not_met, or unverified when probed observed too little of the month),\n"
    "and every outage. The month is the calendar month in the configured time\n"
    "zone. docs/reports.md defines every figure.\n"
    "\n"
    "The records come from the event store, or, with --events, from files alone:\n"
    "an auditor recomputes the report from 'probectl events export' and a\n"
    "maintenance CSV and gets the same figures.\n"
    "\n"
    "Options:\n"
    "  --month YYYY-MM     the month (required)\n"
    "  --target ID         only this target\n"
    "  --site PATH         only the targets at this site and below it (and the\n"
    "                      systems wholly inside it)\n"
    "  --system ID         only this system and its members\n"
    "  --format FORMAT     table (the default on a terminal), csv, json, html\n"
    "                      (one printable file) or xlsx (needs -o); with -o the\n"
    "                      default comes from the file's extension\n"
    "  -o, --output FILE   write the report to FILE (replaced whole, never left\n"
    "                      half written) instead of standard output\n"
    "  --excel             CSV with a UTF-8 byte order mark, so that spreadsheet\n"
    "                      software shows Chinese names correctly\n"
    "  --events FILE       compute from this events export, not the store\n"
    "  --maintenance FILE  maintenance windows (CSV: start,end,target_or_site,\n"
    "                      reason) instead of the store's; the configuration's\n"
    "                      windows apply either way\n"
    "  -q, --quiet         no progress or summary on standard error\n"
    "  -h, --help          print this help and exit\n"
    "\n"
    "Every report states the period, time zone, probed version, the SHA-256 of\n"
    "the configuration files, and ends with the SHA-256 of its own content, so\n"
    "that a printed copy can be matched to its file: 'probectl report verify\n"
    "FILE' checks it (CSV, JSON, HTML; an XLSX shows the digest of its CSV).\n"
    "\n"
    "Examples:\n"
    "  probectl report --month 2026-10\n"
    "  probectl report --month 2026-10 --format xlsx -o 2026-10.xlsx\n"
    "  probectl report --month 2026-10 --site guizhou/zunyi -o zunyi.html\n"
    "  probectl events export --month 2026-10 > events.csv\n"
    "  probectl report --month 2026-10 --events events.csv --maintenance m.csv\n"
    "\n"
    "Exit status: 0 when the report was written, 1 on errors (no such month,\n"
    "target, site or system; unreadable records), 2 on bad usage. verify: 0 when\n"
    "the digest matches, 1 when it does not.\n";

struct report_opts {
    const char *month, *target, *site, *system, *output, *events, *maintenance;
    int format; /* enum pd_report_format or PCTL_FMT_TABLE */
    int format_given, excel, quiet;
};

/* -1 to go on, else the exit code. */
static int report_args(int argc, char **argv, struct report_opts *o, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"month", required_argument, NULL, 'm'},
        {"target", required_argument, NULL, 't'},
        {"site", required_argument, NULL, 's'},
        {"system", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"excel", no_argument, NULL, 'x'},
        {"events", required_argument, NULL, 'e'},
        {"maintenance", required_argument, NULL, 'M'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    *o = (struct report_opts){.format = PCTL_FMT_TABLE};
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            o->month = optarg;
            break;
        case 't':
            o->target = optarg;
            break;
        case 's':
            o->site = optarg;
            break;
        case 'S':
            o->system = optarg;
            break;
        case 'f': {
            int rc = pctl_record_format("report", optarg, &o->format, errout);
            if (rc >= 0)
                return rc;
            o->format_given = 1;
            break;
        }
        case 'o':
            o->output = optarg;
            break;
        case 'x':
            o->excel = 1;
            break;
        case 'e':
            o->events = optarg;
            break;
        case 'M':
            o->maintenance = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            fputs(report_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "report", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "report", "unexpected argument '%s'", argv[optind]);
    if (!o->month)
        return pctl_usage_error(errout, "report", "--month YYYY-MM is required");
    if (!!o->target + !!o->site + !!o->system > 1)
        return pctl_usage_error(errout, "report", "give at most one of --target, --site, --system");
    if (o->maintenance && !o->events)
        return pctl_usage_error(errout, "report",
                                "--maintenance replaces the store's windows only with --events");
    return pctl_record_output("report", o->output, o->format_given, &o->format, errout);
}

static void progress(size_t done, size_t total, void *arg)
{
    FILE *errout = arg;
    if (done == total || done % 1000 == 0)
        fprintf(errout, "\rprobectl report: %zu of %zu targets%s", done, total,
                done == total ? "\n" : "");
}

static void pct_text(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.4f", v);
}

/* The terminal's view: one line per target and system. */
static int print_table(const struct pd_report *r, FILE *out)
{
    static const char *const cols[] = {"ID",   "NAME",  "SEVERITY", "AVAIL %",  "COVER %",
                                       "DOWN", "FAILS", "MTBF h",   "MTTR min", "VERDICT"};
    struct pd_table *t = pd_table_new(10, cols);
    if (!t)
        return -ENOMEM;
    for (size_t c = 3; c < 9; c++)
        pd_table_set_align(t, c, PD_ALIGN_RIGHT);
    pd_table_set_max_width(t, 1, 24);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_targets + r->n_systems; i++) {
        int is_target = i < r->n_targets;
        const struct pd_report_target *tg = is_target ? &r->targets[i] : NULL;
        const struct pd_report_system *sy = is_target ? NULL : &r->systems[i - r->n_targets];
        const struct pd_avail *a = is_target ? &tg->avail : &sy->avail;
        const struct pd_sla_result *v = is_target ? &tg->sla : &sy->sla;
        char avail[32], cover[32], down[32], fails[16], mtbf[32], mttr[32], id[80];
        pct_text(a->availability_pct, avail, sizeof(avail));
        pct_text(a->coverage_pct, cover, sizeof(cover));
        pd_duration_short((pd_ns)(a->downtime_s * 1e9), down, sizeof(down));
        snprintf(fails, sizeof(fails), "%u", a->failures);
        if (isnan(a->mtbf_h))
            snprintf(mtbf, sizeof(mtbf), "-");
        else
            snprintf(mtbf, sizeof(mtbf), "%.2f", a->mtbf_h);
        if (isnan(a->mttr_min))
            snprintf(mttr, sizeof(mttr), "-");
        else
            snprintf(mttr, sizeof(mttr), "%.2f", a->mttr_min);
        snprintf(id, sizeof(id), "%s%s", is_target ? "" : "system:", is_target ? tg->id : sy->id);
        const char *cells[] = {id,
                               is_target ? tg->name : sy->name,
                               is_target ? tg->severity->name : sy->severity->name,
                               avail,
                               cover,
                               down,
                               fails,
                               mtbf,
                               mttr,
                               pd_sla_verdict_name(v->overall)};
        rc = pd_table_add_row(t, cells);
    }
    if (rc == 0)
        rc = pd_table_print(t, out);
    pd_table_free(t);
    return rc;
}

/* The targets with media checks, under the main table. */
static int print_media_table(const struct pd_report *r, FILE *out)
{
    static const char *const cols[] = {"ID",       "NAME",       "MEDIA SEEN", "DEGRADED",
                                       "DEGR MIN", "DEGRADED %", "PERIODS",    "LONGEST"};
    if (r->media_targets == 0)
        return 0;
    struct pd_table *t = pd_table_new(8, cols);
    if (!t)
        return -ENOMEM;
    for (size_t c = 2; c < 8; c++)
        pd_table_set_align(t, c, PD_ALIGN_RIGHT);
    pd_table_set_max_width(t, 1, 24);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_targets; i++) {
        const struct pd_report_target *tg = &r->targets[i];
        const struct pd_report_media *m = &tg->media;
        if (!m->has)
            continue;
        char seen[32], degraded[32], mins[32], pct[32], periods[16], longest[32];
        pd_duration_short((pd_ns)(m->observed_s * 1e9), seen, sizeof(seen));
        pd_duration_short((pd_ns)(m->degraded_s * 1e9), degraded, sizeof(degraded));
        snprintf(mins, sizeof(mins), "%.1f", m->degraded_s / 60.0);
        pct_text(m->degraded_pct, pct, sizeof(pct));
        snprintf(periods, sizeof(periods), "%u", m->periods);
        pd_duration_short((pd_ns)(m->longest_s * 1e9), longest, sizeof(longest));
        const char *cells[] = {tg->id, tg->name, seen, degraded, mins, pct, periods, longest};
        rc = pd_table_add_row(t, cells);
    }
    if (rc == 0 &&
        fputs("\nMedia quality (rtp checks; time without media is not counted):\n", out) < 0)
        rc = -EIO;
    if (rc == 0)
        rc = pd_table_print(t, out);
    pd_table_free(t);
    return rc;
}

static int write_xlsx(const struct pd_report *r, const char *path, char *err, size_t errlen)
{
    char *csv = NULL, hex[PD_SHA256_HEX];
    size_t len;
    int rc = pd_report_csv(r, false, &csv, &len);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    /* The CSV's digest is its last line's last 64 characters. */
    snprintf(hex, sizeof(hex), "%.64s", csv + len - 66);
    free(csv);
    char *tmp = NULL;
    if ((rc = pd_tmp_path(path, &tmp, err, errlen)) < 0)
        return rc;
    rc = pd_report_xlsx(r, tmp, hex, err, errlen);
    int crc = pd_commit_atomic(tmp, path, rc < 0, err, errlen);
    free(tmp);
    return rc < 0 ? rc : crc;
}

static int verify(int argc, char **argv, FILE *out, FILE *errout)
{
    char err[512], *doc = NULL;
    size_t len;
    if (argc != 2)
        return pctl_usage_error(errout, "report", "verify takes one FILE");
    if (pd_read_file_max(argv[1], PD_REPORT_FILE_MAX, &doc, &len, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl report verify: %s\n", err);
        return 1;
    }
    int rc = pd_report_verify(doc, len, err, sizeof(err));
    free(doc);
    if (rc < 0) {
        fprintf(errout, "probectl report verify: %s: %s\n", argv[1], err);
        return 1;
    }
    fprintf(out, "%s: digest matches its content\n", argv[1]);
    return 0;
}

int pd_cmd_report(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    struct report_opts o;
    struct pd_report_data d = {0};
    struct pd_report *r = NULL;
    struct pd_db *db = NULL;
    char *doc = NULL, hash[PD_SHA256_HEX];
    size_t len = 0;
    int rc;

    if (argc > 1 && strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1, out, errout);
    if ((rc = report_args(argc, argv, &o, out, errout)) >= 0)
        return rc;
    rc = 1;
    pd_ns start, end, now = pd_clock_wall();
    if (pd_time_month(o.month, &start, &end, err, sizeof(err)) < 0) {
        pctl_usage_error(errout, "report", "--month: %s", err);
        return 2;
    }
    if (start > now) {
        fprintf(errout, "probectl report: %s has not begun yet (time zone %s)\n", o.month,
                cfg->timezone);
        return 1;
    }
    if (pd_config_sha256(cfg, hash, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl report: %s\n", err);
        return 1;
    }
    char source[1024];
    if (o.events) {
        if (pd_report_data_from_files(o.events, o.maintenance, cfg, &d, err, sizeof(err)) < 0) {
            fprintf(errout, "%sprobectl report: cannot use %s\n", err, o.events);
            goto out;
        }
        snprintf(source, sizeof(source), "files: %s%s%s", o.events,
                 o.maintenance ? ", maintenance " : "", o.maintenance ? o.maintenance : "");
    } else {
        if (pctl_open_store(cfg, "report", &db, errout) < 0)
            goto out;
        if (pd_report_data_from_store(db, cfg, NULL, 0, &d, err, sizeof(err)) < 0) {
            fprintf(errout, "probectl report: %s\n", err);
            goto out;
        }
        snprintf(source, sizeof(source), "event store %s/%s", cfg->data_dir, PD_DB_FILE);
    }
    d.in.month = o.month;
    bool so_far = pd_report_period_so_far(&d.in, start, end, now);
    d.in.timezone = cfg->timezone;
    d.in.version = PROBED_VERSION;
    d.in.config_hash = hash;
    d.in.source = source;
    d.in.generated = now;
    d.in.scope = o.target   ? PD_SCOPE_TARGET
                 : o.site   ? PD_SCOPE_SITE
                 : o.system ? PD_SCOPE_SYSTEM
                            : PD_SCOPE_ALL;
    d.in.scope_what = o.target ? o.target : o.site ? o.site : o.system;
    if (!o.quiet && isatty(fileno(errout)) && d.n_targets >= 2000) {
        d.in.progress = progress;
        d.in.progress_arg = errout;
    }
    if (pd_report_build(&d.in, &r, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl report: %s\n", err);
        goto out;
    }
    if (r->n_targets == 0 && r->n_systems == 0) {
        fprintf(errout, "probectl report: no target %s was in service in %s (%s)\n",
                d.in.scope == PD_SCOPE_ALL ? "at all" : "of this scope", o.month, source);
        goto out;
    }
    int wrc = 0;
    switch (o.format) {
    case PCTL_FMT_TABLE:
        if ((wrc = print_table(r, out)) == 0)
            wrc = print_media_table(r, out);
        break;
    case PD_REPORT_CSV:
        wrc = pd_report_csv(r, o.excel, &doc, &len);
        break;
    case PD_REPORT_JSON:
        wrc = pd_report_json(r, &doc, &len);
        break;
    case PD_REPORT_HTML:
        wrc = pd_report_html(r, &doc, &len);
        break;
    case PD_REPORT_XLSX:
        wrc = write_xlsx(r, o.output, err, sizeof(err));
        break;
    }
    if (wrc == -ENOMEM)
        snprintf(err, sizeof(err), "out of memory");
    if (wrc == 0 && doc) {
        if (o.output)
            wrc = pd_write_atomic(o.output, doc, len, err, sizeof(err));
        else if (fwrite(doc, 1, len, out) != len)
            wrc = -EIO;
    }
    if (wrc < 0) {
        fprintf(errout, "probectl report: %s\n", wrc == -EIO && !o.output ? "write error" : err);
        goto out;
    }
    if (o.format == PCTL_FMT_TABLE ? pctl_finish_output(out, errout, "report") != 0 : 0)
        goto out;
    char media[64] = "";
    if (r->media_targets)
        snprintf(media, sizeof(media), ", degraded media %.1f min", r->media_degraded_s / 60.0);
    if (!o.quiet && (o.output || o.format == PCTL_FMT_TABLE))
        fprintf(errout,
                "probectl report: %s%s%s: %zu targets (%u met, %u not met, %u unverified), "
                "%zu systems, %u failures%s%s%s\n",
                o.month, o.output ? " -> " : "", o.output ? o.output : "", r->n_targets, r->met,
                r->not_met, r->unverified, r->n_systems, r->failures, media,
                r->provisional ? "; PROVISIONAL: not every target was seen after the month" : "",
                so_far ? "; so far: the month has not ended, figures up to the last record" : "");
    rc = 0;
out:
    free(doc);
    pd_report_free(r);
    pd_report_data_free(&d);
    pd_db_close(db);
    return rc;
}

static const char export_help[] =
    "Usage: probectl [-c FILE] events export --month YYYY-MM [--excel]\n"
    "\n"
    "Writes the raw records a month's report is computed from, as CSV on\n"
    "standard output: every target's state changes that decide the month's\n"
    "figures (from its last settled UP before the month to its first after it,\n"
    "so that outages crossing the month's edges have their whole duration),\n"
    "its added and retired times, and a last row saying up to when the records\n"
    "are complete. 'probectl report --events FILE' recomputes the report from it\n"
    "alone, with the same figures.\n"
    "\n"
    "Columns: time (RFC 3339 with offset), target, state (up, down, unknown,\n"
    "added, retired, observed), check (empty: the target itself), message,\n"
    "name, site, type.\n"
    "\n"
    "Options:\n"
    "  --month YYYY-MM  the month (required)\n"
    "  --excel          start with a UTF-8 byte order mark for spreadsheet software\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "Example:\n"
    "  probectl events export --month 2026-10 > events-2026-10.csv\n";

int pd_cmd_events_export(const struct pd_config *cfg, int argc, char **argv, FILE *out,
                         FILE *errout)
{
    static const struct option longopts[] = {
        {"month", required_argument, NULL, 'm'},
        {"excel", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static char err[ERR_LEN];
    const char *month = NULL;
    int opt, excel = 0, rc = 1;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            month = optarg;
            break;
        case 'x':
            excel = 1;
            break;
        case 'h':
            fputs(export_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "events export", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "events export", "unexpected argument '%s'", argv[optind]);
    if (!month)
        return pctl_usage_error(errout, "events export", "--month YYYY-MM is required");
    pd_ns start, end;
    if (pd_time_month(month, &start, &end, err, sizeof(err)) < 0)
        return pctl_usage_error(errout, "events export", "--month: %s", err);
    struct pd_db *db = NULL;
    struct pd_report_data d = {0};
    if (pctl_open_store(cfg, "events export", &db, errout) < 0)
        goto out;
    if (pd_report_data_from_store(db, cfg, NULL, 0, &d, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl events export: %s\n", err);
        goto out;
    }
    if (excel)
        fputs(PCTL_BOM, out);
    if (pd_report_events_write(&d, (struct pd_span){start, end}, out) < 0) {
        fprintf(errout, "probectl events export: out of memory\n");
        goto out;
    }
    rc = pctl_finish_output(out, errout, "events export");
out:
    pd_report_data_free(&d);
    pd_db_close(db);
    return rc;
}
