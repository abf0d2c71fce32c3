// SPDX-License-Identifier: GPL-2.0
/* zcopy CLI: counters, sites, devices and transfers, for humans and JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>

#include "methods.h"
#include "report.h"
#include "util.h"

/* "copy-u2k-bytes" -> "copy_u2k_bytes" */
void json_key_of(char *dst, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < len && name[i]; i++)
		dst[i] = name[i] == '-' ? '_' : name[i];
	dst[i] = '\0';
}

static bool is_bytes_counter(unsigned int i)
{
	return strstr(zc_counter_name(i), "bytes") != NULL;
}

void report_counters(FILE *f, const struct zc_counters *c, const char *indent)
{
	struct table *t = table_new(3);
	char v[32], h[32];
	unsigned int i;

	table_align_right(t, 0);
	table_addv(t, "VALUE", "COUNTER", "");
	for (i = 0; i < ZC_NCOUNTERS; i++) {
		if (!(c->present & (1ull << i))) {	/* never a 0 */
			table_addv(t, "-", zc_counter_name(i),
				   "not measured on this kernel");
			continue;
		}
		snprintf(v, sizeof(v), "%" PRIu64, c->v[i]);
		if (is_bytes_counter(i))
			fmt_bytes(h, sizeof(h), c->v[i]);
		else
			h[0] = '\0';
		table_addv(t, v, zc_counter_name(i), h);
	}
	table_print(t, f, indent);
	table_free(t);
}

void report_sites(FILE *f, const struct zc_info *info, const char *indent)
{
	struct table *t;
	char b[32], c[32];
	unsigned int i;

	if (!info->n_sites)
		return;
	t = table_new(5);
	table_align_right(t, 3);
	table_align_right(t, 4);
	table_addv(t, "FUNCTION", "PRIMITIVE", "KIND", "BYTES", "CALLS");
	for (i = 0; i < info->n_sites; i++) {
		const struct zc_site *s = &info->sites[i];

		snprintf(b, sizeof(b), "%" PRIu64, s->bytes);
		snprintf(c, sizeof(c), "%" PRIu64, s->calls);
		table_addv(t, s->function, s->primitive, zc_kind_name(s->kind), b, c);
	}
	table_print(t, f, indent);
	table_free(t);
}

void report_devices(FILE *f, const struct zc_info *info, const char *indent)
{
	char to[32], from[32], bidi[32], maps[32];
	struct table *t;
	unsigned int i;

	if (!info->n_devs)
		return;
	t = table_new(7);
	for (i = 3; i < 7; i++)
		table_align_right(t, i);
	table_addv(t, "DEVICE", "DRIVER", "LABEL", "TO-DEV", "FROM-DEV", "BIDI",
		   "MAPS");
	for (i = 0; i < info->n_devs; i++) {
		const struct zc_device *d = &info->devs[i];

		snprintf(to, sizeof(to), "%" PRIu64, d->to_dev);
		snprintf(from, sizeof(from), "%" PRIu64, d->from_dev);
		snprintf(bidi, sizeof(bidi), "%" PRIu64, d->bidi);
		snprintf(maps, sizeof(maps), "%" PRIu64, d->maps);
		table_addv(t, d->name, d->driver, d->label[0] ? d->label : "-",
			   to, from, bidi, maps);
	}
	table_print(t, f, indent);
	table_free(t);
}

/*
 * Every counter, on every kernel: null where the module did not report it
 * (an older module, or its probe unavailable here: see zcopy probes).
 */
void report_counters_json(struct jw *w, const char *key,
			  const struct zc_counters *c)
{
	char k[64];
	unsigned int i;

	jw_obj_open(w, key);
	for (i = 0; i < ZC_NCOUNTERS; i++) {
		json_key_of(k, sizeof(k), zc_counter_name(i));
		if (c->present & (1ull << i))
			jw_u64(w, k, c->v[i]);
		else
			jw_null(w, k);
	}
	jw_obj_close(w);
}

/* "2026-12-02T05:01:02.345Z" */
void report_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)((unsigned long)ts.tv_nsec / 1000000 % 1000));
}

/*
 * What opens every JSON document (zcopy.schema.json): the schema and tool
 * versions, the command, the kernel (@kernel, or this one's), when, and
 * the session (0: null).
 */
void report_header_json(struct jw *w, const char *command, uint32_t session_id,
			const char *kernel)
{
	struct utsname u;
	char ts[64];

	report_timestamp(ts, sizeof(ts));
	jw_u64(w, "schema_version", ZC_JSON_SCHEMA_VERSION);
	jw_str(w, "tool", "zcopy");
	jw_str(w, "tool_version", ZC_TOOL_VERSION);
	jw_str(w, "command", command);
	jw_str(w, "kernel", kernel ? kernel : uname(&u) ? NULL : u.release);
	jw_str(w, "timestamp", ts);
	if (session_id)
		jw_u64(w, "session_id", session_id);
	else
		jw_null(w, "session_id");
}

