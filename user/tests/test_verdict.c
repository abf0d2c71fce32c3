// SPDX-License-Identifier: GPL-2.0
/* Textbook values, tolerance, verdicts, and the derived quantities. */
#include <errno.h>

#include "cmds.h"
#include "methods.h"
#include "session.h"
#include "tap.h"

static void test_judge(void)
{
	char why[256];

	is_int(zc_judge("read-write", 2.0, 2.02, 2, 2, 0, 0, why, sizeof(why)), ZC_V_OK,
	       "exact cpu, dma with headers");
	is_str(why, "", "nothing off");
	is_int(zc_judge("m", 1.009, 2.0, 1, 2, 0, 0, why, sizeof(why)), ZC_V_OK,
	       "cpu within +0.01");
	is_int(zc_judge("m", 0.991, 2.0, 1, 2, 0, 0, why, sizeof(why)), ZC_V_OK,
	       "cpu within -0.01");
	is_int(zc_judge("sendfile (sg off)", 1.02, 2.0, 1, 2, 0, 0, why, sizeof(why)),
	       ZC_V_OFF, "cpu 0.02 off");
	is_str(why, "sendfile (sg off): cpu copies 1.020, textbook 1 (within 0.01)",
	       "names the method and the value");
	is_int(zc_judge("m", 0, 2.10, 0, 2, 0, 0, why, sizeof(why)), ZC_V_OK,
	       "dma +5% is in");
	is_int(zc_judge("m", 0, 2.11, 0, 2, 0, 0, why, sizeof(why)), ZC_V_OFF,
	       "dma +5.5% is off");
	has_str(why, "dma copies 2.110, textbook 2 (up to +5%)", "dma named");
	is_int(zc_judge("m", 0, 1.996, 0, 2, 0, 0, why, sizeof(why)), ZC_V_OK,
	       "dma that rounds to 2.00 is in");
	is_int(zc_judge("m", 0, 1.99, 0, 2, 0, 0, why, sizeof(why)), ZC_V_OFF,
	       "dma below the textbook is off (lost probe hits)");
	is_int(zc_judge("m", 0.5, 1.5, 0, 2, 0, 0, why, sizeof(why)), ZC_V_OFF, "both off");
	has_str(why, "cpu copies 0.500", "both: cpu");
	has_str(why, "; m: dma copies 1.500", "both: dma");
	is_int(zc_judge("m", 0, 1.04, 0, 1, 0, 0, why, sizeof(why)), ZC_V_OK,
	       "warm cache: one DMA copy");
	is_int(zc_judge("sendfile (sg off)", 1.03, 2.08, 1, 2, 0.025, 0.025, why,
			sizeof(why)), ZC_V_OK,
	       "retransmitted bytes, segmented and mapped again, are allowed");
	is_int(zc_judge("sendfile (sg off)", 1.04, 2.0, 1, 2, 0.025, 0.025, why,
			sizeof(why)), ZC_V_OFF, "but no more than they are");
	is_int(zc_judge("m", 0.98, 2.0, 1, 2, 0.025, 0.025, why, sizeof(why)),
	       ZC_V_OFF, "retransmissions never excuse too few copies");
	is_str(zc_verdict_str(ZC_V_UNAVAILABLE), "unavailable", "verdict names");
	is_str(zc_verdict_str(ZC_V_OFF), "off", "verdict off");
}

static void expect(const char *name, bool sg, bool cold, double cpu, double dma)
{
	const struct zc_method *m = zc_method_find(name);
	double c = -1, d = -1;
	char n[96];

	snprintf(n, sizeof(n), "textbook %s sg %s %s: %g/%g", name, sg ? "on" : "off",
		 cold ? "cold" : "warm", cpu, dma);
	if (!m) {
		ok(0, "%s exists", name);
		return;
	}
	zc_expected(m, sg, cold, &c, &d);
	ok(c == cpu && d == dma, "%s", n);
}

static void test_textbook(void)
{
	expect("read-write", true, true, 2, 2);
	expect("mmap-write", true, true, 1, 2);
	expect("sendfile", true, true, 0, 2);
	expect("sendfile", false, true, 1, 2);
	expect("splice", true, true, 0, 2);
	expect("odirect-write", true, true, 1, 2);
	expect("msg-zerocopy", true, true, 0, 2);
	expect("io-uring-zc", true, true, 0, 2);
	expect("sendfile", true, false, 0, 1);
	expect("odirect-write", true, false, 1, 2);
	expect("msg-zerocopy", false, false, 1, 2);
	ok(!zc_method_find("sendfile2") && !zc_method_find(NULL), "unknown methods");
	is_int(zc_nmethods, 8, "eight methods");
}

