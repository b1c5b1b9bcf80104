#define _GNU_SOURCE /* asprintf */
/* probectl inventory add, set and retire: one row of the managed file
 * written, changed or taken out; the rest of the file left byte for byte,
 * then applied as every change is (pctl_inv_apply). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "inventory.h"
#include "probectl_inventory_priv.h"
#include "timefmt.h"

const char pctl_inv_add_help[] =
    "Usage: probectl [-c FILE] inventory add ID --address ADDRESS --type TYPE\n"
    "                --site PATH [--name NAME] [--snmp-profile NAME] [--file PATH]\n"
    "                [--dry-run] [--reuse-retired] [--no-reload]\n"
    "                [--format table|json]\n"
    "\n"
    "Adds one device to the managed inventory file (see 'probectl inventory\n"
    "--help'): a row at its end, in the file's columns; the rest of the file stays\n"
    "as it is. A file that does not exist yet is created with the header\n"
    "id,name,address,type,site, a byte order mark and CRLF line ends (as\n"
    "spreadsheets write it). The new row is checked as probed checks every row;\n"
    "an error names the line the row would have.\n"
    "\n"
    "  ID                1 to 64 of a-z 0-9 . _ -, starting with a letter or digit;\n"
    "                    it names the device's files and records, for good\n"
    "  --address ADDRESS IPv4, IPv6 or a host name\n"
    "  --type TYPE       a template of the configuration (templates:)\n"
    "  --site PATH       ids joined by '/', e.g. guizhou/zunyi/huichuan\n"
    "  --name NAME       the display name, any UTF-8 text (default: the id)\n"
    "  --snmp-profile NAME  a profile of plugins.snmp.profiles for this device's\n"
    "                    snmp checks (default: the template's)\n"
    "\n"
    "An id already in the inventory is refused (set changes it); so is an id the\n"
    "event store has retired, unless --reuse-retired brings that device back with\n"
    "its history.\n"
    "\n"
    "Options:\n"
    "  --file PATH      the managed file, when the inventory has several files\n"
    "  --dry-run        check and show, write nothing\n"
    "  --reuse-retired  let a retired id come back\n"
    "  --no-reload      write the file but do not signal probed\n"
    "  --format FORMAT  table (default) or json (as import's)\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "Example:\n"
    "  probectl inventory add zy-cam-31 --name 遵义市摄像头31 --address 10.20.5.31 \\\n"
    "      --type camera --site guizhou/zunyi\n"
    "\n"
    "Exit status: 0 added and reloaded (or probed not running), 1 invalid, refused\n"
    "or failed (or written but the reload not confirmed), 2 bad usage.\n";

const char pctl_inv_set_help[] =
    "Usage: probectl [-c FILE] inventory set ID [--name NAME] [--address ADDRESS]\n"
    "                [--type TYPE] [--site PATH] [--snmp-profile NAME] [--file PATH]\n"
    "                [--dry-run] [--no-reload] [--format table|json]\n"
    "\n"
    "Changes the fields given of one device of the managed inventory file and\n"
    "nothing else: its row is written again in the file's columns, every other\n"
    "line stays as it is. The device keeps its id, and with it its history: its\n"
    "outages, events and graphs. The new values are checked as probed checks\n"
    "every row. A device defined in another file or in the main file is changed\n"
    "there (or with --file naming its file).\n"
    "\n"
    "  --name NAME       the display name ('' for the id)\n"
    "  --address ADDRESS IPv4, IPv6 or a host name\n"
    "  --type TYPE       a template of the configuration: the checks change\n"
    "  --site PATH       ids joined by '/'\n"
    "  --snmp-profile NAME  a profile of plugins.snmp.profiles ('' for the\n"
    "                    template's)\n"
    "\n"
    "Options:\n"
    "  --file PATH      the managed file, when the inventory has several files\n"
    "  --dry-run        check and show, write nothing\n"
    "  --no-reload      write the file but do not signal probed\n"
    "  --format FORMAT  table (default) or json (as import's)\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "Examples:\n"
    "  probectl inventory set zy-cam-31 --address 10.20.5.131\n"
    "  probectl inventory set gy-codec-01 --name '贵阳市会议终端01（新）' \\\n"
    "      --site guizhou/guiyang/yunyan\n"
    "\n"
    "Exit status: 0 changed and reloaded (or nothing to change, or probed not\n"
    "running), 1 invalid or failed (or written but the reload not confirmed),\n"
    "2 bad usage.\n";

const char pctl_inv_retire_help[] =
    "Usage: probectl [-c FILE] inventory retire ID... [--reason TEXT] [--file PATH]\n"
    "                [--dry-run] [--no-reload] [--format table|json]\n"
    "\n"
    "Takes devices of the managed inventory file out of service: their rows\n"
    "leave the file, each replaced by a comment line that says when, by whom and\n"
    "why (# retired 2026-11-05 14:30:00 by zhang.wei: zy-cam-31 遵义市摄像头31,\n"
    "10.20.5.31: reason). After the reload probed stops probing them and records\n"
    "them as retired; their outages, events and graphs stay, and reports of the\n"
    "months they served still count them. Their ids are not reused silently: add\n"
    "or import refuse them without --reuse-retired.\n"
    "\n"
    "A device named by a system or a maintenance window of the configuration\n"
    "cannot go until that names it no more: the error says where.\n"
    "\n"
    "Options:\n"
    "  --reason TEXT    why, kept in the comment line\n"
    "  --file PATH      the managed file, when the inventory has several files\n"
    "  --dry-run        check and show, write nothing\n"
    "  --no-reload      write the file but do not signal probed\n"
    "  --format FORMAT  table (default) or json (as import's)\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "Example:\n"
    "  probectl inventory retire zy-cam-31 zy-cam-32 --reason '迁至新机房，工单 4411'\n"
    "\n"
    "Exit status: 0 retired and reloaded (or probed not running), 1 invalid or\n"
    "failed (or written but the reload not confirmed), 2 bad usage.\n";

/* The new values of an add or set; NULL: not given. */
struct edit_args {
    struct pctl_inv_opts o;
    const char *id;
    const char *fields[PD_TF_COUNT];
    const char *reason;
    char **ids; /* retire: borrowed from argv */
    size_t n_ids;
};

