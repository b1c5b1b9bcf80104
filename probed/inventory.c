#include "inventory.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "utf8.h"
#include "yaml_tree.h"

static const char *const field_names[PD_TF_COUNT] = {"id", "name", "address", "type", "site"};

void pd_target_list_init(struct pd_target_list *list)
{
    memset(list, 0, sizeof(*list));
    pd_hashmap_init(&list->ids);
}

static void target_strings_free(struct pd_target_conf *t)
{
    free(t->id);
    free(t->name);
    free(t->address);
    free(t->type);
    free(t->site);
}

void pd_target_list_free(struct pd_target_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        target_strings_free(&list->v[i]);
    free(list->v);
    pd_hashmap_free(&list->ids);
    pd_target_list_init(list);
}

/* Any UTF-8 text without control characters (C0, DEL, C1). */
static int name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > PD_NAME_MAX || !pd_utf8_valid(name, len, NULL))
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return 0;
    }
    return 1;
}

/* Host name: dot-separated labels of [A-Za-z0-9-], not starting or ending
 * with '-'; the last label not all digits (that would be a bad IPv4). */
static int hostname_valid(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253)
        return 0;
    const char *label = s;
    for (;;) {
        size_t n = strcspn(label, ".");
        if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
            return 0;
        for (size_t i = 0; i < n; i++) {
            char c = label[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-'))
                return 0;
        }
        if (label[n] == '\0')
            return strspn(label, "0123456789") != n;
        label += n + 1;
    }
}

static int address_valid(const char *s)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1 ||
           hostname_valid(s);
}

