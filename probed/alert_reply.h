/*
 * A chat robot's answer to a message (WeCom, DingTalk), as alert_send.c
 * reads it off the wire: {"errcode":0,"errmsg":"ok"}. Outside input, so
 * pure and bounded: no allocation, no libcurl, nothing read past the
 * length it is given, nesting limited (fuzz target: fuzz_robot_reply).
 */
#ifndef PROBED_ALERT_REPLY_H
#define PROBED_ALERT_REPLY_H

#include <stddef.h>

/* Objects and arrays nested deeper than this, the reply's own object
 * counting as the first, make a reply "not the robot's JSON": a robot's is
 * two levels deep at most. */
#define PD_ALERT_REPLY_MAX_DEPTH 32

/*
 * Read a robot's reply[0..len) (borrowed; a NUL byte ends it early, as it
 * did when the reply was read as a C string). The reply must be one JSON
 * object, read leniently (the robots' JSON, not RFC 8259's every rule);
 * of members named twice the first counts.
 *
 * 0 when its errcode member is an integer: *errcode holds it (clamped to
 * LONG_MIN..LONG_MAX, as strtol does), and errmsg the errmsg member's
 * string as pd_alert_reply_snippet() makes it printable, with its JSON
 * escapes left as they are ("" when there is no errmsg string).
 * Otherwise *errcode is 0, errmsg "", and:
 *   -EBADMSG  not the robot's JSON: no object, text after it, an
 *             unterminated string or object, nesting past
 *             PD_ALERT_REPLY_MAX_DEPTH;
 *   -ENOENT   an object without errcode;
 *   -EINVAL   errcode is not an integer ("0", 1.5, true, null).
 * errmsg may be NULL or errmsglen 0 when the message is not wanted.
 */
int pd_alert_robot_reply(const char *reply, size_t len, long *errcode, char *errmsg,
                         size_t errmsglen);

/*
 * text[0..len) (borrowed) as one printable line for an error message, in
 * buf (always NUL-terminated when buflen > 0): at most about 160 bytes of
 * it; each run of control characters (C0, DEL, C1, NUL) and invalid UTF-8
 * becomes one space, none at the start; no space at the end.
 */
void pd_alert_reply_snippet(const char *text, size_t len, char *buf, size_t buflen);

#endif
