/*
 * The http plugin's per-check state, shared by its request code (http.c)
 * and its live-stream rounds (http_hls.c). Plugin-private.
 */
#ifndef PROBED_HTTP_H
#define PROBED_HTTP_H

#include <curl/curl.h>
#include <regex.h>
#include <stddef.h>

#include "http_expect.h"
#include "plugin.h"

struct http_hls;

struct http_check {
    /* options (the core's) */
    char *url, *mode, *method, **headers, *body;
    char **expect_status, *expect_body, *expect_body_regex;
    long max_body;
    int follow_redirects;
    long max_redirects;
    int tls_verify;
    char *ca_file, *client_cert, *client_key, *resolve, *ip;
    pd_ns stall_after;
    long min_height;
    int segment_check;

    /* from the options, at start */
    struct http_status_set expect;
    regex_t re;
    int has_re, hls;

    /* the running check */
    pd_check *check; /* kept current by rebind */
    CURL *easy;      /* one per check, reused round after round */
    struct curl_slist *header_list, *connect_to;
    char errbuf[CURL_ERROR_SIZE];
    int running;
    pd_ns deadline; /* the round's end, monotonic */
    char *url_now;  /* the URL with {address} filled in */
    double cert_days;

    /* the transfer in progress */
    char *body_buf; /* kept bodies, NUL-terminated; grow-only */
    size_t body_len, body_cap;
    size_t bytes, fetch_cap;
    int keep_body, cut;

    struct http_hls *hls_state; /* mode hls */
};

struct http_timing {
    double dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, status;
};

/* curl's write callback (CURLOPT_WRITEFUNCTION). */
size_t http_on_body(char *data, size_t size, size_t n, void *arg);
/* Start fetching url on the check's handle within the round's deadline,
 * keeping the body (keep_body) and reading at most cap bytes of it. 0, or
 * -errno with err filled (nothing started). */
int http_fetch(struct http_check *hc, const char *url, int keep_body, size_t cap, char *err,
               size_t errlen);
/* The finished transfer's phases in ms, NAN for those not reached. */
void http_timings(struct http_check *hc, struct http_timing *t);
void http_failure(struct http_check *hc, CURLcode result, char *buf, size_t len);
int http_local_error(CURLcode result);
/* How many bytes of s to print to show at most max of them without
 * cutting a UTF-8 character: for "%.*s". */
int http_utf8_cut(const char *s, size_t max);
/* End the round. */
void http_submit(struct http_check *hc, enum pd_verdict ok, const char *reason,
                 const struct pd_metric *metrics, size_t n);

#endif
