#include "test_files.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <time.h>

#include <cmocka.h>

#include "config.h"
#include "web_addr.h"
#include "config_check.h"
#include "log.h"

static const struct pd_check_conf *check_of(const struct pd_template *t, const char *id)
{
    for (size_t i = 0; i < t->n_checks; i++)
        if (strcmp(t->checks[i].id, id) == 0)
            return &t->checks[i];
    fail_msg("no check %s", id);
    return NULL;
}

static const char *param_of(const struct pd_check_conf *c, const char *key)
{
    for (size_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].key, key) == 0)
            return c->params[i].value;
    return NULL;
}

static void test_full(void **state)
{
    (void)state;
    struct pd_config *cfg;
    char path[PATH_MAX], expect[PATH_MAX + 64];
    char *real_dir = realpath(PD_TEST_DATA_DIR "/config", NULL);

    snprintf(path, sizeof(path), "%s/config/full.yaml", PD_TEST_DATA_DIR);
    int rc = pd_config_load(path, &cfg, err, sizeof(err));
    if (rc)
        print_error("%s", err);
    assert_int_equal(rc, 0);
    assert_non_null(real_dir);

    assert_string_equal(cfg->path, path);
    snprintf(expect, sizeof(expect), "%s/data", real_dir);
    assert_string_equal(cfg->data_dir, expect);
    assert_string_equal(cfg->timezone, "Asia/Shanghai");
    assert_string_equal(cfg->user, "probed");
    assert_string_equal(cfg->pid_file, "/run/probed.pid");
    snprintf(expect, sizeof(expect), "%s/../plugins", real_dir);
    assert_string_equal(cfg->plugin_dir, expect);
    assert_int_equal(cfg->log_level, PD_LOG_DEBUG);
    assert_int_equal(cfg->log_syslog, 1);

    assert_int_equal(cfg->n_inventory, 2);
    snprintf(expect, sizeof(expect), "%s/../inventory/small.csv", real_dir);
    assert_string_equal(cfg->inventory[0], expect);
    snprintf(expect, sizeof(expect), "%s/../inventory/none-*.csv", real_dir);
    assert_string_equal(cfg->inventory[1], expect);
    assert_int_equal(cfg->n_files, 2);
    assert_string_equal(cfg->files[0], path);
    snprintf(expect, sizeof(expect), "%s/../inventory/small.csv", real_dir);
    assert_string_equal(cfg->files[1], expect);

    assert_true(cfg->sla_availability_min == 99.5);
    assert_int_equal(cfg->sla_mtbf_min, H(720));
    assert_string_equal(cfg->sla_default_severity, "important");
    assert_int_equal(cfg->n_severities, 3);
    assert_string_equal(cfg->severities[0].name, "emergency");
    assert_int_equal(cfg->severities[0].mttr_max, M(30));
    assert_string_equal(cfg->severities[1].name, "important");
    assert_int_equal(cfg->severities[1].mttr_max, M(25));
    assert_string_equal(cfg->severities[2].name, "general");
    assert_int_equal(cfg->severities[2].mttr_max, 0);

    assert_int_equal(cfg->n_rras, 3);
    assert_int_equal(cfg->rrd_write_delay, M(2));
    assert_int_equal(cfg->rras[0].step, 0);
    assert_int_equal(cfg->rras[0].keep, D(7));
    assert_int_equal(cfg->rras[0].cf, PD_CF_AVERAGE);
    assert_int_equal(cfg->rras[1].step, M(5));
    assert_int_equal(cfg->rras[1].keep, D(90));
    assert_int_equal(cfg->rras[1].cf, PD_CF_AVERAGE | PD_CF_MAX);
    assert_int_equal(cfg->rras[2].step, D(1));
    assert_int_equal(cfg->rras[2].keep, D(1825));
    assert_int_equal(cfg->rras[2].cf, PD_CF_LAST);

    assert_int_equal(cfg->queue_size, 4096);
    assert_int_equal(cfg->heartbeat, S(30));
    assert_int_equal(cfg->status_refresh, S(5));

    assert_int_equal(cfg->n_templates, 3);
    const struct pd_template *codec = pd_config_template(cfg, "codec");
    assert_ptr_equal(codec, &cfg->templates[0]);
    assert_string_equal(codec->severity, "emergency");
    assert_int_equal(codec->n_checks, 2);
    assert_int_equal(codec->at.line, 32);
    assert_int_equal(codec->at.col, 3);
    const struct pd_check_conf *ping = check_of(codec, "ping");
    assert_string_equal(ping->type, "icmp");
    assert_int_equal(ping->interval, S(10));
    assert_int_equal(ping->timeout, S(5));
    assert_int_equal(ping->fail_after, 3);
    assert_int_equal(ping->recover_after, 2);
    assert_int_equal(ping->availability, 1);
    assert_int_equal(ping->n_params, 1);
    assert_string_equal(param_of(ping, "count"), "5");
    assert_int_equal(ping->params[0].at.line, 35);
    assert_int_equal(ping->params[0].at.col, 48);
    const struct pd_check_conf *sip = check_of(codec, "sip");
    assert_string_equal(sip->type, "tcp");
    assert_int_equal(sip->interval, M(1));
    assert_int_equal(sip->timeout, S(3));
    assert_int_equal(sip->fail_after, 5);
    assert_int_equal(sip->recover_after, 1);
    assert_int_equal(sip->availability, 0);
    assert_string_equal(param_of(sip, "port"), "5060");
    assert_int_equal(sip->at.line, 36);
    assert_int_equal(sip->at.col, 9);

    const struct pd_template *sw = pd_config_template(cfg, "switch");
    assert_non_null(sw);
    assert_string_equal(sw->severity, "important"); /* the default_severity */
    assert_int_equal(check_of(sw, "web")->availability, 0);
    assert_int_equal(check_of(sw, "ssh")->availability, 1);
    const struct pd_template *ups = pd_config_template(cfg, "ups");
    assert_non_null(ups);
    assert_int_equal(ups->checks[0].interval, M(90));
    assert_int_equal(ups->checks[0].availability, 1); /* the first, no icmp */
    assert_null(pd_config_template(cfg, "router"));

    assert_int_equal(cfg->n_targets, 5);
    const struct pd_target_conf *t = &cfg->targets[0];
    assert_string_equal(t->id, "prov-mcu-01");
    assert_string_equal(t->name, "云媒体协作平台（省级）");
    assert_string_equal(t->address, "10.20.0.3");
    assert_string_equal(t->type, "codec");
    assert_string_equal(t->site, "guizhou/province");
    assert_ptr_equal(t->tmpl, codec);
    assert_string_equal(t->at.file, path);
    assert_int_equal(t->at.line, 49);
    assert_int_equal(t->at.col, 5);
    t = &cfg->targets[1];
    assert_string_equal(t->id, "core-sw");
    assert_string_equal(t->name, "core-sw");
    assert_string_equal(t->address, "sw1.example.net");
    assert_ptr_equal(t->tmpl, sw);
    t = &cfg->targets[2];
    assert_string_equal(t->name, "UPS, room 2");
    assert_string_equal(t->address, "2001:db8::10");
    assert_ptr_equal(t->tmpl, ups);
    t = &cfg->targets[3];
    assert_string_equal(t->id, "gy-codec-01");
    assert_string_equal(t->name, "贵阳市会议终端");
    assert_string_equal(t->at.file, cfg->files[1]);
    assert_int_equal(t->at.line, 2);
    t = &cfg->targets[4];
    assert_string_equal(t->id, "gy-sw-01");
    assert_string_equal(t->name, "贵阳市 \"核心\" 交换机");
    assert_int_equal(t->at.line, 5);
    assert_ptr_equal(t->tmpl, sw);

    pd_config_free(cfg);
    free(real_dir);
}

