/* The dashboard's report helpers (web_report.c, web_conf.c) and the
 * running month's period (report.c): pure functions, no server. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "timefmt.h"
#include "web_priv.h"

#define T_2026_11_01 ((pd_ns)1793462400 * PD_SEC) /* 2026-11-01 00:00 +08:00 */
#define T_2026_12_01 ((pd_ns)1796054400 * PD_SEC)
#define HOUR         (3600 * PD_SEC)

static int zone(void **state)
{
    char err[256];
    (void)state;
    return pd_time_set_zone("Asia/Shanghai", err, sizeof(err));
}

static void month_check(void **state)
{
    char why[256];
    (void)state;
    pd_ns now = T_2026_11_01 + 20 * 24 * HOUR;
    assert_int_equal(web_month_check("2026-11", now, why, sizeof(why)), 0);
    assert_int_equal(web_month_check("2026-10", now, why, sizeof(why)), 0);
    assert_int_equal(web_month_check("2026-12", now, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "has not begun"));
    static const char *const bad[] = {"2026-13", "2026-00", "2026-1",  "26-10",  "2026-10x",
                                      "2026/10", "",        "abcd-ef", "2026-1 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(web_month_check(bad[i], now, why, sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "YYYY-MM"));
    }
    assert_int_equal(web_month_check(NULL, now, why, sizeof(why)), -EINVAL);
}

static void month_of_and_prev(void **state)
{
    char m[WEB_MONTH_LEN];
    (void)state;
    web_month_of(T_2026_11_01, m); /* midnight in the zone: the new month */
    assert_string_equal(m, "2026-11");
    web_month_of(T_2026_11_01 - 1, m);
    assert_string_equal(m, "2026-10");
    assert_int_equal(web_month_prev("2026-11", m), 0);
    assert_string_equal(m, "2026-10");
    assert_int_equal(web_month_prev("2026-01", m), 0);
    assert_string_equal(m, "2025-12");
    assert_int_equal(web_month_prev("2026-13", m), -EINVAL);
    assert_int_equal(web_month_prev("0001-01", m), -EINVAL);
}

