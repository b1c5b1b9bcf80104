/*
 * What the files of probectl inventory share: the options every changing
 * subcommand takes, the one way a change is validated, shown, written and
 * reloaded (probectl_inventory_apply.c), and the daemon's reload
 * (probectl_inventory_reload.c).
 */
#ifndef PROBED_PROBECTL_INVENTORY_PRIV_H
#define PROBED_PROBECTL_INVENTORY_PRIV_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "inventory_file.h"
#include "probectl_common.h"

/* Errors a change may show at once: every bad cell of a spreadsheet. */
#define PCTL_INV_MAX_ERRORS 1000
/* How long a reload may take to show in the event store. */
#define PCTL_INV_RELOAD_WAIT_S 15

struct pctl_inv_opts {
    const char *file;        /* --file: the managed file; NULL: the only one there is */
    int dry_run;             /* show the change, write nothing */
    int reuse_retired;       /* an id retired in the store may come back */
    int no_reload;           /* write, but leave the daemon alone */
    enum pctl_format format; /* PCTL_TABLE or PCTL_JSON */
};

/* The long options of pctl_inv_opts, for a subcommand's table. */
#define PCTL_INV_COMMON_OPTIONS                                                                    \
    {"file", required_argument, NULL, 'F'}, {"dry-run", no_argument, NULL, 'n'},                   \
        {"reuse-retired", no_argument, NULL, 'R'}, {"no-reload", no_argument, NULL, 'N'},          \
        {"format", required_argument, NULL, 'f'},                                                  \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* One of PCTL_INV_COMMON_OPTIONS into o: 1 taken, 0 not one of them, or
 * 2 after a usage error (printed). */
int pctl_inv_common_option(int opt, const char *arg, struct pctl_inv_opts *o, const char *cmd,
                           FILE *errout);

/* A change to the managed file: its whole new text. */
struct pctl_inv_change {
    const char *cmd;   /* "import", "add", ...: for messages */
    const char *label; /* names the new text in errors: the imported file, or the managed one */
    const char *text;  /* borrowed: the managed file's new bytes */
    size_t len;
    int row_line; /* > 0: the line of the row add or set writes, for errors */
};

/* Load the configuration with c's text as f's (pd_config_load_subst) and
 * bind its plugins: exactly what the daemon's reload does. Invalid: every
 * error, exit 1. Valid: the difference from cfg's inventory, shown;
 * refused (exit 1) when it brings back an id the event store has retired
 * and o->reuse_retired is not set; nothing more when it is empty (exit 0,
 * the file untouched) or o->dry_run; else f replaced by the text and the
 * daemon reloaded (pctl_inv_reload). Returns the exit code. f is locked
 * and read (pd_inv_file_open); cfg, o, f and c are borrowed. */
int pctl_inv_apply(const struct pd_config *cfg, const struct pctl_inv_opts *o,
                   struct pd_inv_file *f, const struct pctl_inv_change *c, FILE *out, FILE *errout);

enum pctl_reload_state {
    PCTL_RELOAD_CONFIRMED,   /* the store shows the new inventory */
    PCTL_RELOAD_NOT_RUNNING, /* nothing to reload: it applies at the next start */
    PCTL_RELOAD_ELSEWHERE,   /* probed writes this store from another host */
    PCTL_RELOAD_UNCONFIRMED, /* signalled, but the store did not show it in time */
    PCTL_RELOAD_UNSEEN,      /* signalled; the change is not one the store records */
    PCTL_RELOAD_SKIPPED,     /* --no-reload */
    PCTL_RELOAD_FAILED       /* the signal could not be sent */
};

struct pctl_reload {
    enum pctl_reload_state state;
    int pid;         /* the daemon's, 0 when none was found */
    double seconds;  /* from the signal to the confirmation */
    char text[1024]; /* what happened, one sentence for people */
};

/* Tell the daemon running on cfg's store (its pid file, else the store's
 * running run on this host, and only a process named probed) to reload,
 * and wait up to PCTL_INV_RELOAD_WAIT_S for the store's targets in
 * service to be cand's. store_visible: the change is one the store
 * records (name, address, type, site, targets coming or going). */
void pctl_inv_reload(const struct pd_config *cfg, const struct pd_config *cand, int store_visible,
                     struct pctl_reload *r);
/* How many devices of inv (the files on disk) the probed running on cfg's
 * store runs otherwise, or not at all, or runs that inv lacks: a hand edit
 * not reloaded yet. 0 when none, or when no probed runs here; *pid: its
 * pid when one does. */
size_t pctl_inv_running_differs(const struct pd_config *cfg, const struct pd_config *inv, int *pid);
/* "confirmed", "not_running", "elsewhere", "unconfirmed", "unseen",
 * "skipped", "failed" */
const char *pctl_reload_state_name(enum pctl_reload_state s);

/* The subcommands (probectl_inventory_edit.c, probectl_inventory_list.c);
 * argv[0] is the subcommand. */
int pctl_inv_add(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
int pctl_inv_set(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
int pctl_inv_retire(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);
int pctl_inv_list(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

/* The help texts (probectl_inventory.c). */
extern const char pctl_inv_help[], pctl_inv_add_help[], pctl_inv_set_help[], pctl_inv_retire_help[],
    pctl_inv_list_help[];

#endif
