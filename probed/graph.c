#include "graph.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <rrd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "config.h"
#include "rrd_store.h"
#include "utf8.h"

#define MAX_ARGS 96
#define FONT_MAX 64
#define TEXT_MAX 512 /* an escaped title or comment, bytes */

/* librrd 1.7's graph code shares one Pango font map (and more) between
 * threads without a lock: every call into it, and the file reads around
 * it, run under this one. */
static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;

/* librrd 1.7.2 leaks in every rrd_graph_v call (about 30 bytes, and 20
 * more per legend, title or GPRINT), and fontconfig (partly in a thread
 * of Pango's own) keeps caches for the process. In a sanitizer build
 * LeakSanitizer is told to overlook what this thread allocates inside the
 * call and what fontconfig keeps, so that a daemon that drew graphs still
 * exits 0 and our own leaks still fail the tests. */
#if defined(__SANITIZE_ADDRESS__)
#define PD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PD_ASAN 1
#endif
#endif
#ifdef PD_ASAN
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON()  __lsan_enable()
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libpangoft2-1.0.so\n";
}
#else
#define LSAN_OFF() ((void)0)
#define LSAN_ON()  ((void)0)
#endif

static rrd_info_t *graph_v(int argc, char **argv)
{
    LSAN_OFF();
    rrd_info_t *info = rrd_graph_v(argc, argv);
    LSAN_ON();
    return info;
}

static const char *const kind_names[] = {
    [PD_GRAPH_LATENCY] = "latency", [PD_GRAPH_LOSS] = "loss",       [PD_GRAPH_JITTER] = "jitter",
    [PD_GRAPH_HTTP] = "http",       [PD_GRAPH_TRAFFIC] = "traffic", [PD_GRAPH_RTP] = "rtp",
};

static const struct {
    const char *name;
    long seconds;
} periods[] = {
    [PD_GRAPH_6H] = {"6h", 6 * 3600},    [PD_GRAPH_1D] = {"1d", 86400},
    [PD_GRAPH_7D] = {"7d", 7 * 86400},   [PD_GRAPH_30D] = {"30d", 30 * 86400},
    [PD_GRAPH_1Y] = {"1y", 365 * 86400},
};

#define N_KINDS   (sizeof(kind_names) / sizeof(kind_names[0]))
#define N_PERIODS (sizeof(periods) / sizeof(periods[0]))

int pd_graph_kind_parse(const char *s, enum pd_graph_kind *out)
{
    for (size_t i = 0; s && i < N_KINDS; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum pd_graph_kind)i;
            return 0;
        }
    return -EINVAL;
}

int pd_graph_period_parse(const char *s, enum pd_graph_period *out)
{
    for (size_t i = 0; s && i < N_PERIODS; i++)
        if (strcmp(s, periods[i].name) == 0) {
            *out = (enum pd_graph_period)i;
            return 0;
        }
    return -EINVAL;
}

const char *pd_graph_kind_name(enum pd_graph_kind kind)
{
    return (unsigned)kind < N_KINDS ? kind_names[kind] : "?";
}

const char *pd_graph_period_name(enum pd_graph_period period)
{
    return (unsigned)period < N_PERIODS ? periods[period].name : "?";
}

long pd_graph_period_seconds(enum pd_graph_period period)
{
    return (unsigned)period < N_PERIODS ? periods[period].seconds : 0;
}

/* Copies in to out, replacing what librrd would misread; see graph.h.
 * escape: legend rules (':' and '\'); format: '%' doubled too. */
