/* The contract side of the configuration: sla, systems, maintenance. */
#include "config_check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void expect_rules(const struct pd_severity_conf *s, size_t n, const double *share,
                         const pd_ns *within)
{
    assert_int_equal(s->n_resolved, n);
    for (size_t i = 0; i < n; i++) {
        if (s->resolved[i].share_pct != share[i])
            fail_msg("%s rule %zu: share %g, expected %g", s->name, i, s->resolved[i].share_pct,
                     share[i]);
        assert_int_equal(s->resolved[i].within, within[i]);
    }
}

/* The service levels of REQUIREMENTS.md, with sla's limits inherited. */
static void test_sla_defaults(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        pd_ns mttr, within95, within90;
    } want[] = {
        {"emergency", M(60), M(30), M(60)},
        {"important", M(25), M(15), M(25)},
        {"general", M(15), M(5), M(10)},
    };
    static const double shares[] = {95, 90};
    struct pd_config *cfg = load_text("# nothing yet\n", 0);
    assert_true(cfg->sla_availability_min == 95);
    assert_int_equal(cfg->sla_mtbf_min, H(360));
    assert_true(cfg->sla_coverage_min == 99);
    assert_string_equal(cfg->sla_default_severity, "general");
    assert_int_equal(cfg->n_severities, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct pd_severity_conf *s = pd_config_severity(cfg, want[i].name);
        const pd_ns within[] = {want[i].within95, want[i].within90};
        assert_ptr_equal(s, &cfg->severities[i]);
        assert_true(s->availability_min == 95);
        assert_int_equal(s->mtbf_min, H(360));
        assert_int_equal(s->mttr_max, want[i].mttr);
        expect_rules(s, 2, shares, within);
    }
    assert_null(pd_config_severity(cfg, "urgent"));
    assert_int_equal(cfg->n_systems, 0);
    assert_null(pd_config_system(cfg, "video"));
    assert_int_equal(cfg->n_maintenance, 0);
    pd_config_free(cfg);

    /* The default severities take sla's own limits when it sets them. */
    cfg = load_text("sla: { availability_min: 99.9, mtbf_min: 720h, coverage_min: 90 }\n", 0);
    assert_true(cfg->sla_coverage_min == 90);
    assert_int_equal(cfg->n_severities, 3);
    for (size_t i = 0; i < 3; i++) {
        const pd_ns within[] = {want[i].within95, want[i].within90};
        assert_true(cfg->severities[i].availability_min == 99.9);
        assert_int_equal(cfg->severities[i].mtbf_min, H(720));
        assert_int_equal(cfg->severities[i].mttr_max, want[i].mttr);
        expect_rules(&cfg->severities[i], 2, shares, within);
    }
    pd_config_free(cfg);
}

