// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy stat: count what a command (and, by default, the processes it
 * forks) copies and maps for DMA, like perf stat. Or attach to running
 * processes (-p PID, several; --cgroup PATH: every process of a service or
 * container) for a while. -I MS prints what each interval added. The
 * report goes to stderr (stdout with -j), or to -o FILE.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/zcopy.h>

#include "cmds.h"
#include "nl.h"
#include "output.h"
#include "report.h"
#include "session.h"

static const struct option stat_long[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "no-children", no_argument, NULL, 'c' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'G' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval-ms", required_argument, NULL, 'I' },
	{ "bytes", required_argument, NULL, 'b' },
	{ "output", required_argument, NULL, 'o' },
	{ "sample-ms", required_argument, NULL, 'S' },
	{ "devfilter", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *stat_output;

/* "-p 12", "-p 12,13" (as perf), and -p again. */
static int add_pids(struct stat_opts *o, const char *arg, char *err, size_t len)
{
	char buf[256], *tok, *save = NULL;
	uint32_t pid;

	strlcpy0(buf, arg, sizeof(buf));
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_u32(tok, &pid) || !pid || pid > 4194304) {
			snprintf(err, len, "bad --pid '%s'", tok);
			return -EINVAL;
		}
		if (o->npids == ZC_STAT_MAX_PIDS) {
			snprintf(err, len, "at most %d processes (-p, --cgroup)",
				 ZC_STAT_MAX_PIDS);
			return -EINVAL;
		}
		o->pids[o->npids++] = (pid_t)pid;
	}
	return 0;
}

static int stat_opt(int c, struct stat_opts *o, char *err, size_t len)
{
	switch (c) {
	case 'j':
		o->json = true;
		break;
	case 'c':
		o->children = false;
		break;
	case 'p':
		return add_pids(o, optarg, err, len);
	case 'G':
		o->cgroup = optarg;
		break;
	case 'd':
		if (parse_seconds(optarg, &o->duration) || o->duration <= 0) {
			snprintf(err, len, "bad --duration '%s' (seconds)", optarg);
			return -EINVAL;
		}
		break;
	case 'I':
		if (parse_u32(optarg, &o->interval_ms) || o->interval_ms < 10) {
			snprintf(err, len, "bad -I '%s' (milliseconds, at least 10)",
				 optarg);
			return -EINVAL;
		}
		break;
	case 'b':
		if (parse_size(optarg, &o->bytes) || !o->bytes) {
			snprintf(err, len, "bad --bytes '%s' (e.g. 16M)", optarg);
			return -EINVAL;
		}
		break;
	case 'o':
		stat_output = optarg;
		break;
	case 'S':
		if (parse_u32(optarg, &o->sample_ms) || o->sample_ms > 60000 ||
		    (o->sample_ms && o->sample_ms < 10)) {
			snprintf(err, len, "bad --sample-ms '%s' (0, or 10 to 60000)",
				 optarg);
			return -EINVAL;
		}
		break;
	case 'F':
		if (o->n_devfilter == ZCOPY_MAX_DEVFILTER || !*optarg ||
		    strlen(optarg) > 31) {
			snprintf(err, len, "bad --devfilter '%s' (at most %d, 1 to 31 "
				 "characters)", optarg, ZCOPY_MAX_DEVFILTER);
			return -EINVAL;
		}
		o->devfilter[o->n_devfilter++] = optarg;
		break;
	case 'h':
		return ZC_PARSE_HELP;
	}
	return 0;
}

int stat_parse_args(int argc, char **argv, struct stat_opts *o, char *err,
		    size_t len)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->children = true;
	o->json = zc_opt_json;
	stat_output = NULL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jp:G:d:I:o:h", stat_long,
				NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_error(c, argv, err, len);
		ret = stat_opt(c, o, err, len);
		if (ret)
			return ret;
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	o->pid = o->npids ? o->pids[0] : 0;
	if ((o->npids || o->cgroup) && o->argc) {
		snprintf(err, len, "give a command, or -p/--cgroup, not both");
		return -EINVAL;
	}
	if (!o->npids && !o->cgroup && !o->argc) {
		snprintf(err, len, "which command? (zcopy stat -- CMD [ARGS])");
		return -EINVAL;
	}
	if (o->duration && o->argc) {
		snprintf(err, len, "--duration goes with -p or --cgroup");
		return -EINVAL;
	}
	return 0;
}

