/* The alerts' payloads per channel type (alert_format.c) and DingTalk's
 * signature (alert_send.c), checked by reading them back: a JSON parser
 * of our own below, base64 and RFC 2047 decoding, UTF-8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "timefmt.h"
#include "utf8.h"

#define SEC(x) ((pd_ns)(x)*PD_SEC)
/* 2026-11-21 10:02:11 in Asia/Shanghai (date -u -d '2026-11-21 02:02:11' +%s). */
#define CREATED SEC(1795226531)

/* ---- A strict JSON reader: RFC 8259's grammar, nothing more. ---- */

static const char *j_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static int hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        *v = *v << 4 | (uint32_t)d;
    }
    return 0;
}

/* A string at p (its opening quote); its decoded text into out (NULL:
 * not kept). Returns the end, or NULL when it is not a JSON string. */
static const char *j_string(const char *p, char *out, size_t outlen)
{
    size_t n = 0;
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p;
        uint32_t cp;
        char tmp[4];
        size_t k;
        if (c < 0x20) /* control characters, and the end of the text */
            return NULL;
        if (c == '\\') {
            const char *esc = "\"\\/bfnrt", *dec = "\"\\/\b\f\n\r\t";
            const char *e = p[1] ? strchr(esc, p[1]) : NULL;
            if (e) {
                cp = (unsigned char)dec[e - esc];
                p += 2;
            } else if (p[1] == 'u' && hex4(p + 2, &cp) == 0) {
                p += 6;
                if (cp >= 0xd800 && cp < 0xdc00) {
                    uint32_t lo;
                    if (p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 || lo < 0xdc00 ||
                        lo > 0xdfff)
                        return NULL;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                } else if (cp >= 0xdc00 && cp < 0xe000) {
                    return NULL;
                }
            } else {
                return NULL;
            }
            k = put_utf8(tmp, cp);
        } else {
            tmp[0] = (char)c;
            k = 1;
            p++;
        }
        if (out) {
            if (n + k >= outlen)
                return NULL;
            memcpy(out + n, tmp, k);
            n += k;
        }
    }
    if (out)
        out[n] = '\0';
    return p + 1;
}

static const char *j_value(const char *p, int depth);

