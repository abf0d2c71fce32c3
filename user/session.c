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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sockios.h>

#include "cputime.h"
#include "methods.h"
#include "opts.h"
#include "output.h"
#include "session.h"


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
		signal(SIGQUIT, SIG_DFL);
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
	uint64_t retrans_bytes, unacked_bytes;
	int32_t zc_verdict;
	char msg[200];
	char note[200];
	char dest[80];
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
	char dest[sizeof(m->dest)];

	strlcpy0(dest, m->dest, sizeof(dest));
	memset(m, 0, sizeof(*m));
	strlcpy0(m->dest, dest, sizeof(m->dest));
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

static void send_msg(int fd, uint32_t type, int err, const struct zc_xfer *x,
		     const char *dest)
{
	struct child_msg m;

	m.dest[0] = '\0';
	fill_msg(&m, type, err, x, 0);
	if (dest)
		strlcpy0(m.dest, dest, sizeof(m.dest));
	write_full(fd, &m, sizeof(m));
}

static uint32_t msg_type(int err)
{
	if (err == -EOPNOTSUPP)
		return MSG_UNAVAILABLE;
	return err ? MSG_FAILED : MSG_RESULT;
}

/*
 * The destination file: never the input itself (the same inode, whatever
 * the path: hard link, symbolic link, bind mount), and an existing file
 * only with @force, which truncates it once it is known not to be the input.
 */
static int open_dest_file(const struct zc_run_cfg *cfg, struct zc_xfer *x)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->force ? 0 : O_EXCL);
	struct stat in, out;
	int fd, err;

	if (fstat(x->in_fd, &in)) {
		err = -errno;
		snprintf(x->msg, sizeof(x->msg), "%s: %s", cfg->path, strerror(-err));
		return err;
	}
	if (!stat(cfg->to, &out) && out.st_dev == in.st_dev && out.st_ino == in.st_ino)
		goto same;
	fd = open(cfg->to, flags, 0644);
	if (fd < 0) {
		err = -errno;
		if (err == -EEXIST)
			snprintf(x->msg, sizeof(x->msg), "--to %s exists: give --force "
				 "to replace it", cfg->to);
		else
			snprintf(x->msg, sizeof(x->msg), "--to %s: %s", cfg->to,
				 strerror(-err));
		return err;
	}
	if (fstat(fd, &out) || (out.st_dev == in.st_dev && out.st_ino == in.st_ino)) {
		close(fd);
		goto same;
	}
	if (ftruncate(fd, 0)) {
		err = -errno;
		snprintf(x->msg, sizeof(x->msg), "--to %s: %s", cfg->to, strerror(-err));
		close(fd);
		return err;
	}
	x->out_fd = fd;
	return 0;
same:
	snprintf(x->msg, sizeof(x->msg), "--to %s is the input file %s (the same "
		 "inode): refusing to overwrite it", cfg->to, cfg->path);
	return -EINVAL;
}

static double connect_timeout(const struct zc_run_cfg *cfg)
{
	return cfg->connect_s > 0 ? cfg->connect_s : ZC_DEFAULT_CONNECT_S;
}

/* Connect to @a within @secs; -ETIMEDOUT when nothing answered. */
static int connect_one(const struct zc_addr *a, double secs, int *out)
{
	struct pollfd p = { .events = POLLOUT };
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9), now;
	int fd, fl, err = 0, r;
	socklen_t len = sizeof(err);

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const void *)&a->ss, a->len) && errno != EINPROGRESS) {
		err = -errno;
		goto fail;
	}
	p.fd = fd;
	for (;;) {
		now = now_ns();
		if (now >= end) {
			err = -ETIMEDOUT;
			goto fail;
		}
		r = poll(&p, 1, (int)((end - now) / 1000000) + 1);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR) {
			err = -errno;
			goto fail;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err) {
		err = -err;
		goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		err = -errno;
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return err;
}

/* Try every address of the peer in turn; @x->msg names each failure. */
static int open_dest_sock(const struct zc_run_cfg *cfg, struct zc_xfer *x,
			  char *dest, size_t dlen)
{
	double secs = connect_timeout(cfg);
	size_t off = 0;
	unsigned int i;
	char a[80];
	int fd = -1, err = -EDESTADDRREQ;

	x->out_is_sock = true;
	for (i = 0; i < cfg->npeers; i++) {
		format_addr(&cfg->peers[i], a, sizeof(a));
		err = connect_one(&cfg->peers[i], secs, &fd);
		if (!err) {
			strlcpy0(dest, a, dlen);
			x->out_fd = fd;
			x->msg[0] = '\0';
			return 0;
		}
		if (off < sizeof(x->msg)) {
			if (err == -ETIMEDOUT)
				off += (size_t)snprintf(x->msg + off, sizeof(x->msg) - off,
					"%sconnect to %s: no answer within %g s "
					"(--connect-timeout)", i ? "; " : "", a, secs);
			else
				off += (size_t)snprintf(x->msg + off, sizeof(x->msg) - off,
					"%sconnect to %s: %s", i ? "; " : "", a,
					strerror(-err));
		}
	}
	return err == -ETIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
}

