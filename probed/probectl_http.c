/* probectl http: one round of the http check, run here and now through the
 * same plugin and core the daemon uses: the timings of each phase and the
 * verdict, like `curl -w` with the check's judgement. */
#include "probectl_http.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probectl_common.h"
#include "probectl_oneshot.h"

static const char http_help[] =
    "Usage: probectl [-c FILE] http [OPTIONS] URL|TARGET[/CHECK]\n"
    "\n"
    "Fetches URL once, as probed's http check does (a fresh connection, a\n"
    "full TLS handshake, no caches), and prints the time of each phase, the\n"
    "status, the body size, the certificate's days left and the verdict.\n"
    "With the id of a configured target, runs that target's http check (its\n"
    "first, or the one named CHECK) with its options (the options below\n"
    "override them). With --hls, checks a live stream: its playlists,\n"
    "resolution and, with --segment, the newest segment's download time.\n"
    "\n"
    "Options:\n"
    "  -X, --method M          request method (default GET)\n"
    "  -H, --header 'N: V'     request header (repeatable)\n"
    "  -d, --data BODY         request body\n"
    "  -s, --expect-status S   accepted statuses: 200, 200-299, 2xx, 301,302\n"
    "  -b, --expect-body TEXT  text the body must contain\n"
    "  -r, --expect-regex RE   extended regular expression the body must match\n"
    "      --no-follow         do not follow redirects\n"
    "  -k, --insecure          do not verify the certificate\n"
    "      --cacert FILE       CA certificates (PEM)\n"
    "      --resolve ADDR      connect to ADDR for the URL's host\n"
    "  -m, --timeout DUR       time for the whole round (default 10s)\n"
    "      --hls               the URL is a live stream's playlist\n"
    "      --min-height N      --hls: the best variant has at least N lines\n"
    "      --segment           --hls: download the newest segment too\n"
    "  -4, -6                  IPv4 or IPv6 only\n"
    "      --format F          table (default) or json\n"
    "  -h, --help              print this help\n"
    "\n"
    "Examples:\n"
    "  probectl http https://www.example.gov.cn/\n"
    "  probectl http -b 欢迎 --resolve 10.20.1.80 https://portal.example.cn/\n"
    "  probectl http --hls --min-height 1080 http://10.20.3.5/live/master.m3u8\n"
    "\n"
    "Exit status: 0 when the round is good, 1 when it is bad or could not\n"
    "run, 2 on bad usage.\n";

struct http_opts {
    const char *what;
    struct pctl_set set;
    char *headers; /* joined by '\n', a list option's form */
    pd_ns timeout;
    enum pctl_format format;
};

static int add_header(struct http_opts *o, const char *h)
{
    size_t old = o->headers ? strlen(o->headers) : 0;
    char *joined = realloc(o->headers, old + strlen(h) + 2);
    if (!joined)
        return -1;
    snprintf(joined + old, strlen(h) + 2, "%s%s", old ? "\n" : "", h);
    o->headers = joined;
    return 0;
}

/* -1 to go on, else the exit code. */
static int http_args(int argc, char **argv, struct http_opts *o, FILE *out, FILE *errout)
{
    enum { NO_FOLLOW = 256, CACERT, RESOLVE, HLS, MIN_HEIGHT, SEGMENT, FORMAT };
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'X'},
        {"header", required_argument, NULL, 'H'},
        {"data", required_argument, NULL, 'd'},
        {"expect-status", required_argument, NULL, 's'},
        {"expect-body", required_argument, NULL, 'b'},
        {"expect-regex", required_argument, NULL, 'r'},
        {"no-follow", no_argument, NULL, NO_FOLLOW},
        {"insecure", no_argument, NULL, 'k'},
        {"cacert", required_argument, NULL, CACERT},
        {"resolve", required_argument, NULL, RESOLVE},
        {"timeout", required_argument, NULL, 'm'},
        {"hls", no_argument, NULL, HLS},
        {"min-height", required_argument, NULL, MIN_HEIGHT},
        {"segment", no_argument, NULL, SEGMENT},
        {"format", required_argument, NULL, FORMAT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":X:H:d:s:b:r:km:46h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'X':
            pctl_set_param(&o->set, "method", optarg, 0);
            break;
        case 'H':
            if (add_header(o, optarg) < 0)
                return pctl_usage_error(errout, "http", "out of memory");
            break;
        case 'd':
            pctl_set_param(&o->set, "body", optarg, 0);
            break;
        case 's':
            pctl_set_param(&o->set, "expect_status", optarg, 0);
            break;
        case 'b':
            pctl_set_param(&o->set, "expect_body", optarg, 0);
            break;
        case 'r':
            pctl_set_param(&o->set, "expect_body_regex", optarg, 0);
            break;
        case NO_FOLLOW:
            pctl_set_param(&o->set, "follow_redirects", "no", 0);
            break;
        case 'k':
            pctl_set_param(&o->set, "tls_verify", "no", 0);
            break;
        case CACERT:
            pctl_set_param(&o->set, "ca_file", optarg, 0);
            break;
        case RESOLVE:
            pctl_set_param(&o->set, "resolve", optarg, 0);
            break;
        case 'm':
            if (pd_duration_parse(optarg, &o->timeout) < 0 || o->timeout <= 0)
                return pctl_usage_error(errout, "http",
                                        "--timeout must be a duration such as 10s or 500ms");
            break;
        case HLS:
            pctl_set_param(&o->set, "mode", "hls", 0);
            break;
        case MIN_HEIGHT:
            pctl_set_param(&o->set, "min_height", optarg, 0);
            break;
        case SEGMENT:
            pctl_set_param(&o->set, "segment_check", "yes", 0);
            break;
        case '4':
        case '6':
            pctl_set_param(&o->set, "ip", opt == '4' ? "4" : "6", 0);
            break;
        case FORMAT:
            if (pctl_parse_format(optarg, 1, &o->format) < 0 || o->format == PCTL_CSV)
                return pctl_usage_error(errout, "http", "--format must be table or json");
            break;
        case 'h':
            fputs(http_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "http", opt, argv);
        }
    }
    if (optind != argc - 1)
        return pctl_usage_error(errout, "http",
                                optind < argc ? "one URL or target only" : "which URL or target?");
    o->what = argv[optind];
    return -1;
}

