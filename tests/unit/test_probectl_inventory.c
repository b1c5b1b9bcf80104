/* probectl inventory on real files: a configuration in a temporary
 * directory, loaded as probectl loads it, its managed file imported,
 * exported, changed; an event store written with the storage's own writes
 * where retired ids and states matter. probed does not run here: every
 * change ends with "probed is not running". */
#include "test_cmd.h"
#include "test_files.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "db_write.h"
#include "inventory_file.h"
#include "probectl_inventory.h"
#include "text_table.h"
#include "timefmt.h"
#include "yaml_tree.h"

#define N_BIG 1000

struct fixture {
    char dir[PATH_MAX];
    char main[PATH_MAX + 32], managed[PATH_MAX + 32];
    char *out, *err;
};

static const char main_yaml[] =
    "data_dir: ./data\n"
    "timezone: Asia/Shanghai\n"
    "plugin_dir: " PD_TEST_PLUGIN_DIR "\n"
    "plugins:\n"
    "  snmp:\n"
    "    profiles:\n"
    "      core-v2: { version: 2c, community: pd-public }\n"
    "templates:\n"
    "  platform: { checks: [{ id: web, type: tcp, port: 443 }] }\n"
    "  mcu: { checks: [{ id: sip, type: tcp, port: 5060 }] }\n"
    "  recorder: { checks: [{ id: web, type: tcp, port: 80 }] }\n"
    "  codec: { checks: [{ id: sip, type: tcp, port: 5060 }] }\n"
    "  camera: { checks: [{ id: rtsp, type: tcp, port: 554 }] }\n"
    "  switch: { checks: [{ id: ssh, type: tcp, port: 22 }] }\n"
    "  display: { checks: [{ id: web, type: tcp, port: 80 }] }\n"
    "  firewall: { checks: [{ id: ssh, type: tcp, port: 22 }] }\n"
    "  ups: { checks: [{ id: web, type: tcp, port: 80 }] }\n"
    "inventory: [ \"inventory/*.csv\" ]\n"
    "targets:\n"
    "  - { id: prov-ismp-yaml, name: 综合会议业务管理系统（主文件）, address: 10.20.0.200,\n"
    "      type: platform, site: guizhou/province }\n";

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[PATH_MAX + 32];
    assert_non_null(f);
    assert_int_equal(test_dir_make(f->dir), 0);
    assert_int_equal(test_write(f->dir, "probed.yaml", main_yaml, strlen(main_yaml), path), 0);
    snprintf(f->main, sizeof(f->main), "%s", path);
    snprintf(f->managed, sizeof(f->managed), "%s/inventory/devices.csv", f->dir);
    snprintf(path, sizeof(path), "%s/inventory", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/data", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    char err[256];
    assert_int_equal(pd_time_set_zone("Asia/Shanghai", err, sizeof(err)), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_dir_remove(f->dir);
    free(f->out);
    free(f->err);
    free(f);
    return 0;
}

/* probectl -c main inventory ARGS... (NULL-terminated), the configuration
 * loaded afresh as each probectl run loads it. Output in f->out, f->err. */
static int inv(struct fixture *f, ...)
{
    char err[8192];
    struct pd_config *cfg;
    va_list ap;

    if (pd_config_load(f->main, &cfg, err, sizeof(err)) < 0)
        fail_msg("the configuration does not load:\n%s", err);
    va_start(ap, f);
    int rc = test_cmd_vrun(pd_cmd_inventory, cfg, "inventory", ap, &f->out, &f->err);
    va_end(ap);
    pd_config_free(cfg);
    if (getenv("PD_TEST_VERBOSE"))
        fprintf(stderr, "inventory -> %d\n--- out:\n%s--- err:\n%s", rc, f->out, f->err);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    char *text, err[512];
    size_t n;
    if (pd_read_file(path, &text, &n, err, sizeof(err)) < 0)
        return NULL;
    if (len)
        *len = n;
    return text;
}

static void write_file(struct fixture *f, const char *name, const char *text, char *path)
{
    assert_int_equal(test_write(f->dir, name, text, strlen(text), path), 0);
}

static int has_line(const char *text, const char *prefix)
{
    return test_has_line(text, prefix);
}

/* The line of text that holds every one of parts (NULL-terminated) in
 * that order, or NULL; *end: where it ends. */
static const char *line_with(const char *text, const char **end, ...)
{
    for (const char *line = text; line && *line;) {
        const char *e = strchr(line, '\n'), *p = line, *part;
        int ok = 1;
        va_list ap;
        va_start(ap, end);
        while (ok && (part = va_arg(ap, const char *))) {
            p = strstr(p, part);
            ok = p && (!e || p < e);
            if (ok)
                p += strlen(part);
        }
        va_end(ap);
        if (ok) {
            *end = e ? e : line + strlen(line);
            return line;
        }
        line = e ? e + 1 : NULL;
    }
    return NULL;
}

/* The display column (Chinese characters two wide) at which needle
 * starts in the line that holds key; -1 when none does. */
static int column_of(const char *text, const char *key, const char *needle)
{
    const char *end, *line = line_with(text, &end, key, (const char *)NULL), *hit;
    char prefix[2048];
    if (!line || !(hit = strstr(line, needle)) || hit > end ||
        (size_t)(hit - line) >= sizeof(prefix))
        return -1;
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(hit - line), line);
    return (int)pd_text_width(prefix);
}

