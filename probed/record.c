#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static void *grow(struct pd_record *r, void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? 2 * *cap : 8;
    void *p = realloc(v, ncap * size);
    if (!p) {
        r->rc = -ENOMEM;
        return NULL;
    }
    memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
    *cap = ncap;
    return p;
}

static char *dup(struct pd_record *r, const char *s)
{
    char *c = strdup(s ? s : "");
    if (!c)
        r->rc = -ENOMEM;
    return c;
}

void pd_record_init(struct pd_record *r, const char *title)
{
    memset(r, 0, sizeof(*r));
    r->title = dup(r, title);
}

void pd_record_banner(struct pd_record *r, const char *text)
{
    if (r->rc)
        return;
    free(r->banner);
    r->banner = dup(r, text);
}

void pd_record_line(struct pd_record *r, const char *label, const char *value)
{
    struct pd_record_line *v;
    if (r->rc || !(v = grow(r, r->lines, &r->cap_lines, r->n_lines, sizeof(*v))))
        return;
    r->lines = v;
    struct pd_record_line *l = &v[r->n_lines++];
    l->label = dup(r, label);
    l->value = dup(r, value);
}

void pd_record_line_time(struct pd_record *r, const char *label, pd_ns t)
{
    char buf[PD_TIME_BUFLEN];
    pd_record_line(r, label, t ? pd_time_format_iso(t, buf, sizeof(buf)) : "");
}

struct pd_rtable *pd_record_table(struct pd_record *r, const char *name, const char *title,
                                  const char *const *cols, size_t n)
{
    struct pd_rtable *v;
    if (r->rc || !(v = grow(r, r->tables, &r->cap_tables, r->n_tables, sizeof(*v))))
        return NULL;
    r->tables = v;
    struct pd_rtable *t = &v[r->n_tables++];
    memset(t, 0, sizeof(*t));
    t->name = dup(r, name);
    t->title = dup(r, title);
    if (!(t->cols = calloc(n ? n : 1, sizeof(*t->cols)))) {
        r->rc = -ENOMEM;
        return NULL;
    }
    t->n_cols = n;
    for (size_t i = 0; i < n; i++)
        t->cols[i] = dup(r, cols[i]);
    return r->rc ? NULL : t;
}

void pd_record_intro(struct pd_record *r, struct pd_rtable *t, const char *text)
{
    if (r->rc || !t)
        return;
    free(t->intro);
    t->intro = dup(r, text);
}

void pd_record_row(struct pd_record *r, struct pd_rtable *t)
{
    if (r->rc || !t)
        return;
    size_t cap = t->cap_rows * t->n_cols, n = t->n_rows * t->n_cols;
    if (n + t->n_cols > cap) {
        size_t rows = t->cap_rows ? 2 * t->cap_rows : 16;
        void *p = realloc(t->cells, rows * t->n_cols * sizeof(*t->cells));
        if (!p) {
            r->rc = -ENOMEM;
            return;
        }
        t->cells = p;
        t->cap_rows = rows;
    }
    memset(&t->cells[n], 0, t->n_cols * sizeof(*t->cells));
    t->n_rows++;
}

static struct pd_cell *cell(struct pd_record *r, struct pd_rtable *t, size_t col)
{
    if (r->rc || !t || t->n_rows == 0 || col >= t->n_cols)
        return NULL;
    struct pd_cell *c = &t->cells[(t->n_rows - 1) * t->n_cols + col];
    free(c->text);
    memset(c, 0, sizeof(*c));
    return c;
}

void pd_cell_text(struct pd_record *r, struct pd_rtable *t, size_t col, const char *s)
{
    struct pd_cell *c = cell(r, t, col);
    if (!c || !s)
        return;
    c->kind = PD_CELL_TEXT;
    c->text = dup(r, s);
}

void pd_cell_num(struct pd_record *r, struct pd_rtable *t, size_t col, double v, int decimals)
{
    struct pd_cell *c = cell(r, t, col);
    if (!c)
        return;
    c->kind = PD_CELL_NUM;
    c->num = v;
    c->decimals = decimals;
}

void pd_cell_time(struct pd_record *r, struct pd_rtable *t, size_t col, pd_ns t_ns)
{
    struct pd_cell *c = cell(r, t, col);
    if (!c)
        return;
    c->kind = t_ns ? PD_CELL_TIME : PD_CELL_EMPTY;
    c->time = t_ns;
}

void pd_record_free(struct pd_record *r)
{
    free(r->title);
    free(r->banner);
    for (size_t i = 0; i < r->n_lines; i++) {
        free(r->lines[i].label);
        free(r->lines[i].value);
    }
    free(r->lines);
    for (size_t i = 0; i < r->n_tables; i++) {
        struct pd_rtable *t = &r->tables[i];
        free(t->name);
        free(t->title);
        free(t->intro);
        for (size_t k = 0; k < t->n_cols; k++)
            free(t->cols[k]);
        free(t->cols);
        for (size_t k = 0; k < t->n_rows * t->n_cols; k++)
            free(t->cells[k].text);
        free(t->cells);
    }
    free(r->tables);
    memset(r, 0, sizeof(*r));
}
