/*
 * The http plugin's live-stream rounds (mode hls): the master playlist,
 * the media playlist of its best variant, optionally the newest segment,
 * one after the other within the round's time. Between rounds it keeps
 * when the newest segment last changed: a stream whose media sequence does
 * not advance for stall_after (3 target durations) is stalled.
 */
#ifndef PROBED_HTTP_HLS_H
#define PROBED_HTTP_HLS_H

#include "http.h"

void http_hls_run(struct http_check *hc);
/* A fetch the round started ended with result. */
void http_hls_done(struct http_check *hc, CURLcode result);
void http_hls_free(struct http_check *hc);

#endif
