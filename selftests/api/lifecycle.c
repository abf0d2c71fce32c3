// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading zcopy.ko while it is in use, 20 times: each time
 * with a transfer running in a followed process (over loopback, or from
 * the NVMe disk over the e1000 pair), unloaded while it runs, with
 * sessions over netlink (which end, and tell the listeners why) and now
 * and then an open /dev/zcopy (which keeps the module). rmmod must succeed or fail cleanly, the module must
 * come back and answer, and the kernel log must stay clean. The module is
 * left loaded as found, with the same parameters.
 *
 * Needs $ZCOPY_MODULE, the .ko to load (the lab sets it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/zcopy_dev.h>

#include "zc_test.h"

/*
 * What is in use at each rmmod, besides a TCP transfer in a followed
 * process that goes on across the unload, with its session, the owner's
 * netlink socket and a listener (issue 9: every cycle with sessions,
 * sockets and a transfer live): 1 a second session, of an idle process;
 * 2 a session bound to an open /dev/zcopy (rmmod fails until it is
 * closed); 3 nothing more; 4 instead of the loopback transfer, one of a
 * file from the NVMe disk, cold, to the peer namespace over the e1000
 * pair (real disk and NIC DMA). Each cycle arms and disarms the probes,
 * which takes seconds under TCG.
 */
static const int zc_cycle_kind[] = {
	1, 3, 2, 3, 4, 1, 3, 2, 3, 1, 3, 2, 3, 4, 1, 3, 2, 3, 1, 3,
};

#define ZC_CYCLES	(ARRAY_SIZE(zc_cycle_kind))

FIXTURE(life) {
	const char *path;
	char params[256];
	int kmsg;
	pid_t server, client;
};

FIXTURE_SETUP(life)
{
	self->path = zc_module_path();
	ASSERT_NE(NULL, self->path);
	ASSERT_EQ(0, zc_module_params(self->params, sizeof(self->params)));
	self->kmsg = zc_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

static void zc_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

FIXTURE_TEARDOWN(life)
{
	zc_stop(&self->client);
	zc_stop(&self->server);
	/* Leave the module loaded, as the lab runner expects. */
	if (!zc_module_loaded() && self->path)
		zc_module_load(self->path, self->params);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/*
 * ---- a transfer to follow: TCP over loopback ----
 *
 * The test and its transfer run on one CPU. Under QEMU TCG another vCPU
 * can run a stale translation of a patch site (a probe being armed or
 * disarmed): the guest dies of "Oops: int3" with or without zcopy (seen
 * at boot, in a timer). On one vCPU, patching and running stay coherent,
 * and rmmod still meets the transfer in the middle of its system calls.
 */
static int zc_pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* What the server of either transfer received, shared with the test. */
static unsigned long long *zc_rx_bytes;

static int zc_rx_reset(void)
{
	if (!zc_rx_bytes) {
		zc_rx_bytes = mmap(NULL, sizeof(*zc_rx_bytes), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (zc_rx_bytes == MAP_FAILED) {
			zc_rx_bytes = NULL;
			return -ENOMEM;
		}
	}
	*zc_rx_bytes = 0;
	return 0;
}

static void zc_server(int wfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	static char buf[1 << 16];
	ssize_t n;
	int s, c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s, 1) || getsockname(s, (struct sockaddr *)&sa, &len))
		_exit(1);
	if (write(wfd, &sa, sizeof(sa)) != sizeof(sa))
		_exit(1);
	close(wfd);
	c = accept(s, NULL, NULL);
	while (c >= 0 && (n = read(c, buf, sizeof(buf))) > 0)
		__atomic_add_fetch(zc_rx_bytes, (unsigned long long)n,
				   __ATOMIC_RELAXED);
	_exit(0);
}

/* Writes and sendfile()s from a memfd until killed. */
static void zc_client(const struct sockaddr_in *sa)
{
	static char buf[1 << 16];
	int s, mfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	mfd = memfd_create("zcopy-lifecycle", 0);
	if (mfd < 0 || ftruncate(mfd, 1 << 20))
		_exit(1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (const struct sockaddr *)sa, sizeof(*sa)))
		_exit(1);
	for (;;) {
		off_t off = 0;

		if (write(s, buf, sizeof(buf)) < 0 ||
		    sendfile(s, mfd, &off, 1 << 20) < 0)
			_exit(1);
	}
}

/*
 * ---- a transfer over the lab's e1000 pair, from its NVMe disk ----
 *
 * The server runs in the peer namespace ($ZCOPY_PEER_NS, $ZCOPY_PEER_ADDR)
 * and adds what it reads to a counter shared with the test; the client
 * sendfile()s a file of $ZCOPY_DISK_DIR over and over, dropping its pages
 * from the cache before each pass, so that the disk is read too.
 */
#define ZC_DISK_FILE_SIZE	(8 << 20)

static void zc_peer_server(int wfd)
{
	const char *ns = getenv("ZCOPY_PEER_NS"), *addr = getenv("ZCOPY_PEER_ADDR");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	static char buf[1 << 16];
	char path[128];
	int nsfd, s, c;
	ssize_t n;

	/* Never outlive the test: a stray transfer would skew every suite after. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(path, sizeof(path), "/run/netns/%s", ns ? ns : "");
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (!addr || nsfd < 0 || setns(nsfd, CLONE_NEWNET) ||
	    inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		_exit(1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s, 1) || getsockname(s, (struct sockaddr *)&sa, &len))
		_exit(1);
	if (write(wfd, &sa, sizeof(sa)) != sizeof(sa))
		_exit(1);
	close(wfd);
	c = accept(s, NULL, NULL);
	while (c >= 0 && (n = read(c, buf, sizeof(buf))) > 0)
		__atomic_add_fetch(zc_rx_bytes, (unsigned long long)n,
				   __ATOMIC_RELAXED);
	_exit(0);
}

static void zc_disk_client(const struct sockaddr_in *sa, const char *file,
			   int go)
{
	int s, fd = open(file, O_RDONLY | O_CLOEXEC);
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Start once the session follows this process (see zc_disk_go()). */
	if (read(go, &c, 1) != 1)
		_exit(1);
	close(go);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || s < 0 || connect(s, (const struct sockaddr *)sa, sizeof(*sa)))
		_exit(1);
	for (;;) {
		off_t off = 0;

		int dc = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

		/*
		 * Cold each pass: fadvise alone left the file cached on 6.12
		 * (no disk DMA in 60 s), so drop the clean page cache too.
		 */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (dc >= 0) {
			if (write(dc, "1", 1) != 1)
				_exit(1);
			close(dc);
		}
		while (off < ZC_DISK_FILE_SIZE)
			if (sendfile(s, fd, &off, ZC_DISK_FILE_SIZE - off) < 0)
				_exit(1);
	}
}

