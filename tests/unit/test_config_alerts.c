/* `alerts:` of the configuration: timing, channels, routes, and their
 * secrets from the secrets file. */
#include "config_check.h"

#include <string.h>
#include <sys/stat.h>

#define SECRET "S3cr3t-never-shown"

/* Templates, a system and the default severities for routes to name. */
static const char base[] = "templates:\n"
                           "  codec: { checks: [ { id: ping, type: icmp } ] }\n"
                           "  camera: { checks: [ { id: ping, type: icmp } ] }\n"
                           "targets:\n"
                           "  - { id: gy-codec-01, name: 贵阳市会议终端01, address: 192.0.2.1,"
                           " type: codec, site: guizhou/guiyang }\n"
                           "systems:\n"
                           "  video: { members: [gy-codec-01] }\n";

/* base + text as main.yaml. */
static struct pd_config *load_alerts(const char *text, int expect)
{
    static char buf[8192];
    snprintf(buf, sizeof(buf), "%s%s", base, text);
    return load_text(buf, expect);
}

/* Lines of base, for the line numbers of errors. */
#define L0 7

static void expect_alerts_error(const char *text, int line, const char *rest)
{
    char want[1024];
    load_alerts(text, -EINVAL);
    snprintf(want, sizeof(want), "%d:%s", L0 + line, rest);
    expect_error(want);
    assert_null(strstr(err, SECRET));
    err[0] = '\0';
}

