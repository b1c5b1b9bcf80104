#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text_table.h"
#include "utf8.h"

#define FFFD "\xef\xbf\xbd"

/* Print t into a string (freed by the caller). */
static char *render(const struct pd_table *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    assert_int_equal(pd_table_print(t, f), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(pd_text_width(""), 0);
    assert_int_equal(pd_text_width(NULL), 0);
    assert_int_equal(pd_text_width("gy-mcu-01"), 9);
    assert_int_equal(pd_text_width("贵阳市会议终端01"), 16);
    /* Full-width digits and Hangul are wide too; a combining accent is not. */
    assert_int_equal(pd_text_width("０１"), 4);
    assert_int_equal(pd_text_width("한국"), 4);
    assert_int_equal(pd_text_width("e\xcc\x81"), 1);
}

static void test_chinese_alignment(void **state)
{
    const char *headers[] = {"NAME", "STATE", "RTT"};
    const char *row1[] = {"贵阳市会议终端01", "UP", "0.41"};
    const char *row2[] = {"gy-01", "DOWN", "12.5"};
    const char *row3[] = {"遵义", NULL, NULL};
    struct pd_table *t = pd_table_new(3, headers);
    char *text;

    (void)state;
    assert_non_null(t);
    pd_table_set_align(t, 2, PD_ALIGN_RIGHT);
    assert_int_equal(pd_table_add_row(t, row1), 0);
    assert_int_equal(pd_table_add_row(t, row2), 0);
    assert_int_equal(pd_table_add_row(t, row3), 0);
    assert_int_equal(pd_table_rows(t), 3);
    text = render(t);
    /* STATE starts at display column 18 on every line: the 16-column name
     * plus two spaces. The last row has no trailing blanks. */
    assert_string_equal(text, "NAME              STATE   RTT\n"
                              "贵阳市会议终端01  UP     0.41\n"
                              "gy-01             DOWN   12.5\n"
                              "遵义\n");
    free(text);
    pd_table_free(t);
}

static void test_truncation(void **state)
{
    const char *headers[] = {"NAME", "X"};
    const char *row1[] = {"贵阳市会议终端01", "a"};
    const char *row2[] = {"abcdefghij", "b"};
    const char *row3[] = {"abcdefgh", "c"};
    struct pd_table *t = pd_table_new(2, headers);
    char *text;

    (void)state;
    assert_non_null(t);
    pd_table_set_max_width(t, 0, 8);
    assert_int_equal(pd_table_add_row(t, row1), 0);
    assert_int_equal(pd_table_add_row(t, row2), 0);
    assert_int_equal(pd_table_add_row(t, row3), 0);
    text = render(t);
    /* "会" would end at column 8, leaving no room for the ellipsis: the cut
     * name is 7 columns wide and padded to 8; never half a character. */
    assert_string_equal(text, "NAME      X\n"
                              "贵阳市…   a\n"
                              "abcdefg…  b\n"
                              "abcdefgh  c\n");
    free(text);
    pd_table_free(t);
}

static void test_truncation_to_one_column(void **state)
{
    const char *headers[] = {"AB", "C"};
    const char *row[] = {"贵阳", "c"};
    struct pd_table *t = pd_table_new(2, headers);
    char *text;

    (void)state;
    assert_non_null(t);
    pd_table_set_max_width(t, 0, 1);
    assert_int_equal(pd_table_add_row(t, row), 0);
    text = render(t);
    assert_string_equal(text, "…  C\n…  c\n");
    free(text);
    pd_table_free(t);
}

static void test_invalid_bytes(void **state)
{
    const char *headers[] = {"A", "B"};
    /* A stray byte, a truncated CJK sequence, a newline, an overlong '/',
     * a UTF-16 surrogate. */
    const char *row1[] = {"ab\xff"
                          "cd",
                          "x"};
    const char *row2[] = {"\xe8\xb4", "y"};
    const char *row3[] = {"a\nb\tc", "z"};
    const char *row4[] = {"\xc0\xaf", "w"};
    const char *row5[] = {"\xed\xa0\x80", "v"};
    struct pd_table *t = pd_table_new(2, headers);
    char *text;

    (void)state;
    assert_non_null(t);
    assert_int_equal(pd_text_width("ab\xff"
                                   "cd"),
                     5);
    assert_int_equal(pd_text_width("\xe8\xb4"), 1);
    assert_int_equal(pd_table_add_row(t, row1), 0);
    assert_int_equal(pd_table_add_row(t, row2), 0);
    assert_int_equal(pd_table_add_row(t, row3), 0);
    assert_int_equal(pd_table_add_row(t, row4), 0);
    assert_int_equal(pd_table_add_row(t, row5), 0);
    text = render(t);
    assert_string_equal(text,
                        "A      B\n"
                        "ab" FFFD "cd  x\n" FFFD "      y\n"
                        "a" FFFD "b" FFFD "c  z\n" FFFD FFFD "     w\n" FFFD FFFD FFFD "    v\n");
    free(text);
    pd_table_free(t);
}

static void test_utf8_decode(void **state)
{
    uint32_t cp;

    (void)state;
    assert_int_equal(pd_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(pd_utf8_decode("\xe8\xb4\xb5", 3, &cp), 3);
    assert_int_equal(cp, 0x8D35); /* 贵 */
    assert_int_equal(pd_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* Truncated by the length given, not by a NUL. */
    assert_int_equal(pd_utf8_decode("\xe8\xb4\xb5", 2, &cp), 2);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(pd_utf8_decode("\xe8"
                                    "A",
                                    2, &cp),
                     1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(pd_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 1); /* > U+10FFFF */
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(pd_utf8_decode("\xe0\x80\xaf", 3, &cp), 1); /* overlong */
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(pd_utf8_decode("\x80", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width),         cmocka_unit_test(test_chinese_alignment),
        cmocka_unit_test(test_truncation),    cmocka_unit_test(test_truncation_to_one_column),
        cmocka_unit_test(test_invalid_bytes), cmocka_unit_test(test_utf8_decode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
