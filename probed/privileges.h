/*
 * Dropping root: after plugins have opened what needs privileges, the
 * daemon becomes `user` and keeps only the capabilities still needed.
 */
#ifndef PROBED_PRIVILEGES_H
#define PROBED_PRIVILEGES_H

#include <stddef.h>
#include <sys/capability.h>

/* Become user (with its groups), keeping the n capabilities in keep
 * (permitted and effective). Fills what with a sentence for the log.
 * 0 or -errno with err filled. */
int pd_drop_privileges(const char *user, const cap_value_t *keep, size_t n, char *what,
                       size_t whatlen, char *err, size_t errlen);

/* Make path (a directory) and everything in it owned by user, when it is
 * not already. 0 or -errno with err filled. */
int pd_chown_tree(const char *path, const char *user, char *err, size_t errlen);

#endif
