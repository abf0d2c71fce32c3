// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what (Documentation/admin-guide.rst, "Permissions"): an
 * unprivileged user (uid 65534) sees no global counter, probe, device or
 * other user's session; follows processes only as the paranoid parameter
 * allows and only those it may ptrace; owns at most max_user_sessions;
 * the family is not reachable from another network namespace; and
 * /dev/zcopy shows a reader only what netlink would.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/zcopy_dev.h>

#include "zc_test.h"

#define ZC_NOBODY	65534

FIXTURE(perm) {
	struct zc_nl nl;
	struct zc_child child;		/* root's process */
	struct zc_sess root;		/* root's session, following it */
	char paranoid[16];
	char max_user[16];
	mode_t dev_mode;
};

FIXTURE_SETUP(perm)
{
	struct stat sb;

	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_EQ(0, zc_param_read("paranoid", self->paranoid,
				   sizeof(self->paranoid))) {
		TH_LOG("zcopy.ko has no paranoid parameter");
	}
	ASSERT_EQ(0, zc_param_read("max_user_sessions", self->max_user,
				   sizeof(self->max_user)));
	ASSERT_EQ(0, zc_param_write("paranoid", "2"));
	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->dev_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, zc_child_start(&self->child));
	ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl, self->child.pid, 0, 0,
					       &self->root));
}

FIXTURE_TEARDOWN(perm)
{
	chmod(ZC_DEV_PATH, self->dev_mode);
	zc_param_write("paranoid", self->paranoid);
	zc_param_write("max_user_sessions", self->max_user);
	zc_child_stop(&self->child);
	zc_nl_close(&self->nl);
}

/* An answer: the errno (0 or negative) and whether the extack said @want. */
struct zc_ans {
	int err;
	int said;
};

static void zc_ans(struct zc_ans *a, const struct zc_nl *nl, int err,
		   const char *want)
{
	a->err = err;
	a->said = !want || strstr(nl->ext.msg, want) != NULL;
}

