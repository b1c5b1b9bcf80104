/*
 * Templates from template files (`template_files:`): globs relative to the
 * main file, errors that name the template file, a name defined twice,
 * `override: true`, `extends:`, a reload that reads the files again; and
 * the templates shipped in contrib/templates, bound to the real plugins.
 */
#include "config_check.h"

#include <sys/stat.h>

#include "registry.h"
#include "yaml_tree.h"

static char line[4 * PATH_MAX];

static void make_dir(const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* err must hold the line "<dir>/<file>:<rest>". */
static void expect_error_in(const char *file, const char *rest)
{
    snprintf(line, sizeof(line), "%s/%s:%s", dir, file, rest);
    if (!test_has_line(err, line)) {
        print_error("no line starting with\n  %s\nin:\n%s", line, err);
        fail();
    }
}

static const struct pd_check_conf *check_of(const struct pd_template *t, const char *id)
{
    for (size_t i = 0; i < t->n_checks; i++)
        if (strcmp(t->checks[i].id, id) == 0)
            return &t->checks[i];
    fail_msg("template %s: no check %s", t->name, id);
    return NULL;
}

static const char *param_of(const struct pd_check_conf *c, const char *key)
{
    for (size_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].key, key) == 0)
            return c->params[i].value;
    return NULL;
}

static const struct pd_param *param_at(const struct pd_check_conf *c, const char *key)
{
    for (size_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].key, key) == 0)
            return &c->params[i];
    fail_msg("check %s: no option %s", c->id, key);
    return NULL;
}

static const char codec_yaml[] = "# a shipped template\n"
                                 "codec:\n"
                                 "  severity: important\n"
                                 "  checks:\n"
                                 "    - { id: ping, type: icmp, interval: 30s, count: 5 }\n"
                                 "    - { id: sip, type: tcp, port: 5060, timeout: 5s }\n";
static const char camera_yaml[] = "camera:\n"
                                  "  severity: general\n"
                                  "  checks: [{ id: ping, type: icmp, interval: 20s }]\n";

static void test_globs_and_relative_paths(void **state)
{
    (void)state;
    char expect[2 * PATH_MAX];
    make_dir("templates");
    write_text("templates/codec.yaml", codec_yaml);
    write_text("templates/camera.yaml", camera_yaml);
    write_text("templates/README", "not a template\n");
    struct pd_config *cfg = load_text("template_files: [\"templates/*.yaml\"]\n"
                                      "targets:\n"
                                      "  - { id: c1, address: 10.0.0.1, type: codec, site: x }\n"
                                      "  - { id: k1, address: 10.0.0.2, type: camera, site: x }\n",
                                      0);
    assert_int_equal(cfg->n_template_files, 1);
    snprintf(expect, sizeof(expect), "%s/templates/*.yaml", dir);
    assert_string_equal(cfg->template_files[0], expect);
    /* Each pattern's matches in sorted order. */
    assert_int_equal(cfg->n_templates, 2);
    assert_string_equal(cfg->templates[0].name, "camera");
    assert_string_equal(cfg->templates[1].name, "codec");
    const struct pd_template *codec = pd_config_template(cfg, "codec");
    snprintf(expect, sizeof(expect), "%s/templates/codec.yaml", dir);
    assert_string_equal(codec->at.file, expect);
    assert_int_equal(codec->at.line, 2);
    assert_int_equal(codec->at.col, 1);
    assert_null(codec->replaced.file);
    assert_null(codec->extends);
    assert_string_equal(codec->severity, "important");
    const struct pd_check_conf *sip = check_of(codec, "sip");
    assert_string_equal(sip->at.file, expect);
    assert_int_equal(sip->at.line, 6);
    assert_int_equal(param_at(sip, "port")->at.line, 6);
    assert_string_equal(param_at(sip, "port")->at.file, expect);
    assert_int_equal(sip->timeout, S(5));
    assert_int_equal(check_of(codec, "ping")->availability, 1);
    assert_ptr_equal(cfg->targets[0].tmpl, codec);
    /* Every file read is in files, so the configuration's digest covers the
     * templates too. */
    assert_int_equal(cfg->n_files, 3);
    assert_string_equal(cfg->files[2], expect);
    pd_config_free(cfg);

    /* One pattern without the list; an absolute path; a file named twice
     * is read once; the main file matched by a pattern is not a template
     * file. */
    write_text("extra.yaml", "ups: { checks: [{ id: ping, type: icmp }] }\n");
    snprintf(expect, sizeof(expect),
             "template_files: [\"%s/templates/codec.yaml\", \"templates/c*.yaml\", \"*.yaml\"]\n",
             dir);
    cfg = load_text(expect, 0);
    assert_int_equal(cfg->n_template_files, 3);
    assert_int_equal(cfg->n_templates, 3);
    assert_string_equal(cfg->templates[0].name, "codec");
    assert_string_equal(cfg->templates[1].name, "camera");
    assert_string_equal(cfg->templates[2].name, "ups");
    pd_config_free(cfg);
    cfg = load_text("template_files: templates/camera.yaml\n", 0);
    assert_int_equal(cfg->n_templates, 1);
    pd_config_free(cfg);
}