static void test_defaults(void **state)
{
    (void)state;
    struct pd_config *cfg =
        load_text("templates:\n"
                  "  host:\n"
                  "    checks:\n"
                  "      - { id: http, type: tcp, port: 80 }\n"
                  "      - { id: fast, type: tcp, port: 81, interval: 5s }\n"
                  "      - { id: ping, type: icmp, timeout: }\n"
                  "targets:\n"
                  "  - { id: web-1, address: 192.0.2.1, type: host, site: lab }\n",
                  0);
    assert_string_equal(cfg->data_dir, "/var/lib/probed");
    assert_string_equal(cfg->timezone, "UTC");
    assert_null(cfg->user);
    assert_null(cfg->pid_file);
    assert_null(cfg->plugin_dir);
    assert_int_equal(cfg->log_level, PD_LOG_INFO);
    assert_int_equal(cfg->log_syslog, 0);
    assert_int_equal(cfg->n_inventory, 0);
    assert_true(cfg->sla_availability_min == 95);
    assert_int_equal(cfg->sla_mtbf_min, H(360));
    assert_string_equal(cfg->sla_default_severity, "general");
    assert_int_equal(cfg->n_severities, 3);
    assert_string_equal(cfg->severities[0].name, "emergency");
    assert_int_equal(cfg->severities[0].mttr_max, M(60));
    assert_string_equal(cfg->severities[1].name, "important");
    assert_int_equal(cfg->severities[1].mttr_max, M(25));
    assert_string_equal(cfg->severities[2].name, "general");
    assert_int_equal(cfg->severities[2].mttr_max, M(15));
    assert_int_equal(cfg->n_rras, 4);
    assert_int_equal(cfg->rras[0].step, 0);
    assert_int_equal(cfg->rras[0].keep, D(2));
    assert_int_equal(cfg->rras[0].cf, PD_CF_AVERAGE);
    assert_int_equal(cfg->rras[1].step, M(5));
    assert_int_equal(cfg->rras[1].keep, D(14));
    assert_int_equal(cfg->rras[1].cf, PD_CF_AVERAGE | PD_CF_MIN | PD_CF_MAX);
    assert_int_equal(cfg->rras[2].step, H(1));
    assert_int_equal(cfg->rras[2].keep, D(90));
    assert_int_equal(cfg->rras[3].step, D(1));
    assert_int_equal(cfg->rras[3].keep, D(1825));
    assert_int_equal(cfg->queue_size, 65536);
    assert_int_equal(cfg->heartbeat, S(60));
    assert_int_equal(cfg->status_refresh, S(30));
    assert_int_equal(cfg->rrd_write_delay, S(60));

    const struct pd_template *host = &cfg->templates[0];
    assert_string_equal(host->severity, "general");
    const struct pd_check_conf *http = check_of(host, "http");
    assert_int_equal(http->interval, S(60));
    assert_int_equal(http->timeout, S(10));
    assert_int_equal(http->fail_after, 3);
    assert_int_equal(http->recover_after, 2);
    assert_int_equal(check_of(host, "fast")->timeout, 2500 * PD_MSEC); /* min(interval/2, 10s) */
    assert_int_equal(check_of(host, "ping")->timeout, S(10));          /* empty = absent */
    /* No check marked: the first icmp check decides availability. */
    assert_int_equal(http->availability, 0);
    assert_int_equal(check_of(host, "fast")->availability, 0);
    assert_int_equal(check_of(host, "ping")->availability, 1);

    assert_int_equal(cfg->n_targets, 1);
    assert_string_equal(cfg->targets[0].name, "web-1");
    assert_ptr_equal(cfg->targets[0].tmpl, host);
    pd_config_free(cfg);
}