#define LINE_WITH(text, ...)                                                                       \
    do {                                                                                           \
        const char *end_;                                                                          \
        if (!line_with(text, &end_, __VA_ARGS__, (const char *)NULL))                              \
            fail_msg("no line with " #__VA_ARGS__ " in:\n%s", text);                               \
    } while (0)

static void expect_line(const char *text, const char *prefix)
{
    if (!has_line(text, prefix))
        fail_msg("no line starting with\n  %s\nin:\n%s", prefix, text);
}

/* The 540 devices of tests/data (a real province's shape) and 460 more in
 * the same style, as one spreadsheet: BOM, CRLF, Chinese names. */
static char *big_inventory(void)
{
    char *text = slurp(PD_TEST_DATA_DIR "/inventory/guizhou-videoconf.csv", NULL);
    FILE *out;
    char *big = NULL, *save = NULL;
    size_t len, n = 0;
    char *rows[600];

    assert_non_null(text);
    out = open_memstream(&big, &len);
    assert_non_null(out);
    fputs("\xef\xbb\xbfid,name,address,type,site\r\n", out);
    strtok_r(text, "\r\n", &save); /* the header */
    for (char *line; n < 600 && (line = strtok_r(NULL, "\r\n", &save));)
        rows[n++] = line;
    assert_int_equal(n, 540);
    for (size_t i = 0; i < N_BIG; i++) {
        char *copy = strdup(rows[i % n]), *field[5], *p = copy;
        for (int k = 0; k < 5; k++)
            field[k] = strsep(&p, ",");
        assert_non_null(field[4]);
        if (i < n)
            fprintf(out, "%s,%s,%s,%s,%s\r\n", field[0], field[1], field[2], field[3], field[4]);
        else /* the stand-by twin of a real device */
            fprintf(out, "%s-b,%s（备用）,10.21.%zu.%zu,%s,%s\r\n", field[0], field[1], i / 200,
                    i % 200 + 1, field[3], field[4]);
        free(copy);
    }
    fclose(out);
    free(text);
    return big;
}

static void expect_unchanged(const char *path, const char *before, size_t before_len,
                             const struct stat *st_before)
{
    size_t len;
    struct stat st;
    char *now = slurp(path, &len);
    assert_non_null(now);
    assert_int_equal(len, before_len);
    assert_memory_equal(now, before, len);
    free(now);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, st_before->st_mtim.tv_sec);
    assert_int_equal(st.st_mtim.tv_nsec, st_before->st_mtim.tv_nsec);
    assert_int_equal(st.st_ino, st_before->st_ino); /* not even renamed over */
}

