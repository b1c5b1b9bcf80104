/* A robot's reply (alert_reply.c): errcode and errmsg out of WeCom's and
 * DingTalk's JSON, and what is refused. Every reply is handed over in a
 * heap buffer of its exact length, no NUL after it, so that ASan sees a
 * read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_reply.h"
#include "utf8.h"

/* pd_alert_robot_reply on text[0..len), copied without its NUL. */
static int parse_n(const char *text, size_t len, long *code, char *msg, size_t msglen)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    *code = -12345;
    int rc = pd_alert_robot_reply(copy, len, code, msg, msglen);
    free(copy);
    return rc;
}

static int parse(const char *text, long *code, char *msg, size_t msglen)
{
    return parse_n(text, strlen(text), code, msg, msglen);
}

/* Refused: errcode 0 and errmsg "" whatever the reason. */
static void assert_refused(const char *text, int want)
{
    long code;
    char msg[200] = "stale";
    assert_int_equal(parse(text, &code, msg, sizeof(msg)), want);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "");
}

static void test_ok(void **state)
{
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse("{\"errcode\":0,\"errmsg\":\"ok\"}", &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "ok");
    /* No errmsg at all, or no buffer for it. */
    assert_int_equal(parse("{\"errcode\":0}", &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "");
    assert_int_equal(parse("{\"errcode\":0,\"errmsg\":\"ok\"}", &code, NULL, 0), 0);
    assert_int_equal(code, 0);
}

static void test_error_code(void **state)
{
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse("{\"errcode\":310000,\"errmsg\":\"sign not match, more: [test sink]\"}",
                           &code, msg, sizeof(msg)),
                     0);
    assert_int_equal(code, 310000);
    assert_string_equal(msg, "sign not match, more: [test sink]");
    /* WeCom's answer to a wrong key, Chinese as the robots write it. */
    assert_int_equal(parse("{\"errcode\":93000,\"errmsg\":\"invalid webhook url, 无效的地址\"}",
                           &code, msg, sizeof(msg)),
                     0);
    assert_int_equal(code, 93000);
    assert_string_equal(msg, "invalid webhook url, 无效的地址");
    assert_int_equal(parse("{\"errcode\":-1,\"errmsg\":\"system busy\"}", &code, msg, sizeof(msg)),
                     0);
    assert_int_equal(code, -1);
    /* Past long's range: clamped, as strtol clamps, still an error. */
    assert_int_equal(parse("{\"errcode\":99999999999999999999999}", &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, LONG_MAX);
    assert_int_equal(parse("{\"errcode\":-99999999999999999999999}", &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, LONG_MIN);
    /* errmsg that is no string is no message. */
    assert_int_equal(parse("{\"errcode\":7,\"errmsg\":[\"a\"]}", &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, 7);
    assert_string_equal(msg, "");
}

static void test_whitespace(void **state)
{
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse(" \r\n\t{ \"errcode\" :\n 40001 ,\t\"errmsg\"\r\n: \"bad\" }\r\n", &code,
                           msg, sizeof(msg)),
                     0);
    assert_int_equal(code, 40001);
    assert_string_equal(msg, "bad");
}

static void test_member_order(void **state)
{
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse("{\"errmsg\":\"too fast\",\"errcode\":130101}", &code, msg, sizeof(msg)),
                     0);
    assert_int_equal(code, 130101);
    assert_string_equal(msg, "too fast");
    /* Of a member named twice the first counts. */
    assert_int_equal(parse("{\"errcode\":5,\"errmsg\":\"one\",\"errcode\":0,\"errmsg\":\"two\"}",
                           &code, msg, sizeof(msg)),
                     0);
    assert_int_equal(code, 5);
    assert_string_equal(msg, "one");
    /* A key that only starts like errcode, or holds it in an escape. */
    assert_int_equal(
        parse("{\"errcodes\":1,\"err\\\"code\":2,\"errcode\":3}", &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, 3);
}

static void test_nested_before(void **state)
{
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse("{\"data\":{\"errcode\":1,\"list\":[1,[2,{\"x\":\"}]\\\"\"}],null]},"
                           "\"ok\":true,\"n\":-1.5e3,\"errcode\":45009,\"errmsg\":\"limit\"}",
                           &code, msg, sizeof(msg)),
                     0);
    assert_int_equal(code, 45009);
    assert_string_equal(msg, "limit");
}

static void test_missing_errcode(void **state)
{
    (void)state;
    assert_refused("{\"errmsg\":\"ok\"}", -ENOENT);
    assert_refused("{}", -ENOENT);
    assert_refused(" { } \n", -ENOENT);
    /* Nested errcode is not the robot's. */
    assert_refused("{\"data\":{\"errcode\":0}}", -ENOENT);
}

static void test_errcode_not_number(void **state)
{
    (void)state;
    assert_refused("{\"errcode\":\"0\",\"errmsg\":\"ok\"}", -EINVAL);
    assert_refused("{\"errcode\":1.5}", -EINVAL);
    assert_refused("{\"errcode\":1e3}", -EINVAL);
    assert_refused("{\"errcode\":true}", -EINVAL);
    assert_refused("{\"errcode\":null}", -EINVAL);
    assert_refused("{\"errcode\":-}", -EINVAL);
    assert_refused("{\"errcode\":[0]}", -EINVAL);
    assert_refused("{\"errcode\":{}}", -EINVAL);
}

static void test_not_json(void **state)
{
    (void)state;
    assert_refused("", -EBADMSG);
    assert_refused("   ", -EBADMSG);
    assert_refused("ok", -EBADMSG);
    assert_refused("<html><body>502 Bad Gateway</body></html>", -EBADMSG);
    assert_refused("[{\"errcode\":0}]", -EBADMSG);
    assert_refused("{\"errcode\":0,}", -EBADMSG);
    assert_refused("{\"errcode\" 0}", -EBADMSG);
    assert_refused("{errcode:0}", -EBADMSG);
    assert_refused("{\"errcode\":0 \"errmsg\":\"ok\"}", -EBADMSG);
    assert_refused("{\"errcode\":}", -EBADMSG);
}

static void test_truncated(void **state)
{
    static const char *const cut[] = {
        "{",
        "{\"errcode\"",
        "{\"errcode\":",
        "{\"errcode\":0",
        "{\"errcode\":0,",
        "{\"errcode\":0,\"errmsg\":\"o",
        "{\"errcode\":0,\"errmsg\":\"ok\\",
        "{\"errcode\":0,\"errmsg\":\"ok\"",
        "{\"a\":[1,{\"b\":2}",
        "{\"a\":{",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
        assert_refused(cut[i], -EBADMSG);
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    assert_refused("{\"errcode\":0,\"errmsg\":\"ok\"}x", -EBADMSG);
    assert_refused("{\"errcode\":0}{\"errcode\":1}", -EBADMSG);
    assert_refused("{\"errcode\":0}}", -EBADMSG);
    assert_refused("{} x", -EBADMSG);
}

/* The length is the end, not a NUL: a reply cut short by its length is
 * cut, what follows in the buffer unread. And a NUL ends it early, as it
 * did when the reply was a C string. */
static void test_length_not_nul(void **state)
{
    static const char buf[] = "{\"errcode\":0,\"errmsg\":\"ok\"}{garbage";
    const size_t whole = strlen("{\"errcode\":0,\"errmsg\":\"ok\"}");
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse_n(buf, whole, &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, 0);
    assert_string_equal(msg, "ok");
    for (size_t len = 0; len < whole; len++)
        assert_int_equal(parse_n(buf, len, &code, msg, sizeof(msg)), -EBADMSG);
    assert_int_equal(parse_n(buf, sizeof(buf) - 1, &code, msg, sizeof(msg)), -EBADMSG);

    static const char nul[] = "{\"errcode\":3}\0garbage";
    assert_int_equal(parse_n(nul, sizeof(nul) - 1, &code, msg, sizeof(msg)), 0);
    assert_int_equal(code, 3);
    static const char nul_inside[] = "{\"errcode\":3,\"errmsg\":\"a\0b\"}";
    assert_int_equal(parse_n(nul_inside, sizeof(nul_inside) - 1, &code, msg, sizeof(msg)),
                     -EBADMSG);
}

/* text: {"a": depth levels (arrays and objects alternating) around a 0,
 * then errcode. */
static char *nested(int depth)
{
    size_t cap = 64 + 8 * (size_t)depth;
    char *text = malloc(cap);
    size_t n = 0;
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "{\"a\":");
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s", i % 2 ? "{\"b\":" : "[");
    text[n++] = '0';
    for (int i = depth - 1; i >= 0; i--)
        n += (size_t)snprintf(text + n, cap - n, "%s", i % 2 ? "}" : "]");
    snprintf(text + n, cap - n, ",\"errcode\":0}");
    return text;
}

static void test_deep_nesting(void **state)
{
    long code;
    char msg[200];
    char *text;
    (void)state;
    /* The reply's object and 31 levels inside it: the limit, accepted. */
    text = nested(PD_ALERT_REPLY_MAX_DEPTH - 1);
    assert_int_equal(parse(text, &code, msg, sizeof(msg)), 0);
    free(text);
    text = nested(PD_ALERT_REPLY_MAX_DEPTH);
    assert_refused(text, -EBADMSG);
    free(text);
    /* Thousands deep, as 8 KiB of reply can be. */
    text = nested(3000);
    assert_refused(text, -EBADMSG);
    free(text);
}

static void test_long_errmsg(void **state)
{
    char text[3000], msg[200], small[10];
    long code;
    size_t n = 0;
    (void)state;
    n += (size_t)snprintf(text, sizeof(text), "{\"errcode\":1,\"errmsg\":\"");
    for (int i = 0; i < 1000; i++)
        text[n++] = 'x';
    snprintf(text + n, sizeof(text) - n, "\"}");
    assert_int_equal(parse(text, &code, msg, sizeof(msg)), 0);
    assert_int_equal(strlen(msg), 160);
    assert_int_equal(strspn(msg, "x"), 160);
    /* A small buffer: cut, terminated. */
    assert_int_equal(parse(text, &code, small, sizeof(small)), 0);
    assert_string_equal(small, "xxxxxx");
    assert_int_equal(parse(text, &code, small, 1), 0);
    assert_string_equal(small, "");

    /* Chinese is cut between characters, never inside one. */
    n = (size_t)snprintf(text, sizeof(text), "{\"errcode\":1,\"errmsg\":\"");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "关");
    snprintf(text + n, sizeof(text) - n, "\"}");
    assert_int_equal(parse(text, &code, msg, sizeof(msg)), 0);
    assert_int_equal(strlen(msg), 162);
    assert_int_equal(pd_utf8_valid(msg, strlen(msg), NULL), 1);
}