static int zc_go_fd = -1;

/* Let the client of zc_disk_transfer_start() begin. */
static int zc_disk_go(void)
{
	int err = write(zc_go_fd, "g", 1) == 1 ? 0 : -EPIPE;

	close(zc_go_fd);
	zc_go_fd = -1;
	return err;
}

/*
 * Fork a server running @fn(write end of a pipe); it writes the address it
 * listens on into the pipe, which is read into @sa. Its pid goes to @pid.
 */
static int zc_fork_server(void (*fn)(int wfd), pid_t *pid, struct sockaddr_in *sa)
{
	int pfd[2];

	if (pipe(pfd))
		return -errno;
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (!*pid) {
		close(pfd[0]);
		fn(pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], sa, sizeof(*sa)) != sizeof(*sa)) {
		close(pfd[0]);
		return -EPIPE;
	}
	close(pfd[0]);
	return 0;
}

static int zc_disk_transfer_start(FIXTURE_DATA(life) *self, char *file,
				  size_t len)
{
	int go[2];
	const char *dir = getenv("ZCOPY_DISK_DIR");
	static char buf[1 << 16];
	struct sockaddr_in sa;
	int fd, i, err;

	if (!dir || !getenv("ZCOPY_PEER_NS") || !getenv("ZCOPY_PEER_ADDR"))
		return -ENOENT;
	err = zc_rx_reset();
	if (err)
		return err;
	snprintf(file, len, "%s/zcopy-lifecycle.dat", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < ZC_DISK_FILE_SIZE / (int)sizeof(buf); i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
	fsync(fd);
	close(fd);
	err = zc_fork_server(zc_peer_server, &self->server, &sa);
	if (err)
		return err;
	if (pipe(go))
		return -errno;
	self->client = fork();
	if (self->client < 0)
		return -errno;
	if (!self->client) {
		close(go[1]);
		zc_disk_client(&sa, file, go[0]);
	}
	close(go[0]);
	zc_go_fd = go[1];
	return 0;
}

/*
 * Wait until session @id has counted at least @min bytes of DMA both to a
 * device (the NIC) and from one (the disk).
 */
static int zc_wait_dma(struct zc_nl *nl, __u32 id, __u64 min, int timeout_ms,
		       struct zc_sess *out)
{
	long long end = zc_now_ms() + timeout_ms;
	int err;

	do {
		err = zc_session_get(nl, id, out);
		if (err)
			return err;
		if (out->ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES] >= min &&
		    out->ctr.v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES] >= min)
			return 0;
		usleep(100 * 1000);
	} while (zc_now_ms() < end);
	return -ETIMEDOUT;
}