static const char *j_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        if (!(*++p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

static const char *j_value(const char *p, int depth)
{
    p = j_ws(p);
    if (depth > 32)
        return NULL;
    if (*p == '"')
        return j_string(p, NULL, 0);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = j_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (!(p = j_string(j_ws(p), NULL, 0)))
                    return NULL;
                p = j_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            if (!(p = j_value(p, depth + 1)))
                return NULL;
            p = j_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    return j_number(p);
}

/* The whole text is one JSON value, in valid UTF-8. */
static void assert_json(const char *text, size_t len)
{
    size_t bad;
    assert_int_equal(strlen(text), len);
    if (!pd_utf8_valid(text, len, &bad))
        fail_msg("invalid UTF-8 at byte %zu", bad);
    const char *end = j_value(text, 0);
    if (!end || *j_ws(end) != '\0')
        fail_msg("not JSON (stops at byte %td): %.200s", end ? end - text : -1, text);
}

/* The decoded string value of the first member "key" (the key is found
 * by its quotes and colon, which no string value holds unescaped).
 * Taken by the caller. */
static char *j_member(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p)
        fail_msg("no member %s", key);
    size_t cap = strlen(json) + 1;
    char *out = malloc(cap);
    assert_non_null(out);
    assert_non_null(j_string(p + strlen(pat), out, cap));
    return out;
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* ---- base64 (RFC 4648) ---- */

static int b64_value(char c)
{
    const char *digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(digits, c) : NULL;
    return p ? (int)(p - digits) : -1;
}

/* n characters of base64 (a multiple of 4) appended to out at *len. */
static void b64_decode(const char *s, size_t n, char *out, size_t *len)
{
    assert_int_equal(n % 4, 0);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = s[i + k] == '=' ? 0 : b64_value(s[i + k]);
        for (int k = 0; k < 4; k++)
            if (v[k] < 0)
                fail_msg("'%c' in base64", s[i + k]);
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[(*len)++] = (char)(w >> 16);
        if (s[i + 2] != '=')
            out[(*len)++] = (char)(w >> 8 & 0xff);
        if (s[i + 3] != '=')
            out[(*len)++] = (char)(w & 0xff);
    }
    out[*len] = '\0';
}

/* ---- messages ---- */

static struct pd_alert_item one_item(enum pd_alert_kind kind)
{
    return (struct pd_alert_item){.kind = kind,
                                  .subject = PD_SUBJECT_TARGET,
                                  .id = "gy-codec-01",
                                  .name = "贵阳市会议终端01",
                                  .site = "guizhou/guiyang",
                                  .type = "codec",
                                  .severity = "emergency",
                                  .check = "ping",
                                  .reason = "100% loss",
                                  .from = "UP",
                                  .to = "DOWN",
                                  .since = CREATED - SEC(12 * 60 + 5),
                                  .at = CREATED - SEC(11 * 60)};
}

static struct pd_alert_msg msg_of(const struct pd_alert_item *items, size_t n)
{
    return (struct pd_alert_msg){.id = 42,
                                 .route = "emergency",
                                 .host = "probe-01.example",
                                 .created = CREATED,
                                 .items = items,
                                 .n_items = n};
}

static const struct pd_channel_conf webhook = {.id = "noc", .type = PD_CHANNEL_WEBHOOK};
static const struct pd_channel_conf wecom = {.id = "wecom", .type = PD_CHANNEL_WECOM};
static const struct pd_channel_conf dingtalk = {.id = "ding", .type = PD_CHANNEL_DINGTALK};
static char *mail_to[] = {"a@example.cn", "b@example.cn"};
static const struct pd_channel_conf email = {
    .id = "mail", .type = PD_CHANNEL_EMAIL, .from = "probed@example.cn", .to = mail_to, .n_to = 2};

/* 100 items: 80 down in counties of guizhou/guiyang, 20 recovered. */
#define MANY 100
static struct pd_alert_item many[MANY];
static char many_names[MANY][64], many_ids[MANY][32], many_sites[MANY][64];

static void make_many(void)
{
    for (int i = 0; i < MANY; i++) {
        many[i] = one_item(i < 80 ? PD_ALERT_PROBLEM : PD_ALERT_RECOVERY);
        snprintf(many_names[i], sizeof(many_names[i]), "贵阳市会议终端%03d号", i);
        snprintf(many_ids[i], sizeof(many_ids[i]), "gy-codec-%03d", i);
        snprintf(many_sites[i], sizeof(many_sites[i]), "guizhou/guiyang/county%d", i % 7);
        many[i].name = many_names[i];
        many[i].id = many_ids[i];
        many[i].site = many_sites[i];
        if (i >= 80) {
            many[i].to = "UP";
            many[i].from = "DOWN";
            many[i].duration = SEC(725);
        }
    }
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) < 0) {
        print_error("%s\n", err);
        return -1;
    }
    make_many();
    return 0;
}

static void render(const struct pd_alert_msg *m, const struct pd_channel_conf *ch,
                   struct pd_alert_payload *p)
{
    assert_int_equal(pd_alert_render(m, ch, p), 0);
    assert_non_null(p->subject);
    assert_non_null(p->body);
    size_t bad;
    assert_true(pd_utf8_valid(p->subject, strlen(p->subject), &bad));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(pd_alert_kind_name(PD_ALERT_PROBLEM), "problem");
    assert_string_equal(pd_alert_kind_name(PD_ALERT_RECOVERY), "recovery");
    assert_string_equal(pd_alert_kind_name(PD_ALERT_REMINDER), "reminder");
    assert_string_equal(pd_alert_kind_name(PD_ALERT_FLAPPING), "flapping");
    assert_string_equal(pd_alert_kind_name(PD_ALERT_TEST), "test");
    assert_string_equal(pd_alert_subject_name(PD_SUBJECT_TARGET), "target");
    assert_string_equal(pd_alert_subject_name(PD_SUBJECT_SYSTEM), "system");
    assert_string_equal(pd_alert_subject_name(PD_SUBJECT_MEDIA), "media");
}

