/* The managed inventory file: its style, rows, cells written so that the
 * loader reads them back, the choice of the file and its replacement. */
#include "test_files.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "inventory.h"
#include "inventory_file.h"
#include "yaml_tree.h"

static struct pd_template templates[] = {{.name = "codec"}, {.name = "camera"}};
static struct pd_profile_conf profiles[] = {{.name = "core-v3"}};
static struct pd_plugin_conf plugins[] = {{.name = "snmp", .profiles = profiles, .n_profiles = 1}};
static const struct pd_config tcfg = {
    .templates = templates, .n_templates = 2, .plugins = plugins, .n_plugins = 1};

static char *restyle(const char *text, int bom, int crlf)
{
    struct pd_inv_buf b = {0};
    pd_inv_restyle(&b, text, strlen(text), (struct pd_inv_style){bom, crlf});
    assert_false(b.oom);
    return b.s;
}

static void test_style(void **state)
{
    (void)state;
    struct pd_inv_style st = pd_inv_style_of("\xef\xbb\xbfid\r\nx\r\n", 10);
    assert_true(st.bom);
    assert_true(st.crlf);
    st = pd_inv_style_of("id\nx\r\n", 7);
    assert_false(st.bom);
    assert_false(st.crlf);
    st = pd_inv_style_of("id", 2);
    assert_false(st.crlf);
    st = pd_inv_style_of("", 0);
    assert_false(st.bom);

    char *s = restyle("id,name\na,\"x\ny\"\nb,z", 1, 1);
    assert_string_equal(s, "\xef\xbb\xbfid,name\r\na,\"x\r\ny\"\r\nb,z");
    free(s);
    s = restyle("\xef\xbb\xbfid,name\r\na,b\r\n\r\n", 0, 0);
    assert_string_equal(s, "id,name\na,b\n\n");
    free(s);
    s = restyle("\xef\xbb\xbfid\r\n", 1, 1); /* already so: the same bytes */
    assert_string_equal(s, "\xef\xbb\xbfid\r\n");
    free(s);
}

static char *cell(const char *s)
{
    struct pd_inv_buf b = {0};
    pd_inv_put_cell(&b, s, 1);
    pd_inv_buf_add(&b, "", 0);
    return b.s;
}

