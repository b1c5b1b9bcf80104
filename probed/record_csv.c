/* A record as CSV: the header lines as label,value rows, then one section
 * per table (a row with its name, its header row, its rows, an empty
 * row), as the availability report's CSV; spreadsheet software opens it
 * as one sheet, a script splits it at the empty rows. */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "probectl_common.h"
#include "report_write.h"
#include "timefmt.h"

static void put_cell(FILE *f, const struct pd_cell *c, int first)
{
    switch (c->kind) {
    case PD_CELL_TEXT:
        pctl_csv_cell(f, c->text, first, 1);
        break;
    case PD_CELL_NUM:
        if (!first)
            fputc(',', f);
        if (isfinite(c->num))
            fprintf(f, "%.*f", c->decimals, c->num);
        break;
    case PD_CELL_TIME: {
        char buf[PD_TIME_BUFLEN];
        pctl_csv_cell(f, pd_time_format_exact(c->time, buf, sizeof(buf)), first, 0);
        break;
    }
    case PD_CELL_EMPTY:
        if (!first)
            fputc(',', f);
        break;
    }
}

int pd_record_csv(const struct pd_record *r, bool bom, char **doc, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -ENOMEM;
    if (bom)
        fputs(PCTL_BOM, f);
    pctl_csv_cell(f, r->title, 1, 1);
    pctl_csv_end_row(f);
    if (r->banner) {
        pctl_csv_cell(f, r->banner, 1, 1);
        pctl_csv_end_row(f);
    }
    for (size_t i = 0; i < r->n_lines; i++) {
        pctl_csv_cell(f, r->lines[i].label, 1, 1);
        pctl_csv_cell(f, r->lines[i].value, 0, 1);
        pctl_csv_end_row(f);
    }
    pctl_csv_end_row(f);
    for (size_t i = 0; i < r->n_tables; i++) {
        const struct pd_rtable *t = &r->tables[i];
        pctl_csv_cell(f, t->name, 1, 1);
        pctl_csv_end_row(f);
        for (size_t k = 0; k < t->n_cols; k++)
            pctl_csv_cell(f, t->cols[k], k == 0, 0);
        pctl_csv_end_row(f);
        for (size_t row = 0; row < t->n_rows; row++) {
            for (size_t k = 0; k < t->n_cols; k++)
                put_cell(f, &t->cells[row * t->n_cols + k], k == 0);
            pctl_csv_end_row(f);
        }
        pctl_csv_end_row(f);
    }
    /* The digest covers the body without the BOM, so that the CSV and the
     * XLSX of one record show the same digest. */
    return pd_digest_finish(f, &buf, &n, bom ? sizeof(PCTL_BOM) - 1 : 0, PD_REPORT_CSV, doc, len);
}