static void test_missing_files(void **state)
{
    (void)state;
    make_dir("templates");
    expect_fail("template_files: [templates/codec.yaml]\n", "1:18: template file ");
    snprintf(line, sizeof(line),
             "%s:1:18: template file %s/templates/codec.yaml: No such file or directory", main_path,
             dir);
    assert_true(test_has_line(err, line));
    /* Unlike an inventory pattern, one that matches nothing is an error:
     * templates are configuration, and the path is wrong. */
    expect_fail("template_files:\n"
                "  - /nonexistent/probed/templates/*.yaml\n",
                "2:5: template_files: /nonexistent/probed/templates/*.yaml matches no file");
    expect_fail("template_files: { codec: x }\n",
                "1:17: expected a value for a template file or pattern, got a mapping");
}

/* Errors in a template file name it, with line and column. */
static void test_errors_name_the_template_file(void **state)
{
    (void)state;
    make_dir("t");
    write_text("t/a.yaml", "codec:\n"
                           "  sevrity: important\n"
                           "  checks:\n"
                           "    - { id: ping, type: icmp, interval: 30 }\n"
                           "camera: { severity: minor, checks: [{ id: p, type: icmp }] }\n");
    load_text("template_files: t/*.yaml\n", -EINVAL);
    expect_error_in("t/a.yaml", "2:3: unknown key 'sevrity' in template (expected one of: "
                                "severity, checks, extends, override, remove_checks)");
    expect_error_in("t/a.yaml", "4:41: expected a duration such as 60s, 5m or 1h30m, got '30'");
    expect_error_in("t/a.yaml", "5:21: unknown severity 'minor' (configured: emergency, "
                                "important, general)");
    assert_int_equal(test_count_lines(err), 3);

    write_text("t/a.yaml", "codec:\n"
                           "  checks:\n"
                           "    - { id: ping, type: icmp\n");
    load_text("template_files: t/*.yaml\n", -EINVAL);
    expect_error_in("t/a.yaml", "4:1: did not find expected ',' or '}'");

    write_text("t/a.yaml", "- codec\n");
    load_text("template_files: t/*.yaml\n", -EINVAL);
    expect_error_in("t/a.yaml", "1:1: expected a mapping for a template file (template names to "
                                "templates), got a list");

    write_text("t/a.yaml", "templates:\n"
                           "  codec: { checks: [{ id: ping, type: icmp }] }\n");
    load_text("template_files: t/*.yaml\n", -EINVAL);
    expect_error_in("t/a.yaml", "1:1: a template file maps template names to templates "
                                "directly; write them without the 'templates:' key");

    /* Severities are the main file's: a template file may name its own. */
    write_text("t/a.yaml", "codec: { severity: p1, checks: [{ id: ping, type: icmp }] }\n");
    struct pd_config *cfg = load_text("sla:\n"
                                      "  default_severity: p1\n"
                                      "  severities: { p1: { mttr_max: 1h } }\n"
                                      "template_files: t/a.yaml\n",
                                      0);
    assert_string_equal(cfg->templates[0].severity, "p1");
    pd_config_free(cfg);

    /* An empty template file defines nothing. */
    write_text("t/a.yaml", "# nothing yet\n");
    cfg = load_text("template_files: t/a.yaml\n", 0);
    assert_int_equal(cfg->n_templates, 0);
    pd_config_free(cfg);
}

