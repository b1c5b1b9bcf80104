#include "snmp_ber.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

enum {
    TAG_INTEGER = 0x02,
    TAG_OCTETS = 0x04,
    TAG_NULL = 0x05,
    TAG_OID = 0x06,
    TAG_SEQUENCE = 0x30,
    TAG_IPADDRESS = 0x40,
    TAG_COUNTER32 = 0x41,
    TAG_GAUGE32 = 0x42,
    TAG_TIMETICKS = 0x43,
    TAG_OPAQUE = 0x44,
    TAG_COUNTER64 = 0x46,
    TAG_NO_SUCH_OBJECT = 0x80,
    TAG_NO_SUCH_INSTANCE = 0x81,
    TAG_END_OF_MIB_VIEW = 0x82,
};

/* The encoder writes backwards from the end of the buffer: every length
 * is known when its header is written, with no second pass. */
struct writer {
    uint8_t *start, *p;
};

static bool put_byte(struct writer *w, uint8_t b)
{
    if (w->p == w->start)
        return false;
    *--w->p = b;
    return true;
}

static bool put_bytes(struct writer *w, const void *src, size_t n)
{
    if ((size_t)(w->p - w->start) < n)
        return false;
    w->p -= n;
    memcpy(w->p, src, n);
    return true;
}

/* Tag and length of contents that end where w->p was at `end`. */
static bool put_header(struct writer *w, uint8_t tag, const uint8_t *end)
{
    size_t len = (size_t)(end - w->p);
    if (len < 0x80)
        return put_byte(w, (uint8_t)len) && put_byte(w, tag);
    uint8_t n = 0;
    for (; len > 0; len >>= 8, n++)
        if (!put_byte(w, (uint8_t)len))
            return false;
    return put_byte(w, 0x80 | n) && put_byte(w, tag);
}

/* Two's complement, shortest form. */
static bool put_integer(struct writer *w, int64_t v)
{
    const uint8_t *end = w->p;
    for (;;) {
        uint8_t b = (uint8_t)(v & 0xff);
        if (!put_byte(w, b))
            return false;
        v >>= 8; /* arithmetic: gcc and clang define it so */
        if ((v == 0 && !(b & 0x80)) || (v == -1 && (b & 0x80)))
            break;
    }
    return put_header(w, TAG_INTEGER, end);
}

static bool put_subid(struct writer *w, uint64_t v)
{
    if (!put_byte(w, (uint8_t)(v & 0x7f)))
        return false;
    for (v >>= 7; v > 0; v >>= 7)
        if (!put_byte(w, (uint8_t)(0x80 | (v & 0x7f))))
            return false;
    return true;
}

static bool oid_encodable(const uint32_t *oid, size_t len)
{
    return len >= 2 && len <= SNMP_BER_MAX_OID && oid[0] <= 2 && (oid[0] == 2 || oid[1] < 40);
}

static bool put_oid(struct writer *w, const uint32_t *oid, size_t len)
{
    const uint8_t *end = w->p;
    for (size_t i = len - 1; i >= 2; i--)
        if (!put_subid(w, oid[i]))
            return false;
    return put_subid(w, (uint64_t)oid[0] * 40 + oid[1]) && put_header(w, TAG_OID, end);
}

size_t snmp_ber_request_bound(const struct snmp_ber_request *r)
{
    /* Headers of at most 6 bytes (a 4-byte long-form length), sub-ids of
     * at most 5; the message, PDU and list headers and four integers. */
    size_t n = 6 * 3 + 4 * 10 + 6 + r->community_len;
    for (size_t i = 0; i < r->n; i++)
        n += 6 + 6 + 2 + 5 * r->lens[i];
    return n;
}

long snmp_ber_encode_request(const struct snmp_ber_request *r, uint8_t *buf, size_t cap)
{
    struct writer w = {buf, buf + cap};
    const uint8_t *end = w.p;
    if ((r->pdu == SNMP_BER_GETBULK && r->version == 0) || r->non_rep < 0 || r->max_rep < 0)
        return -EINVAL; /* v1 has no GETBULK */
    for (size_t i = 0; i < r->n; i++)
        if (!oid_encodable(r->oids[i], r->lens[i]))
            return -EINVAL;
    for (size_t i = r->n; i-- > 0;) {
        const uint8_t *vb_end = w.p;
        if (!put_byte(&w, 0) || !put_byte(&w, TAG_NULL) || !put_oid(&w, r->oids[i], r->lens[i]) ||
            !put_header(&w, TAG_SEQUENCE, vb_end))
            return -ENOSPC;
    }
    if (!put_header(&w, TAG_SEQUENCE, end) || !put_integer(&w, r->max_rep) ||
        !put_integer(&w, r->non_rep) || !put_integer(&w, r->request_id) ||
        !put_header(&w, (uint8_t)r->pdu, end))
        return -ENOSPC;
    const uint8_t *pdu_start = w.p;
    if (!put_bytes(&w, r->community, r->community_len) || !put_header(&w, TAG_OCTETS, pdu_start) ||
        !put_integer(&w, r->version) || !put_header(&w, TAG_SEQUENCE, end))
        return -ENOSPC;
    size_t len = (size_t)(end - w.p);
    memmove(buf, w.p, len);
    return (long)len;
}

