// SPDX-License-Identifier: GPL-2.0
/*
 * Randomised abuse of both interfaces: malformed generic netlink messages
 * (any command, attribute types, lengths and nesting, bad nlmsg_len and
 * nla_len, truncated and oversized datagrams) and bad ioctls (any command
 * number, size and pointer, random contents). Every answer must be a well
 * formed success or error, every error of the family's own carries an
 * extack message, nothing may hang, no session may be left behind, the
 * module must go on answering and the kernel log must stay clean. Each
 * runs as root and as uid 65534 without capabilities (variants root and
 * nobody), 10,000 datagrams or ioctls each.
 *
 * ZCOPY_FUZZ_SEED replays a run; ZCOPY_FUZZ_ITERS changes its length.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/zcopy_dev.h>

#include "zc_test.h"

static __u64 zc_rng;

static __u64 zc_rand(void)
{
	/* xorshift64* */
	zc_rng ^= zc_rng >> 12;
	zc_rng ^= zc_rng << 25;
	zc_rng ^= zc_rng >> 27;
	return zc_rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int zc_below(unsigned int n)
{
	return n ? zc_rand() % n : 0;
}

static unsigned int zc_seed(void)
{
	const char *e = getenv("ZCOPY_FUZZ_SEED");
	unsigned int seed;

	if (e && *e)
		seed = strtoul(e, NULL, 0);
	else
		seed = time(NULL) ^ (getpid() << 16);
	zc_rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	ksft_print_msg("fuzz seed %u (set ZCOPY_FUZZ_SEED=%u to replay)\n",
		       seed, seed);
	return seed;
}

static unsigned int zc_iters(void)
{
	return zc_env_count("ZCOPY_FUZZ_ITERS", 10000);
}

/* ---- netlink ---- */

/* A u32 worth trying: bounds of the policies, live pids, junk. */
static __u32 zc_fuzz_u32(pid_t pid)
{
	static const __u32 v[] = {
		0, 1, 2, 9, 10, 11, 59999, 60000, 60001, 70000, 0x7fffffff,
		0x80000000, 0xffffffff, 3, 8,
	};

	switch (zc_below(4)) {
	case 0:
		return pid;
	case 1:
		return zc_rand();
	default:
		return v[zc_below(ARRAY_SIZE(v))];
	}
}

static void zc_fuzz_attrs(struct zc_msg *m, unsigned int depth, pid_t pid)
{
	unsigned int i, n = zc_below(depth ? 4 : 9);
	char data[320];

	for (i = 0; i < n; i++) {
		__u16 type = zc_below(ZCOPY_A_MAX + 4);
		size_t len;
		__u32 v;

		if (!zc_below(10))
			type |= NLA_F_NESTED;
		if (!zc_below(30))
			type |= NLA_F_NET_BYTEORDER;
		if (!zc_below(20))
			type = zc_rand();
		switch (zc_below(8)) {
		case 0:
		case 1:
			v = zc_fuzz_u32(pid);
			zc_msg_put(m, type, &v, sizeof(v));
			break;
		case 2:
			zc_msg_put(m, type, data, zc_below(9));
			break;
		case 3:			/* a string, maybe unterminated */
			len = zc_below(40);
			memset(data, 'a' + zc_below(26), len);
			data[len] = '\0';
			zc_msg_put(m, type, data, len + zc_below(2));
			break;
		case 4:
			if (depth < 3 && m->depth < ZC_NEST_MAX) {
				zc_msg_nest_start(m, type);
				zc_fuzz_attrs(m, depth + 1, pid);
				zc_msg_nest_end(m);
				break;
			}
			zc_msg_put(m, type, NULL, 0);
			break;
		default:
			len = zc_below(sizeof(data));
			for (v = 0; v < len; v++)
				data[v] = zc_rand();
			zc_msg_put(m, type, data, len);
			break;
		}
	}
}

/*
 * The attributes an operation takes, with values near their bounds, and
 * now and then one too many or one of another type: these get past the
 * policy into the handlers.
 */
