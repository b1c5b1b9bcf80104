#include "alerts.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "alert_engine.h"
#include "clock.h"
#include "db_alerts.h"
#include "log.h"

/* Deliveries at once: a few receivers, each slow at worst. */
#define MAX_FLIGHT 8
/* Transitions read per pass: a burst is taken in slices. */
#define READ_SLICE 1000
/* The store's maintenance windows are read again this often. */
#define WINDOWS_EVERY (30 * PD_SEC)

struct flight {
    int64_t id;
    struct pd_alert_send *send;
    struct pd_channel_conf ch; /* a copy: a reload may free the configuration meanwhile */
    char *body;
    size_t len;
    unsigned attempts;
    pd_ns started, expires;
};

struct pd_alerts {
    pthread_t thread;
    pthread_mutex_t lock; /* guards cfg and engine */
    const struct pd_config *cfg;
    struct pd_alert_engine *engine;
    struct pd_db *db;
    CURLM *multi;
    atomic_bool stop;
    struct flight flights[MAX_FLIGHT];
    size_t n_flights;
    int64_t cursor; /* as stored */
    int64_t fed;    /* the newest transition read */
    pd_ns windows_read;
    char host[256];
    pd_ns now; /* of the current pass */
    unsigned emitted;
};

static char *copy_str(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    *ok = *ok && c;
    return c;
}

static void free_channel(struct pd_channel_conf *c)
{
    free(c->id);
    free(c->url);
    if (c->secret)
        explicit_bzero(c->secret, strlen(c->secret));
    free(c->secret);
    free(c->ca_file);
    free(c->user);
    if (c->password)
        explicit_bzero(c->password, strlen(c->password));
    free(c->password);
    free(c->from);
    for (size_t i = 0; i < c->n_to; i++)
        free(c->to[i]);
    free(c->to);
    memset(c, 0, sizeof(*c));
}

static int copy_channel(const struct pd_channel_conf *src, struct pd_channel_conf *dst)
{
    bool ok = true;
    *dst = *src;
    dst->id = copy_str(src->id, &ok);
    dst->url = copy_str(src->url, &ok);
    dst->secret = copy_str(src->secret, &ok);
    dst->ca_file = copy_str(src->ca_file, &ok);
    dst->user = copy_str(src->user, &ok);
    dst->password = copy_str(src->password, &ok);
    dst->from = copy_str(src->from, &ok);
    dst->to = src->n_to ? calloc(src->n_to, sizeof(*dst->to)) : NULL;
    if (src->n_to && !dst->to) {
        dst->n_to = 0;
        ok = false;
    }
    for (size_t i = 0; dst->to && i < src->n_to; i++)
        dst->to[i] = copy_str(src->to[i], &ok);
    if (!ok) {
        free_channel(dst);
        return -ENOMEM;
    }
    return 0;
}

static const struct pd_channel_conf *channel(const struct pd_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->alerts.n_channels; i++)
        if (strcmp(cfg->alerts.channels[i].id, id) == 0)
            return &cfg->alerts.channels[i];
    return NULL;
}

static struct pd_alert_change change_of(const struct pd_transition_row *r)
{
    struct pd_alert_change c = {.id = r->id,
                                .target_id = r->target_id,
                                .check_id = r->check_id,
                                .at = r->at,
                                .reason = r->reason};
    if (pd_state_parse(r->from, &c.from) < 0)
        c.from = PD_STATE_UNKNOWN;
    if (pd_state_parse(r->to, &c.to) < 0)
        c.to = PD_STATE_UNKNOWN;
    return c;
}

static int seed_row(const struct pd_transition_row *r, void *arg)
{
    struct pd_alerts *a = arg;
    struct pd_alert_change c = change_of(r);
    return pd_alert_engine_seed(a->engine, &c) < 0 ? -ENOMEM : 0;
}

static int new_row(const struct pd_transition_row *r, void *arg)
{
    struct pd_alerts *a = arg;
    struct pd_alert_change c = change_of(r);
    a->fed = r->id;
    return pd_alert_engine_change(a->engine, &c, a->now) < 0 ? -ENOMEM : 0;
}

struct window_list {
    struct pd_maint_row *rows;
    char **texts;
    size_t n, cap;
};

