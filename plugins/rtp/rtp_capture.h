/*
 * A live libpcap capture for the core loop: opened before privileges are
 * dropped, non-blocking, with a selectable fd to watch and a large kernel
 * buffer. Frames reach a callback with their kernel receive time.
 *
 * Not immediate mode: the kernel hands frames over in blocks, at the
 * latest `timeout` after the first (TPACKET_V3 on Linux), so a busy link
 * costs a wake-up per block, not per packet. The delay is harmless: each
 * frame carries the kernel's arrival stamp, which is what jitter is
 * computed from.
 */
#ifndef PROBED_RTP_CAPTURE_H
#define PROBED_RTP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct rtp_capture;

typedef void (*rtp_frame_cb)(void *arg, const uint8_t *frame, size_t caplen, int64_t arrival_ns);

struct rtp_capture_conf {
    const char *interface; /* "any" captures on every interface (Linux cooked) */
    const char *filter;    /* pcap-filter(7); NULL or "": everything */
    int snaplen;           /* bytes kept of each frame */
    int buffer_bytes;      /* the kernel's ring */
    int timeout_ms;        /* a block is handed over at the latest after this */
};

/* Opens and activates the capture; NULL with err filled (the interface,
 * permissions, the filter) on failure. */
struct rtp_capture *rtp_capture_open(const struct rtp_capture_conf *conf, char *err, size_t errlen);
void rtp_capture_close(struct rtp_capture *c);

int rtp_capture_fd(const struct rtp_capture *c);
int rtp_capture_dlt(const struct rtp_capture *c);
/* A period to read at even when the fd says nothing (some kernels never
 * wake a poll for a block's timeout); 0 when the fd is enough. */
int rtp_capture_poll_ms(const struct rtp_capture *c);

/* Hands at most max frames to cb. Returns how many, or -EIO with err
 * filled. */
int rtp_capture_read(struct rtp_capture *c, int max, rtp_frame_cb cb, void *arg, char *err,
                     size_t errlen);

/* Frames the kernel dropped since the capture opened, because the buffer
 * was full (ps_drop + ps_ifdrop); 0 with no figures. */
uint64_t rtp_capture_drops(struct rtp_capture *c);

#endif
