// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's outputs from canned measurements: the table, the notes, the
 * diagrams, and the JSON document (checked by python against the contract).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "demo_out.h"
#include "methods.h"
#include "tap.h"

#define MIB	(1ull << 20)

static struct demo_ctx c;
static struct demo_opts o;

static struct zc_device dev_nvme = { "0000:00:04.0", "nvme", "nvme0n1", 0,
				     16 * MIB, 0, 128 };
static struct zc_device dev_eth = { "0000:00:03.0", "e1000", "eth0",
				    16 * MIB + 500000, 0, 0, 9000 };

static void row(const char *name, bool sg, uint64_t u2k, uint64_t k2u,
		uint64_t k2k, uint64_t to, uint64_t from)
{
	struct demo_row *r = &c.rows[c.nrows++];
	uint64_t *v = r->res.info.counters.v;

	r->m = zc_method_find(name);
	r->sg = sg;
	r->sg_known = true;
	snprintf(r->label, sizeof(r->label), "%s%s", name, sg ? "" : " (sg off)");
	zc_expected(r->m, sg, true, &r->exp_cpu, &r->exp_dma);
	r->res.status = ZC_RUN_OK;
	r->res.accounted = true;
	r->res.bytes = 16 * MIB;
	r->res.calls = 256;
	r->res.elapsed_ns = 100000000;
	r->res.zc_verdict = (r->m->flags & ZC_M_VERDICT) ? ZCV_ZEROCOPY : ZCV_NONE;
	r->res.zc_completions = r->res.zc_verdict ? 256 : 0;
	v[ZCOPY_COUNTER_COPY_U2K_BYTES] = u2k;
	v[ZCOPY_COUNTER_COPY_K2U_BYTES] = k2u;
	v[ZCOPY_COUNTER_COPY_K2K_BYTES] = k2k;
	v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES] = to;
	v[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES] = from;
	v[ZCOPY_COUNTER_PIPE_REF_BYTES] = strcmp(name, "sendfile") ? 0 : 16 * MIB;
	v[ZCOPY_COUNTER_SYSCALLS] = 520;
	v[ZCOPY_COUNTER_CTX_SWITCHES_VOL] = 30;
	r->res.info.counters.present = (1ull << ZC_NCOUNTERS) - 1;
	r->res.info.devs = calloc(2, sizeof(struct zc_device));
	r->res.info.devs[0] = dev_nvme;
	r->res.info.devs[1] = dev_eth;
	r->res.info.n_devs = 2;
	zc_derive(&r->res.info.counters, r->res.bytes, r->res.calls, &r->d);
	r->verdict = zc_judge(r->label, r->d.cpu_copies, r->d.dma_copies,
			      r->exp_cpu, r->exp_dma, 0, 0, r->why, sizeof(r->why));
}

static void setup(void)
{
	struct demo_row *r;

	memset(&o, 0, sizeof(o));
	o.x.file = "/mnt/nvme/zcopy-demo.dat";
	o.x.chunk = 65536;
	o.x.cold = true;
	o.x.account = true;
	o.dev = "eth0";
	c.o = &o;
	strcpy(c.kernel, "6.1.0-test");
	c.nic_ok = true;
	c.nic_orig = true;
	c.file_bytes = 16 * MIB;
	parse_hostport("198.18.0.2:40000", false, &c.dest.addr[0]);
	c.dest.n = 1;
	c.peer_ns = "zcpeer";
	row("read-write", true, 16 * MIB, 16 * MIB, 0, 16 * MIB + 500000, 16 * MIB);
	row("sendfile", true, 0, 0, 0, 16 * MIB + 500000, 16 * MIB);
	row("sendfile", false, 0, 0, 16 * MIB + 300000, 16 * MIB + 500000, 16 * MIB);
	row("msg-zerocopy", true, 0, 0, 0, 16 * MIB + 500000, 16 * MIB);
	r = &c.rows[c.nrows++];
	r->m = zc_method_find("io-uring-zc");
	snprintf(r->label, sizeof(r->label), "io-uring-zc");
	r->exp_dma = 2;
	r->res.status = ZC_RUN_UNAVAILABLE;
	snprintf(r->res.msg, sizeof(r->res.msg), "IORING_OP_SEND_ZC is not supported");
	r->verdict = ZC_V_UNAVAILABLE;
}

/* Output of @fn on stdout, in a malloc'd string. */
static char *stdout_of(void (*fn)(void), const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), saved = dup(1);
	char *buf = calloc(1, 65536);

	fflush(stdout);
	dup2(fd, 1);
	fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	if (pread(fd, buf, 65535, 0) < 0)
		buf[0] = '\0';
	close(fd);
	return buf;
}

static void print_table(void)
{
	demo_print(&c);
}

static void print_diagrams(void)
{
	demo_diagrams(&c);
}