static void expect_subject(const struct pd_alert_item *items, size_t n, const char *want)
{
    struct pd_alert_msg m = msg_of(items, n);
    struct pd_alert_payload p;
    render(&m, &webhook, &p);
    assert_string_equal(p.subject, want);
    pd_alert_payload_free(&p);
}

static void test_subjects(void **state)
{
    (void)state;
    struct pd_alert_item it = one_item(PD_ALERT_PROBLEM);
    expect_subject(&it, 1, "[DOWN] 贵阳市会议终端01 guizhou/guiyang · ping: 100% loss");
    it.to = "UNKNOWN";
    expect_subject(&it, 1, "[UNKNOWN] 贵阳市会议终端01 guizhou/guiyang · ping: 100% loss");
    it = one_item(PD_ALERT_RECOVERY);
    it.duration = SEC(12 * 60 + 5);
    expect_subject(&it, 1, "[RECOVERED] 贵阳市会议终端01 guizhou/guiyang after 12m05s");
    it = one_item(PD_ALERT_REMINDER);
    it.duration = SEC(3600);
    expect_subject(&it, 1, "[STILL DOWN 1h00m] 贵阳市会议终端01 guizhou/guiyang · ping: 100% loss");
    it = one_item(PD_ALERT_FLAPPING);
    it.check = "";
    it.reason = "6 changes in 10m";
    expect_subject(&it, 1, "[FLAPPING] 贵阳市会议终端01 guizhou/guiyang · 6 changes in 10m");
    it = one_item(PD_ALERT_TEST);
    it.name = "probed 测试告警 test alert";
    it.site = it.check = "";
    it.reason = "route emergency";
    expect_subject(&it, 1, "[TEST] probed 测试告警 test alert · route emergency");
    it = one_item(PD_ALERT_PROBLEM);
    it.subject = PD_SUBJECT_SYSTEM;
    it.name = "视频会议系统";
    it.site = it.type = it.check = "";
    it.reason = "3 of 5 members down";
    expect_subject(&it, 1, "[DOWN] 视频会议系统 (system) · 3 of 5 members down");

    /* Several: counts, the common site (whole segments only), names. */
    struct pd_alert_item two[2] = {one_item(PD_ALERT_PROBLEM), one_item(PD_ALERT_RECOVERY)};
    two[1].name = "安顺市摄像机02";
    two[0].site = "guizhou/guiyang";
    two[1].site = "guizhou/guian";
    expect_subject(two, 2,
                   "[probed] 1 down, 1 recovered: guizhou · 贵阳市会议终端01, 安顺市摄像机02");
    two[1].site = "yunnan/kunming";
    expect_subject(two, 2, "[probed] 1 down, 1 recovered: 贵阳市会议终端01, 安顺市摄像机02");
    two[1].site = "guizhou/guiyang/huaxi";
    expect_subject(
        two, 2, "[probed] 1 down, 1 recovered: guizhou/guiyang · 贵阳市会议终端01, 安顺市摄像机02");

    struct pd_alert_msg m = msg_of(many, MANY);
    struct pd_alert_payload p;
    render(&m, &webhook, &p);
    const char *head = "[probed] 80 down, 20 recovered: guizhou/guiyang · 贵阳市会议终端000号, ";
    if (strncmp(p.subject, head, strlen(head)) != 0)
        fail_msg("subject: %s", p.subject);
    assert_true(strlen(p.subject) < 300);
    assert_non_null(strstr(p.subject, " more"));
    pd_alert_payload_free(&p);
}