static void file_parse(void **state)
{
    char m[WEB_MONTH_LEN];
    enum pd_report_format f;
    (void)state;
    assert_int_equal(web_report_file_parse("2026-10.xlsx", m, &f), 0);
    assert_string_equal(m, "2026-10");
    assert_int_equal(f, PD_REPORT_XLSX);
    assert_int_equal(web_report_file_parse("2026-10.csv", m, &f), 0);
    assert_int_equal(f, PD_REPORT_CSV);
    static const char *const bad[] = {"2026-10",      "2026-10.pdf", "2026-13.csv",  "2026-1.csv",
                                      "2026-10.csv/", ".csv",        "x/2026-10.csv"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(web_report_file_parse(bad[i], m, &f), -EINVAL);
}

/* A running month stops at the records' end; a past one is whole. */
static void period_so_far(void **state)
{
    struct pd_report_input in = {0};
    (void)state;
    in.observed_until = T_2026_11_01 + 5 * HOUR;
    assert_true(pd_report_period_so_far(&in, T_2026_11_01, T_2026_12_01, T_2026_11_01 + 6 * HOUR));
    assert_true(in.so_far);
    assert_true(in.period.start == T_2026_11_01 && in.period.end == T_2026_11_01 + 5 * HOUR);
    /* Nothing recorded in the month yet: up to now. */
    in.observed_until = T_2026_11_01 - HOUR;
    assert_true(pd_report_period_so_far(&in, T_2026_11_01, T_2026_12_01, T_2026_11_01 + 2 * HOUR));
    assert_true(in.period.end == T_2026_11_01 + 2 * HOUR);
    /* Never empty. */
    assert_true(pd_report_period_so_far(&in, T_2026_11_01, T_2026_12_01, T_2026_11_01));
    assert_true(in.period.end > in.period.start);
    /* Over: the whole month, whatever the records. */
    in.observed_until = T_2026_11_01 + HOUR;
    assert_false(pd_report_period_so_far(&in, T_2026_11_01, T_2026_12_01, T_2026_12_01));
    assert_false(in.so_far);
    assert_true(in.period.end == T_2026_12_01);
}

static void model_target(struct web_target *t, const char *id, const char *state, bool maint)
{
    *t = (struct web_target){.id = (char *)id, .state = (char *)state, .maintenance = maint};
}

static void system_state(void **state)
{
    (void)state;
    char *members[] = {"a", "b", "c", "gone"};
    struct pd_system_conf s = {
        .id = "s", .rule = PD_SYSTEM_ALL, .members = members, .n_members = 4};
    struct web_target t[3];
    struct web_model m = {.targets = t, .n_targets = 3};
    unsigned up, n;
    model_target(&t[0], "a", "UP", false);
    model_target(&t[1], "b", "DOWN", true); /* in maintenance: counts as UP */
    model_target(&t[2], "c", "UP", false);
    assert_int_equal(web_system_state(&s, &m, &up, &n), WEB_UP);
    assert_int_equal(up, 3);
    assert_int_equal(n, 3); /* "gone" is not in service: left out */
    model_target(&t[1], "b", "DOWN", false);
    assert_int_equal(web_system_state(&s, &m, &up, &n), WEB_DOWN);
    s.rule = PD_SYSTEM_ANY;
    assert_int_equal(web_system_state(&s, &m, &up, &n), WEB_UP);
    s.rule = PD_SYSTEM_K_OF_N;
    s.k = 3;
    model_target(&t[1], "b", "UNKNOWN", false);
    assert_int_equal(web_system_state(&s, &m, &up, &n), WEB_UNKNOWN);
    s.k = 2;
    assert_int_equal(web_system_state(&s, &m, &up, &n), WEB_UP);
    m.n_targets = 0;
    assert_int_equal(web_system_state(&s, &m, &up, &n), WEB_UNKNOWN);
}

/* The copy owns everything; templates are re-pointed into it. */
static void conf_copy(void **state)
{
    (void)state;
    struct pd_check_conf checks[] = {{.id = "ping", .type = "icmp"}, {.id = "av", .type = "rtp"}};
    struct pd_template tm[] = {
        {.name = "codec", .severity = "emergency", .checks = checks, .n_checks = 2}};
    struct pd_target_conf tg[] = {{.id = "a",
                                   .name = "贵阳",
                                   .address = "10.0.0.1",
                                   .type = "codec",
                                   .site = "gz",
                                   .tmpl = &tm[0]}};
    char *members[] = {"a"};
    struct pd_system_conf sys[] = {
        {.id = "s", .name = "系统", .rule = 1, .members = members, .n_members = 1}};
    struct pd_severity_conf sev[] = {{.name = "emergency", .availability_min = 99.5}};
    struct pd_maint_conf mt[] = {{.start = 1, .end = 2, .scope = PD_MAINT_CONF_ALL, .reason = "r"}};
    char *files[] = {"/etc/probed.yaml", "/etc/secrets.yaml"};
    struct pd_config cfg = {.data_dir = "/var/lib/probed",
                            .timezone = "Asia/Shanghai",
                            .templates = tm,
                            .n_templates = 1,
                            .targets = tg,
                            .n_targets = 1,
                            .systems = sys,
                            .n_systems = 1,
                            .severities = sev,
                            .n_severities = 1,
                            .maintenance = mt,
                            .n_maintenance = 1,
                            .files = files,
                            .n_files = 2,
                            .secrets = "/etc/secrets.yaml",
                            .sla_default_severity = "general"};
    struct web_conf *c;
    assert_int_equal(web_conf_new(&cfg, &c), 0);
    assert_ptr_equal(c->cfg.targets[0].tmpl, &c->cfg.templates[0]);
    assert_string_equal(c->cfg.targets[0].name, "贵阳");
    assert_ptr_not_equal(c->cfg.targets[0].name, tg[0].name);
    assert_string_equal(c->cfg.templates[0].checks[1].type, "rtp");
    assert_int_equal(c->cfg.n_files, 1); /* the secrets are not hashed */
    assert_non_null(web_conf_system(c, "s"));
    assert_null(web_conf_system(c, "t"));
    assert_null(c->cfg.maintenance[0].what);
    assert_true(c->cfg.severities[0].availability_min == 99.5);
    web_conf_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(month_check),  cmocka_unit_test(month_of_and_prev),
        cmocka_unit_test(file_parse),   cmocka_unit_test(period_so_far),
        cmocka_unit_test(system_state), cmocka_unit_test(conf_copy),
    };
    return cmocka_run_group_tests(tests, zone, NULL);
}
