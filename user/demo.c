// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy demo: every method on the same file, measured, against the
 * textbook. Also sendfile with the NIC's scatter-gather off; the NIC is
 * always put back as it was, on signals too.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "cmds.h"
#include "demo_out.h"
#include "methods.h"
#include "nic.h"
#include "sink.h"

static const char *const default_methods[] = {
	"read-write", "mmap-write", "sendfile", "splice", "odirect-write",
	"msg-zerocopy", "io-uring-zc",
};

/*
 * Measured copies per byte against the textbook: CPU copies within
 * ZC_TOL_CPU either way; DMA copies at most ZC_TOL_DMA above (protocol
 * headers) and not below beyond rounding. What TCP retransmitted is
 * allowed on top: @cpu_extra (copies per byte made again, for a row that
 * copies at segmentation) and @dma_extra (bytes mapped again, per byte).
 * @why names what is off.
 */
int zc_judge(const char *label, double cpu, double dma, double exp_cpu,
	     double exp_dma, double cpu_extra, double dma_extra, char *why,
	     size_t len)
{
	bool cpu_ok = cpu >= exp_cpu - ZC_TOL_CPU - 1e-9 &&
		      cpu <= exp_cpu + ZC_TOL_CPU + cpu_extra + 1e-9;
	bool dma_ok = dma >= exp_dma - ZC_TOL_DMA_LOW &&
		      dma <= exp_dma * (1 + ZC_TOL_DMA) + dma_extra + 1e-9;
	size_t off = 0;

	why[0] = '\0';
	if (!cpu_ok)
		off += (size_t)snprintf(why, len, "%s: cpu copies %.3f, textbook "
					"%g (within %g)", label, cpu, exp_cpu,
					ZC_TOL_CPU);
	if (!dma_ok && off < len)
		snprintf(why + off, len - off, "%s%s: dma copies %.3f, textbook "
			 "%g (up to +%g%%)", off ? "; " : "", label, dma, exp_dma,
			 ZC_TOL_DMA * 100);
	return cpu_ok && dma_ok ? ZC_V_OK : ZC_V_OFF;
}

/* Options */

static const struct option demo_long[] = {
	XFER_LONG_OPTS,
	{ "methods", required_argument, NULL, 'm' },
	{ "sg", required_argument, NULL, 'g' },
	{ "dev", required_argument, NULL, 'd' },
	{ "diagram", no_argument, NULL, 'D' },
	{ "check", no_argument, NULL, 'K' },
	{ NULL, 0, NULL, 0 },
};

static int add_method(struct demo_opts *o, const char *name, char *err,
		      size_t len)
{
	const struct zc_method *m = zc_method_find(name);
	unsigned int i;

	if (!m) {
		snprintf(err, len, "unknown method '%s' in --methods", name);
		return -EINVAL;
	}
	if (m->flags & ZC_M_FILE_ONLY) {
		snprintf(err, len, "%s copies file to file: not part of the demo",
			 name);
		return -EINVAL;
	}
	for (i = 0; i < o->nmethods; i++)
		if (o->methods[i] == m)
			return 0;
	if (o->nmethods < ARRAY_SIZE(o->methods))
		o->methods[o->nmethods++] = m;
	return 0;
}

static int parse_methods(struct demo_opts *o, const char *list, char *err,
			 size_t len)
{
	char buf[512], *tok, *save = NULL;
	int ret = 0;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, len, "--methods is too long");
		return -EINVAL;
	}
	strlcpy0(buf, list, sizeof(buf));
	o->nmethods = 0;
	for (tok = strtok_r(buf, ", ", &save); tok && !ret;
	     tok = strtok_r(NULL, ", ", &save))
		ret = add_method(o, tok, err, len);
	if (!ret && !o->nmethods) {
		snprintf(err, len, "--methods lists no method");
		ret = -EINVAL;
	}
	return ret;
}

static int parse_sg(struct demo_opts *o, const char *v, char *err, size_t len)
{
	if (!strcmp(v, "both"))
		o->sg = ZC_SG_BOTH;
	else if (!strcmp(v, "on"))
		o->sg = ZC_SG_ON;
	else if (!strcmp(v, "off"))
		o->sg = ZC_SG_OFF;
	else {
		snprintf(err, len, "bad --sg '%s' (on, off or both)", v);
		return -EINVAL;
	}
	return 0;
}