static void test_sla_full(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text("sla:\n"
                                      "  availability_min: 99.5\n"
                                      "  mtbf_min: 720h\n"
                                      "  coverage_min: 97.5\n"
                                      "  default_severity: important\n"
                                      "  severities:\n"
                                      "    emergency:\n"
                                      "      availability_min: 99.9\n"
                                      "      mtbf_min: 1000h\n"
                                      "      mttr_max: 30m\n"
                                      "      resolved:\n"
                                      "        - { share: 95, within: 30m }\n"
                                      "        - { share: 90, within: 1h }\n"
                                      "        - { share: 99.5, within: 4h }\n"
                                      "        - share: 100\n"
                                      "          within: 1d\n"
                                      "    important: { mttr_max: 25m, resolved: [{ share: 95, "
                                      "within: 15m }] }\n"
                                      "    general: { availability_min: 0, mtbf_min: 0 }\n"
                                      "    low:\n",
                                      0);
    assert_true(cfg->sla_availability_min == 99.5);
    assert_int_equal(cfg->sla_mtbf_min, H(720));
    assert_true(cfg->sla_coverage_min == 97.5);
    assert_string_equal(cfg->sla_default_severity, "important");
    assert_int_equal(cfg->n_severities, 4);

    const struct pd_severity_conf *s = pd_config_severity(cfg, "emergency");
    assert_non_null(s);
    assert_true(s->availability_min == 99.9);
    assert_int_equal(s->mtbf_min, H(1000));
    assert_int_equal(s->mttr_max, M(30));
    expect_rules(s, 4, (const double[]){95, 90, 99.5, 100},
                 (const pd_ns[]){M(30), H(1), H(4), D(1)});

    /* Left out: sla's availability_min and mtbf_min. */
    s = pd_config_severity(cfg, "important");
    assert_non_null(s);
    assert_true(s->availability_min == 99.5);
    assert_int_equal(s->mtbf_min, H(720));
    assert_int_equal(s->mttr_max, M(25));
    expect_rules(s, 1, (const double[]){95}, (const pd_ns[]){M(15)});

    /* An explicit 0 is "no limit", not "inherit". */
    s = pd_config_severity(cfg, "general");
    assert_non_null(s);
    assert_true(s->availability_min == 0);
    assert_int_equal(s->mtbf_min, 0);
    assert_int_equal(s->mttr_max, 0);
    assert_int_equal(s->n_resolved, 0);

    /* An empty severity inherits both and has no MTTR or resolved limit. */
    s = pd_config_severity(cfg, "low");
    assert_non_null(s);
    assert_true(s->availability_min == 99.5);
    assert_int_equal(s->mtbf_min, H(720));
    assert_int_equal(s->mttr_max, 0);
    assert_int_equal(s->n_resolved, 0);
    pd_config_free(cfg);
}

static void test_sla_errors(void **state)
{
    (void)state;
    expect_fail("sla: { coverage_min: 100.5 }\n",
                "1:22: expected a percentage 0..100 for coverage_min, got '100.5'");
    expect_fail("sla: { coverage: 99 }\n",
                "1:8: unknown key 'coverage' in sla (expected one of: availability_min, mtbf_min, "
                "coverage_min, default_severity, severities)");
    expect_fail("sla: { severities: {} }\n", "1:20: expected at least one severity");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general: { availability_min: -1 }\n",
                "3:34: expected a percentage 0..100 for availability_min, got '-1'");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general: { mttr: 15m }\n",
                "3:16: unknown key 'mttr' in severity (expected one of: availability_min, "
                "mtbf_min, mttr_max, resolved)");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general: { mttr_max: 400d }\n",
                "3:26: mttr_max must be between 0s and 365d, got 400d");
    /* A percent sign is a common way to write a share; it is refused
     * with the expected form, never read as 95. */
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: [{ share: 95%, within: 5m }, { share: 100.1, within: 10m }]\n",
                "4:27: expected a percentage 0..100 for share, got '95%'");
    expect_error("4:55: expected a percentage 0..100 for share, got '100.1'");
    expect_fail(
        "sla:\n"
        "  severities:\n"
        "    general:\n"
        "      resolved: [{ share: 50, within: 1m }, { share: 60, within: 2m }, "
        "{ share: 70, within: 3m }, { share: 80, within: 4m }, { share: 90, within: 5m }]\n",
        "4:17: at most 4 resolved-within rules per severity, got 5");
    assert_int_equal(test_count_lines(err), 1);
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: [{ share: 95 }]\n",
                "4:18: a resolved rule needs both 'share' (percent) and 'within' (duration), "
                "e.g. { share: 95, within: 30m }");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: [{ within: 30m }]\n",
                "4:18: a resolved rule needs both 'share' (percent) and 'within' (duration)");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: [{ share: 95, within: 30m, upto: 1h }]\n",
                "4:44: unknown key 'upto' in resolved rule (expected one of: share, within)");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: [{ share: 95, within: 0s }, { share: 90, within: 30 }]\n",
                "4:39: within must be between 1s and 365d, got 0s");
    expect_error("4:66: expected a duration such as 60s, 5m or 1h30m, got '30'");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: { share: 95, within: 30m }\n",
                "4:17: expected a list for resolved, got a mapping");
    expect_fail("sla:\n"
                "  severities:\n"
                "    general:\n"
                "      resolved: [95]\n",
                "4:18: expected a mapping for a rule { share: 95, within: 30m }, got a value");
}

