#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "health.h"
#include "db.h"
#include "db_write.h"
#include "fsutil.h"
#include "hashmap.h"
#include "log.h"
#include "rrd_store.h"

#define DEFAULT_QUEUE 65536
#define LOCK_FILE     "probed.lock"
/* Lossy records alone wait this long so that one commit (one fsync)
 * carries many of them. */
#define LINGER_NS (1 * PD_SEC)
#define RETRY_MIN (1 * PD_SEC)
#define RETRY_MAX (30 * PD_SEC)
/* On close, a store that keeps failing is given up after this many tries. */
#define CLOSE_ATTEMPTS 5

enum rec_kind {
    REC_SAMPLE,
    REC_LAST,
    REC_TRANSITION,
    REC_HEARTBEAT,
    REC_INVENTORY,
    REC_EVENT,
    REC_DESCRIBE,
    REC_END
};

/* One queued record and everything it points to, in one allocation. */
struct rec {
    struct rec *next; /* durable FIFO */
    uint64_t seq;
    enum rec_kind kind;
    char target_id[PD_ID_MAX + 1];
    char check_id[PD_ID_MAX + 1];
    char series[PD_SERIES_MAX + 1]; /* samples, events, descriptions: "" the check's own */
    char key[2 * PD_ID_MAX + 2];    /* "target/check": last-result coalescing */
    pd_ns when;
    pd_ns interval;
    enum pd_verdict verdict;
    uint64_t rounds, skipped;
    struct pd_transition t;
    pd_ns detected;
    const char *reason;
    const char *event_kind;
    const char *label; /* REC_DESCRIBE; the description is in reason */
    struct pd_metric *metrics;
    size_t n_metrics;
    struct pd_inventory_item *items;
    size_t n_items;
    struct pd_check_ref *checks;
    size_t n_checks;
};

#define REC_HEAD ((sizeof(struct rec) + 15) & ~(size_t)15)

struct pd_storage {
    char *data_dir;
    char *version;
    struct pd_db *db;
    struct pd_rrd_store *rrd;
    int64_t run_id;
    int lock_fd;
    void (*on_commit)(void *arg);
    void *on_commit_arg;
    struct pd_health *health; /* borrowed; may be NULL */

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;    /* the writer: work, flush or stop */
    pthread_cond_t written; /* flushers: written_seq moved */
    bool stopping;
    bool gave_up; /* closing, and durable records could not be written */
    int flushers;
    pd_ns lossy_since; /* real monotonic time the lossy queue became non-empty */

    uint64_t seq;         /* the last one handed out */
    uint64_t written_seq; /* every record up to it is handled */

    struct rec **ring; /* samples, oldest at ring_head */
    size_t ring_cap, ring_head, ring_n;
    struct pd_hashmap last; /* key -> newest pending REC_LAST */
    struct rec *dur_head, *dur_tail;
    size_t dur_n;

    struct pd_transition_rec *committed;
    size_t committed_head, committed_n, committed_cap;

    struct pd_storage_stats stats;

    /* The writer's scratch, sized ring_cap. */
    struct rec **batch_samples;
    struct pd_rrd_sample *rrd_samples;

    /* Write-behind of RRD samples, the writer's own: "target/check" ->
     * struct held_file. held_due (under mu) is when the oldest held sample
     * must be written, 0 when none is held. */
    pd_ns rrd_write_delay;
    struct pd_hashmap held;
    size_t held_n;
    pd_ns held_due;
};

/* The samples of one file waiting to be written, kept compact (a time and
 * the values) rather than as queued records: 10,000 checks hold a minute
 * of samples. All rows share one set of metric names; a sample with
 * another set has the held rows written first. */
struct held_file {
    char key[2 * PD_ID_MAX + PD_SERIES_MAX + 3];
    char target_id[PD_ID_MAX + 1];
    char check_id[PD_ID_MAX + 1];
    char series[PD_SERIES_MAX + 1];
    pd_ns interval;
    pd_ns first; /* real monotonic time the oldest sample arrived */
    bool fresh;  /* not written since start: write at once (creates the file) */
    char **names;
    size_t n_names;
    pd_ns *whens;   /* n rows, in arrival (= round) order */
    double *values; /* n rows of n_names values */
    size_t n, cap;
};

struct batch {
    struct rec **samples;
    size_t n_samples;
    struct rec **lasts;
    size_t n_lasts;
    struct rec *durable; /* FIFO */
    uint64_t seq;        /* the last seq handed out when it was taken */
    bool force;          /* write every held RRD sample (flush, close) */
};

