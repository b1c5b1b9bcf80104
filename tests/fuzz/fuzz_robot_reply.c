/*
 * libFuzzer harness for the reader of the chat robots' replies
 * (probed/alert_reply.c): whatever a WeCom or DingTalk robot, or anything
 * in its place, answers to an alert, up to 8 KiB.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_robot_reply
 *   ./build-fuzz/tests/fuzz_robot_reply -max_total_time=60 -max_len=8192 tests/fuzz/corpus/robot
 *
 * Input: one reply, in a buffer of its exact size with no NUL after it
 * (ASan sees any read past it). The invariants: one of the four results,
 * errcode and errmsg cleared on a refusal; errmsg bounded, terminated,
 * printable UTF-8 on one line; a smaller errmsg buffer gets a prefix of
 * the same message; the length is obeyed (an accepted object without its
 * last byte is refused).
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_robot_reply).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert_reply.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* errmsg as alert_send.c asks for it; the snippet stops once it has 160
 * bytes, so at most 159 and one character of up to 4. The second buffer's
 * size varies with the input, 1 to SMALL_LEN bytes. */
#define MSG_LEN   200
#define MSG_MAX   (160 - 1 + 4)
#define SMALL_LEN 41

static void check_msg(const char *msg, size_t buflen)
{
    const char *nul = memchr(msg, '\0', buflen);
    if (!nul)
        abort();
    size_t n = (size_t)(nul - msg);
    if (n > MSG_MAX || !pd_utf8_valid(msg, n, NULL) || (n && msg[n - 1] == ' '))
        abort();
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = pd_utf8_decode(msg + i, n - i, &cp);
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == PD_UTF8_REPLACEMENT)
            abort();
        i += k;
    }
}

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    char msg[MSG_LEN], small[SMALL_LEN];
    long code, code2;
    if (!copy)
        return 0;
    memcpy(copy, data, size);

    int rc = pd_alert_robot_reply(copy, size, &code, msg, sizeof(msg));
    if (rc != 0 && rc != -EBADMSG && rc != -ENOENT && rc != -EINVAL)
        abort();
    check_msg(msg, sizeof(msg));
    if (rc != 0 && (code != 0 || msg[0]))
        abort();

    /* The same answer into a smaller buffer, or none. */
    size_t small_len = 1 + size % SMALL_LEN;
    if (pd_alert_robot_reply(copy, size, &code2, small, small_len) != rc || code2 != code)
        abort();
    check_msg(small, small_len);
    if (strncmp(msg, small, strlen(small)) != 0)
        abort();
    if (pd_alert_robot_reply(copy, size, &code2, NULL, 0) != rc || code2 != code)
        abort();

    /* An object that was read whole (a NUL ends the reply) must be refused
     * once its last byte is cut off: proof that the end is where the
     * length says, not where a NUL or the allocation happens to be. */
    const uint8_t *nul = memchr(data, '\0', size);
    size_t n = nul ? (size_t)(nul - data) : size;
    if (rc != -EBADMSG) {
        size_t first = 0, last = n;
        while (first < n && is_ws(data[first]))
            first++;
        while (last > first && is_ws(data[last - 1]))
            last--;
        if (last - first < 2 || data[first] != '{' || data[last - 1] != '}')
            abort();
        if (rc == 0 && !memmem(data, n, "\"errcode\"", 9))
            abort();
        if (pd_alert_robot_reply(copy, last - 1, &code2, NULL, 0) != -EBADMSG)
            abort();
    }
    free(copy);
    return 0;
}
