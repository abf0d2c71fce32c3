// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/zcopy: the device node, the text table read() returns (snapshots,
 * partial reads, seeks), the ioctls of <linux/zcopy_dev.h> and their
 * refusals, sessions bound to an open file, poll(), and agreement with
 * the netlink family.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/zcopy_dev.h>

#include "zc_test.h"

#define ZC_TEXT_MAX	(64 * 1024)

FIXTURE(dev) {
	struct zc_nl nl;
	struct zc_child child;
	int fd;
	char *a, *b;			/* two text buffers */
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	ASSERT_EQ(0, zc_child_start(&self->child));
	self->fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", ZC_DEV_PATH, strerror(errno));
	}
	self->a = calloc(1, ZC_TEXT_MAX + 1);
	self->b = calloc(1, ZC_TEXT_MAX + 1);
	ASSERT_TRUE(self->a && self->b);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
	zc_child_stop(&self->child);
	zc_nl_close(&self->nl);
	free(self->a);
	free(self->b);
}

/*
 * Read @fd to the end in @chunk-byte reads into @buf, which has room for
 * @size bytes and a NUL; returns the length, or -ENOSPC when it is full.
 */
static ssize_t zc_read_all(int fd, char *buf, size_t size, size_t chunk)
{
	size_t len = 0;

	for (;;) {
		size_t want = size - len;
		ssize_t n;

		if (!want)
			return -ENOSPC;
		n = read(fd, buf + len, chunk < want ? chunk : want);
		if (n < 0)
			return -errno;
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	return len;
}

/* The text of a fresh open. */
static ssize_t zc_read_text(char *buf, size_t size, size_t chunk)
{
	int fd = open(ZC_DEV_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = zc_read_all(fd, buf, size, chunk);
	close(fd);
	return n;
}

/* The counters of the "global" section of the text; 0 or -EBADMSG. */
static int zc_text_global(const char *text, __u64 *v)
{
	const char *p = strstr(text, "\nglobal\n");
	unsigned int i;

	if (!p)
		return -EBADMSG;
	p += strlen("\nglobal\n");
	for (i = 0; i < ZC_NCTR; i++) {
		const char *eol = strchr(p, '\n');
		const char *num = eol;

		if (!eol || strncmp(p, "  ", 2))
			return -EBADMSG;
		while (num > p && num[-1] >= '0' && num[-1] <= '9')
			num--;
		if (num == eol || num[-1] != ' ')
			return -EBADMSG;
		v[i] = strtoull(num, NULL, 10);
		p = eol + 1;
	}
	return 0;
}

static int zc_ioc_new(int fd, pid_t pid, __u32 *id)
{
	struct zcopy_session_req req = {
		.size = sizeof(req),
		.pid = pid,
	};

	if (ioctl(fd, ZCOPY_IOC_SESSION_NEW, &req))
		return -errno;
	if (id)
		*id = req.session_id;
	return 0;
}

static int zc_ioc_stats(int fd, unsigned long cmd, struct zcopy_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, cmd, st) ? -errno : 0;
}

/* A misc device node, numbered as sysfs says; node_mode checks its mode. */
TEST_F(dev, node)
{
	char buf[64], want[32];
	struct stat sb;

	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	ASSERT_TRUE(S_ISCHR(sb.st_mode));
	ASSERT_EQ(10U, major(sb.st_rdev)) {
		TH_LOG("a misc device has major 10");
	}
	/* The same device number as sysfs gives. */
	ASSERT_EQ(0, zc_read_line("/sys/class/misc/zcopy/dev", buf,
				  sizeof(buf)));
	snprintf(want, sizeof(want), "%u:%u", major(sb.st_rdev),
		 minor(sb.st_rdev));
	ASSERT_STREQ(want, buf);
}

/*
 * The node's mode is the one this test asks for at load time, not the one
 * the module says it used (its dev_mode parameter would agree with any
 * mistake of its own): two modes, so that no constant passes, then the
 * module as it was. lifecycle checks the default, 0600.
 */
TEST_F_TIMEOUT(dev, node_mode, 60)
{
	static const unsigned int modes[] = { 0640, 0604 };
	const char *path = zc_module_path();
	char params[256], arg[32];
	unsigned int i;
	struct stat sb;
	int err;

	if (!path)
		SKIP(return, "no zcopy.ko to reload ($ZCOPY_MODULE is unset)");
	ASSERT_EQ(0, zc_module_params(params, sizeof(params)));
	close(self->fd);
	self->fd = -1;
	zc_nl_close(&self->nl);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		snprintf(arg, sizeof(arg), "dev_mode=%#o", modes[i]);
		err = zc_module_reload(path, arg, params);
		ASSERT_EQ(0, err) {
			TH_LOG("reloading %s with %s: %s", path, arg,
			       strerror(-err));
		}
		ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb)) {
			TH_LOG("no %s after loading with %s", ZC_DEV_PATH, arg);
		}
		ASSERT_EQ(modes[i], sb.st_mode & 07777) {
			TH_LOG("loaded with %s, %s has mode %04o", arg,
			       ZC_DEV_PATH, sb.st_mode & 07777);
		}
	}
	err = zc_module_reload(path, params, params);
	ASSERT_EQ(0, err) {
		TH_LOG("restoring zcopy.ko (%s): %s", params, strerror(-err));
	}
	ASSERT_EQ(0, zc_nl_open(&self->nl));
}

