// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy stat: count what a command (and, by default, the processes it
 * forks) copies and maps for DMA, like perf stat. Or attach to a running
 * process with -p for a while. The report goes to stderr, or to -o FILE.
 */
#include <errno.h>
#include <getopt.h>
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
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "sample-ms", required_argument, NULL, 'S' },
	{ "devfilter", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *stat_output;

static int stat_opt(int c, struct stat_opts *o, char *err, size_t len)
{
	uint32_t pid;

	switch (c) {
	case 'j':
		o->json = true;
		break;
	case 'c':
		o->children = false;
		break;
	case 'p':
		if (parse_u32(optarg, &pid) || !pid || pid > 4194304) {
			snprintf(err, len, "bad --pid '%s'", optarg);
			return -EINVAL;
		}
		o->pid = (pid_t)pid;
		break;
	case 'd':
		if (parse_seconds(optarg, &o->duration) || o->duration <= 0) {
			snprintf(err, len, "bad --duration '%s' (seconds)", optarg);
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
	while ((c = getopt_long(argc, argv, "+:jcp:d:o:h", stat_long,
				NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_error(c, argv, err, len);
		ret = stat_opt(c, o, err, len);
		if (ret)
			return ret;
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->pid && o->argc) {
		snprintf(err, len, "give a command or --pid, not both");
		return -EINVAL;
	}
	if (!o->pid && !o->argc) {
		snprintf(err, len, "which command? (zcopy stat -- CMD [ARGS])");
		return -EINVAL;
	}
	if (o->duration && !o->pid) {
		snprintf(err, len, "--duration goes with --pid");
		return -EINVAL;
	}
	return 0;
}

static void stat_usage(FILE *f)
{
	fputs("usage: zcopy stat [-j] [-c|--no-children] [-o FILE] [--sample-ms MS]\n"
	      "                  [--devfilter NAME]... -- CMD [ARGS]\n"
	      "       zcopy stat [OPTIONS] -p PID [-d SECONDS]\n", f);
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

	if (o->pid) {
		snprintf(buf, len, "pid %d", (int)o->pid);
		return;
	}
	buf[0] = '\0';
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

static void stat_report(FILE *f, const struct stat_opts *o,
			const struct zc_info *s, uint64_t wall_ns, int status)
{
	char what[512], el[32];
	uint64_t ns = ZC_HAS(s, ZCOPY_A_ELAPSED_NS) ? s->elapsed_ns : wall_ns;
	struct jw w;

	describe(what, sizeof(what), o);
	if (o->json) {
		jw_init(&w, f, true);
		jw_obj_open(&w, NULL);
		jw_str(&w, "target", what);
		jw_bool(&w, "children", o->children);
		jw_i64(&w, "exit_status", o->pid ? -1 : exit_code(status));
		jw_u64(&w, "wall_ns", wall_ns);
		jw_arr_open(&w, "sessions");
		report_session_json(&w, s);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_finish(&w);
		return;
	}
	fprintf(f, "\n zcopy stat '%s' (session %u%s):\n\n", what, s->session_id,
		o->children ? ", children followed" : "");
	report_counters(f, &s->counters, "    ");
	if (s->n_sites)
		fprintf(f, "\n  copy sites:\n"), report_sites(f, s, "    ");
	if (s->n_devs)
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

static void finish(const struct stat_opts *o, struct zc_nl *nl, uint32_t id,
		   uint64_t t0, int status)
{
	struct zc_info s = { 0 };

	if (zc_session_collect(nl, id, &s))
		return;
	stat_report(stat_out, o, &s, now_ns() - t0, status);
	fflush(stat_out);
	zc_info_free(&s);
}

/* Returns 0 if exec worked, or the errno the child reported. */
static int exec_result(struct zc_child *c)
{
	int e = 0;

	if (read_full(c->st_r, &e, sizeof(e)) != sizeof(e))
		return 0;
	return e;
}

static int stat_command(const struct stat_opts *o, struct zc_nl *nl)
{
	struct exec_ctx ctx = { .argv = o->argv };
	struct zc_child c = { .go_w = -1, .st_r = -1 };
	struct zc_session_opts so;
	uint32_t id;
	uint64_t t0;
	int err, status = 0;

	err = zc_child_spawn(&c, exec_child, &ctx, zc_nl_fd(nl));
	if (err) {
		zc_err("stat: fork: %s", strerror(-err));
		return ZC_EXIT_FAIL;
	}
	session_opts(o, &so);
	if (zc_session_follow(nl, c.pid, &so, &id)) {
		zc_child_kill(&c);
		return ZC_EXIT_FAIL;
	}
	signal(SIGINT, SIG_IGN);	/* like time(1): the command gets ^C */
	signal(SIGQUIT, SIG_IGN);
	t0 = now_ns();
	zc_child_go(&c);
	err = exec_result(&c);
	zc_child_reap(&c, &status);
	if (err) {
		zc_err("stat: %s: %s", o->argv[0], strerror(err));
		zc_nl_session_del(nl, id);
		return 127;
	}
	finish(o, nl, id, t0, status);
	return exit_code(status);
}

/* Attach to a running process */

static volatile sig_atomic_t stat_stop;

static void on_int(int sig)
{
	(void)sig;
	stat_stop = 1;
}

static int wait_pid(pid_t pid, double seconds)
{
	uint64_t end = seconds ? now_ns() + (uint64_t)(seconds * 1e9) : 0;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	struct sigaction sa = { .sa_handler = on_int };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stat_stop && (!end || now_ns() < end)) {
		if (pfd >= 0 && poll(&p, 1, 200) > 0)
			break;
		if (pfd < 0 && kill(pid, 0) && errno == ESRCH)
			break;
		if (pfd < 0)
			sleep_ns(200000000ull);
	}
	if (pfd >= 0)
		close(pfd);
	return 0;
}

static int stat_pid(const struct stat_opts *o, struct zc_nl *nl)
{
	struct zc_session_opts so;
	uint64_t t0 = now_ns();
	uint32_t id;

	if (kill(o->pid, 0) && errno == ESRCH) {
		zc_err("stat: no process %d", (int)o->pid);
		return ZC_EXIT_FAIL;
	}
	session_opts(o, &so);
	if (zc_session_follow(nl, o->pid, &so, &id))
		return ZC_EXIT_FAIL;
	if (!o->json && !stat_output)
		fprintf(stderr, "zcopy: following pid %d%s; ^C to stop\n",
			(int)o->pid, o->duration ? "" : " until it exits");
	wait_pid(o->pid, o->duration);
	finish(o, nl, id, t0, 0);
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
		stat_usage(stderr);
		return ZC_EXIT_USAGE;
	}
	if (open_report(&o))
		return ZC_EXIT_FAIL;
	if (zc_nl_open_or_explain(&nl)) {
		close_report();
		return ZC_EXIT_FAIL;
	}
	ret = o.pid ? stat_pid(&o, &nl) : stat_command(&o, &nl);
	zc_nl_close(&nl);
	close_report();
	return ret;
}
