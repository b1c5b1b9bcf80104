/* probectl status and events against a real event store written through
 * the storage module's own writes, with the clock faked. */
#include "test_cmd.h"
#include "test_files.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "db_write.h"
#include "log.h"
#include "probectl_common.h"
#include "probectl_status.h"
#include "text_table.h"
#include "timefmt.h"

#define MIN  (60 * PD_SEC)
#define HOUR (60 * MIN)
/* 2026-11-21 08:00:00 +08:00 */
#define T0 ((pd_ns)1795219200 * PD_SEC)

struct fixture {
    char dir[PATH_MAX];
    struct pd_config cfg;
    struct pd_fake_clock clock;
    char *out, *err;
};

static void transition(struct pd_db *db, int64_t run, const char *target, const char *check,
                       enum pd_state from, enum pd_state to, pd_ns at, pd_ns detected,
                       const char *reason)
{
    struct pd_transition t = {.from = from, .to = to, .at = at};

    assert_int_equal(pd_db_transition(db, run, target, check, &t, detected, reason), 0);
}

/* Two targets, one with two checks; zy-cam-02 goes down at T0 + 1h. */
static void write_first_run(const char *dir)
{
    static const struct pd_inventory_item targets[] = {
        {"gy-mcu-01", "贵阳市会议终端01", "10.0.0.1", "mcu", "guizhou/guiyang"},
        {"zy-cam-02", "遵义摄像头02", "10.0.1.2", "camera", "guizhou/zunyi"},
    };
    static const struct pd_check_ref checks[] = {
        {"gy-mcu-01", "icmp"}, {"gy-mcu-01", "tcp"}, {"zy-cam-02", "icmp"}};
    const struct pd_metric ok_metrics[] = {{"rtt_ms", 0.41}, {"loss_pct", 0}};
    const struct pd_metric bad_metrics[] = {{"rtt_ms", NAN}, {"loss_pct", 100}};
    struct pd_db *db;
    char err[256];
    int64_t run;

    assert_int_equal(pd_db_open(dir, 0, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_start_run(db, T0, "0.1.0", &run, err, sizeof(err)), 0);
    assert_int_equal(pd_db_begin(db), 0);
    assert_int_equal(pd_db_inventory(db, run, T0, targets, 2, checks, 3), 0);
    transition(db, run, "gy-mcu-01", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 10 * PD_SEC,
               T0 + 10 * PD_SEC, NULL);
    transition(db, run, "gy-mcu-01", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 10 * PD_SEC,
               T0 + 10 * PD_SEC, NULL);
    transition(db, run, "zy-cam-02", "icmp", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 10 * PD_SEC,
               T0 + 10 * PD_SEC, NULL);
    transition(db, run, "zy-cam-02", "", PD_STATE_UNKNOWN, PD_STATE_UP, T0 + 10 * PD_SEC,
               T0 + 10 * PD_SEC, NULL);
    transition(db, run, "zy-cam-02", "icmp", PD_STATE_UP, PD_STATE_DOWN, T0 + HOUR,
               T0 + HOUR + 3 * PD_SEC, "timeout, no reply");
    transition(db, run, "zy-cam-02", "", PD_STATE_UP, PD_STATE_DOWN, T0 + HOUR,
               T0 + HOUR + 3 * PD_SEC, "icmp down");
    assert_int_equal(pd_db_last_result(db, run, "gy-mcu-01", "icmp", T0 + 2 * HOUR, PD_OK, NULL,
                                       ok_metrics, 2, 720, 0),
                     0);
    assert_int_equal(pd_db_last_result(db, run, "zy-cam-02", "icmp", T0 + 2 * HOUR, PD_BAD,
                                       "=timeout", bad_metrics, 2, 720, 1),
                     0);
    assert_int_equal(pd_db_event(db, run, "gy-mcu-01", "snmp", NULL, T0 + HOUR + 30 * PD_SEC,
                                 "reboot", "the agent restarted at 2026-11-21T00:59:58Z"),
                     0);
    assert_int_equal(pd_db_event(db, run, "gy-mcu-01", "snmp", "gi1_0_1", T0 + HOUR + 40 * PD_SEC,
                                 "interface_down", "GigabitEthernet1/0/1 (至市局) went down"),
                     0);
    assert_int_equal(pd_db_heartbeat(db, run, T0 + 2 * HOUR), 0);
    assert_int_equal(pd_db_commit(db), 0);
    pd_db_close(db);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    assert_int_equal(test_dir_make(f->dir), 0);
    f->cfg.data_dir = f->dir;
    f->cfg.timezone = "Asia/Shanghai";
    f->cfg.heartbeat = 60 * PD_SEC;
    pd_clock_use_fake(&f->clock);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    pd_clock_use_fake(NULL);
    test_dir_remove(f->dir);
    free(f->out);
    free(f->err);
    free(f);
    return 0;
}

/* Run cmd with the NULL-terminated arguments; output in f->out, f->err. */
static int run(struct fixture *f, test_cmd_fn cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int rc = test_cmd_vrun(cmd, &f->cfg, NULL, ap, &f->out, &f->err);
    va_end(ap);
    return rc;
}

/* Display column at which needle starts in the line of text starting
 * with line_prefix; -1 when there is none. */
static int column_of(const char *text, const char *line_prefix, const char *needle)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
        const char *end = strchr(line, '\n'), *hit;
        char prefix[1024];

        if (strncmp(line, line_prefix, strlen(line_prefix)) != 0)
            continue;
        hit = strstr(line, needle);
        if (!hit || (end && hit > end) || (size_t)(hit - line) >= sizeof(prefix))
            return -1;
        snprintf(prefix, sizeof(prefix), "%.*s", (int)(hit - line), line);
        return (int)pd_text_width(prefix);
    }
    return -1;
}