static void stat_usage(FILE *f)
{
	fputs("usage: zcopy stat [OPTIONS] -- CMD [ARGS]\n"
	      "       zcopy stat [OPTIONS] -p PID[,PID...] | --cgroup PATH [-d SECONDS]\n"
	      "  -p, --pid PID[,PID]    follow running processes (repeatable, up to 64)\n"
	      "  -G, --cgroup PATH      follow every process of cgroup PATH (cgroup v2)\n"
	      "  -d, --duration S       with -p/--cgroup: stop after S seconds (until they exit)\n"
	      "      --no-children      do not follow the processes they fork (followed)\n"
	      "  -I, --interval-ms MS   print what each MS milliseconds added (off)\n"
	      "      --bytes N          also give copies per byte of N payload bytes (off)\n"
	      "  -o, --output FILE      the report to FILE (stderr; stdout with -j)\n"
	      "      --sample-ms MS     kernel samples to 'watch --events' every MS (off)\n"
	      "      --devfilter NAME   count DMA only on matching devices (repeatable, all)\n"
	      "  -j, --json             a JSON report\n"
	      "  -h, --help             this help\n", f);
}

static void session_opts(const struct stat_opts *o, struct zc_session_opts *so)
{
	unsigned int i;

	memset(so, 0, sizeof(*so));
	so->flags = o->children ? ZCOPY_SESSION_FLAGS_CHILDREN : 0;
	so->sample_ms = o->sample_ms;
	for (i = 0; i < o->n_devfilter; i++)
		so->devfilter[i] = o->devfilter[i];
	so->n_devfilter = o->n_devfilter;
}

/* The cgroup's processes (cgroup.procs), added to the pids. */
static int cgroup_pids(struct stat_opts *o)
{
	char path[4200], err[128];
	FILE *f;
	long pid;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroup);
	f = fopen(path, "re");
	if (!f) {
		zc_err("stat: --cgroup %s: %s", path, strerror(errno));
		return -errno;
	}
	while (!ret && fscanf(f, "%ld", &pid) == 1) {
		snprintf(path, sizeof(path), "%ld", pid);
		ret = add_pids(o, path, err, sizeof(err));
		if (ret)
			zc_err("stat: --cgroup %s: %s", o->cgroup, err);
	}
	fclose(f);
	if (!ret && !o->npids) {
		zc_err("stat: --cgroup %s has no process", o->cgroup);
		ret = -ESRCH;
	}
	return ret;
}

/* The command */

struct exec_ctx {
	char **argv;
};

static int exec_child(void *arg, int go_fd, int st_fd)
{
	struct exec_ctx *ctx = arg;
	int err;

	if (zc_child_wait_go(go_fd))
		return 127;
	execvp(ctx->argv[0], ctx->argv);
	err = errno;
	write_full(st_fd, &err, sizeof(err));
	return 127;
}

static void describe(char *buf, size_t len, const struct stat_opts *o)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	if (o->cgroup) {
		snprintf(buf, len, "cgroup %s (%u processes)", o->cgroup, o->npids);
		return;
	}
	if (o->npids) {
		off = (size_t)snprintf(buf, len, "pid");
		for (i = 0; i < (int)o->npids && off + 1 < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%d",
						i ? "," : " ", (int)o->pids[i]);
		return;
	}
	for (i = 0; i < o->argc && off + 1 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? " " : "", o->argv[i]);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return ZC_EXIT_FAIL;
}

/* The sessions of one stat, and their sum. */
struct stat_run {
	uint32_t ids[ZC_STAT_MAX_PIDS];
	unsigned int n;
	struct zc_info info[ZC_STAT_MAX_PIDS];
	struct zc_counters sum;
	uint64_t t0;
};

