/* An inspection (inspect.h) as a record (record.h) for CSV, HTML and
 * XLSX: the problems first, then every device, the checks not UP, the
 * outages, the interfaces with errors, and the sites. The figures are the
 * availability report's, rounded as its writers round them. */
#include "inspect_write.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "timefmt.h"

static const char *kind_title(enum pd_inspect_kind k)
{
    return k == PD_INSPECT_DAILY     ? "Daily health check"
           : k == PD_INSPECT_MONTHLY ? "Monthly inspection report"
                                     : "Quarterly inspection";
}

static void header(struct pd_record *rec, const struct pd_inspection *in)
{
    const struct pd_report *r = in->report;
    char buf[256], day[PD_DAY_TEXT];
    pd_record_line(rec,
                   in->kind == PD_INSPECT_DAILY     ? "day"
                   : in->kind == PD_INSPECT_MONTHLY ? "month"
                                                    : "quarter",
                   in->label);
    pd_record_line_time(rec, "period start", r->period.start);
    pd_record_line_time(rec, "period end (excluded)", r->period.end);
    if (in->kind == PD_INSPECT_DAILY)
        pd_record_line(rec, "since the check of", pd_day_format(in->since_day, day, sizeof(day)));
    pd_record_line(rec, "time zone", r->timezone);
    snprintf(buf, sizeof(buf), "%s%s%s", pd_report_scope_name(r->scope), r->scope_what ? " " : "",
             r->scope_what ? r->scope_what : "");
    pd_record_line(rec, "scope", buf);
    pd_record_line(rec, "probed version", r->version);
    pd_record_line(rec, "configuration SHA-256", r->config_hash);
    pd_record_line(rec, "source", r->source);
    pd_record_line_time(rec, "generated", r->generated);
    pd_record_line(rec, "status", r->provisional ? "provisional" : "final");
    snprintf(buf, sizeof(buf), "%zu devices, %zu problems", in->n_devices, in->n_problems);
    pd_record_line(rec, "summary", buf);
    int n = snprintf(buf, sizeof(buf), "mean loss above %g %%", in->loss_pct);
    if (in->latency_ms > 0)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "; RTT p95 above %g ms", in->latency_ms);
    if (in->jitter_ms > 0)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "; jitter p95 above %g ms", in->jitter_ms);
    if (in->cert_days > 0)
        snprintf(buf + n, sizeof(buf) - (size_t)n, "; certificate within %ld days", in->cert_days);
    pd_record_line(rec, "problems flagged", buf);
    if (r->provisional)
        pd_record_banner(rec, "PROVISIONAL: the records do not reach the end of the period, or "
                              "a device was not seen after it; a later record may change a "
                              "figure.");
}

static void problems(struct pd_record *rec, const struct pd_inspection *in)
{
    static const char *const cols[] = {"rank", "kind", "site", "id", "name", "problem"};
    struct pd_rtable *t = pd_record_table(rec, "problems", "Problems to act on first", cols, 6);
    pd_record_intro(rec, t,
                    "By kind (down, checks down, outages, loss, latency, jitter, media, "
                    "certificates, reboots, interface errors, not observed), the worst first "
                    "within a kind.");
    for (size_t i = 0; i < in->n_problems; i++) {
        const struct pd_inspect_problem *p = &in->problems[i];
        const struct pd_report_target *d = in->devices[p->device].t;
        pd_record_row(rec, t);
        pd_cell_num(rec, t, 0, (double)(i + 1), 0);
        pd_cell_text(rec, t, 1, pd_problem_kind_name(p->kind));
        pd_cell_text(rec, t, 2, d->site);
        pd_cell_text(rec, t, 3, d->id);
        pd_cell_text(rec, t, 4, d->name);
        pd_cell_text(rec, t, 5, p->text);
    }
}

enum dev_col {
    D_SITE,
    D_ID,
    D_NAME,
    D_TYPE,
    D_STATE,
    D_SINCE,
    D_AVAIL,
    D_COVER,
    D_DOWN,
    D_OUTAGES,
    D_FAILURES,
    D_MTTR,
    D_VERDICT,
    D_LOSS,
    D_LOSS95,
    D_RTT50,
    D_RTT95,
    D_RTTMAX,
    D_JIT,
    D_JIT95,
    D_REBOOTS,
    D_IFERR,
    D_IFDISC,
    D_CERT,
    D_MEDIA_DEG,
    D_MEDIA_LOSS,
    D_MEDIA_JIT,
    D_NOTE,
    D_N
};

static unsigned outage_count(const struct pd_avail *a)
{
    unsigned n = 0;
    for (size_t i = 0; i < a->n_outages; i++)
        n += !a->outages[i].maintenance_only;
    return n;
}