/*
 * Wait until the peer has acknowledged every byte (SIOCOUTQ is 0), so that
 * all of the NIC's DMA is in the session: as long as the queue shrinks, and
 * at most @stall_s without progress. Returns the bytes still unacknowledged.
 */
static uint64_t drain_peer(int fd, double stall_s, const char *peer)
{
	uint64_t stall_ns = (uint64_t)(stall_s * 1e9), t0 = now_ns(), last = t0;
	bool said = false;
	int q = 0, prev = -1;

	for (;;) {
		if (ioctl(fd, SIOCOUTQ, &q) || q <= 0)
			return 0;
		if (q != prev) {
			prev = q;
			last = now_ns();
		} else if (now_ns() - last >= stall_ns) {
			return (uint64_t)q;
		}
		if (!said && now_ns() - t0 >= 2000000000ull) {
			fprintf(stderr, "zcopy: waiting for %s to acknowledge the last "
				"%d bytes (at most %g s without progress)\n", peer, q,
				stall_s);
			said = true;
		}
		sleep_ns(5000000ull);
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

static int child_setup(const struct zc_run_cfg *cfg, struct zc_xfer *x,
		       char *dest, size_t dlen)
{
	int err;

	err = zc_xfer_open_input(x, cfg->path);
	if (!err)
		err = cfg->to ? open_dest_file(cfg, x) :
		      open_dest_sock(cfg, x, dest, dlen);
	if (!err)
		err = zc_xfer_setup(x);
	return err;
}

static double stall_timeout(const struct zc_run_cfg *cfg)
{
	return cfg->stall_s > 0 ? cfg->stall_s : ZC_DEFAULT_STALL_S;
}

/*
 * The transfer. The session's window is the loop: the child stops itself
 * (one kill(SIGSTOP)) when it is ready, the parent creates the session
 * for it while it is stopped and resumes it (SIGCONT); after the loop it
 * stops itself again, and the parent reads the counters while it is
 * stopped. Syscalls are counted at entry, so the window holds the loop's
 * calls and the second kill(), which the parent takes off.
 */
static int xfer_child(void *arg, int go_fd, int st_fd)
{
	struct xfer_ctx *ctx = arg;
	const struct zc_run_cfg *cfg = ctx->cfg;
	struct zc_xfer x = { .m = cfg->m, .in_fd = -1, .out_fd = -1,
			     .size = cfg->size, .chunk = cfg->chunk,
			     .progress = &ctx->sh->progress };
	struct child_msg *res = &ctx->sh->result;
	char dest[80] = "";
	uint64_t t0, elapsed;
	pid_t self = getpid();
	int err;

	signal(SIGPIPE, SIG_IGN);	/* a closed peer is EPIPE, not death */
	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* and do not outlive zcopy */
	err = child_setup(cfg, &x, dest, sizeof(dest));
	if (err) {
		send_msg(st_fd, err == -EOPNOTSUPP ? MSG_UNAVAILABLE : MSG_FAILED,
			 err, &x, NULL);
		return 1;
	}
	strlcpy0(res->dest, dest, sizeof(res->dest));
	close(go_fd);		/* the parent releases us with SIGCONT */
	send_msg(st_fd, MSG_READY, 0, NULL, dest);
	syscall(SYS_kill, self, SIGSTOP);	/* the start of the window */
	t0 = now_ns();		/* vDSO: no system call */
	err = zc_xfer_run(&x);
	elapsed = now_ns() - t0;
	fill_msg(res, msg_type(err), err, &x, elapsed);
	syscall(SYS_kill, self, SIGSTOP);	/* the end of the window */
	if (!err && !x.out_is_sock && fsync(x.out_fd)) {
		err = -errno;
		fill_msg(res, MSG_FAILED, err, &x, elapsed);
		snprintf(res->msg, sizeof(res->msg), "fsync %s: %s", cfg->to,
			 strerror(-err));
	}
	if (x.out_is_sock && !err) {
		res->unacked_bytes = drain_peer(x.out_fd, stall_timeout(cfg), dest);
		res->retrans_bytes = retrans_bytes(x.out_fd);
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

/* SIGCHLD wakes the parent's poll() through this pipe. */
static int chld_pipe[2] = { -1, -1 };

static void on_chld(int sig)
{
	int e = errno;

	(void)sig;
	if (chld_pipe[1] >= 0 && write(chld_pipe[1], "c", 1) < 0)
		errno = e;
	errno = e;
}

struct window {
	struct zc_run_res *res;
	uint32_t id;
	bool taken;		/* the loop's counters were read */
	uint64_t syscalls, vol, invol;
	uint64_t cpu0;		/* the child's CPU time at the start */
	uint64_t busy0;		/* the machine's busy time at the start */
	int err;
};

/* The child stopped itself after its loop: read the window, resume it. */
static void take_window(const struct zc_run_cfg *cfg, struct zc_child *c,
			struct window *w)
{
	struct zc_info info = { 0 };
	const uint64_t *v = info.counters.v;

	if (cfg->nl && !w->taken) {
		w->err = zc_nl_session_get(cfg->nl, w->id, &info);
		if (w->err) {
			zc_nl_perror(cfg->nl, w->err, "session-get");
		} else {
			w->syscalls = v[ZCOPY_COUNTER_SYSCALLS];
			w->vol = v[ZCOPY_COUNTER_CTX_SWITCHES_VOL];
			w->invol = v[ZCOPY_COUNTER_CTX_SWITCHES_INVOL];
		}
		zc_info_free(&info);
	}
	if (w->cpu0 != ZC_CPU_UNKNOWN) {
		uint64_t t = zc_task_cpu_ns(c->pid);

		if (t != ZC_CPU_UNKNOWN && t >= w->cpu0)
			w->res->cpu_ns = t - w->cpu0;
	}
	if (w->busy0 != ZC_CPU_UNKNOWN) {
		uint64_t t = zc_machine_busy_ns();

		if (t != ZC_CPU_UNKNOWN && t >= w->busy0)
			w->res->machine_busy_ns = t - w->busy0;
	}
	w->taken = true;
	kill(c->pid, SIGCONT);
}

static bool child_stopped(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG) &&
	       si.si_pid == pid && si.si_code == CLD_STOPPED;
}

/*
 * Wait for the child's end: take the window when it stops, draw a progress
 * bar after a second, and kill it when it made no progress for the stall
 * timeout (it then reports what it waited for).
 */
static void wait_exit(const struct zc_run_cfg *cfg, struct zc_child *c,
		      struct xfer_shared *sh, struct window *w)
{
	struct pollfd p[2] = { { .fd = c->st_r, .events = POLLIN },
			       { .fd = chld_pipe[0], .events = POLLIN } };
	bool bar = cfg->progress && isatty(STDERR_FILENO), drawn = false;
	uint64_t t0 = now_ns(), last = t0, seen = 0;
	uint64_t stall_ns = (uint64_t)(stall_timeout(cfg) * 1e9);
	char junk[64];
	int r;

	for (;;) {
		r = poll(p, 2, bar ? 200 : 1000);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (p[0].revents & (POLLIN | POLLHUP)) &&
		    read(c->st_r, junk, sizeof(junk)) <= 0)
			break;	/* end of file: the child has exited */
		if (r > 0 && (p[1].revents & POLLIN))
			while (read(chld_pipe[0], junk, sizeof(junk)) > 0)
				;
		if (!w->taken && child_stopped(c->pid))
			take_window(cfg, c, w);
		if (sh->progress != seen || w->taken) {
			seen = sh->progress;
			last = now_ns();
		} else if (now_ns() - last >= stall_ns) {
			kill(c->pid, SIGKILL);
			if (cfg->to)
				snprintf(sh->result.msg, sizeof(sh->result.msg),
					 "stalled: no progress for %g s writing %s, after "
					 "%llu of %llu bytes (--stall-timeout)",
					 stall_timeout(cfg), cfg->to,
					 (unsigned long long)seen,
					 (unsigned long long)cfg->size);
			else
				snprintf(sh->result.msg, sizeof(sh->result.msg),
					 "stalled: %s took no data for %g s, after %llu "
					 "of %llu bytes (--stall-timeout)",
					 sh->result.dest, stall_timeout(cfg),
					 (unsigned long long)seen,
					 (unsigned long long)cfg->size);
			sh->result.type = MSG_FAILED;
			sh->result.bytes = seen;
		}
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
	res->unacked_bytes = m->unacked_bytes;
	strlcpy0(res->dest, m->dest, sizeof(res->dest));
	if (res->status == ZC_RUN_OK)
		strlcpy0(res->note, m->msg, sizeof(res->note));
	else
		strlcpy0(res->msg, m->msg[0] ? m->msg : "transfer failed",
			 sizeof(res->msg));
	if (res->status == ZC_RUN_OK && m->unacked_bytes && !res->note[0])
		snprintf(res->note, sizeof(res->note), "%llu bytes were still "
			 "unacknowledged by %s when zcopy stopped waiting: their "
			 "DMA may be missing", (unsigned long long)m->unacked_bytes,
			 m->dest);
}

/* Put the loop's syscall and context-switch counts in the session's. */
static void apply_window(struct zc_run_res *res, const struct window *w)
{
	uint64_t *v = res->info.counters.v;

	if (!w->taken || w->err || !res->accounted)
		return;
	/* The window ends with the child's kill(SIGSTOP): not the transfer's. */
	res->after_loop_syscalls = v[ZCOPY_COUNTER_SYSCALLS] > w->syscalls ?
				   v[ZCOPY_COUNTER_SYSCALLS] - w->syscalls : 0;
	v[ZCOPY_COUNTER_SYSCALLS] = w->syscalls ? w->syscalls - 1 : 0;
	v[ZCOPY_COUNTER_CTX_SWITCHES_VOL] = w->vol;
	v[ZCOPY_COUNTER_CTX_SWITCHES_INVOL] = w->invol;
	res->windowed = true;
}

/* Wait until the ready child has stopped itself; false if it died. */
static bool wait_stopped(pid_t pid)
{
	siginfo_t si;
	int r;

	do {
		memset(&si, 0, sizeof(si));
		r = waitid(P_PID, (id_t)pid, &si, WSTOPPED | WEXITED | WNOWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0 || si.si_code != CLD_STOPPED)
		return false;
	return child_stopped(pid);	/* consume this stop */
}

/* Release the ready child under a session and collect the result. */
static int measure(const struct zc_run_cfg *cfg, struct zc_child *c,
		   struct xfer_shared *sh, struct zc_run_res *res)
{
	struct window w = { .res = res, .cpu0 = ZC_CPU_UNKNOWN,
			    .busy0 = ZC_CPU_UNKNOWN };
	int err = 0;

	if (!wait_stopped(c->pid)) {
		zc_child_reap(c, NULL);
		res_from_msg(res, &sh->result);
		res->status = ZC_RUN_FAILED;
		snprintf(res->msg, sizeof(res->msg), "the transfer process died");
		return 0;
	}
	if (cfg->nl) {
		err = zc_session_follow(cfg->nl, c->pid, NULL, &w.id);
		if (err) {
			zc_child_kill(c);
			snprintf(res->msg, sizeof(res->msg), "no session");
			res->status = ZC_RUN_FAILED;
			return err;
		}
	}
	w.cpu0 = zc_task_cpu_ns(c->pid);
	w.busy0 = zc_machine_busy_ns();
	kill(c->pid, SIGCONT);
	wait_exit(cfg, c, sh, &w);
	zc_child_reap(c, NULL);
	if (!sh->result.type) {
		sh->result.type = MSG_FAILED;
		snprintf(sh->result.msg, sizeof(sh->result.msg),
			 "the transfer process died");
	}
	res_from_msg(res, &sh->result);
	if (cfg->nl) {
		err = zc_session_collect(cfg->nl, w.id, &res->info);
		res->accounted = !err;
		apply_window(res, &w);
	}
	return err;
}

static void prepare_cache(const struct zc_run_cfg *cfg, struct zc_run_res *res)
{
	struct zc_evict ev;

	if (!cfg->cold) {
		snprintf(res->cache, sizeof(res->cache), "warm");
		return;
	}
	zc_evict_file(cfg->path, &ev);
	res->cache_pages = ev.pages;
	res->cache_resident = ev.resident;
	strlcpy0(res->cache, ev.note, sizeof(res->cache));
}

static int chld_install(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_chld };
	int err = pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) ? -errno : 0;

	if (err)
		return err;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, old);
	return 0;
}

static void chld_restore(const struct sigaction *old)
{
	sigaction(SIGCHLD, old, NULL);
	close(chld_pipe[0]);
	close(chld_pipe[1]);
	chld_pipe[0] = chld_pipe[1] = -1;
}

/*
 * Run one transfer in a child. Returns 0 when it was attempted (see
 * res->status), or -errno when it could not be measured.
 */
int zc_run_transfer(const struct zc_run_cfg *cfg, struct zc_run_res *res)
{
	struct xfer_ctx ctx = { .cfg = cfg };
	struct zc_child c = { .go_w = -1, .st_r = -1 };
	struct sigaction old;
	struct child_msg m;
	int err;

	memset(res, 0, sizeof(*res));
	ctx.sh = mmap(NULL, sizeof(*ctx.sh), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctx.sh == MAP_FAILED)
		return -errno;
	err = chld_install(&old);
	if (err)
		goto out_unmap;
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
	chld_restore(&old);
out_unmap:
	munmap(ctx.sh, sizeof(*ctx.sh));
	return err;
}

void zc_run_res_free(struct zc_run_res *res)
{
	zc_info_free(&res->info);
}