/* A name defined twice is an error naming both places, unless the later
 * one says override: true. */
static void test_duplicates_and_override(void **state)
{
    (void)state;
    char at[PATH_MAX + 64];
    make_dir("t");
    write_text("t/a.yaml", codec_yaml);
    write_text("t/b.yaml", "\ncodec: { checks: [{ id: ping, type: icmp }] }\n");
    load_text("template_files: t/*.yaml\n", -EINVAL);
    snprintf(at, sizeof(at), "%s/t/a.yaml:2:1", dir);
    expect_error_in("t/b.yaml", "2:1: template 'codec' is already defined at ");
    snprintf(line, sizeof(line),
             "%s/t/b.yaml:2:1: template 'codec' is already defined at %s; to replace it, write "
             "'override: true' in this one",
             dir, at);
    assert_true(test_has_line(err, line));
    assert_int_equal(test_count_lines(err), 1);

    /* The main file against a template file. */
    write_text("t/b.yaml", camera_yaml);
    expect_fail("template_files: t/*.yaml\n"
                "templates:\n"
                "  codec: { checks: [{ id: ping, type: icmp }] }\n",
                "");
    snprintf(line, sizeof(line),
             "%s:3:3: template 'codec' is already defined at %s; to replace it, write "
             "'override: true' in this one",
             main_path, at);
    assert_true(test_has_line(err, line));

    /* override: true replaces it, in its place, and says what it replaced. */
    struct pd_config *cfg = load_text("template_files: t/*.yaml\n"
                                      "templates:\n"
                                      "  codec:\n"
                                      "    override: true\n"
                                      "    severity: emergency\n"
                                      "    checks: [{ id: h323, type: tcp, port: 1720 }]\n"
                                      "targets:\n"
                                      "  - { id: c1, address: 10.0.0.1, type: codec, site: x }\n",
                                      0);
    assert_int_equal(cfg->n_templates, 2);
    const struct pd_template *codec = &cfg->templates[0];
    assert_string_equal(codec->name, "codec");
    assert_string_equal(codec->at.file, main_path);
    assert_int_equal(codec->at.line, 3);
    snprintf(at, sizeof(at), "%s/t/a.yaml", dir);
    assert_string_equal(codec->replaced.file, at);
    assert_int_equal(codec->replaced.line, 2);
    assert_string_equal(codec->severity, "emergency");
    assert_int_equal(codec->n_checks, 1);
    assert_string_equal(codec->checks[0].id, "h323");
    assert_ptr_equal(cfg->targets[0].tmpl, codec);
    char origin[2 * PATH_MAX];
    snprintf(line, sizeof(line), "%s:3:3, overrides %s/t/a.yaml:2:1", main_path, dir);
    assert_string_equal(pd_config_template_origin(codec, origin, sizeof(origin)), line);
    pd_config_free(cfg);

    /* A later template file may override an earlier one too. */
    write_text("t/b.yaml", "codec:\n"
                           "  override: yes\n"
                           "  checks: [{ id: ping, type: icmp }]\n");
    cfg = load_text("template_files: t/*.yaml\n", 0);
    assert_int_equal(cfg->n_templates, 1);
    assert_int_equal(cfg->templates[0].at.line, 1);
    assert_non_null(strstr(cfg->templates[0].at.file, "/t/b.yaml"));
    assert_non_null(strstr(cfg->templates[0].replaced.file, "/t/a.yaml"));
    pd_config_free(cfg);

    /* override: true that replaces nothing is a mistake. */
    expect_fail("template_files: t/a.yaml\n"
                "templates:\n"
                "  camera: { override: true, checks: [{ id: ping, type: icmp }] }\n",
                "3:23: override: template 'camera' replaces nothing: no template of that name "
                "is defined before this one");
    expect_fail("templates:\n"
                "  camera: { override: maybe, checks: [{ id: ping, type: icmp }] }\n",
                "2:23: expected true or false for override, got 'maybe'");
}