static int collect_window(const struct pd_maint_row *r, void *arg)
{
    struct window_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = 2 * l->cap + 8;
        struct pd_maint_row *rows = realloc(l->rows, cap * sizeof(*rows));
        if (!rows)
            return -ENOMEM;
        l->rows = rows;
        char **texts = realloc(l->texts, 2 * cap * sizeof(*texts));
        if (!texts)
            return -ENOMEM;
        l->texts = texts;
        l->cap = cap;
    }
    char *scope = strdup(r->scope), *what = strdup(r->what);
    l->texts[2 * l->n] = scope;
    l->texts[2 * l->n + 1] = what;
    l->rows[l->n] = *r;
    l->rows[l->n].scope = scope ? scope : "";
    l->rows[l->n].what = what ? what : "";
    l->n++;
    return scope && what ? 0 : -ENOMEM;
}

/* The store's windows in force now or later (probectl maintenance). */
static void read_windows(struct pd_alerts *a)
{
    struct window_list l = {0};
    if (pd_db_maintenance(a->db, a->now, 0, 0, collect_window, &l) == 0 &&
        pd_alert_engine_store_windows(a->engine, l.rows, l.n) < 0)
        pd_warn("alert", "out of memory: maintenance windows of the store not read");
    for (size_t i = 0; i < 2 * l.n; i++)
        free(l.texts[i]);
    free(l.texts);
    free(l.rows);
    a->windows_read = a->now;
}

/* A message from the engine: stored with its payload, in the pass's
 * transaction (begun here on the first). */
static int store_message(const struct pd_alert_out *o, void *arg)
{
    struct pd_alerts *a = arg;
    if (!a->emitted && pd_db_begin(a->db) < 0)
        return -EIO;
    a->emitted++;
    struct pd_alert_new row = {
        .created = a->now,
        .expires = a->now + a->cfg->alerts.expire,
        .route = o->routes,
        .channel = o->channel->id,
        .kind = o->kind,
        .subject = "",
        .items = (unsigned)o->msg.n_items,
    };
    int64_t id;
    int rc = pd_db_alert_insert(a->db, &row, &id);
    if (rc < 0)
        return rc;
    struct pd_alert_msg msg = o->msg;
    msg.id = id;
    msg.host = a->host;
    struct pd_alert_payload p = {0};
    if ((rc = pd_alert_render(&msg, o->channel, &p)) == 0)
        rc = pd_db_alert_set_payload(a->db, id, p.subject, p.body, p.len);
    if (rc == 0)
        pd_notice("alert", "alert %lld to %s (%s): %s", (long long)id, o->channel->id, o->routes,
                  p.subject);
    pd_alert_payload_free(&p);
    return rc;
}

/* New transitions in, due messages out and stored, with the cursor. */
static void decide(struct pd_alerts *a)
{
    int rc = pd_db_transitions_between(a->db, a->fed, 0, READ_SLICE, new_row, a);
    if (rc < 0)
        pd_warn("alert", "cannot read transitions: %s", strerror(-rc));
    if (a->now - a->windows_read >= WINDOWS_EVERY)
        read_windows(a);
    a->emitted = 0;
    rc = pd_alert_engine_tick(a->engine, a->now, store_message, a);
    int64_t cursor = pd_alert_engine_cursor(a->engine);
    if (rc < 0) {
        if (a->emitted)
            pd_db_rollback(a->db);
        pd_alert_engine_sent(a->engine, false);
        pd_warn("alert", "cannot store alerts: %s (tried again)", strerror(-rc));
        return;
    }
    if (cursor == a->cursor && !a->emitted) {
        pd_alert_engine_sent(a->engine, true); /* a group routed nowhere: nothing to store */
        return;
    }
    if ((!a->emitted && pd_db_begin(a->db) < 0) || pd_db_alert_set_cursor(a->db, cursor) < 0 ||
        pd_db_commit(a->db) < 0) {
        pd_db_rollback(a->db);
        pd_alert_engine_sent(a->engine, false);
        pd_warn("alert", "cannot store alerts (tried again)");
        return;
    }
    pd_alert_engine_sent(a->engine, true);
    a->cursor = cursor;
}

