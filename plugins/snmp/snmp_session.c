#define _GNU_SOURCE /* nftw */
#include "snmp_session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/library/lcd_time.h>
#include <net-snmp/library/snmpusm.h>

#include "snmp_ber.h"

/* Varbinds kept from one answer; more are dropped (and the walk that
 * asked for them sees a shorter answer, which it handles). */
#define MAX_VALUES 2048

/* v1 and v2c do not go through net-snmp: its PDU and varbind allocations
 * cost more than all the rest of a poll (bench/README.md). Ours encode
 * into one buffer kept for the resends, decode in place, and send on the
 * connected socket (no route lookup a packet). */
struct native {
    char *community; /* secret, copied */
    size_t community_len;
    int retries;
    pd_ns try_timeout;
    uint8_t *req; /* the request in flight, for resends */
    size_t req_len, req_cap;
    int32_t req_id;
    int tries_left;
    pd_ns deadline; /* of the try in flight */
};

struct snmp_sess {
    void *sp;              /* net-snmp's single session (v3) */
    struct native *native; /* or our own (v1, v2c) */
    int fd;
    int version; /* SNMP_VERSION_* */
    char user[64];
    bool closing;        /* the callbacks of snmp_sess_close are not ours to act on */
    bool discovered;     /* v3: engine ID known and keys localized */
    bool user_installed; /* we put (engine, user) in the USM table */
    enum snmp_op op;     /* of the request in flight */
    enum snmp_outcome outcome;
    char reason[200];
    struct snmp_value *values; /* n_values, pointing into arena */
    size_t n_values, cap_values;
    char *arena; /* the values' names and strings */
    size_t arena_cap;
    size_t v1_end;
};

static pd_plugin_ctx *log_ctx;
static struct snmp_stats stats;
static char state_dir[64];

static int log_cb(int major, int minor, void *server_arg, void *client_arg)
{
    (void)major;
    (void)minor;
    (void)client_arg;
    const struct snmp_log_message *m = server_arg;
    if (!log_ctx || !m || !m->msg)
        return 0;
    char line[512];
    snprintf(line, sizeof(line), "%s", m->msg);
    line[strcspn(line, "\n")] = '\0';
    pd_ctx_log(log_ctx, m->priority <= LOG_ERR ? PD_LOG_WARNING : PD_LOG_DEBUG, "net-snmp: %s",
               line);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int snmp_library_init(pd_plugin_ctx *ctx, char *err, size_t errlen)
{
    log_ctx = ctx;
    snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, log_cb, NULL);
    snmp_enable_calllog();
    /* No snmp.conf, no ~/.snmp, nothing persisted: probed's configuration
     * is the only one. The library insists on a state directory (it
     * creates cert_indexes there): a private one, removed at shutdown. */
    snprintf(state_dir, sizeof(state_dir), "/tmp/probed-snmp-XXXXXX");
    if (!mkdtemp(state_dir)) {
        snprintf(err, errlen, "cannot create a state directory for net-snmp: %s", strerror(errno));
        state_dir[0] = '\0';
        return -errno;
    }
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, state_dir);
    /* init_snmp reads no MIB itself: without this it looks for 33 MIBs
     * that Debian does not ship and logs hundreds of lines. Symbolic names
     * are snmp_mib.c's, which reads its own directories once, before or
     * after this, and which snmp_shutdown unloads. */
    setenv("MIBS", "", 1);
    setenv("MIBDIRS", state_dir, 1);
    init_snmp("probed");
    /* Only init_snmp writes there: remove it now, while we still may (the
     * daemon drops its privileges next). */
    nftw(state_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

void snmp_library_shutdown(void)
{
    snmp_shutdown("probed");
    log_ctx = NULL;
}

static const struct {
    const char *name;
    const oid *oid;
    size_t len;
} auth_protos[] = {
    {"MD5", usmHMACMD5AuthProtocol, OID_LENGTH(usmHMACMD5AuthProtocol)},
    {"SHA", usmHMACSHA1AuthProtocol, OID_LENGTH(usmHMACSHA1AuthProtocol)},
    {"SHA-224", usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol)},
    {"SHA-256", usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol)},
    {"SHA-384", usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol)},
    {"SHA-512", usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol)},
};

static const struct {
    const char *name;
    const oid *oid;
    size_t len;
} priv_protos[] = {
    {"DES", usmDESPrivProtocol, OID_LENGTH(usmDESPrivProtocol)},
    {"AES", usmAESPrivProtocol, OID_LENGTH(usmAESPrivProtocol)},
    {"AES-192", usmAES192PrivProtocol, OID_LENGTH(usmAES192PrivProtocol)},
    {"AES-256", usmAES256PrivProtocol, OID_LENGTH(usmAES256PrivProtocol)},
};