static int clean_text(const char *in, int escape, int format, char *out, size_t len)
{
    size_t n = 0, in_len = strlen(in);
    int rc = 0;
    for (size_t i = 0; i < in_len;) {
        uint32_t cp;
        size_t used = pd_utf8_decode(in + i, in_len - i, &cp);
        const char *piece = in + i;
        size_t plen = used;
        unsigned char c = (unsigned char)in[i];
        if (cp == PD_UTF8_REPLACEMENT && !(used == 3 && memcmp(piece, "\xef\xbf\xbd", 3) == 0))
            piece = "?", plen = 1;
        else if (c == '\t' || c == '\n' || c == '\r')
            piece = " ", plen = 1;
        else if (c < 0x20 || c == 0x7f)
            plen = 0;
        else if (escape && c == ':')
            piece = "\\:", plen = 2;
        else if (escape && c == '\\')
            piece = "/", plen = 1;
        else if (format && c == '%')
            piece = "%%", plen = 2;
        i += used;
        if (n + plen >= len) {
            rc = -ENOSPC;
            break;
        }
        memcpy(out + n, piece, plen);
        n += plen;
    }
    out[n] = '\0';
    return rc;
}

int pd_graph_escape(const char *in, int format, char *out, size_t len)
{
    return clean_text(in, 1, format, out, len);
}

int pd_graph_escape_title(const char *in, char *out, size_t len)
{
    return clean_text(in, 0, 0, out, len);
}

/* librrd's argument vector, each argument malloc'ed. */
struct args {
    char *v[MAX_ARGS];
    int n;
    int failed; /* out of memory or of room: -ENOMEM */
};

