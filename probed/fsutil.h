/* Small file-system helpers shared by the daemon and storage. */
#ifndef PROBED_FSUTIL_H
#define PROBED_FSUTIL_H

#include <stddef.h>

/* mkdir -p with mode 0755; 0 or -errno with err naming the directory. */
int pd_mkdir_p(const char *path, char *err, size_t errlen);

/* Replace path whole with data: written to path.tmp, flushed to disk,
 * renamed over path, the directory flushed; a reader sees the old file
 * or the new one, never half of one. 0 or -errno with err naming the
 * file; path.tmp is removed on failure. */
int pd_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* The same for a file another function writes: *tmp (taken: free())
 * gets path.tmp, and pd_commit_atomic renames it over path (or, failed
 * non-zero, removes it). 0 or -errno with err. */
int pd_tmp_path(const char *path, char **tmp, char *err, size_t errlen);
int pd_commit_atomic(const char *tmp, const char *path, int failed, char *err, size_t errlen);

#endif