static void test_webhook(void **state)
{
    (void)state;
    struct pd_alert_item it = one_item(PD_ALERT_PROBLEM);
    struct pd_alert_msg m = msg_of(&it, 1);
    struct pd_alert_payload p;
    render(&m, &webhook, &p);
    assert_json(p.body, p.len);
    assert_non_null(strstr(p.body, "{\"schema\":1,\"id\":42,\"route\":\"emergency\","
                                   "\"host\":\"probe-01.example\","
                                   "\"created\":\"2026-11-21T10:02:11+08:00\",\"summary\":"));
    assert_non_null(strstr(p.body, "\"alerts\":[{\"kind\":\"problem\",\"subject\":\"target\","
                                   "\"id\":\"gy-codec-01\",\"name\":\"贵阳市会议终端01\","
                                   "\"site\":\"guizhou/guiyang\",\"type\":\"codec\","
                                   "\"severity\":\"emergency\",\"check\":\"ping\","
                                   "\"reason\":\"100% loss\",\"from\":\"UP\",\"to\":\"DOWN\","
                                   "\"since\":\"2026-11-21T09:50:06+08:00\","
                                   "\"at\":\"2026-11-21T09:51:11+08:00\",\"duration_s\":0}]}"));
    char *summary = j_member(p.body, "summary");
    assert_string_equal(summary, p.subject);
    free(summary);
    pd_alert_payload_free(&p);

    /* A recovery's duration; no start time is null. */
    it = one_item(PD_ALERT_RECOVERY);
    it.duration = SEC(725) + 999 * PD_MSEC;
    it.since = 0;
    render(&m, &webhook, &p);
    assert_json(p.body, p.len);
    assert_non_null(strstr(p.body, "\"since\":null,"));
    assert_non_null(strstr(p.body, "\"duration_s\":725}"));
    pd_alert_payload_free(&p);

    m = msg_of(many, MANY);
    render(&m, &webhook, &p);
    assert_json(p.body, p.len);
    assert_int_equal(count(p.body, "\"kind\":"), MANY);
    assert_int_equal(count(p.body, "\"kind\":\"problem\""), 80);
    assert_int_equal(count(p.body, "\"kind\":\"recovery\""), 20);
    assert_non_null(strstr(p.body, "\"name\":\"贵阳市会议终端099号\""));
    pd_alert_payload_free(&p);
}

/* Names and reasons with quotes, backslashes, line ends, control
 * characters, markdown and invalid UTF-8, in every format. */
static void test_quoting(void **state)
{
    (void)state;
    static const char name[] = "终端\"甲\"\\乙\n丙\r丁\t戊\x01\x1f**粗**`码`<font>";
    static const char reason[] = "bad \xff\xfe bytes \xe4\xb8 cut";
    struct pd_alert_item it = one_item(PD_ALERT_PROBLEM);
    it.name = name;
    it.reason = reason;
    struct pd_alert_msg m = msg_of(&it, 1);
    struct pd_alert_payload p;

    render(&m, &webhook, &p);
    assert_json(p.body, p.len);
    /* The name goes through whole, escaped; the bad bytes as U+FFFD. */
    assert_non_null(strstr(p.body, "\"name\":\"终端\\\"甲\\\"\\\\乙\\n丙\\r丁\\t戊\\u0001\\u001f"
                                   "**粗**`码`<font>\""));
    char *got = j_member(p.body, "name");
    assert_string_equal(got, name);
    free(got);
    got = j_member(p.body, "reason");
    assert_string_equal(got, "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd cut");
    free(got);
    /* The subject is one line: controls became spaces. */
    assert_null(strpbrk(p.subject, "\r\n\t\x01"));
    assert_non_null(strstr(p.subject, "终端\"甲\"\\乙 丙 丁 戊  **粗**"));
    pd_alert_payload_free(&p);

    render(&m, &wecom, &p);
    assert_json(p.body, p.len);
    char *content = j_member(p.body, "content");
    /* In markdown, * ` < of a name are their full-width forms. */
    assert_non_null(strstr(content, "终端\"甲\"\\乙 丙 丁 戊  ＊＊粗＊＊｀码｀＜font>"));
    assert_null(strstr(content, "**粗"));
    assert_null(strpbrk(content, "\r\t\x01\x1f"));
    free(content);
    pd_alert_payload_free(&p);

    render(&m, &email, &p);
    /* No header line from the name: every header line is ours. */
    char *end = strstr(p.body, "\r\n\r\n");
    assert_non_null(end);
    for (const char *l = p.body; l < end;) {
        const char *e = strstr(l, "\r\n");
        if (!(*l == ' ' || strncmp(l, "Date:", 5) == 0 || strncmp(l, "From:", 5) == 0 ||
              strncmp(l, "To:", 3) == 0 || strncmp(l, "Subject:", 8) == 0 ||
              strncmp(l, "Message-ID:", 11) == 0 || strncmp(l, "MIME-Version:", 13) == 0 ||
              strncmp(l, "Content-", 8) == 0 || strncmp(l, "Auto-Submitted:", 15) == 0))
            fail_msg("header line %.*s", (int)(e - l), l);
        l = e + 2;
    }
    pd_alert_payload_free(&p);
}

