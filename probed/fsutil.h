/* Small file-system helpers shared by the daemon and storage. */
#ifndef PROBED_FSUTIL_H
#define PROBED_FSUTIL_H

#include <stddef.h>

/* mkdir -p with mode 0755; 0 or -errno with err naming the directory. */
int pd_mkdir_p(const char *path, char *err, size_t errlen);

#endif
