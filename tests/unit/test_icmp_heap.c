/* The icmp plugin's heap: random pushes, removals and re-keys against a
 * plain array, so the top is always the smallest key and indexes stay
 * true. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "icmp_heap.h"

struct item {
    pd_ns key;
    size_t index;
};

#define N 500

static void check_heap(const struct icmp_heap *h, const struct item *items)
{
    pd_ns min = INT64_MAX;
    size_t in = 0;
    for (size_t i = 0; i < N; i++) {
        if (items[i].index == ICMP_HEAP_NONE)
            continue;
        in++;
        assert_ptr_equal(h->v[items[i].index].e, &items[i]);
        assert_true(h->v[items[i].index].key == items[i].key);
        if (items[i].key < min)
            min = items[i].key;
    }
    assert_int_equal(h->n, in);
    assert_true(icmp_heap_top_key(h) == min);
}

static void test_random_operations(void **state)
{
    (void)state;
    static struct item items[N];
    struct icmp_heap h = {.key_off = offsetof(struct item, key),
                          .index_off = offsetof(struct item, index)};
    assert_int_equal(icmp_heap_reserve(&h, N), 0);
    assert_null(icmp_heap_top(&h));
    assert_true(icmp_heap_top_key(&h) == INT64_MAX);
    for (size_t i = 0; i < N; i++)
        items[i].index = ICMP_HEAP_NONE;
    srand(7);
    for (int op = 0; op < 20000; op++) {
        struct item *it = &items[rand() % N];
        int what = rand() % 3;
        if (it->index == ICMP_HEAP_NONE && what != 2) {
            it->key = rand() % 1000;
            icmp_heap_push(&h, it);
        } else if (what == 1) {
            icmp_heap_remove(&h, it);
            icmp_heap_remove(&h, it); /* twice: a no-op */
        } else if (it->index != ICMP_HEAP_NONE) {
            it->key = rand() % 1000;
            icmp_heap_rekey(&h, it);
        }
        check_heap(&h, items);
    }
    /* Draining gives the keys in order. */
    pd_ns last = -1;
    struct item *top;
    while ((top = icmp_heap_top(&h))) {
        assert_true(top->key >= last);
        last = top->key;
        icmp_heap_remove(&h, top);
    }
    icmp_heap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_operations)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
