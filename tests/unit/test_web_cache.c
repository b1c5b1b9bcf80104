/*
 * The dashboard's image cache: entries expire, a key is replaced, and a
 * full cache (by count or by bytes) drops expired entries first, then the
 * least recently used. Times are given, no clock is read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web_cache.h"

#define S ((pd_ns)1000000000)

/* The entry's bytes as a string, or NULL when the cache has none. */
static char *get(struct web_cache *c, const char *key, pd_ns now)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    int rc = web_cache_write(c, key, now, f, NULL);
    assert_int_equal(fclose(f), 0);
    if (rc < 0) {
        assert_int_equal(rc, -ENOENT);
        free(buf);
        return NULL;
    }
    return buf;
}

static void expect(struct web_cache *c, const char *key, pd_ns now, const char *want)
{
    char *got = get(c, key, now);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void put(struct web_cache *c, const char *key, const char *data, pd_ns expires, pd_ns now)
{
    assert_int_equal(web_cache_put(c, key, data, strlen(data), expires, now), 0);
}

static void test_get_put_expire(void **state)
{
    (void)state;
    struct web_cache *c;
    assert_int_equal(web_cache_new(4, 1024, &c), 0);
    expect(c, "a", 0, NULL);
    put(c, "a", "alpha", 10 * S, 0);
    expect(c, "a", 9 * S, "alpha");
    pd_ns expires = 0;
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(web_cache_write(c, "a", 1 * S, f, &expires), 0);
    fclose(f);
    assert_true(expires == 10 * S);
    expect(c, "a", 10 * S, NULL); /* expired at its time, and dropped */
    struct web_cache_stats st;
    web_cache_stats(c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 2);

    put(c, "a", "one", 20 * S, 11 * S);
    put(c, "a", "two!", 20 * S, 12 * S); /* replaced, not added */
    expect(c, "a", 13 * S, "two!");
    web_cache_stats(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.bytes, 4);
    web_cache_free(c);
}

static void test_full_by_count(void **state)
{
    (void)state;
    struct web_cache *c;
    assert_int_equal(web_cache_new(3, 1024, &c), 0);
    put(c, "a", "A", 100 * S, 1 * S);
    put(c, "b", "B", 5 * S, 2 * S);
    put(c, "c", "C", 100 * S, 3 * S);
    expect(c, "a", 4 * S, "A"); /* a used last now: c is the least recent */
    /* b has expired: it goes first, though not the least recently used. */
    put(c, "d", "D", 100 * S, 6 * S);
    expect(c, "b", 7 * S, NULL);
    expect(c, "a", 7 * S, "A");
    expect(c, "c", 7 * S, "C");
    expect(c, "d", 7 * S, "D");
    /* Nothing expired: the least recently used (a, c, d all used at 7 s;
     * touch a and d later) goes. */
    expect(c, "a", 8 * S, "A");
    expect(c, "d", 8 * S, "D");
    put(c, "e", "E", 100 * S, 9 * S);
    expect(c, "c", 10 * S, NULL);
    expect(c, "a", 10 * S, "A");
    expect(c, "e", 10 * S, "E");
    web_cache_free(c);
}

static void test_full_by_bytes(void **state)
{
    (void)state;
    struct web_cache *c;
    assert_int_equal(web_cache_new(10, 10, &c), 0);
    put(c, "a", "aaaa", 100 * S, 1 * S);
    put(c, "b", "bbbb", 100 * S, 2 * S);
    put(c, "c", "cccccc", 100 * S, 3 * S); /* 14 bytes: a, the oldest, goes */
    expect(c, "a", 4 * S, NULL);
    expect(c, "b", 4 * S, "bbbb");
    expect(c, "c", 4 * S, "cccccc");
    assert_int_equal(web_cache_put(c, "big", "0123456789x", 11, 100 * S, 5 * S), -E2BIG);
    expect(c, "b", 6 * S, "bbbb"); /* a refused entry evicts nothing */
    struct web_cache_stats st;
    web_cache_stats(c, &st);
    assert_int_equal(st.bytes, 10);
    web_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_put_expire),
        cmocka_unit_test(test_full_by_count),
        cmocka_unit_test(test_full_by_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