/* The kernel's own count of @pid's context switches (/proc/PID/status). */
static int zc_proc_ctxsw(pid_t pid, __u64 *vol, __u64 *invol)
{
	char path[64], line[128];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1) {
			*vol = v;
			found |= 1;
		} else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu",
				  &v) == 1) {
			*invol = v;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -EBADMSG;
}

#define ZC_OWN_ROUNDS	20
#define ZC_OWN_CALLS	50

/*
 * The session's system calls and context switches against ground truth
 * from outside the module: calls this test makes the child make, and the
 * scheduler's own per-task counts.
 *
 * The child is off the CPU, asleep in read(), when the session starts and
 * when its counters are read (zc_child_wait_blocked()), so both windows
 * hold the same rounds. In each round it returns from that read (entered
 * before: not counted), makes ZC_OWN_CALLS getppid(), one write() (the
 * ack) and one read(), and nothing else: exactly ZC_OWN_CALLS + 2 system
 * calls, no margin. The kernel counts a context switch in __schedule(), at
 * the very place sched_switch fires, as voluntary when the task blocked
 * (not preempted, and not runnable) and as involuntary otherwise: the
 * session must have the same two numbers as /proc/PID/status, no margin.
 * Each round blocks in read() at least once, so neither side can be 0.
 */
TEST_F(dev, counts_own_calls)
{
	__u64 v0 = 0, i0 = 0, v1 = 0, i1 = 0, want;
	pid_t pid = self->child.pid;
	struct zcopy_stats st;
	unsigned int r;

	ASSERT_EQ(0, zc_child_wait_blocked(pid, 5000));
	ASSERT_EQ(0, zc_proc_ctxsw(pid, &v0, &i0));
	ASSERT_EQ(0, zc_ioc_new(self->fd, pid, NULL));
	for (r = 0; r < ZC_OWN_ROUNDS; r++) {
		ASSERT_EQ(0, zc_child_syscalls(&self->child, ZC_OWN_CALLS));
		ASSERT_EQ(0, zc_child_wait_blocked(pid, 5000));
	}
	ASSERT_EQ(0, zc_proc_ctxsw(pid, &v1, &i1));
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));
	TH_LOG("syscalls %llu; switches: session %llu+%llu, /proc %llu+%llu",
	       (unsigned long long)st.counters[ZCOPY_COUNTER_SYSCALLS],
	       (unsigned long long)st.counters[ZCOPY_COUNTER_CTX_SWITCHES_VOL],
	       (unsigned long long)st.counters[ZCOPY_COUNTER_CTX_SWITCHES_INVOL],
	       (unsigned long long)(v1 - v0), (unsigned long long)(i1 - i0));
	ASSERT_EQ(0ULL, st.counters[ZCOPY_COUNTER_MISSED]);
	want = ZC_OWN_ROUNDS * (ZC_OWN_CALLS + 2);
	ASSERT_EQ(want, st.counters[ZCOPY_COUNTER_SYSCALLS]) {
		TH_LOG("the child made %llu system calls, the session counted %llu",
		       (unsigned long long)want,
		       (unsigned long long)st.counters[ZCOPY_COUNTER_SYSCALLS]);
	}
	ASSERT_LE((__u64)ZC_OWN_ROUNDS, v1 - v0);
	ASSERT_EQ(v1 - v0, st.counters[ZCOPY_COUNTER_CTX_SWITCHES_VOL]);
	ASSERT_EQ(i1 - i0, st.counters[ZCOPY_COUNTER_CTX_SWITCHES_INVOL]);
}

TEST_F(dev, read_text)
{
	__u64 v[__ZCOPY_COUNTER_MAX];
	ssize_t n;

	n = zc_read_all(self->fd, self->a, ZC_TEXT_MAX, 4096);
	ASSERT_GT(n, 0);
	ASSERT_EQ(0, strncmp(self->a, "zcopy ", 6)) {
		TH_LOG("the text starts with \"%.20s\", expected \"zcopy \"",
		       self->a);
	}
	ASSERT_NE(NULL, strstr(self->a, "\nglobal\n"));
	ASSERT_NE(NULL, strstr(self->a, "\nprobes\n"));
	ASSERT_NE(NULL, strstr(self->a, "session(s) of at most"));
	ASSERT_EQ('\n', self->a[n - 1]);
	ASSERT_EQ((size_t)n, strlen(self->a)) {
		TH_LOG("the text has a NUL byte");
	}
	ASSERT_EQ(0, zc_text_global(self->a, v)) {
		TH_LOG("the global section should have %u counter lines",
		       ZC_NCTR);
	}
	/* At EOF, read() keeps returning 0. */
	ASSERT_EQ(0, read(self->fd, self->b, 100));
}

