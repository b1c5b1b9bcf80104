/*
 * What an alert says, per channel type (docs/alerts.md): the webhook's
 * JSON (schema 1), the robots' markdown inside their JSON envelope, and a
 * whole e-mail (RFC 5322 headers, RFC 2047 subject, base64 UTF-8 text).
 *
 * Text from outside (names, reasons) is cleaned on the way in: control
 * characters become spaces, so that a name cannot start a new line or a
 * header, and invalid UTF-8 becomes U+FFFD, so that every payload is valid
 * UTF-8 and a receiver never rejects it for one bad byte.
 */
#include "alert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "timefmt.h"
#include "utf8.h"

/* The robots' limits on their markdown (bytes of UTF-8): WeCom refuses
 * more than 4,096; DingTalk documents none firmly, 20,000 is well inside
 * what it takes. */
#define WECOM_MAX    4096
#define DINGTALK_MAX 20000
/* A name or a reason longer than this is cut (UTF-8-safe, with "…") in
 * the robots' messages and the subject: one device must not fill the
 * message. */
#define FIELD_MAX 240
/* The subject of a message with many items names at most this much. */
#define SUBJECT_MAX 200

const char *pd_alert_kind_name(enum pd_alert_kind k)
{
    static const char *const names[] = {"problem", "recovery", "reminder", "flapping", "test"};
    return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *pd_alert_subject_name(enum pd_alert_subject s)
{
    static const char *const names[] = {"target", "system", "media"};
    return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* A growing string; after a failed allocation every append is a no-op
 * and oom stays set, so callers check once at the end. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* Only our own short texts go through here; longer ones are cut. */
    sb_add(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* The decoder's U+FFFD for bytes that were not UTF-8, rather than a
 * U+FFFD written as such. */
static int invalid_at(const char *s, size_t k, uint32_t cp)
{
    return cp == PD_UTF8_REPLACEMENT && !(k == 3 && memcmp(s, "\xef\xbf\xbd", 3) == 0);
}

enum clean_mode {
    CLEAN_TEXT,    /* plain text: controls to spaces */
    CLEAN_MARKDOWN /* also the markdown that would change the layout */
};

/* s cleaned (see the top of the file) into b, at most max bytes of it
 * (0: no limit), cut at a character boundary with "…". */
static void sb_clean(struct sbuf *b, const char *s, size_t max, enum clean_mode mode)
{
    size_t n = strlen(s), used = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = pd_utf8_decode(s + i, n - i, &cp);
        const char *out = s + i;
        size_t outlen = k;
        if (cp < 0x20 || cp == 0x7f) {
            out = " ", outlen = 1;
        } else if (invalid_at(s + i, k, cp)) {
            out = "\xef\xbf\xbd", outlen = 3;
        } else if (mode == CLEAN_MARKDOWN && (cp == '*' || cp == '`' || cp == '<')) {
            /* Their full-width forms: a name cannot open bold, code or a
             * <font> tag that eats the rest of the message. */
            out = cp == '*' ? "\xef\xbc\x8a" : cp == '`' ? "\xef\xbd\x80" : "\xef\xbc\x9c";
            outlen = 3;
        }
        if (max && used + outlen > max - 3) {
            sb_str(b, "\xe2\x80\xa6"); /* … */
            return;
        }
        sb_add(b, out, outlen);
        used += outlen;
        i += k;
    }
}

/* A JSON string of s: quotes, backslashes and control characters
 * escaped, invalid UTF-8 as U+FFFD. */
static void sb_json(struct sbuf *b, const char *s)
{
    size_t n = strlen(s), run = 0;
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = pd_utf8_decode(s + i, n - i, &cp);
        if (cp >= 0x80 && !invalid_at(s + i, k, cp)) {
            i += k;
            continue;
        }
        sb_add(b, s + run, i - run);
        if (cp == '"')
            sb_str(b, "\\\"");
        else if (cp == '\\')
            sb_str(b, "\\\\");
        else if (cp == '\n')
            sb_str(b, "\\n");
        else if (cp == '\r')
            sb_str(b, "\\r");
        else if (cp == '\t')
            sb_str(b, "\\t");
        else if (cp < 0x20)
            sb_printf(b, "\\u%04x", (unsigned)cp);
        else
            sb_str(b, "\xef\xbf\xbd");
        i += k;
        run = i;
    }
    sb_add(b, s + run, n - run);
    sb_add(b, "\"", 1);
}

/* The state an item reports, in capitals: what its first word says. */
static const char *state_word(const struct pd_alert_item *it)
{
    switch (it->kind) {
    case PD_ALERT_PROBLEM:
        return it->to[0] ? it->to : "DOWN";
    case PD_ALERT_RECOVERY:
        return "RECOVERED";
    case PD_ALERT_REMINDER:
        return "STILL DOWN";
    case PD_ALERT_FLAPPING:
        return "FLAPPING";
    case PD_ALERT_TEST:
        return "TEST";
    }
    return "?";
}

/* "[DOWN] name site · check: reason", one item's subject. */
static void item_subject(struct sbuf *b, const struct pd_alert_item *it)
{
    char d[32];
    sb_str(b, "[");
    sb_str(b, state_word(it));
    if (it->kind == PD_ALERT_REMINDER)
        sb_printf(b, " %s", pd_duration_short(it->duration, d, sizeof(d)));
    sb_str(b, "] ");
    sb_clean(b, it->name[0] ? it->name : it->id, FIELD_MAX, CLEAN_TEXT);
    if (it->subject == PD_SUBJECT_SYSTEM)
        sb_str(b, " (system)");
    else if (it->site[0])
        sb_printf(b, " %s", it->site);
    if (it->kind == PD_ALERT_RECOVERY) {
        sb_printf(b, " after %s", pd_duration_short(it->duration, d, sizeof(d)));
        return;
    }
    if (!it->check[0] && !it->reason[0])
        return;
    sb_str(b, " \xc2\xb7 "); /* · */
    if (it->check[0]) {
        sb_clean(b, it->check, FIELD_MAX, CLEAN_TEXT);
        sb_str(b, it->reason[0] ? ": " : "");
    }
    sb_clean(b, it->reason, FIELD_MAX, CLEAN_TEXT);
}

/* The longest site path prefix (whole segments) of every item that has a
 * site; "" when they share none. */
static void common_site(const struct pd_alert_msg *m, char *buf, size_t len)
{
    size_t n = 0;
    int first = 1;
    buf[0] = '\0';
    for (size_t i = 0; i < m->n_items; i++) {
        const char *s = m->items[i].site;
        if (!s[0])
            continue;
        if (first) {
            snprintf(buf, len, "%s", s);
            n = strlen(buf);
            first = 0;
            continue;
        }
        size_t k = 0;
        while (k < n && s[k] && s[k] == buf[k])
            k++;
        /* Back to a segment's end: "guizhou/gui" of guiyang and guian is
         * no site. */
        if (!(k == n && (s[k] == '/' || s[k] == '\0')))
            while (k > 0 && !(buf[k] == '/' && (s[k] == '/' || s[k] == '\0')))
                k--;
        n = k;
        buf[n] = '\0';
    }
}

/* "[probed] 80 down, 2 recovered: guizhou/guiyang · name, name, …" */
static void many_subject(struct sbuf *b, const struct pd_alert_msg *m)
{
    static const char *const words[] = {"down", "recovered", "still down", "flapping", "test"};
    size_t count[5] = {0};
    char site[256];
    int any = 0;
    for (size_t i = 0; i < m->n_items; i++)
        if ((size_t)m->items[i].kind < 5)
            count[m->items[i].kind]++;
    sb_str(b, "[probed] ");
    for (size_t k = 0; k < 5; k++)
        if (count[k]) {
            sb_printf(b, "%s%zu %s", any ? ", " : "", count[k], words[k]);
            any = 1;
        }
    common_site(m, site, sizeof(site));
    sb_str(b, ":");
    if (site[0])
        sb_printf(b, " %s \xc2\xb7", site);
    size_t start = b->len, shown = 0;
    for (size_t i = 0; i < m->n_items && b->len - start < SUBJECT_MAX; i++, shown++) {
        sb_str(b, i ? ", " : " ");
        sb_clean(b, m->items[i].name[0] ? m->items[i].name : m->items[i].id, 60, CLEAN_TEXT);
    }
    if (shown < m->n_items)
        sb_printf(b, " and %zu more", m->n_items - shown);
}

static void make_subject(struct sbuf *b, const struct pd_alert_msg *m)
{
    if (m->n_items == 1)
        item_subject(b, &m->items[0]);
    else
        many_subject(b, m);
}

/* The lines of one item, each starting with first and ending with eol;
 * bold: the markdown's emphasis around the state and the name. */
struct layout {
    const char *eol;    /* "\n", or markdown's hard break "  \n" */
    const char *indent; /* before the detail lines: "  " or "> " */
    const char *bold;   /* "" or "**" */
    enum clean_mode mode;
    size_t field_max; /* 0: names and reasons whole */
};

static void item_lines(struct sbuf *b, const struct pd_alert_msg *m, const struct pd_alert_item *it,
                       const struct layout *l)
{
    char t1[PD_TIME_BUFLEN], t2[PD_TIME_BUFLEN], d[32];

    sb_printf(b, "%s%s%s ", l->bold, state_word(it), l->bold);
    sb_str(b, l->bold);
    sb_clean(b, it->name[0] ? it->name : it->id, l->field_max, l->mode);
    sb_str(b, l->bold);
    sb_printf(b, " (%s%s)%s", it->subject == PD_SUBJECT_SYSTEM ? "system " : "", it->id, l->eol);
    if (it->site[0] || it->type[0] || it->severity[0]) {
        sb_str(b, l->indent);
        int sep = 0;
        if (it->site[0])
            sb_printf(b, "site %s", it->site), sep = 1;
        if (it->type[0])
            sb_printf(b, "%stype %s", sep ? " \xc2\xb7 " : "", it->type), sep = 1;
        if (it->severity[0])
            sb_printf(b, "%sseverity %s", sep ? " \xc2\xb7 " : "", it->severity);
        sb_str(b, l->eol);
    }
    if (it->check[0] || it->reason[0]) {
        sb_str(b, l->indent);
        if (it->check[0]) {
            sb_str(b, it->subject == PD_SUBJECT_MEDIA ? "media " : "check ");
            sb_clean(b, it->check, l->field_max, l->mode);
            sb_str(b, it->reason[0] ? ": " : "");
        }
        sb_clean(b, it->reason, l->field_max, l->mode);
        sb_str(b, l->eol);
    }
    sb_str(b, l->indent);
    pd_time_format_local(it->since ? it->since : it->at, t1, sizeof(t1));
    switch (it->kind) {
    case PD_ALERT_RECOVERY:
        sb_printf(b, "down from %s to %s, %s", t1, pd_time_format_local(it->at, t2, sizeof(t2)),
                  pd_duration_short(it->duration, d, sizeof(d)));
        break;
    case PD_ALERT_REMINDER:
        sb_printf(b, "down since %s, %s so far", t1, pd_duration_short(it->duration, d, sizeof(d)));
        break;
    case PD_ALERT_PROBLEM:
    case PD_ALERT_FLAPPING:
    case PD_ALERT_TEST:
        sb_printf(b, "since %s", t1);
        if (m->created > it->since && it->since)
            sb_printf(b, " (%s ago)", pd_duration_short(m->created - it->since, d, sizeof(d)));
        break;
    }
    sb_str(b, l->eol);
}

/* "probed on HOST · alert 42 · route R · times in Asia/Shanghai
 * (UTC+08:00)": where it comes from, and the zone of every time above. */
static void footer(struct sbuf *b, const struct pd_alert_msg *m, enum clean_mode mode)
{
    char iso[PD_TIME_BUFLEN];
    pd_time_format_iso(m->created, iso, sizeof(iso));
    size_t n = strlen(iso);
    const char *off = n >= 6 ? iso + n - 6 : "";
    if (n && iso[n - 1] == 'Z')
        off = "+00:00";
    sb_str(b, "probed on ");
    sb_clean(b, m->host[0] ? m->host : "?", 100, mode);
    sb_printf(b, " \xc2\xb7 alert %" PRId64 " \xc2\xb7 route ", m->id);
    sb_clean(b, m->route, 100, mode);
    sb_printf(b, " \xc2\xb7 times in %s (UTC%s)", pd_time_zone(), off);
}

/* The robots' markdown: the subject in bold, one block per item, as many
 * items as fit in max bytes with the footer, then "... and N more". */
static void markdown(struct sbuf *out, const struct pd_alert_msg *m, const char *subject,
                     const char *eol, size_t max)
{
    const struct layout l = {eol, "> ", "**", CLEAN_MARKDOWN, FIELD_MAX};
    struct sbuf foot = {0}, item = {0};
    char more[64];

    footer(&foot, m, CLEAN_MARKDOWN);
    sb_str(out, "**");
    sb_clean(out, subject, 0, CLEAN_MARKDOWN);
    sb_str(out, "**");
    sb_str(out, eol);
    sb_str(out, "\n");
    for (size_t i = 0; i < m->n_items; i++) {
        item.len = 0;
        item_lines(&item, m, &m->items[i], &l);
        sb_str(&item, "\n");
        if (item.oom) {
            out->oom = 1;
            break;
        }
        /* Room for the footer, and for the "more" line unless this is
         * the last item. */
        int n = snprintf(more, sizeof(more), "... and %zu more%s\n", m->n_items - i, eol);
        size_t need = out->len + item.len + foot.len + (i + 1 < m->n_items ? (size_t)n : 0);
        if (need > max) {
            sb_str(out, more);
            break;
        }
        sb_add(out, item.p, item.len);
    }
    sb_add(out, foot.p ? foot.p : "", foot.len);
    out->oom |= foot.oom;
    free(foot.p);
    free(item.p);
}

static void webhook_json(struct sbuf *b, const struct pd_alert_msg *m, const char *subject)
{
    char t[PD_TIME_BUFLEN];
    sb_printf(b, "{\"schema\":1,\"id\":%" PRId64 ",\"route\":", m->id);
    sb_json(b, m->route);
    sb_str(b, ",\"host\":");
    sb_json(b, m->host);
    sb_str(b, ",\"created\":");
    sb_json(b, pd_time_format_iso(m->created, t, sizeof(t)));
    sb_str(b, ",\"summary\":");
    sb_json(b, subject);
    sb_str(b, ",\"alerts\":[");
    for (size_t i = 0; i < m->n_items; i++) {
        const struct pd_alert_item *it = &m->items[i];
        const char *const fields[][2] = {
            {"kind", pd_alert_kind_name(it->kind)},
            {"subject", pd_alert_subject_name(it->subject)},
            {"id", it->id},
            {"name", it->name},
            {"site", it->site},
            {"type", it->type},
            {"severity", it->severity},
            {"check", it->check},
            {"reason", it->reason},
            {"from", it->from},
            {"to", it->to},
        };
        sb_str(b, i ? ",{" : "{");
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            sb_printf(b, "%s\"%s\":", f ? "," : "", fields[f][0]);
            sb_json(b, fields[f][1]);
        }
        sb_str(b, ",\"since\":");
        if (it->since)
            sb_json(b, pd_time_format_iso(it->since, t, sizeof(t)));
        else
            sb_str(b, "null");
        sb_str(b, ",\"at\":");
        if (it->at)
            sb_json(b, pd_time_format_iso(it->at, t, sizeof(t)));
        else
            sb_str(b, "null");
        sb_printf(b, ",\"duration_s\":%" PRId64 "}", it->duration > 0 ? it->duration / PD_SEC : 0);
    }
    sb_str(b, "]}");
}

