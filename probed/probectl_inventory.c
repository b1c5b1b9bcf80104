/* probectl inventory: the help, the subcommands' dispatch, import and
 * export. add, set, retire: probectl_inventory_edit.c; list:
 * probectl_inventory_list.c; how every change is applied:
 * probectl_inventory_apply.c. */
#include "probectl_inventory.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "probectl_inventory_priv.h"
#include "yaml_tree.h"

const char pctl_inv_help[] =
    "Usage: probectl [-c FILE] inventory import FILE.csv [--file PATH] [--dry-run]\n"
    "                [--reuse-retired] [--no-reload] [--format table|json]\n"
    "       probectl [-c FILE] inventory export [--file PATH] [--no-bom]\n"
    "       probectl [-c FILE] inventory list [--site PATH] [--type TYPE]\n"
    "                [--state up|down|unknown|retired] [--format table|csv|json] [--no-bom]\n"
    "       probectl [-c FILE] inventory add ID --address ADDRESS --type TYPE --site PATH\n"
    "                [--name NAME] [--snmp-profile NAME] [OPTIONS]\n"
    "       probectl [-c FILE] inventory set ID [--name NAME] [--address ADDRESS]\n"
    "                [--type TYPE] [--site PATH] [--snmp-profile NAME] [OPTIONS]\n"
    "       probectl [-c FILE] inventory retire ID... [--reason TEXT] [OPTIONS]\n"
    "       probectl inventory SUBCOMMAND --help\n"
    "\n"
    "The devices probed watches, kept as network administrators keep them: CSV\n"
    "files, one device a row (id,name,address,type,site[,snmp_profile]), named\n"
    "by the configuration's 'inventory:' patterns, beside the main file's\n"
    "'targets:'.\n"
    "docs/inventory.md describes the columns; contrib/inventory-template.csv is a\n"
    "file to start from.\n"
    "\n"
    "import, add, set and retire change one file, the managed file: the only file\n"
    "the 'inventory:' patterns match, or the one --file names (one of those files,\n"
    "or a new one that fits a pattern). Other inventory files and the main file\n"
    "are never written. Each change is checked by probed's own loader, with the\n"
    "whole configuration, before anything is written, and every error is shown at\n"
    "once as FILE:LINE:COL: message. A valid change is shown (devices added,\n"
    "changed with old -> new per field, retired), written in one rename that keeps\n"
    "the file's byte order mark and line ends, and probed is told to reload\n"
    "(SIGHUP); probectl waits until the event store shows the new inventory.\n"
    "\n"
    "Subcommands:\n"
    "  import FILE.csv  FILE.csv becomes the managed file's content: its rows are\n"
    "                   the devices wanted there, the managed file's devices it\n"
    "                   lacks are retired ('-': read standard input)\n"
    "  export           the current inventory as CSV that import takes back\n"
    "  list             the devices, with their current state\n"
    "  add ID           a new device\n"
    "  set ID           change the fields given, nothing else\n"
    "  retire ID...     take devices out of service; their history stays\n"
    "\n"
    "A retired device keeps its outages, events and graphs under its id, and an\n"
    "id is never reused silently: bringing a retired id back is refused unless\n"
    "--reuse-retired is given (probed then records it as returned).\n"
    "\n"
    "Options of import, add, set and retire:\n"
    "  --file PATH      the managed file, when the inventory has several files\n"
    "                   (relative: from here, else from the main file's directory)\n"
    "  --dry-run        show the change, write nothing\n"
    "  --reuse-retired  (import, add) let retired ids come back\n"
    "  --no-reload      write the file but leave probed alone (several changes,\n"
    "                   then one 'kill -HUP')\n"
    "  --format FORMAT  table (default) or json\n"
    "  -h, --help       print the help of a subcommand\n"
    "\n"
    "Examples:\n"
    "  probectl inventory import --dry-run devices.csv\n"
    "  probectl inventory import devices.csv\n"
    "  probectl inventory export > devices.csv\n"
    "  probectl inventory list --site guizhou/zunyi --state down\n"
    "  probectl inventory add zy-cam-31 --name 遵义市摄像头31 --address 10.20.5.31 \\\n"
    "      --type camera --site guizhou/zunyi\n"
    "  probectl inventory set zy-cam-31 --address 10.20.5.131\n"
    "  probectl inventory retire zy-cam-31 --reason '迁至新机房'\n"
    "\n"
    "Exit status: 0 when the change was applied and probed reloaded it (or is not\n"
    "running, or there was nothing to change), 1 when the change is invalid or\n"
    "refused (nothing written) or failed, and when the file was written but probed\n"
    "did not confirm the reload (the message says so), 2 on bad usage.\n";

