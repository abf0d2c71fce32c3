// SPDX-License-Identifier: GPL-2.0
/*
 * Who owns a session and what the events group says: a session belongs
 * to the netlink socket that created it and ends when that socket closes
 * (or its process dies); listeners get session-end-ntf with the reason,
 * session-sample-ntf at the requested interval, and ENOBUFS when they do
 * not keep up.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zc_test.h"

FIXTURE(own) {
	struct zc_nl owner;		/* creates the sessions */
	struct zc_nl query;		/* looks at them */
	struct zc_nl ntf;		/* listens to the events group */
	struct zc_child child;		/* what the sessions follow */
};

FIXTURE_SETUP(own)
{
	ASSERT_EQ(0, zc_nl_open(&self->owner));
	ASSERT_EQ(0, zc_nl_open(&self->query));
	ASSERT_EQ(0, zc_nl_open(&self->ntf));
	ASSERT_NE(0U, self->ntf.events_grp) {
		TH_LOG("the family has no \"events\" multicast group");
	}
	ASSERT_EQ(0, zc_nl_join(&self->ntf, self->ntf.events_grp));
	ASSERT_EQ(0, zc_child_start(&self->child));
}

FIXTURE_TEARDOWN(own)
{
	zc_child_stop(&self->child);
	zc_nl_close(&self->owner);
	zc_nl_close(&self->query);
	zc_nl_close(&self->ntf);
}

/*
 * Read the listener until a notification @cmd for session @id arrives;
 * the others are skipped. Returns 0, -ETIMEDOUT, or a recv() error.
 */
static int zc_wait_ntf(struct zc_nl *l, __u8 cmd, __u32 id,
		       struct zc_sess *out, int timeout_ms)
{
	long long end = zc_now_ms() + timeout_ms;

	for (;;) {
		const struct nlmsghdr *nlh;
		long long left = end - zc_now_ms();
		int n;

		if (left < 0)
			return -ETIMEDOUT;
		n = zc_nl_recv_ntf(l, l->rbuf, ZC_NL_RBUF, left);
		if (n < 0)
			return n;
		for (nlh = (void *)l->rbuf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type != l->family ||
			    zc_parse_sess(nlh, out))
				continue;
			if (out->cmd == cmd && out->id == id)
				return 0;
		}
	}
}

/* What every session-end-ntf carries. */
static void zc_check_end(struct __test_metadata *_metadata,
			 const struct zc_sess *e, __u32 id, pid_t pid,
			 __u32 reason)
{
	EXPECT_EQ(id, e->id);
	EXPECT_EQ((__u32)pid, e->pid);
	EXPECT_TRUE(e->has[ZCOPY_A_END_REASON]);
	EXPECT_EQ(reason, e->end_reason) {
		TH_LOG("session %u ended with reason %u, expected %u", id,
		       e->end_reason, reason);
	}
	EXPECT_TRUE(e->has[ZCOPY_A_ELAPSED_NS]);
	EXPECT_TRUE(e->has[ZCOPY_A_COUNTERS]);
	EXPECT_EQ(ZC_NCTR, e->ctr.present);
}

TEST_F(own, socket_close_ends_sessions)
{
	struct zc_sess s[3], e;
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_NL_OK(&self->owner,
			     zc_session_new(&self->owner, self->child.pid, 0, 0,
					    &s[i]));
	}
	zc_nl_close(&self->owner);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, zc_wait_session_gone(&self->query, s[i].id, 2000)) {
			TH_LOG("session %u still answers 2 s after its socket closed",
			       s[i].id);
		}
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_END_NTF,
					 s[i].id, &e, 2000)) {
			TH_LOG("no session-end-ntf for session %u", s[i].id);
		}
		zc_check_end(_metadata, &e, s[i].id, self->child.pid,
			     ZCOPY_END_REASON_OWNER_CLOSED);
	}
}

TEST_F(own, other_socket_keeps_its_sessions)
{
	struct zc_sess mine, other;

	ASSERT_NL_OK(&self->owner, zc_session_new(&self->owner, self->child.pid,
						  0, 0, &mine));
	ASSERT_NL_OK(&self->query, zc_session_new(&self->query, self->child.pid,
						  0, 0, &other));
	zc_nl_close(&self->owner);
	ASSERT_EQ(0, zc_wait_session_gone(&self->query, mine.id, 2000));
	usleep(200 * 1000);
	ASSERT_NL_OK(&self->query, zc_session_get(&self->query, other.id, NULL));
}

TEST_F(own, session_del_notifies)
{
	struct zc_sess s, e;

	ASSERT_NL_OK(&self->owner, zc_session_new(&self->owner, self->child.pid,
						  0, 0, &s));
	ASSERT_NL_OK(&self->owner, zc_session_del(&self->owner, s.id));
	ASSERT_EQ(0, zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_END_NTF, s.id,
				 &e, 2000));
	zc_check_end(_metadata, &e, s.id, self->child.pid,
		     ZCOPY_END_REASON_DELETED);
}

TEST_F(own, owner_killed)
{
	struct zc_sess e;
	int pfd[2], st;
	__u32 id = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct zc_sess s;
		struct zc_nl nl;

		close(pfd[0]);
		if (zc_nl_open(&nl) ||
		    zc_session_new(&nl, self->child.pid, 0, 0, &s))
			s.id = 0;
		if (write(pfd[1], &s.id, sizeof(s.id)) != sizeof(s.id))
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(id), read(pfd[0], &id, sizeof(id)));
	close(pfd[0]);
	if (!id)
		kill(pid, SIGKILL);
	ASSERT_NE(0U, id) {
		TH_LOG("the child could not create a session");
	}
	ASSERT_NL_OK(&self->query, zc_session_get(&self->query, id, NULL));

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, zc_wait_session_gone(&self->query, id, 2000)) {
		TH_LOG("session %u outlived its owner by 2 s", id);
	}
	ASSERT_EQ(0, zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_END_NTF, id, &e,
				 2000));
	zc_check_end(_metadata, &e, id, self->child.pid,
		     ZCOPY_END_REASON_OWNER_CLOSED);
}

