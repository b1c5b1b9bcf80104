#include "test_files.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "inventory.h"
#include "utf8.h"

static struct pd_template templates[] = {{.name = "codec"}, {.name = "switch"}};
static struct pd_profile_conf snmp_profiles[] = {{.name = "core-v3"}, {.name = "edge-v2"}};
static struct pd_plugin_conf plugins[] = {
    {.name = "snmp", .profiles = snmp_profiles, .n_profiles = 2}};
static const struct pd_config cfg = {
    .templates = templates, .n_templates = 2, .plugins = plugins, .n_plugins = 1};

static struct pd_target_list list;
static char err[8192];

static int setup(void **state)
{
    (void)state;
    err[0] = '\0';
    pd_target_list_init(&list);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pd_target_list_free(&list);
    return 0;
}

static int parse_n(const char *text, size_t len)
{
    return pd_inventory_parse(&list, &cfg, "inv.csv", text, len, err, sizeof(err));
}

static int parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static void expect_error(const char *line)
{
    if (!test_has_line(err, line)) {
        print_error("no line starting with\n  %s\nin:\n%s", line, err);
        fail();
    }
}

static void expect_target(size_t i, const char *id, const char *name, const char *address,
                          const char *type, const char *site, int line)
{
    assert_true(i < list.n);
    const struct pd_target_conf *t = &list.v[i];
    assert_string_equal(t->id, id);
    assert_string_equal(t->name, name);
    assert_string_equal(t->address, address);
    assert_string_equal(t->type, type);
    assert_string_equal(t->site, site);
    assert_non_null(t->tmpl);
    assert_string_equal(t->tmpl->name, type);
    assert_string_equal(t->at.file, "inv.csv");
    assert_int_equal(t->at.line, line);
}

static void test_plain(void **state)
{
    (void)state;
    assert_int_equal(parse("id,name,address,type,site\n"
                           "gy-codec-01,贵阳市会议终端,10.20.1.10,codec,guizhou/guiyang\n"
                           "gy-sw-01,核心交换机,sw1.example.net,switch,guizhou/guiyang\n"
                           "v6,IPv6 device,2001:db8::1,switch,guizhou\n"),
                     0);
    assert_string_equal(err, "");
    assert_int_equal(list.n, 3);
    expect_target(0, "gy-codec-01", "贵阳市会议终端", "10.20.1.10", "codec", "guizhou/guiyang", 2);
    expect_target(1, "gy-sw-01", "核心交换机", "sw1.example.net", "switch", "guizhou/guiyang", 3);
    expect_target(2, "v6", "IPv6 device", "2001:db8::1", "switch", "guizhou", 4);
}

static void test_bom_and_crlf(void **state)
{
    (void)state;
    assert_int_equal(parse("\xef\xbb\xbfid,name,address,type,site\r\n"
                           "a,甲,10.0.0.1,codec,x\r\n"
                           "b,乙,10.0.0.2,codec,x\r\n"
                           "c,,10.0.0.3,codec,x"), /* no final line break */
                     0);
    assert_int_equal(list.n, 3);
    expect_target(0, "a", "甲", "10.0.0.1", "codec", "x", 2);
    expect_target(1, "b", "乙", "10.0.0.2", "codec", "x", 3);
    expect_target(2, "c", "c", "10.0.0.3", "codec", "x", 4); /* empty name: the id */
}

static void test_quotes(void **state)
{
    (void)state;
    assert_int_equal(parse("id,name,address,type,site\n"
                           "\"a\",\"Room 1, \"\"big\"\" one\",\"10.0.0.1\",codec,x\n"
                           "b,\"two\r\nlines\",10.0.0.2,codec,x\n"
                           "c, \"spaced\" ,10.0.0.3,codec,x\n"
                           "d,\"\",10.0.0.4,codec,x\n"),
                     0);
    assert_int_equal(list.n, 4);
    expect_target(0, "a", "Room 1, \"big\" one", "10.0.0.1", "codec", "x", 2);
    /* A line break inside a cell: one space in a display name. */
    expect_target(1, "b", "two lines", "10.0.0.2", "codec", "x", 3);
    expect_target(2, "c", "spaced", "10.0.0.3", "codec", "x", 5);
    expect_target(3, "d", "d", "10.0.0.4", "codec", "x", 6);
}

