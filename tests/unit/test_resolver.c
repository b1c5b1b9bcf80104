/* The resolver: literals answered at once, names on its thread, failures
 * as errors of the lookup, forgotten names. Uses /etc/hosts' localhost
 * (no network) and an .invalid name (RFC 6761: never resolves). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "resolver.h"

static char err[256];

static void test_literals(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    assert_int_equal(pd_resolver_lookup(NULL, "10.20.0.3", AF_UNSPEC, &ss, &len, err, sizeof(err)),
                     0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(pd_resolver_lookup(NULL, "fd00::1", AF_INET6, &ss, &len, err, sizeof(err)), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(pd_resolver_lookup(NULL, "fd00::1", AF_INET, &ss, &len, err, sizeof(err)),
                     -EAFNOSUPPORT);
    assert_non_null(strstr(err, "not IPv4"));
    assert_true(pd_address_is_literal("::1"));
    assert_true(pd_address_is_literal("fe80::1%lo"));
    assert_false(pd_address_is_literal("gy-codec-01.example"));
    assert_false(pd_address_is_literal("10.0.0.256"));
    assert_int_equal(
        pd_resolver_lookup(NULL, "cam.example", AF_UNSPEC, &ss, &len, err, sizeof(err)), -ENOENT);
}

/* Poll until the lookup stops saying "not yet", at most 30 s. */
static int wait_lookup(struct pd_resolver *res, const char *name, int family,
                       struct sockaddr_storage *ss)
{
    socklen_t len;
    int rc = -EAGAIN;
    for (int i = 0; i < 3000 && rc == -EAGAIN; i++) {
        rc = pd_resolver_lookup(res, name, family, ss, &len, err, sizeof(err));
        if (rc == -EAGAIN)
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return rc;
}

static void test_names(void **state)
{
    (void)state;
    struct pd_resolver *res = pd_resolver_new(300 * PD_SEC, 30 * PD_SEC);
    assert_non_null(res);
    const char *names[] = {"localhost", "10.0.0.1", "no-such-host.invalid"};
    assert_int_equal(pd_resolver_set_names(res, names, 3), 0);

    struct sockaddr_storage ss;
    assert_int_equal(wait_lookup(res, "localhost", AF_INET, &ss), 0);
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ss;
    assert_int_equal(ntohl(in4->sin_addr.s_addr), INADDR_LOOPBACK);

    assert_int_equal(wait_lookup(res, "no-such-host.invalid", AF_UNSPEC, &ss), -ENOENT);
    assert_non_null(strstr(err, "host name 'no-such-host.invalid' does not resolve"));

    /* Listed again (a reload): still resolved, never "being resolved". */
    assert_int_equal(pd_resolver_set_names(res, names, 3), 0);
    socklen_t l4;
    assert_int_equal(pd_resolver_lookup(res, "localhost", AF_INET, &ss, &l4, err, sizeof(err)), 0);

    /* A name no longer in use is forgotten. */
    assert_int_equal(pd_resolver_set_names(res, names, 1), 0);
    socklen_t len;
    assert_int_equal(
        pd_resolver_lookup(res, "no-such-host.invalid", AF_UNSPEC, &ss, &len, err, sizeof(err)),
        -ENOENT);
    assert_non_null(strstr(err, "not known"));
    assert_int_equal(wait_lookup(res, "localhost", AF_INET, &ss), 0);
    pd_resolver_free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
