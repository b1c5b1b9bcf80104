/*
 * A YAML document read into a small tree of scalars, sequences and
 * mappings, each node with its 1-based line and column, so that the
 * configuration loader can walk it and name the place of every error.
 *
 * Deliberately a subset of YAML: one document; mapping keys are scalars and
 * unique; no anchors, aliases or tags (a configuration written by people
 * reads better without them, and it keeps error places exact).
 *
 * Also the scalar conventions shared by the configuration and the plugin
 * option parser (what reads as a bool, an integer, a number), and typed
 * reading of nodes with errors that name their place.
 */
#ifndef PROBED_YAML_TREE_H
#define PROBED_YAML_TREE_H

#include <stddef.h>

#include "config.h"

enum pd_ynode_kind { PD_YSCALAR, PD_YSEQ, PD_YMAP };

struct pd_ynode {
    enum pd_ynode_kind kind;
    int line;   /* 1-based */
    int col;    /* 1-based, in characters */
    char *text; /* scalar: its value, NUL-terminated (never holds a NUL) */
    int plain;  /* scalar: written without quotes */
    size_t n;   /* sequence: items; mapping: key/value pairs */
    /* sequence: n items; mapping: 2n nodes, key0, value0, key1, value1... */
    struct pd_ynode **items;
    size_t used; /* private: items stored so far */
};

/* Parse the YAML text buf[0..len) (borrowed). name is used in error
 * messages only. On success *root is the document's root node, or NULL for
 * an empty document, and 0 is returned; free with pd_ynode_free. On failure
 * returns -EINVAL (-ENOMEM) and appends one "name:line:col: problem" line
 * to err. */
int pd_yaml_parse(const char *name, const char *buf, size_t len, struct pd_ynode **root, char *err,
                  size_t errlen);

/* Read the whole file at path (at most 64 MiB) into *buf (taken by the
 * caller, NUL-terminated) and *len. 0 or -errno with "path: reason"
 * appended to err. */
int pd_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);
/* The same with another limit, for files made by machines (an events
 * export, a report to verify) rather than written by people. */
int pd_read_file_max(const char *path, size_t max, char **buf, size_t *len, char *err,
                     size_t errlen);

void pd_ynode_free(struct pd_ynode *node);

static inline const struct pd_ynode *pd_ymap_key(const struct pd_ynode *map, size_t i)
{
    return map->items[2 * i];
}

static inline const struct pd_ynode *pd_ymap_value(const struct pd_ynode *map, size_t i)
{
    return map->items[2 * i + 1];
}

/* The value for key in a mapping, or NULL. Linear: for small mappings. */
const struct pd_ynode *pd_ymap_get(const struct pd_ynode *map, const char *key);

/* A plain scalar that YAML reads as null: empty, "~" or "null". */
int pd_ynode_is_null(const struct pd_ynode *node);

/* Scalar text conventions, shared with the plugin options. Each returns 0
 * or -EINVAL; the whole text must be used, no surrounding spaces. */
int pd_text_bool(const char *text, int *out);      /* true/false, yes/no, on/off, any case */
int pd_text_long(const char *text, long *out);     /* decimal, optional sign */
int pd_text_double(const char *text, double *out); /* finite */

/* Typed reading of nodes, reporting "file:line:col: message" errors. */
struct pd_yreader {
    const char *file; /* borrowed: names the file in errors */
    const char *dir;  /* borrowed: base of relative paths, absolute */
    char *err;        /* errors are appended here (pd_error_at) */
    size_t errlen;
    int rc; /* 0 until the first error, then -EINVAL (or -ENOMEM) */
};

#define PD_MINUTE (60 * PD_SEC)
#define PD_HOUR   (60 * PD_MINUTE)
#define PD_DAY    (24 * PD_HOUR)

/* "1h30m", "500ms", "0s": for messages. Returns buf. */
const char *pd_duration_format(pd_ns ns, char *buf, size_t len);

struct pd_mark pd_ymark(const struct pd_yreader *r, const struct pd_ynode *node);
/* Report an error at node (NULL: the file as a whole) and set r->rc. */
void pd_yfail(struct pd_yreader *r, const struct pd_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pd_yfail_nomem(struct pd_yreader *r, const struct pd_ynode *at);
const char *pd_ykind_name(const struct pd_ynode *node); /* "a value", "a list", "a mapping" */

/* The value of key in map, NULL when absent or null (see pd_ynode_is_null). */
const struct pd_ynode *pd_yget(const struct pd_ynode *map, const char *key);

/* Each of these checks node, reports an error naming what ("timeout",
 * "check id") and returns -EINVAL (-ENOMEM), or stores the value and
 * returns 0. */
int pd_ywant(struct pd_yreader *r, const struct pd_ynode *node, enum pd_ynode_kind kind,
             const char *what);
/* Report every key of map missing from keys (NULL-terminated), listing
 * the expected ones; where: "check", "the configuration", ... */
void pd_ycheck_keys(struct pd_yreader *r, const struct pd_ynode *map, const char *const *keys,
                    const char *where);
/* Non-empty scalar text; replaces (frees) *dst. */
int pd_yread_string(struct pd_yreader *r, const struct pd_ynode *node, const char *what,
                    char **dst);
/* As pd_yread_string; a relative path is made relative to r->dir. */
int pd_yread_path(struct pd_yreader *r, const struct pd_ynode *node, const char *what, char **dst);
/* pd_id_valid text; replaces (frees) *dst. */
int pd_yread_id(struct pd_yreader *r, const struct pd_ynode *node, const char *what, char **dst);
int pd_yread_duration(struct pd_yreader *r, const struct pd_ynode *node, const char *what,
                      pd_ns min, pd_ns max, pd_ns *out);
int pd_yread_long(struct pd_yreader *r, const struct pd_ynode *node, const char *what, long min,
                  long max, long *out);
int pd_yread_bool(struct pd_yreader *r, const struct pd_ynode *node, const char *what, int *out);

#endif