static void test_extends(void **state)
{
    (void)state;
    make_dir("t");
    write_text("t/codec.yaml", codec_yaml);
    struct pd_config *cfg =
        load_text("template_files: t/codec.yaml\n"
                  "templates:\n"
                  "  codec-fast:\n"
                  "    extends: codec\n"
                  "    checks:\n"
                  "      - { id: ping, interval: 10s, dscp: AF41, count: 3 }\n"
                  "      - { id: sip, interval: 20s, fail_after: 2 }\n"
                  "      - { id: media, type: rtp, interval: 60s, max_loss: 1 }\n"
                  "  core-codec: { extends: codec-fast, severity: emergency }\n"
                  "  codec-web:\n"
                  "    extends: codec\n"
                  "    checks: [{ id: web, type: tcp, port: 443, availability: true }]\n",
                  0);
    assert_int_equal(cfg->n_templates, 4);
    const struct pd_template *base = pd_config_template(cfg, "codec");
    const struct pd_template *fast = pd_config_template(cfg, "codec-fast");
    const struct pd_template *core = pd_config_template(cfg, "core-codec");
    const struct pd_template *web = pd_config_template(cfg, "codec-web");

    /* The base is unchanged. */
    assert_int_equal(base->n_checks, 2);
    assert_int_equal(check_of(base, "ping")->interval, S(30));
    assert_int_equal(check_of(base, "ping")->timeout, S(10));
    assert_string_equal(param_of(check_of(base, "ping"), "count"), "5");
    assert_null(param_of(check_of(base, "ping"), "dscp"));

    /* Severity inherited; checks merged by id, key by key, in the base's
     * order, new ones after. */
    assert_string_equal(fast->extends, "codec");
    assert_string_equal(fast->severity, "important");
    assert_int_equal(fast->n_checks, 3);
    assert_string_equal(fast->checks[0].id, "ping");
    assert_string_equal(fast->checks[1].id, "sip");
    assert_string_equal(fast->checks[2].id, "media");
    const struct pd_check_conf *ping = check_of(fast, "ping");
    assert_string_equal(ping->type, "icmp");
    assert_int_equal(ping->interval, S(10));
    assert_int_equal(ping->timeout, S(5)); /* defaulted in the base: again from the interval */
    assert_int_equal(ping->n_params, 2);
    assert_string_equal(param_of(ping, "count"), "3");
    assert_string_equal(param_of(ping, "dscp"), "AF41");
    assert_string_equal(param_at(ping, "count")->at.file, main_path);
    assert_int_equal(param_at(ping, "count")->at.line, 6);
    assert_int_equal(ping->availability, 1);
    const struct pd_check_conf *sip = check_of(fast, "sip");
    assert_int_equal(sip->interval, S(20));
    assert_int_equal(sip->timeout, S(5)); /* written in the base: kept */
    assert_int_equal(sip->fail_after, 2);
    assert_int_equal(sip->recover_after, 2);
    assert_string_equal(param_of(sip, "port"), "5060");
    assert_non_null(strstr(param_at(sip, "port")->at.file, "/t/codec.yaml"));
    assert_int_equal(param_at(sip, "port")->at.line, 6);
    assert_string_equal(check_of(fast, "media")->type, "rtp");

    /* A chain: severity set, the rest from codec-fast. */
    assert_string_equal(core->severity, "emergency");
    assert_int_equal(core->n_checks, 3);
    assert_int_equal(check_of(core, "ping")->interval, S(10));
    char origin[2 * PATH_MAX];
    snprintf(line, sizeof(line), "%s:9:3, extends codec-fast", main_path);
    assert_string_equal(pd_config_template_origin(core, origin, sizeof(origin)), line);

    /* An explicit availability check replaces the implicit choice of the
     * base's first icmp check. */
    assert_int_equal(check_of(web, "web")->availability, 1);
    assert_int_equal(check_of(web, "ping")->availability, 0);
    pd_config_free(cfg);

    expect_fail("template_files: t/codec.yaml\n"
                "templates:\n"
                "  a: { extends: codec, checks: [{ id: ping, type: tcp, port: 7 }] }\n",
                "3:51: check 'ping' of template 'codec' is of type icmp: a check that changes it "
                "cannot change its type (give this one another id)");
    expect_fail("templates:\n"
                "  a: { extends: b, checks: [{ id: ping, type: icmp }] }\n"
                "  b: { checks: [{ id: ping, type: icmp }] }\n",
                "2:17: extends 'b': no template of that name is defined before this one "
                "(defined: none)");
    expect_fail("template_files: t/codec.yaml\n"
                "templates:\n"
                "  a: { extends: codec, checks: [{ id: sip, interval: 5s }] }\n",
                "3:54: the timeout of check 'sip' of template 'codec' (5s) must be at most 90% of "
                "the interval (5s): set a shorter timeout here too");
    expect_fail("template_files: t/codec.yaml\n"
                "templates:\n"
                "  a:\n"
                "    extends: codec\n"
                "    checks:\n"
                "      - { id: sip, interval: 5s, timeout: 1s }\n"
                "      - { id: sip, port: 5061 }\n"
                "      - { id: new }\n",
                "7:15: duplicate check id 'sip' in template 'a' (first at line 6)");
    expect_error("8:9: missing required key 'type' in check");
    assert_int_equal(test_count_lines(err), 2);
    /* remove_checks: the base's checks left out; an id removed may be
     * written again, as a new check (of another type). */
    cfg = load_text("template_files: t/codec.yaml\n"
                    "templates:\n"
                    "  a: { extends: codec, remove_checks: [sip] }\n"
                    "  b: { extends: codec, remove_checks: ping }\n"
                    "  c:\n"
                    "    extends: codec\n"
                    "    remove_checks: [sip]\n"
                    "    checks: [{ id: sip, type: icmp, count: 2 }]\n",
                    0);
    const struct pd_template *a = pd_config_template(cfg, "a");
    assert_int_equal(a->n_checks, 1);
    assert_string_equal(a->checks[0].id, "ping");
    const struct pd_template *b = pd_config_template(cfg, "b");
    assert_int_equal(b->n_checks, 1);
    assert_string_equal(b->checks[0].id, "sip");
    assert_int_equal(b->checks[0].availability, 1); /* the first check now */
    const struct pd_template *c = pd_config_template(cfg, "c");
    assert_int_equal(c->n_checks, 2);
    assert_string_equal(check_of(c, "sip")->type, "icmp");
    assert_null(param_of(check_of(c, "sip"), "port"));
    assert_int_equal(check_of(c, "sip")->timeout, S(10));
    pd_config_free(cfg);
    expect_fail("template_files: t/codec.yaml\n"
                "templates:\n"
                "  a: { extends: codec, remove_checks: [sip, h323] }\n",
                "3:45: remove_checks: template 'codec' has no check 'h323' (its checks: ping, "
                "sip)");
    expect_fail("template_files: t/codec.yaml\n"
                "templates:\n"
                "  a: { extends: codec, remove_checks: [sip, sip] }\n",
                "3:45: remove_checks: check 'sip' is removed twice");
    expect_fail("template_files: t/codec.yaml\n"
                "templates:\n"
                "  a: { extends: codec, remove_checks: [sip, ping] }\n",
                "3:3: template 'a' has no check left: expected at least one");
    expect_fail("templates:\n"
                "  a: { remove_checks: [sip], checks: [{ id: ping, type: icmp }] }\n",
                "2:23: remove_checks is for a template that extends another");
    /* A base with errors is reported once, not a crash in the copy. */
    expect_fail("templates:\n"
                "  a: { checks: [{ type: icmp }, { id: x }] }\n"
                "  b: { extends: a, checks: [{ id: x, interval: 10s }] }\n",
                "2:17: missing required key 'id' in check");
    expect_error("2:33: missing required key 'type' in check");
    assert_int_equal(test_count_lines(err), 2);
    /* extends and override together: built on the definition it replaces. */
    cfg =
        load_text("template_files: t/codec.yaml\n"
                  "templates:\n"
                  "  codec: { override: true, extends: codec, checks: [{ id: ping, count: 9 }] }\n",
                  0);
    assert_int_equal(cfg->n_templates, 1);
    assert_int_equal(cfg->templates[0].n_checks, 2);
    assert_string_equal(param_of(check_of(&cfg->templates[0], "ping"), "count"), "9");
    assert_non_null(cfg->templates[0].replaced.file);
    pd_config_free(cfg);
}

