#define _GNU_SOURCE
#include "privileges.h"

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "user '%s' does not exist", user);
        return -ENOENT;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

int pd_drop_privileges(const char *user, const cap_value_t *keep, size_t n, char *what,
                       size_t whatlen, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    int rc = lookup(user, &uid, &gid, err, errlen);
    if (rc < 0)
        return rc;
    if (n > 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        goto fail_errno;
    if (initgroups(user, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
        goto fail_errno;
    /* setuid() cleared the effective set; raise exactly what we keep. */
    cap_t caps = cap_init();
    if (!caps)
        goto fail_errno;
    if (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, (int)n, keep, CAP_SET) < 0 ||
                  cap_set_flag(caps, CAP_EFFECTIVE, (int)n, keep, CAP_SET) < 0)) {
        cap_free(caps);
        goto fail_errno;
    }
    rc = cap_set_proc(caps);
    cap_free(caps);
    if (rc < 0)
        goto fail_errno;
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (setuid(0) == 0) {
        snprintf(err, errlen, "still able to become root after dropping privileges");
        return -EPERM;
    }
    int off = snprintf(what, whatlen, "running as %s (uid %u, gid %u), capabilities kept: ", user,
                       (unsigned)uid, (unsigned)gid);
    if (n == 0)
        snprintf(what + off, whatlen - (size_t)off, "none");
    for (size_t i = 0; i < n && off > 0 && (size_t)off < whatlen; i++) {
        char *name = cap_to_name(keep[i]);
        off +=
            snprintf(what + off, whatlen - (size_t)off, "%s%s", i ? ", " : "", name ? name : "?");
        cap_free(name);
    }
    return 0;
fail_errno:
    rc = -errno;
    snprintf(err, errlen, "cannot become user '%s': %s", user, strerror(errno));
    return rc;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    if (st->st_uid == chown_uid && st->st_gid == chown_gid)
        return 0;
    return lchown(path, chown_uid, chown_gid) < 0 ? -1 : 0;
}

int pd_chown_tree(const char *path, const char *user, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    int rc = lookup(user, &uid, &gid, err, errlen);
    if (rc < 0)
        return rc;
    struct stat st;
    if (stat(path, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    /* The walk is depth-first, so the top is given away last: a tree owned
     * right at the top is complete, and the long walk over tens of
     * thousands of RRD files is skipped. */
    if (st.st_uid == uid && st.st_gid == gid)
        return 0;
    chown_uid = uid;
    chown_gid = gid;
    if (nftw(path, chown_one, 32, FTW_PHYS | FTW_DEPTH) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot give %s to user '%s': %s", path, user, strerror(errno));
        return rc;
    }
    return 0;
}
