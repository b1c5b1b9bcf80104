/* probectl snmp: one round of the snmp check, with a target's profile or a
 * named one, so that an admin can check credentials from the shell. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "probectl_common.h"
#include "probectl_oneshot.h"
#include "probectl_report.h"

static const char snmp_help[] =
    "Usage: probectl [-c FILE] snmp [--profile NAME] [--timeout DUR] [--format F]\n"
    "                TARGET[/CHECK]|ADDRESS [OID...]\n"
    "\n"
    "Asks an SNMP agent once, as probed's snmp check does, and prints what it\n"
    "answered: its uptime, and the value of each OID (numeric, e.g.\n"
    "1.3.6.1.2.1.1.3.0), or why it did not answer (timeout, authentication\n"
    "failure, unknown user, no such object, port unreachable). With the id of a\n"
    "configured target, uses its snmp check's profile and OIDs (its first snmp\n"
    "check's, or CHECK's; OIDs given here replace them); with an address, the\n"
    "profile named by --profile (default: the profile called 'default').\n"
    "Credentials come from the configuration and its secrets file; they are\n"
    "never printed.\n"
    "\n"
    "Options:\n"
    "  -p, --profile NAME   a profile of plugins.snmp.profiles\n"
    "  -W, --timeout DUR    how long to wait in all (default 3s, shared by retries)\n"
    "      --format F       table (default) or json\n"
    "  -h, --help           print this help\n"
    "\n"
    "Examples:\n"
    "  probectl snmp gy-sw-01\n"
    "  probectl snmp --profile core-v3 10.20.1.1 1.3.6.1.2.1.2.2.1.10.2\n"
    "\n"
    "Exit status: 0 when the agent answered, 1 when not or on errors, 2 on bad\n"
    "usage.\n";

#define MAX_OIDS 32

struct snmp_opts {
    const char *what, *profile;
    const char *oids[MAX_OIDS];
    size_t n_oids;
    pd_ns timeout;
    enum pctl_format format;
};

static int snmp_args(int argc, char **argv, struct snmp_opts *o, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 'W'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":p:W:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            o->profile = optarg;
            break;
        case 'W':
            if (pd_duration_parse(optarg, &o->timeout) < 0 || o->timeout <= 0)
                return pctl_usage_error(errout, "snmp", "--timeout: '%s' is not a duration",
                                        optarg);
            break;
        case 'f':
            if (pctl_parse_format(optarg, 1, &o->format) < 0 || o->format == PCTL_CSV)
                return pctl_usage_error(errout, "snmp", "--format must be table or json");
            break;
        case 'h':
            fputs(snmp_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "snmp", opt, argv);
        }
    }
    if (optind >= argc)
        return pctl_usage_error(errout, "snmp", "which target or address?");
    o->what = argv[optind++];
    for (; optind < argc; optind++) {
        if (o->n_oids == MAX_OIDS)
            return pctl_usage_error(errout, "snmp", "at most %d OIDs", MAX_OIDS);
        o->oids[o->n_oids++] = argv[optind];
    }
    return -1;
}

static void print_table(FILE *out, const struct snmp_opts *o, const char *shown,
                        const char *address, const struct pctl_oneshot *r)
{
    fprintf(out, "SNMP %s%s%s%s\n", shown, strcmp(shown, address) ? " (" : "",
            strcmp(shown, address) ? address : "", strcmp(shown, address) ? ")" : "");
    double up = pctl_oneshot_metric(r, "uptime_s");
    if (!isnan(up))
        fprintf(out, "  uptime      %.2f s (%.1f days)\n", up, up / 86400);
    double rtt = pctl_oneshot_metric(r, "rtt_ms");
    if (!isnan(rtt))
        fprintf(out, "  answer in   %.3f ms\n", rtt);
    for (size_t i = 0; i < o->n_oids; i++) {
        char name[24];
        snprintf(name, sizeof(name), "oid%zu", i + 1);
        double v = pctl_oneshot_metric(r, name);
        if (!isnan(v))
            fprintf(out, "  %-40s %.17g\n", o->oids[i], v);
    }
    fprintf(out, "round: %s%s%s\n", pctl_verdict_text(r->verdict, 0), r->reason[0] ? ": " : "",
            r->reason);
}

int pd_cmd_snmp(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static char err[8192];
    struct snmp_opts o = {.format = PCTL_TABLE};
    struct pctl_oneshot res;
    struct pd_param params[8];
    char address[128], oids[MAX_OIDS * 160];
    int rc = snmp_args(argc, argv, &o, out, errout);
    if (rc >= 0)
        return rc;
    if (!cfg) {
        fprintf(errout, "probectl snmp: needs the configuration (its profiles)\n");
        return 1;
    }
    const struct pd_target_conf *target = NULL;
    const struct pd_check_conf *base = pctl_target_check(cfg, o.what, "snmp", &target);
    if (target && !base && !o.profile && !target->snmp_profile) {
        pctl_no_check(errout, "snmp", o.what, target, "snmp", "; name a --profile");
        return 1;
    }
    const char *shown = target ? target->name : o.what;
    if (pctl_resolve("snmp", target ? target->address : o.what, AF_UNSPEC, address, sizeof(address),
                     errout) < 0)
        return 1;

    /* The target's check, or the defaults; then what the command line says. */
    struct pd_check_conf cc = {
        .id = "snmp", .type = "snmp", .fail_after = 1, .recover_after = 1, .params = params};
    /* --profile, else the one the target names in the inventory. */
    const char *profile = o.profile ? o.profile : target ? target->snmp_profile : NULL;
    size_t n = 0;
    for (size_t i = 0; base && i < base->n_params && n < 6; i++)
        if (!(o.n_oids && strcmp(base->params[i].key, "oids") == 0) &&
            !(profile && strcmp(base->params[i].key, "profile") == 0))
            params[n++] = base->params[i];
    if (profile)
        params[n++] = (struct pd_param){.key = "profile", .value = (char *)profile};
    if (o.n_oids) {
        size_t used = 0;
        oids[0] = '\0';
        for (size_t i = 0; i < o.n_oids && used < sizeof(oids); i++)
            used += (size_t)snprintf(oids + used, sizeof(oids) - used, "%soid%zu=%s", i ? "," : "",
                                     i + 1, o.oids[i]);
        params[n++] = (struct pd_param){.key = "oids", .value = oids};
    }
    cc.n_params = n;
    cc.timeout = o.timeout ? o.timeout : 3 * PD_SEC;
    cc.interval = 24 * 3600 * PD_SEC; /* one round */

    if (pctl_oneshot_run(cfg, address, &cc, &res, err, sizeof(err)) < 0) {
        fprintf(errout, "%sprobectl snmp: cannot ask %s\n", err, o.what);
        return 1;
    }
    if (o.format == PCTL_JSON) {
        struct pctl_json j = {.out = out};
        pctl_json_open(&j, NULL, '{');
        pctl_json_str(&j, "target", shown);
        pctl_json_str(&j, "address", address);
        pctl_json_str(&j, "verdict", pctl_verdict_text(res.verdict, 1));
        pctl_json_str(&j, "reason", res.reason);
        pctl_oneshot_json_metrics(&j, &res);
        pctl_json_close(&j, '}');
    } else {
        print_table(out, &o, shown, address, &res);
    }
    rc = pctl_finish_output(out, errout, "snmp");
    return rc == 0 && res.verdict != PD_OK ? 1 : rc;
}
