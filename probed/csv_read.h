/*
 * A reader of CSV text as people's spreadsheets write it: RFC 4180
 * (quoted fields, "" escapes, commas and line breaks inside quotes), UTF-8
 * with or without a BOM, CRLF or LF. Blank lines and lines starting with
 * '#' are skipped; spaces around unquoted fields are trimmed. Errors are
 * appended to err as "file:line:col: message" (pd_error_at).
 */
#ifndef PROBED_CSV_READ_H
#define PROBED_CSV_READ_H

#include <stddef.h>

#include "config.h"

struct pd_csv_field {
    size_t off; /* into scratch */
    int line, col;
};

struct pd_csv {
    const char *file;            /* ro: names the file in errors */
    const char *buf;             /* private: the text, borrowed */
    size_t len, pos;             /* private */
    int line, col;               /* private */
    char *scratch;               /* private: the current row's fields, NUL-terminated */
    size_t used, cap;            /* private */
    struct pd_csv_field *fields; /* ro */
    size_t n_fields;             /* ro: fields of the current row */
    size_t cap_fields;           /* private */
    int row_line;                /* ro: line the current row starts on */
    size_t row_start, row_end;   /* ro: its bytes in buf, with its line end */
    char *err;                   /* private */
    size_t errlen;               /* private */
};

/* Start reading buf (borrowed until pd_csv_close). 0, or -EINVAL when
 * the text is not UTF-8 (reported). */
int pd_csv_open(struct pd_csv *c, const char *file, const char *buf, size_t len, char *err,
                size_t errlen);
/* The next row into c->fields: 1 with a row, 0 at the end, -EINVAL for a
 * malformed row (reported, skipped: reading may go on) or -ENOMEM. */
int pd_csv_read_row(struct pd_csv *c);
const char *pd_csv_field(const struct pd_csv *c, size_t i);
/* Where field i of the current row begins (past the last: the row). */
struct pd_mark pd_csv_mark(const struct pd_csv *c, size_t i);
void pd_csv_error(struct pd_csv *c, int line, int col, const char *msg);
/* Map the current row, a header, to names (NULL-terminated, any case,
 * at most 32): column[i] is the index in names of field i. Unknown and
 * repeated columns, and missing ones whose bit is set in required, are
 * errors. 0 or -EINVAL (reported). */
int pd_csv_columns(struct pd_csv *c, const char *const *names, unsigned required, int *column);
void pd_csv_close(struct pd_csv *c);

#endif