static void test_comments_and_blank_lines(void **state)
{
    (void)state;
    assert_int_equal(parse("# exported from the asset sheet\n"
                           "\n"
                           "id,address,type,site\n"
                           "   \n"
                           "# retired: old-1,10.0.0.9,codec,x\n"
                           "a,10.0.0.1,codec,x\n"
                           "\r\n"
                           "b,10.0.0.2,codec,x\n"),
                     0);
    assert_int_equal(list.n, 2);
    expect_target(0, "a", "a", "10.0.0.1", "codec", "x", 6);
    expect_target(1, "b", "b", "10.0.0.2", "codec", "x", 8);
}

static void test_header_order_and_case(void **state)
{
    (void)state;
    assert_int_equal(parse(" Site ,TYPE,Address,Name,iD\n"
                           "guizhou/anshun,switch,10.0.0.1,安顺交换机,as-sw-01\n"),
                     0);
    assert_int_equal(list.n, 1);
    expect_target(0, "as-sw-01", "安顺交换机", "10.0.0.1", "switch", "guizhou/anshun", 2);
    assert_int_equal(list.v[0].at.col, 1);
}

static void test_header_errors(void **state)
{
    (void)state;
    assert_int_equal(parse("id,name,adress,type,site,snmp\n"
                           "a,b,10.0.0.1,codec,x,public\n"),
                     -EINVAL);
    expect_error("inv.csv:1:9: unknown column 'adress' (expected: id, name, address, type, site, "
                 "snmp_profile)");
    expect_error("inv.csv:1:26: unknown column 'snmp'");
    assert_int_equal(list.n, 0);

    err[0] = '\0';
    assert_int_equal(parse("id,name,type,site,Name\n"), -EINVAL);
    expect_error("inv.csv:1:19: column 'Name' appears twice");

    err[0] = '\0';
    assert_int_equal(parse("id,name,type\n"), -EINVAL);
    expect_error("inv.csv:1:1: missing column 'address' (expected: id, name, address, type, "
                 "site, snmp_profile)");
    expect_error("inv.csv:1:1: missing column 'site'");

    err[0] = '\0';
    assert_int_equal(parse("# nothing but a comment\n\n"), -EINVAL);
    assert_string_equal(
        err, "inv.csv: no header row (expected columns id, name, address, type, site)\n");
    err[0] = '\0';
    assert_int_equal(parse(""), -EINVAL);
    expect_error("inv.csv: no header row");
}

/* The optional snmp_profile column: a profile of plugins.snmp.profiles,
 * empty for the check's own. */
static void test_snmp_profile(void **state)
{
    (void)state;
    assert_int_equal(parse("id,address,type,site,SNMP_Profile\n"
                           "gy-sw-01,10.0.0.1,switch,guizhou,core-v3\n"
                           "gy-sw-02,10.0.0.2,switch,guizhou,\n"
                           "gy-sw-03,10.0.0.3,switch,guizhou,core-v2\n"
                           "gy-sw-04,10.0.0.4,switch,guizhou,Bad Name\n"),
                     -EINVAL);
    assert_int_equal(list.n, 2);
    assert_string_equal(list.v[0].snmp_profile, "core-v3");
    assert_string_equal(pd_target_field(&list.v[0], PD_TF_SNMP_PROFILE), "core-v3");
    assert_null(list.v[1].snmp_profile);
    assert_string_equal(pd_target_field(&list.v[1], PD_TF_SNMP_PROFILE), "");
    assert_string_equal(pd_target_profile(&list.v[0], "snmp"), "core-v3");
    assert_null(pd_target_profile(&list.v[0], "icmp"));
    expect_error("inv.csv:4:34: unknown SNMP profile 'core-v2': no profile of that name in "
                 "plugins.snmp.profiles (defined: core-v3, edge-v2)");
    expect_error("inv.csv:5:34: unknown SNMP profile 'Bad Name'");

    /* Without any profile defined, the message says so. */
    static const struct pd_config bare = {.templates = templates, .n_templates = 2};
    err[0] = '\0';
    pd_target_list_free(&list);
    pd_target_list_init(&list);
    assert_int_equal(pd_inventory_parse(&list, &bare, "inv.csv",
                                        "id,address,type,site,snmp_profile\n"
                                        "a,10.0.0.1,switch,x,core-v3\n",
                                        62, err, sizeof(err)),
                     -EINVAL);
    expect_error("inv.csv:2:21: unknown SNMP profile 'core-v3': no profile of that name in "
                 "plugins.snmp.profiles (none defined)");
}

