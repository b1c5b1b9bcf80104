/* The snmp check's OID lists, parsed without net-snmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "snmp_oids.h"

static void test_oid_parse(void **state)
{
    (void)state;
    struct snmp_oid o;
    assert_int_equal(snmp_oid_parse("1.3.6.1.2.1.1.3.0", &o), 0);
    assert_int_equal(o.len, 9);
    assert_int_equal(o.sub[8], 0);
    assert_int_equal(snmp_oid_parse(".1.3.6.1.2.1.31.1.1.1.6.4294967295", &o), 0);
    assert_int_equal(o.sub[o.len - 1], 4294967295u);
    static const char *const bad[] = {"",      "1",      "3.1",    "1..3",    "1.3.",
                                      "1.3.x", "1.3.-1", "1.3. 6", "ifDescr", "1.3.6.1.4294967296"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (snmp_oid_parse(bad[i], &o) == 0)
            fail_msg("'%s' parsed", bad[i]);
    /* At most 128 sub-identifiers. */
    char longest[600] = "1";
    for (int i = 1; i < 128; i++)
        strcat(longest, ".1");
    assert_int_equal(snmp_oid_parse(longest, &o), 0);
    strcat(longest, ".1");
    assert_int_equal(snmp_oid_parse(longest, &o), -22);
}

static void test_list(void **state)
{
    (void)state;
    struct snmp_oid o[SNMP_OIDS_MAX];
    size_t n;
    char err[256] = "";
    assert_int_equal(snmp_oids_parse(" cpu=1.3.6.1.4.1.2021.11.11.0 , in=1.3.6.1.2.1.31.1.1.1.6.2:"
                                     "counter,errs=1.3.6.1.2.1.2.2.1.14.2:counter32,t=1.3.6.1.2.1"
                                     ".1.3.0:derive,",
                                     o, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 4);
    assert_string_equal(o[0].name, "cpu");
    assert_int_equal(o[0].kind, SNMP_GAUGE);
    assert_int_equal(o[1].kind, SNMP_COUNTER64);
    assert_int_equal(o[2].kind, SNMP_COUNTER32);
    assert_int_equal(o[3].kind, SNMP_DERIVE);
    assert_int_equal(snmp_oids_parse("", o, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
}

static void expect_error(const char *text, const char *want)
{
    struct snmp_oid o[SNMP_OIDS_MAX];
    size_t n;
    char err[256] = "";
    assert_int_equal(snmp_oids_parse(text, o, &n, err, sizeof(err)), -22);
    if (!strstr(err, want))
        fail_msg("'%s': got '%s', expected '%s'", text, err, want);
}

static void test_list_errors(void **state)
{
    (void)state;
    expect_error("1.3.6.1.2.1.1.3.0", "expected name=OID[:type]");
    expect_error("CPU=1.3.6.1.2.1.1.3.0", "'CPU=1.3.6.1.2.1.1.3.0': expected name=OID[:type]");
    expect_error("a_name_of_twenty_chr=1.3.6.1", "expected name=OID[:type]");
    expect_error("cpu=ssCpuIdle.0", "'ssCpuIdle.0' is not a numeric OID");
    expect_error("cpu=1.3.6.1:rate", "unknown type 'rate'");
    expect_error("uptime_s=1.3.6.1.2.1.1.3.0", "'uptime_s' is the name of a built-in metric");
    expect_error("a=1.3.6.1,a=1.3.6.2", "the name 'a' appears twice");
    char many[4096] = "";
    for (int i = 0; i <= SNMP_OIDS_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "m%d=1.3.6.1.%d,", i, i);
    expect_error(many, "at most 32 per check");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oid_parse),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
