/*
 * One round of one check, run in probectl itself through the same plugin,
 * options and core as the daemon's (probectl ping, probectl snmp).
 */
#ifndef PROBED_PROBECTL_ONESHOT_H
#define PROBED_PROBECTL_ONESHOT_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "plugin.h"

#define PCTL_ONESHOT_METRICS 48

struct pctl_oneshot {
    int done;
    enum pd_verdict verdict;
    char reason[256];
    struct pd_metric metrics[PCTL_ONESHOT_METRICS];
    char names[PCTL_ONESHOT_METRICS][20];
    size_t n;
};

/* Check options given on the command line; the strings are borrowed
 * (argv or literals). */
#define PCTL_SET_MAX 24
struct pctl_set {
    struct pd_param p[PCTL_SET_MAX];
    size_t n;
};
/* Set key (a later value of the same key wins); is_list: value is a list
 * option's items joined by '\n'. */
void pctl_set_param(struct pctl_set *s, const char *key, const char *value, int is_list);
/* Set key unless the command line already did. */
void pctl_set_default(struct pctl_set *s, const char *key, const char *value);
/* The check's parameters into out (cap entries): base's (a target's
 * check, may be NULL), with those of set over them. Returns how many. */
size_t pctl_merge_params(const struct pd_check_conf *base, const struct pctl_set *set,
                         struct pd_param *out, size_t cap);
/* When id names a configured target ("TARGET" or "TARGET/CHECK"): *target,
 * and its template's check of type, the first or the one named CHECK (NULL
 * when it has none). NULL, *target untouched, else. */
const struct pd_check_conf *pctl_target_check(const struct pd_config *cfg, const char *id,
                                              const char *type,
                                              const struct pd_target_conf **target);
/* Says on errout that target (found from what, a TARGET[/CHECK]) has no
 * such check of type, with hint (may be NULL) after it. */
void pctl_no_check(FILE *errout, const char *cmd, const char *what,
                   const struct pd_target_conf *target, const char *type, const char *hint);

/* Run check cc (borrowed; its params too) once against address (numeric),
 * with base's plugin settings and profiles (base may be NULL). 0 with *res
 * filled, or -errno with err holding why it could not run. */
int pctl_oneshot_run(const struct pd_config *base, const char *address,
                     const struct pd_check_conf *cc, struct pctl_oneshot *res, char *err,
                     size_t errlen);
/* name as a numeric address in out: itself when it is one, else looked
 * up (blocking). 0, or -ENOENT after saying why on errout. */
int pctl_resolve(const char *cmd, const char *name, int family, char *out, size_t len,
                 FILE *errout);
/* A metric of the round by name; NAN when absent. */
double pctl_oneshot_metric(const struct pctl_oneshot *r, const char *name);
/* "good", "bad", "no verdict" (json: "no_verdict"). */
const char *pctl_verdict_text(enum pd_verdict v, int json);
/* The metrics as a JSON object member, null for unknown. */
struct pctl_json;
void pctl_oneshot_json_metrics(struct pctl_json *j, const struct pctl_oneshot *r);

#endif
