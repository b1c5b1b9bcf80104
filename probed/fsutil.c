#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pd_mkdir_p(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf)) {
        snprintf(err, errlen, "bad directory name \"%.200s\"", path);
        return -ENAMETOOLONG;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
            int rc = -errno;
            snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
            return rc;
        }
        *p = c;
        if (c == '\0')
            return 0;
    }
}

int pd_tmp_path(const char *path, char **tmp, char *err, size_t errlen)
{
    size_t n = strlen(path) + 5;
    if (!(*tmp = malloc(n))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    snprintf(*tmp, n, "%s.tmp", path);
    return 0;
}

/* The directory of path, flushed so that a rename survives a power cut. */
static void sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int pd_commit_atomic(const char *tmp, const char *path, int failed, char *err, size_t errlen)
{
    int rc = 0;
    int fd = failed ? -1 : open(tmp, O_RDONLY | O_CLOEXEC);
    if (!failed && (fd < 0 || fsync(fd) != 0)) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (!failed && rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    }
    if (failed || rc < 0)
        unlink(tmp);
    else
        sync_dir(path);
    return rc;
}

int pd_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    char *tmp = NULL;
    int rc = pd_tmp_path(path, &tmp, err, errlen);
    if (rc < 0)
        return rc;
    FILE *f = fopen(tmp, "wb");
    errno = 0;
    if (!f || fwrite(data, 1, len, f) != len || fflush(f) != 0) {
        rc = errno ? -errno : -EIO;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    }
    if (f && fclose(f) != 0 && rc == 0) {
        rc = errno ? -errno : -EIO;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    }
    int crc = pd_commit_atomic(tmp, path, rc < 0, err, errlen);
    free(tmp);
    return rc < 0 ? rc : crc;
}