static void test_empty_file(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text("# nothing yet\n", 0);
    assert_int_equal(cfg->n_templates, 0);
    assert_int_equal(cfg->n_targets, 0);
    assert_int_equal(cfg->n_severities, 3);
    assert_int_equal(cfg->n_rras, 4);
    pd_config_free(cfg);
}

static void test_relative_paths(void **state)
{
    (void)state;
    char cwd[PATH_MAX], expect[PATH_MAX + 32];
    struct pd_config *cfg;
    char *real = realpath(dir, NULL);

    write_text("main.yaml", "data_dir: var/data\npid_file: run/p.pid\ninventory: inv/*.csv\n");
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    int rc = pd_config_load("main.yaml", &cfg, err, sizeof(err));
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    snprintf(expect, sizeof(expect), "%s/var/data", real);
    assert_string_equal(cfg->data_dir, expect);
    snprintf(expect, sizeof(expect), "%s/run/p.pid", real);
    assert_string_equal(cfg->pid_file, expect);
    assert_int_equal(cfg->n_inventory, 1); /* a single pattern without a list */
    snprintf(expect, sizeof(expect), "%s/inv/*.csv", real);
    assert_string_equal(cfg->inventory[0], expect);
    pd_config_free(cfg);
    free(real);
}

static void test_chinese_names_round_trip(void **state)
{
    (void)state;
    write_text("sites.csv", "id,name,address,type,site\n"
                            "zy-cam-01,遵义市播州区会场摄像机①,10.20.5.7,cam,guizhou/zunyi\n");
    struct pd_config *cfg =
        load_text("templates:\n"
                  "  cam: { checks: [{ id: rtsp, type: tcp, port: 554 }] }\n"
                  "targets:\n"
                  "  - id: gy-rec-01\n"
                  "    name: \"录播服务器（贵阳）\\t\"\n"
                  "    address: 10.20.1.4\n"
                  "    type: cam\n"
                  "    site: guizhou/guiyang\n"
                  "  - { id: 黔, address: 10.20.1.5, type: cam, site: guizhou }\n"
                  "inventory: [sites.csv]\n",
                  -EINVAL);
    /* A tab is a control character; ids are ASCII. */
    expect_error("5:11: invalid name");
    expect_error("9:11: invalid target id '黔'");

    cfg = load_text("templates:\n"
                    "  cam: { checks: [{ id: rtsp, type: tcp, port: 554 }] }\n"
                    "targets:\n"
                    "  - { id: gy-rec-01, name: 录播服务器（贵阳）, address: 10.20.1.4, type: cam,"
                    " site: guizhou/guiyang }\n"
                    "inventory: [sites.csv]\n",
                    0);
    assert_int_equal(cfg->n_targets, 2);
    assert_string_equal(cfg->targets[0].name, "录播服务器（贵阳）");
    assert_string_equal(cfg->targets[1].name, "遵义市播州区会场摄像机①");
    pd_config_free(cfg);
}