static const char import_help[] =
    "Usage: probectl [-c FILE] inventory import FILE.csv [--file PATH] [--dry-run]\n"
    "                [--reuse-retired] [--no-reload] [--format table|json]\n"
    "\n"
    "Makes FILE.csv the content of the managed inventory file (see 'probectl\n"
    "inventory --help'): its rows are the devices wanted there; devices of the\n"
    "managed file that FILE.csv lacks are retired. Other inventory files and the\n"
    "main file's targets stay as they are, and an id of FILE.csv that one of them\n"
    "holds is an error naming where.\n"
    "\n"
    "FILE.csv: UTF-8, with or without a byte order mark (spreadsheet programs'\n"
    "\"CSV UTF-8\"), LF or CRLF line ends; a header row naming the columns id,\n"
    "address, type, site and optionally name and snmp_profile, in any order and\n"
    "letter case; lines starting with # are comments. '-' reads standard input.\n"
    "\n"
    "Every row is checked as probed checks it: the id's syntax and that it is\n"
    "unique across every source, the address (IPv4, IPv6 or a host name), the\n"
    "type (a template of the configuration), the site path, the name, the SNMP\n"
    "profile (one of plugins.snmp.profiles); then the rest of the configuration\n"
    "with the new inventory (a system or maintenance window naming a device that\n"
    "would go is an error too). Every error is shown, as FILE.csv:LINE:COL:\n"
    "message (up to 1000), and then nothing is written.\n"
    "\n"
    "A valid file is compared with the current inventory, and the difference\n"
    "shown: devices added, changed (each field as old -> new), retired, and how\n"
    "many stay unchanged. When nothing changes, the managed file is left as it\n"
    "is, byte for byte. Otherwise FILE.csv's rows and comments are written to the\n"
    "managed file in one rename, with the byte order mark and line ends the\n"
    "managed file had, and probed reloads.\n"
    "\n"
    "Options:\n"
    "  --file PATH      the managed file, when the inventory has several files\n"
    "  --dry-run        check and show the difference, write nothing\n"
    "  --reuse-retired  let ids the event store has retired come back (they are\n"
    "                   refused otherwise: a new device gets a new id)\n"
    "  --no-reload      write the file but do not signal probed\n"
    "  --format FORMAT  table (default), or json: {command, file, source, dry_run,\n"
    "                   valid, errors: [{file, line, col, message}], summary,\n"
    "                   changes: [{change, id, name, address, type, site, ...}],\n"
    "                   written, reload: {state, pid, message}}\n"
    "  -h, --help       print this help and exit\n"
    "\n"
    "Examples:\n"
    "  probectl inventory export > devices.csv     # edit it in a spreadsheet, then\n"
    "  probectl inventory import --dry-run devices.csv\n"
    "  probectl inventory import devices.csv\n"
    "  probectl inventory import --file inventory/zunyi.csv zunyi.csv\n"
    "\n"
    "Exit status: 0 applied and reloaded (or probed not running, or no change),\n"
    "1 invalid or refused (nothing written), failed, or written but the reload not\n"
    "confirmed, 2 bad usage.\n";