/* 1 when a line of text starts with prefix and later holds part. */
static int line_with(const char *text, const char *prefix, const char *part)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
        const char *end = strchr(line, '\n'), *hit;

        if (strncmp(line, prefix, strlen(prefix)) == 0 && (hit = strstr(line, part)) &&
            (!end || hit < end))
            return 1;
    }
    return 0;
}

/* RFC 4180: every line ends in CRLF. */
static int all_crlf(const char *text)
{
    for (const char *nl = strchr(text, '\n'); nl; nl = strchr(nl + 1, '\n'))
        if (nl == text || nl[-1] != '\r')
            return 0;
    return text[0] && text[strlen(text) - 1] == '\n';
}

static void test_status_table(void **state)
{
    struct fixture *f = *state;
    int col;

    write_first_run(f->dir);
    f->clock.wall = T0 + 2 * HOUR + 30 * PD_SEC;
    assert_int_equal(run(f, pd_cmd_status, "status", NULL), 0);
    assert_string_equal(f->err, "");
    assert_true(test_has_line(f->out, "probed: running (pid "));
    assert_true(test_has_line(f->out, "targets: 1 up, 1 down, 0 unknown; times in Asia/Shanghai"));
    /* Chinese names are two columns a character: STATE lines up anyway. */
    col = column_of(f->out, "TARGET", "STATE");
    assert_true(col > 0);
    assert_int_equal(column_of(f->out, "gy-mcu-01", "UP"), col);
    assert_int_equal(column_of(f->out, "zy-cam-02", "DOWN"), col);
    assert_non_null(strstr(f->out, "贵阳市会议终端01"));
    assert_non_null(strstr(f->out, "2026-11-21 09:00:00 (1h00m)"));
    assert_non_null(strstr(f->out, "10:00:00 (30s)"));
    assert_non_null(strstr(f->out, "ok  rtt_ms=0.41 loss_pct=0"));
    assert_non_null(strstr(f->out, "bad: =timeout  loss_pct=100"));
    assert_null(strstr(f->out, "rtt_ms=nan"));

    assert_int_equal(run(f, pd_cmd_status, "status", "--state", "down", NULL), 0);
    assert_non_null(strstr(f->out, "zy-cam-02"));
    assert_null(strstr(f->out, "gy-mcu-01"));
    assert_int_equal(run(f, pd_cmd_status, "status", "--site", "guizhou/guiyang", NULL), 0);
    assert_non_null(strstr(f->out, "gy-mcu-01"));
    assert_null(strstr(f->out, "zy-cam-02"));
    assert_true(test_has_line(f->out, "targets: 1 up, 0 down, 0 unknown"));
}

