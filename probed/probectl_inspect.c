/* probectl inspect: the inspection records of the contracts (issue 10,
 * docs/inspection.md): the daily health check, the monthly inspection
 * report, and the quarterly sample of sites with their checklists. */
#include "probectl_inspect.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "clock.h"
#include "fsutil.h"
#include "inspect_files.h"
#include "inspect_sample.h"
#include "inspect_write.h"
#include "probectl_common.h"
#include "probectl_output.h"
#include "text_table.h"
#include "timefmt.h"

#define ERR_LEN 8192

static const char inspect_help[] =
    "Usage: probectl [-c FILE] inspect daily [--date YYYY-MM-DD|today|next] [--site PATH]\n"
    "                [OUTPUT]\n"
    "       probectl [-c FILE] inspect monthly --month YYYY-MM [--site PATH] [OUTPUT]\n"
    "       probectl [-c FILE] inspect sample --quarter YYYYQn --sites N [--weighted]\n"
    "                [--site PATH] [OUTPUT]\n"
    "  OUTPUT: [--format table|csv|json|html|xlsx] [-o FILE] [--excel] [--quiet]\n"
    "\n"
    "The written inspection records of the contracts, made from what probed\n"
    "measured (docs/inspection.md):\n"
    "\n"
    "daily    The daily health check of every device: its state at the check\n"
    "         time, outages and their durations since the previous working day's\n"
    "         check (24 hours, 72 after a weekend, longer after holidays), ICMP\n"
    "         loss, RTT and jitter, SNMP reboots and interface errors,\n"
    "         certificate days left, media quality; then the problems to act on\n"
    "         first. The check time and the working days (weekdays, holidays,\n"
    "         make-up days) come from the configuration's `inspection` section;\n"
    "         the daemon writes the same record into <data_dir>/reports at that\n"
    "         time each working day. Without --date: the latest check made.\n"
    "monthly  The monthly inspection report: the month's measurements summarised\n"
    "         per device and per site; availability, outages, failures and MTTR\n"
    "         are exactly those of 'probectl report' for the month.\n"
    "sample   A reproducible random sample of N sites for the quarter's on-site\n"
    "         inspection (the same quarter and sites give the same list; another\n"
    "         quarter, another list), with a checklist per site pre-filled with\n"
    "         its devices' measured figures and empty fields for the inspector.\n"
    "         --weighted favours sites with more outages in the quarter so far.\n"
    "\n"
    "Options:\n"
    "  --date YYYY-MM-DD   daily: the day of the check (its check time ends the\n"
    "                      period; a check time still to come: the period so far);\n"
    "                      'today'; 'next': the next check, its period so far\n"
    "  --month YYYY-MM     monthly: the month, in the configured time zone\n"
    "  --quarter YYYYQn    sample: the quarter, e.g. 2026Q4\n"
    "  --sites N           sample: how many sites (all of them when fewer exist)\n"
    "  --weighted          sample: weight sites by their outages this quarter\n"
    "  --site PATH         only the devices at this site and below it (sample:\n"
    "                      only the sites there)\n"
    "  --format FORMAT     table (the default on a terminal), csv, json, html\n"
    "                      (one printable file) or xlsx (needs -o); with -o the\n"
    "                      default comes from the file's extension\n"
    "  -o, --output FILE   write to FILE (replaced whole, never half written)\n"
    "  --excel             CSV with a UTF-8 byte order mark for spreadsheet software\n"
    "  -q, --quiet         no summary on standard error\n"
    "  -h, --help          print this help and exit\n"
    "\n"
    "CSV, JSON and HTML end with the SHA-256 of their content ('probectl report\n"
    "verify FILE' checks it); an XLSX shows the digest of its CSV.\n"
    "\n"
    "Examples:\n"
    "  probectl inspect daily\n"
    "  probectl inspect daily --date 2026-11-20 --site guizhou/zunyi -o zunyi.html\n"
    "  probectl inspect monthly --month 2026-10 -o inspection-2026-10.xlsx\n"
    "  probectl inspect sample --quarter 2026Q4 --sites 30 --weighted -o q4.html\n"
    "\n"
    "Exit status: 0 when the record was made, 1 on errors (no such day, month,\n"
    "site; unreadable records), 2 on bad usage.\n";