static void expect_cell(const char *in, const char *want)
{
    char *got = cell(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_cells(void **state)
{
    (void)state;
    expect_cell("gy-codec-01", "gy-codec-01");
    expect_cell("贵阳市会议终端01", "贵阳市会议终端01");
    expect_cell("贵阳市会议终端, 1号会议室", "\"贵阳市会议终端, 1号会议室\"");
    expect_cell("the \"big\" one", "\"the \"\"big\"\" one\"");
    expect_cell(" leading", "\" leading\"");
    expect_cell("trailing\t", "\"trailing\t\"");
    expect_cell("#1 room", "\"#1 room\"");
    expect_cell("a#b", "a#b");
    expect_cell("=1+1", "=1+1"); /* the inventory is the admins' own text: as written */
    expect_cell("", "");
    expect_cell(NULL, "");
}

/* What pd_inv_put_row writes, the loader reads back as it was. */
static void test_rows_read_back(void **state)
{
    (void)state;
    static const char *const tricky[][PD_TF_COUNT] = {
        {"a-1", "贵阳市会议终端, 1号会议室", "10.0.0.1", "codec", "guizhou/guiyang", ""},
        {"b.2", "the \"big\" one", "2001:db8::2", "camera", "guizhou", "core-v3"},
        {"c_3", "#3 ", "cam3.example.net", "camera", "g/z", ""},
        {"d4", " 前后空格 ", "10.0.0.4", "codec", "g", ""},
    };
    /* An odd column order, as a spreadsheet may have it. */
    const int columns[] = {PD_TF_NAME,         PD_TF_SITE,    PD_TF_ID,
                           PD_TF_SNMP_PROFILE, PD_TF_ADDRESS, PD_TF_TYPE};
    for (int crlf = 0; crlf < 2; crlf++) {
        struct pd_inv_buf b = {0};
        struct pd_inv_style st = {.crlf = crlf};
        pd_inv_put_header(&b, columns, 6, st);
        for (size_t i = 0; i < 4; i++)
            pd_inv_put_row(&b, columns, 6, tricky[i], st);
        assert_false(b.oom);
        assert_non_null(strstr(b.s, crlf ? "\r\n" : "\n"));
        assert_int_equal(strstr(b.s, "\r\n") != NULL, crlf);

        struct pd_target_list list;
        char err[2048] = "";
        pd_target_list_init(&list);
        assert_int_equal(pd_inventory_parse(&list, &tcfg, "t.csv", b.s, b.len, err, sizeof(err)),
                         0);
        assert_string_equal(err, "");
        assert_int_equal(list.n, 4);
        for (size_t i = 0; i < 4; i++)
            for (int f = 0; f < PD_TF_COUNT; f++)
                assert_string_equal(pd_target_field(&list.v[i], f), tricky[i][f]);
        pd_target_list_free(&list);

        struct pd_inv_rows rows;
        assert_int_equal(pd_inv_rows_read(b.s, b.len, &rows), 0);
        assert_int_equal(rows.n, 4);
        assert_int_equal(rows.n_columns, 6);
        assert_int_equal(rows.columns[0], PD_TF_NAME);
        assert_string_equal(rows.v[1].fields[PD_TF_NAME], "the \"big\" one");
        assert_string_equal(rows.v[2].fields[PD_TF_ID], "c_3");
        pd_inv_rows_free(&rows);
        pd_inv_buf_free(&b);
    }
}

static const char sample[] = "\xef\xbb\xbf# devices of Guiyang\r\n"
                             "id,Name,address,type,site\r\n"
                             "gy-codec-01,\"贵阳市会议终端,\r\n1号\",10.20.1.10,codec,guizhou\r\n"
                             "\r\n"
                             "# retired 2024-03: gy-codec-07\r\n"
                             "gy-cam-02,贵阳市摄像头02,10.20.1.20,camera,guizhou\r\n"
                             "gy-cam-03,,10.20.1.30,camera,guizhou";

static void test_rows_places(void **state)
{
    (void)state;
    struct pd_inv_rows rows;
    assert_int_equal(pd_inv_rows_read(sample, strlen(sample), &rows), 0);
    assert_int_equal(rows.n_columns, 5);
    assert_int_equal(rows.columns[1], PD_TF_NAME);
    assert_int_equal(rows.n, 3);
    assert_true(strncmp(sample + rows.header_start, "id,Name", 7) == 0);
    assert_true(strncmp(sample + rows.header_end, "gy-codec-01", 11) == 0);
    const struct pd_inv_row *r = &rows.v[0];
    assert_int_equal(r->line, 3);
    assert_string_equal(r->fields[PD_TF_NAME], "贵阳市会议终端,\r\n1号"); /* as written */
    assert_true(strncmp(sample + r->start, "gy-codec-01,", 12) == 0);
    assert_true(strncmp(sample + r->end, "\r\n# retired", 11) == 0);
    r = &rows.v[1];
    assert_int_equal(r->line, 7);
    assert_int_equal(r->end - r->start,
                     strlen("gy-cam-02,贵阳市摄像头02,10.20.1.20,camera,guizhou\r\n"));
    r = &rows.v[2];
    assert_string_equal(r->fields[PD_TF_NAME], "");
    assert_string_equal(r->fields[PD_TF_SNMP_PROFILE], ""); /* no such column */
    assert_int_equal(r->end, strlen(sample));               /* the last line has no end */
    assert_int_equal(pd_inv_rows_find(&rows, "gy-cam-02"), 1);
    assert_int_equal(pd_inv_rows_find(&rows, "gy-cam-09"), -1);

    /* A column added: the header and every row get one, nothing else moves. */
    struct pd_inv_buf b = {0};
    pd_inv_add_column(&b, sample, strlen(sample), &rows, PD_TF_SNMP_PROFILE);
    assert_string_equal(b.s, "\xef\xbb\xbf# devices of Guiyang\r\n"
                             "id,Name,address,type,site,snmp_profile\r\n"
                             "gy-codec-01,\"贵阳市会议终端,\r\n1号\",10.20.1.10,codec,guizhou,\r\n"
                             "\r\n"
                             "# retired 2024-03: gy-codec-07\r\n"
                             "gy-cam-02,贵阳市摄像头02,10.20.1.20,camera,guizhou,\r\n"
                             "gy-cam-03,,10.20.1.30,camera,guizhou,");
    pd_inv_rows_free(&rows);
    assert_int_equal(pd_inv_rows_read(b.s, b.len, &rows), 0);
    assert_int_equal(rows.n_columns, 6);
    assert_int_equal(rows.n, 3);
    pd_inv_rows_free(&rows);
    pd_inv_buf_free(&b);

    /* Not an inventory: refused, not guessed at. */
    assert_int_equal(pd_inv_rows_read("id,colour\na,b\n", 14, &rows), -EINVAL);
    assert_int_equal(pd_inv_rows_read("id,name\na\n", 10, &rows), -EINVAL);
    assert_int_equal(pd_inv_rows_read("", 0, &rows), 0);
    assert_int_equal(rows.n_columns, 0);
    assert_int_equal(rows.n, 0);
}

struct fixture {
    char dir[PATH_MAX];
    char main[PATH_MAX + 16], pattern[PATH_MAX + 32], plain[PATH_MAX + 32];
    char *inventory[2];
    struct pd_config cfg;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx || test_dir_make(fx->dir) < 0)
        return -1;
    snprintf(fx->main, sizeof(fx->main), "%s/probed.yaml", fx->dir);
    snprintf(fx->pattern, sizeof(fx->pattern), "%s/inventory/*.csv", fx->dir);
    snprintf(fx->plain, sizeof(fx->plain), "%s/other/devices.csv", fx->dir);
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof(sub), "%s/inventory", fx->dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof(sub), "%s/other", fx->dir);
    mkdir(sub, 0755);
    fx->inventory[0] = fx->pattern;
    fx->inventory[1] = fx->plain;
    fx->cfg.path = fx->main;
    fx->cfg.inventory = fx->inventory;
    fx->cfg.n_inventory = 1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    test_dir_remove(fx->dir);
    free(fx);
    return 0;
}