static void write_secrets(const char *text, mode_t mode)
{
    char path[PATH_MAX + 16];
    write_text("secrets.yaml", text);
    snprintf(path, sizeof(path), "%s/secrets.yaml", dir);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_defaults(void **state)
{
    (void)state;
    struct pd_config *cfg = load_text("# nothing\n", 0);
    const struct pd_alerts_conf *a = &cfg->alerts;
    assert_int_equal(a->group_wait, S(10));
    assert_int_equal(a->group_interval, S(30));
    assert_int_equal(a->remind_every, H(1));
    assert_int_equal(a->flap_window, M(10));
    assert_int_equal(a->flap_changes, 6);
    assert_int_equal(a->retry_min, S(5));
    assert_int_equal(a->retry_max, M(5));
    assert_int_equal(a->expire, H(24));
    assert_int_equal(a->n_channels, 0);
    assert_int_equal(a->n_routes, 0);
    assert_null(pd_config_channel(cfg, "noc"));
    assert_null(pd_config_route(cfg, "all"));
    pd_config_free(cfg);
}

static void test_full(void **state)
{
    (void)state;
    struct pd_config *cfg = load_alerts(
        "alerts:\n"
        "  group_wait: 30s\n"
        "  group_interval: 2m\n"
        "  remind_every: 0\n"
        "  flapping: { window: 20m, changes: 4 }\n"
        "  retry: { min: 10s, max: 10m, expire: 12h }\n"
        "  channels:\n"
        "    - { id: noc, type: webhook, url: \"http://127.0.0.1:9000/hook\", timeout: 3s }\n"
        "    - { id: wecom, type: wecom, url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/"
        "send?key=k\" }\n"
        "    - { id: ding, type: dingtalk, url: \"https://oapi.dingtalk.com/robot/send?"
        "access_token=t\", secret: \"" SECRET "\", insecure: true, ca_file: ca.pem }\n"
        "    - id: mail\n"
        "      type: email\n"
        "      url: smtp://mail.example.cn:587\n"
        "      user: noc\n"
        "      password: \"" SECRET "\"\n"
        "      from: probed@example.cn\n"
        "      to: [a@example.cn, b@example.cn]\n"
        "    - { id: mail2, type: email, url: \"smtps://mail.example.cn\", starttls: false,"
        " from: p@example.cn, to: c@example.cn }\n"
        "  routes:\n"
        "    - { id: emergency, severity: [emergency], site: [guizhou/guiyang], type: [codec],"
        " system: [video], channels: [wecom, mail], recoveries: false }\n"
        "    - { id: all, severity: general, channels: noc }\n",
        0);
    const struct pd_alerts_conf *a = &cfg->alerts;
    assert_int_equal(a->group_wait, S(30));
    assert_int_equal(a->group_interval, S(120));
    assert_int_equal(a->remind_every, 0);
    assert_int_equal(a->flap_window, M(20));
    assert_int_equal(a->flap_changes, 4);
    assert_int_equal(a->retry_min, S(10));
    assert_int_equal(a->retry_max, M(10));
    assert_int_equal(a->expire, H(12));
    assert_int_equal(a->n_channels, 5);

    const struct pd_channel_conf *ch = pd_config_channel(cfg, "noc");
    assert_ptr_equal(ch, &a->channels[0]);
    assert_int_equal(ch->type, PD_CHANNEL_WEBHOOK);
    assert_string_equal(ch->url, "http://127.0.0.1:9000/hook");
    assert_int_equal(ch->timeout, S(3));
    assert_null(ch->secret);
    assert_int_equal(ch->insecure, 0);
    assert_string_equal(pd_config_channel_type_name(ch->type), "webhook");

    ch = pd_config_channel(cfg, "wecom");
    assert_int_equal(ch->type, PD_CHANNEL_WECOM);
    assert_int_equal(ch->timeout, S(10));

    ch = pd_config_channel(cfg, "ding");
    assert_int_equal(ch->type, PD_CHANNEL_DINGTALK);
    assert_string_equal(ch->secret, SECRET);
    assert_int_equal(ch->insecure, 1);
    assert_non_null(strstr(ch->ca_file, "/ca.pem"));
    assert_true(ch->ca_file[0] == '/');

    ch = pd_config_channel(cfg, "mail");
    assert_int_equal(ch->type, PD_CHANNEL_EMAIL);
    assert_int_equal(ch->starttls, 1);
    assert_string_equal(ch->user, "noc");
    assert_string_equal(ch->password, SECRET);
    assert_string_equal(ch->from, "probed@example.cn");
    assert_int_equal(ch->n_to, 2);
    assert_string_equal(ch->to[0], "a@example.cn");
    assert_string_equal(ch->to[1], "b@example.cn");
    assert_int_equal(ch->at.line, L0 + 11);

    ch = pd_config_channel(cfg, "mail2");
    assert_int_equal(ch->starttls, 0);
    assert_null(ch->user);
    assert_int_equal(ch->n_to, 1);
    assert_string_equal(ch->to[0], "c@example.cn");

    assert_int_equal(a->n_routes, 2);
    const struct pd_route_conf *r = pd_config_route(cfg, "emergency");
    assert_ptr_equal(r, &a->routes[0]);
    assert_int_equal(r->n_severities, 1);
    assert_string_equal(r->severities[0], "emergency");
    assert_int_equal(r->n_sites, 1);
    assert_string_equal(r->sites[0], "guizhou/guiyang");
    assert_int_equal(r->n_types, 1);
    assert_string_equal(r->types[0], "codec");
    assert_int_equal(r->n_systems, 1);
    assert_string_equal(r->systems[0], "video");
    assert_int_equal(r->n_channels, 2);
    assert_string_equal(r->channels[0], "wecom");
    assert_string_equal(r->channels[1], "mail");
    assert_int_equal(r->recoveries, 0);

    r = pd_config_route(cfg, "all");
    assert_int_equal(r->n_severities, 1);
    assert_int_equal(r->n_sites + r->n_types + r->n_systems, 0);
    assert_int_equal(r->n_channels, 1);
    assert_string_equal(r->channels[0], "noc");
    assert_int_equal(r->recoveries, 1);
    assert_null(pd_config_route(cfg, "none"));
    pd_config_free(cfg);
}

static void test_errors(void **state)
{
    (void)state;
    expect_fail("alerts: [a]\n", "1:9: expected a mapping for alerts");
    err[0] = '\0';
    expect_alerts_error("alerts: { colour: red }\n", 1,
                        "11: unknown key 'colour' in alerts (expected one of: group_wait, "
                        "group_interval, remind_every, flapping, retry, channels, routes)");
    expect_alerts_error("alerts: { remind_every: 30s }\n", 1,
                        "25: remind_every must be at least 1m, or 0 for no reminders");
    expect_alerts_error("alerts: { flapping: { changes: 1 } }\n", 1,
                        "32: flapping changes must be between 2 and 1000");
    expect_alerts_error("alerts: { flapping: { every: 1m } }\n", 1,
                        "23: unknown key 'every' in alerts flapping");
    expect_alerts_error("alerts: { retry: { min: 10m, max: 5m } }\n", 1,
                        "35: retry min (10m) must not exceed retry max (5m)");
    expect_alerts_error("alerts: { retry: { min: 10m } }\n", 1,
                        "18: retry min (10m) must not exceed retry max (5m)");
    expect_alerts_error("alerts: { channels: { id: x } }\n", 1,
                        "21: expected a list for alerts channels");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: slack, url: \"http://x\" }\n",
                        3,
                        "24: channel 'noc': unknown type 'slack' (expected webhook, wecom, "
                        "dingtalk or email)");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, url: \"http://x\" }\n",
                        3, "7: missing required key 'type' in channel 'noc'");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: NOC, type: webhook, url: \"http://x\" }\n",
                        3, "13: invalid channel id 'NOC'");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: webhook, url: \"http://x\" }\n"
                        "    - { id: noc, type: wecom, url: \"http://y\" }\n",
                        4, "13: duplicate channel id 'noc' (first at line 10)");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: webhook, url: \"smtp://x?key=" SECRET "\" }\n",
                        3,
                        "38: channel 'noc' url: a channel of type webhook needs an http:// or "
                        "https:// URL");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: webhook, url: \"https:///path\" }\n",
                        3, "38: channel 'noc' url: a channel of type webhook needs");
    expect_alerts_error(
        "alerts:\n"
        "  channels:\n"
        "    - { id: m, type: email, url: \"https://x\", from: a@b.cn, to: c@d.cn }\n",
        3, "34: channel 'm' url: a channel of type email needs an smtp:// or smtps:// URL");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: m, type: email, url: \"smtp://x\", to: c@d.cn }\n",
                        3, "7: missing required key 'from' in e-mail channel 'm'");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: m, type: email, url: \"smtp://x\", from: a@b.cn }\n",
                        3, "7: missing required key 'to' in e-mail channel 'm'");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: m, type: email, url: \"smtp://x\", from: a@b.cn, to: [] }\n",
                        3, "64: channel to recipient: expected at least one value");
    expect_alerts_error(
        "alerts:\n"
        "  channels:\n"
        "    - { id: m, type: email, url: \"smtp://x\", from: nobody, to: c@d.cn }\n",
        3, "52: channel 'm' from: expected an address such as probed@example.cn");
    expect_alerts_error(
        "alerts:\n"
        "  channels:\n"
        "    - { id: m, type: email, url: \"smtp://x\", from: a@b.cn, to: [c@d.cn, \"x y@z\"] }\n",
        3, "73: channel to: unknown or invalid recipient 'x y@z'");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: webhook, url: \"http://x\", secret: \"" SECRET
                        "\" }\n",
                        3, "58: channel 'noc': 'secret' is not a setting of a webhook channel");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: wecom, url: \"http://x\", to: a@b.cn }\n",
                        3, "52: channel 'noc': 'to' is not a setting of a wecom channel");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: noc, type: webhook, url: \"http://x\", timeout: 0s }\n",
                        3, "59: channel timeout must be between 1s and 5m");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: m, type: email, url: \"smtp://x\", from: a@b.cn, to: c@d.cn,"
                        " user: noc }\n",
                        3, "7: channel 'm': user is set but no password");
    expect_alerts_error("alerts:\n"
                        "  channels:\n"
                        "    - { id: m, type: email, url: \"smtp://x\", from: a@b.cn, to: c@d.cn,"
                        " password: \"" SECRET "\" }\n",
                        3, "7: channel 'm': a password without a user");

    /* Routes. */
    static const char channels[] = "alerts:\n"
                                   "  channels:\n"
                                   "    - { id: noc, type: webhook, url: \"http://x\" }\n"
                                   "  routes:\n";
    char text[1024];
