// SPDX-License-Identifier: GPL-2.0
/* zcopy demo: the table, the JSON document and the data-path diagrams. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "demo_out.h"
#include "methods.h"
#include "output.h"
#include "report.h"

/* A verdict, as the table and the JSON name it. */
const char *zc_verdict_str(int v)
{
	switch (v) {
	case ZC_V_OK:
		return "ok";
	case ZC_V_OFF:
		return "off";
	case ZC_V_UNAVAILABLE:
		return "unavailable";
	default:
		return "unmeasured";
	}
}

static bool measured(const struct demo_row *r)
{
	return r->res.status == ZC_RUN_OK && r->res.accounted;
}

/* Measured, and @ctr among the counters the kernel could take. */
static bool counted(const struct demo_row *r, unsigned int ctr)
{
	return measured(r) && demo_counted(r, ctr);
}

/* "2 / 2.01", or "2 / -" when not measured */
static void pair(char *buf, size_t len, double book, double meas, bool have)
{
	char m[16];

	snprintf(buf, len, "%g / %s", book, have ? fmt_ratio(m, sizeof(m), meas) : "-");
}

/* "4 / 4.00"; "4 [2] / 2.00" where our loop's basis differs from the book's */
static void modesw_cell(char *buf, size_t len, const struct demo_row *r,
			bool have)
{
	char m[16], b[40];

	if (r->m->tb_modesw_book != r->m->tb_modesw)
		snprintf(b, sizeof(b), "%g [%g]", r->m->tb_modesw_book, r->m->tb_modesw);
	else
		snprintf(b, sizeof(b), "%g", r->m->tb_modesw);
	snprintf(buf, len, "%s / %s", b,
		 have ? fmt_ratio(m, sizeof(m), r->d.mode_switches_per_call) : "-");
}

static void row_cells(const struct demo_row *r, struct table *t)
{
	char cpu[32], dma[32], ms[64], ctx[24], rate[32];
	pair(cpu, sizeof(cpu), r->exp_cpu, r->d.cpu_copies,
	     counted(r, ZCOPY_COUNTER_COPY_U2K_BYTES));
	pair(dma, sizeof(dma), r->exp_dma, r->d.dma_copies,
	     counted(r, ZCOPY_COUNTER_DMA_TO_DEV_BYTES));
	modesw_cell(ms, sizeof(ms), r, counted(r, ZCOPY_COUNTER_SYSCALLS));
	if (counted(r, ZCOPY_COUNTER_CTX_SWITCHES_VOL))
		snprintf(ctx, sizeof(ctx), "%" PRIu64, r->d.ctx_switches);
	else
		snprintf(ctx, sizeof(ctx), "-");
	if (r->res.status == ZC_RUN_OK)
		fmt_rate(rate, sizeof(rate), report_rate(&r->res));
	else
		snprintf(rate, sizeof(rate), "-");
	table_addv(t, r->label, cpu, dma, ms, ctx, rate, zc_verdict_str(r->verdict));
}

/* The sink's address: the one the rows connected to, or the first. */
static void demo_peer(const struct demo_ctx *c, char *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].res.dest[0]) {
			strlcpy0(buf, c->rows[i].res.dest, len);
			return;
		}
	format_addr(&c->dest.addr[0], buf, len);
}

static void print_header(const struct demo_ctx *c)
{
	char sz[32], ch[32], peer[80];

	demo_peer(c, peer, sizeof(peer));
	printf("zcopy demo: %s from %s to %s%s%s%s, %s chunks, %s cache\n",
	       fmt_bytes(sz, sizeof(sz), c->file_bytes), c->o->x.file, peer,
	       c->peer_ns ? " (sink in netns " : "", c->peer_ns ? c->peer_ns : "",
	       c->peer_ns ? ")" : "", fmt_bytes(ch, sizeof(ch), c->o->x.chunk),
	       c->o->x.cold ? "cold" : "warm");
	if (c->file_note[0])
		printf("scratch file: %s\n", c->file_note);
	if (c->nic_ok)
		printf("kernel %s, NIC %s (scatter-gather %s at start)\n\n",
		       c->kernel, c->o->dev, c->nic_orig ? "on" : "off");
	else
		printf("kernel %s, NIC %s\n\n", c->kernel,
		       c->o->dev ? c->o->dev : "not given (--dev)");
}

/* The columns this kernel cannot measure, shown as "-", never as 0. */
static void print_unmeasured(const struct demo_row *r)
{
	static const struct {
		unsigned int ctr;
		const char *what;
	} cols[] = {
		{ ZCOPY_COUNTER_COPY_U2K_BYTES, "CPU copies" },
		{ ZCOPY_COUNTER_DMA_TO_DEV_BYTES, "DMA" },
		{ ZCOPY_COUNTER_SYSCALLS, "mode switches" },
		{ ZCOPY_COUNTER_CTX_SWITCHES_VOL, "context switches" },
	};
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(cols); i++) {
		if (demo_counted(r, cols[i].ctr))
			continue;
		if (!n++)
			printf("  %s: not measured on this kernel: ", r->label);
		else
			printf(", ");
		printf("%s", cols[i].what);
	}
	if (n)
		printf(" (no probe feeds %s: zcopy probes says why)\n",
		       n > 1 ? "them" : "it");
}

