/* `inspection:` of the configuration: when the daily health check is
 * made, which days are working days, and what its problem list flags.
 * docs/configuration.md, inspection. */
#include "config_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

void pd_config_inspection_defaults(struct pd_inspection_conf *c)
{
    *c = (struct pd_inspection_conf){
        .daily_minute = 8 * 60 + 30,
        .write_daily = 1,
        .daily_formats = PD_INSPECT_CSV | PD_INSPECT_JSON | PD_INSPECT_HTML,
        .working_days = 0x3e, /* Monday to Friday */
        .loss_pct = 1,
        .cert_days = 30,
    };
}

void pd_config_free_inspection(struct pd_inspection_conf *c)
{
    free(c->holidays);
    free(c->extra_working_days);
    c->holidays = c->extra_working_days = NULL;
    c->n_holidays = c->n_extra_working_days = 0;
}

/* "08:30" (or "8:30"): minutes after midnight. */
static int parse_time_of_day(const char *t, int *out)
{
    size_t n = strlen(t), colon = n >= 3 ? n - 3 : 0;
    int h = 0, m = 0;
    if ((n != 4 && n != 5) || t[colon] != ':')
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (i == colon)
            continue;
        if (t[i] < '0' || t[i] > '9')
            return -EINVAL;
        if (i < colon)
            h = h * 10 + (t[i] - '0');
        else
            m = m * 10 + (t[i] - '0');
    }
    if (h > 23 || m > 59)
        return -EINVAL;
    *out = h * 60 + m;
    return 0;
}

static void read_time_of_day(struct pd_yreader *r, const struct pd_ynode *v, int *out)
{
    if (pd_ywant(r, v, PD_YSCALAR, "inspection daily_at") < 0)
        return;
    if (parse_time_of_day(v->text, out) < 0)
        pd_yfail(r, v,
                 "inspection daily_at: expected a local time as HH:MM (00:00 to 23:59), got '%s'",
                 v->text);
}

/* The items of a list, or one scalar as a list of one. */
static size_t list_items(struct pd_yreader *r, const struct pd_ynode *v, const char *what,
                         const struct pd_ynode *const **items, const struct pd_ynode **one)
{
    if (v->kind == PD_YSCALAR) {
        *one = v;
        *items = one;
        return 1;
    }
    if (pd_ywant(r, v, PD_YSEQ, what) < 0)
        return 0;
    *items = (const struct pd_ynode *const *)v->items;
    return v->n;
}

static void read_weekdays(struct pd_yreader *r, const struct pd_ynode *v, unsigned *out)
{
    static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    const struct pd_ynode *const *items, *one;
    size_t n = list_items(r, v, "inspection working_days", &items, &one);
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *it = items[i];
        if (pd_ywant(r, it, PD_YSCALAR, "a working day") < 0)
            continue;
        int k = 0;
        while (k < 7 && strcasecmp(it->text, names[k]) != 0)
            k++;
        if (k == 7) {
            pd_yfail(r, it,
                     "inspection working_days: expected mon, tue, wed, thu, fri, sat or sun, "
                     "got '%s'",
                     it->text);
            continue;
        }
        if (mask & (1u << k))
            pd_yfail(r, it, "inspection working_days: '%s' is listed twice", it->text);
        mask |= 1u << k;
    }
    if (r->rc == 0 && v->kind == PD_YSEQ && v->n == 0)
        pd_yfail(r, v, "inspection working_days: name at least one day");
    *out = mask;
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Dates "2026-10-01" and ranges "2026-10-01..2026-10-08", sorted, each
 * day once; a day listed twice is an error (a typo, most likely). */
#define RANGE_MAX 366

static void read_days(struct pd_yreader *r, const struct pd_ynode *v, const char *what,
                      int32_t **out, size_t *n_out)
{
    const struct pd_ynode *const *items, *one;
    size_t n = list_items(r, v, what, &items, &one);
    int32_t *days = NULL;
    size_t n_days = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *it = items[i];
        if (pd_ywant(r, it, PD_YSCALAR, what) < 0)
            continue;
        char first[PD_DAY_TEXT] = "", last[PD_DAY_TEXT] = "";
        const char *dots = strstr(it->text, "..");
        int32_t a, b;
        if (dots && dots - it->text < (long)sizeof(first)) {
            memcpy(first, it->text, (size_t)(dots - it->text));
            snprintf(last, sizeof(last), "%s", dots + 2);
        } else if (!dots) {
            snprintf(first, sizeof(first), "%s", it->text);
            snprintf(last, sizeof(last), "%s", it->text);
        }
        if (strlen(it->text) > 2 * PD_DAY_TEXT || pd_day_parse(first, &a) < 0 ||
            pd_day_parse(last, &b) < 0) {
            pd_yfail(r, it,
                     "%s: expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD, got '%s'",
                     what, it->text);
            continue;
        }
        if (b < a || b - a >= RANGE_MAX) {
            pd_yfail(r, it, "%s: the range '%s' must run forwards, over at most %d days", what,
                     it->text, RANGE_MAX);
            continue;
        }
        for (int32_t d = a; d <= b; d++) {
            if (n_days == cap) {
                size_t ncap = cap ? 2 * cap : 16;
                int32_t *p = realloc(days, ncap * sizeof(*days));
                if (!p) {
                    pd_yfail_nomem(r, it);
                    free(days);
                    return;
                }
                days = p;
                cap = ncap;
            }
            days[n_days++] = d;
        }
    }
    if (n_days > 1)
        qsort(days, n_days, sizeof(*days), cmp_day);
    for (size_t i = 1; i < n_days; i++) {
        if (days[i] == days[i - 1]) {
            char d[PD_DAY_TEXT];
            pd_yfail(r, v, "%s: %s is listed twice", what, pd_day_format(days[i], d, sizeof(d)));
            break;
        }
    }
    free(*out);
    *out = days;
    *n_out = n_days;
}

