/*
 * http: is a web portal, platform or live stream serving what it should,
 * and how fast. One round is one request (mode http) or the playlists of a
 * live stream (mode hls, see http_hls.c), on libcurl's multi_socket
 * interface driven by the core's loop (http_multi.c).
 *
 * Every round opens a fresh connection and does a full TLS handshake (no
 * connection or session reuse, no DNS cache), as a new visitor would: the
 * timings then mean the same every round.
 */
#define _GNU_SOURCE /* memmem */
#include "http.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_hls.h"
#include "http_multi.h"
#include "http_tls.h"

#define MAX_BODY_LIMIT (1L << 30)

static const struct pd_option http_options[] = {
    {"url", PD_OPT_STRING, offsetof(struct http_check, url), NULL,
     "http:// or https:// URL; {address} stands for the target's address"},
    {"mode", PD_OPT_STRING, offsetof(struct http_check, mode), "http",
     "http (one request) or hls (a live stream's playlists)"},
    {"method", PD_OPT_STRING, offsetof(struct http_check, method), "GET", "request method"},
    {"headers", PD_OPT_LIST, offsetof(struct http_check, headers), "",
     "request headers, \"Name: value\" each"},
    {"body", PD_OPT_STRING, offsetof(struct http_check, body), "", "request body"},
    {"expect_status", PD_OPT_LIST, offsetof(struct http_check, expect_status), "200-299",
     "accepted status codes: 200, 200-299, 2xx"},
    {"expect_body", PD_OPT_STRING, offsetof(struct http_check, expect_body), "",
     "text the body must contain"},
    {"expect_body_regex", PD_OPT_STRING, offsetof(struct http_check, expect_body_regex), "",
     "POSIX extended regular expression the body must match"},
    {"max_body", PD_OPT_INT, offsetof(struct http_check, max_body), "1048576",
     "bytes of body read at most; the rest is not fetched"},
    {"follow_redirects", PD_OPT_BOOL, offsetof(struct http_check, follow_redirects), "yes",
     "follow 3xx redirects"},
    {"max_redirects", PD_OPT_INT, offsetof(struct http_check, max_redirects), "10",
     "redirects followed at most"},
    {"tls_verify", PD_OPT_BOOL, offsetof(struct http_check, tls_verify), "yes",
     "verify the server's certificate and name"},
    {"ca_file", PD_OPT_STRING, offsetof(struct http_check, ca_file), "",
     "CA certificates (PEM) instead of the system's"},
    {"client_cert", PD_OPT_STRING, offsetof(struct http_check, client_cert), "",
     "client certificate (PEM)"},
    {"client_key", PD_OPT_STRING, offsetof(struct http_check, client_key), "",
     "client certificate's key (PEM)"},
    {"resolve", PD_OPT_STRING, offsetof(struct http_check, resolve), "",
     "connect to this address (or {address}) for the URL's host"},
    {"ip", PD_OPT_STRING, offsetof(struct http_check, ip), "any", "any, 4 or 6"},
    {"stall_after", PD_OPT_DURATION, offsetof(struct http_check, stall_after), "0s",
     "hls: stalled when no new segment for this long (0: 3 target durations)"},
    {"min_height", PD_OPT_INT, offsetof(struct http_check, min_height), "0",
     "hls: the best variant's lines at least (1080 for 1080p; 0: any)"},
    {"segment_check", PD_OPT_BOOL, offsetof(struct http_check, segment_check), "no",
     "hls: download the newest segment; slower than its duration is bad"},
};

/* A header line "Name: value": a token, a colon, no line breaks. */
static int header_valid(const char *h)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h)
        return 0;
    for (const char *p = h; p < colon; p++)
        if (*p <= ' ' || *p >= 127 || strchr("()<>@,;\\\"/[]?={}", *p))
            return 0;
    return !strpbrk(h, "\r\n");
}

static int method_valid(const char *m)
{
    if (!*m || strlen(m) > 32)
        return 0;
    for (const char *p = m; *p; p++)
        if (!(*p >= 'A' && *p <= 'Z') && *p != '-' && *p != '_')
            return 0;
    return 1;
}

/* url with "{address}" replaced, in a new string (taken by the caller). An
 * IPv6 address gets its brackets. */
static char *expand(const char *text, const char *address)
{
    const char *mark = strstr(text, "{address}");
    if (!mark)
        return strdup(text);
    int v6 = strchr(address, ':') != NULL;
    size_t len = strlen(text) + strlen(address) + 3;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%.*s%s%s%s%s", (int)(mark - text), text, v6 ? "[" : "", address,
                 v6 ? "]" : "", mark + strlen("{address}"));
    return out;
}