static void test_method_check(void)
{
	const struct zc_method *od = zc_method_find("odirect-write");
	char m[128];

	is_int(zc_method_check(od, false, 65536, m, sizeof(m)), 0, "aligned chunk");
	is_int(zc_method_check(od, false, 65537, m, sizeof(m)), -EINVAL,
	       "unaligned O_DIRECT chunk");
	is_int(zc_method_check(zc_method_find("read-write"), false, 65537, m,
			       sizeof(m)), 0, "any chunk for read-write");
	is_int(zc_method_check(od, false, 0, m, sizeof(m)), -EINVAL, "zero chunk");
	is_int(zc_method_check(zc_method_find("io-uring-zc"), true, 4096, m,
			       sizeof(m)), -EINVAL, "io-uring-zc needs a socket");
}

static void test_zc_verdict(void)
{
	is_int(zc_verdict_of(0, 0, true), ZCV_UNKNOWN, "no completion: unknown");
	is_int(zc_verdict_of(10, 0, true), ZCV_ZEROCOPY, "none copied: zerocopy");
	is_int(zc_verdict_of(10, 10, true), ZCV_COPIED, "all copied");
	is_int(zc_verdict_of(10, 3, true), ZCV_MIXED, "some copied");
	is_int(zc_verdict_of(10, 0, false), ZCV_UNKNOWN, "no usage report");
	is_str(zc_verdict_name(ZCV_COPIED), "copied", "verdict name");
}

static void test_derive(void)
{
	struct zc_counters c = { 0 };
	struct zc_derived d;

	c.v[ZCOPY_COUNTER_COPY_U2K_BYTES] = 1 << 20;
	c.v[ZCOPY_COUNTER_COPY_K2U_BYTES] = 1 << 20;
	c.v[ZCOPY_COUNTER_COPY_K2K_BYTES] = 1 << 19;
	c.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES] = 1100000;
	c.v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES] = 1 << 20;
	c.v[ZCOPY_COUNTER_DMA_BIDI_BYTES] = 999;	/* not a copy */
	c.v[ZCOPY_COUNTER_CSUM_BYTES] = 1 << 20;	/* not a copy */
	c.v[ZCOPY_COUNTER_SYSCALLS] = 34;
	c.v[ZCOPY_COUNTER_CTX_SWITCHES_VOL] = 5;
	c.v[ZCOPY_COUNTER_CTX_SWITCHES_INVOL] = 2;
	zc_derive(&c, 1 << 20, 16, &d);
	is_u64(d.cpu_copy_bytes, (1 << 21) + (1 << 19), "cpu bytes = u2k+k2u+k2k");
	is_dbl(d.cpu_copies, 2.5, 1e-12, "cpu copies per byte");
	is_u64(d.dma_bytes, 1100000 + (1 << 20), "dma bytes = to + from");
	is_dbl(d.dma_copies, (1100000.0 + 1048576) / 1048576, 1e-12, "dma per byte");
	is_u64(d.syscalls, 34, "syscalls: the counter as it is");
	is_u64(d.ctx_switches, 7, "context switches");
	zc_derive(&c, 0, 0, &d);
	ok(isnan(d.cpu_copies) && isnan(d.mode_switches_per_call),
	   "no bytes: ratios undefined");
}

/*
 * Mode switches against the book, not against their own definition: the
 * calls a transfer loop makes (what the method does per chunk: read() and
 * write(), or one sendfile()) must come out as the switches the textbook
 * table (methods.c, from the seeds' books) prints per call. The guest
 * suites check the syscall counter against calls the tests make.
 */
static void test_derive_book(void)
{
	static const struct {
		const char *method;
		uint64_t syscalls_per_call;
	} rows[] = {
		{ "read-write", 2 },	/* read(), write() */
		{ "sendfile", 1 },	/* sendfile() */
		{ "splice", 2 },	/* splice() in, splice() out */
	};
	struct zc_counters c = { 0 };
	struct zc_derived d;
	unsigned int i;
	char n[128];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct zc_method *m = zc_method_find(rows[i].method);

		if (!m) {
			ok(0, "%s exists", rows[i].method);
			continue;
		}
		c.v[ZCOPY_COUNTER_SYSCALLS] = 16 * rows[i].syscalls_per_call;
		zc_derive(&c, 1 << 20, 16, &d);
		snprintf(n, sizeof(n), "%s: 16 calls of %u syscalls: the book's"
			 " switches per call", rows[i].method,
			 (unsigned int)rows[i].syscalls_per_call);
		is_dbl(d.mode_switches_per_call, m->tb_modesw, 1e-12, n);
		snprintf(n, sizeof(n), "%s: 16 calls: 16 x the book's",
			 rows[i].method);
		is_u64(d.mode_switches, (uint64_t)(16 * m->tb_modesw), n);
	}
}

int main(void)
{
	test_judge();
	test_textbook();
	test_method_check();
	test_zc_verdict();
	test_derive();
	test_derive_book();
	return done_testing();
}