static int zc_transfer_start(FIXTURE_DATA(life) *self)
{
	struct sockaddr_in sa;
	int err = zc_rx_reset();

	if (!err)
		err = zc_fork_server(zc_server, &self->server, &sa);
	if (err)
		return err;
	self->client = fork();
	if (self->client < 0)
		return -errno;
	if (!self->client)
		zc_client(&sa);
	return 0;
}

/* ---- checks ---- */

/* After a load: the family answers afresh and the device is there. */
static void zc_check_loaded(struct __test_metadata *_metadata, int cycle)
{
	struct zc_stats st;
	struct stat sb;
	struct zc_nl nl;
	int err;

	err = zc_nl_open(&nl);
	ASSERT_EQ(0, err) {
		TH_LOG("cycle %d: the family is gone after insmod: %s", cycle,
		       zc_errname(err));
	}
	ASSERT_NL_OK(&nl, zc_stats_get(&nl, &st));
	ASSERT_EQ(ZC_VERSION, st.version);
	ASSERT_EQ(0U, st.sessions) {
		TH_LOG("cycle %d: a fresh module has %u sessions", cycle,
		       st.sessions);
	}
	ASSERT_EQ(0, st.armed);
	zc_nl_close(&nl);
	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb)) {
		TH_LOG("cycle %d: no %s after insmod", cycle, ZC_DEV_PATH);
	}
}

static void zc_check_log(struct __test_metadata *_metadata,
			 FIXTURE_DATA(life) *self, int cycle)
{
	char first[256];

	ASSERT_EQ(0, zc_kmsg_bad(self->kmsg, first, sizeof(first))) {
		TH_LOG("cycle %d: the kernel log says: %s", cycle, first);
	}
}

/* Find the session-end-ntf of session @id among those already queued. */
static int zc_queued_end(struct zc_nl *l, __u32 id, struct zc_sess *e)
{
	for (;;) {
		const struct nlmsghdr *nlh = (const void *)l->rbuf;
		int n = zc_nl_recv_ntf(l, l->rbuf, ZC_NL_RBUF, 0);

		if (n < 0)
			return n;
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n))
			if (!zc_parse_sess(nlh, e) &&
			    e->cmd == ZCOPY_CMD_SESSION_END_NTF && e->id == id)
				return 0;
	}
}

/* rmmod while busy: 0, or a clean refusal. */
static bool zc_unload_ok(int err)
{
	return !err || err == -EBUSY || err == -EAGAIN;
}

/*
 * ZCOPY_LIFE_CYCLES runs the first N cycles only (the first five hold every
 * kind): the debug kernel's lane does (scripts/lab-check).
 */
static unsigned int zc_cycles(void)
{
	unsigned int n = zc_env_count("ZCOPY_LIFE_CYCLES", ZC_CYCLES);

	return n && n < ZC_CYCLES ? n : ZC_CYCLES;
}