/* 1,000 devices with Chinese names into a new file; again: nothing. */
static void test_import_big_then_again(void **state)
{
    struct fixture *f = *state;
    char src[PATH_MAX];
    char *big = big_inventory();
    write_file(f, "big.csv", big, src);

    /* No inventory file yet: the new one is named. */
    assert_int_equal(inv(f, "import", src, NULL), 1);
    assert_non_null(strstr(f->err, "no inventory file exists yet"));
    assert_int_equal(inv(f, "import", src, "--file", f->managed, NULL), 0);
    expect_line(f->out, f->managed); /* the summary */
    assert_non_null(strstr(f->out, ": 1000 added, 0 changed, 0 retired, 1 unchanged"));
    LINE_WITH(f->out, "added ", " prov-mcu-01 ", " 云媒体协作平台（省级） ",
              " 10.20.0.3, mcu, guizhou/province");
    /* Chinese names aligned: DETAILS starts where the heading does. */
    int details = column_of(f->out, "CHANGE", "DETAILS");
    assert_true(details > 0);
    assert_int_equal(column_of(f->out, "prov-mcu-01 ", "10.20.0.3"), details);
    assert_int_equal(column_of(f->out, "anshun-cam-01-b", "10.21."), details);
    assert_non_null(strstr(f->out, "wrote "));
    assert_non_null(strstr(f->out, "(1001 devices in all sources)"));
    expect_line(f->out, "probed is not running: the change takes effect when it starts");
    /* A new file takes the imported file's bytes and style. */
    size_t len;
    char *written = slurp(f->managed, &len);
    assert_int_equal(len, strlen(big));
    assert_memory_equal(written, big, len);
    free(written);

    /* The same file again: no change, and the file is not touched. */
    struct stat st;
    assert_int_equal(stat(f->managed, &st), 0);
    assert_int_equal(inv(f, "import", src, NULL), 0);
    assert_non_null(strstr(f->out, ": 0 added, 0 changed, 0 retired, 1001 unchanged"));
    expect_line(f->out, "no changes: ");
    expect_unchanged(f->managed, big, strlen(big), &st);

    /* The same devices sorted otherwise, without the BOM, LF: still none. */
    char *lf = strdup(big + 3), *w = lf;
    for (const char *r = lf; *r; r++)
        if (*r != '\r')
            *w++ = *r;
    *w = '\0';
    write_file(f, "lf.csv", lf, src);
    assert_int_equal(inv(f, "import", src, NULL), 0);
    expect_line(f->out, "no changes: ");
    expect_unchanged(f->managed, big, strlen(big), &st);
    free(lf);

    /* list sees them, Chinese names aligned. */
    assert_int_equal(inv(f, "list", "--type", "mcu", NULL), 0);
    expect_line(f->out,
                "19 devices: 0 up, 0 down, 19 unknown; times in Asia/Shanghai (no event store yet");
    expect_line(f->out, "prov-mcu-01  ");
    assert_int_equal(inv(f, "list", "--site", "guizhou/zunyi", "--format", "csv", "--no-bom", NULL),
                     0);
    assert_true(strncmp(f->out, "id,name,address,type,site,state,since,source\r\n", 46) == 0);
    assert_null(strstr(f->out, "guizhou/zunyi2")); /* whole segments only */
    free(big);
}

/* Five different errors: all five, each with its row and column, and
 * the managed file as it was. */