/* The host of an http(s) URL, for the pseudo-target's address. */
static void url_host(const char *url, char *out, size_t len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = strpbrk(p, "@/?#");
    if (at && *at == '@')
        p = at + 1;
    size_t n = *p == '[' ? strcspn(p + 1, "]") : strcspn(p, ":/?#");
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), *p == '[' ? p + 1 : p);
}

static void print_ms(FILE *out, const char *label, double v)
{
    if (isnan(v))
        fprintf(out, "  %-20s -\n", label);
    else
        fprintf(out, "  %-20s %10.3f ms\n", label, v);
}

static void print_table(FILE *out, const char *url, int hls, const struct pctl_oneshot *r)
{
    double status = pctl_oneshot_metric(r, "status"),
           days = pctl_oneshot_metric(r, "cert_days_left");
    fprintf(out, "%s\n", url);
    if (!hls) {
        print_ms(out, "name lookup", pctl_oneshot_metric(r, "dns_ms"));
        print_ms(out, "TCP connect", pctl_oneshot_metric(r, "connect_ms"));
        print_ms(out, "TLS handshake", pctl_oneshot_metric(r, "tls_ms"));
        print_ms(out, "first byte", pctl_oneshot_metric(r, "ttfb_ms"));
    }
    print_ms(out, "total", pctl_oneshot_metric(r, "total_ms"));
    if (!isnan(status))
        fprintf(out, "  %-20s %10.0f\n", "status", status);
    if (!hls && !isnan(pctl_oneshot_metric(r, "bytes")))
        fprintf(out, "  %-20s %10.0f\n", "body bytes", pctl_oneshot_metric(r, "bytes"));
    if (!isnan(days))
        fprintf(out, "  %-20s %10.1f\n", "certificate days", days);
    if (hls) {
        double h = pctl_oneshot_metric(r, "max_height"), seg = pctl_oneshot_metric(r, "segment_ms");
        if (!isnan(h))
            fprintf(out, "  %-20s %10.0f lines\n", "best variant", h);
        if (!isnan(pctl_oneshot_metric(r, "segment_duration_s")))
            fprintf(out, "  %-20s %10.3f s\n", "newest segment",
                    pctl_oneshot_metric(r, "segment_duration_s"));
        if (!isnan(seg))
            print_ms(out, "segment download", seg);
    }
    fprintf(out, "round: %s%s%s\n", pctl_verdict_text(r->verdict, 0), r->reason[0] ? ": " : "",
            r->reason);
}

static void print_json(FILE *out, const char *url, const struct pctl_oneshot *r)
{
    struct pctl_json j = {.out = out};
    pctl_json_open(&j, NULL, '{');
    pctl_json_str(&j, "url", url);
    pctl_json_str(&j, "verdict", pctl_verdict_text(r->verdict, 1));
    pctl_json_str(&j, "reason", r->reason);
    pctl_oneshot_json_metrics(&j, r);
    pctl_json_close(&j, '}');
    fputc('\n', out);
}

int pd_cmd_http(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static char err[8192];
    struct http_opts o = {.format = PCTL_TABLE};
    struct pctl_oneshot res;
    struct pd_param params[PCTL_SET_MAX + 40];
    char address[256];
    int rc = http_args(argc, argv, &o, out, errout);
    if (rc >= 0)
        goto out;

    const struct pd_target_conf *target = NULL;
    const struct pd_check_conf *base = pctl_target_check(cfg, o.what, "http", &target);
    rc = 1;
    if (target && !base) {
        pctl_no_check(errout, "http", o.what, target, "http", NULL);
        goto out;
    }
    if (target)
        snprintf(address, sizeof(address), "%s", target->address);
    else
        url_host(o.what, address, sizeof(address));

    struct pd_check_conf cc = {
        .id = "http", .type = "http", .fail_after = 1, .recover_after = 1, .params = params};
    if (!base)
        pctl_set_param(&o.set, "url", o.what, 0);
    if (o.headers)
        pctl_set_param(&o.set, "headers", o.headers, 1);
    size_t n = pctl_merge_params(base, &o.set, params, sizeof(params) / sizeof(params[0]));
    cc.n_params = n;
    cc.timeout = o.timeout ? o.timeout : base ? base->timeout : 10 * PD_SEC;
    cc.interval = 24 * 3600 * PD_SEC; /* one round; the rest of the interval never comes */

    if (pctl_oneshot_run(cfg, address, &cc, &res, err, sizeof(err)) < 0) {
        fprintf(errout, "%sprobectl http: cannot check %s\n", err, o.what);
        goto out;
    }
    const char *url = o.what;
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].key, "url") == 0)
            url = params[i].value;
    int hls = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].key, "mode") == 0)
            hls = strcmp(params[i].value, "hls") == 0;
    if (o.format == PCTL_JSON)
        print_json(out, url, &res);
    else
        print_table(out, url, hls, &res);
    rc = pctl_finish_output(out, errout, "http");
    if (rc == 0 && res.verdict != PD_OK)
        rc = 1;
out:
    free(o.headers);
    return rc;
}
