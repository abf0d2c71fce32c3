// SPDX-License-Identifier: GPL-2.0
/* zcopy run: one transfer, measured by a session on the child doing it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "methods.h"
#include "nl.h"
#include "output.h"
#include "report.h"
#include "session.h"
#include "sink.h"

bool zc_opt_json;

/* Describe a getopt_long error (returns -EINVAL). */
int opt_error(int c, char **argv, char *err, size_t len)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		snprintf(err, len, "option '%s' needs a value", arg);
	else if (optopt)
		snprintf(err, len, "unknown option '-%c'", optopt);
	else
		snprintf(err, len, "unknown option '%s'", arg);
	return -EINVAL;
}

static unsigned int count_char(const char *s, char c)
{
	unsigned int n = 0;

	while ((s = strchr(s, c)))
		n++, s++;
	return n;
}

/*
 * "ADDR:PORT", "[V6]:PORT", or with @port_optional also "ADDR", "V6" or
 * "[V6]" (port 0).
 */
int peer_resolve(const char *arg, bool port_optional, struct zc_addr *a)
{
	char buf[300];
	size_t n = arg ? strlen(arg) : 0;
	bool bare_v6 = arg && arg[0] != '[' && count_char(arg, ':') >= 2;
	bool bracketed = n > 2 && arg[0] == '[' && arg[n - 1] == ']';

	if (!arg || n > 256)
		return -EINVAL;
	if (!bare_v6 && !parse_hostport(arg, false, a))
		return 0;
	if (!port_optional || (!bare_v6 && !bracketed && strchr(arg, ':')))
		return -EINVAL;
	snprintf(buf, sizeof(buf), bare_v6 ? "[%s]:0" : "%s:0", arg);
	return parse_hostport(buf, false, a);
}

static void methods_list(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < zc_nmethods && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? ", " : "", zc_methods[i].name);
}

static int bad_method(const char *name, char *err, size_t len)
{
	char list[256];

	methods_list(list, sizeof(list));
	snprintf(err, len, "unknown method '%s' (methods: %s)", name, list);
	return -EINVAL;
}

static const struct option run_opts_long[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "size", required_argument, NULL, 's' },
	{ "chunk", required_argument, NULL, 'c' },
	{ "peer", required_argument, NULL, 'p' },
	{ "to", required_argument, NULL, 't' },
	{ "peer-ns", required_argument, NULL, 'N' },
	{ "cold", no_argument, NULL, 'C' },
	{ "warm", no_argument, NULL, 'W' },
	{ "no-account", no_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run_opt(int c, struct run_opts *o, const char **peer, char *err,
		   size_t len)
{
	uint64_t v;

	switch (c) {
	case 'f':
		o->file = optarg;
		break;
	case 's':
		if (parse_size(optarg, &o->size) || !o->size) {
			snprintf(err, len, "bad --size '%s' (e.g. 16M)", optarg);
			return -EINVAL;
		}
		break;
	case 'c':
		if (parse_size(optarg, &v) || !v || v > ZC_MAX_CHUNK) {
			snprintf(err, len, "bad --chunk '%s' (1 to 64M)", optarg);
			return -EINVAL;
		}
		o->chunk = (size_t)v;
		break;
	case 'p':
		*peer = optarg;
		break;
	case 't':
		o->to = optarg;
		break;
	case 'N':
		o->peer_ns = optarg;
		break;
	case 'C':
		o->cold = true;
		break;
	case 'W':
		o->cold = false;
		break;
	case 'n':
		o->account = false;
		break;
	case 'j':
		o->json = true;
		break;
	case 'h':
		return ZC_PARSE_HELP;
	default:
		return -EINVAL;
	}
	return 0;
}

/*
 * Where the data goes: --peer ADDR:PORT (a sink already listening), or a
 * sink this program starts in network namespace @ns (--peer-ns, or
 * ZCOPY_PEER_NS when --peer has no port), at --peer ADDR or ZCOPY_PEER_ADDR.
 */
int dest_resolve(const char *peer, const char **ns, struct zc_addr *a,
		 char *err, size_t len)
{
	struct zc_addr tmp;
	bool has_port = peer && !peer_resolve(peer, false, &tmp);

	if (!*ns && !has_port)
		*ns = env_str("ZCOPY_PEER_NS");
	if (!peer && *ns)
		peer = env_str("ZCOPY_PEER_ADDR");
	if (!peer) {
		snprintf(err, len, *ns ?
			 "--peer-ns needs the peer's address: --peer ADDR or ZCOPY_PEER_ADDR" :
			 "a destination is needed: --peer ADDR:PORT or --peer-ns NS");
		return -EINVAL;
	}
	if (peer_resolve(peer, !!*ns, a) || (!*ns && !addr_port(a))) {
		snprintf(err, len, "bad --peer '%s' (ADDR:PORT, [V6ADDR]:PORT)", peer);
		return -EINVAL;
	}
	return 0;
}

static int run_dest(struct run_opts *o, const char *peer, char *err, size_t len)
{
	if (peer && o->to) {
		snprintf(err, len, "--peer and --to exclude each other");
		return -EINVAL;
	}
	if (o->to) {
		o->peer_ns = NULL;
		return 0;
	}
	if (!peer && !o->peer_ns && !env_str("ZCOPY_PEER_NS")) {
		snprintf(err, len, "a destination is needed: --peer ADDR:PORT or --to FILE");
		return -EINVAL;
	}
	o->have_peer = true;
	return dest_resolve(peer, &o->peer_ns, &o->peer, err, len);
}


int run_parse_args(int argc, char **argv, struct run_opts *o, char *err,
		   size_t len)
{
	const char *peer = NULL;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->chunk = ZC_DEFAULT_CHUNK;
	o->cold = true;
	o->account = true;
	o->json = zc_opt_json;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:c:p:t:jh", run_opts_long,
				NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_error(c, argv, err, len);
		ret = run_opt(c, o, &peer, err, len);
		if (ret)
			return ret;
	}
	if (optind >= argc) {
		snprintf(err, len, "which method? (zcopy run METHOD)");
		return -EINVAL;
	}
	if (argc - optind > 1) {
		snprintf(err, len, "unexpected argument '%s'", argv[optind + 1]);
		return -EINVAL;
	}
	o->m = zc_method_find(argv[optind]);
	if (!o->m)
		return bad_method(argv[optind], err, len);
	ret = run_dest(o, peer, err, len);
	if (!ret)
		ret = zc_default_file(&o->file, err, len);
	if (!ret)
		ret = zc_method_check(o->m, !!o->to, o->chunk, err, len);
	return ret;
}