static void test_five_errors(void **state)
{
    struct fixture *f = *state;
    char src[PATH_MAX], *before;
    size_t len;
    struct stat st;
    write_file(f, "inventory/devices.csv",
               "id,name,address,type,site\n"
               "gy-codec-01,贵阳市会议终端01,10.20.1.10,codec,guizhou/guiyang\n",
               src);
    before = slurp(f->managed, &len);
    assert_int_equal(stat(f->managed, &st), 0);
    write_file(f, "bad.csv",
               "\xef\xbb\xbfid,name,address,type,site\r\n"
               "gy-codec-01,贵阳市会议终端01,10.20.1.10,codec,guizhou/guiyang\r\n"
               "GY_Codec_02,贵阳市会议终端02,10.20.1.11,codec,guizhou/guiyang\r\n"
               "gy-codec-01,贵阳市会议终端01（重复）,10.20.1.12,codec,guizhou/guiyang\r\n"
               "gy-cam-04,贵阳市摄像头04,10.20.1.256,camera,guizhou/guiyang\r\n"
               "gy-rtr-05,贵阳市路由器05,10.20.1.15,router,guizhou/guiyang\r\n"
               "gy-cam-06,贵阳市摄像头06,10.20.1.16,camera,guizhou/Gui Yang\r\n",
               src);
    assert_int_equal(inv(f, "import", src, NULL), 1);
    char want[PATH_MAX + 200];
#define EXPECT_AT(line_col, msg)                                                                   \
    snprintf(want, sizeof(want), "%s:%s: %s", src, line_col, msg);                                 \
    expect_line(f->err, want)
    EXPECT_AT("3:1", "invalid target id 'GY_Codec_02'");
    EXPECT_AT("4:1", "duplicate target id 'gy-codec-01' (first defined at");
    EXPECT_AT("5:20", "invalid address '10.20.1.256'");
    EXPECT_AT("6:31", "unknown type 'router': no template of that name");
    EXPECT_AT("7:38", "invalid site 'guizhou/Gui Yang'");
#undef EXPECT_AT
    expect_line(f->err, "probectl inventory import: 5 errors; nothing was changed");
    assert_string_equal(f->out, "");
    expect_unchanged(f->managed, before, len, &st);

    /* The same as JSON, for a machine. */
    assert_int_equal(inv(f, "import", src, "--format", "json", NULL), 1);
    assert_non_null(strstr(f->out, "\"valid\": false"));
    assert_non_null(strstr(f->out, "\"line\": 5,\n      \"col\": 20,\n      \"message\": "
                                   "\"invalid address '10.20.1.256'"));
    assert_non_null(strstr(f->out, "\"written\": false"));
    expect_unchanged(f->managed, before, len, &st);
    free(before);
}

/* One row changed: one device changed, in that field, and the file's
 * other bytes and style as they were. */
static void test_one_row_changed(void **state)
{
    struct fixture *f = *state;
    char src[PATH_MAX];
    static const char *const old_text =
        "\xef\xbb\xbf# 贵阳\r\n"
        "id,name,address,type,site\r\n"
        "gy-codec-01,贵阳市会议终端01,10.20.1.10,codec,guizhou/guiyang\r\n"
        "gy-cam-02,贵阳市摄像头02,10.20.1.20,camera,guizhou/guiyang\r\n"
        "zy-cam-03,遵义市摄像头03,10.20.5.3,camera,guizhou/zunyi\r\n";
    write_file(f, "inventory/devices.csv", old_text, src);
    /* The spreadsheet's copy: LF, no BOM, one address changed. */
    write_file(f, "new.csv",
               "# 贵阳\n"
               "id,name,address,type,site\n"
               "gy-codec-01,贵阳市会议终端01,10.20.1.10,codec,guizhou/guiyang\n"
               "gy-cam-02,贵阳市摄像头02,10.20.1.120,camera,guizhou/guiyang\n"
               "zy-cam-03,遵义市摄像头03,10.20.5.3,camera,guizhou/zunyi\n",
               src);
    assert_int_equal(inv(f, "import", "--dry-run", src, NULL), 0);
    assert_non_null(strstr(f->out, ": 0 added, 1 changed, 0 retired, 3 unchanged"));
    LINE_WITH(f->out, "changed  gy-cam-02  贵阳市摄像头02  address: 10.20.1.20 -> 10.20.1.120");
    expect_line(f->out, "dry run: nothing written");
    char *now = slurp(f->managed, NULL);
    assert_string_equal(now, old_text);
    free(now);

    assert_int_equal(inv(f, "import", src, "--format", "json", NULL), 0);
    assert_non_null(strstr(f->out, "\"fields\": {\n        \"address\": {\n          \"old\": "
                                   "\"10.20.1.20\",\n          \"new\": \"10.20.1.120\""));
    assert_non_null(strstr(f->out, "\"written\": true"));
    assert_non_null(strstr(f->out, "\"state\": \"not_running\""));
    now = slurp(f->managed, NULL);
    /* The managed file's BOM and CRLF kept; only that line differs. */
    assert_string_equal(now, "\xef\xbb\xbf# 贵阳\r\n"
                             "id,name,address,type,site\r\n"
                             "gy-codec-01,贵阳市会议终端01,10.20.1.10,codec,guizhou/guiyang\r\n"
                             "gy-cam-02,贵阳市摄像头02,10.20.1.120,camera,guizhou/guiyang\r\n"
                             "zy-cam-03,遵义市摄像头03,10.20.5.3,camera,guizhou/zunyi\r\n");
    free(now);

    /* A device of the main file cannot come from the managed file too. */
    write_file(f, "dup.csv",
               "id,address,type,site\n"
               "prov-ismp-yaml,10.20.0.2,platform,guizhou/province\n",
               src);
    assert_int_equal(inv(f, "import", src, NULL), 1);
    assert_non_null(strstr(f->err, "duplicate target id 'prov-ismp-yaml' (first defined at "));
    assert_non_null(strstr(f->err, "probed.yaml:"));
}

