#include "http_hls.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hls.h"

#define URI_MAX 4096

enum hls_step { STEP_FIRST, STEP_MEDIA, STEP_SEGMENT };

struct http_hls {
    enum hls_step step;
    char *media_url, *segment_url;
    /* this round */
    double total_ms, status, height, segment_ms, newest_duration, age_s;
    char master_res[48];
    int from_master;
    /* across rounds: when the newest segment last changed */
    int have_seq;
    long long newest_seq;
    pd_ns newest_at;
};

/* uri (from a playlist, relative or absolute) against base, in a new
 * string (taken by the caller), or NULL with err filled. */
static char *resolve_uri(const char *base, struct hls_text uri, char *err, size_t errlen)
{
    char rel[URI_MAX];
    char *joined = NULL, *out = NULL;
    if (uri.len >= sizeof(rel) || memchr(uri.p, '\0', uri.len)) {
        snprintf(err, errlen, "a URI in the playlist is too long or not text");
        return NULL;
    }
    memcpy(rel, uri.p, uri.len);
    rel[uri.len] = '\0';
    CURLU *u = curl_url();
    CURLUcode uc = CURLUE_OUT_OF_MEMORY;
    if (u && (uc = curl_url_set(u, CURLUPART_URL, base, 0)) == CURLUE_OK &&
        (uc = curl_url_set(u, CURLUPART_URL, rel, 0)) == CURLUE_OK &&
        (uc = curl_url_get(u, CURLUPART_URL, &joined, 0)) == CURLUE_OK)
        out = strdup(joined);
    if (!out)
        snprintf(err, errlen, "URI '%.*s' in the playlist: %s", http_utf8_cut(rel, 80), rel,
                 uc == CURLUE_OK ? "out of memory" : curl_url_strerror(uc));
    curl_free(joined);
    curl_url_cleanup(u);
    return out;
}

static void finish(struct http_check *hc, enum pd_verdict ok, const char *reason)
{
    struct http_hls *s = hc->hls_state;
    struct pd_metric m[] = {
        {"total_ms", s->total_ms},
        {"status", s->status},
        {"cert_days_left", hc->cert_days},
        {"playlist_age_s", s->age_s},
        {"segment_duration_s", s->newest_duration},
        {"max_height", s->height},
        {"segment_ms", s->segment_ms},
    };
    http_submit(hc, ok, ok == PD_OK ? NULL : reason, m, sizeof(m) / sizeof(m[0]));
}

static const char *step_name(const struct http_hls *s)
{
    switch (s->step) {
    case STEP_FIRST:
        return "playlist";
    case STEP_MEDIA:
        return "media playlist";
    case STEP_SEGMENT:
        return "newest segment";
    }
    return "fetch";
}

static void fetch(struct http_check *hc, const char *url, int keep, size_t cap)
{
    char err[512], reason[600];
    if (http_fetch(hc, url, keep, cap, err, sizeof(err)) < 0) {
        snprintf(reason, sizeof(reason), "%s: %s", step_name(hc->hls_state), err);
        finish(hc, PD_NO_VERDICT, reason);
    }
}

/* The newest segment's sequence number against the last one seen. */
static void track(struct http_check *hc, const struct hls_playlist *pl)
{
    struct http_hls *s = hc->hls_state;
    pd_ns now = pd_now(hc->check);
    long long newest = pl->media_sequence + (long long)pl->n_segments - 1;
    /* A sequence going back is a restarted stream: new, not stalled. */
    if (!s->have_seq || newest != s->newest_seq) {
        s->have_seq = 1;
        s->newest_seq = newest;
        s->newest_at = now;
    }
    s->age_s = (double)(now - s->newest_at) / 1e9;
    s->newest_duration = pl->newest_duration;
}