/* The real monotonic clock, not pd_clock: these are the writer thread's own
 * waits, and a fake clock that tests hold still would stall it. */
static pd_ns real_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (pd_ns)ts.tv_sec * PD_SEC + ts.tv_nsec;
}

static void timed_wait(pthread_cond_t *c, pthread_mutex_t *mu, pd_ns deadline)
{
    struct timespec ts = {.tv_sec = deadline / PD_SEC, .tv_nsec = deadline % PD_SEC};
    pthread_cond_timedwait(c, mu, &ts);
}

static size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static char *put_str(char **cur, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *out = memcpy(*cur, s, n);
    *cur += n;
    return out;
}

/* A record with `extra` bytes after it; *cur points at them. series: the
 * part of the check it is about (NULL: the check's own). NULL (logged)
 * when an id is too long or memory is short. */
static struct rec *rec_new(enum rec_kind kind, const char *target_id, const char *check_id,
                           const char *series, size_t extra, char **cur)
{
    target_id = target_id ? target_id : "";
    check_id = check_id ? check_id : "";
    series = series ? series : "";
    if (strlen(target_id) > PD_ID_MAX || strlen(check_id) > PD_ID_MAX ||
        strlen(series) > PD_SERIES_MAX) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "id too long, record dropped: %.80s/%.80s/%.80s",
                target_id, check_id, series);
        return NULL;
    }
    struct rec *r = calloc(1, REC_HEAD + extra);
    if (!r) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "out of memory, record dropped");
        return NULL;
    }
    r->kind = kind;
    strcpy(r->target_id, target_id);
    strcpy(r->check_id, check_id);
    strcpy(r->series, series);
    *cur = (char *)r + REC_HEAD;
    return r;
}

static size_t metrics_size(const struct pd_metric *metrics, size_t n)
{
    size_t size = n * sizeof(*metrics);
    for (size_t i = 0; i < n; i++)
        size += str_size(metrics[i].name ? metrics[i].name : "");
    return size;
}

/* Arrays come first: REC_HEAD and the element sizes keep them aligned. */
static void put_metrics(struct rec *r, char **cur, const struct pd_metric *metrics, size_t n)
{
    r->metrics = (struct pd_metric *)*cur;
    r->n_metrics = n;
    *cur += n * sizeof(*metrics);
    for (size_t i = 0; i < n; i++) {
        r->metrics[i].name = put_str(cur, metrics[i].name ? metrics[i].name : "");
        r->metrics[i].value = metrics[i].value;
    }
}

/* Under the lock, after the queues changed: for /metrics, which reads the
 * figures without this lock. */
static void publish_depth(const struct pd_storage *s)
{
    if (!s->health)
        return;
    pd_health_set(&s->health->queue_samples, s->ring_n);
    pd_health_set(&s->health->queue_records, s->ring_n + s->last.n + s->dur_n);
}

#define COUNT(s, figure, n)                                                                        \
    do {                                                                                           \
        if ((s)->health && (n))                                                                    \
            pd_health_add(&(s)->health->figure, (n));                                              \
    } while (0)

static bool lossy_empty(const struct pd_storage *s)
{
    return s->ring_n == 0 && s->last.n == 0;
}

/* Under the lock: a lossy record arrived. The writer needs waking only
 * to start its linger, or early when the ring fills up. */
static void lossy_arrived(struct pd_storage *s, bool was_empty)
{
    if (was_empty) {
        s->lossy_since = real_mono();
        pthread_cond_signal(&s->wake);
    } else if (s->ring_n == s->ring_cap / 2 + 1) {
        pthread_cond_signal(&s->wake);
    }
}

static uint64_t push_durable(struct pd_storage *s, struct rec *r)
{
    pthread_mutex_lock(&s->mu);
    uint64_t seq = r->seq = ++s->seq;
    if (s->dur_tail)
        s->dur_tail->next = r;
    else
        s->dur_head = r;
    s->dur_tail = r;
    s->dur_n++;
    publish_depth(s);
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    return seq;
}