/* export of the managed file, imported back: nothing changes. */
static void test_export_round_trip(void **state)
{
    struct fixture *f = *state;
    char src[PATH_MAX];
    write_file(f, "inventory/devices.csv",
               "site,ID,address,type,name,snmp_profile\n"
               "guizhou/guiyang,gy-sw-01,10.20.1.1,switch,\"贵阳市汇聚交换机, 3楼\",core-v2\n"
               "guizhou/guiyang,gy-cam-02,10.20.1.20,camera,,\n"
               "guizhou/guiyang,gy-cam-03,10.20.1.30,camera,\" #3 \",\n",
               src);
    assert_int_equal(inv(f, "export", "--file", f->managed, NULL), 0);
    assert_string_equal(f->out, "\xef\xbb\xbfid,name,address,type,site,snmp_profile\r\n"
                                "gy-sw-01,\"贵阳市汇聚交换机, 3楼\",10.20.1.1,switch,guizhou/"
                                "guiyang,core-v2\r\n"
                                "gy-cam-02,gy-cam-02,10.20.1.20,camera,guizhou/guiyang,\r\n"
                                "gy-cam-03,\" #3 \",10.20.1.30,camera,guizhou/guiyang,\r\n");
    write_file(f, "export.csv", f->out, src);
    assert_int_equal(inv(f, "import", src, NULL), 0);
    expect_line(f->out, "no changes: ");

    /* Every source: the main file's target too, which import refuses. */
    assert_int_equal(inv(f, "export", "--no-bom", NULL), 0);
    assert_true(strncmp(f->out, "id,name,address,type,site,snmp_profile\r\nprov-ismp-yaml,", 55) ==
                0);
    write_file(f, "all.csv", f->out, src);
    assert_int_equal(inv(f, "import", src, NULL), 1);
    assert_non_null(strstr(f->err, "duplicate target id 'prov-ismp-yaml'"));
}

