#include "rrd_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <rrd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "hashmap.h"
#include "log.h"

/* Files whose data sources we remember; beyond it, one is forgotten per new
 * file (and read again from disk when next written). */
#define CACHE_MAX 16384
#define ARG_LEN   64 /* one DS or RRA definition */

struct rrd_file {
    char *path; /* the cache key */
    char **ds;
    size_t n_ds;
    char *template; /* "ds1:ds2:..." for rrd_update_r */
    pd_ns last;     /* last update, or a bound no earlier than it */
    int warned;     /* the metrics it lacks were logged */
};

struct pd_rrd_store {
    char *data_dir;
    struct pd_rra_conf *rras;
    size_t n_rras;
    struct pd_hashmap files; /* path -> struct rrd_file */
    size_t evict_pos;
};

int pd_rrd_ds_valid(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (n >= PD_RRD_DS_MAX || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return n > 0;
}

static int id_safe(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (n >= PD_ID_MAX ||
            !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

int pd_rrd_path(const char *data_dir, const char *target_id, const char *check_id,
                const char *series, char *buf, size_t len)
{
    if (!id_safe(target_id) || !id_safe(check_id) || (series && !id_safe(series)))
        return -EINVAL;
    int n = series
                ? snprintf(buf, len, "%s/rrd/%s/%s/%s.rrd", data_dir, target_id, check_id, series)
                : snprintf(buf, len, "%s/rrd/%s/%s.rrd", data_dir, target_id, check_id);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void file_free(struct rrd_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_ds; i++)
        free(f->ds[i]);
    free(f->ds);
    free(f->template);
    free(f->path);
    free(f);
}

/* names are copied. */
static struct rrd_file *file_new(const char *path, char *const *names, size_t n, pd_ns last)
{
    struct rrd_file *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    size_t tlen = 1;
    f->path = strdup(path);
    f->ds = calloc(n ? n : 1, sizeof(*f->ds));
    if (!f->path || !f->ds)
        goto fail;
    for (; f->n_ds < n; f->n_ds++) {
        if (!(f->ds[f->n_ds] = strdup(names[f->n_ds])))
            goto fail;
        tlen += strlen(names[f->n_ds]) + 1;
    }
    if (!(f->template = calloc(1, tlen)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(f->template, ":");
        strcat(f->template, f->ds[i]);
    }
    f->last = last;
    return f;
fail:
    file_free(f);
    return NULL;
}

static void forget(struct pd_rrd_store *st, struct rrd_file *f)
{
    pd_hashmap_remove(&st->files, f->path);
    file_free(f);
}

static int remember(struct pd_rrd_store *st, struct rrd_file *f)
{
    if (st->files.n >= CACHE_MAX) {
        const char *key;
        void *value;
        if (!pd_hashmap_next(&st->files, &st->evict_pos, &key, &value)) {
            st->evict_pos = 0;
            pd_hashmap_next(&st->files, &st->evict_pos, &key, &value);
        }
        forget(st, value);
    }
    return pd_hashmap_put(&st->files, f->path, f);
}

static struct rrd_file *load_file(const char *path)
{
    time_t last = 0;
    unsigned long n = 0;
    char **names = NULL, **values = NULL;
    rrd_clear_error();
    if (rrd_lastupdate_r(path, &last, &n, &names, &values) != 0) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "cannot read %s: %s", path, rrd_get_error());
        return NULL;
    }
    /* librrd reports whole seconds but keeps microseconds: assume the
     * update came late in that second. */
    struct rrd_file *f = file_new(path, names, n, ((pd_ns)last + 1) * PD_SEC - 1000);
    for (unsigned long i = 0; i < n; i++) {
        rrd_freemem(names[i]);
        rrd_freemem(values[i]);
    }
    rrd_freemem(names);
    rrd_freemem(values);
    return f;
}

struct rra_def {
    const char *cf;
    unsigned long pdp, rows;
};

/* The archives for a file of this step: one per (cf, steps per row), the
 * longest wins when two configured ones coincide. */
static size_t rra_defs(const struct pd_rrd_store *st, unsigned long step, struct rra_def *out)
{
    static const struct {
        unsigned bit;
        const char *name;
    } cfs[] = {
        {PD_CF_AVERAGE, "AVERAGE"}, {PD_CF_MIN, "MIN"}, {PD_CF_MAX, "MAX"}, {PD_CF_LAST, "LAST"}};
    size_t n = 0;
    for (size_t i = 0; i < st->n_rras; i++) {
        const struct pd_rra_conf *c = &st->rras[i];
        unsigned long pdp = c->step <= 0 ? 1 : (unsigned long)(c->step / PD_SEC) / step;
        if (pdp < 1)
            pdp = 1;
        unsigned long span = pdp * step;
        unsigned long rows = (unsigned long)((c->keep / PD_SEC + span - 1) / span);
        if (rows < 1)
            rows = 1;
        for (size_t k = 0; k < sizeof(cfs) / sizeof(cfs[0]); k++) {
            if (!(c->cf & cfs[k].bit))
                continue;
            size_t j = 0;
            while (j < n && !(out[j].cf == cfs[k].name && out[j].pdp == pdp))
                j++;
            if (j == n)
                out[n++] = (struct rra_def){cfs[k].name, pdp, rows};
            else if (out[j].rows < rows)
                out[j].rows = rows;
        }
    }
    return n;
}

static void sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Make the file from the first sample with a valid metric. The file is
 * built under a temporary name and renamed, so that a crash never leaves a
 * half-made file where the next start would find it. */
static struct rrd_file *create_file(struct pd_rrd_store *st, const char *path, pd_ns interval,
                                    const struct pd_rrd_sample *s)
{
    struct rrd_file *f = NULL;
    const char **names = calloc(s->n_metrics, sizeof(*names));
    size_t max_args = s->n_metrics + 4 * st->n_rras;
    char(*args)[ARG_LEN] = calloc(max_args, ARG_LEN);
    const char **argv = calloc(max_args, sizeof(*argv));
    struct rra_def *rras = calloc(4 * st->n_rras, sizeof(*rras));
    char *tmp = malloc(strlen(path) + 5);
    if (!names || !args || !argv || !rras || !tmp)
        goto out;

    unsigned long step = interval >= PD_SEC ? (unsigned long)(interval / PD_SEC) : 1;
    size_t n_ds = 0;
    for (size_t i = 0; i < s->n_metrics; i++) {
        const char *name = s->metrics[i].name;
        size_t j = 0;
        while (j < n_ds && strcmp(names[j], name) != 0)
            j++;
        if (pd_rrd_ds_valid(name) && j == n_ds)
            names[n_ds++] = name;
    }
    size_t argc = 0;
    for (size_t i = 0; i < n_ds; i++)
        snprintf(args[argc++], ARG_LEN, "DS:%s:GAUGE:%lu:U:U", names[i], 2 * step);
    size_t n_rra = rra_defs(st, step, rras);
    for (size_t i = 0; i < n_rra; i++)
        snprintf(args[argc++], ARG_LEN, "RRA:%s:0.5:%lu:%lu", rras[i].cf, rras[i].pdp,
                 rras[i].rows);
    for (size_t i = 0; i < argc; i++)
        argv[i] = args[i];

    /* The target's directory, and the check's for a series file. */
    char dir[PATH_MAX], why[256];
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    if (pd_mkdir_p(dir, why, sizeof(why)) < 0) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "%s", why);
        goto out;
    }
    sprintf(tmp, "%s.tmp", path);
    unlink(tmp);
    time_t start = (time_t)(s->when / PD_SEC) - (time_t)step;
    rrd_clear_error();
    if (rrd_create_r(tmp, step, start, (int)argc, argv) != 0) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "cannot create %s: %s", path, rrd_get_error());
        unlink(tmp);
        goto out;
    }
    sync_path(tmp, O_RDONLY);
    if (rename(tmp, path) < 0) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    sync_path(dir, O_RDONLY | O_DIRECTORY);
    pd_logf(PD_LOG_INFO, "storage", NULL, "created %s (step %lus, %zu data sources)", path, step,
            n_ds);
    f = file_new(path, (char *const *)names, n_ds, (pd_ns)start * PD_SEC);
