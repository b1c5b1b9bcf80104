/*
 * Graphs from real series files: written with the daemon's own store
 * (pd_rrd_write, so names, steps and archives are the daemon's), rendered
 * with librrd as PNG and SVG, and checked from the bytes (PNG header, SVG
 * structure and glyphs). What the pictures look like is for people; here:
 * every kind renders, ids cannot reach other paths, user text cannot break
 * librrd's fields, and renders from two threads at once all succeed.
 *
 * librrd writes SVG through cairo, which draws text as glyph outlines
 * (<symbol id="glyph...">), not <text>: a title is checked by the glyphs it
 * adds, one per distinct character when the font has them (a missing glyph
 * is one shared "tofu" box).
 */
#include "test_files.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph.h"
#include "log.h"
#include "rrd_store.h"

#define T0    ((pd_ns)1699999200 * PD_SEC) /* a whole hour */
#define STEP  (60 * PD_SEC)
#define HOURS 5
#define NOW   (T0 + HOURS * 3600 * PD_SEC)

static char dir[PATH_MAX];       /* the data directory, made once for the group */
static char cdir[PATH_MAX + 16]; /* another, with a ':' in its name */

struct metric_fn {
    const char *name;
    double (*value)(size_t i); /* sample i of the run */
};

/* Latency with a slow wave, a ripple and some loss: 1 %, 5 %, 30 % and
 * all lost, in separate stretches, so that every colour of the median
 * shows up. */
static double loss_at(size_t i)
{
    return i % 37 == 5 ? 1 : i % 53 == 7 ? 5 : i % 71 == 9 ? 30 : (i >= 150 && i < 156) ? 100 : 0;
}

static double median_at(size_t i)
{
    return loss_at(i) >= 100 ? NAN : 20 + 6 * sin((double)i / 30) + (double)(i % 7) * 0.4;
}

static void fill_icmp(struct pd_metric *m, size_t i)
{
    double med = median_at(i);
    m[0] = (struct pd_metric){"sent", 20};
    m[1] = (struct pd_metric){"received", 20 - loss_at(i) / 5};
    m[2] = (struct pd_metric){"loss_pct", loss_at(i)};
    m[3] = (struct pd_metric){"rtt_min", med - 2 - (double)(i % 3)};
    m[4] = (struct pd_metric){"rtt_avg", med + 1};
    m[5] = (struct pd_metric){"rtt_median", med};
    m[6] = (struct pd_metric){"rtt_max", med + 4 + (double)(i % 11)};
    m[7] = (struct pd_metric){"rtt_stddev", 1 + (double)(i % 5) * 0.3};
    m[8] = (struct pd_metric){"jitter", 0.5 + (double)(i % 9) * 0.2};
    m[9] = (struct pd_metric){"dup", 0};
    m[10] = (struct pd_metric){"late", 0};
    m[11] = (struct pd_metric){"ping1", med - 2};
    m[12] = (struct pd_metric){"ping2", med};
    m[13] = (struct pd_metric){"ping3", med + 4};
}

static void fill_http(struct pd_metric *m, size_t i)
{
    double t = (double)(i % 13);
    m[0] = (struct pd_metric){"dns_ms", 2 + t * 0.1};
    m[1] = (struct pd_metric){"connect_ms", 10 + t};
    m[2] = (struct pd_metric){"tls_ms", 25 + t * 2};
    m[3] = (struct pd_metric){"ttfb_ms", 40 + t * 3};
    m[4] = (struct pd_metric){"total_ms", 100 + t * 8};
    m[5] = (struct pd_metric){"status", 200};
    m[6] = (struct pd_metric){"bytes", 5120};
    m[7] = (struct pd_metric){"cert_days_left", 60};
    if (i % 40 == 3) /* a failed round: nothing but the verdict */
        for (size_t k = 0; k < 8; k++)
            m[k].value = NAN;
}

static void fill_if(struct pd_metric *m, size_t i)
{
    double w = sin((double)i / 40);
    m[0] = (struct pd_metric){"in_bps", 4e8 + 3e8 * w};
    m[1] = (struct pd_metric){"out_bps", 1e8 + 5e7 * w};
    m[2] = (struct pd_metric){"in_errors", i % 50 == 0 ? 0.5 : 0};
    m[3] = (struct pd_metric){"out_errors", 0};
    m[4] = (struct pd_metric){"in_discards", i % 70 == 0 ? 2 : 0};
    m[5] = (struct pd_metric){"out_discards", 0};
    m[6] = (struct pd_metric){"oper_up", 1};
    m[7] = (struct pd_metric){"speed_mbps", 1000};
}