/* Run @fn as uid/gid 65534 in a child; its result comes back in @out. */
static int zc_as_nobody(void (*fn)(void *out, const void *arg), void *out,
			size_t len, const void *arg)
{
	int p[2], st;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(p[0]);
		memset(out, 0, len);
		if (setresgid(ZC_NOBODY, ZC_NOBODY, ZC_NOBODY) ||
		    setgroups(0, NULL) ||
		    setresuid(ZC_NOBODY, ZC_NOBODY, ZC_NOBODY))
			_exit(1);
		/* setresuid() cleared it; a login shell has it. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		fn(out, arg);
		if (write(p[1], out, len) != (ssize_t)len)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	st = read(p[0], out, len) == (ssize_t)len ? 0 : -EIO;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return st;
}

#define EXPECT_ANS(a, want_err, what)					\
	do {								\
		EXPECT_EQ(want_err, (a).err) {				\
			TH_LOG("%s: expected %s, got %s", what,		\
			       zc_errname(want_err), zc_errname((a).err)); \
		}							\
		EXPECT_EQ(1, (a).said) {				\
			TH_LOG("%s: the extack does not say why", what); \
		}							\
	} while (0)

struct zc_denied {
	int open;
	struct zc_ans stats, probes, new_other, new_self, get, del, reset,
		      reset_id;
	int dump, saw_root, join;
};

static void zc_denied_fn(void *out, const void *arg)
{
	const struct zc_sess *root = arg;
	struct zc_denied *r = out;
	struct zc_sess *all = calloc(64, sizeof(*all));
	struct zc_probe *pr = calloc(ZC_MAX_PROBES, sizeof(*pr));
	struct zc_stats st;
	struct zc_nl nl;
	int i;

	r->open = zc_nl_open(&nl);
	if (r->open || !all || !pr)
		return;
	zc_ans(&r->stats, &nl, zc_stats_get(&nl, &st), "CAP_PERFMON");
	i = zc_probe_dump(&nl, pr, ZC_MAX_PROBES);
	zc_ans(&r->probes, &nl, i < 0 ? i : 0, "CAP_PERFMON");
	zc_ans(&r->new_other, &nl, zc_session_new(&nl, root->pid, 0, 0, NULL),
	       "CAP_PERFMON");
	zc_ans(&r->new_self, &nl, zc_session_new(&nl, getpid(), 0, 0, NULL),
	       "CAP_PERFMON");
	zc_ans(&r->get, &nl, zc_session_get(&nl, root->id, NULL),
	       "another user");
	zc_ans(&r->del, &nl, zc_session_del(&nl, root->id), "another user");
	zc_ans(&r->reset, &nl, zc_reset(&nl, 0), "CAP_PERFMON");
	zc_ans(&r->reset_id, &nl, zc_reset(&nl, root->id), "another user");
	r->dump = zc_session_dump(&nl, all, 64);
	for (i = 0; i < r->dump && i < 64; i++)
		r->saw_root |= all[i].id == root->id;
	r->join = zc_nl_join(&nl, nl.events_grp);
}

/* paranoid=2 (the default): an unprivileged user may do nothing but look. */
TEST_F(perm, unprivileged_denied)
{
	struct zc_denied r;

	ASSERT_EQ(0, zc_as_nobody(zc_denied_fn, &r, sizeof(r), &self->root));
	ASSERT_EQ(0, r.open);
	EXPECT_ANS(r.stats, -EPERM, "stats-get");
	EXPECT_ANS(r.probes, -EPERM, "probe-get");
	EXPECT_ANS(r.new_other, -EPERM, "session-new of root's process");
	EXPECT_ANS(r.new_self, -EPERM, "session-new of itself");
	EXPECT_ANS(r.get, -EPERM, "session-get of root's session");
	EXPECT_ANS(r.del, -EPERM, "session-del of root's session");
	EXPECT_ANS(r.reset, -EPERM, "global reset");
	EXPECT_ANS(r.reset_id, -EPERM, "reset of root's session");
	EXPECT_EQ(0, r.dump);
	EXPECT_EQ(0, r.saw_root);
	EXPECT_EQ(-EPERM, r.join);
	/* The refused delete did not happen; root still sees everything. */
	EXPECT_NL_OK(&self->nl, zc_session_get(&self->nl, self->root.id, NULL));
}

struct zc_own {
	struct zc_ans self_new, child_new, other_new, stats;
	__u32 followed;
	unsigned int ndevices;
	int dump;
};

static void zc_own_fn(void *out, const void *arg)
{
	const struct zc_sess *root = arg;
	struct zc_sess *all = calloc(64, sizeof(*all));
	struct zc_own *r = out;
	struct zc_child kid;
	struct zc_stats st;
	struct zc_sess s;
	struct zc_nl nl;

	if (zc_nl_open(&nl) || !all || zc_child_start(&kid))
		return;
	zc_ans(&r->self_new, &nl, zc_session_new(&nl, getpid(), 0, 0, &s),
	       NULL);
	r->followed = s.followed;
	r->ndevices = s.ndevices;
	zc_ans(&r->child_new, &nl, zc_session_new(&nl, kid.pid, 0, 0, NULL),
	       NULL);
	zc_ans(&r->other_new, &nl, zc_session_new(&nl, root->pid, 0, 0, NULL),
	       "ptrace");
	zc_ans(&r->stats, &nl, zc_stats_get(&nl, &st), "CAP_PERFMON");
	r->dump = zc_session_dump(&nl, all, 64);
	zc_child_stop(&kid);
}

/* paranoid=1: a user follows what it may ptrace, and no more. */
TEST_F(perm, paranoid_1_own_processes)
{
	struct zc_own r;

	ASSERT_EQ(0, zc_param_write("paranoid", "1"));
	ASSERT_EQ(0, zc_as_nobody(zc_own_fn, &r, sizeof(r), &self->root));
	EXPECT_ANS(r.self_new, 0, "session-new of itself");
	EXPECT_EQ(1U, r.followed);
	EXPECT_EQ(0U, r.ndevices);
	EXPECT_ANS(r.child_new, 0, "session-new of its own child");
	EXPECT_ANS(r.other_new, -EACCES, "session-new of root's process");
	EXPECT_ANS(r.stats, -EPERM, "stats-get");
	EXPECT_EQ(2, r.dump) {
		TH_LOG("its dump shows %d sessions, expected its 2", r.dump);
	}
}

struct zc_limit {
	struct zc_ans n[3];
};

static void zc_limit_fn(void *out, const void *arg)
{
	struct zc_limit *r = out;
	struct zc_nl nl;
	int i;

	(void)arg;
	if (zc_nl_open(&nl))
		return;
	for (i = 0; i < 3; i++)
		zc_ans(&r->n[i], &nl, zc_session_new(&nl, getpid(), 0, 0, NULL),
		       i == 2 ? "max_user_sessions" : NULL);
}

/* One user owns at most max_user_sessions; CAP_SYS_ADMIN is not bound. */
TEST_F(perm, per_user_session_limit)
{
	struct zc_sess s[3];
	struct zc_limit r;
	int i;

	ASSERT_EQ(0, zc_param_write("paranoid", "1"));
	ASSERT_EQ(0, zc_param_write("max_user_sessions", "2"));
	ASSERT_EQ(0, zc_as_nobody(zc_limit_fn, &r, sizeof(r), NULL));
	EXPECT_ANS(r.n[0], 0, "first session");
	EXPECT_ANS(r.n[1], 0, "second session");
	EXPECT_ANS(r.n[2], -EUSERS, "third session");
	/* Root already owns one (the fixture's). */
	for (i = 0; i < 3; i++)
		EXPECT_NL_OK(&self->nl, zc_session_new(&self->nl,
						       self->child.pid, 0, 0,
						       &s[i]));
	for (i = 0; i < 3; i++)
		zc_session_del(&self->nl, s[i].id);
}

struct zc_global {
	struct zc_ans stats;
	int probes;
	unsigned int ndevices;
};

static void zc_global_fn(void *out, const void *arg)
{
	struct zc_probe *pr = calloc(ZC_MAX_PROBES, sizeof(*pr));
	struct zc_global *r = out;
	struct zc_stats st;
	struct zc_nl nl;

	(void)arg;
	if (zc_nl_open(&nl) || !pr)
		return;
	zc_ans(&r->stats, &nl, zc_stats_get(&nl, &st), NULL);
	r->ndevices = st.ndevices;
	r->probes = zc_probe_dump(&nl, pr, ZC_MAX_PROBES);
}

/* Make the NIC map some DMA: a datagram to the peer. */
static void zc_some_dma(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(9) };
	const char *peer = getenv("ZCOPY_PEER_ADDR");
	char buf[256] = { 0 };
	int fd;

	if (!peer || inet_pton(AF_INET, peer, &sa.sin_addr) != 1)
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, buf, sizeof(buf), 0, (void *)&sa, sizeof(sa));
	close(fd);
	usleep(100 * 1000);
}