/* The robots' markdown inside their JSON: content of at most max bytes,
 * every item shown or counted in "... and N more". */
static char *robot_text(const struct pd_alert_payload *p, const char *key, size_t max,
                        size_t n_items)
{
    assert_json(p->body, p->len);
    assert_non_null(strstr(p->body, "{\"msgtype\":\"markdown\",\"markdown\":{"));
    char *text = j_member(p->body, key);
    size_t bad, len = strlen(text);
    assert_true(len <= max);
    assert_true(pd_utf8_valid(text, len, &bad));
    /* An item's block starts a line with its state in bold; the subject
     * in bold starts the text, without a line end before it. */
    size_t shown = count(text, "\n**"), more = 0;
    const char *m = strstr(text, "... and ");
    if (m)
        assert_int_equal(sscanf(m, "... and %zu more", &more), 1);
    if (shown + more != n_items)
        fail_msg("%zu shown + %zu more != %zu items in:\n%s", shown, more, n_items, text);
    return text;
}

static void test_wecom(void **state)
{
    (void)state;
    struct pd_alert_item it = one_item(PD_ALERT_PROBLEM);
    struct pd_alert_msg m = msg_of(&it, 1);
    struct pd_alert_payload p;
    render(&m, &wecom, &p);
    char *text = robot_text(&p, "content", 4096, 1);
    assert_non_null(
        strstr(text, "**[DOWN] 贵阳市会议终端01 guizhou/guiyang · ping: 100% loss**\n"));
    assert_non_null(strstr(text, "**DOWN** **贵阳市会议终端01** (gy-codec-01)\n"
                                 "> site guizhou/guiyang · type codec · severity emergency\n"
                                 "> check ping: 100% loss\n"
                                 "> since 2026-11-21 09:50:06 (12m05s ago)\n"));
    assert_non_null(strstr(text, "times in Asia/Shanghai (UTC+08:00)"));
    assert_null(strstr(text, "... and"));
    free(text);
    pd_alert_payload_free(&p);

    m = msg_of(many, MANY);
    render(&m, &wecom, &p);
    text = robot_text(&p, "content", 4096, MANY);
    assert_non_null(strstr(text, "... and "));
    free(text);
    pd_alert_payload_free(&p);

    /* Long names and reasons: cut, still valid UTF-8, still under 4,096. */
    static char long_name[1200], long_reason[1200];
    long_name[0] = long_reason[0] = '\0';
    for (int i = 0; i < 300; i++) {
        strcat(long_name, "长");
        strcat(long_reason, "因");
    }
    struct pd_alert_item big[20];
    for (int i = 0; i < 20; i++) {
        big[i] = one_item(PD_ALERT_PROBLEM);
        big[i].name = long_name;
        big[i].reason = long_reason;
    }
    m = msg_of(big, 20);
    render(&m, &wecom, &p);
    text = robot_text(&p, "content", 4096, 20);
    assert_non_null(strstr(text, "…"));
    free(text);
    pd_alert_payload_free(&p);
}