static void fill_rtp(struct pd_metric *m, size_t i)
{
    m[0] = (struct pd_metric){"loss_pct", i % 30 == 0 ? 2.5 : 0.1};
    m[1] = (struct pd_metric){"jitter_ms", 1.5 + (double)(i % 17) * 0.2};
    m[2] = (struct pd_metric){"streams", 2};
    m[3] = (struct pd_metric){"packets", 3000};
    m[4] = (struct pd_metric){"lost", 3};
    m[5] = (struct pd_metric){"capture_drops", i % 90 == 0 ? 10 : 0};
}

/* One file of HOURS hours at STEP, written in one call as the storage
 * thread would; n_metrics of fill's metrics. */
static void write_file(struct pd_rrd_store *st, const char *check, const char *series,
                       void (*fill)(struct pd_metric *, size_t), size_t n_metrics)
{
    size_t n = (size_t)(HOURS * 3600 * PD_SEC / STEP);
    struct pd_metric *m = calloc(n * 14, sizeof(*m));
    struct pd_rrd_sample *s = calloc(n, sizeof(*s));
    assert_non_null(m);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        fill(m + i * 14, i);
        s[i] = (struct pd_rrd_sample){T0 + (pd_ns)(i + 1) * STEP, m + i * 14, n_metrics};
    }
    uint64_t errors = 0;
    assert_int_equal(pd_rrd_write(st, "router-1", check, series, STEP, s, n, &errors), n);
    assert_int_equal(errors, 0);
    free(s);
    free(m);
}

static void write_all(const char *data_dir)
{
    struct pd_rrd_store *st = NULL;
    char err[256];
    assert_int_equal(pd_rrd_open(data_dir, NULL, 0, &st, err, sizeof(err)), 0);
    write_file(st, "ping", NULL, fill_icmp, 14);
    write_file(st, "web", NULL, fill_http, 8);
    write_file(st, "snmp", "if-eth0", fill_if, 8);
    write_file(st, "media", NULL, fill_rtp, 6);
    write_file(st, "media", "out", fill_rtp, 5);
    write_file(st, "media", "in", fill_rtp, 5);
    pd_rrd_close(st);
}

static int group_setup(void **state)
{
    (void)state;
    pd_log_setup(PD_LOG_STDERR, PD_LOG_WARNING, "test_graph");
    if (test_dir_make(dir) < 0)
        return -1;
    snprintf(cdir, sizeof(cdir), "%s/with:colon", dir);
    if (mkdir(cdir, 0755) < 0)
        return -1;
    write_all(dir);
    write_all(cdir);
    pd_graph_warm_up();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_dir_remove(dir);
    return 0;
}

