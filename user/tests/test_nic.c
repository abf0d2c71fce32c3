// SPDX-License-Identifier: GPL-2.0
/*
 * Scatter-gather get/set and the guard that restores it, on a veth pair
 * in a private network namespace (skipped where one cannot be made).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "netns.h"
#include "ethnl.h"
#include "nic.h"
#include "tap.h"
#include "util.h"

static bool sg(const char *dev)
{
	bool on = false;

	zc_nic_sg_get(dev, &on);
	return on;
}

/* A child turns SG off under the guard and is killed: SG must come back. */
static void test_signal_restore(int sig)
{
	int p[2], status = 0, i;
	char c;
	pid_t pid;

	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		bool orig;

		close(p[0]);
		if (zc_nic_guard("zct0", &orig) || zc_nic_guard_set(false))
			_exit(1);
		write_full(p[1], "x", 1);
		pause();
		_exit(2);
	}
	close(p[1]);
	if (read_full(p[0], &c, 1) == 1)
		ok(!sg("zct0"), "child turned SG off");
	else
		ok(0, "child turned SG off");
	close(p[0]);
	kill(pid, sig);
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == sig,
	   "child died of signal %d, as without the guard", sig);
	/* SIGKILL: no handler runs; the guard process restores, soon after. */
	for (i = 0; sig == SIGKILL && !sg("zct0") && i < 200; i++)
		usleep(10000);
	ok(sg("zct0"), "SG restored after signal %d%s", sig,
	   sig == SIGKILL ? " (by the guard process)" : "");
}

/* Netlink and the ioctl fallback see and set the same state. */
static void test_both_paths(void)
{
	bool a = false, b = true;

	is_int(zc_ethnl_sg_get("zct0", &a), 0, "ethtool netlink: FEATURES_GET");
	is_int(zc_ioctl_sg_get("zct0", &b), 0, "ioctl: ETHTOOL_GSG");
	ok(a && b, "both read SG on");
	is_int(zc_ethnl_sg_set("zct0", false), 0, "ethtool netlink: FEATURES_SET off");
	ok(!zc_ioctl_sg_get("zct0", &b) && !b, "the ioctl reads it off");
	is_int(zc_ioctl_sg_set("zct0", true), 0, "ioctl: ETHTOOL_SSG on");
	ok(!zc_ethnl_sg_get("zct0", &a) && a, "netlink reads it on");
	is_int(zc_ethnl_sg_get("zct-none", &a), -ENODEV, "netlink: no such device");
	is_int(zc_ethnl_sg_set("lo", false), -EOPNOTSUPP, "netlink: lo's SG is fixed");
}

static void test_guard(void)
{
	bool orig = false;

	is_int(zc_nic_guard("zct0", &orig), 0, "guard on zct0");
	ok(orig, "SG on at first");
	is_int(zc_nic_guard("zct0", &orig), -EBUSY, "one guard at a time");
	is_int(zc_nic_guard_set(false), 0, "set off");
	ok(!sg("zct0"), "SG now off");
	is_int(zc_nic_guard_set(false), 0, "set off again is a no-op");
	is_int(zc_nic_restore(), 0, "restore");
	ok(sg("zct0"), "SG back on");
	is_int(zc_nic_guard_set(false), 0, "off again");
	is_int(zc_nic_guard_set(true), 0, "on by hand");
	ok(sg("zct0"), "SG on");
	is_int(zc_nic_restore(), 0, "restore with nothing to do");
}

int main(void)
{
	bool on;

	if (private_netns()) {
		skip("no private network namespace (needs root or user namespaces)");
		return done_testing();
	}
	is_int(zc_nic_sg_get("zct-none", &on), -ENODEV, "no such device");
	is_int(zc_nic_sg_get("a-name-longer-than-ifnamsiz", &on), -ENAMETOOLONG,
	       "name too long");
	if (system("ip link add zct0 type veth peer name zct1 2>/dev/null")) {
		skip("cannot create a veth pair (ip or veth missing)");
		return done_testing();
	}
	is_int(zc_nic_sg_get("lo", &on), 0, "lo: read SG");
	ok(on, "lo: SG on");
	is_int(zc_nic_sg_set("lo", false), -EOPNOTSUPP, "lo: SG is fixed");
	is_int(zc_nic_sg_set("zct0", false), 0, "veth: SG off");
	ok(!sg("zct0"), "veth: reads back off");
	is_int(zc_nic_sg_set("zct0", true), 0, "veth: SG on");
	test_signal_restore(SIGTERM);
	test_signal_restore(SIGINT);
	test_signal_restore(SIGQUIT);
	test_signal_restore(SIGKILL);
	test_both_paths();
	test_guard();
	return done_testing();
}
