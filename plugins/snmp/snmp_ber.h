/*
 * The BER of SNMPv1 and SNMPv2c messages (RFC 1157, RFC 3416), written
 * for the poller's hot path: a request is encoded into a caller's buffer,
 * an answer is decoded in place, in two passes (measure, then copy), with
 * no allocation and no global state. Pure: tested alone and fuzzed.
 *
 * Only what a manager needs: GET, GETNEXT and GETBULK requests with NULL
 * values, and the Response PDU. SNMPv3 stays with net-snmp.
 */
#ifndef PROBED_SNMP_BER_H
#define PROBED_SNMP_BER_H

#include <stddef.h>
#include <stdint.h>

#include "snmp_session.h"

/* RFC 3416 / RFC 1157 PDU tags. */
enum {
    SNMP_BER_GET = 0xa0,
    SNMP_BER_GETNEXT = 0xa1,
    SNMP_BER_RESPONSE = 0xa2,
    SNMP_BER_GETBULK = 0xa5,
};

/* The longest OID either side handles (RFC 2578's limit). */
#define SNMP_BER_MAX_OID 128

struct snmp_ber_request {
    int version;           /* 0: v1, 1: v2c */
    const char *community; /* community_len bytes, borrowed */
    size_t community_len;
    int pdu;                     /* SNMP_BER_GET, _GETNEXT or _GETBULK */
    int32_t request_id;          /* echoed by the agent */
    int32_t non_rep;             /* GETBULK: non-repeaters, max-repetitions */
    int32_t max_rep;             /* (the error fields of other PDUs, sent as 0) */
    const uint32_t *const *oids; /* n names, lens[i] sub-identifiers each */
    const size_t *lens;
    size_t n;
};

/* Bytes enough for r's message. */
size_t snmp_ber_request_bound(const struct snmp_ber_request *r);
/* Encode r at the start of buf (cap bytes; snmp_ber_request_bound is
 * enough). The message's length, or -EINVAL for a GETBULK in v1, negative
 * GETBULK counts, or an OID BER cannot carry (fewer than two
 * sub-identifiers, more than SNMP_BER_MAX_OID, a first one above 2, a
 * second one above 39 under 0 or 1), or -ENOSPC. */
long snmp_ber_encode_request(const struct snmp_ber_request *r, uint8_t *buf, size_t cap);

/* An answer's header; pointers into the datagram. */
struct snmp_ber_message {
    int64_t version;
    const uint8_t *community;
    size_t community_len;
    int pdu; /* the PDU's tag */
    int64_t request_id, error_status, error_index;
    const uint8_t *varbinds; /* the contents of the varbind list */
    size_t varbinds_len;
};

/* Decode a datagram's message and PDU header: 0, or -EBADMSG when it is
 * not one message of the v1/v2c shape (trailing bytes included). The
 * version and PDU tag are any the shape allows: the caller checks them.
 * Varbinds are not looked at: see snmp_ber_measure. */
int snmp_ber_decode_message(const uint8_t *buf, size_t len, struct snmp_ber_message *m);
/* Check every varbind of m and count what snmp_ber_values needs: the
 * varbinds and the bytes of arena for their names, strings and OID
 * values. 0, or -EBADMSG when any varbind is malformed (a name that is
 * no OID, a number too long for its type, a length past its container,
 * an exception with content). */
int snmp_ber_measure(const struct snmp_ber_message *m, size_t *n_varbinds, size_t *arena_bytes);
/* After snmp_ber_measure said 0: decode m's first cap varbinds into v,
 * their names, strings (NUL-terminated) and OID values into arena (at
 * least arena_bytes as measured, 8-byte aligned). Returns how many. The
 * values point into arena. Counter32, Gauge32, TimeTicks and Counter64
 * are SNMP_V_UINT; INTEGER SNMP_V_INT; the three exceptions
 * SNMP_V_MISSING; NULL, IpAddress, Opaque and unknown types
 * SNMP_V_NONE. */
size_t snmp_ber_values(const struct snmp_ber_message *m, struct snmp_value *v, size_t cap,
                       void *arena);

/* RFC 3416's name of an error-status ("noSuchName"), or "unknown error". */
const char *snmp_ber_error_name(int64_t status);

#endif
