/*
 * Targets of a configuration being loaded: the `targets` of the main file
 * and the rows of the inventory CSV files, validated the same way and
 * checked for duplicate ids across all of them.
 *
 * CSV: RFC 4180 (quoted fields, "" escapes, commas and newlines inside
 * quotes), UTF-8 with or without a BOM, CRLF or LF. A header row names the
 * columns id, name, address, type, site, snmp_profile in any order and any
 * case; name and snmp_profile are optional. Blank lines and lines starting with '#' are skipped.
 */
#ifndef PROBED_INVENTORY_H
#define PROBED_INVENTORY_H

#include <stddef.h>

#include "config.h"
#include "hashmap.h"

enum pd_target_field {
    PD_TF_ID,
    PD_TF_NAME,
    PD_TF_ADDRESS,
    PD_TF_TYPE,
    PD_TF_SITE,
    PD_TF_SNMP_PROFILE, /* optional: a profile of plugins.snmp.profiles */
    PD_TF_COUNT
};

#define PD_NAME_MAX 512 /* bytes of a display name */

/* A field's column name in the CSV ("id", "name", ...); "" out of range. */
const char *pd_target_field_name(int f);
/* A target's field f as text; "" when not set. */
const char *pd_target_field(const struct pd_target_conf *t, int f);

struct pd_target_list {
    struct pd_target_conf *v; /* ro; taken over by the config at the end */
    size_t n;                 /* ro */
    size_t cap;               /* private */
    struct pd_hashmap ids;    /* private: id -> index + 1 */
};

void pd_target_list_init(struct pd_target_list *list);
/* Free the targets still in the list and the id index. */
void pd_target_list_free(struct pd_target_list *list);

/* Validate t and append it to list. t's strings are taken: on success
 * they belong to the list, on failure they are freed. A NULL name becomes
 * the id. t->tmpl is set from cfg (borrowed; its templates must outlive
 * the list). at[] is the place of each field, t->at that of the whole
 * target. Returns 0, -EINVAL with errors appended to err, or -ENOMEM. */
int pd_target_add(struct pd_target_list *list, const struct pd_config *cfg,
                  struct pd_target_conf *t, const struct pd_mark at[PD_TF_COUNT], char *err,
                  size_t errlen);

/* Add the rows of the CSV text buf[0..len) (borrowed). file names it in
 * marks and errors and must outlive the list. Returns 0, or -EINVAL /
 * -ENOMEM with errors appended to err; valid rows are added either way. */
int pd_inventory_parse(struct pd_target_list *list, const struct pd_config *cfg, const char *file,
                       const char *buf, size_t len, char *err, size_t errlen);

/* pd_inventory_parse on the file at path (borrowed, must outlive the
 * list). I/O errors are -errno with "path: reason" in err. */
int pd_inventory_load(struct pd_target_list *list, const struct pd_config *cfg, const char *path,
                      char *err, size_t errlen);

#endif
