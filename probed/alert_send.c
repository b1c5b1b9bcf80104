/*
 * One delivery attempt of a rendered alert (alert_format.c) as a libcurl
 * easy handle: an HTTP POST of JSON to a webhook or a robot, or an SMTP
 * transaction that uploads the stored mail. The caller runs the handle
 * (the alert thread in its multi handle, probectl with curl_easy_perform)
 * and then asks pd_alert_send_outcome() what came of it.
 *
 * Messages name the server by its host only: a robot's URL carries its
 * access token, a signed DingTalk URL the signature, and neither belongs
 * in a log or on a terminal. Passwords and secrets are never repeated.
 */
#include "alert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alert_reply.h"
#include "clock.h"

/* What is kept of a reply: a robot's JSON is a few dozen bytes; anything
 * past this is read and dropped, so a misbehaving server cannot make us
 * hold more. */
#define REPLY_MAX 8192

struct pd_alert_send {
    CURL *curl;
    const struct pd_channel_conf *ch; /* borrowed */
    struct curl_slist *headers;
    struct curl_slist *rcpt;
    char *url;        /* DingTalk's signed URL; else NULL (ch->url used) */
    const char *body; /* borrowed */
    size_t len, sent;
    char reply[REPLY_MAX]; /* not NUL-terminated */
    size_t reply_len;
    char curl_err[CURL_ERROR_SIZE];
    char host[256]; /* host[:port] of the URL, for messages */
};

static size_t on_reply(char *data, size_t size, size_t n, void *arg)
{
    struct pd_alert_send *s = arg;
    size_t len = size * n, room = REPLY_MAX - s->reply_len;
    size_t k = len < room ? len : room;
    memcpy(s->reply + s->reply_len, data, k);
    s->reply_len += k;
    return len;
}

/* The mail, uploaded as SMTP's DATA (libcurl dot-stuffs it). */
static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
    struct pd_alert_send *s = arg;
    size_t room = size * n, left = s->len - s->sent;
    size_t k = left < room ? left : room;
    memcpy(buf, s->body + s->sent, k);
    s->sent += k;
    return k;
}

