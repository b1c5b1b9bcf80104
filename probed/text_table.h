/*
 * Plain-text tables for probectl: columns aligned by display width, so that
 * Chinese names (two terminal columns per character) line up with ASCII.
 *
 * Widths come from wcwidth() under a private C.UTF-8 locale object
 * (newlocale + uselocale around each measurement), so callers need not call
 * setlocale() and the process locale is left alone. Without C.UTF-8 the
 * module falls back to its own table of East Asian wide ranges.
 *
 * Cells are copied when added. Invalid UTF-8 and control characters
 * (a newline would break the table) are stored as U+FFFD.
 */
#ifndef PROBED_TEXT_TABLE_H
#define PROBED_TEXT_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum pd_align { PD_ALIGN_LEFT, PD_ALIGN_RIGHT };

struct pd_table;

/* headers: n_cols strings, copied. Returns NULL when out of memory. */
struct pd_table *pd_table_new(size_t n_cols, const char *const *headers);
void pd_table_free(struct pd_table *t);

void pd_table_set_align(struct pd_table *t, size_t col, enum pd_align align);
/* Cells wider than width are cut and end in "…"; 0 (the default): no limit. */
void pd_table_set_max_width(struct pd_table *t, size_t col, size_t width);

/* cells: n_cols strings (NULL = empty), copied. 0 or -ENOMEM. */
int pd_table_add_row(struct pd_table *t, const char *const *cells);
size_t pd_table_rows(const struct pd_table *t);

/* Header line, then the rows; two spaces between columns, no trailing
 * blanks. 0, -ENOMEM, or -EIO when writing to out failed. */
int pd_table_print(const struct pd_table *t, FILE *out);

/* Terminal columns s takes once sanitised as above. */
size_t pd_text_width(const char *s);

#endif
