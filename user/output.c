// SPDX-License-Identifier: GPL-2.0
/* zcopy CLI: human units, tables, a JSON writer and data-path diagrams. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util.h"

static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

char *fmt_bytes(char *buf, size_t len, uint64_t v)
{
	double d = (double)v;
	unsigned int i = 0;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	while (d >= 1024.0 && i < ARRAY_SIZE(units) - 1) {
		d /= 1024.0;
		i++;
	}
	snprintf(buf, len, d < 9.995 ? "%.2f %s" : d < 99.95 ? "%.1f %s" : "%.0f %s",
		 d, units[i]);
	return buf;
}

char *fmt_rate(char *buf, size_t len, double bps)
{
	char tmp[32];

	if (!isfinite(bps) || bps < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	fmt_bytes(tmp, sizeof(tmp), (uint64_t)llround(bps));
	snprintf(buf, len, "%s/s", tmp);
	return buf;
}

char *fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

char *fmt_ratio(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

/* "[#######.......]  45%  7.2 MiB/s" within @width columns for the bar. */
char *fmt_progress(char *buf, size_t len, uint64_t done, uint64_t total,
		   double rate, unsigned int width)
{
	char bar[128], r[32];
	unsigned int fill, i;
	double frac;

	if (width > sizeof(bar) - 1)
		width = sizeof(bar) - 1;
	frac = total ? (double)(done > total ? total : done) / (double)total : 0;
	fill = (unsigned int)(frac * width);
	for (i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = '\0';
	snprintf(buf, len, "[%s] %3u%%  %s", bar, (unsigned int)(frac * 100),
		 fmt_rate(r, sizeof(r), rate));
	return buf;
}

/* Tables */

struct table *table_new(unsigned int ncols)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	return t;
}

void table_align_right(struct table *t, unsigned int col)
{
	if (col < t->ncols)
		t->right[col] = true;
}

void table_add(struct table *t, const char *const *cells)
{
	unsigned int c, base;

	if (t->nrows == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->cells, sizeof(*n) * cap * t->ncols);

		if (!n) {
			zc_err("out of memory");
			exit(ZC_EXIT_FAIL);
		}
		t->cells = n;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++) {
		t->cells[base + c] = strdup(cells[c] ? cells[c] : "");
		if (!t->cells[base + c]) {
			zc_err("out of memory");
			exit(ZC_EXIT_FAIL);
		}
	}
	t->nrows++;
}

void table_addv(struct table *t, ...)
{
	const char *cells[TABLE_MAX_COLS];
	unsigned int c;
	va_list ap;

	va_start(ap, t);
	for (c = 0; c < t->ncols; c++)
		cells[c] = va_arg(ap, const char *);
	va_end(ap);
	table_add(t, cells);
}

void table_print(const struct table *t, FILE *f, const char *indent)
{
	size_t w[TABLE_MAX_COLS] = { 0 };
	unsigned int r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	for (r = 0; r < t->nrows; r++) {
		fputs(indent ? indent : "", f);
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c == t->ncols - 1;

			if (t->right[c])
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)w[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

void table_free(struct table *t)
{
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* JSON */

/* Length of a valid UTF-8 sequence at @s, or 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Quote @s; control characters are escaped, invalid UTF-8 becomes U+FFFD. */
void json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f), p++;
		} else if (*p == '\t') {
			fputs("\\t", f), p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			n = utf8_len(p);
			if (n)
				fwrite(p, 1, n, f);
			else
				fputs("\\ufffd", f);
			p += n ? n : 1;
		}
	}
	fputc('"', f);
}

void jw_init(struct jw *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
}

