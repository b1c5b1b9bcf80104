#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "health.h"
#include "probectl_common.h"
#include "timefmt.h"
#include "web_priv.h"
#include "yaml_tree.h"

/* The JSON API (docs/api.md) and /metrics. */
#define API_EVENTS_MAX 10000

static void target_json(struct pctl_json *j, const struct web_target *t)
{
    pctl_json_open(j, NULL, '{');
    pctl_json_str(j, "id", t->id);
    pctl_json_str(j, "name", t->name);
    pctl_json_str(j, "address", t->address);
    pctl_json_str(j, "type", t->type);
    pctl_json_str(j, "site", t->site);
    pctl_json_str(j, "state", web_state_name(web_state_parse(t->state)));
    pctl_json_str(j, "shown", web_state_name(t->shown));
    pctl_json_time(j, "since", t->since);
    pctl_json_str(j, "reason", t->reason);
    pctl_json_bool(j, "maintenance", t->maintenance);
    if (t->maintenance)
        pctl_json_str(j, "maintenance_reason", t->maint_reason);
    pctl_json_open(j, "checks", '[');
    for (size_t i = 0; i < t->n_checks; i++) {
        const struct web_check *c = &t->checks[i];
        pctl_json_open(j, NULL, '{');
        pctl_json_str(j, "id", c->id);
        pctl_json_str(j, "state", web_state_name(web_state_parse(c->state)));
        pctl_json_time(j, "since", c->since);
        pctl_json_time(j, "last", c->last);
        pctl_json_str(j, "verdict", c->verdict);
        pctl_json_str(j, "reason", c->reason);
        pctl_json_metrics(j, "metrics", c->metrics);
        pctl_json_close(j, '}');
    }
    pctl_json_close(j, ']');
    pctl_json_close(j, '}');
}

static int api_targets(struct web_req *r, const char *id)
{
    const char *site = web_arg(r, "site"), *type = web_arg(r, "type"), *state = web_arg(r, "state");
    if ((id && !pd_id_valid(id)) || (site && !pd_site_valid(site)))
        return -ENOENT;
    struct web_model m;
    int rc = web_load(r, site, id, &m);
    if (rc < 0)
        return rc;
    if (id && m.n_targets == 0) {
        web_model_free(&m);
        return -ENOENT;
    }
    struct pctl_json j = {.out = r->out};
    if (id) {
        target_json(&j, &m.targets[0]);
    } else {
        pctl_json_open(&j, NULL, '{');
        pctl_json_time(&j, "generated", r->now);
        pctl_json_open(&j, "targets", '[');
        for (size_t i = 0; i < m.n_targets; i++) {
            const struct web_target *t = &m.targets[i];
            if ((!type || strcmp(type, t->type) == 0) &&
                (!state || strcmp(state, web_state_name(t->shown)) == 0))
                target_json(&j, t);
        }
        pctl_json_close(&j, ']');
        pctl_json_close(&j, '}');
    }
    fputc('\n', r->out);
    web_model_free(&m);
    return 0;
}

static int api_summary(struct web_req *r)
{
    struct web_model m;
    int rc = web_load(r, web_arg(r, "site"), NULL, &m);
    if (rc < 0)
        return rc;
    unsigned n[WEB_N_STATES] = {0};
    for (size_t i = 0; i < m.n_targets; i++)
        n[m.targets[i].shown]++;
    struct pctl_json j = {.out = r->out};
    pctl_json_open(&j, NULL, '{');
    pctl_json_time(&j, "generated", r->now);
    pctl_json_int(&j, "targets", (long long)m.n_targets);
    for (int s = 0; s < WEB_N_STATES; s++)
        pctl_json_int(&j, web_state_name((enum web_state)s), n[s]);
    pctl_json_close(&j, '}');
    fputc('\n', r->out);
    web_model_free(&m);
    return 0;
}

struct api_events {
    struct pctl_json *j;
    long limit, n;
};

