/* Symbolic OIDs through net-snmp's real MIB parser, with probed's name
 * tables in mibs/ and the system's net-snmp MIBs. PROBED_MIBDIRS is set
 * here, so the machine's other MIB directories play no part. */
#include "test_files.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "snmp_mib.h"
#include "snmp_oids.h"

#define SYSTEM_MIBS "/usr/share/snmp/mibs"

static char dir[PATH_MAX];
static char stderr_path[PATH_MAX + 16];

/* Stands for a system copy of a module probed also ships: only this file
 * of HOST-RESOURCES-TYPES may be read. */
static const char override_mib[] = "HOST-RESOURCES-TYPES DEFINITIONS ::= BEGIN\n"
                                   "IMPORTS hrStorageTypes FROM HOST-RESOURCES-MIB;\n"
                                   "hrStorageRam OBJECT IDENTIFIER ::= { hrStorageTypes 2 }\n"
                                   "probedTestOnly OBJECT IDENTIFIER ::= { hrStorageTypes 99 }\n"
                                   "END\n";

/* Something for the parser to complain about. */
static const char broken_mib[] = "PROBED-TEST-MIB DEFINITIONS ::= BEGIN\n"
                                 "IMPORTS enterprises FROM PROBED-MISSING-MIB;\n"
                                 "probedTest OBJECT IDENTIFIER ::= { enterprises 99999 }\n"
                                 "END\n";

static void expect_oid(const char *text, const char *want)
{
    uint32_t sub[SNMP_OID_MAX];
    size_t len = SNMP_OID_MAX;
    char err[512] = "";
    if (snmp_mib_resolve(text, sub, &len, err, sizeof(err)) < 0)
        fail_msg("'%s': %s", text, err);
    char got[600] = "";
    for (size_t i = 0; i < len; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u", i ? "." : "", sub[i]);
    if (strcmp(got, want) != 0)
        fail_msg("'%s': got %s, expected %s", text, got, want);
}

static void expect_error(const char *text, int rc, const char *want)
{
    uint32_t sub[SNMP_OID_MAX];
    size_t len = SNMP_OID_MAX;
    char err[512] = "";
    assert_int_equal(snmp_mib_resolve(text, sub, &len, err, sizeof(err)), rc);
    if (!strstr(err, want))
        fail_msg("'%s': got '%s', expected '%s'", text, err, want);
}

/* The first call reads every MIB: with stderr pointed at a file, to see
 * that the parser's complaints do not reach it. */
static int setup(void **state)
{
    (void)state;
    char path[PATH_MAX];
    if (test_dir_make(dir) < 0 ||
        test_write(dir, "HOST-RESOURCES-TYPES.txt", override_mib, strlen(override_mib), path) < 0 ||
        test_write(dir, "PROBED-TEST-MIB.txt", broken_mib, strlen(broken_mib), path) < 0)
        return -1;
    char dirs[3 * PATH_MAX];
    snprintf(dirs, sizeof(dirs), "%s:%s:%s", dir, PROBED_MIB_SOURCE_DIR, SYSTEM_MIBS);
    setenv("PROBED_MIBDIRS", dirs, 1);

    snprintf(stderr_path, sizeof(stderr_path), "%s/stderr", dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, 2) < 0)
        return -1;
    close(fd);
    uint32_t sub[SNMP_OID_MAX];
    size_t len = SNMP_OID_MAX;
    char err[512];
    int rc = snmp_mib_resolve("sysUpTime.0", sub, &len, err, sizeof(err));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("PROBED_MIBDIRS");
    return test_dir_remove(dir);
}

static void test_probed_tables(void **state)
{
    (void)state;
    expect_oid("IF-MIB::ifHCInOctets.3", "1.3.6.1.2.1.31.1.1.1.6.3");
    expect_oid("ifHCInOctets.3", "1.3.6.1.2.1.31.1.1.1.6.3");
    expect_oid("sysUpTime.0", "1.3.6.1.2.1.1.3.0");
    expect_oid("SNMPv2-MIB::sysDescr.0", "1.3.6.1.2.1.1.1.0");
    expect_oid("HOST-RESOURCES-MIB::hrProcessorLoad", "1.3.6.1.2.1.25.3.3.1.2");
    expect_oid("IF-MIB::ifTableLastChange.0", "1.3.6.1.2.1.31.1.5.0");
    expect_oid("SNMP-FRAMEWORK-MIB::snmpEngineBoots.0", "1.3.6.1.6.3.10.2.1.2.0");
    expect_oid("enterprises.9", "1.3.6.1.4.1.9");
    expect_oid("1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.3.0");
}