static void zc_fuzz_valid_attrs(struct zc_msg *m, __u8 cmd, pid_t pid)
{
	static const char *const names[] = {
		"eth0", "lo", "nvme0n1", "e1000", "0000:00:03.0", "x", "",
		"0123456789012345678901234567890",
	};
	unsigned int i, n;
	__u32 v;

	switch (cmd) {
	case ZCOPY_CMD_SESSION_NEW:
		if (zc_below(10))
			zc_msg_put_u32(m, ZCOPY_A_PID, zc_below(3) ? (__u32)pid :
					       zc_fuzz_u32(pid));
		if (zc_below(2))
			zc_msg_put_u32(m, ZCOPY_A_FLAGS, zc_below(3));
		if (zc_below(2))
			zc_msg_put_u32(m, ZCOPY_A_SAMPLE_MS,
				       zc_below(2) ? 10 + zc_below(100) :
						     zc_fuzz_u32(pid));
		n = zc_below(3) ? 0 : zc_below(ZCOPY_MAX_DEVFILTER + 3);
		for (i = 0; i < n; i++)
			zc_msg_put_str(m, ZCOPY_A_DEVFILTER,
				       names[zc_below(ARRAY_SIZE(names))]);
		break;
	case ZCOPY_CMD_SESSION_GET:
	case ZCOPY_CMD_SESSION_DEL:
	case ZCOPY_CMD_RESET:
		if (zc_below(8)) {
			v = zc_below(4) ? 1 + zc_below(64) : zc_fuzz_u32(pid);
			zc_msg_put_u32(m, ZCOPY_A_SESSION_ID, v);
		}
		break;
	}
	if (!zc_below(8))
		zc_fuzz_attrs(m, 2, pid);
}

/* One well-formed message (header, random command, random attributes). */
static void zc_fuzz_msg(struct zc_msg *m, const struct zc_nl *nl, pid_t pid)
{
	static const __u8 cmds[] = {
		ZCOPY_CMD_STATS_GET, ZCOPY_CMD_SESSION_GET,
		ZCOPY_CMD_SESSION_NEW, ZCOPY_CMD_SESSION_DEL, ZCOPY_CMD_RESET,
		ZCOPY_CMD_PROBE_GET,
	};
	__u16 type = nl->family, flags = NLM_F_REQUEST | NLM_F_ACK;
	__u8 cmd = cmds[zc_below(sizeof(cmds))];
	struct genlmsghdr *g;

	if (!zc_below(10))
		cmd = zc_rand();
	if (!zc_below(cmd == ZCOPY_CMD_SESSION_GET ? 3 : 12))
		flags |= NLM_F_DUMP;
	if (cmd == ZCOPY_CMD_PROBE_GET && zc_below(4))
		flags |= NLM_F_DUMP;
	if (!zc_below(10))
		flags ^= zc_rand() & 0xffff;
	if (!zc_below(40))
		type = zc_below(3) ? GENL_ID_CTRL : zc_below(NLMSG_MIN_TYPE);
	zc_msg_init(m, type, flags, cmd, zc_below(10) ? 1 : zc_rand());
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	if (!zc_below(20))
		g->reserved = zc_rand();
	if (zc_below(3))
		zc_fuzz_attrs(m, 0, pid);
	else
		zc_fuzz_valid_attrs(m, cmd, pid);
}