void pd_storage_sample(struct pd_storage *s, const char *target_id, const char *check_id,
                       const char *series, pd_ns interval, pd_ns when,
                       const struct pd_metric *metrics, size_t n_metrics)
{
    if (n_metrics == 0)
        return;
    char *cur;
    struct rec *r =
        rec_new(REC_SAMPLE, target_id, check_id, series, metrics_size(metrics, n_metrics), &cur);
    if (!r)
        return;
    r->interval = interval;
    r->when = when;
    put_metrics(r, &cur, metrics, n_metrics);

    struct rec *dropped = NULL;
    pthread_mutex_lock(&s->mu);
    bool was_empty = lossy_empty(s);
    r->seq = ++s->seq;
    if (s->ring_n == s->ring_cap) {
        dropped = s->ring[s->ring_head];
        s->ring_head = (s->ring_head + 1) % s->ring_cap;
        s->ring_n--;
        s->stats.samples_dropped++;
        COUNT(s, samples_dropped, 1);
    }
    s->ring[(s->ring_head + s->ring_n) % s->ring_cap] = r;
    s->ring_n++;
    lossy_arrived(s, was_empty);
    publish_depth(s);
    pthread_mutex_unlock(&s->mu);
    if (dropped)
        pd_logf(PD_LOG_WARNING, "storage", NULL, "storage queue full: oldest samples dropped");
    free(dropped);
}

void pd_storage_last_result(struct pd_storage *s, const char *target_id, const char *check_id,
                            pd_ns when, enum pd_verdict verdict, const char *reason,
                            const struct pd_metric *metrics, size_t n_metrics, uint64_t rounds,
                            uint64_t skipped)
{
    char *cur;
    struct rec *r = rec_new(REC_LAST, target_id, check_id, NULL,
                            metrics_size(metrics, n_metrics) + str_size(reason), &cur);
    if (!r)
        return;
    snprintf(r->key, sizeof(r->key), "%s/%s", r->target_id, r->check_id);
    r->when = when;
    r->verdict = verdict;
    r->rounds = rounds;
    r->skipped = skipped;
    put_metrics(r, &cur, metrics, n_metrics);
    r->reason = put_str(&cur, reason);

    pthread_mutex_lock(&s->mu);
    bool was_empty = lossy_empty(s);
    r->seq = ++s->seq;
    /* Only the newest result of a check is worth writing; replacing an
     * entry never allocates, so a failed put leaves nothing pending. */
    struct rec *old = pd_hashmap_get(&s->last, r->key);
    if (pd_hashmap_put(&s->last, r->key, r) < 0)
        old = r;
    lossy_arrived(s, was_empty);
    publish_depth(s);
    pthread_mutex_unlock(&s->mu);
    free(old);
}

uint64_t pd_storage_transition(struct pd_storage *s, const char *target_id, const char *check_id,
                               const struct pd_transition *t, pd_ns detected, const char *reason)
{
    char *cur;
    struct rec *r = rec_new(REC_TRANSITION, target_id, check_id, NULL, str_size(reason), &cur);
    if (!r)
        return 0;
    r->t = *t;
    r->detected = detected;
    r->reason = put_str(&cur, reason);
    return push_durable(s, r);
}

void pd_storage_event(struct pd_storage *s, const char *target_id, const char *check_id,
                      const char *series, pd_ns at, const char *kind, const char *message)
{
    char *cur;
    struct rec *r =
        rec_new(REC_EVENT, target_id, check_id, series, str_size(kind) + str_size(message), &cur);
    if (!r)
        return;
    r->when = at;
    r->event_kind = put_str(&cur, kind);
    r->reason = put_str(&cur, message);
    push_durable(s, r);
}

void pd_storage_describe(struct pd_storage *s, const char *target_id, const char *check_id,
                         const char *series, pd_ns at, const char *label, const char *description)
{
    char *cur;
    struct rec *r = rec_new(REC_DESCRIBE, target_id, check_id, series,
                            str_size(label) + str_size(description), &cur);
    if (!r)
        return;
    r->when = at;
    r->label = put_str(&cur, label);
    r->reason = put_str(&cur, description);
    push_durable(s, r);
}

void pd_storage_heartbeat(struct pd_storage *s, pd_ns at)
{
    char *cur;
    struct rec *r = rec_new(REC_HEARTBEAT, NULL, NULL, NULL, 0, &cur);
    if (!r)
        return;
    r->when = at;
    push_durable(s, r);
}