static int api_event(const struct pd_event_row *e, void *arg)
{
    struct api_events *a = arg;
    struct pctl_json *j = a->j;
    pctl_json_open(j, NULL, '{');
    pctl_json_int(j, "id", e->id);
    pctl_json_time(j, "at", e->at);
    pctl_json_time(j, "detected", e->detected);
    pctl_json_str(j, "target", e->target_id);
    pctl_json_str(j, "name", e->name);
    pctl_json_str(j, "site", e->site);
    if (e->check_id[0])
        pctl_json_str(j, "check", e->check_id);
    else
        pctl_json_null(j, "check");
    pctl_json_str(j, "from", web_state_name(web_state_parse(e->from)));
    pctl_json_str(j, "to", web_state_name(web_state_parse(e->to)));
    pctl_json_str(j, "reason", e->reason);
    pctl_json_close(j, '}');
    return ++a->n >= a->limit;
}

static int time_arg(struct web_req *r, const char *name, pd_ns *out)
{
    const char *v = web_arg(r, name);
    char why[128];
    if (!v)
        return 0;
    if (pd_time_parse(v, 0, out, why, sizeof(why)) < 0) {
        web_error(r, 400, "%s: %s", name, why);
        return -EINVAL;
    }
    return 0;
}

static int api_events(struct web_req *r)
{
    struct pd_event_filter f = {.target_id = web_arg(r, "target"),
                                .site_prefix = web_arg(r, "site"),
                                .from = r->now - 7 * PD_DAY};
    const char *limit_text = web_arg(r, "limit");
    long limit = limit_text ? strtol(limit_text, NULL, 10) : 1000;
    if ((f.target_id && !pd_id_valid(f.target_id)) ||
        (f.site_prefix && !pd_site_valid(f.site_prefix)) || limit < 1 || limit > API_EVENTS_MAX)
        return web_error(r, 400, "target must be an id, site a site path, limit 1..%d",
                         API_EVENTS_MAX);
    if (time_arg(r, "since", &f.from) < 0 || time_arg(r, "until", &f.until) < 0)
        return 0;
    f.targets_only = web_arg(r, "targets_only") != NULL;
    struct pctl_json j = {.out = r->out};
    struct api_events a = {&j, limit, 0};
    pctl_json_open(&j, NULL, '{');
    pctl_json_time(&j, "since", f.from);
    pctl_json_time(&j, "until", f.until);
    pctl_json_open(&j, "events", '[');
    int rc = pd_db_events(r->db, &f, api_event, &a);
    pctl_json_close(&j, ']');
    pctl_json_bool(&j, "truncated", rc > 0);
    pctl_json_close(&j, '}');
    fputc('\n', r->out);
    return rc < 0 ? rc : 0;
}

int web_api(struct web_req *r)
{
    const char *p = r->rest;
    r->type = "application/json; charset=utf-8";
    if (strcmp(p, "targets") == 0)
        return api_targets(r, NULL);
    if (strncmp(p, "targets/", 8) == 0)
        return api_targets(r, p + 8);
    if (strcmp(p, "summary") == 0)
        return api_summary(r);
    if (strcmp(p, "events") == 0)
        return api_events(r);
    if (strcmp(p, "report") == 0)
        return web_api_report(r);
    if (strcmp(p, "systems") == 0)
        return web_api_systems(r, NULL);
    if (strncmp(p, "systems/", 8) == 0)
        return web_api_systems(r, p + 8);
    return -ENOENT;
}

