/* The daemon's reload after probectl inventory wrote the file: find it,
 * SIGHUP it, and see the new inventory arrive in the event store. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "hashmap.h"
#include "probectl_inventory_priv.h"

const char *pctl_reload_state_name(enum pctl_reload_state s)
{
    static const char *const names[] = {"confirmed", "not_running", "elsewhere", "unconfirmed",
                                        "unseen",    "skipped",     "failed"};
    return names[s];
}

/* SIGHUP's default is to end a process: only a probed gets one. */
static int is_probed(int pid)
{
    char path[64], comm[32] = "";
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    FILE *fp = fopen(path, "re");
    if (!fp)
        return 0;
    if (!fgets(comm, sizeof(comm), fp))
        comm[0] = '\0';
    fclose(fp);
    comm[strcspn(comm, "\n")] = '\0';
    return strcmp(comm, "probed") == 0;
}

static int pid_from_file(const char *path)
{
    FILE *fp = fopen(path, "re");
    long pid = 0;
    if (!fp)
        return 0;
    if (fscanf(fp, "%ld", &pid) != 1 || pid <= 0 || pid > INT32_MAX)
        pid = 0;
    fclose(fp);
    return (int)pid;
}

/* The daemon to signal: 1 with r->pid, or 0 with r->state and r->text
 * saying why there is none. */
static int find_daemon(const struct pd_config *cfg, struct pd_db *db, struct pctl_reload *r)
{
    struct pctl_run run = {0};
    char host[256] = "";

    if (cfg->pid_file) {
        int pid = pid_from_file(cfg->pid_file);
        if (pid && is_probed(pid)) {
            r->pid = pid;
            return 1;
        }
    }
    /* Started without the configured pid file (-p, or none): the run it
     * records in the store says who it is. */
    if (db && pctl_load_run(db, &run, "inventory", stderr) == 0 && run.found &&
        pctl_daemon_state(&run, cfg->heartbeat, pd_clock_wall()) == PCTL_RUNNING) {
        gethostname(host, sizeof(host) - 1);
        if (strcmp(run.host, host) != 0) {
            r->state = PCTL_RELOAD_ELSEWHERE;
            r->pid = run.pid;
            snprintf(r->text, sizeof(r->text),
                     "probed runs on host %s (pid %d) with this event store: reload it there "
                     "(kill -HUP %d), or the change takes effect at its next start",
                     run.host, run.pid, run.pid);
            return 0;
        }
        if (is_probed(run.pid)) {
            r->pid = run.pid;
            return 1;
        }
    }
    r->state = PCTL_RELOAD_NOT_RUNNING;
    snprintf(r->text, sizeof(r->text),
             "probed is not running: the change takes effect when it starts");
    return 0;
}

struct match {
    const struct pd_hashmap *want;  /* id -> struct pd_target_conf */
    size_t in_service, known, same; /* in service; of those, ids wanted; and the same */
};

static int compare_row(const struct pd_target_row *row, void *arg)
{
    struct match *m = arg;
    if (row->retired)
        return 0;
    m->in_service++;
    const struct pd_target_conf *t = pd_hashmap_get(m->want, row->id);
    m->known += t != NULL;
    if (t && strcmp(t->name, row->name) == 0 && strcmp(t->address, row->address) == 0 &&
        strcmp(t->type, row->type) == 0 && strcmp(t->site, row->site) == 0)
        m->same++;
    return 0;
}

/* 1 when the store's targets in service are cand's, as the daemon
 * writes them after a reload that applied cand. */
static int store_shows(struct pd_db *db, const struct pd_config *cand,
                       const struct pd_hashmap *want)
{
    struct match m = {.want = want};
    if (pd_db_targets(db, NULL, 0, compare_row, &m) < 0)
        return 0;
    return m.in_service == cand->n_targets && m.same == cand->n_targets;
}

