// SPDX-License-Identifier: GPL-2.0
/*
 * The refusals of the "zcopy" family: each with its errno and, where the
 * module or the policy has one, the extack message and the offset of the
 * attribute it blames. Refusals by the generic netlink core itself
 * (unknown command, missing capability) carry no message.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/zcopy_dev.h>

#include "zc_test.h"

FIXTURE(err) {
	struct zc_nl nl;
	struct zc_child child;
	struct zc_msg m;
};

FIXTURE_SETUP(err)
{
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_EQ(0, zc_child_start(&self->child));
}

FIXTURE_TEARDOWN(err)
{
	zc_child_stop(&self->child);
	zc_nl_close(&self->nl);
}

static int req(struct zc_nl *nl, struct zc_msg *m)
{
	return zc_nl_request(nl, m, NULL, NULL);
}

/* A pid that no process has: a child's, once it has been reaped. */
static pid_t zc_dead_pid(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

TEST_F(err, missing_pid)
{
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_SAMPLE_MS, 100);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL, "pid");
	ASSERT_TRUE(self->nl.ext.has_miss_type) {
		TH_LOG("expected NLMSGERR_ATTR_MISS_TYPE in the extack");
	}
	ASSERT_EQ((__u32)ZCOPY_A_PID, self->nl.ext.miss_type);
	ASSERT_FALSE(self->nl.ext.has_miss_nest);
}

TEST_F(err, missing_session_id)
{
	static const __u8 cmds[] = {
		ZCOPY_CMD_SESSION_GET, ZCOPY_CMD_SESSION_DEL,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++) {
		zc_msg_genl(&self->m, &self->nl, cmds[i], 0);
		ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
			      "session-id");
		ASSERT_TRUE(self->nl.ext.has_miss_type);
		ASSERT_EQ((__u32)ZCOPY_A_SESSION_ID, self->nl.ext.miss_type);
	}
}

TEST_F(err, pid_wrong_length)
{
	__u8 u8 = 1;
	__u64 u64 = self->child.pid;
	__u16 u16 = 1;
	size_t off;

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	off = zc_msg_put(&self->m, ZCOPY_A_PID, &u8, sizeof(u8));
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "invalid attribute length");
	ASSERT_BLAMES(&self->nl, off);

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	off = zc_msg_put(&self->m, ZCOPY_A_PID, &u64, sizeof(u64));
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "invalid attribute length");
	ASSERT_BLAMES(&self->nl, off);

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put(&self->m, ZCOPY_A_FLAGS, &u16, sizeof(u16));
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "invalid attribute length");
	ASSERT_BLAMES(&self->nl, off);
}

TEST_F(err, pid_out_of_range)
{
	size_t off;

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	off = zc_msg_put_u32(&self->m, ZCOPY_A_PID, 0);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ERANGE,
		      "out of range");
	ASSERT_BLAMES(&self->nl, off);
}

TEST_F(err, no_such_process)
{
	static const __u32 pids[] = { 0x7fffffff, 0xffffffff };
	unsigned int i;
	size_t off;
	pid_t dead = zc_dead_pid();

	ASSERT_GT(dead, 0);
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	off = zc_msg_put_u32(&self->m, ZCOPY_A_PID, dead);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ESRCH,
		      "no such process");
	ASSERT_BLAMES(&self->nl, off);

	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
		zc_msg_put_u32(&self->m, ZCOPY_A_PID, pids[i]);
		ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ESRCH,
			      "no such process") {
			TH_LOG("pid %#x", pids[i]);
		}
	}
}

TEST_F(err, sample_ms_range)
{
	static const __u32 ok[] = { 0, 10, 60000 };
	unsigned int i;
	size_t off;

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put_u32(&self->m, ZCOPY_A_SAMPLE_MS, 70000);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ERANGE,
		      "out of range");
	ASSERT_BLAMES(&self->nl, off);

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put_u32(&self->m, ZCOPY_A_SAMPLE_MS, 5);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ERANGE,
		      "sample-ms must be 0 or at least 10");
	ASSERT_BLAMES(&self->nl, off);

	/* The bounds themselves are fine. */
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		struct zc_sess s;

		ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl,
						       self->child.pid, 0,
						       ok[i], &s)) {
			TH_LOG("sample-ms %u", ok[i]);
		}
		ASSERT_EQ(ok[i], s.sample_ms);
		ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, s.id));
	}
}

TEST_F(err, flags_unknown_bit)
{
	size_t off;

	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put_u32(&self->m, ZCOPY_A_FLAGS,
			     ZCOPY_SESSION_FLAGS_CHILDREN | 0x2);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "reserved bit set");
	ASSERT_BLAMES(&self->nl, off);
}

