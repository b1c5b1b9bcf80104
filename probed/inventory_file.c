#define _GNU_SOURCE /* asprintf, mkostemp */
#include "inventory_file.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "csv_read.h"
#include "yaml_tree.h"

#define BOM             "\xef\xbb\xbf"
#define LOCK_WAIT_STEPS 100 /* of 100 ms: 10 s */

struct pd_inv_style pd_inv_style_of(const char *text, size_t len)
{
    struct pd_inv_style st = {.bom = len >= 3 && memcmp(text, BOM, 3) == 0};
    const char *nl = len ? memchr(text, '\n', len) : NULL;
    st.crlf = nl && nl > text && nl[-1] == '\r';
    return st;
}

void pd_inv_buf_add(struct pd_inv_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->oom = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void pd_inv_buf_puts(struct pd_inv_buf *b, const char *s)
{
    pd_inv_buf_add(b, s, strlen(s));
}

void pd_inv_buf_free(struct pd_inv_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}

void pd_inv_restyle(struct pd_inv_buf *out, const char *text, size_t len, struct pd_inv_style style)
{
    size_t pos = len >= 3 && memcmp(text, BOM, 3) == 0 ? 3 : 0, run = pos;
    const char *eol = style.crlf ? "\r\n" : "\n";

    if (style.bom)
        pd_inv_buf_add(out, BOM, 3);
    /* Copied in runs between line ends, not byte by byte. */
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl)
            break;
        size_t end = (size_t)(nl - text);
        size_t cut = end > run && text[end - 1] == '\r' ? end - 1 : end;
        pd_inv_buf_add(out, text + run, cut - run);
        pd_inv_buf_puts(out, eol);
        pos = run = end + 1;
    }
    pd_inv_buf_add(out, text + run, len - run);
}

void pd_inv_put_cell(struct pd_inv_buf *b, const char *s, int first)
{
    size_t n = s ? strlen(s) : 0;
    if (!first)
        pd_inv_buf_add(b, ",", 1);
    if (n == 0)
        return;
    int quote = strpbrk(s, ",\"\r\n") || s[0] == '#' || s[0] == ' ' || s[0] == '\t' ||
                s[n - 1] == ' ' || s[n - 1] == '\t';
    if (!quote) {
        pd_inv_buf_add(b, s, n);
        return;
    }
    pd_inv_buf_add(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        pd_inv_buf_add(b, s, (size_t)(q - s) + 1);
        pd_inv_buf_add(b, "\"", 1);
    }
    pd_inv_buf_puts(b, s);
    pd_inv_buf_add(b, "\"", 1);
}

void pd_inv_put_row(struct pd_inv_buf *b, const int *columns, size_t n, const char *const *fields,
                    struct pd_inv_style style)
{
    for (size_t i = 0; i < n; i++) {
        int f = columns[i];
        pd_inv_put_cell(b, f >= 0 && f < PD_TF_COUNT ? fields[f] : "", i == 0);
    }
    pd_inv_buf_puts(b, style.crlf ? "\r\n" : "\n");
}

void pd_inv_put_header(struct pd_inv_buf *b, const int *columns, size_t n,
                       struct pd_inv_style style)
{
    for (size_t i = 0; i < n; i++)
        pd_inv_put_cell(b, pd_target_field_name(columns[i]), i == 0);
    pd_inv_buf_puts(b, style.crlf ? "\r\n" : "\n");
}

void pd_inv_rows_free(struct pd_inv_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        for (int f = 0; f < PD_TF_COUNT; f++)
            free(r->v[i].fields[f]);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

static int add_row(struct pd_inv_rows *r, const struct pd_csv *c)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        struct pd_inv_row *v = realloc(r->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        r->v = v;
        r->cap = cap;
    }
    struct pd_inv_row *row = &r->v[r->n++];
    *row = (struct pd_inv_row){.start = c->row_start, .end = c->row_end, .line = c->row_line};
    for (size_t i = 0; i < r->n_columns; i++)
        if (!(row->fields[r->columns[i]] = strdup(pd_csv_field(c, i))))
            return -ENOMEM;
    for (int f = 0; f < PD_TF_COUNT; f++)
        if (!row->fields[f] && !(row->fields[f] = strdup("")))
            return -ENOMEM;
    return 0;
}

int pd_inv_rows_read(const char *text, size_t len, struct pd_inv_rows *out)
{
    const char *names[PD_TF_COUNT + 1];
    char err[1024] = ""; /* the loader reports these; here only pass or fail */
    struct pd_csv c;
    int rc;

    memset(out, 0, sizeof(*out));
    for (int f = 0; f < PD_TF_COUNT; f++)
        names[f] = pd_target_field_name(f);
    names[PD_TF_COUNT] = NULL;
    if ((rc = pd_csv_open(&c, "", text, len, err, sizeof(err))) < 0)
        return rc;
    rc = pd_csv_read_row(&c);
    if (rc <= 0)
        goto out; /* empty: no header yet, no rows */
    if (c.n_fields > PD_INV_MAX_COLUMNS) {
        rc = -EINVAL;
        goto out;
    }
    out->n_columns = c.n_fields;
    if ((rc = pd_csv_columns(&c, names, 1u << PD_TF_ID, out->columns)) < 0)
        goto out;
    out->header_start = c.row_start;
    out->header_end = c.row_end;
    while ((rc = pd_csv_read_row(&c)) > 0) {
        if (c.n_fields != out->n_columns) {
            rc = -EINVAL;
            break;
        }
        if ((rc = add_row(out, &c)) < 0)
            break;
    }
out:
    pd_csv_close(&c);
    if (rc < 0)
        pd_inv_rows_free(out);
    return rc < 0 ? rc : 0;
}

