/*
 * HLS playlists (RFC 8216), read for what a live-stream check needs: of a
 * master playlist its best variant (highest resolution, then bandwidth);
 * of a media playlist the target duration, the media sequence, the number
 * of segments and the newest one. Pure: no allocation, no clock; URIs
 * point into the text, which the caller keeps.
 */
#ifndef PROBED_HLS_H
#define PROBED_HLS_H

#include <stddef.h>

struct hls_text {
    const char *p; /* not NUL-terminated */
    size_t len;
};

struct hls_playlist {
    int is_master;
    /* master: the variant to follow and the best resolution on offer */
    size_t n_variants;
    struct hls_text variant_uri;
    long width, height;  /* of that variant; 0 when no RESOLUTION */
    long long bandwidth; /* of that variant */
    /* media */
    double target_duration;   /* seconds */
    long long media_sequence; /* of the first segment */
    size_t n_segments;
    double newest_duration; /* EXTINF of the newest segment */
    struct hls_text newest_uri;
    int ended; /* #EXT-X-ENDLIST: no more segments will come */
};

/* Parse text[0..len) into out. 0, or -EINVAL with err saying what is wrong
 * and on which line. A playlist with variants is a master playlist; one
 * with segments or a target duration a media playlist. */
int hls_parse(const char *text, size_t len, struct hls_playlist *out, char *err, size_t errlen);

#endif