static struct pd_graph_req req_for(const char *check, const char *series, enum pd_graph_kind kind,
                                   enum pd_graph_format format)
{
    return (struct pd_graph_req){.data_dir = dir,
                                 .target_id = "router-1",
                                 .check_id = check,
                                 .series = series,
                                 .kind = kind,
                                 .period = PD_GRAPH_6H,
                                 .width = 500,
                                 .height = 150,
                                 .format = format,
                                 .title = "router-1",
                                 .now = NOW};
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG whose IHDR says width x height. */
static void assert_png(const void *img, size_t len, unsigned width, unsigned height)
{
    const unsigned char *p = img;
    assert_true(len > 33);
    assert_memory_equal(p, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(be32(p + 8), 13);
    assert_memory_equal(p + 12, "IHDR", 4);
    assert_int_equal(be32(p + 16), width);
    assert_int_equal(be32(p + 20), height);
    assert_true(width > 0 && height > 0);
}

/* An SVG document; returns how many glyphs it defines. */
static size_t assert_svg(const void *img, size_t len)
{
    char *s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, img, len);
    s[len] = '\0';
    assert_int_equal(strncmp(s, "<?xml", 5), 0);
    assert_non_null(strstr(s, "<svg"));
    assert_non_null(strstr(s, "</svg>"));
    size_t glyphs = 0;
    for (const char *p = s; (p = strstr(p, "<symbol ")); p++)
        glyphs++;
    free(s);
    return glyphs;
}

/* Renders req; the image checked as its format says; returns it. */
static void *render_ok(const struct pd_graph_req *req, size_t *len_out, unsigned *w_out,
                       unsigned *h_out)
{
    void *img = NULL;
    size_t len = 0;
    unsigned w = 0, h = 0;
    char err[512] = "";
    int rc = pd_graph_render(req, &img, &len, &w, &h, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s %s: %d %s", req->check_id, pd_graph_kind_name(req->kind), rc, err);
    assert_non_null(img);
    if (req->format == PD_GRAPH_PNG)
        assert_png(img, len, w, h);
    else
        assert_svg(img, len);
    if (len_out)
        *len_out = len;
    if (w_out)
        *w_out = w;
    if (h_out)
        *h_out = h;
    return img;
}

/* PD_TEST_GRAPH_DIR set: the images are also written there, for people
 * to look at (<check>[-<series>]-<kind>.png|svg). */
static void keep(const struct pd_graph_req *r, const void *img, size_t len)
{
    const char *out = getenv("PD_TEST_GRAPH_DIR");
    if (!out)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s%s%s-%s.%s", out, r->check_id, r->series ? "-" : "",
             r->series ? r->series : "", pd_graph_kind_name(r->kind),
             r->format == PD_GRAPH_SVG ? "svg" : "png");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static const struct {
    const char *check, *series;
    enum pd_graph_kind kind;
} cases[] = {
    {"ping", NULL, PD_GRAPH_LATENCY},      {"ping", NULL, PD_GRAPH_LOSS},
    {"ping", NULL, PD_GRAPH_JITTER},       {"web", NULL, PD_GRAPH_HTTP},
    {"snmp", "if-eth0", PD_GRAPH_TRAFFIC}, {"media", NULL, PD_GRAPH_RTP},
    {"media", "out", PD_GRAPH_RTP},        {"media", "in", PD_GRAPH_JITTER},
    {"media", "in", PD_GRAPH_LOSS},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void test_every_kind_png_and_svg(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++)
        for (int fmt = PD_GRAPH_PNG; fmt <= PD_GRAPH_SVG; fmt++) {
            struct pd_graph_req r =
                req_for(cases[i].check, cases[i].series, cases[i].kind, (enum pd_graph_format)fmt);
            r.title = "router-1 延迟 (北京)";
            r.comment = "核心路由器: ge-0/0/1";
            unsigned w, h;
            size_t len;
            void *img = render_ok(&r, &len, &w, &h);
            keep(&r, img, len);
            /* The image holds the 500x150 plot area and its frame. */
            assert_true(w > 500 && w < 800);
            assert_true(h > 150 && h < 500);
            free(img);
        }
}

static void test_every_period(void **state)
{
    (void)state;
    static const char *const names[] = {"6h", "1d", "7d", "30d", "1y"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct pd_graph_req r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
        assert_int_equal(pd_graph_period_parse(names[i], &r.period), 0);
        assert_string_equal(pd_graph_period_name(r.period), names[i]);
        free(render_ok(&r, NULL, NULL, NULL));
    }
    assert_int_equal(pd_graph_period_seconds(PD_GRAPH_1D), 86400);
    assert_int_equal(pd_graph_period_seconds(PD_GRAPH_1Y), 365 * 86400);
}

static void test_size_is_clamped(void **state)
{
    (void)state;
    struct pd_graph_req r = req_for("ping", NULL, PD_GRAPH_LOSS, PD_GRAPH_PNG);
    unsigned small_w, small_h, big_w, big_h, def_w, def_h;
    r.width = 1;
    r.height = 1;
    free(render_ok(&r, NULL, &small_w, &small_h));
    r.width = 100000;
    r.height = 100000;
    free(render_ok(&r, NULL, &big_w, &big_h));
    r.width = r.height = 0;
    free(render_ok(&r, NULL, &def_w, &def_h));
    assert_true(small_w > PD_GRAPH_WIDTH_MIN && small_w < PD_GRAPH_WIDTH_MIN + 200);
    assert_true(small_h > PD_GRAPH_HEIGHT_MIN && small_h < PD_GRAPH_HEIGHT_MIN + 200);
    assert_true(big_w > PD_GRAPH_WIDTH_MAX && big_w < PD_GRAPH_WIDTH_MAX + 200);
    assert_true(big_h > PD_GRAPH_HEIGHT_MAX && big_h < PD_GRAPH_HEIGHT_MAX + 200);
    assert_true(def_w > PD_GRAPH_WIDTH_DEF && def_w < PD_GRAPH_WIDTH_DEF + 200);
}

static size_t svg_glyphs(const struct pd_graph_req *r, unsigned *height)
{
    size_t len;
    void *img = render_ok(r, &len, NULL, height);
    size_t n = assert_svg(img, len);
    free(img);
    return n;
}

/* A title in Chinese is drawn with the CJK font's glyphs (nine distinct
 * characters: nine more glyphs, not one tofu box) and makes room for
 * itself; a comment with every character librrd reads specially renders
 * without an error, and so does a title that looks like options. */
static void test_chinese_title_and_hostile_text(void **state)
{
    (void)state;
    struct pd_graph_req r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_SVG);
    unsigned bare_h, titled_h;
    r.title = NULL;
    size_t bare = svg_glyphs(&r, &bare_h);
    r.title = "北京核心路由器 延迟";
    size_t titled = svg_glyphs(&r, &titled_h);
    assert_true(titled >= bare + 9);
    assert_true(titled_h > bare_h);

    for (int fmt = PD_GRAPH_PNG; fmt <= PD_GRAPH_SVG; fmt++) {
        r.format = (enum pd_graph_format)fmt;
        r.comment = "机房 A:3 50% %s \\ end\\";
        free(render_ok(&r, NULL, NULL, NULL));
        r.comment = "ends with a control code\\l";
        r.title = "-x --title: 100%\n\x01";
        free(render_ok(&r, NULL, NULL, NULL));
        r.comment = "\\";
        r.title = "--";
        free(render_ok(&r, NULL, NULL, NULL));
    }
}

static void test_data_dir_with_colon(void **state)
{
    (void)state;
    struct pd_graph_req r = req_for("snmp", "if-eth0", PD_GRAPH_TRAFFIC, PD_GRAPH_SVG);
    r.data_dir = cdir;
    free(render_ok(&r, NULL, NULL, NULL));
}

static void expect_escape(const char *in, int format, const char *want)
{
    char out[128];
    assert_int_equal(pd_graph_escape(in, format, out, sizeof(out)), 0);
    assert_string_equal(out, want);
}

static void test_escape(void **state)
{
    (void)state;
    expect_escape("plain", 0, "plain");
    expect_escape("a:b::c", 0, "a\\:b\\:\\:c");
    expect_escape("C:\\dir\\", 0, "C\\:/dir/");
    expect_escape("ends\\l", 0, "ends/l");
    expect_escape("\\", 0, "/");
    expect_escape("50%", 0, "50%");
    expect_escape("50% %s", 1, "50%% %%s");
    expect_escape("a\tb\nc\rd", 0, "a b c d");
    expect_escape("x\x01\x1f\x7fy", 0, "xy");
    expect_escape("机房:二", 0, "机房\\:二");
    expect_escape("bad \xff\xfe utf8 \xe6\x9c", 0, "bad ?? utf8 ?");
    expect_escape("\xef\xbf\xbd", 0, "\xef\xbf\xbd"); /* a real U+FFFD stays */
    expect_escape("", 0, "");

    /* Too small: cut before an escape or a character, never inside. */
    char out[6];
    assert_int_equal(pd_graph_escape("abcd:e", 0, out, sizeof(out)), -ENOSPC);
    assert_string_equal(out, "abcd");
    assert_int_equal(pd_graph_escape("ab机房", 0, out, sizeof(out)), -ENOSPC);
    assert_string_equal(out, "ab机");
    assert_int_equal(pd_graph_escape("a%b%", 1, out, sizeof(out)), -ENOSPC);
    assert_string_equal(out, "a%%b");
    char one[1];
    assert_int_equal(pd_graph_escape("a", 0, one, sizeof(one)), -ENOSPC);
    assert_string_equal(one, "");

    char t[64];
    assert_int_equal(pd_graph_escape_title("a:b\\c 100% 北京\n\x02", t, sizeof(t)), 0);
    assert_string_equal(t, "a:b\\c 100% 北京 ");
}

static void expect_render_fails(const struct pd_graph_req *r, int want, const char *in_err)
{
    void *img = (void *)1;
    size_t len = 1;
    char err[512] = "";
    assert_int_equal(pd_graph_render(r, &img, &len, NULL, NULL, err, sizeof(err)), want);
    assert_null(img);
    assert_int_equal(len, 0);
    if (in_err && !strstr(err, in_err))
        fail_msg("error \"%s\" lacks \"%s\"", err, in_err);
}

static void test_bad_ids_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "../etc", "a/b",  "",
        "..",     ".",    "A",
        "x y",    "a\\b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pd_graph_req r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
        r.target_id = bad[i];
        expect_render_fails(&r, -EINVAL, "id");
        r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
        r.check_id = bad[i];
        expect_render_fails(&r, -EINVAL, "id");
        r = req_for("media", bad[i], PD_GRAPH_RTP, PD_GRAPH_PNG);
        expect_render_fails(&r, -EINVAL, "id");
    }
    struct pd_graph_req r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    r.kind = (enum pd_graph_kind)99;
    expect_render_fails(&r, -EINVAL, "kind");
    r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    r.period = (enum pd_graph_period) - 1;
    expect_render_fails(&r, -EINVAL, "period");
    r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    r.format = (enum pd_graph_format)7;
    expect_render_fails(&r, -EINVAL, "format");
    r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    r.font = "Evil:Font";
    expect_render_fails(&r, -EINVAL, "font");
}