static void sum_counters(struct zc_counters *sum, const struct zc_info *s,
			 unsigned int n)
{
	unsigned int i, k;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		for (k = 0; k < ZC_NCOUNTERS; k++)
			sum->v[k] += s[i].counters.v[k];
		sum->present |= s[i].counters.present;
	}
}

static void per_byte(FILE *f, const struct stat_opts *o,
		     const struct zc_counters *c, struct jw *w)
{
	struct zc_derived d;
	char x[16], y[16];

	zc_derive(c, o->bytes, 0, &d);
	if (w) {
		if (o->bytes) {
			jw_u64(w, "payload_bytes", o->bytes);
			jw_dbl(w, "cpu_copies_per_byte", d.cpu_copies, 4);
			jw_dbl(w, "dma_copies_per_byte", d.dma_copies, 4);
		} else {
			jw_null(w, "payload_bytes");
			jw_null(w, "cpu_copies_per_byte");
			jw_null(w, "dma_copies_per_byte");
		}
		return;
	}
	if (o->bytes)
		fprintf(f, "\n    %s cpu copies and %s dma copies per byte of %" PRIu64
			" payload bytes (--bytes)\n", fmt_ratio(x, sizeof(x), d.cpu_copies),
			fmt_ratio(y, sizeof(y), d.dma_copies), o->bytes);
}

static void stat_report(FILE *f, const struct stat_opts *o,
			const struct stat_run *r, uint64_t wall_ns, int status)
{
	const struct zc_info *s = &r->info[0];
	char what[512], el[32];
	uint64_t ns = r->n == 1 && ZC_HAS(s, ZCOPY_A_ELAPSED_NS) ? s->elapsed_ns :
		      wall_ns;
	unsigned int i;
	struct jw w;

	describe(what, sizeof(what), o);
	if (o->json) {
		jw_init(&w, f, !o->interval_ms);
		jw_obj_open(&w, NULL);
		report_header_json(&w, "stat", r->n == 1 ? s->session_id : 0, NULL);
		jw_str(&w, "target", what);
		jw_bool(&w, "children", o->children);
		jw_i64(&w, "exit_status", o->npids ? -1 : exit_code(status));
		jw_u64(&w, "wall_ns", wall_ns);
		report_counters_json(&w, "counters", &r->sum);
		per_byte(f, o, &r->sum, &w);
		jw_arr_open(&w, "sessions");
		for (i = 0; i < r->n; i++)
			report_session_json(&w, &r->info[i]);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_finish(&w);
		return;
	}
	if (r->n == 1)
		fprintf(f, "\n zcopy stat '%s' (session %u%s):\n\n", what, s->session_id,
			o->children ? ", children followed" : "");
	else
		fprintf(f, "\n zcopy stat '%s' (%u sessions, summed%s):\n\n", what, r->n,
			o->children ? ", children followed" : "");
	report_counters(f, &r->sum, "    ");
	per_byte(f, o, &r->sum, NULL);
	if (r->n == 1 && s->n_sites)
		fprintf(f, "\n  copy sites:\n"), report_sites(f, s, "    ");
	if (r->n == 1 && s->n_devs)
		fprintf(f, "\n  DMA devices:\n"), report_devices(f, s, "    ");
	fprintf(f, "\n    %s elapsed\n\n", fmt_ns(el, sizeof(el), ns));
}

/*
 * Where the report goes: -o FILE, opened before anything runs so that a
 * bad path fails first; else stderr, or stdout for -j (a document).
 */
static FILE *stat_out;

static int open_report(const struct stat_opts *o)
{
	if (!stat_output) {
		stat_out = o->json ? stdout : stderr;
		return 0;
	}
	stat_out = fopen(stat_output, "we");
	if (!stat_out) {
		zc_err("stat: -o %s: %s", stat_output, strerror(errno));
		return -errno;
	}
	return 0;
}

static void close_report(void)
{
	if (stat_out && stat_out != stderr && stat_out != stdout)
		fclose(stat_out);
	stat_out = NULL;
}