static void print_note(const struct demo_row *r)
{
	const struct zc_run_res *res = &r->res;

	if (res->status != ZC_RUN_OK)
		printf("  %s: %s: %s\n", r->label,
		       res->status == ZC_RUN_FAILED ? "failed" : "unavailable",
		       res->msg);
	if (res->status == ZC_RUN_OK && res->zc_verdict != ZCV_NONE)
		printf("  %s: the kernel says %s (%" PRIu64 " of %" PRIu64
		       " completions copied)\n", r->label,
		       zc_verdict_name(res->zc_verdict), res->zc_copied,
		       res->zc_completions);
	if (res->note[0])
		printf("  %s: %s\n", r->label, res->note);
	if (res->status == ZC_RUN_OK && res->retrans_bytes && res->bytes)
		printf("  %s: TCP sent %" PRIu64 " bytes again (%.1f %%): %s\n",
		       r->label, res->retrans_bytes,
		       100.0 * (double)res->retrans_bytes / (double)res->bytes,
		       r->sg ? "mapped for DMA again" :
		       "segmented (copied) and mapped for DMA again");
	if (res->cache_resident && res->cache_resident != UINT64_MAX &&
	    strcmp(res->cache, "warm"))
		printf("  %s: %s\n", r->label, res->cache);
	else if (res->cache_resident == UINT64_MAX && res->cache[0] &&
		 strcmp(res->cache, "warm"))
		printf("  %s: cache %s\n", r->label, res->cache);
	if (r->verdict == ZC_V_OFF)
		printf("  off: %s\n", r->why);
	if (measured(r))
		print_unmeasured(r);
	if (measured(r) && res->info.counters.v[ZCOPY_COUNTER_MISSED])
		printf("  %s: %" PRIu64 " events missed: counts incomplete\n",
		       r->label, res->info.counters.v[ZCOPY_COUNTER_MISSED]);
}

static void print_legend(const struct demo_ctx *c)
{
	unsigned int i;
	bool basis = false;

	for (i = 0; i < c->nrows; i++)
		basis |= c->rows[i].m->tb_modesw_book != c->rows[i].m->tb_modesw;
	printf("\n  MODE SW/CALL: user/kernel mode switches (2 per system call) of the "
	       "transfer loop, per call;\n  book: as textbooks print it for one "
	       "transfer%s\n\n", basis ? "; [n]: the book on the measured basis "
	       "where it differs\n  (mmap-write: one mmap, made before the loop "
	       "and not counted, then one write per chunk)" : "");
}

void demo_print(const struct demo_ctx *c)
{
	struct table *t = table_new(7);
	unsigned int i;

	print_header(c);
	table_addv(t, "METHOD", "CPU COPIES", "DMA COPIES", "MODE SW/CALL",
		   "CTX SW", "THROUGHPUT", "VERDICT");
	table_addv(t, "", "book / meas", "book / meas", "book / meas", "", "", "");
	for (i = 0; i < c->nrows; i++)
		row_cells(&c->rows[i], t);
	table_print(t, stdout, "");
	table_free(t);
	print_legend(c);
	for (i = 0; i < c->nrows; i++)
		print_note(&c->rows[i]);
	if (!c->o->x.account)
		printf("  (not measured: --no-account)\n");
	fflush(stdout);
}

/* JSON */

static void row_json(struct jw *w, const struct demo_row *r)
{
	const struct zc_run_res *res = &r->res;

	jw_obj_open(w, NULL);
	jw_str(w, "method", r->m->name);
	jw_str(w, "label", r->label);
	if (res->accounted)
		jw_u64(w, "session_id", res->info.session_id);
	else
		jw_null(w, "session_id");
	if (r->sg_known)
		jw_bool(w, "nic_sg", r->sg);
	else
		jw_null(w, "nic_sg");
	report_result_json(w, res);
	report_measure_json(w, res, &r->d);
	jw_obj_open(w, "expected");
	jw_dbl(w, "cpu_copies", r->exp_cpu, 2);
	jw_dbl(w, "dma_copies", r->exp_dma, 2);
	jw_dbl(w, "mode_switches_book", r->m->tb_modesw_book, 0);
	jw_dbl(w, "mode_switches_per_call", r->m->tb_modesw, 0);
	jw_obj_close(w);
	jw_str(w, "verdict", zc_verdict_str(r->verdict));
	jw_str(w, "off", r->verdict == ZC_V_OFF ? r->why : NULL);
	jw_obj_close(w);
}

