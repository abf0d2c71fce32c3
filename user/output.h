/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: human units, tables, a JSON writer and data-path diagrams. */
#ifndef ZC_OUTPUT_H
#define ZC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Human units. Each returns @buf. */
char *fmt_bytes(char *buf, size_t len, uint64_t v);
char *fmt_rate(char *buf, size_t len, double bytes_per_sec);
char *fmt_ns(char *buf, size_t len, uint64_t ns);
char *fmt_ratio(char *buf, size_t len, double v);
char *fmt_progress(char *buf, size_t len, uint64_t done, uint64_t total,
		   double rate, unsigned int width);

/* Tables: the first row added is the header. Cells are copied. */
#define TABLE_MAX_COLS	12

struct table {
	unsigned int ncols;
	unsigned int nrows;
	unsigned int cap;
	char **cells;
	bool right[TABLE_MAX_COLS];
};

struct table *table_new(unsigned int ncols);
void table_align_right(struct table *t, unsigned int col);
void table_add(struct table *t, const char *const *cells);
void table_addv(struct table *t, ...);
void table_print(const struct table *t, FILE *f, const char *indent);
void table_free(struct table *t);

/* JSON writer: keys are ignored (pass NULL) inside arrays. */
#define JW_MAX_DEPTH	16

struct jw {
	FILE *f;
	unsigned int depth;
	bool first[JW_MAX_DEPTH];
	bool in_array[JW_MAX_DEPTH];
	bool pretty;
	int err;
};

void json_escape(FILE *f, const char *s);
void jw_init(struct jw *w, FILE *f, bool pretty);
void jw_obj_open(struct jw *w, const char *key);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *v);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_dbl(struct jw *w, const char *key, double v, int prec);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
int jw_finish(struct jw *w);

/* A data path: nodes[0] -hop[0]-> nodes[1] ... -hop[n-2]-> nodes[n-1]. */
enum zc_hop_kind { HOP_DMA, HOP_CPU_COPY, HOP_REF, HOP_MAP, HOP_PIN, HOP_NONE };

struct zc_hop {
	enum zc_hop_kind kind;
	uint64_t bytes;
	const char *note;
};

void out_diagram(FILE *f, const char *title, const char *const *nodes,
		 const struct zc_hop *hops, unsigned int nnodes);

#endif
