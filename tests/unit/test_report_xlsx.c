/*
 * The XLSX report, read back: the workbook is written, then
 * tests/tools/xlsx_dump.py (python3, standard library) turns its cells into
 * JSON, and every figure checked here is compared with the struct it came
 * from. Skipped (77) without python3 or the tz database.
 */
#include "test_files.h" /* first: it defines _GNU_SOURCE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_fixture.h"
#include "report_write.h"
#include "timefmt.h"

#ifndef PD_TEST_TOOLS_DIR
#error "PD_TEST_TOOLS_DIR must name tests/tools"
#endif

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* A JSON value, as much of JSON as the dump uses. */
enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jtype t;
    bool b;
    double num;
    char *s;      /* J_STR */
    struct jv *v; /* J_ARR items, J_OBJ values */
    char **k;     /* J_OBJ keys */
    size_t n;
};

static void jv_free(struct jv *j)
{
    free(j->s);
    for (size_t i = 0; i < j->n; i++) {
        if (j->k)
            free(j->k[i]);
        jv_free(&j->v[i]);
    }
    free(j->v);
    free(j->k);
}

static void ws(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | cp >> 6);
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xE0 | cp >> 12);
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | cp >> 18);
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int hex4(const char *p, unsigned *cp)
{
    char buf[5] = {0}, *end;
    memcpy(buf, p, 4);
    *cp = (unsigned)strtoul(buf, &end, 16);
    return end == buf + 4 ? 0 : -1;
}

/* *p at the opening quote; the decoded string in *out (malloc). */
static int parse_str(const char **p, char **out)
{
    const char *s = *p + 1;
    char *buf = malloc(strlen(s) + 1); /* escapes only shrink */
    size_t o = 0;
    unsigned cp, lo;

    if (!buf)
        return -1;
    while (*s && *s != '"') {
        if (*s != '\\') {
            buf[o++] = *s++;
            continue;
        }
        s++;
        switch (*s) {
        case 'n':
            buf[o++] = '\n';
            break;
        case 't':
            buf[o++] = '\t';
            break;
        case 'r':
            buf[o++] = '\r';
            break;
        case 'b':
            buf[o++] = '\b';
            break;
        case 'f':
            buf[o++] = '\f';
            break;
        case '"':
        case '\\':
        case '/':
            buf[o++] = *s;
            break;
        case 'u':
            if (hex4(s + 1, &cp) < 0)
                goto fail;
            s += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && s[1] == '\\' && s[2] == 'u' &&
                hex4(s + 3, &lo) == 0) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
            put_utf8(buf, &o, cp);
            break;
        default:
            goto fail;
        }
        s++;
    }
    if (*s != '"')
        goto fail;
    buf[o] = '\0';
    *out = buf;
    *p = s + 1;
    return 0;
fail:
    free(buf);
    return -1;
}

static int parse(const char **p, struct jv *j)
{
    memset(j, 0, sizeof(*j));
    ws(p);
    if (**p == '{' || **p == '[') {
        bool obj = **p == '{';
        char close = obj ? '}' : ']';
        j->t = obj ? J_OBJ : J_ARR;
        (*p)++;
        ws(p);
        if (**p == close) {
            (*p)++;
            return 0;
        }
        for (;;) {
            void *nv = realloc(j->v, (j->n + 1) * sizeof(*j->v));
            if (!nv)
                return -1;
            j->v = nv;
            if (obj) {
                void *nk = realloc(j->k, (j->n + 1) * sizeof(*j->k));
                if (!nk)
                    return -1;
                j->k = nk;
                j->k[j->n] = NULL;
                ws(p);
                if (**p != '"' || parse_str(p, &j->k[j->n]) < 0)
                    return -1;
                ws(p);
                if (*(*p)++ != ':')
                    return -1;
            }
            if (parse(p, &j->v[j->n++]) < 0)
                return -1;
            ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (*(*p)++ != close)
                return -1;
            return 0;
        }
    }
    if (**p == '"') {
        j->t = J_STR;
        return parse_str(p, &j->s);
    }
    if (strncmp(*p, "null", 4) == 0 || strncmp(*p, "true", 4) == 0) {
        j->t = **p == 'n' ? J_NULL : J_BOOL;
        j->b = **p == 't';
        *p += 4;
        return 0;
    }
    if (strncmp(*p, "false", 5) == 0) {
        j->t = J_BOOL;
        *p += 5;
        return 0;
    }
    char *end;
    j->t = J_NUM;
    j->num = strtod(*p, &end);
    if (end == *p)
        return -1;
    *p = end;
    return 0;
}