TEST_F_TIMEOUT(life, cycles, 600)
{
	unsigned int cycle, n = zc_cycles();
	int err;

	ASSERT_EQ(0, zc_pin_cpu0());
	ksft_print_msg("%u insmod/rmmod cycles of %zu\n", n, ZC_CYCLES);
	for (cycle = 0; cycle < n; cycle++) {
		struct zc_nl owner = { .fd = -1 }, ntf = { .fd = -1 };
		struct zc_child child = { 0 };
		struct zcopy_session_req req = { .size = sizeof(req) };
		struct zc_sess s = { 0 }, s1 = { 0 }, e = { 0 };
		int kind = zc_cycle_kind[cycle], fd = -1, tries;
		unsigned long long rx0, rx1, rx2;
		char file[256] = "";

		/* Sessions, their sockets and a transfer live at rmmod time. */
		ASSERT_EQ(0, zc_nl_open(&owner));
		ASSERT_EQ(0, zc_nl_open(&ntf));
		ASSERT_EQ(0, zc_nl_join(&ntf, ntf.events_grp));
		if (kind == 4) {
			err = zc_disk_transfer_start(self, file, sizeof(file));
			ASSERT_EQ(0, err) {
				TH_LOG("cycle %u: no transfer from %s to the peer: %s",
				       cycle, file, zc_errname(err));
			}
		} else {
			ASSERT_EQ(0, zc_transfer_start(self));
		}
		ASSERT_NL_OK(&owner, zc_session_new(&owner, self->client,
						    ZCOPY_SESSION_FLAGS_CHILDREN,
						    20, &s));
		switch (kind) {
		case 1:		/* a second session, of an idle process */
			ASSERT_EQ(0, zc_child_start(&child));
			ASSERT_NL_OK(&owner, zc_session_new(&owner, child.pid,
							    0, 50, &s1));
			break;
		case 2:		/* a session bound to an open file */
			fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
			ASSERT_LE(0, fd);
			req.pid = getpid();
			ASSERT_EQ(0, ioctl(fd, ZCOPY_IOC_SESSION_NEW, &req));
			break;
		case 4:		/* it really moves data by disk and NIC DMA */
			ASSERT_EQ(0, zc_disk_go());
			err = zc_wait_dma(&owner, s.id, 1 << 20, 60000, &e);
			ASSERT_EQ(0, err) {
				TH_LOG("cycle %u: session %u counted DMA to %llu, from %llu bytes: %s",
				       cycle, s.id,
				       e.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES],
				       e.ctr.v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES],
				       zc_errname(err));
			}
			break;
		}
		usleep(200 * 1000);

		rx0 = __atomic_load_n(zc_rx_bytes, __ATOMIC_RELAXED);
		err = zc_module_unload();
		ASSERT_TRUE(zc_unload_ok(err)) {
			TH_LOG("cycle %u: rmmod failed with %s", cycle,
			       zc_errname(err));
		}
		if (kind == 2) {
			/* The open file holds the module. */
			ASSERT_NE(0, err) {
				TH_LOG("cycle %u: rmmod succeeded while %s was open",
				       cycle, ZC_DEV_PATH);
			}
			ASSERT_TRUE(zc_module_loaded());
			ASSERT_EQ(NULL, zc_missing_prereq(true));
			ASSERT_NL_OK(&owner, zc_session_get(&owner,
							    req.session_id,
							    NULL));
			close(fd);
			err = zc_module_unload();
		}
		/* Busy in a probe now and then: retry, the transfer going on. */
		for (tries = 0; err && zc_unload_ok(err) && tries < 200; tries++) {
			usleep(20 * 1000);
			err = zc_module_unload();
		}
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %u: rmmod during the transfer: %s", cycle,
			       zc_errname(err));
		}
		ASSERT_FALSE(zc_module_loaded());
		rx1 = __atomic_load_n(zc_rx_bytes, __ATOMIC_RELAXED);
		usleep(500 * 1000);
		rx2 = __atomic_load_n(zc_rx_bytes, __ATOMIC_RELAXED);
		/*
		 * The unload happened during the transfer: the same connection
		 * carried data before it and goes on after.
		 */
		ASSERT_EQ(0, waitpid(self->client, NULL, WNOHANG));
		ASSERT_LT(rx1, rx2) {
			TH_LOG("cycle %u: the transfer stopped at the unload (%llu bytes)",
			       cycle, rx1);
		}
		ksft_print_msg("cycle %u (kind %d): rmmod with %llu bytes received; %llu when it returned, %llu 0.5 s later\n",
			       cycle, kind, rx0, rx1, rx2);
		if (kind == 4) {
			ksft_print_msg("cycle %u: the session had %llu bytes of disk and %llu of NIC DMA\n",
				       cycle,
				       e.ctr.v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES],
				       e.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES]);
			unlink(file);
		}

		/* The sessions ended with the module, and listeners heard. */
		err = zc_queued_end(&ntf, s.id, &e);
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %u: no session-end-ntf for session %u at rmmod: %s",
			       cycle, s.id, zc_errname(err));
		}
		ASSERT_EQ((__u32)ZCOPY_END_REASON_UNLOAD, e.end_reason) {
			TH_LOG("cycle %u: session %u ended with reason %u",
			       cycle, s.id, e.end_reason);
		}
		/* The owner's socket outlives the family: ENOENT. */
		ASSERT_NL_ERRNO(&owner, zc_session_get(&owner, s.id, NULL),
				ENOENT);
		if (kind == 1)
			ASSERT_NL_ERRNO(&owner, zc_session_get(&owner, s1.id,
							       NULL),
					ENOENT);
		zc_child_stop(&child);
		zc_nl_close(&owner);
		zc_nl_close(&ntf);

		err = zc_module_load(self->path, self->params);
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %u: insmod %s %s: %s", cycle, self->path,
			       self->params, zc_errname(err));
		}
		zc_check_loaded(_metadata, cycle);
		zc_stop(&self->client);
		zc_stop(&self->server);
		zc_check_log(_metadata, self, cycle);
	}
}