void pd_storage_inventory(struct pd_storage *s, pd_ns at, const struct pd_inventory_item *targets,
                          size_t n_targets, const struct pd_check_ref *checks, size_t n_checks)
{
    size_t extra = n_targets * sizeof(*targets) + n_checks * sizeof(*checks);
    for (size_t i = 0; i < n_targets; i++) {
        const struct pd_inventory_item *it = &targets[i];
        extra += str_size(it->id) + str_size(it->name) + str_size(it->address) +
                 str_size(it->type) + str_size(it->site);
    }
    for (size_t i = 0; i < n_checks; i++)
        extra += str_size(checks[i].target_id) + str_size(checks[i].check_id);
    char *cur;
    struct rec *r = rec_new(REC_INVENTORY, NULL, NULL, NULL, extra, &cur);
    if (!r)
        return;
    r->when = at;
    r->items = (struct pd_inventory_item *)cur;
    r->n_items = n_targets;
    cur += n_targets * sizeof(*targets);
    r->checks = (struct pd_check_ref *)cur;
    r->n_checks = n_checks;
    cur += n_checks * sizeof(*checks);
    for (size_t i = 0; i < n_targets; i++) {
        const struct pd_inventory_item *it = &targets[i];
        r->items[i] = (struct pd_inventory_item){
            put_str(&cur, it->id),   put_str(&cur, it->name), put_str(&cur, it->address),
            put_str(&cur, it->type), put_str(&cur, it->site),
        };
    }
    for (size_t i = 0; i < n_checks; i++) {
        r->checks[i].target_id = put_str(&cur, checks[i].target_id);
        r->checks[i].check_id = put_str(&cur, checks[i].check_id);
    }
    push_durable(s, r);
}

void pd_storage_flush(struct pd_storage *s)
{
    pthread_mutex_lock(&s->mu);
    /* A sequence number of its own: the writer runs one more batch, which
     * also writes the RRD samples it holds back. */
    uint64_t target = ++s->seq;
    s->flushers++;
    pthread_cond_signal(&s->wake);
    while (s->written_seq < target && !s->gave_up)
        pthread_cond_wait(&s->written, &s->mu);
    s->flushers--;
    pthread_mutex_unlock(&s->mu);
}

size_t pd_storage_take_committed(struct pd_storage *s, struct pd_transition_rec *out, size_t max)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->committed_n < max ? s->committed_n : max;
    memcpy(out, s->committed + s->committed_head, n * sizeof(*out));
    s->committed_head += n;
    s->committed_n -= n;
    if (s->committed_n == 0)
        s->committed_head = 0;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void pd_storage_stats(struct pd_storage *s, struct pd_storage_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    out->queue_depth = s->ring_n + s->last.n + s->dur_n;
    pthread_mutex_unlock(&s->mu);
}

int64_t pd_storage_run_id(const struct pd_storage *s)
{
    return s->run_id;
}

