// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the zcopy API selftests that are not netlink (see zc_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "zc_nl.h"
#include "zc_util.h"

long long zc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A count from the environment variable @name, @def when unset or empty. */
unsigned int zc_env_count(const char *name, unsigned int def)
{
	const char *e = getenv(name);

	return e && *e ? strtoul(e, NULL, 0) : def;
}

static __noreturn void zc_child_loop(int cmd, int ack)
{
	unsigned int n;
	char c = 'k';

	for (;;) {
		if (read(cmd, &n, sizeof(n)) != sizeof(n))
			_exit(0);
		while (n--)
			syscall(SYS_getppid);
		if (write(ack, &c, 1) != 1)
			_exit(1);
	}
}

int zc_child_start(struct zc_child *c)
{
	int cmd[2], ack[2];

	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(ack, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		int err = -errno;

		close(cmd[0]);
		close(cmd[1]);
		close(ack[0]);
		close(ack[1]);
		return err;
	}
	if (!c->pid) {
		/*
		 * Keep no file of the parent's open: a netlink socket that
		 * owns sessions must close when the parent closes it.
		 */
		if (dup2(cmd[0], 0) < 0 || dup2(ack[1], 1) < 0)
			_exit(1);
		syscall(SYS_close_range, 3, ~0U, 0);
		zc_child_loop(0, 1);
	}
	close(cmd[0]);
	close(ack[1]);
	c->cmd = cmd[1];
	c->ack = ack[0];
	return 0;
}

/* Make the child call getppid() @n times; returns once it has. */
int zc_child_syscalls(struct zc_child *c, unsigned int n)
{
	char k;

	if (write(c->cmd, &n, sizeof(n)) != sizeof(n))
		return -EPIPE;
	if (read(c->ack, &k, 1) != 1)
		return -EPIPE;
	return 0;
}

/*
 * Wait until @pid sleeps in read(). /proc/PID/syscall only answers for a
 * task that is off the CPU (wait_task_inactive()), so once it names the
 * read, the switch away has been accounted too.
 */
int zc_child_wait_blocked(pid_t pid, int timeout_ms)
{
	long long end = zc_now_ms() + timeout_ms;
	char path[64], buf[256];
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	do {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (sscanf(buf, "%ld ", &nr) == 1 && nr == SYS_read)
				return 0;
		}
		usleep(5000);
	} while (zc_now_ms() < end);
	return -ETIMEDOUT;
}

void zc_child_stop(struct zc_child *c)
{
	if (c->pid <= 0)
		return;
	close(c->cmd);
	close(c->ack);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	c->pid = 0;
}

/* Drop @cap from every set of this process, for good. */
int zc_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int i = cap / 32;
	__u32 bit = 1U << (cap % 32);

	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap, 0, 0);
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

bool zc_have_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

int zc_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Count the kernel log records since the last call (or zc_kmsg_open())
 * that report a kernel bug; the first one is copied to @first.
 */
int zc_kmsg_bad(int fd, char *first, size_t len)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "Call Trace", "general protection",
		"Kernel panic", "UBSAN:", "KASAN:",
	};
	char rec[8192];
	int count = 0;

	if (len)
		first[0] = '\0';
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		const char *msg;
		unsigned int i;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (!strstr(msg, bad[i]))
				continue;
			if (!count++ && len)
				snprintf(first, len, "%.*s", (int)strcspn(msg, "\n"),
					 msg);
			break;
		}
	}
	return count;
}

/*
 * Why the API tests cannot run here at all, or NULL: not root, or no
 * zcopy.ko loaded. These are the only reasons to skip (KSFT_SKIP).
 */
const char *zc_cannot_run(void)
{
	if (geteuid())
		return "the zcopy API tests need root";
	if (!zc_module_loaded())
		return "zcopy.ko is not loaded (no " ZC_SYSFS ")";
	return NULL;
}

/*
 * Why the API tests cannot run here, or NULL if they can. Beyond
 * zc_cannot_run(): a loaded module without its generic netlink family, or
 * (@need_dev) without /dev/zcopy, is broken, and a test must fail on it,
 * never skip.
 */
const char *zc_missing_prereq(bool need_dev)
{
	static char why[128];
	const char *cannot = zc_cannot_run();
	struct zc_nl nl;
	int err;

	if (cannot)
		return cannot;
	err = zc_nl_open(&nl);
	if (err) {
		snprintf(why, sizeof(why),
			 "zcopy.ko is loaded but has no generic netlink family \"zcopy\": %s",
			 strerror(-err));
		return why;
	}
	zc_nl_close(&nl);
	if (need_dev && access(ZC_DEV_PATH, F_OK))
		return "no " ZC_DEV_PATH " although zcopy.ko is loaded";
	return NULL;
}

/* The zcopy.ko the lab loaded ($ZCOPY_MODULE), or NULL. */
const char *zc_module_path(void)
{
	const char *p = getenv("ZCOPY_MODULE");

	if (!p || !*p || access(p, R_OK))
		return NULL;
	return p;
}

bool zc_module_loaded(void)
{
	return !access(ZC_SYSFS "/initstate", F_OK);
}

int zc_module_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

/* rmmod: 0, or -EWOULDBLOCK (in use), -ENOENT (not loaded), ... */
int zc_module_unload(void)
{
	if (syscall(SYS_delete_module, "zcopy", O_NONBLOCK))
		return -errno;
	return 0;
}

/*
 * Reload zcopy.ko with @params. Should that fail and leave no module, load
 * it with @fallback (if not NULL), so that the tests after this one still
 * have it. Returns 0 or the reload's -errno.
 */
int zc_module_reload(const char *path, const char *params,
		     const char *fallback)
{
	int err = zc_module_unload();

	if (!err)
		err = zc_module_load(path, params);
	if (err && fallback && !zc_module_loaded())
		zc_module_load(path, fallback);
	return err;
}

/* The first line of a (sysfs) file, without its newline. */
int zc_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int zc_param_read(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), ZC_SYSFS "/parameters/%s", name);
	return zc_read_line(path, buf, len);
}

/* Set a writable parameter of the loaded module; 0 or a negative errno. */
int zc_param_write(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), ZC_SYSFS "/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The loaded module's parameters as insmod arguments, to restore them. */
int zc_module_params(char *buf, size_t len)
{
	static const char *const names[] = {
		"max_sessions", "dev_mode", "disarm_delay_ms", "max_follow",
		"max_user_sessions", "paranoid",
	};
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char val[64];

		if (zc_param_read(names[i], val, sizeof(val)))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0,
				 "%s%s=%s", used ? " " : "", names[i], val);
	}
	return used < len ? 0 : -ENAMETOOLONG;
}
