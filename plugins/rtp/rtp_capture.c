#include "rtp_capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rtp_capture {
    pcap_t *pcap;
    int fd;
    int dlt;
    int poll_ms;
    rtp_frame_cb cb;
    void *arg;
    uint32_t last_drop; /* pcap_stats' counters are 32-bit: unwrap them */
    uint64_t drops;
};

struct rtp_capture *rtp_capture_open(const struct rtp_capture_conf *conf, char *err, size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct rtp_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->pcap = pcap_create(conf->interface, errbuf);
    if (!c->pcap) {
        snprintf(err, errlen, "capture on %s: %s", conf->interface, errbuf);
        goto fail;
    }
    /* Nanosecond stamps where the kernel has them; microseconds else. */
    if (pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO) != 0)
        pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_set_snaplen(c->pcap, conf->snaplen);
    pcap_set_promisc(c->pcap, 1); /* a mirror port's frames are not ours */
    pcap_set_timeout(c->pcap, conf->timeout_ms);
    pcap_set_buffer_size(c->pcap, conf->buffer_bytes);
    int rc = pcap_activate(c->pcap);
    if (rc < 0) {
        snprintf(err, errlen, "capture on %s: %s%s", conf->interface,
                 rc == PCAP_ERROR_PERM_DENIED ? "permission denied (needs root or CAP_NET_RAW): "
                                              : "",
                 pcap_geterr(c->pcap));
        goto fail;
    }
    if (conf->filter && *conf->filter) {
        struct bpf_program prog;
        if (pcap_compile(c->pcap, &prog, conf->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, errlen, "filter '%s': %s", conf->filter, pcap_geterr(c->pcap));
            goto fail;
        }
        rc = pcap_setfilter(c->pcap, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            snprintf(err, errlen, "filter '%s': %s", conf->filter, pcap_geterr(c->pcap));
            goto fail;
        }
    }
    if (pcap_setnonblock(c->pcap, 1, errbuf) < 0) {
        snprintf(err, errlen, "capture on %s: %s", conf->interface, errbuf);
        goto fail;
    }
    c->fd = pcap_get_selectable_fd(c->pcap);
    if (c->fd < 0) {
        snprintf(err, errlen, "capture on %s: no selectable descriptor", conf->interface);
        goto fail;
    }
    const struct timeval *tv = pcap_get_required_select_timeout(c->pcap);
    if (tv)
        c->poll_ms = (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000) + 1;
    c->dlt = pcap_datalink(c->pcap);
    return c;
fail:
    rtp_capture_close(c);
    return NULL;
}

void rtp_capture_close(struct rtp_capture *c)
{
    if (!c)
        return;
    if (c->pcap)
        pcap_close(c->pcap);
    free(c);
}

int rtp_capture_fd(const struct rtp_capture *c)
{
    return c->fd;
}

int rtp_capture_dlt(const struct rtp_capture *c)
{
    return c->dlt;
}

int rtp_capture_poll_ms(const struct rtp_capture *c)
{
    return c->poll_ms;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct rtp_capture *c = (struct rtp_capture *)user;
    /* With nanosecond precision tv_usec holds nanoseconds. */
    int64_t frac = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO
                       ? h->ts.tv_usec
                       : (int64_t)h->ts.tv_usec * 1000;
    c->cb(c->arg, bytes, h->caplen, (int64_t)h->ts.tv_sec * 1000000000 + frac);
}

int rtp_capture_read(struct rtp_capture *c, int max, rtp_frame_cb cb, void *arg, char *err,
                     size_t errlen)
{
    c->cb = cb;
    c->arg = arg;
    int n = pcap_dispatch(c->pcap, max, on_frame, (u_char *)c);
    if (n == PCAP_ERROR) {
        snprintf(err, errlen, "capture: %s", pcap_geterr(c->pcap));
        return -EIO;
    }
    return n < 0 ? 0 : n;
}

uint64_t rtp_capture_drops(struct rtp_capture *c)
{
    struct pcap_stat st;
    if (pcap_stats(c->pcap, &st) < 0)
        return c->drops;
    uint32_t now = st.ps_drop + st.ps_ifdrop;
    c->drops += (uint32_t)(now - c->last_drop);
    c->last_drop = now;
    return c->drops;
}