static void test_syntax_error(void **state)
{
    (void)state;
    expect_fail("log: { level: debug\n"
                "storage: {}\n",
                "2:8: did not find expected ',' or '}' (while parsing a flow mapping at line 1:6)");
    expect_fail("a:\n  - b\n c: 1\n", "3:2: did not find expected key");
    expect_fail("user: \"x\n", "2:1: found unexpected end of stream");
    expect_fail("user: \xff\n", "1:7: invalid leading UTF-8 octet");
}

static void test_yaml_subset(void **state)
{
    (void)state;
    expect_fail("user: a\nuser: b\n", "2:1: duplicate key 'user' (first at line 1:1)");
    expect_fail("user: &u a\n", "1:7: anchors (&name) are not supported");
    expect_fail("log: { level: info }\nx: *u\n", "2:4: aliases (*name) are not supported");
    expect_fail("user: !!str a\n", "1:7: tags (tag:yaml.org,2002:str) are not supported");
    expect_fail("user: a\n---\nuser: b\n", "2:1: expected a single document");
    expect_fail("? [a]\n: 1\n", "1:3: a mapping key must be a plain value, not a list or mapping");
    expect_fail("user: \"a\\0b\"\n", "1:7: a NUL character is not allowed in a value");
    expect_fail("- a\n", "1:1: expected a mapping for the configuration, got a list");
}

