#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "probectl_common.h"
#include "probectl_report.h"
#include "report_source.h"
#include "text_table.h"
#include "timefmt.h"

#define ERR_LEN 8192

static const char maint_help[] =
    "Usage: probectl [-c FILE] maintenance add --start TIME --end TIME\n"
    "                (--target ID | --site PATH | --system ID | --all) [--reason TEXT]\n"
    "       probectl [-c FILE] maintenance list [--since TIME] [--until TIME]\n"
    "                [--removed] [--format table|csv]\n"
    "       probectl [-c FILE] maintenance remove ID\n"
    "       probectl [-c FILE] maintenance import FILE.csv [--dry-run]\n"
    "\n"
    "Planned maintenance windows, kept in the event store: time inside a window\n"
    "is neither up nor down in the availability report, an outage wholly inside\n"
    "one is not a failure. A window covers one target, a site and everything\n"
    "below it, a system (its own figures, not its members'), or everything.\n"
    "Windows written in the configuration ('maintenance:') apply as well; they\n"
    "are not listed here.\n"
    "\n"
    "A removed window stops applying but keeps its row (who removed it, when),\n"
    "so that every report stays reproducible; --removed lists those too.\n"
    "\n"
    "import reads a CSV with the columns start,end,target_or_site,reason (the\n"
    "format of 'list --format csv' and of 'report --maintenance'): target_or_site\n"
    "is a target id, a site path, target:ID, site:PATH, system:ID or *. Every row\n"
    "is checked first; nothing is added unless all are valid.\n"
    "\n"
    "TIME: 2026-11-05 14:30 (configured zone), 2026-11-05T14:30+08:00, now, +2h.\n"
    "\n"
    "Examples:\n"
    "  probectl maintenance add --start '2026-11-05 14:30' --end '2026-11-05 16:00' \\\n"
    "      --site guizhou/zunyi --reason 'uplink replacement, ticket 4411'\n"
    "  probectl maintenance list --since 2026-11-01 --format csv > m.csv\n"
    "  probectl maintenance remove 12\n"
    "\n"
    "Exit status: 0 on success, 1 on errors, 2 on bad usage.\n";

static int open_rw(const struct pd_config *cfg, struct pd_db **db, FILE *errout)
{
    char err[1024];
    if (pd_db_open(cfg->data_dir, 0, db, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl maintenance: %s\n", err);
        return -1;
    }
    return 0;
}

static void target_or_site(enum pd_maint_scope scope, const char *what, char *buf, size_t len)
{
    if (scope == PD_MAINT_ALL)
        snprintf(buf, len, "*");
    else
        snprintf(buf, len, "%s:%s", pd_maint_scope_name(scope), what);
}

static int add(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"start", required_argument, NULL, 'a'},  {"end", required_argument, NULL, 'b'},
        {"target", required_argument, NULL, 't'}, {"site", required_argument, NULL, 's'},
        {"system", required_argument, NULL, 'S'}, {"all", no_argument, NULL, 'A'},
        {"reason", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0},
    };
    const char *start = NULL, *end = NULL, *reason = "", *spec = NULL;
    char scope_text[512], err[512];
    int opt, scopes = 0;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a':
            start = optarg;
            break;
        case 'b':
            end = optarg;
            break;
        case 't':
        case 's':
        case 'S':
            snprintf(scope_text, sizeof(scope_text), "%s:%s",
                     opt == 't'   ? "target"
                     : opt == 's' ? "site"
                                  : "system",
                     optarg);
            spec = scope_text;
            scopes++;
            break;
        case 'A':
            spec = "*";
            scopes++;
            break;
        case 'r':
            reason = optarg;
            break;
        default:
            return pctl_option_error(errout, "maintenance add", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "maintenance", "unexpected argument '%s'", argv[optind]);
    if (!start || !end || scopes != 1)
        return pctl_usage_error(errout, "maintenance",
                                "add needs --start, --end and one of --target, --site, "
                                "--system, --all");
    pd_ns now = pd_clock_wall(), a, b;
    if (pd_time_parse(start, now, &a, err, sizeof(err)) < 0)
        return pctl_usage_error(errout, "maintenance", "--start: %s", err);
    if (pd_time_parse(end, now, &b, err, sizeof(err)) < 0)
        return pctl_usage_error(errout, "maintenance", "--end: %s", err);
    if (b <= a)
        return pctl_usage_error(errout, "maintenance", "--end must be after --start");
    enum pd_maint_scope scope;
    const char *what;
    if (pd_maint_scope_parse(spec, cfg, &scope, &what, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl maintenance: %s\n", err);
        return 1;
    }
    struct pd_db *db;
    if (open_rw(cfg, &db, errout) < 0)
        return 1;
    struct pd_maint_row w = {.start = a,
                             .end = b,
                             .scope = pd_maint_scope_name(scope),
                             .what = what ? what : "",
                             .reason = reason,
                             .created = now,
                             .created_by = pctl_who()};
    int64_t id;
    int rc = pd_db_maintenance_add(db, &w, 1, &id);
    pd_db_close(db);
    if (rc < 0) {
        fprintf(errout, "probectl maintenance: cannot write the event store: %s\n", strerror(-rc));
        return 1;
    }
    char ta[PD_TIME_BUFLEN], tb[PD_TIME_BUFLEN], st[560];
    target_or_site(scope, what, st, sizeof(st));
    fprintf(out, "added maintenance window %lld: %s to %s, %s\n", (long long)id,
            pd_time_format(a, ta, sizeof(ta)), pd_time_format(b, tb, sizeof(tb)), st);
    return 0;
}

