#define _GNU_SOURCE /* explicit_bzero */
#include "web_auth.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ERRORS  20
#define DIGEST_SIZE 32

const char *pd_web_role_name(enum pd_web_role role)
{
    return role == PD_WEB_ROLE_ADMIN ? "admin" : role == PD_WEB_ROLE_VIEWER ? "viewer" : "none";
}

int pd_web_role_parse(const char *text, enum pd_web_role *out)
{
    if (strcmp(text, "viewer") == 0)
        *out = PD_WEB_ROLE_VIEWER;
    else if (strcmp(text, "admin") == 0)
        *out = PD_WEB_ROLE_ADMIN;
    else
        return -EINVAL;
    return 0;
}

int pd_web_user_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > PD_WEB_USER_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return 0;
    }
    return 1;
}

/* Methods accepted: libxcrypt's strong ones. DES, md5crypt, NT and the
 * like are refused, and a plain-text password cannot start with any of
 * these and also pass crypt_checksalt(). */
static int hash_valid(const char *h, const char **why)
{
    static const char *const prefixes[] = {"$y$", "$gy$", "$7$", "$2b$", "$2y$", "$6$", "$5$"};
    int known = 0;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        known |= strncmp(h, prefixes[i], strlen(prefixes[i])) == 0;
    if (!known) {
        *why = h[0] == '$' ? "a crypt method that is not accepted (use yescrypt $y$, as probectl "
                             "web-passwd writes, or $gy$, $7$, $2b$, $6$, $5$)"
                           : "not a crypt(3) hash (a plain-text password?): write users with "
                             "probectl web-passwd";
        return 0;
    }
    const char *last = strrchr(h, '$');
    if (strlen(last + 1) < 20 || crypt_checksalt(h) != CRYPT_SALT_OK) {
        *why = "a malformed crypt(3) hash";
        return 0;
    }
    for (const char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("./$=,-", *p))) {
            *why = "a malformed crypt(3) hash (a character no crypt method writes)";
            return 0;
        }
    return 1;
}

struct parse {
    const char *label;
    char *err;
    size_t errlen, used;
    int n_errors;
};

static void fail(struct parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct parse *p, int line, const char *fmt, ...)
{
    if (p->n_errors++ >= MAX_ERRORS || p->used >= p->errlen)
        return;
    int n = snprintf(p->err + p->used, p->errlen - p->used, "%s:%d: ", p->label, line);
    if (n > 0 && (size_t)n < p->errlen - p->used) {
        p->used += (size_t)n;
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(p->err + p->used, p->errlen - p->used, fmt, ap);
        va_end(ap);
        if (n > 0)
            p->used += (size_t)n;
        if (p->used + 1 < p->errlen) {
            p->err[p->used++] = '\n';
            p->err[p->used] = '\0';
        }
    }
    if (p->used >= p->errlen)
        p->used = p->errlen;
}

static int add_user(struct pd_web_users *u, size_t *cap, char *fields, int line)
{
    if (u->n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        struct pd_web_user *grown = realloc(u->users, c * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        u->users = grown;
        *cap = c;
    }
    /* fields: "name\0role\0hash" checked by the caller. */
    struct pd_web_user *x = &u->users[u->n];
    const char *role = fields + strlen(fields) + 1;
    *x = (struct pd_web_user){.line = line};
    pd_web_role_parse(role, &x->role);
    if (!(x->name = strdup(fields)) || !(x->hash = strdup(role + strlen(role) + 1))) {
        free(x->name);
        return -ENOMEM;
    }
    u->n++;
    return 0;
}

/* One line without its end, as a NUL-terminated copy in line. */
static void parse_line(struct parse *p, struct pd_web_users *u, size_t *cap, char *text, int line,
                       int *rc)
{
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        text[--n] = '\0';
    char *s = text + strspn(text, " \t");
    if (!*s || *s == '#')
        return;
    char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2 || strchr(c2 + 1, ':')) {
        fail(p, line, "expected NAME:ROLE:HASH (three fields separated by ':')");
        return;
    }
    *c1 = *c2 = '\0';
    const char *name = s, *role = c1 + 1, *hash = c2 + 1, *why = NULL;
    enum pd_web_role r;
    const struct pd_web_user *dup;
    if (!pd_web_user_name_valid(name)) {
        fail(p, line, "user name '%.64s' is not valid (1 to %d of A-Z a-z 0-9 . _ @ -)", name,
             PD_WEB_USER_MAX);
    } else if (pd_web_role_parse(role, &r) < 0) {
        fail(p, line, "user '%s': role '%.32s' is not viewer or admin", name, role);
    } else if (!hash_valid(hash, &why)) {
        fail(p, line, "user '%s': the password hash is %s", name, why);
    } else if ((dup = pd_web_users_find(u, name))) {
        fail(p, line, "duplicate user '%s' (first at line %d)", name, dup->line);
    } else if (p->n_errors == 0 && add_user(u, cap, s, line) < 0) {
        *rc = -ENOMEM;
    }
}