/* The mode of /dev/zcopy after loading with @params. */
static int zc_dev_mode_after(const char *path, const char *params)
{
	struct stat sb;
	int err;

	err = zc_module_reload(path, params, NULL);
	if (!err && stat(ZC_DEV_PATH, &sb))
		err = -errno;
	return err ? err : (int)(sb.st_mode & 07777);
}

/*
 * The parameters: dev_mode sets the node's mode (0600 by default), and
 * values out of range are refused at load time, leaving nothing behind.
 */
TEST_F_TIMEOUT(life, params, 60)
{
	static const char *const bad[] = { "max_sessions=0",
					   "max_sessions=1025",
					   "dev_mode=01000", "dev_mode=04755" };
	unsigned int i;
	int err;

	err = zc_dev_mode_after(self->path, "");
	ASSERT_EQ(0600, err) {
		TH_LOG("without dev_mode, %s has mode %#o (or failed with %s)",
		       ZC_DEV_PATH, err, zc_errname(err < 0 ? err : 0));
	}
	err = zc_dev_mode_after(self->path, "dev_mode=0640");
	ASSERT_EQ(0640, err) {
		TH_LOG("with dev_mode=0640, %s has mode %#o (or failed with %s)",
		       ZC_DEV_PATH, err, zc_errname(err < 0 ? err : 0));
	}

	ASSERT_EQ(0, zc_module_unload());
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err = zc_module_load(self->path, bad[i]);
		EXPECT_EQ(-EINVAL, err) {
			TH_LOG("insmod %s: expected %s, got %s", bad[i],
			       zc_errname(-EINVAL), zc_errname(err));
		}
		EXPECT_FALSE(zc_module_loaded());
		if (!err)
			zc_module_unload();
	}
	ASSERT_EQ(0, zc_module_load(self->path, self->params));
	zc_check_loaded(_metadata, -1);
	zc_check_log(_metadata, self, -1);
}