/* The attempt's outcome, recorded; the flight's slot freed. */
static void landed(struct pd_alerts *a, struct flight *f, int ok, const char *why)
{
    const struct pd_alerts_conf *c = &a->cfg->alerts;
    pd_ns backoff = c->retry_min;
    for (unsigned i = 0; i < f->attempts && backoff < c->retry_max; i++)
        backoff *= 2;
    if (backoff > c->retry_max)
        backoff = c->retry_max;
    struct pd_alert_attempt at = {
        .alert_id = f->id,
        .at = f->started,
        .duration = a->now - f->started,
        .ok = ok,
        .error = ok ? "" : why,
        .state = ok                              ? "delivered"
                 : a->now + backoff > f->expires ? "expired"
                                                 : "pending",
        .next = a->now + backoff,
    };
    if (pd_db_alert_attempt(a->db, &at) < 0)
        pd_warn("alert", "alert %lld: cannot record the attempt", (long long)f->id);
    if (ok)
        pd_notice("alert", "alert %lld delivered to %s", (long long)f->id, f->ch.id);
    else
        pd_warn("alert", "alert %lld to %s: %s; %s", (long long)f->id, f->ch.id, why,
                strcmp(at.state, "expired") == 0 ? "given up (expired)" : "tried again later");
    if (f->send) {
        curl_multi_remove_handle(a->multi, pd_alert_send_handle(f->send));
        pd_alert_send_free(f->send);
    }
    free_channel(&f->ch);
    free(f->body);
    *f = a->flights[--a->n_flights];
}

static int start_flight(const struct pd_alert_row *r, void *arg)
{
    struct pd_alerts *a = arg;
    if (a->n_flights == MAX_FLIGHT)
        return 1;
    struct flight *f = &a->flights[a->n_flights];
    memset(f, 0, sizeof(*f));
    f->id = r->id;
    f->attempts = r->attempts;
    f->started = a->now;
    f->expires = r->expires;
    a->n_flights++;
    const struct pd_channel_conf *ch = channel(a->cfg, r->channel);
    char err[256] = "";
    if (!ch) {
        /* Nowhere to send it any more: given up at once, and said so. */
        f->expires = a->now;
        snprintf(err, sizeof(err), "channel '%s' is no longer in the configuration", r->channel);
        landed(a, f, 0, err);
        return 0;
    }
    if (copy_channel(ch, &f->ch) < 0 || !(f->body = malloc(r->len + 1))) {
        landed(a, f, 0, "out of memory");
        return 0;
    }
    memcpy(f->body, r->body, r->len);
    f->body[r->len] = '\0';
    f->len = r->len;
    if (pd_alert_send_new(&f->ch, f->body, f->len, a->now, &f->send, err, sizeof(err)) < 0 ||
        curl_multi_add_handle(a->multi, pd_alert_send_handle(f->send)) != CURLM_OK) {
        landed(a, f, 0, err[0] ? err : "cannot start the transfer");
        return 0;
    }
    return 0;
}