/* A reload is a new load: the template files are read again, and a bad
 * one fails it (the daemon then keeps its running configuration). */
static void test_reload_reads_them_again(void **state)
{
    (void)state;
    make_dir("t");
    write_text("t/codec.yaml", codec_yaml);
    static const char main_yaml[] =
        "template_files: t/*.yaml\n"
        "targets: [{ id: c1, address: 10.0.0.1, type: codec, site: x }]\n";
    struct pd_config *cfg = load_text(main_yaml, 0);
    assert_int_equal(check_of(&cfg->templates[0], "ping")->interval, S(30));
    pd_config_free(cfg);

    write_text("t/codec.yaml", "codec:\n"
                               "  checks:\n"
                               "    - { id: ping, type: icmp, interval: 15s }\n");
    cfg = load_text(main_yaml, 0);
    assert_int_equal(check_of(&cfg->templates[0], "ping")->interval, S(15));
    pd_config_free(cfg);

    write_text("t/codec.yaml", "codec:\n"
                               "  checks:\n"
                               "    - { id: ping, type: icmp, interval: 15 }\n");
    load_text(main_yaml, -EINVAL);
    expect_error_in("t/codec.yaml", "3:41: expected a duration");
}

/* The shipped templates, as a user includes them: every one loads, binds
 * to the real plugins (which check every option) and is what
 * docs/templates.md says. A wrong key in a shipped file fails here. */
