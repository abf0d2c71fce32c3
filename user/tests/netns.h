/* SPDX-License-Identifier: GPL-2.0 */
/* Tests: a private network namespace (in a user namespace if not root). */
#ifndef ZC_TEST_NETNS_H
#define ZC_TEST_NETNS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err;

	if (fd < 0)
		return -errno;
	err = write_full(fd, s, strlen(s));
	close(fd);
	return err;
}

/* A network namespace of our own; as non-root, inside a user namespace. */
static inline int private_netns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (!unshare(CLONE_NEWNET))
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -errno;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	write_file("/proc/self/gid_map", map);
	return 0;
}

#endif