int pd_web_users_parse(const char *label, const char *buf, size_t len, struct pd_web_users *out,
                       char *err, size_t errlen)
{
    struct parse p = {.label = label, .err = err, .errlen = errlen};
    struct pd_web_users u = {0};
    size_t cap = 0;
    int rc = 0, line = 0;
    char *text = malloc(len + 1);
    *out = (struct pd_web_users){0};
    if (errlen)
        err[0] = '\0';
    if (!text)
        return -ENOMEM;
    for (size_t at = 0; at < len && rc == 0;) {
        const char *end = memchr(buf + at, '\n', len - at);
        size_t n = end ? (size_t)(end - (buf + at)) : len - at;
        memcpy(text, buf + at, n);
        text[n] = '\0';
        line++;
        if (strlen(text) != n)
            fail(&p, line, "a NUL byte: not a text file");
        else
            parse_line(&p, &u, &cap, text, line, &rc);
        at += n + 1;
    }
    explicit_bzero(text, len + 1);
    free(text);
    if (rc == 0 && p.n_errors)
        rc = -EINVAL;
    if (rc < 0) {
        if (rc == -ENOMEM)
            snprintf(err, errlen, "%s: out of memory", label);
        pd_web_users_free(&u);
        return rc;
    }
    *out = u;
    return 0;
}

int pd_web_users_load(const char *path, struct pd_web_users *out, char *err, size_t errlen)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int rc;
    *out = (struct pd_web_users){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "users file %s: %s", path, strerror(-rc));
        return rc;
    }
    /* The mode of what was opened, not of what the path names later. */
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "users file %s: %s", path, strerror(-rc));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EPERM;
        snprintf(err, errlen, "users file %s is not a regular file", path);
        goto out;
    }
    if (st.st_mode & 007) {
        rc = -EPERM;
        snprintf(err, errlen,
                 "users file %s is open to every user (mode %04o): its password hashes could "
                 "be attacked offline, or users added; make it private, e.g. chmod 640 %s",
                 path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size > PD_WEB_USERS_SIZE) {
        rc = -EFBIG;
        snprintf(err, errlen, "users file %s is larger than %d bytes", path, PD_WEB_USERS_SIZE);
        goto out;
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        rc = -ENOMEM;
        snprintf(err, errlen, "users file %s: out of memory", path);
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            snprintf(err, errlen, "users file %s: %s", path,
                     n < 0 ? strerror(-rc) : "changed while being read");
            goto out;
        }
        len += (size_t)n;
    }
    rc = pd_web_users_parse(path, buf, len, out, err, errlen);
out:
    if (buf)
        explicit_bzero(buf, len);
    free(buf);
    close(fd);
    return rc;
}

void pd_web_users_free(struct pd_web_users *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->users[i].name);
        free(u->users[i].hash);
    }
    free(u->users);
    *u = (struct pd_web_users){0};
}

const struct pd_web_user *pd_web_users_find(const struct pd_web_users *u, const char *name)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->users[i].name, name) == 0)
            return &u->users[i];
    return NULL;
}

int pd_web_auth_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

/* crypt_rn with its 32 KiB of state on the heap: request threads have
 * small stacks. 1 when phrase hashes to hash under hash's own setting. */
static int crypt_matches(const char *phrase, const char *hash)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd)
        return 0;
    const char *got = crypt_rn(phrase, hash, cd, (int)sizeof(*cd));
    /* The length of a hash is no secret; its bytes are compared in
     * constant time. */
    size_t n = strlen(hash);
    int ok = got && strlen(got) == n && pd_web_auth_equal(got, hash, n);
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return ok;
}

int pd_web_auth_hash(const char *password, char *out, size_t outlen, char *err, size_t errlen)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = NULL;
    int rc = 0;
    /* count 0: libxcrypt's default cost; NULL entropy: it draws its own. */
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, setting, (int)sizeof(setting))) {
        rc = errno ? -errno : -EINVAL;
        snprintf(err, errlen, "cannot make a yescrypt salt: %s", strerror(-rc));
        return rc;
    }
    if (!(cd = calloc(1, sizeof(*cd)))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    const char *h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
    if (!h || h[0] != '$') {
        rc = -EINVAL;
        snprintf(err, errlen, "yescrypt failed: %s", strerror(errno ? errno : EINVAL));
    } else if (strlen(h) >= outlen) {
        rc = -ENOSPC;
        snprintf(err, errlen, "the hash is longer than %zu bytes", outlen - 1);
    } else {
        memcpy(out, h, strlen(h) + 1);
    }
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    return rc;
}

/* The cache of one user: the digest of the password that last verified,
 * until when it is trusted. One slot a user bounds the cache by the file,
 * and a wrong password never matches the digest of the right one. */
struct slot {
    unsigned char digest[DIGEST_SIZE];
    pd_ns until; /* 0: empty */
};

/* The users of one set_users, shared with the requests verifying against
 * them; freed by whoever drops the last reference. */
struct snapshot {
    int refs;
    struct pd_web_users users;
    struct slot *cache; /* users.n */
};

