#include "probectl_common.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text_table.h"
#include "utf8.h"
#include "timefmt.h"

void *pctl_grow(void *v, size_t *cap, size_t n, size_t size)
{
    size_t c = *cap ? *cap * 2 : 64;
    void *nv;

    if (n < *cap)
        return v;
    if (c > SIZE_MAX / size)
        return NULL;
    nv = realloc(v, c * size);
    if (nv)
        *cap = c;
    return nv;
}

char *pctl_strdup(const char *s)
{
    return strdup(s ? s : "");
}

const char *pctl_who(void)
{
    const char *u = getenv("SUDO_USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "?";
}

int pctl_usage_error(FILE *errout, const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(errout, "probectl %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(errout, fmt, ap);
    va_end(ap);
    fprintf(errout, "\nTry 'probectl %s --help'.\n", cmd);
    return 2;
}

/* getopt_long() was told to be quiet (opterr = 0, ':' first): say why. */
int pctl_option_error(FILE *errout, const char *cmd, int opt, char **argv)
{
    const char *what = argv[optind - 1];

    if (opt == ':')
        return pctl_usage_error(errout, cmd, "option '%s' needs a value", what);
    return pctl_usage_error(errout, cmd, "unknown option '%s'", what);
}

int pctl_parse_format(const char *text, int allow_json, enum pctl_format *out)
{
    if (strcmp(text, "table") == 0)
        *out = PCTL_TABLE;
    else if (strcmp(text, "csv") == 0)
        *out = PCTL_CSV;
    else if (allow_json && strcmp(text, "json") == 0)
        *out = PCTL_JSON;
    else
        return -EINVAL;
    return 0;
}

int pctl_open_store(const struct pd_config *cfg, const char *cmd, struct pd_db **db, FILE *errout)
{
    char err[512] = "";
    int rc = pd_db_open(cfg->data_dir, 1, db, err, sizeof(err));

    if (rc == -ENOENT)
        fprintf(errout,
                "probectl %s: no event store %s/%s: has probed run with this configuration?\n", cmd,
                cfg->data_dir, PD_DB_FILE);
    else if (rc < 0)
        fprintf(errout, "probectl %s: %s\n", cmd, err[0] ? err : strerror(-rc));
    return rc;
}

static int copy_run(const struct pd_run_row *r, void *arg)
{
    struct pctl_run *run = arg;

    run->found = 1;
    run->started = r->started;
    run->last_heartbeat = r->last_heartbeat;
    run->stopped = r->stopped;
    run->pid = r->pid;
    snprintf(run->host, sizeof(run->host), "%s", r->host ? r->host : "");
    snprintf(run->version, sizeof(run->version), "%s", r->version ? r->version : "");
    return 0;
}

int pctl_load_run(struct pd_db *db, struct pctl_run *run, const char *cmd, FILE *errout)
{
    int rc = pd_db_last_run(db, copy_run, run);

    if (rc < 0 && rc != -ENOENT) {
        fprintf(errout, "probectl %s: reading the last run: %s\n", cmd, strerror(-rc));
        return rc;
    }
    return 0;
}

/* Running means a heartbeat within three intervals: one late or lost write
 * is not a dead daemon, three are. */
enum pctl_daemon_state pctl_daemon_state(const struct pctl_run *run, pd_ns heartbeat, pd_ns now)
{
    pd_ns beat = heartbeat > 0 ? heartbeat : 60 * PD_SEC;

    if (!run->found)
        return PCTL_NEVER_RAN;
    if (run->stopped)
        return PCTL_STOPPED;
    return now - run->last_heartbeat <= 3 * beat ? PCTL_RUNNING : PCTL_LOST;
}

const char *pctl_daemon_state_name(enum pctl_daemon_state st)
{
    static const char *const names[] = {"never_ran", "running", "not_running", "stopped"};

    return names[st];
}

int pctl_finish_output(FILE *out, FILE *errout, const char *cmd)
{
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(errout, "probectl %s: writing the output: %s\n", cmd, strerror(errno));
        return 1;
    }
    return 0;
}

void pctl_csv_cell(FILE *out, const char *s, int first, int free_text)
{
    if (!first)
        fputc(',', out);
    if (!s)
        return;
    /* A spreadsheet runs a cell starting with = + - @ as a formula, and
     * reasons can carry text from the probed device. */
    if (free_text && s[0] && strchr("=+-@\t\r", s[0])) {
        fputs("\"'", out);
    } else if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
    } else {
        fputs(s, out);
        return;
    }
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void pctl_csv_time(FILE *out, pd_ns t)
{
    char buf[PD_TIME_BUFLEN];

    pctl_csv_cell(out, t ? pd_time_format_exact(t, buf, sizeof(buf)) : "", 0, 0);
}

void pctl_csv_end_row(FILE *out)
{
    fputs("\r\n", out);
}

void pctl_csv_header(FILE *out, int bom, const char *const *names, size_t n)
{
    if (bom)
        fputs(PCTL_BOM, out);
    for (size_t i = 0; i < n; i++)
        pctl_csv_cell(out, names[i], i == 0, 0);
    pctl_csv_end_row(out);
}

/* Strings as JSON: UTF-8 passed through, invalid bytes as U+FFFD. */
void pctl_json_escape(FILE *out, const char *s)
{
    size_t n = s ? strlen(s) : 0, run = 0;

    fputc('"', out);
    /* Bytes that go out as they are are written in runs, not one by one:
     * reports escape millions of strings. */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = pd_utf8_decode(s + i, n - i, &cp);
        if (cp >= 0x80 && cp != 0xFFFD) {
            i += k;
            continue;
        }
        fwrite(s + run, 1, i - run, out);
        if (cp == '"' || cp == '\\')
            fprintf(out, "\\%c", (int)cp);
        else if (cp == '\n')
            fputs("\\n", out);
        else if (cp == '\t')
            fputs("\\t", out);
        else if (cp < 0x20)
            fprintf(out, "\\u%04x", (unsigned)cp);
        else
            fputs("\xef\xbf\xbd", out); /* U+FFFD for an invalid sequence */
        i += k;
        run = i;
    }
    fwrite(s + run, 1, n - run, out);
    fputc('"', out);
}