/* Five targets at sites a, a/b, a/b/c and a/bc (8 lines). */
#define FLEET                                                                                      \
    "templates:\n"                                                                                 \
    "  mcu: { checks: [{ id: sip, type: tcp, port: 5060 }] }\n"                                    \
    "  codec: { checks: [{ id: ping, type: icmp }] }\n"                                            \
    "targets:\n"                                                                                   \
    "  - { id: mcu-1, name: 省级MCU, address: 10.0.0.1, type: mcu, site: a }\n"                  \
    "  - { id: c1, address: 10.0.0.2, type: codec, site: a/b }\n"                                  \
    "  - { id: c2, address: 10.0.0.3, type: codec, site: a/b/c }\n"                                \
    "  - { id: c3, address: 10.0.0.4, type: codec, site: a/bc }\n"

static void expect_members(const struct pd_config *cfg, const char *id, size_t n,
                           const char *const *members)
{
    const struct pd_system_conf *s = pd_config_system(cfg, id);
    if (!s)
        fail_msg("no system %s", id);
    if (s->n_members != n)
        fail_msg("system %s: %zu members, expected %zu", id, s->n_members, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s->members[i], members[i]);
}

static void test_systems(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text(FLEET "systems:\n"
                                            "  video:\n"
                                            "    name: 视频会议系统\n"
                                            "    rule: k_of_n\n"
                                            "    k: 2\n"
                                            "    severity: emergency\n"
                                            "    members: [mcu-1, \"type:codec\", c2, mcu-1]\n"
                                            "  ab: { members: [\"site:a/b\"] }\n"
                                            "  bc: { rule: any, members: [\"site:a/bc\"] }\n"
                                            "  whole:\n"
                                            "    rule: all\n"
                                            "    members:\n"
                                            "      - site:a\n",
                                      0);
    assert_int_equal(cfg->n_systems, 4);
    const struct pd_system_conf *s = pd_config_system(cfg, "video");
    assert_ptr_equal(s, &cfg->systems[0]);
    assert_string_equal(s->name, "视频会议系统");
    assert_int_equal(s->rule, 2);
    assert_int_equal(s->k, 2);
    assert_string_equal(s->severity, "emergency");
    assert_string_equal(s->at.file, main_path);
    assert_int_equal(s->at.line, 10);
    assert_int_equal(s->at.col, 3);
    /* Duplicates, written or from a selector, are collapsed. */
    expect_members(cfg, "video", 4, (const char *const[]){"mcu-1", "c1", "c2", "c3"});

    /* site:a/b is a/b and below it, not a/bc. */
    s = pd_config_system(cfg, "ab");
    assert_string_equal(s->name, "ab");
    assert_int_equal(s->rule, 0);
    assert_int_equal(s->k, 0);
    assert_string_equal(s->severity, "general");
    expect_members(cfg, "ab", 2, (const char *const[]){"c1", "c2"});
    assert_int_equal(pd_config_system(cfg, "bc")->rule, 1);
    expect_members(cfg, "bc", 1, (const char *const[]){"c3"});
    expect_members(cfg, "whole", 4, (const char *const[]){"mcu-1", "c1", "c2", "c3"});
    assert_null(pd_config_system(cfg, "c1"));
    pd_config_free(cfg);
}