/* Where the line end of the row text[start..end) begins. */
static size_t before_eol(const char *text, size_t start, size_t end)
{
    /* A CR is part of the line end only before its LF: a lone one at the
     * end of the text is the field's. */
    if (end > start && text[end - 1] == '\n') {
        end--;
        if (end > start && text[end - 1] == '\r')
            end--;
    }
    return end;
}

void pd_inv_add_column(struct pd_inv_buf *out, const char *text, size_t len,
                       const struct pd_inv_rows *rows, int field)
{
    size_t done = 0;
    for (size_t i = 0; i <= rows->n; i++) {
        size_t start = i == 0 ? rows->header_start : rows->v[i - 1].start;
        size_t end = i == 0 ? rows->header_end : rows->v[i - 1].end;
        size_t cut = before_eol(text, start, end);
        pd_inv_buf_add(out, text + done, cut - done);
        pd_inv_buf_add(out, ",", 1);
        if (i == 0)
            pd_inv_put_cell(out, pd_target_field_name(field), 1);
        done = cut;
    }
    pd_inv_buf_add(out, text + done, len - done);
}

long pd_inv_rows_find(const struct pd_inv_rows *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].fields[PD_TF_ID], id) == 0)
            return (long)i;
    return -1;
}

void pd_inv_files_free(char **files, size_t n)
{
    for (size_t i = 0; files && i < n; i++)
        free(files[i]);
    free(files);
}

int pd_inv_files(const struct pd_config *cfg, char ***files, size_t *n)
{
    char **v = NULL;
    size_t used = 0;
    int rc = 0;

    for (size_t i = 0; i < cfg->n_inventory && rc == 0; i++) {
        glob_t g;
        if (glob(cfg->inventory[i], 0, NULL, &g) == GLOB_NOSPACE)
            rc = -ENOMEM;
        for (size_t k = 0; rc == 0 && k < g.gl_pathc; k++) {
            int seen = 0;
            for (size_t j = 0; j < used && !seen; j++)
                seen = strcmp(v[j], g.gl_pathv[k]) == 0;
            if (seen)
                continue;
            char **grown = realloc(v, (used + 2) * sizeof(*v));
            if (!grown || !(grown[used] = strdup(g.gl_pathv[k]))) {
                v = grown ? grown : v;
                rc = -ENOMEM;
                break;
            }
            v = grown;
            v[++used] = NULL;
        }
        globfree(&g);
    }
    if (rc < 0) {
        pd_inv_files_free(v, used);
        return rc;
    }
    *files = v;
    *n = used;
    return 0;
}

/* path made absolute with its directory resolved (the file itself need
 * not exist); NULL when the directory does not exist. Taken. */