__attribute__((format(printf, 2, 3))) static void add(struct args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = len >= 0 && a->n < MAX_ARGS ? malloc((size_t)len + 1) : NULL;
    if (!s) {
        a->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    a->v[a->n++] = s;
}

static void args_free(struct args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

/* What the file holds, from rrd_info_r. */
struct file {
    const char *rel;    /* for messages: rrd/<target>/<check>[/<series>].rrd */
    char def[PATH_MAX]; /* the path as a DEF wants it: ':' escaped */
    rrd_info_t *info;
    const char *min_cf, *max_cf; /* "MIN"/"MAX", or "AVERAGE" when the file has none */
};

static int has_ds(const struct file *f, const char *ds)
{
    char key[PD_RRD_DS_MAX + 16];
    snprintf(key, sizeof(key), "ds[%s].index", ds);
    for (const rrd_info_t *i = f->info; i; i = i->next)
        if (strcmp(i->key, key) == 0)
            return 1;
    return 0;
}

static int has_cf(const struct file *f, const char *cf)
{
    for (const rrd_info_t *i = f->info; i; i = i->next) {
        size_t k = strlen(i->key);
        if (strncmp(i->key, "rra[", 4) == 0 && k > 4 && strcmp(i->key + k - 4, ".cf") == 0 &&
            i->type == RD_I_STR && strcmp(i->value.u_str, cf) == 0)
            return 1;
    }
    return 0;
}

/* -ENOENT naming the first of the NULL-terminated data sources the file
 * lacks, or 0. */
static int need(const struct file *f, enum pd_graph_kind kind, const char *const *ds, char *err,
                size_t errlen)
{
    for (; *ds; ds++)
        if (!has_ds(f, *ds)) {
            snprintf(err, errlen, "%s has no data source \"%s\", which a %s graph needs", f->rel,
                     *ds, pd_graph_kind_name(kind));
            return -ENOENT;
        }
    return 0;
}

static void def(struct args *a, const struct file *f, const char *vname, const char *ds,
                const char *cf)
{
    add(a, "DEF:%s=%s:%s:%s", vname, f->def, ds, cf);
}

/* A stripe of fraction of the height where vname is known and not 0.
 * librrd draws a TICK's own legend over the box it puts before it: the
 * legend goes on an empty AREA instead. */
static void tick(struct args *a, const char *vname, const char *colour, const char *fraction,
                 const char *legend)
{
    add(a, "TICK:%s#%s:%s", vname, colour, fraction);
    add(a, "CDEF:%s_legend=%s,POP,UNKN", vname, vname);
    add(a, "AREA:%s_legend#%s:%s", vname, colour, legend);
}

/* "now", "avg" and "max" of vname with a printf format for one value
 * (written by us: no user text). */
static void stats(struct args *a, const char *vname, const char *label, const char *fmt)
{
    add(a, "VDEF:%s_last=%s,LAST", vname, vname);
    add(a, "VDEF:%s_avg=%s,AVERAGE", vname, vname);
    add(a, "VDEF:%s_max=%s,MAXIMUM", vname, vname);
    add(a, "COMMENT:%s", label);
    add(a, "GPRINT:%s_last:now %s", vname, fmt);
    add(a, "GPRINT:%s_avg:avg %s", vname, fmt);
    add(a, "GPRINT:%s_max:max %s\\l", vname, fmt);
}

/* SmokePing's picture: the band between the round's fastest and slowest
 * echo (and median +- stddev within it) as smoke, the median as a line
 * coloured by the round's loss, a red stripe where every echo was lost. */
static int latency(struct args *a, const struct file *f, char *err, size_t errlen)
{
    static const char *const ds[] = {"rtt_median", "rtt_min", "rtt_max", "loss_pct", NULL};
    int rc = need(f, PD_GRAPH_LATENCY, ds, err, errlen);
    if (rc < 0)
        return rc;
    add(a, "--vertical-label=ms");
    add(a, "--lower-limit=0");
    add(a, "--units-exponent=0");
    def(a, f, "med", "rtt_median", "AVERAGE");
    def(a, f, "lo", "rtt_min", f->min_cf);
    def(a, f, "hi", "rtt_max", f->max_cf);
    def(a, f, "loss", "loss_pct", "AVERAGE");
    add(a, "CDEF:smoke=hi,lo,-");
    add(a, "AREA:lo"); /* invisible: the base the smoke stacks on */
    add(a, "AREA:smoke#B4B4B490:min to max:STACK");
    if (has_ds(f, "rtt_stddev")) {
        def(a, f, "sd", "rtt_stddev", "AVERAGE");
        add(a, "CDEF:sdlo=med,sd,-,lo,MAX");
        add(a, "CDEF:sdhi=med,sd,+,hi,MIN");
        add(a, "CDEF:sdw=sdhi,sdlo,-");
        add(a, "LINE:sdlo");
        add(a, "AREA:sdw#78787880:median ± stddev:STACK");
    }
    add(a, "CDEF:dead=loss,100,GE,1,UNKN,IF");
    tick(a, "dead", "E0000040", "1", "all lost\\l");
    add(a, "CDEF:m0=loss,0,LE,med,UNKN,IF");
    add(a, "CDEF:m1=loss,0,GT,loss,2,LE,*,med,UNKN,IF");
    add(a, "CDEF:m2=loss,2,GT,loss,10,LE,*,med,UNKN,IF");
    add(a, "CDEF:m3=loss,10,GT,med,UNKN,IF");
    add(a, "COMMENT:median, loss");
    add(a, "LINE2:m0#00A000:0");
    add(a, "LINE2:m1#0060FF:≤ 2 %%");
    add(a, "LINE2:m2#FF9000:≤ 10 %%");
    add(a, "LINE2:m3#E00000:> 10 %%\\l");
    stats(a, "med", "median", "%.2lf ms");
    add(a, "VDEF:loss_avg=loss,AVERAGE");
    add(a, "VDEF:loss_max=loss,MAXIMUM");
    add(a, "%s", "GPRINT:loss_avg:loss avg %.2lf %%");
    add(a, "%s", "GPRINT:loss_max:max %.2lf %%\\l");
    return 0;
}

static int loss(struct args *a, const struct file *f, char *err, size_t errlen)
{
    static const char *const ds[] = {"loss_pct", NULL};
    int rc = need(f, PD_GRAPH_LOSS, ds, err, errlen);
    if (rc < 0)
        return rc;
    add(a, "--vertical-label=loss %%");
    add(a, "--lower-limit=0");
    add(a, "--units-exponent=0");
    def(a, f, "loss", "loss_pct", "AVERAGE");
    if (has_cf(f, "MAX")) {
        def(a, f, "lmax", "loss_pct", "MAX");
        add(a, "AREA:lmax#E0000040:worst round");
    }
    add(a, "AREA:loss#E00000:loss\\l");
    stats(a, "loss", "loss", "%.2lf %%");
    return 0;
}

static int jitter(struct args *a, const struct file *f, char *err, size_t errlen)
{
    /* rtp's jitter_ms (RFC 3550) or icmp's jitter (mean RTT change). */
    static const char *const rtp[] = {"jitter_ms", NULL}, *const icmp[] = {"jitter", NULL};
    const char *ds = has_ds(f, "jitter_ms") ? "jitter_ms" : "jitter";
    int rc = need(f, PD_GRAPH_JITTER, has_ds(f, "jitter") ? icmp : rtp, err, errlen);
    if (rc < 0)
        return rc;
    add(a, "--vertical-label=ms");
    add(a, "--lower-limit=0");
    add(a, "--units-exponent=0");
    def(a, f, "jit", ds, "AVERAGE");
    if (has_cf(f, "MAX")) {
        def(a, f, "jmax", ds, "MAX");
        add(a, "AREA:jmax#0060FF30:highest");
    }
    add(a, "LINE2:jit#0060FF:jitter\\l");
    stats(a, "jit", "jitter", "%.2lf ms");
    return 0;
}

/* A phase the round did not reach (no TLS on http://) counts 0 in the
 * stack; a round without a total (failed) draws nothing. */
static void phase(struct args *a, const char *vname, const char *raw)
{
    add(a, "CDEF:%s=total,UN,UNKN,%s,UN,0,%s,IF,IF", vname, raw, raw);
}

static int http(struct args *a, const struct file *f, char *err, size_t errlen)
{
    static const char *const page[] = {"dns_ms", "connect_ms", "ttfb_ms", "total_ms", NULL};
    static const char *const hls[] = {"total_ms", "segment_ms", NULL};
    add(a, "--vertical-label=ms");
    add(a, "--lower-limit=0");
    add(a, "--units-exponent=0");
    if (!has_ds(f, "dns_ms") && has_ds(f, "segment_ms")) {
        /* An HLS check: its rounds fetch several things; no phases. */
        int rc = need(f, PD_GRAPH_HTTP, hls, err, errlen);
        if (rc < 0)
            return rc;
        def(a, f, "total", "total_ms", "AVERAGE");
        def(a, f, "seg", "segment_ms", "AVERAGE");
        add(a, "LINE2:total#0060FF:round");
        add(a, "LINE2:seg#00A000:newest segment\\l");
        stats(a, "total", "round", "%.1lf ms");
        stats(a, "seg", "segment", "%.1lf ms");
        return 0;
    }
    int rc = need(f, PD_GRAPH_HTTP, page, err, errlen);
    if (rc < 0)
        return rc;
    def(a, f, "total", "total_ms", "AVERAGE");
    def(a, f, "dns_raw", "dns_ms", "AVERAGE");
    def(a, f, "con_raw", "connect_ms", "AVERAGE");
    def(a, f, "ttfb_raw", "ttfb_ms", "AVERAGE");
    phase(a, "dns", "dns_raw");
    phase(a, "con", "con_raw");
    phase(a, "ttfb", "ttfb_raw");
    int tls = has_ds(f, "tls_ms");
    if (tls) {
        def(a, f, "tls_raw", "tls_ms", "AVERAGE");
        phase(a, "tls", "tls_raw");
    }
    add(a, "CDEF:rest=total,dns,-,con,-,%sttfb,-,0,MAX", tls ? "tls,-," : "");
    add(a, "AREA:dns#8E44AD:DNS");
    add(a, "AREA:con#F39C12:connect:STACK");
    if (tls)
        add(a, "AREA:tls#C0392B:TLS:STACK");
    add(a, "AREA:ttfb#2E86C1:first byte:STACK");
    add(a, "AREA:rest#27AE60:body\\l:STACK");
    stats(a, "total", "total", "%.1lf ms");
    return 0;
}

/* An interface: received up, sent mirrored below zero, a red tick where
 * either direction counted errors. */
static int traffic(struct args *a, const struct file *f, char *err, size_t errlen)
{
    static const char *const ds[] = {"in_bps", "out_bps", NULL};
    int rc = need(f, PD_GRAPH_TRAFFIC, ds, err, errlen);
    if (rc < 0)
        return rc;
    add(a, "--vertical-label=bit/s");
    add(a, "--base=1000");
    def(a, f, "in", "in_bps", "AVERAGE");
    def(a, f, "out", "out_bps", "AVERAGE");
    add(a, "CDEF:out_neg=out,-1,*");
    add(a, "AREA:in#27AE60:in");
    add(a, "AREA:out_neg#2E86C1:out");
    add(a, "HRULE:0#404040");
    if (has_ds(f, "in_errors") && has_ds(f, "out_errors")) {
        def(a, f, "ierr", "in_errors", "AVERAGE");
        def(a, f, "oerr", "out_errors", "AVERAGE");
        add(a, "CDEF:err=ierr,oerr,ADDNAN");
        add(a, "CDEF:err_tick=err,0,GT,1,UNKN,IF");
        tick(a, "err_tick", "E00000", "0.1", "errors");
    }
    if (has_ds(f, "in_discards") && has_ds(f, "out_discards")) {
        def(a, f, "idisc", "in_discards", "AVERAGE");
        def(a, f, "odisc", "out_discards", "AVERAGE");
        add(a, "CDEF:disc=idisc,odisc,ADDNAN");
        add(a, "CDEF:disc_tick=disc,0,GT,1,UNKN,IF");
        tick(a, "disc_tick", "FF9000", "0.05", "discards");
    }
    add(a, "COMMENT:\\l");
    stats(a, "in", "in ", "%6.2lf %sbit/s");
    stats(a, "out", "out", "%6.2lf %sbit/s");
    if (has_ds(f, "in_errors") && has_ds(f, "out_errors")) {
        add(a, "VDEF:err_avg=err,AVERAGE");
        add(a, "VDEF:err_max=err,MAXIMUM");
        add(a, "%s", "GPRINT:err_avg:errors avg %.2lf/s");
        add(a, "%s", "GPRINT:err_max:max %.2lf/s\\l");
    }
    return 0;
}

/* Media quality of an rtp check or one direction: jitter (ms) and loss (%)
 * share one scale, labelled on both sides; the numbers stay readable
 * without a second, independent axis that librrd cannot auto-scale. */
static int rtp(struct args *a, const struct file *f, char *err, size_t errlen)
{
    static const char *const ds[] = {"loss_pct", "jitter_ms", NULL};
    int rc = need(f, PD_GRAPH_RTP, ds, err, errlen);
    if (rc < 0)
        return rc;
    add(a, "--vertical-label=jitter ms");
    add(a, "--right-axis=1:0");
    add(a, "--right-axis-label=loss %%");
    add(a, "--lower-limit=0");
    add(a, "--units-exponent=0");
    def(a, f, "loss", "loss_pct", "AVERAGE");
    def(a, f, "jit", "jitter_ms", "AVERAGE");
    add(a, "AREA:loss#E0000090:loss %%");
    add(a, "LINE2:jit#0060FF:jitter ms");
    if (has_ds(f, "capture_drops")) {
        def(a, f, "drops", "capture_drops", "AVERAGE");
        add(a, "CDEF:drop_tick=drops,0,GT,1,UNKN,IF");
        tick(a, "drop_tick", "FF9000", "0.08", "capture drops");
    }
    add(a, "COMMENT:\\l");
    stats(a, "jit", "jitter", "%.2lf ms");
    stats(a, "loss", "loss  ", "%.2lf %%");
    return 0;
}

static int font_valid(const char *font)
{
    size_t n = strlen(font);
    if (n == 0 || n > FONT_MAX || !pd_utf8_valid(font, n, &(size_t){0}))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)font[i] < 0x20 || font[i] == ':' || font[i] == '\\' || font[i] == 0x7f)
            return 0;
    return 1;
}

