// SPDX-License-Identifier: GPL-2.0
/*
 * Stress (issue 9, section 5), with ground truth for every row checked:
 *
 * - fork_storm: 10,000 processes forked one after another under a
 *   session that follows children, each copying one byte into the kernel,
 *   while a second session follows a transfer (TCP over loopback and a
 *   tmpfs file). The second session's copies equal the bytes its process
 *   wrote and read, the first's equal one byte per child, nothing is
 *   missed, new sessions keep starting, and the follow table is empty
 *   once the processes are gone.
 * - arm_disarm: the probes armed (first session) and disarmed (last
 *   session ends, disarm_delay_ms=0) 200 times while an unfollowed
 *   transfer runs on the other CPU; each session's row is exactly what
 *   its process copied during it, none of the other transfer's bytes.
 *
 * ZCOPY_STRESS_FORKS and ZCOPY_STRESS_ARMS change the counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zc_test.h"

#define ZC_CHUNK	16384

/*
 * Arm/disarm cycles by default, as issue 9 asks. One cycle (arm, one to
 * four rounds checked, disarm) took 1,015 ms under TCG on 6.1 and 1,247 ms
 * on 7.3 (2026-12-02): about 4 minutes for 200, within the 600 s a program
 * gets in make check. The debug kernel's lane runs fewer (scripts/lab-check,
 * LAB_DEBUG_ARMS): a cycle takes 2.4 s there.
 */
#define ZC_ARMS		200

/*
 * ---- a transfer with its own ground truth ----
 *
 * A process told what to do through shared memory (so that waiting copies
 * nothing: it polls with nanosleep, whose timespec is no iov_iter copy).
 * Each round writes ZC_CHUNK bytes into a TCP connection over loopback
 * and reads them at the other end, then pwrite()s and pread()s them on a
 * tmpfs file: what it wrote is user->kernel, what it read kernel->user.
 */
enum { ZC_IDLE, ZC_RUN, ZC_QUIT };

struct zc_xfer {
	volatile int cmd;
	volatile unsigned int gen;	/* bumped by the test with each order */
	volatile unsigned int seen;	/* the worker's answer: gen, once idle */
	volatile unsigned int rounds;	/* ZC_RUN: rounds to do, 0 = until idle */
	volatile unsigned long long wrote, got;
	volatile int failed;
	volatile int ready;
	volatile unsigned int pace_us;	/* a pause after each round */
	pid_t pid;
};

static int zc_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int zc_loop_pair(int *c, int *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || *c < 0 || bind(l, (void *)&sa, sizeof(sa)) ||
	    listen(l, 1) || getsockname(l, (void *)&sa, &len) ||
	    connect(*c, (void *)&sa, sizeof(sa)))
		return -1;
	*a = accept(l, NULL, NULL);
	close(l);
	return *a < 0 ? -1 : 0;
}

static int zc_round(struct zc_xfer *x, int c, int a, int f, char *buf)
{
	ssize_t n;
	size_t done;

	for (done = 0; done < ZC_CHUNK; done += n) {
		n = write(c, buf + done, ZC_CHUNK - done);
		if (n <= 0)
			return -1;
		x->wrote += n;
	}
	for (done = 0; done < ZC_CHUNK; done += n) {
		n = read(a, buf + done, ZC_CHUNK - done);
		if (n <= 0)
			return -1;
		x->got += n;
	}
	n = pwrite(f, buf, ZC_CHUNK, 0);
	if (n != ZC_CHUNK)
		return -1;
	x->wrote += n;
	n = pread(f, buf, ZC_CHUNK, 0);
	if (n != ZC_CHUNK)
		return -1;
	x->got += n;
	return 0;
}

