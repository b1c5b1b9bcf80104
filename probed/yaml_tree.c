#define _GNU_SOURCE /* asprintf */
#include "yaml_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "hashmap.h"
#include "options.h"

#define MAX_DEPTH     64
#define MAX_FILE_SIZE ((size_t)64 << 20)
/* Mappings up to this size are checked for duplicate keys pairwise. */
#define SMALL_MAP 16

struct builder {
    const char *name;
    const char *buf;
    size_t len;
    char *err;
    size_t errlen;
    struct pd_ynode *root;
    struct pd_ynode *stack[MAX_DEPTH];
    int depth;
    int documents;
};

__attribute__((format(printf, 4, 5))) static void fail(struct builder *b, int line, int col,
                                                       const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct pd_mark at = {.file = b->name, .line = line, .col = col};
    pd_error_at(b->err, b->errlen, &at, "%s", msg);
}

#define fail_mark(b, mark, ...) fail(b, (int)(mark).line + 1, (int)(mark).column + 1, __VA_ARGS__)

void pd_ynode_free(struct pd_ynode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->used; i++)
        pd_ynode_free(node->items[i]);
    free(node->items);
    free(node->text);
    free(node);
}

static int add_item(struct pd_ynode *parent, struct pd_ynode *child)
{
    size_t used = parent->used;
    /* Grow at powers of two; the count alone tells when. */
    if ((used & (used - 1)) == 0) {
        size_t cap = used ? 2 * used : 2;
        struct pd_ynode **items = realloc(parent->items, cap * sizeof(*items));
        if (!items)
            return -ENOMEM;
        parent->items = items;
    }
    parent->items[parent->used++] = child;
    parent->n = parent->kind == PD_YMAP ? parent->used / 2 : parent->used;
    return 0;
}

/* Link a new node into the tree at once so that one free releases all. */
static int attach(struct builder *b, struct pd_ynode *node, yaml_mark_t mark)
{
    if (b->depth == 0) {
        if (b->root) {
            free(node->text);
            free(node);
            fail_mark(b, mark, "%s", "expected a single document");
            return -EINVAL;
        }
        b->root = node;
        return 0;
    }
    struct pd_ynode *parent = b->stack[b->depth - 1];
    if (parent->kind == PD_YMAP && parent->used % 2 == 0 && node->kind != PD_YSCALAR) {
        free(node->text);
        free(node);
        fail_mark(b, mark, "%s", "a mapping key must be a plain value, not a list or mapping");
        return -EINVAL;
    }
    int rc = add_item(parent, node);
    if (rc < 0) {
        free(node->text);
        free(node);
        fail_mark(b, mark, "%s", "out of memory");
    }
    return rc;
}

static int check_unique_keys(struct builder *b, const struct pd_ynode *map)
{
    int rc = 0;
    if (map->n <= SMALL_MAP) {
        for (size_t i = 1; i < map->n && rc == 0; i++) {
            const struct pd_ynode *k = pd_ymap_key(map, i);
            for (size_t j = 0; j < i; j++) {
                const struct pd_ynode *first = pd_ymap_key(map, j);
                if (strcmp(first->text, k->text) == 0) {
                    char msg[64];
                    snprintf(msg, sizeof(msg), "(first at line %d:%d)", first->line, first->col);
                    struct pd_mark at = {.file = b->name, .line = k->line, .col = k->col};
                    pd_error_at(b->err, b->errlen, &at, "duplicate key '%s' %s", k->text, msg);
                    rc = -EINVAL;
                    break;
                }
            }
        }
        return rc;
    }
    struct pd_hashmap seen;
    pd_hashmap_init(&seen);
    for (size_t i = 0; i < map->n; i++) {
        const struct pd_ynode *k = pd_ymap_key(map, i);
        const struct pd_ynode *first = pd_hashmap_get(&seen, k->text);
        if (first) {
            struct pd_mark at = {.file = b->name, .line = k->line, .col = k->col};
            pd_error_at(b->err, b->errlen, &at, "duplicate key '%s' (first at line %d:%d)", k->text,
                        first->line, first->col);
            rc = -EINVAL;
            break;
        }
        if (pd_hashmap_put(&seen, k->text, (void *)k) < 0) {
            fail(b, k->line, k->col, "%s", "out of memory");
            rc = -ENOMEM;
            break;
        }
    }
    pd_hashmap_free(&seen);
    return rc;
}