static void json_member(struct pctl_json *j, const char *key)
{
    if (j->has_items[j->depth])
        fputc(',', j->out);
    j->has_items[j->depth] = 1;
    fprintf(j->out, "\n%*s", 2 * j->depth, "");
    if (key) {
        pctl_json_escape(j->out, key);
        fputs(": ", j->out);
    }
}

void pctl_json_open(struct pctl_json *j, const char *key, char bracket)
{
    if (j->depth > 0 || j->has_items[0])
        json_member(j, key);
    fputc(bracket, j->out);
    assert(j->depth + 1 < PCTL_JSON_MAX);
    j->depth++;
    j->has_items[j->depth] = 0;
}

void pctl_json_close(struct pctl_json *j, char bracket)
{
    int had = j->has_items[j->depth];

    assert(j->depth > 0);
    j->depth--;
    if (had)
        fprintf(j->out, "\n%*s", 2 * j->depth, "");
    fputc(bracket, j->out);
    if (j->depth == 0)
        fputc('\n', j->out);
}

void pctl_json_str(struct pctl_json *j, const char *key, const char *value)
{
    json_member(j, key);
    pctl_json_escape(j->out, value);
}

void pctl_json_time(struct pctl_json *j, const char *key, pd_ns t)
{
    char buf[PD_TIME_BUFLEN];

    json_member(j, key);
    if (t)
        pctl_json_escape(j->out, pd_time_format_exact(t, buf, sizeof(buf)));
    else
        fputs("null", j->out);
}

void pctl_json_int(struct pctl_json *j, const char *key, long long v)
{
    json_member(j, key);
    fprintf(j->out, "%lld", v);
}

void pctl_json_num(struct pctl_json *j, const char *key, double v, int decimals)
{
    json_member(j, key);
    if (isnan(v) || isinf(v))
        fputs("null", j->out);
    else
        fprintf(j->out, "%.*f", decimals, v);
}

void pctl_json_bool(struct pctl_json *j, const char *key, int v)
{
    json_member(j, key);
    fputs(v ? "true" : "false", j->out);
}

void pctl_json_null(struct pctl_json *j, const char *key)
{
    json_member(j, key);
    fputs("null", j->out);
}