static void zc_xfer_main(struct zc_xfer *x, int cpu)
{
	static char buf[ZC_CHUNK];
	int c, a, f;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* No file of the test's: its netlink sockets must close with it. */
	syscall(SYS_close_range, 3, ~0U, 0);
	if (cpu >= 0 && zc_pin(cpu))
		_exit(1);
	memset(buf, 'x', sizeof(buf));
	f = memfd_create("zcopy-stress", MFD_CLOEXEC);
	if (f < 0 || ftruncate(f, ZC_CHUNK) || zc_loop_pair(&c, &a)) {
		x->failed = 1;
		x->seen = x->gen;
		_exit(1);
	}
	x->ready = 1;
	for (;;) {
		unsigned int gen = x->gen, i;

		__sync_synchronize();
		if (x->cmd == ZC_QUIT)
			_exit(0);
		if (x->cmd == ZC_RUN && gen != x->seen) {
			for (i = 0; !x->rounds || i < x->rounds; i++) {
				if (zc_round(x, c, a, f, buf)) {
					x->failed = 1;
					break;
				}
				if (!x->rounds && x->gen != gen)
					break;
				if (x->pace_us)
					usleep(x->pace_us);
			}
			if (x->rounds) {
				x->cmd = ZC_IDLE;
				__sync_synchronize();
				x->seen = gen;
			}
			continue;
		}
		if (x->cmd == ZC_IDLE)
			x->seen = gen;
		usleep(1000);
	}
}

