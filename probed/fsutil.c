#include "fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