static void devices(struct pd_record *rec, const struct pd_inspection *in)
{
    static const char *const cols[D_N] = {"site",
                                          "id",
                                          "name",
                                          "type",
                                          "state at end",
                                          "since",
                                          "availability %",
                                          "coverage %",
                                          "downtime s",
                                          "outages",
                                          "failures",
                                          "MTTR min",
                                          "verdict",
                                          "loss mean %",
                                          "loss p95 %",
                                          "RTT p50 ms",
                                          "RTT p95 ms",
                                          "RTT max ms",
                                          "jitter mean ms",
                                          "jitter p95 ms",
                                          "reboots",
                                          "interface errors",
                                          "interface discards",
                                          "certificate days left",
                                          "media degraded min",
                                          "media loss mean %",
                                          "media jitter p95 ms",
                                          "note"};
    struct pd_rtable *t = pd_record_table(rec, "devices", "Devices", cols, D_N);
    pd_record_intro(rec, t,
                    in->kind == PD_INSPECT_DAILY
                        ? "Availability, downtime and outages over the period as the "
                          "availability report computes them; loss, RTT and jitter from the "
                          "ICMP check's stored rows; the verdict is the month's, so it is "
                          "left empty here."
                        : "Availability, coverage, downtime, failures, MTTR and verdict are "
                          "those of the month's availability report; loss, RTT and jitter from "
                          "the ICMP check's stored rows.");
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct pd_inspect_device *d = &in->devices[i];
        const struct pd_report_target *tg = d->t;
        const struct pd_avail *a = &tg->avail;
        pd_record_row(rec, t);
        pd_cell_text(rec, t, D_SITE, tg->site);
        pd_cell_text(rec, t, D_ID, tg->id);
        pd_cell_text(rec, t, D_NAME, tg->name);
        pd_cell_text(rec, t, D_TYPE, tg->type);
        pd_cell_text(rec, t, D_STATE, pd_state_name(d->state));
        pd_cell_time(rec, t, D_SINCE, d->state_since);
        pd_cell_num(rec, t, D_AVAIL, a->availability_pct, 4);
        pd_cell_num(rec, t, D_COVER, a->coverage_pct, 4);
        pd_cell_num(rec, t, D_DOWN, a->downtime_s, 0);
        pd_cell_num(rec, t, D_OUTAGES, outage_count(a), 0);
        pd_cell_num(rec, t, D_FAILURES, a->failures, 0);
        pd_cell_num(rec, t, D_MTTR, a->mttr_min, 2);
        if (in->kind != PD_INSPECT_DAILY)
            pd_cell_text(rec, t, D_VERDICT, pd_sla_verdict_name(tg->sla.overall));
        if (d->has_icmp) {
            pd_cell_num(rec, t, D_LOSS, d->loss.mean, 2);
            pd_cell_num(rec, t, D_LOSS95, d->loss.p95, 2);
            pd_cell_num(rec, t, D_RTT50, d->rtt.p50, 2);
            pd_cell_num(rec, t, D_RTT95, d->rtt.p95, 2);
            pd_cell_num(rec, t, D_RTTMAX, d->rtt_max, 2);
            pd_cell_num(rec, t, D_JIT, d->jitter.mean, 2);
            pd_cell_num(rec, t, D_JIT95, d->jitter.p95, 2);
        }
        if (d->has_snmp) {
            pd_cell_num(rec, t, D_REBOOTS, d->reboots, 0);
            pd_cell_num(rec, t, D_IFERR, d->if_errors, 0);
            pd_cell_num(rec, t, D_IFDISC, d->if_discards, 0);
        } else if (d->reboots) {
            pd_cell_num(rec, t, D_REBOOTS, d->reboots, 0);
        }
        if (d->has_cert)
            pd_cell_num(rec, t, D_CERT, floor(d->cert_days), 0);
        if (tg->media.has)
            pd_cell_num(rec, t, D_MEDIA_DEG, tg->media.degraded_s / 60.0, 1);
        if (d->has_rtp) {
            pd_cell_num(rec, t, D_MEDIA_LOSS, d->media_loss.mean, 2);
            pd_cell_num(rec, t, D_MEDIA_JIT, d->media_jitter.p95, 2);
        }
        if (d->note)
            pd_cell_text(rec, t, D_NOTE, d->note);
    }
}

static void checks(struct pd_record *rec, const struct pd_inspection *in)
{
    static const char *const cols[] = {"site", "id",    "name",  "check",
                                       "type", "state", "since", "reason"};
    struct pd_rtable *t = pd_record_table(rec, "checks", "Checks not UP at the end", cols, 8);
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct pd_inspect_device *d = &in->devices[i];
        for (size_t k = 0; k < d->n_checks; k++) {
            const struct pd_inspect_check *c = &d->checks[k];
            if (c->state == PD_STATE_UP)
                continue;
            pd_record_row(rec, t);
            pd_cell_text(rec, t, 0, d->t->site);
            pd_cell_text(rec, t, 1, d->t->id);
            pd_cell_text(rec, t, 2, d->t->name);
            pd_cell_text(rec, t, 3, c->id);
            pd_cell_text(rec, t, 4, c->type);
            pd_cell_text(rec, t, 5, pd_state_name(c->state));
            pd_cell_time(rec, t, 6, c->since);
            pd_cell_text(rec, t, 7, c->reason);
        }
    }
}

