// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy stats | sessions | probes | reset | watch: the global counters,
 * the sessions, the probes, and the event stream.
 */
#include <errno.h>
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
	{ "session", required_argument, NULL, 's' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *query_allowed(const char *cmd)
{
	if (!strcmp(cmd, "watch"))
		return "jineh";
	if (!strcmp(cmd, "reset"))
		return "sh";
	if (!strcmp(cmd, "stats"))
		return "jhf";
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
	case 'f':
		o->metrics = !strcmp(optarg, "openmetrics") ? 1 :
			     !strcmp(optarg, "prometheus") ? 2 : 0;
		if (!o->metrics && strcmp(optarg, "text")) {
			snprintf(err, len, "bad --format '%s' (text, openmetrics "
				 "or prometheus)", optarg);
			return -EINVAL;
		}
		break;
	case 'i':
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
	case 's':
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
	while ((c = getopt_long(argc, argv, ":ji:n:es:hf:", query_long, NULL)) != -1) {
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
		fputs("usage: zcopy watch [-i SECONDS] [-n COUNT] [--events] [-j]\n", f);
	else if (!strcmp(cmd, "reset"))
		fputs("usage: zcopy reset [-s SESSION-ID]\n", f);
	else if (!strcmp(cmd, "stats"))
		fputs("usage: zcopy stats [-j | --format text|openmetrics|prometheus]\n", f);
	else
		fprintf(f, "usage: zcopy %s [-j]\n", cmd);
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
	jw_u64(&w, "version", s->version);
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

static void watch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void watch_line(const struct zc_info *s, const struct zc_info *prev,
		       double dt, bool tty)
{
	struct zc_derived d, p;
	char cpu[32], dma[32], cr[32], dr[32];

	zc_derive(&s->counters, 0, 0, &d);
	zc_derive(&prev->counters, 0, 0, &p);
	fmt_bytes(cpu, sizeof(cpu), d.cpu_copy_bytes);
	fmt_bytes(dma, sizeof(dma), d.dma_bytes);
	fmt_rate(cr, sizeof(cr), (double)(d.cpu_copy_bytes - p.cpu_copy_bytes) / dt);
	fmt_rate(dr, sizeof(dr), (double)(d.dma_bytes - p.dma_bytes) / dt);
	if (tty) {
		printf("\033[H\033[2J");
		stats_human(s);
		printf("\ncpu copies %s/s, dma %s/s (every %.1f s, ^C to stop)\n",
		       cr, dr, dt);
	} else {
		printf("cpu-copied %s (%s)  dma %s (%s)  syscalls %" PRIu64
		       "  missed %" PRIu64 "\n", cpu, cr, dma, dr, d.syscalls,
		       s->counters.v[ZCOPY_COUNTER_MISSED]);
	}
	fflush(stdout);
}

static int watch_stats(struct zc_nl *nl, const struct query_opts *o)
{
	struct zc_info prev = { 0 }, cur;
	bool tty = isatty(STDOUT_FILENO) && !o->json;
	long n = 0;
	int err = 0;

	while (!watch_stop && (!o->count || n < o->count)) {
		memset(&cur, 0, sizeof(cur));
		err = zc_nl_stats(nl, &cur);
		if (err)
			break;
		if (o->json)
			stats_json(&cur, false);
		else
			watch_line(&cur, n ? &prev : &cur, o->interval, tty);
		zc_info_free(&prev);
		prev = cur;
		if (++n != o->count)
			sleep_ns((uint64_t)(o->interval * 1e9));
	}
	zc_info_free(&prev);
	return err;
}

static void event_json(const struct zc_info *ev)
{
	struct jw w;

	jw_init(&w, stdout, false);
	jw_obj_open(&w, NULL);
	jw_str(&w, "event", ev->cmd == ZCOPY_CMD_SESSION_END_NTF ?
	       "session-end" : "session-sample");
	jw_u64(&w, "session_id", ev->session_id);
	jw_u64(&w, "pid", ev->pid);
	if (ZC_HAS(ev, ZCOPY_A_END_REASON))
		jw_str(&w, "end_reason", zc_end_reason_name(ev->end_reason));
	jw_u64(&w, "elapsed_ns", ev->elapsed_ns);
	report_counters_json(&w, "counters", &ev->counters);
	jw_obj_close(&w);
	jw_finish(&w);
}

static void on_event(const struct zc_info *ev, void *arg)
{
	const struct query_opts *o = arg;
	char el[32], cpu[32], dma[32];
	struct zc_derived d;

	if (o->json) {
		event_json(ev);
		return;
	}
	zc_derive(&ev->counters, 0, 0, &d);
	printf("%s session %u pid %u%s%s elapsed %s cpu-copied %s dma %s "
	       "syscalls %" PRIu64 "\n",
	       ev->cmd == ZCOPY_CMD_SESSION_END_NTF ? "end" : "sample",
	       ev->session_id, ev->pid,
	       ZC_HAS(ev, ZCOPY_A_END_REASON) ? " reason " : "",
	       ZC_HAS(ev, ZCOPY_A_END_REASON) ? zc_end_reason_name(ev->end_reason) : "",
	       fmt_ns(el, sizeof(el), ev->elapsed_ns),
	       fmt_bytes(cpu, sizeof(cpu), d.cpu_copy_bytes),
	       fmt_bytes(dma, sizeof(dma), d.dma_bytes), d.syscalls);
	fflush(stdout);
}

static void overrun(const struct query_opts *o)
{
	zc_warn("watch: events were lost: the socket's receive buffer "
		"overflowed (ENOBUFS); going on");
	if (o->json) {
		printf("{\"event\":\"overrun\"}\n");
		fflush(stdout);
	}
}

static int watch_events(struct zc_nl *nl, const struct query_opts *o)
{
	struct pollfd p = { .fd = zc_nl_fd(nl), .events = POLLIN };
	int err = zc_nl_events_open(nl), r;

	if (err)
		return err;
	if (!o->json)
		fprintf(stderr, "zcopy: waiting for session events; ^C to stop\n");
	while (!watch_stop) {
		if (poll(&p, 1, 1000) <= 0)
			continue;
		do {
			r = zc_nl_events_read(nl, on_event, (void *)o);
			if (r == -ENOBUFS)
				overrun(o);
		} while (r > 0 || r == -ENOBUFS);
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
	return done(&nl, err, o.events ? "events" : "stats-get");
}