TEST_F_TIMEOUT(dev, partial_reads, 60)
{
	static const size_t chunks[] = { 1, 100, 4096, 7 };
	unsigned int i;
	ssize_t n, m;
	__u32 id;
	int fd2;

	/* With no session the probes are off and the text stands still. */
	ASSERT_EQ(0, zc_wait_disarmed(&self->nl, 20000));
	n = zc_read_text(self->a, ZC_TEXT_MAX, ZC_TEXT_MAX);
	ASSERT_GT(n, 0);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		m = zc_read_text(self->b, ZC_TEXT_MAX, chunks[i]);
		ASSERT_EQ(n, m) {
			TH_LOG("%zu-byte reads gave %zd bytes, one read %zd",
			       chunks[i], m, n);
		}
		ASSERT_EQ(0, memcmp(self->a, self->b, n)) {
			TH_LOG("%zu-byte reads gave another text", chunks[i]);
		}
	}

	/*
	 * One snapshot per read from offset 0: a session created in the
	 * middle of a read does not show until the next one.
	 */
	ASSERT_EQ(10, read(self->fd, self->b, 10));
	fd2 = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_ioc_new(fd2, self->child.pid, &id));
	m = zc_read_all(self->fd, self->b + 10, ZC_TEXT_MAX - 10, 100);
	ASSERT_EQ(n, m + 10);
	ASSERT_EQ(0, memcmp(self->a, self->b, n)) {
		TH_LOG("the rest of a read changed when a session was created");
	}
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	m = zc_read_all(self->fd, self->b, ZC_TEXT_MAX, 4096);
	ASSERT_GT(m, 0);
	ASSERT_NE(NULL, strstr(self->b, " 1 session(s)")) {
		TH_LOG("a new read should show the session: \"%.80s\"",
		       self->b);
	}
	close(fd2);
}

TEST_F_TIMEOUT(dev, lseek_suffix, 60)
{
	off_t offs[7];
	ssize_t n, m;
	unsigned int i;

	ASSERT_EQ(0, zc_wait_disarmed(&self->nl, 20000));
	n = zc_read_text(self->a, ZC_TEXT_MAX, ZC_TEXT_MAX);
	ASSERT_GT(n, 200);
	offs[0] = 1;
	offs[1] = 7;
	offs[2] = 100;
	offs[3] = n / 2;
	offs[4] = n - 1;
	offs[5] = n;
	offs[6] = n + 10;
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		int fd = open(ZC_DEV_PATH, O_RDONLY | O_CLOEXEC);

		ASSERT_LE(0, fd);
		ASSERT_EQ(offs[i], lseek(fd, offs[i], SEEK_SET));
		m = zc_read_all(fd, self->b, ZC_TEXT_MAX, 4096);
		close(fd);
		ASSERT_EQ(offs[i] < n ? n - offs[i] : 0, m) {
			TH_LOG("at offset %jd of %zd bytes, read %zd",
			       (intmax_t)offs[i], n, m);
		}
		ASSERT_EQ(0, memcmp(self->a + offs[i], self->b, m));
	}
	/* Relative seeks within one snapshot. */
	ASSERT_EQ(10, read(self->fd, self->b, 10));
	ASSERT_EQ(30, lseek(self->fd, 20, SEEK_CUR));
	ASSERT_EQ(5, read(self->fd, self->b, 5));
	ASSERT_EQ(0, memcmp(self->a + 30, self->b, 5));
	ASSERT_EQ(-1, lseek(self->fd, -100, SEEK_CUR));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(dev, get_stats)
{
	struct zcopy_stats st;
	struct zc_stats ns;
	unsigned int i;

	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_GET_STATS, &st));
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &ns));
	ASSERT_EQ(sizeof(st), st.size);
	ASSERT_EQ((__u32)ZCOPY_STATS_VERSION, st.version);
	ASSERT_EQ(ZC_NCTR, st.nr_counters);
	ASSERT_EQ(0U, st.session_id);
	ASSERT_EQ(0ULL, st.unmeasured) {
		TH_LOG("every counter is measured on the lab kernels");
	}
	ASSERT_EQ(ns.sessions, st.sessions);
	ASSERT_EQ(ns.armed, st.armed);
	for (i = st.nr_counters; i < ZCOPY_STATS_NR_COUNTERS; i++) {
		ASSERT_EQ(0ULL, st.counters[i]) {
			TH_LOG("unused counter slot %u is %#llx", i,
			       (unsigned long long)st.counters[i]);
		}
	}
}

static const unsigned long zc_unknown_cmds[] = {
	_IOWR('Z', 0, struct zcopy_stats),
	_IOWR('Z', 5, struct zcopy_stats),
	_IOWR('Z', 99, struct zcopy_stats),
	_IOWR('Y', 1, struct zcopy_stats),
	_IOR('Z', 1, struct zcopy_stats),
	_IOW('Z', 1, struct zcopy_stats),
	_IO('Z', 1),
	_IOR('Z', 2, struct zcopy_session_req),
	_IO('Z', 99),
	0x5401,		/* TCGETS */
};

