/* probectl alerts (the list, --pending, --failed, --attempts) against a
 * real event store written through the alert thread's own writes, with
 * the clock faked. */
#include "test_cmd.h"
#include "test_files.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "db_alerts.h"
#include "log.h"
#include "probectl_alerts.h"
#include "text_table.h"
#include "timefmt.h"

#define MIN  (60 * PD_SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
/* 2026-11-21 08:00:00 +08:00 */
#define T0 ((pd_ns)1795219200 * PD_SEC)
/* The clock of the tests: half a minute after the last heartbeat. */
#define NOW (T0 + 2 * HOUR + 30 * PD_SEC)

#define SUBJECT_DOWN "[DOWN] 遵义摄像头02 guizhou/zunyi · icmp: timeout, no reply"
#define SUBJECT_UP   "[UP] 贵阳市会议终端01 guizhou/guiyang"
#define DING_ERROR   "oapi.dingtalk.com: the robot answered errcode 310000: sign not match"
#define MAIL_ERROR   "mail.example.cn:587: Login denied (SMTP 535)"

struct fixture {
    char dir[PATH_MAX];
    struct pd_config cfg;
    struct pd_fake_clock clock;
    char *out, *err;
};

static int64_t add_alert(struct pd_db *db, pd_ns created, const char *route, const char *channel,
                         const char *kind, unsigned items, const char *subject)
{
    const struct pd_alert_new a = {.created = created,
                                   .expires = created + DAY,
                                   .route = route,
                                   .channel = channel,
                                   .kind = kind,
                                   .subject = "",
                                   .items = items};
    int64_t id;

    assert_int_equal(pd_db_alert_insert(db, &a, &id), 0);
    assert_int_equal(pd_db_alert_set_payload(db, id, subject, "{}", 2), 0);
    return id;
}

static void attempt(struct pd_db *db, int64_t id, pd_ns at, pd_ns took, const char *error,
                    const char *state, pd_ns next)
{
    const struct pd_alert_attempt a = {.alert_id = id,
                                       .at = at,
                                       .duration = took,
                                       .ok = !error,
                                       .error = error ? error : "",
                                       .state = state,
                                       .next = next};

    assert_int_equal(pd_db_alert_attempt(db, &a), 0);
}

/* Five alerts, ids in the order they were made:
 *   1  ten days old, delivered (outside the default 7 days)
 *   2  two days old, failed once, then expired
 *   3  delivered at the first attempt
 *   4  to two routes, failed twice, pending
 *   5  just stored, not tried yet */
static void write_store(const char *dir)
{
    struct pd_db *db;
    char err[256];
    int64_t run, id;

    assert_int_equal(pd_db_open(dir, 0, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_start_run(db, T0, "0.1.0", &run, err, sizeof(err)), 0);

    id = add_alert(db, T0 - 10 * DAY, "emergency", "wecom", "problem", 1, SUBJECT_DOWN);
    attempt(db, id, T0 - 10 * DAY, 300 * PD_MSEC, NULL, "delivered", 0);

    id = add_alert(db, T0 - 2 * DAY, "emergency", "mail", "recovery", 1, SUBJECT_UP);
    attempt(db, id, T0 - 2 * DAY, 2 * PD_SEC, MAIL_ERROR, "pending", T0 - 2 * DAY + 5 * PD_SEC);
    unsigned n;
    assert_int_equal(pd_db_alerts_expire(db, T0 - DAY, "not delivered before its expiry", &n), 0);
    assert_int_equal(n, 1);

    id = add_alert(db, T0 + HOUR, "emergency", "wecom", "problem", 1, SUBJECT_DOWN);
    attempt(db, id, T0 + HOUR, 250 * PD_MSEC, NULL, "delivered", 0);

    id = add_alert(db, T0 + HOUR, "emergency,noc-all", "ding", "mixed", 3, SUBJECT_DOWN);
    attempt(db, id, T0 + HOUR, 1500 * PD_MSEC, DING_ERROR, "pending", T0 + HOUR + 5 * PD_SEC);
    attempt(db, id, T0 + HOUR + 5 * PD_SEC, 1200 * PD_MSEC, DING_ERROR, "pending",
            T0 + HOUR + 15 * PD_SEC);

    add_alert(db, T0 + 2 * HOUR, "emergency", "wecom", "reminder", 1, SUBJECT_DOWN);

    assert_int_equal(pd_db_begin(db), 0);
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
    f->clock.wall = NOW;
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

/* probectl alerts with the NULL-terminated arguments after "alerts";
 * output in f->out, f->err. */
static int run(struct fixture *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int rc = test_cmd_vrun(pd_cmd_alerts, &f->cfg, "alerts", ap, &f->out, &f->err);
    va_end(ap);
    return rc;
}

/* The line of text that starts with prefix, copied into buf; NULL when
 * there is none. */
static const char *line_of(const char *text, const char *prefix, char *buf, size_t len)
{
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
            return buf;
        }
    }
    return NULL;
}

