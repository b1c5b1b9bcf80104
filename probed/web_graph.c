/*
 * The dashboard's graphs: /graph/<target>/<check>[/<series>]/<kind>.<png|svg>
 * with ?period=6h|1d|7d|30d|1y&w=&h= (the whole image's size in pixels).
 *
 * librrd renders under one process-wide lock (graph.h), so renders run on
 * one thread of their own: a request thread of the server would otherwise
 * wait on the lock while its other connections (pages, the API) wait on
 * it. A request that misses the cache suspends its connection and joins
 * the render queue; requests for the same image while it waits or renders
 * join that job, so 50 clients asking at once cost one render.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "graph.h"
#include "log.h"
#include "web_cache.h"
#include "web_priv.h"

#define QUEUE_MAX     64 /* jobs waiting; more: 503, the client retries */
#define CACHE_ENTRIES 512
#define CACHE_BYTES   (32u << 20)
#define TTL_MIN_S     15
#define TTL_MAX_S     600
#define WIDTH_MIN     300 /* smaller leaves no room for the plot beside the legend */
#define WIDTH_MAX     2000
#define HEIGHT_MIN    150
#define HEIGHT_MAX    1000
#define WIDTH_DEF     640
#define HEIGHT_DEF    250
#define KEY_MAX       (3 * (PD_ID_MAX + 1) + 64)

struct graph_job {
    char key[KEY_MAX];
    char target[PD_ID_MAX + 1], check[PD_ID_MAX + 1], series[PD_ID_MAX + 1];
    char *title;
    struct pd_graph_req req; /* its strings point into this job */
    unsigned ttl_s;
    struct web_wait *waiters;
    struct graph_job *next;
};

struct web_graphs {
    char *data_dir;
    struct web_cache *cache;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct graph_job *head, **tail; /* FIFO */
    struct graph_job *current;      /* rendering now: later requests join it */
    size_t queued;
    int stopping;
};

void web_wait_free(struct web_wait *wt)
{
    if (wt) {
        free(wt->body);
        free(wt);
    }
}

void web_graph_job_free(struct graph_job *job)
{
    if (!job)
        return;
    for (struct web_wait *wt = job->waiters, *next; wt; wt = next) {
        next = wt->next;
        web_wait_free(wt);
    }
    free(job->title);
    free(job);
}

/* The answer of every waiter (a copy each), then each connection resumed:
 * after that, the waiters belong to their connections. */
static void answer(struct graph_job *job, int status, const char *type, const void *body,
                   size_t len, unsigned max_age)
{
    struct web_wait *wt = job->waiters;
    job->waiters = NULL;
    while (wt) {
        struct web_wait *next = wt->next;
        wt->next = NULL;
        wt->status = status;
        wt->type = type;
        wt->max_age = max_age;
        if ((wt->body = malloc(len ? len : 1))) {
            memcpy(wt->body, body, len);
            wt->len = len;
        } else {
            wt->status = 503;
            wt->len = 0;
        }
        MHD_resume_connection(wt->mc);
        wt = next;
    }
}

static void answer_text(struct graph_job *job, int status, const char *msg)
{
    answer(job, status, "text/plain; charset=utf-8", msg, strlen(msg), 0);
}

static void render(struct web_graphs *g, struct graph_job *job)
{
    char *img = NULL;
    size_t len = 0;
    pd_ns now = pd_clock_mono();
    pd_ns expires = now + (pd_ns)job->ttl_s * PD_SEC;
    const char *type = job->req.format == PD_GRAPH_SVG ? "image/svg+xml" : "image/png";
    FILE *f = open_memstream(&img, &len);
    /* Asked again while it waited in the queue: the cache may hold it. */
    if (f && web_cache_write(g->cache, job->key, now, f, &expires) == 0 && fclose(f) == 0) {
        answer(job, 200, type, img, len, (unsigned)((expires - now) / PD_SEC));
        free(img);
        return;
    }
    if (f) {
        fclose(f);
        free(img);
        img = NULL;
    }
    void *out;
    char err[256];
    int rc = pd_graph_render(&job->req, &out, &len, NULL, NULL, err, sizeof(err));
    if (rc < 0) {
        if (rc != -ENOENT)
            pd_warn("web", "graph %s: %s", job->key, err);
        char msg[300];
        snprintf(msg, sizeof(msg), "%s\n", err);
        answer_text(job, rc == -ENOENT ? 404 : rc == -EINVAL ? 400 : 500, msg);
        return;
    }
    web_cache_put(g->cache, job->key, out, len, expires, now); /* full or E2BIG: served anyway */
    answer(job, 200, type, out, len, job->ttl_s);
    free(out);
}

