// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: run work in a forked child that a session follows.
 *
 * The child does its setup (open, connect, buffers), says it is ready and
 * waits on a pipe; the parent creates a session for the child's pid, then
 * releases it. So the session counts the work and not the setup. When the
 * child has exited, the parent reads the session's counters and deletes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "methods.h"
#include "output.h"
#include "session.h"

#define DRAIN_MS	30000	/* how long to wait for the peer to close */

/* Children */

int zc_child_spawn(struct zc_child *c, zc_child_fn fn, void *arg, int close_fd)
{
	int go[2], st[2], err;

	err = xpipe(go);
	if (err)
		return err;
	err = xpipe(st);
	if (err) {
		close(go[0]);
		close(go[1]);
		return err;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(go[0]), close(go[1]), close(st[0]), close(st[1]);
		return err;
	}
	if (c->pid == 0) {
		signal(SIGINT, SIG_DFL);	/* not the parent's NIC guard */
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		close(go[1]);
		close(st[0]);
		if (close_fd >= 0)
			close(close_fd);
		_exit(fn(arg, go[0], st[1]));
	}
	close(go[0]);
	close(st[1]);
	c->go_w = go[1];
	c->st_r = st[0];
	return 0;
}

int zc_child_go(struct zc_child *c)
{
	int err = write_full(c->go_w, "g", 1);

	close(c->go_w);
	c->go_w = -1;
	return err;
}

/* In the child: 0 once released, -1 if the parent went away. */
int zc_child_wait_go(int go_fd)
{
	char b;
	ssize_t n = read_full(go_fd, &b, 1);

	close(go_fd);
	return n == 1 ? 0 : -1;
}

int zc_child_reap(struct zc_child *c, int *status)
{
	int st = 0;
	pid_t r;

	if (c->go_w >= 0)
		close(c->go_w);
	if (c->st_r >= 0)
		close(c->st_r);
	c->go_w = c->st_r = -1;
	do {
		r = waitpid(c->pid, &st, 0);
	} while (r < 0 && errno == EINTR);
	if (status)
		*status = st;
	return r < 0 ? -errno : 0;
}

void zc_child_kill(struct zc_child *c)
{
	kill(c->pid, SIGKILL);
	zc_child_reap(c, NULL);
}

/* Sessions */

int zc_session_follow(struct zc_nl *nl, pid_t pid,
		      const struct zc_session_opts *so, uint32_t *id)
{
	static const struct zc_session_opts none;
	struct zc_info info = { 0 };
	int err;

	so = so ? so : &none;
	err = zc_nl_session_new(nl, (uint32_t)pid, so->flags, so->sample_ms,
				so->devfilter, so->n_devfilter, &info);
	if (err)
		zc_nl_perror(nl, err, "session-new");
	*id = info.session_id;
	zc_info_free(&info);
	return err;
}

/* Read the session's counters, then end it. */
int zc_session_collect(struct zc_nl *nl, uint32_t id, struct zc_info *out)
{
	int err, err2;

	err = zc_nl_session_get(nl, id, out);
	if (err)
		zc_nl_perror(nl, err, "session-get");
	err2 = zc_nl_session_del(nl, id);
	if (err2 && err2 != -ENOENT)
		zc_nl_perror(nl, err2, "session-del");
	return err;
}

void zc_derive(const struct zc_counters *c, uint64_t bytes, uint64_t calls,
	       struct zc_derived *d)
{
	const uint64_t *v = c->v;
	double b = bytes ? (double)bytes : NAN;

	d->cpu_copy_bytes = v[ZCOPY_COUNTER_COPY_U2K_BYTES] +
			    v[ZCOPY_COUNTER_COPY_K2U_BYTES] +
			    v[ZCOPY_COUNTER_COPY_K2K_BYTES];
	d->dma_bytes = v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES] +
		       v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES];
	d->syscalls = v[ZCOPY_COUNTER_SYSCALLS];
	d->mode_switches = 2 * d->syscalls;
	d->ctx_switches = v[ZCOPY_COUNTER_CTX_SWITCHES_VOL] +
			  v[ZCOPY_COUNTER_CTX_SWITCHES_INVOL];
	d->cpu_copies = (double)d->cpu_copy_bytes / b;
	d->dma_copies = (double)d->dma_bytes / b;
	d->mode_switches_per_call = calls ? (double)d->mode_switches / calls : NAN;
}

/* The transfer child */

enum { MSG_READY = 1, MSG_RESULT, MSG_FAILED, MSG_UNAVAILABLE };

struct child_msg {
	uint32_t type;
	int32_t err;
	uint64_t bytes, calls, elapsed_ns, zc_completions, zc_copied;
	uint64_t retrans_bytes;
	int32_t zc_verdict;
	char msg[200];
};