static int demo_opt(int c, struct demo_opts *o, char *err, size_t len)
{
	switch (c) {
	case 'm':
		return parse_methods(o, optarg, err, len);
	case 'g':
		return parse_sg(o, optarg, err, len);
	case 'd':
		o->dev = optarg;
		return 0;
	case 'D':
		o->diagram = true;
		return 0;
	case 'K':
		o->check = true;
		return 0;
	}
	return xfer_opt(c, optarg, &o->x, err, len) ? -EINVAL : 0;
}

static void demo_defaults(struct demo_opts *o)
{
	unsigned int i;

	memset(o, 0, sizeof(*o));
	xfer_defaults(&o->x);
	o->dev = env_str("ZCOPY_DEV");
	for (i = 0; i < ARRAY_SIZE(default_methods); i++)
		o->methods[o->nmethods++] = zc_method_find(default_methods[i]);
}

int demo_parse_args(int argc, char **argv, struct demo_opts *o, char *err,
		    size_t len)
{
	char shorts[32];
	int c, ret;

	demo_defaults(o);
	snprintf(shorts, sizeof(shorts), ":%sm:h", xfer_short);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, demo_long, NULL)) != -1) {
		if (c == '?' || c == ':')
			return opt_error(c, argv, err, len);
		if (c == 'h')
			return ZC_PARSE_HELP;
		ret = demo_opt(c, o, err, len);
		if (ret)
			return ret;
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->x.chunk % ZC_ALIGN) {
		snprintf(err, len, "bad --chunk %zu (a multiple of 4k: the O_DIRECT "
			 "methods need it)", o->x.chunk);
		return -EINVAL;
	}
	if (o->check && !o->x.account) {
		snprintf(err, len, "--check needs the measurements: drop --no-account");
		return -EINVAL;
	}
	/* The scratch file is the demo's own: 16M unless --size says. */
	if (!o->x.file_given && !o->x.size)
		o->x.size = ZC_DEFAULT_SIZE;
	return xfer_finish(&o->x, true, err, len);
}

static void demo_usage(FILE *f)
{
	fprintf(f,
		"usage: zcopy demo [OPTIONS]   (every method, measured, against the textbook)\n"
		"  -f, --file PATH          the file to send ($ZCOPY_DISK_DIR/zcopy-demo.dat, made)\n"
		"      --create             make --file PATH if it is missing (refused)\n"
		"  -s, --size BYTES         bytes to send (all of --file; 16M of the scratch file)\n"
		"  -c, --chunk BYTES        bytes per call, a multiple of 4k (64k)\n"
		"  -m, --methods LIST       comma-separated (read-write,...,io-uring-zc)\n"
		"      --sg on|off|both     NIC scatter-gather for sendfile (both)\n"
		"      --dev IFNAME         the egress NIC whose SG is switched ($ZCOPY_DEV)\n"
		"      --peer ADDR[:PORT]   the sink; ADDR alone with --peer-ns ($ZCOPY_PEER_ADDR)\n"
		"      --peer-ns NS         start a sink in netns NS ($ZCOPY_PEER_NS)\n"
		"      --cold               evict the file from the page cache per row (default)\n"
		"      --warm               leave the page cache as it is (cold)\n"
		"      --no-account         transfer without sessions (no module needed)\n"
		"      --connect-timeout S  per address (%g)\n"
		"      --stall-timeout S    give up a row after S s without progress (%g)\n"
		"      --diagram            draw each row's data path (not drawn)\n"
		"      --check              exit 1 unless every row is within the tolerance (0)\n"
		"  -j, --json               JSON on stdout\n"
		"  -h, --help               this help\n"
		"changes the machine: --sg off/both turns the NIC's scatter-gather off for a\n"
		"row; it is put back after it, on signals, and by a guard process if zcopy\n"
		"dies (else: ethtool -K IFNAME sg on)\n", ZC_DEFAULT_CONNECT_S,
		ZC_DEFAULT_STALL_S);
}

/* Rows */

static void add_row(struct demo_ctx *c, const struct zc_method *m, bool sg,
		    bool suffix)
{
	struct demo_row *r;

	if (c->nrows >= DEMO_MAX_ROWS)
		return;
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->sg = sg;
	snprintf(r->label, sizeof(r->label), "%s%s", m->name,
		 suffix ? (sg ? " (sg on)" : " (sg off)") : "");
	zc_expected(m, sg, c->o->x.cold, &r->exp_cpu, &r->exp_dma);
}

