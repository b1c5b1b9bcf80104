/* The quarterly sample as a record (the list, then a checklist per site,
 * each on its own printed page or sheet) and as JSON. */
#include "inspect_sample.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "probectl_common.h"
#include "report_write.h"
#include "timefmt.h"

static unsigned outages_of(const struct pd_avail *a)
{
    unsigned n = 0;
    for (size_t i = 0; i < a->n_outages; i++)
        n += !a->outages[i].maintenance_only;
    return n;
}

static void header(struct pd_record *rec, const struct pd_sample *s)
{
    const struct pd_report *r = s->in->report;
    char buf[256];
    pd_record_line(rec, "quarter", s->quarter);
    pd_record_line_time(rec, "period start", r->period.start);
    pd_record_line_time(rec, "period end (excluded)", r->period.end);
    pd_record_line(rec, "time zone", r->timezone);
    snprintf(buf, sizeof(buf), "%s%s%s", pd_report_scope_name(r->scope), r->scope_what ? " " : "",
             r->scope_what ? r->scope_what : "");
    pd_record_line(rec, "scope", buf);
    snprintf(buf, sizeof(buf), "%zu of %zu sites", s->n_picks, s->population);
    pd_record_line(rec, "sample", buf);
    pd_record_line(rec, "method",
                   s->weighted ? "weighted by 1 + outages in the quarter so far (Efraimidis-"
                                 "Spirakis), keys from SHA-256 of the quarter and the site path"
                               : "uniform, keys from SHA-256 of the quarter and the site path");
    pd_record_line(rec, "probed version", r->version);
    pd_record_line(rec, "configuration SHA-256", r->config_hash);
    pd_record_line(rec, "source", r->source);
    pd_record_line_time(rec, "generated", r->generated);
    pd_record_line(rec, "figures",
                   r->provisional ? "the quarter so far (provisional)" : "the whole quarter");
}

static void sample_list(struct pd_record *rec, const struct pd_sample *s)
{
    static const char *const cols[] = {
        "rank", "site", "devices", "weight", "outages", "down now", "availability mean %"};
    struct pd_rtable *t = pd_record_table(rec, "sample", "Sites to inspect", cols, 7);
    pd_record_intro(rec, t,
                    "In the order drawn. The same quarter and sites always give this list; "
                    "each site's checklist follows on its own page.");
    for (size_t i = 0; i < s->n_picks; i++) {
        const struct pd_sample_pick *p = &s->picks[i];
        unsigned down = 0, measured = 0, outages = 0;
        double sum = 0;
        for (size_t k = 0; k < p->n_devices; k++) {
            const struct pd_inspect_device *d = &s->in->devices[p->devices[k]];
            down += d->state == PD_STATE_DOWN;
            outages += outages_of(&d->t->avail);
            if (!isnan(d->t->avail.availability_pct)) {
                sum += d->t->avail.availability_pct;
                measured++;
            }
        }
        pd_record_row(rec, t);
        pd_cell_num(rec, t, 0, (double)(i + 1), 0);
        pd_cell_text(rec, t, 1, p->path);
        pd_cell_num(rec, t, 2, (double)p->n_devices, 0);
        pd_cell_num(rec, t, 3, p->weight, 0);
        pd_cell_num(rec, t, 4, outages, 0);
        pd_cell_num(rec, t, 5, down, 0);
        pd_cell_num(rec, t, 6, measured ? sum / measured : NAN, 4);
    }
}

enum {
    C_ID,
    C_NAME,
    C_TYPE,
    C_STATE,
    C_AVAIL,
    C_OUTAGES,
    C_DOWN,
    C_REBOOTS,
    C_LOSS,
    C_RTT,
    C_CERT,
    C_OK,
    C_REMARKS,
    C_N
};

/* One site's page: its devices with their figures, a column to tick and
 * one for remarks, then the inspector's fields. */
