// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: the zerocopy send methods.
 *
 * msg-zerocopy: O_DIRECT read into one of ZC_NBUF aligned buffers, then
 * send(MSG_ZEROCOPY) on a socket with SO_ZEROCOPY. A buffer is reused only
 * once the kernel reported, on the socket's error queue, that it is done with
 * every send from it; the report also says whether it copied after all
 * (SO_EE_CODE_ZEROCOPY_COPIED).
 *
 * io-uring-zc: the same buffers, sent with IORING_OP_SEND_ZC and
 * IORING_SEND_ZC_REPORT_USAGE; each send completes twice, the second CQE
 * (IORING_CQE_F_NOTIF) releasing the buffer and carrying
 * IORING_NOTIF_USAGE_ZC_COPIED if the data was copied.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <liburing.h>

#include "methods.h"
#include "methods_zc.h"
#include "util.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY		5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)
#endif

#define ZC_WAIT_MS	10000	/* longest wait for a completion */

/* Completion tracking */

void zc_track_init(struct zc_track *t)
{
	memset(t, 0, sizeof(*t));
}

uint32_t zc_track_issue(struct zc_track *t)
{
	return t->next++;
}

static bool bit_test(const struct zc_track *t, uint32_t id)
{
	return t->bits[(id % ZC_TRACK_WIN) / 8] & (1u << (id % 8));
}

/* Record that ids @lo..@hi (inclusive) completed; returns how many were new. */
int zc_track_complete(struct zc_track *t, uint32_t lo, uint32_t hi)
{
	uint32_t id, n = 0;

	if ((int32_t)(hi - lo) < 0 || (int32_t)(hi - t->next) >= 0 ||
	    hi - t->base >= ZC_TRACK_WIN)
		return -EINVAL;
	for (id = lo; (int32_t)(hi - id) >= 0; id++) {
		if ((int32_t)(id - t->base) < 0 || bit_test(t, id))
			continue;
		t->bits[(id % ZC_TRACK_WIN) / 8] |= 1u << (id % 8);
		n++;
	}
	while (t->base != t->next && bit_test(t, t->base)) {
		t->bits[(t->base % ZC_TRACK_WIN) / 8] &= ~(1u << (t->base % 8));
		t->base++;
	}
	return (int)n;
}

/* Were @id and every id before it reported? */
bool zc_track_done(const struct zc_track *t, uint32_t id)
{
	return (int32_t)(id - t->base) < 0;
}

uint32_t zc_track_inflight(const struct zc_track *t)
{
	return t->next - t->base;
}

static int fail(struct zc_xfer *x, int err, const char *what)
{
	snprintf(x->msg, sizeof(x->msg), "%s: %s", what, strerror(-err));
	return err;
}

static void progress(struct zc_xfer *x)
{
	x->calls++;
	if (x->progress)
		*x->progress = x->bytes;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

struct zc_bufs {
	char *buf[ZC_NBUF];
};

static int bufs_alloc(struct zc_xfer *x, struct zc_bufs *b)
{
	unsigned int i;
	int err;

	for (i = 0; i < ZC_NBUF; i++) {
		err = posix_memalign((void **)&b->buf[i], ZC_ALIGN, x->chunk);
		if (err) {
			b->buf[i] = NULL;
			return fail(x, -err, "buffer");
		}
		memset(b->buf[i], 0, x->chunk);
	}
	return 0;
}

static void bufs_free(struct zc_bufs *b)
{
	unsigned int i;

	for (i = 0; i < ZC_NBUF; i++)
		free(b->buf[i]);
}

/* MSG_ZEROCOPY */

struct mzc {
	struct zc_bufs b;
	uint32_t last[ZC_NBUF];	/* last send id from each buffer */
	bool used[ZC_NBUF];
	struct zc_track t;
};

int zc_setup_msg_zerocopy(struct zc_xfer *x)
{
	struct mzc *s = xcalloc(1, sizeof(*s));
	int one = 1;

	x->priv = s;
	zc_track_init(&s->t);
	if (setsockopt(x->out_fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one))) {
		snprintf(x->msg, sizeof(x->msg), "SO_ZEROCOPY: %s", strerror(errno));
		return errno == ENOPROTOOPT || errno == EOPNOTSUPP ?
			-EOPNOTSUPP : -errno;
	}
	return bufs_alloc(x, &s->b);
}