static struct pd_ynode *new_node(enum pd_ynode_kind kind, yaml_mark_t mark)
{
    struct pd_ynode *node = calloc(1, sizeof(*node));
    if (!node)
        return NULL;
    node->kind = kind;
    node->line = (int)mark.line + 1;
    node->col = (int)mark.column + 1;
    return node;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(value, '\0', len)) {
        fail_mark(b, ev->start_mark, "%s", "a NUL character is not allowed in a value");
        return -EINVAL;
    }
    struct pd_ynode *node = new_node(PD_YSCALAR, ev->start_mark);
    if (!node || !(node->text = strndup(value, len))) {
        free(node);
        fail_mark(b, ev->start_mark, "%s", "out of memory");
        return -ENOMEM;
    }
    node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(b, node, ev->start_mark);
}

static int on_start(struct builder *b, const yaml_event_t *ev, enum pd_ynode_kind kind)
{
    if (b->depth == MAX_DEPTH) {
        fail_mark(b, ev->start_mark, "nesting deeper than %d levels", MAX_DEPTH);
        return -EINVAL;
    }
    struct pd_ynode *node = new_node(kind, ev->start_mark);
    if (!node) {
        fail_mark(b, ev->start_mark, "%s", "out of memory");
        return -ENOMEM;
    }
    int rc = attach(b, node, ev->start_mark);
    if (rc == 0)
        b->stack[b->depth++] = node;
    return rc;
}

/* Anchors, aliases and tags are refused: see the header. */
static int refuse_extras(struct builder *b, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        fail_mark(b, ev->start_mark, "%s",
                  "aliases (*name) are not supported; write the value out");
        return -EINVAL;
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    default:
        break;
    }
    if (anchor) {
        fail_mark(b, ev->start_mark, "%s", "anchors (&name) are not supported");
        return -EINVAL;
    }
    if (tag) {
        fail_mark(b, ev->start_mark, "tags (%s) are not supported", (const char *)tag);
        return -EINVAL;
    }
    return 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    int rc = refuse_extras(b, ev);
    if (rc < 0)
        return rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->documents++ > 0) {
            fail_mark(b, ev->start_mark, "%s", "expected a single document");
            return -EINVAL;
        }
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, PD_YSEQ);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, PD_YMAP);
    case YAML_SEQUENCE_END_EVENT:
        b->depth--;
        return 0;
    case YAML_MAPPING_END_EVENT:
        b->depth--;
        return check_unique_keys(b, b->stack[b->depth]);
    default:
        return 0;
    }
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static void offset_to_mark(const char *buf, size_t len, size_t offset, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static void syntax_error(struct builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        offset_to_mark(b->buf, b->len, p->problem_offset, &line, &col);
        fail(b, line, col, "%s", problem);
        return;
    }
    if (p->error == YAML_MEMORY_ERROR) {
        fail(b, 0, 0, "%s", "out of memory");
        return;
    }
    char msg[256];
    if (p->context)
        snprintf(msg, sizeof(msg), "%s (%s at line %zu:%zu)", problem, p->context,
                 p->context_mark.line + 1, p->context_mark.column + 1);
    else
        snprintf(msg, sizeof(msg), "%s", problem);
    fail_mark(b, p->problem_mark, "%s", msg);
}

int pd_yaml_parse(const char *name, const char *buf, size_t len, struct pd_ynode **root, char *err,
                  size_t errlen)
{
    struct builder b = {.name = name, .buf = buf, .len = len, .err = err, .errlen = errlen};
    yaml_parser_t parser;
    int rc = 0;

    *root = NULL;
    if (!yaml_parser_initialize(&parser)) {
        fail(&b, 0, 0, "%s", "out of memory");
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(&b, &parser);
            rc = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
            break;
        }
        int done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc < 0 || done)
            break;
    }
    yaml_parser_delete(&parser);
    if (rc < 0) {
        pd_ynode_free(b.root);
        return rc;
    }
    *root = b.root;
    return 0;
}

