// SPDX-License-Identifier: GPL-2.0
/*
 * Every operation of the "zcopy" generic netlink family on its success
 * path: what each reply carries, and what each operation changes.
 */
#include <glob.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "zc_test.h"

FIXTURE(ops) {
	struct zc_nl nl;
	struct zc_child child;
	struct zc_reply *r;
	struct zc_msg m;
};

FIXTURE_SETUP(ops)
{
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_EQ(0, zc_child_start(&self->child));
	self->r = zc_reply_new();
	ASSERT_NE(NULL, self->r);
}

FIXTURE_TEARDOWN(ops)
{
	zc_child_stop(&self->child);
	zc_nl_close(&self->nl);
	free(self->r);
}

static unsigned int zc_param_uint(const char *name)
{
	char buf[32];

	if (zc_param_read(name, buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 0);
}

/* The first counter that is not zero, or -1. */
static int zc_first_nonzero(const struct zc_ctrs *c)
{
	int i;

	for (i = 0; i < __ZCOPY_COUNTER_MAX; i++)
		if (c->v[i])
			return i;
	return -1;
}

TEST_F(ops, stats_get)
{
	const struct genlmsghdr *g;
	const struct nlmsghdr *nlh;
	struct zc_stats st, st2;
	struct zc_sess s;

	EXPECT_EQ(ZC_VERSION, self->nl.version) {
		TH_LOG("the controller reports family version %u",
		       self->nl.version);
	}
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_STATS_GET, 0);
	ASSERT_NL_OK(&self->nl, zc_nl_request(&self->nl, &self->m,
					      zc_reply_cb, self->r));
	ASSERT_EQ(1U, self->r->count) {
		TH_LOG("expected one reply message, got %u", self->r->count);
	}
	nlh = (const struct nlmsghdr *)self->r->buf;
	ASSERT_EQ(self->nl.family, nlh->nlmsg_type);
	g = NLMSG_DATA(nlh);
	EXPECT_EQ(ZCOPY_CMD_STATS_GET, g->cmd);
	EXPECT_EQ(ZC_VERSION, g->version);
	ASSERT_EQ(0, zc_parse_stats(nlh, &st));

	ASSERT_TRUE(st.has[ZCOPY_A_VERSION]);
	ASSERT_EQ(ZC_VERSION, st.version);
	ASSERT_TRUE(st.has[ZCOPY_A_ARMED]);
	ASSERT_TRUE(st.has[ZCOPY_A_SESSIONS]);
	ASSERT_TRUE(st.has[ZCOPY_A_MAX_SESSIONS]);
	ASSERT_EQ(zc_param_uint("max_sessions"), st.max_sessions) {
		TH_LOG("max-sessions should be the max_sessions parameter");
	}
	ASSERT_TRUE(st.has[ZCOPY_A_COUNTERS]);
	ASSERT_EQ(ZC_NCTR, st.ctr.present) {
		TH_LOG("the counters nest should hold every counter");
	}
	ASSERT_EQ(0U, st.ctr.bad_len) {
		TH_LOG("every counter should be a u64");
	}
	ASSERT_EQ(0U, st.ctr.unknown);
	ASSERT_LE(st.sessions, st.max_sessions);

	/* A new session shows in the count and arms the probes. */
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &s));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st2));
	ASSERT_EQ(st.sessions + 1, st2.sessions);
	ASSERT_EQ(1, st2.armed) {
		TH_LOG("armed should be 1 while a session exists");
	}
}

