/* probectl ping: one round of the icmp probe, run here and now through the
 * same plugin and core the daemon uses, printed like ping's summary. */
#include "probectl_ping.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probectl_common.h"
#include "probectl_oneshot.h"

static const char ping_help[] =
    "Usage: probectl [-c FILE] ping [OPTIONS] ADDRESS|TARGET[/CHECK]\n"
    "\n"
    "Sends one round of ICMP echoes, as probed's icmp check does, and prints\n"
    "loss, RTT (min/avg/median/max/stddev), jitter and every RTT. With the id\n"
    "of a configured target, pings its address with its icmp check's options\n"
    "(its first icmp check's, or CHECK's; the options below override them).\n"
    "Works without a configuration.\n"
    "Needs root or CAP_NET_RAW for raw sockets; otherwise it uses datagram\n"
    "ICMP sockets if net.ipv4.ping_group_range allows the user's group.\n"
    "\n"
    "Options:\n"
    "  -n, --count N        echoes (1..20, default 5)\n"
    "  -i, --spacing DUR    time between echoes (default 1s; e.g. 200ms)\n"
    "  -W, --timeout DUR    how long to wait for each reply (default 1s)\n"
    "  -s, --size BYTES     payload bytes per echo (16..9000, default 56)\n"
    "  -Q, --dscp DSCP      DSCP mark: 0..63, EF, AF41, CS5, ...\n"
    "  -I, --source ADDR    source address\n"
    "  -4, -6               use IPv4 or IPv6 (host names)\n"
    "      --format F       table (default) or json\n"
    "  -h, --help           print this help\n"
    "\n"
    "Examples:\n"
    "  probectl ping 10.20.1.15\n"
    "  probectl ping -n 20 -i 200ms -Q AF41 gy-codec-01\n"
    "\n"
    "Exit status: 0 when the round is good, 1 when it is bad (loss at or\n"
    "above the check's loss_down, or median RTT above rtt_down) or could\n"
    "not run, 2 on bad usage.\n";

struct ping_opts {
    const char *what; /* the argument: address, host name or target id */
    struct pctl_set set;
    pd_ns timeout;
    int family;
    enum pctl_format format;
};

/* -1 to go on, else the exit code. */
static int ping_args(int argc, char **argv, struct ping_opts *o, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"spacing", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 'W'},
        {"size", required_argument, NULL, 's'},
        {"dscp", required_argument, NULL, 'Q'},
        {"source", required_argument, NULL, 'I'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":n:i:W:s:Q:I:46h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            pctl_set_param(&o->set, "count", optarg, 0);
            break;
        case 'i':
            pctl_set_param(&o->set, "spacing", optarg, 0);
            break;
        case 'W':
            if (pd_duration_parse(optarg, &o->timeout) < 0 || o->timeout <= 0)
                return pctl_usage_error(errout, "ping",
                                        "--timeout must be a duration such as 1s or 500ms");
            break;
        case 's':
            pctl_set_param(&o->set, "size", optarg, 0);
            break;
        case 'Q':
            pctl_set_param(&o->set, "dscp", optarg, 0);
            break;
        case 'I':
            pctl_set_param(&o->set, "source", optarg, 0);
            break;
        case '4':
        case '6':
            o->family = opt == '4' ? AF_INET : AF_INET6;
            pctl_set_param(&o->set, "family", opt == '4' ? "4" : "6", 0);
            break;
        case 'f':
            if (pctl_parse_format(optarg, 1, &o->format) < 0 || o->format == PCTL_CSV)
                return pctl_usage_error(errout, "ping", "--format must be table or json");
            break;
        case 'h':
            fputs(ping_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "ping", opt, argv);
        }
    }
    if (optind != argc - 1)
        return pctl_usage_error(errout, "ping",
                                optind < argc ? "one address or target only"
                                              : "which address or target?");
    o->what = argv[optind];
    return -1;
}