static void test_system_mibs(void **state)
{
    (void)state;
    struct stat st;
    if (stat(SYSTEM_MIBS "/UCD-SNMP-MIB.txt", &st) != 0)
        skip(); /* libsnmp-base not installed */
    /* Imports from SNMPv2-SMI (ours) and SNMPv2-TC, HCNUM-TC (absent). */
    expect_oid("UCD-SNMP-MIB::ssCpuIdle.0", "1.3.6.1.4.1.2021.11.11.0");
    expect_oid("memTotalReal.0", "1.3.6.1.4.1.2021.4.5.0");
    expect_oid("NET-SNMP-MIB::netSnmp", "1.3.6.1.4.1.8072");
}

static void test_first_directory_wins(void **state)
{
    (void)state;
    expect_oid("HOST-RESOURCES-TYPES::probedTestOnly", "1.3.6.1.2.1.25.2.1.99");
    expect_oid("HOST-RESOURCES-TYPES::hrStorageRam", "1.3.6.1.2.1.25.2.1.2");
    /* Only in mibs/HOST-RESOURCES-TYPES.txt, which was not read. */
    expect_error("HOST-RESOURCES-TYPES::hrStorageVirtualMemory", -ENOENT,
                 "unknown object name 'HOST-RESOURCES-TYPES::hrStorageVirtualMemory'");
}

static void test_unknown(void **state)
{
    (void)state;
    expect_error("IF-MIB::ifHCInOctetz", -ENOENT, "unknown object name 'IF-MIB::ifHCInOctetz'");
    char want[sizeof(dir) + sizeof(PROBED_MIB_SOURCE_DIR) +
              32]; /* no truncation, however long the paths */
    snprintf(want, sizeof(want), "(MIBs searched: %s:%s", dir, PROBED_MIB_SOURCE_DIR);
    expect_error("IF-MIB::ifHCInOctetz", -ENOENT, want);
    expect_error("ifHCInOctetz.3", -ENOENT, "unknown object name 'ifHCInOctetz.3'");
    expect_error("sysUpTime.x", -ENOENT, "unknown object name 'sysUpTime.x'");
    expect_error("FOO-MIB::sysUpTime.0", -ENOENT, "unknown MIB module 'FOO-MIB'");
    expect_error("sysUpTime.4294967296", -EINVAL, "above 4294967295");
    expect_error("sys UpTime", -EINVAL, "is not an OID name");
    expect_error("1.3.", -EINVAL, "is not a numeric OID");
}

static void test_loaded_once(void **state)
{
    (void)state;
    static const char late[] = "PROBED-LATE-MIB DEFINITIONS ::= BEGIN\n"
                               "IMPORTS enterprises FROM SNMPv2-SMI;\n"
                               "probedLate OBJECT IDENTIFIER ::= { enterprises 99998 }\n"
                               "END\n";
    char path[PATH_MAX];
    assert_int_equal(test_write(dir, "PROBED-LATE-MIB.txt", late, strlen(late), path), 0);
    expect_error("PROBED-LATE-MIB::probedLate", -ENOENT, "unknown MIB module 'PROBED-LATE-MIB'");
}

static void test_quiet(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(stderr_path, &st), 0);
    assert_int_equal(st.st_size, 0);
    char first[256] = "";
    assert_true(snmp_mib_problems(first, sizeof(first)) >= 1);
    assert_true(first[0] != '\0');
}

static void test_room(void **state)
{
    (void)state;
    uint32_t sub[8];
    size_t len = 8;
    char err[512] = "";
    assert_int_equal(snmp_mib_resolve("IF-MIB::ifHCInOctets.3", sub, &len, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "more than 8 sub-identifiers"));
}

static void test_oids_list(void **state)
{
    (void)state;
    struct snmp_oid o[SNMP_OIDS_MAX];
    size_t n;
    char err[512] = "";
    assert_int_equal(snmp_oids_parse_names("in=IF-MIB::ifHCInOctets.3:counter64,up=sysUpTime.0,"
                                           "ifs=1.3.6.1.2.1.2.1.0",
                                           snmp_mib_resolve, o, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(o[0].kind, SNMP_COUNTER64);
    assert_int_equal(o[0].len, 12);
    assert_int_equal(o[0].sub[6], 31);
    assert_int_equal(o[1].len, 9);
    assert_int_equal(o[2].len, 9);
    assert_int_equal(snmp_oids_parse_names("in=IF-MIB::ifHCInOctetz.3:counter64", snmp_mib_resolve,
                                           o, &n, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "oids: 'in': unknown object name 'IF-MIB::ifHCInOctetz.3'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probed_tables),
        cmocka_unit_test(test_system_mibs),
        cmocka_unit_test(test_first_directory_wins),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_loaded_once),
        cmocka_unit_test(test_quiet),
        cmocka_unit_test(test_room),
        cmocka_unit_test(test_oids_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