TEST_F(ops, session_new)
{
	const struct nlmsghdr *nlh;
	struct zc_sess s;

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	zc_msg_put_u32(&self->m, ZCOPY_A_FLAGS, ZCOPY_SESSION_FLAGS_CHILDREN);
	zc_msg_put_u32(&self->m, ZCOPY_A_SAMPLE_MS, 0);
	zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, "eth0");
	zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, "nvme");
	ASSERT_NL_OK(&self->nl, zc_nl_request(&self->nl, &self->m,
					      zc_reply_cb, self->r));
	ASSERT_EQ(1U, self->r->count);
	nlh = (const struct nlmsghdr *)self->r->buf;
	ASSERT_EQ(0, zc_parse_sess(nlh, &s));
	EXPECT_EQ(ZCOPY_CMD_SESSION_NEW, s.cmd);

	ASSERT_TRUE(s.has[ZCOPY_A_SESSION_ID]);
	ASSERT_GE(s.id, 1U);
	ASSERT_TRUE(s.has[ZCOPY_A_PID]);
	ASSERT_EQ((__u32)self->child.pid, s.pid);
	ASSERT_TRUE(s.has[ZCOPY_A_OWNER_PID]);
	ASSERT_EQ((__u32)getpid(), s.owner_pid);
	ASSERT_TRUE(s.has[ZCOPY_A_FLAGS]);
	ASSERT_EQ((__u32)ZCOPY_SESSION_FLAGS_CHILDREN, s.flags);
	ASSERT_TRUE(s.has[ZCOPY_A_SAMPLE_MS]);
	ASSERT_EQ(0U, s.sample_ms);
	ASSERT_TRUE(s.has[ZCOPY_A_ELAPSED_NS]);
	ASSERT_EQ(2U, s.ndevfilter);
	ASSERT_STREQ("eth0", s.devfilter[0]);
	ASSERT_STREQ("nvme", s.devfilter[1]);
	ASSERT_TRUE(s.has[ZCOPY_A_COUNTERS]);
	ASSERT_EQ(ZC_NCTR, s.ctr.present);
	ASSERT_EQ(0U, s.ctr.bad_len);
	ASSERT_FALSE(s.has[ZCOPY_A_END_REASON]) {
		TH_LOG("a live session has no end-reason");
	}

	/* sample-ms is echoed too. */
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0,
					       250, &s));
	ASSERT_EQ(250U, s.sample_ms);
	ASSERT_EQ(0U, s.flags);
	ASSERT_EQ(0U, s.ndevfilter);
}

TEST_F(ops, session_get_do)
{
	struct zc_sess s, g1, g2;

	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid,
					       ZCOPY_SESSION_FLAGS_CHILDREN, 100,
					       &s));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, s.id, &g1));
	EXPECT_EQ(ZCOPY_CMD_SESSION_GET, g1.cmd);
	ASSERT_EQ(s.id, g1.id);
	ASSERT_EQ((__u32)self->child.pid, g1.pid);
	ASSERT_EQ((__u32)getpid(), g1.owner_pid);
	ASSERT_EQ((__u32)ZCOPY_SESSION_FLAGS_CHILDREN, g1.flags);
	ASSERT_EQ(100U, g1.sample_ms);
	ASSERT_EQ(ZC_NCTR, g1.ctr.present);
	ASSERT_TRUE(g1.has[ZCOPY_A_ELAPSED_NS]);

	usleep(50 * 1000);
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, s.id, &g2));
	ASSERT_GE(g2.elapsed_ns, g1.elapsed_ns + 40 * 1000 * 1000ULL) {
		TH_LOG("elapsed-ns went from %llu to %llu across a 50 ms sleep",
		       (unsigned long long)g1.elapsed_ns,
		       (unsigned long long)g2.elapsed_ns);
	}
}

TEST_F(ops, session_get_dump)
{
	struct zc_sess a, b, *all;
	int n, i, seen_a = 0, seen_b = 0;

	all = calloc(64, sizeof(*all));
	ASSERT_NE(NULL, all);
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &a));
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, getpid(), 0, 0, &b));
	ASSERT_NE(a.id, b.id);

	n = zc_session_dump(&self->nl, all, 64);
	ASSERT_GE(n, 2) {
		TH_LOG("the dump returned %s", zc_errname(n < 0 ? n : 0));
	}
	for (i = 0; i < n && i < 64; i++) {
		EXPECT_EQ(ZCOPY_CMD_SESSION_GET, all[i].cmd);
		EXPECT_TRUE(all[i].has[ZCOPY_A_SESSION_ID]);
		EXPECT_EQ(ZC_NCTR, all[i].ctr.present);
		if (all[i].id == a.id) {
			seen_a++;
			EXPECT_EQ((__u32)self->child.pid, all[i].pid);
		}
		if (all[i].id == b.id) {
			seen_b++;
			EXPECT_EQ((__u32)getpid(), all[i].pid);
		}
	}
	ASSERT_EQ(1, seen_a) {
		TH_LOG("session %u should be in the dump once", a.id);
	}
	ASSERT_EQ(1, seen_b) {
		TH_LOG("session %u should be in the dump once", b.id);
	}
	free(all);
}

