#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "yaml_tree.h"
#include "web_addr.h"
#include "web_priv.h"
#include "web_shared.h"

/* Requests wait this long for a slow client before the connection closes. */
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT     512
/* One client (a browser opens 6, a wall screen a few, a bench 50) may not
 * take every connection from the others. */
#define PER_IP_LIMIT 64

struct pd_web {
    struct MHD_Daemon *mhd;
    char *data_dir;
    unsigned port;
    pthread_key_t db_key; /* each request thread's read-only store */
    char *tls_cert, *tls_key;
    pthread_mutex_t lock; /* guards conf and summary, replaced on reload */
    struct web_graphs *graphs;
    struct web_shared *shared;        /* pages made once for many clients */
    int listen_fd;                    /* -1 once the server owns it */
    struct web_guard *guard;          /* authentication, on when users_file is set */
    struct web_conf_summary *summary; /* for /config */
    struct web_conf *conf;            /* guarded by lock, replaced on reload; counted */
    const struct pd_health *health;   /* borrowed; may be NULL */
};

/* *req_cls of a request whose headers are in; a suspended graph request's
 * is its struct web_wait instead. */
static char seen;

const char *web_arg(const struct web_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->mc, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

int web_load(struct web_req *r, const char *site, const char *target, struct web_model *m)
{
    /* The configuration's windows: held, as a reload may replace them. */
    struct web_conf *c = web_conf_get(r);
    int rc =
        web_model_load(r->db, c->cfg.maintenance, c->cfg.n_maintenance, site, target, r->now, m);
    web_conf_put(r, c);
    return rc;
}

struct web_conf *web_conf_get(struct web_req *r)
{
    pthread_mutex_lock(&r->w->lock);
    struct web_conf *c = r->w->conf;
    c->refs++;
    pthread_mutex_unlock(&r->w->lock);
    return c;
}

static void conf_put(struct pd_web *w, struct web_conf *c)
{
    pthread_mutex_lock(&w->lock);
    unsigned left = --c->refs;
    pthread_mutex_unlock(&w->lock);
    if (left == 0)
        web_conf_free(c);
}

void web_conf_put(struct web_req *r, struct web_conf *c)
{
    conf_put(r->w, c);
}

int web_error(struct web_req *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rewind(r->out);
    r->status = status;
    r->attachment[0] = '\0';
    r->type = "text/html; charset=utf-8";
    fprintf(r->out,
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<title>%d</title><link rel=\"stylesheet\" href=\"/static/probed.css\"></head>"
            "<body><main><h1>%d</h1><p class=\"error\">",
            status, status);
    web_html(r->out, msg);
    fputs("</p><p><a href=\"/\">overview</a></p></main></body></html>\n", r->out);
    return 0;
}

void web_thread_nice(void)
{
    /* Linux: a thread's nice value is its own (setpriority on its tid).
     * Raising it needs no privilege; a failure only costs the loop's
     * precedence, so it is not an error. */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WEB_NICE) < 0)
        pd_debug("web", "nice %d for a web thread: %s", WEB_NICE, strerror(errno));
}

/* This thread's store, opened on its first request and closed when the
 * thread ends (the key's destructor). The first request is also where a
 * request thread of libmicrohttpd's pool first runs our code: it gives
 * way to the loop from then on. */
static struct pd_db *thread_db(struct pd_web *w, char *err, size_t errlen)
{
    struct pd_db *db = pthread_getspecific(w->db_key);
    if (db)
        return db;
    web_thread_nice();
    if (pd_db_open(w->data_dir, 1, &db, err, errlen) < 0)
        return NULL;
    if (pthread_setspecific(w->db_key, db) != 0) {
        pd_db_close(db);
        return NULL;
    }
    return db;
}

static void close_db(void *db)
{
    pd_db_close(db);
}

struct route {
    const char *prefix;
    int exact; /* the path must be the prefix itself */
    int (*handler)(struct web_req *);
    const char *type;
};

static int static_css(struct web_req *r)
{
    fputs(web_css, r->out);
    return 0;
}

static int page_config(struct web_req *r)
{
    pthread_mutex_lock(&r->w->lock);
    int rc = web_page_config(r, r->w->summary, r->w->guard);
    pthread_mutex_unlock(&r->w->lock);
    return rc;
}

static const struct route routes[] = {
    {"/", 1, web_page_overview, "text/html; charset=utf-8"},
    {"/device/", 0, web_page_device, "text/html; charset=utf-8"},
    {"/events", 1, web_page_events, "text/html; charset=utf-8"},
    {"/system/", 0, web_page_system, "text/html; charset=utf-8"},
    {"/report", 1, web_page_report, "text/html; charset=utf-8"},
    {"/report/", 0, web_report_file, "text/html; charset=utf-8"},
    {"/api/v1/", 0, web_api, "application/json; charset=utf-8"},
    {"/metrics", 1, web_metrics, "text/plain; version=0.0.4; charset=utf-8"},
    {"/static/probed.css", 1, static_css, "text/css; charset=utf-8"},
    {"/graph/", 0, web_graph, "text/html; charset=utf-8"},
    {"/config", 1, page_config, "text/html; charset=utf-8"},
};

