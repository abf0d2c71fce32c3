// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: NIC scatter-gather (ETHTOOL_GSG / ETHTOOL_SSG), always restored.
 *
 * The signal handler only calls ioctl(), kill(), signal() and raise(), which
 * are async-signal-safe, on a socket and request prepared beforehand.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

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

int zc_nic_sg_get(const char *ifname, bool *on)
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
int zc_nic_sg_set(const char *ifname, bool on)
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

static struct {
	int fd;
	struct ifreq ifr;
	struct ethtool_value ev;
	volatile sig_atomic_t active;
	volatile sig_atomic_t orig;
	volatile sig_atomic_t changed;
	volatile sig_atomic_t cur;	/* the state we last saw or set */
	volatile pid_t kill_pid;
	bool installed;
} guard = { .fd = -1 };

/* Async-signal-safe. */
static void restore_now(void)
{
	if (!guard.active || !guard.changed)
		return;
	guard.ev.cmd = ETHTOOL_SSG;
	guard.ev.data = (uint32_t)guard.orig;
	guard.ifr.ifr_data = (void *)&guard.ev;
	if (!ioctl(guard.fd, SIOCETHTOOL, &guard.ifr))
		guard.changed = 0;
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
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
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
	err = zc_nic_sg_set(guard.ifr.ifr_name, on);
	if (err && zc_nic_sg_get(guard.ifr.ifr_name, &now))
		return err;	/* state unknown: keep restoring */
	guard.cur = err ? now : on;
	guard.changed = !!guard.cur != !!guard.orig;
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
	}
	return err;
}

void zc_nic_guard_kill_on_signal(pid_t pid)
{
	guard.kill_pid = pid;
}