/* Display column of needle in the line starting with prefix; -1: none. */
static int column_of(const char *text, const char *prefix, const char *needle)
{
    char line[2048];
    const char *hit;

    if (!line_of(text, prefix, line, sizeof(line)) || !(hit = strstr(line, needle)))
        return -1;
    line[hit - line] = '\0';
    return (int)pd_text_width(line);
}

/* Row of the table for alert id: the table right-aligns IDs in a column
 * as wide as its heading, ID. */
static const char *row(const char *text, const char *id, char *buf, size_t len)
{
    char prefix[32];

    snprintf(prefix, sizeof(prefix), " %s  2026-", id);
    return line_of(text, prefix, buf, len);
}

static void test_list_default(void **state)
{
    struct fixture *f = *state;
    char line[2048];

    write_store(f->dir);
    assert_int_equal(run(f, NULL), 0);
    assert_string_equal(f->err, "");
    assert_true(test_has_line(f->out, "4 alerts created since 2026-11-14 10:00:30 +08:00 (the last "
                                      "7 days): 1 delivered, 2 pending, 1 expired; times in "
                                      "Asia/Shanghai"));
    assert_false(test_has_line(f->out, "probed is not running"));
    assert_true(test_has_line(f->out, "ID  CREATED              STATE      TRIES  NEXT/DONE"));
    /* Newest first; the ten-day-old alert 1 is left out. */
    const char *p5 = strstr(f->out, "\n 5  "), *p4 = strstr(f->out, "\n 4  ");
    const char *p3 = strstr(f->out, "\n 3  "), *p2 = strstr(f->out, "\n 2  ");
    assert_non_null(p5);
    assert_true(p5 < p4 && p4 < p3 && p3 < p2);
    assert_null(row(f->out, "1", line, sizeof(line)));

    assert_non_null(row(f->out, "4", line, sizeof(line)));
    assert_non_null(strstr(line, "2026-11-21 09:00:00  pending"));
    /* The next attempt, time of day only (same day as created). */
    assert_non_null(strstr(line, "      2  09:00:15   "));
    assert_non_null(strstr(line, "ding     emergency,noc-all  mixed"));
    assert_non_null(strstr(line, DING_ERROR));
    assert_non_null(row(f->out, "3", line, sizeof(line)));
    assert_non_null(strstr(line, "delivered      1  09:00:00             wecom"));
    /* An expired alert: when it was given up, on another day: in full. */
    assert_non_null(row(f->out, "2", line, sizeof(line)));
    assert_non_null(strstr(line, "expired        1  2026-11-20 08:00:00  mail"));
    assert_non_null(strstr(line, SUBJECT_UP));
    assert_non_null(strstr(line, "mail.example.cn:587: Login denied (SMTP 535); not delivered"));
    assert_non_null(row(f->out, "5", line, sizeof(line)));
    assert_non_null(strstr(line, "pending        0  10:00:00"));

    /* Chinese subjects are two columns a character: the columns after
     * them line up anyway, and SUBJECT is cut at 44 columns with "…". */
    int col = column_of(f->out, "ID  ", "LAST ERROR");
    assert_true(col > 0);
    assert_int_equal(column_of(f->out, " 4  2026-", "oapi.dingtalk.com"), col);
    assert_int_equal(column_of(f->out, " 2  2026-", "mail.example.cn"), col);
    assert_non_null(strstr(f->out, "[DOWN] 遵义摄像头02 guizhou/zunyi · icmp: t…"));
    col = column_of(f->out, "ID  ", "SUBJECT");
    assert_int_equal(column_of(f->out, " 2  2026-", "[UP] 贵阳"), col);

    /* --since overrides the 7 days. */
    assert_int_equal(run(f, "--since", "-30d", NULL), 0);
    assert_true(test_has_line(f->out, "5 alerts created since 2026-10-22 10:00:30 +08:00: 2 "
                                      "delivered, 2 pending, 1 expired; times in Asia/Shanghai"));
    assert_non_null(row(f->out, "1", line, sizeof(line)));
    assert_int_equal(run(f, "--since", "2026-11-21 09:30", NULL), 0);
    assert_true(test_has_line(f->out, "1 alert created since 2026-11-21 09:30:00 +08:00: 0 "
                                      "delivered, 1 pending, 0 expired"));
    /* No alert has an error: no LAST ERROR column. */
    assert_null(strstr(f->out, "LAST ERROR"));
}

