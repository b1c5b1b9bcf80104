/* probectl: the operator's command line. Reads the same configuration as
 * the daemon and the event store it writes; never talks to the probes. */
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "probectl_alerts.h"
#include "probectl_graph.h"
#include "probectl_http.h"
#include "probectl_inventory.h"
#include "probectl_inspect.h"
#include "probectl_ping.h"
#include "probectl_report.h"
#include "probectl_rtp.h"
#include "probectl_status.h"
#include "probectl_webpasswd.h"
#include "registry.h"
#include "timefmt.h"
#include "web_auth.h"

#define DEFAULT_CONFIG "/etc/probed/probed.yaml"
#define ERR_LEN        8192

struct command {
    const char *name;
    const char *summary;
    int (*run)(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
    int needs_plugins;   /* check-config validates check options too */
    int config_optional; /* runs without one when the default file is missing */
};

static int cmd_check_config(const struct pd_config *cfg, int argc, char **argv, FILE *out,
                            FILE *errout);

static const struct command commands[] = {
    {"status", "state of every target and check, and whether probed runs", pd_cmd_status, 0, 0},
    {"events", "state changes and unobserved gaps in a time range", pd_cmd_events, 0, 0},
    {"check-config", "validate the configuration, inventory and check options", cmd_check_config, 1,
     0},
    {"ping", "one round of ICMP echoes to an address or target, now", pd_cmd_ping, 0, 1},
    {"http", "fetch a URL or check a live stream once, with timings and verdict", pd_cmd_http, 0,
     1},
    {"snmp", "ask an SNMP agent once with a target's or a profile's credentials", pd_cmd_snmp, 0,
     0},
    {"rtp", "loss and jitter of every RTP stream in a capture file", pd_cmd_rtp, 0, 1},
    {"report", "the monthly availability, MTBF and MTTR report (CSV, JSON, HTML, XLSX)",
     pd_cmd_report, 0, 0},
    {"maintenance", "add, list, remove and import planned maintenance windows", pd_cmd_maintenance,
     0, 0},
    {"inventory", "import, export, list, add, set and retire devices of the inventory files",
     pd_cmd_inventory, 0, 0},
    {"inspect", "the daily health check, monthly inspection and quarterly sample of sites",
     pd_cmd_inspect, 0, 0},
    {"graph", "draw a check's series as PNG or SVG, as the dashboard does", pd_cmd_graph, 0, 1},
    {"web-passwd", "add a dashboard user, change a password or role, delete a user",
     pd_cmd_web_passwd, 0, 1},
    {"alerts", "the alerts sent, pending and given up; alerts test ROUTE tries a route",
     pd_cmd_alerts, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: probectl [-c FILE] COMMAND [OPTIONS]\n"
                 "       probectl COMMAND --help\n"
                 "\n"
                 "Reads probed's configuration and its event store (<data_dir>/probed.db)\n"
                 "to show what probed sees. Works whether or not probed is running.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Options:\n"
                 "  -c, --config FILE  configuration file (default " DEFAULT_CONFIG ")\n"
                 "  -V, --version      print the version and exit\n"
                 "  -h, --help         print this help and exit\n"
                 "\n"
                 "Examples:\n"
                 "  probectl -c /etc/probed/probed.yaml status\n"
                 "  probectl status --site guizhou/guiyang --state down\n"
                 "  probectl events --target gy-codec-01 --since 2026-11-01 --format csv > "
                 "events.csv\n"
                 "  probectl ping -n 20 gy-codec-01\n"
                 "  probectl http https://portal.example.gov.cn/\n"
                 "  probectl report --month 2026-10 --format xlsx -o 2026-10.xlsx\n"
                 "  probectl inventory import --dry-run devices.csv\n"
                 "  probectl inspect daily --date 2026-11-20\n"
                 "  probectl web-passwd zhang.wei --role admin\n"
                 "  probectl alerts --failed\n"
                 "  probectl alerts test emergency\n"
                 "\n"
                 "Exit status: 0 on success, 1 on errors, 2 on bad usage.\n");
}

static int cmd_check_config(const struct pd_config *cfg, int argc, char **argv, FILE *out,
                            FILE *errout)
{
    if (cfg && argc > 1) {
        fprintf(errout, "probectl check-config: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    if (!cfg) { /* only for --help */
        fprintf(out, "Usage: probectl [-c FILE] check-config\n"
                     "\n"
                     "Loads the configuration and every inventory file it names, checks\n"
                     "every key, id, reference and every check's options against its\n"
                     "plugin, and reports all errors as file:line:col: message.\n"
                     "When valid, lists every template with its number of targets and\n"
                     "where it is defined (a template file or the main file), with the\n"
                     "template it extends and the definition it overrides.\n"
                     "Reads the dashboard's users file (web.users_file) too.\n"
                     "Run it before sending probed a SIGHUP.\n"
                     "\n"
                     "Exit status: 0 when valid, 1 when not.\n");
        return 0;
    }
    if (cfg->web.users_file) {
        struct pd_web_users users;
        char err[4096];
        if (pd_web_users_load(cfg->web.users_file, &users, err, sizeof(err)) < 0) {
            fprintf(errout, "%s%sprobectl check-config: the dashboard would not start\n", err,
                    err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
            return 1;
        }
        pd_web_users_free(&users);
    }
    size_t checks = 0;
    for (size_t i = 0; i < cfg->n_targets; i++)
        checks += cfg->targets[i].tmpl->n_checks;
    fprintf(out, "%s is valid: %zu targets, %zu checks, %zu templates, %zu inventory patterns\n",
            cfg->path, cfg->n_targets, checks, cfg->n_templates, cfg->n_inventory);
    /* Where each template comes from: a shipped one replaced in the main
     * file (override) must be visible, not a surprise. */
    size_t width = 8;
    for (size_t i = 0; i < cfg->n_templates; i++)
        if (strlen(cfg->templates[i].name) > width)
            width = strlen(cfg->templates[i].name);
    if (cfg->n_templates)
        fprintf(out, "%-*s  targets  defined at\n", (int)width, "template");
    for (size_t i = 0; i < cfg->n_templates; i++) {
        const struct pd_template *t = &cfg->templates[i];
        size_t n = 0;
        char origin[2 * PATH_MAX + 128];
        for (size_t k = 0; k < cfg->n_targets; k++)
            n += cfg->targets[k].tmpl == t;
        fprintf(out, "%-*s  %7zu  %s\n", (int)width, t->name, n,
                pd_config_template_origin(t, origin, sizeof(origin)));
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    setlocale(LC_CTYPE, "C.UTF-8");
    const char *path = DEFAULT_CONFIG;
    int opt, path_given = 0;
    /* '+': stop at the command; its options are its own. */
    while ((opt = getopt_long(argc, argv, "+c:Vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            path_given = 1;
            break;
        case 'V':
            printf("probectl %s\n", PROBED_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "probectl: unknown command '%s'\n\n", name);
        usage(stderr);
        return 2;
    }

    /* Help needs no configuration: it must work before there is one. */
    for (int i = optind + 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cmd->run(NULL, argc - optind, argv + optind, stdout, stderr);

    static char err[ERR_LEN];
    struct pd_config *cfg = NULL;
    if (cmd->config_optional && !path_given && access(path, F_OK) != 0)
        return cmd->run(NULL, argc - optind, argv + optind, stdout, stderr);
    if (pd_config_load(path, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%sprobectl: configuration %s is not valid\n", err, path);
        return 1;
    }
    if (cmd->needs_plugins) {
        struct pd_registry *reg = pd_registry_new(cfg->plugin_dir);
        int rc = reg ? pd_config_bind_plugins(cfg, reg, err, sizeof(err)) : -1;
        pd_registry_free(reg);
        if (rc < 0) {
            fprintf(stderr, "%sprobectl: configuration %s is not valid\n", err, path);
            pd_config_free(cfg);
            return 1;
        }
    }
    if (pd_time_set_zone(cfg->timezone, err, sizeof(err)) < 0) {
        fprintf(stderr, "probectl: %s\n", err);
        pd_config_free(cfg);
        return 1;
    }
    int rc = cmd->run(cfg, argc - optind, argv + optind, stdout, stderr);
    pd_config_free(cfg);
    return rc;
}