static const struct jv *jv_get(const struct jv *obj, const char *key)
{
    for (size_t i = 0; obj->t == J_OBJ && i < obj->n; i++)
        if (strcmp(obj->k[i], key) == 0)
            return &obj->v[i];
    return NULL;
}

/* A cell of a sheet ([[cell]]); NULL when the cell is empty or missing. */
static const struct jv *cell(const struct jv *sheet, size_t row, size_t col)
{
    if (row >= sheet->n || col >= sheet->v[row].n)
        return NULL;
    const struct jv *c = &sheet->v[row].v[col];
    return c->t == J_NULL ? NULL : c;
}

static const char *cell_str(const struct jv *sheet, size_t row, size_t col)
{
    const struct jv *c = cell(sheet, row, col);
    return c && c->t == J_STR ? c->s : NULL;
}

static double cell_num(const struct jv *sheet, size_t row, size_t col)
{
    const struct jv *c = cell(sheet, row, col);
    assert_non_null(c);
    assert_int_equal(c->t, J_NUM); /* a numeric cell, not text */
    return c->num;
}

/* The first row from `from` whose column col holds the string s. */
static size_t find_row(const struct jv *sheet, size_t from, size_t col, const char *s)
{
    for (size_t r = from; r < sheet->n; r++) {
        const char *v = cell_str(sheet, r, col);
        if (v && strcmp(v, s) == 0)
            return r;
    }
    fail_msg("no row with '%s' in column %zu", s, col);
    return 0;
}

/* The column of header row `row` whose header starts with prefix. */
static size_t find_col(const struct jv *sheet, size_t row, const char *prefix)
{
    for (size_t c = 0; row < sheet->n && c < sheet->v[row].n; c++) {
        const char *v = cell_str(sheet, row, c);
        if (v && strncmp(v, prefix, strlen(prefix)) == 0)
            return c;
    }
    fail_msg("no column '%s' in row %zu", prefix, row);
    return 0;
}

static bool sheet_has_str(const struct jv *sheet, const char *s)
{
    for (size_t r = 0; r < sheet->n; r++)
        for (size_t c = 0; c < sheet->v[r].n; c++)
            if (cell_str(sheet, r, c) && strcmp(cell_str(sheet, r, c), s) == 0)
                return true;
    return false;
}

static pd_ns at(const char *local)
{
    char err[128];
    pd_ns t = 0;
    if (pd_time_parse(local, 0, &t, err, sizeof(err)) != 0)
        fail_msg("%s: %s", local, err);
    return t;
}

#define P(time, st) ((struct pd_avail_point){at(time), PD_STATE_##st})

/* November 2026 in Asia/Shanghai: four targets in two sites of depth 3
 * (one outage across the month's end, one ongoing, one inside
 * maintenance, one target without failures), a 2-of-3 system. */