static void test_pending_and_failed(void **state)
{
    struct fixture *f = *state;
    char line[2048];

    write_store(f->dir);
    assert_int_equal(run(f, "--pending", NULL), 0);
    assert_string_equal(f->err, "");
    assert_true(test_has_line(f->out, "2 pending alerts; times in Asia/Shanghai"));
    assert_non_null(row(f->out, "5", line, sizeof(line)));
    assert_non_null(row(f->out, "4", line, sizeof(line)));
    assert_null(row(f->out, "3", line, sizeof(line)));
    assert_null(row(f->out, "2", line, sizeof(line)));

    /* What has not reached anyone and ran into trouble: the expired one,
     * whatever its age, and the pending one that failed; not the one
     * that was never tried. */
    assert_int_equal(run(f, "--failed", NULL), 0);
    assert_true(test_has_line(
        f->out, "2 failed alerts: 1 still pending, 1 expired; times in Asia/Shanghai"));
    assert_non_null(row(f->out, "4", line, sizeof(line)));
    assert_non_null(row(f->out, "2", line, sizeof(line)));
    assert_null(row(f->out, "5", line, sizeof(line)));
    assert_null(row(f->out, "3", line, sizeof(line)));
    assert_int_equal(run(f, "--failed", "--since", "-1d", NULL), 0);
    assert_true(test_has_line(f->out, "1 failed alert created since 2026-11-20 10:00:30 +08:00: 1 "
                                      "still pending, 0 expired"));

    /* The daemon stopped beating: pending alerts go nowhere. */
    f->clock.wall = NOW + HOUR;
    assert_int_equal(run(f, "--pending", NULL), 0);
    assert_true(test_has_line(f->out, "probed is not running: pending alerts wait for its next "
                                      "start"));
}