static void list_templates(const struct pd_config *cfg, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->n_templates && used < len; i++) {
        if (!cfg->templates[i].name)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", cfg->templates[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int grow(struct pd_target_list *list)
{
    if (list->n < list->cap)
        return 0;
    size_t cap = list->cap ? 2 * list->cap : 64;
    struct pd_target_conf *v = realloc(list->v, cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    list->v = v;
    list->cap = cap;
    return 0;
}

int pd_target_add(struct pd_target_list *list, const struct pd_config *cfg,
                  struct pd_target_conf *t, const struct pd_mark at[PD_TF_COUNT], char *err,
                  size_t errlen)
{
    int rc = 0;

    if (!pd_id_valid(t->id)) {
        pd_error_at(err, errlen, &at[PD_TF_ID],
                    "invalid target id '%s': expected 1..64 characters of a-z, 0-9, '.', '_', "
                    "'-', starting with a letter or digit",
                    t->id);
        rc = -EINVAL;
    } else {
        uintptr_t first = (uintptr_t)pd_hashmap_get(&list->ids, t->id);
        if (first) {
            const struct pd_mark *was = &list->v[first - 1].at;
            pd_error_at(err, errlen, &at[PD_TF_ID],
                        "duplicate target id '%s' (first defined at %s:%d)", t->id, was->file,
                        was->line);
            rc = -EINVAL;
        }
    }
    if (t->name && !name_valid(t->name)) {
        pd_error_at(err, errlen, &at[PD_TF_NAME],
                    "invalid name: expected 1..%d bytes of UTF-8 text without control characters",
                    PD_NAME_MAX);
        rc = -EINVAL;
    }
    if (!address_valid(t->address)) {
        pd_error_at(err, errlen, &at[PD_TF_ADDRESS],
                    "invalid address '%s': expected an IPv4 or IPv6 address or a host name",
                    t->address);
        rc = -EINVAL;
    }
    t->tmpl = pd_config_template(cfg, t->type);
    if (!t->tmpl) {
        char names[256];
        list_templates(cfg, names, sizeof(names));
        pd_error_at(err, errlen, &at[PD_TF_TYPE],
                    "unknown type '%s': no template of that name (templates: %s)", t->type,
                    names[0] ? names : "none");
        rc = -EINVAL;
    }
    if (!pd_site_valid(t->site)) {
        pd_error_at(err, errlen, &at[PD_TF_SITE],
                    "invalid site '%s': expected ids joined by '/', such as guizhou/guiyang",
                    t->site);
        rc = -EINVAL;
    }
    if (rc < 0)
        goto fail;
    if (!t->name && !(t->name = strdup(t->id))) {
        rc = -ENOMEM;
        goto fail;
    }
    if ((rc = grow(list)) < 0)
        goto fail;
    list->v[list->n] = *t;
    if ((rc = pd_hashmap_put(&list->ids, t->id, (void *)(uintptr_t)(list->n + 1))) < 0)
        goto fail;
    list->n++;
    return 0;
fail:
    if (rc == -ENOMEM)
        pd_error_at(err, errlen, &t->at, "out of memory");
    target_strings_free(t);
    memset(t, 0, sizeof(*t));
    return rc;
}

struct csv_field {
    size_t off; /* into scratch */
    int line, col;
};

struct csv {
    const char *file;
    const char *buf;
    size_t len, pos;
    int line, col;
    char *scratch;
    size_t used, cap;
    struct csv_field *fields;
    size_t n_fields, cap_fields;
    int row_line;
    char *err;
    size_t errlen;
};

static int peek(const struct csv *c, size_t ahead)
{
    return c->pos + ahead < c->len ? (unsigned char)c->buf[c->pos + ahead] : -1;
}

static void advance(struct csv *c)
{
    unsigned char ch = (unsigned char)c->buf[c->pos++];
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else if ((ch & 0xc0) != 0x80) {
        c->col++;
    }
}

/* At a line end (LF or CRLF) or the end of the text. */
static int at_eol(const struct csv *c)
{
    int ch = peek(c, 0);
    return ch == -1 || ch == '\n' || (ch == '\r' && peek(c, 1) == '\n');
}

static void skip_eol(struct csv *c)
{
    if (peek(c, 0) == '\r')
        advance(c);
    if (peek(c, 0) == '\n')
        advance(c);
}

static void skip_line(struct csv *c)
{
    while (!at_eol(c))
        advance(c);
    skip_eol(c);
}

static int put(struct csv *c, char ch)
{
    if (c->used == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        char *s = realloc(c->scratch, cap);
        if (!s)
            return -ENOMEM;
        c->scratch = s;
        c->cap = cap;
    }
    c->scratch[c->used++] = ch;
    return 0;
}

static int begin_field(struct csv *c)
{
    if (c->n_fields == c->cap_fields) {
        size_t cap = c->cap_fields ? 2 * c->cap_fields : 8;
        struct csv_field *f = realloc(c->fields, cap * sizeof(*f));
        if (!f)
            return -ENOMEM;
        c->fields = f;
        c->cap_fields = cap;
    }
    c->fields[c->n_fields++] = (struct csv_field){.off = c->used, .line = c->line, .col = c->col};
    return 0;
}

static void csv_error(struct csv *c, int line, int col, const char *msg)
{
    struct pd_mark at = {.file = c->file, .line = line, .col = col};
    pd_error_at(c->err, c->errlen, &at, "%s", msg);
}

static int quoted_field(struct csv *c)
{
    int line = c->line, col = c->col;
    advance(c);
    for (;;) {
        int ch = peek(c, 0);
        if (ch == -1) {
            csv_error(c, line, col, "quoted field not closed before the end of the file");
            return -EINVAL;
        }
        if (ch == '"') {
            advance(c);
            if (peek(c, 0) != '"')
                break;
        }
        if (put(c, (char)ch) < 0)
            return -ENOMEM;
        advance(c);
    }
    while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
        advance(c);
    if (!at_eol(c) && peek(c, 0) != ',') {
        csv_error(c, c->line, c->col, "unexpected text after a closing quote");
        return -EINVAL;
    }
    return 0;
}

static int plain_field(struct csv *c)
{
    size_t start = c->used;
    while (!at_eol(c) && peek(c, 0) != ',') {
        if (peek(c, 0) == '"') {
            csv_error(c, c->line, c->col,
                      "quote inside an unquoted field (quote the whole field and double the "
                      "quotes inside it)");
            return -EINVAL;
        }
        if (put(c, c->buf[c->pos]) < 0)
            return -ENOMEM;
        advance(c);
    }
    while (c->used > start && (c->scratch[c->used - 1] == ' ' || c->scratch[c->used - 1] == '\t'))
        c->used--;
    return 0;
}

/* Read the next row into c->fields. Returns 1 with a row, 0 at the end,
 * -EINVAL for a malformed row (reported, skipped) or -ENOMEM. */
static int read_row(struct csv *c)
{
    for (;;) {
        if (c->pos >= c->len)
            return 0;
        size_t p = c->pos;
        while (p < c->len && (c->buf[p] == ' ' || c->buf[p] == '\t'))
            p++;
        int blank = p == c->len || c->buf[p] == '\n' ||
                    (c->buf[p] == '\r' && p + 1 < c->len && c->buf[p + 1] == '\n');
        if (!blank && c->buf[c->pos] != '#')
            break;
        skip_line(c);
    }
    c->used = 0;
    c->n_fields = 0;
    c->row_line = c->line;
    for (;;) {
        while (peek(c, 0) == ' ' || peek(c, 0) == '\t')
            advance(c);
        int rc = begin_field(c);
        if (rc == 0)
            rc = peek(c, 0) == '"' ? quoted_field(c) : plain_field(c);
        if (rc == 0)
            rc = put(c, '\0');
        if (rc < 0) {
            if (rc == -EINVAL)
                skip_line(c);
            return rc;
        }
        if (peek(c, 0) != ',')
            break;
        advance(c);
    }
    skip_eol(c);
    return 1;
}

static const char *field_text(const struct csv *c, size_t i)
{
    return c->scratch + c->fields[i].off;
}

/* Map columns to fields from the header row; column[i] is the field of
 * column i. 0 or -EINVAL. */
static int read_header(struct csv *c, int *column)
{
    int seen[PD_TF_COUNT] = {0};
    int rc = 0;
    for (size_t i = 0; i < c->n_fields; i++) {
        const char *name = field_text(c, i);
        column[i] = -1;
        for (int f = 0; f < PD_TF_COUNT; f++)
            if (strcasecmp(name, field_names[f]) == 0)
                column[i] = f;
        struct pd_mark at = {.file = c->file, .line = c->fields[i].line, .col = c->fields[i].col};
        if (column[i] < 0) {
            pd_error_at(c->err, c->errlen, &at,
                        "unknown column '%s' (expected: id, name, address, type, site)", name);
            rc = -EINVAL;
        } else if (seen[column[i]]++) {
            pd_error_at(c->err, c->errlen, &at, "column '%s' appears twice", name);
            rc = -EINVAL;
        }
    }
    for (int f = 0; f < PD_TF_COUNT; f++) {
        if (!seen[f] && f != PD_TF_NAME) {
            struct pd_mark at = {.file = c->file, .line = c->row_line, .col = 1};
            pd_error_at(c->err, c->errlen, &at,
                        "missing column '%s' (the header must name id, address, type and site)",
                        field_names[f]);
            rc = -EINVAL;
        }
    }
    return rc;
}

/* Spreadsheets allow line breaks inside a cell; in a display name they
 * become one space each. */
static void fold_line_breaks(char *s)
{
    char *out = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        *out++ = *p == '\n' ? ' ' : *p;
    }
    *out = '\0';
}

static int add_row(struct csv *c, struct pd_target_list *list, const struct pd_config *cfg,
                   const int *column)
{
    struct pd_target_conf t = {.at = {.file = c->file, .line = c->row_line, .col = 1}};
    struct pd_mark at[PD_TF_COUNT];
    char **slot[PD_TF_COUNT] = {&t.id, &t.name, &t.address, &t.type, &t.site};

    for (int f = 0; f < PD_TF_COUNT; f++)
        at[f] = t.at;
    for (size_t i = 0; i < c->n_fields; i++) {
        int f = column[i];
        at[f] =
            (struct pd_mark){.file = c->file, .line = c->fields[i].line, .col = c->fields[i].col};
        if (f == PD_TF_NAME && field_text(c, i)[0] == '\0')
            continue;
        if (!(*slot[f] = strdup(field_text(c, i)))) {
            pd_error_at(c->err, c->errlen, &t.at, "out of memory");
            for (int k = 0; k < PD_TF_COUNT; k++)
                free(*slot[k]);
            return -ENOMEM;
        }
    }
    if (t.name)
        fold_line_breaks(t.name);
    return pd_target_add(list, cfg, &t, at, c->err, c->errlen);
}

int pd_inventory_parse(struct pd_target_list *list, const struct pd_config *cfg, const char *file,
                       const char *buf, size_t len, char *err, size_t errlen)
{
    struct csv c = {
        .file = file, .buf = buf, .len = len, .line = 1, .col = 1, .err = err, .errlen = errlen};
    int *column = NULL;
    size_t n_columns = 0;
    size_t bad;
    int rc = 0, row;

    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        c.pos = 3;
    if (!pd_utf8_valid(buf + c.pos, len - c.pos, &bad)) {
        bad += c.pos;
        for (size_t i = c.pos; i < bad; i++) {
            c.line += buf[i] == '\n';
            c.col = buf[i] == '\n' ? 1 : c.col + (((unsigned char)buf[i] & 0xc0) != 0x80);
        }
        csv_error(&c, c.line, c.col,
                  buf[bad] ? "invalid UTF-8 (save the file as UTF-8)" : "NUL byte in the text");
        return -EINVAL;
    }

    row = read_row(&c);
    if (row == 0) {
        csv_error(&c, 0, 0, "no header row (expected columns id, name, address, type, site)");
        rc = -EINVAL;
    }
    if (row <= 0) {
        rc = row < 0 ? row : rc;
        goto out;
    }
    n_columns = c.n_fields;
    if (!(column = calloc(n_columns, sizeof(*column)))) {
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = read_header(&c, column)) < 0)
        goto out;

    while ((row = read_row(&c)) != 0) {
        if (row == -ENOMEM) {
            rc = row;
            break;
        }
        if (row < 0) {
            rc = row;
            continue;
        }
        if (c.n_fields != n_columns) {
            struct pd_mark at = {.file = file, .line = c.row_line};
            pd_error_at(err, errlen, &at, "expected %zu fields as in the header, got %zu",
                        n_columns, c.n_fields);
            rc = -EINVAL;
            continue;
        }
        int arc = add_row(&c, list, cfg, column);
        if (arc < 0)
            rc = arc;
        if (arc == -ENOMEM)
            break;
    }
out:
    if (rc == -ENOMEM)
        csv_error(&c, c.line, 0, "out of memory");
    free(column);
    free(c.scratch);
    free(c.fields);
    return rc;
}

int pd_inventory_load(struct pd_target_list *list, const struct pd_config *cfg, const char *path,
                      char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int rc = pd_read_file(path, &buf, &len, err, errlen);
    if (rc < 0)
        return rc;
    rc = pd_inventory_parse(list, cfg, path, buf, len, err, errlen);
    free(buf);
    return rc;
}
