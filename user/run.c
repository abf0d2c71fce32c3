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

static const struct option run_long[] = {
	XFER_LONG_OPTS,
	{ "to", required_argument, NULL, 't' },
	{ "force", no_argument, NULL, 'F' },
	{ NULL, 0, NULL, 0 },
};

static int run_dest(struct run_opts *o, char *err, size_t len)
{
	struct xfer_opts *x = &o->x;

	if (x->peer && o->to) {
		snprintf(err, len, "--peer and --to exclude each other");
		return -EINVAL;
	}
	if (o->to) {
		x->peer_ns = NULL;
		return xfer_finish(x, false, err, len);
	}
	if (!x->peer && !x->peer_ns && !env_str("ZCOPY_PEER_NS")) {
		snprintf(err, len, "a destination is needed: --peer ADDR:PORT or --to FILE");
		return -EINVAL;
	}
	return xfer_finish(x, true, err, len);
}

int run_parse_args(int argc, char **argv, struct run_opts *o, char *err,
		   size_t len)
{
	char shorts[32];
	int c, ret;

	memset(o, 0, sizeof(*o));
	xfer_defaults(&o->x);
	snprintf(shorts, sizeof(shorts), ":%st:h", xfer_short);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, run_long, NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_error(c, argv, err, len);
		if (c == 'h')
			return ZC_PARSE_HELP;
		if (c == 't')
			o->to = optarg;
		else if (c == 'F')
			o->force = true;
		else if ((ret = xfer_opt(c, optarg, &o->x, err, len)))
			return ret < 0 ? ret : -EINVAL;
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
	if (o->force && !o->to) {
		snprintf(err, len, "--force goes with --to FILE");
		return -EINVAL;
	}
	ret = run_dest(o, err, len);
	if (!ret)
		ret = zc_method_check(o->m, !!o->to, o->x.chunk, err, len);
	return ret;
}

static void run_usage(FILE *f)
{
	char list[256];

	methods_list(list, sizeof(list));
	fprintf(f,
		"usage: zcopy run METHOD (--peer ADDR:PORT | --peer-ns NS | --to FILE) [OPTIONS]\n"
		"  -f, --file PATH          the file to send ($ZCOPY_DISK_DIR/zcopy-demo.dat)\n"
		"      --create             make --file if it is missing (--size bytes, 16M)\n"
		"  -s, --size BYTES         send only the first BYTES (the whole file)\n"
		"  -c, --chunk BYTES        bytes per call (64k)\n"
		"      --peer ADDR:PORT     a listening sink, each address of a name tried ($ZCOPY_PEER_ADDR)\n"
		"      --peer-ns NS         start a sink in netns NS at --peer ADDR ($ZCOPY_PEER_NS)\n"
		"  -t, --to FILE            copy to a new file instead (never the input)\n"
		"      --force              replace an existing --to FILE (refused)\n"
		"      --cold               evict the file from the page cache first (default)\n"
		"      --warm               leave the page cache as it is (cold)\n"
		"      --no-account         transfer without a session (no module needed)\n"
		"      --connect-timeout S  per address (%g)\n"
		"      --stall-timeout S    give up after S seconds without progress (%g)\n"
		"  -j, --json               JSON on stdout\n"
		"  -h, --help               this help\n"
		"methods: %s\n", ZC_DEFAULT_CONNECT_S, ZC_DEFAULT_STALL_S, list);
}

static int run_report(const struct run_opts *o, const struct zc_run_res *r)
{
	struct zc_run_desc d = { .method = o->m->name, .path = o->x.file,
				 .chunk = o->x.chunk, .cache = r->cache };
	char dest[300];
	struct jw w;

	if (o->to)
		d.dest = o->to;
	else if (r->dest[0])
		d.dest = r->dest;
	else
		format_addr(&o->x.dest.addr[0], dest, sizeof(dest)), d.dest = dest;
	if (!o->x.json) {
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

	err = zc_sink_spawn_ns(o->x.peer_ns, nl->sk ? zc_nl_fd(nl) : -1, pid,
			       &port, msg, sizeof(msg));
	if (err) {
		zc_err("run: %s", msg);
		return err;
	}
	dest_set_port(&o->x.dest, port);
	return 0;
}

static int run_file(struct run_opts *o, uint64_t *size)
{
	unsigned int flags = o->x.create || !o->x.file_given ? ZC_FILE_CREATE : 0;
	char msg[256];
	int err;

	err = zc_prepare_file(o->x.file, o->x.size, flags, size, msg, sizeof(msg));
	if (err < 0) {
		zc_err("run: %s", msg);
		return err;
	}
	if (err > 0)
		fprintf(stderr, "zcopy: run: %s\n", msg);
	return 0;
}

static int run_transfer(struct run_opts *o, struct zc_nl *nl)
{
	struct zc_run_cfg cfg = { .m = o->m, .path = o->x.file, .chunk = o->x.chunk,
				  .peers = o->x.dest.addr, .npeers = o->x.dest.n,
				  .to = o->to, .force = o->force, .cold = o->x.cold,
				  .connect_s = o->x.connect_s, .stall_s = o->x.stall_s,
				  .progress = true, .nl = o->x.account ? nl : NULL };
	struct zc_run_res res;
	pid_t sink = 0;
	int err;

	if (run_file(o, &cfg.size))
		return ZC_EXIT_FAIL;
	if (o->x.peer_ns && !o->to && run_start_sink(o, nl, &sink))
		return ZC_EXIT_FAIL;
	err = zc_run_transfer(&cfg, &res);
	if (sink)
		zc_sink_stop(sink);
	if (err && !res.status)
		res.status = ZC_RUN_FAILED;
	if (run_report(o, &res))
		err = -EIO;
	/* The failure once, on stderr; the JSON has it in "reason". */
	if (res.status != ZC_RUN_OK && !o->x.json)
		zc_err("run %s: %s%s", o->m->name,
		       res.status == ZC_RUN_UNAVAILABLE ? "unavailable: " : "",
		       res.msg);
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
		fprintf(stderr, "(zcopy run --help for the options)\n");
		return ZC_EXIT_USAGE;
	}
	if (o.x.account && zc_nl_open_or_explain(&nl))
		return ZC_EXIT_FAIL;
	ret = run_transfer(&o, &nl);
	zc_nl_close(&nl);
	return ret;
}