/* Break the message's framing: lengths in the headers, or the datagram. */
static size_t zc_fuzz_mangle(struct zc_msg *m)
{
	size_t len = m->len;
	struct nlattr *a;

	switch (zc_below(6)) {
	case 0:				/* nlmsg_len short of the payload */
		m->raw_len = true;
		m->nlh.nlmsg_len = zc_below(len + 1);
		break;
	case 1:				/* nlmsg_len past the datagram */
		m->raw_len = true;
		m->nlh.nlmsg_len = len + 1 + zc_below(100000);
		break;
	case 2:				/* a datagram cut short */
		len = zc_below(len);
		break;
	case 3:				/* an attribute with a bad nla_len */
		if (len >= NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN) {
			a = (struct nlattr *)(m->buf + NLMSG_HDRLEN +
					      GENL_HDRLEN);
			a->nla_len = zc_below(2) ? zc_below(NLA_HDRLEN) :
						   zc_rand();
		}
		break;
	case 4:				/* junk after the attributes */
		{
			char junk[7];
			unsigned int i, n = 1 + zc_below(sizeof(junk));

			for (i = 0; i < n; i++)
				junk[i] = zc_rand();
			zc_msg_raw(m, junk, n);
			len = m->len;
		}
		break;
	default:			/* an oversized attribute */
		{
			size_t big = 4096 + zc_below(40000);
			char *p = malloc(big);

			if (p) {
				memset(p, zc_below(2) ? 'x' : 0, big);
				zc_msg_put(m, zc_below(ZCOPY_A_MAX + 2), p,
					   big);
				free(p);
			}
			len = m->len;
		}
		break;
	}
	return len;
}

struct zc_tally {
	unsigned int ok;
	unsigned int data;
	unsigned int err[200];
	unsigned int bad;
	unsigned int stray;
	unsigned int overruns;
	unsigned int noext[200];	/* errors without an extack message */
	unsigned int noext_ours;	/* ... of those, from the family's code */
	char why[160];
	char noext_why[160];
};

/* Whether an error answer carries an extack message. */
static bool zc_has_ext_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	int plen = nlh->nlmsg_len - NLMSG_HDRLEN, tlv = sizeof(*e), rem;
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		tlv += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	zc_attr_for_each(a, (const struct nlattr *)((const char *)e + tlv),
			 plen - tlv, rem)
		if (zc_attr_type(a) == NLMSGERR_ATTR_MSG && zc_attr_len(a) > 1)
			return true;
	return false;
}

/*
 * Check one answer. Those to the fuzz messages (sequence numbers @first
 * to @last) must be errors, dones or replies of the family or of the
 * controller. A datagram whose framing is broken can make the kernel
 * read junk as further requests: it answers them under the junk's
 * sequence number, and they may go to any family; only their form is
 * checked.
 */
static void zc_check_answer(struct zc_tally *t, const struct nlmsghdr *nlh,
			    const struct zc_nl *nl, __u32 first, __u32 last)
{
	bool ours = nlh->nlmsg_seq >= first && nlh->nlmsg_seq <= last;

	if (!ours)
		t->stray++;
	if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
		int err;

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int))) {
			t->bad++;
			snprintf(t->why, sizeof(t->why),
				 "a %u-byte error or done message",
				 nlh->nlmsg_len);
			return;
		}
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		if (err > 0 || err < -4095) {
			t->bad++;
			snprintf(t->why, sizeof(t->why),
				 "error %d is no negative errno", err);
		} else if (!err) {
			t->ok++;
		} else {
			t->err[-err < 200 ? -err : 199]++;
		}
		if (err < 0 && nlh->nlmsg_type == NLMSG_ERROR &&
		    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)) &&
		    !zc_has_ext_msg(nlh)) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			t->noext[-err < 200 ? -err : 199]++;
			/*
			 * The generic netlink core answers some errors itself,
			 * without a message: an unknown command or a dump the
			 * command has not (EOPNOTSUPP), a request too short for
			 * its genlmsghdr (EINVAL); and af_netlink a dump asked
			 * for while one runs on the socket (EBUSY: two dumps in
			 * one datagram). Any other error to a request of the
			 * family comes from the family's policy or code, which
			 * must say what is wrong.
			 */
			bool core = err == -EOPNOTSUPP ||
				    e->msg.nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
				    (err == -EBUSY &&
				     (e->msg.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);

			if (e->msg.nlmsg_type == nl->family && !core) {
				if (!t->noext_ours++)
					snprintf(t->noext_why, sizeof(t->noext_why),
						 "%s to a %u-byte request, flags %#x, without an extack message",
						 zc_errname(err), e->msg.nlmsg_len,
						 e->msg.nlmsg_flags);
			}
		}
		return;
	}
	if (nlh->nlmsg_type == nl->family || nlh->nlmsg_type == GENL_ID_CTRL ||
	    !ours) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
			t->bad++;
			snprintf(t->why, sizeof(t->why),
				 "a %u-byte reply", nlh->nlmsg_len);
		}
		t->data++;
		return;
	}
	t->bad++;
	snprintf(t->why, sizeof(t->why), "an answer of type %u",
		 nlh->nlmsg_type);
}