/* add, set, retire: one row each, the rest of the file left as it was. */
static void test_add_set_retire(void **state)
{
    struct fixture *f = *state;
    char src[PATH_MAX];
    write_file(f, "inventory/devices.csv",
               "# 遵义\n"
               "id,address,type,site\n"
               "zy-cam-01,10.20.5.1,camera,guizhou/zunyi\n",
               src);
    assert_int_equal(inv(f, "add", "zy-cam-31", "--name", "遵义市摄像头31", "--address",
                         "10.20.5.31", "--type", "camera", "--site", "guizhou/zunyi", NULL),
                     0);
    LINE_WITH(f->out, "added   zy-cam-31  遵义市摄像头31  10.20.5.31, camera, guizhou/zunyi");
    char *now = slurp(f->managed, NULL);
    /* The name column came with the name; the file stays LF. */
    assert_string_equal(now, "# 遵义\n"
                             "id,address,type,site,name\n"
                             "zy-cam-01,10.20.5.1,camera,guizhou/zunyi,\n"
                             "zy-cam-31,10.20.5.31,camera,guizhou/zunyi,遵义市摄像头31\n");
    free(now);

    /* Refused: an id already there, a bad value (with its place), no such device. */
    assert_int_equal(inv(f, "add", "zy-cam-31", "--address", "10.20.5.32", "--type", "camera",
                         "--site", "guizhou/zunyi", NULL),
                     1);
    assert_non_null(strstr(f->err, "'zy-cam-31' is already in the inventory"));
    assert_int_equal(inv(f, "add", "zy-cam-32", "--address", "10.20.5.300", "--type", "camera",
                         "--site", "guizhou/zunyi", NULL),
                     1);
    assert_non_null(strstr(f->err, "inventory/devices.csv:5:11: invalid address '10.20.5.300'"));
    assert_non_null(strstr(f->err, "probectl inventory add: line 5 of "));
    assert_non_null(strstr(f->err, "inventory/devices.csv is the row as it would be written"));
    assert_int_equal(inv(f, "set", "zy-cam-99", "--address", "10.20.5.99", NULL), 1);
    assert_non_null(strstr(f->err, "no device 'zy-cam-99' in the inventory"));
    assert_int_equal(inv(f, "set", "prov-ismp-yaml", "--address", "10.20.0.9", NULL), 1);
    assert_non_null(strstr(f->err, "'prov-ismp-yaml' is defined at "));
    assert_non_null(strstr(f->err, "probed.yaml:20, not in "));

    /* set: only the fields given. */
    assert_int_equal(
        inv(f, "set", "zy-cam-01", "--address", "10.20.5.101", "--snmp-profile", "core-v2", NULL),
        0);
    assert_non_null(strstr(f->out, "changed  zy-cam-01  zy-cam-01  address: 10.20.5.1 -> "
                                   "10.20.5.101; snmp_profile: (none) -> core-v2"));
    now = slurp(f->managed, NULL);
    assert_string_equal(now, "# 遵义\n"
                             "id,address,type,site,name,snmp_profile\n"
                             "zy-cam-01,10.20.5.101,camera,guizhou/zunyi,,core-v2\n"
                             "zy-cam-31,10.20.5.31,camera,guizhou/zunyi,遵义市摄像头31,\n");
    free(now);
    assert_int_equal(inv(f, "set", "zy-cam-01", "--address", "10.20.5.101", NULL), 0);
    expect_line(f->out, "no changes: ");
    assert_int_equal(inv(f, "set", "zy-cam-01", "--snmp-profile", "nope", NULL), 1);
    assert_non_null(strstr(f->err, ":3:45: unknown SNMP profile 'nope'"));

    /* retire: the row leaves, a comment says who, when, why. */
    assert_int_equal(inv(f, "retire", "zy-cam-31", "--reason", "迁至新机房", "--dry-run", NULL), 0);
    assert_non_null(strstr(f->out, "retired  zy-cam-31  遵义市摄像头31  10.20.5.31, camera"));
    assert_int_equal(inv(f, "retire", "zy-cam-31", "--reason", "迁至新机房", NULL), 0);
    now = slurp(f->managed, NULL);
    assert_true(
        strncmp(now,
                "# 遵义\n"
                "id,address,type,site,name,snmp_profile\n"
                "zy-cam-01,10.20.5.101,camera,guizhou/zunyi,,core-v2\n"
                "# retired ",
                strlen("# 遵义\nid,address,type,site,name,snmp_profile\n"
                       "zy-cam-01,10.20.5.101,camera,guizhou/zunyi,,core-v2\n# retired ")) == 0);
    assert_non_null(strstr(now, ": zy-cam-31 遵义市摄像头31, 10.20.5.31: 迁至新机房\n"));
    free(now);

    /* Usage errors: 2. */
    assert_int_equal(inv(f, "add", "x", "--address", "10.0.0.1", NULL), 2);
    assert_non_null(strstr(f->err, "add needs --address, --type and --site"));
    assert_int_equal(inv(f, "set", "x", NULL), 2);
    assert_int_equal(inv(f, "retire", NULL), 2);
    assert_int_equal(inv(f, "retire", "x", "--address", "h", NULL), 2);
    expect_line(f->err, "probectl inventory retire: retire does not take --address");
    assert_int_equal(inv(f, "set", "x", "--reuse-retired", "--name", "n", NULL), 2);
    assert_int_equal(inv(f, "import", NULL), 2);
    assert_int_equal(inv(f, "import", "a.csv", "b.csv", NULL), 2);
    assert_int_equal(inv(f, "import", "a.csv", "--format", "csv", NULL), 2);
    assert_int_equal(inv(f, "frobnicate", NULL), 2);
    assert_int_equal(inv(f, "list", "--state", "sideways", NULL), 2);
    assert_int_equal(inv(f, NULL), 2);
}