static void print_table(FILE *out, const char *shown, const char *address,
                        const struct pctl_oneshot *r)
{
    double sent = pctl_oneshot_metric(r, "sent"), received = pctl_oneshot_metric(r, "received");
    fprintf(out, "--- %s%s%s%s ping statistics ---\n", shown, strcmp(shown, address) ? " (" : "",
            strcmp(shown, address) ? address : "", strcmp(shown, address) ? ")" : "");
    if (!isnan(sent))
        fprintf(out, "%.0f echoes sent, %.0f received, %.4g%% loss, %.0f duplicates, %.0f late\n",
                sent, received, pctl_oneshot_metric(r, "loss_pct"), pctl_oneshot_metric(r, "dup"),
                pctl_oneshot_metric(r, "late"));
    if (!isnan(pctl_oneshot_metric(r, "rtt_min"))) {
        fprintf(out, "rtt min/avg/median/max/stddev = %.3f/%.3f/%.3f/%.3f/%.3f ms",
                pctl_oneshot_metric(r, "rtt_min"), pctl_oneshot_metric(r, "rtt_avg"),
                pctl_oneshot_metric(r, "rtt_median"), pctl_oneshot_metric(r, "rtt_max"),
                pctl_oneshot_metric(r, "rtt_stddev"));
        if (!isnan(pctl_oneshot_metric(r, "jitter")))
            fprintf(out, ", jitter %.3f ms", pctl_oneshot_metric(r, "jitter"));
        fprintf(out, "\nrtts (ms, sorted):");
        for (int i = 1; i <= 20; i++) {
            char name[8];
            snprintf(name, sizeof(name), "ping%d", i);
            double v = pctl_oneshot_metric(r, name);
            if (!isnan(v))
                fprintf(out, " %.3f", v);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "round: %s%s%s\n", pctl_verdict_text(r->verdict, 0), r->reason[0] ? ": " : "",
            r->reason);
}

static void print_json(FILE *out, const char *shown, const char *address,
                       const struct pctl_oneshot *r)
{
    struct pctl_json j = {.out = out};
    pctl_json_open(&j, NULL, '{');
    pctl_json_str(&j, "target", shown);
    pctl_json_str(&j, "address", address);
    pctl_json_str(&j, "verdict", pctl_verdict_text(r->verdict, 1));
    pctl_json_str(&j, "reason", r->reason);
    /* The metrics as the store would keep them: null for unknown. */
    pctl_oneshot_json_metrics(&j, r);
    pctl_json_close(&j, '}');
    fputc('\n', out);
}

int pd_cmd_ping(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static char err[8192];
    struct ping_opts o = {.format = PCTL_TABLE, .family = AF_UNSPEC};
    struct pctl_oneshot res;
    struct pd_param params[PCTL_SET_MAX + 20];
    char address[128];
    int rc = ping_args(argc, argv, &o, out, errout);
    if (rc >= 0)
        return rc;

    const struct pd_target_conf *target = NULL;
    const struct pd_check_conf *base = pctl_target_check(cfg, o.what, "icmp", &target);
    if (target && !base) {
        pctl_no_check(errout, "ping", o.what, target, "icmp", NULL);
        return 1;
    }
    const char *shown = target ? target->name : o.what;
    if (pctl_resolve("ping", target ? target->address : o.what, o.family, address, sizeof(address),
                     errout) < 0)
        return 1;

    /* The check: the target's own, or ping's defaults; then the options. */
    struct pd_check_conf cc = {
        .id = "ping", .type = "icmp", .fail_after = 1, .recover_after = 1, .params = params};
    if (!base) {
        pctl_set_default(&o.set, "spacing", "1s");
        o.timeout = o.timeout ? o.timeout : PD_SEC;
    }
    cc.n_params = pctl_merge_params(base, &o.set, params, sizeof(params) / sizeof(params[0]));
    cc.timeout = o.timeout ? o.timeout : base->timeout;
    cc.interval = 24 * 3600 * PD_SEC; /* one round; the rest of the interval never comes */

    if (o.format == PCTL_TABLE) {
        fprintf(out, "PING %s%s%s%s\n", shown, strcmp(shown, address) ? " (" : "",
                strcmp(shown, address) ? address : "", strcmp(shown, address) ? ")" : "");
        fflush(out);
    }
    if (pctl_oneshot_run(cfg, address, &cc, &res, err, sizeof(err)) < 0) {
        fprintf(errout, "%sprobectl ping: cannot ping %s\n", err, o.what);
        return 1;
    }
    if (o.format == PCTL_JSON)
        print_json(out, shown, address, &res);
    else
        print_table(out, shown, address, &res);
    rc = pctl_finish_output(out, errout, "ping");
    if (rc == 0 && res.verdict != PD_OK)
        rc = 1;
    return rc;
}
