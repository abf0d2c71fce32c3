// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy stats --format openmetrics|prometheus: the global counters, the copy sites, the
 * DMA devices and every session's counters in the OpenMetrics text format
 * or the Prometheus text format (what node_exporter's textfile collector
 * reads).
 * Every byte and event count is a counter family whose samples end in
 * _total; label values are escaped as the format requires.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* A label value: backslash, double quote and newline escaped. */
static void om_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/*
 * OpenMetrics names a counter family without the _total of its samples;
 * the Prometheus text format (node_exporter's textfile collector) names
 * the samples themselves.
 */
static bool om_strict;

static void om_family(FILE *f, const char *name, const char *type,
		      const char *help)
{
	const char *sfx = !om_strict && !strcmp(type, "counter") ? "_total" : "";

	fprintf(f, "# TYPE %s%s %s\n# HELP %s%s %s\n", name, sfx, type, name, sfx,
		help);
}

/*
 * One sample. @labels is "k1", v1, "k2", v2, ... NULL; a NULL value ends
 * the list too. Counters get their _total suffix here.
 */
static void om_sample(FILE *f, const char *name, bool counter, uint64_t v,
		      const char *const *labels)
{
	unsigned int i;

	fprintf(f, "%s%s", name, counter ? "_total" : "");
	for (i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
		fprintf(f, "%s%s=\"", i ? "," : "{", labels[i]);
		om_value(f, labels[i + 1]);
		fputc('"', f);
	}
	fprintf(f, "%s %" PRIu64 "\n", i ? "}" : "", v);
}

/* The counters of @c, as families named @prefix_*, with @session's label. */
struct om_ctr {
	const char *name, *help, *dir;
	unsigned int idx;
};

static const struct om_ctr om_ctrs[] = {
	{ "copy_bytes", "Bytes the CPU copied, by direction.", "user_to_kernel",
	  ZCOPY_COUNTER_COPY_U2K_BYTES },
	{ "copy_bytes", NULL, "kernel_to_user", ZCOPY_COUNTER_COPY_K2U_BYTES },
	{ "copy_bytes", NULL, "kernel_to_kernel", ZCOPY_COUNTER_COPY_K2K_BYTES },
	{ "copy_calls", "Calls of the copy functions.", NULL,
	  ZCOPY_COUNTER_COPY_CALLS },
	{ "checksum_bytes", "Bytes read only to checksum them.", NULL,
	  ZCOPY_COUNTER_CSUM_BYTES },
	{ "pipe_reference_bytes", "Bytes passed as page references into pipes (no copy).",
	  NULL, ZCOPY_COUNTER_PIPE_REF_BYTES },
	{ "dma_bytes", "Bytes mapped for device DMA, by direction.", "to_device",
	  ZCOPY_COUNTER_DMA_TO_DEV_BYTES },
	{ "dma_bytes", NULL, "from_device", ZCOPY_COUNTER_DMA_FROM_DEV_BYTES },
	{ "dma_bytes", NULL, "bidirectional", ZCOPY_COUNTER_DMA_BIDI_BYTES },
	{ "dma_maps", "DMA mappings.", NULL, ZCOPY_COUNTER_DMA_MAPS },
	{ "syscalls", "System calls of the accounted processes.", NULL,
	  ZCOPY_COUNTER_SYSCALLS },
	{ "context_switches", "Context switches of the accounted processes, by kind.",
	  "voluntary", ZCOPY_COUNTER_CTX_SWITCHES_VOL },
	{ "context_switches", NULL, "involuntary", ZCOPY_COUNTER_CTX_SWITCHES_INVOL },
	{ "page_cache_miss_bytes", "Bytes read from the device on a page cache miss.",
	  NULL, ZCOPY_COUNTER_PAGECACHE_MISS_BYTES },
	{ "missed_events", "Probe hits the module could not count.", NULL,
	  ZCOPY_COUNTER_MISSED },
	{ "nic_header_bytes", "Header bytes the NIC replicated for segments.", NULL,
	  ZCOPY_COUNTER_NIC_HDR_BYTES },
};

