#include "test_files.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "options.h"

/* A plugin table with every option type. */
struct tparams {
    char *host;
    long count;
    double ratio;
    int verbose;
    pd_ns wait;
    long port;
    char *label;
    char **tags;
    int validated; /* plugin state beyond the options */
};

static int tvalidate(const void *params, const struct pd_check_limits *limits, char *err,
                     size_t errlen)
{
    const struct tparams *p = params;
    if (p->wait > limits->interval) {
        snprintf(err, errlen, "wait longer than the interval");
        return -EINVAL;
    }
    if (p->count > 5 && p->verbose) {
        snprintf(err, errlen, "count above 5 needs verbose off");
        return -EINVAL;
    }
    ((struct tparams *)params)->validated = 1;
    return 0;
}

static const struct pd_option topts[] = {
    {"host", PD_OPT_STRING, offsetof(struct tparams, host), NULL, "host to ask"},
    {"count", PD_OPT_INT, offsetof(struct tparams, count), "3", "tries"},
    {"ratio", PD_OPT_DOUBLE, offsetof(struct tparams, ratio), "0.5", "share"},
    {"verbose", PD_OPT_BOOL, offsetof(struct tparams, verbose), "no", "say more"},
    {"wait", PD_OPT_DURATION, offsetof(struct tparams, wait), "1s", "pause"},
    {"port", PD_OPT_PORT, offsetof(struct tparams, port), NULL, "TCP port"},
    {"label", PD_OPT_STRING, offsetof(struct tparams, label), "none", "tag"},
    {"tags", PD_OPT_LIST, offsetof(struct tparams, tags), "", "labels"},
};

struct tsettings {
    double rate;
    char *mode;
};

static const struct pd_option tsettings_opts[] = {
    {"rate", PD_OPT_DOUBLE, offsetof(struct tsettings, rate), "100", "per second"},
    {"mode", PD_OPT_STRING, offsetof(struct tsettings, mode), "fast", "how"},
};

static int tvalidate_settings(const void *settings, char *err, size_t errlen)
{
    if (((const struct tsettings *)settings)->rate <= 0) {
        snprintf(err, errlen, "rate must be above 0");
        return -EINVAL;
    }
    return 0;
}

static const struct pd_plugin tplugin = {
    .abi = PD_PLUGIN_ABI,
    .name = "tcp",
    .options = topts,
    .n_options = sizeof(topts) / sizeof(topts[0]),
    .params_size = sizeof(struct tparams),
    .settings = tsettings_opts,
    .n_settings = 2,
    .settings_size = sizeof(struct tsettings),
    .validate_settings = tvalidate_settings,
    .validate = tvalidate,
};

static const struct pd_mark check_at = {.file = "f.yaml", .line = 3, .col = 9};
static const struct pd_check_limits limits = {2 * 3600 * PD_SEC, 10 * PD_SEC};
static struct tparams params;
static char err[4096];