struct list_ctx {
    struct pd_table *table;
    FILE *out;
    int csv, rc;
};

static int list_row(const struct pd_maint_row *w, void *arg)
{
    struct list_ctx *c = arg;
    char st[560], a[PD_TIME_BUFLEN], b[PD_TIME_BUFLEN], id[24], removed[PD_TIME_BUFLEN + 80];
    target_or_site(strcmp(w->scope, "all") == 0      ? PD_MAINT_ALL
                   : strcmp(w->scope, "target") == 0 ? PD_MAINT_TARGET
                   : strcmp(w->scope, "site") == 0   ? PD_MAINT_SITE
                                                     : PD_MAINT_SYSTEM,
                   w->what, st, sizeof(st));
    snprintf(id, sizeof(id), "%lld", (long long)w->id);
    if (c->csv) {
        pctl_csv_cell(c->out, pd_time_format_exact(w->start, a, sizeof(a)), 1, 0);
        pctl_csv_time(c->out, w->end);
        pctl_csv_cell(c->out, st, 0, 1);
        pctl_csv_cell(c->out, w->reason, 0, 1);
        pctl_csv_cell(c->out, id, 0, 0);
        pctl_csv_time(c->out, w->created);
        pctl_csv_cell(c->out, w->created_by, 0, 1);
        pctl_csv_end_row(c->out);
        return 0;
    }
    removed[0] = '\0';
    if (w->removed) {
        char t[PD_TIME_BUFLEN];
        snprintf(removed, sizeof(removed), "removed %s by %s",
                 pd_time_format_local(w->removed, t, sizeof(t)), w->removed_by);
    }
    const char *cells[] = {id,
                           pd_time_format_local(w->start, a, sizeof(a)),
                           pd_time_format_local(w->end, b, sizeof(b)),
                           st,
                           w->reason,
                           w->created_by,
                           removed};
    return c->rc = pd_table_add_row(c->table, cells);
}

static int list(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"since", required_argument, NULL, 'a'},
        {"until", required_argument, NULL, 'b'},
        {"removed", no_argument, NULL, 'R'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    pd_ns now = pd_clock_wall(), since = 0, until = 0;
    int opt, removed = 0, rc = 1;
    enum pctl_format format = PCTL_TABLE;
    char err[512];
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a':
        case 'b':
            if (pd_time_parse(optarg, now, opt == 'a' ? &since : &until, err, sizeof(err)) < 0)
                return pctl_usage_error(errout, "maintenance", "%s: %s",
                                        opt == 'a' ? "--since" : "--until", err);
            break;
        case 'R':
            removed = 1;
            break;
        case 'f':
            if (pctl_parse_format(optarg, 0, &format) < 0)
                return pctl_usage_error(errout, "maintenance",
                                        "--format must be table or csv, not '%s'", optarg);
            break;
        default:
            return pctl_option_error(errout, "maintenance list", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "maintenance", "unexpected argument '%s'", argv[optind]);
    struct pd_db *db = NULL;
    static const char *const cols[] = {"ID", "START", "END", "COVERS", "REASON", "BY", "REMOVED"};
    static const char *const csv_cols[] = {"start", "end",     "target_or_site", "reason",
                                           "id",    "created", "created_by"};
    struct list_ctx c = {.out = out, .csv = format == PCTL_CSV};
    if (pctl_open_store(cfg, "maintenance", &db, errout) < 0)
        goto out;
    if (c.csv) {
        pctl_csv_header(out, 1, csv_cols, 7);
    } else if (!(c.table = pd_table_new(7, cols))) {
        fprintf(errout, "probectl maintenance: out of memory\n");
        goto out;
    }
    if (pd_db_maintenance(db, since, until, removed, list_row, &c) != 0 || c.rc < 0) {
        fprintf(errout, "probectl maintenance: cannot read the event store\n");
        goto out;
    }
    if (c.table && pd_table_rows(c.table) == 0)
        fprintf(out, "no maintenance windows%s (times in %s)\n", removed ? "" : " in force",
                cfg->timezone);
    else if (c.table)
        pd_table_print(c.table, out);
    rc = pctl_finish_output(out, errout, "maintenance");
out:
    pd_table_free(c.table);
    pd_db_close(db);
    return rc;
}