static void test_status_daemon_lost_and_stopped(void **state)
{
    struct fixture *f = *state;
    struct pd_db *db;
    char err[256];

    write_first_run(f->dir);
    /* Last heartbeat at T0 + 2h; three intervals later it counts as gone. */
    f->clock.wall = T0 + 2 * HOUR + 3 * MIN;
    assert_int_equal(run(f, pd_cmd_status, "status", NULL), 0);
    assert_true(test_has_line(f->out, "probed: running"));
    f->clock.wall = T0 + 2 * HOUR + 3 * MIN + 1;
    assert_int_equal(run(f, pd_cmd_status, "status", NULL), 0);
    assert_true(test_has_line(f->out,
                              "probed: NOT RUNNING (last heartbeat 2026-11-21 10:00:00 +08:00, "
                              "3m00s ago;"));

    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_begin(db), 0);
    assert_int_equal(pd_db_end_run(db, 1, T0 + 2 * HOUR + MIN), 0);
    assert_int_equal(pd_db_commit(db), 0);
    pd_db_close(db);
    assert_int_equal(run(f, pd_cmd_status, "status", NULL), 0);
    assert_true(
        test_has_line(f->out, "probed: stopped cleanly at 2026-11-21 10:01:00 +08:00 (2m00s ago)"));
    assert_true(test_has_line(f->out, "targets: 0 up, 0 down, 2 unknown"));
}

static void test_status_csv_and_json(void **state)
{
    struct fixture *f = *state;

    write_first_run(f->dir);
    f->clock.wall = T0 + 2 * HOUR + 30 * PD_SEC;
    assert_int_equal(run(f, pd_cmd_status, "status", "--format", "csv", NULL), 0);
    assert_memory_equal(f->out, "\xef\xbb\xbftarget,name,site,address,type,check,state,", 42);
    assert_non_null(strstr(f->out, "\r\ngy-mcu-01,贵阳市会议终端01,guizhou/guiyang,10.0.0.1,mcu,"
                                   ",UP,2026-11-21T08:00:10+08:00,,,,,0,0\r\n"));
    /* The reason from the device would be a formula in a spreadsheet. */
    assert_non_null(strstr(f->out, "\r\nzy-cam-02,遵义摄像头02,guizhou/zunyi,10.0.1.2,camera,icmp,"
                                   "DOWN,2026-11-21T09:00:00+08:00,2026-11-21T10:00:00+08:00,"
                                   "bad,\"'=timeout\",loss_pct=100,720,1\r\n"));
    assert_true(all_crlf(f->out));

    assert_int_equal(run(f, pd_cmd_status, "status", "--format", "csv", "--no-bom", NULL), 0);
    assert_memory_equal(f->out, "target,", 7);

    assert_int_equal(run(f, pd_cmd_status, "status", "--format", "json", NULL), 0);
    assert_non_null(strstr(f->out, "\"state\": \"running\""));
    assert_non_null(strstr(f->out, "\"name\": \"贵阳市会议终端01\""));
    assert_non_null(strstr(f->out, "\"metrics\": {\"rtt_ms\": 0.41, \"loss_pct\": 0}"));
    assert_non_null(strstr(f->out, "\"metrics\": {\"rtt_ms\": null, \"loss_pct\": 100}"));
    assert_non_null(strstr(f->out, "\"summary\": {\n    \"up\": 1,\n    \"down\": 1,"));
    assert_non_null(strstr(f->out, "\"type\": \"mcu\",\n      \"state\": \"UP\",\n      \"since\": "
                                   "\"2026-11-21T08:00:10+08:00\",\n      \"checks\": [\n"));
    assert_non_null(strstr(f->out, "\"since\": \"2026-11-21T09:00:00+08:00\""));
}