static void *render_thread(void *arg)
{
    struct web_graphs *g = arg;
    web_thread_nice();
    pd_graph_warm_up(); /* fontconfig's cache: here rather than in a first request */
    pthread_mutex_lock(&g->lock);
    for (;;) {
        while (!g->head && !g->stopping)
            pthread_cond_wait(&g->wake, &g->lock);
        if (!g->head)
            break; /* stopping, the queue answered by web_graphs_stop */
        struct graph_job *job = g->head;
        if (!(g->head = job->next))
            g->tail = &g->head;
        g->queued--;
        g->current = job;
        pthread_mutex_unlock(&g->lock);
        render(g, job);
        pthread_mutex_lock(&g->lock);
        g->current = NULL;
        /* Requests that joined while it rendered get the same image. */
        if (job->waiters) {
            pthread_mutex_unlock(&g->lock);
            render(g, job);
            pthread_mutex_lock(&g->lock);
        }
        web_graph_job_free(job);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

int web_graphs_start(const char *data_dir, struct web_graphs **out, char *err, size_t errlen)
{
    struct web_graphs *g = calloc(1, sizeof(*g));
    if (!g || !(g->data_dir = strdup(data_dir)) ||
        web_cache_new(CACHE_ENTRIES, CACHE_BYTES, &g->cache) < 0) {
        if (g)
            free(g->data_dir);
        free(g);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    g->tail = &g->head;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    int rc = pthread_create(&g->thread, NULL, render_thread, g);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the graph thread: %s", strerror(rc));
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        web_cache_free(g->cache);
        free(g->data_dir);
        free(g);
        return -rc;
    }
    *out = g;
    return 0;
}

void web_graphs_quiesce(struct web_graphs *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    if (g->stopping) {
        pthread_mutex_unlock(&g->lock);
        return;
    }
    g->stopping = 1;
    struct graph_job *queue = g->head;
    g->head = NULL;
    g->tail = &g->head;
    g->queued = 0;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    for (struct graph_job *job = queue, *next; job; job = next) {
        next = job->next;
        answer_text(job, 503, "the server is stopping\n");
        web_graph_job_free(job);
    }
    pthread_join(g->thread, NULL); /* it finishes the job it renders */
}

void web_graphs_free(struct web_graphs *g)
{
    if (!g)
        return;
    web_graphs_quiesce(g);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    web_cache_free(g->cache);
    free(g->data_dir);
    free(g);
}

static struct graph_job *same_job(struct web_graphs *g, const char *key)
{
    if (g->current && strcmp(g->current->key, key) == 0)
        return g->current;
    for (struct graph_job *j = g->head; j; j = j->next)
        if (strcmp(j->key, key) == 0)
            return j;
    return NULL;
}

struct web_wait *web_graphs_submit(struct web_graphs *g, struct graph_job *job)
{
    struct web_wait *wt = job->waiters; /* the one request of a new job */
    pthread_mutex_lock(&g->lock);
    struct graph_job *same = g->stopping ? NULL : same_job(g, job->key);
    if (same) {
        job->waiters = NULL;
        wt->next = same->waiters;
        same->waiters = wt;
        pthread_mutex_unlock(&g->lock);
        web_graph_job_free(job);
        return wt;
    }
    if (!g->stopping && g->queued < QUEUE_MAX) {
        *g->tail = job;
        g->tail = &job->next;
        g->queued++;
        pthread_cond_signal(&g->wake);
        pthread_mutex_unlock(&g->lock);
        return wt;
    }
    int stopping = g->stopping;
    pthread_mutex_unlock(&g->lock);
    answer_text(job, 503,
                stopping ? "the server is stopping\n" : "too many graphs asked at once: retry\n");
    web_graph_job_free(job);
    return wt;
}

/* One image's time in cache: about as long as one pixel column of the
 * graph spans, so a cached image is never visibly behind the data. */
static unsigned ttl_for(enum pd_graph_period p, unsigned width)
{
    long s = pd_graph_period_seconds(p) / (long)width;
    return (unsigned)(s < TTL_MIN_S ? TTL_MIN_S : s > TTL_MAX_S ? TTL_MAX_S : s);
}

/* 0, or -EINVAL for anything but a number from lo to hi. */
static int size_arg(const struct web_req *r, const char *name, unsigned def, unsigned lo,
                    unsigned hi, unsigned *out)
{
    const char *v = web_arg(r, name);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || v[0] < '0' || v[0] > '9' || n < lo || n > hi)
        return -EINVAL;
    *out = (unsigned)n;
    return 0;
}

/* <target>/<check>[/<series>]/<kind>.<ext> into the job's ids, kind and
 * format; each id must be an id ([a-z0-9._-]), so nothing reaches a path
 * that is not one. 0, or -ENOENT. */
static int parse_path(const char *rest, struct graph_job *job)
{
    char buf[KEY_MAX], *part[5];
    size_t n = 0;
    if (strlen(rest) >= sizeof(buf))
        return -ENOENT;
    strcpy(buf, rest);
    for (char *p = buf, *slash; n < 5; p = slash + 1) {
        part[n++] = p;
        if (!(slash = strchr(p, '/')))
            break;
        *slash = '\0';
    }
    if (n < 3 || n > 4)
        return -ENOENT;
    char *file = part[n - 1], *dot = strrchr(file, '.');
    if (!dot)
        return -ENOENT;
    *dot = '\0';
    if (strcmp(dot + 1, "png") == 0)
        job->req.format = PD_GRAPH_PNG;
    else if (strcmp(dot + 1, "svg") == 0)
        job->req.format = PD_GRAPH_SVG;
    else
        return -ENOENT;
    if (pd_graph_kind_parse(file, &job->req.kind) < 0)
        return -ENOENT;
    for (size_t i = 0; i + 1 < n; i++)
        if (!pd_id_valid(part[i]))
            return -ENOENT;
    strcpy(job->target, part[0]);
    strcpy(job->check, part[1]);
    if (n == 4)
        strcpy(job->series, part[2]);
    return 0;
}

int web_graph(struct web_req *r)
{
    struct graph_job *job = calloc(1, sizeof(*job));
    struct web_wait *wt = calloc(1, sizeof(*wt));
    struct web_model m = {0};
    int rc = -ENOMEM;
    if (!job || !wt)
        goto out;
    if ((rc = parse_path(r->rest, job)) < 0) {
        rc = web_error(r, 404, "no such graph: /graph/<target>/<check>[/<series>]/<kind>.png|svg");
        goto out;
    }
    const char *period = web_arg(r, "period");
    if (pd_graph_period_parse(period ? period : "1d", &job->req.period) < 0) {
        rc = web_error(r, 400, "period: one of 6h, 1d, 7d, 30d, 1y");
        goto out;
    }
    unsigned width, height;
    if (size_arg(r, "w", WIDTH_DEF, WIDTH_MIN, WIDTH_MAX, &width) < 0 ||
        size_arg(r, "h", HEIGHT_DEF, HEIGHT_MIN, HEIGHT_MAX, &height) < 0) {
        rc = web_error(r, 400, "w and h: the image's size in pixels, w %u to %u, h %u to %u",
                       WIDTH_MIN, WIDTH_MAX, HEIGHT_MIN, HEIGHT_MAX);
        goto out;
    }
    snprintf(job->key, sizeof(job->key), "%s/%s/%s/%s.%s?%s&%u&%u", job->target, job->check,
             job->series, pd_graph_kind_name(job->req.kind),
             job->req.format == PD_GRAPH_SVG ? "svg" : "png", pd_graph_period_name(job->req.period),
             width, height);
    job->ttl_s = ttl_for(job->req.period, width);
    pd_ns now = pd_clock_mono(), expires;
    if (web_cache_write(r->graphs->cache, job->key, now, r->out, &expires) == 0) {
        r->type = job->req.format == PD_GRAPH_SVG ? "image/svg+xml" : "image/png";
        r->max_age = (unsigned)((expires - now) / PD_SEC);
        rc = 0;
        goto out; /* served: nothing to wait for */
    }
    /* Only graphs of a check of a target in service. */
    if ((rc = web_load(r, NULL, job->target, &m)) < 0)
        goto out;
    const struct web_target *t = m.n_targets ? &m.targets[0] : NULL;
    size_t i = 0;
    while (t && i < t->n_checks && strcmp(t->checks[i].id, job->check) != 0)
        i++;
    if (!t || i == t->n_checks) {
        rc =
            web_error(r, 404, "no check '%s' of a device '%s' in service", job->check, job->target);
        goto out;
    }
    if (asprintf(&job->title, "%s · %s%s%s · %s", t->name, job->check, job->series[0] ? "/" : "",
                 job->series, pd_graph_period_name(job->req.period)) < 0) {
        job->title = NULL;
        rc = -ENOMEM;
        goto out;
    }
    job->req = (struct pd_graph_req){
        .data_dir = r->graphs->data_dir,
        .target_id = job->target,
        .check_id = job->check,
        .series = job->series[0] ? job->series : NULL,
        .kind = job->req.kind,
        .period = job->req.period,
        .width = width,
        .height = height,
        .full_size = 1,
        .format = job->req.format,
        .title = job->title,
    };
    web_model_free(&m);
    wt->mc = r->mc;
    job->waiters = wt;
    r->defer = job;
    return 0;
out:
    web_model_free(&m);
    web_wait_free(wt);
    web_graph_job_free(job);
    return rc;
}

static const char *const period_labels[] = {"6 小时 6 h", "1 天 1 day", "7 天 7 days",
                                            "30 天 30 days", "1 年 1 year"};

/* What a device page shows of a file that can be drawn several ways: the
 * one picture that says most (latency carries the loss as its colour),
 * and jitter beside latency. */
static unsigned shown_kinds(unsigned mask)
{
    const unsigned k_latency = 1u << PD_GRAPH_LATENCY, k_jitter = 1u << PD_GRAPH_JITTER;
    if (mask & k_latency)
        return k_latency | (mask & k_jitter);
    static const enum pd_graph_kind alone[] = {PD_GRAPH_RTP, PD_GRAPH_HTTP, PD_GRAPH_TRAFFIC};
    for (size_t i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
        if (mask & (1u << alone[i]))
            return 1u << alone[i];
    return mask & ((1u << PD_GRAPH_LOSS) | k_jitter);
}

static void graph_url(FILE *f, const struct web_target *t, const char *check, const char *series,
                      enum pd_graph_kind kind, enum pd_graph_period p)
{
    /* Ids are [a-z0-9._-]: nothing to encode. */
    fprintf(f, "/graph/%s/%s/%s%s%s.png?period=%s", t->id, check, series ? series : "",
            series ? "/" : "", pd_graph_kind_name(kind), pd_graph_period_name(p));
}

static void graphs_of(struct web_req *r, const struct web_target *t, const char *check,
                      const char *series, int all, enum pd_graph_period period)
{
    FILE *f = r->out;
    unsigned mask;
    char err[256];
    if (pd_graph_kinds(r->data_dir, t->id, check, series, &mask, err, sizeof(err)) < 0)
        return; /* no file yet (no round stored) or none for this check */
    mask = shown_kinds(mask);
    for (unsigned k = 0; k < 32; k++) {
        if (!(mask & (1u << k)))
            continue;
        for (int p = all ? 0 : (int)period; p <= (all ? (int)PD_GRAPH_1Y : (int)period); p++) {
            fputs("<figure class=\"graph\"><a href=\"", f);
            graph_url(f, t, check, series, (enum pd_graph_kind)k, (enum pd_graph_period)p);
            fputs("&amp;w=1400&amp;h=500\"><img src=\"", f);
            graph_url(f, t, check, series, (enum pd_graph_kind)k, (enum pd_graph_period)p);
            fprintf(f, "\" width=\"%u\" height=\"%u\" loading=\"lazy\" alt=\"", WIDTH_DEF,
                    HEIGHT_DEF);
            web_html(f, t->name);
            fprintf(f, " %s%s%s %s %s\"></a></figure>\n", check, series ? "/" : "",
                    series ? series : "", pd_graph_kind_name((enum pd_graph_kind)k),
                    pd_graph_period_name((enum pd_graph_period)p));
        }
    }
}

void web_graph_section(struct web_req *r, const struct web_target *t)
{
    FILE *f = r->out;
    const char *arg = web_arg(r, "period");
    int all = arg && strcmp(arg, "all") == 0;
    enum pd_graph_period period = PD_GRAPH_1D;
    if (arg && !all && pd_graph_period_parse(arg, &period) < 0)
        period = PD_GRAPH_1D;
    fputs("<h2 id=\"graphs\">图表 Graphs</h2>\n<p class=\"periods\">", f);
    for (int p = PD_GRAPH_6H; p <= PD_GRAPH_1Y; p++) {
        fprintf(f, "<a%s href=\"?period=%s#graphs\">%s</a> ",
                !all && p == (int)period ? " class=\"current\"" : "",
                pd_graph_period_name((enum pd_graph_period)p), period_labels[p]);
    }
    fprintf(f, "<a%s href=\"?period=all#graphs\">全部 all</a></p>\n",
            all ? " class=\"current\"" : "");
    for (size_t i = 0; i < t->n_checks; i++) {
        const char *check = t->checks[i].id;
        char **series;
        size_t n;
        fputs("<section class=\"graphs\"><h3 class=\"id\">", f);
        web_html(f, check);
        fputs("</h3>\n", f);
        graphs_of(r, t, check, NULL, all, period);
        if (pd_graph_series(r->data_dir, t->id, check, &series, &n) == 0) {
            for (size_t k = 0; k < n; k++)
                graphs_of(r, t, check, series[k], all, period);
            pd_graph_series_free(series, n);
        }
        fputs("</section>\n", f);
    }
}