struct opts {
    const char *cmd; /* "inspect daily", ... */
    const char *date, *month, *quarter, *site, *output;
    long sites;
    int weighted;
    int format; /* enum pd_report_format or PCTL_FMT_TABLE */
    int format_given, excel, quiet;
};

/* -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct opts *o, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"date", required_argument, NULL, 'd'},    {"month", required_argument, NULL, 'm'},
        {"quarter", required_argument, NULL, 'Q'}, {"sites", required_argument, NULL, 'n'},
        {"weighted", no_argument, NULL, 'w'},      {"site", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},  {"output", required_argument, NULL, 'o'},
        {"excel", no_argument, NULL, 'x'},         {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1; /* argv[0] is the subcommand */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            o->date = optarg;
            break;
        case 'm':
            o->month = optarg;
            break;
        case 'Q':
            o->quarter = optarg;
            break;
        case 'n': {
            char *end;
            errno = 0;
            o->sites = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || o->sites < 1 || o->sites > 100000)
                return pctl_usage_error(errout, o->cmd, "--sites must be 1 to 100000, not '%s'",
                                        optarg);
            break;
        }
        case 'w':
            o->weighted = 1;
            break;
        case 's':
            o->site = optarg;
            break;
        case 'f': {
            int rc = pctl_record_format(o->cmd, optarg, &o->format, errout);
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
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            fputs(inspect_help, out);
            return 0;
        default:
            return pctl_option_error(errout, o->cmd, opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, o->cmd, "unexpected argument '%s'", argv[optind]);
    if (o->site && !pd_site_valid(o->site))
        return pctl_usage_error(errout, o->cmd, "--site: '%s' is not a site path", o->site);
    return pctl_record_output(o->cmd, o->output, o->format_given, &o->format, errout);
}

/* Only the options of this subcommand. */
static int check_opts(const struct opts *o, const char *sub, FILE *errout)
{
    bool daily = strcmp(sub, "daily") == 0, monthly = strcmp(sub, "monthly") == 0,
         sample = strcmp(sub, "sample") == 0;
    if (o->date && !daily)
        return pctl_usage_error(errout, o->cmd, "--date is for inspect daily");
    if (o->month && !monthly)
        return pctl_usage_error(errout, o->cmd, "--month is for inspect monthly");
    if ((o->quarter || o->sites || o->weighted) && !sample)
        return pctl_usage_error(errout, o->cmd,
                                "--quarter, --sites, --weighted are for inspect "
                                "sample");
    if (monthly && !o->month)
        return pctl_usage_error(errout, o->cmd, "--month YYYY-MM is required");
    if (sample && (!o->quarter || !o->sites))
        return pctl_usage_error(errout, o->cmd, "--quarter YYYYQn and --sites N are required");
    return -1;
}

static void num_text(double v, int decimals, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.*f", decimals, v);
}

static int print_problems(const struct pd_inspection *in, FILE *out)
{
    static const char *const cols[] = {"#", "KIND", "ID", "NAME", "PROBLEM"};
    if (in->n_problems == 0)
        return fputs("No problems to act on.\n\n", out) < 0 ? -EIO : 0;
    struct pd_table *t = pd_table_new(5, cols);
    if (!t)
        return -ENOMEM;
    pd_table_set_align(t, 0, PD_ALIGN_RIGHT);
    pd_table_set_max_width(t, 3, 20);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->n_problems; i++) {
        const struct pd_inspect_problem *p = &in->problems[i];
        char rank[24];
        snprintf(rank, sizeof(rank), "%zu", i + 1);
        const char *cells[] = {rank, pd_problem_kind_name(p->kind), in->devices[p->device].t->id,
                               in->devices[p->device].t->name, p->text};
        rc = pd_table_add_row(t, cells);
    }
    if (rc == 0 && fputs("Problems to act on first:\n", out) < 0)
        rc = -EIO;
    if (rc == 0)
        rc = pd_table_print(t, out);
    if (rc == 0 && fputs("\n", out) < 0)
        rc = -EIO;
    pd_table_free(t);
    return rc;
}