static int cmp_seq(const void *a, const void *b)
{
    const struct rec *x = *(struct rec *const *)a, *y = *(struct rec *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void free_list(struct rec *r)
{
    while (r) {
        struct rec *next = r->next;
        free(r);
        r = next;
    }
}

static int apply(struct pd_storage *s, const struct rec *r)
{
    switch (r->kind) {
    case REC_LAST:
        return pd_db_last_result(s->db, s->run_id, r->target_id, r->check_id, r->when, r->verdict,
                                 r->reason, r->metrics, r->n_metrics, r->rounds, r->skipped);
    case REC_TRANSITION:
        return pd_db_transition(s->db, s->run_id, r->target_id, r->check_id, &r->t, r->detected,
                                r->reason);
    case REC_HEARTBEAT:
        return pd_db_heartbeat(s->db, s->run_id, r->when);
    case REC_EVENT:
        return pd_db_event(s->db, s->run_id, r->target_id, r->check_id, r->series, r->when,
                           r->event_kind, r->reason);
    case REC_DESCRIBE:
        return pd_db_describe(s->db, r->target_id, r->check_id, r->series, r->when, r->label,
                              r->reason);
    case REC_INVENTORY:
        return pd_db_inventory(s->db, s->run_id, r->when, r->items, r->n_items, r->checks,
                               r->n_checks);
    case REC_END:
        return pd_db_end_run(s->db, s->run_id, r->when);
    case REC_SAMPLE:
        break;
    }
    return 0;
}

static const char *const kind_names[] = {
    [REC_SAMPLE] = "sample",        [REC_LAST] = "last result",    [REC_TRANSITION] = "transition",
    [REC_HEARTBEAT] = "heartbeat",  [REC_INVENTORY] = "inventory", [REC_EVENT] = "event",
    [REC_DESCRIBE] = "description", [REC_END] = "end of run",
};

/* One transaction for the durable records and last results, in the order
 * they were queued. A record that can never be written is logged and
 * dropped; any other failure rolls everything back and is returned. */
static int write_db(struct pd_storage *s, struct batch *b)
{
    if (!b->durable && b->n_lasts == 0)
        return 0;
    if (b->n_lasts > 0)
        qsort(b->lasts, b->n_lasts, sizeof(*b->lasts), cmp_seq);
    int rc = pd_db_begin(s->db);
    struct rec **link = &b->durable;
    size_t li = 0;
    while (rc == 0 && (*link || li < b->n_lasts)) {
        bool durable = *link && (li == b->n_lasts || (*link)->seq < b->lasts[li]->seq);
        struct rec *r = durable ? *link : b->lasts[li++];
        rc = apply(s, r);
        if (rc == -EINVAL) {
            pd_logf(PD_LOG_ERR, "storage", NULL,
                    "%s for %s/%s violates the event store's constraints: dropped",
                    kind_names[r->kind], r->target_id, r->check_id);
            rc = 0;
            if (durable) {
                *link = r->next;
                free(r);
            }
        } else if (durable) {
            link = &r->next;
        }
    }
    if (rc == 0)
        rc = pd_db_commit(s->db);
    if (rc < 0) {
        pd_db_rollback(s->db);
        pd_logf(PD_LOG_ERR, "storage", NULL, "event store write failed (%s); will retry",
                strerror(-rc));
    }
    return rc;
}

/* Hand the committed transitions to the loop. */
static void acknowledge(struct pd_storage *s, const struct rec *durable)
{
    size_t n = 0;
    for (const struct rec *r = durable; r; r = r->next)
        n += r->kind == REC_TRANSITION;
    if (n == 0)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->committed_head > 0) {
        memmove(s->committed, s->committed + s->committed_head,
                s->committed_n * sizeof(*s->committed));
        s->committed_head = 0;
    }
    if (s->committed_n + n > s->committed_cap) {
        size_t cap =
            2 * s->committed_cap > s->committed_n + n ? 2 * s->committed_cap : s->committed_n + n;
        void *p = realloc(s->committed, cap * sizeof(*s->committed));
        if (!p) {
            pthread_mutex_unlock(&s->mu);
            pd_logf(PD_LOG_ERR, "storage", NULL, "out of memory: %zu commits not reported", n);
            return;
        }
        s->committed = p;
        s->committed_cap = cap;
    }
    for (const struct rec *r = durable; r; r = r->next) {
        if (r->kind != REC_TRANSITION)
            continue;
        struct pd_transition_rec *a = &s->committed[s->committed_n++];
        a->seq = r->seq;
        memcpy(a->target_id, r->target_id, sizeof(a->target_id));
        memcpy(a->check_id, r->check_id, sizeof(a->check_id));
        a->t = r->t;
        a->detected = r->detected;
    }
    s->stats.transitions_committed += n;
    COUNT(s, transitions_committed, n);
    pthread_mutex_unlock(&s->mu);
    if (s->on_commit)
        s->on_commit(s->on_commit_arg);
}

/* Write the samples held for one file in one update, and drop them. */
static void write_held_file(struct pd_storage *s, struct held_file *h, uint64_t *written,
                            uint64_t *errors)
{
    struct pd_metric *m = malloc(h->n * h->n_names * sizeof(*m));
    if (!m) {
        pd_logf(PD_LOG_ERR, "storage", NULL, "out of memory: %zu RRD samples of %s dropped", h->n,
                h->key);
        goto out;
    }
    for (size_t i = 0; i < h->n; i++) {
        for (size_t j = 0; j < h->n_names; j++)
            m[i * h->n_names + j] = (struct pd_metric){h->names[j], h->values[i * h->n_names + j]};
        s->rrd_samples[i] = (struct pd_rrd_sample){h->whens[i], &m[i * h->n_names], h->n_names};
    }
    *written += pd_rrd_write(s->rrd, h->target_id, h->check_id, h->series[0] ? h->series : NULL,
                             h->interval, s->rrd_samples, h->n, errors);
    free(m);
out:
    s->held_n -= h->n;
    h->n = 0;
}

static void held_names_free(struct held_file *h)
{
    for (size_t j = 0; j < h->n_names; j++)
        free(h->names[j]);
    free(h->names);
    h->names = NULL;
    h->n_names = 0;
}

static bool same_names(const struct held_file *h, const struct rec *r)
{
    if (h->n_names != r->n_metrics)
        return false;
    for (size_t j = 0; j < h->n_names; j++)
        if (strcmp(h->names[j], r->metrics[j].name) != 0)
            return false;
    return true;
}

/* Take over the names of r for the rows to come; 0 or -ENOMEM. */
static int held_set_names(struct held_file *h, const struct rec *r)
{
    held_names_free(h);
    free(h->values);
    h->values = NULL;
    h->cap = 0;
    if (!(h->names = calloc(r->n_metrics + 1, sizeof(*h->names))))
        return -ENOMEM;
    for (; h->n_names < r->n_metrics; h->n_names++)
        if (!(h->names[h->n_names] = strdup(r->metrics[h->n_names].name)))
            return -ENOMEM;
    return 0;
}

static int held_append(struct held_file *h, const struct rec *r)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        pd_ns *whens = realloc(h->whens, cap * sizeof(*whens));
        if (whens)
            h->whens = whens;
        double *values = realloc(h->values, cap * (h->n_names + 1) * sizeof(*values));
        if (values)
            h->values = values;
        if (!whens || !values)
            return -ENOMEM;
        h->cap = cap;
    }
    h->whens[h->n] = r->when;
    for (size_t j = 0; j < h->n_names; j++)
        h->values[h->n * h->n_names + j] = r->metrics[j].value;
    h->n++;
    return 0;
}

