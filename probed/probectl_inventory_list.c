/* probectl inventory list: the devices of every source with the state the
 * event store holds for them, or the retired ones. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "db.h"
#include "hashmap.h"
#include "inventory.h"
#include "probectl_inventory_priv.h"
#include "text_table.h"
#include "timefmt.h"

const char pctl_inv_list_help[] =
    "Usage: probectl [-c FILE] inventory list [--site PATH] [--type TYPE]\n"
    "                [--state up|down|unknown|retired] [--format table|csv|json]\n"
    "                [--no-bom]\n"
    "\n"
    "Lists the devices of the inventory (every inventory file and the main file's\n"
    "targets, as they are on disk now) with the state probed last recorded for\n"
    "each in the event store, as 'probectl status' shows it: UP, DOWN, or UNKNOWN\n"
    "(not observed yet, no verdict, or probed not running). A device probed has\n"
    "not loaded yet is UNKNOWN. --state retired lists the retired devices instead:\n"
    "those the event store keeps, with their history, that no source holds now.\n"
    "\n"
    "Columns: ID, NAME, ADDRESS, TYPE, SITE; STATE and SINCE (when that state\n"
    "began, or when the device was retired, in the configured time zone); SOURCE,\n"
    "the file and line that defines the device.\n"
    "\n"
    "Options:\n"
    "  --site PATH      only devices at this site or below it (whole segments:\n"
    "                   guizhou/zunyi matches guizhou/zunyi/huichuan, not\n"
    "                   guizhou/zunyi2)\n"
    "  --type TYPE      only devices of this type (template)\n"
    "  --state STATE    up, down, unknown, or retired\n"
    "  --format FORMAT  table (default); csv (id,name,address,type,site,state,\n"
    "                   since,source, times in ISO 8601); json: {generated,\n"
    "                   timezone, devices: [{id, name, address, type, site,\n"
    "                   state, since, source}]}\n"
    "  --no-bom         CSV without the UTF-8 byte order mark\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "Examples:\n"
    "  probectl inventory list --site guizhou/zunyi\n"
    "  probectl inventory list --type camera --state down\n"
    "  probectl inventory list --state retired --format csv > retired.csv\n"
    "\n"
    "Exit status: 0 listed (also when nothing matches), 1 when the event store\n"
    "cannot be read, 2 on bad usage.\n";

struct list_opts {
    const char *site, *type, *state;
    enum pctl_format format;
    int bom;
};

struct device {
    const char *id, *name, *address, *type, *site; /* borrowed from cfg, or owned when retired */
    const char *state;
    pd_ns since;
    char source[512];
    int owned;
};

struct devices {
    struct device *v;
    size_t n, cap;
    struct pd_hashmap ids; /* id -> device index + 1 */
    int oom;
};

