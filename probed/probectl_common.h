/*
 * What probectl's read commands share: option errors, opening the event
 * store, the daemon's last run, and machine-readable output (CSV for
 * spreadsheets, JSON for scripts, the metrics text the store keeps).
 *
 * CSV follows RFC 4180 (CRLF line ends, quotes doubled) and is UTF-8,
 * optionally with a byte order mark so that Excel reads Chinese correctly.
 * JSON passes UTF-8 through, escapes control characters and turns invalid
 * bytes into U+FFFD, so the output is always valid.
 */
#ifndef PROBED_PROBECTL_COMMON_H
#define PROBED_PROBECTL_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "db.h"
#include "plugin.h"

#define PCTL_BOM      "\xef\xbb\xbf"
#define PCTL_JSON_MAX 8 /* nesting depth */
#define PCTL_TEXT_LEN 512

enum pctl_format { PCTL_TABLE, PCTL_CSV, PCTL_JSON };

/* Never ran: no run recorded. Lost: no clean stop, and no heartbeat for
 * three heartbeat intervals. */
enum pctl_daemon_state { PCTL_NEVER_RAN, PCTL_RUNNING, PCTL_LOST, PCTL_STOPPED };

struct pctl_run {
    int found; /* 0: no run recorded, the rest is zero */
    pd_ns started, last_heartbeat, stopped;
    int pid;
    char host[256], version[64];
};

/* Print "probectl CMD: <message>" and a pointer to --help; returns 2, the
 * exit code for bad usage. */
int pctl_usage_error(FILE *errout, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For getopt_long() run with opterr = 0 and ":" leading the short
 * options: explains opt ('?' or ':'). Returns 2. */
int pctl_option_error(FILE *errout, const char *cmd, int opt, char **argv);
/* "table", "csv", and "json" when allow_json. 0 or -EINVAL. */
int pctl_parse_format(const char *text, int allow_json, enum pctl_format *out);

/* Open the store read-only, explaining failures on errout (a missing store
 * is most likely a configuration naming another data_dir). 0 or -errno. */
int pctl_open_store(const struct pd_config *cfg, const char *cmd, struct pd_db **db, FILE *errout);
/* The last run, or run->found = 0. 0 or -errno (explained on errout). */
int pctl_load_run(struct pd_db *db, struct pctl_run *run, const char *cmd, FILE *errout);
/* heartbeat: the configured interval (<= 0: the default 60s). */
enum pctl_daemon_state pctl_daemon_state(const struct pctl_run *run, pd_ns heartbeat, pd_ns now);
/* "never_ran", "running", "not_running", "stopped" */
const char *pctl_daemon_state_name(enum pctl_daemon_state st);

/* Flush out; 0, or 1 (the exit code) after saying why on errout. */
int pctl_finish_output(FILE *out, FILE *errout, const char *cmd);

/* Make room for one more element in the array v (taken) of *cap elements
 * of size bytes, n of them used. Returns the array to use from now on, or
 * NULL when out of memory (then v is still valid and still the caller's). */
void *pctl_grow(void *v, size_t *cap, size_t n, size_t size);
/* strdup() that turns NULL into "". */
char *pctl_strdup(const char *s);
/* Who runs the command, for records: the login behind sudo, else the user. */
const char *pctl_who(void);

/* One cell; first: no comma before it. free_text: text from people or
 * devices, which gets a leading ' when it starts with = + - @ (else a
 * spreadsheet would run it as a formula). s NULL: empty cell. */
void pctl_csv_cell(FILE *out, const char *s, int first, int free_text);
/* ISO 8601 with offset in the configured zone, with the fraction of the
 * second when there is one (pd_time_format_exact); 0: empty cell. Never
 * first. */
void pctl_csv_time(FILE *out, pd_ns t);
void pctl_csv_end_row(FILE *out);
/* The optional BOM and the header row. */
void pctl_csv_header(FILE *out, int bom, const char *const *names, size_t n);

/* A pretty-printing writer, one member per line. Zero it, set out, then
 * pctl_json_open(j, NULL, '{') ... pctl_json_close(j, '}'). key: the
 * member name inside an object, NULL inside an array. */
struct pctl_json {
    FILE *out;                    /* rw */
    int depth;                    /* private */
    int has_items[PCTL_JSON_MAX]; /* private */
};

void pctl_json_escape(FILE *out, const char *s); /* NULL: "" */
void pctl_json_open(struct pctl_json *j, const char *key, char bracket);
void pctl_json_close(struct pctl_json *j, char bracket);
void pctl_json_str(struct pctl_json *j, const char *key, const char *value);
void pctl_json_time(struct pctl_json *j, const char *key, pd_ns t); /* 0: null */
void pctl_json_int(struct pctl_json *j, const char *key, long long value);
/* decimals after the point; NAN and infinities: null. */
void pctl_json_num(struct pctl_json *j, const char *key, double value, int decimals);
void pctl_json_bool(struct pctl_json *j, const char *key, int value);
void pctl_json_null(struct pctl_json *j, const char *key);
/* The stored metrics object re-emitted (numbers as stored), or null when
 * the text is not the flat object the storage writes. */
void pctl_json_metrics(struct pctl_json *j, const char *key, const char *text);

/* text: a current_state.last_metrics object, {"name": number or null, ...}
 * ("" counts as {}). Writes "connect_ms=0.41 loss_pct=0" into buf: values
 * as stored when raw, else rounded to 4 significant digits; unknown (null)
 * values left out; text that is not such an object copied as it is. */
void pctl_metrics_summary(const char *text, int raw, char *buf, size_t len);

#endif
