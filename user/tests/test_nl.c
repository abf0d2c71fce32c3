// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of the family's attribute sets from canned messages built with
 * libnl, and of extended acks. No kernel module needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include <linux/rtnetlink.h>

#include "netns.h"
#include "nl.h"
#include "tap.h"

static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc_size(1 << 20);

	genlmsg_put(m, 0, 0, 0x20, 0, 0, cmd, ZCOPY_FAMILY_VERSION);
	return m;
}

static void put_counters(struct nl_msg *m)
{
	struct nlattr *n = nla_nest_start(m, ZCOPY_A_COUNTERS);

	nla_put_u32(m, ZCOPY_A_COUNTERS_PAD, 0);	/* pad: ignored */
	nla_put_u64(m, ZCOPY_A_COUNTERS_COPY_U2K_BYTES, 16777216);
	nla_put_u64(m, ZCOPY_A_COUNTERS_COPY_K2U_BYTES, 8388608);
	nla_put_u64(m, ZCOPY_A_COUNTERS_DMA_TO_DEV_BYTES, 17000000);
	nla_put_u64(m, ZCOPY_A_COUNTERS_SYSCALLS, 522);
	nla_put_u64(m, ZCOPY_A_COUNTERS_MISSED, 3);
	nla_put_u64(m, ZCOPY_A_COUNTERS_MAX + 5, 99);	/* from a newer kernel */
	nla_nest_end(m, n);
}

static void put_site(struct nl_msg *m, const char *fn, uint32_t kind,
		     uint64_t bytes)
{
	struct nlattr *n = nla_nest_start(m, ZCOPY_A_SITE);

	nla_put_string(m, ZCOPY_A_SITE_FUNCTION, fn);
	nla_put_string(m, ZCOPY_A_SITE_PRIMITIVE, "_copy_to_iter");
	nla_put_u32(m, ZCOPY_A_SITE_KIND, kind);
	nla_put_u64(m, ZCOPY_A_SITE_BYTES, bytes);
	nla_put_u64(m, ZCOPY_A_SITE_CALLS, 256);
	nla_nest_end(m, n);
}

static void put_device(struct nl_msg *m)
{
	struct nlattr *n = nla_nest_start(m, ZCOPY_A_DEVICE);

	nla_put_string(m, ZCOPY_A_DEVICE_NAME, "0000:00:04.0");
	nla_put_string(m, ZCOPY_A_DEVICE_DRIVER, "nvme");
	nla_put_string(m, ZCOPY_A_DEVICE_LABEL, "nvme0n1");
	nla_put_u64(m, ZCOPY_A_DEVICE_FROM_DEV_BYTES, 16777216);
	nla_put_u64(m, ZCOPY_A_DEVICE_MAPS, 64);
	nla_nest_end(m, n);
}

static void test_session(void)
{
	struct nl_msg *m = new_msg(ZCOPY_CMD_SESSION_GET);
	struct zc_info i = { 0 };

	nla_put_u32(m, ZCOPY_A_SESSION_ID, 7);
	nla_put_u32(m, ZCOPY_A_PID, 4242);
	nla_put_u32(m, ZCOPY_A_FLAGS, ZCOPY_SESSION_FLAGS_CHILDREN);
	nla_put_string(m, ZCOPY_A_DEVFILTER, "eth0");
	nla_put_string(m, ZCOPY_A_DEVFILTER, "nvme");
	nla_put_u64(m, ZCOPY_A_ELAPSED_NS, 123456789);
	nla_put_u32(m, ZCOPY_A_MAX + 3, 1);	/* unknown: ignored */
	put_counters(m);
	put_site(m, "filemap_read", ZCOPY_COPY_KIND_K2U, 8388608);
	put_site(m, "tcp_sendmsg_locked", ZCOPY_COPY_KIND_U2K, 16777216);
	put_device(m);
	is_int(zc_info_parse(&i, nlmsg_hdr(m)), 0, "session reply parses");
	is_int(i.cmd, ZCOPY_CMD_SESSION_GET, "cmd");
	is_u64(i.session_id, 7, "session-id");
	is_u64(i.pid, 4242, "pid");
	is_u64(i.flags, ZCOPY_SESSION_FLAGS_CHILDREN, "flags");
	is_u64(i.elapsed_ns, 123456789, "elapsed-ns");
	ok(ZC_HAS(&i, ZCOPY_A_ELAPSED_NS) && !ZC_HAS(&i, ZCOPY_A_END_REASON),
	   "presence bits");
	is_int(i.n_devfilter, 2, "two devfilters");
	is_str(i.devfilter[1], "nvme", "devfilter value");
	is_u64(i.counters.v[ZCOPY_COUNTER_COPY_U2K_BYTES], 16777216, "u2k counter");
	is_u64(i.counters.v[ZCOPY_COUNTER_COPY_K2U_BYTES], 8388608, "k2u counter");
	is_u64(i.counters.v[ZCOPY_COUNTER_DMA_TO_DEV_BYTES], 17000000, "to-dev counter");
	is_u64(i.counters.v[ZCOPY_COUNTER_SYSCALLS], 522, "syscalls counter");
	is_u64(i.counters.v[ZCOPY_COUNTER_MISSED], 3, "missed counter");
	ok(!(i.counters.present & (1ull << ZCOPY_COUNTER_COPY_K2K_BYTES)),
	   "absent counter not present");
	is_int(i.n_sites, 2, "two sites");
	is_str(i.sites[0].function, "filemap_read", "site function");
	is_str(i.sites[1].primitive, "_copy_to_iter", "site primitive");
	is_u64(i.sites[1].kind, ZCOPY_COPY_KIND_U2K, "site kind");
	is_u64(i.sites[1].bytes, 16777216, "site bytes");
	is_u64(i.sites[1].calls, 256, "site calls");
	is_int(i.n_devs, 1, "one device");
	is_str(i.devs[0].label, "nvme0n1", "device label");
	is_str(i.devs[0].driver, "nvme", "device driver");
	is_u64(i.devs[0].from_dev, 16777216, "device from-dev");
	is_u64(i.devs[0].maps, 64, "device maps");
	zc_info_free(&i);
	nlmsg_free(m);
}

