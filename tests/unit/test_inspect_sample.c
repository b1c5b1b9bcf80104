/* The quarterly sample: reproducible for a quarter, different for another,
 * never more sites than there are, weighted toward sites with outages;
 * its checklists from a synthetic quarter. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inspect_sample.h"
#include "report.h"
#include "report_fixture.h"
#include "report_write.h"
#include "timefmt.h"

#define N_SITES 100

static char names[N_SITES][48];
static struct pd_sample_site sites[N_SITES];

static void make_sites(size_t n, double weight)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "guizhou/county-%03zu", i);
        sites[i] = (struct pd_sample_site){names[i], weight};
    }
}

static void chosen_paths(const size_t *idx, size_t n, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s ", sites[idx[i]].path);
}

static void test_reproducible(void **state)
{
    (void)state;
    size_t a[30], b[30];
    char la[2048], lb[2048];
    make_sites(N_SITES, 1);
    assert_int_equal(pd_sample_choose(sites, N_SITES, "2026Q4", 30, a, NULL), 30);
    assert_int_equal(pd_sample_choose(sites, N_SITES, "2026Q4", 30, b, NULL), 30);
    assert_memory_equal(a, b, sizeof(a));
    chosen_paths(a, 30, la, sizeof(la));

    /* The order of the input does not matter: only the quarter and the
     * paths decide. */
    struct pd_sample_site rev[N_SITES];
    for (size_t i = 0; i < N_SITES; i++)
        rev[i] = sites[N_SITES - 1 - i];
    assert_int_equal(pd_sample_choose(rev, N_SITES, "2026Q4", 30, b, NULL), 30);
    size_t used = 0;
    lb[0] = '\0';
    for (size_t i = 0; i < 30; i++)
        used += (size_t)snprintf(lb + used, sizeof(lb) - used, "%s ", rev[b[i]].path);
    assert_string_equal(la, lb);

    /* Each site at most once. */
    for (size_t i = 0; i < 30; i++)
        for (size_t k = i + 1; k < 30; k++)
            assert_true(a[i] != a[k]);

    /* The draw is pinned: a record printed years ago is drawn again. */
    double u = pd_sample_uniform("2026Q4", "guizhou/guiyang");
    assert_true(u > 0 && u < 1);
    char pinned[32];
    snprintf(pinned, sizeof(pinned), "%.12f", u);
    assert_string_equal(pinned, "0.461230089793"); /* docs/inspection.md recomputes it */
}

static void test_quarters_differ(void **state)
{
    (void)state;
    size_t a[30], b[30];
    char la[2048], lb[2048];
    make_sites(N_SITES, 1);
    assert_int_equal(pd_sample_choose(sites, N_SITES, "2026Q3", 30, a, NULL), 30);
    assert_int_equal(pd_sample_choose(sites, N_SITES, "2026Q4", 30, b, NULL), 30);
    chosen_paths(a, 30, la, sizeof(la));
    chosen_paths(b, 30, lb, sizeof(lb));
    assert_string_not_equal(la, lb);
    /* Not merely reordered: another set. */
    size_t common = 0;
    for (size_t i = 0; i < 30; i++)
        for (size_t k = 0; k < 30; k++)
            common += a[i] == b[k];
    assert_true(common < 30);
}

static void test_never_more_than_exist(void **state)
{
    (void)state;
    size_t out[N_SITES];
    make_sites(10, 1);
    assert_int_equal(pd_sample_choose(sites, 10, "2026Q4", 30, out, NULL), 10);
    assert_int_equal(pd_sample_choose(sites, 10, "2026Q4", 10, out, NULL), 10);
    assert_int_equal(pd_sample_choose(sites, 10, "2026Q4", 0, out, NULL), 0);
    assert_int_equal(pd_sample_choose(sites, 0, "2026Q4", 30, out, NULL), 0);
    assert_int_equal(pd_sample_choose(sites, 1, "2026Q4", 30, out, NULL), 1);
    assert_int_equal(out[0], 0);
}

/* Over many quarters: uniform picks each site about equally often; a site
 * weighing 20 among 19 weighing 1 is picked far more often than they. */
static void test_weights(void **state)
{
    (void)state;
    unsigned count[20] = {0};
    size_t out[5];
    char q[16];
    make_sites(20, 1);
    for (int y = 2000; y < 2100; y++)
        for (int k = 1; k <= 4; k++) {
            snprintf(q, sizeof(q), "%dQ%d", y, k);
            assert_int_equal(pd_sample_choose(sites, 20, q, 5, out, NULL), 5);
            for (size_t i = 0; i < 5; i++)
                count[out[i]]++;
        }
    /* 400 draws of 5 of 20: 100 per site expected. */
    for (size_t i = 0; i < 20; i++)
        if (count[i] < 60 || count[i] > 140)
            fail_msg("uniform: site %zu drawn %u times of 400", i, count[i]);

    memset(count, 0, sizeof(count));
    sites[7].weight = 20;
    for (int y = 2000; y < 2100; y++)
        for (int k = 1; k <= 4; k++) {
            snprintf(q, sizeof(q), "%dQ%d", y, k);
            assert_int_equal(pd_sample_choose(sites, 20, q, 3, out, NULL), 3);
            for (size_t i = 0; i < 3; i++)
                count[out[i]]++;
        }
    unsigned light = 0;
    for (size_t i = 0; i < 20; i++)
        light += i == 7 ? 0 : count[i];
    if (count[7] < 300 || count[7] < 4 * light / 19)
        fail_msg("weighted: the heavy site drawn %u times of 400, the others %u on average",
                 count[7], light / 19);
}

/* A quarter's inspection of six devices at four sites, one with outages. */
static const struct pd_avail_point up[] = {{0, PD_STATE_UP}};