/*
 * Read answers until the sentinel request @sentinel (a session-get of a
 * session that does not exist) is answered; returns its error.
 */
static int zc_drain(struct zc_nl *nl, struct zc_tally *t, __u32 sentinel,
		    __u32 first, __u32 last)
{
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int rem;

		n = recv(nl->fd, nl->rbuf, ZC_NL_RBUF, 0);
		if (n < 0 && errno == ENOBUFS) {
			t->overruns++;
			continue;
		}
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		nlh = (const struct nlmsghdr *)nl->rbuf;
		for (rem = n; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_seq == sentinel &&
			    nlh->nlmsg_type == NLMSG_ERROR) {
				int err;

				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				return err;
			}
			zc_check_answer(t, nlh, nl, first, last);
		}
		if (rem) {
			t->bad++;
			snprintf(t->why, sizeof(t->why),
				 "%d bytes of a datagram left unparsed", rem);
		}
	}
}

FIXTURE(fuzz) {
	struct zc_nl nl;
	struct zc_child child;
	int kmsg;
	char paranoid[16];
	mode_t dev_mode;
};

/*
 * root runs the fuzz as root; nobody in a child that became uid and gid
 * 65534 with no capability, /dev/zcopy opened to all (mode 0666) and the
 * paranoid parameter at 1, so that it gets past the permission checks
 * into the handlers: it may follow its own processes.
 */
FIXTURE_VARIANT(fuzz) {
	bool nobody;
};

FIXTURE_VARIANT_ADD(fuzz, root) {
	.nobody = false,
};

FIXTURE_VARIANT_ADD(fuzz, nobody) {
	.nobody = true,
};

/* Undo what the nobody variant changed (as root; harmless twice). */
static void zc_restore(FIXTURE_DATA(fuzz) *self)
{
	if (self->paranoid[0] && !zc_param_write("paranoid", self->paranoid))
		self->paranoid[0] = '\0';
	if (self->dev_mode && !chmod(ZC_DEV_PATH, self->dev_mode))
		self->dev_mode = 0;
}

FIXTURE_SETUP(fuzz)
{
	struct stat sb;

	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_EQ(0, zc_child_start(&self->child));
	self->kmsg = zc_kmsg_open();
	ASSERT_LE(0, self->kmsg) {
		TH_LOG("cannot read /dev/kmsg: %s", strerror(-self->kmsg));
	}
	if (!variant->nobody)
		return;
	ASSERT_EQ(0, zc_param_read("paranoid", self->paranoid,
				   sizeof(self->paranoid)));
	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->dev_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, zc_param_write("paranoid", "1"));
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
}

FIXTURE_TEARDOWN(fuzz)
{
	if (!geteuid())
		zc_restore(self);
	zc_child_stop(&self->child);
	zc_nl_close(&self->nl);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

typedef void (*zc_fuzz_fn)(struct __test_metadata *_metadata, pid_t target);

/*
 * Run @fn: as root, on the fixture's child; as nobody, in a child that
 * drops every privilege first (a socket or file it opens then is its
 * own) and names itself as the process to follow. A failed assertion
 * there aborts that child, which fails the test here.
 */
static void zc_run_as(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fuzz) *self, bool nobody, zc_fuzz_fn fn)
{
	pid_t pid;
	int st;

	if (!nobody) {
		fn(_metadata, self->child.pid);
		return;
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534)) {
			printf("# becoming uid 65534: %s\n", strerror(errno));
			_exit(1);
		}
		fn(_metadata, getpid());
		_exit(_metadata->exit_code ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	zc_restore(self);
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) {
		TH_LOG("the fuzz as uid 65534 failed: status %#x", st);
	}
}

/*
 * Once the fuzzing socket or files are closed: the sessions they made are
 * gone, the module still works and the kernel log has nothing to say.
 */
