/*
 * A probectl command run from a unit test: its arguments as a
 * NULL-terminated list, its standard output and error captured in
 * memory. Header-only, as test_files.h.
 */
#ifndef PROBED_TEST_CMD_H
#define PROBED_TEST_CMD_H

/* First: it sets _GNU_SOURCE before any system header. */
#include "test_files.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

typedef int (*test_cmd_fn)(const struct pd_config *cfg, int argc, char **argv, FILE *out,
                           FILE *err);

#define TEST_CMD_MAX_ARGS 24

/* cmd(cfg, argv) with argv first (unless NULL), then the arguments of ap
 * up to a NULL. *out and *err are freed and replaced by what it wrote.
 * Returns its exit code, or -ENOMEM. */
static inline int test_cmd_vrun(test_cmd_fn cmd, const struct pd_config *cfg, const char *first,
                                va_list ap, char **out, char **err)
{
    char *argv[TEST_CMD_MAX_ARGS + 1];
    int argc = 0, rc;
    size_t out_len, err_len;

    if (first)
        argv[argc++] = (char *)first;
    while (argc < TEST_CMD_MAX_ARGS && (argv[argc] = va_arg(ap, char *)))
        argc++;
    argv[argc] = NULL;
    free(*out);
    free(*err);
    *out = *err = NULL;
    FILE *o = open_memstream(out, &out_len), *e = open_memstream(err, &err_len);
    if (!o || !e) {
        if (o)
            fclose(o);
        if (e)
            fclose(e);
        return -ENOMEM;
    }
    rc = cmd(cfg, argc, argv, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

#endif