size_t pctl_inv_running_differs(const struct pd_config *cfg, const struct pd_config *inv, int *pid)
{
    struct pd_hashmap want;
    struct pd_db *db = NULL;
    struct pctl_reload r = {0};
    struct match m = {.want = &want};
    char err[512];
    size_t differ = 0;

    *pid = 0;
    pd_hashmap_init(&want);
    if (pd_db_open(cfg->data_dir, 1, &db, err, sizeof(err)) < 0 || !find_daemon(cfg, db, &r))
        goto out;
    for (size_t i = 0; i < inv->n_targets; i++)
        if (pd_hashmap_put(&want, inv->targets[i].id, &inv->targets[i]) < 0)
            goto out;
    if (pd_db_targets(db, NULL, 0, compare_row, &m) < 0)
        goto out;
    /* Each id once: running but not on disk, running otherwise, on disk
     * but not running. */
    differ = (m.in_service - m.known) + (m.known - m.same) + (inv->n_targets - m.known);
    *pid = r.pid;
out:
    pd_hashmap_free(&want);
    pd_db_close(db);
    return differ;
}

static void sleep_100ms(void)
{
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
}

void pctl_inv_reload(const struct pd_config *cfg, const struct pd_config *cand, int store_visible,
                     struct pctl_reload *r)
{
    struct pd_hashmap want;
    struct pd_db *db = NULL;
    char err[512];

    memset(r, 0, sizeof(*r));
    pd_hashmap_init(&want);
    if (pd_db_open(cfg->data_dir, 1, &db, err, sizeof(err)) < 0)
        db = NULL; /* never ran here: no store, and no run to find */
    if (!find_daemon(cfg, db, r))
        goto out;
    if (kill(r->pid, SIGHUP) < 0) {
        r->state = PCTL_RELOAD_FAILED;
        snprintf(r->text, sizeof(r->text),
                 "cannot send SIGHUP to probed (pid %d): %s; the change takes effect at its next "
                 "reload or start",
                 r->pid, strerror(errno));
        goto out;
    }
    if (!store_visible || !db) {
        r->state = PCTL_RELOAD_UNSEEN;
        snprintf(r->text, sizeof(r->text),
                 "sent SIGHUP to probed (pid %d); the event store does not record this kind of "
                 "change, so see probed's log for the reload",
                 r->pid);
        goto out;
    }
    for (size_t i = 0; i < cand->n_targets; i++) {
        if (pd_hashmap_put(&want, cand->targets[i].id, &cand->targets[i]) < 0) {
            r->state = PCTL_RELOAD_UNCONFIRMED;
            snprintf(r->text, sizeof(r->text),
                     "sent SIGHUP to probed (pid %d); out of memory to confirm the reload", r->pid);
            goto out;
        }
    }
    pd_ns start = pd_clock_mono(), limit = PCTL_INV_RELOAD_WAIT_S * PD_SEC;
    for (;;) {
        if (store_shows(db, cand, &want)) {
            r->state = PCTL_RELOAD_CONFIRMED;
            r->seconds = (double)(pd_clock_mono() - start) / 1e9;
            snprintf(r->text, sizeof(r->text),
                     "probed (pid %d) reloaded: the event store shows the new inventory after "
                     "%.1f s",
                     r->pid, r->seconds);
            break;
        }
        if (pd_clock_mono() - start >= limit || !is_probed(r->pid)) {
            char why[128] = "it stopped";
            if (is_probed(r->pid))
                snprintf(why, sizeof(why),
                         "the event store did not show the new inventory within %d s",
                         PCTL_INV_RELOAD_WAIT_S);
            r->state = PCTL_RELOAD_UNCONFIRMED;
            snprintf(r->text, sizeof(r->text),
                     "sent SIGHUP to probed (pid %d), but %s: its reload may have failed and it "
                     "may still run the previous inventory; see its log ('probectl check-config' "
                     "loads what it reads)",
                     r->pid, why);
            break;
        }
        sleep_100ms();
    }
out:
    pd_hashmap_free(&want);
    pd_db_close(db);
}
