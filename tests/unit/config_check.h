/*
 * What the configuration tests share: a temp directory per test, loading
 * a text as main.yaml, and checking for "file:line:col: message" errors.
 * Static: each test program includes it once.
 */
#ifndef PROBED_TEST_CONFIG_CHECK_H
#define PROBED_TEST_CONFIG_CHECK_H

#include "test_files.h" /* first: it sets feature macros */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"

#define S(x) ((pd_ns)(x)*PD_SEC)
#define M(x) (S(x) * 60)
#define H(x) (M(x) * 60)
#define D(x) (H(x) * 24)

static char dir[PATH_MAX];
static char main_path[PATH_MAX];
static char err[16384];

static int setup(void **state)
{
    (void)state;
    err[0] = '\0';
    return test_dir_make(dir);
}

static int teardown(void **state)
{
    (void)state;
    return test_dir_remove(dir);
}

static void write_text(const char *name, const char *text)
{
    char path[PATH_MAX];
    assert_int_equal(test_write(dir, name, text, strlen(text), path), 0);
}

/* Load text as dir/main.yaml; expect rc (0: a config back). */
static struct pd_config *load_text(const char *text, int expect)
{
    struct pd_config *cfg = (struct pd_config *)1;
    assert_int_equal(test_write(dir, "main.yaml", text, strlen(text), main_path), 0);
    int rc = pd_config_load(main_path, &cfg, err, sizeof(err));
    if (rc != expect)
        print_error("rc %d, errors:\n%s", rc, err);
    assert_int_equal(rc, expect);
    if (expect == 0) {
        assert_non_null(cfg);
        assert_string_equal(err, "");
    } else {
        assert_null(cfg);
    }
    return cfg;
}

/* err must hold the line "<main.yaml>:<rest>" (rest: "line:col: message"
 * or a prefix of it). */
static void expect_error(const char *rest)
{
    char line[4 * PATH_MAX];
    snprintf(line, sizeof(line), "%s:%s", main_path, rest);
    if (!test_has_line(err, line)) {
        print_error("no line starting with\n  %s\nin:\n%s", line, err);
        fail();
    }
}

static void expect_fail(const char *text, const char *rest)
{
    load_text(text, -EINVAL);
    expect_error(rest);
}

#endif