static unsigned clamp(unsigned v, unsigned def, unsigned lo, unsigned hi)
{
    return v == 0 ? def : v < lo ? lo : v > hi ? hi : v;
}

/* The DEF form of a path: ':' escaped. A backslash, which librrd's field
 * parser might read as an escape, is refused. */
static int def_path(const char *path, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = path; *p; p++) {
        if (*p == '\\' || (unsigned char)*p < 0x20)
            return -EINVAL;
        if (n + 3 > len)
            return -ENAMETOOLONG;
        if (*p == ':')
            out[n++] = '\\';
        out[n++] = *p;
    }
    out[n] = '\0';
    return 0;
}

static int (*const kinds[])(struct args *, const struct file *, char *, size_t) = {
    [PD_GRAPH_LATENCY] = latency, [PD_GRAPH_LOSS] = loss,       [PD_GRAPH_JITTER] = jitter,
    [PD_GRAPH_HTTP] = http,       [PD_GRAPH_TRAFFIC] = traffic, [PD_GRAPH_RTP] = rtp,
};

/* The common options, then the kind's data and drawing. */
static int build(const struct pd_graph_req *req, struct file *f, struct args *a, char *err,
                 size_t errlen)
{
    pd_ns now = req->now ? req->now : pd_clock_wall();
    long end = (long)(now / PD_SEC);
    add(a, "graph"); /* argv[0] */
    add(a, "-");     /* into memory: the info's "image" */
    add(a, "--imgformat=%s", req->format == PD_GRAPH_SVG ? "SVG" : "PNG");
    add(a, "--start=%ld", end - pd_graph_period_seconds(req->period));
    add(a, "--end=%ld", end);
    add(a, "--width=%u",
        clamp(req->width, PD_GRAPH_WIDTH_DEF, PD_GRAPH_WIDTH_MIN, PD_GRAPH_WIDTH_MAX));
    add(a, "--height=%u",
        clamp(req->height, PD_GRAPH_HEIGHT_DEF, PD_GRAPH_HEIGHT_MIN, PD_GRAPH_HEIGHT_MAX));
    if (req->full_size)
        add(a, "--full-size-mode");
    add(a, "--font=DEFAULT:9:%s", req->font ? req->font : PD_GRAPH_FONT_DEFAULT);
    add(a, "--font=TITLE:11:%s", req->font ? req->font : PD_GRAPH_FONT_DEFAULT);
    /* librrd places a legend's text a few spaces after its colour box:
     * with a proportional font the box covers the first letter. */
    add(a, "--font=LEGEND:8:%s", PD_GRAPH_FONT_LEGEND);
    add(a, "--slope-mode");
    add(a, "--disable-rrdtool-tag");
    add(a, "--border=0");
    add(a, "--color=BACK#FFFFFF");
    add(a, "--color=CANVAS#FFFFFF");
    add(a, "--color=GRID#D0D0D080");
    add(a, "--color=MGRID#A0A0A090");
    char text[TEXT_MAX];
    if (req->title && req->title[0]) {
        pd_graph_escape_title(req->title, text, sizeof(text)); /* a long one is cut */
        add(a, "--title=%s", text);
    }
    if (req->comment && req->comment[0]) {
        pd_graph_escape(req->comment, 0, text, sizeof(text));
        add(a, "COMMENT:%s\\c", text);
    }
    int rc = kinds[req->kind](a, f, err, errlen);
    if (rc == 0 && a->failed) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
    }
    return rc;
}

