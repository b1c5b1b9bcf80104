/*
 * Temporary files for unit tests: a fresh directory per test under /tmp,
 * files written into it, and the whole tree removed afterwards.
 * Header-only so that each test stays one .c file.
 */
#ifndef PROBED_TEST_FILES_H
#define PROBED_TEST_FILES_H

#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fills dir (PATH_MAX bytes) with a new empty directory; 0 or -1. */
static inline int test_dir_make(char *dir)
{
    snprintf(dir, PATH_MAX, "/tmp/probed-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static inline int test_remove_one(const char *path, const struct stat *st, int flag,
                                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline int test_dir_remove(const char *dir)
{
    return nftw(dir, test_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write len bytes of data to dir/name and put the path in path (PATH_MAX
 * bytes). 0 or -1. */
static inline int test_write(const char *dir, const char *name, const void *data, size_t len,
                             char *path)
{
    int plen = snprintf(path, PATH_MAX, "%s/%s", dir, name);
    if (plen < 0 || plen >= PATH_MAX)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

/* 1 when text holds a line that starts with prefix. */
static inline int test_has_line(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *line = text; *line;) {
        if (strncmp(line, prefix, n) == 0)
            return 1;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

static inline int test_count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

#endif