static int list_args(int argc, char **argv, struct list_opts *o, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"site", required_argument, NULL, 's'},
        {"type", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {"no-bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    *o = (struct list_opts){.format = PCTL_TABLE, .bom = 1};
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            o->site = optarg;
            break;
        case 't':
            o->type = optarg;
            break;
        case 'S':
            if (strcasecmp(optarg, "up") && strcasecmp(optarg, "down") &&
                strcasecmp(optarg, "unknown") && strcasecmp(optarg, "retired"))
                return pctl_usage_error(errout, "inventory list",
                                        "--state must be up, down, unknown or retired, not '%s'",
                                        optarg);
            o->state = optarg;
            break;
        case 'f':
            if (pctl_parse_format(optarg, 1, &o->format) < 0)
                return pctl_usage_error(errout, "inventory list",
                                        "--format must be table, csv or json, not '%s'", optarg);
            break;
        case 'B':
            o->bom = 0;
            break;
        case 'h':
            fputs(pctl_inv_list_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "inventory list", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "inventory list", "unexpected argument '%s'", argv[optind]);
    return -1;
}

/* "inventory/devices.csv:12": the file relative to dir, the main file's
 * directory (absolute, as inventory files are named), when below it. */
static void source_text(const char *dir, const struct pd_mark *at, char *buf, size_t len)
{
    const char *file = at->file;
    size_t n = dir ? strlen(dir) : 0;
    if (n && strncmp(file, dir, n) == 0 && file[n] == '/')
        file += n + 1;
    snprintf(buf, len, "%s:%d", file, at->line);
}

/* The main file's directory, absolute; NULL when it cannot be found. */
static char *main_dir(const struct pd_config *cfg)
{
    const char *slash = strrchr(cfg->path, '/');
    char *dir = slash ? strndup(cfg->path, slash == cfg->path ? 1 : (size_t)(slash - cfg->path))
                      : strdup(".");
    char *real = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    return real;
}

static struct device *add_device(struct devices *d)
{
    struct device *grown = pctl_grow(d->v, &d->cap, d->n, sizeof(*d->v));
    if (!grown) {
        d->oom = 1;
        return NULL;
    }
    d->v = grown;
    memset(&d->v[d->n], 0, sizeof(d->v[0]));
    return &d->v[d->n++];
}

static int take_state(const struct pd_status_row *r, void *arg)
{
    struct devices *d = arg;
    if (r->check_id[0])
        return 0;
    size_t i = (size_t)(uintptr_t)pd_hashmap_get(&d->ids, r->target_id);
    if (!i)
        return 0;
    struct device *dev = &d->v[i - 1];
    dev->state = strcmp(r->state, "UP") == 0     ? "UP"
                 : strcmp(r->state, "DOWN") == 0 ? "DOWN"
                                                 : "UNKNOWN";
    dev->since = r->since;
    return 0;
}

static int take_retired(const struct pd_target_row *r, void *arg)
{
    struct devices *d = arg;
    if (!r->retired || pd_hashmap_get(&d->ids, r->id))
        return 0;
    struct device *dev = add_device(d);
    if (!dev)
        return 1;
    dev->owned = 1;
    dev->id = strdup(r->id);
    dev->name = strdup(r->name);
    dev->address = strdup(r->address);
    dev->type = strdup(r->type);
    dev->site = strdup(r->site);
    dev->state = "retired";
    dev->since = r->retired;
    snprintf(dev->source, sizeof(dev->source), "-");
    if (!dev->id || !dev->name || !dev->address || !dev->type || !dev->site)
        d->oom = 1;
    return d->oom;
}

static void devices_free(struct devices *d)
{
    for (size_t i = 0; i < d->n; i++) {
        if (!d->v[i].owned)
            continue;
        free((char *)d->v[i].id);
        free((char *)d->v[i].name);
        free((char *)d->v[i].address);
        free((char *)d->v[i].type);
        free((char *)d->v[i].site);
    }
    free(d->v);
    pd_hashmap_free(&d->ids);
}

static int site_matches(const char *site, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(site, prefix, n) == 0 && (site[n] == '\0' || site[n] == '/');
}

static int wanted(const struct device *dev, const struct list_opts *o)
{
    int retired = strcmp(dev->state, "retired") == 0;
    if (o->site && !site_matches(dev->site, o->site))
        return 0;
    if (o->type && strcmp(dev->type, o->type) != 0)
        return 0;
    if (!o->state)
        return !retired;
    return strcasecmp(dev->state, o->state) == 0;
}

static int print_table(const struct devices *d, const struct list_opts *o, int have_store,
                       FILE *out)
{
    static const char *const headers[] = {"ID",   "NAME",  "ADDRESS", "TYPE",
                                          "SITE", "STATE", "SINCE",   "SOURCE"};
    struct pd_table *t = pd_table_new(8, headers);
    size_t counts[4] = {0}; /* up, down, unknown, retired */
    if (!t)
        return -ENOMEM;
    pd_table_set_max_width(t, 1, 32);
    for (size_t i = 0; i < d->n; i++) {
        const struct device *dev = &d->v[i];
        char since[PD_TIME_BUFLEN] = "-";
        if (!wanted(dev, o))
            continue;
        if (dev->since)
            pd_time_format_local(dev->since, since, sizeof(since));
        const char *cells[] = {dev->id,   dev->name,  dev->address, dev->type,
                               dev->site, dev->state, since,        dev->source};
        if (pd_table_add_row(t, cells) < 0) {
            pd_table_free(t);
            return -ENOMEM;
        }
        counts[strcmp(dev->state, "UP") == 0     ? 0
               : strcmp(dev->state, "DOWN") == 0 ? 1
               : strcmp(dev->state, "retired")   ? 2
                                                 : 3]++;
    }
    size_t n = pd_table_rows(t);
    if (o->state && strcasecmp(o->state, "retired") == 0)
        fprintf(out, "%zu retired device%s; times in %s\n", n, n == 1 ? "" : "s", pd_time_zone());
    else
        fprintf(out, "%zu device%s: %zu up, %zu down, %zu unknown; times in %s%s\n", n,
                n == 1 ? "" : "s", counts[0], counts[1], counts[2], pd_time_zone(),
                have_store ? "" : " (no event store yet: probed has not run, no state is known)");
    int rc = n ? pd_table_print(t, out) : 0;
    pd_table_free(t);
    return rc;
}

static void print_csv(const struct devices *d, const struct list_opts *o, FILE *out)
{
    static const char *const headers[] = {"id",   "name",  "address", "type",
                                          "site", "state", "since",   "source"};
    pctl_csv_header(out, o->bom, headers, 8);
    for (size_t i = 0; i < d->n; i++) {
        const struct device *dev = &d->v[i];
        if (!wanted(dev, o))
            continue;
        pctl_csv_cell(out, dev->id, 1, 0);
        pctl_csv_cell(out, dev->name, 0, 1);
        pctl_csv_cell(out, dev->address, 0, 0);
        pctl_csv_cell(out, dev->type, 0, 0);
        pctl_csv_cell(out, dev->site, 0, 0);
        pctl_csv_cell(out, dev->state, 0, 0);
        pctl_csv_time(out, dev->since);
        pctl_csv_cell(out, dev->source, 0, 0);
        pctl_csv_end_row(out);
    }
}

static void print_json(const struct devices *d, const struct list_opts *o, FILE *out)
{
    struct pctl_json j = {.out = out};
    pctl_json_open(&j, NULL, '{');
    pctl_json_time(&j, "generated", pd_clock_wall());
    pctl_json_str(&j, "timezone", pd_time_zone());
    pctl_json_open(&j, "devices", '[');
    for (size_t i = 0; i < d->n; i++) {
        const struct device *dev = &d->v[i];
        if (!wanted(dev, o))
            continue;
        pctl_json_open(&j, NULL, '{');
        pctl_json_str(&j, "id", dev->id);
        pctl_json_str(&j, "name", dev->name);
        pctl_json_str(&j, "address", dev->address);
        pctl_json_str(&j, "type", dev->type);
        pctl_json_str(&j, "site", dev->site);
        pctl_json_str(&j, "state", dev->state);
        pctl_json_time(&j, "since", dev->since);
        if (dev->owned)
            pctl_json_null(&j, "source");
        else
            pctl_json_str(&j, "source", dev->source);
        pctl_json_close(&j, '}');
    }
    pctl_json_close(&j, ']');
    pctl_json_close(&j, '}');
}

int pctl_inv_list(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    struct list_opts o;
    struct devices d = {0};
    struct pd_db *db = NULL;
    char err[512] = "", *dir = NULL;
    int rc = list_args(argc, argv, &o, out, errout), have_store;

    if (rc >= 0)
        return rc;
    rc = 1;
    pd_hashmap_init(&d.ids);
    dir = main_dir(cfg);
    for (size_t i = 0; i < cfg->n_targets && !d.oom; i++) {
        const struct pd_target_conf *t = &cfg->targets[i];
        struct device *dev = add_device(&d);
        if (!dev || pd_hashmap_put(&d.ids, t->id, (void *)(uintptr_t)d.n) < 0) {
            d.oom = 1;
            break;
        }
        *dev = (struct device){.id = t->id,
                               .name = t->name,
                               .address = t->address,
                               .type = t->type,
                               .site = t->site,
                               .state = "UNKNOWN"};
        source_text(dir, &t->at, dev->source, sizeof(dev->source));
    }
    int orc = pd_db_open(cfg->data_dir, 1, &db, err, sizeof(err));
    have_store = orc == 0;
    if (orc < 0 && orc != -ENOENT) {
        fprintf(errout, "probectl inventory list: %s\n", err[0] ? err : strerror(-orc));
        goto out;
    }
    if (db &&
        (pd_db_status(db, NULL, NULL, take_state, &d) < 0 ||
         pd_db_targets(db, NULL, 0, take_retired, &d) < 0) &&
        !d.oom) {
        fprintf(errout, "probectl inventory list: cannot read the event store\n");
        goto out;
    }
    if (d.oom) {
        fprintf(errout, "probectl inventory list: out of memory\n");
        goto out;
    }
    if (o.format == PCTL_CSV) {
        print_csv(&d, &o, out);
    } else if (o.format == PCTL_JSON) {
        print_json(&d, &o, out);
    } else if (print_table(&d, &o, have_store, out) < 0) {
        fprintf(errout, "probectl inventory list: out of memory\n");
        goto out;
    }
    rc = pctl_finish_output(out, errout, "inventory list");
out:
    free(dir);
    pd_db_close(db);
    devices_free(&d);
    return rc;
}