static void write_in(struct fixture *fx, const char *name, const char *text)
{
    char path[PATH_MAX];
    assert_int_equal(test_write(fx->dir, name, text, strlen(text), path), 0);
}

static void test_managed_choice(void **state)
{
    struct fixture *fx = *state;
    char err[4096], *path = NULL, want[PATH_MAX + 64];

    /* No file yet: name one. */
    assert_int_equal(pd_inv_managed(&fx->cfg, NULL, &path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "no inventory file exists yet"));
    assert_non_null(strstr(err, "--file PATH"));
    snprintf(want, sizeof(want), "%s/inventory/new.csv", fx->dir);
    assert_int_equal(pd_inv_managed(&fx->cfg, want, &path, err, sizeof(err)), 0);
    assert_string_equal(path, want);
    free(path);
    /* A new file outside the patterns would never be read. */
    snprintf(want, sizeof(want), "%s/inventory/new.txt", fx->dir);
    assert_int_equal(pd_inv_managed(&fx->cfg, want, &path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "is not an inventory file of"));
    assert_non_null(strstr(err, "inventory/*.csv"));

    /* One file: that one, however it is named. */
    write_in(fx, "inventory/a.csv", "id,address,type,site\n");
    assert_int_equal(pd_inv_managed(&fx->cfg, NULL, &path, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/inventory/a.csv", fx->dir);
    assert_string_equal(path, want);
    free(path);
    snprintf(want, sizeof(want), "%s/inventory/../inventory/a.csv", fx->dir);
    assert_int_equal(pd_inv_managed(&fx->cfg, want, &path, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/inventory/a.csv", fx->dir);
    assert_string_equal(path, want); /* as the loader names it */
    free(path);

    /* Relative: from the current directory, else from the main file's. */
    assert_int_equal(pd_inv_managed(&fx->cfg, "inventory/a.csv", &path, err, sizeof(err)), 0);
    assert_string_equal(path, want);
    free(path);
    assert_int_equal(pd_inv_managed(&fx->cfg, "inventory/b.csv", &path, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/inventory/b.csv", fx->dir);
    assert_string_equal(path, want); /* a new one */
    free(path);
    snprintf(want, sizeof(want), "%s/inventory/a.csv", fx->dir);

    /* Two files in two patterns: say which. */
    write_in(fx, "other/devices.csv", "id,address,type,site\n");
    fx->cfg.n_inventory = 2;
    assert_int_equal(pd_inv_managed(&fx->cfg, NULL, &path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "the inventory has 2 files"));
    assert_non_null(strstr(err, "inventory/a.csv"));
    assert_non_null(strstr(err, "other/devices.csv"));
    assert_non_null(strstr(err, "--file PATH"));
    assert_int_equal(pd_inv_managed(&fx->cfg, fx->plain, &path, err, sizeof(err)), 0);
    assert_string_equal(path, fx->plain);
    free(path);

    char **files;
    size_t n;
    assert_int_equal(pd_inv_files(&fx->cfg, &files, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(files[1], fx->plain);
    pd_inv_files_free(files, n);

    fx->cfg.n_inventory = 0;
    assert_int_equal(pd_inv_managed(&fx->cfg, NULL, &path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "names no inventory files"));
}

static void test_replace(void **state)
{
    struct fixture *fx = *state;
    char path[PATH_MAX + 32], err[1024], *text;
    size_t len;
    struct stat st;
    struct pd_inv_file f;

    write_in(fx, "inventory/a.csv", "id,address,type,site\n");
    snprintf(path, sizeof(path), "%s/inventory/a.csv", fx->dir);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(pd_inv_file_open(&f, path, err, sizeof(err)), 0);
    assert_string_equal(f.text, "id,address,type,site\n");
    assert_int_equal(
        pd_inv_file_replace(&f, "id,address,type,site\nx,h,codec,s\n", 34, err, sizeof(err)), 0);
    pd_inv_file_close(&f);
    assert_int_equal(pd_read_file(path, &text, &len, err, sizeof(err)), 0);
    assert_string_equal(text, "id,address,type,site\nx,h,codec,s\n");
    free(text);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640); /* the mode stays */

    /* Changed by someone else meanwhile: nothing written. */
    assert_int_equal(pd_inv_file_open(&f, path, err, sizeof(err)), 0);
    write_in(fx, "inventory/a.csv", "id,address,type,site\ny,h,codec,s\n");
    assert_int_equal(pd_inv_file_replace(&f, "id,address,type,site\n", 21, err, sizeof(err)),
                     -EAGAIN);
    assert_non_null(strstr(err, "changed while probectl was working on it"));
    pd_inv_file_close(&f);
    assert_int_equal(pd_read_file(path, &text, &len, err, sizeof(err)), 0);
    assert_string_equal(text, "id,address,type,site\ny,h,codec,s\n");
    free(text);

    /* A new file. */
    snprintf(path, sizeof(path), "%s/inventory/new.csv", fx->dir);
    assert_int_equal(pd_inv_file_open(&f, path, err, sizeof(err)), 0);
    assert_null(f.text);
    assert_int_equal(pd_inv_file_replace(&f, "id,address,type,site\n", 21, err, sizeof(err)), 0);
    pd_inv_file_close(&f);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);

    /* No temporary file left behind. */
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "ls -A %s/inventory | grep -c probectl", fx->dir);
    FILE *p = popen(cmd, "r");
    char out[16] = "";
    assert_non_null(p);
    assert_non_null(fgets(out, sizeof(out), p));
    pclose(p);
    assert_string_equal(out, "0\n");

    /* A directory that does not exist. */
    snprintf(path, sizeof(path), "%s/nowhere/a.csv", fx->dir);
    assert_int_equal(pd_inv_file_open(&f, path, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "nowhere"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_style),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_rows_read_back),
        cmocka_unit_test(test_rows_places),
        cmocka_unit_test_setup_teardown(test_managed_choice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
