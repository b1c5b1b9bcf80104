/*
 * HLS playlists as live-stream checks read them (RFC 8216), and the status
 * sets of expect_status. Every input is copied to a buffer of its exact
 * size, so ASan sees a read past the text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hls.h"
#include "http_expect.h"

static char err[256];

static int parse(const char *text, struct hls_playlist *pl)
{
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    err[0] = '\0';
    int rc = hls_parse(copy, len, pl, err, sizeof(err));
    /* URIs point into the text: compare before it goes. */
    static char uri[256];
    const struct hls_text *u = pl->is_master ? &pl->variant_uri : &pl->newest_uri;
    snprintf(uri, sizeof(uri), "%.*s", (int)u->len, u->p ? u->p : "");
    free(copy);
    pl->variant_uri = pl->newest_uri = (struct hls_text){uri, strlen(uri)};
    return rc;
}

static void uri_is(const struct hls_text *t, const char *want)
{
    assert_int_equal(t->len, strlen(want));
    assert_memory_equal(t->p, want, t->len);
}

static void test_master_best_variant(void **unused)
{
    (void)unused;
    struct hls_playlist pl;
    const char *text = "\xef\xbb\xbf#EXTM3U\r\n"
                       "#EXT-X-VERSION:3\r\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,"
                       "mp4a.40.2\"\r\n"
                       "low/index.m3u8\r\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080\r\n"
                       "hd/index.m3u8\r\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=9000000,CODECS=\"a,b\",RESOLUTION=1920x1080\r\n"
                       "hd-hi/index.m3u8\r\n"
                       "#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\r\n"
                       "mid/index.m3u8\r\n";
    assert_int_equal(parse(text, &pl), 0);
    assert_true(pl.is_master);
    assert_int_equal(pl.n_variants, 4);
    assert_int_equal(pl.width, 1920);
    assert_int_equal(pl.height, 1080);
    assert_int_equal(pl.bandwidth, 9000000);
    uri_is(&pl.variant_uri, "hd-hi/index.m3u8");
}

static void test_master_without_resolution(void **unused)
{
    (void)unused;
    struct hls_playlist pl;
    assert_int_equal(parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\na.m3u8\n"
                           "#EXT-X-STREAM-INF:BANDWIDTH=300\nb.m3u8\n",
                           &pl),
                     0);
    assert_true(pl.is_master);
    assert_int_equal(pl.height, 0);
    uri_is(&pl.variant_uri, "b.m3u8");
}

static void test_media(void **unused)
{
    (void)unused;
    struct hls_playlist pl;
    const char *text = "#EXTM3U\n"
                       "#EXT-X-VERSION:3\n"
                       "#EXT-X-TARGETDURATION:4\n"
                       "#EXT-X-MEDIA-SEQUENCE:41235\n"
                       "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:00:00.000+08:00\n"
                       "#EXTINF:4.000,\n"
                       "seg41235.ts\n"
                       "# a comment\n"
                       "#EXTINF:3.960,title, with comma\n"
                       "seg41236.ts\n"
                       "\n"
                       "#EXTINF:4,\n"
                       "https://cdn.example/live/seg41237.ts?token=a,b\n";
    assert_int_equal(parse(text, &pl), 0);
    assert_false(pl.is_master);
    assert_int_equal(pl.n_segments, 3);
    assert_int_equal(pl.media_sequence, 41235);
    assert_true(pl.target_duration == 4.0);
    assert_true(pl.newest_duration == 4.0);
    assert_false(pl.ended);
    uri_is(&pl.newest_uri, "https://cdn.example/live/seg41237.ts?token=a,b");

    assert_int_equal(
        parse("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:5.5,\na.ts\n#EXT-X-ENDLIST\n", &pl), 0);
    assert_true(pl.ended);
    assert_int_equal(pl.media_sequence, 0);
    assert_true(pl.newest_duration == 5.5);

    /* A live playlist may be empty for a moment. */
    assert_int_equal(parse("#EXTM3U\n#EXT-X-TARGETDURATION:6\n", &pl), 0);
    assert_int_equal(pl.n_segments, 0);
}