static struct zc_xfer *zc_xfer_start(int cpu)
{
	struct zc_xfer *x = mmap(NULL, sizeof(*x), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (x == MAP_FAILED)
		return NULL;
	memset((void *)x, 0, sizeof(*x));
	x->seen = x->gen = 1;
	/* x is shared: only the parent may store the pid. */
	pid = fork();
	if (pid < 0) {
		munmap(x, sizeof(*x));
		return NULL;
	}
	if (!pid)
		zc_xfer_main(x, cpu);
	x->pid = pid;
	/* Set up before any session follows it. */
	while (!x->ready && !x->failed)
		usleep(1000);
	return x;
}

/* Order @cmd (@rounds of it); with @wait, until the worker is idle again. */
static int zc_xfer_order(struct zc_xfer *x, int cmd, unsigned int rounds,
			 bool wait)
{
	long long end = zc_now_ms() + 120000;
	unsigned int gen = x->gen + 1;

	x->rounds = rounds;
	x->cmd = cmd;
	__sync_synchronize();
	x->gen = gen;
	while (wait && x->seen != gen) {
		if (x->failed)
			return -EIO;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return x->failed ? -EIO : 0;
}

/* Stop a worker running until told: it answers once idle. */
static int zc_xfer_idle(struct zc_xfer *x)
{
	return zc_xfer_order(x, ZC_IDLE, 0, true);
}

static void zc_xfer_stop(struct zc_xfer *x)
{
	if (!x)
		return;
	x->cmd = ZC_QUIT;
	x->gen++;
	kill(x->pid, SIGKILL);
	waitpid(x->pid, NULL, 0);
	munmap(x, sizeof(*x));
}

/* ---- the fixture ---- */

FIXTURE(stress) {
	struct zc_nl nl;
	char delay[32];
	int kmsg;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_EQ(0, zc_param_read("disarm_delay_ms", self->delay,
				   sizeof(self->delay)));
	self->kmsg = zc_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(stress)
{
	if (self->delay[0])
		zc_param_write("disarm_delay_ms", self->delay);
	zc_nl_close(&self->nl);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

static void zc_check_log(struct __test_metadata *_metadata, int kmsg)
{
	char first[256];

	ASSERT_EQ(0, zc_kmsg_bad(kmsg, first, sizeof(first))) {
		TH_LOG("the kernel log says: %s", first);
	}
}

/* What the forker of fork_storm did, in memory shared with the test. */
struct zc_storm {
	volatile int go;
	volatile unsigned int forked;
	volatile int done;		/* 1 all forked and reaped, -1 failed */
};

/*
 * A process that, told to, forks @n children one after another; each
 * pwrite()s one byte into a tmpfs file and exits, and is reaped before
 * the next. Then it waits to be killed.
 */
static pid_t zc_storm_start(struct zc_storm *sh, unsigned int n)
{
	pid_t pid = fork();
	unsigned int i;
	int f;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	syscall(SYS_close_range, 3, ~0U, 0);
	f = memfd_create("zcopy-storm", MFD_CLOEXEC);
	if (f < 0 || ftruncate(f, 4096)) {
		sh->done = -1;
		_exit(1);
	}
	while (!sh->go)
		usleep(1000);
	for (i = 0; i < n; i++) {
		/*
		 * vfork: a new process all the same (the fork tracepoint, a
		 * follow entry, an exit), without copying the page tables,
		 * which is most of a fork's time under TCG.
		 */
		pid_t k = vfork();
		int st;

		if (k < 0)
			break;
		if (!k)
			_exit(pwrite(f, "z", 1, 0) == 1 ? 0 : 1);
		if (waitpid(k, &st, 0) != k || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			break;
		sh->forked = i + 1;
	}
	sh->done = i == n ? 1 : -1;
	for (;;)
		pause();
}

TEST_F_TIMEOUT(stress, fork_storm, 600)
{
	unsigned int n = zc_env_count("ZCOPY_STRESS_FORKS", 10000);
	unsigned int starts = 0, rounds = 0;
	struct zc_stats st0, st;
	struct zc_sess a, b, ga, gb, c;
	struct zc_child idle;
	struct zc_storm *sh;
	struct zc_xfer *x;
	long long t0, t1;
	pid_t forker;
	int err, status;

	ASSERT_EQ(0, zc_wait_no_session(&self->nl, 5000));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset((void *)sh, 0, sizeof(*sh));
	forker = zc_storm_start(sh, n);
	ASSERT_LT(0, forker);
	x = zc_xfer_start(-1);
	ASSERT_NE(NULL, x);
	ASSERT_EQ(0, zc_child_start(&idle));

	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st0));
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, forker,
					       ZCOPY_SESSION_FLAGS_CHILDREN,
					       0, &a));
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, x->pid, 0, 0, &b));

	t0 = zc_now_ms();
	/* Paced: on one host thread (TCG) it would take half the forker's time. */
	x->pace_us = 1000;
	ASSERT_EQ(0, zc_xfer_order(x, ZC_RUN, 0, false));
	sh->go = 1;
	/* Meanwhile, sessions start and end on another process. */
	while (!sh->done) {
		err = zc_session_new(&self->nl, idle.pid, 0, 0, &c);
		ASSERT_NL_OK(&self->nl, err) {
			TH_LOG("a new session, %u processes forked: %s",
			       sh->forked, self->nl.ext.msg);
		}
		ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, c.id));
		starts++;
		usleep(200 * 1000);
	}
	t1 = zc_now_ms();
	ASSERT_EQ(0, zc_xfer_idle(x));
	ASSERT_EQ(1, sh->done) {
		TH_LOG("the forker stopped after %u of %u children", sh->forked,
		       n);
	}
	rounds = x->wrote / (2 * ZC_CHUNK);

	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, a.id, &ga));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, b.id, &gb));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	ksft_print_msg("%u processes forked in %lld ms (%.0f/s), %u sessions started meanwhile; the transfer did %u rounds, wrote %llu read %llu bytes; counted u2k %llu k2u %llu; children's u2k %llu; missed: session %llu, %llu, global +%llu\n",
		       n, t1 - t0, n * 1000.0 / (t1 - t0 + 1), starts, rounds,
		       x->wrote, x->got,
		       (unsigned long long)gb.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES],
		       (unsigned long long)gb.ctr.v[ZCOPY_COUNTER_COPY_K2U_BYTES],
		       (unsigned long long)ga.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES],
		       (unsigned long long)ga.ctr.v[ZCOPY_COUNTER_MISSED],
		       (unsigned long long)gb.ctr.v[ZCOPY_COUNTER_MISSED],
		       (unsigned long long)(st.ctr.v[ZCOPY_COUNTER_MISSED] -
					    st0.ctr.v[ZCOPY_COUNTER_MISSED]));
	EXPECT_LT(0U, rounds);
	EXPECT_LT(0U, starts);
	/* The transfer's row is exact. */
	EXPECT_EQ(x->wrote, gb.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES]);
	EXPECT_EQ(x->got, gb.ctr.v[ZCOPY_COUNTER_COPY_K2U_BYTES]);
	EXPECT_EQ(0ULL, gb.ctr.v[ZCOPY_COUNTER_MISSED]);
	EXPECT_EQ(1U, gb.followed);
	/* Every child was followed: one byte each, nothing missed. */
	EXPECT_EQ((__u64)n, ga.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES]);
	EXPECT_EQ(0ULL, ga.ctr.v[ZCOPY_COUNTER_MISSED]);
	EXPECT_EQ(1U, ga.followed) {
		TH_LOG("after %u children exited, session %u follows %u processes, expected 1 (the forker)",
		       n, a.id, ga.followed);
	}
	EXPECT_EQ(st0.ctr.v[ZCOPY_COUNTER_MISSED],
		  st.ctr.v[ZCOPY_COUNTER_MISSED]);

	/* Gone and reaped: no follow entry is left, sessions or not. */
	kill(forker, SIGKILL);
	ASSERT_EQ(forker, waitpid(forker, &status, 0));
	zc_xfer_stop(x);
	zc_child_stop(&idle);
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_EQ(2U, st.sessions);
	EXPECT_EQ(0U, st.followed) {
		TH_LOG("%u follow entries left once every process is gone",
		       st.followed);
	}
	ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, a.id));
	ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, b.id));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_EQ(0U, st.sessions);
	EXPECT_EQ(0U, st.followed);
	munmap(sh, sizeof(*sh));
	zc_check_log(_metadata, self->kmsg);
}