/* Sessions that fill more than a page of dump with devfilters alone. */
#define ZC_BIG_SESSIONS	10

static int zc_session_new_filtered(struct zc_nl *nl, __u32 pid,
				   struct zc_sess *out)
{
	struct zc_msg *m = malloc(sizeof(*m));
	char name[32];
	int i, err;

	if (!m)
		return -ENOMEM;
	zc_msg_genl(m, nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(m, ZCOPY_A_PID, pid);
	for (i = 0; i < ZCOPY_MAX_DEVFILTER; i++) {
		snprintf(name, sizeof(name), "no-such-device-%015d", i);
		zc_msg_put_str(m, ZCOPY_A_DEVFILTER, name);
	}
	err = zc_nl_request(nl, m, zc_sess_cb, out);
	free(m);
	return err;
}

/*
 * A reader that never received before gets a dump whose first buffer the
 * core sizes at one page, unless the family asks for more: every buffer
 * must have room for the largest session, so these ten sessions (about
 * 6 KiB) must all come in the first datagram.
 */
TEST_F(ops, session_dump_fresh_reader)
{
	struct zc_sess s[ZC_BIG_SESSIONS], got;
	struct zc_nl fresh;
	struct zc_msg *m;
	const struct nlmsghdr *nlh;
	unsigned int total = 0, ours = 0;
	ssize_t len;
	int i, j, rem;

	if (zc_param_uint("max_sessions") < ZC_BIG_SESSIONS + 1)
		SKIP(return, "max_sessions is below %d", ZC_BIG_SESSIONS + 1);
	for (i = 0; i < ZC_BIG_SESSIONS; i++)
		ASSERT_NL_OK(&self->nl, zc_session_new_filtered(&self->nl,
								self->child.pid,
								&s[i]));
	m = malloc(sizeof(*m));
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, zc_nl_open_raw(&fresh));
	fresh.family = self->nl.family;
	zc_msg_genl(m, &fresh, ZCOPY_CMD_SESSION_GET, NLM_F_DUMP);
	ASSERT_EQ(0, zc_nl_send(&fresh, m));
	free(m);

	len = recv(fresh.fd, fresh.rbuf, ZC_NL_RBUF, 0);
	ASSERT_GT(len, 0);
	nlh = (const struct nlmsghdr *)fresh.rbuf;
	for (rem = len; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		if (nlh->nlmsg_type != fresh.family)
			continue;
		ASSERT_EQ(0, zc_parse_sess(nlh, &got));
		total++;
		for (j = 0; j < ZC_BIG_SESSIONS; j++)
			ours += got.id == s[j].id;
	}
	zc_nl_close(&fresh);
	ASSERT_EQ((unsigned int)ZC_BIG_SESSIONS, ours) {
		TH_LOG("the first datagram (%zd bytes) held %u sessions, %u of "
		       "the %d made here", len, total, ours, ZC_BIG_SESSIONS);
	}
	ASSERT_GT(len, 4096);
}

TEST_F(ops, session_del)
{
	struct zc_stats st, st2;
	struct zc_sess s;

	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &s));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, s.id));
	ASSERT_NL_ERR(&self->nl, zc_session_get(&self->nl, s.id, NULL), ENOENT,
		      "no such session");
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st2));
	ASSERT_EQ(st.sessions - 1, st2.sessions);
	ASSERT_NL_ERR(&self->nl, zc_session_del(&self->nl, s.id), ENOENT,
		      "no such session");
}