out:
    free(tmp);
    free(rras);
    free(argv);
    free(args);
    free(names);
    return f;
}

static int has_valid_metric(const struct pd_rrd_sample *s)
{
    for (size_t i = 0; i < s->n_metrics; i++)
        if (pd_rrd_ds_valid(s->metrics[i].name))
            return 1;
    return 0;
}

static struct rrd_file *file_for(struct pd_rrd_store *st, const char *path, pd_ns interval,
                                 const struct pd_rrd_sample *samples, size_t n)
{
    struct rrd_file *f = pd_hashmap_get(&st->files, path);
    if (f)
        return f;
    if (access(path, F_OK) == 0) {
        f = load_file(path);
    } else {
        size_t i = 0;
        while (i < n && !has_valid_metric(&samples[i]))
            i++;
        if (i == n)
            return NULL; /* nothing to store yet */
        f = create_file(st, path, interval, &samples[i]);
    }
    if (f && remember(st, f) < 0) {
        file_free(f);
        f = NULL;
    }
    return f;
}

/* The metric for data source `name`; a check submits its metrics in the
 * same order every round, so the one at the source's own position (hint)
 * is tried first. */
static const struct pd_metric *find_metric(const struct pd_rrd_sample *s, const char *name,
                                           size_t hint)
{
    if (hint < s->n_metrics && strcmp(s->metrics[hint].name, name) == 0)
        return &s->metrics[hint];
    for (size_t i = 0; i < s->n_metrics; i++)
        if (strcmp(s->metrics[i].name, name) == 0)
            return &s->metrics[i];
    return NULL;
}