/* A label value: \ " and newline escaped, as the text format wants. */
static void label(FILE *f, const char *name, const char *value, bool first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void target_labels(FILE *f, const struct web_target *t)
{
    label(f, "target", t->id, true);
    label(f, "name", t->name, false);
    label(f, "site", t->site, false);
    label(f, "type", t->type, false);
}

static void state_value(FILE *f, const char *stored)
{
    enum web_state s = web_state_parse(stored);
    fputs(s == WEB_UP ? " 1\n" : s == WEB_DOWN ? " 0\n" : " NaN\n", f);
}

/* "{"loss_pct": 0, "rtt_median": 0.41}": each number as a sample of
 * probed_check_metric, the name a label (names carry their units, e.g.
 * _ms, which are not base units: a label keeps them as the probes say). */
static void metric_samples(FILE *f, const struct web_target *t, const struct web_check *c)
{
    const char *p = c->metrics;
    while ((p = strchr(p, '"'))) {
        const char *name = p + 1, *end = strchr(name, '"');
        if (!end)
            return;
        const char *v = end + 1;
        while (*v == ' ' || *v == ':')
            v++;
        char *stop;
        double x = strtod(v, &stop);
        char key[96];
        snprintf(key, sizeof(key), "%.*s", (int)(end - name), name);
        p = stop > v ? stop : v;
        if (stop == v)
            continue; /* null: unknown this round */
        fputs("probed_check_metric{", f);
        target_labels(f, t);
        label(f, "check", c->id, false);
        label(f, "metric", key, false);
        fprintf(f, "} %.17g\n", x);
    }
}

int web_metrics(struct web_req *r)
{
    struct web_model m;
    int rc = web_load(r, NULL, NULL, &m);
    if (rc < 0)
        return rc;
    FILE *f = r->out;
    /* Read without a lock and without the loop (health.h). */
    if (r->health)
        pd_health_write_prometheus(r->health, f, r->now);
    fputs("# HELP probed_target_up The target's state: 1 up, 0 down, NaN unknown.\n"
          "# TYPE probed_target_up gauge\n",
          f);
    for (size_t i = 0; i < m.n_targets; i++) {
        fputs("probed_target_up{", f);
        target_labels(f, &m.targets[i]);
        fputc('}', f);
        state_value(f, m.targets[i].state);
    }
    fputs("# HELP probed_target_maintenance 1 while a maintenance window covers the target.\n"
          "# TYPE probed_target_maintenance gauge\n",
          f);
    for (size_t i = 0; i < m.n_targets; i++) {
        fputs("probed_target_maintenance{", f);
        target_labels(f, &m.targets[i]);
        fprintf(f, "} %d\n", m.targets[i].maintenance);
    }
    fputs("# HELP probed_check_up A check's state: 1 up, 0 down, NaN unknown.\n"
          "# TYPE probed_check_up gauge\n",
          f);
    for (size_t i = 0; i < m.n_targets; i++)
        for (size_t k = 0; k < m.targets[i].n_checks; k++) {
            fputs("probed_check_up{", f);
            target_labels(f, &m.targets[i]);
            label(f, "check", m.targets[i].checks[k].id, false);
            fputc('}', f);
            state_value(f, m.targets[i].checks[k].state);
        }
    fputs("# HELP probed_check_last_result_timestamp_seconds When the check's last round "
          "ended.\n# TYPE probed_check_last_result_timestamp_seconds gauge\n",
          f);
    for (size_t i = 0; i < m.n_targets; i++)
        for (size_t k = 0; k < m.targets[i].n_checks; k++) {
            const struct web_check *c = &m.targets[i].checks[k];
            if (!c->last)
                continue;
            fputs("probed_check_last_result_timestamp_seconds{", f);
            target_labels(f, &m.targets[i]);
            label(f, "check", c->id, false);
            fprintf(f, "} %.3f\n", (double)c->last / 1e9);
        }
    fputs("# HELP probed_check_metric The check's last round's figures, by metric name (units "
          "as the name says: _ms milliseconds, _pct percent).\n"
          "# TYPE probed_check_metric gauge\n",
          f);
    for (size_t i = 0; i < m.n_targets; i++)
        for (size_t k = 0; k < m.targets[i].n_checks; k++)
            metric_samples(f, &m.targets[i], &m.targets[i].checks[k]);
    web_model_free(&m);
    return 0;
}