static int find_auth(const char *name)
{
    for (size_t i = 0; name && i < sizeof(auth_protos) / sizeof(auth_protos[0]); i++)
        if (strcasecmp(name, auth_protos[i].name) == 0)
            return (int)i;
    return -1;
}

static int find_priv(const char *name)
{
    for (size_t i = 0; name && i < sizeof(priv_protos) / sizeof(priv_protos[0]); i++)
        if (strcasecmp(name, priv_protos[i].name) == 0)
            return (int)i;
    return -1;
}

static int level_of(const char *s)
{
    if (!s || strcasecmp(s, "noAuthNoPriv") == 0)
        return SNMP_SEC_LEVEL_NOAUTH;
    if (strcasecmp(s, "authNoPriv") == 0)
        return SNMP_SEC_LEVEL_AUTHNOPRIV;
    if (strcasecmp(s, "authPriv") == 0)
        return SNMP_SEC_LEVEL_AUTHPRIV;
    return -1;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

int snmp_profile_validate(const struct snmp_profile *p, char *err, size_t errlen)
{
    const char *v = p->version;
    if (strcmp(v, "1") != 0 && strcmp(v, "2c") != 0 && strcmp(v, "3") != 0) {
        snprintf(err, errlen, "version must be 1, 2c or 3, not '%s'", v);
        return -EINVAL;
    }
    if (strcmp(v, "3") != 0) {
        if (empty(p->community)) {
            snprintf(err, errlen, "version %s needs a community", v);
            return -EINVAL;
        }
        if (!empty(p->user) || !empty(p->auth_password) || !empty(p->priv_password)) {
            snprintf(err, errlen,
                     "user and passwords are for version 3; version %s uses the "
                     "community",
                     v);
            return -EINVAL;
        }
    } else {
        int level = level_of(p->level);
        if (level < 0) {
            snprintf(err, errlen, "level must be noAuthNoPriv, authNoPriv or authPriv, not '%s'",
                     p->level);
            return -EINVAL;
        }
        if (empty(p->user)) {
            snprintf(err, errlen, "version 3 needs a user");
            return -EINVAL;
        }
        if (!empty(p->community)) {
            snprintf(err, errlen, "a community is for versions 1 and 2c");
            return -EINVAL;
        }
        if (find_auth(p->auth_protocol) < 0) {
            snprintf(err, errlen,
                     "auth_protocol must be MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512, "
                     "not '%s'",
                     p->auth_protocol);
            return -EINVAL;
        }
        if (find_priv(p->priv_protocol) < 0) {
            snprintf(err, errlen, "priv_protocol must be DES, AES, AES-192 or AES-256, not '%s'",
                     p->priv_protocol);
            return -EINVAL;
        }
        /* RFC 3414: keys from passwords of at least 8 characters. */
        if (level != SNMP_SEC_LEVEL_NOAUTH &&
            (empty(p->auth_password) || strlen(p->auth_password) < 8)) {
            snprintf(err, errlen, "level %s needs an auth_password of at least 8 characters",
                     p->level);
            return -EINVAL;
        }
        if (level == SNMP_SEC_LEVEL_AUTHPRIV &&
            (empty(p->priv_password) || strlen(p->priv_password) < 8)) {
            snprintf(err, errlen, "level authPriv needs a priv_password of at least 8 characters");
            return -EINVAL;
        }
    }
    if (p->retries < 0 || p->retries > 10) {
        snprintf(err, errlen, "retries must be 0..10");
        return -EINVAL;
    }
    return 0;
}

static size_t value_bytes(const netsnmp_variable_list *vb)
{
    size_t n = vb->name_length * sizeof(uint32_t);
    if (vb->type == ASN_OCTET_STR)
        n += vb->val_len + 1;
    else if (vb->type == ASN_OBJECT_ID)
        n += vb->val_len / sizeof(oid) * sizeof(uint32_t);
    return (n + 7) & ~(size_t)7;
}

static void copy_value(struct snmp_value *v, const netsnmp_variable_list *vb, char **cur)
{
    memset(v, 0, sizeof(*v));
    uint32_t *name = (uint32_t *)*cur;
    for (size_t k = 0; k < vb->name_length; k++)
        name[k] = (uint32_t)vb->name[k];
    v->oid = name;
    v->oid_len = vb->name_length;
    char *str = *cur + vb->name_length * sizeof(uint32_t);
    *cur += value_bytes(vb);
    switch (vb->type) {
    case ASN_TIMETICKS:
    case ASN_COUNTER:
    case ASN_GAUGE:
        v->type = SNMP_V_UINT;
        v->u = (uint32_t)*vb->val.integer;
        break;
    case ASN_INTEGER:
        v->type = SNMP_V_INT;
        v->i = *vb->val.integer;
        break;
    case ASN_COUNTER64:
        v->type = SNMP_V_UINT;
        v->u = ((uint64_t)vb->val.counter64->high << 32) | vb->val.counter64->low;
        break;
    case ASN_OCTET_STR:
        v->type = SNMP_V_STRING;
        memcpy(str, vb->val.string, vb->val_len);
        str[vb->val_len] = '\0';
        v->s = str;
        v->s_len = vb->val_len;
        break;
    case ASN_OBJECT_ID: {
        uint32_t *o = (uint32_t *)str; /* str is 4-byte aligned: after the name */
        v->type = SNMP_V_OID;
        v->val_oid_len = vb->val_len / sizeof(oid);
        for (size_t k = 0; k < v->val_oid_len; k++)
            o[k] = (uint32_t)vb->val.objid[k];
        v->val_oid = o;
        break;
    }
    case SNMP_NOSUCHOBJECT:
    case SNMP_NOSUCHINSTANCE:
    case SNMP_ENDOFMIBVIEW:
        v->type = SNMP_V_MISSING;
        break;
    default:
        v->type = SNMP_V_NONE;
        break;
    }
}

/* Room for n values and their arena of bytes; grows only, so a session
 * that polls the same table allocates nothing after its first answer. */
static bool reserve(struct snmp_sess *s, size_t n, size_t bytes)
{
    if (n > s->cap_values) {
        void *p = realloc(s->values, n * sizeof(*s->values));
        if (!p)
            return false;
        s->values = p;
        s->cap_values = n;
    }
    if (bytes > s->arena_cap) {
        void *p = realloc(s->arena, bytes);
        if (!p)
            return false;
        s->arena = p;
        s->arena_cap = bytes;
    }
    return true;
}

/* Copy the answer's varbinds; the library frees the PDU after we return.
 * false when memory is short. */
static bool keep_values(struct snmp_sess *s, const netsnmp_pdu *pdu)
{
    size_t n = 0, bytes = 0;
    for (netsnmp_variable_list *vb = pdu->variables; vb && n < MAX_VALUES; vb = vb->next_variable) {
        n++;
        bytes += value_bytes(vb);
    }
    if (!reserve(s, n, bytes))
        return false;
    char *cur = s->arena;
    s->n_values = 0;
    for (netsnmp_variable_list *vb = pdu->variables; vb && s->n_values < n; vb = vb->next_variable)
        copy_value(&s->values[s->n_values++], vb, &cur);
    return true;
}

static const char *report_reason(int type)
{
    switch (type) {
    case SNMPERR_AUTHENTICATION_FAILURE:
        return "authentication failure (wrong auth_password or protocol)";
    case SNMPERR_UNKNOWN_USER_NAME:
        return "unknown user (the agent has no such v3 user)";
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
        return "the user does not support this security level";
    case SNMPERR_DECRYPTION_ERR:
        return "decryption error (wrong priv_password or protocol)";
    case SNMPERR_NOT_IN_TIME_WINDOW:
        return "not in time window (the agent's engine time disagrees)";
    case SNMPERR_UNKNOWN_ENG_ID:
        return "unknown engine ID";
    default:
        return NULL;
    }
}

/* The library calls this; record, act later (the session is not done with
 * the packet until the read returns). Return 1: the request is over. */
static int on_response(int op, netsnmp_session *session, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)reqid;
    struct snmp_sess *s = magic;
    if (s->closing || s->outcome != SNMP_PENDING)
        return 1;
    /* A report comes as SEC_ERROR, as RECEIVED_MESSAGE, or both, in
     * either order: judge it by its content. */
    if ((op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || op == NETSNMP_CALLBACK_OP_SEC_ERROR) &&
        pdu && pdu->command == SNMP_MSG_REPORT) {
        int type = snmpv3_get_report_type(pdu);
        const char *why = report_reason(type);
        /* The answer to our discovery is a report: not an error. */
        if (!s->discovered && type == SNMPERR_UNKNOWN_ENG_ID) {
            s->outcome = SNMP_ANSWERED;
            stats.answers++;
            return 1;
        }
        s->outcome = SNMP_SECURITY;
        stats.security++;
        snprintf(s->reason, sizeof(s->reason), "%s", why ? why : snmp_api_errstring(type));
        return 1;
    }
    switch (op) {
    case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
        if (s->version == SNMP_VERSION_1 && s->op == SNMP_OP_GETNEXT &&
            pdu->errstat == SNMP_ERR_NOSUCHNAME && pdu->errindex > 0) {
            stats.answers++;
            s->v1_end = (size_t)pdu->errindex;
            s->outcome = SNMP_ANSWERED;
            break;
        }
        if (pdu->errstat != SNMP_ERR_NOERROR) {
            s->outcome = SNMP_FAILED;
            snprintf(s->reason, sizeof(s->reason), "the agent answered: %s (varbind %ld)",
                     snmp_errstring(pdu->errstat), pdu->errindex);
            break;
        }
        stats.answers++;
        if (!keep_values(s, pdu)) {
            s->outcome = SNMP_FAILED;
            snprintf(s->reason, sizeof(s->reason), "out of memory for the answer");
            break;
        }
        s->outcome = SNMP_ANSWERED;
        break;
    case NETSNMP_CALLBACK_OP_TIMED_OUT:
        s->outcome = SNMP_TIMED_OUT;
        stats.timeouts++;
        break;
    case NETSNMP_CALLBACK_OP_SEC_ERROR:
        s->outcome = SNMP_SECURITY;
        stats.security++;
        snprintf(s->reason, sizeof(s->reason), "security error: %s",
                 snmp_api_errstring(session ? session->s_snmp_errno : 0));
        break;
    case NETSNMP_CALLBACK_OP_SEND_FAILED:
        s->outcome = SNMP_FAILED;
        snprintf(s->reason, sizeof(s->reason), "could not send the request");
        break;
    default:
        /* A resend, a (dis)connect: the request goes on. */
        break;
    }
    return 1;
}