static const struct {
    const char *name, *severity;
    const char *checks; /* ids, in order; the availability checks marked '*' */
} shipped[] = {
    {"camera", "general", "ping* rtsp http"},      {"codec", "important", "ping* sip h323 snmp"},
    {"firewall", "important", "ping* snmp https"}, {"live-stream", "emergency", "stream*"},
    {"mcu", "emergency", "ping* sip* web snmp"},   {"router", "important", "ping* snmp ssh"},
    {"switch", "important", "ping* snmp ssh"},     {"web-portal", "emergency", "home*"},
};

static void bind_plugins(struct pd_config *cfg)
{
    struct pd_registry *reg = pd_registry_new(PD_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    int rc = pd_config_bind_plugins(cfg, reg, err, sizeof(err));
    if (rc != 0)
        print_error("%s", err);
    assert_int_equal(rc, 0);
    pd_registry_free(reg);
}

static void test_shipped_templates(void **state)
{
    (void)state;
    char text[4096];
    int n = snprintf(text, sizeof(text),
                     "plugins:\n"
                     "  snmp: { profiles: { default: { version: 2c, community: public } } }\n"
                     "template_files: [\"%s/contrib/templates/*.yaml\"]\n"
                     "targets:\n",
                     PD_TEST_SOURCE_DIR);
    for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "  - { id: t%zu, address: 10.0.0.%zu, type: %s, site: x }\n", i, i + 1,
                      shipped[i].name);
    struct pd_config *cfg = load_text(text, 0);
    assert_int_equal(cfg->n_templates, sizeof(shipped) / sizeof(shipped[0]));
    for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
        const struct pd_template *t = &cfg->templates[i];
        char ids[256] = "";
        assert_string_equal(t->name, shipped[i].name);
        assert_string_equal(t->severity, shipped[i].severity);
        /* One file per type, named after it. */
        snprintf(line, sizeof(line), "/contrib/templates/%s.yaml", t->name);
        assert_non_null(strstr(t->at.file, line));
        for (size_t c = 0; c < t->n_checks; c++) {
            const struct pd_check_conf *cc = &t->checks[c];
            size_t used = strlen(ids);
            snprintf(ids + used, sizeof(ids) - used, "%s%s%s", c ? " " : "", cc->id,
                     cc->availability ? "*" : "");
            /* Every value written out, so that the file says what it does. */
            assert_true(cc->timeout_written);
            assert_true(cc->availability_written);
        }
        assert_string_equal(ids, shipped[i].checks);
    }
    bind_plugins(cfg);
    pd_config_free(cfg);
}

