/*
 * Certificate expiry of what a server presents: the earliest notAfter of
 * the chain it sent, read in OpenSSL's verification callback, so it is
 * known for a certificate that fails verification (expired) too.
 */
#ifndef PROBED_HTTP_TLS_H
#define PROBED_HTTP_TLS_H

#include <curl/curl.h>

/* Once, before any transfer: 0 or -ENOTSUP when libcurl does not use
 * OpenSSL (then certificate expiry is not measured). */
int http_tls_init(void);
/* Make easy's TLS connections lower *days_left (borrowed; kept until the
 * transfer ends) to the days until the presented chain's earliest
 * expiry, negative when past. */
void http_tls_watch(CURL *easy, double *days_left);

#endif
