/*
 * A record as an XLSX workbook: a Summary sheet (title, header lines, the
 * digest of the same record as CSV), then a sheet per table. Numbers are
 * numeric cells (NAN a blank cell, never 0), times ISO 8601 text with the
 * offset, and text from data is written as strings, never evaluated, as
 * in the availability report's workbook.
 */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "report_write.h"
#include "timefmt.h"

#define SHEET_NAME_MAX 31 /* bytes here; Excel counts characters */
#define WIDTH_MAX      60.0
#define WIDTH_NUM      10.0

struct xw {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_error err;
    lxw_format *head, *wrap;
    double *width;
    size_t n_width;
};

static void keep(struct xw *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
        x->err = e;
}

static void fit(struct xw *x, size_t col, double w)
{
    if (col < x->n_width && w > x->width[col])
        x->width[col] = fmin(w, WIDTH_MAX);
}

static void put_str(struct xw *x, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f)
{
    if (x->err)
        return;
    char *clean = pd_xlsx_text(s ? s : "");
    if (!clean) {
        keep(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    keep(x, worksheet_write_string(x->ws, row, col, clean, f));
    fit(x, col, pd_xlsx_width(clean));
    free(clean);
}

static void put_cell(struct xw *x, lxw_row_t row, lxw_col_t col, const struct pd_cell *c)
{
    char buf[PD_TIME_BUFLEN];
    switch (c->kind) {
    case PD_CELL_TEXT:
        put_str(x, row, col, c->text, NULL);
        break;
    case PD_CELL_NUM:
        if (!x->err && isfinite(c->num))
            keep(x, worksheet_write_number(x->ws, row, col, c->num, NULL));
        fit(x, col, WIDTH_NUM);
        break;
    case PD_CELL_TIME:
        put_str(x, row, col, pd_time_format_iso(c->time, buf, sizeof(buf)), NULL);
        break;
    case PD_CELL_EMPTY:
        break;
    }
}

/* A sheet name Excel accepts: no []:*?/\, at most 31 bytes cut at a
 * character, unique in the workbook (a number added when taken). */
static void sheet_name(lxw_workbook *wb, const char *want, char out[SHEET_NAME_MAX + 1])
{
    size_t n = 0;
    for (const char *s = want; *s && n < SHEET_NAME_MAX; s++)
        out[n++] = strchr("[]:*?/\\", *s) ? '-' : *s;
    while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
        n--; /* a cut sequence: drop its continuation bytes ... */
    if (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
        n--; /* ... and its lead byte */
    out[n] = '\0';
    if (n == 0)
        snprintf(out, SHEET_NAME_MAX + 1, "sheet");
    char base[SHEET_NAME_MAX + 1];
    memcpy(base, out, sizeof(base));
    for (int k = 2; workbook_get_worksheet_by_name(wb, out) && k < 1000; k++)
        snprintf(out, SHEET_NAME_MAX + 1, "%.26s %d", base, k);
}

static int set_widths(struct xw *x, size_t n)
{
    free(x->width);
    x->n_width = n;
    x->width = calloc(n ? n : 1, sizeof(*x->width));
    return x->width ? 0 : -ENOMEM;
}

static void apply_widths(struct xw *x)
{
    for (size_t c = 0; c < x->n_width && !x->err; c++)
        keep(x, worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c,
                                     x->width[c] > 8 ? x->width[c] + 1 : 9, NULL));
}

static void summary(struct xw *x, const struct pd_record *r, const char *sha)
{
    lxw_row_t row = 0;
    x->ws = workbook_add_worksheet(x->wb, "Summary");
    if (!x->ws || set_widths(x, 2) < 0) {
        keep(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    put_str(x, row++, 0, r->title, x->head);
    if (r->banner)
        put_str(x, row++, 0, r->banner, x->head);
    for (size_t i = 0; i < r->n_lines; i++, row++) {
        put_str(x, row, 0, r->lines[i].label, x->head);
        put_str(x, row, 1, r->lines[i].value, NULL);
    }
    put_str(x, row, 0, "SHA-256 of the same record as CSV", x->head);
    put_str(x, row, 1, sha, NULL);
    apply_widths(x);
}

static void table(struct xw *x, const struct pd_rtable *t)
{
    char name[SHEET_NAME_MAX + 1];
    sheet_name(x->wb, t->name, name);
    if (x->err || !(x->ws = workbook_add_worksheet(x->wb, name)) || set_widths(x, t->n_cols) < 0) {
        keep(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    lxw_row_t row = 0;
    put_str(x, row++, 0, t->title, x->head);
    if (t->intro)
        put_str(x, row++, 0, t->intro, NULL);
    x->width[0] = 0; /* the title does not size the first column */
    for (size_t k = 0; k < t->n_cols; k++)
        put_str(x, row, (lxw_col_t)k, t->cols[k], x->head);
    if (!x->err)
        worksheet_freeze_panes(x->ws, row + 1, 0);
    row++;
    for (size_t i = 0; i < t->n_rows; i++, row++) {
        if (t->form && !x->err)
            keep(x, worksheet_set_row(x->ws, row, 30, NULL));
        for (size_t k = 0; k < t->n_cols; k++)
            put_cell(x, row, (lxw_col_t)k, &t->cells[i * t->n_cols + k]);
    }
    apply_widths(x);
}

int pd_record_xlsx(const struct pd_record *r, const char *path, const char *content_sha256,
                   char *err, size_t errlen)
{
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    struct xw x = {.wb = workbook_new_opt(path, &opt)};
    if (!x.wb) {
        snprintf(err, errlen, "%s: cannot create the workbook", path);
        return -EIO;
    }
    x.head = workbook_add_format(x.wb);
    x.wrap = workbook_add_format(x.wb);
    if (x.head)
        format_set_bold(x.head);
    if (x.wrap)
        format_set_text_wrap(x.wrap);
    summary(&x, r, content_sha256);
    for (size_t i = 0; i < r->n_tables; i++)
        table(&x, &r->tables[i]);
    free(x.width);
    lxw_error e = workbook_close(x.wb);
    if (x.err == LXW_NO_ERROR)
        x.err = e;
    if (x.err != LXW_NO_ERROR) {
        snprintf(err, errlen, "%s: %s", path, lxw_strerror(x.err));
        unlink(path);
        return x.err == LXW_ERROR_MEMORY_MALLOC_FAILED ? -ENOMEM : -EIO;
    }
    return 0;
}