/* paranoid=0: the global counters and probes too, still no device names. */
TEST_F(perm, paranoid_0_global_counters)
{
	struct zc_stats mine;
	struct zc_global r;

	zc_some_dma();
	ASSERT_EQ(0, zc_param_write("paranoid", "0"));
	ASSERT_EQ(0, zc_as_nobody(zc_global_fn, &r, sizeof(r), NULL));
	EXPECT_ANS(r.stats, 0, "stats-get");
	EXPECT_LT(0, r.probes);
	EXPECT_EQ(0U, r.ndevices);
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &mine));
	EXPECT_LT(0U, mine.ndevices) {
		TH_LOG("root sees no device after DMA on %s",
		       getenv("ZCOPY_DEV") ?: "the NIC");
	}
}

/* The family lives in the initial network namespace only. */
TEST_F(perm, other_netns_has_no_family)
{
	int p[2], err = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct zc_nl nl;

		err = unshare(CLONE_NEWNET) ? -errno : zc_nl_open(&nl);
		if (write(p[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(err), read(p[0], &err, sizeof(err)));
	close(p[0]);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(-ENOENT, err) {
		TH_LOG("resolving \"zcopy\" in a new network namespace: %s",
		       zc_errname(err));
	}
}

struct zc_devview {
	int open, stats, own;
	__u32 own_id;
	int global, probes, root_seen, own_seen;
};

static void zc_read_all(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while (used + 1 < len && (n = read(fd, buf + used, len - used - 1)) > 0)
		used += n;
	buf[used] = '\0';
}

static void zc_devview_fn(void *out, const void *arg)
{
	struct zcopy_session_req req = { .size = sizeof(req) };
	struct zcopy_stats st = { .size = sizeof(st) };
	const struct zc_sess *root = arg;
	struct zc_devview *r = out;
	static char text[1 << 20];
	char want[64];
	int fd;

	fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	r->open = fd < 0 ? -errno : 0;
	if (fd < 0)
		return;
	r->stats = ioctl(fd, ZCOPY_IOC_GET_STATS, &st) ? -errno : 0;
	req.pid = getpid();
	r->own = ioctl(fd, ZCOPY_IOC_SESSION_NEW, &req) ? -errno : 0;
	r->own_id = req.session_id;
	zc_read_all(fd, text, sizeof(text));
	r->global = strstr(text, "\nglobal\n") != NULL;
	r->probes = strstr(text, "\nprobes\n") != NULL;
	snprintf(want, sizeof(want), "\nsession %u:", root->id);
	r->root_seen = strstr(text, want) != NULL;
	snprintf(want, sizeof(want), "\nsession %u:", r->own_id);
	r->own_seen = r->own_id && strstr(text, want);
	close(fd);
}

/* /dev/zcopy shows a reader what netlink would, and no more. */
TEST_F(perm, dev_read_shows_what_the_reader_may_see)
{
	struct zc_devview r, mine;

	ASSERT_EQ(0, zc_param_write("paranoid", "1"));
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	ASSERT_EQ(0, zc_as_nobody(zc_devview_fn, &r, sizeof(r), &self->root));
	ASSERT_EQ(0, r.open);
	EXPECT_EQ(-EPERM, r.stats);
	EXPECT_EQ(0, r.own);
	EXPECT_EQ(0, r.global);
	EXPECT_EQ(0, r.probes);
	EXPECT_EQ(0, r.root_seen);
	EXPECT_EQ(1, r.own_seen);
	/* Root, for the same read, sees it all. */
	zc_devview_fn(&mine, &self->root);
	EXPECT_EQ(0, mine.stats);
	EXPECT_EQ(1, mine.global);
	EXPECT_EQ(1, mine.probes);
	EXPECT_EQ(1, mine.root_seen);
}

struct zc_exec {
	struct zc_ans new_err;
	__u32 before, after_plain, after_suid;
	int alive;		/* the set-user-ID program was still running */
};

/* A child of nobody that execs @prog when told, with stdin a pipe. */
static pid_t zc_exec_child(const char *prog, int *go_w, int *in_w)
{
	int go[2], in[2];
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) || pipe(in))
		return -1;
	pid = fork();
	if (pid) {
		close(go[0]);
		close(in[0]);
		*go_w = go[1];
		*in_w = in[1];
		return pid;
	}
	close(go[1]);
	close(in[1]);
	if (read(go[0], &c, 1) != 1 || dup2(in[0], 0) < 0)
		_exit(1);
	execl(prog, prog, (char *)NULL);
	_exit(2);
}