#define ROUTE(line) (snprintf(text, sizeof(text), "%s%s", channels, line), text)
    expect_alerts_error(ROUTE("    - { id: r, channels: [noc, pager] }\n"), 5,
                        "32: route 'r': unknown or invalid channel 'pager' (expected a channel "
                        "id; configured: noc)");
    expect_alerts_error(ROUTE("    - { id: r }\n"), 5,
                        "7: missing required key 'channels' in route 'r' (configured channels: "
                        "noc)");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc, severity: [urgent] }\n"), 5,
                        "42: route 'r': unknown or invalid severity 'urgent' (expected one of: "
                        "emergency, important, general)");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc, system: portal }\n"), 5,
                        "39: route 'r': unknown or invalid system 'portal' (expected a system id; "
                        "configured: video)");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc, type: [codec, mcu] }\n"), 5,
                        "45: route 'r': unknown or invalid type 'mcu' (expected a template "
                        "name; configured: codec, camera)");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc, site: Guizhou }\n"), 5,
                        "37: route 'r': unknown or invalid site 'Guizhou'");
    expect_alerts_error(ROUTE("    - { id: r, channels: [noc, noc] }\n"), 5,
                        "32: route 'r': channel 'noc' is listed twice");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc, site: { a: b } }\n"), 5,
                        "37: route 'r' site: expected a value or a list of values, got a mapping");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc, via: sms }\n"), 5,
                        "31: unknown key 'via' in route (expected one of: id, severity, site, "
                        "type, system, channels, recoveries)");
    expect_alerts_error(ROUTE("    - { id: r, channels: noc }\n"
                              "    - { id: r, channels: noc }\n"),
                        6, "13: duplicate route id 'r' (first at line 12)");
