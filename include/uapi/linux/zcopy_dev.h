/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * zcopy character device (/dev/zcopy): binary interface.
 *
 * read() returns a text table of the same counters; the ioctls below are
 * for programs that do not speak generic netlink. Counter indices are
 * enum zcopy_counter from <linux/zcopy.h>.
 */
#ifndef _UAPI_LINUX_ZCOPY_DEV_H
#define _UAPI_LINUX_ZCOPY_DEV_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/zcopy.h>

#define ZCOPY_DEV_NAME		"zcopy"
#define ZCOPY_STATS_VERSION	1
/* Room for counters added later; unused slots read as zero. */
#define ZCOPY_STATS_NR_COUNTERS	32

/**
 * struct zcopy_stats - counters, as returned by the GET_STATS ioctls
 * @size: in: sizeof(struct zcopy_stats) as the caller knows it
 * @version: out: %ZCOPY_STATS_VERSION
 * @session_id: out: the bound session (0 for global counters)
 * @nr_counters: out: number of valid entries in @counters
 * @armed: out: 1 when the probes are registered
 * @sessions: out: number of live sessions
 * @unmeasured: out: bit N set when counter N cannot be
 *	measured on this kernel (no probe feeding it could be registered, see
 *	the probe list): its @counters entry is 0 for want of a hook
 * @counters: out: indexed by enum zcopy_counter
 */
struct zcopy_stats {
	__u32 size;
	__u32 version;
	__u32 session_id;
	__u32 nr_counters;
	__u32 armed;
	__u32 sessions;
	__u64 unmeasured;
	__u64 counters[ZCOPY_STATS_NR_COUNTERS];
};

/**
 * struct zcopy_session_req - create a session bound to the open file
 * @size: sizeof(struct zcopy_session_req)
 * @pid: process (thread group) to follow
 * @flags: enum zcopy_session_flags
 * @session_id: out: the new session's id
 */
struct zcopy_session_req {
	__u32 size;
	__u32 pid;
	__u32 flags;
	__u32 session_id;
};

#define ZCOPY_IOC_MAGIC		'Z'
/* Global counters. */
#define ZCOPY_IOC_GET_STATS	_IOWR(ZCOPY_IOC_MAGIC, 1, struct zcopy_stats)
/* Create a session that ends when this file is closed (one per file). */
#define ZCOPY_IOC_SESSION_NEW	_IOWR(ZCOPY_IOC_MAGIC, 2, struct zcopy_session_req)
/* Counters of the session bound to this file. */
#define ZCOPY_IOC_SESSION_STATS	_IOWR(ZCOPY_IOC_MAGIC, 3, struct zcopy_stats)
/* Reset the bound session's counters, or the global ones (CAP_NET_ADMIN). */
#define ZCOPY_IOC_RESET		_IO(ZCOPY_IOC_MAGIC, 4)

#endif /* _UAPI_LINUX_ZCOPY_DEV_H */