/* errmsg's JSON escapes are shown as they came (the robots' own words
 * are plain text); raw control characters and invalid UTF-8, which a
 * lenient reader lets through, become one space each run. */
static void test_errmsg_escapes(void **state)
{
    long code;
    char msg[200];
    (void)state;
    assert_int_equal(parse("{\"errcode\":2,\"errmsg\":\"line\\none \\u4e2d\\\"q\\\" \\\\\"}", &code,
                           msg, sizeof(msg)),
                     0);
    assert_string_equal(msg, "line\\none \\u4e2d\\\"q\\\" \\\\");
    assert_int_equal(parse("{\"errcode\":2,\"errmsg\":\"\r\n a\x01\x1b[31m\tb\x7f\xc2\x9b"
                           "c\xff\xfe"
                           "d \n\"}",
                           &code, msg, sizeof(msg)),
                     0);
    assert_string_equal(msg, " a [31m b c d");
}

static void test_snippet(void **state)
{
    char buf[200];
    (void)state;
    const char *page = "\n\n<html>\r\n<h1>502</h1>\r\n</html>\n";
    pd_alert_reply_snippet(page, strlen(page), buf, sizeof(buf));
    assert_string_equal(buf, "<html> <h1>502</h1> </html>");
    pd_alert_reply_snippet("a\0b", 3, buf, sizeof(buf));
    assert_string_equal(buf, "a b");
    pd_alert_reply_snippet("abc", 0, buf, sizeof(buf));
    assert_string_equal(buf, "");
    pd_alert_reply_snippet("abcdef", 6, buf, 5);
    assert_string_equal(buf, "a");
    buf[0] = 'z';
    pd_alert_reply_snippet("abc", 3, buf, 0);
    assert_int_equal(buf[0], 'z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_error_code),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_member_order),
        cmocka_unit_test(test_nested_before),
        cmocka_unit_test(test_missing_errcode),
        cmocka_unit_test(test_errcode_not_number),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_length_not_nul),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_long_errmsg),
        cmocka_unit_test(test_errmsg_escapes),
        cmocka_unit_test(test_snippet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