/* Runs librrd; the lock is held. */
static int run(struct args *a, void **out, size_t *len, unsigned *width, unsigned *height,
               char *err, size_t errlen)
{
    char *argv[MAX_ARGS];
    memcpy(argv, a->v, sizeof(*argv) * (size_t)a->n); /* librrd may permute its argv */
    rrd_clear_error();
    rrd_info_t *info = graph_v(a->n, argv);
    if (!info) {
        snprintf(err, errlen, "librrd: %s", rrd_get_error());
        return -EIO;
    }
    int rc = -EIO;
    const rrd_info_t *image = NULL;
    unsigned long w = 0, h = 0;
    for (const rrd_info_t *i = info; i; i = i->next) {
        if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO)
            image = i;
        else if (strcmp(i->key, "image_width") == 0 && i->type == RD_I_CNT)
            w = i->value.u_cnt;
        else if (strcmp(i->key, "image_height") == 0 && i->type == RD_I_CNT)
            h = i->value.u_cnt;
    }
    if (!image || image->value.u_blo.size == 0) {
        snprintf(err, errlen, "librrd returned no image");
        goto out;
    }
    if (!(*out = malloc(image->value.u_blo.size))) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    memcpy(*out, image->value.u_blo.ptr, image->value.u_blo.size);
    *len = image->value.u_blo.size;
    if (width)
        *width = (unsigned)w;
    if (height)
        *height = (unsigned)h;
    rc = 0;