TEST_F(dev, ioctl_refusals)
{
	char big[sizeof(struct zcopy_stats) + 64];
	struct zcopy_stats st;
	__u32 sizes[] = { 0, 4, sizeof(st) - 8, sizeof(st) + 8, ~0U };
	unsigned int i;

	/* The size field must be the struct's size. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&st, 0, sizeof(st));
		st.size = sizes[i];
		ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_GET_STATS, &st));
		ASSERT_EQ(EINVAL, errno) {
			TH_LOG("size field %u: expected EINVAL, got %s",
			       sizes[i], strerror(errno));
		}
	}

	/* So must the size encoded in the command. */
	memset(big, 0, sizeof(big));
	*(__u32 *)big = sizeof(st);
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR('Z', 1, char[sizeof(st) - 8]),
			    big));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR('Z', 1, char[sizeof(st) + 64]),
			    big));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR('Z', 3, __u64), big));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR('Z', 2, __u64), big));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(self->fd, _IOW('Z', 4, int), big));
	ASSERT_EQ(EINVAL, errno);

	/* Unknown commands, types and directions. */
	for (i = 0; i < ARRAY_SIZE(zc_unknown_cmds);
	     i++) {
		ASSERT_EQ(-1, ioctl(self->fd, zc_unknown_cmds[i], big));
		ASSERT_EQ(ENOTTY, errno) {
			TH_LOG("command %#lx: expected ENOTTY, got %s",
			       zc_unknown_cmds[i], strerror(errno));
		}
	}

	/* No session is bound to this file. */
	ASSERT_EQ(-ENOENT, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS,
					&st));
}

TEST_F(dev, bad_pointers)
{
	long page = sysconf(_SC_PAGESIZE);
	struct zcopy_stats *st;
	char *map;

	map = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + 2 * page, page));

	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_GET_STATS, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_GET_STATS, map + 2 * page));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_GET_STATS,
			    (void *)0xffffffff81000000UL));
	ASSERT_EQ(EFAULT, errno);

	/* The size is readable, the rest runs into the unmapped page. */
	st = (struct zcopy_stats *)(map + 2 * page - 16);
	st->size = sizeof(*st);
	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_GET_STATS, st));
	ASSERT_EQ(EFAULT, errno);

	/* Readable but not writable. */
	st = (struct zcopy_stats *)map;
	st->size = sizeof(*st);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ));
	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_GET_STATS, st));
	ASSERT_EQ(EFAULT, errno);

	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_SESSION_NEW, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_SESSION_NEW, map + 2 * page));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(0, zc_ioc_new(self->fd, self->child.pid, NULL));
	ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_SESSION_STATS, NULL));
	ASSERT_EQ(EFAULT, errno);
	munmap(map, 2 * page);
}

TEST_F(dev, session_new)
{
	struct zcopy_stats st;
	struct zc_sess s;
	__u32 id = 0, id2 = 0;
	int fd2;

	ASSERT_EQ(0, zc_ioc_new(self->fd, getpid(), &id));
	ASSERT_GE(id, 1U);
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, id, &s));
	ASSERT_EQ((__u32)getpid(), s.pid);
	ASSERT_EQ((__u32)getpid(), s.owner_pid);
	ASSERT_EQ(0U, s.flags);

	/* One session per open file. */
	ASSERT_EQ(-EBUSY, zc_ioc_new(self->fd, getpid(), NULL));
	ASSERT_EQ(-EBUSY, zc_ioc_new(self->fd, self->child.pid, NULL));

	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));
	ASSERT_EQ(id, st.session_id);
	ASSERT_EQ((__u32)ZCOPY_STATS_VERSION, st.version);
	ASSERT_EQ(ZC_NCTR, st.nr_counters);
	ASSERT_GE(st.sessions, 1U);
	ASSERT_EQ(1U, st.armed);

	/* Another file, another session. */
	fd2 = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zc_ioc_new(fd2, self->child.pid, &id2));
	ASSERT_NE(id, id2);
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, id2, &s));
	ASSERT_EQ((__u32)self->child.pid, s.pid);
	close(fd2);
}

TEST_F(dev, session_new_refusals)
{
	/* pid 1 stands for the caller, 2 for a process that exited. */
	static const struct {
		struct zcopy_session_req req;
		int err;
	} c[] = {
		{ { sizeof(c[0].req) - 4, 1, 0, 0 }, EINVAL },
		{ { sizeof(c[0].req) + 4, 1, 0, 0 }, EINVAL },
		{ { sizeof(c[0].req), 1, 0x2, 0 }, EINVAL },
		{ { sizeof(c[0].req), 0, 0, 0 }, EINVAL },
		{ { sizeof(c[0].req), 1, 0, 7 }, EINVAL },
		{ { sizeof(c[0].req), 0x7fffffff, 0, 0 }, EINVAL },
		{ { sizeof(c[0].req), 2, 0, 0 }, ESRCH },
	};
	struct zcopy_session_req req;
	pid_t dead = fork();
	unsigned int i;

	if (!dead)
		_exit(0);
	ASSERT_LT(0, dead);
	waitpid(dead, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		req = c[i].req;
		if (req.pid == 1)
			req.pid = getpid();
		else if (req.pid == 2)
			req.pid = dead;
		ASSERT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_SESSION_NEW, &req));
		ASSERT_EQ(c[i].err, errno) {
			TH_LOG("case %u: expected %s, got %s", i,
			       strerror(c[i].err), strerror(errno));
		}
	}
	/* None of them bound a session. */
	ASSERT_EQ(0, zc_ioc_new(self->fd, getpid(), NULL));
}