/* The decoder: every length is checked against its container. */
struct reader {
    const uint8_t *p, *end;
};

/* One TLV with a one-byte tag and a definite length. */
static bool get_tlv(struct reader *r, uint8_t *tag, struct reader *content)
{
    if (r->end - r->p < 2)
        return false;
    *tag = r->p[0];
    if ((*tag & 0x1f) == 0x1f) /* a multi-byte tag: none in SNMP */
        return false;
    size_t len = r->p[1];
    const uint8_t *p = r->p + 2;
    if (len & 0x80) {
        size_t n = len & 0x7f;
        if (n == 0 || n > 4 || (size_t)(r->end - p) < n) /* 0: indefinite */
            return false;
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | *p++;
    }
    if ((size_t)(r->end - p) < len)
        return false;
    content->p = p;
    content->end = p + len;
    r->p = p + len;
    return true;
}

static bool get_expected(struct reader *r, uint8_t want, struct reader *content)
{
    uint8_t tag;
    return get_tlv(r, &tag, content) && tag == want;
}

static bool int_of(const struct reader *c, int64_t *v)
{
    size_t n = (size_t)(c->end - c->p);
    if (n < 1 || n > 8)
        return false;
    uint64_t u = (c->p[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < n; i++)
        u = u << 8 | c->p[i];
    *v = (int64_t)u;
    return true;
}

/* Unsigned types as the unsigned number of their bytes: agents that send
 * a 32-bit counter of 0x80000000 or more without the leading 0x00 mean
 * that, not a negative count. */
static bool uint_of(const struct reader *c, uint64_t *v)
{
    size_t n = (size_t)(c->end - c->p);
    if (n < 1 || n > 9 || (n == 9 && c->p[0] != 0))
        return false;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = u << 8 | c->p[i];
    *v = u;
    return true;
}

static bool get_integer(struct reader *r, int64_t *v)
{
    struct reader c;
    return get_expected(r, TAG_INTEGER, &c) && int_of(&c, v);
}

/* The sub-identifiers of an OID's contents into out (cap of them; NULL
 * only counts). Their number, or -1 when malformed or longer than cap. */
static long oid_of(const struct reader *c, uint32_t *out, size_t cap)
{
    size_t n = 0;
    uint64_t v = 0;
    bool first = true;
    if (c->p == c->end)
        return -1;
    for (const uint8_t *p = c->p; p < c->end; p++) {
        v = v << 7 | (*p & 0x7f);
        if (v > UINT32_MAX + (uint64_t)80) /* 80: the first pair's offset */
            return -1;
        if (*p & 0x80)
            continue;
        if (first) {
            uint32_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
            if (n + 2 > cap)
                return -1;
            if (out) {
                out[n] = a;
                out[n + 1] = (uint32_t)(v - 40 * a);
            }
            n += 2;
            first = false;
        } else {
            if (v > UINT32_MAX || n + 1 > cap)
                return -1;
            if (out)
                out[n] = (uint32_t)v;
            n++;
        }
        v = 0;
    }
    if (c->end[-1] & 0x80) /* a sub-identifier cut short */
        return -1;
    return (long)n;
}

int snmp_ber_decode_message(const uint8_t *buf, size_t len, struct snmp_ber_message *m)
{
    struct reader r = {buf, buf + len}, msg, community, pdu, list;
    uint8_t tag;
    memset(m, 0, sizeof(*m));
    if (!get_expected(&r, TAG_SEQUENCE, &msg) || r.p != r.end)
        return -EBADMSG;
    if (!get_integer(&msg, &m->version) || !get_expected(&msg, TAG_OCTETS, &community) ||
        !get_tlv(&msg, &tag, &pdu) || msg.p != msg.end)
        return -EBADMSG;
    /* Context-specific, constructed: a PDU (a v1 trap has other fields
     * and fails below, which is right: it is no answer). */
    if ((tag & 0xe0) != 0xa0)
        return -EBADMSG;
    if (!get_integer(&pdu, &m->request_id) || !get_integer(&pdu, &m->error_status) ||
        !get_integer(&pdu, &m->error_index) || !get_expected(&pdu, TAG_SEQUENCE, &list) ||
        pdu.p != pdu.end)
        return -EBADMSG;
    m->community = community.p;
    m->community_len = (size_t)(community.end - community.p);
    m->pdu = tag;
    m->varbinds = list.p;
    m->varbinds_len = (size_t)(list.end - list.p);
    return 0;
}

/* One varbind: its name's contents, value tag and contents. */
static bool get_varbind(struct reader *list, struct reader *name, uint8_t *tag,
                        struct reader *value)
{
    struct reader vb;
    return get_expected(list, TAG_SEQUENCE, &vb) && get_expected(&vb, TAG_OID, name) &&
           get_tlv(&vb, tag, value) && vb.p == vb.end;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Check one value; the arena bytes it needs beyond its name, or -1. */
static long value_size(uint8_t tag, const struct reader *c)
{
    size_t len = (size_t)(c->end - c->p);
    int64_t i;
    uint64_t u;
    long n;
    switch (tag) {
    case TAG_INTEGER:
        return int_of(c, &i) ? 0 : -1;
    case TAG_COUNTER32:
    case TAG_GAUGE32:
    case TAG_TIMETICKS:
    case TAG_COUNTER64:
        return uint_of(c, &u) ? 0 : -1;
    case TAG_OCTETS:
        return (long)len + 1;
    case TAG_OID:
        n = oid_of(c, NULL, SNMP_BER_MAX_OID);
        return n < 0 ? -1 : n * (long)sizeof(uint32_t);
    case TAG_NULL:
    case TAG_NO_SUCH_OBJECT:
    case TAG_NO_SUCH_INSTANCE:
    case TAG_END_OF_MIB_VIEW:
        return len == 0 ? 0 : -1;
    default: /* IpAddress, Opaque, a type of tomorrow: kept as NONE */
        return 0;
    }
}

int snmp_ber_measure(const struct snmp_ber_message *m, size_t *n_varbinds, size_t *arena_bytes)
{
    struct reader list = {m->varbinds, m->varbinds + m->varbinds_len}, name, value;
    uint8_t tag;
    size_t n = 0, bytes = 0;
    while (list.p < list.end) {
        if (!get_varbind(&list, &name, &tag, &value))
            return -EBADMSG;
        long name_n = oid_of(&name, NULL, SNMP_BER_MAX_OID);
        long extra = value_size(tag, &value);
        if (name_n < 0 || extra < 0)
            return -EBADMSG;
        bytes += align8((size_t)name_n * sizeof(uint32_t) + (size_t)extra);
        n++;
    }
    *n_varbinds = n;
    *arena_bytes = bytes;
    return 0;
}

static void value_of(struct snmp_value *v, uint8_t tag, const struct reader *c, char *space)
{
    size_t len = (size_t)(c->end - c->p);
    switch (tag) {
    case TAG_INTEGER:
        v->type = SNMP_V_INT;
        int_of(c, &v->i);
        break;
    case TAG_COUNTER32:
    case TAG_GAUGE32:
    case TAG_TIMETICKS:
        v->type = SNMP_V_UINT;
        uint_of(c, &v->u);
        v->u = (uint32_t)v->u; /* as net-snmp does with an oversized one */
        break;
    case TAG_COUNTER64:
        v->type = SNMP_V_UINT;
        uint_of(c, &v->u);
        break;
    case TAG_OCTETS:
        v->type = SNMP_V_STRING;
        memcpy(space, c->p, len);
        space[len] = '\0';
        v->s = space;
        v->s_len = len;
        break;
    case TAG_OID: {
        uint32_t *o = (uint32_t *)(void *)space; /* 4-aligned: after the name */
        v->type = SNMP_V_OID;
        v->val_oid_len = (size_t)oid_of(c, o, SNMP_BER_MAX_OID);
        v->val_oid = o;
        break;
    }
    case TAG_NO_SUCH_OBJECT:
    case TAG_NO_SUCH_INSTANCE:
    case TAG_END_OF_MIB_VIEW:
        v->type = SNMP_V_MISSING;
        break;
    default:
        v->type = SNMP_V_NONE;
        break;
    }
}

size_t snmp_ber_values(const struct snmp_ber_message *m, struct snmp_value *v, size_t cap,
                       void *arena)
{
    struct reader list = {m->varbinds, m->varbinds + m->varbinds_len}, name, value;
    uint8_t tag;
    char *cur = arena;
    size_t n = 0;
    for (; n < cap && list.p < list.end && get_varbind(&list, &name, &tag, &value); n++) {
        memset(&v[n], 0, sizeof(v[n]));
        uint32_t *o = (uint32_t *)(void *)cur;
        long name_n = oid_of(&name, o, SNMP_BER_MAX_OID);
        long extra = value_size(tag, &value);
        v[n].oid = o;
        v[n].oid_len = (size_t)name_n;
        value_of(&v[n], tag, &value, cur + (size_t)name_n * sizeof(uint32_t));
        cur += align8((size_t)name_n * sizeof(uint32_t) + (size_t)extra);
    }
    return n;
}

const char *snmp_ber_error_name(int64_t status)
{
    static const char *const names[] = {
        "noError",
        "tooBig",
        "noSuchName",
        "badValue",
        "readOnly",
        "genErr",
        "noAccess",
        "wrongType",
        "wrongLength",
        "wrongEncoding",
        "wrongValue",
        "noCreation",
        "inconsistentValue",
        "resourceUnavailable",
        "commitFailed",
        "undoFailed",
        "authorizationError",
        "notWritable",
        "inconsistentName",
    };
    if (status < 0 || status >= (int64_t)(sizeof(names) / sizeof(names[0])))
        return "unknown error";
    return names[status];
}