static struct pd_report *build_report(void)
{
    struct pd_avail_point tl_a[] = {P("2026-10-20 09:00", UP), P("2026-11-05 14:00", DOWN),
                                    P("2026-11-05 15:30", UP), P("2026-11-12 02:00", UNKNOWN),
                                    P("2026-11-12 06:00", UP), P("2026-11-30 23:20", DOWN),
                                    P("2026-12-01 00:25", UP)};
    struct pd_avail_point tl_b[] = {P("2026-10-01 00:00", UP), P("2026-12-01 01:00", UP)};
    struct pd_avail_point tl_c[] = {P("2026-10-01 00:00", UP), P("2026-11-28 08:00", DOWN)};
    struct pd_avail_point tl_d[] = {P("2026-10-01 00:00", UP), P("2026-11-10 02:30", DOWN),
                                    P("2026-11-10 03:00", UP), P("2026-11-20 10:00", DOWN),
                                    P("2026-11-20 10:12", UP)};
    struct pd_report_severity sev[] = {
        {"emergency", PD_TEST_EMERGENCY_LIMITS},
        {"important",
         {.availability_min = 99,
          .mttr_max = 120 * 60 * PD_SEC,
          .resolved = {{80, 30 * 60 * PD_SEC}},
          .n_resolved = 1}},
    };
    /* A call on the 5th degraded for 15 of its 60 minutes. */
    struct pd_avail_point media_a[] = {P("2026-11-05 10:00", UP), P("2026-11-05 10:10", DOWN),
                                       P("2026-11-05 10:25", UP), P("2026-11-05 11:00", UNKNOWN)};
    struct pd_report_target_in targets[] = {
        {"gy-mcu-01", "会议终端-云岩-01", "贵州省/贵阳市/云岩区", "mcu", "emergency", 0, 0, tl_a, 7,
         true, media_a, 4},
        {"gy-mcu-02", "=HYPERLINK(\"http://example.com\",\"会议终端\")", "贵州省/贵阳市/云岩区",
         "mcu", "important", 0, 0, tl_b, 2, false, NULL, 0},
        {"zy-mcu-01", "会议终端-遵义-01", "贵州省/遵义市/红花岗区", "mcu", "emergency", 0, 0, tl_c,
         2, false, NULL, 0},
        {"zy-cam-01", "+摄像头 @红花岗", "贵州省/遵义市/红花岗区", "camera", "important", 0, 0,
         tl_d, 5, false, NULL, 0},
    };
    static const char *const members[] = {"gy-mcu-01", "zy-mcu-01", "zy-cam-01"};
    struct pd_report_system_in systems[] = {
        {"video", "视频会议系统", "emergency", PD_SYSTEM_K_OF_N, 2, members, 3}};
    struct pd_maint_window maint[] = {{0,
                                       {at("2026-11-10 02:00"), at("2026-11-10 04:00")},
                                       PD_MAINT_TARGET,
                                       "zy-cam-01",
                                       "-升级固件 _x0041_ (firmware)"}};
    struct pd_report_input in = {
        .month = "2026-11",
        .timezone = "Asia/Shanghai",
        .version = "0.1.0",
        .config_hash = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
        .source = "test",
        .generated = at("2026-12-01 10:00"),
        .observed_until = at("2026-12-01 10:00"),
        .severities = sev,
        .n_severities = 2,
        .targets = targets,
        .n_targets = 4,
        .systems = systems,
        .n_systems = 1,
        .maintenance = maint,
        .n_maintenance = 1,
    };
    struct pd_report *r = NULL;
    char err[256];

    if (pd_time_month("2026-11", &in.period.start, &in.period.end, err, sizeof(err)) != 0)
        fail_msg("pd_time_month: %s", err);
    if (pd_report_build(&in, &r, err, sizeof(err)) != 0)
        fail_msg("pd_report_build: %s", err);
    return r;
}

/* The workbook's cells (python3 tests/tools/xlsx_dump.py path). */
static void dump(const char *path, struct jv *book)
{
    char cmd[PATH_MAX * 2 + 64], *out = NULL;
    size_t len = 0;
    FILE *pipe, *mem = open_memstream(&out, &len);

    assert_non_null(mem);
    snprintf(cmd, sizeof(cmd), "python3 '%s/xlsx_dump.py' '%s'", PD_TEST_TOOLS_DIR, path);
    pipe = popen(cmd, "r");
    assert_non_null(pipe);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
        fwrite(buf, 1, n, mem);
    assert_int_equal(pclose(pipe), 0);
    assert_int_equal(fclose(mem), 0);
    const char *p = out;
    assert_int_equal(parse(&p, book), 0);
    assert_int_equal(book->t, J_OBJ);
    free(out);
}

static void check_figures(const struct jv *sheet, size_t row, size_t head, const struct pd_avail *a,
                          const struct pd_sla_result *sla)
{
    NEAR(cell_num(sheet, row, find_col(sheet, head, "availability %")), a->availability_pct);
    NEAR(cell_num(sheet, row, find_col(sheet, head, "coverage %")), a->coverage_pct);
    NEAR(cell_num(sheet, row, find_col(sheet, head, "total s")), a->total_s);
    NEAR(cell_num(sheet, row, find_col(sheet, head, "downtime s")), a->downtime_s);
    NEAR(cell_num(sheet, row, find_col(sheet, head, "failures")), a->failures);
    size_t mtbf = find_col(sheet, head, "MTBF h"), mttr = find_col(sheet, head, "MTTR min");
    if (isnan(a->mtbf_h))
        assert_null(cell(sheet, row, mtbf)); /* blank, never 0 */
    else
        NEAR(cell_num(sheet, row, mtbf), a->mtbf_h);
    if (isnan(a->mttr_min))
        assert_null(cell(sheet, row, mttr));
    else
        NEAR(cell_num(sheet, row, mttr), a->mttr_min);
    assert_string_equal(cell_str(sheet, row, find_col(sheet, head, "verdict")),
                        pd_sla_verdict_name(sla->overall));
    assert_string_equal(cell_str(sheet, row, find_col(sheet, head, "MTBF verdict")),
                        pd_sla_verdict_name(sla->mtbf));
}