static void test_parse(void **state)
{
    (void)state;
    enum pd_graph_period p;
    static const char *const bad_periods[] = {"2h", "", "6H", "1d ", "1w", "30"};
    for (size_t i = 0; i < sizeof(bad_periods) / sizeof(bad_periods[0]); i++)
        assert_int_equal(pd_graph_period_parse(bad_periods[i], &p), -EINVAL);
    assert_int_equal(pd_graph_period_parse(NULL, &p), -EINVAL);
    assert_int_equal(pd_graph_period_parse("30d", &p), 0);
    assert_int_equal(p, PD_GRAPH_30D);

    enum pd_graph_kind k;
    static const char *const kinds[] = {"latency", "loss", "jitter", "http", "traffic", "rtp"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        assert_int_equal(pd_graph_kind_parse(kinds[i], &k), 0);
        assert_string_equal(pd_graph_kind_name(k), kinds[i]);
    }
    assert_int_equal(pd_graph_kind_parse("smoke", &k), -EINVAL);
    assert_int_equal(pd_graph_kind_parse("", &k), -EINVAL);
}

static void test_missing_file_or_data_source(void **state)
{
    (void)state;
    struct pd_graph_req r = req_for("nosuch", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    expect_render_fails(&r, -ENOENT, "rrd/router-1/nosuch.rrd");
    r = req_for("media", "sideways", PD_GRAPH_RTP, PD_GRAPH_PNG);
    expect_render_fails(&r, -ENOENT, "no such series");
    r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    r.target_id = "router-2";
    expect_render_fails(&r, -ENOENT, NULL);

    /* The wrong kind for the check: the file lacks what the kind draws. */
    r = req_for("web", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    expect_render_fails(&r, -ENOENT, "\"rtt_median\"");
    r = req_for("ping", NULL, PD_GRAPH_TRAFFIC, PD_GRAPH_SVG);
    expect_render_fails(&r, -ENOENT, "in_bps");
    r = req_for("snmp", "if-eth0", PD_GRAPH_HTTP, PD_GRAPH_PNG);
    expect_render_fails(&r, -ENOENT, "http graph");
    r = req_for("web", NULL, PD_GRAPH_JITTER, PD_GRAPH_PNG);
    expect_render_fails(&r, -ENOENT, "jitter");
    r = req_for("ping", NULL, PD_GRAPH_RTP, PD_GRAPH_PNG);
    expect_render_fails(&r, -ENOENT, "jitter_ms");

    /* Not an RRD file: librrd's own words, no crash. */
    char path[PATH_MAX];
    assert_int_equal(test_write(dir, "rrd/router-1/junk.rrd", "not rrd", 7, path), 0);
    r = req_for("junk", NULL, PD_GRAPH_LOSS, PD_GRAPH_PNG);
    expect_render_fails(&r, -EIO, "rrd/router-1/junk.rrd");
}

struct worker {
    int id, ok;
};

static void test_kinds_and_series(void **state)
{
    (void)state;
    unsigned mask = 0;
    char err[256];
    assert_int_equal(pd_graph_kinds(dir, "router-1", "ping", NULL, &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, 1u << PD_GRAPH_LATENCY | 1u << PD_GRAPH_LOSS | 1u << PD_GRAPH_JITTER);
    assert_int_equal(pd_graph_kinds(dir, "router-1", "web", NULL, &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, 1u << PD_GRAPH_HTTP);
    assert_int_equal(pd_graph_kinds(dir, "router-1", "snmp", "if-eth0", &mask, err, sizeof(err)),
                     0);
    assert_int_equal(mask, 1u << PD_GRAPH_TRAFFIC);
    assert_int_equal(pd_graph_kinds(dir, "router-1", "media", "in", &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, 1u << PD_GRAPH_LOSS | 1u << PD_GRAPH_JITTER | 1u << PD_GRAPH_RTP);
    assert_int_equal(pd_graph_kinds(dir, "router-1", "nope", NULL, &mask, err, sizeof(err)),
                     -ENOENT);
    assert_int_equal(pd_graph_kinds(dir, "router-1", "../x", NULL, &mask, err, sizeof(err)),
                     -EINVAL);

    /* The parts of a check, sorted; a file whose name is no id is not one. */
    char stray[PATH_MAX + 64];
    snprintf(stray, sizeof(stray), "%s/rrd/router-1/media/Bad Name.rrd", dir);
    FILE *f = fopen(stray, "w");
    assert_non_null(f);
    fclose(f);
    char **names;
    size_t n;
    assert_int_equal(pd_graph_series(dir, "router-1", "media", &names, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "in");
    assert_string_equal(names[1], "out");
    pd_graph_series_free(names, n);
    unlink(stray);
    assert_int_equal(pd_graph_series(dir, "router-1", "ping", &names, &n), 0);
    assert_int_equal(n, 0);
    assert_null(names);
    assert_int_equal(pd_graph_series(dir, "router-1", "..", &names, &n), -EINVAL);
}

/* Full-size mode: the whole image has the size asked. */
static void test_full_size(void **state)
{
    (void)state;
    struct pd_graph_req r = req_for("ping", NULL, PD_GRAPH_LATENCY, PD_GRAPH_PNG);
    r.full_size = 1;
    r.width = 640;
    r.height = 250;
    size_t len;
    unsigned w, h;
    void *img = render_ok(&r, &len, &w, &h);
    assert_int_equal(w, 640);
    assert_int_equal(h, 250);
    assert_png(img, len, 640, 250);
    free(img);
}

static void *render_many(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 20; i++) {
        size_t c = (size_t)(w->id * 7 + i) % N_CASES;
        struct pd_graph_req r = req_for(cases[c].check, cases[c].series, cases[c].kind,
                                        (i + w->id) % 2 ? PD_GRAPH_SVG : PD_GRAPH_PNG);
        r.title = w->id ? "线程 1" : "thread 0";
        void *img = NULL;
        size_t len = 0;
        char err[256];
        if (pd_graph_render(&r, &img, &len, NULL, NULL, err, sizeof(err)) == 0 && len > 100)
            w->ok++;
        free(img);
    }
    return NULL;
}

/* librrd 1.7's graph code corrupts its heap when two threads render at
 * once; the module's lock is what makes this pass (ASan would say). */
static void test_two_threads(void **state)
{
    (void)state;
    pthread_t t[2];
    struct worker w[2] = {{0, 0}, {1, 0}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, render_many, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(w[0].ok, 20);
    assert_int_equal(w[1].ok, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_every_kind_png_and_svg),
        cmocka_unit_test(test_every_period),
        cmocka_unit_test(test_size_is_clamped),
        cmocka_unit_test(test_chinese_title_and_hostile_text),
        cmocka_unit_test(test_data_dir_with_colon),
        cmocka_unit_test(test_bad_ids_are_refused),
        cmocka_unit_test(test_missing_file_or_data_source),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_kinds_and_series),
        cmocka_unit_test(test_full_size),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
