/*
 * Measurements read back from the series files (rrd_store.h) for the
 * inspection records: the values of named data sources over a period.
 * Beside rrd_store.c (writing) and graph.c (drawing), the third module
 * that includes <rrd.h>; it only reads.
 *
 * librrd answers from one archive: the finest whose rows still cover the
 * whole period (with the default archives: every round for the last two
 * days, 5-minute averages for 14 days, hourly ones for 90 days, daily
 * ones after). The step says which; a record made later of the same
 * period may rest on coarser rows, and says so.
 *
 * Thread-safe (librrd's reentrant calls, no state here). A read takes a
 * file's header and rows from disk: never on the loop.
 */
#ifndef PROBED_RRD_READ_H
#define PROBED_RRD_READ_H

#include <stddef.h>

#include "plugin.h"

struct pd_rrd_values {
    pd_ns start; /* row i covers (start + i x step, start + (i + 1) x step] */
    pd_ns step;  /* the archive's resolution */
    size_t n_rows;
    size_t n_ds;    /* the data sources asked for, in that order */
    double *v;      /* owned: n_rows x n_ds, row after row; NAN: unknown, or not in the file */
    unsigned found; /* bit k: the file has data source k (the first 32) */
};

/*
 * The rows of the consolidation function cf ("AVERAGE", "MAX") of the
 * check's file (series NULL) or of one of its series, for [from, to).
 * ds: the data source names (borrowed). On success *out is owned by the
 * caller (pd_rrd_values_free). Returns 0; -EINVAL (an id that is not
 * path-safe, an empty period), -ENOENT (no such file), -ENODATA (the
 * file has no archive of that function), -ENOMEM, or -EIO (librrd
 * failed: its message in err).
 */
int pd_rrd_fetch(const char *data_dir, const char *target_id, const char *check_id,
                 const char *series, const char *cf, pd_ns from, pd_ns to, const char *const *ds,
                 size_t n_ds, struct pd_rrd_values *out, char *err, size_t errlen);
void pd_rrd_values_free(struct pd_rrd_values *v);

/* The part of row i inside [from, to), in seconds (0 when none). */
double pd_rrd_row_overlap(const struct pd_rrd_values *v, size_t i, pd_ns from, pd_ns to);

#endif