static void check_summary(const struct jv *s, const struct pd_report *r, const char *sha)
{
    bool nan_mtbf = false, num_mtbf = false;

    assert_true(sheet_has_str(s, sha));
    assert_string_equal(cell_str(s, find_row(s, 0, 0, "month"), 1), "2026-11");
    assert_string_equal(cell_str(s, find_row(s, 0, 0, "time zone"), 1), "Asia/Shanghai");
    assert_string_equal(cell_str(s, find_row(s, 0, 0, "provisional"), 1),
                        r->provisional ? "yes" : "no");
    assert_string_equal(cell_str(s, find_row(s, 0, 0, "period end (exclusive)"), 1),
                        "2026-12-01T00:00:00+08:00");
    NEAR(cell_num(s, find_row(s, 0, 0, "failures"), 1), r->failures);
    NEAR(cell_num(s, find_row(s, 0, 0, "outages"), 1), r->outages);
    size_t sev = find_row(s, 0, 0, "emergency");
    NEAR(cell_num(s, sev, 2), 360.0);

    size_t head = find_row(s, 0, 0, "site");
    assert_string_equal(cell_str(s, head, 1), "id");
    /* 30 min is a rule of both severities with different shares: no share
     * in its header; 60 min only of emergency. */
    find_col(s, head, "\xe2\x89\xa4 30 min %");
    find_col(s, head, "\xe2\x89\xa4 60 min % (\xe2\x89\xa5 90)");
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_report_target *t = &r->targets[i];
        size_t row = find_row(s, head + 1, 1, t->id);
        assert_string_equal(cell_str(s, row, 2), t->name); /* Chinese and '=' intact, text */
        assert_string_equal(cell_str(s, row, 0), t->site);
        check_figures(s, row, head, &t->avail, &t->sla);
        nan_mtbf |= isnan(t->avail.mtbf_h);
        num_mtbf |= !isnan(t->avail.mtbf_h);
    }
    assert_true(nan_mtbf && num_mtbf); /* the fixture covers both */
    assert_int_equal(s->n, head + 1 + r->n_targets);
}

static void check_outages(const struct jv *s, const struct pd_report *r)
{
    size_t n = 0, ongoing = 0;
    size_t c_start = find_col(s, 0, "start (ISO 8601, Asia/Shanghai)");
    size_t c_end = find_col(s, 0, "end"), c_ongoing = find_col(s, 0, "ongoing");
    size_t c_counted = find_col(s, 0, "counted s");
    char buf[PD_TIME_BUFLEN];

    for (size_t i = 0; i < r->n_targets; i++) {
        const struct pd_avail *a = &r->targets[i].avail;
        size_t row = 0;
        for (size_t k = 0; k < a->n_outages; k++, n++) {
            const struct pd_outage *o = &a->outages[k];
            row = find_row(s, row + 1, 1, r->targets[i].id);
            assert_string_equal(cell_str(s, row, c_start),
                                pd_time_format_iso(o->start, buf, sizeof(buf)));
            NEAR(cell_num(s, row, c_counted), pd_report_seconds(o->counted));
            assert_string_equal(cell_str(s, row, c_ongoing), o->end ? "no" : "yes");
            if (o->end) {
                assert_string_equal(cell_str(s, row, c_end),
                                    pd_time_format_iso(o->end, buf, sizeof(buf)));
            } else {
                assert_null(cell(s, row, c_end));
                ongoing++;
            }
        }
    }
    for (size_t i = 0; i < r->n_systems; i++)
        n += r->systems[i].avail.n_outages;
    assert_int_equal(ongoing, 1);
    assert_int_equal(s->n, 1 + n);
}