static int native_start(struct snmp_sess *s, const struct sockaddr *to, socklen_t salen,
                        const struct snmp_profile *p, pd_ns try_timeout, const char *peer,
                        char *err, size_t errlen)
{
    struct native *n = calloc(1, sizeof(*n));
    if (!n || !(n->community = strdup(p->community))) {
        free(n);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->native = n;
    n->community_len = strlen(p->community);
    n->retries = (int)p->retries;
    n->try_timeout = try_timeout;
    s->discovered = true;
    s->fd = socket(to->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* Connected, an ICMP port unreachable reaches us as ECONNREFUSED. */
    if (s->fd < 0 || connect(s->fd, to, salen) < 0) {
        int rc = -errno;
        snprintf(err, errlen, "cannot open a socket to %s: %s", peer, strerror(errno));
        return rc;
    }
    return 0;
}

static void native_stop(struct snmp_sess *s)
{
    struct native *n = s->native;
    if (s->fd >= 0)
        close(s->fd);
    explicit_bzero(n->community, n->community_len);
    free(n->community);
    if (n->req)
        explicit_bzero(n->req, n->req_cap); /* the community is in it too */
    free(n->req);
    free(n);
}

/* Request ids: a counter from a random start, so that the answers to a
 * previous run of the daemon (same source port, by chance) do not match. */
static int32_t next_request_id(void)
{
    static uint32_t next;
    static bool seeded;
    if (!seeded) {
        if (getrandom(&next, sizeof(next), GRND_NONBLOCK) != sizeof(next))
            next = (uint32_t)getpid() * 2654435761u;
        seeded = true;
    }
    return (int32_t)(next++ & 0x7fffffff);
}

static void set_refused(struct snmp_sess *s)
{
    s->outcome = SNMP_REFUSED;
    stats.refused++;
    snprintf(s->reason, sizeof(s->reason), "port unreachable: no SNMP agent listens");
}

/* One try. A lost datagram (a full socket buffer) is left to the next
 * try; a refusal left over from an earlier round is read and the send
 * tried once more. */
static void native_transmit(struct snmp_sess *s)
{
    struct native *n = s->native;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (send(s->fd, n->req, n->req_len, 0) >= 0)
            break;
        if (errno == ECONNREFUSED && attempt == 0)
            continue;
        if (errno == ECONNREFUSED) {
            set_refused(s);
        } else if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
            s->outcome = SNMP_FAILED;
            snprintf(s->reason, sizeof(s->reason), "could not send the request: %s",
                     strerror(errno));
        }
        break;
    }
    n->deadline = pd_now(NULL) + n->try_timeout;
}