static void plan_rows(struct demo_ctx *c)
{
	const struct demo_opts *o = c->o;
	unsigned int i;

	for (i = 0; i < o->nmethods; i++) {
		const struct zc_method *m = o->methods[i];

		if (o->sg == ZC_SG_OFF) {
			add_row(c, m, false, true);
			continue;
		}
		add_row(c, m, true, false);
		if (o->sg == ZC_SG_BOTH && !strcmp(m->name, "sendfile"))
			add_row(c, m, false, true);
	}
}

static int row_nic(struct demo_ctx *c, struct demo_row *r)
{
	int err;

	r->sg_known = c->nic_ok;
	if (c->nic_ok) {
		err = zc_nic_guard_set(r->sg);
		if (!err)
			return 0;
		snprintf(r->res.msg, sizeof(r->res.msg),
			 "cannot turn scatter-gather %s on %s: %s",
			 r->sg ? "on" : "off", c->o->dev, strerror(-err));
		return err;
	}
	if (!r->sg) {
		snprintf(r->res.msg, sizeof(r->res.msg), c->o->dev ?
			 "scatter-gather of %s cannot be read" :
			 "scatter-gather cannot be turned off: no egress interface "
			 "(--dev or ZCOPY_DEV)%s", c->o->dev ? c->o->dev : "");
		return -ENODEV;
	}
	return 0;
}

static void judge_row(const struct demo_ctx *c, struct demo_row *r)
{
	if (r->res.status != ZC_RUN_OK) {
		r->verdict = ZC_V_UNAVAILABLE;
		return;
	}
	if (!r->res.accounted || !demo_counted(r, ZCOPY_COUNTER_COPY_U2K_BYTES) ||
	    !demo_counted(r, ZCOPY_COUNTER_DMA_TO_DEV_BYTES)) {
		/* No verdict on a copy or DMA count this kernel cannot take. */
		r->verdict = ZC_V_UNMEASURED;
		return;
	}
	double resent = r->res.bytes ?
			(double)r->res.retrans_bytes / (double)r->res.bytes : 0;

	zc_derive(&r->res.info.counters, r->res.bytes, r->res.calls, &r->d);
	r->verdict = zc_judge(r->label, r->d.cpu_copies, r->d.dma_copies,
			      r->exp_cpu, r->exp_dma, r->sg ? 0 : resent, resent,
			      r->why, sizeof(r->why));
	(void)c;
}

/* Returns -EPERM (or another error) when no session could be created. */
static int run_row(struct demo_ctx *c, struct demo_row *r)
{
	struct zc_run_cfg cfg = {
		.m = r->m, .path = c->o->x.file, .size = c->file_bytes,
		.chunk = c->o->x.chunk, .peers = c->dest.addr, .npeers = c->dest.n,
		.connect_s = c->o->x.connect_s, .stall_s = c->o->x.stall_s,
		.cold = c->o->x.cold,
		.progress = true, .nl = c->o->x.account ? &c->nl : NULL,
	};
	int err;

	if (row_nic(c, r)) {
		r->res.status = ZC_RUN_UNAVAILABLE;
		r->verdict = ZC_V_UNAVAILABLE;
		return 0;
	}
	err = zc_run_transfer(&cfg, &r->res);
	if (err && r->res.status == ZC_RUN_OK) {
		r->res.status = ZC_RUN_FAILED;
		if (!r->res.msg[0])
			snprintf(r->res.msg, sizeof(r->res.msg), "not measured");
	}
	judge_row(c, r);
	return err;
}

/* Setup and teardown */

static int demo_nic(struct demo_ctx *c)
{
	int err;

	zc_signal_guard_install();
	if (!c->o->dev)
		return 0;
	err = zc_nic_guard(c->o->dev, &c->nic_orig);
	if (err) {
		zc_warn("demo: %s: scatter-gather cannot be read: %s", c->o->dev,
			strerror(-err));
		return 0;
	}
	c->nic_ok = true;
	return 0;
}

static int demo_sink(struct demo_ctx *c)
{
	char msg[256];
	uint16_t port;
	int err;

	c->dest = c->o->x.dest;
	c->peer_ns = c->o->x.peer_ns;
	if (!c->peer_ns)
		return 0;
	err = zc_sink_spawn_ns(c->peer_ns, c->nl.sk ? zc_nl_fd(&c->nl) : -1,
			       &c->sink, &port, msg, sizeof(msg));
	if (err) {
		zc_err("demo: %s", msg);
		return err;
	}
	zc_nic_guard_kill_on_signal(c->sink);
	dest_set_port(&c->dest, port);
	return 0;
}