/* Counts the metrics the file cannot take; logs the first of each kind. */
static uint64_t check_metrics(struct rrd_file *f, const struct pd_rrd_sample *s)
{
    uint64_t invalid = 0;
    for (size_t i = 0; i < s->n_metrics; i++) {
        const char *name = s->metrics[i].name;
        if (i < f->n_ds && strcmp(f->ds[i], name) == 0)
            continue; /* the usual case: a source of the file, in its place */
        if (!pd_rrd_ds_valid(name)) {
            pd_logf(PD_LOG_WARNING, "storage", NULL,
                    "%s: metric name \"%s\" is not a valid data source name ([a-z0-9_]{1,19})",
                    f->path, name);
            invalid++;
            continue;
        }
        size_t j = 0;
        while (j < f->n_ds && strcmp(f->ds[j], name) != 0)
            j++;
        if (j == f->n_ds && !f->warned) {
            pd_logf(PD_LOG_NOTICE, "storage", NULL,
                    "%s has no data source \"%s\": its values are not kept (the file keeps "
                    "the metrics of its first sample)",
                    f->path, name);
            f->warned = 1;
        }
    }
    return invalid;
}

/* ":<v>" at out (len bytes free); the bytes written, as snprintf counts.
 * Whole numbers (counts, states, speeds: most metrics) skip printf, whose
 * "%.17g" costs more than the rest of an update; the others keep every
 * digit a double has. */
static size_t put_value(char *out, size_t len, double v)
{
    if (!isfinite(v))
        return (size_t)snprintf(out, len, ":U");
    if (v != floor(v) || fabs(v) >= 9007199254740992.0) /* 2^53: exact up to there */
        return (size_t)snprintf(out, len, ":%.17g", v);
    char digits[20];
    size_t n = 0;
    unsigned long long u = (unsigned long long)fabs(v);
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    bool neg = v < 0;
    size_t need = 1 + neg + n;
    if (need >= len)
        return (size_t)snprintf(out, len, ":%.0f", v); /* cut short, as snprintf would */
    *out++ = ':';
    if (neg)
        *out++ = '-';
    while (n > 0)
        *out++ = digits[--n];
    *out = '\0';
    return need;
}

