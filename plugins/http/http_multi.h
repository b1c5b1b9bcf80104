/*
 * One libcurl multi handle for every http check, driven by the core's loop
 * through the plugin ABI (multi_socket: curl says which sockets to watch
 * and when to call it back; nothing here blocks or polls by itself).
 * Loop thread only.
 */
#ifndef PROBED_HTTP_MULTI_H
#define PROBED_HTTP_MULTI_H

#include <curl/curl.h>

#include "plugin.h"

/* Called for each finished transfer, after it left the multi handle:
 * easy (its CURLINFO_PRIVATE says whose) and curl's result. The callback
 * may add transfers again. */
typedef void (*http_done_cb)(CURL *easy, CURLcode result);

int http_multi_init(pd_plugin_ctx *ctx, http_done_cb done, char *err, size_t errlen);
void http_multi_shutdown(void);
/* Start a configured transfer; 0 or -ENOMEM/-EINVAL with err filled. */
int http_multi_add(CURL *easy, char *err, size_t errlen);
/* Abort a transfer in progress (no done callback); harmless if none. */
void http_multi_remove(CURL *easy);

#endif
