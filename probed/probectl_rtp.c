#include "probectl_rtp.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "probectl_common.h"
#include "rtp_table.h"
#include "text_table.h"
#include "timefmt.h"

static const char rtp_help[] =
    "Usage: probectl rtp [OPTIONS] FILE\n"
    "\n"
    "Analyses the RTP streams of a capture (pcap or pcapng, e.g. from tcpdump\n"
    "or Wireshark) as probed's rtp check does live, and prints one line per\n"
    "stream: packets, loss, duplicates, late packets, the longest gap and the\n"
    "interarrival jitter (RFC 3550), like Wireshark's RTP stream analysis.\n"
    "A stream is one source and destination address and port and one SSRC;\n"
    "it counts from its second packet in sequence (RFC 3550's probation).\n"
    "Media is told apart from other UDP by the RTP header, the payload\n"
    "type (RFC 3551's static types; 96..127 at 90 kHz unless --rate says\n"
    "otherwise) and the ports.\n"
    "\n"
    "Options:\n"
    "  -r, --rate PT=HZ     clock rate of a payload type, e.g. 111=48000 for\n"
    "                       Opus audio (repeatable)\n"
    "  -p, --ports RANGE    only these UDP ports, e.g. 16384-32767 (repeatable;\n"
    "                       default 1024-65535)\n"
    "  -f, --filter EXPR    only packets matching a capture filter (pcap-filter(7))\n"
    "      --format F       table (default), csv or json\n"
    "  -h, --help           print this help\n"
    "\n"
    "Columns: LOST is the sequence numbers that never arrived (a duplicate\n"
    "does not make up for a loss, unlike RFC 3550's receiver report, shown\n"
    "as LOST_RFC in csv and json); LATE arrived after a higher number; GAP is\n"
    "the longest time between two packets; JITTER the last estimate, MAX and\n"
    "MEAN over the stream, in ms.\n"
    "\n"
    "Examples:\n"
    "  probectl rtp conference.pcap\n"
    "  probectl rtp -r 96=90000 -r 111=48000 -f 'host 10.20.1.15' call.pcapng\n"
    "\n"
    "Exit status: 0 when the file was read to its end, 1 when it could not be\n"
    "read (what was read before an error is shown), 2 on bad usage.\n";

struct rtp_opts {
    const char *file;
    const char *filter;
    enum pctl_format format;
    struct rtp_match match;
    int ports_set;
};

/* -1 to go on, else the exit code. */
static int rtp_args(int argc, char **argv, struct rtp_opts *o, FILE *out, FILE *errout)
{
    enum { FORMAT = 256 };
    static const struct option longopts[] = {
        {"rate", required_argument, NULL, 'r'},   {"ports", required_argument, NULL, 'p'},
        {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, FORMAT},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    char err[256];
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":r:p:f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (rtp_match_clock_rate(&o->match, optarg, err, sizeof(err)) < 0)
                return pctl_usage_error(errout, "rtp", "--rate %s", err);
            break;
        case 'p':
            if (!o->ports_set)
                o->match.n_ports = 0;
            o->ports_set = 1;
            if (rtp_match_ports(&o->match, optarg, err, sizeof(err)) < 0)
                return pctl_usage_error(errout, "rtp", "--ports %s", err);
            break;
        case 'f':
            o->filter = optarg;
            break;
        case FORMAT:
            if (pctl_parse_format(optarg, 1, &o->format) < 0)
                return pctl_usage_error(errout, "rtp", "--format must be table, csv or json");
            break;
        case 'h':
            fputs(rtp_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "rtp", opt, argv);
        }
    }
    if (optind != argc - 1)
        return pctl_usage_error(errout, "rtp", "expected one capture file");
    o->file = argv[optind];
    return -1;
}