int pd_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    return pd_read_file_max(path, MAX_FILE_SIZE, buf, len, err, errlen);
}

int pd_read_file_max(const char *path, size_t max, char **buf, size_t *len, char *err,
                     size_t errlen)
{
    struct pd_mark at = {.file = path};
    char *data = NULL;
    size_t used = 0, cap = 0;
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        rc = -errno;
        goto fail;
    }
    for (;;) {
        if (cap - used < 2) {
            /* Room for max bytes, the NUL, and one byte to see a longer
             * file. */
            if (cap >= max + 2) {
                rc = -EFBIG;
                goto fail;
            }
            cap = cap ? 2 * cap : 64 * 1024;
            if (cap > max + 2)
                cap = max + 2;
            char *grown = realloc(data, cap);
            if (!grown) {
                rc = -ENOMEM;
                goto fail;
            }
            data = grown;
        }
        ssize_t n = read(fd, data + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto fail;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    data[used] = '\0';
    *buf = data;
    *len = used;
    return 0;
fail:
    pd_error_at(err, errlen, &at, "%s", strerror(-rc));
    if (fd >= 0)
        close(fd);
    free(data);
    return rc;
}

const struct pd_ynode *pd_ymap_get(const struct pd_ynode *map, const char *key)
{
    if (!map || map->kind != PD_YMAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(pd_ymap_key(map, i)->text, key) == 0)
            return pd_ymap_value(map, i);
    return NULL;
}

int pd_ynode_is_null(const struct pd_ynode *node)
{
    return node->kind == PD_YSCALAR && node->plain &&
           (node->text[0] == '\0' || strcmp(node->text, "~") == 0 ||
            strcasecmp(node->text, "null") == 0);
}

int pd_text_bool(const char *text, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -EINVAL;
}

int pd_text_long(const char *text, long *out)
{
    char *end;
    if (!(text[0] >= '0' && text[0] <= '9') && text[0] != '-' && text[0] != '+')
        return -EINVAL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

int pd_text_double(const char *text, double *out)
{
    char *end;
    /* Decimal only: no hex, inf or nan. */
    if (!text[0] || text[strspn(text, "0123456789+-.eE")])
        return -EINVAL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v))
        return -EINVAL;
    *out = v;
    return 0;
}

const char *pd_duration_format(pd_ns ns, char *buf, size_t len)
{
    static const struct {
        pd_ns unit;
        const char *name;
    } units[] = {{PD_DAY, "d"}, {PD_HOUR, "h"}, {PD_MINUTE, "m"}, {PD_SEC, "s"}, {PD_MSEC, "ms"}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && used < len; i++) {
        if (ns >= units[i].unit) {
            int n = snprintf(buf + used, len - used, "%lld%s", (long long)(ns / units[i].unit),
                             units[i].name);
            used += n > 0 ? (size_t)n : 0;
            ns %= units[i].unit;
        }
    }
    if (!buf[0])
        snprintf(buf, len, ns ? "%lldns" : "0s", (long long)ns);
    return buf;
}

struct pd_mark pd_ymark(const struct pd_yreader *r, const struct pd_ynode *node)
{
    return (struct pd_mark){
        .file = r->file, .line = node ? node->line : 0, .col = node ? node->col : 0};
}

void pd_yfail(struct pd_yreader *r, const struct pd_ynode *at, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct pd_mark m = pd_ymark(r, at);
    pd_error_at(r->err, r->errlen, &m, "%s", msg);
    if (r->rc == 0)
        r->rc = -EINVAL;
}

void pd_yfail_nomem(struct pd_yreader *r, const struct pd_ynode *at)
{
    pd_yfail(r, at, "out of memory");
    r->rc = -ENOMEM;
}

const char *pd_ykind_name(const struct pd_ynode *node)
{
    return node->kind == PD_YMAP ? "a mapping" : node->kind == PD_YSEQ ? "a list" : "a value";
}

int pd_ywant(struct pd_yreader *r, const struct pd_ynode *node, enum pd_ynode_kind kind,
             const char *what)
{
    static const char *const names[] = {"a value", "a list", "a mapping"};
    if (node->kind == kind)
        return 0;
    pd_yfail(r, node, "expected %s for %s, got %s", names[kind], what, pd_ykind_name(node));
    return -EINVAL;
}

