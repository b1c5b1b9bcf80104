/* The difference between two inventories, as probectl inventory shows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "inventory.h"
#include "inventory_diff.h"

#define T(id_, name_, address_, type_, site_, profile_)                                            \
    {                                                                                              \
        .id = (char *)(id_), .name = (char *)(name_), .address = (char *)(address_),               \
        .type = (char *)(type_), .site = (char *)(site_), .snmp_profile = (char *)(profile_)       \
    }

static const struct pd_target_conf old_inv[] = {
    T("gy-codec-01", "贵阳市会议终端01", "10.20.1.10", "codec", "guizhou/guiyang", NULL),
    T("zy-cam-02", "遵义市摄像头02", "10.20.5.2", "camera", "guizhou/zunyi", NULL),
    T("lps-sw-01", "六盘水市交换机", "10.20.7.1", "switch", "guizhou/liupanshui", "core-v3"),
    T("as-sw-01", "安顺市交换机", "10.20.8.1", "switch", "guizhou/anshun", NULL),
};

static void expect_change(const struct pd_inv_change *c, enum pd_inv_change_kind kind,
                          const char *id, unsigned fields)
{
    assert_int_equal(c->kind, kind);
    assert_string_equal(c->new ? c->new->id : c->old->id, id);
    assert_int_equal(c->fields, fields);
    assert_true(kind == PD_INV_ADDED     ? !c->old && c->new
                : kind == PD_INV_RETIRED ? c->old && !c->new
                                         : c->old && c->new);
}

static void test_same(void **state)
{
    (void)state;
    struct pd_inv_diff d;
    assert_int_equal(pd_inv_diff(old_inv, 4, old_inv, 4, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.unchanged, 4);
    assert_int_equal(d.added + d.changed + d.retired, 0);
    pd_inv_diff_free(&d);
}

/* Order does not matter: a sorted spreadsheet is the same inventory. */
static void test_reordered(void **state)
{
    (void)state;
    const struct pd_target_conf shuffled[] = {old_inv[3], old_inv[1], old_inv[0], old_inv[2]};
    struct pd_inv_diff d;
    assert_int_equal(pd_inv_diff(old_inv, 4, shuffled, 4, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(d.unchanged, 4);
    pd_inv_diff_free(&d);
}

static void test_added_changed_retired(void **state)
{
    (void)state;
    const struct pd_target_conf new_inv[] = {
        /* the address and the site */
        T("zy-cam-02", "遵义市摄像头02", "10.20.5.22", "camera", "guizhou/zunyi/huichuan", NULL),
        T("gy-codec-01", "贵阳市会议终端01", "10.20.1.10", "codec", "guizhou/guiyang", NULL),
        T("zy-cam-09", "遵义市摄像头09", "10.20.5.9", "camera", "guizhou/zunyi", NULL),
        T("bj-cam-01", "毕节市摄像头01", "10.20.9.1", "camera", "guizhou/bijie", NULL),
        /* the profile dropped, the name changed */
        T("lps-sw-01", "六盘水市核心交换机", "10.20.7.1", "switch", "guizhou/liupanshui", NULL),
    };
    struct pd_inv_diff d;
    assert_int_equal(pd_inv_diff(old_inv, 4, new_inv, 5, &d), 0);
    assert_int_equal(d.added, 2);
    assert_int_equal(d.changed, 2);
    assert_int_equal(d.retired, 1);
    assert_int_equal(d.unchanged, 1);
    assert_int_equal(d.n, 5);
    /* Added, changed, retired; by id within each. */
    expect_change(&d.v[0], PD_INV_ADDED, "bj-cam-01", 0);
    expect_change(&d.v[1], PD_INV_ADDED, "zy-cam-09", 0);
    expect_change(&d.v[2], PD_INV_CHANGED, "lps-sw-01",
                  1u << PD_TF_NAME | 1u << PD_TF_SNMP_PROFILE);
    expect_change(&d.v[3], PD_INV_CHANGED, "zy-cam-02", 1u << PD_TF_ADDRESS | 1u << PD_TF_SITE);
    expect_change(&d.v[4], PD_INV_RETIRED, "as-sw-01", 0);
    /* Borrowed, not copied. */
    assert_ptr_equal(d.v[3].old, &old_inv[1]);
    assert_ptr_equal(d.v[3].new, &new_inv[0]);
    assert_string_equal(pd_inv_change_name(d.v[0].kind), "added");
    assert_string_equal(pd_inv_change_name(d.v[3].kind), "changed");
    assert_string_equal(pd_inv_change_name(d.v[4].kind), "retired");
    pd_inv_diff_free(&d);
    assert_null(d.v);
    assert_int_equal(d.n, 0);
}

/* The loader's defaults are compared, not what was written: an empty
 * name is the id, and writing the id out changes nothing. */
static void test_fields_as_loaded(void **state)
{
    (void)state;
    const struct pd_target_conf a[] = {T("x", "x", "10.0.0.1", "codec", "s", NULL)};
    const struct pd_target_conf b[] = {T("x", "x", "10.0.0.1", "codec", "s", "")};
    struct pd_inv_diff d;
    assert_int_equal(pd_inv_diff(a, 1, b, 1, &d), 0);
    assert_int_equal(d.n, 0);
    pd_inv_diff_free(&d);
    assert_string_equal(pd_target_field(&a[0], PD_TF_SNMP_PROFILE), "");
    assert_string_equal(pd_target_field_name(PD_TF_SNMP_PROFILE), "snmp_profile");
    assert_string_equal(pd_target_field_name(PD_TF_COUNT), "");
}

static void test_empty_sides(void **state)
{
    (void)state;
    struct pd_inv_diff d;
    assert_int_equal(pd_inv_diff(NULL, 0, old_inv, 4, &d), 0);
    assert_int_equal(d.added, 4);
    assert_int_equal(d.n, 4);
    expect_change(&d.v[0], PD_INV_ADDED, "as-sw-01", 0);
    pd_inv_diff_free(&d);
    assert_int_equal(pd_inv_diff(old_inv, 4, NULL, 0, &d), 0);
    assert_int_equal(d.retired, 4);
    expect_change(&d.v[3], PD_INV_RETIRED, "zy-cam-02", 0);
    pd_inv_diff_free(&d);
    assert_int_equal(pd_inv_diff(NULL, 0, NULL, 0, &d), 0);
    assert_int_equal(d.n, 0);
    pd_inv_diff_free(&d);
}

/* A thousand devices, every tenth changed, every hundredth gone. */
static void test_large(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct pd_target_conf *a = calloc(N, sizeof(*a)), *b = calloc(N, sizeof(*b));
    char(*ids)[16] = calloc(N, 16), (*addr)[16] = calloc(N, 16), (*addr2)[16] = calloc(N, 16);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(ids);
    assert_non_null(addr);
    assert_non_null(addr2);
    size_t nb = 0;
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], 16, "dev-%04d", i);
        snprintf(addr[i], 16, "10.1.%d.%d", i / 250, i % 250 + 1);
        snprintf(addr2[i], 16, "10.2.%d.%d", i / 250, i % 250 + 1);
        a[i] = (struct pd_target_conf)T(ids[i], "设备", addr[i], "codec", "guizhou", NULL);
        if (i % 100 == 99)
            continue;
        b[nb] = a[i];
        if (i % 10 == 0)
            b[nb].address = addr2[i];
        nb++;
    }
    struct pd_inv_diff d;
    assert_int_equal(pd_inv_diff(a, N, b, nb, &d), 0);
    assert_int_equal(d.added, 0);
    assert_int_equal(d.changed, 100);
    assert_int_equal(d.retired, 10);
    assert_int_equal(d.unchanged, N - 110);
    expect_change(&d.v[0], PD_INV_CHANGED, "dev-0000", 1u << PD_TF_ADDRESS);
    expect_change(&d.v[100], PD_INV_RETIRED, "dev-0099", 0);
    pd_inv_diff_free(&d);
    free(a);
    free(b);
    free(ids);
    free(addr);
    free(addr2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_reordered),
        cmocka_unit_test(test_added_changed_retired),
        cmocka_unit_test(test_fields_as_loaded),
        cmocka_unit_test(test_empty_sides),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