static void zc_after(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fuzz) *self, unsigned int sessions)
{
	long long end = zc_now_ms() + 3000;
	struct zc_stats st;
	struct zc_sess s;
	struct zc_nl nl;
	char first[256];

	ASSERT_EQ(0, zc_nl_open(&nl));
	do {
		ASSERT_NL_OK(&nl, zc_stats_get(&nl, &st));
	} while (st.sessions > sessions && zc_now_ms() < end &&
		 !usleep(20 * 1000));
	ASSERT_EQ(sessions, st.sessions) {
		TH_LOG("%u sessions before the fuzz, %u 3 s after", sessions,
		       st.sessions);
	}
	ASSERT_EQ(ZC_VERSION, st.version);
	ASSERT_NL_OK(&nl, zc_session_new(&nl, self->child.pid, 0, 0, &s));
	ASSERT_NL_OK(&nl, zc_session_del(&nl, s.id));
	zc_nl_close(&nl);
	ASSERT_EQ(0, zc_kmsg_bad(self->kmsg, first, sizeof(first))) {
		TH_LOG("the kernel log says: %s", first);
	}
}

static void zc_fuzz_netlink(struct __test_metadata *_metadata, pid_t target)
{
	unsigned int i, e, iters = zc_iters(), dgrams = 0;
	struct zc_tally t = { 0 };
	struct zc_msg *m, *sent;
	struct zc_nl nl;
	char *dgram;
	__u32 seq = 0, first;
	long long t0 = zc_now_ms(), ms;
	unsigned int msgs = 0;

	zc_seed();
	ASSERT_EQ(0, zc_nl_open(&nl));
	/* Room for the answers of a round, dumps included. */
	if (setsockopt(nl.fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 4 << 20 },
		       sizeof(int)))
		ASSERT_EQ(0, setsockopt(nl.fd, SOL_SOCKET, SO_RCVBUF,
					&(int){ 4 << 20 }, sizeof(int)));
	m = malloc(sizeof(*m));
	sent = malloc(sizeof(*sent));
	dgram = malloc(4 * ZC_MSG_MAX);
	ASSERT_TRUE(m && sent && dgram);
	first = nl.seq + 1;
	for (i = 0; i < iters; i++) {
		size_t len = 0;
		unsigned int k, parts = zc_below(10) ? 1 : 2 + zc_below(3);
		int err;

		/* One datagram of one or more messages, maybe broken. */
		for (k = 0; k < parts; k++) {
			size_t mlen;

			zc_fuzz_msg(m, &nl, target);
			mlen = m->len;
			if (!zc_below(4))
				mlen = zc_fuzz_mangle(m);
			if (!m->raw_len)
				m->nlh.nlmsg_len = m->len;
			m->nlh.nlmsg_seq = ++nl.seq;
			if (len + NLMSG_ALIGN(mlen) > 4 * ZC_MSG_MAX)
				break;
			memcpy(dgram + len, m->buf, mlen);
			len += NLMSG_ALIGN(mlen);
			msgs++;
		}
		seq = nl.seq;
		if (!len)		/* netlink refuses empty datagrams */
			dgram[len++] = zc_rand();
		err = zc_nl_send_buf(&nl, dgram, len);
		ASSERT_TRUE(!err || err == -EMSGSIZE || err == -ENOBUFS) {
			TH_LOG("sending a %zu-byte datagram: %s", len,
			       zc_errname(err));
		}
		dgrams++;

		/* A request with a known answer closes the round. */
		zc_msg_genl(sent, &nl, ZCOPY_CMD_SESSION_GET, 0);
		zc_msg_put_u32(sent, ZCOPY_A_SESSION_ID, 0x7ffffff0);
		ASSERT_EQ(0, zc_nl_send(&nl, sent));
		err = zc_drain(&nl, &t, sent->nlh.nlmsg_seq, first, seq);
		ASSERT_EQ(-ENOENT, err) {
			TH_LOG("iteration %u: the sentinel got %s, expected %s",
			       i, zc_errname(err), zc_errname(-ENOENT));
		}
		ASSERT_EQ(0U, t.bad) {
			TH_LOG("iteration %u: %s", i, t.why);
		}
	}
	ms = zc_now_ms() - t0;
	ksft_print_msg("as uid %u: %u datagrams of %u messages, %lld ms (%.0f messages/s): %u acks %u replies %u junk %u overruns; errors",
		       getuid(), dgrams, msgs, ms, msgs * 1000.0 / (ms + 1),
		       t.ok, t.data, t.stray, t.overruns);
	for (e = 1; e < 200; e++)
		if (t.err[e])
			printf(" %s %u", strerrorname_np(e) ?: "?", t.err[e]);
	printf("; of them without an extack message");
	for (e = 1; e < 200; e++)
		if (t.noext[e])
			printf(" %s %u", strerrorname_np(e) ?: "?", t.noext[e]);
	printf("\n");
	/* Every error the family itself gave says what was wrong. */
	EXPECT_EQ(0U, t.noext_ours) {
		TH_LOG("%u errors without an extack message; the first: %s",
		       t.noext_ours, t.noext_why);
	}
	/* The fuzz must have reached the handlers, not only the parser. */
	ASSERT_LT(0U, t.ok + t.data);
	ASSERT_LT(0U, t.err[EINVAL]);
	free(m);
	free(sent);
	free(dgram);
	zc_nl_close(&nl);
}