static void test_bad_rows(void **state)
{
    (void)state;
    /* Bad rows are reported with their line; good rows still load. */
    assert_int_equal(parse("id,name,address,type,site\n"
                           "ok-1,好,10.0.0.1,codec,x\n"
                           "short,10.0.0.2,codec,x\n"
                           "Bad,名,10.0.0.3,codec,x\n"
                           "ok-2,\"multi\nline\",10.0.0.4,codec,x\n"
                           "addr,名,10.0.0.256,codec,x/y\n"
                           "tmpl,名,10.0.0.5,router,x/\n"
                           "ok-1,again,10.0.0.6,codec,x\n"
                           "ctl,\"a\x01b\",10.0.0.7,codec,x\n"
                           "ok-3,名,10.0.0.8,codec,x\n"),
                     -EINVAL);
    expect_error("inv.csv:3: expected 5 fields as in the header, got 4");
    expect_error("inv.csv:4:1: invalid target id 'Bad'");
    expect_error("inv.csv:7:8: invalid address '10.0.0.256'");
    expect_error("inv.csv:8:17: unknown type 'router': no template of that name (templates: "
                 "codec, switch)");
    expect_error("inv.csv:8:24: invalid site 'x/'");
    expect_error("inv.csv:9:1: duplicate target id 'ok-1' (first defined at inv.csv:2)");
    expect_error("inv.csv:10:5: invalid name");
    assert_int_equal(test_count_lines(err), 7);
    assert_int_equal(list.n, 3);
    expect_target(0, "ok-1", "好", "10.0.0.1", "codec", "x", 2);
    expect_target(1, "ok-2", "multi line", "10.0.0.4", "codec", "x", 5);
    expect_target(2, "ok-3", "名", "10.0.0.8", "codec", "x", 11);
}

static void test_malformed_quotes(void **state)
{
    (void)state;
    assert_int_equal(parse("id,name,address,type,site\n"
                           "a,\"x\"y,10.0.0.1,codec,x\n"
                           "b,x\"y,10.0.0.2,codec,x\n"
                           "c,ok,10.0.0.3,codec,x\n"
                           "d,\"never closed,10.0.0.4,codec,x\n"
                           "e,lost,10.0.0.5,codec,x\n"),
                     -EINVAL);
    expect_error("inv.csv:2:6: unexpected text after a closing quote");
    expect_error("inv.csv:3:4: quote inside an unquoted field (quote the whole field and double "
                 "the quotes inside it)");
    expect_error("inv.csv:5:3: quoted field not closed before the end of the file");
    assert_int_equal(test_count_lines(err), 3);
    assert_int_equal(list.n, 1);
    expect_target(0, "c", "ok", "10.0.0.3", "codec", "x", 4);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    assert_int_equal(parse("id,name,address,type,site\n"
                           "a,好,10.0.0.1,codec,x\n"
                           "b,\xe5\xa5,10.0.0.2,codec,x\n"),
                     -EINVAL);
    assert_string_equal(err, "inv.csv:3:3: invalid UTF-8 (save the file as UTF-8)\n");
    assert_int_equal(list.n, 0); /* the whole file is refused */

    /* GBK, as saved by some spreadsheet programs. */
    err[0] = '\0';
    assert_int_equal(parse("id,name,address,type,site\na,\xb9\xf3\xd1\xf4,10.0.0.1,codec,x\n"),
                     -EINVAL);
    expect_error("inv.csv:2:3: invalid UTF-8");

    err[0] = '\0';
    static const char nul[] = "id,name,address,type,site\na,x\0y,10.0.0.1,codec,x\n";
    assert_int_equal(parse_n(nul, sizeof(nul) - 1), -EINVAL);
    expect_error("inv.csv:2:4: NUL byte in the text");
}

