/*
 * Graphs of a check's series, rendered in memory (PNG or SVG) with librrd,
 * for the dashboard's device pages and probectl.
 *
 * Thread-safe: any thread may call pd_graph_render. librrd 1.7's graph code
 * is not (one process-wide Pango font map: heap corruption with two
 * threads), so every render takes one global lock; a PNG of 600x200 takes
 * about 10 ms, an SVG about 3 ms, so the lock costs nothing a dashboard
 * would notice. The first render of a process loads fontconfig's cache
 * (25-130 ms): call pd_graph_warm_up once at start, off the loop.
 *
 * Files are found only from ids ([a-z0-9._-]{1,64}, as pd_rrd_path):
 * <data_dir>/rrd/<target>/<check>.rrd, or <check>/<series>.rrd for a part
 * of a check (an SNMP interface, an RTP direction "out"/"in"). Text from
 * users (title, comment) is escaped here; callers pass it as it is.
 */
#ifndef PROBED_GRAPH_H
#define PROBED_GRAPH_H

#include <stddef.h>

#include "plugin.h"

#define PD_GRAPH_WIDTH_MIN    200 /* the plot area, in pixels; the image is larger */
#define PD_GRAPH_WIDTH_MAX    2000
#define PD_GRAPH_HEIGHT_MIN   80
#define PD_GRAPH_HEIGHT_MAX   1000
#define PD_GRAPH_WIDTH_DEF    600
#define PD_GRAPH_HEIGHT_DEF   200
#define PD_GRAPH_FONT_DEFAULT "Noto Sans CJK SC"      /* fonts-noto-cjk: CJK and Latin */
#define PD_GRAPH_FONT_LEGEND  "Noto Sans Mono CJK SC" /* legends: monospaced, see graph.c */

enum pd_graph_format { PD_GRAPH_PNG, PD_GRAPH_SVG };

enum pd_graph_kind {
    PD_GRAPH_LATENCY, /* icmp: median coloured by loss over min-max smoke */
    PD_GRAPH_LOSS,    /* icmp or rtp: loss_pct */
    PD_GRAPH_JITTER,  /* rtp jitter_ms or icmp jitter */
    PD_GRAPH_HTTP,    /* http: phases stacked (dns, connect, tls, ttfb, rest) */
    PD_GRAPH_TRAFFIC, /* snmp interface series: bit/s in up, out down, errors */
    PD_GRAPH_RTP,     /* rtp check or direction series: jitter_ms and loss_pct */
};

enum pd_graph_period { PD_GRAPH_6H, PD_GRAPH_1D, PD_GRAPH_7D, PD_GRAPH_30D, PD_GRAPH_1Y };

struct pd_graph_req {
    const char *data_dir;  /* borrowed; may hold any byte but NUL */
    const char *target_id; /* borrowed; ids as pd_rrd_path, else -EINVAL */
    const char *check_id;
    const char *series; /* NULL: the check's own file */
    enum pd_graph_kind kind;
    enum pd_graph_period period;
    unsigned width, height; /* plot area; 0: the default; clamped to the bounds */
    int full_size;          /* 1: width and height are the whole image's (librrd's
                             * --full-size-mode: the plot area is what is left) */
    enum pd_graph_format format;
    const char *title;   /* user text (UTF-8) or NULL; control characters dropped */
    const char *comment; /* user text under the title (a device's name) or NULL */
    const char *font;    /* title and axes: a fontconfig family, NULL: PD_GRAPH_FONT_DEFAULT */
    pd_ns now;           /* wall time of the graph's right edge; 0: now */
};

/* "latency" ... "rtp", "6h" "1d" "7d" "30d" "1y": 0, or -EINVAL for
 * anything else (NULL included). */
int pd_graph_kind_parse(const char *s, enum pd_graph_kind *out);
int pd_graph_period_parse(const char *s, enum pd_graph_period *out);
const char *pd_graph_kind_name(enum pd_graph_kind kind);
const char *pd_graph_period_name(enum pd_graph_period period);
/* The period in seconds. */
long pd_graph_period_seconds(enum pd_graph_period period);

/*
 * Render the graph. On success *out is a malloc'ed image of *len bytes
 * (taken by the caller, free() it) and *width, *height its size in pixels
 * (either pointer may be NULL); returns 0. Otherwise *out is NULL, err holds
 * a sentence, and the result is -EINVAL (a bad id, kind, period, format or
 * font), -ENOENT (no such file, or the file lacks a data source the kind
 * needs: a latency graph of an http check), -ENOMEM, or -EIO (librrd
 * failed: its message is in err).
 */
int pd_graph_render(const struct pd_graph_req *req, void **out, size_t *len, unsigned *width,
                    unsigned *height, char *err, size_t errlen);

/*
 * The kinds a check's file (or series) can be drawn as: bit k of *mask for
 * enum pd_graph_kind k, as pd_graph_render would find them. 0, or -EINVAL
 * (bad id), -ENOENT (no file), -EIO (librrd could not read it) with err.
 */
int pd_graph_kinds(const char *data_dir, const char *target_id, const char *check_id,
                   const char *series, unsigned *mask, char *err, size_t errlen);

/*
 * The parts of a check stored as series (<check>/<series>.rrd: an SNMP
 * interface, an RTP direction), sorted; names that are not ids are left
 * out. *names (taken: pd_graph_series_free) is NULL when there are none.
 * 0, or -EINVAL (bad id), -ENOMEM, -errno of the directory.
 */
int pd_graph_series(const char *data_dir, const char *target_id, const char *check_id,
                    char ***names, size_t *n);
void pd_graph_series_free(char **names, size_t n);

/* Render a small graph without a file and drop it, so that fontconfig's
 * cache is loaded before the first real request. */
void pd_graph_warm_up(void);

/*
 * User text for a legend, COMMENT or GPRINT argument of librrd, written to
 * out (len > 0, always NUL-terminated): ':' becomes "\:" (a bare colon
 * ends the field), '\' becomes '/' (librrd reads "\X" as a control code,
 * and a trailing unknown one is an error), tab, CR and LF become a space,
 * other control characters and DEL are dropped, an invalid UTF-8 sequence
 * becomes '?'; with format set (a GPRINT format), '%' becomes "%%". Never
 * cuts an escape or a character in two. 0, or -ENOSPC when out was too
 * small (out then holds as much as fitted).
 */
int pd_graph_escape(const char *in, int format, char *out, size_t len);

/* A title (taken literally by librrd): the same replacements of control
 * characters and invalid UTF-8, nothing escaped. 0 or -ENOSPC as above. */
int pd_graph_escape_title(const char *in, char *out, size_t len);

#endif