static struct held_file *held_get(struct pd_storage *s, const struct rec *r)
{
    char key[sizeof(((struct held_file *)0)->key)];
    snprintf(key, sizeof(key), "%s/%s/%s", r->target_id, r->check_id, r->series);
    struct held_file *h = pd_hashmap_get(&s->held, key);
    if (h || !(h = calloc(1, sizeof(*h))))
        return h;
    memcpy(h->key, key, sizeof(key));
    memcpy(h->target_id, r->target_id, sizeof(h->target_id));
    memcpy(h->check_id, r->check_id, sizeof(h->check_id));
    memcpy(h->series, r->series, sizeof(h->series));
    h->fresh = true;
    if (pd_hashmap_put(&s->held, h->key, h) < 0) {
        free(h);
        return NULL;
    }
    return h;
}

static void held_free(struct held_file *h)
{
    held_names_free(h);
    free(h->whens);
    free(h->values);
    free(h);
}

/* Add the batch's samples to what is held, then write every file whose
 * oldest sample has waited rrd_write_delay (all of them when forced, or
 * when more than a queue's worth is held). A file's first samples since
 * start are written at once, so new files appear (and are created, the
 * costly part) as checks start, not all together a delay later. Returns
 * when the oldest sample still held is due, 0 when none is. */
static pd_ns write_rrd(struct pd_storage *s, struct batch *b)
{
    uint64_t written = 0, errors = 0;
    pd_ns now = real_mono();
    for (size_t i = 0; i < b->n_samples; i++) {
        struct rec *r = b->samples[i];
        struct held_file *h = held_get(s, r);
        int rc = h ? 0 : -ENOMEM;
        if (rc == 0 && !same_names(h, r)) {
            if (h->n > 0)
                write_held_file(s, h, &written, &errors);
            rc = held_set_names(h, r);
        }
        if (rc == 0) {
            h->interval = r->interval;
            rc = held_append(h, r);
        }
        free(r);
        if (rc < 0) {
            pd_logf(PD_LOG_ERR, "storage", NULL, "out of memory: RRD sample dropped");
            continue;
        }
        if (h->n == 1)
            h->first = now;
        s->held_n++;
        if (h->n == s->ring_cap) /* the scratch for one update is full */
            write_held_file(s, h, &written, &errors);
    }
    bool all = b->force || s->held_n > s->ring_cap;
    pd_ns due = 0;
    const char *key;
    void *value;
    for (size_t pos = 0; pd_hashmap_next(&s->held, &pos, &key, &value);) {
        struct held_file *h = value;
        if (h->n == 0)
            continue;
        if (all || h->fresh || now - h->first >= s->rrd_write_delay) {
            h->fresh = false;
            write_held_file(s, h, &written, &errors);
            continue;
        }
        pd_ns h_due = h->first + s->rrd_write_delay;
        if (due == 0 || h_due < due)
            due = h_due;
    }
    pthread_mutex_lock(&s->mu);
    s->stats.samples_written += written;
    s->stats.rrd_errors += errors;
    COUNT(s, samples_written, written);
    COUNT(s, rrd_errors, errors);
    pthread_mutex_unlock(&s->mu);
    return due;
}