/* The store: a retired id is refused unless asked for; list shows
 * states and the retired. */
static void test_retired_ids_and_states(void **state)
{
    struct fixture *f = *state;
    char src[PATH_MAX], data[PATH_MAX + 16], err[256];
    static const struct pd_inventory_item both[] = {
        {"zy-cam-01", "遵义市摄像头01", "10.20.5.1", "camera", "guizhou/zunyi"},
        {"zy-cam-02", "遵义市摄像头02", "10.20.5.2", "camera", "guizhou/zunyi"},
    };
    static const struct pd_check_ref checks[] = {{"zy-cam-01", "rtsp"}, {"zy-cam-02", "rtsp"}};
    pd_ns now = pd_clock_wall();
    struct pd_db *db;
    int64_t run;

    snprintf(data, sizeof(data), "%s/data", f->dir);
    assert_int_equal(pd_db_open(data, 0, &db, err, sizeof(err)), 0);
    assert_int_equal(pd_db_start_run(db, now - 120 * PD_SEC, "0.1.0", &run, err, sizeof(err)), 0);
    assert_int_equal(pd_db_begin(db), 0);
    assert_int_equal(pd_db_inventory(db, run, now - 120 * PD_SEC, both, 2, checks, 2), 0);
    struct pd_transition up = {
        .from = PD_STATE_UNKNOWN, .to = PD_STATE_UP, .at = now - 100 * PD_SEC};
    struct pd_transition down = {.from = PD_STATE_UP, .to = PD_STATE_DOWN, .at = now - 90 * PD_SEC};
    assert_int_equal(pd_db_transition(db, run, "zy-cam-01", "", &up, up.at, NULL), 0);
    assert_int_equal(pd_db_transition(db, run, "zy-cam-02", "", &up, up.at, NULL), 0);
    assert_int_equal(pd_db_transition(db, run, "zy-cam-02", "", &down, down.at, "rtsp down"), 0);
    /* zy-cam-02 retired a minute later, after its outage. */
    assert_int_equal(pd_db_inventory(db, run, now - 60 * PD_SEC, both, 1, checks, 1), 0);
    assert_int_equal(pd_db_heartbeat(db, run, now), 0);
    assert_int_equal(pd_db_commit(db), 0);
    pd_db_close(db);

    write_file(f, "inventory/devices.csv",
               "id,name,address,type,site\n"
               "zy-cam-01,遵义市摄像头01,10.20.5.1,camera,guizhou/zunyi\n",
               src);
    assert_int_equal(inv(f, "list", NULL), 0);
    expect_line(f->out, "2 devices: 1 up, 0 down, 1 unknown; times in Asia/Shanghai\n");
    LINE_WITH(f->out, "zy-cam-01 ", " 遵义市摄像头01 ", " 10.20.5.1 ", " camera ",
              " guizhou/zunyi ", " UP ", " inventory/devices.csv:2");
    assert_int_equal(column_of(f->out, "zy-cam-01", "UP"), column_of(f->out, "ID", "STATE"));
    assert_int_equal(column_of(f->out, "prov-ismp-yaml", "UNKNOWN"),
                     column_of(f->out, "ID", "STATE"));
    assert_int_equal(inv(f, "list", "--state", "UP", NULL), 0);
    expect_line(f->out, "1 device: 1 up, 0 down, 0 unknown;");
    assert_int_equal(inv(f, "list", "--state", "retired", "--format", "json", NULL), 0);
    assert_non_null(strstr(f->out, "\"id\": \"zy-cam-02\""));
    assert_non_null(strstr(f->out, "\"state\": \"retired\""));
    assert_non_null(strstr(f->out, "\"source\": null"));
    assert_null(strstr(f->out, "zy-cam-01"));

    /* Back again: refused, then allowed when asked. */
    write_file(f, "back.csv",
               "id,name,address,type,site\n"
               "zy-cam-01,遵义市摄像头01,10.20.5.1,camera,guizhou/zunyi\n"
               "zy-cam-02,遵义市摄像头02（新）,10.20.5.102,camera,guizhou/zunyi\n",
               src);
    assert_int_equal(inv(f, "import", src, NULL), 1);
    assert_non_null(strstr(f->err, "id 'zy-cam-02' was retired on "));
    assert_non_null(strstr(f->err, "(遵义市摄像头02); its history stays under that id"));
    expect_line(f->err, "probectl inventory import: nothing was changed");
    assert_non_null(strstr(f->out,
                           "returned  zy-cam-02  遵义市摄像头02（新）  10.20.5.102, camera, "
                           "guizhou/zunyi (retired "));
    assert_int_equal(inv(f, "add", "zy-cam-02", "--address", "10.20.5.102", "--type", "camera",
                         "--site", "guizhou/zunyi", NULL),
                     1);
    assert_non_null(strstr(f->err, "--reuse-retired"));
    assert_int_equal(inv(f, "import", src, "--reuse-retired", NULL), 0);
    assert_non_null(strstr(f->out, "wrote "));
    /* The store is still probed's to write: the return is its to record. */
    expect_line(f->out, "probed is not running: the change takes effect when it starts");
}

