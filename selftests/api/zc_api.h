/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zcopy family's operations for the API selftests, on top of zc_nl:
 * each returns 0 or the negative errno the kernel answered, with the
 * extack in nl->ext; replies are parsed into plain structs that keep
 * which attributes were present.
 */
#ifndef ZC_API_H
#define ZC_API_H

#include <linux/zcopy.h>

#include "zc_nl.h"

struct zc_ctrs {
	__u64 v[__ZCOPY_COUNTER_MAX];
	unsigned int present;		/* counter attributes seen */
	__u64 mask;			/* which: bit N for counter N */
	unsigned int bad_len;		/* of those, not 8 bytes long */
	unsigned int unknown;		/* attributes of no known counter */
};

struct zc_stats {
	bool has[ZCOPY_A_MAX + 1];
	__u32 version;
	__u8 armed;
	__u32 sessions;
	__u32 max_sessions;
	__u32 followed;
	struct zc_ctrs ctr;
	unsigned int nsites;
	unsigned int ndevices;
};

struct zc_sess {
	bool has[ZCOPY_A_MAX + 1];
	__u32 id;
	__u32 pid;
	__u32 flags;
	__u32 sample_ms;
	__u32 owner_pid;
	__u32 followed;
	unsigned int ndevices;
	__u32 end_reason;
	__u64 elapsed_ns;
	unsigned int ndevfilter;
	char devfilter[ZCOPY_MAX_DEVFILTER + 4][32];
	struct zc_ctrs ctr;
	__u8 cmd;			/* genlmsghdr.cmd of the message */
};

struct zc_probe {
	bool has[ZCOPY_A_PROBE_MAX + 1];
	char name[64];
	__u32 type;
	__u32 state;
	__u64 hits;
	__u64 missed;
	char reason[128];
};

#define ZC_MAX_PROBES	64

int zc_parse_ctrs(const struct nlattr *nest, struct zc_ctrs *c);
int zc_parse_stats(const struct nlmsghdr *nlh, struct zc_stats *st);
int zc_parse_sess(const struct nlmsghdr *nlh, struct zc_sess *s);
int zc_sess_cb(const struct nlmsghdr *nlh, void *arg);

int zc_stats_get(struct zc_nl *nl, struct zc_stats *st);
int zc_session_new(struct zc_nl *nl, __u32 pid, __u32 flags, __u32 sample_ms,
		   struct zc_sess *out);
int zc_session_get(struct zc_nl *nl, __u32 id, struct zc_sess *out);
int zc_session_dump(struct zc_nl *nl, struct zc_sess *out, int max);
int zc_session_del(struct zc_nl *nl, __u32 id);
int zc_reset(struct zc_nl *nl, __u32 id);
int zc_probe_dump(struct zc_nl *nl, struct zc_probe *out, int max);

int zc_wait_session_gone(struct zc_nl *nl, __u32 id, int timeout_ms);
int zc_wait_no_session(struct zc_nl *nl, int timeout_ms);
int zc_wait_disarmed(struct zc_nl *nl, int timeout_ms);

const char *zc_counter_name(unsigned int i);
const char *zc_errname(int err);

#endif /* ZC_API_H */