struct metric {
    const char *key, *value; /* not NUL-terminated */
    int key_len, value_len;
};

struct metric_iter {
    const char *p; /* NULL once done */
    int started;
};

static const char *skip_ws(const char *p)
{
    return p + strspn(p, " \t\r\n");
}

static size_t digits(const char *s)
{
    return strspn(s, "0123456789");
}

/* Length of the JSON number at p, 0 if there is none. */
static int json_number_len(const char *p)
{
    const char *s = p;
    size_t n;

    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        s += digits(s);
    else
        return 0;
    if (*s == '.') {
        if (!(n = digits(s + 1)))
            return 0;
        s += 1 + n;
    }
    if (*s == 'e' || *s == 'E') {
        s += s[1] == '+' || s[1] == '-' ? 2 : 1;
        if (!(n = digits(s)))
            return 0;
        s += n;
    }
    return (int)(s - p);
}

/* Step through last_metrics, the flat object the storage writes:
 * {"name": number or null, ...}; empty text counts as {}. Returns 1 with *m
 * filled, 0 at the end, -1 when the text is not such an object. */
static int metric_next(struct metric_iter *it, struct metric *m)
{
    const char *p, *end;

    if (!it->p)
        return 0;
    p = skip_ws(it->p);
    if (!it->started) {
        it->started = 1;
        if (!*p) {
            it->p = NULL;
            return 0;
        }
        if (*p != '{')
            return -1;
        p = skip_ws(p + 1);
        if (*p == '}')
            goto end;
    } else if (*p == '}') {
        goto end;
    } else if (*p == ',') {
        p = skip_ws(p + 1);
    } else {
        return -1;
    }
    if (*p != '"' || !(end = strpbrk(p + 1, "\"\\")) || *end != '"')
        return -1;
    m->key = p + 1;
    m->key_len = (int)(end - m->key);
    p = skip_ws(end + 1);
    if (*p != ':')
        return -1;
    p = skip_ws(p + 1);
    m->value = p;
    m->value_len = strncmp(p, "null", 4) == 0 ? 4 : json_number_len(p);
    if (!m->value_len)
        return -1;
    it->p = p + m->value_len;
    return 1;
end:
    it->p = NULL;
    return *skip_ws(p + 1) ? -1 : 0;
}

static int metrics_valid(const char *text)
{
    struct metric_iter it = {text, 0};
    struct metric m;
    int rc;

    while ((rc = metric_next(&it, &m)) > 0)
        ;
    return rc == 0;
}

/* "connect_ms=0.41 loss_pct=0": numbers as stored when raw, else rounded
 * for reading; unknown values left out. Invalid text is shown as it is. */
void pctl_metrics_summary(const char *text, int raw, char *buf, size_t len)
{
    struct metric_iter it = {text, 0};
    size_t used = 0;
    struct metric m;

    buf[0] = '\0';
    if (!metrics_valid(text)) {
        snprintf(buf, len, "%s", text);
        return;
    }
    while (used < len && metric_next(&it, &m) > 0) {
        char num[64];
        double v;

        if (m.value[0] == 'n')
            continue;
        snprintf(num, sizeof(num), "%.*s", m.value_len, m.value);
        v = strtod(num, NULL);
        if (!raw && (v >= 1e4 || v <= -1e4))
            snprintf(num, sizeof(num), "%.0f", v);
        else if (!raw)
            snprintf(num, sizeof(num), "%.4g", v);
        used += (size_t)snprintf(buf + used, len - used, "%s%.*s=%s", used ? " " : "", m.key_len,
                                 m.key, num);
    }
}

void pctl_json_metrics(struct pctl_json *j, const char *key, const char *text)
{
    struct metric_iter it = {text, 0};
    struct metric m;
    int first = 1;

    json_member(j, key);
    if (!metrics_valid(text)) {
        fputs("null", j->out);
        return;
    }
    fputc('{', j->out);
    while (metric_next(&it, &m) > 0) {
        char name[128];

        snprintf(name, sizeof(name), "%.*s", m.key_len, m.key);
        fputs(first ? "" : ", ", j->out);
        pctl_json_escape(j->out, name);
        fprintf(j->out, ": %.*s", m.value_len, m.value);
        first = 0;
    }
    fputc('}', j->out);
}
