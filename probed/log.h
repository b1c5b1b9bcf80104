/*
 * Logging for the daemon and its plugins: one line per message with time,
 * level and module, to stderr or syslog. Repeated messages from one place
 * are rate limited (a dead device must not flood the log): at most
 * PD_LOG_BURST per key per minute, then one "suppressed N" line.
 * Thread-safe.
 */
#ifndef PROBED_LOG_H
#define PROBED_LOG_H

#include <stdarg.h>

#include "plugin.h"

enum pd_log_target { PD_LOG_STDERR, PD_LOG_SYSLOG };

#define PD_LOG_BURST 10

void pd_log_setup(enum pd_log_target target, int max_level, const char *ident);
int pd_log_level_parse(const char *name); /* "info" -> PD_LOG_INFO; -1 if unknown */
const char *pd_log_level_name(int level);

/* module: "core", "storage", "tcp", ...; key: rate-limit key, usually
 * NULL (then the format string is the key). */
void pd_logf(int level, const char *module, const void *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pd_logv(int level, const char *module, const void *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#define pd_err(mod, ...)    pd_logf(PD_LOG_ERR, mod, NULL, __VA_ARGS__)
#define pd_warn(mod, ...)   pd_logf(PD_LOG_WARNING, mod, NULL, __VA_ARGS__)
#define pd_notice(mod, ...) pd_logf(PD_LOG_NOTICE, mod, NULL, __VA_ARGS__)
#define pd_info(mod, ...)   pd_logf(PD_LOG_INFO, mod, NULL, __VA_ARGS__)
#define pd_debug(mod, ...)  pd_logf(PD_LOG_DEBUG, mod, NULL, __VA_ARGS__)

#endif