static void test_system_errors(void **state)
{
    (void)state;
    expect_fail(FLEET "systems:\n"
                      "  s: { members: [mcu-1, nope] }\n",
                "10:25: system member 'nope' is not a target id (or use site:PATH, type:NAME)");
    /* Systems are not members of systems. */
    expect_fail(FLEET "systems:\n"
                      "  s: { members: [c1] }\n"
                      "  t: { members: [s] }\n",
                "11:18: system member 's' is not a target id");
    expect_fail(FLEET "systems:\n"
                      "  s: { members: [\"site:z\", \"type:router\", \"site:a/\"] }\n",
                "10:18: system member 'site:z' matches no target");
    expect_error("10:28: system member 'type:router' matches no target");
    expect_error("10:43: system member 'site:a/' matches no target");
    expect_fail(FLEET "systems:\n"
                      "  s: { rule: most, members: [c1] }\n",
                "10:14: unknown rule 'most' (expected all, any or k_of_n)");
    expect_fail(FLEET "systems:\n"
                      "  s: { rule: k_of_n, members: [c1, c2] }\n",
                "10:6: rule k_of_n needs k, the number of members that must be up");
    expect_fail(FLEET "systems:\n"
                      "  s: { k: 1, members: [c1, c2] }\n"
                      "  t: { rule: any, k: 1, members: [c1, c2] }\n",
                "10:11: k applies only to rule k_of_n");
    expect_error("11:22: k applies only to rule k_of_n");
    /* k counts members after duplicates are collapsed. */
    expect_fail(FLEET "systems:\n"
                      "  s: { rule: k_of_n, k: 3, members: [c1, c2, c1] }\n",
                "10:25: k is 3 but the system has only 2 members");
    expect_fail(FLEET "systems:\n"
                      "  s: { rule: k_of_n, k: 0, members: [c1, c2] }\n",
                "10:25: k must be between 1 and 1000000, got 0");
    expect_fail(FLEET "systems:\n"
                      "  s: { severity: urgent, members: [c1] }\n",
                "10:18: unknown severity 'urgent' (configured: emergency, important, general)");
    expect_fail(FLEET "systems:\n"
                      "  c1: { members: [c2] }\n",
                "10:3: system id 'c1' is already used by a target");
    expect_fail(FLEET "systems:\n"
                      "  s: { member: [c1] }\n",
                "10:8: unknown key 'member' in system (expected one of: name, rule, k, severity, "
                "members)");
    expect_error("10:6: missing required key 'members' in system");
    expect_fail(FLEET "systems:\n"
                      "  s: { members: [] }\n",
                "10:17: a system needs at least one member");
    expect_fail(FLEET "systems:\n"
                      "  Video: { members: [c1] }\n",
                "10:3: invalid system id 'Video': expected 1..64 characters of a-z, 0-9, '.', "
                "'_', '-', starting with a letter or digit");
    expect_fail(FLEET "systems: [c1]\n", "9:10: expected a mapping for systems, got a list");
}

/* Systems and maintenance windows are read after the inventory files:
 * they may name targets that only a CSV file holds. */
