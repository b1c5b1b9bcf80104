#include "inspect_thread.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "clock.h"
#include "inspect_files.h"
#include "log.h"

#define ERR_LEN   8192
#define RETRY     (5 * 60 * PD_SEC) /* after a record that could not be made */
#define NAP_MAX   (60 * PD_SEC)     /* the wall clock is looked at again this often */
#define SETTLE_IN (5 * PD_SEC)      /* beyond a heartbeat and the RRD write delay */

struct pd_inspect_thread {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    char *config_path;
    /* Under the lock: */
    bool stop;
    struct pd_inspection_conf sched; /* a copy: its day lists are owned here */
    char *data_dir;                  /* where the records go */
    pd_ns settle;                    /* after the check time, before the record is made */
    /* The thread's own: */
    int32_t failed_day;
    pd_ns retry_at;
};

static int copy_days(const int32_t *src, size_t n, int32_t **dst)
{
    *dst = NULL;
    if (n == 0)
        return 0;
    if (!(*dst = malloc(n * sizeof(**dst))))
        return -ENOMEM;
    memcpy(*dst, src, n * sizeof(**dst));
    return 0;
}

/* A deep copy of c's calendar into out (its lists freed first). */
static int copy_schedule(const struct pd_inspection_conf *c, struct pd_inspection_conf *out)
{
    struct pd_inspection_conf n = *c;
    if (copy_days(c->holidays, c->n_holidays, &n.holidays) < 0 ||
        copy_days(c->extra_working_days, c->n_extra_working_days, &n.extra_working_days) < 0) {
        free(n.holidays);
        return -ENOMEM;
    }
    free(out->holidays);
    free(out->extra_working_days);
    *out = n;
    return 0;
}

/* The store has recorded past a check time once a heartbeat has been
 * written after it, and every check's next round (which closes the RRD
 * row holding the check time) has been through the RRD writer's delay:
 * then the record is final, and no row of its last minutes is missing. */
static pd_ns settle_of(const struct pd_config *cfg)
{
    pd_ns longest = cfg->heartbeat;
    for (size_t i = 0; i < cfg->n_templates; i++)
        for (size_t k = 0; k < cfg->templates[i].n_checks; k++)
            if (cfg->templates[i].checks[k].interval > longest)
                longest = cfg->templates[i].checks[k].interval;
    return longest + cfg->rrd_write_delay + SETTLE_IN;
}

/* Make and write the daily check of day from the configuration on disk. */
static void write_record(struct pd_inspect_thread *t, int32_t day, pd_ns now)
{
    static char err[ERR_LEN];
    struct pd_config *cfg = NULL;
    char label[PD_DAY_TEXT];
    pd_day_format(day, label, sizeof(label));
    err[0] = '\0';
    pd_ns t0 = pd_clock_mono();
    int rc = pd_config_load(t->config_path, &cfg, err, sizeof(err));
    if (rc == 0)
        rc = pd_inspect_daily_files(cfg, day, now, err, sizeof(err));
    if (rc == -ENOENT) {
        /* Nothing was in service (a new installation): nothing to record,
         * and no later try would find more. */
        pd_notice("inspect", "no daily check of %s: %s", label, err);
        t->failed_day = day;
        t->retry_at = INT64_MAX;
    } else if (rc < 0) {
        /* The first line says enough for a log; the rest is the next try's. */
        err[strcspn(err, "\n")] = '\0';
        pd_err("inspect", "the daily check of %s was not written: %s; trying again in %d minutes",
               label, err, (int)(RETRY / (60 * PD_SEC)));
        t->failed_day = day;
        t->retry_at = now + RETRY;
    } else {
        pd_notice("inspect", "the daily check of %s is written in %s/%s (%.1f s)", label,
                  cfg->data_dir, PD_REPORTS_DIR, (double)(pd_clock_mono() - t0) / 1e9);
        t->failed_day = 0;
    }
    pd_config_free(cfg);
}

