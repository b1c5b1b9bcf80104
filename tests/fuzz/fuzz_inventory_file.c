/*
 * libFuzzer harness for what probectl inventory does to a file people
 * wrote (inventory_file.c): restyling it, finding its rows, adding a
 * column, writing rows back. Beyond "no crash" it checks the promises the
 * commands rely on:
 *  - restyling twice gives what restyling once gave (without the BOM or
 *    to LF: unless the text starts with two BOMs or a line ends in CRs
 *    before its CRLF, which no loadable file does: the second BOM is part
 *    of the first column's name, a lone CR a control character);
 *  - each row's bytes lie inside the text, in order;
 *  - a column added keeps every row, with one more column;
 *  - rows written back with pd_inv_put_row read back field for field.
 *
 *   ./build-fuzz/tests/fuzz_inventory_file -max_total_time=60 tests/fuzz/corpus/inventory_file
 */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_restyle(const char *text, size_t len, struct pd_inv_style st)
{
    struct pd_inv_buf once = {0}, twice = {0};
    pd_inv_restyle(&once, text, len, st);
    if (once.oom)
        goto out;
    pd_inv_restyle(&twice, once.s ? once.s : "", once.len, st);
    if (!twice.oom && (once.len != twice.len || (once.len && memcmp(once.s, twice.s, once.len))))
        __builtin_trap();
out:
    pd_inv_buf_free(&once);
    pd_inv_buf_free(&twice);
}

static void check_rows_write_back(const struct pd_inv_rows *rows)
{
    struct pd_inv_buf b = {0};
    struct pd_inv_rows again;
    struct pd_inv_style st = {0, 1};

    /* A one-column row with an empty id would be a blank line, which
     * the reader skips: the loader requires four columns anyway. */
    if (rows->n_columns < 2)
        return;
    pd_inv_put_header(&b, rows->columns, rows->n_columns, st);
    for (size_t i = 0; i < rows->n; i++)
        pd_inv_put_row(&b, rows->columns, rows->n_columns, (const char *const *)rows->v[i].fields,
                       st);
    if (b.oom || pd_inv_rows_read(b.s, b.len, &again) < 0)
        __builtin_trap();
    if (again.n != rows->n || again.n_columns != rows->n_columns)
        __builtin_trap();
    for (size_t i = 0; i < rows->n; i++)
        for (int f = 0; f < PD_TF_COUNT; f++)
            if (strcmp(again.v[i].fields[f], rows->v[i].fields[f]) != 0)
                __builtin_trap();
    pd_inv_rows_free(&again);
    pd_inv_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct pd_inv_rows rows, more;

    check_restyle(text, size, (struct pd_inv_style){1, 1});
    if (!memmem(text, size, "\r\r", 2) &&
        !(size >= 6 && memcmp(text, "\xef\xbb\xbf\xef\xbb\xbf", 6) == 0))
        check_restyle(text, size, (struct pd_inv_style){0, 0});
    if (pd_inv_rows_read(text, size, &rows) < 0)
        return 0;
    size_t last = rows.header_end;
    for (size_t i = 0; i < rows.n; i++) {
        if (rows.v[i].start < last || rows.v[i].end <= rows.v[i].start || rows.v[i].end > size)
            __builtin_trap();
        last = rows.v[i].end;
    }
    check_rows_write_back(&rows);
    int have = 0;
    for (size_t i = 0; i < rows.n_columns; i++)
        have |= rows.columns[i] == PD_TF_SNMP_PROFILE;
    if (rows.n_columns && !have && rows.n_columns < PD_INV_MAX_COLUMNS) {
        struct pd_inv_buf b = {0};
        pd_inv_add_column(&b, text, size, &rows, PD_TF_SNMP_PROFILE);
        if (!b.oom) {
            if (pd_inv_rows_read(b.s, b.len, &more) < 0 || more.n != rows.n ||
                more.n_columns != rows.n_columns + 1)
                __builtin_trap();
            for (size_t i = 0; i < rows.n; i++)
                if (strcmp(more.v[i].fields[PD_TF_ID], rows.v[i].fields[PD_TF_ID]) != 0)
                    __builtin_trap();
            pd_inv_rows_free(&more);
        }
        pd_inv_buf_free(&b);
    }
    pd_inv_rows_free(&rows);
    return 0;
}