/*
 * Shared with the child: its progress, and its result, which it stores
 * there rather than writing it to a pipe, so that reporting it costs the
 * session no system call and no copy.
 */
struct xfer_shared {
	volatile uint64_t progress;
	struct child_msg result;
};

struct xfer_ctx {
	const struct zc_run_cfg *cfg;
	struct xfer_shared *sh;
};

static void fill_msg(struct child_msg *m, uint32_t type, int err,
		     const struct zc_xfer *x, uint64_t elapsed_ns)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->err = err;
	m->elapsed_ns = elapsed_ns;
	if (x) {
		m->bytes = x->bytes;
		m->calls = x->calls;
		m->zc_completions = x->zc_completions;
		m->zc_copied = x->zc_copied;
		m->zc_verdict = x->zc_verdict;
		strlcpy0(m->msg, x->msg, sizeof(m->msg));
	}
}

static void send_msg(int fd, uint32_t type, int err, const struct zc_xfer *x)
{
	struct child_msg m;

	fill_msg(&m, type, err, x, 0);
	write_full(fd, &m, sizeof(m));
}

static uint32_t msg_type(int err)
{
	if (err == -EOPNOTSUPP)
		return MSG_UNAVAILABLE;
	return err ? MSG_FAILED : MSG_RESULT;
}

static int open_output(const struct zc_run_cfg *cfg, struct zc_xfer *x)
{
	char a[80];
	int fd;

	if (cfg->to) {
		fd = open(cfg->to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			snprintf(x->msg, sizeof(x->msg), "%s: %s", cfg->to,
				 strerror(errno));
		x->out_fd = fd;
		return fd < 0 ? -errno : 0;
	}
	x->out_is_sock = true;
	fd = socket(cfg->peer->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const void *)&cfg->peer->ss, cfg->peer->len)) {
		format_addr(cfg->peer, a, sizeof(a));
		snprintf(x->msg, sizeof(x->msg), "connect %s: %s", a, strerror(errno));
		close(fd);
		return -ECONNREFUSED;
	}
	x->out_fd = fd;
	return fd < 0 ? -errno : 0;
}

/* Wait until the peer has read everything and closed (bounded). */
static void drain_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t deadline = now_ns() + DRAIN_MS * 1000000ull;
	char buf[512];
	ssize_t n;

	shutdown(fd, SHUT_WR);
	while (now_ns() < deadline) {
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
	}
}

/*
 * Bytes TCP sent again: with a NIC that cannot gather, the stack segments
 * (copies) them again, and every resent byte is mapped for DMA again.
 */
static uint64_t retrans_bytes(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
	    len < offsetof(struct tcp_info, tcpi_bytes_retrans) +
		  sizeof(ti.tcpi_bytes_retrans))
		return 0;
	return ti.tcpi_bytes_retrans;
}

static int child_setup(const struct zc_run_cfg *cfg, struct zc_xfer *x)
{
	int err;

	err = zc_xfer_open_input(x, cfg->path);
	if (!err)
		err = open_output(cfg, x);
	if (!err)
		err = zc_xfer_setup(x);
	return err;
}

static int xfer_child(void *arg, int go_fd, int st_fd)
{
	struct xfer_ctx *ctx = arg;
	const struct zc_run_cfg *cfg = ctx->cfg;
	struct zc_xfer x = { .m = cfg->m, .in_fd = -1, .out_fd = -1,
			     .size = cfg->size, .chunk = cfg->chunk,
			     .progress = &ctx->sh->progress };
	uint64_t t0, elapsed;
	int err;

	signal(SIGPIPE, SIG_IGN);	/* a closed peer is EPIPE, not death */
	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* and do not outlive zcopy */
	err = child_setup(cfg, &x);
	if (err) {
		send_msg(st_fd, err == -EOPNOTSUPP ? MSG_UNAVAILABLE : MSG_FAILED,
			 err, &x);
		return 1;
	}
	send_msg(st_fd, MSG_READY, 0, NULL);
	if (zc_child_wait_go(go_fd))
		return 1;
	t0 = now_ns();
	err = zc_xfer_run(&x);
	if (!err && !x.out_is_sock && fsync(x.out_fd))
		err = -errno;
	elapsed = now_ns() - t0;
	fill_msg(&ctx->sh->result, msg_type(err), err, &x, elapsed);
	if (x.out_is_sock && !err) {
		drain_peer(x.out_fd);
		ctx->sh->result.retrans_bytes = retrans_bytes(x.out_fd);
	}
	zc_xfer_cleanup(&x);
	close(x.out_fd);
	return err ? 1 : 0;
}

/* The parent side */

static int read_msg(int fd, struct child_msg *m)
{
	ssize_t n = read_full(fd, m, sizeof(*m));

	if (n == (ssize_t)sizeof(*m))
		return 0;
	memset(m, 0, sizeof(*m));
	m->type = MSG_FAILED;
	snprintf(m->msg, sizeof(m->msg), "the transfer process died");
	return -EPIPE;
}