void pd_ycheck_keys(struct pd_yreader *r, const struct pd_ynode *map, const char *const *keys,
                    const char *where)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct pd_ynode *key = pd_ymap_key(map, i);
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], key->text) != 0)
            k++;
        if (keys[k])
            continue;
        char list[512];
        size_t used = 0;
        for (k = 0; keys[k] && used < sizeof(list); k++) {
            int n = snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "", keys[k]);
            used += n > 0 ? (size_t)n : 0;
        }
        pd_yfail(r, key, "unknown key '%s' in %s (expected one of: %s)", key->text, where, list);
    }
}

const struct pd_ynode *pd_yget(const struct pd_ynode *map, const char *key)
{
    const struct pd_ynode *v = pd_ymap_get(map, key);
    return v && !pd_ynode_is_null(v) ? v : NULL;
}

int pd_yread_string(struct pd_yreader *r, const struct pd_ynode *node, const char *what, char **dst)
{
    if (pd_ywant(r, node, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (node->text[0] == '\0') {
        pd_yfail(r, node, "expected a non-empty value for %s", what);
        return -EINVAL;
    }
    char *s = strdup(node->text);
    if (!s) {
        pd_yfail_nomem(r, node);
        return -ENOMEM;
    }
    free(*dst);
    *dst = s;
    return 0;
}

int pd_yread_path(struct pd_yreader *r, const struct pd_ynode *node, const char *what, char **dst)
{
    char *text = NULL;
    if (pd_yread_string(r, node, what, &text) < 0)
        return -EINVAL;
    if (text[0] != '/') {
        char *abs;
        /* "./data" reads better in logs as "<dir>/data". */
        const char *rel = text;
        while (rel[0] == '.' && rel[1] == '/')
            rel += 2;
        if (asprintf(&abs, "%s/%s", r->dir, rel) < 0) {
            free(text);
            pd_yfail_nomem(r, node);
            return -ENOMEM;
        }
        free(text);
        text = abs;
    }
    free(*dst);
    *dst = text;
    return 0;
}

int pd_yread_duration(struct pd_yreader *r, const struct pd_ynode *node, const char *what,
                      pd_ns min, pd_ns max, pd_ns *out)
{
    char lo[32], hi[32];
    pd_ns v;
    if (pd_ywant(r, node, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (pd_duration_parse(node->text, &v) < 0) {
        pd_yfail(r, node, "expected a duration such as 60s, 5m or 1h30m, got '%s'", node->text);
        return -EINVAL;
    }
    if (v < min || v > max) {
        pd_yfail(r, node, "%s must be between %s and %s, got %s", what,
                 pd_duration_format(min, lo, sizeof(lo)), pd_duration_format(max, hi, sizeof(hi)),
                 node->text);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int pd_yread_long(struct pd_yreader *r, const struct pd_ynode *node, const char *what, long min,
                  long max, long *out)
{
    long v;
    if (pd_ywant(r, node, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (pd_text_long(node->text, &v) < 0) {
        pd_yfail(r, node, "expected an integer for %s, got '%s'", what, node->text);
        return -EINVAL;
    }
    if (v < min || v > max) {
        pd_yfail(r, node, "%s must be between %ld and %ld, got %ld", what, min, max, v);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int pd_yread_bool(struct pd_yreader *r, const struct pd_ynode *node, const char *what, int *out)
{
    if (pd_ywant(r, node, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (pd_text_bool(node->text, out) < 0) {
        pd_yfail(r, node, "expected true or false for %s, got '%s'", what, node->text);
        return -EINVAL;
    }
    return 0;
}

int pd_yread_id(struct pd_yreader *r, const struct pd_ynode *node, const char *what, char **dst)
{
    if (pd_ywant(r, node, PD_YSCALAR, what) < 0)
        return -EINVAL;
    if (!pd_id_valid(node->text)) {
        pd_yfail(r, node,
                 "invalid %s '%s': expected 1..64 characters of a-z, 0-9, '.', '_', '-', "
                 "starting with a letter or digit",
                 what, node->text);
        return -EINVAL;
    }
    return pd_yread_string(r, node, what, dst);
}