static void head_json(struct jw *w, const struct demo_ctx *c)
{
	char peer[80];

	demo_peer(c, peer, sizeof(peer));
	report_header_json(w, "demo", 0, c->kernel);
	jw_str(w, "nic", c->o->dev);
	if (c->nic_ok)
		jw_bool(w, "nic_sg", c->nic_orig);
	else
		jw_null(w, "nic_sg");
	jw_str(w, "file", c->o->x.file);
	jw_u64(w, "file_bytes", c->file_bytes);
	jw_u64(w, "chunk_bytes", c->o->x.chunk);
	jw_str(w, "cache", c->o->x.cold ? "cold" : "warm");
	jw_str(w, "peer", peer);
	jw_str(w, "peer_ns", c->peer_ns);
	jw_bool(w, "accounted", c->o->x.account);
	jw_obj_open(w, "tolerance");
	jw_dbl(w, "cpu_copies", ZC_TOL_CPU, 3);
	jw_dbl(w, "dma_copies_above", ZC_TOL_DMA, 3);
	jw_dbl(w, "dma_copies_below", ZC_TOL_DMA_LOW, 3);
	jw_obj_close(w);
}

int demo_print_json(const struct demo_ctx *c)
{
	unsigned int i;
	struct jw w;

	jw_init(&w, stdout, true);
	jw_obj_open(&w, NULL);
	head_json(&w, c);
	jw_arr_open(&w, "methods");
	for (i = 0; i < c->nrows; i++)
		row_json(&w, &c->rows[i]);
	jw_arr_close(&w);
	jw_obj_close(&w);
	return jw_finish(&w);
}

/* Diagrams */

static const char *dev_label(const struct zc_info *info, bool to_dev)
{
	const struct zc_device *best = NULL;
	unsigned int i;

	for (i = 0; i < info->n_devs; i++) {
		const struct zc_device *d = &info->devs[i];
		uint64_t v = to_dev ? d->to_dev : d->from_dev;

		if (v && (!best || v > (to_dev ? best->to_dev : best->from_dev)))
			best = d;
	}
	if (!best)
		return NULL;
	return best->label[0] ? best->label : best->name;
}

/*
 * The hops of @r's data path with the measured bytes: disk -> page cache
 * -> user buffer -> socket buffer -> NIC, or the part of it the method uses.
 * CPU copies at transmit (k2k, e.g. GSO segmentation with SG off) are noted
 * on the last hop.
 */
void demo_path(const struct demo_row *r, const char **nodes,
	       struct zc_hop *hops, unsigned int *n)
{
	const struct zc_info *info = &r->res.info;
	const uint64_t *v = info->counters.v;
	bool odirect = r->m->flags & ZC_M_ODIRECT;
	bool via_user = odirect || (strcmp(r->m->name, "sendfile") &&
				    strcmp(r->m->name, "splice"));
	unsigned int k = 0;

	nodes[k] = "disk";
	hops[k++] = (struct zc_hop){ HOP_DMA, v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES],
				     dev_label(info, false) };
	if (!odirect) {
		nodes[k] = "page cache";
		if (!via_user)
			hops[k++] = (struct zc_hop){ HOP_REF,
				v[ZCOPY_COUNTER_PIPE_REF_BYTES], "no copy" };
		else if (!strcmp(r->m->name, "mmap-write"))
			hops[k++] = (struct zc_hop){ HOP_MAP, r->res.bytes, "no copy" };
		else
			hops[k++] = (struct zc_hop){ HOP_CPU_COPY,
				v[ZCOPY_COUNTER_COPY_K2U_BYTES], "k2u" };
	}
	if (via_user) {
		nodes[k] = "user buffer";
		if (r->m->flags & ZC_M_VERDICT && !v[ZCOPY_COUNTER_COPY_U2K_BYTES])
			hops[k++] = (struct zc_hop){ HOP_PIN, r->res.bytes, "no copy" };
		else
			hops[k++] = (struct zc_hop){ HOP_CPU_COPY,
				v[ZCOPY_COUNTER_COPY_U2K_BYTES], "u2k" };
	}
	nodes[k] = "socket buffer";
	hops[k++] = (struct zc_hop){ HOP_DMA, v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES],
				     dev_label(info, true) };
	nodes[k++] = "NIC";
	*n = k;
}

void demo_diagrams(const struct demo_ctx *c)
{
	const char *nodes[8];
	struct zc_hop hops[8];
	char title[160], k2k[32];
	unsigned int i, n;

	printf("\ndata paths (measured bytes per hop):\n\n");
	for (i = 0; i < c->nrows; i++) {
		const struct demo_row *r = &c->rows[i];
		uint64_t copied;

		if (!measured(r)) {
			printf("%s: not measured\n\n", r->label);
			continue;
		}
		copied = r->res.info.counters.v[ZCOPY_COUNTER_COPY_K2K_BYTES];
		snprintf(title, sizeof(title), "%s%s%s", r->label,
			 copied ? ": + CPU copy k2k " : "",
			 copied ? fmt_bytes(k2k, sizeof(k2k), copied) : "");
		if (copied)
			strncat(title, " (at transmit: GSO / linearize)",
				sizeof(title) - strlen(title) - 1);
		demo_path(r, nodes, hops, &n);
		out_diagram(stdout, title, nodes, hops, n);
		printf("\n");
	}
}