static char *absolute(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *real = dir ? realpath(dir, NULL) : NULL, *abs = NULL;
    const char *base = slash ? slash + 1 : path;
    if (real && *base && asprintf(&abs, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base) < 0)
        abs = NULL;
    free(dir);
    free(real);
    return abs;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static void join_list(char *buf, size_t len, char *const *items, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", items[i]);
}

int pd_inv_managed(const struct pd_config *cfg, const char *want, char **path, char *err,
                   size_t errlen)
{
    char **files = NULL, *abs = NULL, list[2048], patterns[2048];
    size_t n = 0;
    int rc = -EINVAL;

    *path = NULL;
    if (cfg->n_inventory == 0) {
        snprintf(err, errlen,
                 "%s names no inventory files: add e.g. 'inventory: [inventory/*.csv]' to it, "
                 "then name the new file with --file inventory/devices.csv",
                 cfg->path);
        return -EINVAL;
    }
    if (pd_inv_files(cfg, &files, &n) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    join_list(list, sizeof(list), files, n);
    join_list(patterns, sizeof(patterns), cfg->inventory, cfg->n_inventory);
    if (!want) {
        if (n == 1 && (*path = strdup(files[0])))
            rc = 0;
        else if (n == 1)
            rc = -ENOMEM;
        else if (n == 0)
            snprintf(err, errlen,
                     "no inventory file exists yet (patterns: %s): name the new one with "
                     "--file PATH",
                     patterns);
        else
            snprintf(err, errlen, "the inventory has %zu files (%s): say which with --file PATH", n,
                     list);
        goto out;
    }
    /* A relative PATH from the current directory, else from the main
     * file's, where the patterns start. */
    char *in_dir = NULL;
    const char *slash = strrchr(cfg->path, '/');
    if (want[0] != '/' &&
        asprintf(&in_dir, "%.*s%s", slash ? (int)(slash - cfg->path + 1) : 0, cfg->path, want) < 0)
        in_dir = NULL;
    const char *tries[] = {want, in_dir};
    for (size_t t = 0; t < 2 && rc == -EINVAL; t++) {
        for (size_t i = 0; tries[t] && i < n && rc == -EINVAL; i++)
            if (strcmp(files[i], tries[t]) == 0 || same_file(files[i], tries[t]))
                rc = (*path = strdup(files[i])) ? 0 : -ENOMEM;
    }
    /* A new file: it must fit a pattern, or the daemon would never read it. */
    for (size_t t = 0; t < 2 && rc == -EINVAL; t++) {
        free(abs);
        abs = NULL;
        if (!tries[t] || !(abs = absolute(tries[t])) || access(abs, F_OK) == 0)
            continue;
        for (size_t i = 0; i < cfg->n_inventory && rc == -EINVAL; i++) {
            if (fnmatch(cfg->inventory[i], abs, FNM_PATHNAME | FNM_PERIOD) == 0) {
                *path = abs;
                abs = NULL;
                rc = 0;
            }
        }
    }
    free(in_dir);
    if (rc != -EINVAL)
        goto out;
    snprintf(err, errlen, "%s is not an inventory file of %s (files: %s; patterns: %s)", want,
             cfg->path, n ? list : "none yet", patterns);
out:
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    free(abs);
    pd_inv_files_free(files, n);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
}

int pd_inv_file_open(struct pd_inv_file *f, const char *path, char *err, size_t errlen)
{
    char *dir = NULL;
    int rc = 0;

    *f = (struct pd_inv_file){.dir_fd = -1};
    if (!(f->path = strdup(path)) || !(dir = dir_of(path))) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto fail;
    }
    if ((f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    for (int i = 0; flock(f->dir_fd, LOCK_EX | LOCK_NB) < 0; i++) {
        if (errno != EWOULDBLOCK || i == LOCK_WAIT_STEPS) {
            rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
            snprintf(err, errlen, "%s: %s", dir,
                     rc == -EBUSY ? "another probectl inventory has been writing here for 10 s"
                                  : strerror(-rc));
            goto fail;
        }
        sleep_ms(100);
    }
    if (stat(path, &f->st) < 0) {
        if (errno != ENOENT) {
            rc = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            goto fail;
        }
        /* A new file: readable by the daemon's user, as the examples are. */
        f->st.st_mode = S_IFREG | 0644;
        f->st.st_uid = geteuid();
        f->st.st_gid = getegid();
    } else {
        char rerr[1024] = "";
        if ((rc = pd_read_file(path, &f->text, &f->len, rerr, sizeof(rerr))) < 0) {
            snprintf(err, errlen, "%s", rerr);
            err[strcspn(err, "\n")] = '\0';
            goto fail;
        }
    }
    free(dir);
    return 0;
fail:
    free(dir);
    pd_inv_file_close(f);
    return rc;
}

/* 1 when the file still holds what f read (or still does not exist). */
static int unchanged(const struct pd_inv_file *f)
{
    char *now = NULL, err[256];
    size_t len = 0;
    if (pd_read_file(f->path, &now, &len, err, sizeof(err)) < 0)
        return !f->text && access(f->path, F_OK) != 0 && errno == ENOENT;
    int same = f->text && len == f->len && memcmp(now, f->text, len) == 0;
    free(now);
    return same;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int pd_inv_file_replace(struct pd_inv_file *f, const char *text, size_t len, char *err,
                        size_t errlen)
{
    const char *slash = strrchr(f->path, '/');
    char *dir = dir_of(f->path), *tmp = NULL;
    int fd = -1, rc = 0;

    if (!dir || asprintf(&tmp, "%s/.%s.probectl-XXXXXX", dir, slash ? slash + 1 : f->path) < 0) {
        tmp = NULL;
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!unchanged(f)) {
        rc = -EAGAIN;
        snprintf(err, errlen,
                 "%s changed while probectl was working on it (edited by hand?): nothing written; "
                 "run the command again",
                 f->path);
        goto out;
    }
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", dir, strerror(errno));
        goto out;
    }
    /* The owner first: fchown may clear set-id bits fchmod then sets. An
     * owner we may not give (not root) stays ours. */
    if ((fchown(fd, f->st.st_uid, f->st.st_gid) < 0 && errno != EPERM) ||
        fchmod(fd, f->st.st_mode & 07777) < 0 || (rc = write_all(fd, text, len)) < 0 ||
        fsync(fd) < 0) {
        rc = rc ? rc : -errno;
        snprintf(err, errlen, "%s: %s", tmp, strerror(-rc));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = -errno;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, f->path) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    /* The rename is durable once the directory is. */
    if (fsync(f->dir_fd) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    }
out:
    if (fd >= 0)
        close(fd);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

void pd_inv_file_close(struct pd_inv_file *f)
{
    if (f->dir_fd >= 0)
        close(f->dir_fd); /* releases the lock */
    free(f->path);
    free(f->text);
    *f = (struct pd_inv_file){.dir_fd = -1};
}