static int print_devices(const struct pd_inspection *in, FILE *out)
{
    static const char *const cols[] = {"ID",     "NAME",    "STATE",  "AVAIL %",
                                       "DOWN",   "OUTAGES", "LOSS %", "RTT p95",
                                       "JITTER", "REBOOTS", "IF ERR", "CERT d"};
    struct pd_table *t = pd_table_new(12, cols);
    if (!t)
        return -ENOMEM;
    for (size_t c = 3; c < 12; c++)
        pd_table_set_align(t, c, PD_ALIGN_RIGHT);
    pd_table_set_max_width(t, 1, 20);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in->n_devices; i++) {
        const struct pd_inspect_device *d = &in->devices[i];
        const struct pd_avail *a = &d->t->avail;
        char avail[32], down[32], outages[16], loss[32], rtt[32], jit[32], reboots[16], iferr[32],
            cert[32];
        unsigned n = 0;
        for (size_t k = 0; k < a->n_outages; k++)
            n += !a->outages[k].maintenance_only;
        num_text(a->availability_pct, 4, avail, sizeof(avail));
        pd_duration_short((pd_ns)llround(a->downtime_s) * PD_SEC, down, sizeof(down));
        snprintf(outages, sizeof(outages), "%u", n);
        num_text(d->has_icmp ? d->loss.mean : NAN, 2, loss, sizeof(loss));
        num_text(d->has_icmp ? d->rtt.p95 : NAN, 1, rtt, sizeof(rtt));
        num_text(d->has_icmp ? d->jitter.p95 : NAN, 1, jit, sizeof(jit));
        num_text(d->has_snmp || d->reboots ? d->reboots : NAN, 0, reboots, sizeof(reboots));
        num_text(d->has_snmp ? d->if_errors : NAN, 0, iferr, sizeof(iferr));
        num_text(d->has_cert ? floor(d->cert_days) : NAN, 0, cert, sizeof(cert));
        const char *cells[] = {d->t->id, d->t->name, pd_state_name(d->state),
                               avail,    down,       outages,
                               loss,     rtt,        jit,
                               reboots,  iferr,      cert};
        rc = pd_table_add_row(t, cells);
    }
    if (rc == 0)
        rc = pd_table_print(t, out);
    pd_table_free(t);
    return rc;
}

static int print_inspection(const struct pd_inspection *in, FILE *out)
{
    const struct pd_report *r = in->report;
    char s[PD_TIME_BUFLEN], e[PD_TIME_BUFLEN], day[PD_DAY_TEXT];
    if (in->kind == PD_INSPECT_DAILY)
        fprintf(out, "Daily health check %s: %s to %s (since the check of %s), %s\n", in->label,
                pd_time_format_local(r->period.start, s, sizeof(s)),
                pd_time_format_local(r->period.end, e, sizeof(e)),
                pd_day_format(in->since_day, day, sizeof(day)), r->timezone);
    else
        fprintf(out, "Monthly inspection report %s: %s to %s, %s\n", in->label,
                pd_time_format_local(r->period.start, s, sizeof(s)),
                pd_time_format_local(r->period.end, e, sizeof(e)), r->timezone);
    if (r->provisional)
        fputs("PROVISIONAL: the records do not reach the end of the period\n", out);
    fputs("\n", out);
    int rc = print_problems(in, out);
    return rc == 0 ? print_devices(in, out) : rc;
}