/* base64 of n bytes (EVP_EncodeBlock: no line breaks, NUL-terminated). */
static void sb_base64(struct sbuf *b, const unsigned char *s, size_t n)
{
    char buf[4 * 48 / 3 + 1];
    while (n > 0) {
        size_t k = n < 48 ? n : 48;
        int len = EVP_EncodeBlock((unsigned char *)buf, s, (int)k);
        sb_add(b, buf, (size_t)len);
        s += k;
        n -= k;
    }
}

/* RFC 2047: the subject as "=?UTF-8?B?...?=" words of at most 75
 * characters (45 bytes of text: 60 of base64 and 12 around them; 39 on
 * the first line, after "Subject: "), never splitting a UTF-8 sequence,
 * one per line so that no line passes 76 characters. */
static void sb_subject_header(struct sbuf *b, const char *subject)
{
    size_t n = strlen(subject), i = 0;
    sb_str(b, "Subject:");
    while (i < n || i == 0) {
        size_t k = 0;
        while (i + k < n) {
            uint32_t cp;
            size_t c = pd_utf8_decode(subject + i + k, n - i - k, &cp);
            if (k + c > (i ? 45u : 39u))
                break;
            k += c;
        }
        sb_str(b, i ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?");
        sb_base64(b, (const unsigned char *)subject + i, k);
        sb_str(b, "?=");
        if (k == 0)
            break;
        i += k;
    }
    sb_str(b, "\r\n");
}

/* A host name fit for Message-ID's right side: letters, digits, '.', '-'. */
static void sb_domain(struct sbuf *b, const char *host)
{
    size_t n = 0;
    for (const char *p = host; *p && n < 200; p++, n++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-';
        sb_add(b, ok ? &c : "-", 1);
    }
    if (n == 0)
        sb_str(b, "localhost");
}

/* RFC 5322's date, English names whatever the locale, in the configured
 * zone. */
static void sb_date(struct sbuf *b, pd_ns t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t s = (time_t)(t / PD_SEC);
    struct tm tm;
    if (!localtime_r(&s, &tm)) {
        sb_str(b, "Thu, 01 Jan 1970 00:00:00 +0000");
        return;
    }
    long off = tm.tm_gmtoff / 60;
    sb_printf(b, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday % 7], tm.tm_mday,
              months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
              off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static void email(struct sbuf *b, const struct pd_alert_msg *m, const struct pd_channel_conf *ch,
                  const char *subject)
{
    const struct layout l = {"\r\n", "  ", "", CLEAN_TEXT, 0};
    struct sbuf text = {0};

    sb_str(b, "Date: ");
    sb_date(b, m->created);
    sb_printf(b, "\r\nFrom: %s\r\nTo: ", ch->from ? ch->from : "");
    for (size_t i = 0; i < ch->n_to; i++)
        sb_printf(b, "%s%s", i ? ",\r\n " : "", ch->to[i]);
    sb_str(b, "\r\n");
    sb_subject_header(b, subject);
    /* A test has no row in the store (id 0): its time keeps its
     * Message-ID unique, so a mail server does not drop it as a copy. */
    if (m->id > 0)
        sb_printf(b, "Message-ID: <probed-%" PRId64 "@", m->id);
    else
        sb_printf(b, "Message-ID: <probed-test-%" PRId64 "@", m->created);
    sb_domain(b, m->host);
    sb_str(b, ">\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=UTF-8\r\n"
              "Content-Transfer-Encoding: base64\r\n"
              "Auto-Submitted: auto-generated\r\n"
              "\r\n");

    sb_clean(&text, subject, 0, CLEAN_TEXT);
    sb_str(&text, "\r\n\r\n");
    for (size_t i = 0; i < m->n_items; i++) {
        item_lines(&text, m, &m->items[i], &l);
        sb_str(&text, "\r\n");
    }
    sb_str(&text, "-- \r\n");
    footer(&text, m, CLEAN_TEXT);
    sb_str(&text, "\r\n");
    b->oom |= text.oom;
    /* 57 bytes make a 76-character line of base64. */
    for (size_t i = 0; !b->oom && i < text.len; i += 57) {
        sb_base64(b, (const unsigned char *)text.p + i, text.len - i < 57 ? text.len - i : 57);
        sb_str(b, "\r\n");
    }
    free(text.p);
}

int pd_alert_render(const struct pd_alert_msg *m, const struct pd_channel_conf *ch,
                    struct pd_alert_payload *out)
{
    struct sbuf subject = {0}, body = {0}, md = {0};
    int rc = 0;

    *out = (struct pd_alert_payload){0};
    if (m->n_items == 0)
        return -EINVAL;
    make_subject(&subject, m);
    if (subject.oom)
        goto nomem;
    switch (ch->type) {
    case PD_CHANNEL_WEBHOOK:
        webhook_json(&body, m, subject.p);
        break;
    case PD_CHANNEL_WECOM:
        markdown(&md, m, subject.p, "\n", WECOM_MAX);
        sb_str(&body, "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":");
        sb_json(&body, md.p ? md.p : "");
        sb_str(&body, "}}");
        body.oom |= md.oom;
        break;
    case PD_CHANNEL_DINGTALK:
        /* A hard break ("  \n"): DingTalk's markdown joins plain lines. */
        markdown(&md, m, subject.p, "  \n", DINGTALK_MAX);
        sb_str(&body, "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":");
        sb_json(&body, subject.p);
        sb_str(&body, ",\"text\":");
        sb_json(&body, md.p ? md.p : "");
        sb_str(&body, "}}");
        body.oom |= md.oom;
        break;
    case PD_CHANNEL_EMAIL:
        email(&body, m, ch, subject.p);
        break;
    default:
        rc = -EINVAL;
        goto fail;
    }
    if (body.oom)
        goto nomem;
    free(md.p);
    out->subject = subject.p;
    out->body = body.p;
    out->len = body.len;
    return 0;
nomem:
    rc = -ENOMEM;
fail:
    free(subject.p);
    free(body.p);
    free(md.p);
    return rc;
}

void pd_alert_payload_free(struct pd_alert_payload *p)
{
    if (!p)
        return;
    free(p->subject);
    free(p->body);
    *p = (struct pd_alert_payload){0};
}