struct pd_web_auth {
    pthread_mutex_t lock; /* guards cur, refs and the slots */
    struct snapshot *cur;
    unsigned char key[DIGEST_SIZE]; /* HMAC key, random, never leaves the process */
    unsigned long crypts;           /* crypt_rn calls made */
};

static void snapshot_free(struct snapshot *s)
{
    if (!s)
        return;
    if (s->cache)
        explicit_bzero(s->cache, s->users.n * sizeof(*s->cache));
    free(s->cache);
    pd_web_users_free(&s->users);
    free(s);
}

int pd_web_auth_new(struct pd_web_auth **out)
{
    struct pd_web_auth *a = calloc(1, sizeof(*a));
    *out = NULL;
    if (!a)
        return -ENOMEM;
    if (!(a->cur = calloc(1, sizeof(*a->cur)))) {
        free(a);
        return -ENOMEM;
    }
    a->cur->refs = 1;
    size_t got = 0;
    while (got < sizeof(a->key)) {
        ssize_t n = getrandom(a->key + got, sizeof(a->key) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int rc = -errno;
            pd_web_auth_free(a);
            return rc;
        }
        got += (size_t)n;
    }
    pthread_mutex_init(&a->lock, NULL);
    *out = a;
    return 0;
}

void pd_web_auth_free(struct pd_web_auth *a)
{
    if (!a)
        return;
    /* The HTTP threads are gone: no request holds a snapshot. */
    snapshot_free(a->cur);
    explicit_bzero(a->key, sizeof(a->key));
    pthread_mutex_destroy(&a->lock);
    free(a);
}

static void release(struct pd_web_auth *a, struct snapshot *s)
{
    pthread_mutex_lock(&a->lock);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&a->lock);
    if (last)
        snapshot_free(s);
}

int pd_web_auth_set_users(struct pd_web_auth *a, struct pd_web_users *users)
{
    struct snapshot *s = calloc(1, sizeof(*s));
    struct slot *cache = calloc(users->n + 1, sizeof(*cache));
    if (!s || !cache) {
        free(s);
        free(cache);
        return -ENOMEM;
    }
    s->refs = 1;
    s->users = *users;
    s->cache = cache;
    *users = (struct pd_web_users){0};
    pthread_mutex_lock(&a->lock);
    struct snapshot *old = a->cur;
    a->cur = s;
    pthread_mutex_unlock(&a->lock);
    release(a, old);
    return 0;
}

void pd_web_auth_count(struct pd_web_auth *a, size_t *viewers, size_t *admins)
{
    *viewers = *admins = 0;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->cur->users.n; i++)
        ++*(a->cur->users.users[i].role == PD_WEB_ROLE_ADMIN ? admins : viewers);
    pthread_mutex_unlock(&a->lock);
}

unsigned long pd_web_auth_crypts(struct pd_web_auth *a)
{
    pthread_mutex_lock(&a->lock);
    unsigned long n = a->crypts;
    pthread_mutex_unlock(&a->lock);
    return n;
}

static int digest(const struct pd_web_auth *a, const char *name, const char *password,
                  unsigned char *out)
{
    unsigned int n = 0;
    size_t nl = strlen(name), pl = strlen(password);
    unsigned char *msg = malloc(nl + pl + 2);
    if (!msg)
        return -ENOMEM;
    memcpy(msg, name, nl + 1); /* the NUL separates: "ab"+"c" is not "a"+"bc" */
    memcpy(msg + nl + 1, password, pl + 1);
    unsigned char *d = HMAC(EVP_sha256(), a->key, (int)sizeof(a->key), msg, nl + pl + 1, out, &n);
    explicit_bzero(msg, nl + pl + 2);
    free(msg);
    return d && n == DIGEST_SIZE ? 0 : -EIO;
}

int pd_web_auth_verify(struct pd_web_auth *a, const char *name, const char *password, pd_ns now,
                       enum pd_web_role *role)
{
    unsigned char d[DIGEST_SIZE];
    int rc = digest(a, name, password, d);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&a->lock);
    struct snapshot *s = a->cur;
    s->refs++;
    const struct pd_web_user *u = pd_web_users_find(&s->users, name);
    struct slot *slot = u ? &s->cache[u - s->users.users] : NULL;
    int cached = slot && slot->until > now && pd_web_auth_equal(slot->digest, d, sizeof(d));
    pthread_mutex_unlock(&a->lock);
    int ok = cached;
    if (!cached) {
        /* An unknown name costs a crypt too (against another user's hash),
         * so that the time taken does not tell which names exist. */
        const char *hash = u ? u->hash : s->users.n ? s->users.users[0].hash : NULL;
        ok = hash && crypt_matches(password, hash) && u;
        pthread_mutex_lock(&a->lock);
        a->crypts += hash != NULL;
        pthread_mutex_unlock(&a->lock);
        if (ok) {
            pthread_mutex_lock(&a->lock);
            memcpy(slot->digest, d, sizeof(d));
            slot->until = now + PD_WEB_AUTH_CACHE;
            pthread_mutex_unlock(&a->lock);
        }
    }
    if (ok)
        *role = u->role;
    explicit_bzero(d, sizeof(d));
    release(a, s);
    return ok ? 0 : -EACCES;
}
