/*
 * The report's writers: one per format, each from a built struct
 * pd_report (report.h). Times are printed in the configured time zone
 * (timefmt.h) with their offset.
 *
 * Every text format ends with the SHA-256 of its own body, so that a
 * printed copy can be matched to the file: the digest covers every byte
 * before its line, except a leading byte order mark (CSV, HTML: the last
 * line; JSON: the last two, the "sha256" member and the closing brace).
 * pd_report_verify() checks it.
 * An XLSX file is a zip archive whose bytes vary from run to run; its
 * summary sheet carries the digest of the same report written as CSV.
 */
#ifndef PROBED_REPORT_WRITE_H
#define PROBED_REPORT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "report.h"

#define PD_SHA256_HEX 65 /* 64 hex digits and NUL */

enum pd_report_format { PD_REPORT_CSV, PD_REPORT_JSON, PD_REPORT_HTML, PD_REPORT_XLSX };

/* "csv", "json", "html", "xlsx": 0 or -EINVAL. */
int pd_report_format_parse(const char *name, enum pd_report_format *out);

/* Text formats: the whole document in *doc (owned by the caller, free())
 * of *len bytes, digest included. 0 or -ENOMEM.
 * bom: start with a UTF-8 byte order mark, for spreadsheet software. */
int pd_report_csv(const struct pd_report *r, bool bom, char **doc, size_t *len);
int pd_report_json(const struct pd_report *r, char **doc, size_t *len);
/* One self-contained file (no external reference), printable on A4. */
int pd_report_html(const struct pd_report *r, char **doc, size_t *len);

/* Write the workbook to path: sheets Summary, Outages, Sites, Systems,
 * Maintenance, Definitions. content_sha256: the digest of pd_report_csv()
 * of the same report (without BOM), shown on the summary sheet. 0 or -errno with a
 * message in err. */
int pd_report_xlsx(const struct pd_report *r, const char *path, const char *content_sha256,
                   char *err, size_t errlen);

/* JSON members the availability report shares with the inspection
 * records (report_json.c), so that they compare number for number: the
 * "figures" object; the "outages" list, whose flags say begins_in_<period>
 * and ends_in_<period> ("month", "period"); and the record's provenance
 * from "timezone" to "provisional". */
struct pctl_json;
void pd_report_json_figures(struct pctl_json *j, const struct pd_avail *a);
void pd_report_json_outages(struct pctl_json *j, const struct pd_avail *a, const char *period);
void pd_report_json_provenance(struct pctl_json *j, const struct pd_report *r);

/* Text from data for HTML element content and quoted attributes: markup
 * escaped; invalid UTF-8 and control characters become U+FFFD, so the
 * file stays valid whatever the records hold. */
void pd_html_text(FILE *f, const char *s);

/* For XLSX cells: a copy of s (taken: free()) fit for a sheet (invalid
 * UTF-8 and control characters as U+FFFD, "_xHHHH_" escaped, cut with an
 * ellipsis at a cell's 32,767 characters), or NULL when out of memory;
 * and the column width s needs (a CJK character counts two). */
char *pd_xlsx_text(const char *s);
double pd_xlsx_width(const char *s);

void pd_sha256_hex(const void *data, size_t len, char hex[PD_SHA256_HEX]);
/* End a text document written to f, a stream from open_memstream(buf, n):
 * flush it, write the format's digest line (CSV, JSON or HTML: see above)
 * over every byte from skip on (skip: a byte order mark's length, or 0)
 * and close f. A JSON document's body ends with ",\n" before this; the
 * line closes its object. Takes f and *buf: on success the document is
 * in *doc (the caller's, free()) and *len; on failure it is freed. 0,
 * -ENOMEM (a write failed) or -EIO (no digest could be computed). */
int pd_digest_finish(FILE *f, char **buf, size_t *n, size_t skip, enum pd_report_format format,
                     char **doc, size_t *len);

/* One digest over the files' bytes, in order (the configuration's hash:
 * the main file, then every inventory file). 0 or -errno (err says). */
int pd_sha256_files(const char *const *paths, size_t n, char hex[PD_SHA256_HEX], char *err,
                    size_t errlen);

/* The configuration's hash reports state: the main file and every
 * inventory file, in the order they were read, not the secrets file (an
 * auditor checks it without the credentials). 0 or -errno with err. */
int pd_config_sha256(const struct pd_config *cfg, char hex[PD_SHA256_HEX], char *err,
                     size_t errlen);

/* Check the digest of a CSV, JSON or HTML report (format found from its
 * content). 0 when it matches; -EBADMSG when it does not (err says what it
 * should have been); -EINVAL when doc carries no digest. */
int pd_report_verify(const char *doc, size_t len, char *err, size_t errlen);

/* The definitions every report carries, for people: figure name, what it
 * means, how it is computed. NULL-terminated by figure. */
struct pd_report_definition {
    const char *figure, *meaning, *formula;
};
extern const struct pd_report_definition pd_report_definitions[];

#endif
