#include "config_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "web_addr.h"

int pd_config_web_defaults(struct pd_web_conf *web)
{
    *web = (struct pd_web_conf){
        .enabled = 1, .threads = 4, .listen = strdup("127.0.0.1:8080"), .realm = strdup("probed")};
    return web->listen && web->realm ? 0 : -ENOMEM;
}

/* The realm goes into a quoted header parameter (WWW-Authenticate: Basic
 * realm="..."), which libmicrohttpd does not escape. */
static int realm_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
            return 0;
    return n >= 1 && n <= 64;
}

void pd_config_load_web(struct pd_yreader *r, struct pd_web_conf *web, const struct pd_ynode *node)
{
    static const char *const keys[] = {"enabled", "listen",     "threads", "tls_cert",
                                       "tls_key", "users_file", "realm",   NULL};
    const struct pd_ynode *v;
    long n;
    if (!node || pd_ywant(r, node, PD_YMAP, "web") < 0)
        return;
    web->at = pd_ymark(r, node);
    pd_ycheck_keys(r, node, keys, "web");
    if ((v = pd_yget(node, "enabled")))
        pd_yread_bool(r, v, "web enabled", &web->enabled);
    if ((v = pd_yget(node, "listen")) && pd_yread_string(r, v, "web listen", &web->listen) == 0) {
        struct pd_web_addr a;
        char why[160];
        if (pd_web_addr_parse(web->listen, &a, why, sizeof(why)) < 0)
            pd_yfail(r, v, "web listen: %s", why);
    }
    if ((v = pd_yget(node, "threads")) && pd_yread_long(r, v, "web threads", 2, 64, &n) == 0)
        web->threads = (int)n;
    if ((v = pd_yget(node, "tls_cert")))
        pd_yread_path(r, v, "web tls_cert", &web->tls_cert);
    if ((v = pd_yget(node, "tls_key")))
        pd_yread_path(r, v, "web tls_key", &web->tls_key);
    if ((v = pd_yget(node, "users_file")))
        pd_yread_path(r, v, "web users_file", &web->users_file);
    if ((v = pd_yget(node, "realm")) && pd_yread_string(r, v, "web realm", &web->realm) == 0 &&
        !realm_valid(web->realm))
        pd_yfail(r, v,
                 "web realm: expected 1 to 64 printable ASCII characters without \" or "
                 "\\, got '%s'",
                 web->realm);
    if (!web->tls_cert != !web->tls_key)
        pd_yfail(r, node, "web: tls_cert and tls_key go together (both PEM files, or neither)");
}

void pd_config_free_web(struct pd_web_conf *web)
{
    free(web->listen);
    free(web->tls_cert);
    free(web->tls_key);
    free(web->users_file);
    free(web->realm);
}
