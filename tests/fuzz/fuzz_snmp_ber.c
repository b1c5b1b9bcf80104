/*
 * libFuzzer harness for the snmp plugin's BER codec (snmp_ber.c), which
 * reads every datagram an agent, or anyone, sends to the poller.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_snmp_ber
 *   ./build-fuzz/tests/fuzz_snmp_ber -max_total_time=60 -max_len=4096 tests/fuzz/corpus/snmp_ber
 *
 * Input: one datagram. What the decoder accepts is measured and decoded
 * into buffers of exactly the measured size (ASan sees any overrun); the
 * invariants: as many values as measured, names of 2 to 128
 * sub-identifiers, strings NUL-terminated and every pointer inside the
 * arena. When the request id is odd (any valid message's first byte is
 * 0x30, so the id picks instead), the names go back out in a GETNEXT of
 * our own, which must decode to the same names.
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_snmp_ber).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_ber.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUND_TRIP_MAX 64

static void check_inside(const void *arena, size_t bytes, const void *p, size_t n)
{
    const char *a = arena, *q = p;
    if (q < a || q > a + bytes || n > (size_t)(a + bytes - q))
        __builtin_trap();
}

static void check_values(const struct snmp_value *v, size_t n, const void *arena, size_t bytes)
{
    for (size_t k = 0; k < n; k++) {
        if (v[k].oid_len < 2 || v[k].oid_len > SNMP_BER_MAX_OID || v[k].oid[0] > 2 ||
            (v[k].oid[0] < 2 && v[k].oid[1] >= 40))
            __builtin_trap();
        check_inside(arena, bytes, v[k].oid, v[k].oid_len * sizeof(uint32_t));
        switch (v[k].type) {
        case SNMP_V_STRING:
            check_inside(arena, bytes, v[k].s, v[k].s_len + 1);
            if (v[k].s[v[k].s_len] != '\0')
                __builtin_trap();
            break;
        case SNMP_V_OID:
            if (v[k].val_oid_len < 2 || v[k].val_oid_len > SNMP_BER_MAX_OID)
                __builtin_trap();
            check_inside(arena, bytes, v[k].val_oid, v[k].val_oid_len * sizeof(uint32_t));
            break;
        case SNMP_V_NONE:
        case SNMP_V_UINT:
        case SNMP_V_INT:
        case SNMP_V_MISSING:
            break;
        default:
            __builtin_trap();
        }
    }
}

/* Encode the names in a request into a buffer of exactly the bound, and
 * decode that again. */
static void round_trip(const struct snmp_ber_message *m, const struct snmp_value *v, size_t n)
{
    const uint32_t *oids[ROUND_TRIP_MAX];
    size_t lens[ROUND_TRIP_MAX];
    for (size_t k = 0; k < n; k++) {
        oids[k] = v[k].oid;
        lens[k] = v[k].oid_len;
    }
    struct snmp_ber_request r = {
        .version = (int)(m->version & 1),
        .community = (const char *)m->community,
        .community_len = m->community_len,
        .pdu = SNMP_BER_GETNEXT,
        .request_id = (int32_t)m->request_id,
        .oids = oids,
        .lens = lens,
        .n = n,
    };
    size_t bound = snmp_ber_request_bound(&r);
    uint8_t *buf = malloc(bound);
    if (!buf)
        return;
    /* Every name a decoder gives back is one BER can carry. */
    long len = snmp_ber_encode_request(&r, buf, bound);
    if (len <= 0 || (size_t)len > bound)
        __builtin_trap();

    struct snmp_ber_message again;
    size_t n2, bytes2;
    if (snmp_ber_decode_message(buf, (size_t)len, &again) != 0 ||
        snmp_ber_measure(&again, &n2, &bytes2) != 0 || n2 != n || again.pdu != SNMP_BER_GETNEXT ||
        again.version != r.version || again.request_id != r.request_id || again.error_status != 0 ||
        again.error_index != 0 || again.community_len != m->community_len ||
        (m->community_len && memcmp(again.community, m->community, m->community_len) != 0))
        __builtin_trap();
    struct snmp_value *v2 = malloc(n2 * sizeof(*v2));
    void *arena2 = malloc(bytes2);
    if (v2 && arena2) {
        if (snmp_ber_values(&again, v2, n2, arena2) != n2)
            __builtin_trap();
        for (size_t k = 0; k < n; k++)
            if (v2[k].oid_len != v[k].oid_len || v2[k].type != SNMP_V_NONE ||
                memcmp(v2[k].oid, v[k].oid, v[k].oid_len * sizeof(uint32_t)) != 0)
                __builtin_trap();
    }
    free(v2);
    free(arena2);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snmp_ber_message m;
    size_t n, bytes;

    if (snmp_ber_decode_message(data, size, &m) != 0)
        return 0;
    if ((m.pdu & 0xe0) != 0xa0 || m.community + m.community_len > data + size ||
        m.varbinds + m.varbinds_len > data + size || m.community < data || m.varbinds < data)
        __builtin_trap();
    if (!snmp_ber_error_name(m.error_status))
        __builtin_trap();
    if (snmp_ber_measure(&m, &n, &bytes) != 0)
        return 0;
    /* Exact sizes (at least one byte: malloc(0) may give NULL). */
    struct snmp_value *v = malloc(n ? n * sizeof(*v) : 1);
    void *arena = malloc(bytes ? bytes : 1);
    if (!v || !arena)
        goto out;
    if (snmp_ber_values(&m, v, n, arena) != n)
        __builtin_trap();
    check_values(v, n, arena, bytes);
    /* A smaller cap fills no more. */
    if (n > 1) {
        struct snmp_value *half = malloc(n / 2 * sizeof(*half));
        if (half && snmp_ber_values(&m, half, n / 2, arena) != n / 2)
            __builtin_trap();
        free(half);
    }
    if ((m.request_id & 1) && n >= 1 && n <= ROUND_TRIP_MAX)
        round_trip(&m, v, n);
out:
    free(v);
    free(arena);
    return 0;
}