/* The next check time after now, plus settle; 0 when none within the
 * look-back (no working day at all in a month). */
static pd_ns next_due(const struct pd_inspection_conf *s, pd_ns settle, pd_ns now)
{
    int32_t today;
    if (pd_day_of(now, &today) < 0)
        return 0;
    for (int32_t d = today - 1; d <= today + PD_DAILY_LOOKBACK; d++) {
        pd_ns at;
        if (pd_working_day(s, d) && pd_daily_at(s, d, &at) == 0 && at + settle > now)
            return at + settle;
    }
    return 0;
}

static void nap(struct pd_inspect_thread *t, pd_ns ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pd_ns until = (pd_ns)ts.tv_sec * PD_SEC + ts.tv_nsec + (ns > 0 ? ns : 0);
    ts.tv_sec = (time_t)(until / PD_SEC);
    ts.tv_nsec = (long)(until % PD_SEC);
    pthread_cond_timedwait(&t->wake, &t->lock, &ts);
}

static void *thread_main(void *arg)
{
    struct pd_inspect_thread *t = arg;
    struct pd_inspection_conf s = {0};
    char dir[PATH_MAX];
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        if (copy_schedule(&t->sched, &s) < 0) {
            nap(t, NAP_MAX);
            continue;
        }
        pd_ns settle = t->settle;
        snprintf(dir, sizeof(dir), "%s", t->data_dir);
        pthread_mutex_unlock(&t->lock);

        pd_ns now = pd_clock_wall(), sleep = NAP_MAX;
        int32_t day = 0;
        if (s.write_daily && pd_daily_latest(&s, now - settle, &day) == 0 &&
            (day != t->failed_day || now >= t->retry_at) &&
            !pd_inspect_daily_done(dir, s.daily_formats, day))
            write_record(t, day, now);
        pd_ns due = s.write_daily ? next_due(&s, settle, now) : 0;
        if (due && due - now < sleep)
            sleep = due - now;

        pthread_mutex_lock(&t->lock);
        if (!t->stop)
            nap(t, sleep);
    }
    pthread_mutex_unlock(&t->lock);
    free(s.holidays);
    free(s.extra_working_days);
    return NULL;
}

int pd_inspect_thread_start(const char *config_path, const struct pd_config *cfg,
                            struct pd_inspect_thread **out, char *err, size_t errlen)
{
    struct pd_inspect_thread *t = calloc(1, sizeof(*t));
    pthread_condattr_t attr;
    int rc = -ENOMEM;
    *out = NULL;
    if (!t || !(t->config_path = strdup(config_path)) || !(t->data_dir = strdup(cfg->data_dir)) ||
        copy_schedule(&cfg->inspection, &t->sched) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    t->settle = settle_of(cfg);
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &attr);
    pthread_condattr_destroy(&attr);
    if ((rc = -pthread_create(&t->thread, NULL, thread_main, t)) < 0) {
        snprintf(err, errlen, "cannot start the inspection thread: %s", strerror(-rc));
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    if (t) {
        free(t->sched.holidays);
        free(t->sched.extra_working_days);
        free(t->config_path);
        free(t->data_dir);
    }
    free(t);
    return rc;
}

void pd_inspect_thread_schedule(struct pd_inspect_thread *t, const struct pd_config *cfg)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    char *dir = strdup(cfg->data_dir);
    if (!dir || copy_schedule(&cfg->inspection, &t->sched) < 0) {
        pd_warn("inspect", "out of memory: the daily check keeps its previous schedule");
        free(dir);
    } else {
        free(t->data_dir);
        t->data_dir = dir;
    }
    t->settle = settle_of(cfg);
    t->failed_day = 0; /* the new calendar may make that day's record possible */
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
}

void pd_inspect_thread_stop(struct pd_inspect_thread *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->sched.holidays);
    free(t->sched.extra_working_days);
    free(t->config_path);
    free(t->data_dir);
    free(t);
}