TEST_F(dev, reset)
{
	struct zcopy_stats st;
	unsigned int i;

	ASSERT_EQ(0, zc_ioc_new(self->fd, self->child.pid, NULL));
	ASSERT_EQ(0, zc_child_syscalls(&self->child, 100));
	ASSERT_EQ(0, zc_child_wait_blocked(self->child.pid, 5000));
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));
	ASSERT_GE(st.counters[ZCOPY_COUNTER_SYSCALLS], 100ULL);
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_RESET));
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));
	for (i = 0; i < st.nr_counters; i++) {
		ASSERT_EQ(0ULL, st.counters[i]) {
			TH_LOG("after RESET, %s is %llu", zc_counter_name(i),
			       (unsigned long long)st.counters[i]);
		}
	}
	/* The global reset, on a file without a session, with the capability. */
	close(self->fd);
	self->fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_RESET));
}

TEST_F(dev, poll)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	struct zcopy_stats st;
	long long t0, dt;
	int fd2;

	/* Without a session there is always something to read. */
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_TRUE(p.revents & POLLIN);

	ASSERT_EQ(0, zc_ioc_new(self->fd, self->child.pid, NULL));
	ASSERT_EQ(0, zc_child_wait_blocked(self->child.pid, 5000));
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));

	/* The child sleeps: nothing new. */
	p.revents = 0;
	ASSERT_EQ(0, poll(&p, 1, 600)) {
		TH_LOG("poll reported %#x while the followed child slept",
		       p.revents);
	}

	/* It makes system calls: readable within about the poll period. */
	ASSERT_EQ(0, zc_child_syscalls(&self->child, 50));
	t0 = zc_now_ms();
	ASSERT_EQ(1, poll(&p, 1, 3000));
	dt = zc_now_ms() - t0;
	ASSERT_TRUE(p.revents & POLLIN);
	ASSERT_LT(dt, 1500) {
		TH_LOG("POLLIN came %lld ms after the child's system calls",
		       dt);
	}

	/* A read catches up. */
	ASSERT_EQ(0, zc_child_wait_blocked(self->child.pid, 5000));
	ASSERT_LT(0, read(self->fd, self->a, 100));
	ASSERT_EQ(0, poll(&p, 1, 400)) {
		TH_LOG("poll reported %#x after a read caught up", p.revents);
	}

	/* A file that can see the session but holds none: always readable. */
	fd2 = open(ZC_DEV_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	p.fd = fd2;
	ASSERT_EQ(1, poll(&p, 1, 0));
	close(fd2);
}

TEST_F(dev, poll_hup_when_deleted)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	long long t0;
	__u32 id = 0;

	ASSERT_EQ(0, zc_ioc_new(self->fd, self->child.pid, &id));
	ASSERT_NL_OK(&self->nl, zc_session_del(&self->nl, id));
	t0 = zc_now_ms();
	ASSERT_EQ(1, poll(&p, 1, 3000));
	ASSERT_TRUE(p.revents & POLLHUP) {
		TH_LOG("poll gave %#x for a deleted session, expected POLLHUP",
		       p.revents);
	}
	ASSERT_LT(zc_now_ms() - t0, 1500);
	ASSERT_NL_ERRNO(&self->nl, zc_session_get(&self->nl, id, NULL), ENOENT);
}

TEST_F(dev, close_ends_session)
{
	struct zc_nl ntf;
	struct zc_sess e;
	__u32 id = 0;
	int n;

	ASSERT_EQ(0, zc_nl_open(&ntf));
	ASSERT_EQ(0, zc_nl_join(&ntf, ntf.events_grp));
	ASSERT_EQ(0, zc_ioc_new(self->fd, self->child.pid, &id));
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, id, NULL));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, zc_wait_session_gone(&self->nl, id, 2000)) {
		TH_LOG("session %u outlived its file by 2 s", id);
	}
	/* The listener hears that the owner went away. */
	for (;;) {
		const struct nlmsghdr *nlh = (void *)ntf.rbuf;

		n = zc_nl_recv_ntf(&ntf, ntf.rbuf, ZC_NL_RBUF, 2000);
		ASSERT_LT(0, n) {
			TH_LOG("no session-end-ntf for session %u: %s", id,
			       zc_errname(n));
		}
		if (zc_parse_sess(nlh, &e) || e.cmd != ZCOPY_CMD_SESSION_END_NTF ||
		    e.id != id)
			continue;
		ASSERT_EQ((__u32)ZCOPY_END_REASON_OWNER_CLOSED, e.end_reason);
		break;
	}
	zc_nl_close(&ntf);
}