static void test_status_empty_and_missing(void **state)
{
    struct fixture *f = *state;
    struct pd_db *db;
    char err[256], sub[PATH_MAX + 8];

    snprintf(sub, sizeof(sub), "%s/none", f->dir);
    f->cfg.data_dir = sub;
    assert_int_equal(run(f, pd_cmd_status, "status", NULL), 1);
    assert_string_equal(f->out, "");
    assert_non_null(strstr(f->err, "no event store"));
    assert_int_equal(run(f, pd_cmd_events, "events", NULL), 1);

    f->cfg.data_dir = f->dir;
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    pd_db_close(db);
    assert_int_equal(run(f, pd_cmd_status, "status", NULL), 0);
    assert_true(test_has_line(f->out, "probed: has never run"));
    assert_true(test_has_line(f->out, "no status yet: is probed running with this configuration?"));
    assert_int_equal(run(f, pd_cmd_status, "status", "--format", "json", NULL), 0);
    assert_non_null(strstr(f->out, "\"targets\": []"));
}

static void test_usage(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, pd_cmd_status, "status", "--help", NULL), 0);
    assert_true(test_has_line(f->out, "Usage: probectl [-c FILE] status"));
    assert_non_null(strstr(f->out, "Exit status:"));
    assert_int_equal(run(f, pd_cmd_events, "events", "-h", NULL), 0);
    assert_true(test_has_line(f->out, "Usage: probectl [-c FILE] events"));
    assert_int_equal(run(f, pd_cmd_status, "status", "--bogus", NULL), 2);
    assert_non_null(strstr(f->err, "unknown option '--bogus'"));
    assert_int_equal(run(f, pd_cmd_status, "status", "--site", NULL), 2);
    assert_non_null(strstr(f->err, "needs a value"));
    assert_int_equal(run(f, pd_cmd_status, "status", "extra", NULL), 2);
    assert_int_equal(run(f, pd_cmd_status, "status", "--state", "sideways", NULL), 2);
    assert_int_equal(run(f, pd_cmd_status, "status", "--format", "xml", NULL), 2);
    assert_int_equal(run(f, pd_cmd_events, "events", "--format", "json", NULL), 2);
    assert_int_equal(run(f, pd_cmd_events, "events", "--since", "yesterday", NULL), 2);
    assert_non_null(strstr(f->err, "--since: \"yesterday\""));
    assert_int_equal(run(f, pd_cmd_events, "events", "--since", "now", "--until", "-1h", NULL), 2);
}

