#include "rrd_read.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rrd_store.h"

void pd_rrd_values_free(struct pd_rrd_values *v)
{
    if (!v)
        return;
    free(v->v);
    v->v = NULL;
    v->n_rows = 0;
}

double pd_rrd_row_overlap(const struct pd_rrd_values *v, size_t i, pd_ns from, pd_ns to)
{
    pd_ns a = v->start + (pd_ns)i * v->step, b = a + v->step;
    if (a < from)
        a = from;
    if (b > to)
        b = to;
    return b > a ? (double)(b - a) / 1e9 : 0;
}

static void free_names(char **names, unsigned long n)
{
    for (unsigned long i = 0; names && i < n; i++)
        rrd_freemem(names[i]);
    rrd_freemem(names);
}

int pd_rrd_fetch(const char *data_dir, const char *target_id, const char *check_id,
                 const char *series, const char *cf, pd_ns from, pd_ns to, const char *const *ds,
                 size_t n_ds, struct pd_rrd_values *out, char *err, size_t errlen)
{
    char path[PATH_MAX];
    char **names = NULL;
    rrd_value_t *data = NULL;
    unsigned long step = 1, n_names = 0;
    int rc;

    *out = (struct pd_rrd_values){.n_ds = n_ds};
    if (to <= from || n_ds == 0) {
        snprintf(err, errlen, "empty period");
        return -EINVAL;
    }
    if ((rc = pd_rrd_path(data_dir, target_id, check_id, series, path, sizeof(path))) < 0) {
        snprintf(err, errlen, "%s", rc == -EINVAL ? "not an id" : "path too long");
        return rc;
    }
    if (access(path, R_OK) != 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    /* librrd's rows end at their time stamp: ask from the second the
     * period starts in, to the one it ends in, rounded out. */
    time_t start = (time_t)(from / PD_SEC), end = (time_t)((to + PD_SEC - 1) / PD_SEC);
    rrd_clear_error();
    if (rrd_fetch_r(path, cf, &start, &end, &step, &n_names, &names, &data) != 0) {
        const char *why = rrd_get_error();
        rc = strstr(why, "matching the chosen CF") ? -ENODATA : -EIO;
        snprintf(err, errlen, "%s: %s", path, why);
        return rc;
    }
    size_t rows = step > 0 && end > start ? (size_t)((end - start) / (time_t)step) : 0;
    out->start = (pd_ns)start * PD_SEC;
    out->step = (pd_ns)step * PD_SEC;
    if (rows > 0 && !(out->v = malloc(rows * n_ds * sizeof(*out->v)))) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    out->n_rows = rows;
    for (size_t k = 0; k < n_ds; k++) {
        unsigned long col = 0;
        while (col < n_names && strcmp(names[col], ds[k]) != 0)
            col++;
        if (col < n_names && k < 32)
            out->found |= 1u << k;
        for (size_t i = 0; i < rows; i++)
            out->v[i * n_ds + k] = col < n_names ? data[i * n_names + col] : NAN;
    }
    rc = 0;
out:
    free_names(names, n_names);
    rrd_freemem(data);
    return rc;
}
