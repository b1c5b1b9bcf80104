/*
 * Pages shared by many clients: N threads asking for one key at once get
 * the same page from one render; a page that failed is not kept; other
 * keys render apart.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "web_priv.h"
#include "web_shared.h"

#define THREADS 8

struct counter {
    pthread_mutex_t lock;
    unsigned renders;
    int status; /* what a render sets */
};

/* Slow enough that the other threads ask while it runs; the test's
 * outcome does not depend on it (a later thread finds the cached page). */
static int render(struct web_req *r, void *arg)
{
    struct counter *c = arg;
    pthread_mutex_lock(&c->lock);
    unsigned n = ++c->renders;
    pthread_mutex_unlock(&c->lock);
    usleep(50 * 1000);
    r->status = c->status;
    fprintf(r->out, "page %u", n);
    return 0;
}

struct asker {
    struct web_shared *s;
    struct counter *c;
    const char *key;
    char *body;
    int rc;
};

static void ask(struct asker *a)
{
    size_t len = 0;
    struct web_req r = {.status = 200};
    r.out = open_memstream(&a->body, &len);
    assert_non_null(r.out);
    a->rc = web_shared_page(a->s, &r, a->key, 60 * PD_SEC, render, a->c);
    assert_int_equal(fclose(r.out), 0);
}

static void *ask_thread(void *arg)
{
    ask(arg);
    return NULL;
}

static void one_render_for_many(void **state)
{
    (void)state;
    struct web_shared *s;
    assert_int_equal(web_shared_new(&s), 0);
    struct counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 200};
    struct asker a[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (struct asker){s, &c, "overview", NULL, -1};
        assert_int_equal(pthread_create(&t[i], NULL, ask_thread, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].rc, 0);
        assert_string_equal(a[i].body, "page 1");
        free(a[i].body);
    }
    assert_int_equal(c.renders, 1);
    unsigned long long renders, shared;
    web_shared_counts(s, &renders, &shared);
    assert_int_equal(renders, 1);
    assert_int_equal(shared, THREADS - 1);

    /* Another key is another page. */
    struct asker other = {s, &c,
                          "overview\x1f"
                          "down",
                          NULL, -1};
    ask(&other);
    assert_string_equal(other.body, "page 2");
    free(other.body);
    web_shared_free(s);
}

static void failed_page_not_kept(void **state)
{
    (void)state;
    struct web_shared *s;
    assert_int_equal(web_shared_new(&s), 0);
    struct counter c = {PTHREAD_MUTEX_INITIALIZER, 0, 503};
    struct asker a = {s, &c, "overview", NULL, -1};
    ask(&a);
    assert_string_equal(a.body, "page 1"); /* served, not kept */
    free(a.body);
    c.status = 200;
    ask(&a);
    assert_string_equal(a.body, "page 2");
    free(a.body);
    ask(&a);
    assert_string_equal(a.body, "page 2"); /* kept now */
    free(a.body);
    assert_int_equal(c.renders, 2);
    web_shared_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_render_for_many),
        cmocka_unit_test(failed_page_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
