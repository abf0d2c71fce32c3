/* SPDX-License-Identifier: GPL-2.0 */
/* zcopy CLI: generic netlink client of the "zcopy" family (libnl-genl-3). */
#ifndef ZC_NL_H
#define ZC_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/zcopy.h>

#define ZC_NCOUNTERS		(ZCOPY_COUNTER_MAX + 1)
/* Bound on the sites, devices or probes kept from one reply. */
#define ZC_MAX_ENTRIES		1024
#define ZC_MAX_SESSIONS		4096
#define ZC_NAME_LEN		128
#define ZC_SHORT_LEN		64

struct zc_counters {
	uint64_t v[ZC_NCOUNTERS];
	uint64_t present;	/* bit i: counter i was in the nest */
};

struct zc_site {
	char function[ZC_NAME_LEN];
	char primitive[ZC_SHORT_LEN];
	uint32_t kind;		/* enum zcopy_copy_kind */
	uint64_t bytes;
	uint64_t calls;
};

struct zc_device {
	char name[ZC_SHORT_LEN];
	char driver[ZC_SHORT_LEN];
	char label[ZC_SHORT_LEN];
	uint64_t to_dev;
	uint64_t from_dev;
	uint64_t bidi;
	uint64_t maps;
};

struct zc_probe {
	char name[ZC_NAME_LEN];
	uint32_t type;		/* enum zcopy_probe_type */
	uint32_t state;		/* enum zcopy_probe_state */
	uint64_t hits;
	uint64_t missed;
	char reason[ZC_NAME_LEN];
};

/* Everything one message of the family may carry, as plain C. */
struct zc_info {
	uint8_t cmd;
	uint64_t present;	/* bit ZCOPY_A_*: top-level attribute seen */
	uint32_t version, session_id, pid, flags, sample_ms, owner_pid;
	uint32_t end_reason, sessions, max_sessions;
	uint8_t armed;
	uint64_t elapsed_ns;
	char devfilter[ZCOPY_MAX_DEVFILTER][32];
	unsigned int n_devfilter;
	struct zc_counters counters;
	struct zc_site *sites;
	unsigned int n_sites;
	struct zc_device *devs;
	unsigned int n_devs;
	struct zc_probe *probes;
	unsigned int n_probes;
	unsigned int dropped;	/* entries over ZC_MAX_ENTRIES */
};

#define ZC_HAS(info, attr)	(!!((info)->present & (1ull << (attr))))

struct zc_session_list {
	struct zc_info *s;
	unsigned int n;
};

struct nl_sock;

struct zc_nl {
	struct nl_sock *sk;
	int family;
	int err;		/* last kernel error, -errno */
	char ext_msg[256];	/* last extack message, "" if none */
};

/* Parsing (no socket needed); appends multi-attributes to @info. */
int zc_info_parse(struct zc_info *info, const struct nlmsghdr *nlh);
void zc_info_free(struct zc_info *info);
void zc_session_list_free(struct zc_session_list *l);
int zc_parse_ext_ack(const struct nlmsghdr *nlh, char *msg, size_t len);

const char *zc_counter_name(unsigned int idx);
const char *zc_kind_name(uint32_t kind);
const char *zc_probe_type_name(uint32_t type);
const char *zc_probe_state_name(uint32_t state);
const char *zc_end_reason_name(uint32_t reason);

/* Client. Functions return 0 or -errno; -ENOENT: family not found. */
int zc_nl_open(struct zc_nl *nl);
int zc_nl_open_family(struct zc_nl *nl, const char *name);
void zc_nl_close(struct zc_nl *nl);
int zc_nl_fd(const struct zc_nl *nl);
void zc_nl_perror(const struct zc_nl *nl, int err, const char *what);
int zc_nl_open_or_explain(struct zc_nl *nl);

int zc_nl_session_new(struct zc_nl *nl, uint32_t pid, uint32_t flags,
		      uint32_t sample_ms, const char *const *devfilter,
		      unsigned int n_devfilter, struct zc_info *out);
int zc_nl_session_get(struct zc_nl *nl, uint32_t id, struct zc_info *out);
int zc_nl_session_dump(struct zc_nl *nl, struct zc_session_list *out);
int zc_nl_session_del(struct zc_nl *nl, uint32_t id);
int zc_nl_reset(struct zc_nl *nl, uint32_t id);
int zc_nl_stats(struct zc_nl *nl, struct zc_info *out);
int zc_nl_probes(struct zc_nl *nl, struct zc_info *out);

/* Events: a separate, non-blocking socket joined to the "events" group. */
typedef void (*zc_event_fn)(const struct zc_info *ev, void *arg);
int zc_nl_events_open(struct zc_nl *nl);
int zc_nl_events_read(struct zc_nl *nl, zc_event_fn fn, void *arg);

#endif