static void test_empty_and_missing(void **state)
{
    struct fixture *f = *state;
    struct pd_db *db;
    char err[256], sub[PATH_MAX + 8];

    snprintf(sub, sizeof(sub), "%s/none", f->dir);
    f->cfg.data_dir = sub;
    assert_int_equal(run(f, NULL), 1);
    assert_string_equal(f->out, "");
    assert_non_null(strstr(f->err, "probectl alerts: no event store "));
    assert_non_null(strstr(f->err, sub));

    f->cfg.data_dir = f->dir;
    assert_int_equal(pd_db_open(f->dir, 0, &db, err, sizeof(err)), 0);
    pd_db_close(db);
    assert_int_equal(run(f, "--pending", NULL), 0);
    assert_string_equal(f->out, "no pending alerts\n");
    assert_int_equal(run(f, "--failed", NULL), 0);
    assert_string_equal(f->out, "no failed alerts\n");
    assert_int_equal(run(f, NULL), 0);
    assert_string_equal(f->out, "no alerts created since 2026-11-14 10:00:30 +08:00 (the last 7 "
                                "days)\n");
    assert_int_equal(run(f, "--format", "json", NULL), 0);
    assert_non_null(strstr(f->out, "\"alerts\": []"));
    assert_non_null(strstr(f->out, "\"daemon\": \"never_ran\""));
}

static void test_json_and_csv(void **state)
{
    struct fixture *f = *state;

    write_store(f->dir);
    assert_int_equal(run(f, "--failed", "--format", "json", NULL), 0);
    assert_string_equal(f->err, "");
    assert_non_null(strstr(f->out, "\"timezone\": \"Asia/Shanghai\",\n"));
    assert_non_null(strstr(f->out, "\"daemon\": \"running\",\n  \"selection\": \"failed\",\n"
                                   "  \"since\": null,\n  \"alerts\": [\n"));
    assert_non_null(
        strstr(f->out, "    {\n      \"id\": 4,\n      \"created\": "
                       "\"2026-11-21T09:00:00+08:00\",\n      \"state\": \"pending\",\n"
                       "      \"attempts\": 2,\n      \"next\": \"2026-11-21T09:00:15+08:00\",\n"
                       "      \"done\": null,\n      \"expires\": \"2026-11-22T09:00:00+08:00\",\n"
                       "      \"channel\": \"ding\",\n      \"routes\": [\n        "
                       "\"emergency\",\n        \"noc-all\"\n      ],\n      \"kind\": "
                       "\"mixed\",\n      \"items\": 3,\n      \"subject\": \"" SUBJECT_DOWN
                       "\",\n      \"last_error\": \"" DING_ERROR "\"\n    }"));
    assert_non_null(strstr(f->out, "\"id\": 2,"));
    assert_non_null(strstr(f->out, "\"state\": \"expired\",\n      \"attempts\": 1,\n      "
                                   "\"next\": null,\n      \"done\": "
                                   "\"2026-11-20T08:00:00+08:00\","));
    assert_null(strstr(f->out, "\"id\": 5,"));

    assert_int_equal(run(f, "--format", "csv", NULL), 0);
    assert_true(test_has_line(f->out,
                              "\xef\xbb\xbfid,created,state,attempts,next,done,expires,channel,"
                              "routes,kind,items,subject,last_error\r"));
    assert_non_null(strstr(f->out, "\r\n4,2026-11-21T09:00:00+08:00,pending,2,"
                                   "2026-11-21T09:00:15+08:00,,2026-11-22T09:00:00+08:00,ding,"
                                   "\"emergency,noc-all\",mixed,3,\"" SUBJECT_DOWN "\"," DING_ERROR
                                   "\r\n"));
    assert_non_null(strstr(f->out, "\r\n3,2026-11-21T09:00:00+08:00,delivered,1,,"
                                   "2026-11-21T09:00:00.250+08:00,"));
    assert_int_equal(run(f, "--pending", "--format", "csv", "--no-bom", NULL), 0);
    assert_memory_equal(f->out, "id,created,", 11);
}

