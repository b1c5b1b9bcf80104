/*
 * probectl rtp: the RTP streams of a capture file, per stream (loss,
 * duplicates, late packets, gaps, jitter), with the analysis the rtp check
 * runs live. cfg may be NULL. Returns the exit code: 0 read to the end, 1
 * unreadable, 2 bad usage.
 */
#ifndef PROBED_PROBECTL_RTP_H
#define PROBED_PROBECTL_RTP_H

#include <stdio.h>

#include "config.h"

int pd_cmd_rtp(const struct pd_config *cfg, int argc, char **argv, FILE *out, FILE *errout);

#endif