/*
 * max_sessions at its edges, 1 and 1024: the module loads, reports it, and
 * holds exactly that many sessions; the next one is refused with ENOSPC.
 */
TEST_F_TIMEOUT(life, max_sessions_edges, 120)
{
	static const unsigned int edge[] = { 1, 1024 };
	struct zc_child child = { 0 };
	struct zc_stats st;
	struct zc_nl nl;
	unsigned int i, k, made;
	char p[64];
	int err;

	ASSERT_EQ(0, zc_child_start(&child));
	for (i = 0; i < ARRAY_SIZE(edge); i++) {
		snprintf(p, sizeof(p), "max_sessions=%u", edge[i]);
		err = zc_module_reload(self->path, p, self->params);
		ASSERT_EQ(0, err) {
			TH_LOG("insmod %s: %s", p, zc_errname(err));
		}
		ASSERT_EQ(0, zc_nl_open(&nl));
		ASSERT_NL_OK(&nl, zc_stats_get(&nl, &st));
		EXPECT_EQ(edge[i], st.max_sessions);
		for (k = 0, made = 0; k < edge[i]; k++)
			made += !zc_session_new(&nl, child.pid, 0, 0, NULL);
		EXPECT_EQ(edge[i], made) {
			TH_LOG("%s: %u sessions made", p, made);
		}
		err = zc_session_new(&nl, child.pid, 0, 0, NULL);
		EXPECT_EQ(-ENOSPC, err) {
			TH_LOG("%s: session %u: expected %s, got %s", p,
			       edge[i] + 1, zc_errname(-ENOSPC), zc_errname(err));
		}
		zc_nl_close(&nl);
	}
	zc_child_stop(&child);
	ASSERT_EQ(0, zc_module_reload(self->path, self->params, NULL));
	zc_check_loaded(_metadata, -1);
	zc_check_log(_metadata, self, -1);
}

/*
 * disarm_delay_ms is writable at runtime and the next disarm follows it:
 * with 60000 the probes stay armed well after the last session ended (2 s
 * is checked: no emulated machine is 30 times that slow), with 0 they go
 * at once (within the 20 s any disarm is given here).
 */
TEST_F_TIMEOUT(life, disarm_delay_runtime, 120)
{
	static const char param[] = ZC_SYSFS "/parameters/disarm_delay_ms";
	struct zc_child child = { 0 };
	struct zc_stats st;
	struct zc_sess s;
	struct zc_nl nl;
	char old[32], now[32];
	int fd;

	ASSERT_EQ(0, zc_param_read("disarm_delay_ms", old, sizeof(old)));
	ASSERT_EQ(0, zc_child_start(&child));
	ASSERT_EQ(0, zc_nl_open(&nl));

	fd = open(param, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "60000", 5));
	close(fd);
	ASSERT_EQ(0, zc_param_read("disarm_delay_ms", now, sizeof(now)));
	EXPECT_STREQ("60000", now);
	ASSERT_NL_OK(&nl, zc_session_new(&nl, child.pid, 0, 0, &s));
	ASSERT_NL_OK(&nl, zc_session_del(&nl, s.id));
	sleep(2);
	ASSERT_NL_OK(&nl, zc_stats_get(&nl, &st));
	EXPECT_EQ(0U, st.sessions);
	EXPECT_TRUE(st.armed) {
		TH_LOG("disarm_delay_ms=60000: disarmed within 2 s of the last session");
	}

	fd = open(param, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "0", 1));
	close(fd);
	ASSERT_NL_OK(&nl, zc_session_new(&nl, child.pid, 0, 0, &s));
	ASSERT_NL_OK(&nl, zc_session_del(&nl, s.id));
	EXPECT_EQ(0, zc_wait_disarmed(&nl, 20000)) {
		TH_LOG("disarm_delay_ms=0: still armed 20 s after the last session");
	}

	fd = open(param, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(old), write(fd, old, strlen(old)));
	close(fd);
	zc_nl_close(&nl);
	zc_child_stop(&child);
	zc_check_log(_metadata, self, -1);
}