/* web: the listening address, its defaults, and what is refused. */
static void test_web(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text("data_dir: /x\n", 0);
    assert_true(cfg->web.enabled);
    assert_string_equal(cfg->web.listen, "127.0.0.1:8080");
    assert_int_equal(cfg->web.threads, 4);
    assert_null(cfg->web.tls_cert);
    assert_null(cfg->web.users_file);
    assert_string_equal(cfg->web.realm, "probed");
    pd_config_free(cfg);
    cfg = load_text("web: { users_file: /etc/probed/users, realm: \"NOC Guizhou\" }\n", 0);
    assert_string_equal(cfg->web.users_file, "/etc/probed/users");
    assert_string_equal(cfg->web.realm, "NOC Guizhou");
    pd_config_free(cfg);
    cfg = load_text("web: { listen: \"[::1]:9090\", threads: 8, enabled: no }\n", 0);
    assert_string_equal(cfg->web.listen, "[::1]:9090");
    assert_int_equal(cfg->web.threads, 8);
    assert_false(cfg->web.enabled);
    pd_config_free(cfg);
    expect_fail("web: { listen: \"8080\" }\n",
                "1:16: web listen: '8080': expected ADDRESS:PORT, e.g. 127.0.0.1:8080, "
                "[::1]:8080 or *:8080");
    expect_fail("web: { listen: \"noc.example:80\" }\n",
                "1:16: web listen: 'noc.example:80': 'noc.example' is not an IP address, '*' "
                "or 'localhost'");
    expect_fail("web: { listen: \"*:65536\" }\n",
                "1:16: web listen: '*:65536': the port must be 1..65535");
    expect_fail("web: { threads: 1 }\n", "1:17: web threads must be between 2 and 64, got 1");
    expect_fail("web: { tls_cert: a.pem }\n",
                "1:6: web: tls_cert and tls_key go together (both PEM files, or neither)");
    expect_fail("web: { port: 80 }\n", "1:8: unknown key 'port' in web (expected one of: "
                                       "enabled, listen, threads, tls_cert, tls_key, "
                                       "users_file, realm)");
    expect_fail("web: { realm: 'a\"b' }\n", "1:15: web realm: expected 1 to 64 printable ASCII "
                                            "characters without \" or \\, got 'a\"b'");
    expect_fail("web: { users_file: [a] }\n",
                "1:20: expected a value for web users_file, got a list");

    static const struct {
        const char *text;
        int family, any;
        unsigned port;
    } ok[] = {
        {"127.0.0.1:8080", AF_INET, 0, 8080}, {"localhost:1", AF_INET, 0, 1},
        {"[fd00::1]:443", AF_INET6, 0, 443},  {"*:8080", AF_INET6, 1, 8080},
        {"[::]:8080", AF_INET6, 1, 8080},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct pd_web_addr a;
        char why[160] = "";
        assert_int_equal(pd_web_addr_parse(ok[i].text, &a, why, sizeof(why)), 0);
        assert_int_equal(a.ss.ss_family, ok[i].family);
        assert_int_equal(a.any, ok[i].any);
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a.ss;
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a.ss;
        assert_int_equal(ntohs(ok[i].family == AF_INET ? v4->sin_port : v6->sin6_port), ok[i].port);
    }
    static const char *const bad[] = {
        "",        ":80",    "1.2.3.4",   "1.2.3.4:",    "[::1]80",
        "[::1:80", "::1:80", "1.2.3.4:0", "1.2.3.4:80x", "1.2.3.256:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pd_web_addr a;
        char why[160] = "";
        if (pd_web_addr_parse(bad[i], &a, why, sizeof(why)) != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_true(why[0] != '\0');
    }
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_fail("data_dir: /x\n"
                "foo: 1\n",
                "2:1: unknown key 'foo' in the configuration (expected one of: data_dir, "
                "timezone, user, pid_file, plugin_dir, log, inventory, templates, "
                "template_files, targets, sla, rrd, storage, dns_refresh, dns_retry, plugins, "
                "systems, maintenance, secrets, "
                "web, alerts, inspection)");
    expect_fail("log: { level: info, colour: no }\n",
                "1:21: unknown key 'colour' in log (expected one of: level, target)");
    expect_fail("templates:\n"
                "  host:\n"
                "    sevrity: general\n"
                "    checks: [{ id: a, type: tcp }]\n",
                "3:5: unknown key 'sevrity' in template (expected one of: severity, checks, "
                "extends, override, remove_checks)");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: a, type: tcp }] }\n"
                "targets:\n"
                "  - { id: a, address: h, type: host, site: x, snmp: public }\n",
                "4:47: unknown key 'snmp' in target (expected one of: id, name, address, type, "
                "site, snmp_profile)");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: a, type: tcp }] }\n"
                "targets:\n"
                "  - { id: a, address: h, type: host, site: x, snmp_profile: core }\n",
                "4:61: unknown SNMP profile 'core': no profile of that name in "
                "plugins.snmp.profiles (none defined)");
    expect_fail("sla: { mttr: 1h }\n", "1:8: unknown key 'mttr' in sla");
    expect_fail("rrd: { rras: [{ keep: 1d, rows: 5 }] }\n", "1:27: unknown key 'rows' in rra");
    expect_fail("storage: { size: 5 }\n", "1:12: unknown key 'size' in storage");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_fail("log: [debug]\n", "1:6: expected a mapping for log, got a list");
    expect_fail("user: { name: x }\n", "1:7: expected a value for user, got a mapping");
    expect_fail("templates: [a, b]\n", "1:12: expected a mapping for templates, got a list");
    expect_fail("targets: { a: 1 }\n", "1:10: expected a list for targets, got a mapping");
    expect_fail("storage: { queue_size: lots }\n",
                "1:24: expected an integer for queue_size, got 'lots'");
    expect_fail("storage: { queue_size: 100 }\n",
                "1:24: queue_size must be between 1024 and 16777216, got 100");
    expect_fail("sla: { availability_min: 101 }\n",
                "1:26: expected a percentage 0..100 for availability_min, got '101'");
    expect_fail("log: { level: loud }\n",
                "1:15: unknown log level 'loud' (expected one of: error, warning, notice, info, "
                "debug)");
    expect_fail("log: { target: file }\n",
                "1:16: unknown log target 'file' (expected stderr or syslog)");
    expect_fail("user: \"\"\n", "1:7: expected a non-empty value for user");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: a, type: tcp, availability: maybe, hosts: {a: b} }] }\n",
                "2:54: expected true or false for availability, got 'maybe'");
    expect_error("2:68: option 'hosts' must be a value or a list of values, not a mapping");
}

static void test_bad_durations(void **state)
{
    (void)state;
    expect_fail("templates:\n"
                "  host:\n"
                "    checks:\n"
                "      - id: sip\n"
                "        type: tcp\n"
                "        interval: 60\n",
                "6:19: expected a duration such as 60s, 5m or 1h30m, got '60'");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: a, type: tcp, interval: 500ms }] }\n",
                "2:50: interval must be between 1s and 1d, got 500ms");
    expect_fail("storage: { heartbeat: 1h }\n",
                "1:23: heartbeat must be between 1s and 10m, got 1h");
    expect_fail("sla: { mtbf_min: -5h }\n",
                "1:18: expected a duration such as 60s, 5m or 1h30m, got '-5h'");
}

static void test_duration_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        pd_ns ns;
    } ok[] = {
        {"500ms", 500 * PD_MSEC}, {"10s", S(10)}, {"5m", M(5)},     {"1h30m", M(90)},
        {"14d", D(14)},           {"2w", D(14)},  {"1m30s", S(90)}, {"0s", 0},
        {"1d12h", H(36)},         {"90s", S(90)}, {"0", 0},         {"250us", 250000},
    };
    static const char *const bad[] = {
        "",
        "60",
        "-5s",
        "5",
        "s",
        "5 s",
        " 5s",
        "5s ",
        "1.5h",
        "5x",
        "5mo",
        "5S",
        "1h30",
        "99999999999999999999s",
        "9223372036854775807s",
        "300000w",
        "+5s",
    };
    pd_ns ns;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(pd_duration_parse(ok[i].text, &ns), 0);
        assert_int_equal(ns, ok[i].ns);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pd_duration_parse(bad[i], &ns) != -EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
    }
    assert_int_equal(pd_duration_parse(NULL, &ns), -EINVAL);
}

