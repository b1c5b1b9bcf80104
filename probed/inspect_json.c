#include "inspect_write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "calendar.h"
#include "probectl_common.h"
#include "report_write.h"

/* docs/inspection.md describes this schema; bump it on any change that
 * breaks a reader. */
#define INSPECT_JSON_SCHEMA 1

static void stat(struct pctl_json *j, const char *key, const struct pd_stat *s, int with_p50)
{
    pctl_json_open(j, key, '{');
    pctl_json_int(j, "samples", (long long)s->n);
    pctl_json_num(j, "covered_s", s->covered_s, 0);
    pctl_json_num(j, "mean", s->mean, 3);
    if (with_p50)
        pctl_json_num(j, "p50", s->p50, 3);
    pctl_json_num(j, "p95", s->p95, 3);
    pctl_json_num(j, "max", s->max, 3);
    pctl_json_close(j, '}');
}

static void checks(struct pctl_json *j, const struct pd_inspect_device *d)
{
    pctl_json_open(j, "checks", '[');
    for (size_t k = 0; k < d->n_checks; k++) {
        const struct pd_inspect_check *c = &d->checks[k];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "id", c->id);
        pctl_json_str(j, "type", c->type);
        pctl_json_str(j, "state", pd_state_name(c->state));
        pctl_json_time(j, "since", c->since);
        pctl_json_str(j, "reason", c->reason);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

static void measures(struct pctl_json *j, const struct pd_inspect_device *d)
{
    if (d->has_icmp) {
        pctl_json_open(j, "icmp", '{');
        pctl_json_num(j, "step_s", (double)d->icmp_step / 1e9, 0);
        stat(j, "loss_pct", &d->loss, 0);
        stat(j, "rtt_ms", &d->rtt, 1);
        pctl_json_num(j, "rtt_max_ms", d->rtt_max, 3);
        stat(j, "jitter_ms", &d->jitter, 0);
        pctl_json_close(j, '}');
    } else {
        pctl_json_null(j, "icmp");
    }
    if (d->has_snmp || d->reboots) {
        pctl_json_open(j, "snmp", '{');
        pctl_json_int(j, "reboots", d->reboots);
        pctl_json_num(j, "interface_errors", d->if_errors, 0);
        pctl_json_num(j, "interface_discards", d->if_discards, 0);
        pctl_json_int(j, "interface_down_events", d->if_down_events);
        pctl_json_open(j, "interfaces", '[');
        for (size_t k = 0; k < d->n_ifaces; k++) {
            const struct pd_inspect_iface *f = &d->ifaces[k];
            pctl_json_open(j, NULL, '{');
            pctl_json_str(j, "series", f->series);
            pctl_json_str(j, "label", f->label);
            pctl_json_num(j, "errors", f->errors, 0);
            pctl_json_num(j, "discards", f->discards, 0);
            pctl_json_int(j, "down_events", f->down_events);
            pctl_json_close(j, '}');
        }
        pctl_json_close(j, ']');
        pctl_json_close(j, '}');
    } else {
        pctl_json_null(j, "snmp");
    }
    pctl_json_num(j, "cert_days_left", d->has_cert ? floor(d->cert_days) : NAN, 0);
    const struct pd_report_media *m = &d->t->media;
    if (m->has || d->has_rtp) {
        pctl_json_open(j, "media", '{');
        pctl_json_num(j, "observed_s", m->observed_s, 0);
        pctl_json_num(j, "degraded_s", m->degraded_s, 0);
        pctl_json_num(j, "degraded_pct", m->degraded_pct, 4);
        pctl_json_int(j, "periods", m->periods);
        pctl_json_num(j, "longest_s", m->longest_s, 0);
        if (d->has_rtp) {
            stat(j, "loss_pct", &d->media_loss, 0);
            stat(j, "jitter_ms", &d->media_jitter, 0);
        }
        pctl_json_close(j, '}');
    } else {
        pctl_json_null(j, "media");
    }
}

static void devices(struct pctl_json *j, const struct pd_inspection *in)
{
    pctl_json_open(j, "devices", '[');
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct pd_inspect_device *d = &in->devices[i];
        const struct pd_report_target *t = d->t;
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "id", t->id);
        pctl_json_str(j, "name", t->name);
        pctl_json_str(j, "site", t->site);
        pctl_json_str(j, "type", t->type);
        pctl_json_str(j, "severity", t->severity->name);
        pctl_json_str(j, "state", pd_state_name(d->state));
        pctl_json_time(j, "state_since", d->state_since);
        pd_report_json_figures(j, &t->avail);
        if (in->kind != PD_INSPECT_DAILY)
            pctl_json_str(j, "verdict", pd_sla_verdict_name(t->sla.overall));
        pd_report_json_outages(j, &t->avail, "period");
        checks(j, d);
        measures(j, d);
        if (d->note)
            pctl_json_str(j, "note", d->note);
        else
            pctl_json_null(j, "note");
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

static void problems(struct pctl_json *j, const struct pd_inspection *in)
{
    pctl_json_open(j, "problems", '[');
    for (size_t i = 0; i < in->n_problems; i++) {
        const struct pd_inspect_problem *p = &in->problems[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "kind", pd_problem_kind_name(p->kind));
        pctl_json_str(j, "id", in->devices[p->device].t->id);
        pctl_json_num(j, "impact", p->impact, 3);
        pctl_json_str(j, "text", p->text);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

static void sites(struct pctl_json *j, const struct pd_inspection *in)
{
    const struct pd_report *r = in->report;
    pctl_json_open(j, "sites", '[');
    for (size_t i = 0; i < r->n_sites; i++) {
        const struct pd_report_site *s = &r->sites[i];
        const struct pd_inspect_site *x = &in->sites[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "path", s->path);
        pctl_json_int(j, "level", s->level);
        pctl_json_int(j, "devices", s->devices);
        pctl_json_int(j, "down", x->down);
        pctl_json_int(j, "with_problems", x->problems);
        pctl_json_num(j, "availability_mean_pct", s->availability_mean, 4);
        pctl_json_int(j, "failures", s->failures);
        pctl_json_num(j, "downtime_s", s->downtime_s, 0);
        pctl_json_num(j, "unknown_s", s->unknown_s, 0);
        pctl_json_int(j, "outages", x->outages);
        pctl_json_int(j, "reboots", x->reboots);
        pctl_json_num(j, "interface_errors", x->if_errors, 0);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
}

int pd_inspect_json(const struct pd_inspection *in, char **doc, size_t *len)
{
    const struct pd_report *r = in->report;
    char *buf = NULL, day[PD_DAY_TEXT];
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -ENOMEM;
    struct pctl_json j = {.out = f};
    pctl_json_open(&j, NULL, '{');
    pctl_json_str(&j, "record",
                  in->kind == PD_INSPECT_DAILY ? "daily_check" : "monthly_inspection");
    pctl_json_int(&j, "schema", INSPECT_JSON_SCHEMA);
    pctl_json_str(&j,
                  in->kind == PD_INSPECT_DAILY     ? "day"
                  : in->kind == PD_INSPECT_MONTHLY ? "month"
                                                   : "quarter",
                  in->label);
    pctl_json_open(&j, "period", '{');
    pctl_json_time(&j, "start", r->period.start);
    pctl_json_time(&j, "end", r->period.end);
    if (in->kind == PD_INSPECT_DAILY)
        pctl_json_str(&j, "since_day", pd_day_format(in->since_day, day, sizeof(day)));
    pctl_json_close(&j, '}');
    pd_report_json_provenance(&j, r);
    pctl_json_open(&j, "thresholds", '{');
    pctl_json_num(&j, "loss_pct", in->loss_pct > 0 ? in->loss_pct : NAN, 3);
    pctl_json_num(&j, "latency_ms", in->latency_ms > 0 ? in->latency_ms : NAN, 3);
    pctl_json_num(&j, "jitter_ms", in->jitter_ms > 0 ? in->jitter_ms : NAN, 3);
    pctl_json_num(&j, "cert_days", in->cert_days > 0 ? (double)in->cert_days : NAN, 0);
    pctl_json_close(&j, '}');
    unsigned down = 0;
    for (size_t i = 0; i < in->n_devices; i++)
        down += in->devices[i].state == PD_STATE_DOWN;
    pctl_json_open(&j, "summary", '{');
    pctl_json_int(&j, "devices", (long long)in->n_devices);
    pctl_json_int(&j, "down", down);
    pctl_json_int(&j, "problems", (long long)in->n_problems);
    pctl_json_int(&j, "failures", r->failures);
    pctl_json_int(&j, "outages", r->outages);
    pctl_json_close(&j, '}');
    problems(&j, in);
    devices(&j, in);
    sites(&j, in);
    fputs(",\n", f);
    return pd_digest_finish(f, &buf, &n, 0, PD_REPORT_JSON, doc, len);
}
