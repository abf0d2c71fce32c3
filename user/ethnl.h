/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: a NIC's scatter-gather through ethtool's netlink family. */
#ifndef ZC_ETHNL_H
#define ZC_ETHNL_H

#include <stdbool.h>

/*
 * -EPROTONOSUPPORT when the kernel has no ethtool netlink family (before
 * 5.6, or without CONFIG_ETHTOOL_NETLINK): use the ioctl then.
 */
int zc_ethnl_sg_get(const char *ifname, bool *on);
int zc_ethnl_sg_set(const char *ifname, bool on);

#endif