static void test_id_syntax(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "a",         "0",    "web-1",
        "gy.rec_01", "a..b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    static const char *const bad[] = {
        "",   ".",   "..",
        "-x", "_x",  ".hidden",
        "A",  "a b", "a/b",
        "é",  "a\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(pd_id_valid(ok[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pd_id_valid(bad[i]))
            fail_msg("'%s' was accepted", bad[i]);
    assert_false(pd_id_valid(NULL));

    assert_true(pd_site_valid("guizhou"));
    assert_true(pd_site_valid("guizhou/guiyang/qingzhen"));
    assert_false(pd_site_valid(""));
    assert_false(pd_site_valid("/guizhou"));
    assert_false(pd_site_valid("guizhou/"));
    assert_false(pd_site_valid("guizhou//guiyang"));
    assert_false(pd_site_valid("guizhou/.."));
    assert_false(pd_site_valid("Guizhou"));
    assert_false(pd_site_valid(NULL));
}

static void test_bad_ids(void **state)
{
    (void)state;
    expect_fail("templates:\n"
                "  host: { checks: [{ id: Ping, type: icmp }] }\n",
                "2:26: invalid check id 'Ping': expected 1..64 characters of a-z, 0-9, '.', '_', "
                "'-', starting with a letter or digit");
    expect_fail("templates:\n"
                "  ../x: { checks: [{ id: ping, type: icmp }] }\n",
                "2:3: invalid template name '../x'");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: ping, type: ICMP }] }\n",
                "2:38: invalid check type 'ICMP'");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: ping, type: icmp }, { id: ping, type: tcp }] }\n",
                "2:52: duplicate check id 'ping' in template 'host' (first at line 2)");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: ping, type: icmp }] }\n"
                "targets:\n"
                "  - { id: .., address: h, type: host, site: x }\n",
                "4:11: invalid target id '..'");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: ping, type: icmp }] }\n"
                "targets:\n"
                "  - { id: a, address: 10.0.0.256, type: host, site: x/../y }\n",
                "4:23: invalid address '10.0.0.256': expected an IPv4 or IPv6 address or a host "
                "name");
    expect_error("4:53: invalid site 'x/../y': expected ids joined by '/', such as "
                 "guizhou/guiyang");
}

static void test_duplicate_targets(void **state)
{
    (void)state;
    char csv[PATH_MAX], other[PATH_MAX], line[4 * PATH_MAX];
    const char *rows = "id,address,type,site\n"
                       "a,10.0.0.1,host,x\n"
                       "b,10.0.0.2,host,x\n";
    assert_int_equal(test_write(dir, "1.csv", rows, strlen(rows), csv), 0);
    rows = "site,type,address,id\n"
           "x,host,10.0.0.3,c\n"
           "x,host,10.0.0.4,a\n";
    assert_int_equal(test_write(dir, "2.csv", rows, strlen(rows), other), 0);
    load_text("templates:\n"
              "  host: { checks: [{ id: ping, type: icmp }] }\n"
              "targets:\n"
              "  - { id: b, address: 10.0.0.9, type: host, site: x }\n"
              "  - { id: c, address: 10.0.0.9, type: host, site: x }\n"
              "  - { id: c, address: 10.0.0.9, type: host, site: x }\n"
              "inventory: [\"*.csv\"]\n",
              -EINVAL);
    expect_error("6:11: duplicate target id 'c' (first defined at ");
    snprintf(line, sizeof(line), "%s:3:1: duplicate target id 'b' (first defined at %s:4)", csv,
             main_path);
    assert_true(test_has_line(err, line));
    snprintf(line, sizeof(line), "%s:2:17: duplicate target id 'c' (first defined at %s:5)", other,
             main_path);
    assert_true(test_has_line(err, line));
    snprintf(line, sizeof(line), "%s:3:17: duplicate target id 'a' (first defined at %s:2)", other,
             csv);
    assert_true(test_has_line(err, line));
    assert_int_equal(test_count_lines(err), 4);
}

