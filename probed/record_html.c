/*
 * A record as one printable HTML file: inline style only, no script and
 * no external reference (as the availability report's), a table per
 * section; a table marked `page` begins a printed page (a site's
 * checklist), one marked `form` has rows tall enough to write in.
 */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "report_write.h"
#include "timefmt.h"

#define NULL_FIGURE "\u2014" /* an em dash: a null figure is never 0 */

static const char style[] =
    "@page { size: A4 landscape; margin: 12mm }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"PingFang SC\",\n"
    "  \"Microsoft YaHei\", \"WenQuanYi Micro Hei\", sans-serif; font-size: 10pt;\n"
    "  color: #111; margin: 1em auto; max-width: 1500px; padding: 0 1em }\n"
    "h1 { font-size: 16pt; margin: 0 0 .4em }\n"
    "h2 { font-size: 12pt; margin: 1.2em 0 .4em; break-after: avoid }\n"
    "table { border-collapse: collapse; width: 100%; margin-bottom: .8em; font-size: 8pt }\n"
    "table.meta { width: auto; font-size: 9pt }\n"
    "th, td { border: 1px solid #999; padding: 2px 4px; vertical-align: top; text-align: left }\n"
    "th { background: #eee; font-weight: 600 }\n"
    "thead { display: table-header-group }\n"
    "tr { break-inside: avoid; page-break-inside: avoid }\n"
    "td.n { text-align: right; font-variant-numeric: tabular-nums }\n"
    "table.form td { height: 2.2em }\n"
    "section.page { break-before: page; page-break-before: always }\n"
    ".banner { border: 2px solid #b00; background: #fde0dc; color: #900; font-weight: bold;\n"
    "  padding: .5em; margin: .5em 0 }\n"
    ".mono, .digest { font-family: monospace; word-break: break-all }\n"
    ".digest { font-size: 8pt; margin-top: 2em }\n"
    "@media print { body { margin: 0; padding: 0; max-width: none } }\n";

static void put_cell(FILE *f, const struct pd_cell *c)
{
    char buf[PD_TIME_BUFLEN];
    switch (c->kind) {
    case PD_CELL_TEXT:
        fputs("<td>", f);
        pd_html_text(f, c->text);
        break;
    case PD_CELL_NUM:
        fputs("<td class=\"n\">", f);
        if (isfinite(c->num))
            fprintf(f, "%.*f", c->decimals, c->num);
        else
            fputs(NULL_FIGURE, f);
        break;
    case PD_CELL_TIME:
        fprintf(f, "<td>%s", pd_time_format_iso(c->time, buf, sizeof(buf)));
        break;
    case PD_CELL_EMPTY:
        fputs("<td>", f);
        break;
    }
    fputs("</td>", f);
}

/* The heading's id is the table's place (names hold spaces and '/'). */
static void put_table(FILE *f, const struct pd_rtable *t, size_t index)
{
    fprintf(f, "<section%s>\n<h2 id=\"t%zu\">", t->page ? " class=\"page\"" : "", index + 1);
    pd_html_text(f, t->title);
    fputs("</h2>\n", f);
    if (t->intro) {
        fputs("<p>", f);
        pd_html_text(f, t->intro);
        fputs("</p>\n", f);
    }
    if (t->n_rows == 0) {
        fputs("<p>None.</p>\n</section>\n", f);
        return;
    }
    fprintf(f, "<table%s>\n<thead><tr>", t->form ? " class=\"form\"" : "");
    for (size_t k = 0; k < t->n_cols; k++) {
        fputs("<th>", f);
        pd_html_text(f, t->cols[k]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t row = 0; row < t->n_rows; row++) {
        fputs("<tr>", f);
        for (size_t k = 0; k < t->n_cols; k++)
            put_cell(f, &t->cells[row * t->n_cols + k]);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

int pd_record_html(const struct pd_record *r, char **doc, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -ENOMEM;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    pd_html_text(f, r->title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
    pd_html_text(f, r->title);
    fputs("</h1>\n", f);
    if (r->banner) {
        fputs("<p class=\"banner\">", f);
        pd_html_text(f, r->banner);
        fputs("</p>\n", f);
    }
    fputs("<table class=\"meta\">\n", f);
    for (size_t i = 0; i < r->n_lines; i++) {
        fputs("<tr><th>", f);
        pd_html_text(f, r->lines[i].label);
        fputs("</th><td>", f);
        pd_html_text(f, r->lines[i].value);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<p>Times are ISO 8601 with their offset; a dash (" NULL_FIGURE
          ") is a figure that cannot be computed.</p>\n",
          f);
    for (size_t i = 0; i < r->n_tables; i++)
        put_table(f, &r->tables[i], i);
    return pd_digest_finish(f, &buf, &n, 0, PD_REPORT_HTML, doc, len);
}