static int remove_cmd(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    char *end;
    if (argc != 2)
        return pctl_usage_error(errout, "maintenance", "remove takes one window ID");
    long long id = strtoll(argv[1], &end, 10);
    if (*end || id <= 0)
        return pctl_usage_error(errout, "maintenance", "'%s' is not a window ID (see list)",
                                argv[1]);
    struct pd_db *db;
    if (open_rw(cfg, &db, errout) < 0)
        return 1;
    int rc = pd_db_maintenance_remove(db, id, pd_clock_wall(), pctl_who());
    pd_db_close(db);
    if (rc == -ENOENT) {
        fprintf(errout, "probectl maintenance: no window %lld in force\n", id);
        return 1;
    }
    if (rc < 0) {
        fprintf(errout, "probectl maintenance: cannot write the event store: %s\n", strerror(-rc));
        return 1;
    }
    fprintf(out, "removed maintenance window %lld (its record stays, marked removed)\n", id);
    return 0;
}

static int import(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static char err[ERR_LEN];
    int dry_run = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0)
            dry_run = 1;
        else if (!path)
            path = argv[i];
        else
            return pctl_usage_error(errout, "maintenance", "unexpected argument '%s'", argv[i]);
    }
    if (!path)
        return pctl_usage_error(errout, "maintenance", "import needs a CSV FILE");
    struct pd_report_data d = {0};
    struct pd_db *db = NULL;
    int rc = 1;
    if (pd_report_data_load_maintenance(&d, cfg, path, err, sizeof(err)) < 0) {
        fprintf(errout, "%sprobectl maintenance: %s not imported\n", err, path);
        goto out;
    }
    if (dry_run) {
        fprintf(out, "%s: %zu valid windows (dry run: nothing written)\n", path, d.n_maintenance);
        rc = 0;
        goto out;
    }
    if (open_rw(cfg, &db, errout) < 0)
        goto out;
    pd_ns now = pd_clock_wall();
    struct pd_maint_row *rows = calloc(d.n_maintenance + 1, sizeof(*rows));
    if (!rows) {
        fprintf(errout, "probectl maintenance: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < d.n_maintenance; i++) {
        const struct pd_maint_window *w = &d.maintenance[i];
        rows[i] = (struct pd_maint_row){.start = w->span.start,
                                        .end = w->span.end,
                                        .scope = pd_maint_scope_name(w->scope),
                                        .what = w->what ? w->what : "",
                                        .reason = w->reason,
                                        .created = now,
                                        .created_by = pctl_who()};
    }
    int wrc = pd_db_maintenance_add(db, rows, d.n_maintenance, NULL);
    free(rows);
    if (wrc < 0) {
        fprintf(errout, "probectl maintenance: cannot write the event store: %s\n", strerror(-wrc));
        goto out;
    }
    fprintf(out, "%s: imported %zu maintenance windows\n", path, d.n_maintenance);
    rc = 0;
out:
    pd_report_data_free(&d);
    pd_db_close(db);
    return rc;
}

int pd_cmd_maintenance(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    if (!cfg || argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(maint_help, cfg && argc < 2 ? errout : out);
        return cfg && argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "add") == 0)
        return add(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "list") == 0)
        return list(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "remove") == 0)
        return remove_cmd(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "import") == 0)
        return import(cfg, argc - 1, argv + 1, out, errout);
    return pctl_usage_error(errout, "maintenance",
                            "unknown subcommand '%s' (add, list, remove, "
                            "import)",
                            sub);
}