static struct pd_inspection *quarter(pd_ns start, pd_ns end, const struct pd_avail_point *bad,
                                     size_t n_bad)
{
    static const struct pd_report_severity sev[] = {
        {.name = "general", .limits = PD_TEST_EMERGENCY_LIMITS}};
    struct pd_report_target_in t[6] = {
        {"gy-a", "贵阳A", "guizhou/guiyang", "codec", "general", 0, 0, up, 1, false, NULL, 0},
        {"gy-b", "贵阳B", "guizhou/guiyang", "camera", "general", 0, 0, up, 1, false, NULL, 0},
        {"zy-c", "遵义C", "guizhou/zunyi", "codec", "general", 0, 0, bad, n_bad, false, NULL, 0},
        {"as-d", "安顺D", "guizhou/anshun", "codec", "general", 0, 0, up, 1, false, NULL, 0},
        {"tr-e", "铜仁E", "guizhou/tongren", "codec", "general", 0, 0, up, 1, false, NULL, 0},
        {"tr-f", "铜仁F", "guizhou/tongren/x", "switch", "general", 0, 0, up, 1, false, NULL, 0},
    };
    struct pd_report_input in = {
        .month = "2026Q4",
        .period = {start, end},
        .timezone = "Asia/Shanghai",
        .version = "test",
        .config_hash = "",
        .source = "synthetic",
        .generated = end,
        .observed_until = end,
        .severities = sev,
        .n_severities = 1,
        .targets = t,
        .n_targets = 6,
    };
    struct pd_inspection *ins = calloc(1, sizeof(*ins));
    char err[256];
    assert_non_null(ins);
    if (pd_report_build(&in, &ins->report, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    ins->kind = PD_INSPECT_QUARTER;
    ins->label = strdup("2026Q4");
    ins->n_devices = ins->report->n_targets;
    ins->devices = calloc(ins->n_devices, sizeof(*ins->devices));
    assert_non_null(ins->devices);
    for (size_t i = 0; i < ins->n_devices; i++) {
        ins->devices[i].t = &ins->report->targets[i];
        ins->devices[i].state = PD_STATE_UP;
        pd_stat_clear(&ins->devices[i].loss);
        pd_stat_clear(&ins->devices[i].rtt);
    }
    return ins;
}

static void test_checklists(void **state)
{
    (void)state;
    char why[128];
    assert_int_equal(pd_time_set_zone("Asia/Shanghai", why, sizeof(why)), 0);
    pd_ns start = (pd_ns)1790784000 * PD_SEC, end = start + 30 * 86400 * PD_SEC;
    const struct pd_avail_point bad[] = {{0, PD_STATE_UP},
                                         {start + 3600 * PD_SEC, PD_STATE_DOWN},
                                         {start + 3660 * PD_SEC, PD_STATE_UP},
                                         {start + 7200 * PD_SEC, PD_STATE_DOWN},
                                         {start + 7260 * PD_SEC, PD_STATE_UP}};
    struct pd_sample *s = NULL;
    assert_int_equal(pd_sample_build(quarter(start, end, bad, 5), "2026Q4", 30, true, &s), 0);
    /* The sites are the devices' own paths: tongren and tongren/x apart,
     * guizhou (no device of its own) not a site. */
    assert_int_equal(s->population, 5);
    assert_int_equal(s->n_picks, 5);
    for (size_t i = 0; i < s->n_picks; i++) {
        const struct pd_sample_pick *p = &s->picks[i];
        if (strcmp(p->path, "guizhou/guiyang") == 0)
            assert_int_equal(p->n_devices, 2);
        else
            assert_int_equal(p->n_devices, 1);
        if (strcmp(p->path, "guizhou/zunyi") == 0) {
            assert_int_equal(p->failures, 2);
            assert_true(p->weight == 3);
        } else {
            assert_true(p->weight == 1);
        }
    }
    struct pd_record rec;
    char *doc;
    size_t len;
    assert_int_equal(pd_sample_record(s, &rec), 0);
    assert_int_equal(rec.n_tables, 6); /* the list and one checklist per site */
    assert_true(rec.tables[1].page && rec.tables[1].form);
    assert_int_equal(pd_record_html(&rec, &doc, &len), 0);
    assert_int_equal(pd_report_verify(doc, len, why, sizeof(why)), 0);
    assert_non_null(strstr(doc, "<section class=\"page\">"));
    assert_non_null(strstr(doc, "signature"));
    free(doc);
    assert_int_equal(pd_record_csv(&rec, true, &doc, &len), 0);
    assert_int_equal(pd_report_verify(doc, len, why, sizeof(why)), 0);
    free(doc);
    pd_record_free(&rec);
    assert_int_equal(pd_sample_json(s, &doc, &len), 0);
    assert_int_equal(pd_report_verify(doc, len, why, sizeof(why)), 0);
    assert_non_null(strstr(doc, "\"method\": \"weighted\""));
    free(doc);
    pd_sample_free(s);

    /* Two of five: the same two each time. */
    struct pd_sample *x = NULL, *y = NULL;
    assert_int_equal(pd_sample_build(quarter(start, end, bad, 5), "2026Q4", 2, false, &x), 0);
    assert_int_equal(pd_sample_build(quarter(start, end, bad, 5), "2026Q4", 2, false, &y), 0);
    assert_int_equal(x->n_picks, 2);
    assert_string_equal(x->picks[0].path, y->picks[0].path);
    assert_string_equal(x->picks[1].path, y->picks[1].path);
    pd_sample_free(x);
    pd_sample_free(y);
    assert_int_equal(pd_time_set_zone("UTC", why, sizeof(why)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_quarters_differ),
        cmocka_unit_test(test_never_more_than_exist),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_checklists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
