/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: counters, sites, devices and transfers, for humans and JSON. */
#ifndef ZC_REPORT_H
#define ZC_REPORT_H

#include <stdio.h>

#include "nl.h"
#include "output.h"
#include "session.h"

void json_key_of(char *dst, size_t len, const char *name);

void report_counters(FILE *f, const struct zc_counters *c, const char *indent);
void report_sites(FILE *f, const struct zc_info *info, const char *indent);
void report_devices(FILE *f, const struct zc_info *info, const char *indent);

void report_counters_json(struct jw *w, const char *key,
			  const struct zc_counters *c);
void report_sites_json(struct jw *w, const struct zc_info *info);
void report_devices_json(struct jw *w, const struct zc_info *info);
void report_session_json(struct jw *w, const struct zc_info *s);
void report_header_json(struct jw *w, const char *command, uint32_t session_id,
			const char *kernel);
void report_timestamp(char *buf, size_t len);

/* One transfer (zcopy run). */
struct zc_run_desc {
	const char *method;
	const char *path;
	const char *dest;	/* "ADDR:PORT" or a file name */
	size_t chunk;
	const char *cache;
};

void report_run(FILE *f, const struct zc_run_desc *d, const struct zc_run_res *r);
void report_run_json(struct jw *w, const struct zc_run_desc *d,
		     const struct zc_run_res *r);
double report_rate(const struct zc_run_res *r);
void report_result_json(struct jw *w, const struct zc_run_res *r);
void report_measure_json(struct jw *w, const struct zc_run_res *r,
			 const struct zc_derived *d);

#endif
