/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: the zerocopy send methods (MSG_ZEROCOPY, io_uring SEND_ZC). */
#ifndef ZC_METHODS_ZC_H
#define ZC_METHODS_ZC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct zc_xfer;

/*
 * Completion ids of MSG_ZEROCOPY sends: id N is done once the kernel
 * reported it, whatever the order of the reported ranges.
 */
#define ZC_TRACK_WIN	4096

struct zc_track {
	uint32_t base;		/* lowest id not yet reported */
	uint32_t next;		/* next id the kernel will give */
	uint8_t bits[ZC_TRACK_WIN / 8];
};

void zc_track_init(struct zc_track *t);
uint32_t zc_track_issue(struct zc_track *t);
int zc_track_complete(struct zc_track *t, uint32_t lo, uint32_t hi);
bool zc_track_done(const struct zc_track *t, uint32_t id);
uint32_t zc_track_inflight(const struct zc_track *t);

ssize_t zc_read_chunk(struct zc_xfer *x, void *buf, size_t want);

int zc_setup_msg_zerocopy(struct zc_xfer *x);
int zc_run_msg_zerocopy(struct zc_xfer *x);
void zc_cleanup_msg_zerocopy(struct zc_xfer *x);

int zc_setup_uring(struct zc_xfer *x);
int zc_run_uring(struct zc_xfer *x);
void zc_cleanup_uring(struct zc_xfer *x);

#endif