static int native_request(struct snmp_sess *s, enum snmp_op op, const uint32_t *const *oids,
                          const size_t *lens, size_t n_oids, long max_repetitions, char *err,
                          size_t errlen)
{
    struct native *n = s->native;
    struct snmp_ber_request r = {
        .version = s->version == SNMP_VERSION_1 ? 0 : 1,
        .community = n->community,
        .community_len = n->community_len,
        .pdu = op == SNMP_OP_GET       ? SNMP_BER_GET
               : op == SNMP_OP_GETNEXT ? SNMP_BER_GETNEXT
                                       : SNMP_BER_GETBULK,
        .request_id = next_request_id(),
        .max_rep = op == SNMP_OP_GETBULK ? (int32_t)max_repetitions : 0,
        .oids = oids,
        .lens = lens,
        .n = n_oids < MAX_VALUES ? n_oids : MAX_VALUES,
    };
    size_t bound = snmp_ber_request_bound(&r);
    if (bound > n->req_cap) {
        void *p = realloc(n->req, bound);
        if (!p) {
            snprintf(err, errlen, "out of memory for the request");
            return -ENOMEM;
        }
        n->req = p;
        n->req_cap = bound;
    }
    long len = snmp_ber_encode_request(&r, n->req, n->req_cap);
    if (len < 0) {
        snprintf(err, errlen, "cannot encode the request: an OID SNMP cannot carry");
        s->outcome = SNMP_FAILED;
        return -EINVAL;
    }
    n->req_len = (size_t)len;
    n->req_id = r.request_id;
    n->tries_left = n->retries;
    native_transmit(s);
    return 0;
}

