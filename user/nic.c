// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: NIC scatter-gather, always restored. Through ethtool netlink
 * (ETHTOOL_MSG_FEATURES_SET) where the kernel has it, else the ioctl
 * (ETHTOOL_GSG / ETHTOOL_SSG).
 *
 * Restored three ways: by zc_nic_restore() and at exit(); by the signal
 * handler on SIGINT, SIGTERM, SIGHUP and SIGQUIT (it only calls ioctl(),
 * kill(), signal() and raise(), which are async-signal-safe, on a socket
 * and request prepared beforehand); and by a guard process that outlives
 * zcopy, for what no handler sees (SIGKILL, a crash): it holds the read
 * end of a pipe, learns from it whether SG is changed, and restores it
 * when the pipe closes with SG changed.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "ethnl.h"
#include "nic.h"
#include "util.h"

static int sg_ioctl(int fd, const char *ifname, uint32_t cmd, uint32_t *data)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *data };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	strlcpy0(ifr.ifr_name, ifname, IFNAMSIZ);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return -errno;
	*data = ev.data;
	return 0;
}

static int ctl_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int zc_ioctl_sg_get(const char *ifname, bool *on)
{
	uint32_t data = 0;
	int fd = ctl_socket(), err;

	if (fd < 0)
		return fd;
	err = sg_ioctl(fd, ifname, ETHTOOL_GSG, &data);
	close(fd);
	if (!err)
		*on = !!data;
	return err;
}

/* Set, then read back: a driver may refuse silently. */
int zc_ioctl_sg_set(const char *ifname, bool on)
{
	uint32_t data = on;
	int fd = ctl_socket(), err;

	if (fd < 0)
		return fd;
	err = sg_ioctl(fd, ifname, ETHTOOL_SSG, &data);
	if (!err) {
		data = 0;
		err = sg_ioctl(fd, ifname, ETHTOOL_GSG, &data);
		if (!err && !!data != on)
			err = -EOPNOTSUPP;
	}
	close(fd);
	return err;
}

int zc_nic_sg_get(const char *ifname, bool *on)
{
	int err = zc_ethnl_sg_get(ifname, on);

	return err == -EPROTONOSUPPORT ? zc_ioctl_sg_get(ifname, on) : err;
}

int zc_nic_sg_set(const char *ifname, bool on)
{
	int err = zc_ethnl_sg_set(ifname, on);

	return err == -EPROTONOSUPPORT ? zc_ioctl_sg_set(ifname, on) : err;
}

static struct {
	int fd;
	int guard_w;		/* the guard process's pipe, or -1 */
	pid_t guard_pid;
	struct ifreq ifr;
	struct ethtool_value ev;
	volatile sig_atomic_t active;
	volatile sig_atomic_t orig;
	volatile sig_atomic_t changed;
	volatile sig_atomic_t cur;	/* the state we last saw or set */
	volatile pid_t kill_pid;
	bool installed;
} guard = { .fd = -1, .guard_w = -1 };

/* Async-signal-safe. */
static void restore_now(void)
{
	if (!guard.active || !guard.changed)
		return;
	guard.ev.cmd = ETHTOOL_SSG;
	guard.ev.data = (uint32_t)guard.orig;
	guard.ifr.ifr_data = (void *)&guard.ev;
	if (!ioctl(guard.fd, SIOCETHTOOL, &guard.ifr)) {
		guard.changed = 0;
		if (guard.guard_w >= 0 && write(guard.guard_w, "0", 1) < 0)
			return;
	}
}