static void deliver(struct pd_alerts *a)
{
    /* First: an alert that expired while the daemon was stopped is given
     * up, not tried once more hours late. */
    unsigned n;
    if (pd_db_alerts_expire(a->db, a->now, "not delivered before its expiry", &n) == 0 && n)
        pd_err("alert", "%u alert(s) expired undelivered (probectl alerts --failed)", n);
    int64_t busy[MAX_FLIGHT];
    for (size_t i = 0; i < a->n_flights; i++)
        busy[i] = a->flights[i].id;
    if (a->n_flights < MAX_FLIGHT && pd_db_alerts_due(a->db, a->now, MAX_FLIGHT - a->n_flights,
                                                      busy, a->n_flights, start_flight, a) < 0)
        pd_warn("alert", "cannot read the alerts due");
    int running;
    curl_multi_perform(a->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(a->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        for (size_t i = 0; i < a->n_flights; i++) {
            struct flight *f = &a->flights[i];
            if (!f->send || pd_alert_send_handle(f->send) != m->easy_handle)
                continue;
            char why[256] = "";
            int ok = pd_alert_send_outcome(f->send, (int)m->data.result, why, sizeof(why)) == 0;
            landed(a, f, ok, why);
            break;
        }
    }
}

/* How long the thread may sleep: until the engine's next tick or the
 * next retry, at most a second. */
static long sleep_ms(struct pd_alerts *a)
{
    pd_ns until = pd_alert_engine_next(a->engine, a->now), next = 0;
    if (pd_db_alert_next_due(a->db, &next) == 0 && next && next < until)
        until = next;
    long ms = (long)((until - a->now) / 1000000);
    long curl_ms = -1;
    curl_multi_timeout(a->multi, &curl_ms);
    if (curl_ms >= 0 && curl_ms < ms)
        ms = curl_ms;
    return ms < 0 ? 0 : ms > 1000 ? 1000 : ms;
}

static void *thread_main(void *arg)
{
    struct pd_alerts *a = arg;
    while (!atomic_load(&a->stop)) {
        pthread_mutex_lock(&a->lock);
        a->now = pd_clock_wall();
        decide(a);
        deliver(a);
        long ms = sleep_ms(a);
        pthread_mutex_unlock(&a->lock);
        curl_multi_poll(a->multi, NULL, 0, (int)ms, NULL);
    }
    return NULL;
}

static int seed(struct pd_alerts *a, char *err, size_t errlen)
{
    int rc = pd_db_alert_cursor(a->db, &a->cursor);
    if (rc == 0)
        rc = pd_db_transitions_between(a->db, 0, a->cursor, 0, seed_row, a);
    if (rc < 0) {
        snprintf(err, errlen, "alerts: cannot read the event store: %s", strerror(-rc));
        return rc;
    }
    pd_alert_engine_seeded(a->engine);
    a->fed = a->cursor;
    return 0;
}

int pd_alerts_start(const struct pd_config *cfg, struct pd_alerts **out, char *err, size_t errlen)
{
    struct pd_alerts *a = calloc(1, sizeof(*a));
    int rc = -ENOMEM;
    *out = NULL;
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    a->cfg = cfg;
    pthread_mutex_init(&a->lock, NULL);
    if (gethostname(a->host, sizeof(a->host) - 1) < 0)
        snprintf(a->host, sizeof(a->host), "probed");
    if ((rc = pd_db_open(cfg->data_dir, 0, &a->db, err, errlen)) < 0)
        goto fail;
    if ((rc = pd_alert_engine_new(cfg, &a->engine)) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!(a->multi = curl_multi_init())) {
        rc = -ENOMEM;
        snprintf(err, errlen, "alerts: libcurl's multi handle cannot be made");
        goto fail;
    }
    if ((rc = seed(a, err, errlen)) < 0)
        goto fail;
    a->now = pd_clock_wall();
    read_windows(a);
    if ((rc = -pthread_create(&a->thread, NULL, thread_main, a)) < 0) {
        snprintf(err, errlen, "alerts: cannot start the thread: %s", strerror(-rc));
        goto fail;
    }
    *out = a;
    return 0;
fail:
    if (a->multi)
        curl_multi_cleanup(a->multi);
    pd_alert_engine_free(a->engine);
    pd_db_close(a->db);
    pthread_mutex_destroy(&a->lock);
    free(a);
    return rc;
}

void pd_alerts_wake(struct pd_alerts *a)
{
    if (a)
        curl_multi_wakeup(a->multi);
}

void pd_alerts_lock(struct pd_alerts *a)
{
    if (a)
        pthread_mutex_lock(&a->lock);
}

void pd_alerts_unlock(struct pd_alerts *a)
{
    if (a)
        pthread_mutex_unlock(&a->lock);
}

void pd_alerts_set_config(struct pd_alerts *a, const struct pd_config *cfg)
{
    if (!a)
        return;
    a->cfg = cfg;
    if (pd_alert_engine_set_config(a->engine, cfg) < 0)
        pd_err("alert", "out of memory: alerts follow the previous inventory");
}

void pd_alerts_stop(struct pd_alerts *a)
{
    if (!a)
        return;
    atomic_store(&a->stop, true);
    curl_multi_wakeup(a->multi);
    pthread_join(a->thread, NULL);
    while (a->n_flights) {
        struct flight *f = &a->flights[a->n_flights - 1];
        curl_multi_remove_handle(a->multi, pd_alert_send_handle(f->send));
        pd_alert_send_free(f->send);
        free_channel(&f->ch);
        free(f->body);
        a->n_flights--;
    }
    curl_multi_cleanup(a->multi);
    pd_alert_engine_free(a->engine);
    pd_db_close(a->db);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