/* A datagram on the session's socket: the answer to the request in
 * flight, or one to drop (late, malformed, not ours). */
static void native_answer(struct snmp_sess *s, const uint8_t *buf, size_t len)
{
    struct native *n = s->native;
    struct snmp_ber_message m;
    size_t count, bytes;
    if (s->outcome != SNMP_PENDING || snmp_ber_decode_message(buf, len, &m) < 0 ||
        m.pdu != SNMP_BER_RESPONSE || m.request_id != n->req_id ||
        m.version != (s->version == SNMP_VERSION_1 ? 0 : 1) ||
        m.community_len != n->community_len ||
        memcmp(m.community, n->community, n->community_len) != 0 ||
        snmp_ber_measure(&m, &count, &bytes) < 0) {
        stats.dropped++;
        return;
    }
    stats.answers++;
    n->deadline = 0;
    if (s->version == SNMP_VERSION_1 && s->op == SNMP_OP_GETNEXT && m.error_status == 2 &&
        m.error_index > 0) { /* noSuchName: the walk's end on v1 */
        s->v1_end = (size_t)m.error_index;
        s->outcome = SNMP_ANSWERED;
        return;
    }
    if (m.error_status != 0) {
        s->outcome = SNMP_FAILED;
        snprintf(s->reason, sizeof(s->reason), "the agent answered: %s (varbind %lld)",
                 snmp_ber_error_name(m.error_status), (long long)m.error_index);
        return;
    }
    if (count > MAX_VALUES)
        count = MAX_VALUES;
    if (!reserve(s, count, bytes)) {
        s->outcome = SNMP_FAILED;
        snprintf(s->reason, sizeof(s->reason), "out of memory for the answer");
        return;
    }
    s->n_values = snmp_ber_values(&m, s->values, count, s->arena);
    s->outcome = SNMP_ANSWERED;
}

static void native_on_readable(struct snmp_sess *s)
{
    /* Loop thread only: one buffer for every session. */
    static uint8_t buf[65536];
    /* Bounded: a flood of junk must not hold the loop. Level-triggered, the
     * watch calls again for what is left. */
    for (int i = 0; i < 16; i++) {
        ssize_t got = recv(s->fd, buf, sizeof(buf), MSG_TRUNC);
        if (got < 0) {
            if (errno == ECONNREFUSED && s->outcome == SNMP_PENDING) {
                s->native->deadline = 0;
                set_refused(s);
                return;
            }
            if (errno != EINTR && errno != ECONNREFUSED)
                return;
            continue;
        }
        if ((size_t)got > sizeof(buf)) {
            stats.dropped++;
            continue;
        }
        bool was_pending = s->outcome == SNMP_PENDING;
        native_answer(s, buf, (size_t)got);
        /* Answered: leave the rest for the next wake-up, sparing the
         * read that would say EAGAIN. */
        if (was_pending && s->outcome != SNMP_PENDING)
            return;
    }
}

