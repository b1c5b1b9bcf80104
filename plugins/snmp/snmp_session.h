/*
 * One agent's session, asked without ever blocking the loop. SNMPv1 and
 * v2c are ours end to end: requests encoded by snmp_ber.c into a buffer
 * kept for the resends, sent with send() on a connected socket (an ICMP
 * port unreachable then shows as ECONNREFUSED, not as a timeout), answers
 * decoded in place; no allocation a poll once a session has seen its
 * largest answer. SNMPv3 uses net-snmp's single-session API: opened on a
 * numeric address (no name lookup inside the library), on a connected
 * socket too, engine discovery an asynchronous request of our own (the
 * library's probe would block), the library's deadline read out so that
 * the core's timer drives retries.
 *
 * Only this file, snmp_mib.c and snmp.c include net-snmp; everything here
 * runs on the loop thread (Debian's libnetsnmp is built without thread
 * support, and v1/v2c answers are read into one buffer for all sessions).
 */
#ifndef PROBED_SNMP_SESSION_H
#define PROBED_SNMP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "plugin.h"

/* A profile as the plugin's option table fills it. */
struct snmp_profile {
    char *version;       /* "1", "2c", "3" */
    char *community;     /* secret; v1/v2c */
    char *user;          /* v3 */
    char *level;         /* noAuthNoPriv, authNoPriv, authPriv */
    char *auth_protocol; /* MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512 */
    char *auth_password; /* secret */
    char *priv_protocol; /* DES, AES (128), AES-192, AES-256 */
    char *priv_password; /* secret */
    long port;
    long retries;
};

/* Check a profile's combination of keys; 0 or -EINVAL with err. */
int snmp_profile_validate(const struct snmp_profile *p, char *err, size_t errlen);

/* Once, before privileges drop: no config files read, no state written
 * (MIBs are snmp_mib.c's, read at the first symbolic name); net-snmp's
 * messages go to the plugin's log through ctx. */
int snmp_library_init(pd_plugin_ctx *ctx, char *err, size_t errlen);
void snmp_library_shutdown(void);

struct snmp_sess; /* opaque */

/* The outcome of one request, set by the library's callback. */
enum snmp_outcome {
    SNMP_PENDING,   /* no answer yet */
    SNMP_ANSWERED,  /* a response PDU: see the values */
    SNMP_TIMED_OUT, /* no answer after the retries */
    SNMP_REFUSED,   /* ICMP port unreachable: no agent listens */
    SNMP_SECURITY,  /* a REPORT or a security error: see the reason */
    SNMP_FAILED,    /* could not send, or an agent error: see the reason */
};

/* One varbind of a response, in response order. The pointers are into
 * the session and valid until its next request. */
struct snmp_value {
    enum { SNMP_V_NONE, SNMP_V_UINT, SNMP_V_INT, SNMP_V_STRING, SNMP_V_OID, SNMP_V_MISSING } type;
    uint64_t u;
    int64_t i;
    const char *s; /* an OCTET STRING: s_len bytes, then a NUL */
    size_t s_len;
    const uint32_t *val_oid; /* an OBJECT IDENTIFIER value */
    size_t val_oid_len;
    const uint32_t *oid; /* the varbind's name */
    size_t oid_len;
};

enum snmp_op { SNMP_OP_GET, SNMP_OP_GETNEXT, SNMP_OP_GETBULK };

/* Open a session to sa (port from the profile). try_timeout: the wait of
 * one try (the library retries p->retries times). 0 or -errno with err. */
int snmp_sess_start(const struct sockaddr *sa, socklen_t salen, const struct snmp_profile *p,
                    pd_ns try_timeout, struct snmp_sess **out, char *err, size_t errlen);
/* Close it; never from inside a library callback. Drops its SNMPv3 user
 * from net-snmp's global table so that new credentials take effect. */
void snmp_sess_stop(struct snmp_sess *s);
int snmp_sess_fd(const struct snmp_sess *s);
/* v3 and its engine ID still unknown: the next request must discover. */
bool snmp_sess_needs_discovery(const struct snmp_sess *s);
/* Send the discovery request, or a request of the n OIDs (each len
 * sub-identifiers): GET, GETNEXT, or GETBULK (v2c and v3) with no
 * non-repeaters and max_repetitions. 0 or -EIO with the reason in err. */
int snmp_sess_discover(struct snmp_sess *s, char *err, size_t errlen);
int snmp_sess_request(struct snmp_sess *s, enum snmp_op op, const uint32_t *const *oids,
                      const size_t *lens, size_t n, long max_repetitions, char *err, size_t errlen);
/* After a discovery answered: localize the keys for the engine (and put
 * the user in the library's table). 0 or -EIO with err. */
int snmp_sess_discovered(struct snmp_sess *s, char *err, size_t errlen);
/* The socket is readable / the deadline passed: let the library work.
 * Then read the outcome. */
void snmp_sess_on_readable(struct snmp_sess *s);
void snmp_sess_on_deadline(struct snmp_sess *s);
enum snmp_outcome snmp_sess_outcome(const struct snmp_sess *s, const char **reason);
/* The values of the last answer: as many as requested for GET and
 * GETNEXT, up to n x max_repetitions for GETBULK. */
const struct snmp_value *snmp_sess_values(const struct snmp_sess *s, size_t *n);
/* SNMPv1 has no end-of-MIB value: a GETNEXT past the last object fails
 * the whole request with noSuchName. After such an answer (outcome
 * ANSWERED, no values), the 1-based index of the varbind at fault; else 0. */
size_t snmp_sess_v1_end(const struct snmp_sess *s);
/* The library's next deadline for this session: 0 and *delay, or
 * -ENOENT when nothing is pending. */
int snmp_sess_next_deadline(struct snmp_sess *s, pd_ns *delay);
/* Counts over all sessions since the library was initialised. */
struct snmp_stats {
    unsigned long long requests, answers, timeouts, security, refused;
    unsigned long long dropped; /* datagrams the library could not use: malformed,
                                 * truncated, not an answer to a request of ours */
};
void snmp_session_stats(struct snmp_stats *out);

/* The engine's boots (SNMPv3, after discovery); false when unknown. */
bool snmp_sess_engine_boots(const struct snmp_sess *s, uint32_t *boots);

#endif