static void test_references(void **state)
{
    (void)state;
    expect_fail("templates:\n"
                "  host: { checks: [{ id: ping, type: icmp }] }\n"
                "targets:\n"
                "  - { id: r1, address: 10.0.0.1, type: router, site: x }\n",
                "4:40: unknown type 'router': no template of that name (templates: host)");
    expect_fail("templates:\n"
                "  host: { severity: urgent, checks: [{ id: ping, type: icmp }] }\n",
                "2:21: unknown severity 'urgent' (configured: emergency, important, general)");
    expect_fail("sla: { default_severity: low }\n",
                "1:26: unknown severity 'low' for default_severity (configured: emergency, "
                "important, general)");
    expect_fail("sla:\n"
                "  severities: { p1: { mttr_max: 1h }, p2: {} }\n",
                "2:15: unknown severity 'general' for default_severity (configured: p1, p2)");
    struct pd_config *cfg = load_text("sla:\n"
                                      "  default_severity: p2\n"
                                      "  severities: { p1: { mttr_max: 1h }, p2: }\n",
                                      0);
    assert_int_equal(cfg->n_severities, 2);
    assert_int_equal(cfg->severities[0].mttr_max, H(1));
    assert_int_equal(cfg->severities[1].mttr_max, 0);
    pd_config_free(cfg);
}

static void test_timeout_and_ranges(void **state)
{
    (void)state;
    expect_fail("templates:\n"
                "  host:\n"
                "    checks:\n"
                "      - { id: sip, type: tcp, interval: 5s, timeout: 5s }\n",
                "4:54: timeout (5s) must be at most 90% of the interval (5s), so that a round "
                "ends before the next one starts");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: a, type: tcp, timeout: 0s }] }\n",
                "2:49: timeout must be between 1ms and 1d, got 0s");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: a, type: tcp, fail_after: 0, recover_after: 101 }] }\n",
                "2:52: fail_after must be between 1 and 100, got 0");
    expect_error("2:70: recover_after must be between 1 and 100, got 101");
    expect_fail("templates:\n"
                "  host: { checks: [] }\n",
                "2:19: expected at least one check");
}

static void test_missing_keys(void **state)
{
    (void)state;
    expect_fail("templates:\n"
                "  host: { checks: [{ type: tcp, port: 1 }] }\n",
                "2:20: missing required key 'id' in check");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: x }] }\n",
                "2:20: missing required key 'type' in check");
    expect_fail("templates:\n"
                "  host: { severity: general }\n",
                "2:9: missing required key 'checks' in template");
    expect_fail("templates:\n"
                "  host: { checks: [{ id: ping, type: icmp }] }\n"
                "targets:\n"
                "  - id: a\n"
                "    type: host\n",
                "4:5: missing required key 'address' in target");
    expect_error("4:5: missing required key 'site' in target");
    expect_fail("rrd: { rras: [{ step: 5m }] }\n", "1:15: missing required key 'keep' in rra");
}

static void test_rrd(void **state)
{
    (void)state;
    expect_fail("rrd: { rras: [{ step: 5m, keep: 5m }] }\n",
                "1:33: keep (5m) must be longer than step (5m)");
    expect_fail("rrd: { rras: [{ step: 1x, keep: 1d, cf: [AVERAGE, MEDIAN] }] }\n",
                "1:51: unknown consolidation function 'MEDIAN' (expected AVERAGE, MIN, MAX or "
                "LAST)");
    expect_fail("rrd: { rras: [{ step: 1500ms, keep: 1d }] }\n",
                "1:23: step must be a whole number of seconds, got 1500ms");
    expect_fail("rrd: { rras: [] }\n", "1:14: expected at least one archive in rras");
    expect_fail("rrd: { rras: [{ keep: 1h }] }\n"
                "templates:\n"
                "  host: { checks: [{ id: a, type: tcp, interval: 2h }] }\n",
                "1:23: keep (1h) of a 1x archive must be longer than the longest check interval "
                "(2h)");
}

static void test_timezone(void **state)
{
    (void)state;
    expect_fail("timezone: Mars/Olympus\n",
                "1:11: unknown time zone 'Mars/Olympus': expected an IANA name such as "
                "Asia/Shanghai or UTC");
    expect_fail("timezone: ../../../etc/passwd\n", "1:11: unknown time zone '../../../etc/passwd'");
    expect_fail("timezone: /etc/passwd\n", "1:11: unknown time zone '/etc/passwd'");
    expect_fail("timezone: Asia\n", "1:11: unknown time zone 'Asia'"); /* a directory */
    struct pd_config *cfg = load_text("timezone: Asia/Shanghai\n", 0);
    assert_string_equal(cfg->timezone, "Asia/Shanghai");
    pd_config_free(cfg);
}