/* text with its first from replaced by to, in a new string. */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    char *out = NULL;
    if (!at)
        fail_msg("no '%s' in the text", from);
    assert_true(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
    return out;
}

/* A check copied into templates that extend its own is checked in each,
 * but an error in it is reported once, at the place it is written. */
static void test_extended_errors_once(void **state)
{
    (void)state;
    make_dir("t");
    write_text("t/a.yaml", "a:\n"
                           "  checks:\n"
                           "    - { id: sip, type: tcp, prot: 5060 }\n");
    struct pd_config *cfg = load_text("template_files: t/a.yaml\n"
                                      "templates:\n"
                                      "  b: { extends: a }\n"
                                      "  c: { extends: a, checks: [{ id: sip, interval: 30s }] }\n",
                                      0);
    struct pd_registry *reg = pd_registry_new(PD_TEST_PLUGIN_DIR);
    assert_non_null(reg);
    assert_int_equal(pd_config_bind_plugins(cfg, reg, err, sizeof(err)), -EINVAL);
    pd_registry_free(reg);
    expect_error_in("t/a.yaml",
                    "3:29: unknown option 'prot' for check 'sip' (type tcp takes: port)");
    expect_error_in("t/a.yaml", "3:7: missing required option 'port' for check 'sip' (type tcp)");
    /* c's check is written in the main file: its missing port is there. */
    expect_error("4:29: missing required option 'port' for check 'sip' (type tcp)");
    assert_int_equal(test_count_lines(err), 3);
    pd_config_free(cfg);
}

/* contrib/probed.yaml, the packaged configuration, with the templates
 * where the package installs them replaced by the source tree's. */
static void test_contrib_example(void **state)
{
    (void)state;
    char *text = NULL, *out, path[PATH_MAX + 64];
    size_t len;
    snprintf(path, sizeof(path), "%s/contrib/probed.yaml", PD_TEST_SOURCE_DIR);
    assert_int_equal(pd_read_file(path, &text, &len, err, sizeof(err)), 0);
    char src[PATH_MAX];
    snprintf(src, sizeof(src), "%s/contrib/templates/", PD_TEST_SOURCE_DIR);
    out = replace(text, "/usr/share/probed/templates/", src);
    free(text);
    text = replace(out, "secrets: /etc/probed/secrets.yaml", "secrets: secrets.yaml");
    free(out);
    out = text;
    write_text("secrets.yaml", "snmp: { default: { community: public } }\n");
    snprintf(path, sizeof(path), "%s/secrets.yaml", dir);
    assert_int_equal(chmod(path, 0600), 0);
    struct pd_config *cfg = load_text(out, 0);
    free(out);
    assert_non_null(pd_config_template(cfg, "codec"));
    assert_non_null(pd_config_template(cfg, "web-portal"));
    bind_plugins(cfg);
    pd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_globs_and_relative_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_the_template_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_reads_them_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shipped_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extended_errors_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contrib_example, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
