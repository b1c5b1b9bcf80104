/*
 * The inventory file probectl writes (the managed file): which file it
 * is, its text and style, where its rows are, rows written so that the
 * loader reads them back as meant, and its replacement in one rename.
 *
 * The text functions are pure; pd_inv_files, pd_inv_managed and
 * pd_inv_file_* touch the file system, and say so in their errors.
 */
#ifndef PROBED_INVENTORY_FILE_H
#define PROBED_INVENTORY_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config.h"
#include "inventory.h"

#define PD_INV_MAX_COLUMNS 32 /* pd_csv_columns' limit */

struct pd_inv_style {
    int bom;  /* starts with a UTF-8 byte order mark */
    int crlf; /* lines end in CRLF, else LF */
};

/* The style of text: its BOM, and the end of its first line (LF when
 * it has none). */
struct pd_inv_style pd_inv_style_of(const char *text, size_t len);

/* A growing text, always NUL-terminated once something was added. After a
 * failed append oom is set and later appends do nothing. */
struct pd_inv_buf {
    char *s;         /* ro; taken by whoever frees the buffer */
    size_t len, cap; /* ro, private */
    int oom;         /* ro */
};

void pd_inv_buf_add(struct pd_inv_buf *b, const char *s, size_t n);
void pd_inv_buf_puts(struct pd_inv_buf *b, const char *s);
void pd_inv_buf_free(struct pd_inv_buf *b);

/* text[0..len) (borrowed) appended to out in style: the byte order mark
 * added or dropped, every line end made LF or CRLF (inside quoted fields
 * too: the loader folds those into spaces either way). Line and column
 * numbers stay those of the original. */
void pd_inv_restyle(struct pd_inv_buf *out, const char *text, size_t len,
                    struct pd_inv_style style);

/* One field as the loader reads it back unchanged: in quotes (inner ones
 * doubled) when it holds a comma, quote or line break, begins or ends
 * with a blank, or begins with '#' (a comment when it opens the line);
 * otherwise as it is. first: no comma before it. */
void pd_inv_put_cell(struct pd_inv_buf *b, const char *s, int first);

/* The rows of an inventory text, as written (before the loader's defaults:
 * an empty name stays empty). */
struct pd_inv_row {
    char *fields[PD_TF_COUNT]; /* owned; "" for a column the file lacks */
    size_t start, end;         /* its bytes in the text, line end included */
    int line;                  /* where it starts */
};

struct pd_inv_rows {
    int columns[PD_INV_MAX_COLUMNS]; /* the field (PD_TF_*) of each column, in order */
    size_t n_columns;
    size_t header_start, header_end; /* the header row's bytes, line end included */
    struct pd_inv_row *v;
    size_t n, cap; /* ro, private */
};

/* Read text (borrowed), a file the loader accepts. 0, -EINVAL when it is
 * not (no header, unknown columns, a malformed row), or -ENOMEM. An empty
 * text has no columns and no rows. */
int pd_inv_rows_read(const char *text, size_t len, struct pd_inv_rows *out);
void pd_inv_rows_free(struct pd_inv_rows *r);
/* The index of the row of target id, or -1. */
long pd_inv_rows_find(const struct pd_inv_rows *r, const char *id);

/* text (borrowed, read into rows) with a column for field added at the
 * end: the header gains its name, every row an empty cell. Appended to
 * out; comments, blank lines and quoting stay as they are. */
void pd_inv_add_column(struct pd_inv_buf *out, const char *text, size_t len,
                       const struct pd_inv_rows *rows, int field);

/* One row: fields[f] (PD_TF_COUNT of them, NULL as "") in the order of
 * columns[0..n), and a line end of style. */
void pd_inv_put_row(struct pd_inv_buf *b, const int *columns, size_t n, const char *const *fields,
                    struct pd_inv_style style);
/* The header row of columns[0..n) and a line end of style. */
void pd_inv_put_header(struct pd_inv_buf *b, const int *columns, size_t n,
                       struct pd_inv_style style);

/* Every file the configuration's inventory patterns match now, named as
 * the loader names them, in its order, each once. *files (n of them) is
 * taken by the caller: pd_inv_files_free. 0 or -ENOMEM. */
int pd_inv_files(const struct pd_config *cfg, char ***files, size_t *n);
void pd_inv_files_free(char **files, size_t n);

/* The file probectl writes. want (borrowed; NULL: not given) must name
 * one of the files the patterns match, or a new file that fits one of
 * them (a relative want from the current directory, else from the main
 * file's); without it the inventory must match exactly one file. *path is
 * taken by the caller. 0, or -EINVAL with the reason and the choices in
 * err (one line, no newline). */
int pd_inv_managed(const struct pd_config *cfg, const char *want, char **path, char *err,
                   size_t errlen);

/* The managed file while probectl works on it. */
struct pd_inv_file {
    char *path;     /* ro, owned */
    char *text;     /* ro, owned, NUL-terminated; NULL when the file does not exist */
    size_t len;     /* ro */
    struct stat st; /* private: its mode and owner, kept by the new file */
    int dir_fd;     /* private: its directory, locked */
};

/* Lock the directory of path (another probectl waits up to 10 s; the
 * daemon takes no lock, the rename keeps it from reading half a file)
 * and read the file; one that does not exist reads as text NULL. path
 * is copied. 0, or -errno with the reason in err. */
int pd_inv_file_open(struct pd_inv_file *f, const char *path, char *err, size_t errlen);
/* Replace the file with text[0..len): when it still holds what was read,
 * write a temporary file beside it with the same mode and owner, sync it,
 * rename it over the file and sync the directory. 0; -EAGAIN when the
 * file changed since it was read (nothing written); else -errno. err says
 * why. */
int pd_inv_file_replace(struct pd_inv_file *f, const char *text, size_t len, char *err,
                        size_t errlen);
void pd_inv_file_close(struct pd_inv_file *f);

#endif