static void test_events(void **state)
{
    struct fixture *f = *state;
    int col;

    write_first_run(f->dir);
    f->clock.wall = T0 + 2 * HOUR + 30 * PD_SEC;
    assert_int_equal(run(f, pd_cmd_events, "events", NULL), 0);
    assert_string_equal(f->err, "");
    assert_true(test_has_line(f->out, "from 2026-11-20 10:00:30 +08:00 to 2026-11-21 10:00:30 "
                                      "+08:00 (now); times in Asia/Shanghai"));
    assert_true(test_has_line(f->out, "6 state changes, 2 probe events, 0 periods not observed"));
    assert_true(test_has_line(f->out, "2026-11-21 09:00:00  zy-cam-02  遵义摄像头02"));
    /* The UP state of zy-cam-02's icmp lasted from 08:00:10 to 09:00:00. */
    col = column_of(f->out, "TIME", "LASTED");
    assert_int_equal(column_of(f->out, "2026-11-21 09:00:00  zy-cam-02", "59m50s"), col);
    assert_true(line_with(
        f->out,
        "2026-11-21 09:00:00  zy-cam-02  遵义摄像头02      icmp          UP \xe2\x86\x92 DOWN",
        "59m50s  +3.0s     timeout, no reply"));
    /* A probe's event, in its place in time. */
    assert_true(line_with(f->out, "2026-11-21 09:00:30  gy-mcu-01", "EVENT reboot"));
    assert_non_null(strstr(f->out, "the agent restarted at 2026-11-21T00:59:58Z"));
    assert_true(strstr(f->out, "09:00:00  zy-cam-02") < strstr(f->out, "EVENT reboot"));
    /* One about an interface names it after the check. */
    assert_true(line_with(f->out, "2026-11-21 09:00:40  gy-mcu-01", "snmp/gi1_0_1"));
    assert_true(line_with(f->out, "2026-11-21 09:00:40  gy-mcu-01", "EVENT interface_down"));
    assert_int_equal(run(f, pd_cmd_events, "events", "--format", "csv", NULL), 0);
    assert_non_null(strstr(f->out, "event,2026-11-21T09:00:30+08:00,,gy-mcu-01,"));

    assert_int_equal(
        run(f, pd_cmd_events, "events", "--targets-only", "--site", "guizhou/zunyi", NULL), 0);
    assert_true(test_has_line(f->out, "2 state changes, 0 probe events, 0 periods not observed"));
    assert_int_equal(run(f, pd_cmd_events, "events", "--since", "2026-11-21 09:00", "--until",
                         "2026-11-21T01:00:01Z", NULL),
                     0);
    assert_true(test_has_line(f->out, "2 state changes"));
    assert_int_equal(run(f, pd_cmd_events, "events", "--until", "2026-11-21 08:00", NULL), 0);
    assert_true(test_has_line(f->out, "0 state changes, 0 probe events, 0 periods not observed"));
}

static void test_events_gaps(void **state)
{
    struct fixture *f = *state;
    struct pd_db *db;
    char err[256];
    int64_t run_id;

    write_first_run(f->dir);
    /* probed died after T0 + 2h, came back at T0 + 3h and stopped at 4h. */
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_start_run(db, T0 + 3 * HOUR, "0.1.0", &run_id, err, sizeof(err)), 0);
    assert_int_equal(pd_db_begin(db), 0);
    assert_int_equal(pd_db_end_run(db, run_id, T0 + 4 * HOUR), 0);
    assert_int_equal(pd_db_commit(db), 0);
    pd_db_close(db);

    f->clock.wall = T0 + 5 * HOUR;
    assert_int_equal(run(f, pd_cmd_events, "events", NULL), 0);
    assert_true(test_has_line(f->out, "10 state changes, 2 probe events, 2 periods not observed"));
    /* The unclean end: from the last heartbeat to the next start. */
    assert_true(line_with(f->out, "2026-11-21 10:00:00  *", "NOT OBSERVED"));
    assert_true(line_with(
        f->out, "2026-11-21 10:00:00  *",
        "1h00m             daemon not running (no clean stop); until 2026-11-21 11:00:00"));
    /* The clean stop at 12:00, not yet closed by a new start. */
    assert_true(line_with(f->out, "2026-11-21 12:00:00  *", "NOT OBSERVED          1h00m"));
    assert_true(line_with(f->out, "2026-11-21 12:00:00  *", "probed stopped (still going on)"));

    assert_int_equal(run(f, pd_cmd_events, "events", "--format", "csv", "--no-bom", NULL), 0);
    assert_memory_equal(f->out,
                        "kind,time,end,target,name,site,check,from,to,lasted_s,detected,"
                        "reason\r\n",
                        70);
    assert_non_null(strstr(f->out, "\r\nnot_observed,2026-11-21T10:00:00+08:00,"
                                   "2026-11-21T11:00:00+08:00,,,,,,,,,"));
    assert_non_null(strstr(f->out, "\r\ntransition,2026-11-21T09:00:00+08:00,,zy-cam-02,"
                                   "遵义摄像头02,guizhou/zunyi,icmp,UP,DOWN,3590.000,"
                                   "2026-11-21T09:00:03+08:00,\"timeout, no reply\"\r\n"));
}