static int json_rc;

static void print_json(void)
{
	json_rc = demo_print_json(&c);
}

static void test_table(const char *tmp)
{
	char *s = stdout_of(print_table, tmp);

	has_str(s, "zcopy demo: 16.0 MiB from /mnt/nvme/zcopy-demo.dat to "
		"198.18.0.2:40000 (sink in netns zcpeer), 64.0 KiB chunks, cold cache",
		"header");
	has_str(s, "NIC eth0 (scatter-gather on at start)", "NIC line");
	has_str(s, "read-write         2 / 2.00     2 / 2.03", "read-write row");
	has_str(s, "sendfile (sg off)  1 / 1.02", "sg-off row measured");
	has_str(s, "160 MiB/s", "throughput");
	has_str(s, "off: sendfile (sg off): cpu copies 1.018, textbook 1", "off named");
	has_str(s, "io-uring-zc: unavailable: IORING_OP_SEND_ZC is not supported",
		"unavailable reason");
	has_str(s, "msg-zerocopy: the kernel says zerocopy (0 of 256", "kernel verdict");
	free(s);
}

static void test_diagrams(const char *tmp)
{
	char *s = stdout_of(print_diagrams, tmp);

	has_str(s, "  disk =========> page cache ---------> user buffer "
		"---------> socket buffer =========> NIC", "read-write path");
	has_str(s, "  disk =========> page cache ----------> socket buffer "
		"=========> NIC", "sendfile path skips the user buffer");
	has_str(s, "page refs", "sendfile hop by reference");
	has_str(s, "+ CPU copy k2k 16.3 MiB (at transmit: GSO / linearize)",
		"SG-off copy at transmit");
	has_str(s, "  disk =========> user buffer ---------> socket buffer", "O_DIRECT path");
	has_str(s, "pinned", "zerocopy hop");
	has_str(s, "nvme0n1", "disk labelled");
	has_str(s, "io-uring-zc: not measured", "unavailable not drawn");
	if (tap_failed)
		printf("%s", s);
	free(s);
}

static int python(const char *path)
{
	static const char *const script =
		"import json,sys\n"
		"d=json.load(open(sys.argv[1]))\n"
		"assert d['schema_version']==2 and d['kernel']=='6.1.0-test' and d['nic']=='eth0' and d['nic_sg'] is True\n"
		"assert d['file_bytes']==16777216 and d['peer_ns']=='zcpeer'\n"
		"m={r['label']:r for r in d['methods']}\n"
		"rw=m['read-write']\n"
		"assert rw['method']=='read-write' and rw['bytes']==16777216\n"
		"assert rw['cpu_copy_bytes']==33554432 and rw['cpu_copies']==2.0\n"
		"assert rw['dma_bytes']==2*16777216+500000, rw['dma_bytes']\n"
		"c=rw['detail']['counters']\n"
		"assert c['syscalls']==520 and rw['mode_switches']==1040\n"
		"assert rw['context_switches']==30 and rw['nic_sg'] is True\n"
		"assert rw['expected']=={'cpu_copies':2,'dma_copies':2,'mode_switches_book':4,'mode_switches_per_call':4}\n"
		"assert rw['verdict']=='ok' and rw['detail']['zerocopy'] is None\n"
		"assert c['dma_from_dev_bytes']==16777216\n"
		"assert rw['detail']['devices'][0]['label']=='nvme0n1'\n"
		"off=m['sendfile (sg off)']\n"
		"assert off['nic_sg'] is False and off['verdict']=='off' and 'cpu copies' in off['off']\n"
		"assert off['detail']['counters']['copy_k2k_bytes']==16777216+300000\n"
		"z=m['msg-zerocopy']['detail']['zerocopy']\n"
		"assert z=={'verdict':'zerocopy','completions':256,'copied':0}\n"
		"u=m['io-uring-zc']\n"
		"assert u['verdict']=='unavailable' and 'SEND_ZC' in u['reason'] and u['cpu_copies'] is None\n";

	return run_python(script, path);
}

static void test_json(const char *tmp)
{
	char *s = stdout_of(print_json, tmp);
	int rc;

	is_int(json_rc, 0, "demo JSON written");
	rc = python(tmp);
	if (rc == 127)
		skip("python3 not found");
	else
		is_int(rc, 0, "demo JSON: contract keys and values (python)");
	free(s);
}

int main(void)
{
	char tmp[] = "/tmp/zcopy-demo-XXXXXX";
	int fd = mkstemp(tmp);
	unsigned int i;

	close(fd);
	setup();
	test_table(tmp);
	test_diagrams(tmp);
	test_json(tmp);
	unlink(tmp);
	for (i = 0; i < c.nrows; i++)
		zc_run_res_free(&c.rows[i].res);
	return done_testing();
}