static int follow_all(const struct stat_opts *o, struct zc_nl *nl,
		      const pid_t *pids, unsigned int n, struct stat_run *r)
{
	struct zc_session_opts so;

	session_opts(o, &so);
	for (r->n = 0; r->n < n; r->n++)
		if (zc_session_follow(nl, pids[r->n], &so, &r->ids[r->n]))
			return -1;
	return 0;
}

static void end_all(struct zc_nl *nl, struct stat_run *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		zc_nl_session_del(nl, r->ids[i]);
		zc_info_free(&r->info[i]);
	}
	r->n = 0;
}

/* Read every session's counters now (the sum in r->sum). */
static int read_all(struct zc_nl *nl, struct stat_run *r)
{
	unsigned int i;
	int err;

	for (i = 0; i < r->n; i++) {
		zc_info_free(&r->info[i]);
		memset(&r->info[i], 0, sizeof(r->info[i]));
		err = zc_nl_session_get(nl, r->ids[i], &r->info[i]);
		if (err) {
			zc_nl_perror(nl, err, "session-get");
			return err;
		}
	}
	sum_counters(&r->sum, r->info, r->n);
	return 0;
}

/* -I: one line (or JSON object) with what the interval added. */
static void interval_line(const struct stat_opts *o, struct stat_run *r,
			  struct zc_counters *prev)
{
	struct zc_counters d;
	struct zc_derived dv;
	double t = (double)(now_ns() - r->t0) / 1e9;
	char cpu[32], dma[32];
	unsigned int k;
	struct jw w;

	for (k = 0; k < ZC_NCOUNTERS; k++)
		d.v[k] = r->sum.v[k] >= prev->v[k] ? r->sum.v[k] - prev->v[k] : r->sum.v[k];
	d.present = r->sum.present;
	*prev = r->sum;
	if (o->json) {
		jw_init(&w, stat_out, false);
		jw_obj_open(&w, NULL);
		jw_dbl(&w, "time_seconds", t, 3);
		report_counters_json(&w, "counters", &d);
		jw_obj_close(&w);
		jw_finish(&w);
		return;
	}
	zc_derive(&d, 0, 0, &dv);
	fprintf(stat_out, "%12.3f  cpu-copied %10s  dma %10s  syscalls %8" PRIu64
		"  ctx-switches %6" PRIu64 "\n", t,
		fmt_bytes(cpu, sizeof(cpu), dv.cpu_copy_bytes),
		fmt_bytes(dma, sizeof(dma), dv.dma_bytes), dv.syscalls, dv.ctx_switches);
	fflush(stat_out);
}

static volatile sig_atomic_t stat_stop;

static void on_int(int sig)
{
	(void)sig;
	stat_stop = 1;
}

/*
 * Wait for @pid's exit (a pidfd; 0: never), @end (0: none) or ^C, printing
 * -I lines on the way. Returns when one of those happened.
 */
static void wait_loop(const struct stat_opts *o, struct zc_nl *nl,
		      struct stat_run *r, int pfd, uint64_t end)
{
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	uint64_t step = o->interval_ms ? o->interval_ms * 1000000ull : 200000000ull;
	uint64_t next = now_ns() + step, now;
	struct zc_counters prev = { 0 };
	int t;

	while (!stat_stop) {
		now = now_ns();
		if (end && now >= end)
			break;
		t = (int)((next > now ? next - now : 0) / 1000000) + 1;
		if (end && (end - now) / 1000000 + 1 < (uint64_t)t)
			t = (int)((end - now) / 1000000) + 1;
		if (pfd >= 0 ? poll(&p, 1, t) > 0 : (sleep_ns((uint64_t)t * 1000000ull), 0))
			break;
		if (o->interval_ms && now_ns() >= next) {
			if (!read_all(nl, r))
				interval_line(o, r, &prev);
			next += step;
		} else if (!o->interval_ms) {
			next += step;
		}
	}
}

static int pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Returns 0 if exec worked, or the errno the child reported. */
static int exec_result(struct zc_child *c)
{
	int e = 0;

	if (read_full(c->st_r, &e, sizeof(e)) != sizeof(e))
		return 0;
	return e;
}

static void finish(const struct stat_opts *o, struct zc_nl *nl,
		   struct stat_run *r, int status)
{
	uint64_t wall = now_ns() - r->t0;

