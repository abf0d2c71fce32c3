/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy CLI: the commands, and their option parsers (which do nothing but
 * parse, so that the tests can call them).
 *
 * A parser returns 0, ZC_PARSE_HELP after -h, or -EINVAL with the reason in
 * @err. getopt_long is reset on every call.
 */
#ifndef ZC_CMDS_H
#define ZC_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/zcopy.h>

#include "opts.h"
#include "util.h"

#define ZC_PARSE_HELP	1
#define ZC_DEFAULT_SIZE	(16ull << 20)
#define ZC_DEFAULT_CHUNK	(64u << 10)

struct zc_method;

struct run_opts {
	struct xfer_opts x;
	const struct zc_method *m;
	const char *to;
	bool force;		/* --force: replace an existing --to */
};

enum zc_sg_mode { ZC_SG_BOTH, ZC_SG_ON, ZC_SG_OFF };

struct demo_opts {
	struct xfer_opts x;
	const struct zc_method *methods[16];
	unsigned int nmethods;
	int sg;			/* enum zc_sg_mode */
	const char *dev;	/* NULL: SG left alone */
	bool diagram;
	bool check;
};

#define ZC_STAT_MAX_PIDS	64

struct stat_opts {
	bool json;
	bool children;
	uint32_t sample_ms;	/* session-sample notifications (watch --events) */
	uint32_t interval_ms;	/* -I: print each interval's counts; 0: off */
	uint64_t bytes;		/* --bytes: copies per byte of these; 0: off */
	const char *devfilter[ZCOPY_MAX_DEVFILTER];
	unsigned int n_devfilter;
	pid_t pids[ZC_STAT_MAX_PIDS];	/* -p (and --cgroup's processes) */
	unsigned int npids;
	pid_t pid;		/* the first of them; 0: run a command */
	const char *cgroup;	/* --cgroup PATH */
	double duration;	/* with pids; 0: until they exit or ^C */
	int argc;
	char **argv;		/* the command */
};

struct sink_opts {
	struct zc_addr listen;
	bool once;
	bool verbose;
};

struct query_opts {
	bool json;
	bool events;
	double interval;
	bool interval_set;	/* -i given */
	long count;		/* watch: samples; 0 = forever */
	uint32_t session_id;
	int metrics;		/* stats --format: 0 text, 1 openmetrics, 2 prometheus */
};

int run_parse_args(int argc, char **argv, struct run_opts *o,
		   char *err, size_t len);
int demo_parse_args(int argc, char **argv, struct demo_opts *o,
		    char *err, size_t len);
int stat_parse_args(int argc, char **argv, struct stat_opts *o,
		    char *err, size_t len);
int sink_parse_args(int argc, char **argv, struct sink_opts *o,
		    char *err, size_t len);
int query_parse_args(const char *cmd, int argc, char **argv,
		     struct query_opts *o, char *err, size_t len);

int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_probes(int argc, char **argv);

/* Verdicts of the demo */
enum zc_verdict { ZC_V_OK, ZC_V_OFF, ZC_V_UNAVAILABLE, ZC_V_UNMEASURED };

#define ZC_TOL_CPU	0.01	/* absolute, copies per byte */
#define ZC_TOL_DMA	0.05	/* relative, above the textbook (headers) */
#define ZC_TOL_DMA_LOW	0.005	/* below: what rounds to it at 2 decimals */

int zc_judge(const char *label, double cpu, double dma, double exp_cpu,
	     double exp_dma, double cpu_extra, double dma_extra, char *why,
	     size_t len);
const char *zc_verdict_str(int v);

#endif