TEST_F_TIMEOUT(dev, text_matches_netlink, 60)
{
	__u64 tv[__ZCOPY_COUNTER_MAX];
	struct zcopy_stats st;
	struct zc_stats ns;
	unsigned int i;

	/* Quiet (no session, probes off): the three views agree exactly. */
	ASSERT_EQ(0, zc_wait_disarmed(&self->nl, 20000));
	ASSERT_GT(zc_read_text(self->a, ZC_TEXT_MAX, ZC_TEXT_MAX), 0);
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &ns));
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_GET_STATS, &st));
	ASSERT_EQ(0, zc_text_global(self->a, tv));
	for (i = 0; i < ZC_NCTR; i++) {
		ASSERT_EQ(tv[i], ns.ctr.v[i]) {
			TH_LOG("%s: /dev/zcopy says %llu, stats-get %llu",
			       zc_counter_name(i), (unsigned long long)tv[i],
			       (unsigned long long)ns.ctr.v[i]);
		}
		ASSERT_EQ(tv[i], st.counters[i]) {
			TH_LOG("%s: /dev/zcopy says %llu, GET_STATS %llu",
			       zc_counter_name(i), (unsigned long long)tv[i],
			       (unsigned long long)st.counters[i]);
		}
	}

	/* Counting: read in turn, each later view has at least as much. */
	ASSERT_EQ(0, zc_ioc_new(self->fd, self->child.pid, NULL));
	ASSERT_EQ(0, zc_child_syscalls(&self->child, 100));
	ASSERT_GT(zc_read_text(self->a, ZC_TEXT_MAX, ZC_TEXT_MAX), 0);
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &ns));
	ASSERT_EQ(0, zc_text_global(self->a, tv));
	for (i = 0; i < ZC_NCTR; i++) {
		ASSERT_LE(tv[i], ns.ctr.v[i]) {
			TH_LOG("%s went back from %llu (text) to %llu (netlink)",
			       zc_counter_name(i), (unsigned long long)tv[i],
			       (unsigned long long)ns.ctr.v[i]);
		}
	}
	ASSERT_GE(tv[ZCOPY_COUNTER_SYSCALLS], 100ULL);
	ASSERT_LT(ns.ctr.v[ZCOPY_COUNTER_SYSCALLS] -
		  tv[ZCOPY_COUNTER_SYSCALLS], 20000ULL) {
		TH_LOG("system calls: text %llu, netlink %llu read right after",
		       (unsigned long long)tv[ZCOPY_COUNTER_SYSCALLS],
		       (unsigned long long)ns.ctr.v[ZCOPY_COUNTER_SYSCALLS]);
	}
}

/* Two threads racing on one open file. */
struct zc_race {
	int fd;
	pthread_barrier_t *go;
	int err;
	char *buf;
	int bad;
};

static void *zc_race_new(void *arg)
{
	struct zc_race *r = arg;

	pthread_barrier_wait(r->go);
	r->err = zc_ioc_new(r->fd, getpid(), NULL);
	return NULL;
}

TEST_F_TIMEOUT(dev, session_new_race, 120)
{
	struct zc_stats before, after;
	pthread_barrier_t go;
	int i, both = 0;

	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &before));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	for (i = 0; i < 100; i++) {
		struct zc_race r[2] = { { .go = &go }, { .go = &go } };
		pthread_t t;
		int fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd);
		r[0].fd = fd;
		r[1].fd = fd;
		ASSERT_EQ(0, pthread_create(&t, NULL, zc_race_new, &r[1]));
		zc_race_new(&r[0]);
		pthread_join(t, NULL);
		close(fd);
		both += !r[0].err && !r[1].err;
		ASSERT_TRUE((!r[0].err && r[1].err == -EBUSY) ||
			    (!r[1].err && r[0].err == -EBUSY) ||
			    (!r[0].err && !r[1].err)) {
			TH_LOG("SESSION_NEW twice on one file gave %s and %s",
			       zc_errname(r[0].err), zc_errname(r[1].err));
		}
	}
	ASSERT_EQ(0, both) {
		TH_LOG("%d of 100 files got two sessions at once", both);
	}
	ASSERT_NL_OK(&self->nl, zc_stats_get(&self->nl, &after));
	ASSERT_EQ(before.sessions, after.sessions) {
		TH_LOG("sessions bound to closed files were left behind");
	}
}

