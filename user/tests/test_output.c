// SPDX-License-Identifier: GPL-2.0
/* Human units, tables, progress bar and data-path diagrams. */
#include <stdlib.h>

#include "output.h"
#include "tap.h"

static void test_units(void)
{
	char b[64];

	is_str(fmt_bytes(b, sizeof(b), 0), "0 B", "0 bytes");
	is_str(fmt_bytes(b, sizeof(b), 1023), "1023 B", "1023 bytes");
	is_str(fmt_bytes(b, sizeof(b), 1024), "1.00 KiB", "1 KiB");
	is_str(fmt_bytes(b, sizeof(b), 65536), "64.0 KiB", "64 KiB");
	is_str(fmt_bytes(b, sizeof(b), 16777216), "16.0 MiB", "16 MiB");
	is_str(fmt_bytes(b, sizeof(b), 3ull << 29), "1.50 GiB", "1.5 GiB");
	is_str(fmt_bytes(b, sizeof(b), 500ull << 30), "500 GiB", "500 GiB");
	is_str(fmt_bytes(b, sizeof(b), UINT64_MAX), "16384 PiB",
	       "huge stays in the largest unit");
	is_str(fmt_rate(b, sizeof(b), 1048576.0), "1.00 MiB/s", "rate");
	is_str(fmt_rate(b, sizeof(b), NAN), "-", "rate NaN");
	is_str(fmt_rate(b, sizeof(b), -1), "-", "rate negative");
	is_str(fmt_ns(b, sizeof(b), 999), "999 ns", "ns");
	is_str(fmt_ns(b, sizeof(b), 1500), "1.5 us", "us");
	is_str(fmt_ns(b, sizeof(b), 12300000), "12.3 ms", "ms");
	is_str(fmt_ns(b, sizeof(b), 2500000000ull), "2.50 s", "s");
	is_str(fmt_ratio(b, sizeof(b), 2.004), "2.00", "ratio");
	is_str(fmt_ratio(b, sizeof(b), NAN), "-", "ratio NaN");
}

static void test_progress(void)
{
	char b[128];

	fmt_progress(b, sizeof(b), 50, 100, 1048576.0, 10);
	is_str(b, "[#####.....]  50%  1.00 MiB/s", "progress half");
	fmt_progress(b, sizeof(b), 200, 100, 0, 4);
	is_str(b, "[####] 100%  0 B/s", "progress clamps at 100%");
	fmt_progress(b, sizeof(b), 0, 0, 0, 2);
	is_str(b, "[..]   0%  0 B/s", "progress of nothing");
}

static void test_table(void)
{
	struct table *t = table_new(3);
	char *out = NULL;
	size_t len;
	FILE *f;

	table_align_right(t, 1);
	table_addv(t, "NAME", "BYTES", "NOTE");
	table_addv(t, "read-write", "4096", "a");
	table_addv(t, "x", "16", NULL);
	f = open_memstream(&out, &len);
	table_print(t, f, "> ");
	fclose(f);
	is_str(out, "> NAME        BYTES  NOTE\n"
		    "> read-write   4096  a\n"
		    "> x              16  \n", "table layout");
	free(out);
	table_free(t);
}

static void test_diagram(void)
{
	const char *nodes[] = { "disk", "page cache", "NIC" };
	const struct zc_hop hops[] = {
		{ HOP_DMA, 16777216, "nvme0n1" },
		{ HOP_CPU_COPY, 4096, NULL },
	};
	char *out = NULL, *l2;
	size_t len;
	FILE *f;

	f = open_memstream(&out, &len);
	out_diagram(f, "read-write", nodes, hops, 3);
	fclose(f);
	has_str(out, "read-write\n", "diagram title");
	has_str(out, "  disk =========> page cache ---------> NIC\n", "diagram arrows");
	l2 = out ? strchr(strchr(out, '\n') + 1, '\n') + 1 : NULL;
	has_str(l2, "  DMA  ", "hop kind under the first arrow");
	has_str(out, "CPU copy", "copy hop labelled");
	has_str(out, "16.0 MiB", "DMA bytes shown");
	has_str(out, "4.00 KiB", "copy bytes shown");
	has_str(out, "nvme0n1", "device noted");
	free(out);
	f = open_memstream(&out, &len);
	out_diagram(f, "bad", nodes, hops, 1);
	fclose(f);
	is_int(len, 0, "diagram of one node draws nothing");
	free(out);
}

int main(void)
{
	test_units();
	test_progress();
	test_table();
	test_diagram();
	return done_testing();
}