/* The streams that passed probation, in the order they began. */
static int by_serial(const void *a, const void *b)
{
    const struct rtp_entry *x = *(const struct rtp_entry *const *)a;
    const struct rtp_entry *y = *(const struct rtp_entry *const *)b;
    return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static struct rtp_entry **sorted_streams(struct rtp_table *t, size_t *n)
{
    struct rtp_entry **v = calloc(t->n ? t->n : 1, sizeof(*v)), *e;
    size_t pos = 0;
    *n = 0;
    if (!v)
        return NULL;
    while ((e = rtp_table_next(t, &pos)))
        if (e->st.valid)
            v[(*n)++] = e;
    qsort(v, *n, sizeof(*v), by_serial);
    return v;
}

static const char *pt_text(uint8_t pt, char *buf, size_t len)
{
    const char *name = rtp_static_name(pt);
    if (name)
        snprintf(buf, len, "%u %s", pt, name);
    else
        snprintf(buf, len, "%u", pt);
    return buf;
}

static void print_table(FILE *out, struct rtp_entry **v, size_t n)
{
    static const char *const headers[] = {"SRC",     "SPORT", "DST",   "DPORT", "SSRC", "PT",
                                          "PACKETS", "LOST",  "LOST%", "DUP",   "LATE", "GAP",
                                          "JITTER",  "MAX",   "MEAN",  "START"};
    enum { COLS = sizeof(headers) / sizeof(headers[0]) };
    struct pd_table *t = pd_table_new(COLS, headers);
    if (!t)
        return;
    for (size_t c = 0; c < COLS; c++)
        if (c != 0 && c != 2 && c != 5 && c != 15)
            pd_table_set_align(t, c, PD_ALIGN_RIGHT);
    for (size_t i = 0; i < n; i++) {
        const struct rtp_stream_stats *s = &v[i]->st;
        char cell[COLS][64];
        rtp_addr_text(&v[i]->flow.src, cell[0], sizeof(cell[0]));
        snprintf(cell[1], sizeof(cell[1]), "%u", v[i]->flow.sport);
        rtp_addr_text(&v[i]->flow.dst, cell[2], sizeof(cell[2]));
        snprintf(cell[3], sizeof(cell[3]), "%u", v[i]->flow.dport);
        snprintf(cell[4], sizeof(cell[4]), "0x%08" PRIX32, v[i]->ssrc);
        pt_text(v[i]->pt, cell[5], sizeof(cell[5]));
        snprintf(cell[6], sizeof(cell[6]), "%" PRIu64, s->packets);
        snprintf(cell[7], sizeof(cell[7]), "%" PRIu64, rtp_stream_lost(s));
        snprintf(cell[8], sizeof(cell[8]), "%.2f", rtp_stream_lost_pct(s));
        snprintf(cell[9], sizeof(cell[9]), "%" PRIu64, s->duplicates);
        snprintf(cell[10], sizeof(cell[10]), "%" PRIu64, s->out_of_order);
        snprintf(cell[11], sizeof(cell[11]), "%.1f", (double)s->max_gap_ns / 1e6);
        snprintf(cell[12], sizeof(cell[12]), "%.3f", rtp_stream_jitter_ms(s));
        snprintf(cell[13], sizeof(cell[13]), "%.3f", rtp_stream_max_jitter_ms(s));
        snprintf(cell[14], sizeof(cell[14]), "%.3f", rtp_stream_mean_jitter_ms(s));
        pd_time_format_local(s->first_ns, cell[15], sizeof(cell[15]));
        const char *cells[COLS];
        for (size_t c = 0; c < COLS; c++)
            cells[c] = cell[c];
        pd_table_add_row(t, cells);
    }
    pd_table_print(t, out);
    pd_table_free(t);
}

static void print_csv(FILE *out, struct rtp_entry **v, size_t n)
{
    static const char *const names[] = {
        "src",           "sport",          "dst",      "dport",    "ssrc",       "pt",
        "clock_rate",    "packets",        "expected", "received", "lost",       "lost_pct",
        "lost_rfc",      "duplicates",     "late",     "resyncs",  "max_gap_ms", "jitter_ms",
        "max_jitter_ms", "mean_jitter_ms", "start",    "end"};
    pctl_csv_header(out, 1, names, sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < n; i++) {
        const struct rtp_stream_stats *s = &v[i]->st;
        char a[64];
        pctl_csv_cell(out, rtp_addr_text(&v[i]->flow.src, a, sizeof(a)), 1, 0);
        fprintf(out, ",%u,", v[i]->flow.sport);
        pctl_csv_cell(out, rtp_addr_text(&v[i]->flow.dst, a, sizeof(a)), 1, 0);
        fprintf(out,
                ",%u,0x%08" PRIX32 ",%u,%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                ",%.4f,%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.4f,%.4f,%.4f",
                v[i]->flow.dport, v[i]->ssrc, v[i]->pt, s->clock_rate, s->packets,
                rtp_stream_expected(s), rtp_stream_unique(s), rtp_stream_lost(s),
                rtp_stream_lost_pct(s), rtp_stream_lost_rfc(s), s->duplicates, s->out_of_order,
                s->resyncs, (double)s->max_gap_ns / 1e6, rtp_stream_jitter_ms(s),
                rtp_stream_max_jitter_ms(s), rtp_stream_mean_jitter_ms(s));
        pctl_csv_time(out, s->first_ns);
        pctl_csv_time(out, s->last_ns);
        pctl_csv_end_row(out);
    }
}

static void print_json(FILE *out, const char *file, const struct rtp_counts *c,
                       struct rtp_entry **v, size_t n)
{
    struct pctl_json j = {.out = out};
    char a[64];
    pctl_json_open(&j, NULL, '{');
    pctl_json_str(&j, "file", file);
    pctl_json_open(&j, "frames", '{');
    pctl_json_int(&j, "total", (long long)c->frames);
    pctl_json_int(&j, "rtp", (long long)c->media);
    pctl_json_int(&j, "rtcp", (long long)c->control);
    pctl_json_int(&j, "other_udp", (long long)c->udp);
    pctl_json_int(&j, "not_udp", (long long)c->other);
    pctl_json_int(&j, "malformed", (long long)c->malformed);
    pctl_json_int(&j, "untracked", (long long)c->untracked);
    pctl_json_close(&j, '}');
    pctl_json_open(&j, "streams", '[');
    for (size_t i = 0; i < n; i++) {
        const struct rtp_stream_stats *s = &v[i]->st;
        char ssrc[16];
        snprintf(ssrc, sizeof(ssrc), "0x%08" PRIX32, v[i]->ssrc);
        pctl_json_open(&j, NULL, '{');
        pctl_json_str(&j, "src", rtp_addr_text(&v[i]->flow.src, a, sizeof(a)));
        pctl_json_int(&j, "sport", v[i]->flow.sport);
        pctl_json_str(&j, "dst", rtp_addr_text(&v[i]->flow.dst, a, sizeof(a)));
        pctl_json_int(&j, "dport", v[i]->flow.dport);
        pctl_json_str(&j, "ssrc", ssrc);
        pctl_json_int(&j, "pt", v[i]->pt);
        pctl_json_int(&j, "vlan", v[i]->vlan);
        pctl_json_int(&j, "clock_rate", s->clock_rate);
        pctl_json_int(&j, "packets", (long long)s->packets);
        pctl_json_int(&j, "expected", (long long)rtp_stream_expected(s));
        pctl_json_int(&j, "received", (long long)rtp_stream_unique(s));
        pctl_json_int(&j, "lost", (long long)rtp_stream_lost(s));
        pctl_json_num(&j, "lost_pct", rtp_stream_lost_pct(s), 4);
        pctl_json_int(&j, "lost_rfc", (long long)rtp_stream_lost_rfc(s));
        pctl_json_int(&j, "duplicates", (long long)s->duplicates);
        pctl_json_int(&j, "late", (long long)s->out_of_order);
        pctl_json_int(&j, "resyncs", (long long)s->resyncs);
        pctl_json_num(&j, "max_gap_ms", (double)s->max_gap_ns / 1e6, 3);
        pctl_json_num(&j, "jitter_ms", rtp_stream_jitter_ms(s), 4);
        pctl_json_num(&j, "max_jitter_ms", rtp_stream_max_jitter_ms(s), 4);
        pctl_json_num(&j, "mean_jitter_ms", rtp_stream_mean_jitter_ms(s), 4);
        pctl_json_time(&j, "start", s->first_ns);
        pctl_json_time(&j, "end", s->last_ns);
        pctl_json_close(&j, '}');
    }
    pctl_json_close(&j, ']');
    pctl_json_close(&j, '}');
    fputc('\n', out);
}

/* Reads the whole file into t. 0, or -EIO after saying why on errout (what
 * was read stays in t). */
static int analyse(const struct rtp_opts *o, struct rtp_table *t, FILE *errout)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p =
        pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        fprintf(errout, "probectl rtp: %s: %s\n", o->file, errbuf);
        return -EIO;
    }
    int rc = 0, dlt = pcap_datalink(p);
    if (!rtp_dlt_supported(dlt)) {
        fprintf(errout,
                "probectl rtp: %s: link type %s (%d) is not one probed reads "
                "(Ethernet, Linux cooked, raw IP, loopback)\n",
                o->file, pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?",
                dlt);
        rc = -EIO;
        goto out;
    }
    if (o->filter) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
            pcap_setfilter(p, &prog) < 0) {
            fprintf(errout, "probectl rtp: --filter '%s': %s\n", o->filter, pcap_geterr(p));
            rc = -EIO;
            goto out;
        }
        pcap_freecode(&prog);
    }
    struct pcap_pkthdr *h;
    const u_char *frame;
    struct rtp_entry *e;
    int got;
    while ((got = pcap_next_ex(p, &h, &frame)) == 1) {
        int64_t at = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec; /* nanoseconds */
        rtp_table_packet(t, dlt, frame, h->caplen, at, &e);
    }
    if (got == PCAP_ERROR) {
        fprintf(errout, "probectl rtp: %s: %s (the streams below are what came before)\n", o->file,
                pcap_geterr(p));
        rc = -EIO;
    }