/* Under the lock: move everything pending into b. */
static void take_batch(struct pd_storage *s, struct batch *b)
{
    b->n_samples = 0;
    for (; s->ring_n > 0; s->ring_n--) {
        b->samples[b->n_samples++] = s->ring[s->ring_head];
        s->ring_head = (s->ring_head + 1) % s->ring_cap;
    }
    s->ring_head = 0;
    b->n_lasts = 0;
    b->lasts = s->last.n ? malloc(s->last.n * sizeof(*b->lasts)) : NULL;
    if (b->lasts) {
        const char *key;
        void *value;
        for (size_t pos = 0; pd_hashmap_next(&s->last, &pos, &key, &value);)
            b->lasts[b->n_lasts++] = value;
        pd_hashmap_free(&s->last);
    }
    b->durable = s->dur_head;
    s->dur_head = s->dur_tail = NULL;
    s->dur_n = 0;
    b->seq = s->seq;
    b->force = s->flushers > 0 || s->stopping;
    publish_depth(s);
}

/* Under the lock: failed durable records go back to the front. */
static void requeue(struct pd_storage *s, struct batch *b)
{
    if (!b->durable)
        return;
    struct rec *tail = b->durable;
    size_t n = 1;
    for (; tail->next; tail = tail->next)
        n++;
    tail->next = s->dur_head;
    if (!s->dur_head)
        s->dur_tail = tail;
    s->dur_head = b->durable;
    s->dur_n += n;
    if (s->written_seq < b->durable->seq - 1)
        s->written_seq = b->durable->seq - 1;
    publish_depth(s);
}

/* Under the lock: closing, and the event store keeps failing. */
static void give_up(struct pd_storage *s)
{
    pd_logf(PD_LOG_ERR, "storage", NULL,
            "closing: %zu records could not be written to the event store and are lost", s->dur_n);
    free_list(s->dur_head);
    s->dur_head = s->dur_tail = NULL;
    s->dur_n = 0;
    s->gave_up = true;
    publish_depth(s);
}

/* Under the lock: wait until a batch is worth writing. */
static void wait_for_work(struct pd_storage *s, int failures)
{
    if (failures > 0) {
        pd_ns backoff = RETRY_MIN << (failures < 6 ? failures - 1 : 5);
        pd_ns retry_at = real_mono() + (backoff < RETRY_MAX ? backoff : RETRY_MAX);
        while (real_mono() < retry_at)
            timed_wait(&s->wake, &s->mu, retry_at);
        return;
    }
    for (;;) {
        if (s->stopping || s->dur_head)
            return;
        if (!lossy_empty(s)) {
            pd_ns due = s->lossy_since + LINGER_NS;
            if (s->flushers > 0 || s->ring_n > s->ring_cap / 2 || real_mono() >= due)
                return;
            timed_wait(&s->wake, &s->mu, due);
            continue;
        }
        if (s->flushers > 0 && s->written_seq < s->seq)
            return;
        if (s->held_due) {
            if (real_mono() >= s->held_due)
                return;
            timed_wait(&s->wake, &s->mu, s->held_due);
            continue;
        }
        pthread_cond_wait(&s->wake, &s->mu);
    }
}

static void *writer_main(void *arg)
{
    struct pd_storage *s = arg;
    struct batch b = {.samples = s->batch_samples};
    int failures = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        wait_for_work(s, failures);
        if (s->stopping && failures >= CLOSE_ATTEMPTS)
            give_up(s);
        if (s->stopping && !s->dur_head && lossy_empty(s))
            break;
        take_batch(s, &b);
        pthread_mutex_unlock(&s->mu);

        pd_ns t0 = real_mono();
        bool work = b.n_samples || b.n_lasts || b.durable || s->held_n;
        int rc = write_db(s, &b);
        for (size_t i = 0; i < b.n_lasts; i++)
            free(b.lasts[i]);
        free(b.lasts);
        if (rc == 0) {
            acknowledge(s, b.durable);
            free_list(b.durable);
            b.durable = NULL;
        }
        pd_ns held_due = write_rrd(s, &b);
        if (s->health && work)
            pd_hist_observe(&s->health->write_time, real_mono() - t0);

        pthread_mutex_lock(&s->mu);
        s->held_due = held_due;
        if (rc < 0) {
            failures++;
            requeue(s, &b);
        } else {
            failures = 0;
            s->written_seq = b.seq;
        }
        pthread_cond_broadcast(&s->written);
    }
    pthread_mutex_unlock(&s->mu);
    /* The last batch may have been taken before stopping was set. */
    b.n_samples = 0;
    b.force = true;
    write_rrd(s, &b);
    pthread_mutex_lock(&s->mu);
    s->written_seq = s->seq;
    pthread_cond_broadcast(&s->written);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* One daemon per data directory: two would each close the other's run. */