	if (!read_all(nl, r)) {
		stat_report(stat_out, o, r, wall, status);
		fflush(stat_out);
	}
	end_all(nl, r);
}

static int stat_command(const struct stat_opts *o, struct zc_nl *nl)
{
	struct exec_ctx ctx = { .argv = o->argv };
	struct zc_child c = { .go_w = -1, .st_r = -1 };
	static struct stat_run r;
	int err, status = 0, pfd;

	memset(&r, 0, sizeof(r));
	err = zc_child_spawn(&c, exec_child, &ctx, zc_nl_fd(nl));
	if (err) {
		zc_err("stat: fork: %s", strerror(-err));
		return ZC_EXIT_FAIL;
	}
	if (follow_all(o, nl, &c.pid, 1, &r)) {
		zc_child_kill(&c);
		return ZC_EXIT_FAIL;
	}
	signal(SIGINT, SIG_IGN);	/* like time(1): the command gets ^C */
	signal(SIGQUIT, SIG_IGN);
	r.t0 = now_ns();
	zc_child_go(&c);
	err = exec_result(&c);
	if (!err && o->interval_ms) {
		pfd = pidfd(c.pid);
		wait_loop(o, nl, &r, pfd, 0);
		if (pfd >= 0)
			close(pfd);
	}
	zc_child_reap(&c, &status);
	if (err) {
		zc_err("stat: %s: %s", o->argv[0], strerror(err));
		end_all(nl, &r);
		return 127;
	}
	finish(o, nl, &r, status);
	return exit_code(status);
}

/* Attach to running processes */

static int stat_pids(struct stat_opts *o, struct zc_nl *nl)
{
	struct sigaction sa = { .sa_handler = on_int };
	static struct stat_run r;
	unsigned int i, alive;
	uint64_t end;

	memset(&r, 0, sizeof(r));
	if (o->cgroup && cgroup_pids(o))
		return ZC_EXIT_FAIL;
	for (i = 0; i < o->npids; i++)
		if (kill(o->pids[i], 0) && errno == ESRCH) {
			zc_err("stat: no process %d", (int)o->pids[i]);
			return ZC_EXIT_FAIL;
		}
	r.t0 = now_ns();
	if (follow_all(o, nl, o->pids, o->npids, &r)) {
		end_all(nl, &r);
		return ZC_EXIT_FAIL;
	}
	if (!o->json && !stat_output)
		fprintf(stderr, "zcopy: following %u process%s%s; ^C to stop\n",
			o->npids, o->npids > 1 ? "es" : "",
			o->duration ? "" : " until they exit");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	end = o->duration ? r.t0 + (uint64_t)(o->duration * 1e9) : 0;
	do {	/* until every process is gone, the duration, or ^C */
		wait_loop(o, nl, &r, o->npids == 1 ? pidfd(o->pids[0]) : -1,
			  o->npids == 1 ? end : now_ns() + 200000000ull);
		for (alive = 0, i = 0; i < o->npids; i++)
			alive += !(kill(o->pids[i], 0) && errno == ESRCH);
	} while (!stat_stop && alive && (!end || now_ns() < end) && o->npids > 1);
	finish(o, nl, &r, 0);
	return ZC_EXIT_OK;
}

int cmd_stat(int argc, char **argv)
{
	struct zc_nl nl;
	struct stat_opts o;
	char err[256];
	int ret;

	ret = stat_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret == ZC_PARSE_HELP) {
		stat_usage(stdout);
		return ZC_EXIT_OK;
	}
	if (ret) {
		zc_err("stat: %s", err);
		fprintf(stderr, "(zcopy stat --help for the options)\n");
		return ZC_EXIT_USAGE;
	}
	if (open_report(&o))
		return ZC_EXIT_FAIL;
	if (zc_nl_open_or_explain(&nl)) {
		close_report();
		return ZC_EXIT_FAIL;
	}
	ret = o.argc ? stat_command(&o, &nl) : stat_pids(&o, &nl);
	zc_nl_close(&nl);
	close_report();
	return ret;
}
