/*
 * A record for people and archives: a title, a few header lines and
 * titled tables of cells, written as CSV (one section per table), one
 * printable HTML file, or an XLSX workbook (a sheet per table), with the
 * availability report's digest conventions (report_write.h): CSV and
 * HTML end with the SHA-256 of the lines above, so `probectl report
 * verify` checks them; the XLSX's summary sheet carries the digest of
 * the same record as CSV. The inspection records (inspect_record.c) and
 * the quarterly sample's checklists are made of it.
 */
#ifndef PROBED_RECORD_H
#define PROBED_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "plugin.h"
#include "report_write.h"

enum pd_cell_kind {
    PD_CELL_EMPTY, /* an empty cell: for the inspector to fill in, or not applicable */
    PD_CELL_TEXT,
    PD_CELL_NUM,  /* NAN: a figure that cannot be computed (CSV empty, HTML a dash) */
    PD_CELL_TIME, /* ISO 8601 with offset in the configured zone; 0: empty */
};

struct pd_cell {
    enum pd_cell_kind kind;
    char *text; /* owned, TEXT */
    double num;
    int decimals; /* NUM: digits after the point */
    pd_ns time;
};

struct pd_rtable {
    char *name;  /* owned: CSV section and XLSX sheet (at most 31 bytes, no []:*?/\) */
    char *title; /* owned: the heading people read */
    char *intro; /* owned or NULL: a sentence under the heading */
    bool page;   /* HTML: begins a new printed page */
    bool form;   /* HTML: rows tall enough to write in by hand */
    size_t n_cols;
    char **cols; /* owned: column names */
    size_t n_rows, cap_rows;
    struct pd_cell *cells; /* owned: n_rows x n_cols */
};

struct pd_record_line {
    char *label, *value; /* owned */
};

struct pd_record {
    char *title;  /* owned: "Daily health check 2026-11-20" */
    char *banner; /* owned or NULL: a warning shown first (provisional) */
    struct pd_record_line *lines;
    size_t n_lines, cap_lines;
    struct pd_rtable *tables;
    size_t n_tables, cap_tables;
    int rc; /* 0, or -ENOMEM once any addition failed: check it once at the end */
};

/* Building: each call copies its strings; a failure sets r->rc and later
 * calls do nothing, so a builder checks r->rc once. */
void pd_record_init(struct pd_record *r, const char *title);
void pd_record_banner(struct pd_record *r, const char *text);
void pd_record_line(struct pd_record *r, const char *label, const char *value);
void pd_record_line_time(struct pd_record *r, const char *label, pd_ns t);
/* A new table, the current one from then on; cols: n names. NULL on
 * failure. */
struct pd_rtable *pd_record_table(struct pd_record *r, const char *name, const char *title,
                                  const char *const *cols, size_t n);
void pd_record_intro(struct pd_record *r, struct pd_rtable *t, const char *text);
/* A new row of empty cells in t; the cells are then set by column. */
void pd_record_row(struct pd_record *r, struct pd_rtable *t);
void pd_cell_text(struct pd_record *r, struct pd_rtable *t, size_t col, const char *s);
void pd_cell_num(struct pd_record *r, struct pd_rtable *t, size_t col, double v, int decimals);
void pd_cell_time(struct pd_record *r, struct pd_rtable *t, size_t col, pd_ns t_ns);
void pd_record_free(struct pd_record *r);

/* The writers: 0 or -ENOMEM; *doc (taken: free()) holds *len bytes. */
int pd_record_csv(const struct pd_record *r, bool bom, char **doc, size_t *len);
int pd_record_html(const struct pd_record *r, char **doc, size_t *len);
/* 0 or -errno with err; content_sha256: the digest of pd_record_csv
 * without BOM. */
int pd_record_xlsx(const struct pd_record *r, const char *path, const char *content_sha256,
                   char *err, size_t errlen);

/* r as CSV (bom: with a byte order mark), HTML or XLSX, written whole
 * to path (fsutil.h's pd_write_atomic). 0 or -errno with err. */
int pd_record_file(const struct pd_record *r, enum pd_report_format fmt, bool bom, const char *path,
                   char *err, size_t errlen);

#endif