static void test_dingtalk(void **state)
{
    (void)state;
    struct pd_alert_item it = one_item(PD_ALERT_RECOVERY);
    it.duration = SEC(725);
    struct pd_alert_msg m = msg_of(&it, 1);
    struct pd_alert_payload p;
    render(&m, &dingtalk, &p);
    char *title = j_member(p.body, "title");
    assert_string_equal(title, p.subject);
    assert_string_equal(title, "[RECOVERED] 贵阳市会议终端01 guizhou/guiyang after 12m05s");
    free(title);
    char *text = robot_text(&p, "text", 20000, 1);
    /* Markdown hard breaks: DingTalk joins plain lines. */
    assert_non_null(strstr(text, "**RECOVERED** **贵阳市会议终端01** (gy-codec-01)  \n"
                                 "> site guizhou/guiyang"));
    assert_non_null(strstr(text, "> down from 2026-11-21 09:50:06 to 2026-11-21 09:51:11, "
                                 "12m05s  \n"));
    free(text);
    pd_alert_payload_free(&p);

    m = msg_of(many, MANY);
    render(&m, &dingtalk, &p);
    text = robot_text(&p, "text", 20000, MANY);
    free(text);
    pd_alert_payload_free(&p);
}

/* The mail: headers, the subject's encoded words, base64 body lines. */
struct mail {
    char subject[4096];
    char text[65536];
};

static void parse_mail(const struct pd_alert_payload *p, struct mail *out)
{
    const char *body = strstr(p->body, "\r\n\r\n");
    size_t subj_len = 0, text_len = 0;
    assert_non_null(body);
    /* Every line ends in CRLF, none is longer than 78 characters. */
    for (const char *l = p->body; *l;) {
        const char *e = strstr(l, "\r\n");
        assert_non_null(e);
        if (e - l > 78)
            fail_msg("line of %td characters: %.*s", e - l, (int)(e - l), l);
        assert_null(memchr(l, '\n', (size_t)(e - l)));
        l = e + 2;
    }
    const char *s = strstr(p->body, "\r\nSubject: ");
    assert_non_null(s);
    s += strlen("\r\nSubject:");
    /* Encoded words, one per line, each valid UTF-8 on its own. */
    while (*s == ' ') {
        s++;
        const char *e = strstr(s, "?=");
        assert_non_null(e);
        assert_true(e + 2 - s <= 75);
        assert_memory_equal(s, "=?UTF-8?B?", 10);
        size_t before = subj_len, bad;
        b64_decode(s + 10, (size_t)(e - s - 10), out->subject, &subj_len);
        assert_true(pd_utf8_valid(out->subject + before, subj_len - before, &bad));
        s = e + 2;
        assert_memory_equal(s, "\r\n", 2);
        s += 2;
    }
    for (const char *l = body + 4; *l;) {
        const char *e = strstr(l, "\r\n");
        assert_true(e - l <= 76);
        b64_decode(l, (size_t)(e - l), out->text, &text_len);
        l = e + 2;
    }
    size_t bad;
    assert_true(pd_utf8_valid(out->text, text_len, &bad));
}