static void test_workbook(void **state)
{
    (void)state;
    struct pd_report *r = build_report();
    char dir[PATH_MAX], path[PATH_MAX + 16], err[512], sha[PD_SHA256_HEX];
    struct jv book;

    assert_int_equal(test_dir_make(dir), 0);
    snprintf(path, sizeof(path), "%s/report.xlsx", dir);
    pd_sha256_hex("csv body", 8, sha);
    if (pd_report_xlsx(r, path, sha, err, sizeof(err)) != 0)
        fail_msg("pd_report_xlsx: %s", err);

    FILE *f = fopen(path, "rb");
    char magic[4] = {0};
    assert_non_null(f);
    assert_int_equal(fread(magic, 1, 4, f), 4);
    fclose(f);
    assert_memory_equal(magic, "PK\x03\x04", 4); /* a zip archive */

    dump(path, &book);
    static const char *const names[] = {"Summary", "Outages",     "Sites",      "Media",
                                        "Systems", "Maintenance", "Definitions"};
    assert_int_equal(book.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(book.k[i], names[i]);

    check_summary(jv_get(&book, "Summary"), r, sha);
    check_outages(jv_get(&book, "Outages"), r);

    const struct jv *sites = jv_get(&book, "Sites");
    assert_int_equal(sites->n, 1 + r->n_sites);
    for (size_t i = 0; i < r->n_sites; i++) {
        size_t row = find_row(sites, 1, 0, r->sites[i].path);
        NEAR(cell_num(sites, row, find_col(sites, 0, "devices")), r->sites[i].devices);
        NEAR(cell_num(sites, row, find_col(sites, 0, "mean availability %")),
             r->sites[i].availability_mean);
    }
    find_row(sites, 1, 0, "贵州省/遵义市/红花岗区");

    /* Only the target with media checks, its figures as computed. */
    const struct jv *media = jv_get(&book, "Media");
    assert_int_equal(media->n, 2);
    size_t mrow = find_row(media, 1, 1, "gy-mcu-01");
    NEAR(cell_num(media, mrow, find_col(media, 0, "observed s")), 3600);
    NEAR(cell_num(media, mrow, find_col(media, 0, "degraded s")), 900);
    NEAR(cell_num(media, mrow, find_col(media, 0, "degraded min")), 15);
    NEAR(cell_num(media, mrow, find_col(media, 0, "degraded %")), 25);
    NEAR(cell_num(media, mrow, find_col(media, 0, "degraded periods")), 1);

    const struct jv *sys = jv_get(&book, "Systems");
    assert_int_equal(r->n_systems, 1);
    size_t row = find_row(sys, 1, 0, "video");
    assert_string_equal(cell_str(sys, row, 1), "视频会议系统");
    assert_string_equal(cell_str(sys, row, find_col(sys, 0, "rule")), "k_of_n");
    NEAR(cell_num(sys, row, find_col(sys, 0, "k")), 2);
    check_figures(sys, row, 0, &r->systems[0].avail, &r->systems[0].sla);

    const struct jv *maint = jv_get(&book, "Maintenance");
    assert_int_equal(maint->n, 2);
    assert_string_equal(cell_str(maint, 1, find_col(maint, 0, "reason")),
                        "-升级固件 _x0041_ (firmware)");

    const struct jv *defs = jv_get(&book, "Definitions");
    size_t n_defs = 0;
    while (pd_report_definitions[n_defs].figure)
        n_defs++;
    assert_int_equal(defs->n, 1 + n_defs);
    assert_string_equal(cell_str(defs, 1, 0), pd_report_definitions[0].figure);

    jv_free(&book);
    pd_report_free(r);
    assert_int_equal(test_dir_remove(dir), 0);
}

static void test_unwritable(void **state)
{
    (void)state;
    struct pd_report *r = build_report();
    char dir[PATH_MAX], path[PATH_MAX + 32], err[512] = "";

    assert_int_equal(test_dir_make(dir), 0);
    snprintf(path, sizeof(path), "%s/no/such/dir/report.xlsx", dir);
    assert_int_equal(pd_report_xlsx(r, path, "", err, sizeof(err)), -EIO);
    assert_non_null(strstr(err, path));
    assert_int_equal(access(path, F_OK), -1);
    pd_report_free(r);
    assert_int_equal(test_dir_remove(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workbook),
        cmocka_unit_test(test_unwritable),
    };
    char err[256];

    if (pd_time_set_zone("Asia/Shanghai", err, sizeof(err)) != 0) {
        fprintf(stderr, "skipped: %s\n", err);
        return 77;
    }
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: python3 is needed to read the workbook back\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