TEST_F_TIMEOUT(fuzz, netlink, 240)
{
	struct zc_stats before;

	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &before));
	zc_run_as(_metadata, self, variant->nobody, zc_fuzz_netlink);
	zc_after(_metadata, self, before.sessions);
}

/* ---- ioctl ---- */

static const unsigned long zc_real_cmds[] = {
	ZCOPY_IOC_GET_STATS, ZCOPY_IOC_SESSION_NEW, ZCOPY_IOC_SESSION_STATS,
	ZCOPY_IOC_RESET,
};

/* Generic file ioctls the VFS answers before the driver. */
static const unsigned long zc_vfs_cmds[] = {
	FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC, FIOQSIZE, 0x5401,
};

static unsigned long zc_fuzz_cmd(void)
{
	unsigned long cmd;

	switch (zc_below(10)) {
	case 0:
	case 1:
	case 2:
		cmd = zc_real_cmds[zc_below(4)];
		if (!zc_below(3))
			cmd ^= 1UL << zc_below(32);
		return cmd;
	case 3:
	case 4:
	case 5:
		return _IOC(zc_below(4), 'Z', zc_below(16), zc_below(1 << 14));
	case 6:
		return zc_vfs_cmds[zc_below(ARRAY_SIZE(zc_vfs_cmds))];
	default:
		return (__u32)zc_rand();
	}
}

struct zc_mem {
	char *ro;			/* page 0, read-only */
	char *rw;			/* page 1, writable */
	char *gap;			/* page 2, unmapped */
	long page;
};

static void *zc_fuzz_ptr(const struct zc_mem *mem, pid_t pid)
{
	struct zcopy_session_req *req;
	struct zcopy_stats *st;
	char *p = mem->rw;
	unsigned int i;

	switch (zc_below(12)) {
	case 0:
		return NULL;
	case 1:
		return mem->gap;
	case 2:
		return mem->ro;
	case 3:
		return (void *)0xffffffff81000000UL;
	case 4:
		return (void *)(unsigned long)zc_rand();
	case 5:				/* runs into the unmapped page */
		p = mem->gap - 1 - zc_below(sizeof(struct zcopy_stats));
		*(__u32 *)((unsigned long)p & ~3UL) = sizeof(*st);
		return (void *)((unsigned long)p & ~3UL);
	default:
		break;
	}
	for (i = 0; i < sizeof(*st); i++)
		p[i] = zc_rand();
	if (zc_below(2)) {
		st = (struct zcopy_stats *)p;
		st->size = sizeof(*st);
	} else {
		req = (struct zcopy_session_req *)p;
		req->size = zc_below(4) ? sizeof(*req) : zc_rand();
		req->pid = zc_below(2) ? (__u32)pid : zc_fuzz_u32(pid);
		req->flags = zc_below(3) ? 0 : zc_below(4);
		req->session_id = zc_below(3) ? 0 : zc_rand();
	}
	return p;
}