static void headers(struct MHD_Response *resp, const char *type, unsigned max_age)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    /* Everything is served from here: no script or style from elsewhere. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "frame-ancestors 'none'");
    /* Pages show the state now; an image may be kept as long as the
     * server's cache keeps it. */
    char cache[48] = "no-store";
    if (max_age)
        snprintf(cache, sizeof(cache), "private, max-age=%u", max_age);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
}

static enum MHD_Result queue(struct MHD_Connection *mc, int status, const char *type,
                             unsigned max_age, const char *attachment, char *body, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    headers(resp, type, max_age);
    if (attachment[0]) {
        char disposition[sizeof(((struct web_req *)0)->attachment) + 32];
        snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", attachment);
        MHD_add_response_header(resp, "Content-Disposition", disposition);
    }
    enum MHD_Result ret = MHD_queue_response(mc, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* 401 with the realm: every path, known or not, when authentication is on. */
static enum MHD_Result unauthorized(struct pd_web *w, struct MHD_Connection *mc)
{
    static const char body[] =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>401</title></head>"
        "<body><h1>401</h1><p>This dashboard asks for a user name and password.</p>"
        "</body></html>\n";
    char realm[80];
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    headers(resp, "text/html; charset=utf-8", 0);
    web_guard_realm(w->guard, realm, sizeof(realm));
    enum MHD_Result ret = MHD_queue_basic_auth_fail_response(mc, realm, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **req_cls)
{
    struct pd_web *w = cls;
    (void)version;
    (void)upload;
    /* The first call comes with the headers only: answer on the second. */
    if (!*req_cls) {
        *req_cls = &seen;
        return MHD_YES;
    }
    if (*upload_len)
        return MHD_NO; /* nothing here takes a body */
    if (*req_cls != &seen) {
        /* Resumed: the render thread has answered (the request was let in
         * before it was suspended). */
        struct web_wait *wt = *req_cls;
        *req_cls = &seen;
        enum MHD_Result ret = queue(mc, wt->status, wt->type, wt->max_age, "", wt->body, wt->len);
        wt->body = NULL; /* the response owns it now */
        web_wait_free(wt);
        return ret;
    }
    enum pd_web_role role;
    if (web_guard_check(w->guard, mc, &role) < 0)
        return unauthorized(w, mc);
    char *body = NULL;
    size_t len = 0;
    struct web_req r = {.w = w,
                        .mc = mc,
                        .graphs = w->graphs,
                        .shared = w->shared,
                        .data_dir = w->data_dir,
                        .role = role,
                        .health = w->health,
                        .now = pd_clock_wall(),
                        .status = 200};
    if (!(r.out = open_memstream(&body, &len)))
        return MHD_NO;
    char err[256] = "";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        web_error(&r, 405, "%s is not served here: the dashboard is read-only", method);
    } else if (!(r.db = thread_db(w, err, sizeof(err)))) {
        web_error(&r, 503, "the event store cannot be read: %s", err);
    } else {
        const struct route *hit = NULL;
        for (size_t i = 0; !hit && i < sizeof(routes) / sizeof(routes[0]); i++) {
            const struct route *rt = &routes[i];
            size_t n = strlen(rt->prefix);
            if (rt->exact ? strcmp(url, rt->prefix) == 0 : strncmp(url, rt->prefix, n) == 0) {
                hit = rt;
                r.rest = url + n;
            }
        }
        if (!hit) {
            web_error(&r, 404, "nothing at %s", url);
        } else {
            r.type = hit->type;
            int rc = hit->handler(&r);
            if (rc < 0)
                web_error(&r,
                          rc == -ENOENT   ? 404
                          : rc == -EINVAL ? 400
                                          : 500,
                          "%s",
                          rc == -ENOENT   ? "not found"
                          : rc == -EINVAL ? "bad request"
                                          : strerror(-rc));
        }
    }
    if (fclose(r.out) != 0) {
        free(body);
        web_graph_job_free(r.defer);
        return MHD_NO;
    }
    if (r.defer) {
        free(body);
        /* Suspended before the job is queued: the render thread may
         * resume it at once, and a resume must follow the suspend. */
        MHD_suspend_connection(mc);
        *req_cls = web_graphs_submit(w->graphs, r.defer);
        return MHD_YES;
    }
    return queue(mc, r.status, r.type ? r.type : "text/html; charset=utf-8", r.max_age,
                 r.attachment, body, len);
}

/* A graph request whose connection closed before it was answered. */
static void on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)mc;
    (void)why;
    if (*req_cls && *req_cls != &seen)
        web_wait_free(*req_cls);
    *req_cls = NULL;
}