/* What one pctl_* writer call prints. */
#define CAPTURE(buf, call)                                                                         \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *out = open_memstream(&(buf), &len_);                                                 \
        assert_non_null(out);                                                                      \
        call;                                                                                      \
        assert_int_equal(fclose(out), 0);                                                          \
    } while (0)

static void check_csv(const char *cell, int free_text, const char *want)
{
    char *text = NULL;

    CAPTURE(text, pctl_csv_cell(out, cell, 1, free_text));
    assert_string_equal(text, want);
    free(text);
}

static void check_summary(const char *metrics, int raw, const char *want)
{
    char buf[PCTL_TEXT_LEN];

    pctl_metrics_summary(metrics, raw, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void test_output_helpers(void **state)
{
    struct pctl_json j = {0};
    char *text = NULL;

    (void)state;
    check_csv("plain", 0, "plain");
    check_csv(NULL, 0, "");
    check_csv("a,b", 0, "\"a,b\"");
    check_csv("say \"hi\"", 0, "\"say \"\"hi\"\"\"");
    check_csv("two\r\nlines", 0, "\"two\r\nlines\"");
    check_csv("=1+2", 1, "\"'=1+2\"");
    check_csv("@SUM(A1)", 1, "\"'@SUM(A1)\"");
    check_csv("-5", 0, "-5");
    check_csv("-5", 1, "\"'-5\"");

    CAPTURE(text, pctl_json_escape(out, "a\"b\\c\n\x01\xff贵"));
    assert_string_equal(text, "\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd贵\"");
    free(text);

    check_summary("{\"a\":1.23456,\"b\":null,\"c\":123456.7}", 0, "a=1.235 c=123457");
    check_summary("{\"a\":1.23456,\"b\":null,\"c\":123456.7}", 1, "a=1.23456 c=123456.7");
    check_summary(" { \"a\" : -0.5e-3 } ", 1, "a=-0.5e-3");
    check_summary("", 0, "");
    check_summary("{}", 0, "");
    /* Not the flat object of numbers the storage writes: shown as it is. */
    check_summary("{\"a\":nan}", 0, "{\"a\":nan}");
    check_summary("{\"a\":1,}", 0, "{\"a\":1,}");
    check_summary("{\"a\":1} x", 0, "{\"a\":1} x");
    check_summary("{\"a\":01}", 0, "{\"a\":01}");
    check_summary("{\"a\":1.}", 0, "{\"a\":1.}");
    check_summary("[1]", 0, "[1]");

    j.out = open_memstream(&text, &(size_t){0});
    assert_non_null(j.out);
    pctl_json_open(&j, NULL, '{');
    pctl_json_metrics(&j, "good", "{\"rtt_ms\":1.5,\"loss\":null}");
    pctl_json_metrics(&j, "bad", "{\"rtt_ms\":nan}");
    pctl_json_open(&j, "empty", '[');
    pctl_json_close(&j, ']');
    pctl_json_time(&j, "never", 0);
    pctl_json_close(&j, '}');
    assert_int_equal(fclose(j.out), 0);
    assert_string_equal(text,
                        "{\n  \"good\": {\"rtt_ms\": 1.5, \"loss\": null},\n  \"bad\": null,\n"
                        "  \"empty\": [],\n  \"never\": null\n}\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_daemon_lost_and_stopped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_csv_and_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_empty_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_gaps, setup, teardown),
        cmocka_unit_test(test_output_helpers),
    };
    char err[256];

    if (pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) != 0) {
        fprintf(stderr, "skipped: %s\n", err);
        return 77;
    }
    pd_log_setup(PD_LOG_STDERR, PD_LOG_ERR, "test_probectl");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
