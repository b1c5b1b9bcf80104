/*
 * libFuzzer harness for the http plugin's HLS playlist parser (hls.c),
 * which reads whatever a streaming server, or anything in its place,
 * sends as a playlist.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPROBED_FUZZ=ON -DSANITIZE=ON
 *   cmake --build build-fuzz --target fuzz_hls
 *   ./build-fuzz/tests/fuzz_hls -max_total_time=60 tests/fuzz/corpus/hls
 *
 * Input: one playlist, in a buffer of its exact size (ASan sees any read
 * past it). The invariants: a parsed playlist's URIs lie inside the input,
 * a master playlist has a variant and a media playlist no variant, the
 * numbers are in the ranges the parser promises.
 * Every build also replays the corpus under ctest (fuzz_replay.fuzz_hls).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const char *base, size_t size, struct hls_text t)
{
    if (t.len && (t.p < base || t.p + t.len > base + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct hls_playlist pl;
    char err[256];
    if (hls_parse(copy, size, &pl, err, sizeof(err)) == 0) {
        check_inside(copy, size, pl.variant_uri);
        check_inside(copy, size, pl.newest_uri);
        if (pl.is_master && (pl.n_variants == 0 || pl.n_segments))
            abort();
        if (!pl.is_master && pl.n_variants)
            abort();
        if (pl.width < 0 || pl.height < 0 || pl.media_sequence < 0 ||
            !(pl.target_duration >= 0 && pl.target_duration <= 86400) ||
            !(pl.newest_duration >= 0 && pl.newest_duration <= 86400))
            abort();
    } else if (!memchr(err, '\0', sizeof(err)) || !err[0]) {
        abort();
    }
    free(copy);
    return 0;
}
