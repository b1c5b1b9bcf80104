#include "http_multi.h"

#include <errno.h>
#include <stdio.h>

static struct {
    pd_plugin_ctx *ctx;
    CURLM *multi;
    pd_timer *timer; /* curl's one timeout */
    http_done_cb done;
} G;

/* Hand finished transfers to their checks. */
static void drain(void)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(G.multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        curl_multi_remove_handle(G.multi, easy);
        G.done(easy, result);
    }
}

static void on_io(pd_plugin_ctx *ctx, int fd, unsigned revents, void *arg)
{
    (void)ctx;
    (void)arg;
    int running, flags = (revents & PD_READ ? CURL_CSELECT_IN : 0) |
                         (revents & PD_WRITE ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(G.multi, fd, flags, &running);
    drain();
}

static void on_timer(pd_plugin_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    G.timer = NULL; /* spent; curl asks for another through on_timer_set */
    int running;
    curl_multi_socket_action(G.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain();
}

/* curl's CURLMOPT_SOCKETFUNCTION: watch s for what, or stop. The watch is
 * kept with the socket (curl_multi_assign), so changes cost no lookup. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)userp;
    pd_watch *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        pd_watch_cancel(w);
        curl_multi_assign(G.multi, s, NULL);
        return 0;
    }
    unsigned events = (what & CURL_POLL_IN ? PD_READ : 0) | (what & CURL_POLL_OUT ? PD_WRITE : 0);
    if (w) {
        pd_watch_events(w, events);
        return 0;
    }
    if (!(w = pd_ctx_watch_fd(G.ctx, s, events, on_io, NULL)))
        return -1; /* curl fails the transfer */
    curl_multi_assign(G.multi, s, w);
    return 0;
}

/* curl's CURLMOPT_TIMERFUNCTION: call back after ms, -1 for never. */
static int on_timer_set(CURLM *multi, long ms, void *userp)
{
    (void)multi;
    (void)userp;
    if (ms < 0) {
        pd_timer_cancel(G.timer);
        G.timer = NULL;
        return 0;
    }
    pd_ns delay = (pd_ns)ms * PD_MSEC;
    if (G.timer)
        pd_timer_again(G.timer, delay);
    else if (!(G.timer = pd_ctx_timer_after(G.ctx, delay, on_timer, NULL)))
        return -1;
    return 0;
}

int http_multi_init(pd_plugin_ctx *ctx, http_done_cb done, char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl: global initialisation failed");
        return -ENOMEM;
    }
    /* Without an asynchronous resolver a host name would block the loop. */
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (!(v->features & CURL_VERSION_ASYNCHDNS)) {
        snprintf(err, errlen,
                 "libcurl %s resolves names synchronously; probed needs a "
                 "build with the threaded resolver or c-ares",
                 v->version);
        curl_global_cleanup();
        return -ENOTSUP;
    }
    if (!(G.multi = curl_multi_init())) {
        snprintf(err, errlen, "libcurl: cannot make a multi handle");
        curl_global_cleanup();
        return -ENOMEM;
    }
    G.ctx = ctx;
    G.done = done;
    curl_multi_setopt(G.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(G.multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
    return 0;
}

void http_multi_shutdown(void)
{
    /* The core cancels our watches and timer after shutdown returns. */
    curl_multi_cleanup(G.multi);
    G.multi = NULL;
    G.timer = NULL;
    curl_global_cleanup();
}

int http_multi_add(CURL *easy, char *err, size_t errlen)
{
    CURLMcode rc = curl_multi_add_handle(G.multi, easy);
    if (rc != CURLM_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(rc));
        return rc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
    }
    return 0;
}

void http_multi_remove(CURL *easy)
{
    curl_multi_remove_handle(G.multi, easy);
}