/* Only the scratch file at its default path is made (and remade) unasked. */
static unsigned int demo_file_flags(const struct demo_opts *o)
{
	if (!o->x.file_given)
		return ZC_FILE_CREATE | ZC_FILE_RECREATE;
	return o->x.create ? ZC_FILE_CREATE : 0;
}

static int demo_setup(struct demo_ctx *c)
{
	struct utsname u;
	int err;

	if (c->o->x.account && zc_nl_open_or_explain(&c->nl))
		return -ENOENT;
	snprintf(c->kernel, sizeof(c->kernel), "%s",
		 uname(&u) ? "unknown" : u.release);
	err = zc_prepare_file(c->o->x.file, c->o->x.size, demo_file_flags(c->o),
			      &c->file_bytes, c->file_note, sizeof(c->file_note));
	if (err < 0) {
		zc_err("demo: %s", c->file_note);
		return err;
	}
	if (!err)
		c->file_note[0] = '\0';
	else if (c->o->x.json)
		fprintf(stderr, "zcopy: demo: %s\n", c->file_note);
	err = demo_nic(c);
	return err ? err : demo_sink(c);
}

static void demo_teardown(struct demo_ctx *c)
{
	unsigned int i;
	int err;

	err = zc_nic_restore();
	if (err)
		zc_err("demo: could not restore scatter-gather on %s: %s "
		       "(fix with 'ethtool -K %s sg %s')", c->o->dev,
		       strerror(-err), c->o->dev, c->nic_orig ? "on" : "off");
	if (!err)
		zc_nic_guard_release();
	zc_nic_guard_kill_on_signal(0);
	zc_sink_stop(c->sink);
	for (i = 0; i < c->nrows; i++)
		zc_run_res_free(&c->rows[i].res);
	zc_nl_close(&c->nl);
}

/* Exit status: --check failures, then transfers that failed. */
static int demo_status(const struct demo_ctx *c)
{
	bool failed = false, off = false;
	unsigned int i;

	for (i = 0; i < c->nrows; i++) {
		const struct demo_row *r = &c->rows[i];

		failed |= r->res.status == ZC_RUN_FAILED;
		if (c->o->check && r->verdict == ZC_V_OFF) {
			zc_err("check failed: %s", r->why);
			off = true;
		}
		/* Accounted, yet no verdict: this kernel cannot count it all. */
		if (c->o->check && r->res.status == ZC_RUN_OK &&
		    r->verdict == ZC_V_UNMEASURED) {
			zc_err("check failed: %s: its CPU copies or DMA are not measured on this kernel (zcopy probes says why)",
			       r->label);
			off = true;
		}
		if (c->o->check && r->res.status == ZC_RUN_FAILED)
			zc_err("check failed: %s: %s", r->label, r->res.msg);
	}
	return failed || off ? ZC_EXIT_FAIL : ZC_EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
	static struct demo_ctx c;
	struct demo_opts o;
	char err[256];
	unsigned int i;
	int ret;

	ret = demo_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret == ZC_PARSE_HELP || ret) {
		if (ret != ZC_PARSE_HELP)
			zc_err("demo: %s", err);
		demo_usage(ret == ZC_PARSE_HELP ? stdout : stderr);
		return ret == ZC_PARSE_HELP ? ZC_EXIT_OK : ZC_EXIT_USAGE;
	}
	memset(&c, 0, sizeof(c));
	c.o = &o;
	if (demo_setup(&c)) {
		demo_teardown(&c);
		return ZC_EXIT_FAIL;
	}
	plan_rows(&c);
	for (i = 0; i < c.nrows; i++) {
		ret = run_row(&c, &c.rows[i]);
		if (ret == -EPERM || ret == -EACCES) {
			c.nrows = i + 1;	/* no session will be allowed */
			break;
		}
	}
	zc_nic_restore();
	ret = o.x.json ? demo_print_json(&c) : (demo_print(&c), 0);
	if (!o.x.json && o.diagram)
		demo_diagrams(&c);
	ret = ret ? ZC_EXIT_FAIL : demo_status(&c);
	demo_teardown(&c);
	return ret;
}
