/*
 * What config.c shares with config_sla.c (the SLA policy, systems and
 * maintenance windows), config_web.c, config_alerts.c and
 * config_profiles.c, which it loads through the same YAML reader.
 */
#ifndef PROBED_CONFIG_PRIV_H
#define PROBED_CONFIG_PRIV_H

#include "config.h"
#include "yaml_tree.h"

/* sla may be NULL: the defaults. */
void pd_config_load_sla(struct pd_yreader *r, struct pd_config *cfg, const struct pd_ynode *sla);
/* Both after every target (YAML and CSV) is loaded: they name targets. */
void pd_config_load_systems(struct pd_yreader *r, struct pd_config *cfg,
                            const struct pd_ynode *node);
void pd_config_load_maintenance(struct pd_yreader *r, struct pd_config *cfg,
                                const struct pd_ynode *node);
void pd_config_free_sla(struct pd_config *cfg);

/* `web:` (config_web.c); node NULL: the defaults. */
int pd_config_web_defaults(struct pd_web_conf *web);
void pd_config_load_web(struct pd_yreader *r, struct pd_web_conf *web, const struct pd_ynode *node);
void pd_config_free_web(struct pd_web_conf *web);

/* `alerts:` (config_alerts.c). Load after templates, sla and systems:
 * routes name them. node NULL: the defaults. */
int pd_config_alerts_defaults(struct pd_alerts_conf *a);
void pd_config_load_alerts(struct pd_yreader *r, struct pd_config *cfg,
                           const struct pd_ynode *node);
/* The secrets file's `alerts: {<channel>: {password, secret}}` into the
 * channels already loaded; r reads the secrets file. Errors never show a
 * value. */
void pd_config_merge_alert_secrets(struct pd_yreader *r, struct pd_config *cfg,
                                   const struct pd_ynode *node);
/* After the secrets: what needs both files (an SMTP user's password). */
void pd_config_check_alerts(struct pd_yreader *r, const struct pd_config *cfg);
/* Passwords and secrets zeroed before they are freed. */
void pd_config_free_alerts(struct pd_alerts_conf *a);

/* `inspection:` (config_inspection.c); node NULL: the defaults. */
void pd_config_inspection_defaults(struct pd_inspection_conf *c);
void pd_config_load_inspection(struct pd_yreader *r, struct pd_inspection_conf *c,
                               const struct pd_ynode *node);
void pd_config_free_inspection(struct pd_inspection_conf *c);

/* Scalar values of a mapping as raw parameters, except the keys in skip
 * (NULL-terminated). */
int pd_config_collect_params(struct pd_yreader *r, const struct pd_ynode *node,
                             const char *const *skip, struct pd_param **out, size_t *n_out);
/* `profiles: {<id>: {key: value}}` of one plugin into pc. */
void pd_config_load_profiles(struct pd_yreader *r, struct pd_plugin_conf *pc,
                             const struct pd_ynode *node);
/* The secrets file's tree, {<plugin>: {<profile>: {key: value}}}, into
 * the profiles already loaded; r reads the secrets file. Errors never
 * show a value. */
void pd_config_merge_secrets(struct pd_yreader *r, struct pd_config *cfg,
                             const struct pd_ynode *root);
/* Keep a copy of path in cfg->files for marks to point to; NULL on ENOMEM. */
const char *pd_config_file_label(struct pd_config *cfg, const char *path);
/* A copy of n params in *out (taken by the caller; at least one slot);
 * -ENOMEM leaves a partial copy to free with n. */
int pd_config_copy_params(const struct pd_param *from, size_t n, struct pd_param **out);
void pd_config_free_params(struct pd_param *params, size_t n);

/* Templates (config_templates.c). After sla: templates name severities.
 * The files of `template_files:` before the main file's `templates:`. */
void pd_config_load_template_files(struct pd_yreader *r, struct pd_config *cfg,
                                   const struct pd_ynode *node);
void pd_config_load_templates(struct pd_yreader *r, struct pd_config *cfg,
                              const struct pd_ynode *node);
void pd_config_free_template(struct pd_template *t);

/* "emergency, important, general" for messages. */
void pd_config_severity_names(const struct pd_config *cfg, char *buf, size_t len);

#endif