TEST_F(ops, reset_session)
{
	struct zc_sess s, g;
	int i;

	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &s));
	ASSERT_EQ(0, zc_child_syscalls(&self->child, 200));
	ASSERT_EQ(0, zc_child_wait_blocked(self->child.pid, 5000));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, s.id, &g));
	ASSERT_GE(g.ctr.v[ZCOPY_COUNTER_SYSCALLS], 200ULL) {
		TH_LOG("the child made 200+ system calls in the session");
	}

	/* The child sleeps in read(): nothing moves after the reset. */
	ASSERT_NL_OK(&self->nl, zc_reset(&self->nl, s.id));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, s.id, &g));
	i = zc_first_nonzero(&g.ctr);
	ASSERT_EQ(-1, i) {
		TH_LOG("after reset, %s is %llu, expected 0",
		       zc_counter_name(i), (unsigned long long)g.ctr.v[i]);
	}

	/* And counting goes on from zero. */
	ASSERT_EQ(0, zc_child_syscalls(&self->child, 50));
	ASSERT_EQ(0, zc_child_wait_blocked(self->child.pid, 5000));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, s.id, &g));
	ASSERT_GE(g.ctr.v[ZCOPY_COUNTER_SYSCALLS], 50ULL);
	ASSERT_LT(g.ctr.v[ZCOPY_COUNTER_SYSCALLS], 100ULL) {
		TH_LOG("syscalls %llu: the reset baseline was lost",
		       (unsigned long long)g.ctr.v[ZCOPY_COUNTER_SYSCALLS]);
	}
}

TEST_F_TIMEOUT(ops, reset_global, 60)
{
	struct zc_stats st;
	struct zc_sess s;
	int i;

	/* Count something globally, then let the probes go. */
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &s));
	ASSERT_EQ(0, zc_child_syscalls(&self->child, 100));
	ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, s.id));
	ASSERT_EQ(0, zc_wait_disarmed(&self->nl, 20000)) {
		TH_LOG("the probes should be off once no session is left");
	}
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	ASSERT_GE(st.ctr.v[ZCOPY_COUNTER_SYSCALLS], 100ULL);

	ASSERT_NL_OK(&self->nl, zc_reset(&self->nl, 0));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	i = zc_first_nonzero(&st.ctr);
	ASSERT_EQ(-1, i) {
		TH_LOG("after a global reset with the probes off, %s is %llu, expected 0",
		       zc_counter_name(i), (unsigned long long)st.ctr.v[i]);
	}
}

static int zc_check_probe(struct __test_metadata *_metadata,
			  const struct zc_probe *p, bool armed)
{
	EXPECT_TRUE(p->has[ZCOPY_A_PROBE_NAME]);
	EXPECT_NE(0, p->name[0]);
	EXPECT_TRUE(p->has[ZCOPY_A_PROBE_TYPE]);
	EXPECT_LE(p->type, (__u32)ZCOPY_PROBE_TYPE_KRETPROBE) {
		TH_LOG("probe %s has type %u", p->name, p->type);
	}
	EXPECT_TRUE(p->has[ZCOPY_A_PROBE_STATE]);
	EXPECT_TRUE(p->has[ZCOPY_A_PROBE_HITS]);
	EXPECT_TRUE(p->has[ZCOPY_A_PROBE_MISSED]) {
		TH_LOG("probe %s has no missed attribute", p->name);
	}
	if (armed) {
		EXPECT_TRUE(p->state == ZCOPY_PROBE_STATE_ACTIVE ||
			    p->state == ZCOPY_PROBE_STATE_UNAVAILABLE) {
			TH_LOG("with a session, probe %s is in state %u, not active or unavailable",
			       p->name, p->state);
		}
	} else {
		EXPECT_TRUE(p->state == ZCOPY_PROBE_STATE_OFF ||
			    p->state == ZCOPY_PROBE_STATE_UNAVAILABLE) {
			TH_LOG("without sessions, probe %s is in state %u, not off or unavailable",
			       p->name, p->state);
		}
	}
	if (p->state == ZCOPY_PROBE_STATE_UNAVAILABLE) {
		EXPECT_TRUE(p->has[ZCOPY_A_PROBE_REASON] && p->reason[0]) {
			TH_LOG("unavailable probe %s gives no reason", p->name);
		}
	} else {
		EXPECT_FALSE(p->has[ZCOPY_A_PROBE_REASON]) {
			TH_LOG("probe %s in state %u has a reason \"%s\"",
			       p->name, p->state, p->reason);
		}
	}
	return p->state == ZCOPY_PROBE_STATE_ACTIVE;
}