TEST_F_TIMEOUT(stress, arm_disarm, 600)
{
	unsigned int n = zc_env_count("ZCOPY_STRESS_ARMS", ZC_ARMS), i, bad = 0;
	struct zc_xfer *x, *bg;
	long long t0, t1;
	__u64 wrote, got;
	struct zc_sess s, g;
	struct zc_stats st;
	int err;

	ASSERT_EQ(0, zc_wait_no_session(&self->nl, 5000));
	ASSERT_EQ(0, zc_param_write("disarm_delay_ms", "0"));
	ASSERT_EQ(0, zc_wait_disarmed(&self->nl, 20000));
	ASSERT_EQ(0, zc_pin(0));
	/* The test arms on CPU 0; both transfers run on CPU 1. */
	bg = zc_xfer_start(1);
	ASSERT_NE(NULL, bg);
	x = zc_xfer_start(1);
	ASSERT_NE(NULL, x);
	/* Paced, as in fork_storm: TCG runs both vCPUs on one host thread. */
	bg->pace_us = 1000;
	ASSERT_EQ(0, zc_xfer_order(bg, ZC_RUN, 0, false));

	t0 = zc_now_ms();
	for (i = 0; i < n; i++) {
		err = zc_session_new(&self->nl, x->pid, 0, 0, &s);
		ASSERT_NL_OK(&self->nl, err) {
			TH_LOG("cycle %u: %s", i, self->nl.ext.msg);
		}
		ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
		ASSERT_TRUE(st.armed) {
			TH_LOG("cycle %u: session %u made, %u sessions, not armed",
			       i, s.id, st.sessions);
		}
		wrote = x->wrote;
		got = x->got;
		ASSERT_EQ(0, zc_xfer_order(x, ZC_RUN, 1 + i % 4, true));
		ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, s.id, &g));
		if (g.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES] != x->wrote - wrote ||
		    g.ctr.v[ZCOPY_COUNTER_COPY_K2U_BYTES] != x->got - got ||
		    g.ctr.v[ZCOPY_COUNTER_MISSED]) {
			if (!bad++)
				TH_LOG("cycle %u: wrote %llu read %llu bytes, counted u2k %llu k2u %llu, missed %llu",
				       i, x->wrote - wrote, x->got - got,
				       (unsigned long long)g.ctr.v[ZCOPY_COUNTER_COPY_U2K_BYTES],
				       (unsigned long long)g.ctr.v[ZCOPY_COUNTER_COPY_K2U_BYTES],
				       (unsigned long long)g.ctr.v[ZCOPY_COUNTER_MISSED]);
		}
		ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, s.id));
		err = zc_wait_disarmed(&self->nl, 20000);
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %u: still armed 20 s after the last session: %s",
			       i, zc_errname(err));
		}
		ASSERT_FALSE(bg->failed);
		if (i % 10 == 9)
			ksft_print_msg("%u cycles, %lld ms\n", i + 1,
				       zc_now_ms() - t0);
	}
	t1 = zc_now_ms();
	ASSERT_EQ(0, zc_xfer_idle(bg));
	ksft_print_msg("%u arm/disarm cycles in %lld ms (%lld ms each); the other CPU's transfer moved %llu bytes meanwhile; %u rows off\n",
		       n, t1 - t0, (t1 - t0) / (n ? n : 1),
		       bg->wrote + bg->got, bad);
	EXPECT_EQ(0U, bad);
	EXPECT_LT(0ULL, bg->wrote);
	zc_xfer_stop(bg);
	zc_xfer_stop(x);
	zc_check_log(_metadata, self->kmsg);
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, false);
}