static void read_formats(struct pd_yreader *r, const struct pd_ynode *v, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } fmts[] = {{"csv", PD_INSPECT_CSV},
                {"json", PD_INSPECT_JSON},
                {"html", PD_INSPECT_HTML},
                {"xlsx", PD_INSPECT_XLSX}};
    const struct pd_ynode *const *items, *one;
    size_t n = list_items(r, v, "inspection formats", &items, &one);
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pd_ynode *it = items[i];
        if (pd_ywant(r, it, PD_YSCALAR, "a format") < 0)
            continue;
        size_t k = 0;
        while (k < 4 && strcmp(it->text, fmts[k].name) != 0)
            k++;
        if (k == 4) {
            pd_yfail(r, it, "inspection formats: expected csv, json, html or xlsx, got '%s'",
                     it->text);
            continue;
        }
        mask |= fmts[k].bit;
    }
    if (r->rc == 0 && mask == 0)
        pd_yfail(r, v, "inspection formats: name at least one of csv, json, html, xlsx");
    *out = mask;
}

static void read_threshold(struct pd_yreader *r, const struct pd_ynode *v, const char *what,
                           double max, double *out)
{
    double d;
    if (pd_ywant(r, v, PD_YSCALAR, what) < 0)
        return;
    if (pd_text_double(v->text, &d) < 0 || d < 0 || d > max) {
        pd_yfail(r, v, "%s: expected a number from 0 (not judged) to %g, got '%s'", what, max,
                 v->text);
        return;
    }
    *out = d;
}

static void read_thresholds(struct pd_yreader *r, const struct pd_ynode *node,
                            struct pd_inspection_conf *c)
{
    static const char *const keys[] = {"loss_pct", "latency_ms", "jitter_ms", "cert_days", NULL};
    const struct pd_ynode *v;
    if (pd_ywant(r, node, PD_YMAP, "inspection thresholds") < 0)
        return;
    pd_ycheck_keys(r, node, keys, "inspection thresholds");
    if ((v = pd_yget(node, "loss_pct")))
        read_threshold(r, v, "inspection thresholds loss_pct", 100, &c->loss_pct);
    if ((v = pd_yget(node, "latency_ms")))
        read_threshold(r, v, "inspection thresholds latency_ms", 600000, &c->latency_ms);
    if ((v = pd_yget(node, "jitter_ms")))
        read_threshold(r, v, "inspection thresholds jitter_ms", 600000, &c->jitter_ms);
    if ((v = pd_yget(node, "cert_days")))
        pd_yread_long(r, v, "inspection thresholds cert_days", 0, 3650, &c->cert_days);
}

void pd_config_load_inspection(struct pd_yreader *r, struct pd_inspection_conf *c,
                               const struct pd_ynode *node)
{
    static const char *const keys[] = {"daily_at",     "write_daily", "formats",
                                       "working_days", "holidays",    "extra_working_days",
                                       "thresholds",   NULL};
    const struct pd_ynode *v;
    if (!node || pd_ywant(r, node, PD_YMAP, "inspection") < 0)
        return;
    c->at = pd_ymark(r, node);
    pd_ycheck_keys(r, node, keys, "inspection");
    if ((v = pd_yget(node, "daily_at")))
        read_time_of_day(r, v, &c->daily_minute);
    if ((v = pd_yget(node, "write_daily")))
        pd_yread_bool(r, v, "inspection write_daily", &c->write_daily);
    if ((v = pd_yget(node, "formats")))
        read_formats(r, v, &c->daily_formats);
    if ((v = pd_yget(node, "working_days")))
        read_weekdays(r, v, &c->working_days);
    if ((v = pd_yget(node, "holidays")))
        read_days(r, v, "inspection holidays", &c->holidays, &c->n_holidays);
    if ((v = pd_yget(node, "extra_working_days")))
        read_days(r, v, "inspection extra_working_days", &c->extra_working_days,
                  &c->n_extra_working_days);
    if ((v = pd_yget(node, "thresholds")))
        read_thresholds(r, v, c);
    /* A day both off and worked is a contradiction the operator must
     * settle, not one probed should guess at. */
    for (size_t i = 0, j = 0; i < c->n_holidays && j < c->n_extra_working_days;) {
        if (c->holidays[i] == c->extra_working_days[j]) {
            char d[PD_DAY_TEXT];
            pd_yfail(r, pd_yget(node, "extra_working_days"),
                     "inspection: %s is both a holiday and an extra working day",
                     pd_day_format(c->holidays[i], d, sizeof(d)));
            break;
        }
        if (c->holidays[i] < c->extra_working_days[j])
            i++;
        else
            j++;
    }
}