static int setup(void **state)
{
    (void)state;
    memset(&params, 0, sizeof(params));
    err[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pd_options_free(&tplugin, &params);
    return 0;
}

#define P(k, v, l, c)                                                                              \
    {                                                                                              \
        .key = (char *)(k), .value = (char *)(v), .at = {                                          \
            .file = "f.yaml",                                                                      \
            .line = (l),                                                                           \
            .col = (c)                                                                             \
        }                                                                                          \
    }

static int parse(const struct pd_param *p, size_t n)
{
    return pd_options_parse(&tplugin, p, n, &check_at, &limits, &params, err, sizeof(err));
}

static void expect_error(const char *line)
{
    if (!test_has_line(err, line)) {
        print_error("no line starting with\n  %s\nin:\n%s", line, err);
        fail();
    }
}

static void test_defaults(void **state)
{
    (void)state;
    const struct pd_param p[] = {P("host", "sip.example", 4, 11), P("port", "5060", 5, 11)};
    assert_int_equal(parse(p, 2), 0);
    assert_string_equal(err, "");
    assert_string_equal(params.host, "sip.example");
    assert_int_equal(params.port, 5060);
    assert_int_equal(params.count, 3);
    assert_true(params.ratio == 0.5);
    assert_int_equal(params.verbose, 0);
    assert_int_equal(params.wait, PD_SEC);
    assert_string_equal(params.label, "none");
    assert_int_equal(params.validated, 1);
}

static void test_every_type(void **state)
{
    (void)state;
    const struct pd_param p[] = {
        P("port", "1", 4, 11),      P("host", "", 5, 11),      P("count", "-42", 6, 11),
        P("ratio", "1e-3", 7, 11),  P("verbose", "On", 8, 11), P("wait", "1h30m", 9, 11),
        P("label", "贵州", 10, 11),
    };
    assert_int_equal(parse(p, sizeof(p) / sizeof(p[0])), 0);
    assert_int_equal(params.port, 1);
    assert_string_equal(params.host, "");
    assert_int_equal(params.count, -42);
    assert_true(params.ratio == 1e-3);
    assert_int_equal(params.verbose, 1);
    assert_int_equal(params.wait, 90 * 60 * PD_SEC);
    assert_string_equal(params.label, "贵州");
}

static void test_bools(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int value;
    } cases[] = {{"true", 1},  {"TRUE", 1}, {"yes", 1}, {"on", 1},
                 {"false", 0}, {"No", 0},   {"off", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pd_param p[] = {P("port", "80", 4, 11), P("host", "h", 5, 11),
                               P("verbose", cases[i].text, 6, 11)};
        params.verbose = -1;
        assert_int_equal(parse(p, 3), 0);
        assert_int_equal(params.verbose, cases[i].value);
        pd_options_free(&tplugin, &params);
    }
}

static void test_required(void **state)
{
    (void)state;
    const struct pd_param p[] = {P("count", "4", 4, 11)};
    assert_int_equal(parse(p, 1), -EINVAL);
    expect_error("f.yaml:3:9: missing required option 'host' for this check (type tcp)");
    expect_error("f.yaml:3:9: missing required option 'port' for this check (type tcp)");
    assert_int_equal(test_count_lines(err), 2);

    /* Named after the check when the caller passes the whole check. */
    err[0] = '\0';
    struct pd_param only[] = {P("host", "h", 4, 11)};
    struct pd_check_conf check = {
        .id = "sip", .type = "tcp", .params = only, .n_params = 1, .at = check_at};
    assert_int_equal(pd_options_parse_check(&tplugin, &check, &params, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "f.yaml:3:9: missing required option 'port' for check 'sip' (type "
                             "tcp)\n");
    assert_null(params.host); /* freed on failure */
}

static void test_unknown_keys(void **state)
{
    (void)state;
    const struct pd_param p[] = {P("host", "h", 4, 11), P("port", "80", 5, 11),
                                 P("prot", "80", 6, 11)};
    assert_int_equal(parse(p, 3), -EINVAL);
    assert_string_equal(err, "f.yaml:6:11: unknown option 'prot' for this check (type tcp takes: "
                             "host, count, ratio, verbose, wait, port, label, tags)\n");
    assert_null(params.host);

    static const struct pd_plugin bare = {.abi = PD_PLUGIN_ABI, .name = "icmp"};
    err[0] = '\0';
    assert_int_equal(pd_options_parse(&bare, p, 1, &check_at, &limits, &params, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "f.yaml:4:11: unknown option 'host' for this check (type icmp takes "
                             "no options)\n");
}

static void test_bad_values(void **state)
{
    (void)state;
    const struct pd_param p[] = {
        P("host", "h", 4, 11),        P("count", "12x", 5, 11), P("ratio", "nan", 6, 11),
        P("verbose", "maybe", 7, 11), P("wait", "60", 8, 11),   P("port", "65536", 9, 11),
        P("label", "x", 10, 11),
    };
    assert_int_equal(parse(p, sizeof(p) / sizeof(p[0])), -EINVAL);
    expect_error("f.yaml:5:11: option 'count' of this check: expected an integer, got '12x'");
    expect_error("f.yaml:6:11: option 'ratio' of this check: expected a number, got 'nan'");
    expect_error("f.yaml:7:11: option 'verbose' of this check: expected true or false, got "
                 "'maybe'");
    expect_error("f.yaml:8:11: option 'wait' of this check: expected a duration such as 60s, 5m "
                 "or 1h30m, got '60'");
    expect_error("f.yaml:9:11: option 'port' of this check: expected a port number 1..65535, got "
                 "'65536'");
    assert_int_equal(test_count_lines(err), 5);
    assert_null(params.host);
    assert_null(params.label);

    static const char *const bad_ports[] = {"0", "-1", "http", "", "80.0", " 80", "0x50"};
    for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
        struct pd_param q[] = {P("host", "h", 4, 11), P("port", bad_ports[i], 5, 11)};
        err[0] = '\0';
        if (parse(q, 2) != -EINVAL)
            fail_msg("port '%s' was accepted", bad_ports[i]);
    }
    static const char *const bad_numbers[] = {"inf", "1e999", "0x10", "", "1,5", "--1"};
    for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++) {
        struct pd_param q[] = {P("host", "h", 4, 11), P("port", "1", 5, 11),
                               P("ratio", bad_numbers[i], 6, 11)};
        err[0] = '\0';
        if (parse(q, 3) != -EINVAL)
            fail_msg("ratio '%s' was accepted", bad_numbers[i]);
    }
    struct pd_param big[] = {P("host", "h", 4, 11), P("port", "1", 5, 11),
                             P("count", "99999999999999999999", 6, 11)};
    assert_int_equal(parse(big, 3), -EINVAL);
}

static void test_validate_sees_limits(void **state)
{
    (void)state;
    const struct pd_param p[] = {P("port", "1", 4, 11), P("host", "x", 5, 11),
                                 P("wait", "3h", 6, 11)};
    assert_int_equal(parse(p, 3), -EINVAL);
    assert_non_null(
        strstr(err, "f.yaml:3:9: this check (type tcp): wait longer than the interval"));
    assert_null(params.host); /* freed on failure */
}

static void test_settings(void **state)
{
    (void)state;
    struct tsettings st = {0};
    /* No section: the defaults. */
    assert_int_equal(pd_options_parse_settings(&tplugin, NULL, &st, err, sizeof(err)), 0);
    assert_float_equal(st.rate, 100, 0);
    assert_string_equal(st.mode, "fast");
    pd_options_free_settings(&tplugin, &st);
    assert_null(st.mode);

    struct pd_param p[] = {P("rate", "5.5", 4, 11), P("mode", "slow", 5, 11)};
    struct pd_plugin_conf pc = {.name = "tcp", .params = p, .n_params = 2, .at = check_at};
    assert_int_equal(pd_options_parse_settings(&tplugin, &pc, &st, err, sizeof(err)), 0);
    assert_float_equal(st.rate, 5.5, 0);
    assert_string_equal(st.mode, "slow");
    pd_options_free_settings(&tplugin, &st);

    struct pd_param bad[] = {P("rat", "5", 4, 11)};
    pc = (struct pd_plugin_conf){.name = "tcp", .params = bad, .n_params = 1, .at = check_at};
    assert_int_equal(pd_options_parse_settings(&tplugin, &pc, &st, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "f.yaml:4:11: unknown option 'rat' for plugins.tcp (plugin tcp takes: "
                             "rate, mode)\n");
    assert_null(st.mode);

    err[0] = '\0';
    struct pd_param zero[] = {P("rate", "0", 4, 11)};
    pc = (struct pd_plugin_conf){.name = "tcp", .params = zero, .n_params = 1, .at = check_at};
    assert_int_equal(pd_options_parse_settings(&tplugin, &pc, &st, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "f.yaml:3:9: plugins.tcp: rate must be above 0\n");
    assert_null(st.mode); /* freed on failure */
}

static void test_validate_hook(void **state)
{
    (void)state;
    struct pd_param p[] = {P("host", "h", 4, 11), P("port", "1", 5, 11), P("count", "6", 6, 11),
                           P("verbose", "yes", 7, 11)};
    struct pd_check_conf check = {.id = "sip",
                                  .type = "tcp",
                                  .params = p,
                                  .n_params = 4,
                                  .at = check_at,
                                  .interval = 3600 * PD_SEC};
    assert_int_equal(pd_options_parse_check(&tplugin, &check, &params, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "f.yaml:3:9: check 'sip' (type tcp): count above 5 needs verbose "
                             "off\n");
    assert_null(params.host);
    assert_int_equal(params.validated, 0);
}

static void test_bad_default_in_plugin(void **state)
{
    (void)state;
    static const struct pd_option opts[] = {
        {"n", PD_OPT_INT, offsetof(struct tparams, count), "three", "a bug"}};
    static const struct pd_plugin buggy = {
        .abi = PD_PLUGIN_ABI, .name = "buggy", .options = opts, .n_options = 1};
    assert_int_equal(
        pd_options_parse(&buggy, NULL, 0, &check_at, &limits, &params, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "f.yaml:3:9: plugin buggy: bad default 'three' for option 'n'\n");
}

/* Parameters come from a real configuration file, marks and all. */
static void test_from_config(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX], line[2 * PATH_MAX];
    const char *text = "templates:\n"
                       "  pbx:\n"
                       "    checks:\n"
                       "      - { id: sip, type: tcp, host: pbx.example, port: 5060, wait: 2s }\n"
                       "      - { id: web, type: tcp, host: pbx.example, port: 0 }\n";
    struct pd_config *cfg;
    assert_int_equal(test_dir_make(dir), 0);
    assert_int_equal(test_write(dir, "main.yaml", text, strlen(text), path), 0);
    assert_int_equal(pd_config_load(path, &cfg, err, sizeof(err)), 0);

    const struct pd_check_conf *sip = &cfg->templates[0].checks[0];
    assert_int_equal(pd_options_parse_check(&tplugin, sip, &params, err, sizeof(err)), 0);
    assert_string_equal(params.host, "pbx.example");
    assert_int_equal(params.port, 5060);
    assert_int_equal(params.wait, 2 * PD_SEC);
    pd_options_free(&tplugin, &params);
    assert_null(params.host);

    const struct pd_check_conf *web = &cfg->templates[0].checks[1];
    assert_int_equal(pd_options_parse_check(&tplugin, web, &params, err, sizeof(err)), -EINVAL);
    snprintf(line, sizeof(line),
             "%s:5:50: option 'port' of check 'web': expected a port number 1..65535, got '0'\n",
             path);
    assert_string_equal(err, line);
    pd_config_free(cfg);
    assert_int_equal(test_dir_remove(dir), 0);
}

static void test_lists(void **state)
{
    (void)state;
    const struct pd_param none[] = {P("host", "h", 3, 11), P("port", "1", 4, 11)};
    assert_int_equal(parse(none, 2), 0);
    assert_non_null(params.tags);
    assert_null(params.tags[0]);
    pd_options_free(&tplugin, &params);
    assert_null(params.tags);

    /* One value is a list of one; a YAML list arrives joined by '\n'. */
    struct pd_param p[] = {P("port", "1", 4, 11), P("tags", "X-Site: 贵阳", 5, 11),
                           P("host", "h", 6, 11)};
    assert_int_equal(parse(p, 3), 0);
    assert_string_equal(params.tags[0], "X-Site: 贵阳");
    assert_null(params.tags[1]);
    pd_options_free(&tplugin, &params);
    p[1].value = (char *)"a\n\nc: d";
    p[1].is_list = 1;
    assert_int_equal(parse(p, 3), 0);
    assert_string_equal(params.tags[0], "a");
    assert_string_equal(params.tags[1], "");
    assert_string_equal(params.tags[2], "c: d");
    assert_null(params.tags[3]);
    pd_options_free(&tplugin, &params);

    /* A list where one value is expected. */
    p[0].is_list = 1;
    assert_int_equal(parse(p, 3), -EINVAL);
    expect_error("f.yaml:4:11: option 'port' of this check: expected a port number 1..65535, got "
                 "a list");
    assert_null(params.tags);
}

static void test_lists_from_config(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    const char *text = "templates:\n"
                       "  web:\n"
                       "    checks:\n"
                       "      - id: a\n"
                       "        type: tcp\n"
                       "        host: h\n"
                       "        port: 80\n"
                       "        tags: [\"Accept: text/html\", \"X-Name: 贵州\"]\n"
                       "      - { id: b, type: tcp, host: h, port: 80, tags: [[nested]] }\n"
                       "      - { id: c, type: tcp, host: h, port: [80] }\n";
    struct pd_config *cfg = NULL;
    assert_int_equal(test_dir_make(dir), 0);
    assert_int_equal(test_write(dir, "main.yaml", text, strlen(text), path), 0);
    assert_int_equal(pd_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
    char line[2 * PATH_MAX];
    snprintf(line, sizeof(line),
             "%s:9:55: option 'tags': list items must be single values, not a list", path);
    expect_error(line);
    assert_null(cfg);

    text = "templates:\n"
           "  web:\n"
           "    checks:\n"
           "      - { id: a, type: tcp, host: h, port: 80, tags: [\"Accept: text/html\", \"X-Name: "
           "贵州\"] }\n"
           "      - { id: c, type: tcp, host: h, port: [80] }\n";
    assert_int_equal(test_write(dir, "main.yaml", text, strlen(text), path), 0);
    err[0] = '\0';
    assert_int_equal(pd_config_load(path, &cfg, err, sizeof(err)), 0);
    const struct pd_check_conf *a = &cfg->templates[0].checks[0];
    assert_int_equal(pd_options_parse_check(&tplugin, a, &params, err, sizeof(err)), 0);
    assert_string_equal(params.tags[0], "Accept: text/html");
    assert_string_equal(params.tags[1], "X-Name: 贵州");
    assert_null(params.tags[2]);
    pd_options_free(&tplugin, &params);
    const struct pd_check_conf *c = &cfg->templates[0].checks[1];
    assert_int_equal(pd_options_parse_check(&tplugin, c, &params, err, sizeof(err)), -EINVAL);
    snprintf(line, sizeof(line),
             "%s:5:38: option 'port' of check 'c': expected a port number 1..65535, got a list",
             path);
    expect_error(line);
    pd_config_free(cfg);
    assert_int_equal(test_dir_remove(dir), 0);
}

static void test_error_at(void **state)
{
    (void)state;
    const struct pd_mark full = {.file = "a.yaml", .line = 2, .col = 5};
    const struct pd_mark no_col = {.file = "b.csv", .line = 7};
    const struct pd_mark no_line = {.file = "c.csv"};
    pd_error_at(err, sizeof(err), &full, "one %d", 1);
    pd_error_at(err, sizeof(err), &no_col, "two");
    pd_error_at(err, sizeof(err), &no_line, "three");
    pd_error_at(err, sizeof(err), NULL, "four");
    assert_string_equal(err, "a.yaml:2:5: one 1\nb.csv:7: two\nc.csv: three\nfour\n");

    err[0] = '\0';
    for (int i = 0; i < PD_CONFIG_MAX_ERRORS + 5; i++)
        pd_error_at(err, sizeof(err), &full, "error %d", i);
    assert_int_equal(test_count_lines(err), PD_CONFIG_MAX_ERRORS);

    char small[16] = "";
    pd_error_at(small, sizeof(small), &full, "a long message that does not fit");
    assert_true(strlen(small) < sizeof(small));
    pd_error_at(small, sizeof(small), &full, "more");
    assert_true(strlen(small) < sizeof(small));
    pd_error_at(NULL, 0, &full, "nowhere");
}

/* A plugin with profiles: credentials named by checks. */
struct tprofile {
    char *version;
    char *community; /* a secret */
    long retries;
};

static const struct pd_option tprofile_opts[] = {
    {"version", PD_OPT_STRING, offsetof(struct tprofile, version), "2c", "protocol"},
    {"community", PD_OPT_SECRET, offsetof(struct tprofile, community), NULL, "secret"},
    {"retries", PD_OPT_INT, offsetof(struct tprofile, retries), "1", "tries"},
};

static int tvalidate_profile(const void *profile, char *why, size_t len)
{
    if (((const struct tprofile *)profile)->retries > 5) {
        snprintf(why, len, "at most 5 retries");
        return -EINVAL;
    }
    return 0;
}

struct tpparams {
    char *profile;
};

static const struct pd_option tpopts[] = {
    {"profile", PD_OPT_PROFILE, offsetof(struct tpparams, profile), "default", "credentials"},
};

static const struct pd_plugin pplugin = {
    .abi = PD_PLUGIN_ABI,
    .name = "snmp",
    .options = tpopts,
    .n_options = 1,
    .params_size = sizeof(struct tpparams),
    .profile_options = tprofile_opts,
    .n_profile_options = 3,
    .profile_size = sizeof(struct tprofile),
    .validate_profile = tvalidate_profile,
};

static void test_profiles(void **state)
{
    (void)state;
    struct pd_param ok[] = {P("community", "s3cr3t-value", 4, 7), P("retries", "3", 5, 7)};
    struct pd_profile_conf conf = {.name = (char *)"core",
                                   .params = ok,
                                   .n_params = 2,
                                   .at = {.file = "f.yaml", .line = 3, .col = 5}};
    struct tprofile prof = {0};
    assert_int_equal(pd_options_parse_profile(&pplugin, &conf, &prof, err, sizeof(err)), 0);
    assert_string_equal(prof.version, "2c");
    assert_string_equal(prof.community, "s3cr3t-value");
    assert_int_equal(prof.retries, 3);
    pd_options_free_profile(&pplugin, &prof);
    assert_null(prof.community);

    /* Missing secret, unknown key, the plugin's own check: every error
     * names the profile, none shows a secret. */
    struct pd_param bad[] = {P("retries", "9", 4, 7), P("colour", "blue", 5, 7)};
    conf.params = bad;
    conf.n_params = 2;
    assert_int_equal(pd_options_parse_profile(&pplugin, &conf, &prof, err, sizeof(err)), -EINVAL);
    expect_error("f.yaml:5:7: unknown option 'colour' for profile 'core' of plugins.snmp "
                 "(plugin snmp takes: version, community, retries)");
    expect_error("f.yaml:3:5: missing required option 'community' for profile 'core' of "
                 "plugins.snmp");
    err[0] = '\0';
    struct pd_param many[] = {P("community", "s3cr3t-value", 4, 7), P("retries", "9", 5, 7)};
    conf.params = many;
    assert_int_equal(pd_options_parse_profile(&pplugin, &conf, &prof, err, sizeof(err)), -EINVAL);
    expect_error("f.yaml:3:5: profile 'core' of plugins.snmp: at most 5 retries");
    assert_null(strstr(err, "s3cr3t"));
    assert_null(prof.community);

    /* A plugin without profiles refuses them. */
    err[0] = '\0';
    assert_int_equal(pd_options_parse_profile(&tplugin, &conf, &prof, err, sizeof(err)), -EINVAL);
    expect_error("f.yaml:3:5: plugin tcp takes no profiles");
}

static void test_check_profiles(void **state)
{
    (void)state;
    struct pd_param pp[] = {P("community", "x", 4, 7)};
    struct pd_profile_conf profiles[] = {
        {.name = (char *)"default", .params = pp, .n_params = 1},
        {.name = (char *)"core-v3", .params = pp, .n_params = 1},
    };
    struct pd_plugin_conf pc = {.name = (char *)"snmp", .profiles = profiles, .n_profiles = 2};
    struct pd_config cfg = {.plugins = &pc, .n_plugins = 1};
    struct pd_param named[] = {P("profile", "core-v3", 8, 20)};
    struct pd_check_conf cc = {.id = (char *)"sys",
                               .type = (char *)"snmp",
                               .params = named,
                               .n_params = 1,
                               .at = {.file = "f.yaml", .line = 8, .col = 5}};
    assert_int_equal(pd_options_check_profiles(&pplugin, &cfg, &cc, err, sizeof(err)), 0);
    cc.n_params = 0; /* the default profile */
    assert_int_equal(pd_options_check_profiles(&pplugin, &cfg, &cc, err, sizeof(err)), 0);

    struct pd_param missing[] = {P("profile", "edge", 8, 20)};
    cc.params = missing;
    cc.n_params = 1;
    assert_int_equal(pd_options_check_profiles(&pplugin, &cfg, &cc, err, sizeof(err)), -EINVAL);
    expect_error("f.yaml:8:20: check 'sys': no profile 'edge' in plugins.snmp.profiles (defined: "
                 "default, core-v3)");
    err[0] = '\0';
    pc.n_profiles = 0;
    cc.n_params = 0;
    assert_int_equal(pd_options_check_profiles(&pplugin, &cfg, &cc, err, sizeof(err)), -EINVAL);
    expect_error("f.yaml:8:5: check 'sys': no profile 'default' in plugins.snmp.profiles (none "
                 "defined)");

    /* A profile name is an id. */
    struct tpparams tp = {0};
    struct pd_param odd[] = {P("profile", "Core V3", 8, 20)};
    assert_int_equal(pd_options_parse(&pplugin, odd, 1, &check_at, &limits, &tp, err, sizeof(err)),
                     -EINVAL);
    expect_error("f.yaml:8:20: option 'profile' of this check: expected a profile name, got "
                 "'Core V3'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate_sees_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_default_in_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_from_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_profiles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