static void run_usage(FILE *f)
{
	char list[256];

	methods_list(list, sizeof(list));
	fprintf(f,
		"usage: zcopy run METHOD [--file PATH] [--size BYTES] [--chunk BYTES]\n"
		"                 [--peer ADDR:PORT | --to FILE | --peer-ns NS]\n"
		"                 [--cold | --warm] [--no-account] [-j]\n"
		"methods: %s\n", list);
}

static int run_report(const struct run_opts *o, const struct zc_run_res *r)
{
	struct zc_run_desc d = { .method = o->m->name, .path = o->file,
				 .chunk = o->chunk, .cache = r->cache };
	char dest[300];
	struct jw w;

	if (o->to)
		d.dest = o->to;
	else
		format_addr(&o->peer, dest, sizeof(dest)), d.dest = dest;
	if (!o->json) {
		report_run(stdout, &d, r);
		return 0;
	}
	jw_init(&w, stdout, true);
	report_run_json(&w, &d, r);
	return jw_finish(&w);
}

static int run_start_sink(struct run_opts *o, struct zc_nl *nl, pid_t *pid)
{
	char msg[256];
	uint16_t port;
	int err;

	err = zc_sink_spawn_ns(o->peer_ns, nl->sk ? zc_nl_fd(nl) : -1, pid,
			       &port, msg, sizeof(msg));
	if (err) {
		zc_err("%s", msg);
		return err;
	}
	addr_set_port(&o->peer, port);
	return 0;
}

static int run_transfer(struct run_opts *o, struct zc_nl *nl)
{
	struct zc_run_cfg cfg = { .m = o->m, .path = o->file, .chunk = o->chunk,
				  .peer = &o->peer, .to = o->to, .cold = o->cold,
				  .progress = true, .nl = o->account ? nl : NULL };
	struct zc_run_res res;
	char msg[256];
	pid_t sink = 0;
	int err;

	err = zc_prepare_file(o->file, o->size ? o->size :
			      (access(o->file, F_OK) ? ZC_DEFAULT_SIZE : 0),
			      false, &cfg.size, msg, sizeof(msg));
	if (err) {
		zc_err("%s", msg);
		return ZC_EXIT_FAIL;
	}
	if (o->peer_ns && !o->to && run_start_sink(o, nl, &sink))
		return ZC_EXIT_FAIL;
	err = zc_run_transfer(&cfg, &res);
	if (sink)
		zc_sink_stop(sink);
	if (err && !res.status)
		res.status = ZC_RUN_FAILED;
	if (run_report(o, &res))
		err = -EIO;
	if (res.status != ZC_RUN_OK && !o->json)
		zc_err("%s: %s", o->m->name, res.msg);
	zc_run_res_free(&res);
	return err || res.status != ZC_RUN_OK ? ZC_EXIT_FAIL : ZC_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct zc_nl nl = { 0 };
	struct run_opts o;
	char err[256];
	int ret;

	ret = run_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret == ZC_PARSE_HELP) {
		run_usage(stdout);
		return ZC_EXIT_OK;
	}
	if (ret) {
		zc_err("run: %s", err);
		run_usage(stderr);
		return ZC_EXIT_USAGE;
	}
	if (o.account && zc_nl_open_or_explain(&nl))
		return ZC_EXIT_FAIL;
	ret = run_transfer(&o, &nl);
	zc_nl_close(&nl);
	return ret;
}