/* Poll the session until it follows @want processes; returns the count. */
static __u32 zc_wait_followed(struct zc_nl *nl, __u32 id, __u32 want)
{
	long long end = zc_now_ms() + 5000;
	struct zc_sess s = { 0 };

	do {
		if (zc_session_get(nl, id, &s))
			return ~0U;
		if (s.followed == want)
			break;
		usleep(50 * 1000);
	} while (zc_now_ms() < end);
	return s.followed;
}

static void zc_exec_fn(void *out, const void *arg)
{
	const char *suid = arg;
	struct zc_exec *r = out;
	int go, in, go2, in2;
	struct zc_sess s, s2;
	pid_t plain, prog;
	struct zc_nl nl;
	char path[64];

	if (zc_nl_open(&nl))
		return;
	plain = zc_exec_child("/bin/cat", &go, &in);
	prog = zc_exec_child(suid, &go2, &in2);
	if (plain < 0 || prog < 0)
		return;
	zc_ans(&r->new_err, &nl, zc_session_new(&nl, plain, 0, 0, &s), NULL);
	if (r->new_err.err ||
	    zc_session_new(&nl, prog, 0, 0, &s2))
		goto out;
	r->before = s.followed + s2.followed;
	if (write(go, "x", 1) != 1 || write(go2, "x", 1) != 1)
		goto out;
	r->after_plain = zc_wait_followed(&nl, s.id, 1);
	r->after_suid = zc_wait_followed(&nl, s2.id, 0);
	snprintf(path, sizeof(path), "/proc/%d/exe", prog);
	r->alive = access(path, F_OK) == 0 || errno == EACCES;
out:
	kill(plain, SIGKILL);
	kill(prog, SIGKILL);
	waitpid(plain, NULL, 0);
	waitpid(prog, NULL, 0);
}

/*
 * A process that execs a set-user-ID program is no longer followed by a
 * session whose owner has no CAP_PERFMON; one that execs a plain program
 * still is.
 */
TEST_F_TIMEOUT(perm, setuid_exec_ends_following, 60)
{
	const char *suid = "/usr/bin/passwd";
	struct zc_exec r;
	struct stat sb;

	if (stat(suid, &sb) || !(sb.st_mode & S_ISUID) || sb.st_uid != 0)
		SKIP(return, "%s is not set-user-ID root here", suid);
	ASSERT_EQ(0, zc_param_write("paranoid", "1"));
	ASSERT_EQ(0, zc_as_nobody(zc_exec_fn, &r, sizeof(r), suid));
	EXPECT_ANS(r.new_err, 0, "session-new of its own child");
	EXPECT_EQ(2U, r.before);
	EXPECT_EQ(1U, r.after_plain);
	ASSERT_EQ(1, r.alive) {
		TH_LOG("%s exited before the check: cannot tell exec from exit",
		       suid);
	}
	EXPECT_EQ(0U, r.after_suid) {
		TH_LOG("the session still follows the process after it exec'd %s",
		       suid);
	}
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, true);
}
