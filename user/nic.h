/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: NIC scatter-gather through SIOCETHTOOL, always restored. */
#ifndef ZC_NIC_H
#define ZC_NIC_H

#include <stdbool.h>
#include <sys/types.h>

int zc_nic_sg_get(const char *ifname, bool *on);
int zc_nic_sg_set(const char *ifname, bool on);

/*
 * The guard remembers @ifname's scatter-gather state, and puts it back at
 * zc_nic_restore(), at exit(), and on SIGINT, SIGTERM and SIGHUP (then the
 * process dies of the signal as it would have).
 */
int zc_nic_guard(const char *ifname, bool *orig);
int zc_nic_guard_set(bool on);
int zc_nic_restore(void);
/* Also kill this process (e.g. a sink) on those signals; 0 to forget. */
void zc_nic_guard_kill_on_signal(pid_t pid);
void zc_signal_guard_install(void);

#endif
