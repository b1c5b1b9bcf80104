/*
 * The dashboard's users: the users file (web.users_file), one user a line,
 *
 *     # comment
 *     name:role:hash
 *
 * role `viewer` or `admin`, hash a crypt(3) string of libxcrypt (yescrypt
 * `$y$` as probectl web-passwd writes, or `$gy$`, `$7$`, `$2b$`, `$6$`,
 * `$5$`); and the check of a name and password against it, for the HTTP
 * threads. docs/configuration.md, web, describes the file.
 *
 * A password is never stored here, nor logged: a verified one is kept
 * for PD_WEB_AUTH_CACHE as a keyed digest (HMAC-SHA-256 under a key drawn
 * at start), so that a browser's every request does not cost a crypt
 * (yescrypt takes tens of milliseconds by design).
 */
#ifndef PROBED_WEB_AUTH_H
#define PROBED_WEB_AUTH_H

#include <stddef.h>

#include "plugin.h"

#define PD_WEB_USER_MAX   64            /* bytes of a name */
#define PD_WEB_USERS_SIZE (1 << 20)     /* a bigger file is refused */
#define PD_WEB_AUTH_CACHE (60 * PD_SEC) /* a verified password is trusted this long */

enum pd_web_role { PD_WEB_ROLE_NONE, PD_WEB_ROLE_VIEWER, PD_WEB_ROLE_ADMIN };

struct pd_web_user {
    char *name; /* [A-Za-z0-9._@-]{1,64} */
    enum pd_web_role role;
    char *hash; /* crypt(3) output */
    int line;   /* 1-based line in the file */
};

struct pd_web_users {
    struct pd_web_user *users;
    size_t n;
};

/* "viewer", "admin", "none". */
const char *pd_web_role_name(enum pd_web_role role);
/* 0 and *out, or -EINVAL for anything but "viewer" and "admin". */
int pd_web_role_parse(const char *text, enum pd_web_role *out);
/* 1 when name may be a user's name. */
int pd_web_user_name_valid(const char *name);

/* Parse a users file's text (borrowed; need not end in NUL). label names
 * it in errors. 0 with *out filled (free with pd_web_users_free), or
 * -EINVAL with err holding one "label:line: message" line per error (up
 * to 20), or -ENOMEM; *out is empty on failure. A hash's text never
 * appears in a message. */
int pd_web_users_parse(const char *label, const char *buf, size_t len, struct pd_web_users *out,
                       char *err, size_t errlen);
/* Read and parse the file at path. Refused (-EPERM) when it is not a
 * regular file or other users have any permission on it (mode & 007):
 * password hashes can be attacked offline. */
int pd_web_users_load(const char *path, struct pd_web_users *out, char *err, size_t errlen);
void pd_web_users_free(struct pd_web_users *users);
const struct pd_web_user *pd_web_users_find(const struct pd_web_users *users, const char *name);

/* A new yescrypt hash of password (a fresh random salt, libxcrypt's
 * default cost) into out (at least 128 bytes). 0 or -errno with err. */
int pd_web_auth_hash(const char *password, char *out, size_t outlen, char *err, size_t errlen);

/* 1 when the n bytes at a and b are equal; the time taken depends on n
 * only, never on where they differ. */
int pd_web_auth_equal(const void *a, const void *b, size_t n);

/* The verifier: the users of the last set_users and the cache of
 * verified passwords. Thread-safe. */
struct pd_web_auth;

int pd_web_auth_new(struct pd_web_auth **out);
void pd_web_auth_free(struct pd_web_auth *a);
/* Replace the users (taken: *users is emptied); the cache starts anew,
 * so a changed password or role counts at once. 0, or -ENOMEM: the old
 * users stay and *users is still the caller's. */
int pd_web_auth_set_users(struct pd_web_auth *a, struct pd_web_users *users);
/* Users known now, by role. */
void pd_web_auth_count(struct pd_web_auth *a, size_t *viewers, size_t *admins);
/* crypts run so far by pd_web_auth_verify (the cache's misses). */
unsigned long pd_web_auth_crypts(struct pd_web_auth *a);
/* The role of name when password is its password: 0 and *role, -EACCES
 * for an unknown name or a wrong password, -ENOMEM. now: monotonic, for
 * the cache. Blocks for a crypt unless the cache answers. */
int pd_web_auth_verify(struct pd_web_auth *a, const char *name, const char *password, pd_ns now,
                       enum pd_web_role *role);

#endif