static void test_attempts(void **state)
{
    struct fixture *f = *state;

    write_store(f->dir);
    assert_int_equal(run(f, "--attempts", "4", NULL), 0);
    assert_string_equal(f->err, "");
    assert_true(test_has_line(f->out, "alert 4: " SUBJECT_DOWN "\n"));
    assert_true(test_has_line(f->out, "created 2026-11-21 09:00:00 +08:00, channel ding, route "
                                      "emergency,noc-all, kind mixed, 3 items\n"));
    assert_true(test_has_line(f->out, "pending after 2 attempts; next attempt at 2026-11-21 "
                                      "09:00:15 +08:00, expires 2026-11-22 09:00:00 +08:00\n"));
    assert_true(test_has_line(f->out, "last error: " DING_ERROR "\n"));
    assert_true(test_has_line(f->out, "attempts, oldest first; times in Asia/Shanghai\n"));
    assert_true(test_has_line(f->out, "2026-11-21 09:00:00  1.50s  failed  " DING_ERROR "\n"));
    assert_true(test_has_line(f->out, "2026-11-21 09:00:05  1.20s  failed  " DING_ERROR "\n"));
    assert_true(strstr(f->out, "09:00:00  1.50s") < strstr(f->out, "09:00:05  1.20s"));

    assert_int_equal(run(f, "--attempts", "3", NULL), 0);
    assert_true(test_has_line(f->out, "delivered at 2026-11-21 09:00:00 +08:00 after 1 attempt\n"));
    assert_true(test_has_line(f->out, "2026-11-21 09:00:00  0.25s  delivered\n"));
    assert_int_equal(run(f, "--attempts", "5", NULL), 0);
    assert_true(test_has_line(f->out, "no attempt yet\n"));

    assert_int_equal(run(f, "--attempts", "4", "--format", "json", NULL), 0);
    assert_non_null(strstr(f->out, "  \"alert\": {\n    \"id\": 4,"));
    assert_non_null(strstr(f->out, "\"attempts\": [\n    {\n      \"at\": "
                                   "\"2026-11-21T09:00:00+08:00\",\n      \"duration_s\": 1.500,\n"
                                   "      \"ok\": false,\n      \"error\": \"" DING_ERROR "\"\n"));
    assert_int_equal(run(f, "--attempts", "3", "--format", "csv", "--no-bom", NULL), 0);
    assert_string_equal(f->out, "at,duration_s,ok,error\r\n2026-11-21T09:00:00+08:00,0.250,1,\r\n");

    assert_int_equal(run(f, "--attempts", "99", NULL), 1);
    assert_string_equal(f->out, "");
    assert_non_null(strstr(f->err, "probectl alerts: no alert 99 in "));
}

static void test_usage(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, "--help", NULL), 0);
    assert_true(test_has_line(f->out, "Usage: probectl [-c FILE] alerts [--pending | --failed]"));
    assert_non_null(strstr(f->out, "Exit status:"));
    assert_int_equal(run(f, "test", "-h", NULL), 0);
    assert_true(test_has_line(f->out, "Usage: probectl [-c FILE] alerts"));
    assert_int_equal(run(f, "--pending", "--failed", NULL), 2);
    assert_non_null(strstr(f->err, "--pending and --failed exclude each other"));
    assert_int_equal(run(f, "--since", "yesterday", NULL), 2);
    assert_non_null(strstr(f->err, "--since: "));
    assert_int_equal(run(f, "--since", NULL), 2);
    assert_non_null(strstr(f->err, "needs a value"));
    assert_int_equal(run(f, "--attempts", "x", NULL), 2);
    assert_int_equal(run(f, "--attempts", "0", NULL), 2);
    assert_int_equal(run(f, "--attempts", "3", "--failed", NULL), 2);
    assert_int_equal(run(f, "--format", "xml", NULL), 2);
    assert_int_equal(run(f, "--bogus", NULL), 2);
    assert_non_null(strstr(f->err, "unknown option '--bogus'"));
    assert_int_equal(run(f, "list", NULL), 2);
    assert_non_null(strstr(f->err, "unexpected argument 'list'"));
    assert_string_equal(f->out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_and_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_and_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
    };
    char err[256];

    if (pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) != 0) {
        fprintf(stderr, "skipped: %s\n", err);
        return 77;
    }
    pd_log_setup(PD_LOG_STDERR, PD_LOG_ERR, "test_probectl_alerts");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
