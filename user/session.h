/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy CLI: run work in a forked child that a session follows, and
 * measure it (shared by run, demo and stat).
 */
#ifndef ZC_SESSION_H
#define ZC_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nl.h"
#include "util.h"

struct zc_method;

/* A child that waits for the parent's go before doing its work. */
struct zc_child {
	pid_t pid;
	int go_w;		/* parent: write a byte to release the child */
	int st_r;		/* parent: the child's status messages */
};

typedef int (*zc_child_fn)(void *arg, int go_fd, int st_fd);

int zc_child_spawn(struct zc_child *c, zc_child_fn fn, void *arg, int close_fd);
int zc_child_go(struct zc_child *c);
int zc_child_wait_go(int go_fd);
int zc_child_reap(struct zc_child *c, int *status);
void zc_child_kill(struct zc_child *c);

/* What SESSION_NEW asks for besides the pid. */
struct zc_session_opts {
	uint32_t flags;			/* ZCOPY_SESSION_FLAGS_* */
	uint32_t sample_ms;		/* sample notifications; 0: none */
	const char *devfilter[ZCOPY_MAX_DEVFILTER];
	unsigned int n_devfilter;
};

int zc_session_follow(struct zc_nl *nl, pid_t pid,
		      const struct zc_session_opts *so, uint32_t *id);
int zc_session_collect(struct zc_nl *nl, uint32_t id, struct zc_info *out);

/* One transfer, measured or not. */
struct zc_run_cfg {
	const struct zc_method *m;
	const char *path;
	uint64_t size;
	size_t chunk;
	const struct zc_addr *peers;	/* destination socket: tried in order */
	unsigned int npeers;
	const char *to;			/* or destination file */
	bool force;			/* replace an existing @to */
	bool cold;
	bool progress;			/* a progress bar if stderr is a tty */
	double connect_s;		/* per address; 0: ZC_DEFAULT_CONNECT_S */
	double stall_s;			/* no progress this long: give up */
	struct zc_nl *nl;		/* NULL: do not account (--no-account) */
};

enum zc_run_status { ZC_RUN_OK, ZC_RUN_UNAVAILABLE, ZC_RUN_FAILED };

struct zc_run_res {
	int status;			/* enum zc_run_status */
	char msg[200];			/* why unavailable or failed */
	char note[200];			/* a remark (e.g. no usage report) */
	char cache[160];		/* what was done for a cold cache */
	uint64_t cache_pages;		/* cold: pages of the file, */
	uint64_t cache_resident;	/* of which still cached; -1: unknown */
	char dest[80];			/* the address connected to */
	uint64_t bytes, calls, elapsed_ns;
	uint64_t cpu_ns;		/* CPU time of the loop; 0: unknown */
	uint64_t machine_busy_ns;	/* every CPU's busy time then; 0: unknown */
	uint64_t zc_completions, zc_copied;
	uint64_t retrans_bytes;		/* TCP sent these again */
	uint64_t unacked_bytes;		/* not acknowledged when we stopped waiting */
	int zc_verdict;			/* enum zc_zc_verdict */
	bool accounted;
	/*
	 * info's syscall and context-switch counters are those of the
	 * transfer loop (the window); after_loop_syscalls is what the child
	 * made after it (fsync or drain, TCP_INFO, close, exit), not counted.
	 */
	bool windowed;
	uint64_t after_loop_syscalls;
	struct zc_info info;		/* the session's counters if accounted */
};

int zc_run_transfer(const struct zc_run_cfg *cfg, struct zc_run_res *res);
void zc_run_res_free(struct zc_run_res *res);

/* Quantities derived from a session's counters. */
struct zc_derived {
	uint64_t cpu_copy_bytes;	/* u2k + k2u + k2k */
	uint64_t dma_bytes;		/* to-dev + from-dev */
	uint64_t syscalls, mode_switches, ctx_switches;
	double cpu_copies;		/* per payload byte */
	double dma_copies;
	double mode_switches_per_call;
};

void zc_derive(const struct zc_counters *c, uint64_t bytes, uint64_t calls,
	       struct zc_derived *d);

#endif