/* "host[:port]" of url, without scheme, user, path or query. */
static void url_host(const char *url, char *buf, size_t len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

/* DingTalk's custom robots with the "加签" security setting: sign is
 * base64(HMAC-SHA256(key = secret, text = "<ms>\n<secret>")), URL-encoded,
 * where ms is the wall time in milliseconds; the robot refuses a
 * timestamp more than an hour off. */
int pd_alert_dingtalk_sign(const char *secret, pd_ns now, char *ts, size_t tslen, char *sign,
                           size_t signlen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int n = snprintf(ts, tslen, "%" PRId64, now / PD_MSEC);
    if (n < 0 || (size_t)n >= tslen)
        return -ENOSPC;
    size_t len = (size_t)n + 1 + strlen(secret);
    char *text = malloc(len + 1);
    if (!text)
        return -ENOMEM;
    snprintf(text, len + 1, "%s\n%s", ts, secret);
    const unsigned char *ok = HMAC(EVP_sha256(), secret, (int)strlen(secret),
                                   (const unsigned char *)text, len, mac, &maclen);
    explicit_bzero(text, len);
    free(text);
    if (!ok)
        return -EIO;
    EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
    size_t used = 0;
    for (const char *p = b64; *p; p++) {
        int plain =
            (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
        if (used + (plain ? 1 : 3) >= signlen)
            return -ENOSPC;
        if (plain)
            sign[used++] = *p;
        else
            used += (size_t)snprintf(sign + used, signlen - used, "%%%02X", (unsigned char)*p);
    }
    sign[used] = '\0';
    return 0;
}

static int dingtalk_url(struct pd_alert_send *s, pd_ns now)
{
    const char *url = s->ch->url;
    char ts[32], sign[128];
    int rc = pd_alert_dingtalk_sign(s->ch->secret, now, ts, sizeof(ts), sign, sizeof(sign));
    if (rc < 0)
        return rc;
    size_t n = strlen(url) + strlen(ts) + strlen(sign) + 32;
    if (!(s->url = malloc(n)))
        return -ENOMEM;
    snprintf(s->url, n, "%s%ctimestamp=%s&sign=%s", url, strchr(url, '?') ? '&' : '?', ts, sign);
    return 0;
}

static int setup_http(struct pd_alert_send *s, pd_ns now)
{
    CURL *c = s->curl;
    int rc;
    if (s->ch->type == PD_CHANNEL_DINGTALK && s->ch->secret && (rc = dingtalk_url(s, now)) < 0)
        return rc;
    /* "Expect:" off: no wait for a 100 Continue that small servers never
     * send. */
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    if (h)
        s->headers = h;
    if (!h || !(h = curl_slist_append(s->headers, "Expect:")))
        return -ENOMEM;
    s->headers = h;
    if (curl_easy_setopt(c, CURLOPT_URL, s->url ? s->url : s->ch->url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
        return -EINVAL;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->len);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "probed/" PROBED_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    return 0;
}

static int setup_smtp(struct pd_alert_send *s)
{
    const struct pd_channel_conf *ch = s->ch;
    CURL *c = s->curl;
    char addr[300];
    for (size_t i = 0; i < ch->n_to; i++) {
        snprintf(addr, sizeof(addr), "<%s>", ch->to[i]);
        struct curl_slist *l = curl_slist_append(s->rcpt, addr);
        if (!l)
            return -ENOMEM;
        s->rcpt = l;
    }
    snprintf(addr, sizeof(addr), "<%s>", ch->from ? ch->from : "");
    if (curl_easy_setopt(c, CURLOPT_URL, ch->url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr) != CURLE_OK)
        return -EINVAL;
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, s->rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, s);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    /* smtps:// is TLS from the start; smtp:// with starttls must upgrade
     * or fail, never fall back to sending the password in the clear. */
    int tls = ch->starttls || strncasecmp(ch->url, "smtps://", 8) == 0;
    curl_easy_setopt(c, CURLOPT_USE_SSL, tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (ch->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, ch->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, ch->password ? ch->password : "");
    }
    return 0;
}

int pd_alert_send_new(const struct pd_channel_conf *ch, const char *body, size_t len, pd_ns now,
                      struct pd_alert_send **out, char *err, size_t errlen)
{
    struct pd_alert_send *s = calloc(1, sizeof(*s));
    int rc = -ENOMEM;

    *out = NULL;
    if (!s || !(s->curl = curl_easy_init()))
        goto fail;
    s->ch = ch;
    s->body = body;
    s->len = len;
    url_host(ch->url ? ch->url : "", s->host, sizeof(s->host));
    CURL *c = s->curl;
    long ms = (long)(ch->timeout / PD_MSEC);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 10000L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
    if (ch->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, ch->ca_file);
    if (ch->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(c, CURLOPT_PRIVATE, s);
    rc = ch->type == PD_CHANNEL_EMAIL ? setup_smtp(s) : setup_http(s, now);
    if (rc < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot prepare the request: %s", s ? s->host : "?",
             rc == -ENOMEM ? "out of memory" : "libcurl refused an option");
    pd_alert_send_free(s);
    return rc;
}

void *pd_alert_send_handle(struct pd_alert_send *s)
{
    return s->curl;
}

/* A robot's reply: {"errcode":0,"errmsg":"ok"}. 0 when errcode is 0. */
static int robot_reply(struct pd_alert_send *s, char *err, size_t errlen)
{
    char snippet[200], msg[200];
    long code;
    int rc = pd_alert_robot_reply(s->reply, s->reply_len, &code, msg, sizeof(msg));
    if (rc == -EBADMSG || rc == -ENOENT) {
        pd_alert_reply_snippet(s->reply, s->reply_len, snippet, sizeof(snippet));
        snprintf(err, errlen, "%s: %s (reply: '%s')", s->host,
                 rc == -EBADMSG ? "the reply is not the robot's JSON" : "the reply has no errcode",
                 snippet);
        return -EAGAIN;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: the reply's errcode is not a number", s->host);
        return -EAGAIN;
    }
    if (code == 0)
        return 0;
    snprintf(err, errlen, "%s: the robot answered errcode %ld%s%s", s->host, code,
             msg[0] ? ": " : "", msg);
    return -EAGAIN;
}

int pd_alert_send_outcome(struct pd_alert_send *s, int curl_result, char *err, size_t errlen)
{
    long code = 0;
    char snippet[200];
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (curl_result != CURLE_OK) {
        const char *why = s->curl_err[0] ? s->curl_err : curl_easy_strerror(curl_result);
        /* libcurl's own words name the host and port, not the URL; the
         * URL's query (a token) is cut all the same if it shows up. */
        const char *q = strchr(s->url ? s->url : s->ch->url ? s->ch->url : "", '?');
        char clean[CURL_ERROR_SIZE + 64];
        snprintf(clean, sizeof(clean), "%s", why);
        char *hit = q && q[1] ? strstr(clean, q) : NULL;
        if (hit)
            strcpy(hit, "?...");
        if (s->ch->type == PD_CHANNEL_EMAIL && code > 0)
            snprintf(err, errlen, "%s: %s (SMTP %ld)", s->host, clean, code);
        else
            snprintf(err, errlen, "%s: %s", s->host, clean);
        return -EAGAIN;
    }
    if (s->ch->type == PD_CHANNEL_EMAIL)
        return 0;
    if (code < 200 || code > 299) {
        pd_alert_reply_snippet(s->reply, s->reply_len, snippet, sizeof(snippet));
        snprintf(err, errlen, "%s: HTTP status %ld%s%s", s->host, code, snippet[0] ? ": " : "",
                 snippet);
        return -EAGAIN;
    }
    if (s->ch->type == PD_CHANNEL_WECOM || s->ch->type == PD_CHANNEL_DINGTALK)
        return robot_reply(s, err, errlen);
    return 0;
}

void pd_alert_send_free(struct pd_alert_send *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->headers);
    curl_slist_free_all(s->rcpt);
    free(s->url);
    free(s);
}

int pd_alert_send_now(const struct pd_channel_conf *ch, const char *body, size_t len, char *err,
                      size_t errlen)
{
    struct pd_alert_send *s;
    int rc = pd_alert_send_new(ch, body, len, pd_clock_wall(), &s, err, errlen);
    if (rc < 0)
        return rc;
    CURLcode res = curl_easy_perform(s->curl);
    rc = pd_alert_send_outcome(s, (int)res, err, errlen);
    pd_alert_send_free(s);
    return rc;
}