/* The URL as curl reads it, and its host for CURLOPT_CONNECT_TO. */
static int url_host(const char *url, char *host, size_t len, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *h = NULL, *scheme = NULL;
    int rc = -EINVAL;
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc != CURLUE_OK) {
        snprintf(err, errlen, "url '%s': %s", url, curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "url '%s': only http:// and https:// are checked", url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || strlen(h) >= len) {
        snprintf(err, errlen, "url '%s': no host", url);
        goto out;
    }
    snprintf(host, len, "%s", h);
    rc = 0;
out:
    curl_free(h);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

static int http_validate(const void *params, const struct pd_check_limits *limits, char *err,
                         size_t errlen)
{
    (void)limits;
    const struct http_check *hc = params;
    char host[256];
    /* A documentation address stands in for {address} here. */
    char *url = expand(hc->url, "192.0.2.1");
    int rc = url ? url_host(url, host, sizeof(host), err, errlen) : -ENOMEM;
    free(url);
    if (rc < 0)
        return rc;
    if (strcmp(hc->mode, "http") != 0 && strcmp(hc->mode, "hls") != 0) {
        snprintf(err, errlen, "mode must be http or hls, not '%s'", hc->mode);
        return -EINVAL;
    }
    if (!method_valid(hc->method)) {
        snprintf(err, errlen, "method '%s': expected an upper-case method such as GET or POST",
                 hc->method);
        return -EINVAL;
    }
    for (char **h = hc->headers; h && *h; h++) {
        if (!header_valid(*h)) {
            snprintf(err, errlen, "header '%s': expected \"Name: value\"", *h);
            return -EINVAL;
        }
    }
    struct http_status_set set;
    if (http_status_parse((const char *const *)hc->expect_status, &set, err, errlen) < 0)
        return -EINVAL;
    if (hc->expect_body_regex[0]) {
        regex_t re;
        int rrc = regcomp(&re, hc->expect_body_regex, REG_EXTENDED | REG_NOSUB);
        if (rrc != 0) {
            char why[128];
            regerror(rrc, &re, why, sizeof(why));
            snprintf(err, errlen, "expect_body_regex: %s", why);
            return -EINVAL;
        }
        regfree(&re);
    }
    if (hc->max_body < 1 || hc->max_body > MAX_BODY_LIMIT) {
        snprintf(err, errlen, "max_body must be 1..%ld bytes", MAX_BODY_LIMIT);
        return -EINVAL;
    }
    if (hc->max_redirects < 0 || hc->max_redirects > 50) {
        snprintf(err, errlen, "max_redirects must be 0..50");
        return -EINVAL;
    }
    if (strcmp(hc->ip, "any") != 0 && strcmp(hc->ip, "4") != 0 && strcmp(hc->ip, "6") != 0) {
        snprintf(err, errlen, "ip must be any, 4 or 6, not '%s'", hc->ip);
        return -EINVAL;
    }
    if (hc->client_key[0] && !hc->client_cert[0]) {
        snprintf(err, errlen, "client_key needs client_cert");
        return -EINVAL;
    }
    if (hc->resolve[0] && strcmp(hc->resolve, "{address}") != 0 &&
        strspn(hc->resolve, "0123456789abcdefABCDEF.:") != strlen(hc->resolve)) {
        snprintf(err, errlen, "resolve must be an IP address or {address}, not '%s'", hc->resolve);
        return -EINVAL;
    }
    if (hc->min_height < 0 || hc->min_height > 100000) {
        snprintf(err, errlen, "min_height must be 0..100000 lines");
        return -EINVAL;
    }
    int hls = strcmp(hc->mode, "hls") == 0;
    if (!hls && (hc->stall_after || hc->min_height || hc->segment_check)) {
        snprintf(err, errlen, "stall_after, min_height and segment_check are for mode hls");
        return -EINVAL;
    }
    if (hls && (hc->expect_body[0] || hc->expect_body_regex[0])) {
        snprintf(err, errlen, "expect_body is for mode http; an hls check reads playlists");
        return -EINVAL;
    }
    return 0;
}

/* Options that stay the same every round. */
static int configure(struct http_check *hc)
{
    CURL *e = hc->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, hc);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, hc->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "probed/" PROBED_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, hc);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, (long)hc->follow_redirects);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, hc->max_redirects);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (long)hc->tls_verify);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, hc->tls_verify ? 2L : 0L);
    if (hc->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, hc->ca_file);
    if (hc->client_cert[0])
        curl_easy_setopt(e, CURLOPT_SSLCERT, hc->client_cert);
    if (hc->client_key[0])
        curl_easy_setopt(e, CURLOPT_SSLKEY, hc->client_key);
    curl_easy_setopt(e, CURLOPT_IPRESOLVE,
                     strcmp(hc->ip, "4") == 0   ? CURL_IPRESOLVE_V4
                     : strcmp(hc->ip, "6") == 0 ? CURL_IPRESOLVE_V6
                                                : CURL_IPRESOLVE_WHATEVER);
    http_tls_watch(e, &hc->cert_days);
    for (char **h = hc->headers; h && *h; h++) {
        struct curl_slist *l = curl_slist_append(hc->header_list, *h);
        if (!l)
            return -ENOMEM;
        hc->header_list = l;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hc->header_list);
    return 0;
}