static void put_probe(struct nl_msg *m, const char *name, uint32_t state,
		      const char *reason)
{
	struct nlattr *n = nla_nest_start(m, ZCOPY_A_PROBE);

	nla_put_string(m, ZCOPY_A_PROBE_NAME, name);
	nla_put_u32(m, ZCOPY_A_PROBE_TYPE, ZCOPY_PROBE_TYPE_KPROBE);
	nla_put_u32(m, ZCOPY_A_PROBE_STATE, state);
	nla_put_u64(m, ZCOPY_A_PROBE_HITS, 1000);
	nla_put_u64(m, ZCOPY_A_PROBE_MISSED, 2);
	if (reason)
		nla_put_string(m, ZCOPY_A_PROBE_REASON, reason);
	nla_nest_end(m, n);
}

/* The probes of a dump's messages gather into one zc_info. */
static void test_probe_dump(void)
{
	struct nl_msg *a = new_msg(ZCOPY_CMD_PROBE_GET);
	struct nl_msg *b = new_msg(ZCOPY_CMD_PROBE_GET);
	struct zc_info i = { 0 };

	put_probe(a, "_copy_to_iter", ZCOPY_PROBE_STATE_ACTIVE, NULL);
	put_probe(a, "copy_page_to_iter", ZCOPY_PROBE_STATE_ACTIVE, NULL);
	put_probe(b, "dma_map_phys", ZCOPY_PROBE_STATE_UNAVAILABLE,
		  "symbol not found");
	ok(!zc_info_parse(&i, nlmsg_hdr(a)) && !zc_info_parse(&i, nlmsg_hdr(b)),
	   "two dump messages parse");
	is_int(i.n_probes, 3, "three probes gathered");
	is_str(i.probes[2].name, "dma_map_phys", "probe name");
	is_str(zc_probe_state_name(i.probes[2].state), "unavailable", "probe state");
	is_str(i.probes[2].reason, "symbol not found", "probe reason");
	is_u64(i.probes[0].hits, 1000, "probe hits");
	is_u64(i.probes[0].missed, 2, "probe missed");
	is_str(zc_probe_type_name(i.probes[0].type), "kprobe", "probe type");
	zc_info_free(&i);
	nlmsg_free(a);
	nlmsg_free(b);
}

static void test_stats_and_bounds(void)
{
	struct nl_msg *m = new_msg(ZCOPY_CMD_STATS_GET);
	struct zc_info i = { 0 };
	unsigned int k;

	nla_put_u32(m, ZCOPY_A_VERSION, 1);
	nla_put_u8(m, ZCOPY_A_ARMED, 1);
	nla_put_u32(m, ZCOPY_A_SESSIONS, 2);
	nla_put_u32(m, ZCOPY_A_MAX_SESSIONS, 64);
	for (k = 0; k < ZC_MAX_ENTRIES + 5; k++)
		put_site(m, "f", ZCOPY_COPY_KIND_K2K, k);
	is_int(zc_info_parse(&i, nlmsg_hdr(m)), 0, "stats reply parses");
	is_u64(i.version, 1, "version");
	is_int(i.armed, 1, "armed");
	is_u64(i.sessions, 2, "sessions");
	is_u64(i.max_sessions, 64, "max-sessions");
	is_int(i.n_sites, ZC_MAX_ENTRIES, "sites bounded");
	is_int(i.dropped, 5, "dropped entries counted");
	is_u64(i.sites[ZC_MAX_ENTRIES - 1].bytes, ZC_MAX_ENTRIES - 1, "last kept site");
	zc_info_free(&i);
	nlmsg_free(m);
}