#undef ROUTE
}

static const char secret_channels[] =
    "secrets: secrets.yaml\n"
    "alerts:\n"
    "  channels:\n"
    "    - { id: ding, type: dingtalk, url: \"https://oapi.dingtalk.com/robot/send?a=b\" }\n"
    "    - { id: mail, type: email, url: \"smtp://x\", user: noc, from: a@b.cn, to: c@d.cn }\n"
    "    - { id: noc, type: webhook, url: \"http://x\" }\n";

static void test_secrets(void **state)
{
    (void)state;
    write_secrets("alerts:\n"
                  "  ding: { secret: \"" SECRET "\" }\n"
                  "  mail: { password: \"" SECRET "-2\" }\n",
                  0600);
    struct pd_config *cfg = load_alerts(secret_channels, 0);
    assert_string_equal(pd_config_channel(cfg, "ding")->secret, SECRET);
    assert_string_equal(pd_config_channel(cfg, "mail")->password, SECRET "-2");
    pd_config_free(cfg);
}

static void expect_secrets_error(const char *secrets, const char *main_extra, const char *want)
{
    char text[2048];
    write_secrets(secrets, 0600);
    snprintf(text, sizeof(text), "%s%s", secret_channels, main_extra);
    load_alerts(text, -EINVAL);
    if (!strstr(err, want)) {
        print_error("no '%s' in:\n%s", want, err);
        fail();
    }
    assert_null(strstr(err, SECRET));
    err[0] = '\0';
}

static void test_secrets_errors(void **state)
{
    (void)state;
    expect_secrets_error("alerts: { pager: { secret: \"" SECRET "\" } }\n", "",
                         "secrets.yaml:1:11: secrets for channel 'pager', which alerts.channels "
                         "does not define");
    expect_secrets_error("alerts: { noc: { secret: \"" SECRET "\" } }\n", "",
                         "secrets.yaml:1:18: unknown secret 'secret' for webhook channel 'noc' "
                         "(expected none: it has no secrets)");
    expect_secrets_error("alerts: { mail: { secret: \"" SECRET "\" } }\n", "",
                         "secrets.yaml:1:19: unknown secret 'secret' for email channel 'mail' "
                         "(expected password)");
    expect_secrets_error("alerts: { mail: { password: [\"" SECRET "\"] } }\n", "",
                         "secrets.yaml:1:29: secret 'password' of channel 'mail' must be a "
                         "single non-empty value");
    expect_secrets_error("alerts: { ding: \"" SECRET "\" }\n", "",
                         "secrets.yaml:1:17: expected a mapping for the channel's secrets");
    /* The password given twice; the message names the key, never a value. */
    expect_secrets_error("alerts: { mail3: { password: \"" SECRET "\" } }\n",
                         "    - { id: mail3, type: email, url: \"smtp://x\", user: u,"
                         " password: \"" SECRET "\", from: a@b.cn, to: c@d.cn }\n",
                         "secrets.yaml:1:20: 'password' of channel 'mail3' is given in the "
                         "configuration too; keep it in one place");
    expect_secrets_error("alerts: { ding: { secret: \"" SECRET "\" } }\n", "",
                         "main.yaml:12:7: channel 'mail': user is set but no password (inline or "
                         "in the secrets file's "
                         "alerts.mail.password)");
}

/* The same secret inline and in the secrets file. */
static void test_secret_twice(void **state)
{
    (void)state;
    write_secrets("alerts: { ding: { secret: \"" SECRET "\" } }\n", 0600);
    load_alerts("secrets: secrets.yaml\n"
                "alerts:\n"
                "  channels:\n"
                "    - { id: ding, type: dingtalk, url: \"https://x\", secret: \"" SECRET "\" }\n",
                -EINVAL);
    assert_non_null(strstr(err, "secrets.yaml:1:19: 'secret' of channel 'ding' is given in the "
                                "configuration too; keep it in one place"));
    assert_null(strstr(err, SECRET));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_twice, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