static void test_sla_csv_targets(void **state)
{
    (void)state;
    static const char yaml[] =
        "templates:\n"
        "  codec: { checks: [{ id: ping, type: icmp }] }\n"
        "inventory: [inv.csv]\n"
        "systems:\n"
        "  gy:\n"
        "    name: 贵阳视频会议\n"
        "    members: [\"site:guizhou/guiyang\", zy-codec-01]\n"
        "  codecs: { rule: k_of_n, k: 3, members: [\"type:codec\"] }\n"
        "maintenance:\n"
        "  - { start: \"2026-11-05T14:30+08:00\", end: \"2026-11-05T16:00+08:00\","
        " target: zy-codec-01 }\n";
    write_text("inv.csv", "id,name,address,type,site\n"
                          "gy-codec-01,贵阳市会议终端,10.1.0.1,codec,guizhou/guiyang\n"
                          "gy-codec-02,花溪区会议终端,10.1.0.2,codec,guizhou/guiyang/huaxi\n"
                          "zy-codec-01,遵义市会议终端,10.1.0.3,codec,guizhou/zunyi\n");
    struct pd_config *cfg = load_text(yaml, 0);
    assert_int_equal(cfg->n_targets, 3);
    expect_members(cfg, "gy", 3,
                   (const char *const[]){"gy-codec-01", "gy-codec-02", "zy-codec-01"});
    expect_members(cfg, "codecs", 3,
                   (const char *const[]){"gy-codec-01", "gy-codec-02", "zy-codec-01"});
    assert_int_equal(pd_config_system(cfg, "codecs")->k, 3);
    assert_int_equal(cfg->n_maintenance, 1);
    assert_int_equal(cfg->maintenance[0].scope, PD_MAINT_CONF_TARGET);
    assert_string_equal(cfg->maintenance[0].what, "zy-codec-01");
    pd_config_free(cfg);

    /* Errors about them point into the main file, not the CSV. */
    load_text("templates:\n"
              "  codec: { checks: [{ id: ping, type: icmp }] }\n"
              "inventory: [inv.csv]\n"
              "systems:\n"
              "  gy-codec-01: { members: [gy-codec-03] }\n",
              -EINVAL);
    expect_error("5:3: system id 'gy-codec-01' is already used by a target");
    expect_error("5:28: system member 'gy-codec-03' is not a target id");
}

#define T_1430 "\"2026-11-05T14:30+08:00\""
#define T_1600 "\"2026-11-05T16:00+08:00\""

static void test_maintenance(void **state)
{
    (void)state;
    static const char yaml[] = FLEET
        "systems:\n"
        "  video: { members: [mcu-1, \"type:codec\"] }\n"
        "maintenance:\n"
        "  - start: 2026-11-05T14:30+08:00\n"
        "    end: 2026-11-05T16:00+08:00\n"
        "    target: mcu-1\n"
        "    reason: 更换电源模块\n"
        "  - { start: \"2026-11-05 14:30 +08:00\", end: \"2026-11-05T08:00:00Z\", site: a/b }\n"
        "  - { start: \"2026-11-01T00:00Z\", end: \"2026-11-02T00:00-05:00\", system: video }\n"
        "  - { start: \"2026-11-01T00:00+0800\", end: \"2026-12-01T00:00+08\", all: true,"
        " reason: 全网割接 }\n";
    /* The offset fixes the instant: the zone of the reading process does
     * not matter. */
    char *tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "America/Los_Angeles", 1);
    tzset();
    struct pd_config *cfg = load_text(yaml, 0);
    if (tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    tzset();
    free(tz);

    assert_int_equal(cfg->n_maintenance, 4);
    const struct pd_maint_conf *w = &cfg->maintenance[0];
    assert_int_equal(w->start, S(1793860200)); /* 2026-11-05 06:30 UTC */
    assert_int_equal(w->end, S(1793865600));
    assert_int_equal(w->scope, PD_MAINT_CONF_TARGET);
    assert_string_equal(w->what, "mcu-1");
    assert_string_equal(w->reason, "更换电源模块");
    assert_string_equal(w->at.file, main_path);
    assert_int_equal(w->at.line, 12);
    w = &cfg->maintenance[1];
    assert_int_equal(w->start, S(1793860200));
    assert_int_equal(w->end, S(1793865600));
    assert_int_equal(w->scope, PD_MAINT_CONF_SITE);
    assert_string_equal(w->what, "a/b");
    assert_null(w->reason);
    assert_int_equal(w->at.line, 16);
    w = &cfg->maintenance[2];
    assert_int_equal(w->start, S(1793491200)); /* 2026-11-01 00:00 UTC */
    assert_int_equal(w->end, S(1793595600));   /* 2026-11-02 05:00 UTC */
    assert_int_equal(w->scope, PD_MAINT_CONF_SYSTEM);
    assert_string_equal(w->what, "video");
    w = &cfg->maintenance[3];
    assert_int_equal(w->start, S(1793462400)); /* 2026-10-31 16:00 UTC */
    assert_int_equal(w->end, S(1796054400));
    assert_int_equal(w->scope, PD_MAINT_CONF_ALL);
    assert_null(w->what);
    assert_string_equal(w->reason, "全网割接");
    pd_config_free(cfg);
}