/*
 * Whether the running kernel has what a probe hooks, by the kernel's own
 * lists: a tracepoint's directory under tracefs events/, a function's name
 * in /proc/kallsyms (modules' included).
 */
static bool zc_kernel_has(const struct zc_probe *p)
{
	char line[512], sym[256];
	bool found = false;
	FILE *f;

	if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT) {
		glob_t g;
		int r;

		snprintf(line, sizeof(line), "/sys/kernel/tracing/events/*/%s", p->name);
		r = glob(line, 0, NULL, &g);
		found = !r && g.gl_pathc > 0;
		if (!r)
			globfree(&g);
		return found;
	}
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return true;	/* cannot tell: the reason stands */
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", sym) == 1 &&
			!strcmp(sym, p->name);
	fclose(f);
	return found;
}

TEST_F_TIMEOUT(ops, probe_get_dump, 60)
{
	struct zc_probe *off, *on;
	int n, n2, i, j, dup, active = 0;
	struct zc_sess s;

	off = calloc(ZC_MAX_PROBES, sizeof(*off));
	on = calloc(ZC_MAX_PROBES, sizeof(*on));
	ASSERT_TRUE(off && on);

	ASSERT_EQ(0, zc_wait_disarmed(&self->nl, 20000));
	n = zc_probe_dump(&self->nl, off, ZC_MAX_PROBES);
	ASSERT_GE(n, 1) {
		TH_LOG("probe-get dump returned %s", zc_errname(n));
	}
	ASSERT_LE(n, ZC_MAX_PROBES);
	for (i = 0; i < n; i++) {
		zc_check_probe(_metadata, &off[i], false);
		for (j = 0, dup = 0; j < i; j++)
			dup += !strcmp(off[i].name, off[j].name);
		EXPECT_EQ(0, dup) {
			TH_LOG("two probes are named %s", off[i].name);
		}
	}

	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &s));
	n2 = zc_probe_dump(&self->nl, on, ZC_MAX_PROBES);
	ASSERT_EQ(n, n2) {
		TH_LOG("the number of probes changed from %d to %d", n, n2);
	}
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(off[i].name, on[i].name);
		EXPECT_EQ(off[i].type == ZCOPY_PROBE_TYPE_TRACEPOINT,
			  on[i].type == ZCOPY_PROBE_TYPE_TRACEPOINT);
		active += zc_check_probe(_metadata, &on[i], true);
	}
	ASSERT_GE(active, 1) {
		TH_LOG("a session exists but no probe is active");
	}
	/*
	 * Every probe this kernel lists is active, or unavailable with a
	 * reason that is true: what it hooks is not in this kernel.
	 */
	for (i = 0; i < n; i++) {
		if (on[i].state != ZCOPY_PROBE_STATE_UNAVAILABLE)
			continue;
		ksft_print_msg("probe %s unavailable: %s\n", on[i].name, on[i].reason);
		EXPECT_FALSE(zc_kernel_has(&on[i])) {
			TH_LOG("probe %s is unavailable (\"%s\") but the kernel has it",
			       on[i].name, on[i].reason);
		}
	}
	ksft_print_msg("%d probes, %d active with a session\n", n, active);
	free(off);
	free(on);
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, false);
}