static void checklist(struct pd_record *rec, const struct pd_sample *s, size_t i)
{
    static const char *const cols[C_N] = {"id",
                                          "name",
                                          "type",
                                          "state now",
                                          "availability %",
                                          "outages",
                                          "downtime s",
                                          "reboots",
                                          "loss mean %",
                                          "RTT p95 ms",
                                          "certificate days left",
                                          "checked on site (OK / fault)",
                                          "remarks"};
    const struct pd_sample_pick *p = &s->picks[i];
    char name[64], title[256];
    snprintf(name, sizeof(name), "%02zu %s", i + 1, p->path);
    snprintf(title, sizeof(title), "Checklist %zu of %zu: site %s (%s)", i + 1, s->n_picks, p->path,
             s->quarter);
    struct pd_rtable *t = pd_record_table(rec, name, title, cols, C_N);
    if (!t)
        return;
    t->page = true;
    t->form = true;
    pd_record_intro(rec, t,
                    "Figures are measured by probed over the quarter so far; the last two "
                    "columns and the fields below are for the inspector.");
    for (size_t k = 0; k < p->n_devices; k++) {
        const struct pd_inspect_device *d = &s->in->devices[p->devices[k]];
        const struct pd_avail *a = &d->t->avail;
        pd_record_row(rec, t);
        pd_cell_text(rec, t, C_ID, d->t->id);
        pd_cell_text(rec, t, C_NAME, d->t->name);
        pd_cell_text(rec, t, C_TYPE, d->t->type);
        pd_cell_text(rec, t, C_STATE, pd_state_name(d->state));
        pd_cell_num(rec, t, C_AVAIL, a->availability_pct, 4);
        pd_cell_num(rec, t, C_OUTAGES, outages_of(a), 0);
        pd_cell_num(rec, t, C_DOWN, a->downtime_s, 0);
        if (d->has_snmp || d->reboots)
            pd_cell_num(rec, t, C_REBOOTS, d->reboots, 0);
        if (d->has_icmp) {
            pd_cell_num(rec, t, C_LOSS, d->loss.mean, 2);
            pd_cell_num(rec, t, C_RTT, d->rtt.p95, 2);
        }
        if (d->has_cert)
            pd_cell_num(rec, t, C_CERT, floor(d->cert_days), 0);
    }
    static const char *const fields[] = {"inspector", "date of the visit", "signature",
                                         "remarks on the site"};
    for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
        pd_record_row(rec, t);
        pd_cell_text(rec, t, C_ID, fields[k]);
    }
}

int pd_sample_record(const struct pd_sample *s, struct pd_record *rec)
{
    char title[64];
    snprintf(title, sizeof(title), "Quarterly inspection sample %s", s->quarter);
    pd_record_init(rec, title);
    header(rec, s);
    sample_list(rec, s);
    for (size_t i = 0; i < s->n_picks; i++)
        checklist(rec, s, i);
    if (rec->rc < 0) {
        int rc = rec->rc;
        pd_record_free(rec);
        return rc;
    }
    return 0;
}

int pd_sample_json(const struct pd_sample *s, char **doc, size_t *len)
{
    const struct pd_report *r = s->in->report;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -ENOMEM;
    struct pctl_json j = {.out = f};
    pctl_json_open(&j, NULL, '{');
    pctl_json_str(&j, "record", "quarterly_sample");
    pctl_json_int(&j, "schema", 1);
    pctl_json_str(&j, "quarter", s->quarter);
    pctl_json_open(&j, "period", '{');
    pctl_json_time(&j, "start", r->period.start);
    pctl_json_time(&j, "end", r->period.end);
    pctl_json_close(&j, '}');
    pd_report_json_provenance(&j, r);
    pctl_json_str(&j, "method", s->weighted ? "weighted" : "uniform");
    pctl_json_int(&j, "population", (long long)s->population);
    pctl_json_open(&j, "sites", '[');
    for (size_t i = 0; i < s->n_picks; i++) {
        const struct pd_sample_pick *p = &s->picks[i];
        pctl_json_open(&j, NULL, '{');
        pctl_json_int(&j, "rank", (long long)(i + 1));
        pctl_json_str(&j, "path", p->path);
        pctl_json_num(&j, "weight", p->weight, 0);
        pctl_json_num(&j, "key", p->key, 9);
        pctl_json_int(&j, "failures", p->failures);
        pctl_json_open(&j, "devices", '[');
        for (size_t k = 0; k < p->n_devices; k++) {
            const struct pd_inspect_device *d = &s->in->devices[p->devices[k]];
            const struct pd_avail *a = &d->t->avail;
            pctl_json_open(&j, NULL, '{');
            pctl_json_str(&j, "id", d->t->id);
            pctl_json_str(&j, "name", d->t->name);
            pctl_json_str(&j, "type", d->t->type);
            pctl_json_str(&j, "state", pd_state_name(d->state));
            pctl_json_num(&j, "availability_pct", a->availability_pct, 4);
            pctl_json_int(&j, "outages", outages_of(a));
            pctl_json_num(&j, "downtime_s", a->downtime_s, 0);
            pctl_json_int(&j, "reboots", d->reboots);
            pctl_json_close(&j, '}');
        }
        pctl_json_close(&j, ']');
        pctl_json_close(&j, '}');
    }
    pctl_json_close(&j, ']');
    fputs(",\n", f);
    return pd_digest_finish(f, &buf, &n, 0, PD_REPORT_JSON, doc, len);
}