/* The media playlist's verdict, or a fetch of the newest segment. */
static void on_media(struct http_check *hc, const struct hls_playlist *pl, const char *url)
{
    struct http_hls *s = hc->hls_state;
    char reason[600], err[512];
    if (pl->is_master) {
        finish(hc, PD_BAD, "media playlist: a master playlist where a media playlist was expected");
        return;
    }
    if (pl->n_segments == 0) {
        finish(hc, PD_BAD, "the media playlist lists no segments");
        return;
    }
    track(hc, pl);
    if (pl->ended) {
        finish(hc, PD_BAD, "the stream has ended (#EXT-X-ENDLIST)");
        return;
    }
    double target = pl->target_duration > 1 ? pl->target_duration : 1;
    double limit = hc->stall_after > 0 ? (double)hc->stall_after / 1e9 : 3 * target;
    if (s->age_s > limit) {
        snprintf(reason, sizeof(reason),
                 "stalled: no new segment for %.1f s (limit %.0f s; media sequence %lld)", s->age_s,
                 limit, s->newest_seq);
        finish(hc, PD_BAD, reason);
        return;
    }
    if (hc->min_height > 0 && !s->from_master) {
        finish(hc, PD_BAD,
               "no resolution known: the URL is a media playlist; min_height needs "
               "the master playlist");
        return;
    }
    if (hc->min_height > 0 && s->height < (double)hc->min_height) {
        snprintf(reason, sizeof(reason), "best variant %s: below the required %ld lines",
                 s->master_res[0] ? s->master_res : "without RESOLUTION", hc->min_height);
        finish(hc, PD_BAD, reason);
        return;
    }
    if (!hc->segment_check) {
        finish(hc, PD_OK, NULL);
        return;
    }
    free(s->segment_url);
    if (!(s->segment_url = resolve_uri(url, pl->newest_uri, err, sizeof(err)))) {
        snprintf(reason, sizeof(reason), "media playlist: %s", err);
        finish(hc, PD_BAD, reason);
        return;
    }
    s->step = STEP_SEGMENT;
    fetch(hc, s->segment_url, 0, SIZE_MAX);
}

void http_hls_run(struct http_check *hc)
{
    if (!hc->hls_state && !(hc->hls_state = calloc(1, sizeof(*hc->hls_state)))) {
        http_submit(hc, PD_NO_VERDICT, "out of memory", NULL, 0);
        return;
    }
    struct http_hls *s = hc->hls_state;
    s->step = STEP_FIRST;
    s->total_ms = 0;
    s->status = s->height = s->segment_ms = s->newest_duration = s->age_s = NAN;
    s->master_res[0] = '\0';
    s->from_master = 0;
    curl_easy_setopt(hc->easy, CURLOPT_NOBODY, 0L);
    fetch(hc, hc->url_now, 1, (size_t)hc->max_body);
}

void http_hls_done(struct http_check *hc, CURLcode result)
{
    struct http_hls *s = hc->hls_state;
    struct http_timing t;
    char reason[700], err[512];
    http_timings(hc, &t);
    s->total_ms += t.total_ms;
    s->status = t.status;
    if (result == CURLE_WRITE_ERROR && hc->cut) {
        snprintf(reason, sizeof(reason), "%s: larger than max_body (%ld bytes)", step_name(s),
                 hc->max_body);
        finish(hc, PD_BAD, reason);
        return;
    }
    if (result != CURLE_OK) {
        http_failure(hc, result, err, sizeof(err));
        snprintf(reason, sizeof(reason), "%s: %s", step_name(s), err);
        finish(hc, http_local_error(result) ? PD_NO_VERDICT : PD_BAD, reason);
        return;
    }
    if (!http_status_match(&hc->expect, (long)t.status)) {
        char expected[128];
        http_status_format(&hc->expect, expected, sizeof(expected));
        snprintf(reason, sizeof(reason), "%s: HTTP status %.0f (expected %s)", step_name(s),
                 t.status, expected);
        finish(hc, PD_BAD, reason);
        return;
    }
    if (s->step == STEP_SEGMENT) {
        s->segment_ms = t.total_ms;
        if (t.total_ms > s->newest_duration * 1000) {
            snprintf(reason, sizeof(reason), "the newest segment (%.1f s) took %.1f s to download",
                     s->newest_duration, t.total_ms / 1000);
            finish(hc, PD_BAD, reason);
            return;
        }
        finish(hc, PD_OK, NULL);
        return;
    }
    struct hls_playlist pl;
    if (hls_parse(hc->body_buf ? hc->body_buf : "", hc->body_len, &pl, err, sizeof(err)) < 0) {
        snprintf(reason, sizeof(reason), "%s: %s", step_name(s), err);
        finish(hc, PD_BAD, reason);
        return;
    }
    if (s->step == STEP_MEDIA) {
        on_media(hc, &pl, s->media_url);
        return;
    }
    if (!pl.is_master) {
        on_media(hc, &pl, hc->url_now);
        return;
    }
    s->from_master = 1;
    s->height = (double)pl.height;
    if (pl.height > 0)
        snprintf(s->master_res, sizeof(s->master_res), "%ldx%ld", pl.width, pl.height);
    free(s->media_url);
    if (!(s->media_url = resolve_uri(hc->url_now, pl.variant_uri, err, sizeof(err)))) {
        snprintf(reason, sizeof(reason), "master playlist: %s", err);
        finish(hc, PD_BAD, reason);
        return;
    }
    s->step = STEP_MEDIA;
    fetch(hc, s->media_url, 1, (size_t)hc->max_body);
}

void http_hls_free(struct http_check *hc)
{
    if (!hc->hls_state)
        return;
    free(hc->hls_state->media_url);
    free(hc->hls_state->segment_url);
    free(hc->hls_state);
    hc->hls_state = NULL;
}
