/* The snmp check's OID lists, parsed without net-snmp: symbolic names go
 * to a resolver of fixed names here (the real one: test_snmp_mib.c). */
#include <errno.h>
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

/* Knows two names; remembers what it was handed. */
static char resolved_text[128];
static int resolver_calls;

static int fake_resolve(const char *text, uint32_t *sub, size_t *len, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        uint32_t sub[12];
        size_t len;
    } names[] = {
        {"IF-MIB::ifHCInOctets.3", {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 3}, 12},
        {"sysUpTime.0", {1, 3, 6, 1, 2, 1, 1, 3, 0}, 9},
    };
    resolver_calls++;
    snprintf(resolved_text, sizeof(resolved_text), "%s", text);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(text, names[i].name) == 0) {
            assert_true(*len >= names[i].len);
            memcpy(sub, names[i].sub, names[i].len * sizeof(*sub));
            *len = names[i].len;
            return 0;
        }
    }
    snprintf(err, errlen, "unknown object name '%s'", text);
    return -ENOENT;
}

static void test_names(void **state)
{
    (void)state;
    struct snmp_oid o[SNMP_OIDS_MAX];
    size_t n;
    char err[256] = "";
    resolver_calls = 0;
    assert_int_equal(snmp_oids_parse_names("in=IF-MIB::ifHCInOctets.3:counter64", fake_resolve, o,
                                           &n, err, sizeof(err)),
                     0);
    assert_string_equal(resolved_text, "IF-MIB::ifHCInOctets.3");
    assert_int_equal(n, 1);
    assert_int_equal(o[0].kind, SNMP_COUNTER64);
    assert_int_equal(o[0].len, 12);
    assert_int_equal(o[0].sub[6], 31);
    assert_int_equal(o[0].sub[11], 3);

    /* No type: the "::" is not one. */
    assert_int_equal(snmp_oids_parse_names("in=IF-MIB::ifHCInOctets.3, up=sysUpTime.0:derive",
                                           fake_resolve, o, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].kind, SNMP_GAUGE);
    assert_int_equal(o[0].len, 12);
    assert_string_equal(o[1].name, "up");
    assert_int_equal(o[1].kind, SNMP_DERIVE);
    assert_int_equal(o[1].len, 9);
    assert_int_equal(resolver_calls, 3);

    /* Numeric OIDs never reach the resolver. */
    assert_int_equal(snmp_oids_parse_names("t=1.3.6.1.2.1.1.3.0:counter32,u=.1.3.6.1.2.1.1.3.0",
                                           fake_resolve, o, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].kind, SNMP_COUNTER32);
    assert_int_equal(resolver_calls, 3);
}

static void expect_name_error(const char *text, const char *want)
{
    struct snmp_oid o[SNMP_OIDS_MAX];
    size_t n;
    char err[256] = "";
    assert_int_equal(snmp_oids_parse_names(text, fake_resolve, o, &n, err, sizeof(err)), -22);
    if (!strstr(err, want))
        fail_msg("'%s': got '%s', expected '%s'", text, err, want);
}

static void test_name_errors(void **state)
{
    (void)state;
    expect_name_error("in=IF-MIB::ifHCInOctetz.3:counter",
                      "oids: 'in': unknown object name 'IF-MIB::ifHCInOctetz.3'");
    expect_name_error("up=sysUpTime.0:rate", "unknown type 'rate'");
    /* A single ':' is taken for the type, even after a module name. */
    expect_name_error("d=IF-MIB:ifDescr.1", "unknown type 'ifDescr.1'");
    expect_name_error("in=IF-MIB::ifHCInOctets.3::counter", "unknown object name");
    resolver_calls = 0;
    expect_name_error("a=1.3.6.", "'1.3.6.' is not a numeric OID");
    expect_name_error("a=3.1", "'3.1' is not a numeric OID");
    assert_int_equal(resolver_calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oid_parse),   cmocka_unit_test(test_list),
        cmocka_unit_test(test_list_errors), cmocka_unit_test(test_names),
        cmocka_unit_test(test_name_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