void report_sites_json(struct jw *w, const struct zc_info *info)
{
	unsigned int i;

	jw_arr_open(w, "sites");
	for (i = 0; i < info->n_sites; i++) {
		const struct zc_site *s = &info->sites[i];

		jw_obj_open(w, NULL);
		jw_str(w, "function", s->function);
		jw_str(w, "primitive", s->primitive);
		jw_str(w, "kind", zc_kind_name(s->kind));
		jw_u64(w, "bytes", s->bytes);
		jw_u64(w, "calls", s->calls);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

void report_devices_json(struct jw *w, const struct zc_info *info)
{
	unsigned int i;

	jw_arr_open(w, "devices");
	for (i = 0; i < info->n_devs; i++) {
		const struct zc_device *d = &info->devs[i];

		jw_obj_open(w, NULL);
		jw_str(w, "name", d->name);
		jw_str(w, "driver", d->driver);
		jw_str(w, "label", d->label);
		jw_u64(w, "to_dev_bytes", d->to_dev);
		jw_u64(w, "from_dev_bytes", d->from_dev);
		jw_u64(w, "bidi_bytes", d->bidi);
		jw_u64(w, "maps", d->maps);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

void report_session_json(struct jw *w, const struct zc_info *s)
{
	unsigned int i;

	jw_obj_open(w, NULL);
	jw_u64(w, "session_id", s->session_id);
	jw_u64(w, "pid", s->pid);
	jw_bool(w, "children", s->flags & ZCOPY_SESSION_FLAGS_CHILDREN);
	jw_u64(w, "sample_ms", s->sample_ms);
	jw_u64(w, "owner_pid", s->owner_pid);
	jw_u64(w, "elapsed_ns", s->elapsed_ns);
	jw_arr_open(w, "devfilter");
	for (i = 0; i < s->n_devfilter; i++)
		jw_str(w, NULL, s->devfilter[i]);
	jw_arr_close(w);
	report_counters_json(w, "counters", &s->counters);
	report_sites_json(w, s);
	report_devices_json(w, s);
	jw_obj_close(w);
}

/* Transfers */

static const char *status_name(int st)
{
	return st == ZC_RUN_OK ? "ok" : st == ZC_RUN_UNAVAILABLE ?
	       "unavailable" : "failed";
}

/* Bytes per second of a transfer, NaN when it took no time. */
/* @ns spent on @bytes, per MiB. */
static uint64_t per_mib(uint64_t ns, uint64_t bytes)
{
	return (uint64_t)((double)ns * 1048576.0 / (double)bytes);
}

double report_rate(const struct zc_run_res *r)
{
	return r->elapsed_ns ? (double)r->bytes * 1e9 / (double)r->elapsed_ns : NAN;
}

/* Whether the kernel reported counter @c: it omits what it cannot measure. */
static bool has(const struct zc_run_res *r, unsigned int c)
{
	return r->info.counters.present & (1ull << c);
}

static void report_copies(FILE *f, const struct zc_run_res *r,
			  const struct zc_derived *d)
{
	static const char na[] = "not measured on this kernel (zcopy probes says why)";
	const uint64_t *v = r->info.counters.v;
	char a[32], b[32], c[32], t[32], x[16];

	if (!has(r, ZCOPY_COUNTER_COPY_U2K_BYTES))
		fprintf(f, "  cpu copies    %s\n", na);
	else
		fprintf(f, "  cpu copies    %s per byte  (%s: u2k %s, k2u %s, k2k %s)\n",
			fmt_ratio(x, sizeof(x), d->cpu_copies),
			fmt_bytes(t, sizeof(t), d->cpu_copy_bytes),
			fmt_bytes(a, sizeof(a), v[ZCOPY_COUNTER_COPY_U2K_BYTES]),
			fmt_bytes(b, sizeof(b), v[ZCOPY_COUNTER_COPY_K2U_BYTES]),
			fmt_bytes(c, sizeof(c), v[ZCOPY_COUNTER_COPY_K2K_BYTES]));
	if (!has(r, ZCOPY_COUNTER_DMA_TO_DEV_BYTES))
		fprintf(f, "  dma copies    %s\n", na);
	else
		fprintf(f, "  dma copies    %s per byte  (%s: to-dev %s, from-dev %s)\n",
			fmt_ratio(x, sizeof(x), d->dma_copies),
			fmt_bytes(t, sizeof(t), d->dma_bytes),
			fmt_bytes(a, sizeof(a), v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES]),
			fmt_bytes(b, sizeof(b), v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES]));
	if (!has(r, ZCOPY_COUNTER_SYSCALLS))
		fprintf(f, "  syscalls      %s\n", na);
	else
		fprintf(f, "  syscalls      %" PRIu64 "  mode switches %" PRIu64
			" (%s per call)%s\n", d->syscalls, d->mode_switches,
			fmt_ratio(x, sizeof(x), d->mode_switches_per_call),
			r->windowed ? " in the transfer loop" : "");
	if (r->windowed && has(r, ZCOPY_COUNTER_SYSCALLS))
		fprintf(f, "                (then %" PRIu64 " after it, not counted: "
			"fsync or drain, close, exit)\n", r->after_loop_syscalls);
	if (!has(r, ZCOPY_COUNTER_CTX_SWITCHES_VOL))
		fprintf(f, "  ctx switches  %s\n", na);
	else
		fprintf(f, "  ctx switches  %" PRIu64 " (%" PRIu64 " voluntary, %"
			PRIu64 " involuntary)\n", d->ctx_switches,
			v[ZCOPY_COUNTER_CTX_SWITCHES_VOL], v[ZCOPY_COUNTER_CTX_SWITCHES_INVOL]);
	if (v[ZCOPY_COUNTER_MISSED])
		fprintf(f, "  warning: %" PRIu64 " events were missed: the counts "
			"are incomplete\n", v[ZCOPY_COUNTER_MISSED]);
}

static void report_zc(FILE *f, const struct zc_run_res *r)
{
	if (r->zc_verdict == ZCV_NONE)
		return;
	fprintf(f, "  zerocopy      %s (%" PRIu64 " of %" PRIu64
		" completions copied)\n", zc_verdict_name(r->zc_verdict),
		r->zc_copied, r->zc_completions);
}

static void report_detail(FILE *f, const struct zc_run_res *r)
{
	fprintf(f, "\n  counters:\n");
	report_counters(f, &r->info.counters, "    ");
	if (r->info.n_sites) {
		fprintf(f, "\n  copy sites:\n");
		report_sites(f, &r->info, "    ");
	}
	if (r->info.n_devs) {
		fprintf(f, "\n  DMA devices:\n");
		report_devices(f, &r->info, "    ");
	}
}

void report_run(FILE *f, const struct zc_run_desc *d, const struct zc_run_res *r)
{
	char sz[32], el[32], rate[32], cpu[32];
	struct zc_derived dv;

	fprintf(f, "zcopy run %s: %s -> %s, %s chunks, cache %s\n", d->method,
		d->path, d->dest, fmt_bytes(sz, sizeof(sz), d->chunk), d->cache);
	if (r->status != ZC_RUN_OK) {
		fprintf(f, "  %s\n", status_name(r->status));	/* why: stderr */
		return;
	}
	fprintf(f, "  transferred   %s (%" PRIu64 " bytes) in %" PRIu64
		" calls, %s, %s\n", fmt_bytes(sz, sizeof(sz), r->bytes), r->bytes,
		r->calls, fmt_ns(el, sizeof(el), r->elapsed_ns),
		fmt_rate(rate, sizeof(rate), report_rate(r)));
	if (r->cpu_ns && r->bytes)
		fprintf(f, "  CPU time      %s, %s per MiB (the transfer process)\n",
			fmt_ns(el, sizeof(el), r->cpu_ns),
			fmt_ns(cpu, sizeof(cpu), per_mib(r->cpu_ns, r->bytes)));
	if (r->machine_busy_ns && r->bytes)
		fprintf(f, "  CPU busy      %s, %s per MiB (the whole machine)\n",
			fmt_ns(el, sizeof(el), r->machine_busy_ns),
			fmt_ns(cpu, sizeof(cpu), per_mib(r->machine_busy_ns, r->bytes)));
	report_zc(f, r);
	if (r->note[0])
		fprintf(f, "  note: %s\n", r->note);
	if (!r->accounted) {
		fprintf(f, "  (not measured)\n");
		return;
	}
	zc_derive(&r->info.counters, r->bytes, r->calls, &dv);
	report_copies(f, r, &dv);
	report_detail(f, r);
}

static void zc_json(struct jw *w, const struct zc_run_res *r)
{
	if (r->zc_verdict == ZCV_NONE) {
		jw_null(w, "zerocopy");
		return;
	}
	jw_obj_open(w, "zerocopy");
	jw_str(w, "verdict", zc_verdict_name(r->zc_verdict));
	jw_u64(w, "completions", r->zc_completions);
	jw_u64(w, "copied", r->zc_copied);
	jw_obj_close(w);
}

/* Each counter once: in "counters" (sites and devices break them down). */
static void detail_json(struct jw *w, const struct zc_run_res *r)
{
	jw_obj_open(w, "detail");
	report_counters_json(w, "counters", &r->info.counters);
	report_sites_json(w, &r->info);
	report_devices_json(w, &r->info);
	zc_json(w, r);
	jw_obj_close(w);
}

static void unmeasured_json(struct jw *w)
{
	static const char *const keys[] = {
		"cpu_copy_bytes", "dma_bytes", "cpu_copies", "dma_copies",
		"mode_switches", "mode_switches_per_call",
		"context_switches",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		jw_null(w, keys[i]);
}

static void u64_or_null(struct jw *w, const char *key, uint64_t v, bool have)
{
	if (have)
		jw_u64(w, key, v);
	else
		jw_null(w, key);
}

static void dbl_or_null(struct jw *w, const char *key, double v, int prec,
			bool have)
{
	if (have)
		jw_dbl(w, key, v, prec);
	else
		jw_null(w, key);
}

/* The measured quantities; null when the transfer was not accounted. */
void report_measure_json(struct jw *w, const struct zc_run_res *r,
			 const struct zc_derived *d)
{
	bool cpu = has(r, ZCOPY_COUNTER_COPY_U2K_BYTES);
	bool dma = has(r, ZCOPY_COUNTER_DMA_TO_DEV_BYTES);
	bool sys = has(r, ZCOPY_COUNTER_SYSCALLS);

	jw_str(w, "unmeasured_reason", r->accounted ? NULL :
	       r->status != ZC_RUN_OK ? "the transfer did not complete" :
	       "not accounted (--no-account, or no session)");
	if (!r->accounted) {
		unmeasured_json(w);
		jw_obj_open(w, "detail");
		zc_json(w, r);
		jw_obj_close(w);
		return;
	}
	/* What the kernel could not count is null, like its counters. */
	u64_or_null(w, "cpu_copy_bytes", d->cpu_copy_bytes, cpu);
	u64_or_null(w, "dma_bytes", d->dma_bytes, dma);
	dbl_or_null(w, "cpu_copies", d->cpu_copies, 4, cpu);
	dbl_or_null(w, "dma_copies", d->dma_copies, 4, dma);
	u64_or_null(w, "mode_switches", d->mode_switches, sys);
	dbl_or_null(w, "mode_switches_per_call", d->mode_switches_per_call, 3, sys);
	u64_or_null(w, "context_switches", d->ctx_switches,
		    has(r, ZCOPY_COUNTER_CTX_SWITCHES_VOL));
	detail_json(w, r);
}

/* What a transfer did: its status and sizes, as run and demo report them. */
void report_result_json(struct jw *w, const struct zc_run_res *r)
{
	jw_str(w, "status", status_name(r->status));
	jw_str(w, "reason", r->status == ZC_RUN_OK ? NULL : r->msg);
	jw_str(w, "note", r->note[0] ? r->note : NULL);
	jw_u64(w, "bytes", r->bytes);
	jw_u64(w, "calls", r->calls);
	jw_u64(w, "elapsed_ns", r->elapsed_ns);
	u64_or_null(w, "cpu_ns", r->cpu_ns, r->cpu_ns);
	u64_or_null(w, "machine_busy_ns", r->machine_busy_ns,
		    r->machine_busy_ns);
	jw_u64(w, "retrans_bytes", r->retrans_bytes);
	jw_u64(w, "unacked_bytes", r->unacked_bytes);
	jw_dbl(w, "bytes_per_second", report_rate(r), 0);
	jw_str(w, "cache_note", r->cache[0] ? r->cache : NULL);
	if (r->cache_resident != UINT64_MAX && strcmp(r->cache, "warm") &&
	    r->cache[0]) {
		jw_u64(w, "cache_pages", r->cache_pages);
		jw_u64(w, "cache_resident_pages", r->cache_resident);
	} else {
		jw_null(w, "cache_pages");
		jw_null(w, "cache_resident_pages");
	}
	if (r->windowed)
		jw_u64(w, "syscalls_after_loop", r->after_loop_syscalls);
	else
		jw_null(w, "syscalls_after_loop");
}

void report_run_json(struct jw *w, const struct zc_run_desc *d,
		     const struct zc_run_res *r)
{
	struct zc_derived dv;

	zc_derive(&r->info.counters, r->bytes, r->calls, &dv);
	jw_obj_open(w, NULL);
	report_header_json(w, "run", r->accounted ? r->info.session_id : 0, NULL);
	jw_str(w, "method", d->method);
	jw_str(w, "file", d->path);
	jw_str(w, "dest", d->dest);
	jw_u64(w, "chunk_bytes", d->chunk);
	jw_str(w, "cache", d->cache);
	report_result_json(w, r);
	jw_bool(w, "accounted", r->accounted);
	report_measure_json(w, r, &dv);
	jw_obj_close(w);
}