/* Any form pd_time_parse reads with an offset after the date will do. */
static void test_maintenance_offset_forms(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text(FLEET "maintenance:\n"
                                            "  - { start: \"2026-11-05t14:30+08:00\","
                                            " end: \"2026-11-06+08:00\", target: mcu-1 }\n",
                                      0);
    assert_int_equal(cfg->n_maintenance, 1);
    assert_int_equal(cfg->maintenance[0].start, S(1793860200)); /* 2026-11-05 06:30 UTC */
    assert_int_equal(cfg->maintenance[0].end, S(1793894400));   /* 2026-11-05 16:00 UTC */
    pd_config_free(cfg);
}

static void test_maintenance_errors(void **state)
{
    (void)state;
    static const char *const no_offset[] = {
        "\"2026-11-05 14:30\"", "2026-11-05T14:30", "2026-11-05", "now", "\"+2h\"", "\"-1d\""};
    char text[1024], line[256];
    for (size_t i = 0; i < sizeof(no_offset) / sizeof(no_offset[0]); i++) {
        const char *v = no_offset[i];
        size_t n = strlen(v);
        int quoted = v[0] == '"';
        snprintf(text, sizeof(text),
                 FLEET "maintenance:\n  - { start: %s, end: " T_1600 ", target: c1 }\n", v);
        snprintf(line, sizeof(line),
                 "10:14: expected start as a date and time with its UTC offset, e.g. "
                 "2026-11-05T14:30+08:00, got '%.*s'",
                 (int)(quoted ? n - 2 : n), quoted ? v + 1 : v);
        expect_fail(text, line);
    }
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: \"2026-11-05 16:00\", target: c1 }\n",
                "10:45: expected end as a date and time with its UTC offset, e.g. "
                "2026-11-05T14:30+08:00, got '2026-11-05 16:00'");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: \"2026-11-31T10:00+08:00\", end: " T_1600 ", target: c1 }\n",
                "10:14: start: \"2026-11-31T10:00+08:00\": no such date or time");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1600 ", end: " T_1430 ", target: c1 }\n",
                "10:45: maintenance window must end after it starts");
    /* The same instant written in two offsets is an empty window. */
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1600 ", end: \"2026-11-05T08:00:00Z\", target: c1 }\n",
                "10:45: maintenance window must end after it starts");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", target: c1, site: a }\n",
                "10:5: a maintenance window names exactly one of target, site, system or all: "
                "true");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", reason: 检修 }\n",
                "10:5: a maintenance window names exactly one of target, site, system or all: "
                "true");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", target: nope }\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", system: nope }\n",
                "10:79: maintenance window: target 'nope' does not exist");
    expect_error("11:79: maintenance window: system 'nope' does not exist");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", site: a//b }\n",
                "10:77: maintenance window: site 'a//b' is not a site path (expected ids "
                "joined by '/', e.g. guizhou/zunyi)");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", all: false }\n",
                "10:76: all: false covers nothing; name a target, site or system");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", all: maybe }\n",
                "10:76: expected true or false for all, got 'maybe'");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", end: " T_1600 ", target: c1, why: x }\n",
                "10:83: unknown key 'why' in maintenance window (expected one of: start, end, "
                "target, site, system, all, reason)");
    expect_fail(FLEET "maintenance:\n"
                      "  - { start: " T_1430 ", target: c1 }\n",
                "10:5: a maintenance window needs start and end");
    expect_fail(FLEET "maintenance: { start: x }\n",
                "9:14: expected a list for maintenance, got a mapping");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sla_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sla_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sla_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_systems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sla_csv_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maintenance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maintenance_offset_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maintenance_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