static void test_inventory_paths(void **state)
{
    (void)state;
    char line[4 * PATH_MAX];
    expect_fail("inventory: [inv/devices.csv]\n", "1:13: inventory file ");
    snprintf(line, sizeof(line),
             "%s:1:13: inventory file %s/inv/devices.csv: No such file or directory", main_path,
             dir);
    assert_true(test_has_line(err, line));
    /* A pattern that matches nothing is an empty inventory. */
    struct pd_config *cfg = load_text("inventory: [\"inv/*.csv\", \"inv/dev-?.csv\"]\n", 0);
    assert_int_equal(cfg->n_inventory, 2);
    assert_int_equal(cfg->n_targets, 0);
    pd_config_free(cfg);
}

static void test_io_errors(void **state)
{
    (void)state;
    struct pd_config *cfg = (struct pd_config *)1;
    char path[PATH_MAX + 16], line[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/absent.yaml", dir);
    assert_int_equal(pd_config_load(path, &cfg, err, sizeof(err)), -ENOENT);
    assert_null(cfg);
    snprintf(line, sizeof(line), "%s: No such file or directory\n", path);
    assert_string_equal(err, line);

    assert_int_equal(pd_config_load(dir, &cfg, err, sizeof(err)), -EISDIR);
    assert_null(cfg);
}

static void test_many_errors_at_once(void **state)
{
    (void)state;
    load_text("timezone: Nowhere\n"
              "log: { level: loud }\n"
              "templates:\n"
              "  host: { checks: [{ id: a, type: tcp, interval: 1 }] }\n"
              "targets:\n"
              "  - { id: A, address: 10.0.0.1, type: host, site: x }\n",
              -EINVAL);
    expect_error("1:11: unknown time zone 'Nowhere'");
    expect_error("2:15: unknown log level 'loud'");
    expect_error("4:50: expected a duration such as 60s, 5m or 1h30m, got '1'");
    expect_error("6:11: invalid target id 'A'");
    assert_int_equal(test_count_lines(err), 4);

    /* Past PD_CONFIG_MAX_ERRORS the rest are dropped. */
    char text[8192] = "templates:\n  host: { checks: [{ id: a, type: tcp }] }\ntargets:\n";
    for (int i = 0; i < 50; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof(text) - used,
                 "  - { id: T%d, address: 10.0.0.1, type: host, site: x }\n", i);
    }
    load_text(text, -EINVAL);
    assert_int_equal(test_count_lines(err), PD_CONFIG_MAX_ERRORS);
    expect_error("4:11: invalid target id 'T0'");

    /* A small buffer is cut, never overrun. */
    char small[40];
    struct pd_config *cfg;
    memset(small, 'x', sizeof(small));
    assert_int_equal(pd_config_load(main_path, &cfg, small, sizeof(small)), -EINVAL);
    assert_true(strlen(small) < sizeof(small));
}

/* 10,000 targets in the YAML file and 10,000 in a CSV file load, and a
 * duplicate at the very end is still found (the id index is a hash). */
static void test_ten_thousand_targets(void **state)
{
    (void)state;
    size_t cap = 2 << 20, used;
    char *yaml = malloc(cap), *csv = malloc(cap);
    char path[PATH_MAX];
    assert_non_null(yaml);
    assert_non_null(csv);
    used = (size_t)snprintf(yaml, cap,
                            "templates:\n"
                            "  host: { checks: [{ id: ping, type: icmp }] }\n"
                            "inventory: [big.csv]\n"
                            "targets:\n");
    for (int i = 0; i < 10000; i++)
        used += (size_t)snprintf(yaml + used, cap - used,
                                 "  - { id: y%05d, name: 设备%d, address: 10.1.%d.%d, type: host,"
                                 " site: guizhou/s%d }\n",
                                 i, i, i / 250, i % 250, i % 100);
    used = (size_t)snprintf(csv, cap, "id,name,address,type,site\n");
    for (int i = 0; i < 10000; i++)
        used += (size_t)snprintf(csv + used, cap - used, "c%05d,设备%d,h%d.example.net,host,x\n", i,
                                 i, i);
    assert_int_equal(test_write(dir, "big.csv", csv, used, path), 0);

    struct pd_config *cfg = load_text(yaml, 0);
    assert_int_equal(cfg->n_targets, 20000);
    assert_string_equal(cfg->targets[9999].id, "y09999");
    assert_string_equal(cfg->targets[19999].id, "c09999");
    pd_config_free(cfg);

    used = strlen(csv);
    snprintf(csv + used, cap - used, "y00000,again,10.0.0.1,host,x\n");
    assert_int_equal(test_write(dir, "big.csv", csv, strlen(csv), path), 0);
    load_text(yaml, -EINVAL);
    assert_int_equal(test_count_lines(err), 1);
    assert_true(strstr(err, ":10002:1: duplicate target id 'y00000' (first defined at ") != NULL);
    free(yaml);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chinese_names_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_subset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_durations, setup, teardown),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_id_syntax),
        cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timezone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_errors_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ten_thousand_targets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
