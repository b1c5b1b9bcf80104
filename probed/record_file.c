/* A record written whole to a file in one of its formats. */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fsutil.h"

int pd_record_file(const struct pd_record *r, enum pd_report_format fmt, bool bom, const char *path,
                   char *err, size_t errlen)
{
    char *doc = NULL, *tmp = NULL, hex[PD_SHA256_HEX];
    size_t len = 0;
    int rc;
    switch (fmt) {
    case PD_REPORT_CSV:
        rc = pd_record_csv(r, bom, &doc, &len);
        break;
    case PD_REPORT_HTML:
        rc = pd_record_html(r, &doc, &len);
        break;
    case PD_REPORT_XLSX:
        /* The workbook shows the digest of the same record as CSV: its
         * last line's last 64 characters. */
        if ((rc = pd_record_csv(r, false, &doc, &len)) < 0)
            break;
        snprintf(hex, sizeof(hex), "%.64s", doc + len - 66);
        free(doc);
        doc = NULL;
        if ((rc = pd_tmp_path(path, &tmp, err, errlen)) < 0)
            return rc;
        rc = pd_record_xlsx(r, tmp, hex, err, errlen);
        int crc = pd_commit_atomic(tmp, path, rc < 0, err, errlen);
        free(tmp);
        return rc < 0 ? rc : crc;
    default:
        snprintf(err, errlen, "%s: a record is written as CSV, HTML or XLSX", path);
        return -EINVAL;
    }
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    rc = pd_write_atomic(path, doc, len, err, errlen);
    free(doc);
    return rc;
}
