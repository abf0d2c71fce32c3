/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the zcopy API selftests: no libnl, so that a
 * test can build any message, malformed ones included, and see exactly
 * what the kernel answers (errno, extack message, offset, missing type).
 */
#ifndef ZC_NL_H
#define ZC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif

#define ZC_MSG_MAX	(64 * 1024)
#define ZC_NEST_MAX	8

/* What the kernel's error or done message carried. */
struct zc_ext {
	int err;			/* 0 or a negative errno */
	char msg[256];			/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_off;
	__u32 off;			/* NLMSGERR_ATTR_OFFS */
	bool has_miss_type;
	__u32 miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
	bool has_miss_nest;
	__u32 miss_nest;		/* NLMSGERR_ATTR_MISS_NEST */
};

struct zc_nl {
	int fd;
	__u32 portid;
	__u32 seq;
	__u16 family;			/* 0 until resolved */
	__u32 version;
	__u32 events_grp;		/* multicast id of "events", 0 if none */
	struct zc_ext ext;		/* of the last request */
	int timeout_ms;
	char *rbuf;			/* receive buffer, ZC_NL_RBUF bytes */
};

#define ZC_NL_RBUF	(128 * 1024)

/* A message under construction; attribute offsets count from nlmsghdr. */
struct zc_msg {
	size_t len;
	unsigned int depth;
	size_t nest[ZC_NEST_MAX];
	bool raw_len;			/* keep nlh.nlmsg_len as set */
	union {
		struct nlmsghdr nlh;
		char buf[ZC_MSG_MAX];
	};
};

/* Received messages, copied back to back (NLMSG_ALIGN'ed). */
struct zc_reply {
	unsigned int count;
	size_t len;
	char buf[256 * 1024];
};

typedef int (*zc_nl_cb)(const struct nlmsghdr *nlh, void *arg);

int zc_nl_open_raw(struct zc_nl *nl);
int zc_nl_open_portid(struct zc_nl *nl, __u32 portid);
int zc_nl_open(struct zc_nl *nl);
int zc_nl_resolve(struct zc_nl *nl, const char *name);
void zc_nl_close(struct zc_nl *nl);
int zc_nl_set_timeout(struct zc_nl *nl, int ms);
int zc_nl_join(struct zc_nl *nl, __u32 grp);

void zc_msg_init(struct zc_msg *m, __u16 type, __u16 flags, __u8 cmd,
		 __u8 version);
void zc_msg_genl(struct zc_msg *m, const struct zc_nl *nl, __u8 cmd,
		 __u16 flags);
size_t zc_msg_put(struct zc_msg *m, __u16 type, const void *data,
		  size_t len);
size_t zc_msg_put_u8(struct zc_msg *m, __u16 type, __u8 v);
size_t zc_msg_put_u32(struct zc_msg *m, __u16 type, __u32 v);
size_t zc_msg_put_u64(struct zc_msg *m, __u16 type, __u64 v);
size_t zc_msg_put_str(struct zc_msg *m, __u16 type, const char *s);
size_t zc_msg_nest_start(struct zc_msg *m, __u16 type);
void zc_msg_nest_end(struct zc_msg *m);
void zc_msg_raw(struct zc_msg *m, const void *data, size_t len);

int zc_nl_send(struct zc_nl *nl, struct zc_msg *m);
int zc_nl_send_buf(struct zc_nl *nl, const void *buf, size_t len);
int zc_nl_recv(struct zc_nl *nl, __u32 seq, zc_nl_cb cb, void *arg);
int zc_nl_request(struct zc_nl *nl, struct zc_msg *m, zc_nl_cb cb,
		  void *arg);
int zc_nl_recv_ntf(struct zc_nl *nl, void *buf, size_t len, int timeout_ms);

struct zc_reply *zc_reply_new(void);
int zc_reply_cb(const struct nlmsghdr *nlh, void *arg);

/* Attributes. */
const struct nlattr *zc_genl_attrs(const struct nlmsghdr *nlh, int *len);
int zc_attr_parse(const struct nlattr **tb, int max, const struct nlattr *head,
		  int len);
int zc_attr_parse_nest(const struct nlattr **tb, int max,
		       const struct nlattr *nest);

static inline int zc_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline int zc_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline const void *zc_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

#define zc_attr_for_each(a, head, len, rem)				\
	for ((a) = (head), (rem) = (len);				\
	     (rem) >= (int)sizeof(struct nlattr) &&			\
	     (a)->nla_len >= sizeof(struct nlattr) &&			\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

__u8 zc_attr_u8(const struct nlattr *a);
__u32 zc_attr_u32(const struct nlattr *a);
__u64 zc_attr_u64(const struct nlattr *a);
const char *zc_attr_str(const struct nlattr *a);

#endif /* ZC_NL_H */
