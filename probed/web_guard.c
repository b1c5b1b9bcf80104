/* Basic authentication of the dashboard's requests: libmicrohttpd's side
 * of web_auth.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "web_priv.h"

#define REALM_MAX 72

struct web_guard {
    pthread_mutex_t lock;     /* guards on, realm, failed */
    struct pd_web_auth *auth; /* its own lock for the users */
    int on;                   /* a users file is configured */
    int failed;               /* the last reload of the file failed */
    char realm[REALM_MAX];
};

/* Load c's users into g (only when c names a file). */
static int load(struct web_guard *g, const struct pd_web_conf *c, char *err, size_t errlen)
{
    struct pd_web_users users;
    int rc = pd_web_users_load(c->users_file, &users, err, errlen);
    if (rc < 0)
        return rc;
    if (users.n == 0)
        pd_warn("web", "users file %s has no user: every request will be refused", c->users_file);
    if ((rc = pd_web_auth_set_users(g->auth, &users)) < 0) {
        snprintf(err, errlen, "users file %s: out of memory", c->users_file);
        pd_web_users_free(&users);
    }
    return rc;
}

int web_guard_new(const struct pd_web_conf *c, struct web_guard **out, char *err, size_t errlen)
{
    struct web_guard *g = calloc(1, sizeof(*g));
    int rc;
    *out = NULL;
    if (!g || (rc = pd_web_auth_new(&g->auth)) < 0) {
        free(g);
        snprintf(err, errlen, "web: cannot set up authentication (out of memory or no entropy)");
        return -ENOMEM;
    }
    pthread_mutex_init(&g->lock, NULL);
    snprintf(g->realm, sizeof(g->realm), "%s", c->realm ? c->realm : "probed");
    if (c->users_file) {
        if ((rc = load(g, c, err, errlen)) < 0) {
            web_guard_free(g);
            return rc;
        }
        g->on = 1;
    }
    *out = g;
    return 0;
}

void web_guard_set_config(struct web_guard *g, const struct pd_web_conf *c)
{
    char err[2048];
    int rc = 0;
    if (c->users_file && (rc = load(g, c, err, sizeof(err))) < 0) {
        /* One line per error of the file, as a configuration's. */
        for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n"))
            pd_err("web", "%s", line);
        pd_err("web", "the dashboard keeps the users it had before the reload");
    }
    pthread_mutex_lock(&g->lock);
    /* A file that fails keeps authentication on with the old users; a
     * file newly named that fails leaves it as it was (off: the error
     * above says the file is not in force). */
    if (rc == 0) {
        if (!c->users_file && g->on)
            pd_warn("web", "web.users_file removed: the dashboard no longer asks for a password");
        g->on = c->users_file != NULL;
    }
    g->failed = rc < 0;
    snprintf(g->realm, sizeof(g->realm), "%s", c->realm ? c->realm : "probed");
    pthread_mutex_unlock(&g->lock);
}

void web_guard_free(struct web_guard *g)
{
    if (!g)
        return;
    pd_web_auth_free(g->auth);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

void web_guard_realm(struct web_guard *g, char *buf, size_t len)
{
    pthread_mutex_lock(&g->lock);
    snprintf(buf, len, "%s", g->realm);
    pthread_mutex_unlock(&g->lock);
}

void web_guard_info(struct web_guard *g, struct web_guard_info *info)
{
    pthread_mutex_lock(&g->lock);
    info->on = g->on;
    info->last_load_failed = g->failed;
    pthread_mutex_unlock(&g->lock);
    pd_web_auth_count(g->auth, &info->viewers, &info->admins);
}

static void client_address(struct MHD_Connection *mc, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    socklen_t sl = !sa                         ? 0
                   : sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in);
    if (!sa || getnameinfo(sa, sl, buf, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(buf, len, "an unknown address");
}

int web_guard_check(struct web_guard *g, struct MHD_Connection *mc, enum pd_web_role *role)
{
    pthread_mutex_lock(&g->lock);
    int on = g->on;
    pthread_mutex_unlock(&g->lock);
    *role = PD_WEB_ROLE_NONE;
    if (!on)
        return 0;
    char *password = NULL;
    char *name = MHD_basic_auth_get_username_password(mc, &password);
    /* No credentials: a browser's first request; nothing to log. */
    if (!name || !password) {
        MHD_free(name);
        MHD_free(password);
        return -EACCES;
    }
    int rc = pd_web_auth_verify(g->auth, name, password, pd_clock_mono(), role);
    explicit_bzero(password, strlen(password));
    MHD_free(password);
    if (rc < 0) {
        char addr[INET6_ADDRSTRLEN + 8];
        client_address(mc, addr, sizeof(addr));
        /* The name as sent only when it could be a name: nothing a client
         * chose goes into the log otherwise. The log limits the rate. */
        pd_info("web", "authentication failed for %s%s%s from %s",
                pd_web_user_name_valid(name) ? "user '" : "",
                pd_web_user_name_valid(name) ? name : "a name that is not valid",
                pd_web_user_name_valid(name) ? "'" : "", addr);
        *role = PD_WEB_ROLE_NONE;
        rc = -EACCES;
    }
    MHD_free(name);
    return rc;
}