static void outages(struct pd_record *rec, const struct pd_inspection *in)
{
    static const char *const cols[] = {"site",
                                       "id",
                                       "name",
                                       "start",
                                       "end",
                                       "ongoing",
                                       "counted s",
                                       "unobserved s",
                                       "begins in period",
                                       "ends in period",
                                       "maintenance only"};
    struct pd_rtable *t = pd_record_table(rec, "outages", "Outages", cols, 11);
    pd_record_intro(rec, t,
                    "Every outage that overlaps the period, with its whole counted duration, "
                    "as the availability report lists it.");
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct pd_report_target *d = in->devices[i].t;
        for (size_t k = 0; k < d->avail.n_outages; k++) {
            const struct pd_outage *o = &d->avail.outages[k];
            pd_record_row(rec, t);
            pd_cell_text(rec, t, 0, d->site);
            pd_cell_text(rec, t, 1, d->id);
            pd_cell_text(rec, t, 2, d->name);
            pd_cell_time(rec, t, 3, o->start);
            pd_cell_time(rec, t, 4, o->end);
            pd_cell_text(rec, t, 5, o->end ? "no" : "yes");
            pd_cell_num(rec, t, 6, pd_report_seconds(o->counted), 0);
            pd_cell_num(rec, t, 7, pd_report_seconds(o->unobserved), 0);
            pd_cell_text(rec, t, 8, o->begins_in_period ? "yes" : "no");
            pd_cell_text(rec, t, 9, o->ends_in_period ? "yes" : "no");
            pd_cell_text(rec, t, 10, o->maintenance_only ? "yes" : "no");
        }
    }
}

static void interfaces(struct pd_record *rec, const struct pd_inspection *in)
{
    static const char *const cols[] = {"site",  "id",     "name",     "interface",
                                       "label", "errors", "discards", "down events"};
    struct pd_rtable *t =
        pd_record_table(rec, "interfaces", "Interfaces with errors or events", cols, 8);
    pd_record_intro(rec, t,
                    "Errors and discards are estimated from the stored per-second rates over "
                    "the period; down events are those the SNMP check recorded.");
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct pd_inspect_device *d = &in->devices[i];
        for (size_t k = 0; k < d->n_ifaces; k++) {
            const struct pd_inspect_iface *f = &d->ifaces[k];
            pd_record_row(rec, t);
            pd_cell_text(rec, t, 0, d->t->site);
            pd_cell_text(rec, t, 1, d->t->id);
            pd_cell_text(rec, t, 2, d->t->name);
            pd_cell_text(rec, t, 3, f->series);
            pd_cell_text(rec, t, 4, f->label);
            pd_cell_num(rec, t, 5, f->errors, 0);
            pd_cell_num(rec, t, 6, f->discards, 0);
            pd_cell_num(rec, t, 7, f->down_events, 0);
        }
    }
}

static void sites(struct pd_record *rec, const struct pd_inspection *in)
{
    static const char *const cols[] = {"site",        "level",           "devices",
                                       "down at end", "with problems",   "availability mean %",
                                       "failures",    "downtime s",      "outages",
                                       "reboots",     "interface errors"};
    const struct pd_report *r = in->report;
    struct pd_rtable *t = pd_record_table(rec, "sites", "Sites", cols, 11);
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *s = &r->sites[i];
        const struct pd_inspect_site *x = &in->sites[i];
        pd_record_row(rec, t);
        pd_cell_text(rec, t, 0, s->path);
        pd_cell_num(rec, t, 1, s->level, 0);
        pd_cell_num(rec, t, 2, s->devices, 0);
        pd_cell_num(rec, t, 3, x->down, 0);
        pd_cell_num(rec, t, 4, x->problems, 0);
        pd_cell_num(rec, t, 5, s->availability_mean, 4);
        pd_cell_num(rec, t, 6, s->failures, 0);
        pd_cell_num(rec, t, 7, s->downtime_s, 0);
        pd_cell_num(rec, t, 8, x->outages, 0);
        pd_cell_num(rec, t, 9, x->reboots, 0);
        pd_cell_num(rec, t, 10, x->if_errors, 0);
    }
}

int pd_inspect_record(const struct pd_inspection *in, struct pd_record *rec)
{
    char title[128];
    snprintf(title, sizeof(title), "%s %s", kind_title(in->kind), in->label);
    pd_record_init(rec, title);
    header(rec, in);
    problems(rec, in);
    devices(rec, in);
    checks(rec, in);
    outages(rec, in);
    interfaces(rec, in);
    sites(rec, in);
    if (rec->rc < 0) {
        int rc = rec->rc;
        pd_record_free(rec);
        return rc;
    }
    return 0;
}