static int http_start(pd_check *check, void *params, char *err, size_t errlen)
{
    struct http_check *hc = params;
    hc->check = check;
    hc->cert_days = NAN;
    if (http_status_parse((const char *const *)hc->expect_status, &hc->expect, err, errlen) < 0)
        return -EINVAL;
    if (hc->expect_body_regex[0]) {
        if (regcomp(&hc->re, hc->expect_body_regex, REG_EXTENDED | REG_NOSUB) != 0) {
            snprintf(err, errlen, "expect_body_regex does not compile");
            return -EINVAL;
        }
        hc->has_re = 1;
    }
    hc->hls = strcmp(hc->mode, "hls") == 0;
    if (!(hc->easy = curl_easy_init()) || configure(hc) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

static void http_stop(pd_check *check, void *params)
{
    (void)check;
    struct http_check *hc = params;
    if (hc->easy) {
        http_multi_remove(hc->easy);
        curl_easy_cleanup(hc->easy);
    }
    curl_slist_free_all(hc->header_list);
    curl_slist_free_all(hc->connect_to);
    if (hc->has_re)
        regfree(&hc->re);
    free(hc->body_buf);
    free(hc->url_now);
    http_hls_free(hc);
}

static void http_rebind(pd_check *check, void *params)
{
    ((struct http_check *)params)->check = check;
}

size_t http_on_body(char *data, size_t size, size_t n, void *arg)
{
    struct http_check *hc = arg;
    size_t len = size * n, room = hc->fetch_cap - hc->bytes;
    size_t take = len < room ? len : room;
    if (hc->keep_body && take) {
        if (hc->body_len + take + 1 > hc->body_cap) {
            size_t cap = hc->body_cap ? hc->body_cap : 16384;
            while (cap < hc->body_len + take + 1)
                cap *= 2;
            char *buf = realloc(hc->body_buf, cap);
            if (!buf)
                return 0;
            hc->body_buf = buf;
            hc->body_cap = cap;
        }
        memcpy(hc->body_buf + hc->body_len, data, take);
        hc->body_len += take;
        hc->body_buf[hc->body_len] = '\0';
    }
    hc->bytes += take;
    if (take < len) {
        hc->cut = 1; /* enough read: curl stops with CURLE_WRITE_ERROR */
        return 0;
    }
    return len;
}

int http_fetch(struct http_check *hc, const char *url, int keep_body, size_t cap, char *err,
               size_t errlen)
{
    CURL *e = hc->easy;
    hc->errbuf[0] = '\0';
    hc->bytes = 0;
    hc->body_len = 0;
    hc->cut = 0;
    hc->keep_body = keep_body;
    hc->fetch_cap = cap;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_slist_free_all(hc->connect_to);
    hc->connect_to = NULL;
    if (hc->resolve[0]) {
        /* Only the check's own host goes to the given address: a
         * redirect, or a playlist, on another host goes where its name
         * leads. */
        char host[256], entry[512];
        const char *to =
            strcmp(hc->resolve, "{address}") == 0 ? pd_check_address(hc->check) : hc->resolve;
        if (url_host(hc->url_now, host, sizeof(host), err, errlen) < 0)
            return -EINVAL;
        int v6 = strchr(to, ':') != NULL;
        snprintf(entry, sizeof(entry), "%s::%s%s%s:", host, v6 ? "[" : "", to, v6 ? "]" : "");
        if (!(hc->connect_to = curl_slist_append(NULL, entry))) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
    }
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, hc->connect_to);
    /* What is left of the round's time, at least a millisecond. */
    pd_ns left = hc->deadline - pd_now(hc->check);
    long ms = left > PD_MSEC ? (long)(left / PD_MSEC) : 1;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
    return http_multi_add(e, err, errlen);
}

void http_timings(struct http_check *hc, struct http_timing *t)
{
    curl_off_t q = 0, c = 0, a = 0, s = 0, total = 0;
    long status = 0;
    curl_easy_getinfo(hc->easy, CURLINFO_NAMELOOKUP_TIME_T, &q);
    curl_easy_getinfo(hc->easy, CURLINFO_CONNECT_TIME_T, &c);
    curl_easy_getinfo(hc->easy, CURLINFO_APPCONNECT_TIME_T, &a);
    curl_easy_getinfo(hc->easy, CURLINFO_STARTTRANSFER_TIME_T, &s);
    curl_easy_getinfo(hc->easy, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(hc->easy, CURLINFO_RESPONSE_CODE, &status);
    /* curl counts each phase from the start of the request; a phase that
     * was not reached reads 0. */
    t->dns_ms = q > 0 ? (double)q / 1e3 : c > 0 ? 0 : NAN;
    t->connect_ms = c > 0 ? (double)(c - q) / 1e3 : NAN;
    t->tls_ms = a > 0 ? (double)(a - c) / 1e3 : NAN;
    /* From the connection being ready (after TLS) to the first byte:
     * libcurl's pretransfer stamp can fall after the answer arrived when
     * the request goes out in the same call that finished the connect. */
    curl_off_t ready = a > 0 ? a : c;
    t->ttfb_ms = s > 0 && ready > 0 ? (double)(s - ready) / 1e3 : NAN;
    t->total_ms = (double)total / 1e3;
    t->status = status > 0 ? (double)status : NAN;
}

/* Why a transfer failed, for people: curl's own words, a timeout said
 * with the phase it was in. */
void http_failure(struct http_check *hc, CURLcode result, char *buf, size_t len)
{
    if (result == CURLE_OPERATION_TIMEDOUT) {
        struct http_timing t;
        http_timings(hc, &t);
        char *scheme = NULL;
        curl_easy_getinfo(hc->easy, CURLINFO_SCHEME, &scheme);
        int tls = scheme && strcasecmp(scheme, "https") == 0;
        const char *phase = isnan(t.dns_ms)          ? "resolving the name"
                            : isnan(t.connect_ms)    ? "connecting"
                            : tls && isnan(t.tls_ms) ? "in the TLS handshake"
                            : isnan(t.ttfb_ms)       ? "waiting for the answer"
                                                     : "reading the body";
        snprintf(buf, len, "no complete answer within %lld ms (%s)",
                 (long long)(pd_check_timeout(hc->check) / PD_MSEC), phase);
        return;
    }
    int n = snprintf(buf, len, "%s", hc->errbuf[0] ? hc->errbuf : curl_easy_strerror(result));
    /* libcurl says "Couldn't connect to server" for a refused, an
     * unreachable and a filtered port alike; the system's word tells. */
    long os_errno = 0;
    curl_easy_getinfo(hc->easy, CURLINFO_OS_ERRNO, &os_errno);
    if (result == CURLE_COULDNT_CONNECT && os_errno > 0 && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " (%s)", strerror((int)os_errno));
}

int http_utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return (int)n;
    /* Back off continuation bytes (10xxxxxx) to a character's start. */
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return (int)max;
}

/* Failures that are about this host, not the target. */
int http_local_error(CURLcode result)
{
    return result == CURLE_OUT_OF_MEMORY || result == CURLE_FAILED_INIT ||
           result == CURLE_SSL_CACERT_BADFILE || result == CURLE_SSL_CERTPROBLEM ||
           result == CURLE_URL_MALFORMAT || result == CURLE_SSL_ENGINE_INITFAILED;
}

void http_submit(struct http_check *hc, enum pd_verdict ok, const char *reason,
                 const struct pd_metric *metrics, size_t n)
{
    hc->running = 0;
    struct pd_result r = {.ok = ok, .reason = reason, .metrics = metrics, .n_metrics = n};
    pd_submit(hc->check, &r);
}

/* A body match: the text appears, or the expression matches (up to the
 * first NUL byte of the body). */
static int body_matches(struct http_check *hc, char *why, size_t len)
{
    const char *text = hc->body_buf ? hc->body_buf : "";
    if (hc->expect_body[0] &&
        !memmem(text, hc->body_len, hc->expect_body, strlen(hc->expect_body))) {
        snprintf(why, len, "the body (%zu bytes%s) does not contain '%.*s'", hc->body_len,
                 hc->cut ? ", cut at max_body" : "", http_utf8_cut(hc->expect_body, 60),
                 hc->expect_body);
        return 0;
    }
    if (hc->has_re && regexec(&hc->re, text, 0, NULL, 0) != 0) {
        snprintf(why, len, "the body (%zu bytes%s) does not match /%.*s/", hc->body_len,
                 hc->cut ? ", cut at max_body" : "", http_utf8_cut(hc->expect_body_regex, 60),
                 hc->expect_body_regex);
        return 0;
    }
    return 1;
}

static void http_done(struct http_check *hc, CURLcode result)
{
    struct http_timing t;
    char reason[512] = "", expected[128];
    enum pd_verdict ok = PD_OK;
    http_timings(hc, &t);
    if (result == CURLE_WRITE_ERROR && hc->cut)
        result = CURLE_OK; /* max_body reached: the rest is not wanted */
    if (result != CURLE_OK) {
        http_failure(hc, result, reason, sizeof(reason));
        ok = http_local_error(result) ? PD_NO_VERDICT : PD_BAD;
    } else if (!http_status_match(&hc->expect, (long)t.status)) {
        http_status_format(&hc->expect, expected, sizeof(expected));
        snprintf(reason, sizeof(reason), "HTTP status %.0f (expected %s)", t.status, expected);
        ok = PD_BAD;
    } else if (!body_matches(hc, reason, sizeof(reason))) {
        ok = PD_BAD;
    }
    struct pd_metric m[] = {
        {"dns_ms", t.dns_ms},         {"connect_ms", t.connect_ms},      {"tls_ms", t.tls_ms},
        {"ttfb_ms", t.ttfb_ms},       {"total_ms", t.total_ms},          {"status", t.status},
        {"bytes", (double)hc->bytes}, {"cert_days_left", hc->cert_days},
    };
    http_submit(hc, ok, ok == PD_OK ? NULL : reason, m, sizeof(m) / sizeof(m[0]));
}

static void on_done(CURL *easy, CURLcode result)
{
    struct http_check *hc = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&hc);
    if (!hc || !hc->running)
        return;
    if (hc->hls)
        http_hls_done(hc, result);
    else
        http_done(hc, result);
}