static void *zc_race_read(void *arg)
{
	struct zc_race *r = arg;
	int i;

	pthread_barrier_wait(r->go);
	for (i = 0; i < 300; i++) {
		ssize_t n = pread(r->fd, r->buf, ZC_TEXT_MAX, 0);

		if (n <= 0 || strncmp(r->buf, "zcopy ", 6) ||
		    r->buf[n - 1] != '\n' || !memmem(r->buf, n, "\nglobal\n", 8))
			r->bad++;
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, concurrent_reads, 120)
{
	struct zc_race r[2] = { { 0 } };
	pthread_barrier_t go;
	char first[256];
	pthread_t t;
	int kmsg;

	kmsg = zc_kmsg_open();
	ASSERT_LE(0, kmsg);
	/* A session, so that the text changes between snapshots. */
	ASSERT_EQ(0, zc_ioc_new(self->fd, getpid(), NULL));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	r[0] = (struct zc_race){ .fd = self->fd, .go = &go, .buf = self->a };
	r[1] = (struct zc_race){ .fd = self->fd, .go = &go, .buf = self->b };
	ASSERT_EQ(0, pthread_create(&t, NULL, zc_race_read, &r[1]));
	zc_race_read(&r[0]);
	pthread_join(t, NULL);
	ASSERT_EQ(0, r[0].bad + r[1].bad) {
		TH_LOG("%d of 600 concurrent reads returned a broken text",
		       r[0].bad + r[1].bad);
	}
	ASSERT_EQ(0, zc_kmsg_bad(kmsg, first, sizeof(first))) {
		TH_LOG("the kernel log says: %s", first);
	}
	close(kmsg);
}

/* A tally of the sections of a text: sessions, and probe lines. */
static void zc_text_sections(const char *text, unsigned int *sessions,
			     int *probes)
{
	const char *p = text;

	*sessions = 0;
	while ((p = strstr(p, "\nsession "))) {
		(*sessions)++;
		p++;
	}
	*probes = -1;
	p = strstr(text, "\nprobes\n");
	if (!p)
		return;
	*probes = 0;
	for (p += strlen("\nprobes"); (p = strchr(p + 1, '\n')); )
		(*probes)++;
}

/*
 * The table holds every session, however many max_sessions allows: 128
 * sessions make a text larger than the 64 KiB buffer of earlier versions.
 */
#define ZC_MANY_SESSIONS	128

TEST_F_TIMEOUT(dev, text_every_session, 120)
{
	const char *path = zc_module_path();
	const size_t size = 4 << 20;
	unsigned int i, sessions;
	char params[256], many[32], *text;
	int err, probes, want;
	ssize_t len;

	if (!path)
		SKIP(return, "no zcopy.ko to reload ($ZCOPY_MODULE is unset)");
	ASSERT_EQ(0, zc_module_params(params, sizeof(params)));
	close(self->fd);
	self->fd = -1;
	zc_nl_close(&self->nl);
	snprintf(many, sizeof(many), "max_sessions=%d", ZC_MANY_SESSIONS);
	err = zc_module_reload(path, many, params);
	ASSERT_EQ(0, err) {
		TH_LOG("reloading %s with %s: %s", path, many, strerror(-err));
	}
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	for (i = 0; i < ZC_MANY_SESSIONS; i++)
		ASSERT_NL_OK(&self->nl, zc_session_new(&self->nl,
						       self->child.pid, 0, 0,
						       NULL));
	want = zc_probe_dump(&self->nl, NULL, 0);
	text = calloc(1, size + 1);
	ASSERT_NE(NULL, text);
	len = zc_read_text(text, size, 65536);
	ASSERT_GT(len, 65536) {
		TH_LOG("%d sessions took only %zd bytes of text",
		       ZC_MANY_SESSIONS, len);
	}
	ASSERT_LT((size_t)len, size);
	TH_LOG("%d sessions: %zd bytes of text", ZC_MANY_SESSIONS, len);
	zc_text_sections(text, &sessions, &probes);
	free(text);
	EXPECT_EQ((unsigned int)ZC_MANY_SESSIONS, sessions);
	EXPECT_EQ(want, probes) {
		TH_LOG("the probes section has %d lines, the family %d probes",
		       probes, want);
	}

	zc_nl_close(&self->nl);
	err = zc_module_reload(path, params, params);
	ASSERT_EQ(0, err) {
		TH_LOG("restoring zcopy.ko (%s): %s", params, strerror(-err));
	}
	ASSERT_EQ(0, zc_nl_open(&self->nl));
}

/*
 * A counter no registered probe can feed is "not measured" everywhere,
 * never 0: the probes that alone feed the syscall and context-switch
 * counters are left out with skip_probes, as a kernel without them would
 * be. The ioctl's unmeasured bits, the netlink reply's counters and the
 * text must all say which three, and the probe list why.
 */
TEST_F_TIMEOUT(dev, unmeasured_counters, 90)
{
	static const unsigned int gone[] = {
		ZCOPY_COUNTER_SYSCALLS, ZCOPY_COUNTER_CTX_SWITCHES_VOL,
		ZCOPY_COUNTER_CTX_SWITCHES_INVOL,
	};
	static const char *const gone_text[] = {
		"system calls", "context switches (voluntary)",
		"context switches (involuntary)",
	};
	struct zc_probe probes[ZC_MAX_PROBES];
	struct zcopy_session_req req = { .size = sizeof(req) };
	char orig[256], line[128];
	struct zcopy_stats st;
	struct zc_sess ns;
	__u64 want = 0;
	unsigned int i;
	int n, found;
	char *p;

	for (i = 0; i < ARRAY_SIZE(gone); i++)
		want |= 1ULL << gone[i];
	ASSERT_EQ(0, zc_param_read("skip_probes", orig, sizeof(orig)));
	/* A name that is no probe is refused, and changes nothing. */
	ASSERT_EQ(-EINVAL, zc_param_write("skip_probes", "sys_enter,no_such"));
	ASSERT_EQ(0, zc_param_read("skip_probes", line, sizeof(line)));
	ASSERT_STREQ(orig, line);
	ASSERT_NL_OK(&self->nl, zc_wait_disarmed(&self->nl, 30000));
	ASSERT_EQ(0, zc_param_write("skip_probes", "sys_enter,sched_switch"));

	req.pid = self->child.pid;
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_SESSION_NEW, &req)) {
		TH_LOG("SESSION_NEW: %s", strerror(errno));
	}
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));
	EXPECT_EQ(want, st.unmeasured) {
		TH_LOG("unmeasured %#llx, want %#llx",
		       (unsigned long long)st.unmeasured,
		       (unsigned long long)want);
	}
	ASSERT_NL_OK(&self->nl, zc_session_get(&self->nl, req.session_id, &ns));
	EXPECT_EQ(ZC_NCTR - ARRAY_SIZE(gone), ns.ctr.present);
	EXPECT_EQ(0ULL, ns.ctr.mask & want) {
		TH_LOG("counters %#llx in the reply, none of %#llx expected",
		       (unsigned long long)ns.ctr.mask,
		       (unsigned long long)want);
	}
	ASSERT_GT(zc_read_text(self->a, ZC_TEXT_MAX, ZC_TEXT_MAX), 0);
	for (i = 0; i < ARRAY_SIZE(gone); i++) {
		found = 0;
		for (p = self->a; (p = strstr(p, gone_text[i])); p++) {
			if (sscanf(p + strlen(gone_text[i]), "%127s", line) == 1)
				found += !strcmp(line, "not-measured");
		}
		/* the global counters and the session */
		EXPECT_EQ(2, found) {
			TH_LOG("\"%s\" reads not-measured %d times", gone_text[i],
			       found);
		}
	}
	found = 0;
	for (p = self->a; (p = strstr(p, "not-measured")); p++)
		found++;
	EXPECT_EQ(2 * (int)ARRAY_SIZE(gone), found);
	n = zc_probe_dump(&self->nl, probes, ZC_MAX_PROBES);
	ASSERT_GT(n, 0);
	found = 0;
	for (i = 0; i < (unsigned int)n; i++) {
		if (strcmp(probes[i].name, "sys_enter") &&
		    strcmp(probes[i].name, "sched_switch"))
			continue;
		found++;
		EXPECT_EQ((__u32)ZCOPY_PROBE_STATE_UNAVAILABLE, probes[i].state);
		EXPECT_NE(NULL, strstr(probes[i].reason, "skip_probes")) {
			TH_LOG("%s: reason \"%s\"", probes[i].name,
			       probes[i].reason);
		}
	}
	EXPECT_EQ(2, found);

	/* As it was, and disarmed, so that the next arming has them all. */
	EXPECT_EQ(0, zc_param_write("skip_probes", orig[0] ? orig : "\n"));
	close(self->fd);
	self->fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_NL_OK(&self->nl, zc_wait_disarmed(&self->nl, 30000));
}

