#include "inspect_files.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fsutil.h"
#include "inspect_write.h"

int pd_inspect_file(const struct pd_inspection *in, enum pd_report_format fmt, bool bom,
                    const char *path, char *err, size_t errlen)
{
    if (fmt == PD_REPORT_JSON) {
        char *doc = NULL;
        size_t len = 0;
        if (pd_inspect_json(in, &doc, &len) < 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        int rc = pd_write_atomic(path, doc, len, err, errlen);
        free(doc);
        return rc;
    }
    struct pd_record rec;
    if (pd_inspect_record(in, &rec) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = pd_record_file(&rec, fmt, bom, path, err, errlen);
    pd_record_free(&rec);
    return rc;
}

int pd_inspect_daily_request(const struct pd_config *cfg, int32_t day, pd_ns now,
                             char label[PD_DAY_TEXT], struct pd_inspect_request *req)
{
    *req = (struct pd_inspect_request){.kind = PD_INSPECT_DAILY, .label = label, .now = now};
    pd_day_format(day, label, PD_DAY_TEXT);
    return pd_daily_period(&cfg->inspection, day, &req->start, &req->end, &req->since_day);
}

int pd_inspect_daily_path(const char *data_dir, int32_t day, const char *ext, char *buf, size_t len)
{
    char d[PD_DAY_TEXT];
    int n = snprintf(buf, len, "%s/%s/daily-%s.%s", data_dir, PD_REPORTS_DIR,
                     pd_day_format(day, d, sizeof(d)), ext);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static const struct {
    unsigned bit;
    enum pd_report_format fmt;
    const char *ext;
} formats[] = {
    {PD_INSPECT_JSON, PD_REPORT_JSON, "json"},
    {PD_INSPECT_CSV, PD_REPORT_CSV, "csv"},
    {PD_INSPECT_HTML, PD_REPORT_HTML, "html"},
    {PD_INSPECT_XLSX, PD_REPORT_XLSX, "xlsx"},
};

bool pd_inspect_daily_done(const char *data_dir, unsigned which, int32_t day)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (!(which & formats[i].bit))
            continue;
        if (pd_inspect_daily_path(data_dir, day, formats[i].ext, path, sizeof(path)) < 0 ||
            access(path, F_OK) != 0)
            return false;
    }
    return true;
}

int pd_inspect_daily_files(const struct pd_config *cfg, int32_t day, pd_ns now, char *err,
                           size_t errlen)
{
    struct pd_inspect_request req;
    struct pd_inspection *in = NULL;
    struct pd_db *db = NULL;
    char label[PD_DAY_TEXT], hash[PD_SHA256_HEX], dir[PATH_MAX], source[PATH_MAX + 32];
    int rc;

    if ((rc = pd_inspect_daily_request(cfg, day, now, label, &req)) < 0) {
        snprintf(err, errlen, "%s: no check time in time zone %s", label, cfg->timezone);
        return rc;
    }
    if ((rc = pd_config_sha256(cfg, hash, err, errlen)) < 0)
        return rc;
    snprintf(source, sizeof(source), "event store %s/%s", cfg->data_dir, PD_DB_FILE);
    req.config_hash = hash;
    req.source = source;
    snprintf(dir, sizeof(dir), "%s/%s", cfg->data_dir, PD_REPORTS_DIR);
    if ((rc = pd_mkdir_p(dir, err, errlen)) < 0 ||
        (rc = pd_db_open(cfg->data_dir, 1, &db, err, errlen)) < 0 ||
        (rc = pd_inspect_from_store(db, cfg, &req, &in, err, errlen)) < 0)
        goto out;
    for (size_t i = 0; rc == 0 && i < sizeof(formats) / sizeof(formats[0]); i++) {
        char path[PATH_MAX];
        if (!(cfg->inspection.daily_formats & formats[i].bit))
            continue;
        if ((rc = pd_inspect_daily_path(cfg->data_dir, day, formats[i].ext, path, sizeof(path))) <
            0) {
            snprintf(err, errlen, "%s: data_dir's path is too long", dir);
            break;
        }
        /* With a byte order mark: these files are opened in spreadsheets. */
        rc = pd_inspect_file(in, formats[i].fmt, true, path, err, errlen);
    }
out:
    pd_inspection_free(in);
    pd_db_close(db);
    return rc;
}