static const char export_help[] =
    "Usage: probectl [-c FILE] inventory export [--file PATH] [--no-bom]\n"
    "\n"
    "Writes the current inventory to standard output as CSV, with the header\n"
    "id,name,address,type,site: every device of every source (the inventory files\n"
    "and the main file's targets) in the order probed reads them, or with --file\n"
    "only those of that file. The text is UTF-8 with a byte order mark (so that\n"
    "spreadsheet programs read Chinese names right) and CRLF line ends; fields\n"
    "are quoted only where they must be, and nothing else is changed, so that\n"
    "'import' of an export of the managed file changes nothing.\n"
    "\n"
    "An export of every source holds the main file's targets and other files'\n"
    "devices too: importing it into one file is refused (ids must be unique).\n"
    "\n"
    "Options:\n"
    "  --file PATH  only the devices of this inventory file\n"
    "  --no-bom     without the byte order mark\n"
    "  -h, --help   print this help and exit\n"
    "\n"
    "Examples:\n"
    "  probectl inventory export > all-devices.csv\n"
    "  probectl inventory export --file inventory/zunyi.csv > zunyi.csv\n"
    "\n"
    "Exit status: 0 written, 1 on errors, 2 on bad usage.\n";

/* The help for argv[1] (a subcommand) or the whole command. */
static const char *help_for(const char *sub)
{
    static const struct {
        const char *name, *text;
    } helps[] = {{"import", import_help},          {"export", export_help},
                 {"add", pctl_inv_add_help},       {"set", pctl_inv_set_help},
                 {"retire", pctl_inv_retire_help}, {"list", pctl_inv_list_help}};
    for (size_t i = 0; sub && i < sizeof(helps) / sizeof(helps[0]); i++)
        if (strcmp(sub, helps[i].name) == 0)
            return helps[i].text;
    return pctl_inv_help;
}

/* The new text to write: FILE's rows and comments in the managed file's
 * style (a new or empty one takes FILE's). */
static int restyle_import(const struct pd_inv_file *f, const char *text, size_t len,
                          struct pd_inv_buf *out)
{
    struct pd_inv_style st = f->len ? pd_inv_style_of(f->text, f->len) : pd_inv_style_of(text, len);
    pd_inv_restyle(out, text, len, st);
    if (!out->s)
        pd_inv_buf_add(out, "", 0);
    return out->oom ? -ENOMEM : 0;
}

