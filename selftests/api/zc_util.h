/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the zcopy API selftests that are not netlink: processes to
 * follow, capabilities, the kernel log, the module and its parameters.
 */
#ifndef ZC_UTIL_H
#define ZC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef __noreturn
#define __noreturn	__attribute__((__noreturn__))
#endif

#define ZC_DEV_PATH	"/dev/zcopy"
#define ZC_SYSFS	"/sys/module/zcopy"

long long zc_now_ms(void);
unsigned int zc_env_count(const char *name, unsigned int def);

/*
 * A child process that does nothing until told: it blocks in read() on a
 * pipe, makes the number of getppid() calls it is sent, acks, and blocks
 * again. A session following it is quiet while it waits.
 */
struct zc_child {
	pid_t pid;
	int cmd;			/* parent -> child */
	int ack;			/* child -> parent */
};

int zc_child_start(struct zc_child *c);
int zc_child_syscalls(struct zc_child *c, unsigned int n);
int zc_child_wait_blocked(pid_t pid, int timeout_ms);
void zc_child_stop(struct zc_child *c);

int zc_drop_cap(int cap);
bool zc_have_cap(int cap);

/* The kernel log since zc_kmsg_open(): lines that mean a kernel bug. */
int zc_kmsg_open(void);
int zc_kmsg_bad(int fd, char *first, size_t len);

const char *zc_cannot_run(void);
const char *zc_missing_prereq(bool need_dev);
const char *zc_module_path(void);
bool zc_module_loaded(void);
int zc_module_load(const char *path, const char *params);
int zc_module_unload(void);
int zc_module_reload(const char *path, const char *params,
		     const char *fallback);
int zc_module_params(char *buf, size_t len);
int zc_read_line(const char *path, char *buf, size_t len);
int zc_param_read(const char *name, char *buf, size_t len);
int zc_param_write(const char *name, const char *val);

#endif /* ZC_UTIL_H */