void zc_cleanup_msg_zerocopy(struct zc_xfer *x)
{
	struct mzc *s = x->priv;

	if (s)
		bufs_free(&s->b);
	free(s);
	x->priv = NULL;
}

static int mzc_note(struct zc_xfer *x, struct mzc *s,
		    const struct sock_extended_err *e)
{
	uint32_t n;

	if (e->ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
		if (!e->ee_errno)
			return 0;
		return fail(x, -(int)e->ee_errno, "socket error queue");
	}
	if (zc_track_complete(&s->t, e->ee_info, e->ee_data) < 0)
		return fail(x, -EPROTO, "zerocopy completion out of range");
	n = e->ee_data - e->ee_info + 1;
	x->zc_completions += n;
	if (e->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
		x->zc_copied += n;
	return 0;
}

/* Read one message off the error queue: 1 if read, 0 if empty. */
static int mzc_recv_one(struct zc_xfer *x, struct mzc *s)
{
	char control[256];
	struct msghdr msg = { .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	int err;

	if (recvmsg(x->out_fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return fail(x, -errno, "recvmsg(MSG_ERRQUEUE)");
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (!(cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) &&
		    !(cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR))
			continue;
		err = mzc_note(x, s, (const void *)CMSG_DATA(cm));
		if (err)
			return err;
	}
	return 1;
}

/* Wait up to @ms for completions, then read all that are queued. */
static int mzc_reap(struct zc_xfer *x, struct mzc *s, int ms)
{
	struct pollfd p = { .fd = x->out_fd, .events = 0 };
	int ret;

	if (ms && poll(&p, 1, ms) < 0 && errno != EINTR)
		return fail(x, -errno, "poll");
	if (ms && !(p.revents & POLLERR))
		return 0;
	do {
		ret = mzc_recv_one(x, s);
	} while (ret > 0);
	return ret;
}

/* Wait until the kernel completed every send up to @id. */
static int mzc_wait(struct zc_xfer *x, struct mzc *s, uint32_t id)
{
	uint64_t deadline = now_ns() + ZC_WAIT_MS * 1000000ull;
	int err;

	while (!zc_track_done(&s->t, id)) {
		if (now_ns() > deadline)
			return fail(x, -ETIMEDOUT, "waiting for zerocopy completions");
		err = mzc_reap(x, s, 100);
		if (err < 0)
			return err;
	}
	return 0;
}

static int mzc_send(struct zc_xfer *x, struct mzc *s, unsigned int b, size_t n)
{
	size_t sent = 0;
	ssize_t r;
	int err;

	while (sent < n) {
		r = send(x->out_fd, s->b.buf[b] + sent, n - sent, MSG_ZEROCOPY);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOBUFS) {	/* optmem full: reap */
			err = mzc_reap(x, s, 100);
			if (err < 0)
				return err;
			continue;
		}
		if (r < 0)
			return fail(x, -errno, "send(MSG_ZEROCOPY)");
		s->last[b] = zc_track_issue(&s->t);
		s->used[b] = true;
		sent += (size_t)r;
	}
	return 0;
}

int zc_run_msg_zerocopy(struct zc_xfer *x)
{
	struct mzc *s = x->priv;
	unsigned int b;
	ssize_t n;
	int err;

	while (x->bytes < x->size) {
		b = (unsigned int)(x->calls % ZC_NBUF);
		if (s->used[b] || zc_track_inflight(&s->t) > ZC_TRACK_WIN / 2) {
			err = mzc_wait(x, s, s->used[b] ? s->last[b] : s->t.base);
			if (err)
				return err;
		}
		n = zc_read_chunk(x, s->b.buf[b], min_u64(x->chunk, x->size - x->bytes));
		if (n < 0)
			return fail(x, (int)n, "read");
		if (n == 0)
			return fail(x, -EIO, "read: early end of file");
		err = mzc_send(x, s, b, (size_t)n);
		if (err)
			return err;
		x->bytes += (uint64_t)n;
		progress(x);
	}
	err = s->t.next ? mzc_wait(x, s, s->t.next - 1) : 0;
	x->zc_verdict = zc_verdict_of(x->zc_completions, x->zc_copied, true);
	return err;
}

/* io_uring IORING_OP_SEND_ZC */

struct uzc {
	struct io_uring ring;
	bool ring_ok;
	struct zc_bufs b;
	unsigned int pending[ZC_NBUF];	/* CQEs still due for each buffer */
	size_t len[ZC_NBUF], sent[ZC_NBUF];
	bool report;			/* IORING_SEND_ZC_REPORT_USAGE works */
	bool probed_report;
	/*
	 * A send (not its notification) is in flight. Sends to one stream
	 * socket are not ordered among themselves: one waiting for room (or
	 * retrying the rest of a short send) can be overtaken by the next,
	 * which interleaves the bytes. So one send at a time; the buffers
	 * still wait for their notifications in parallel.
	 */
	bool sending;
};

static int uring_unavailable(struct zc_xfer *x, int err)
{
	if (err == -ENOSYS)
		snprintf(x->msg, sizeof(x->msg), "io_uring is not supported by this kernel");
	else if (err == -EPERM)
		snprintf(x->msg, sizeof(x->msg),
			 "io_uring is disabled (sysctl kernel.io_uring_disabled)");
	else
		snprintf(x->msg, sizeof(x->msg), "io_uring_queue_init: %s",
			 strerror(-err));
	return err == -ENOSYS || err == -EPERM ? -EOPNOTSUPP : err;
}

static int uring_probe(struct zc_xfer *x, struct uzc *s)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(&s->ring);
	bool ok = p && io_uring_opcode_supported(p, IORING_OP_SEND_ZC);

	if (p)
		io_uring_free_probe(p);
	if (ok)
		return 0;
	snprintf(x->msg, sizeof(x->msg),
		 "IORING_OP_SEND_ZC is not supported by this kernel (needs 6.0)");
	return -EOPNOTSUPP;
}

int zc_setup_uring(struct zc_xfer *x)
{
	struct uzc *s = xcalloc(1, sizeof(*s));
	int err;

	x->priv = s;
	s->report = true;
	err = io_uring_queue_init(4 * ZC_NBUF, &s->ring, 0);
	if (err)
		return uring_unavailable(x, err);
	s->ring_ok = true;
	err = uring_probe(x, s);
	return err ? err : bufs_alloc(x, &s->b);
}

void zc_cleanup_uring(struct zc_xfer *x)
{
	struct uzc *s = x->priv;

	if (!s)
		return;
	if (s->ring_ok)
		io_uring_queue_exit(&s->ring);
	bufs_free(&s->b);
	free(s);
	x->priv = NULL;
}

static int uring_submit(struct zc_xfer *x, struct uzc *s, unsigned int b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
	int ret;

	if (!sqe)
		return fail(x, -EBUSY, "io_uring: submission queue full");
	io_uring_prep_send_zc(sqe, x->out_fd, s->b.buf[b] + s->sent[b],
			      s->len[b] - s->sent[b], MSG_WAITALL,
			      s->report ? IORING_SEND_ZC_REPORT_USAGE : 0);
	io_uring_sqe_set_data64(sqe, b);
	s->pending[b]++;
	s->sending = true;
	do {
		ret = io_uring_submit(&s->ring);
	} while (ret == -EINTR);
	return ret < 0 ? fail(x, ret, "io_uring_submit") : 0;
}

static int uring_notif(struct zc_xfer *x, struct uzc *s, unsigned int b,
		       const struct io_uring_cqe *cqe)
{
	s->pending[b]--;
	x->zc_completions++;
	if (s->report && (cqe->res & (int)IORING_NOTIF_USAGE_ZC_COPIED))
		x->zc_copied++;
	return 0;
}

static int uring_sent(struct zc_xfer *x, struct uzc *s, unsigned int b,
		      const struct io_uring_cqe *cqe)
{
	s->pending[b]--;
	s->sending = false;
	if (cqe->flags & IORING_CQE_F_MORE)
		s->pending[b]++;	/* the notification is still due */
	if (cqe->res == -EINVAL && s->report && !s->probed_report) {
		s->report = false;	/* kernel older than 6.2: no usage report */
		return uring_submit(x, s, b);
	}
	s->probed_report = true;
	if (cqe->res == -EINTR || cqe->res == -EAGAIN)
		return uring_submit(x, s, b);
	if (cqe->res < 0)
		return fail(x, cqe->res, "IORING_OP_SEND_ZC");
	s->sent[b] += (size_t)cqe->res;
	if (s->sent[b] < s->len[b])
		return uring_submit(x, s, b);	/* short send */
	return 0;
}

/* Handle completions; wait for one first when @wait. */
static int uring_reap(struct zc_xfer *x, struct uzc *s, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int b;
	int ret;

	for (;;) {
		ret = wait ? io_uring_wait_cqe(&s->ring, &cqe) :
			     io_uring_peek_cqe(&s->ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret == -EAGAIN && !wait)
			return 0;
		if (ret < 0)
			return fail(x, ret, "io_uring_wait_cqe");
		wait = false;
		b = (unsigned int)io_uring_cqe_get_data64(cqe);
		if (b >= ZC_NBUF)
			ret = fail(x, -EPROTO, "io_uring: unexpected completion");
		else if (cqe->flags & IORING_CQE_F_NOTIF)
			ret = uring_notif(x, s, b, cqe);
		else
			ret = uring_sent(x, s, b, cqe);
		io_uring_cqe_seen(&s->ring, cqe);
		if (ret)
			return ret;
	}
}

static int uring_wait_buf(struct zc_xfer *x, struct uzc *s, unsigned int b)
{
	int err = uring_reap(x, s, false);

	while (!err && s->pending[b])
		err = uring_reap(x, s, true);
	return err;
}

/* Wait until no send is in flight (its notification may still be due). */
static int uring_wait_send(struct zc_xfer *x, struct uzc *s)
{
	int err = uring_reap(x, s, false);

	while (!err && s->sending)
		err = uring_reap(x, s, true);
	return err;
}

static int uring_drain(struct zc_xfer *x, struct uzc *s)
{
	unsigned int b;
	int err = 0;

	for (b = 0; !err && b < ZC_NBUF; b++)
		err = uring_wait_buf(x, s, b);
	return err;
}

int zc_run_uring(struct zc_xfer *x)
{
	struct uzc *s = x->priv;
	unsigned int b;
	ssize_t n;
	int err;

	while (x->bytes < x->size) {
		b = (unsigned int)(x->calls % ZC_NBUF);
		err = uring_wait_buf(x, s, b);
		if (err)
			return err;
		n = zc_read_chunk(x, s->b.buf[b], min_u64(x->chunk, x->size - x->bytes));
		if (n < 0)
			return fail(x, (int)n, "read");
		if (n == 0)
			return fail(x, -EIO, "read: early end of file");
		s->len[b] = (size_t)n;
		s->sent[b] = 0;
		err = uring_wait_send(x, s);
		if (!err)
			err = uring_submit(x, s, b);
		if (!err && !s->probed_report)	/* learn if usage reports work */
			err = uring_wait_buf(x, s, b);
		if (err)
			return err;
		x->bytes += (uint64_t)n;
		progress(x);
	}
	err = uring_drain(x, s);
	x->zc_verdict = zc_verdict_of(x->zc_completions, x->zc_copied, s->report);
	if (!err && !s->report)
		snprintf(x->msg, sizeof(x->msg),
			 "kernel lacks IORING_SEND_ZC_REPORT_USAGE: no verdict");
	return err;
}