TEST_F(err, unknown_attribute)
{
	static const struct {
		__u8 cmd;
		__u16 flags;
		__u16 type;
		const char *msg;
	} c[] = {
		/* beyond the policy of the operation */
		{ ZCOPY_CMD_SESSION_NEW, 0, ZCOPY_A_MAX + 5, "Unknown attribute type" },
		{ ZCOPY_CMD_SESSION_NEW, 0, 0, "Unknown attribute type" },
		{ ZCOPY_CMD_SESSION_GET, 0, ZCOPY_A_PID, "Unknown attribute type" },
		{ ZCOPY_CMD_SESSION_GET, NLM_F_DUMP, ZCOPY_A_MAX + 1, "Unknown attribute type" },
		{ ZCOPY_CMD_SESSION_DEL, 0, ZCOPY_A_PROBE, "Unknown attribute type" },
		{ ZCOPY_CMD_RESET, 0, ZCOPY_A_COUNTERS, "Unknown attribute type" },
		/* known to the family, not taken by the operation */
		{ ZCOPY_CMD_SESSION_NEW, 0, ZCOPY_A_VERSION, "Unsupported attribute" },
		{ ZCOPY_CMD_SESSION_NEW, 0, ZCOPY_A_SESSION_ID, "Unsupported attribute" },
		/* operations that take no attribute at all */
		{ ZCOPY_CMD_STATS_GET, 0, ZCOPY_A_VERSION, "Unknown attribute type" },
		{ ZCOPY_CMD_STATS_GET, 0, ZCOPY_A_PAD, "policy validation" },
		{ ZCOPY_CMD_PROBE_GET, NLM_F_DUMP, ZCOPY_A_PROBE, "Unknown attribute type" },
	};
	unsigned int i;
	size_t off;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		zc_msg_genl(&self->m, &self->nl, c[i].cmd, c[i].flags);
		if (c[i].cmd == ZCOPY_CMD_SESSION_NEW)
			zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
		off = zc_msg_put_u32(&self->m, c[i].type, 1);
		ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
			      c[i].msg) {
			TH_LOG("case %u: command %u, attribute type %u", i,
			       c[i].cmd, c[i].type);
		}
		ASSERT_BLAMES(&self->nl, off) {
			TH_LOG("case %u", i);
		}
	}
}

TEST_F(err, trailing_garbage)
{
	static const char junk[3] = { 1, 2, 3 };

	/* An attribute whose length runs past the message. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	zc_msg_raw(&self->m, junk, sizeof(junk));
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "leftover");
}

TEST_F(err, unknown_command)
{
	static const __u8 cmds[] = {
		0, ZCOPY_CMD_SESSION_END_NTF, ZCOPY_CMD_SESSION_SAMPLE_NTF,
		__ZCOPY_CMD_MAX, 200, 255,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds); i++) {
		zc_msg_genl(&self->m, &self->nl, cmds[i], 0);
		ASSERT_NL_ERRNO(&self->nl, req(&self->nl, &self->m),
				EOPNOTSUPP) {
			TH_LOG("command %u", cmds[i]);
		}
	}
	/* A do of a dump-only operation, and the other way round. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_PROBE_GET, 0);
	ASSERT_NL_ERRNO(&self->nl, req(&self->nl, &self->m), EOPNOTSUPP);
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_STATS_GET, NLM_F_DUMP);
	ASSERT_NL_ERRNO(&self->nl, req(&self->nl, &self->m), EOPNOTSUPP);
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, NLM_F_DUMP);
	ASSERT_NL_ERRNO(&self->nl, req(&self->nl, &self->m), EOPNOTSUPP);
}

TEST_F(err, bad_header)
{
	struct genlmsghdr *g;

	/* The reserved byte of the genetlink header must be zero. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_STATS_GET, 0);
	g = (struct genlmsghdr *)(self->m.buf + NLMSG_HDRLEN);
	g->reserved = 1;
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "reserved field is not 0");

	/* Netlink flags the family gives no meaning. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_STATS_GET, NLM_F_REPLACE);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "reserved bits set in nlmsg_flags");

	/* No room for the genetlink header. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_STATS_GET, 0);
	self->m.len = NLMSG_HDRLEN + 2;
	ASSERT_NL_ERRNO(&self->nl, req(&self->nl, &self->m), EINVAL);
}

TEST_F(err, no_such_session)
{
	static const __u8 cmds[] = {
		ZCOPY_CMD_SESSION_GET, ZCOPY_CMD_SESSION_DEL, ZCOPY_CMD_RESET,
	};
	struct zc_sess s;
	unsigned int i;
	size_t off;

	/* An id that was just freed. */
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &s));
	ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, s.id));
	for (i = 0; i < sizeof(cmds); i++) {
		zc_msg_genl(&self->m, &self->nl, cmds[i], 0);
		off = zc_msg_put_u32(&self->m, ZCOPY_A_SESSION_ID, s.id);
		ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ENOENT,
			      "no such session") {
			TH_LOG("command %u", cmds[i]);
		}
		ASSERT_BLAMES(&self->nl, off);

		zc_msg_genl(&self->m, &self->nl, cmds[i], 0);
		off = zc_msg_put_u32(&self->m, ZCOPY_A_SESSION_ID, 0x7fffffff);
		ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ENOENT,
			      "no such session");

		/* Session ids start at 1. */
		zc_msg_genl(&self->m, &self->nl, cmds[i], 0);
		off = zc_msg_put_u32(&self->m, ZCOPY_A_SESSION_ID, 0);
		ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), ERANGE,
			      "out of range");
		ASSERT_BLAMES(&self->nl, off);
	}
}