/* Options of add, set and retire, and the positional arguments. -1 to go
 * on, else the exit code. */
static int edit_args(const char *cmd, const char *help, int argc, char **argv, struct edit_args *a,
                     FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        PCTL_INV_COMMON_OPTIONS,
        {"name", required_argument, NULL, 'm'},
        {"address", required_argument, NULL, 'a'},
        {"type", required_argument, NULL, 't'},
        {"site", required_argument, NULL, 's'},
        {"snmp-profile", required_argument, NULL, 'P'},
        {"reason", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    char what[64];
    int opt, retire = strcmp(cmd, "retire") == 0, add = strcmp(cmd, "add") == 0;

    snprintf(what, sizeof(what), "inventory %s", cmd);
    *a = (struct edit_args){.o.format = PCTL_TABLE};
    optind = 0;
    opterr = 0;
    int idx = -1;
    while ((opt = getopt_long(argc, argv, ":h", longopts, &idx)) != -1) {
        int f = opt == 'm'   ? PD_TF_NAME
                : opt == 'a' ? PD_TF_ADDRESS
                : opt == 't' ? PD_TF_TYPE
                : opt == 's' ? PD_TF_SITE
                : opt == 'P' ? PD_TF_SNMP_PROFILE
                             : -1;
        if (opt == 'h') {
            fputs(help, out);
            return 0;
        }
        if ((f >= 0 && retire) || (opt == 'r' && !retire) || (opt == 'R' && !add))
            return pctl_usage_error(errout, what, "%s does not take --%s", cmd,
                                    idx >= 0 ? longopts[idx].name : "?");
        if (f >= 0) {
            a->fields[f] = optarg;
            continue;
        }
        if (opt == 'r') {
            a->reason = optarg;
            continue;
        }
        int taken = pctl_inv_common_option(opt, optarg, &a->o, what, errout);
        if (taken == 2)
            return 2;
        if (!taken)
            return pctl_option_error(errout, what, opt, argv);
    }
    if (optind == argc)
        return pctl_usage_error(errout, what, "%s needs a device ID", cmd);
    if (retire) {
        a->ids = argv + optind;
        a->n_ids = (size_t)(argc - optind);
        return -1;
    }
    if (optind != argc - 1)
        return pctl_usage_error(errout, what, "%s takes one ID, not '%s' too", cmd, argv[argc - 1]);
    a->id = argv[optind];
    if (add && (!a->fields[PD_TF_ADDRESS] || !a->fields[PD_TF_TYPE] || !a->fields[PD_TF_SITE]))
        return pctl_usage_error(errout, what, "add needs --address, --type and --site");
    if (!add) {
        int any = 0;
        for (int f = 0; f < PD_TF_COUNT; f++)
            any |= a->fields[f] != NULL;
        if (!any)
            return pctl_usage_error(errout, what, "set needs at least one field to change");
    }
    return -1;
}

static const struct pd_target_conf *find_target(const struct pd_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (strcmp(cfg->targets[i].id, id) == 0)
            return &cfg->targets[i];
    return NULL;
}

/* The managed file locked and read, with its rows. 0, or 1 (the exit
 * code) after saying why. */
static int open_managed(const struct pd_config *cfg, const char *cmd, const struct edit_args *a,
                        struct pd_inv_file *f, struct pd_inv_rows *rows, FILE *errout)
{
    char *path = NULL, err[4096];
    int rc = 1;

    memset(rows, 0, sizeof(*rows));
    if (pd_inv_managed(cfg, a->o.file, &path, err, sizeof(err)) < 0 ||
        pd_inv_file_open(f, path, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl inventory %s: %s\n", cmd, err);
        goto out;
    }
    if (f->text && pd_inv_rows_read(f->text, f->len, rows) < 0) {
        fprintf(errout,
                "probectl inventory %s: %s is not an inventory probed can read now (edited "
                "meanwhile?): run 'probectl check-config'\n",
                cmd, f->path);
        goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}

/* The row of id in the managed file, or -1 after saying where it is. */
static long managed_row(const struct pd_config *cfg, const char *cmd, const struct pd_inv_file *f,
                        const struct pd_inv_rows *rows, const char *id, FILE *errout)
{
    long i = pd_inv_rows_find(rows, id);
    const struct pd_target_conf *t = find_target(cfg, id);
    if (i >= 0)
        return i;
    if (t)
        fprintf(errout,
                "probectl inventory %s: '%s' is defined at %s:%d, not in %s: change it there%s\n",
                cmd, id, t->at.file, t->at.line, f->path,
                strcmp(t->at.file, cfg->path) ? " (--file names that file)" : "");
    else
        fprintf(errout,
                "probectl inventory %s: no device '%s' in the inventory (retired ones: "
                "'probectl inventory list --state retired')\n",
                cmd, id);
    return -1;
}

/* text with a column (of empty cells) for each optional field given a
 * value that the file has no column for; rows read again. 0 or -ENOMEM. */
static int ensure_columns(struct pd_inv_rows *rows, struct pd_inv_buf *text,
                          const char *const *fields)
{
    static const int optional[] = {PD_TF_NAME, PD_TF_SNMP_PROFILE};
    for (size_t k = 0; k < sizeof(optional) / sizeof(optional[0]); k++) {
        int field = optional[k], have = 0;
        if (!fields[field] || !fields[field][0])
            continue;
        for (size_t i = 0; i < rows->n_columns; i++)
            have |= rows->columns[i] == field;
        if (have)
            continue;
        struct pd_inv_buf b = {0};
        pd_inv_add_column(&b, text->s, text->len, rows, field);
        if (b.oom) {
            pd_inv_buf_free(&b);
            return -ENOMEM;
        }
        pd_inv_buf_free(text);
        *text = b;
        pd_inv_rows_free(rows);
        int rc = pd_inv_rows_read(text->s, text->len, rows);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The line at byte pos of text. */
static int line_at(const char *text, size_t pos)
{
    int line = 1;
    for (size_t i = 0; text && i < pos; i++)
        line += text[i] == '\n';
    return line;
}

static int apply_text(const struct pd_config *cfg, const char *cmd, const struct edit_args *a,
                      struct pd_inv_file *f, struct pd_inv_buf *text, int row_line, FILE *out,
                      FILE *errout)
{
    if (text->oom) {
        fprintf(errout, "probectl inventory %s: out of memory\n", cmd);
        return 1;
    }
    struct pctl_inv_change c = {cmd, f->path, text->s ? text->s : "", text->len, row_line};
    return pctl_inv_apply(cfg, &a->o, f, &c, out, errout);
}

int pctl_inv_add(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    int columns[PD_TF_COUNT] = {PD_TF_ID, PD_TF_NAME, PD_TF_ADDRESS, PD_TF_TYPE, PD_TF_SITE};
    size_t n_columns = 5, row_start = 0;
    struct edit_args a;
    struct pd_inv_file f = {.dir_fd = -1};
    struct pd_inv_rows rows;
    struct pd_inv_buf text = {0};
    int rc = edit_args("add", pctl_inv_add_help, argc, argv, &a, out, errout);

    if (rc >= 0)
        return rc;
    rc = 1;
    const struct pd_target_conf *t = find_target(cfg, a.id);
    if (t) {
        fprintf(errout,
                "probectl inventory add: '%s' is already in the inventory (%s:%d); 'probectl "
                "inventory set %s ...' changes it\n",
                a.id, t->at.file, t->at.line, a.id);
        return 1;
    }
    if (open_managed(cfg, "add", &a, &f, &rows, errout))
        goto out;
    a.fields[PD_TF_ID] = a.id;
    if (rows.n_columns == 0) {
        /* A new (or empty) file: as a spreadsheet would save it. */
        struct pd_inv_style st = {.bom = 1, .crlf = 1};
        if (f.len)
            st = pd_inv_style_of(f.text, f.len);
        if (a.fields[PD_TF_SNMP_PROFILE] && a.fields[PD_TF_SNMP_PROFILE][0])
            columns[n_columns++] = PD_TF_SNMP_PROFILE;
        if (st.bom)
            pd_inv_buf_add(&text, PCTL_BOM, 3);
        pd_inv_put_header(&text, columns, n_columns, st);
        row_start = text.len;
        pd_inv_put_row(&text, columns, n_columns, a.fields, st);
    } else {
        struct pd_inv_style st = pd_inv_style_of(f.text, f.len);
        pd_inv_buf_add(&text, f.text, f.len);
        if (ensure_columns(&rows, &text, a.fields) < 0) {
            fprintf(errout, "probectl inventory add: out of memory\n");
            goto out;
        }
        if (text.len && text.s[text.len - 1] != '\n')
            pd_inv_buf_puts(&text, st.crlf ? "\r\n" : "\n");
        row_start = text.len;
        pd_inv_put_row(&text, rows.columns, rows.n_columns, a.fields, st);
    }
    rc = apply_text(cfg, "add", &a, &f, &text, line_at(text.s, row_start), out, errout);
out:
    pd_inv_rows_free(&rows);
    pd_inv_buf_free(&text);
    pd_inv_file_close(&f);
    return rc;
}

int pctl_inv_set(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    struct edit_args a;
    struct pd_inv_file f = {.dir_fd = -1};
    struct pd_inv_rows rows;
    struct pd_inv_buf text = {0}, b = {0};
    int rc = edit_args("set", pctl_inv_set_help, argc, argv, &a, out, errout);

    if (rc >= 0)
        return rc;
    rc = 1;
    if (open_managed(cfg, "set", &a, &f, &rows, errout))
        goto out;
    long i = managed_row(cfg, "set", &f, &rows, a.id, errout);
    if (i < 0)
        goto out;
    pd_inv_buf_add(&text, f.text, f.len);
    if (ensure_columns(&rows, &text, a.fields) < 0) {
        fprintf(errout, "probectl inventory set: out of memory\n");
        goto out;
    }
    const struct pd_inv_row *row = &rows.v[i];
    const char *fields[PD_TF_COUNT];
    for (int k = 0; k < PD_TF_COUNT; k++)
        fields[k] = a.fields[k] ? a.fields[k] : row->fields[k];
    pd_inv_buf_add(&b, text.s, row->start);
    pd_inv_put_row(&b, rows.columns, rows.n_columns, fields, pd_inv_style_of(text.s, text.len));
    pd_inv_buf_add(&b, text.s + row->end, text.len - row->end);
    rc = apply_text(cfg, "set", &a, &f, &b, row->line, out, errout);
out:
    pd_inv_rows_free(&rows);
    pd_inv_buf_free(&text);
    pd_inv_buf_free(&b);
    pd_inv_file_close(&f);
    return rc;
}

/* "# retired 2026-11-05 14:30:00 by zhang.wei: zy-cam-31 遵义市摄像头31, 10.20.5.31: why" */
static void retired_comment(struct pd_inv_buf *b, const struct pd_inv_row *row, const char *reason,
                            struct pd_inv_style st)
{
    char when[PD_TIME_BUFLEN], *line = NULL;
    const char *name = row->fields[PD_TF_NAME];
    if (asprintf(&line, "# retired %s by %s: %s%s%s, %s%s%s",
                 pd_time_format_local(pd_clock_wall(), when, sizeof(when)), pctl_who(),
                 row->fields[PD_TF_ID], name[0] ? " " : "", name, row->fields[PD_TF_ADDRESS],
                 reason ? ": " : "", reason ? reason : "") < 0) {
        b->oom = 1;
        return;
    }
    /* One line, whatever the reason held. */
    for (char *p = line; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    pd_inv_buf_puts(b, line);
    pd_inv_buf_puts(b, st.crlf ? "\r\n" : "\n");
    free(line);
}

int pctl_inv_retire(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    struct edit_args a;
    struct pd_inv_file f = {.dir_fd = -1};
    struct pd_inv_rows rows;
    struct pd_inv_buf text = {0};
    char *gone = NULL;
    int rc = edit_args("retire", pctl_inv_retire_help, argc, argv, &a, out, errout);

    if (rc >= 0)
        return rc;
    rc = 1;
    if (open_managed(cfg, "retire", &a, &f, &rows, errout))
        goto out;
    if (!(gone = calloc(rows.n + 1, 1))) {
        fprintf(errout, "probectl inventory retire: out of memory\n");
        goto out;
    }
    int missing = 0;
    for (size_t k = 0; k < a.n_ids; k++) {
        long i = managed_row(cfg, "retire", &f, &rows, a.ids[k], errout);
        if (i < 0)
            missing = 1;
        else
            gone[i] = 1;
    }
    if (missing) {
        fprintf(errout, "probectl inventory retire: nothing was changed\n");
        goto out;
    }
    struct pd_inv_style st = pd_inv_style_of(f.text, f.len);
    size_t done = 0;
    for (size_t i = 0; i < rows.n; i++) {
        if (!gone[i])
            continue;
        pd_inv_buf_add(&text, f.text + done, rows.v[i].start - done);
        retired_comment(&text, &rows.v[i], a.reason, st);
        done = rows.v[i].end;
    }
    pd_inv_buf_add(&text, f.text + done, f.len - done);
    rc = apply_text(cfg, "retire", &a, &f, &text, 0, out, errout);
out:
    free(gone);
    pd_inv_rows_free(&rows);
    pd_inv_buf_free(&text);
    pd_inv_file_close(&f);
    return rc;
}