static void test_utf8_validator(void **state)
{
    (void)state;
    size_t bad = 99;
    assert_true(pd_utf8_valid("", 0, &bad));
    assert_true(pd_utf8_valid("abc 贵州 😀", strlen("abc 贵州 😀"), &bad));
    assert_false(pd_utf8_valid("a\xc0\xaf", 3, &bad)); /* overlong '/' */
    assert_int_equal(bad, 1);
    assert_false(pd_utf8_valid("\xed\xa0\x80", 3, &bad)); /* a surrogate */
    assert_int_equal(bad, 0);
    assert_false(pd_utf8_valid("\xf4\x90\x80\x80", 4, &bad)); /* past U+10FFFF */
    assert_false(pd_utf8_valid("ab\xe8\xb4", 4, &bad));       /* cut short */
    assert_int_equal(bad, 2);
    assert_false(pd_utf8_valid("\x80", 1, &bad));
    assert_false(pd_utf8_valid("\xff", 1, &bad));
    assert_false(pd_utf8_valid("a\0b", 3, &bad));
    assert_int_equal(bad, 1);
}

/* Every truncation of a tricky file, and bytes flipped in it: no crash
 * (ASan watches), and no target without all its fields. */
static void test_truncations_and_damage(void **state)
{
    (void)state;
    static const char text[] = "\xef\xbb\xbf# c\r\nid,\"name\",address,type,site\r\n"
                               "a,\"x,\"\"y\"\"\r\nz\",10.0.0.1,codec,x/y\r\n"
                               "b,名,h.example,switch,x\n\n";
    char copy[sizeof(text)];
    for (size_t len = 0; len < sizeof(text) - 1; len++) {
        err[0] = '\0';
        parse_n(text, len);
    }
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, text, sizeof(copy));
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % (sizeof(copy) - 1)] = (char)(seed >> 20);
        }
        err[0] = '\0';
        parse_n(copy, sizeof(copy) - 1);
    }
    for (size_t i = 0; i < list.n; i++) {
        assert_non_null(list.v[i].id);
        assert_non_null(list.v[i].name);
        assert_non_null(list.v[i].tmpl);
    }
}

/* The realistic inventory: 540 devices of a province-wide
 * video-conferencing network, through the real configuration loader. */
static void test_guizhou_inventory(void **state)
{
    (void)state;
    struct pd_config *loaded;
    const char *path = PD_TEST_DATA_DIR "/config/guizhou.yaml";
    int rc = pd_config_load(path, &loaded, err, sizeof(err));
    if (rc)
        print_error("%s", err);
    assert_int_equal(rc, 0);
    assert_int_equal(loaded->n_targets, 540);

    static const struct {
        const char *type;
        size_t n;
    } counts[] = {{"camera", 302}, {"codec", 112},   {"display", 1},  {"firewall", 1}, {"mcu", 10},
                  {"platform", 1}, {"recorder", 12}, {"switch", 100}, {"ups", 1}};
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        size_t n = 0;
        for (size_t i = 0; i < loaded->n_targets; i++) {
            const struct pd_target_conf *t = &loaded->targets[i];
            assert_non_null(t->tmpl);
            assert_string_equal(t->tmpl->name, t->type);
            n += strcmp(t->type, counts[k].type) == 0;
        }
        assert_int_equal(n, counts[k].n);
    }
    const struct pd_target_conf *first = &loaded->targets[0];
    assert_string_equal(first->id, "prov-ismp");
    assert_string_equal(first->name, "综合会议业务管理系统");
    assert_string_equal(first->address, "10.20.0.2");
    assert_string_equal(first->site, "guizhou/province");
    assert_int_equal(first->at.line, 2);
    assert_non_null(strstr(first->at.file, "guizhou-videoconf.csv"));
    const struct pd_target_conf *mcu = &loaded->targets[1];
    assert_string_equal(mcu->name, "云媒体协作平台（省级）");
    assert_string_equal(mcu->tmpl->severity, "emergency");
    assert_int_equal(loaded->targets[539].at.line, 541);
    pd_config_free(loaded);
}

static void test_load_io_error(void **state)
{
    (void)state;
    assert_int_equal(pd_inventory_load(&list, &cfg, "/nonexistent/inv.csv", err, sizeof(err)),
                     -ENOENT);
    assert_string_equal(err, "/nonexistent/inv.csv: No such file or directory\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_and_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments_and_blank_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_order_and_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snmp_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_quotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test(test_utf8_validator),
        cmocka_unit_test_setup_teardown(test_truncations_and_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guizhou_inventory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_io_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