static void http_run(pd_check *check, void *params)
{
    struct http_check *hc = params;
    char err[512];
    hc->check = check;
    hc->running = 1; /* the core starts a round only after the last one ended */
    hc->cert_days = NAN;
    hc->deadline = pd_now(check) + pd_check_timeout(check);
    free(hc->url_now);
    if (!(hc->url_now = expand(hc->url, pd_check_address(check)))) {
        http_submit(hc, PD_NO_VERDICT, "out of memory", NULL, 0);
        return;
    }
    if (hc->hls) {
        http_hls_run(hc);
        return;
    }
    /* A body is only kept when it is to be searched. */
    int keep = hc->expect_body[0] || hc->has_re;
    if (strcmp(hc->method, "HEAD") == 0) {
        curl_easy_setopt(hc->easy, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(hc->easy, CURLOPT_NOBODY, 0L);
        curl_easy_setopt(hc->easy, CURLOPT_CUSTOMREQUEST,
                         strcmp(hc->method, "GET") == 0 ? NULL : hc->method);
        if (hc->body[0]) {
            curl_easy_setopt(hc->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(hc->body));
            curl_easy_setopt(hc->easy, CURLOPT_POSTFIELDS, hc->body);
        }
    }
    if (http_fetch(hc, hc->url_now, keep, (size_t)hc->max_body, err, sizeof(err)) < 0)
        http_submit(hc, PD_NO_VERDICT, err, NULL, 0);
}

static int http_init(pd_plugin_ctx *ctx, char *err, size_t errlen)
{
    if (http_tls_init() < 0)
        pd_ctx_log(ctx, PD_LOG_WARNING,
                   "libcurl does not use OpenSSL here: cert_days_left will stay unknown");
    return http_multi_init(ctx, on_done, err, errlen);
}

static void http_shutdown(pd_plugin_ctx *ctx)
{
    (void)ctx;
    http_multi_shutdown();
}

__attribute__((visibility("default"))) const struct pd_plugin pd_plugin_entry = {
    .abi = PD_PLUGIN_ABI,
    .name = "http",
    .description = "HTTP(S) request or HLS live stream: timings, status, body, certificate",
    .options = http_options,
    .n_options = sizeof(http_options) / sizeof(http_options[0]),
    .params_size = sizeof(struct http_check),
    .init = http_init,
    .shutdown = http_shutdown,
    .validate = http_validate,
    .start = http_start,
    .run = http_run,
    .stop = http_stop,
    .rebind = http_rebind,
};
