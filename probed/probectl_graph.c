#include "probectl_graph.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "probectl_common.h"

static const char graph_help[] =
    "Usage: probectl graph TARGET/CHECK[/SERIES] --kind K -o FILE [OPTIONS]\n"
    "\n"
    "Draws a check's series file (<data_dir>/rrd/TARGET/CHECK.rrd, or\n"
    "CHECK/SERIES.rrd for an interface or an RTP direction) as the dashboard\n"
    "does, into a PNG or SVG file (by FILE's extension).\n"
    "\n"
    "Options:\n"
    "  -k, --kind K         latency, loss, jitter (icmp, rtp), http, traffic\n"
    "                       (snmp interface series), rtp\n"
    "  -p, --period P       6h, 1d (default), 7d, 30d or 1y, up to now\n"
    "  -o, --output FILE    FILE.png or FILE.svg\n"
    "      --width N        plot area width, 200-2000 (default 600)\n"
    "      --height N       plot area height, 80-1000 (default 200)\n"
    "  -t, --title TEXT     title (any UTF-8)\n"
    "      --data-dir DIR   the data directory (default: the configuration's)\n"
    "  -h, --help           print this help\n"
    "\n"
    "Examples:\n"
    "  probectl graph gy-codec-01/ping --kind latency -o ping.png\n"
    "  probectl graph gy-sw-01/snmp/if-ge-0-0-1 --kind traffic -p 7d -o if.svg\n"
    "  probectl graph gy-codec-01/media/in --kind rtp -t '贵阳 编解码器' -o in.png\n"
    "\n"
    "Exit status: 0 when the file was written, 1 when not, 2 on bad usage.\n";

static int parse_size(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > 100000)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}

int pd_cmd_graph(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    enum { WIDTH = 256, HEIGHT, DATA_DIR };
    static const struct option longopts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"period", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'},
        {"width", required_argument, NULL, WIDTH},
        {"height", required_argument, NULL, HEIGHT},
        {"title", required_argument, NULL, 't'},
        {"data-dir", required_argument, NULL, DATA_DIR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct pd_graph_req r = {.period = PD_GRAPH_1D};
    const char *file = NULL;
    int kind_set = 0, opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":k:p:o:t:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (pd_graph_kind_parse(optarg, &r.kind) < 0)
                return pctl_usage_error(errout, "graph",
                                        "--kind must be latency, loss, jitter, http, traffic "
                                        "or rtp");
            kind_set = 1;
            break;
        case 'p':
            if (pd_graph_period_parse(optarg, &r.period) < 0)
                return pctl_usage_error(errout, "graph", "--period must be 6h, 1d, 7d, 30d or 1y");
            break;
        case 'o':
            file = optarg;
            break;
        case WIDTH:
        case HEIGHT:
            if (parse_size(optarg, opt == WIDTH ? &r.width : &r.height) < 0)
                return pctl_usage_error(errout, "graph", "--%s must be a number of pixels",
                                        opt == WIDTH ? "width" : "height");
            break;
        case 't':
            r.title = optarg;
            break;
        case DATA_DIR:
            r.data_dir = optarg;
            break;
        case 'h':
            fputs(graph_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "graph", opt, argv);
        }
    }
    if (optind != argc - 1)
        return pctl_usage_error(errout, "graph", "expected one TARGET/CHECK[/SERIES]");
    if (!kind_set)
        return pctl_usage_error(errout, "graph", "--kind is required");
    size_t flen = file ? strlen(file) : 0;
    if (flen > 4 && strcmp(file + flen - 4, ".png") == 0)
        r.format = PD_GRAPH_PNG;
    else if (flen > 4 && strcmp(file + flen - 4, ".svg") == 0)
        r.format = PD_GRAPH_SVG;
    else
        return pctl_usage_error(errout, "graph", "-o FILE.png or FILE.svg is required");
    if (!r.data_dir && !cfg)
        return pctl_usage_error(errout, "graph", "no configuration: give --data-dir");
    if (!r.data_dir)
        r.data_dir = cfg->data_dir;

    char *name = strdup(argv[optind]);
    if (!name) {
        fprintf(errout, "probectl graph: out of memory\n");
        return 1;
    }
    int rc = 1;
    void *img = NULL;
    size_t len = 0;
    char *slash = strchr(name, '/');
    if (!slash) {
        free(name);
        return pctl_usage_error(errout, "graph", "expected TARGET/CHECK[/SERIES]");
    }
    *slash = '\0';
    r.target_id = name;
    r.check_id = slash + 1;
    if ((slash = strchr(slash + 1, '/'))) {
        *slash = '\0';
        r.series = slash + 1;
    }
    char err[512];
    if (pd_graph_render(&r, &img, &len, NULL, NULL, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl graph: %s\n", err);
        goto out;
    }
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0) {
        fprintf(errout, "probectl graph: cannot write %s: %s\n", file, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(img);
    free(name);
    return rc;
}