TEST_F(own, sample_ntf)
{
	const int want_ms = 100, window_ms = 1500;
	long long first = 0, last = 0, end;
	__u64 prev_elapsed = 0;
	struct zc_sess s, quiet, e;
	int n = 0, other = 0;

	/* A session without sample-ms must stay silent meanwhile. */
	ASSERT_NL_OK(&self->owner, zc_session_new(&self->owner, self->child.pid,
						  0, 0, &quiet));
	ASSERT_NL_OK(&self->owner, zc_session_new(&self->owner, self->child.pid,
						  0, want_ms, &s));
	end = zc_now_ms() + window_ms;
	while (zc_now_ms() < end) {
		int r = zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_SAMPLE_NTF,
				    s.id, &e, end - zc_now_ms());

		if (r == -ETIMEDOUT)
			break;
		ASSERT_EQ(0, r) {
			TH_LOG("reading the listener: %s", zc_errname(r));
		}
		last = zc_now_ms();
		if (!n++)
			first = last;
		ASSERT_FALSE(e.has[ZCOPY_A_END_REASON]);
		ASSERT_EQ((__u32)self->child.pid, e.pid);
		ASSERT_TRUE(e.has[ZCOPY_A_COUNTERS]);
		ASSERT_EQ(ZC_NCTR, e.ctr.present);
		ASSERT_GT(e.elapsed_ns, prev_elapsed) {
			TH_LOG("elapsed-ns went back from %llu to %llu",
			       (unsigned long long)prev_elapsed,
			       (unsigned long long)e.elapsed_ns);
		}
		prev_elapsed = e.elapsed_ns;
	}
	ksft_print_msg("%d samples in %d ms at sample-ms %d (%lld ms from first to last)\n",
		       n, window_ms, want_ms, last - first);
	ASSERT_GE(n, window_ms / want_ms / 3) {
		TH_LOG("%d samples in %d ms, expected about %d", n, window_ms,
		       window_ms / want_ms);
	}
	ASSERT_LE(n, window_ms / want_ms + 2) {
		TH_LOG("%d samples in %d ms, expected about %d", n, window_ms,
		       window_ms / want_ms);
	}
	/* The mean interval, within what a TCG guest's timers allow. */
	ASSERT_GE((last - first) / (n - 1), want_ms * 7 / 10);
	ASSERT_LE((last - first) / (n - 1), want_ms * 3);

	/* Nothing from the quiet session; nothing once a session ended. */
	ASSERT_NL_OK(&self->owner, zc_session_del(&self->owner, s.id));
	ASSERT_EQ(0, zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_END_NTF, s.id,
				 &e, 2000));
	while (!zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_SAMPLE_NTF, quiet.id,
			    &e, 0))
		other++;
	ASSERT_EQ(0, other) {
		TH_LOG("%d samples of session %u, created without sample-ms",
		       other, quiet.id);
	}
	ASSERT_EQ(-ETIMEDOUT, zc_wait_ntf(&self->ntf,
					  ZCOPY_CMD_SESSION_SAMPLE_NTF, s.id,
					  &e, 3 * want_ms)) {
		TH_LOG("a sample of session %u after its end", s.id);
	}
}

TEST_F_TIMEOUT(own, listener_overrun, 90)
{
	struct zc_sess anchor, s, e;
	int rcvbuf = 4096, i, r, enobufs = 0, got = 0;
	struct zc_stats st;

	/* A listener with a small buffer that does not read. */
	ASSERT_EQ(0, setsockopt(self->ntf.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	/* Keeps the probes armed through the flood. */
	ASSERT_NL_OK(&self->owner, zc_session_new(&self->owner, self->child.pid,
						  0, 0, &anchor));
	for (i = 0; i < 200; i++) {
		ASSERT_NL_OK(&self->owner,
			     zc_session_new(&self->owner, self->child.pid, 0, 0,
					    &s));
		ASSERT_NL_OK(&self->owner, zc_session_del(&self->owner, s.id));
	}

	/* The overrun is reported once, then queued messages follow. */
	while ((r = zc_nl_recv_ntf(&self->ntf, self->ntf.rbuf, ZC_NL_RBUF,
				   0)) != -ETIMEDOUT) {
		if (r == -ENOBUFS)
			enobufs++;
		else if (r > 0)
			got++;
		else
			ASSERT_EQ(-ENOBUFS, r);
	}
	ksft_print_msg("listener: %d ENOBUFS, %d notifications kept of 200\n",
		       enobufs, got);
	ASSERT_GE(enobufs, 1) {
		TH_LOG("a listener that never read 200 notifications got no ENOBUFS");
	}
	ASSERT_LT(got, 200);

	/* The module still answers, and the listener hears again. */
	ASSERT_NL_OK(&self->owner, zc_stats_get(&self->owner, &st));
	ASSERT_GE(st.sessions, 1U);
	ASSERT_NL_OK(&self->owner, zc_session_new(&self->owner, self->child.pid,
						  0, 0, &s));
	ASSERT_NL_OK(&self->owner, zc_session_del(&self->owner, s.id));
	ASSERT_EQ(0, zc_wait_ntf(&self->ntf, ZCOPY_CMD_SESSION_END_NTF, s.id,
				 &e, 2000));
	zc_check_end(_metadata, &e, s.id, self->child.pid,
		     ZCOPY_END_REASON_DELETED);
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, false);
}