/* What an unprivileged user got from a world-accessible /dev/zcopy. */
struct zc_nobody {
	int setup;
	int own;		/* SESSION_NEW for itself */
	int other;		/* ... for another process */
	int reset;		/* a global RESET */
	int get;		/* netlink session-get of its session */
	int dump;		/* sessions its dump shows */
	int seen_root;		/* whether root's session was among them */
};

static void zc_nobody_child(int wfd, pid_t other, __u32 root_id)
{
	struct zcopy_session_req req = { .size = sizeof(req) };
	struct zc_nobody r = { 0 };
	struct zc_sess *all = calloc(64, sizeof(*all));
	struct zc_nl nl;
	int fd = -1, i;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		r.setup = -errno;
	if (!r.setup) {
		fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
		r.setup = fd < 0 ? -errno : zc_nl_open(&nl);
	}
	if (!r.setup && all) {
		req.pid = other;
		r.other = ioctl(fd, ZCOPY_IOC_SESSION_NEW, &req) ? -errno : 0;
		r.reset = ioctl(fd, ZCOPY_IOC_RESET) ? -errno : 0;
		req.pid = getpid();
		r.own = ioctl(fd, ZCOPY_IOC_SESSION_NEW, &req) ? -errno : 0;
		r.get = zc_session_get(&nl, req.session_id, NULL);
		r.dump = zc_session_dump(&nl, all, 64);
		for (i = 0; i < r.dump && i < 64; i++)
			r.seen_root |= all[i].id == root_id;
	}
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/*
 * With dev_mode=0666 and paranoid=1 a user without any capability may
 * follow itself through /dev/zcopy, and see that session, and only its
 * own, over netlink; it may not follow others (EACCES: no ptrace access)
 * nor reset the global counters.
 */
TEST_F_TIMEOUT(life, unprivileged_user, 60)
{
	struct zc_child child;
	struct zc_nobody r;
	struct zc_sess s;
	struct zc_nl nl;
	int pfd[2];
	pid_t pid;

	ASSERT_EQ(0666, zc_dev_mode_after(self->path,
					  "dev_mode=0666 paranoid=1"));
	ASSERT_EQ(0, zc_child_start(&child));
	ASSERT_EQ(0, zc_nl_open(&nl));
	ASSERT_NL_OK(&nl, zc_session_new(&nl, child.pid, 0, 0, &s));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		zc_nobody_child(pfd[1], child.pid, s.id);
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(r), read(pfd[0], &r, sizeof(r)));
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	zc_nl_close(&nl);
	zc_child_stop(&child);

	ASSERT_EQ(0, r.setup) {
		TH_LOG("becoming nobody and opening %s: %s", ZC_DEV_PATH,
		       zc_errname(r.setup));
	}
	EXPECT_EQ(-EACCES, r.other) {
		TH_LOG("SESSION_NEW for another process: expected %s, got %s",
		       zc_errname(-EACCES), zc_errname(r.other));
	}
	EXPECT_EQ(-EPERM, r.reset) {
		TH_LOG("global RESET: expected %s, got %s", zc_errname(-EPERM),
		       zc_errname(r.reset));
	}
	EXPECT_EQ(0, r.own) {
		TH_LOG("SESSION_NEW for itself: %s", zc_errname(r.own));
	}
	EXPECT_EQ(0, r.get) {
		TH_LOG("netlink session-get of its own session: %s",
		       zc_errname(r.get));
	}
	EXPECT_EQ(1, r.dump) {
		TH_LOG("its session-get dump shows %d sessions, expected its own",
		       r.dump);
	}
	EXPECT_EQ(0, r.seen_root);

	ASSERT_EQ(0, zc_module_unload());
	ASSERT_EQ(0, zc_module_load(self->path, self->params));
	zc_check_loaded(_metadata, -1);
}

/* The whole program is skipped without a module to load. */
int main(int argc, char **argv)
{
	if (!zc_module_path() && !zc_missing_prereq(true)) {
		ksft_print_header();
		ksft_exit_skip("no zcopy.ko to reload: $ZCOPY_MODULE is unset or unreadable\n");
	}
	return zc_main(argc, argv, true);
}
