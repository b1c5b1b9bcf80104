/*
 * Series files: <data_dir>/rrd/<target_id>/<check_id>.rrd, and
 * <check_id>/<series>.rrd beside it for the parts of a check that have
 * series of their own (a switch's interfaces); one data source per metric,
 * written with librrd by the storage thread (the only module that includes
 * <rrd.h>). Not thread-safe: one thread per store.
 *
 * A file is created on first use with the metric names of its first sample
 * and the check's interval as its step; later samples write the metrics the
 * file has (others are ignored, logged once per file) and leave the rest
 * unknown. The step and data sources of an existing file never change.
 */
#ifndef PROBED_RRD_STORE_H
#define PROBED_RRD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"

#define PD_RRD_DS_MAX 19 /* longest data source name */

struct pd_rrd_store;

struct pd_rrd_sample {
    pd_ns when;
    const struct pd_metric *metrics; /* borrowed */
    size_t n_metrics;
};

/* data_dir and rras are copied; n_rras 0 means the built-in archives
 * (the check's own step for 14 days, then AVERAGE/MIN/MAX at 5 minutes for
 * 60 days, 1 hour for 400 days and 1 day for 5 years). Creates
 * <data_dir>/rrd. 0 or -errno with err filled. */
int pd_rrd_open(const char *data_dir, const struct pd_rra_conf *rras, size_t n_rras,
                struct pd_rrd_store **out, char *err, size_t errlen);
void pd_rrd_close(struct pd_rrd_store *st);

/* Write samples of one check (series NULL) or of one of its series
 * (<check_id>/<series>.rrd), oldest first, in one librrd call. A sample
 * not newer than the file's last update is refused (RRD files only move
 * forward). Returns how many samples were written; every refused sample,
 * skipped invalid metric name and failed write adds one to *errors. */
size_t pd_rrd_write(struct pd_rrd_store *st, const char *target_id, const char *check_id,
                    const char *series, pd_ns interval, const struct pd_rrd_sample *samples,
                    size_t n, uint64_t *errors);

/* The file of a check (series NULL) or of one of its series; -EINVAL when
 * an id is not path-safe ([a-z0-9._-]{1,64}, not "." or ".."),
 * -ENAMETOOLONG when buf is too small. */
int pd_rrd_path(const char *data_dir, const char *target_id, const char *check_id,
                const char *series, char *buf, size_t len);

/* [a-z0-9_]{1,19}: what librrd accepts as a data source name. */
int pd_rrd_ds_valid(const char *name);

#endif