static void on_signal(int sig)
{
	restore_now();
	if (guard.kill_pid > 0)
		kill(guard.kill_pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	zc_nic_restore();
}

void zc_signal_guard_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	unsigned int i;

	if (guard.installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(at_exit);
	guard.installed = true;
}

/* Tell the guard process whether SG is now changed ('1') or not ('0'). */
static void tell_guard(bool changed)
{
	if (guard.guard_w >= 0 && write(guard.guard_w, changed ? "1" : "0", 1) < 0)
		return;
}

/* The guard process: restore SG if zcopy goes away with it changed. */
static void guard_main(int rfd, const char *ifname, bool orig)
{
	bool changed = false;
	char c;
	int fd, err;

	signal(SIGINT, SIG_IGN);	/* ^C and ^\ reach the whole group */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "zcopy-sg-guard");
	for (fd = 3; fd < 1024; fd++)	/* hold nothing of zcopy's */
		if (fd != rfd)
			close(fd);
	while (read(rfd, &c, 1) == 1)
		changed = c == '1';
	if (!changed)
		_exit(0);
	err = zc_nic_sg_set(ifname, orig);
	if (err)
		fprintf(stderr, "zcopy: guard: could not restore scatter-gather on "
			"%s: %s; restore it with 'ethtool -K %s sg %s'\n", ifname,
			strerror(-err), ifname, orig ? "on" : "off");
	else
		fprintf(stderr, "zcopy: guard: zcopy ended with scatter-gather of "
			"%s changed: set it %s again\n", ifname, orig ? "on" : "off");
	_exit(err ? 1 : 0);
}

/*
 * In every other child zcopy forks (transfers, sinks): not a holder of the
 * guard's pipe, or the guard would wait for them too, and not a restorer.
 */
static void guard_atfork_child(void)
{
	if (guard.guard_w >= 0)
		close(guard.guard_w);
	guard.guard_w = -1;
	guard.guard_pid = 0;
	guard.active = 0;
}

static int spawn_guard(const char *ifname, bool orig)
{
	static bool registered;
	int p[2];
	pid_t pid;

	if (!registered && pthread_atfork(NULL, NULL, guard_atfork_child))
		return -ENOMEM;
	registered = true;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]), close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		guard_main(p[0], ifname, orig);
	}
	close(p[0]);
	guard.guard_w = p[1];
	guard.guard_pid = pid;
	return 0;
}

/* Let the guard process go (SG is as it was); it exits and is reaped. */
void zc_nic_guard_release(void)
{
	if (guard.guard_w < 0)
		return;
	close(guard.guard_w);
	guard.guard_w = -1;
	while (waitpid(guard.guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
	guard.guard_pid = 0;
}

pid_t zc_nic_guard_pid(void)
{
	return guard.guard_pid;
}

int zc_nic_guard(const char *ifname, bool *orig)
{
	bool on;
	int err;

	if (guard.active)
		return -EBUSY;
	err = zc_nic_sg_get(ifname, &on);
	if (err)
		return err;
	guard.fd = ctl_socket();
	if (guard.fd < 0)
		return guard.fd;
	memset(&guard.ifr, 0, sizeof(guard.ifr));
	strlcpy0(guard.ifr.ifr_name, ifname, IFNAMSIZ);
	guard.orig = on;
	guard.cur = on;
	guard.changed = 0;
	err = spawn_guard(ifname, on);
	if (err) {
		close(guard.fd);
		guard.fd = -1;
		return err;
	}
	zc_signal_guard_install();
	guard.active = 1;
	*orig = on;
	return 0;
}

int zc_nic_guard_set(bool on)
{
	bool now;
	int err;

	if (!guard.active)
		return -EINVAL;
	if (on == !!guard.cur)
		return 0;	/* some devices refuse even a no-op set */
	guard.changed = 1;	/* before: a signal during the set restores */
	tell_guard(true);
	err = zc_nic_sg_set(guard.ifr.ifr_name, on);
	if (err && zc_nic_sg_get(guard.ifr.ifr_name, &now))
		return err;	/* state unknown: keep restoring */
	guard.cur = err ? now : on;
	guard.changed = !!guard.cur != !!guard.orig;
	tell_guard(guard.changed);
	return err;
}

/* Put the original state back; the guard stays armed for more sets. */
int zc_nic_restore(void)
{
	int err;

	if (!guard.active || !guard.changed)
		return 0;
	err = zc_nic_sg_set(guard.ifr.ifr_name, guard.orig);
	if (!err) {
		guard.changed = 0;
		guard.cur = guard.orig;
		tell_guard(false);
	}
	return err;
}

void zc_nic_guard_kill_on_signal(pid_t pid)
{
	guard.kill_pid = pid;
}