static void test_malformed(void)
{
	struct nl_msg *m = new_msg(ZCOPY_CMD_SESSION_GET);
	struct zc_info i = { 0 };
	uint16_t two = 2;
	struct nlmsghdr h = { .nlmsg_len = NLMSG_HDRLEN };

	nla_put(m, ZCOPY_A_SESSION_ID, sizeof(two), &two);	/* u32 too short */
	is_int(zc_info_parse(&i, nlmsg_hdr(m)), -EINVAL, "short u32 rejected");
	zc_info_free(&i);
	nlmsg_free(m);
	is_int(zc_info_parse(&i, &h), -EINVAL, "message without genl header");
	zc_info_free(&i);
}

/* An NLMSG_ERROR as the kernel sends it with NETLINK_EXT_ACK. */
static struct nl_msg *error_msg(int error, bool capped, const char *text)
{
	struct nl_msg *m = nlmsg_alloc_size(4096);
	struct nlmsghdr orig = { .nlmsg_len = NLMSG_HDRLEN + 12,
				 .nlmsg_type = 0x20 };
	struct nlmsghdr *h;
	char payload[sizeof(struct nlmsgerr) + 12] = { 0 };
	size_t plen = capped ? sizeof(struct nlmsgerr) : sizeof(payload);
	struct nlmsgerr *e = (void *)payload;

	e->error = error;
	e->msg = orig;
	h = nlmsg_put(m, 0, 1, NLMSG_ERROR, (int)plen,
		      NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0));
	memcpy(nlmsg_data(h), payload, plen);
	if (text)
		nla_put_string(m, NLMSGERR_ATTR_MSG, text);
	nla_put_u32(m, NLMSGERR_ATTR_OFFS, 20);
	return m;
}

static void test_ext_ack(void)
{
	struct nl_msg *m;
	char msg[256];

	m = error_msg(-EBUSY, true, "session limit reached");
	is_int(zc_parse_ext_ack(nlmsg_hdr(m), msg, sizeof(msg)), -EBUSY,
	       "capped error code");
	is_str(msg, "session limit reached", "capped ext-ack message");
	nlmsg_free(m);
	m = error_msg(-ESRCH, false, "no such process");
	is_int(zc_parse_ext_ack(nlmsg_hdr(m), msg, sizeof(msg)), -ESRCH,
	       "uncapped error code");
	is_str(msg, "no such process", "uncapped ext-ack message (after the echo)");
	nlmsg_free(m);
	m = error_msg(-EPERM, true, NULL);
	is_int(zc_parse_ext_ack(nlmsg_hdr(m), msg, sizeof(msg)), -EPERM,
	       "error without message");
	is_str(msg, "", "no message");
	nlmsg_free(m);

	m = nlmsg_alloc_size(4096);
	{
		int err = -ENOBUFS;
		struct nlmsghdr *h = nlmsg_put(m, 0, 1, NLMSG_DONE, sizeof(err),
					       NLM_F_MULTI | NLM_F_ACK_TLVS);

		memcpy(nlmsg_data(h), &err, sizeof(err));
		nla_put_string(m, NLMSGERR_ATTR_MSG, "dump interrupted");
	}
	is_int(zc_parse_ext_ack(nlmsg_hdr(m), msg, sizeof(msg)), -ENOBUFS,
	       "NLMSG_DONE error");
	is_str(msg, "dump interrupted", "NLMSG_DONE ext-ack message");
	nlmsg_free(m);
}

static void test_names(void)
{
	is_str(zc_counter_name(ZCOPY_COUNTER_DMA_FROM_DEV_BYTES),
	       "dma-from-dev-bytes", "counter name");
	is_str(zc_counter_name(ZCOPY_COUNTER_NIC_HDR_BYTES), "nic-hdr-bytes",
	       "newest counter name");
	is_str(zc_counter_name(ZC_NCOUNTERS), "?", "counter out of range");
	is_str(zc_probe_type_name(ZCOPY_PROBE_TYPE_FENTRY), "fentry", "probe type fentry");
	is_str(zc_probe_type_name(99), "?", "unknown probe type");
	is_str(zc_kind_name(ZCOPY_COPY_KIND_CSUM), "csum", "kind name");
	is_str(zc_end_reason_name(ZCOPY_END_REASON_OWNER_CLOSED), "owner-closed",
	       "end reason");
}

