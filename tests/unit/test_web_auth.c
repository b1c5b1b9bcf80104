/* The users file's parser and the password check with its cache. */
#include <crypt.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web_auth.h"

/* Made once: yescrypt is slow by design. */
static char hash_y[128], hash_6[128];

static int setup(void **state)
{
    char err[256], setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data cd = {0};
    (void)state;
    if (pd_web_auth_hash("correct horse", hash_y, sizeof(hash_y), err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (!crypt_gensalt_rn("$6$", 0, NULL, 0, setting, sizeof(setting)))
        return -1;
    const char *h = crypt_rn("battery staple", setting, &cd, sizeof(cd));
    if (!h)
        return -1;
    snprintf(hash_6, sizeof(hash_6), "%s", h);
    return 0;
}

static int parse(const char *text, struct pd_web_users *u, char *err, size_t errlen)
{
    return pd_web_users_parse("users", text, strlen(text), u, err, errlen);
}

static void test_hash(void **state)
{
    (void)state;
    assert_memory_equal(hash_y, "$y$", 3);
    assert_null(strstr(hash_y, "correct"));
    char again[128], err[256];
    assert_int_equal(pd_web_auth_hash("correct horse", again, sizeof(again), err, sizeof(err)), 0);
    assert_string_not_equal(again, hash_y); /* a fresh salt each time */
    assert_int_equal(pd_web_auth_hash("x", again, 10, err, sizeof(err)), -ENOSPC);
}

static void test_parse_ok(void **state)
{
    (void)state;
    char text[1024], err[512];
    snprintf(text, sizeof(text),
             "# the NOC\n"
             "\n"
             "  alice:admin:%s\n"
             "bob.w@noc:viewer:%s\r\n"
             "   # indented comment\n"
             "carol-1:viewer:%s",
             hash_y, hash_6, hash_y);
    struct pd_web_users u;
    assert_int_equal(parse(text, &u, err, sizeof(err)), 0);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.users[0].name, "alice");
    assert_int_equal(u.users[0].role, PD_WEB_ROLE_ADMIN);
    assert_int_equal(u.users[0].line, 3);
    assert_string_equal(u.users[0].hash, hash_y);
    assert_string_equal(u.users[1].name, "bob.w@noc");
    assert_int_equal(u.users[1].role, PD_WEB_ROLE_VIEWER);
    assert_string_equal(u.users[1].hash, hash_6); /* the \r is not part of it */
    assert_int_equal(u.users[2].line, 6);
    assert_non_null(pd_web_users_find(&u, "carol-1"));
    assert_null(pd_web_users_find(&u, "Carol-1"));
    pd_web_users_free(&u);

    assert_int_equal(parse("# nobody yet\n", &u, err, sizeof(err)), 0);
    assert_int_equal(u.n, 0);
    pd_web_users_free(&u);
}

static void test_parse_errors(void **state)
{
    (void)state;
    char text[4096], err[2048];
    snprintf(text, sizeof(text),
             "alice:admin:%s\n"        /* 1 ok */
             "bob:viewer:hunter2\n"    /* 2 plain text */
             "carol:root:%s\n"         /* 3 bad role */
             "alice:viewer:%s\n"       /* 4 duplicate */
             "dave:viewer\n"           /* 5 two fields */
             "eve:viewer:$1$abc$def\n" /* 6 md5crypt */
             "bad name:viewer:%s\n"    /* 7 space in the name */
             "frank:viewer:$y$j9T$x\n" /* 8 truncated */
             "grace:viewer:%s:extra\n" /* 9 four fields */
             ":viewer:%s\n",           /* 10 empty name */
             hash_y, hash_y, hash_6, hash_y, hash_y, hash_y);
    struct pd_web_users u;
    assert_int_equal(parse(text, &u, err, sizeof(err)), -EINVAL);
    assert_int_equal(u.n, 0);
    assert_null(u.users);
    static const char *const want[] = {
        "users:2: user 'bob': the password hash is not a crypt(3) hash (a plain-text password?)",
        "users:3: user 'carol': role 'root' is not viewer or admin\n",
        "users:4: duplicate user 'alice' (first at line 1)\n",
        "users:5: expected NAME:ROLE:HASH (three fields separated by ':')\n",
        "users:6: user 'eve': the password hash is a crypt method that is not accepted",
        "users:7: user name 'bad name' is not valid",
        "users:8: user 'frank': the password hash is a malformed crypt(3) hash\n",
        "users:9: expected NAME:ROLE:HASH",
        "users:10: user name '' is not valid",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(err, want[i]))
            fail_msg("missing '%s' in:\n%s", want[i], err);
    assert_null(strstr(err, "users:1:"));
    /* No hash, nor the plain-text password, is quoted back. */
    assert_null(strstr(err, "hunter2"));
    assert_null(strstr(err, hash_y));
    assert_null(strstr(err, "$1$abc"));

    assert_int_equal(pd_web_users_parse("users", "a:viewer:\0x", 11, &u, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "users:1: a NUL byte"));

    /* A small buffer: cut, still terminated. */
    char small[40];
    assert_int_equal(parse(text, &u, small, sizeof(small)), -EINVAL);
    assert_true(strlen(small) < sizeof(small));
}

static void test_load_mode(void **state)
{
    (void)state;
    char path[] = "/tmp/test_web_auth.XXXXXX", text[256], err[512];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int n = snprintf(text, sizeof(text), "alice:viewer:%s\n", hash_y);
    assert_int_equal(write(fd, text, (size_t)n), n);
    close(fd);
    struct pd_web_users u;
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(pd_web_users_load(path, &u, err, sizeof(err)), 0);
    assert_int_equal(u.n, 1);
    pd_web_users_free(&u);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(pd_web_users_load(path, &u, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "is open to every user (mode 0644)"));
    assert_int_equal(chmod(path, 0602), 0);
    assert_int_equal(pd_web_users_load(path, &u, err, sizeof(err)), -EPERM);
    unlink(path);
    assert_int_equal(pd_web_users_load(path, &u, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(pd_web_users_load("/tmp", &u, err, sizeof(err)), -EPERM);
}

static struct pd_web_auth *auth_with(const char *text)
{
    struct pd_web_auth *a;
    struct pd_web_users u;
    char err[512];
    assert_int_equal(pd_web_auth_new(&a), 0);
    if (parse(text, &u, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(pd_web_auth_set_users(a, &u), 0);
    assert_int_equal(u.n, 0); /* taken */
    return a;
}

static void test_verify(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text), "alice:admin:%s\nbob:viewer:%s\n", hash_y, hash_6);
    struct pd_web_auth *a = auth_with(text);
    enum pd_web_role role = PD_WEB_ROLE_NONE;
    size_t viewers, admins;
    pd_web_auth_count(a, &viewers, &admins);
    assert_int_equal(viewers, 1);
    assert_int_equal(admins, 1);
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse", 0, &role), 0);
    assert_int_equal(role, PD_WEB_ROLE_ADMIN);
    role = PD_WEB_ROLE_NONE;
    assert_int_equal(pd_web_auth_verify(a, "bob", "battery staple", 0, &role), 0);
    assert_int_equal(role, PD_WEB_ROLE_VIEWER);
    /* Another user's password, a prefix, an extension, a case change. */
    assert_int_equal(pd_web_auth_verify(a, "bob", "correct horse", 0, &role), -EACCES);
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct hors", 0, &role), -EACCES);
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse ", 0, &role), -EACCES);
    assert_int_equal(pd_web_auth_verify(a, "Alice", "correct horse", 0, &role), -EACCES);
    assert_int_equal(pd_web_auth_verify(a, "alice", "", 0, &role), -EACCES);
    /* An unknown name costs a crypt as well: its time tells nothing. */
    unsigned long before = pd_web_auth_crypts(a);
    assert_int_equal(pd_web_auth_verify(a, "mallory", "correct horse", 0, &role), -EACCES);
    assert_int_equal(pd_web_auth_crypts(a), before + 1);
    pd_web_auth_free(a);

    /* Nobody: everything refused. */
    a = auth_with("");
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse", 0, &role), -EACCES);
    pd_web_auth_free(a);
}

/* A verified password is remembered for a minute; the memory never
 * admits another password, and ends with the minute or a new file. */
static void test_cache(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text), "alice:admin:%s\n", hash_y);
    struct pd_web_auth *a = auth_with(text);
    enum pd_web_role role;
    pd_ns t0 = 1000 * PD_SEC;
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse", t0, &role), 0);
    assert_int_equal(pd_web_auth_crypts(a), 1);
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse", t0 + PD_SEC, &role), 0);
    assert_int_equal(pd_web_auth_crypts(a), 1); /* from the cache */
    /* A wrong password right after the right one: checked, refused. */
    assert_int_equal(pd_web_auth_verify(a, "alice", "wrong", t0 + 2 * PD_SEC, &role), -EACCES);
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horsf", t0 + 2 * PD_SEC, &role),
                     -EACCES);
    assert_int_equal(pd_web_auth_crypts(a), 3);
    /* ... and it did not push the right one out. */
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse", t0 + 3 * PD_SEC, &role), 0);
    assert_int_equal(pd_web_auth_crypts(a), 3);
    /* After the minute: crypt again. */
    assert_int_equal(
        pd_web_auth_verify(a, "alice", "correct horse", t0 + PD_WEB_AUTH_CACHE + PD_SEC, &role), 0);
    assert_int_equal(pd_web_auth_crypts(a), 4);

    /* A new file with another password for alice: the old one is out at
     * once, cache or not. */
    char other[128], err[256];
    assert_int_equal(pd_web_auth_hash("new secret", other, sizeof(other), err, sizeof(err)), 0);
    snprintf(text, sizeof(text), "alice:viewer:%s\n", other);
    struct pd_web_users u;
    assert_int_equal(parse(text, &u, err, sizeof(err)), 0);
    assert_int_equal(pd_web_auth_set_users(a, &u), 0);
    assert_int_equal(pd_web_auth_verify(a, "alice", "correct horse", t0 + 4 * PD_SEC, &role),
                     -EACCES);
    assert_int_equal(pd_web_auth_verify(a, "alice", "new secret", t0 + 4 * PD_SEC, &role), 0);
    assert_int_equal(role, PD_WEB_ROLE_VIEWER);
    pd_web_auth_free(a);
}