TEST_F(err, devfilter)
{
	char name[40];
	struct zc_sess s;
	unsigned int i;
	size_t off = 0;

	/* Nine filters: one too many. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	for (i = 0; i <= ZCOPY_MAX_DEVFILTER; i++) {
		snprintf(name, sizeof(name), "dev%u", i);
		off = zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, name);
	}
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), E2BIG,
		      "too many devfilter");
	ASSERT_BLAMES(&self->nl, off);

	/* An empty one. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, "eth0");
	off = zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, "");
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "devfilter must not be empty");
	ASSERT_BLAMES(&self->nl, off);

	/* No payload at all, and no terminating NUL. */
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put(&self->m, ZCOPY_A_DEVFILTER, NULL, 0);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "policy validation");
	ASSERT_BLAMES(&self->nl, off);
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put(&self->m, ZCOPY_A_DEVFILTER, "eth0", 4);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "policy validation");
	ASSERT_BLAMES(&self->nl, off);

	/* 32 characters is one too many; 31 fit, as do eight filters. */
	memset(name, 'x', 32);
	name[32] = '\0';
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	off = zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, name);
	ASSERT_NL_ERR(&self->nl, req(&self->nl, &self->m), EINVAL,
		      "policy validation");
	ASSERT_BLAMES(&self->nl, off);

	name[31] = '\0';
	zc_msg_genl(&self->m, &self->nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(&self->m, ZCOPY_A_PID, self->child.pid);
	zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, name);
	for (i = 1; i < ZCOPY_MAX_DEVFILTER; i++)
		zc_msg_put_str(&self->m, ZCOPY_A_DEVFILTER, "lo");
	ASSERT_NL_OK(&self->nl, zc_nl_request(&self->nl, &self->m,
					      zc_sess_cb, &s));
	ASSERT_EQ((unsigned int)ZCOPY_MAX_DEVFILTER, s.ndevfilter);
	ASSERT_STREQ(name, s.devfilter[0]);
}

TEST_F_TIMEOUT(err, too_many_sessions, 120)
{
	const char *path = zc_module_path();
	struct zcopy_session_req sr = {
		.size = sizeof(sr),
	};
	char params[256];
	struct zc_stats st;
	struct zc_sess s;
	int err, fd, i;

	if (!path)
		SKIP(return, "no zcopy.ko to reload ($ZCOPY_MODULE is unset)");
	ASSERT_EQ(0, zc_module_params(params, sizeof(params)));
	zc_nl_close(&self->nl);
	err = zc_module_reload(path, "max_sessions=2", params);
	ASSERT_EQ(0, err) {
		TH_LOG("reloading %s with max_sessions=2: %s", path,
		       strerror(-err));
	}
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &st));
	EXPECT_EQ(2U, st.max_sessions);

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, zc_session_new(&self->nl, self->child.pid, 0, 0,
					    &s));
	}
	err = zc_session_new(&self->nl, self->child.pid, 0, 0, NULL);
	EXPECT_EQ(-ENOSPC, err) {
		TH_LOG("a third session: expected %s, got %s (\"%s\")",
		       zc_errname(-ENOSPC), zc_errname(err),
		       self->nl.ext.msg);
	}
	EXPECT_NE(NULL, strstr(self->nl.ext.msg, "max_sessions")) {
		TH_LOG("the ENOSPC message should name max_sessions: \"%s\"",
		       self->nl.ext.msg);
	}
	/* The device counts against the same limit. */
	fd = open(ZC_DEV_PATH, O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd);
	sr.pid = getpid();
	EXPECT_EQ(-1, ioctl(fd, ZCOPY_IOC_SESSION_NEW, &sr));
	EXPECT_EQ(ENOSPC, errno);
	close(fd);

	/* Room again once one ends. */
	EXPECT_EQ(0, zc_session_del(&self->nl, s.id));
	EXPECT_EQ(0, zc_session_new(&self->nl, self->child.pid, 0, 0, NULL));

	zc_nl_close(&self->nl);
	err = zc_module_reload(path, params, params);
	ASSERT_EQ(0, err) {
		TH_LOG("restoring zcopy.ko (%s): %s", params, strerror(-err));
	}
	ASSERT_EQ(0, zc_nl_open(&self->nl));
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, false);
}
