// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy stats | sessions | probes | reset | watch: the global counters,
 * the sessions, the probes, and the event stream.
 */
#include <errno.h>
#include <math.h>
#include <termios.h>
#include <time.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "nl.h"
#include "output.h"
#include "metrics.h"
#include "report.h"

static const struct option query_long[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ "events", no_argument, NULL, 'e' },
	{ "session", required_argument, NULL, 'S' },
	{ "format", required_argument, NULL, 'F' },	/* long only: -f is --file */
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *query_allowed(const char *cmd)
{
	if (!strcmp(cmd, "watch"))
		return "jineSh";
	if (!strcmp(cmd, "reset"))
		return "Sh";
	if (!strcmp(cmd, "stats"))
		return "jhF";
	return "jh";
}

static int query_opt(int c, struct query_opts *o, char *err, size_t len)
{
	uint32_t v;

	switch (c) {
	case 'j':
		o->json = true;
		break;
	case 'e':
		o->events = true;
		break;
	case 'h':
		return ZC_PARSE_HELP;
	case 'F':
		o->metrics = !strcmp(optarg, "openmetrics") ? 1 :
			     !strcmp(optarg, "prometheus") ? 2 : 0;
		if (!o->metrics && strcmp(optarg, "text")) {
			snprintf(err, len, "bad --format '%s' (text, openmetrics "
				 "or prometheus)", optarg);
			return -EINVAL;
		}
		break;
	case 'i':
		o->interval_set = true;
		if (parse_seconds(optarg, &o->interval) || o->interval < 0.05) {
			snprintf(err, len, "bad --interval '%s' (seconds, >= 0.05)",
				 optarg);
			return -EINVAL;
		}
		break;
	case 'n':
		if (parse_u32(optarg, &v) || !v) {
			snprintf(err, len, "bad --count '%s'", optarg);
			return -EINVAL;
		}
		o->count = v;
		break;
	case 'S':
		if (parse_u32(optarg, &o->session_id) || !o->session_id) {
			snprintf(err, len, "bad --session '%s' (an id from "
				 "'zcopy sessions')", optarg);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

int query_parse_args(const char *cmd, int argc, char **argv,
		     struct query_opts *o, char *err, size_t len)
{
	const char *allowed = query_allowed(cmd);
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->json = zc_opt_json;
	o->interval = 1.0;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ji:n:eS:h", query_long, NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_error(c, argv, err, len);
		if (!strchr(allowed, c)) {
			snprintf(err, len, "option '%s' does not apply to '%s'",
				 argv[optind - 1], cmd);
			return -EINVAL;
		}
		ret = query_opt(c, o, err, len);
		if (ret)
			return ret;
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void query_usage(const char *cmd, FILE *f)
{
	if (!strcmp(cmd, "watch"))
		fputs("usage: zcopy watch [OPTIONS]   (q or ^C quits)\n"
		      "  -i, --interval S       seconds between samples; with --events, idle lines (1)\n"
		      "  -n, --count N          stop after N samples or events (never)\n"
		      "  -e, --events           session-end and session-sample events (counters)\n"
		      "  -S, --session ID       one session's counters or events (all, global)\n"
		      "  -j, --json             one JSON object per line\n"
		      "  -h, --help             this help\n", f);
	else if (!strcmp(cmd, "reset"))
		fputs("usage: zcopy reset [OPTIONS]   (changes the counters others read)\n"
		      "  -S, --session ID       reset this session's counters (the global ones)\n"
		      "  -h, --help             this help\n", f);
	else if (!strcmp(cmd, "stats"))
		fputs("usage: zcopy stats [OPTIONS]\n"
		      "  -j, --json             JSON on stdout\n"
		      "      --format FMT       text, openmetrics or prometheus (text)\n"
		      "  -h, --help             this help\n", f);
	else
		fprintf(f, "usage: zcopy %s [OPTIONS]\n"
			"  -j, --json             JSON on stdout\n"
			"  -h, --help             this help\n", cmd);
}

/* Parse, open the client; returns -1 to go on, else the exit code. */
static int query_start(const char *cmd, int argc, char **argv,
		       struct query_opts *o, struct zc_nl *nl)
{
	char err[256];
	int ret = query_parse_args(cmd, argc, argv, o, err, sizeof(err));

	if (ret == ZC_PARSE_HELP) {
		query_usage(cmd, stdout);
		return ZC_EXIT_OK;
	}
	if (ret) {
		zc_err("%s: %s", cmd, err);
		query_usage(cmd, stderr);
		return ZC_EXIT_USAGE;
	}
	return zc_nl_open_or_explain(nl) ? ZC_EXIT_FAIL : -1;
}

static int done(struct zc_nl *nl, int err, const char *what)
{
	if (err)
		zc_nl_perror(nl, err, what);
	zc_nl_close(nl);
	return err ? ZC_EXIT_FAIL : ZC_EXIT_OK;
}

/* stats */

static void stats_json(const struct zc_info *s, bool pretty)
{
	struct jw w;

	jw_init(&w, stdout, pretty);
	jw_obj_open(&w, NULL);
	report_header_json(&w, "stats", 0, NULL);
	jw_u64(&w, "version", s->version);	/* the netlink family's */
	jw_bool(&w, "armed", s->armed);
	jw_u64(&w, "sessions", s->sessions);
	jw_u64(&w, "max_sessions", s->max_sessions);
	report_counters_json(&w, "counters", &s->counters);
	report_sites_json(&w, s);
	report_devices_json(&w, s);
	jw_obj_close(&w);
	jw_finish(&w);
}

static void stats_human(const struct zc_info *s)
{
	printf("zcopy: family version %u, probes %s, %u of %u sessions\n\n",
	       s->version, s->armed ? "armed" : "not armed", s->sessions,
	       s->max_sessions);
	report_counters(stdout, &s->counters, "  ");
	if (s->n_sites)
		printf("\ncopy sites:\n"), report_sites(stdout, s, "  ");
	if (s->n_devs)
		printf("\nDMA devices:\n"), report_devices(stdout, s, "  ");
}

/* stats --format openmetrics|prometheus: sessions are labelled samples. */
static int stats_metrics(struct zc_nl *nl, const struct zc_info *g,
			 bool openmetrics)
{
	struct zc_session_list l = { 0 };
	int err = zc_nl_session_dump(nl, &l);

	if (!err)
		metrics_print(stdout, g, &l, openmetrics);
	zc_session_list_free(&l);
	return err;
}

int cmd_stats(int argc, char **argv)
{
	struct query_opts o;
	struct zc_info s = { 0 };
	struct zc_nl nl;
	int ret = query_start("stats", argc, argv, &o, &nl), err;

	if (ret >= 0)
		return ret;
	err = zc_nl_stats(&nl, &s);
	if (!err && o.metrics)
		err = stats_metrics(&nl, &s, o.metrics == 1);
	else if (!err && o.json)
		stats_json(&s, true);
	else if (!err)
		stats_human(&s);
	zc_info_free(&s);
	return done(&nl, err, "stats-get");
}

/* sessions */

static void sessions_human(const struct zc_session_list *l)
{
	char id[16], pid[16], own[16], el[32], cpu[32], dma[32], sys[32], mis[32];
	struct table *t = table_new(9);
	unsigned int i, c;

	for (c = 0; c < 9; c++)
		if (c != 2)
			table_align_right(t, c);
	table_addv(t, "ID", "PID", "FLAGS", "OWNER", "ELAPSED", "CPU-COPIED",
		   "DMA", "SYSCALLS", "MISSED");
	for (i = 0; i < l->n; i++) {
		const struct zc_info *s = &l->s[i];
		struct zc_derived d;

		zc_derive(&s->counters, 0, 0, &d);
		snprintf(id, sizeof(id), "%u", s->session_id);
		snprintf(pid, sizeof(pid), "%u", s->pid);
		snprintf(own, sizeof(own), "%u", s->owner_pid);
		snprintf(sys, sizeof(sys), "%" PRIu64, d.syscalls);
		snprintf(mis, sizeof(mis), "%" PRIu64,
			 s->counters.v[ZCOPY_COUNTER_MISSED]);
		table_addv(t, id, pid,
			   s->flags & ZCOPY_SESSION_FLAGS_CHILDREN ? "children" : "-",
			   own, fmt_ns(el, sizeof(el), s->elapsed_ns),
			   fmt_bytes(cpu, sizeof(cpu), d.cpu_copy_bytes),
			   fmt_bytes(dma, sizeof(dma), d.dma_bytes), sys, mis);
	}
	if (l->n)
		table_print(t, stdout, "");
	else
		printf("no sessions\n");
	table_free(t);
}

int cmd_sessions(int argc, char **argv)
{
	struct zc_session_list l = { 0 };
	struct query_opts o;
	struct zc_nl nl;
	unsigned int i;
	struct jw w;
	int ret = query_start("sessions", argc, argv, &o, &nl), err;

	if (ret >= 0)
		return ret;
	err = zc_nl_session_dump(&nl, &l);
	if (!err && o.json) {
		jw_init(&w, stdout, true);
		jw_obj_open(&w, NULL);
		report_header_json(&w, "sessions", 0, NULL);
		jw_arr_open(&w, "sessions");
		for (i = 0; i < l.n; i++)
			report_session_json(&w, &l.s[i]);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_finish(&w);
	} else if (!err) {
		sessions_human(&l);
	}
	zc_session_list_free(&l);
	return done(&nl, err, "session-get");
}

/* probes */

static void probes_human(const struct zc_info *p)
{
	struct table *t = table_new(6);
	char hits[32], missed[32];
	unsigned int i;

	table_align_right(t, 3);
	table_align_right(t, 4);
	table_addv(t, "PROBE", "TYPE", "STATE", "HITS", "MISSED", "REASON");
	for (i = 0; i < p->n_probes; i++) {
		const struct zc_probe *e = &p->probes[i];

		snprintf(hits, sizeof(hits), "%" PRIu64, e->hits);
		snprintf(missed, sizeof(missed), "%" PRIu64, e->missed);
		table_addv(t, e->name, zc_probe_type_name(e->type),
			   zc_probe_state_name(e->state), hits, missed,
			   e->reason[0] ? e->reason : "-");
	}
	table_print(t, stdout, "");
	table_free(t);
}

static void probes_json(const struct zc_info *p)
{
	unsigned int i;
	struct jw w;

	jw_init(&w, stdout, true);
	jw_obj_open(&w, NULL);
	report_header_json(&w, "probes", 0, NULL);
	jw_arr_open(&w, "probes");
	for (i = 0; i < p->n_probes; i++) {
		const struct zc_probe *e = &p->probes[i];

		jw_obj_open(&w, NULL);
		jw_str(&w, "name", e->name);
		jw_str(&w, "type", zc_probe_type_name(e->type));
		jw_str(&w, "state", zc_probe_state_name(e->state));
		jw_u64(&w, "hits", e->hits);
		jw_u64(&w, "missed", e->missed);
		jw_str(&w, "reason", e->reason[0] ? e->reason : NULL);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_finish(&w);
}

int cmd_probes(int argc, char **argv)
{
	struct query_opts o;
	struct zc_info p = { 0 };
	struct zc_nl nl;
	int ret = query_start("probes", argc, argv, &o, &nl), err;

	if (ret >= 0)
		return ret;
	err = zc_nl_probes(&nl, &p);
	if (!err && o.json)
		probes_json(&p);
	else if (!err)
		probes_human(&p);
	zc_info_free(&p);
	return done(&nl, err, "probe-get");
}

/* reset */

int cmd_reset(int argc, char **argv)
{
	struct query_opts o;
	struct zc_nl nl;
	int ret = query_start("reset", argc, argv, &o, &nl);

	if (ret >= 0)
		return ret;
	return done(&nl, zc_nl_reset(&nl, o.session_id), "reset");
}

/* watch */

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* No SA_RESTART: ^C interrupts the wait at once. */
static void watch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* When a sample or event was taken. */
static void timestamp(char *buf, size_t len)
{
	report_timestamp(buf, len);
}

/* An event of watch itself (idle, overrun), as one JSON line. */
static void watch_note_json(const char *event, double interval)
{
	struct jw w;

	jw_init(&w, stdout, false);
	jw_obj_open(&w, NULL);
	report_header_json(&w, "watch", 0, NULL);
	jw_str(&w, "event", event);
	if (interval > 0)
		jw_dbl(&w, "interval_seconds", interval, 3);
	else
		jw_null(&w, "interval_seconds");
	jw_obj_close(&w);
	jw_finish(&w);
}

/* stdout went away (watch | head): stop quietly. */
static bool out_closed(void)
{
	return fflush(stdout) == EOF && (errno == EPIPE || ferror(stdout));
}

struct tty {
	bool on;		/* redraw in place on a terminal */
	bool raw;
	struct termios saved;
};

static void tty_enter(struct tty *t)
{
	struct termios raw;

	if (!t->on)
		return;
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &t->saved)) {
		raw = t->saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		t->raw = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	fputs("\033[?1049h\033[H", stdout);	/* the alternate screen */
}

static void tty_leave(struct tty *t)
{
	if (!t->on)
		return;
	fputs("\033[?1049l", stdout);
	fflush(stdout);
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
}

/*
 * Wait until @deadline (CLOCK_MONOTONIC ns), @fd readable (if >= 0), ^C,
 * or 'q' on the terminal. Returns 1 if @fd is readable, 0 at the
 * deadline, -1 to stop.
 */
static int wait_for(uint64_t deadline, int fd, const struct tty *t)
{
	struct pollfd p[2];
	uint64_t now;
	nfds_t n;
	char c;
	int r;

	while (!watch_stop) {
		n = 0;
		if (fd >= 0)
			p[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (t && t->raw)
			p[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		now = now_ns();
		if (deadline && now >= deadline)
			return 0;
		r = poll(p, n, deadline ? (int)((deadline - now) / 1000000) + 1 : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (t && t->raw && n && (p[n - 1].revents & POLLIN) &&
		    read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
			return -1;
		if (fd >= 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP)))
			return 1;
	}
	return -1;
}

/* What grew since the last sample; after a reset, what is there now. */
static uint64_t delta(uint64_t cur, uint64_t prev, bool *reset)
{
	if (cur >= prev)
		return cur - prev;
	*reset = true;
	return cur;
}

static int watch_get(struct zc_nl *nl, const struct query_opts *o,
		     struct zc_info *out)
{
	return o->session_id ? zc_nl_session_get(nl, o->session_id, out) :
	       zc_nl_stats(nl, out);
}

static void watch_json(const struct zc_info *s, const char *ts, double dt,
		       uint64_t dcpu, uint64_t ddma, bool reset,
		       const struct query_opts *o)
{
	struct jw w;

	(void)ts;
	jw_init(&w, stdout, false);
	jw_obj_open(&w, NULL);
	report_header_json(&w, "watch", o->session_id, NULL);
	if (dt > 0) {
		jw_dbl(&w, "interval_seconds", dt, 3);
		jw_dbl(&w, "cpu_copy_bytes_per_second", (double)dcpu / dt, 0);
		jw_dbl(&w, "dma_bytes_per_second", (double)ddma / dt, 0);
	} else {
		jw_null(&w, "interval_seconds");
		jw_null(&w, "cpu_copy_bytes_per_second");
		jw_null(&w, "dma_bytes_per_second");
	}
	jw_bool(&w, "reset", reset);
	report_counters_json(&w, "counters", &s->counters);
	jw_obj_close(&w);
	jw_finish(&w);
}

static void watch_line(const struct zc_info *s, const char *ts, double dt,
		       uint64_t dcpu, uint64_t ddma, bool reset,
		       const struct query_opts *o, bool tty)
{
	struct zc_derived d;
	char cpu[32], dma[32], cr[32], dr[32];

	zc_derive(&s->counters, 0, 0, &d);
	fmt_bytes(cpu, sizeof(cpu), d.cpu_copy_bytes);
	fmt_bytes(dma, sizeof(dma), d.dma_bytes);
	fmt_rate(cr, sizeof(cr), dt > 0 ? (double)dcpu / dt : NAN);
	fmt_rate(dr, sizeof(dr), dt > 0 ? (double)ddma / dt : NAN);
	if (tty) {
		printf("\033[H\033[2J");
		printf("zcopy watch %s%.0u, every %.2g s  %s   (q or ^C quits)\n\n",
		       o->session_id ? "session " : "(global counters)",
		       o->session_id, o->interval, ts);
		report_counters(stdout, &s->counters, "  ");
		printf("\n  cpu copies %s, dma %s over the last %.2f s%s\n", cr, dr, dt,
		       reset ? " (the counters were reset)" : "");
	} else {
		printf("%s  cpu-copied %s (%s)  dma %s (%s)  syscalls %" PRIu64
		       "  missed %" PRIu64 "%s\n", ts, cpu, cr, dma, dr, d.syscalls,
		       s->counters.v[ZCOPY_COUNTER_MISSED], reset ? "  (reset)" : "");
	}
}

static int watch_stats(struct zc_nl *nl, const struct query_opts *o)
{
	struct zc_info prev = { 0 }, cur;
	struct tty t = { .on = isatty(STDOUT_FILENO) && !o->json };
	struct zc_derived dc, dp;
	uint64_t tprev = 0, tnow, next = now_ns();
	bool reset;
	char ts[64];
	long n = 0;
	int err = 0;

	tty_enter(&t);
	while (!watch_stop && (!o->count || n < o->count)) {
		memset(&cur, 0, sizeof(cur));
		err = watch_get(nl, o, &cur);
		if (err)
			break;
		tnow = now_ns();
		timestamp(ts, sizeof(ts));
		zc_derive(&cur.counters, 0, 0, &dc);
		zc_derive(&(n ? &prev : &cur)->counters, 0, 0, &dp);
		reset = false;
		{
			uint64_t dcpu = delta(dc.cpu_copy_bytes, dp.cpu_copy_bytes, &reset);
			uint64_t ddma = delta(dc.dma_bytes, dp.dma_bytes, &reset);
			double dt = n ? (double)(tnow - tprev) / 1e9 : 0;

			if (o->json)
				watch_json(&cur, ts, dt, dcpu, ddma, reset, o);
			else
				watch_line(&cur, ts, dt, dcpu, ddma, reset, o, t.on);
		}
		zc_info_free(&prev);
		prev = cur;
		tprev = tnow;
		if (out_closed())
			break;
		if (++n == o->count)
			break;
		next += (uint64_t)(o->interval * 1e9);
		if (wait_for(next, -1, &t) < 0)
			break;
	}
	zc_info_free(&prev);
	tty_leave(&t);
	return err;
}

static void event_json(const struct zc_info *ev)
{
	char ts[64];
	struct jw w;

	(void)ts;
	jw_init(&w, stdout, false);
	jw_obj_open(&w, NULL);
	report_header_json(&w, "watch", ev->session_id, NULL);
	jw_str(&w, "event", ev->cmd == ZCOPY_CMD_SESSION_END_NTF ?
	       "session-end" : "session-sample");
	jw_u64(&w, "pid", ev->pid);
	if (ZC_HAS(ev, ZCOPY_A_END_REASON))
		jw_str(&w, "end_reason", zc_end_reason_name(ev->end_reason));
	else
		jw_null(&w, "end_reason");
	jw_u64(&w, "elapsed_ns", ev->elapsed_ns);
	report_counters_json(&w, "counters", &ev->counters);
	jw_obj_close(&w);
	jw_finish(&w);
}

struct ev_ctx {
	const struct query_opts *o;
	long seen;
};

static void on_event(const struct zc_info *ev, void *arg)
{
	struct ev_ctx *e = arg;
	const struct query_opts *o = e->o;
	char el[32], cpu[32], dma[32], ts[64];
	struct zc_derived d;

	if (o->session_id && ev->session_id != o->session_id)
		return;
	if (o->count && e->seen >= o->count)
		return;
	e->seen++;
	if (o->json) {
		event_json(ev);
		return;
	}
	timestamp(ts, sizeof(ts));
	zc_derive(&ev->counters, 0, 0, &d);
	printf("%s  %s session %u pid %u%s%s elapsed %s cpu-copied %s dma %s "
	       "syscalls %" PRIu64 "\n", ts,
	       ev->cmd == ZCOPY_CMD_SESSION_END_NTF ? "end" : "sample",
	       ev->session_id, ev->pid,
	       ZC_HAS(ev, ZCOPY_A_END_REASON) ? " reason " : "",
	       ZC_HAS(ev, ZCOPY_A_END_REASON) ? zc_end_reason_name(ev->end_reason) : "",
	       fmt_ns(el, sizeof(el), ev->elapsed_ns),
	       fmt_bytes(cpu, sizeof(cpu), d.cpu_copy_bytes),
	       fmt_bytes(dma, sizeof(dma), d.dma_bytes), d.syscalls);
}

static void overrun(const struct query_opts *o)
{
	zc_warn("watch: events were lost: the socket's receive buffer "
		"overflowed (ENOBUFS); going on");
	if (o->json)
		watch_note_json("overrun", 0);
}

/*
 * The event stream: -n N stops after N events, -S ID keeps one session's,
 * and with -i S, every S seconds without an event a timestamped idle line
 * says the stream is alive.
 */
static int watch_events(struct zc_nl *nl, const struct query_opts *o)
{
	struct ev_ctx e = { .o = o };
	char ts[64];
	int err = zc_nl_events_open(nl), r;

	if (err)
		return err;
	if (!o->json)
		fprintf(stderr, "zcopy: waiting for session events; ^C to stop\n");
	while (!watch_stop && (!o->count || e.seen < o->count)) {
		r = wait_for(now_ns() + (uint64_t)(o->interval * 1e9), zc_nl_fd(nl),
			     NULL);
		if (r < 0)
			break;
		if (r == 0 && o->interval_set) {
			timestamp(ts, sizeof(ts));
			if (o->json)
				watch_note_json("idle", o->interval);
			else
				printf("%s  no events in %g s\n", ts, o->interval);
		}
		do {
			r = r ? zc_nl_events_read(nl, on_event, &e) : -EAGAIN;
			if (r == -ENOBUFS)
				overrun(o);
		} while (r > 0 || r == -ENOBUFS);
		if (out_closed())
			return 0;
		if (r != -EAGAIN)
			return r;
	}
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct query_opts o;
	struct zc_nl nl;
	int ret = query_start("watch", argc, argv, &o, &nl), err;

	if (ret >= 0)
		return ret;
	watch_signals();
	err = o.events ? watch_events(&nl, &o) : watch_stats(&nl, &o);
	return done(&nl, err, o.events ? "events" : o.session_id ? "session-get" :
		    "stats-get");
}