static void test_equal(void **state)
{
    (void)state;
    assert_true(pd_web_auth_equal("abcdef", "abcdef", 6));
    assert_false(pd_web_auth_equal("abcdef", "abcdeF", 6));
    assert_false(pd_web_auth_equal("Abcdef", "abcdef", 6));
    assert_true(pd_web_auth_equal("abc", "abd", 2));
    assert_true(pd_web_auth_equal("", "", 0));
    unsigned char x[256], y[256];
    for (int i = 0; i < 256; i++)
        x[i] = y[i] = (unsigned char)i;
    for (int i = 0; i < 256; i++) {
        y[i] ^= 0x80;
        assert_false(pd_web_auth_equal(x, y, sizeof(x)));
        y[i] ^= 0x80;
    }
    assert_true(pd_web_auth_equal(x, y, sizeof(x)));
}

static void test_roles_and_names(void **state)
{
    (void)state;
    enum pd_web_role r;
    assert_int_equal(pd_web_role_parse("admin", &r), 0);
    assert_int_equal(r, PD_WEB_ROLE_ADMIN);
    assert_int_equal(pd_web_role_parse("Admin", &r), -EINVAL);
    assert_string_equal(pd_web_role_name(PD_WEB_ROLE_VIEWER), "viewer");
    assert_true(pd_web_user_name_valid("noc.ops_1@gz-net"));
    assert_false(pd_web_user_name_valid("a:b"));
    assert_false(pd_web_user_name_valid("张三"));
    char long_name[PD_WEB_USER_MAX + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[PD_WEB_USER_MAX + 1] = '\0';
    assert_false(pd_web_user_name_valid(long_name));
    long_name[PD_WEB_USER_MAX] = '\0';
    assert_true(pd_web_user_name_valid(long_name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),         cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_load_mode),
        cmocka_unit_test(test_verify),       cmocka_unit_test(test_cache),
        cmocka_unit_test(test_equal),        cmocka_unit_test(test_roles_and_names),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
