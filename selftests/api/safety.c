// SPDX-License-Identifier: GPL-2.0
/*
 * The lifetime defects of issue 9, each where a test can show it: follow
 * entries go when their process exits and are bounded per session (the
 * 4500-fork exhaustion seen in the lab), a fork racing a session's end
 * leaves no entry behind, two sessions following one process both get
 * the DMA of its socket, and a copy cut short counts what it copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zc_test.h"

FIXTURE(safe) {
	struct zc_nl nl;
	char max_follow[32];
};

FIXTURE_SETUP(safe)
{
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	if (zc_param_read("max_follow", self->max_follow,
			  sizeof(self->max_follow)))
		self->max_follow[0] = '\0';
}

FIXTURE_TEARDOWN(safe)
{
	if (self->max_follow[0])
		zc_param_write("max_follow", self->max_follow);
	zc_nl_close(&self->nl);
}

/*
 * A process that waits for a byte on @go, forks @n children that either
 * exit at once or (with @stay) wait for SIGTERM, writes a byte to @done and
 * then waits for SIGTERM itself.
 */
static pid_t zc_forker(int *go_w, int *done_r, unsigned int n, bool stay)
{
	int go[2], done[2];
	unsigned int i;
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	setpgid(0, 0);
	close(go[1]);
	close(done[0]);
	if (read(go[0], &c, 1) != 1)
		_exit(1);
	for (i = 0; i < n; i++) {
		pid_t k = fork();

		if (k < 0)
			_exit(2);
		if (!k) {
			if (stay)
				for (;;)
					pause();
			_exit(0);
		}
		if (!stay && waitpid(k, NULL, 0) != k)
			_exit(3);
	}
	if (write(done[1], "x", 1) != 1)
		_exit(4);
	for (;;)
		pause();
parent:
	if (pid > 0)
		setpgid(pid, pid);
	close(go[0]);
	close(done[1]);
	*go_w = go[1];
	*done_r = done[0];
	return pid;
}

/* Kill the forker and its children (its process group), reap it. */
static void zc_forker_stop(pid_t pid, int go, int done)
{
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go);
	close(done);
}

/*
 * The lab's repro: a session following a shell that ran 4500 short-lived
 * processes held an entry for each, the table (4096, global) filled, and
 * then every new session failed with ENOSPC. Entries now go at exit. The
 * same with a bound of 256 and 1000 processes, four times faster under
 * TCG: more processes than the bound ran, one at a time.
 */
TEST_F_TIMEOUT(safe, exited_children_leave_the_table, 240)
{
	struct zc_sess a, b, got;
	struct zc_child other;
	struct zc_stats st;
	int go, done;
	pid_t pid;
	char c;

	ASSERT_EQ(0, zc_wait_no_session(&self->nl, 5000));
	ASSERT_EQ(0, zc_param_write("max_follow", "256"));
	pid = zc_forker(&go, &done, 1000, false);
	ASSERT_LT(0, pid);
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, pid,
					       ZCOPY_SESSION_FLAGS_CHILDREN, 0,
					       &a));
	ASSERT_EQ(1, write(go, "x", 1));
	ASSERT_EQ(1, read(done, &c, 1)) {
		TH_LOG("the forker did not finish its 1000 children");
	}
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, a.id, &got));
	EXPECT_TRUE(got.has[ZCOPY_A_FOLLOWED]);
	EXPECT_EQ(1U, got.followed) {
		TH_LOG("after 1000 children exited, session %u follows %u processes, expected 1 (the forker)",
		       a.id, got.followed);
	}

	/* Another session still starts, and the global count adds up. */
	ASSERT_EQ(0, zc_child_start(&other));
	EXPECT_NL_OK(&self->nl, zc_session_new(&self->nl, other.pid, 0, 0, &b));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_EQ(2U, st.sessions);
	EXPECT_EQ(2U, st.followed);
	zc_child_stop(&other);
	zc_forker_stop(pid, go, done);

	/* Both followed processes are gone (and reaped): no entry is left. */
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_EQ(0U, st.followed);
	EXPECT_EQ(2U, st.sessions);
}

/*
 * The bound is per session: a session following more live processes than
 * max_follow counts the rest as missed, and another session is not
 * affected. When they exit, the entries go.
 */