static char *stderr_of(void (*fn)(void))
{
	static char buf[1024];
	char path[] = "/tmp/zcopy-err-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void perror_module(void)
{
	zc_nl_perror(NULL, -ENOENT, NULL);
}

static void perror_eperm(void)
{
	struct zc_nl nl = { .ext_msg = "needs admin" };

	zc_nl_perror(&nl, -EPERM, "session-new");
}

static void perror_ext(void)
{
	struct zc_nl nl = { .ext_msg = "pid 99 not found" };

	zc_nl_perror(&nl, -ESRCH, "session-new");
}

static void test_messages(void)
{
	is_str(stderr_of(perror_module),
	       "zcopy: kernel module not loaded (load it with 'insmod zcopy.ko' "
	       "or 'modprobe zcopy')\n", "module-not-loaded message");
	has_str(stderr_of(perror_eperm), "CAP_PERFMON", "EPERM names the capability");
	has_str(stderr_of(perror_eperm), "needs admin", "EPERM keeps the kernel message");
	is_str(stderr_of(perror_ext),
	       "zcopy: session-new: pid 99 not found (No such process)\n",
	       "ext-ack message printed");
}

/* On this host the family is absent: the client must say so. */
static void test_open(void)
{
	struct zc_nl nl;
	int err = zc_nl_open(&nl);

	if (err == 0) {
		skip("the zcopy family is loaded here");
		zc_nl_close(&nl);
	} else if (err == -ENOENT) {
		ok(1, "zc_nl_open: family not found is -ENOENT");
	} else {
		skip("no generic netlink here");
	}
}

/*
 * The request path against a real family: nlctrl has none of our commands,
 * so each request must come back with the kernel's error, in sequence.
 */
static void test_roundtrip(void)
{
	struct zc_session_list l = { 0 };
	struct zc_info i = { 0 };
	struct zc_nl nl;
	int k;

	if (zc_nl_open_family(&nl, "nlctrl")) {
		skip("no generic netlink here");
		return;
	}
	for (k = 0; k < 2; k++) {
		is_int(zc_nl_stats(&nl, &i), -EOPNOTSUPP, "do: kernel error returned");
		is_int(zc_nl_session_dump(&nl, &l), -EOPNOTSUPP, "dump: kernel error");
		is_int(zc_nl_reset(&nl, 3), -EOPNOTSUPP, "ack-only request: error");
		is_int(nl.err, -EOPNOTSUPP, "last error kept");
	}
	is_int(zc_nl_session_new(&nl, 1, 0, 0, NULL, 0, &i), -EINVAL,
	       "GETFAMILY without a name: -EINVAL, in sequence");
	is_int(l.n, 0, "nothing parsed");
	zc_info_free(&i);
	zc_session_list_free(&l);
	zc_nl_close(&nl);
}

static void count_event(const struct zc_info *ev, void *arg)
{
	(void)ev;
	(*(unsigned int *)arg)++;
}

/*
 * The event reader must survive a receive-buffer overrun. Without the
 * module, overrun an rtnetlink socket with link events in a private
 * namespace: the reader reports -ENOBUFS once, then reads on.
 */
static void test_enobufs(void)
{
	struct zc_nl nl = { 0 };
	unsigned int n = 0, overruns = 0, reads = 0;
	int r;

	if (private_netns()) {
		skip("no private network namespace for the overrun test");
		return;
	}
	nl.sk = nl_socket_alloc();
	if (nl_connect(nl.sk, NETLINK_ROUTE) ||
	    nl_socket_add_membership(nl.sk, RTNLGRP_LINK)) {
		skip("no rtnetlink");
		zc_nl_close(&nl);
		return;
	}
	nl_socket_disable_seq_check(nl.sk);
	nl_socket_set_nonblocking(nl.sk);
	nl_socket_set_buffer_size(nl.sk, 1, 0);	/* the kernel's minimum */
	if (system("for i in 1 2 3 4 5 6 7 8; do ip link add zco$i type veth "
		   "peer name zcp$i || exit 1; done 2>/dev/null")) {
		skip("cannot create veth pairs");
		zc_nl_close(&nl);
		return;
	}
	do {
		r = zc_nl_events_read(&nl, count_event, &n);
		overruns += r == -ENOBUFS;
		reads += r > 0;
	} while (r > 0 || r == -ENOBUFS);
	is_int(overruns, 1, "overrun reported once as -ENOBUFS");
	ok(reads > 0, "events read after the overrun too (%u reads)", reads);
	is_int(r, -EAGAIN, "then the queue is empty, the socket still usable");
	zc_nl_close(&nl);
}

int main(void)
{
	test_session();
	test_probe_dump();
	test_stats_and_bounds();
	test_malformed();
	test_ext_ack();
	test_names();
	test_messages();
	test_open();
	test_roundtrip();
	test_enobufs();
	return done_testing();
}