/* libmicrohttpd's own complaints (a client that broke the protocol, a
 * TLS handshake that failed) into the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    pd_info("web", "%s", msg);
}

static char *read_pem(const char *path, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    if (pd_read_file_max(path, 1 << 20, &buf, &len, err, errlen) < 0)
        return NULL;
    return buf;
}

int pd_web_bind(const struct pd_config *cfg, int *fd, char *err, size_t errlen)
{
    struct pd_web_addr addr;
    char why[160];
    if (pd_web_addr_parse(cfg->web.listen, &addr, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "web listen: %s", why);
        return -EINVAL;
    }
    int rc = pd_web_listen(&addr, fd, why, sizeof(why));
    if (rc < 0)
        snprintf(err, errlen, "web: cannot listen on %s: %s", cfg->web.listen, why);
    return rc;
}

static unsigned bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

int pd_web_start(const struct pd_config *cfg, int listen_fd, const struct pd_health *health,
                 struct pd_web **out, char *err, size_t errlen)
{
    const struct pd_web_conf *c = &cfg->web;
    struct pd_web_addr addr;
    char why[160];
    *out = NULL;
    if (pd_web_addr_parse(c->listen, &addr, why, sizeof(why)) < 0) {
        close(listen_fd);
        snprintf(err, errlen, "web listen: %s", why);
        return -EINVAL;
    }
    struct pd_web *w = calloc(1, sizeof(*w));
    if (!w || !(w->data_dir = strdup(cfg->data_dir)) || web_conf_new(cfg, &w->conf) < 0) {
        if (w)
            free(w->data_dir);
        free(w);
        close(listen_fd);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    w->listen_fd = listen_fd; /* closed by pd_web_stop until MHD owns it */
    w->health = health;
    pthread_mutex_init(&w->lock, NULL);
    pthread_key_create(&w->db_key, close_db);
    int rc;
    /* A users file that fails keeps the server from starting: never open
     * by accident. */
    if ((rc = web_guard_new(c, &w->guard, err, errlen)) < 0) {
        pd_web_stop(w);
        return rc;
    }
    if ((rc = web_conf_summary_new(cfg, &w->summary)) < 0) {
        snprintf(err, errlen, "out of memory");
        pd_web_stop(w);
        return rc;
    }
    if ((rc = web_shared_new(&w->shared)) < 0) {
        snprintf(err, errlen, "out of memory");
        pd_web_stop(w);
        return rc;
    }
    if ((rc = web_graphs_start(w->data_dir, &w->graphs, err, errlen)) < 0) {
        pd_web_stop(w);
        return rc;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (addr.ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (addr.any)
        flags |= MHD_USE_DUAL_STACK;
    if (c->tls_cert) {
        if (!(w->tls_cert = read_pem(c->tls_cert, err, errlen)) ||
            !(w->tls_key = read_pem(c->tls_key, err, errlen))) {
            pd_web_stop(w);
            return -EIO;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, w->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, w->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    /* The logger first: MHD reports the options after it through it. */
    w->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_LIMIT,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_ARRAY, w->tls_cert ? tls : tls + 2, MHD_OPTION_END);
    if (!w->mhd) {
        snprintf(err, errlen, "web: libmicrohttpd did not start on %s (see the log above)",
                 c->listen);
        pd_web_stop(w);
        return -EIO;
    }
    w->listen_fd = -1; /* MHD's now: it closes it when it stops */
    w->port = bound_port(listen_fd);
    *out = w;
    return 0;
}

int pd_web_set_config(struct pd_web *w, const struct pd_config *cfg)
{
    struct web_conf_summary *summary;
    struct web_conf *conf;
    web_guard_set_config(w->guard, &cfg->web);
    if (web_conf_summary_new(cfg, &summary) < 0)
        return -ENOMEM;
    if (web_conf_new(cfg, &conf) < 0) {
        web_conf_summary_free(summary);
        return -ENOMEM;
    }
    pthread_mutex_lock(&w->lock);
    struct web_conf_summary *old_summary = w->summary;
    struct web_conf *old_conf = w->conf;
    w->summary = summary;
    w->conf = conf;
    pthread_mutex_unlock(&w->lock);
    web_conf_summary_free(old_summary);
    conf_put(w, old_conf); /* freed by the last request still reading it */
    return 0;
}

unsigned pd_web_port(const struct pd_web *w)
{
    return w->port;
}

void pd_web_stop(struct pd_web *w)
{
    if (!w)
        return;
    /* Graph requests waiting are answered and resumed first: the server
     * must not stop with a connection suspended. Its threads end next,
     * each closing its store (the key's destructor). */
    web_graphs_quiesce(w->graphs);
    if (w->mhd)
        MHD_stop_daemon(w->mhd);
    web_graphs_free(w->graphs);
    web_shared_free(w->shared);
    if (w->listen_fd >= 0)
        close(w->listen_fd);
    pthread_key_delete(w->db_key);
    pthread_mutex_destroy(&w->lock);
    web_conf_summary_free(w->summary);
    web_guard_free(w->guard);
    web_conf_free(w->conf); /* no request left to hold it */
    free(w->tls_cert);
    free(w->tls_key);
    free(w->data_dir);
    free(w);
}
