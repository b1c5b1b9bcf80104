/*
 * What an alert says and how it leaves: the message (one or more items,
 * grouped), its payload per channel type (made once when the alert is
 * queued and stored, so every retry sends the same bytes), and one
 * delivery attempt over libcurl. docs/alerts.md.
 *
 * The engine (alert_engine.c) decides what to say; the alert thread
 * (alerts.c) stores and delivers; this header is the part both share
 * with probectl (`probectl alerts test`).
 */
#ifndef PROBED_ALERT_H
#define PROBED_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "plugin.h"

enum pd_alert_kind {
    PD_ALERT_PROBLEM,  /* went DOWN (UNKNOWN alone says nothing: docs/alerts.md) */
    PD_ALERT_RECOVERY, /* back UP: carries the outage's duration */
    PD_ALERT_REMINDER, /* still DOWN after remind_every, and every remind_every after */
    PD_ALERT_FLAPPING, /* changing state too often: quiet until it settles */
    PD_ALERT_TEST      /* probectl alerts test */
};

enum pd_alert_subject {
    PD_SUBJECT_TARGET, /* a device's own state */
    PD_SUBJECT_SYSTEM, /* a system's state from its members' */
    PD_SUBJECT_MEDIA   /* a media-quality (rtp) check of a device */
};

/* One device, system or media check in a message. Strings borrowed,
 * never NULL ("" when there is none). */
struct pd_alert_item {
    enum pd_alert_kind kind;
    enum pd_alert_subject subject;
    const char *id;   /* target or system id */
    const char *name; /* display name (any UTF-8: Chinese) */
    const char *site; /* site path; "" for a system */
    const char *type; /* device type; "" for a system */
    const char *severity;
    const char *check;     /* the failing (media: the media) check's id, or "" */
    const char *reason;    /* why, for people */
    const char *from, *to; /* states: "UP", "DOWN", "UNKNOWN" */
    pd_ns since;           /* the outage's (or state's) start: the first bad round */
    pd_ns at;              /* this change's time (a recovery: the outage's end) */
    pd_ns duration;        /* recovery: the outage's length; reminder: so far; else 0 */
};

struct pd_alert_msg {
    int64_t id;        /* the alert's row in the event store: receivers' idempotency key */
    const char *route; /* route id ("test" for probectl alerts test) */
    const char *host;  /* the probing host's name */
    pd_ns created;
    const struct pd_alert_item *items;
    size_t n_items; /* >= 1 */
};

/* kind and subject as words: "problem", "recovery", ...; "target", ... */
const char *pd_alert_kind_name(enum pd_alert_kind k);
const char *pd_alert_subject_name(enum pd_alert_subject s);

/* What a channel sends for m: subject (one line, UTF-8) and body (the
 * JSON to POST, or the whole mail: RFC 5322 headers with the subject
 * RFC 2047-encoded, CRLF lines, UTF-8 text in base64). Times in the
 * configured zone (TZ). Lists longer than the channel allows (WeCom:
 * 4,096 bytes of markdown) end with "... and N more". 0 or -ENOMEM. */
struct pd_alert_payload {
    char *subject;
    char *body;
    size_t len;
};
int pd_alert_render(const struct pd_alert_msg *m, const struct pd_channel_conf *ch,
                    struct pd_alert_payload *out);
void pd_alert_payload_free(struct pd_alert_payload *p); /* NULL ok */

/* One delivery attempt of body (borrowed until pd_alert_send_free) to ch
 * (borrowed likewise), as a libcurl easy handle: the alert thread adds it
 * to its multi handle, probectl runs it alone. now: wall time, for
 * DingTalk's signature. 0, or -errno with err. */
struct pd_alert_send;
int pd_alert_send_new(const struct pd_channel_conf *ch, const char *body, size_t len, pd_ns now,
                      struct pd_alert_send **out, char *err, size_t errlen);
void *pd_alert_send_handle(struct pd_alert_send *s); /* the CURL *, owned by s */
/* After the transfer ended with curl_result (a CURLcode): 0 delivered, or
 * -EAGAIN with why in err (the transfer's error, an HTTP status outside
 * 2xx, a robot's errcode other than 0, an SMTP refusal). */
int pd_alert_send_outcome(struct pd_alert_send *s, int curl_result, char *err, size_t errlen);
void pd_alert_send_free(struct pd_alert_send *s); /* NULL ok */
/* DingTalk's signature of a robot request at wall time now: the
 * timestamp (ms) into ts and the URL-encoded sign into sign, which the
 * URL gets as "&timestamp=<ts>&sign=<sign>" (docs/alerts.md). secret
 * borrowed. 0, or -ENOSPC / -EIO. Used by pd_alert_send_new; exported for
 * the tests. */
int pd_alert_dingtalk_sign(const char *secret, pd_ns now, char *ts, size_t tslen, char *sign,
                           size_t signlen);
/* One attempt now, blocking (probectl): 0 or -errno with err. */
int pd_alert_send_now(const struct pd_channel_conf *ch, const char *body, size_t len, char *err,
                      size_t errlen);

#endif