static int read_input(const char *path, char **text, size_t *len, FILE *errout)
{
    char err[1024] = "";
    if (strcmp(path, "-") == 0) {
        struct pd_inv_buf b = {0};
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
            pd_inv_buf_add(&b, chunk, n);
        pd_inv_buf_add(&b, "", 0);
        if (ferror(stdin) || b.oom) {
            fprintf(errout, "probectl inventory import: reading standard input: %s\n",
                    b.oom ? "out of memory" : strerror(errno));
            pd_inv_buf_free(&b);
            return -EIO;
        }
        *text = b.s;
        *len = b.len;
        return 0;
    }
    if (pd_read_file(path, text, len, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl inventory import: %s", err);
        return -EIO;
    }
    return 0;
}

static int import(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {PCTL_INV_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    struct pctl_inv_opts o = {.format = PCTL_TABLE};
    struct pd_inv_file f = {.dir_fd = -1};
    struct pd_inv_buf text = {0};
    char *input = NULL, *managed = NULL, err[4096];
    size_t len;
    int opt, rc = 1;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(import_help, out);
            return 0;
        }
        int taken = pctl_inv_common_option(opt, optarg, &o, "inventory import", errout);
        if (taken == 2)
            return 2;
        if (!taken)
            return pctl_option_error(errout, "inventory import", opt, argv);
    }
    if (optind == argc)
        return pctl_usage_error(errout, "inventory import", "import needs a CSV FILE");
    if (optind != argc - 1)
        return pctl_usage_error(errout, "inventory import", "import takes one FILE, not '%s' too",
                                argv[argc - 1]);
    const char *path = argv[optind];
    if (read_input(path, &input, &len, errout) < 0)
        return 1;
    if (pd_inv_managed(cfg, o.file, &managed, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl inventory import: %s\n", err);
        goto out;
    }
    if (pd_inv_file_open(&f, managed, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl inventory import: %s\n", err);
        goto out;
    }
    if (restyle_import(&f, input, len, &text) < 0) {
        fprintf(errout, "probectl inventory import: out of memory\n");
        goto out;
    }
    struct pctl_inv_change c = {.cmd = "import",
                                .label = strcmp(path, "-") == 0 ? "(stdin)" : path,
                                .text = text.s,
                                .len = text.len};
    rc = pctl_inv_apply(cfg, &o, &f, &c, out, errout);
out:
    pd_inv_file_close(&f);
    pd_inv_buf_free(&text);
    free(managed);
    free(input);
    return rc;
}

static int export(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'F'},
        {"no-bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int columns[PD_TF_COUNT] = {PD_TF_ID, PD_TF_NAME, PD_TF_ADDRESS, PD_TF_TYPE, PD_TF_SITE};
    size_t n_columns = 5;
    const struct pd_inv_style style = {.bom = 1, .crlf = 1};
    struct pd_inv_style st = style;
    struct pd_inv_buf b = {0};
    const char *file = NULL;
    char *only = NULL, err[4096];
    int opt, rc = 1;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'F':
            file = optarg;
            break;
        case 'B':
            st.bom = 0;
            break;
        case 'h':
            fputs(export_help, out);
            return 0;
        default:
            return pctl_option_error(errout, "inventory export", opt, argv);
        }
    }
    if (optind < argc)
        return pctl_usage_error(errout, "inventory export", "unexpected argument '%s'",
                                argv[optind]);
    if (file && pd_inv_managed(cfg, file, &only, err, sizeof(err)) < 0) {
        fprintf(errout, "probectl inventory export: %s\n", err);
        return 1;
    }
    /* The optional snmp_profile column only when a device has one. */
    for (size_t i = 0; i < cfg->n_targets && n_columns == 5; i++)
        if (cfg->targets[i].snmp_profile && (!only || strcmp(cfg->targets[i].at.file, only) == 0))
            columns[n_columns++] = PD_TF_SNMP_PROFILE;
    if (st.bom)
        pd_inv_buf_add(&b, PCTL_BOM, 3);
    pd_inv_put_header(&b, columns, n_columns, st);
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const struct pd_target_conf *t = &cfg->targets[i];
        const char *fields[PD_TF_COUNT];
        if (only && strcmp(t->at.file, only) != 0)
            continue;
        for (int k = 0; k < PD_TF_COUNT; k++)
            fields[k] = pd_target_field(t, k);
        pd_inv_put_row(&b, columns, n_columns, fields, st);
    }
    if (b.oom) {
        fprintf(errout, "probectl inventory export: out of memory\n");
        goto out;
    }
    fwrite(b.s, 1, b.len, out);
    rc = pctl_finish_output(out, errout, "inventory export");
out:
    pd_inv_buf_free(&b);
    free(only);
    return rc;
}

int pd_cmd_inventory(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout)
{
    if (!cfg) { /* --help somewhere: the subcommand's, if one is named */
        fputs(help_for(argc > 1 ? argv[1] : NULL), out);
        return 0;
    }
    if (argc < 2) {
        fputs(pctl_inv_help, errout);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(pctl_inv_help, out);
        return 0;
    }
    if (strcmp(sub, "import") == 0)
        return import(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "export") == 0)
        return export(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "list") == 0)
        return pctl_inv_list(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "add") == 0)
        return pctl_inv_add(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "set") == 0)
        return pctl_inv_set(cfg, argc - 1, argv + 1, out, errout);
    if (strcmp(sub, "retire") == 0)
        return pctl_inv_retire(cfg, argc - 1, argv + 1, out, errout);
    return pctl_usage_error(errout, "inventory",
                            "unknown subcommand '%s' (import, export, list, add, set, retire)",
                            sub);
}