static void native_on_deadline(struct snmp_sess *s)
{
    struct native *n = s->native;
    if (s->outcome != SNMP_PENDING || n->deadline == 0 || pd_now(NULL) < n->deadline)
        return;
    if (n->tries_left > 0) {
        n->tries_left--;
        native_transmit(s);
        return;
    }
    n->deadline = 0;
    s->outcome = SNMP_TIMED_OUT;
    stats.timeouts++;
}

int snmp_sess_start(const struct sockaddr *sa, socklen_t salen, const struct snmp_profile *p,
                    pd_ns try_timeout, struct snmp_sess **out, char *err, size_t errlen)
{
    char host[INET6_ADDRSTRLEN], peer[INET6_ADDRSTRLEN + 16];
    struct sockaddr_storage to;
    netsnmp_session cfg;
    struct snmp_sess *s = calloc(1, sizeof(*s));
    int rc = -EINVAL;

    *out = NULL;
    if (!s)
        return -ENOMEM;
    memcpy(&to, sa, salen);
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        a->sin6_port = htons((uint16_t)p->port);
        snprintf(peer, sizeof(peer), "udp6:[%s]:%ld", host, p->port);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&to;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        a->sin_port = htons((uint16_t)p->port);
        snprintf(peer, sizeof(peer), "udp:%s:%ld", host, p->port);
    }
    s->fd = -1;
    s->version = strcmp(p->version, "1") == 0    ? SNMP_VERSION_1
                 : strcmp(p->version, "2c") == 0 ? SNMP_VERSION_2c
                                                 : SNMP_VERSION_3;
    if (s->version != SNMP_VERSION_3) {
        if ((rc = native_start(s, (struct sockaddr *)&to, salen, p, try_timeout, peer, err,
                               errlen)) < 0)
            goto fail;
        *out = s;
        return 0;
    }
    snmp_sess_init(&cfg);
    cfg.peername = peer; /* numeric: the library looks nothing up */
    cfg.timeout = (long)(try_timeout / 1000);
    cfg.retries = (int)p->retries;
    cfg.version = s->version;
    { /* SNMPv3: the user and its keys */
        int level = level_of(p->level), a = find_auth(p->auth_protocol);
        snprintf(s->user, sizeof(s->user), "%s", p->user);
        cfg.securityName = s->user;
        cfg.securityNameLen = strlen(s->user);
        cfg.securityLevel = level;
        cfg.securityModel = SNMP_SEC_MODEL_USM;
        cfg.securityAuthProto = (oid *)auth_protos[a].oid;
        cfg.securityAuthProtoLen = auth_protos[a].len;
        if (level != SNMP_SEC_LEVEL_NOAUTH) {
            cfg.securityAuthKeyLen = USM_AUTH_KU_LEN;
            if (generate_Ku(cfg.securityAuthProto, (u_int)cfg.securityAuthProtoLen,
                            (const u_char *)p->auth_password, strlen(p->auth_password),
                            cfg.securityAuthKey, &cfg.securityAuthKeyLen) != SNMPERR_SUCCESS) {
                snprintf(err, errlen, "cannot derive the auth key");
                goto fail;
            }
        }
        if (level == SNMP_SEC_LEVEL_AUTHPRIV) {
            int x = find_priv(p->priv_protocol);
            cfg.securityPrivProto = (oid *)priv_protos[x].oid;
            cfg.securityPrivProtoLen = priv_protos[x].len;
            cfg.securityPrivKeyLen = USM_PRIV_KU_LEN;
            /* The privacy key is hashed with the auth protocol too. */
            if (generate_Ku(cfg.securityAuthProto, (u_int)cfg.securityAuthProtoLen,
                            (const u_char *)p->priv_password, strlen(p->priv_password),
                            cfg.securityPrivKey, &cfg.securityPrivKeyLen) != SNMPERR_SUCCESS) {
                snprintf(err, errlen, "cannot derive the privacy key");
                goto fail;
            }
        }
    }
    s->sp = snmp_sess_open(&cfg);
    /* The keys are in the session now: none left on our stack. */
    explicit_bzero(cfg.securityAuthKey, sizeof(cfg.securityAuthKey));
    explicit_bzero(cfg.securityPrivKey, sizeof(cfg.securityPrivKey));
    if (!s->sp) {
        int lib, sys;
        char *msg = NULL;
        snmp_error(&cfg, &lib, &sys, &msg);
        snprintf(err, errlen, "cannot open an SNMP session to %s: %s", peer, msg ? msg : "?");
        free(msg);
        rc = -EIO;
        goto fail;
    }
    /* Opening clears this flag again; without it the first v3 request
     * would run the library's blocking engine probe. */
    snmp_sess_session(s->sp)->flags |= SNMP_FLAGS_DONT_PROBE;
    s->fd = snmp_sess_transport(s->sp)->sock;
    fcntl(s->fd, F_SETFD, FD_CLOEXEC);
    /* Connected, an ICMP port unreachable reaches us as ECONNREFUSED. */
    if (connect(s->fd, (struct sockaddr *)&to, salen) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot connect a socket to %s: %s", peer, strerror(errno));
        goto fail;
    }
    *out = s;
    return 0;
