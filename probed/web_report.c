#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "report_source.h"
#include "timefmt.h"
#include "web_priv.h"

/* The monthly report for the dashboard: the same input probectl report
 * reads (report_source.c from the store, the configuration's severities,
 * systems and windows) and the same builder, so the figures agree. */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "YYYY-MM", month 01..12, nothing after. */
static bool month_syntax(const char *m)
{
    return m && strlen(m) == 7 && digits(m, 4) && m[4] == '-' && digits(m + 5, 2) &&
           atoi(m + 5) >= 1 && atoi(m + 5) <= 12;
}

int web_month_check(const char *month, pd_ns now, char *why, size_t whylen)
{
    pd_ns start, end;
    char err[128];
    if (!month_syntax(month)) {
        snprintf(why, whylen, "month must be YYYY-MM, e.g. 2026-10");
        return -EINVAL;
    }
    if (pd_time_month(month, &start, &end, err, sizeof(err)) < 0) {
        snprintf(why, whylen, "month: %s", err);
        return -EINVAL;
    }
    if (start > now) {
        snprintf(why, whylen, "%s has not begun yet (time zone %s)", month, pd_time_zone());
        return -EINVAL;
    }
    return 0;
}

void web_month_of(pd_ns t, char out[WEB_MONTH_LEN])
{
    char buf[PD_TIME_BUFLEN];
    /* "2026-11-21 10:02:11" in the configured zone: its first 7 bytes. */
    snprintf(out, WEB_MONTH_LEN, "%.7s", pd_time_format_local(t, buf, sizeof(buf)));
}

int web_month_prev(const char *month, char out[WEB_MONTH_LEN])
{
    if (!month_syntax(month))
        return -EINVAL;
    int y = atoi(month), m = atoi(month + 5) - 1;
    if (m == 0) {
        m = 12;
        y--;
    }
    if (y < 1)
        return -EINVAL;
    snprintf(out, WEB_MONTH_LEN, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
    return 0;
}

int web_report_file_parse(const char *name, char month[WEB_MONTH_LEN], enum pd_report_format *fmt)
{
    const char *dot = strchr(name, '.');
    if (!dot || dot - name != 7)
        return -EINVAL;
    snprintf(month, WEB_MONTH_LEN, "%.7s", name);
    if (!month_syntax(month))
        return -EINVAL;
    return pd_report_format_parse(dot + 1, fmt);
}

enum web_state web_system_state(const struct pd_system_conf *s, const struct web_model *m,
                                unsigned *up_out, unsigned *n_out)
{
    unsigned up = 0, unknown = 0, n = 0;
    for (size_t i = 0; i < s->n_members; i++)
        for (size_t k = 0; k < m->n_targets; k++) {
            const struct web_target *t = &m->targets[k];
            if (strcmp(t->id, s->members[i]) != 0)
                continue;
            enum web_state st = web_state_parse(t->state);
            n++;
            /* A member in maintenance counts as UP (docs/reports.md). */
            if (st == WEB_UP || t->maintenance)
                up++;
            else if (st == WEB_UNKNOWN)
                unknown++;
            break;
        }
    /* Members not in service are left out, as in reports. */
    unsigned need = s->rule == PD_SYSTEM_ALL ? n : s->rule == PD_SYSTEM_ANY ? 1 : s->k;
    if (need > n)
        need = n;
    *up_out = up;
    *n_out = n;
    if (n == 0)
        return WEB_UNKNOWN;
    return up >= need ? WEB_UP : up + unknown < need ? WEB_DOWN : WEB_UNKNOWN;
}

int web_report_build(struct web_req *r, const char *month, enum pd_report_scope scope,
                     const char *what, struct pd_report **out, bool *so_far, char *why,
                     size_t whylen)
{
    struct pd_report_data d = {0};
    char hash[PD_SHA256_HEX], source[1024];
    pd_ns start, end, t0 = pd_clock_mono();
    int rc;

    *out = NULL;
    if ((rc = web_month_check(month, r->now, why, whylen)) < 0 ||
        (rc = pd_time_month(month, &start, &end, why, whylen)) < 0)
        return rc;
    struct web_conf *c = web_conf_get(r);
    /* Read from the files, as probectl report does: the same bytes give
     * the same digest. */
    if ((rc = pd_sha256_files((const char *const *)c->cfg.files, c->cfg.n_files, hash, why,
                              whylen)) < 0)
        goto out;
    /* A device's or a system's page reads only its targets' records: the
     * whole store grows with the inventory (5,000 targets: 100 ms). */
    const char *const *only = NULL;
    size_t n_only = 0;
    const struct pd_system_conf *sys = NULL;
    if (scope == PD_SCOPE_TARGET && what) {
        only = &what;
        n_only = 1;
    } else if (scope == PD_SCOPE_SYSTEM && what && (sys = web_conf_system(c, what))) {
        only = (const char *const *)sys->members;
        n_only = sys->n_members;
    }
    if ((rc = pd_report_data_from_store(r->db, &c->cfg, only, n_only, &d, why, whylen)) < 0)
        goto out;
    snprintf(source, sizeof(source), "event store %s/%s", c->cfg.data_dir, PD_DB_FILE);
    d.in.month = month;
    *so_far = pd_report_period_so_far(&d.in, start, end, r->now);
    d.in.timezone = c->cfg.timezone;
    d.in.version = PROBED_VERSION;
    d.in.config_hash = hash;
    d.in.source = source;
    d.in.generated = r->now;
    d.in.scope = scope;
    d.in.scope_what = what;
    rc = pd_report_build(&d.in, out, why, whylen);
    if (rc == 0)
        pd_debug("web", "report %s %s %s: %zu targets in %lld ms", month,
                 pd_report_scope_name(scope), what ? what : "", (*out)->n_targets,
                 (long long)((pd_clock_mono() - t0) / 1000000));
out:
    pd_report_data_free(&d);
    web_conf_put(r, c);
    return rc;
}