static bool zc_ioctl_errno_ok(int e)
{
	switch (e) {
	case EINVAL:
	case ENOTTY:
	case EFAULT:
	case EPERM:
	case EBUSY:
	case ENOENT:
	case ESRCH:
	case ENOSPC:
	case EOPNOTSUPP:
	case EACCES:
		return true;
	}
	return false;
}

static void zc_fuzz_ioctl(struct __test_metadata *_metadata, pid_t target)
{
	unsigned int i, e, iters = zc_iters(), ok = 0, errs[200] = { 0 };
	struct zcopy_stats st;
	struct zc_mem mem;
	long long t0 = zc_now_ms();
	int fds[4];

	zc_seed();
	mem.page = sysconf(_SC_PAGESIZE);
	mem.ro = mmap(NULL, 3 * mem.page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem.ro);
	mem.rw = mem.ro + mem.page;
	mem.gap = mem.ro + 2 * mem.page;
	ASSERT_EQ(0, mprotect(mem.ro, mem.page, PROT_READ));
	ASSERT_EQ(0, munmap(mem.gap, mem.page));
	for (i = 0; i < 4; i++) {
		fds[i] = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}

	for (i = 0; i < iters; i++) {
		unsigned int f = zc_below(4);
		unsigned long cmd = zc_fuzz_cmd();
		void *arg = zc_fuzz_ptr(&mem, target);
		int r;

		if (cmd == FIOASYNC && arg == mem.rw)
			*(int *)arg = 0;	/* no SIGIO for us */
		if (getenv("ZCOPY_FUZZ_VERBOSE"))
			printf("# %u: fd %u ioctl %#lx %p\n", i, f, cmd, arg);
		r = ioctl(fds[f], cmd, arg);
		if (!r) {
			ok++;
		} else {
			e = errno;
			ASSERT_EQ(-1, r);
			ASSERT_TRUE(zc_ioctl_errno_ok(e)) {
				TH_LOG("iteration %u: ioctl %#lx on %p: unexpected %s",
				       i, cmd, arg, strerror(e));
			}
			errs[e < 200 ? e : 199]++;
		}
		/* New files now and then: sessions end, others bind. */
		if (!zc_below(500)) {
			close(fds[f]);
			fds[f] = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
			ASSERT_LE(0, fds[f]);
		}
	}
	ksft_print_msg("as uid %u: %u ioctls, %lld ms: %u succeeded; errors",
		       getuid(), iters, zc_now_ms() - t0, ok);
	for (e = 1; e < 200; e++)
		if (errs[e])
			printf(" %s %u", strerrorname_np(e) ?: "?", errs[e]);
	printf("\n");
	ASSERT_LT(0U, ok);
	ASSERT_LT(0U, errs[EFAULT]);
	ASSERT_LT(0U, errs[ENOTTY]);
	ASSERT_LT(0U, errs[EINVAL]);

	/* The files answer, and closing them leaves no session behind. */
	for (i = 0; i < 4; i++) {
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		if (geteuid()) {
			/* The global counters are not a user's to read. */
			ASSERT_EQ(-1, ioctl(fds[i], ZCOPY_IOC_GET_STATS, &st));
			ASSERT_EQ(EPERM, errno);
		} else {
			ASSERT_EQ(0, ioctl(fds[i], ZCOPY_IOC_GET_STATS, &st));
			ASSERT_EQ((__u32)ZCOPY_STATS_VERSION, st.version);
		}
		close(fds[i]);
	}
	munmap(mem.ro, 2 * mem.page);
}

TEST_F_TIMEOUT(fuzz, ioctl, 240)
{
	struct zc_stats before;

	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &before));
	zc_run_as(_metadata, self, variant->nobody, zc_fuzz_ioctl);
	zc_after(_metadata, self, before.sessions);
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, true);
}