fail:
    snmp_sess_stop(s);
    return rc;
}

void snmp_sess_stop(struct snmp_sess *s)
{
    if (!s)
        return;
    s->closing = true;
    if (s->native)
        native_stop(s);
    if (s->sp) {
        netsnmp_session *ss = snmp_sess_session(s->sp);
        /* The library's user table is global and keeps the first keys it
         * saw for (engine, user): drop ours, or a corrected password would
         * still fail (and a wrong one still pass). */
        if (s->user_installed && ss) {
            struct usmUser *u =
                usm_get_user(ss->securityEngineID, ss->securityEngineIDLen, s->user);
            if (u) {
                usm_remove_user(u);
                u->next = u->prev = NULL;
                usm_free_user(u);
            }
        }
        snmp_sess_close(s->sp);
    }
    free(s->values);
    free(s->arena);
    free(s);
}

int snmp_sess_fd(const struct snmp_sess *s)
{
    return s->fd;
}

bool snmp_sess_needs_discovery(const struct snmp_sess *s)
{
    return !s->discovered;
}

static int send_pdu(struct snmp_sess *s, netsnmp_pdu *pdu, char *err, size_t errlen)
{
    s->outcome = SNMP_PENDING;
    s->reason[0] = '\0';
    s->n_values = 0;
    s->v1_end = 0;
    stats.requests++;
    if (snmp_sess_async_send(s->sp, pdu, on_response, s) == 0) {
        int lib, sys;
        char *msg = NULL;
        snmp_sess_error(s->sp, &lib, &sys, &msg);
        snprintf(err, errlen, "cannot send: %s", msg ? msg : "?");
        free(msg);
        snmp_free_pdu(pdu); /* still ours when the send failed */
        s->outcome = SNMP_FAILED;
        return -EIO;
    }
    return 0;
}

int snmp_sess_discover(struct snmp_sess *s, char *err, size_t errlen)
{
    /* An unauthenticated GET without varbinds: the agent answers with a
     * report that carries its engine ID, boots and time. */
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    if (!pdu)
        return -ENOMEM;
    pdu->version = SNMP_VERSION_3;
    pdu->securityModel = SNMP_SEC_MODEL_USM;
    pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    pdu->securityName = strdup("");
    pdu->securityNameLen = 0;
    s->op = SNMP_OP_GET;
    return send_pdu(s, pdu, err, errlen);
}

/* Put our keys for (engine, user) in net-snmp's process-wide user table,
 * replacing whatever is there: another check may have installed other
 * keys for the same user (a password being corrected), or dropped the
 * entry when it closed. Done before every v3 request. */
static int install_user(struct snmp_sess *s, char *err, size_t errlen)
{
    netsnmp_session *ss = snmp_sess_session(s->sp);
    if (!ss || ss->securityEngineIDLen == 0) {
        snprintf(err, errlen, "the agent's answer carried no engine ID");
        return -EIO;
    }
    struct usmUser *old = usm_get_user(ss->securityEngineID, ss->securityEngineIDLen, s->user);
    if (old) {
        usm_remove_user(old);
        old->next = old->prev = NULL;
        usm_free_user(old);
    }
    /* The library creates a session's user once and remembers it did. */
    ss->flags &= ~SNMP_FLAGS_USER_CREATED;
    if (create_user_from_session(ss) != SNMPERR_SUCCESS) {
        snprintf(err, errlen, "cannot set up the v3 user for the agent's engine");
        return -EIO;
    }
    s->user_installed = true;
    return 0;
}

int snmp_sess_discovered(struct snmp_sess *s, char *err, size_t errlen)
{
    int rc = install_user(s, err, errlen);
    if (rc == 0)
        s->discovered = true;
    return rc;
}

