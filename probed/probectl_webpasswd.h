/*
 * probectl web-passwd: add a dashboard user, change a password or role,
 * or delete a user, in the users file (web.users_file, web_auth.h). cfg
 * may be NULL when --file is given. Returns the exit code: 0 done, 1 not,
 * 2 bad usage.
 */
#ifndef PROBED_PROBECTL_WEBPASSWD_H
#define PROBED_PROBECTL_WEBPASSWD_H

#include <stdio.h>

#include "config.h"

int pd_cmd_web_passwd(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