static void jw_indent(struct jw *w)
{
	unsigned int i;

	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator, indentation and key before a value. */
static void jw_key(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->depth)
		jw_indent(w);
	if (w->depth && !w->in_array[w->depth]) {
		if (!key) {
			w->err = -EINVAL;
			key = "";
		}
		json_escape(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c, bool array)
{
	jw_key(w, key);
	fputc(c, w->f);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	w->depth++;
	w->first[w->depth] = true;
	w->in_array[w->depth] = array;
}

static void jw_close(struct jw *w, char c, bool array)
{
	bool empty;

	if (!w->depth || w->in_array[w->depth] != array) {
		w->err = -EINVAL;
		return;
	}
	empty = w->first[w->depth];
	w->depth--;
	if (!empty)
		jw_indent(w);
	fputc(c, w->f);
}

void jw_obj_open(struct jw *w, const char *key)
{
	jw_open(w, key, '{', false);
}

void jw_obj_close(struct jw *w)
{
	jw_close(w, '}', false);
}

void jw_arr_open(struct jw *w, const char *key)
{
	jw_open(w, key, '[', true);
}

void jw_arr_close(struct jw *w)
{
	jw_close(w, ']', true);
}

void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	if (v)
		json_escape(w->f, v);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void jw_dbl(struct jw *w, const char *key, double v, int prec)
{
	jw_key(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.*f", prec, v);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

/* Ends the document; fails if it is unbalanced or a write failed. */
int jw_finish(struct jw *w)
{
	fputc('\n', w->f);
	if (!w->err && w->depth)
		w->err = -EINVAL;
	if (!w->err && (fflush(w->f) || ferror(w->f)))
		w->err = -EIO;
	return w->err;
}

/* Diagrams */

static const char *hop_label(enum zc_hop_kind k)
{
	switch (k) {
	case HOP_DMA:
		return "DMA";
	case HOP_CPU_COPY:
		return "CPU copy";
	case HOP_REF:
		return "page refs";
	case HOP_MAP:
		return "mapped";
	case HOP_PIN:
		return "pinned";
	default:
		return "";
	}
}

static void put_centered(FILE *f, const char *s, size_t width)
{
	size_t l = strlen(s), left;

	if (l > width)
		l = width;
	left = (width - l) / 2;
	fprintf(f, "%*s%.*s%*s", (int)left, "", (int)l, s,
		(int)(width - l - left), "");
}

static size_t hop_width(const struct zc_hop *h, const char *bytes)
{
	size_t w = 8, l;

	l = strlen(hop_label(h->kind)) + 2;
	w = l > w ? l : w;
	l = strlen(bytes) + 2;
	w = l > w ? l : w;
	l = h->note ? strlen(h->note) + 2 : 0;
	return l > w ? l : w;
}

static void diagram_arrows(FILE *f, const char *const *nodes,
			   const struct zc_hop *hops, const size_t *w,
			   unsigned int nnodes)
{
	unsigned int i;
	size_t k;

	fputs("  ", f);
	for (i = 0; i < nnodes; i++) {
		fputs(nodes[i], f);
		if (i == nnodes - 1)
			break;
		fputc(' ', f);
		for (k = 0; k + 1 < w[i]; k++)
			fputc(hops[i].kind == HOP_DMA ? '=' : '-', f);
		fputs("> ", f);
	}
	fputc('\n', f);
}

/* One line of per-hop text centred under each arrow. */
static void diagram_line(FILE *f, const char *const *nodes, const char **text,
			 const size_t *w, unsigned int nnodes)
{
	unsigned int i;

	fputs("  ", f);
	for (i = 0; i + 1 < nnodes; i++) {
		fprintf(f, "%*s ", (int)strlen(nodes[i]), "");
		put_centered(f, text[i], w[i]);
		fputc(' ', f);
	}
	fputc('\n', f);
}

#define DIAGRAM_MAX_NODES	8

void out_diagram(FILE *f, const char *title, const char *const *nodes,
		 const struct zc_hop *hops, unsigned int nnodes)
{
	char bytes[DIAGRAM_MAX_NODES][32];
	const char *lab[DIAGRAM_MAX_NODES], *num[DIAGRAM_MAX_NODES];
	const char *note[DIAGRAM_MAX_NODES];
	size_t w[DIAGRAM_MAX_NODES];
	bool any_note = false;
	unsigned int i;

	if (nnodes < 2 || nnodes > DIAGRAM_MAX_NODES)
		return;
	for (i = 0; i + 1 < nnodes; i++) {
		if (hops[i].kind == HOP_NONE)
			snprintf(bytes[i], sizeof(bytes[i]), "-");
		else
			fmt_bytes(bytes[i], sizeof(bytes[i]), hops[i].bytes);
		lab[i] = hop_label(hops[i].kind);
		num[i] = bytes[i];
		note[i] = hops[i].note ? hops[i].note : "";
		any_note |= !!hops[i].note;
		w[i] = hop_width(&hops[i], bytes[i]);
	}
	fprintf(f, "%s\n", title);
	diagram_arrows(f, nodes, hops, w, nnodes);
	diagram_line(f, nodes, lab, w, nnodes);
	diagram_line(f, nodes, num, w, nnodes);
	if (any_note)
		diagram_line(f, nodes, note, w, nnodes);
}
