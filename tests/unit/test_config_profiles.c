/* Plugin profiles and the secrets file that completes them. */
#include "config_check.h"

#include <string.h>
#include <sys/stat.h>

#define SECRET "Tr0ub4dor&3-never-shown"

static const char main_yaml[] = "plugins:\n"
                                "  snmp:\n"
                                "    max_inflight: 100\n"
                                "    profiles:\n"
                                "      core-v2: { version: 2c }\n"
                                "      core-v3: { version: 3, user: probed }\n"
                                "secrets: secrets.yaml\n";

static void write_secrets(const char *text, mode_t mode)
{
    char path[PATH_MAX + 16];
    write_text("secrets.yaml", text);
    snprintf(path, sizeof(path), "%s/secrets.yaml", dir);
    assert_int_equal(chmod(path, mode), 0);
}

static const char *param(const struct pd_profile_conf *p, const char *key)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].key, key) == 0)
            return p->params[i].value;
    return NULL;
}

static void test_profiles_and_secrets(void **state)
{
    (void)state;
    write_secrets("snmp:\n"
                  "  core-v2: { community: " SECRET " }\n"
                  "  core-v3: { auth_password: " SECRET ", priv_password: other }\n",
                  0640);
    struct pd_config *cfg = load_text(main_yaml, 0);
    const struct pd_plugin_conf *pc = pd_config_plugin(cfg, "snmp");
    assert_non_null(pc);
    assert_int_equal(pc->n_params, 1); /* max_inflight; profiles are apart */
    assert_string_equal(pc->params[0].key, "max_inflight");
    assert_int_equal(pc->n_profiles, 2);
    const struct pd_profile_conf *v2 = pd_config_profile(cfg, "snmp", "core-v2");
    const struct pd_profile_conf *v3 = pd_config_profile(cfg, "snmp", "core-v3");
    assert_non_null(v2);
    assert_non_null(v3);
    assert_null(pd_config_profile(cfg, "snmp", "edge"));
    assert_null(pd_config_profile(cfg, "icmp", "core-v2"));
    assert_string_equal(param(v2, "version"), "2c");
    assert_string_equal(param(v2, "community"), SECRET);
    assert_string_equal(param(v3, "user"), "probed");
    assert_string_equal(param(v3, "priv_password"), "other");
    /* A secret's place is in the secrets file. */
    for (size_t i = 0; i < v3->n_params; i++) {
        if (strcmp(v3->params[i].key, "auth_password") != 0)
            continue;
        assert_non_null(strstr(v3->params[i].at.file, "secrets.yaml"));
        assert_int_equal(v3->params[i].at.line, 3);
    }
    assert_non_null(strstr(cfg->secrets, "/secrets.yaml"));
    pd_config_free(cfg);
}

/* Every error about secrets names the place and never the value. */
static void expect_secrets_error(const char *secrets, mode_t mode, const char *want)
{
    write_secrets(secrets, mode);
    load_text(main_yaml, -EINVAL);
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
    char want[PATH_MAX + 200];
    snprintf(want, sizeof(want),
             "main.yaml:7:10: secrets file %s/secrets.yaml is readable by every user (mode 0644); "
             "make it private, e.g. chmod 600",
             dir);
    expect_secrets_error("snmp: { core-v2: { community: " SECRET " } }\n", 0644, want);
    expect_secrets_error("snmp: { edge: { community: " SECRET " } }\n", 0600,
                         "secrets.yaml:1:9: secrets for profile 'edge', which "
                         "plugins.snmp.profiles does not define");
    expect_secrets_error("icmp: { core-v2: { community: " SECRET " } }\n", 0600,
                         "secrets.yaml:1:1: secrets for plugin 'icmp', which has no profiles in "
                         "the configuration");
    expect_secrets_error("snmp: { core-v2: { version: " SECRET " } }\n", 0600,
                         "secrets.yaml:1:20: 'version' of profile 'core-v2' is given in the "
                         "configuration too; keep it in one place");
    expect_secrets_error("snmp: { core-v2: { community: [" SECRET "] } }\n", 0600,
                         "secrets.yaml:1:31: secret 'community' must be a single value");
    expect_secrets_error("- " SECRET "\n", 0600, "secrets.yaml:1:1: expected a mapping for");

    /* A missing file says so. */
    load_text("plugins: { snmp: { profiles: { a: {} } } }\nsecrets: nowhere.yaml\n", -EINVAL);
    assert_non_null(strstr(err, "nowhere.yaml: No such file or directory"));
}

static void test_profile_syntax(void **state)
{
    (void)state;
    expect_fail("plugins: { snmp: { profiles: [a, b] } }\n",
                "1:30: expected a mapping for profiles, got a list");
    expect_fail("plugins: { snmp: { profiles: { Core: { version: 2c } } } }\n",
                "1:32: invalid profile name 'Core'");
    expect_fail("plugins: { snmp: { profiles: { core: { version: { v: 2c } } } } }\n",
                "1:49: option 'version' must be a value or a list of values, not a mapping");
    struct pd_config *cfg = load_text("plugins: { snmp: { profiles: { bare: } } }\n", 0);
    const struct pd_profile_conf *p = pd_config_profile(cfg, "snmp", "bare");
    assert_non_null(p);
    assert_int_equal(p->n_params, 0);
    pd_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profiles_and_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_syntax, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