out:
    rrd_info_free(info);
    return rc;
}

static int check_req(const struct pd_graph_req *req, char *err, size_t errlen)
{
    if ((unsigned)req->kind >= N_KINDS) {
        snprintf(err, errlen, "unknown graph kind %d", (int)req->kind);
        return -EINVAL;
    }
    if ((unsigned)req->period >= N_PERIODS) {
        snprintf(err, errlen, "unknown graph period %d", (int)req->period);
        return -EINVAL;
    }
    if (req->format != PD_GRAPH_PNG && req->format != PD_GRAPH_SVG) {
        snprintf(err, errlen, "unknown image format %d", (int)req->format);
        return -EINVAL;
    }
    if (req->font && !font_valid(req->font)) {
        snprintf(err, errlen, "font name: 1 to %d characters, no ':', '\\' or control characters",
                 FONT_MAX);
        return -EINVAL;
    }
    if (!req->data_dir || !req->target_id || !req->check_id) {
        snprintf(err, errlen, "no data directory, target or check");
        return -EINVAL;
    }
    return 0;
}

/* The file of a target's check (or series): its path checked, its info
 * read. Takes the lock, which the caller releases after close_file. */
static int open_file(const char *data_dir, const char *target, const char *check,
                     const char *series, struct file *f, char *rel, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int rc;
    /* Ids only: pd_rrd_path refuses anything but [a-z0-9._-], "." and "..". */
    if (pd_rrd_path("", target, check, series, rel, PATH_MAX) < 0 ||
        (rc = pd_rrd_path(data_dir, target, check, series, path, sizeof(path))) == -EINVAL) {
        snprintf(err, errlen, "not a valid target, check or series id (expected [a-z0-9._-])");
        return -EINVAL;
    }
    if (rc < 0 || (rc = def_path(path, f->def, sizeof(f->def))) < 0) {
        snprintf(err, errlen, "%s: %s", rc == -EINVAL ? "data directory has a backslash" : "path",
                 strerror(-rc));
        return rc;
    }
    /* Messages name the file under the data directory ("rrd/..."): they
     * may reach a web page, where the server's layout has no business. */
    f->rel = rel + 1;
    struct stat st;
    if (stat(path, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", f->rel, rc == -ENOENT ? "no such series" : strerror(-rc));
        return rc;
    }
    pthread_mutex_lock(&graph_lock);
    rrd_clear_error();
    f->info = rrd_info_r(path);
    if (!f->info) {
        snprintf(err, errlen, "%s: %s", f->rel, rrd_get_error());
        pthread_mutex_unlock(&graph_lock);
        return -EIO;
    }
    f->min_cf = has_cf(f, "MIN") ? "MIN" : "AVERAGE";
    f->max_cf = has_cf(f, "MAX") ? "MAX" : "AVERAGE";
    return 0;
}

static void close_file(struct file *f)
{
    rrd_info_free(f->info);
    pthread_mutex_unlock(&graph_lock);
}

int pd_graph_render(const struct pd_graph_req *req, void **out, size_t *len, unsigned *width,
                    unsigned *height, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    struct args a = {0};
    struct file f = {0};
    char rel[PATH_MAX];
    int rc = check_req(req, err, errlen);
    if (rc < 0)
        return rc;
    rc = open_file(req->data_dir, req->target_id, req->check_id, req->series, &f, rel, err, errlen);
    if (rc < 0)
        return rc;
    if ((rc = build(req, &f, &a, err, errlen)) == 0)
        rc = run(&a, out, len, width, height, err, errlen);
    close_file(&f);
    args_free(&a);
    return rc;
}

int pd_graph_kinds(const char *data_dir, const char *target_id, const char *check_id,
                   const char *series, unsigned *mask, char *err, size_t errlen)
{
    struct file f = {0};
    char rel[PATH_MAX], why[256];
    *mask = 0;
    int rc = open_file(data_dir, target_id, check_id, series, &f, rel, err, errlen);
    if (rc < 0)
        return rc;
    /* A kind fits when its drawing finds every data source it needs: the
     * same test a render makes, so the two never disagree. */
    for (size_t k = 0; k < N_KINDS; k++) {
        struct args a = {0};
        if (kinds[k](&a, &f, why, sizeof(why)) == 0 && !a.failed)
            *mask |= 1u << k;
        args_free(&a);
    }
    close_file(&f);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pd_graph_series(const char *data_dir, const char *target_id, const char *check_id,
                    char ***names, size_t *n)
{
    char dir[PATH_MAX];
    *names = NULL;
    *n = 0;
    /* The check's own file name, less ".rrd", is the directory of its parts. */
    int rc = pd_rrd_path(data_dir, target_id, check_id, NULL, dir, sizeof(dir));
    if (rc < 0)
        return rc;
    size_t len = strlen(dir);
    if (len < 4 || strcmp(dir + len - 4, ".rrd") != 0)
        return -EINVAL;
    dir[len - 4] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
    char **v = NULL;
    size_t count = 0, cap = 0;
    rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t k = strlen(e->d_name);
        if (k <= 4 || strcmp(e->d_name + k - 4, ".rrd") != 0)
            continue;
        char *name = strndup(e->d_name, k - 4);
        if (name && !pd_id_valid(name)) {
            free(name); /* not a file the store wrote */
            continue;
        }
        if (name && count == cap) {
            size_t c = cap ? 2 * cap : 8;
            char **nv = realloc(v, c * sizeof(*nv));
            if (nv) {
                v = nv;
                cap = c;
            }
        }
        if (!name || count == cap) {
            free(name);
            rc = -ENOMEM;
            break;
        }
        v[count++] = name;
    }
    closedir(d);
    if (rc < 0) {
        pd_graph_series_free(v, count);
        return rc;
    }
    if (count)
        qsort(v, count, sizeof(*v), cmp_name);
    *names = v;
    *n = count;
    return 0;
}

void pd_graph_series_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void pd_graph_warm_up(void)
{
    struct args a = {0};
    add(&a, "graph");
    add(&a, "-");
    add(&a, "--font=DEFAULT:9:%s", PD_GRAPH_FONT_DEFAULT);
    add(&a, "--end=86400");
    add(&a, "--start=0");
    add(&a, "COMMENT:warm-up 預熱");
    if (!a.failed) {
        pthread_mutex_lock(&graph_lock);
        char *argv[MAX_ARGS];
        memcpy(argv, a.v, sizeof(*argv) * (size_t)a.n);
        rrd_info_t *info = graph_v(a.n, argv);
        if (info)
            rrd_info_free(info);
        rrd_clear_error();
        pthread_mutex_unlock(&graph_lock);
    }
    args_free(&a);
}