static void draw_progress(const struct zc_run_cfg *cfg, uint64_t done,
			  uint64_t t0, bool *drawn)
{
	uint64_t el = now_ns() - t0;
	char line[200];

	if (el < 1000000000ull)
		return;
	fmt_progress(line, sizeof(line), done, cfg->size,
		     (double)done * 1e9 / (double)el, 30);
	fprintf(stderr, "\r  %-16s %s", cfg->m->name, line);
	fflush(stderr);
	*drawn = true;
}

/* Wait for the child's end, drawing a progress bar after a second. */
static void wait_exit(const struct zc_run_cfg *cfg, struct zc_child *c,
		      struct xfer_shared *sh)
{
	struct pollfd p = { .fd = c->st_r, .events = POLLIN };
	bool bar = cfg->progress && isatty(STDERR_FILENO), drawn = false;
	uint64_t t0 = now_ns();
	char junk[64];
	int r;

	for (;;) {
		r = poll(&p, 1, bar ? 200 : -1);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && read(c->st_r, junk, sizeof(junk)) <= 0)
			break;	/* end of file: the child has exited */
		if (bar)
			draw_progress(cfg, sh->progress, t0, &drawn);
	}
	if (drawn)
		fputs("\r\033[K", stderr);
}

static void res_from_msg(struct zc_run_res *res, const struct child_msg *m)
{
	res->status = m->type == MSG_RESULT ? ZC_RUN_OK :
		      m->type == MSG_UNAVAILABLE ? ZC_RUN_UNAVAILABLE :
		      ZC_RUN_FAILED;
	res->bytes = m->bytes;
	res->calls = m->calls;
	res->elapsed_ns = m->elapsed_ns;
	res->zc_completions = m->zc_completions;
	res->zc_copied = m->zc_copied;
	res->zc_verdict = m->zc_verdict;
	res->retrans_bytes = m->retrans_bytes;
	if (res->status == ZC_RUN_OK)
		strlcpy0(res->note, m->msg, sizeof(res->note));
	else
		strlcpy0(res->msg, m->msg[0] ? m->msg : "transfer failed",
			 sizeof(res->msg));
}

/* Release the ready child under a session and collect the result. */
static int measure(const struct zc_run_cfg *cfg, struct zc_child *c,
		   struct xfer_shared *sh, struct zc_run_res *res)
{
	uint32_t id = 0;
	int err = 0;

	if (cfg->nl) {
		err = zc_session_follow(cfg->nl, c->pid, NULL, &id);
		if (err) {
			zc_child_kill(c);
			snprintf(res->msg, sizeof(res->msg), "no session");
			res->status = ZC_RUN_FAILED;
			return err;
		}
	}
	zc_child_go(c);
	wait_exit(cfg, c, sh);
	zc_child_reap(c, NULL);
	if (!sh->result.type) {
		sh->result.type = MSG_FAILED;
		snprintf(sh->result.msg, sizeof(sh->result.msg),
			 "the transfer process died");
	}
	res_from_msg(res, &sh->result);
	if (cfg->nl) {
		err = zc_session_collect(cfg->nl, id, &res->info);
		res->accounted = !err;
	}
	return err;
}

static void prepare_cache(const struct zc_run_cfg *cfg, struct zc_run_res *res)
{
	if (!cfg->cold) {
		snprintf(res->cache, sizeof(res->cache), "warm");
		return;
	}
	if (zc_drop_cache(cfg->path, res->cache, sizeof(res->cache)))
		zc_warn("cold cache: %s", res->cache);
}

/*
 * Run one transfer in a child. Returns 0 when it was attempted (see
 * res->status), or -errno when it could not be measured.
 */
int zc_run_transfer(const struct zc_run_cfg *cfg, struct zc_run_res *res)
{
	struct xfer_ctx ctx = { .cfg = cfg };
	struct zc_child c = { .go_w = -1, .st_r = -1 };
	struct child_msg m;
	int err;

	memset(res, 0, sizeof(*res));
	ctx.sh = mmap(NULL, sizeof(*ctx.sh), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctx.sh == MAP_FAILED)
		return -errno;
	prepare_cache(cfg, res);
	err = zc_child_spawn(&c, xfer_child, &ctx,
			     cfg->nl ? zc_nl_fd(cfg->nl) : -1);
	if (err)
		goto out;
	read_msg(c.st_r, &m);
	if (m.type == MSG_READY) {
		err = measure(cfg, &c, ctx.sh, res);
	} else {
		zc_child_reap(&c, NULL);
		res_from_msg(res, &m);
	}
out:
	munmap(ctx.sh, sizeof(*ctx.sh));
	return err;
}

void zc_run_res_free(struct zc_run_res *res)
{
	zc_info_free(&res->info);
}