/* contrib/inventory-template.csv is valid for contrib/probed.yaml (with
 * the source tree's templates, a secrets file and a data directory of
 * this test's), and import takes it as it is. */
static void test_contrib_template(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX], err[8192];
    char *yaml = slurp(PD_TEST_DATA_DIR "/../../contrib/probed.yaml", NULL);
    struct pd_inv_buf b = {0};
    assert_non_null(yaml);
    for (char *line = strtok(yaml, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "inventory:", 10) == 0 || strncmp(line, "data_dir:", 9) == 0 ||
            strncmp(line, "user:", 5) == 0 || strncmp(line, "pid_file:", 9) == 0 ||
            strncmp(line, "secrets:", 8) == 0 || strncmp(line, "template_files:", 15) == 0)
            continue;
        pd_inv_buf_puts(&b, line);
        pd_inv_buf_puts(&b, "\n");
    }
    pd_inv_buf_puts(&b,
                    "data_dir: ./data\ninventory: [ \"inventory/*.csv\" ]\n"
                    "secrets: secrets.yaml\n"
                    "template_files: [ \"" PD_TEST_DATA_DIR "/../../contrib/templates/*.yaml\" ]\n"
                    "plugin_dir: " PD_TEST_PLUGIN_DIR "\n");
    assert_false(b.oom);
    write_file(f, "probed.yaml", b.s, path);
    pd_inv_buf_free(&b);
    free(yaml);
    write_file(f, "secrets.yaml", "snmp: { default: { community: public } }\n", path);
    assert_int_equal(chmod(path, 0600), 0);

    assert_int_equal(inv(f, "import", PD_TEST_DATA_DIR "/../../contrib/inventory-template.csv",
                         "--file", f->managed, NULL),
                     0);
    assert_non_null(strstr(f->out, ": 3 added, 0 changed, 0 retired, 0 unchanged"));
    struct pd_config *cfg;
    if (pd_config_load(f->main, &cfg, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(cfg->n_targets, 3);
    assert_string_equal(cfg->targets[1].name, "遵义市红花岗区4K摄像机, 2号会议室");
    pd_config_free(cfg);
}

static void test_help(void **state)
{
    struct fixture *f = *state;
    char *out;
    size_t len;
    FILE *fp = open_memstream(&out, &len);
    char *argv[] = {"inventory", "import", "--help", NULL};
    assert_int_equal(pd_cmd_inventory(NULL, 3, argv, fp, stderr), 0);
    fclose(fp);
    assert_true(strncmp(out, "Usage: probectl [-c FILE] inventory import FILE.csv", 51) == 0);
    assert_non_null(strstr(out, "Exit status:"));
    free(out);
    assert_int_equal(inv(f, "--help", NULL), 0);
    assert_non_null(strstr(f->out, "Subcommands:"));
    assert_int_equal(inv(f, "list", "--help", NULL), 0);
    assert_non_null(strstr(f->out, "--state STATE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_big_then_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_five_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_row_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_set_retire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retired_ids_and_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contrib_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
