#include "inventory.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv_read.h"
#include "options.h"
#include "utf8.h"
#include "yaml_tree.h"

/* The CSV's column names, by field; NULL-terminated for pd_csv_columns. */
static const char *const field_names[PD_TF_COUNT + 1] = {"id",   "name",         "address", "type",
                                                         "site", "snmp_profile", NULL};

const char *pd_target_field_name(int f)
{
    return f >= 0 && f < PD_TF_COUNT ? field_names[f] : "";
}

const char *pd_target_field(const struct pd_target_conf *t, int f)
{
    const char *v = NULL;
    switch (f) {
    case PD_TF_ID:
        v = t->id;
        break;
    case PD_TF_NAME:
        v = t->name;
        break;
    case PD_TF_ADDRESS:
        v = t->address;
        break;
    case PD_TF_TYPE:
        v = t->type;
        break;
    case PD_TF_SITE:
        v = t->site;
        break;
    case PD_TF_SNMP_PROFILE:
        v = t->snmp_profile;
        break;
    }
    return v ? v : "";
}

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
    free(t->snmp_profile);
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

static void list_profiles(const struct pd_config *cfg, char *buf, size_t len)
{
    const struct pd_plugin_conf *pc = pd_config_plugin(cfg, "snmp");
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; pc && i < pc->n_profiles && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                                 pc->profiles[i].name);
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
    if (t->snmp_profile && !pd_config_profile(cfg, "snmp", t->snmp_profile)) {
        char names[256];
        list_profiles(cfg, names, sizeof(names));
        pd_error_at(err, errlen, &at[PD_TF_SNMP_PROFILE],
                    "unknown SNMP profile '%s': no profile of that name in plugins.snmp.profiles "
                    "(%s%s)",
                    t->snmp_profile, names[0] ? "defined: " : "none defined", names);
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

/* Map columns to fields from the header row; column[i] is the field of
 * column i. 0 or -EINVAL. */
static int read_header(struct pd_csv *c, int *column)
{
    unsigned required =
        ((1u << PD_TF_COUNT) - 1) & ~(1u << PD_TF_NAME) & ~(1u << PD_TF_SNMP_PROFILE);
    return pd_csv_columns(c, field_names, required, column);
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

static int add_row(struct pd_csv *c, struct pd_target_list *list, const struct pd_config *cfg,
                   const int *column)
{
    struct pd_target_conf t = {.at = {.file = c->file, .line = c->row_line, .col = 1}};
    struct pd_mark at[PD_TF_COUNT];
    char **slot[PD_TF_COUNT] = {&t.id, &t.name, &t.address, &t.type, &t.site, &t.snmp_profile};

    for (int f = 0; f < PD_TF_COUNT; f++)
        at[f] = t.at;
    for (size_t i = 0; i < c->n_fields; i++) {
        int f = column[i];
        at[f] =
            (struct pd_mark){.file = c->file, .line = c->fields[i].line, .col = c->fields[i].col};
        /* Empty optional cells: the defaults (the id, the check's profile). */
        if ((f == PD_TF_NAME || f == PD_TF_SNMP_PROFILE) && pd_csv_field(c, i)[0] == '\0')
            continue;
        if (!(*slot[f] = strdup(pd_csv_field(c, i)))) {
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
    struct pd_csv c;
    int *column = NULL;
    size_t n_columns = 0;
    int rc = 0, row;

    if ((rc = pd_csv_open(&c, file, buf, len, err, errlen)) < 0)
        return rc;
    row = pd_csv_read_row(&c);
    if (row == 0) {
        pd_csv_error(&c, 0, 0, "no header row (expected columns id, name, address, type, site)");
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

    while ((row = pd_csv_read_row(&c)) != 0) {
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
        pd_csv_error(&c, c.line, 0, "out of memory");
    free(column);
    pd_csv_close(&c);
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