int snmp_sess_request(struct snmp_sess *s, enum snmp_op op, const uint32_t *const *oids,
                      const size_t *lens, size_t n, long max_repetitions, char *err, size_t errlen)
{
    if (s->version == SNMP_VERSION_3 && install_user(s, err, errlen) < 0)
        return -EIO;
    if (op == SNMP_OP_GETBULK && s->version == SNMP_VERSION_1)
        op = SNMP_OP_GETNEXT;
    s->op = op;
    if (s->native) {
        s->outcome = SNMP_PENDING;
        s->reason[0] = '\0';
        s->n_values = 0;
        s->v1_end = 0;
        stats.requests++;
        return native_request(s, op, oids, lens, n, max_repetitions, err, errlen);
    }
    netsnmp_pdu *pdu = snmp_pdu_create(op == SNMP_OP_GET       ? SNMP_MSG_GET
                                       : op == SNMP_OP_GETNEXT ? SNMP_MSG_GETNEXT
                                                               : SNMP_MSG_GETBULK);
    if (!pdu)
        return -ENOMEM;
    if (op == SNMP_OP_GETBULK) {
        pdu->non_repeaters = 0;
        pdu->max_repetitions = max_repetitions;
    }
    s->op = op;
    for (size_t i = 0; i < n && i < MAX_VALUES; i++) {
        oid name[MAX_OID_LEN];
        size_t len = lens[i] < MAX_OID_LEN ? lens[i] : MAX_OID_LEN;
        for (size_t k = 0; k < len; k++)
            name[k] = oids[i][k];
        snmp_add_null_var(pdu, name, len);
    }
    return send_pdu(s, pdu, err, errlen);
}

void snmp_sess_on_readable(struct snmp_sess *s)
{
    if (s->native) {
        native_on_readable(s);
        return;
    }
    netsnmp_large_fd_set fs;
    netsnmp_large_fd_set_init(&fs, s->fd + 1);
    NETSNMP_LARGE_FD_SET(s->fd, &fs);
    int rc = snmp_sess_read2(s->sp, &fs);
    netsnmp_large_fd_set_cleanup(&fs);
    netsnmp_session *ss = snmp_sess_session(s->sp);
    if (rc != 0 && s->outcome == SNMP_PENDING && ss && ss->s_errno == ECONNREFUSED) {
        s->outcome = SNMP_REFUSED;
        stats.refused++;
        snprintf(s->reason, sizeof(s->reason), "port unreachable: no SNMP agent listens");
    } else if (rc != 0) {
        stats.dropped++;
    }
}

void snmp_sess_on_deadline(struct snmp_sess *s)
{
    if (s->native)
        native_on_deadline(s);
    else
        snmp_sess_timeout(s->sp); /* resends, or calls back TIMED_OUT */
}

enum snmp_outcome snmp_sess_outcome(const struct snmp_sess *s, const char **reason)
{
    *reason = s->reason;
    return s->outcome;
}

const struct snmp_value *snmp_sess_values(const struct snmp_sess *s, size_t *n)
{
    *n = s->n_values;
    return s->values;
}

size_t snmp_sess_v1_end(const struct snmp_sess *s)
{
    return s->v1_end;
}

int snmp_sess_next_deadline(struct snmp_sess *s, pd_ns *delay)
{
    if (s->native) {
        /* Decided already (a refused send): at once, so the caller looks. */
        if (s->outcome != SNMP_PENDING) {
            *delay = 0;
            return 0;
        }
        if (s->native->deadline == 0)
            return -ENOENT;
        pd_ns left = s->native->deadline - pd_now(NULL);
        *delay = left > 0 ? left : 0;
        return 0;
    }
    netsnmp_large_fd_set fs;
    struct timeval tv = {0, 0};
    int nfds = 0, block = 1;
    netsnmp_large_fd_set_init(&fs, s->fd + 1);
    snmp_sess_select_info2_flags(s->sp, &nfds, &fs, &tv, &block, NETSNMP_SELECT_NOALARMS);
    netsnmp_large_fd_set_cleanup(&fs);
    if (block)
        return -ENOENT;
    *delay = (pd_ns)tv.tv_sec * PD_SEC + (pd_ns)tv.tv_usec * 1000 + PD_MSEC;
    return 0;
}

void snmp_session_stats(struct snmp_stats *out)
{
    *out = stats;
}

bool snmp_sess_engine_boots(const struct snmp_sess *s, uint32_t *boots)
{
    if (s->version != SNMP_VERSION_3)
        return false;
    netsnmp_session *ss = snmp_sess_session(s->sp);
    u_int b = 0, t = 0;
    if (!ss || ss->securityEngineIDLen == 0)
        return false;
    if (get_enginetime(ss->securityEngineID, ss->securityEngineIDLen, &b, &t, FALSE) !=
        SNMPERR_SUCCESS)
        return false;
    *boots = b;
    return true;
}