/* The record as the options ask: a table, a file, or standard output. */
static int emit(const struct opts *o, const struct pd_inspection *in, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    int rc;
    if (o->format == PCTL_FMT_TABLE) {
        rc = print_inspection(in, out);
        if (rc < 0) {
            fprintf(errout, "probectl %s: %s\n", o->cmd,
                    rc == -ENOMEM ? "out of memory" : "write error");
            return 1;
        }
        return pctl_finish_output(out, errout, o->cmd);
    }
    if (o->output) {
        if (pd_inspect_file(in, (enum pd_report_format)o->format, o->excel, o->output, err,
                            sizeof(err)) < 0) {
            fprintf(errout, "probectl %s: %s\n", o->cmd, err);
            return 1;
        }
        return 0;
    }
    char *doc = NULL;
    size_t len = 0;
    if (o->format == PD_REPORT_JSON) {
        rc = pd_inspect_json(in, &doc, &len);
    } else {
        struct pd_record rec;
        if ((rc = pd_inspect_record(in, &rec)) == 0) {
            rc = o->format == PD_REPORT_CSV ? pd_record_csv(&rec, o->excel, &doc, &len)
                                            : pd_record_html(&rec, &doc, &len);
            pd_record_free(&rec);
        }
    }
    if (rc < 0) {
        fprintf(errout, "probectl %s: out of memory\n", o->cmd);
        return 1;
    }
    size_t w = fwrite(doc, 1, len, out);
    free(doc);
    if (w != len) {
        fprintf(errout, "probectl %s: write error\n", o->cmd);
        return 1;
    }
    return pctl_finish_output(out, errout, o->cmd);
}

static void summary(const struct opts *o, const struct pd_inspection *in, FILE *errout)
{
    unsigned down = 0;
    for (size_t i = 0; i < in->n_devices; i++)
        down += in->devices[i].state == PD_STATE_DOWN;
    if (!o->quiet && (o->output || o->format == PCTL_FMT_TABLE))
        fprintf(errout, "probectl %s: %s%s%s: %zu devices, %u down, %zu problems, %u outages%s\n",
                o->cmd, in->label, o->output ? " -> " : "", o->output ? o->output : "",
                in->n_devices, down, in->n_problems, in->report->outages,
                in->report->provisional ? "; PROVISIONAL: the records do not reach the end of "
                                          "the period"
                                        : "");
}