/* "<seconds>.<microseconds>:v1:v2..." with U for unknown values. */
static void format_sample(const struct rrd_file *f, const struct pd_rrd_sample *s, pd_ns t,
                          char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%lld.%06lld", (long long)(t / PD_SEC),
                                (long long)(t % PD_SEC / 1000));
    for (size_t j = 0; j < f->n_ds && n < len; j++) {
        const struct pd_metric *m = find_metric(s, f->ds[j], j);
        n += put_value(buf + n, len - n, m ? m->value : NAN);
    }
}

size_t pd_rrd_write(struct pd_rrd_store *st, const char *target_id, const char *check_id,
                    const char *series, pd_ns interval, const struct pd_rrd_sample *samples,
                    size_t n, uint64_t *errors)
{
    char path[PATH_MAX];
    if (pd_rrd_path(st->data_dir, target_id, check_id, series, path, sizeof(path)) < 0) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "no series file for %s/%s%s%s: bad id", target_id,
                check_id, series ? "/" : "", series ? series : "");
        *errors += n;
        return 0;
    }
    struct rrd_file *f = file_for(st, path, interval, samples, n);
    if (!f) {
        for (size_t i = 0; i < n; i++)
            *errors += samples[i].n_metrics > 0;
        return 0;
    }
    int argc = 0;
    size_t len = 32 + f->n_ds * 26;
    char *buf = calloc(n, len);
    const char **argv = calloc(n, sizeof(*argv));
    if (!buf || !argv) {
        *errors += n;
        goto out;
    }
    pd_ns last = f->last;
    for (size_t i = 0; i < n; i++) {
        *errors += check_metrics(f, &samples[i]);
        pd_ns t = samples[i].when - samples[i].when % 1000; /* librrd keeps microseconds */
        if (t <= last) {
            pd_logf(PD_LOG_WARNING, "storage", NULL,
                    "%s: sample at %lld.%06lld is not after the last update; dropped", path,
                    (long long)(t / PD_SEC), (long long)(t % PD_SEC / 1000));
            (*errors)++;
            continue;
        }
        format_sample(f, &samples[i], t, buf + (size_t)argc * len, len);
        argv[argc] = buf + (size_t)argc * len;
        argc++;
        last = t;
    }
    if (argc == 0)
        goto out;
    rrd_clear_error();
    if (rrd_update_r(path, f->template, argc, argv) != 0) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "cannot update %s: %s", path, rrd_get_error());
        *errors += (uint64_t)argc;
        argc = 0;
        forget(st, f); /* read it again next time */
        goto out;
    }
    f->last = last;
out:
    free(argv);
    free(buf);
    return (size_t)argc;
}

int pd_rrd_open(const char *data_dir, const struct pd_rra_conf *rras, size_t n_rras,
                struct pd_rrd_store **out, char *err, size_t errlen)
{
    int rc = -ENOMEM;
    *out = NULL;
    struct pd_rrd_store *st = calloc(1, sizeof(*st));
    if (!st)
        goto fail;
    pd_hashmap_init(&st->files);
    if (n_rras == 0) {
        rras = pd_rra_defaults;
        n_rras = pd_n_rra_defaults;
    }
    st->data_dir = strdup(data_dir);
    st->rras = calloc(n_rras, sizeof(*st->rras));
    if (!st->data_dir || !st->rras)
        goto fail;
    memcpy(st->rras, rras, n_rras * sizeof(*rras));
    st->n_rras = n_rras;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/rrd", data_dir);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        rc = -errno;
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        goto fail;
    }
    *out = st;
    return 0;
fail:
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    pd_rrd_close(st);
    return rc;
}

void pd_rrd_close(struct pd_rrd_store *st)
{
    if (!st)
        return;
    const char *key;
    void *value;
    for (size_t pos = 0; pd_hashmap_next(&st->files, &pos, &key, &value);)
        file_free(value);
    pd_hashmap_free(&st->files);
    free(st->rras);
    free(st->data_dir);
    free(st);
}