static void test_email(void **state)
{
    (void)state;
    static struct mail mail;
    struct pd_alert_item it = one_item(PD_ALERT_PROBLEM);
    struct pd_alert_msg m = msg_of(&it, 1);
    struct pd_alert_payload p;
    render(&m, &email, &p);
    assert_int_equal(strlen(p.body), p.len);
    assert_true(strncmp(p.body,
                        "Date: Sat, 21 Nov 2026 10:02:11 +0800\r\n"
                        "From: probed@example.cn\r\n"
                        "To: a@example.cn,\r\n b@example.cn\r\n"
                        "Subject: =?UTF-8?B?",
                        strlen("Date: Sat, 21 Nov 2026 10:02:11 +0800\r\nFrom: "
                               "probed@example.cn\r\nTo: a@example.cn,\r\n b@example.cn\r\n"
                               "Subject: =?UTF-8?B?")) == 0);
    assert_non_null(strstr(p.body, "\r\nMessage-ID: <probed-42@probe-01.example>\r\n"
                                   "MIME-Version: 1.0\r\n"
                                   "Content-Type: text/plain; charset=UTF-8\r\n"
                                   "Content-Transfer-Encoding: base64\r\n"));
    parse_mail(&p, &mail);
    assert_string_equal(mail.subject, p.subject);
    assert_string_equal(mail.subject, "[DOWN] 贵阳市会议终端01 guizhou/guiyang · ping: 100% loss");
    assert_non_null(strstr(mail.text, "DOWN 贵阳市会议终端01 (gy-codec-01)\r\n"
                                      "  site guizhou/guiyang · type codec · severity emergency\r\n"
                                      "  check ping: 100% loss\r\n"
                                      "  since 2026-11-21 09:50:06 (12m05s ago)\r\n"));
    assert_non_null(strstr(mail.text, "probed on probe-01.example · alert 42 · route emergency"));
    pd_alert_payload_free(&p);

    /* A long Chinese subject: several words, none splitting a character
     * (parse_mail checks each word's UTF-8 on its own). */
    static char long_name[400];
    long_name[0] = '\0';
    for (int i = 0; i < 50; i++)
        strcat(long_name, i % 3 ? "贵" : "a");
    it.name = long_name;
    render(&m, &email, &p);
    parse_mail(&p, &mail);
    assert_string_equal(mail.subject, p.subject);
    assert_true(count(p.body, "=?UTF-8?B?") >= 3);
    pd_alert_payload_free(&p);

    /* A test (id 0): a Message-ID of its own time. */
    m.id = 0;
    render(&m, &email, &p);
    assert_non_null(strstr(p.body, "\r\nMessage-ID: <probed-test-1795226531000000000@"
                                   "probe-01.example>\r\n"));
    pd_alert_payload_free(&p);

    m = msg_of(many, MANY);
    render(&m, &email, &p);
    parse_mail(&p, &mail);
    assert_string_equal(mail.subject, p.subject);
    assert_int_equal(count(mail.text, "\r\nDOWN "), 80);
    assert_int_equal(count(mail.text, "\r\nRECOVERED "), 20);
    assert_non_null(strstr(mail.text, "贵阳市会议终端099号 (gy-codec-099)"));
    pd_alert_payload_free(&p);
}

/* The expected sign, computed apart from our code:
 *   printf '%s\n%s' 1700000000000 SECtest0123456789 |
 *     openssl dgst -sha256 -hmac SECtest0123456789 -binary | base64
 * gives yBKp5IlG6qCzcQWmgyRK/ziJBdVNJmHfFE2ST/CzT/g=, URL-encoded (as
 * python3's urllib.parse.quote_plus does) below. */
static void test_dingtalk_sign(void **state)
{
    (void)state;
    char ts[32], sign[128];
    assert_int_equal(pd_alert_dingtalk_sign("SECtest0123456789",
                                            (pd_ns)1700000000000 * PD_MSEC + 123456, ts, sizeof(ts),
                                            sign, sizeof(sign)),
                     0);
    assert_string_equal(ts, "1700000000000");
    assert_string_equal(sign, "yBKp5IlG6qCzcQWmgyRK%2FziJBdVNJmHfFE2ST%2FCzT%2Fg%3D");
    assert_int_equal(pd_alert_dingtalk_sign("SECtest0123456789", (pd_ns)1700000000000 * PD_MSEC, ts,
                                            sizeof(ts), sign, 20),
                     -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),   cmocka_unit_test(test_subjects),
        cmocka_unit_test(test_webhook), cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_wecom),   cmocka_unit_test(test_dingtalk),
        cmocka_unit_test(test_email),   cmocka_unit_test(test_dingtalk_sign),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
