/*
 * What config.c shares with config_sla.c (the SLA policy, systems and
 * maintenance windows), which it loads through the same YAML reader.
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
/* "emergency, important, general" for messages. */
void pd_config_severity_names(const struct pd_config *cfg, char *buf, size_t len);

#endif