/* Make the inspection of req from the store and emit it. */
static int run_inspection(const struct opts *o, const struct pd_config *cfg,
                          struct pd_inspect_request *req, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    char hash[PD_SHA256_HEX], source[1024];
    struct pd_db *db = NULL;
    struct pd_inspection *in = NULL;
    int rc = 1;
    if (pd_config_sha256(cfg, hash, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl %s: %s\n", o->cmd, err);
        return 1;
    }
    if (pctl_open_store(cfg, o->cmd, &db, errout) < 0)
        return 1;
    snprintf(source, sizeof(source), "event store %s/%s", cfg->data_dir, PD_DB_FILE);
    req->config_hash = hash;
    req->source = source;
    req->site = o->site;
    if (pd_inspect_from_store(db, cfg, req, &in, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl %s: %s\n", o->cmd, err);
        goto out;
    }
    if ((rc = emit(o, in, out, errout)) == 0)
        summary(o, in, errout);
out:
    pd_inspection_free(in);
    pd_db_close(db);
    return rc;
}

static int cmd_daily(const struct opts *o, const struct pd_config *cfg, FILE *out, FILE *errout)
{
    pd_ns now = pd_clock_wall();
    int32_t day;
    if (!o->date) {
        if (pd_daily_latest(&cfg->inspection, now, &day) < 0) {
            fprintf(errout,
                    "probectl %s: no working day in the last %d days: name one with --date\n",
                    o->cmd, PD_DAILY_LOOKBACK);
            return 1;
        }
    } else if (strcmp(o->date, "today") == 0) {
        if (pd_day_of(now, &day) < 0)
            return 1;
    } else if (strcmp(o->date, "next") == 0) {
        if (pd_daily_next(&cfg->inspection, now, &day) < 0) {
            fprintf(errout, "probectl %s: no working day in the next %d days\n", o->cmd,
                    PD_DAILY_LOOKBACK);
            return 1;
        }
    } else if (pd_day_parse(o->date, &day) < 0) {
        return pctl_usage_error(errout, o->cmd,
                                "--date: expected YYYY-MM-DD, today or next, not '%s'", o->date);
    }
    struct pd_inspect_request req;
    char label[PD_DAY_TEXT];
    if (pd_inspect_daily_request(cfg, day, now, label, &req) < 0) {
        fprintf(errout, "probectl %s: %s: no check time in time zone %s\n", o->cmd, o->date,
                cfg->timezone);
        return 1;
    }
    if (req.start > now) {
        fprintf(errout, "probectl %s: the period of %s begins at a time still to come\n", o->cmd,
                label);
        return 1;
    }
    return run_inspection(o, cfg, &req, out, errout);
}

static int cmd_monthly(const struct opts *o, const struct pd_config *cfg, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    pd_ns now = pd_clock_wall();
    struct pd_inspect_request req = {.kind = PD_INSPECT_MONTHLY, .label = o->month, .now = now};
    if (pd_time_month(o->month, &req.start, &req.end, err, sizeof(err)) < 0)
        return pctl_usage_error(errout, o->cmd, "--month: %s", err);
    if (req.start > now) {
        fprintf(errout, "probectl %s: %s has not begun yet (time zone %s)\n", o->cmd, o->month,
                cfg->timezone);
        return 1;
    }
    return run_inspection(o, cfg, &req, out, errout);
}

static int print_sample(const struct pd_sample *s, FILE *out)
{
    static const char *const cols[] = {"#", "SITE", "DEVICES", "WEIGHT", "OUTAGES", "DOWN NOW"};
    const struct pd_report *r = s->in->report;
    char a[PD_TIME_BUFLEN], b[PD_TIME_BUFLEN];
    fprintf(out, "Quarterly inspection sample %s: %zu of %zu sites, %s (figures %s to %s, %s)\n\n",
            s->quarter, s->n_picks, s->population, s->weighted ? "weighted by outages" : "uniform",
            pd_time_format_local(r->period.start, a, sizeof(a)),
            pd_time_format_local(r->period.end, b, sizeof(b)), r->timezone);
    struct pd_table *t = pd_table_new(6, cols);
    if (!t)
        return -ENOMEM;
    for (size_t c = 2; c < 6; c++)
        pd_table_set_align(t, c, PD_ALIGN_RIGHT);
    pd_table_set_align(t, 0, PD_ALIGN_RIGHT);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n_picks; i++) {
        const struct pd_sample_pick *p = &s->picks[i];
        unsigned outages = 0, down = 0;
        for (size_t k = 0; k < p->n_devices; k++) {
            const struct pd_inspect_device *d = &s->in->devices[p->devices[k]];
            down += d->state == PD_STATE_DOWN;
            for (size_t o = 0; o < d->t->avail.n_outages; o++)
                outages += !d->t->avail.outages[o].maintenance_only;
        }
        char rank[24], devices[24], weight[32], out_s[16], down_s[16];
        snprintf(rank, sizeof(rank), "%zu", i + 1);
        snprintf(devices, sizeof(devices), "%zu", p->n_devices);
        snprintf(weight, sizeof(weight), "%.0f", p->weight);
        snprintf(out_s, sizeof(out_s), "%u", outages);
        snprintf(down_s, sizeof(down_s), "%u", down);
        const char *cells[] = {rank, p->path, devices, weight, out_s, down_s};
        rc = pd_table_add_row(t, cells);
    }
    if (rc == 0)
        rc = pd_table_print(t, out);
    pd_table_free(t);
    return rc;
}

static int emit_sample(const struct opts *o, const struct pd_sample *s, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    char *doc = NULL;
    size_t len = 0;
    int rc;
    if (o->format == PCTL_FMT_TABLE) {
        if ((rc = print_sample(s, out)) < 0) {
            fprintf(errout, "probectl %s: %s\n", o->cmd,
                    rc == -ENOMEM ? "out of memory" : "write error");
            return 1;
        }
        return pctl_finish_output(out, errout, o->cmd);
    }
    if (o->format == PD_REPORT_JSON) {
        if (pd_sample_json(s, &doc, &len) < 0) {
            fprintf(errout, "probectl %s: out of memory\n", o->cmd);
            return 1;
        }
        rc = o->output ? pd_write_atomic(o->output, doc, len, err, sizeof(err))
             : fwrite(doc, 1, len, out) == len ? 0
                                               : -EIO;
    } else {
        struct pd_record rec;
        if (pd_sample_record(s, &rec) < 0) {
            fprintf(errout, "probectl %s: out of memory\n", o->cmd);
            return 1;
        }
        if (o->output)
            rc = pd_record_file(&rec, (enum pd_report_format)o->format, o->excel, o->output, err,
                                sizeof(err));
        else if ((rc = o->format == PD_REPORT_CSV ? pd_record_csv(&rec, o->excel, &doc, &len)
                                                  : pd_record_html(&rec, &doc, &len)) == 0)
            rc = fwrite(doc, 1, len, out) == len ? 0 : -EIO;
        else
            snprintf(err, sizeof(err), "out of memory");
        pd_record_free(&rec);
    }
    free(doc);
    if (rc < 0) {
        fprintf(errout, "probectl %s: %s\n", o->cmd,
                rc == -EIO && !o->output ? "write error" : err);
        return 1;
    }
    return o->output ? 0 : pctl_finish_output(out, errout, o->cmd);
}

static int cmd_sample(const struct opts *o, const struct pd_config *cfg, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    char quarter[8], hash[PD_SHA256_HEX], source[1024];
    pd_ns now = pd_clock_wall();
    struct pd_inspect_request req = {.kind = PD_INSPECT_QUARTER, .label = quarter, .now = now};
    struct pd_db *db = NULL;
    struct pd_inspection *in = NULL;
    struct pd_sample *s = NULL;
    int rc = 1;
    if (pd_quarter_parse(o->quarter, &req.start, &req.end, quarter, err, sizeof(err)) < 0)
        return pctl_usage_error(errout, o->cmd, "--quarter: %s", err);
    if (req.start > now) {
        fprintf(errout, "probectl %s: %s has not begun yet (time zone %s)\n", o->cmd, quarter,
                cfg->timezone);
        return 1;
    }
    if (pd_config_sha256(cfg, hash, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl %s: %s\n", o->cmd, err);
        return 1;
    }
    if (pctl_open_store(cfg, o->cmd, &db, errout) < 0)
        return 1;
    snprintf(source, sizeof(source), "event store %s/%s", cfg->data_dir, PD_DB_FILE);
    req.config_hash = hash;
    req.source = source;
    req.site = o->site;
    if (pd_inspect_from_store(db, cfg, &req, &in, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl %s: %s\n", o->cmd, err);
        goto out;
    }
    if (pd_sample_build(in, quarter, (size_t)o->sites, o->weighted, &s) < 0) {
        fprintf(errout, "probectl %s: out of memory\n", o->cmd);
        goto out;
    }
    if ((rc = emit_sample(o, s, out, errout)) == 0 && !o->quiet &&
        (o->output || o->format == PCTL_FMT_TABLE))
        fprintf(errout, "probectl %s: %s%s%s: %zu of %zu sites%s%s\n", o->cmd, quarter,
                o->output ? " -> " : "", o->output ? o->output : "", s->n_picks, s->population,
                s->n_picks < (size_t)o->sites ? " (all there are)" : "",
                s->weighted ? ", weighted by the quarter's outages so far" : "");
out:
    pd_sample_free(s);
    pd_db_close(db);
    return rc;
}

int pd_cmd_inspect(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static const char *const subs[] = {"daily", "monthly", "sample"};
    char cmd[32];
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) {
            fputs(inspect_help, out);
            return 0;
        }
        return pctl_usage_error(errout, "inspect", "name a record: daily, monthly or sample");
    }
    size_t k = 0;
    while (k < 3 && strcmp(argv[1], subs[k]) != 0)
        k++;
    if (k == 3)
        return pctl_usage_error(errout, "inspect", "unknown record '%s': daily, monthly or sample",
                                argv[1]);
    snprintf(cmd, sizeof(cmd), "inspect %s", subs[k]);
    struct opts o = {.cmd = cmd, .format = PCTL_FMT_TABLE};
    int rc = parse_args(argc - 1, argv + 1, &o, out, errout);
    if (rc >= 0)
        return rc;
    if (!cfg) /* --help without a configuration was answered above */
        return 2;
    if ((rc = check_opts(&o, subs[k], errout)) >= 0)
        return rc;
    switch (k) {
    case 0:
        return cmd_daily(&o, cfg, out, errout);
    case 1:
        return cmd_monthly(&o, cfg, out, errout);
    default:
        return cmd_sample(&o, cfg, out, errout);
    }
}