TEST_F_TIMEOUT(safe, follow_bound_is_per_session, 120)
{
	const unsigned int max = 8, kids = 20;
	struct zc_sess a, b, got;
	struct zc_child other;
	struct zc_stats st0, st;
	long long end;
	int go, done;
	pid_t pid;
	char c;

	ASSERT_EQ(0, zc_wait_no_session(&self->nl, 5000));
	ASSERT_EQ(0, zc_param_write("max_follow", "8"));
	pid = zc_forker(&go, &done, kids, true);
	ASSERT_LT(0, pid);
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, pid,
					       ZCOPY_SESSION_FLAGS_CHILDREN, 0,
					       &a));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st0));
	ASSERT_EQ(1, write(go, "x", 1));
	ASSERT_EQ(1, read(done, &c, 1));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, a.id, &got));
	EXPECT_EQ(max, got.followed);
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_LE(st0.ctr.v[ZCOPY_COUNTER_MISSED] + (kids + 1 - max),
		  st.ctr.v[ZCOPY_COUNTER_MISSED]) {
		TH_LOG("%u children past the bound, missed went from %llu to %llu",
		       kids + 1 - max,
		       (unsigned long long)st0.ctr.v[ZCOPY_COUNTER_MISSED],
		       (unsigned long long)st.ctr.v[ZCOPY_COUNTER_MISSED]);
	}

	ASSERT_EQ(0, zc_child_start(&other));
	EXPECT_NL_OK(&self->nl, zc_session_new(&self->nl, other.pid, 0, 0, &b));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, b.id, &got));
	EXPECT_EQ(1U, got.followed);
	zc_child_stop(&other);

	/* The children die with the forker (init reaps them): no entry left. */
	zc_forker_stop(pid, go, done);
	end = zc_now_ms() + 5000;
	do {
		usleep(50 * 1000);
		ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, a.id, &got));
	} while (got.followed && zc_now_ms() < end);
	EXPECT_EQ(0U, got.followed);
	ASSERT_EQ(0, zc_session_del(&self->nl, a.id));
	ASSERT_EQ(0, zc_session_del(&self->nl, b.id));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_EQ(0U, st.followed);
}

/*
 * A fork inserts a follow entry from the tracepoint while the session may
 * be ending on another CPU: the entry must never outlive the session
 * (it would charge freed per-CPU counters). Many ends race a fork loop;
 * once every session is gone, the table must be empty.
 */
TEST_F_TIMEOUT(safe, fork_racing_session_end, 240)
{
	struct zc_sess s;
	struct zc_stats st;
	int i, err, go[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, zc_wait_no_session(&self->nl, 5000));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (;;) {
			pid_t k = fork();

			if (!k)
				_exit(0);
			if (k > 0)
				waitpid(k, NULL, 0);
		}
	}
	close(go[0]);
	ASSERT_EQ(1, write(go[1], "x", 1));
	for (i = 0; i < 150; i++) {
		err = zc_session_new(&self->nl, pid,
				     ZCOPY_SESSION_FLAGS_CHILDREN, 0, &s);
		if (err)
			break;
		usleep((i % 7) * 300);
		err = zc_session_del(&self->nl, s.id);
		if (err)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[1]);
	ASSERT_EQ(0, err) {
		TH_LOG("iteration %d: %s (%s)", i, zc_errname(err),
		       self->nl.ext.msg);
	}
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	ASSERT_EQ(0U, st.sessions);
	EXPECT_EQ(0U, st.followed) {
		TH_LOG("%u follow entries outlived their sessions", st.followed);
	}
}

/* A TCP sink in the peer namespace: the port it listens on, or -errno. */
static int zc_sink_start(pid_t *pid, int *res_r)
{
	const char *ns = getenv("ZCOPY_PEER_NS");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int p[2], fd, nsfd, port = 0;
	char path[128];

	if (!ns)
		return -ENOENT;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (!*pid) {
		long long total = 0;
		char buf[65536];
		ssize_t n;
		int c;

		close(p[0]);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWNET))
			_exit(1);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (void *)&sa, sizeof(sa)) ||
		    listen(fd, 1) || getsockname(fd, (void *)&sa, &sl))
			_exit(2);
		port = ntohs(sa.sin_port);
		if (write(p[1], &port, sizeof(port)) != sizeof(port))
			_exit(3);
		c = accept(fd, NULL, NULL);
		if (c < 0)
			_exit(4);
		while ((n = read(c, buf, sizeof(buf))) > 0)
			total += n;
		if (write(p[1], &total, sizeof(total)) != sizeof(total))
			_exit(5);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &port, sizeof(port)) != sizeof(port)) {
		close(p[0]);
		return -EIO;
	}
	*res_r = p[0];
	return port;
}

/*
 * Two sessions following one process: the DMA of the socket it sends on
 * (mapped when the NIC transmits, outside the process) goes to both, the
 * same bytes; so do the copies. Before, the first session to claim the
 * socket got them all and the second none.
 */