static void test_refused(void **unused)
{
    (void)unused;
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "empty: not an HLS playlist"},
        {"<html>404</html>\n", "line 1: not an HLS playlist (no #EXTM3U first)"},
        {"#EXTM3U\na.ts\n", "line 2: a URI without #EXTINF or #EXT-X-STREAM-INF"},
        {"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n", "line 3: the tag's URI is missing"},
        {"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n#EXTINF:4,\na.ts\n",
         "line 4: a tag where the URI of line 3 was expected"},
        {"#EXTM3U\n#EXTINF:4,\na.ts\n", "a media playlist without #EXT-X-TARGETDURATION"},
        {"#EXTM3U\n#EXT-X-TARGETDURATION:-4\n", "line 2: #EXT-X-TARGETDURATION is not 0..86400 s"},
        {"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:nan,\na.ts\n",
         "line 3: #EXTINF without a valid duration"},
        {"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:1e400,\na.ts\n",
         "line 3: #EXTINF without a valid duration"},
        {"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n",
         "line 2: #EXT-X-MEDIA-SEQUENCE is not a number"},
        {"#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na\n",
         "line 2: #EXT-X-STREAM-INF without a valid BANDWIDTH"},
        {"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=19201080\na\n",
         "line 2: bad attributes or RESOLUTION"},
        {"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"open\na\n",
         "line 2: bad attributes or RESOLUTION"},
        {"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na\n#EXT-X-TARGETDURATION:2\n",
         "both variants and segments"},
        {"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nb\n",
         "line 3: a tag where the URI of line 2 was expected"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hls_playlist pl;
        assert_int_equal(parse(bad[i].text, &pl), -EINVAL);
        if (strcmp(err, bad[i].why) != 0)
            fail_msg("case %zu: '%s', expected '%s'", i, err, bad[i].why);
    }
}

/* Every prefix of a valid playlist is parsed or refused, never read past. */
static void test_prefixes(void **unused)
{
    (void)unused;
    const char *text = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080,"
                       "NAME=\"a,b\"\nhd/index.m3u8\n";
    for (size_t n = 0; n <= strlen(text); n++) {
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, text, n);
        struct hls_playlist pl;
        int rc = hls_parse(copy, n, &pl, err, sizeof(err));
        assert_true(rc == 0 || rc == -EINVAL);
        free(copy);
    }
}

static int status_parse(const char *const *items, struct http_status_set *set)
{
    err[0] = '\0';
    return http_status_parse(items, set, err, sizeof(err));
}

static void test_status_sets(void **unused)
{
    (void)unused;
    struct http_status_set set;
    char text[128];
    const char *def[] = {"200-299", NULL};
    assert_int_equal(status_parse(def, &set), 0);
    assert_true(http_status_match(&set, 200));
    assert_true(http_status_match(&set, 299));
    assert_false(http_status_match(&set, 301));
    assert_false(http_status_match(&set, 199));

    const char *mixed[] = {"2xx, 301", " 404 ", "500-502", NULL};
    assert_int_equal(status_parse(mixed, &set), 0);
    http_status_format(&set, text, sizeof(text));
    assert_string_equal(text, "200-299, 301, 404, 500-502");
    assert_true(http_status_match(&set, 404));
    assert_true(http_status_match(&set, 501));
    assert_false(http_status_match(&set, 302));

    static const char *const bad[] = {"20",  "2000", "600",      "099", "299-200", "6xx",
                                      "2xy", "200-", "200,,201", "abc", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *items[] = {bad[i], NULL};
        if (status_parse(items, &set) != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_non_null(strstr(err, "expect_status: "));
    }
    const char *none[] = {NULL};
    assert_int_equal(status_parse(none, &set), -EINVAL);
    assert_string_equal(err, "expect_status: no status accepted; write e.g. 200-299");
    const char *many[] = {"200,201,202,203,204,205,206,207,208,209,210,211,212,213,214,215,216",
                          NULL};
    assert_int_equal(status_parse(many, &set), -EINVAL);
    assert_string_equal(err, "expect_status: at most 16 codes or ranges");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_best_variant),
        cmocka_unit_test(test_master_without_resolution),
        cmocka_unit_test(test_media),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_status_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
