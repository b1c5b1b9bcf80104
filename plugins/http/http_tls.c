#include "http_tls.h"

#include <errno.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

static int ctx_index = -1; /* our slot in SSL_CTX ex_data: the days_left */

static void lower_to(double *days_left, const X509 *cert)
{
    int days, secs;
    if (!cert || !ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
        return;
    double left = days + secs / 86400.0;
    if (!(*days_left <= left)) /* also when *days_left is NAN */
        *days_left = left;
}

/* OpenSSL calls this for each certificate it verifies, with or without
 * SSL_VERIFY_PEER; it returns OpenSSL's own verdict unchanged. */
static int on_verify(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    double *days_left = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index) : NULL;
    if (!days_left)
        return preverify_ok;
    /* The chain as the server sent it; the leaf is the certificate being
     * verified when it sent no other. */
    STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(store);
    for (int i = 0; sent && i < sk_X509_num(sent); i++)
        lower_to(days_left, sk_X509_value(sent, i));
    lower_to(days_left, X509_STORE_CTX_get0_cert(store));
    return preverify_ok;
}

/* curl's CURLOPT_SSL_CTX_FUNCTION: curl has set the verify mode; keep it
 * and add our callback. */
static CURLcode on_ssl_ctx(CURL *easy, void *ssl_ctx, void *arg)
{
    (void)easy;
    SSL_CTX *ctx = ssl_ctx;
    SSL_CTX_set_ex_data(ctx, ctx_index, arg);
    SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
    return CURLE_OK;
}

int http_tls_init(void)
{
    /* The SSL_CTX curl hands over is OpenSSL's only when it is built so
     * (Debian's libcurl4 is). */
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (!v->ssl_version || strncmp(v->ssl_version, "OpenSSL", 7) != 0)
        return -ENOTSUP;
    if (ctx_index < 0)
        ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    return ctx_index < 0 ? -ENOTSUP : 0;
}

void http_tls_watch(CURL *easy, double *days_left)
{
    if (ctx_index < 0)
        return;
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, days_left);
}
