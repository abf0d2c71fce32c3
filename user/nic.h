/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy CLI: NIC scatter-gather, through ethtool netlink or SIOCETHTOOL,
 * always restored.
 */
#ifndef ZC_NIC_H
#define ZC_NIC_H

#include <stdbool.h>
#include <sys/types.h>

int zc_nic_sg_get(const char *ifname, bool *on);
int zc_nic_sg_set(const char *ifname, bool on);
int zc_ioctl_sg_get(const char *ifname, bool *on);	/* the fallback */
int zc_ioctl_sg_set(const char *ifname, bool on);

/*
 * The guard remembers @ifname's scatter-gather state, and puts it back at
 * zc_nic_restore(), at exit(), and on SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * (then the process dies of the signal as it would have); a guard process
 * puts it back if zcopy dies otherwise (SIGKILL, a crash).
 * zc_nic_guard_release() ends that process once SG is restored.
 */
int zc_nic_guard(const char *ifname, bool *orig);
void zc_nic_guard_release(void);
pid_t zc_nic_guard_pid(void);
int zc_nic_guard_set(bool on);
int zc_nic_restore(void);
/* Also kill this process (e.g. a sink) on those signals; 0 to forget. */
void zc_nic_guard_kill_on_signal(pid_t pid);
void zc_signal_guard_install(void);

#endif
