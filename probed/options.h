/*
 * Plugin option tables: parse a check's raw parameters (struct pd_param)
 * into the plugin's params struct, apply defaults, reject unknown keys and
 * bad values with file:line:col errors.
 */
#ifndef PROBED_OPTIONS_H
#define PROBED_OPTIONS_H

#include "config.h"
#include "plugin.h"

/* Fill params (zeroed by the caller, plugin->params_size bytes) from the
 * borrowed raw parameters; then run plugin->validate. check_at is used for
 * errors about missing required options. Returns 0, or -EINVAL with one
 * line per error appended to err (which must hold a C string). On failure
 * the strings already stored are freed. */
int pd_options_parse(const struct pd_plugin *plugin, const struct pd_param *params, size_t n_params,
                     const struct pd_mark *check_at, const struct pd_check_limits *limits,
                     void *out, char *err, size_t errlen);

/* pd_options_parse on a configured check's params, naming the check by
 * its id in errors ("missing required option 'port' for check 'sip'"). */
int pd_options_parse_check(const struct pd_plugin *plugin, const struct pd_check_conf *check,
                           void *out, char *err, size_t errlen);

/* Free the option strings inside params (not params itself). */
void pd_options_free(const struct pd_plugin *plugin, void *params);

/* The plugin's settings table on conf (NULL: all defaults) into out
 * (zeroed, plugin->settings_size bytes). Errors name "plugins.<name>". */
int pd_options_parse_settings(const struct pd_plugin *plugin, const struct pd_plugin_conf *conf,
                              void *out, char *err, size_t errlen);
void pd_options_free_settings(const struct pd_plugin *plugin, void *settings);

/* One profile (plugins.<name>.profiles.<id>) with the plugin's profile
 * table into out (zeroed, plugin->profile_size bytes); errors never show
 * a PD_OPT_SECRET value. */
int pd_options_parse_profile(const struct pd_plugin *plugin, const struct pd_profile_conf *conf,
                             void *out, char *err, size_t errlen);
void pd_options_free_profile(const struct pd_plugin *plugin, void *profile);
/* Every PD_OPT_PROFILE option of check names a profile cfg defines for
 * the plugin. 0 or -EINVAL (errors appended). */
int pd_options_check_profiles(const struct pd_plugin *plugin, const struct pd_config *cfg,
                              const struct pd_check_conf *check, char *err, size_t errlen);

/* Append "file:line:col: message\n" to err, truncating safely. Without a
 * col (0) the line reads "file:line: ", without a line "file: ", with at
 * NULL just the message. Once err holds PD_CONFIG_MAX_ERRORS lines, more
 * are dropped. */
void pd_error_at(char *err, size_t errlen, const struct pd_mark *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Keep up to n error lines instead (n <= 0: PD_CONFIG_MAX_ERRORS again).
 * Process-wide, so called once before any thread: probectl inventory
 * shows every bad cell of a spreadsheet in one run, where a log would
 * only be buried. */
void pd_error_set_limit(int n);

#endif