out:
    pcap_close(p);
    return rc;
}

int pd_cmd_rtp(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    (void)cfg;
    struct rtp_opts o = {.format = PCTL_TABLE};
    rtp_match_default(&o.match);
    o.match.max_streams = 1000000; /* a file: keep every stream */
    int rc = rtp_args(argc, argv, &o, out, errout);
    if (rc >= 0)
        return rc;
    struct rtp_table t;
    if (rtp_table_init(&t, &o.match) < 0) {
        fprintf(errout, "probectl rtp: out of memory\n");
        return 1;
    }
    int read_rc = analyse(&o, &t, errout);
    size_t n = 0;
    struct rtp_entry **v = sorted_streams(&t, &n);
    if (!v) {
        fprintf(errout, "probectl rtp: out of memory\n");
        rtp_table_free(&t);
        return 1;
    }
    if (o.format == PCTL_JSON) {
        print_json(out, o.file, &t.counts, v, n);
    } else if (o.format == PCTL_CSV) {
        print_csv(out, v, n);
    } else {
        if (n)
            print_table(out, v, n);
        fprintf(out,
                "%s%zu stream%s; %" PRIu64 " frames: %" PRIu64 " RTP, %" PRIu64 " RTCP, %" PRIu64
                " other UDP, %" PRIu64 " not UDP, %" PRIu64 " malformed",
                n ? "\n" : "", n, n == 1 ? "" : "s", t.counts.frames, t.counts.media,
                t.counts.control, t.counts.udp, t.counts.other, t.counts.malformed);
        if (t.counts.untracked)
            fprintf(out, ", %" PRIu64 " of streams past the limit", t.counts.untracked);
        fprintf(out, " (times in %s)\n", pd_time_zone());
    }
    free(v);
    rtp_table_free(&t);
    rc = pctl_finish_output(out, errout, "rtp");
    return read_rc < 0 ? 1 : rc;
}