static int lock_data_dir(struct pd_storage *s, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", s->data_dir, LOCK_FILE);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        snprintf(err, errlen, "%s: %s", path,
                 rc == -EBUSY ? "another probed uses this data directory" : strerror(errno));
        return rc;
    }
    return 0;
}

static void storage_free(struct pd_storage *s)
{
    for (size_t i = 0; i < s->ring_n; i++)
        free(s->ring[(s->ring_head + i) % s->ring_cap]);
    const char *key;
    void *value;
    for (size_t pos = 0; pd_hashmap_next(&s->last, &pos, &key, &value);)
        free(value);
    pd_hashmap_free(&s->last);
    for (size_t pos = 0; pd_hashmap_next(&s->held, &pos, &key, &value);)
        held_free(value);
    pd_hashmap_free(&s->held);
    free_list(s->dur_head);
    pd_db_close(s->db);
    pd_rrd_close(s->rrd);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    pthread_cond_destroy(&s->written);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    free(s->committed);
    free(s->rrd_samples);
    free(s->batch_samples);
    free(s->ring);
    free(s->version);
    free(s->data_dir);
    free(s);
}

int pd_storage_open(const struct pd_storage_opts *opts, struct pd_storage **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    struct pd_storage *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->lock_fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_cond_init(&s->written, &attr);
    pthread_condattr_destroy(&attr);
    pd_hashmap_init(&s->last);
    pd_hashmap_init(&s->held);
    s->rrd_write_delay = opts->rrd_write_delay;
    s->on_commit = opts->on_commit;
    s->on_commit_arg = opts->on_commit_arg;
    s->health = opts->health;
    s->ring_cap = opts->queue_size ? opts->queue_size : DEFAULT_QUEUE;
    s->data_dir = strdup(opts->data_dir);
    s->version = strdup(opts->version ? opts->version : "");
    s->ring = calloc(s->ring_cap, sizeof(*s->ring));
    s->batch_samples = calloc(s->ring_cap, sizeof(*s->batch_samples));
    s->rrd_samples = calloc(s->ring_cap, sizeof(*s->rrd_samples));
    int rc = -ENOMEM;
    if (!s->data_dir || !s->version || !s->ring || !s->batch_samples || !s->rrd_samples) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = pd_mkdir_p(s->data_dir, err, errlen)) < 0 ||
        (rc = lock_data_dir(s, err, errlen)) < 0 ||
        (rc = pd_db_open(s->data_dir, 0, &s->db, err, errlen)) < 0 ||
        (rc = pd_rrd_open(s->data_dir, opts->rras, opts->n_rras, &s->rrd, err, errlen)) < 0 ||
        (rc = pd_db_start_run(s->db, pd_clock_wall(), s->version, &s->run_id, err, errlen)) < 0)
        goto fail;
    rc = -pthread_create(&s->thread, NULL, writer_main, s);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start the storage thread: %s", strerror(-rc));
        /* Stop the run just begun, or the next start would call it unclean. */
        if (pd_db_begin(s->db) == 0 && pd_db_end_run(s->db, s->run_id, pd_clock_wall()) == 0)
            pd_db_commit(s->db);
        pd_db_rollback(s->db);
        goto fail;
    }
    if (s->health)
        pd_health_set(&s->health->queue_capacity, s->ring_cap);
    pd_logf(PD_LOG_INFO, "storage", NULL, "run %lld started, data in %s", (long long)s->run_id,
            s->data_dir);
    *out = s;
    return 0;
fail:
    storage_free(s);
    return rc;
}

void pd_storage_close(struct pd_storage *s, pd_ns at)
{
    if (!s)
        return;
    char *cur;
    struct rec *r = rec_new(REC_END, NULL, NULL, NULL, 0, &cur);
    if (r) {
        r->when = at;
        push_durable(s, r);
    }
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    storage_free(s);
}