static void om_counters(FILE *f, const char *prefix, const char *session,
			const struct zc_info *const *s, unsigned int n)
{
	const char *lab[5];
	char name[96], id[16];
	unsigned int i, j;

	for (i = 0; i < sizeof(om_ctrs) / sizeof(om_ctrs[0]); i++) {
		const struct om_ctr *c = &om_ctrs[i];

		snprintf(name, sizeof(name), "%s_%s", prefix, c->name);
		if (c->help)
			om_family(f, name, "counter", c->help);
		for (j = 0; j < n; j++) {
			unsigned int k = 0;

			if (session) {
				snprintf(id, sizeof(id), "%u", s[j]->session_id);
				lab[k++] = session;
				lab[k++] = id;
			}
			if (c->dir) {
				lab[k++] = !strcmp(c->name, "context_switches") ?
					   "kind" : "direction";
				lab[k++] = c->dir;
			}
			lab[k] = NULL;
			om_sample(f, name, true, s[j]->counters.v[c->idx], lab);
		}
	}
}

static const char *om_kind(uint32_t kind)
{
	switch (kind) {
	case ZCOPY_COPY_KIND_U2K: return "user_to_kernel";
	case ZCOPY_COPY_KIND_K2U: return "kernel_to_user";
	case ZCOPY_COPY_KIND_K2K: return "kernel_to_kernel";
	case ZCOPY_COPY_KIND_CSUM: return "checksum";
	}
	return "unknown";
}

static void om_sites(FILE *f, const struct zc_info *s)
{
	unsigned int i, pass;

	for (pass = 0; pass < 2; pass++) {
		const char *name = pass ? "zcopy_site_copy_calls" : "zcopy_site_copy_bytes";

		om_family(f, name, "counter", pass ?
			  "Copy calls at each copy site (the kernel function)." :
			  "Bytes copied at each copy site (the kernel function), by direction.");
		for (i = 0; i < s->n_sites; i++) {
			const struct zc_site *x = &s->sites[i];
			const char *lab[] = { "site", x->function, "primitive", x->primitive,
					      "direction", om_kind(x->kind), NULL };

			om_sample(f, name, true, pass ? x->calls : x->bytes, lab);
		}
	}
}

static void om_devices(FILE *f, const struct zc_info *s)
{
	static const char *const dirs[] = { "to_device", "from_device", "bidirectional" };
	unsigned int i, d;

	om_family(f, "zcopy_device_dma_bytes", "counter",
		  "Bytes mapped for DMA, by device and direction.");
	for (i = 0; i < s->n_devs; i++) {
		const struct zc_device *x = &s->devs[i];
		const uint64_t v[] = { x->to_dev, x->from_dev, x->bidi };

		for (d = 0; d < 3; d++) {
			const char *lab[] = { "device", x->name, "driver", x->driver,
					      "direction", dirs[d], NULL };

			om_sample(f, "zcopy_device_dma_bytes", true, v[d], lab);
		}
	}
	om_family(f, "zcopy_device_dma_maps", "counter", "DMA mappings, by device.");
	for (i = 0; i < s->n_devs; i++) {
		const char *lab[] = { "device", s->devs[i].name, "driver",
				      s->devs[i].driver, NULL };

		om_sample(f, "zcopy_device_dma_maps", true, s->devs[i].maps, lab);
	}
}

/**
 * metrics_print() - print the counters for Prometheus
 * @f: where to
 * @g: the global statistics (stats-get)
 * @l: the sessions (session-get dump); NULL or empty for none
 * @openmetrics: the OpenMetrics text format, else the Prometheus text format
 */
void metrics_print(FILE *f, const struct zc_info *g,
		   const struct zc_session_list *l, bool openmetrics)
{
	const struct zc_info *one[] = { g };
	const struct zc_info **ss = NULL;
	unsigned int i, n = l ? l->n : 0;

	om_strict = openmetrics;
	om_family(f, "zcopy_sessions", "gauge", "Sessions that exist now.");
	om_sample(f, "zcopy_sessions", false, g->sessions, NULL);
	om_family(f, "zcopy_max_sessions", "gauge", "Sessions that may exist at once.");
	om_sample(f, "zcopy_max_sessions", false, g->max_sessions, NULL);
	om_family(f, "zcopy_armed", "gauge", "1 while the probes are registered.");
	om_sample(f, "zcopy_armed", false, g->armed, NULL);
	om_counters(f, "zcopy", NULL, one, 1);
	om_sites(f, g);
	om_devices(f, g);
	if (n) {
		ss = calloc(n, sizeof(*ss));
		for (i = 0; ss && i < n; i++)
			ss[i] = &l->s[i];
		if (ss)
			om_counters(f, "zcopy_session", "session", ss, n);
		free(ss);
	}
	if (openmetrics)
		fputs("# EOF\n", f);
}