/*
 * skip_probes given at load time is checked before the module's init has
 * built its table: a name that is no probe fails the load with EINVAL,
 * a good one leaves that probe out from the first arming.
 */
TEST_F_TIMEOUT(dev, skip_probes_at_load, 90)
{
	const __u64 want = (1ULL << ZCOPY_COUNTER_CTX_SWITCHES_VOL) |
			   (1ULL << ZCOPY_COUNTER_CTX_SWITCHES_INVOL);
	struct zcopy_session_req req = { .size = sizeof(req) };
	struct zc_probe probes[ZC_MAX_PROBES];
	const char *path = zc_module_path();
	char params[256], val[64];
	struct zcopy_stats st;
	int err, n, i, found = 0;

	if (!path)
		SKIP(return, "no zcopy.ko to reload ($ZCOPY_MODULE is unset)");
	ASSERT_EQ(0, zc_module_params(params, sizeof(params)));
	close(self->fd);
	self->fd = -1;
	zc_nl_close(&self->nl);
	err = zc_module_reload(path, "skip_probes=sys_enter,no_such", params);
	ASSERT_EQ(-EINVAL, err) {
		TH_LOG("loading with a probe that does not exist: %s",
		       strerror(-err));
	}
	err = zc_module_reload(path, "skip_probes=sched_switch", params);
	ASSERT_EQ(0, err) {
		TH_LOG("loading with skip_probes=sched_switch: %s",
		       strerror(-err));
	}
	ASSERT_EQ(0, zc_param_read("skip_probes", val, sizeof(val)));
	EXPECT_STREQ("sched_switch", val);
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	self->fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	req.pid = self->child.pid;
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_SESSION_NEW, &req));
	ASSERT_EQ(0, zc_ioc_stats(self->fd, ZCOPY_IOC_SESSION_STATS, &st));
	EXPECT_EQ(want, st.unmeasured);
	n = zc_probe_dump(&self->nl, probes, ZC_MAX_PROBES);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		if (!strcmp(probes[i].name, "sched_switch")) {
			found++;
			EXPECT_EQ((__u32)ZCOPY_PROBE_STATE_UNAVAILABLE,
				  probes[i].state);
		} else if (!strcmp(probes[i].name, "sys_enter")) {
			found++;
			EXPECT_EQ((__u32)ZCOPY_PROBE_STATE_ACTIVE,
				  probes[i].state);
		}
	}
	EXPECT_EQ(2, found);

	close(self->fd);
	self->fd = -1;
	zc_nl_close(&self->nl);
	err = zc_module_reload(path, params, params);
	ASSERT_EQ(0, err) {
		TH_LOG("restoring zcopy.ko (%s): %s", params, strerror(-err));
	}
	ASSERT_EQ(0, zc_nl_open(&self->nl));
	self->fd = open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

int main(int argc, char **argv)
{
	return zc_main(argc, argv, true);
}