TEST_F_TIMEOUT(safe, two_sessions_share_a_socket, 120)
{
	const long long size = 1 << 20;
	const char *peer = getenv("ZCOPY_PEER_ADDR");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct zc_sess a, b, ga, gb;
	int port, res, go[2], st;
	long long got = 0;
	pid_t sink, pid;
	char c;

	if (!peer || !getenv("ZCOPY_PEER_NS"))
		SKIP(return, "no peer namespace (ZCOPY_PEER_NS, ZCOPY_PEER_ADDR)");
	port = zc_sink_start(&sink, &res);
	ASSERT_LT(0, port) {
		TH_LOG("starting the sink: %s", zc_errname(port));
	}
	ASSERT_EQ(1, inet_pton(AF_INET, peer, &sa.sin_addr));
	sa.sin_port = htons(port);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static char buf[65536];
		long long left = size;
		int fd;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)))
			_exit(2);
		memset(buf, 'z', sizeof(buf));
		while (left > 0) {
			ssize_t n = write(fd, buf, left < (long long)sizeof(buf) ?
					  (size_t)left : sizeof(buf));

			if (n <= 0)
				_exit(3);
			left -= n;
		}
		close(fd);
		_exit(0);
	}
	close(go[0]);
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, pid, 0, 0, &a));
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, pid, 0, 0, &b));
	ASSERT_EQ(1, write(go[1], "x", 1));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) {
		TH_LOG("the sender failed: status 0x%x", st);
	}
	ASSERT_EQ((ssize_t)sizeof(got), read(res, &got, sizeof(got)));
	close(res);
	waitpid(sink, NULL, 0);
	ASSERT_EQ(size, got);
	/* The last segments' DMA is mapped by now: the sink read them. */
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, a.id, &ga));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, b.id, &gb));
	ksft_print_msg("dma-to-dev: session %u %llu, session %u %llu bytes\n",
		       a.id,
		       (unsigned long long)ga.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES],
		       b.id,
		       (unsigned long long)gb.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES]);
	EXPECT_LE((__u64)size, ga.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES]);
	EXPECT_GE((__u64)size * 5 / 4, ga.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES]);
	EXPECT_EQ(ga.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES],
		  gb.ctr.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES]);
	EXPECT_EQ(ga.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES],
		  gb.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES]);
	EXPECT_LE((__u64)size, gb.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES]);
	ASSERT_EQ(0, zc_session_del(&self->nl, a.id));
	ASSERT_EQ(0, zc_session_del(&self->nl, b.id));
}

/* What zc_short_child() did, in memory it shares with the parent. */
struct zc_shared {
	volatile int go;
	volatile long ret;
};

/*
 * A child that, told to by @sh->go (no system call copies meanwhile),
 * reads (or writes) 4096 bytes of a tmpfs file into (from) a buffer of
 * which only the first 1000 bytes are mapped: the copy stops at the hole.
 */
static pid_t zc_short_child(struct zc_shared *sh, const char *path,
			    bool write_it)
{
	pid_t pid = fork();
	char *map, *buf;
	int fd;

	if (pid)
		return pid;
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || munmap(map + 4096, 4096))
		_exit(1);
	buf = map + 4096 - 1000;
	memset(buf, 'z', 1000);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(2);
	while (!sh->go)
		usleep(1000);
	sh->ret = write_it ? write(fd, buf, 4096) : read(fd, buf, 4096);
	_exit(0);
}

/*
 * A copy cut short by a fault counts what it copied, not what it was
 * asked for: a read into a buffer with a hole after 1000 bytes returns
 * 1000, and kernel->user is 1000; a write from it (the atomic copy of
 * generic_perform_write) likewise user->kernel.
 */
static void zc_check_short(struct __test_metadata *_metadata,
			   struct zc_nl *nl, bool write_it)
{
	const char *path = "/dev/shm/zcopy-short-copy";
	unsigned int ctr = write_it ? ZCOPY_COUNTER_COPY_U2K_BYTES :
				      ZCOPY_COUNTER_COPY_K2U_BYTES;
	struct zc_shared *sh;
	struct zc_sess s, got;
	char page[8192];
	pid_t pid;
	int fd, st;

	memset(page, 'f', sizeof(page));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(page), write(fd, page, sizeof(page)));
	close(fd);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	sh->go = 0;
	sh->ret = -1;
	pid = zc_short_child(sh, path, write_it);
	ASSERT_LT(0, pid);
	ASSERT_NL_OK(nl, zc_session_new(nl, pid, 0, 0, &s));
	sh->go = 1;
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	unlink(path);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	ASSERT_EQ(1000, sh->ret) {
		TH_LOG("%s across the hole returned %ld, expected 1000",
		       write_it ? "write" : "read", sh->ret);
	}
	ASSERT_NL_OK(nl, zc_session_get(nl, s.id, &got));
	EXPECT_EQ((__u64)sh->ret, got.ctr.v[ctr]) {
		TH_LOG("%s: %ld bytes copied, %s counted %llu",
		       write_it ? "write" : "read", sh->ret,
		       zc_counter_name(ctr),
		       (unsigned long long)got.ctr.v[ctr]);
	}
	zc_session_del(nl, s.id);
	munmap(sh, sizeof(*sh));
}

TEST_F_TIMEOUT(safe, short_read_counts_what_was_copied, 60)
{
	zc_check_short(_metadata, &self->nl, false);
}

TEST_F_TIMEOUT(safe, short_write_counts_what_was_copied, 60)
{
	zc_check_short(_metadata, &self->nl, true);
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, false);
}
