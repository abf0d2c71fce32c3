// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink for the zcopy API selftests (see zc_nl.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zc_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

int zc_nl_open_raw(struct zc_nl *nl)
{
	return zc_nl_open_portid(nl, 0);
}

/* A socket bound to port id @portid (0: the kernel picks one). */
int zc_nl_open_portid(struct zc_nl *nl, __u32 portid)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_pid = portid,
	};
	socklen_t salen = sizeof(sa);
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
	nl->rbuf = malloc(ZC_NL_RBUF);
	if (!nl->rbuf)
		return -ENOMEM;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		goto err;
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen))
		goto err;
	nl->portid = sa.nl_pid;
	nl->seq = (__u32)getpid() << 8;
	return zc_nl_set_timeout(nl, 5000);

err:
	{
		int err = -errno;

		zc_nl_close(nl);
		return err;
	}
}

int zc_nl_open(struct zc_nl *nl)
{
	int err = zc_nl_open_raw(nl);

	if (err)
		return err;
	err = zc_nl_resolve(nl, "zcopy");
	if (err)
		zc_nl_close(nl);
	return err;
}

void zc_nl_close(struct zc_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->rbuf);
	nl->rbuf = NULL;
}

int zc_nl_set_timeout(struct zc_nl *nl, int ms)
{
	struct timeval tv = {
		.tv_sec = ms / 1000,
		.tv_usec = (ms % 1000) * 1000,
	};

	nl->timeout_ms = ms;
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int zc_nl_join(struct zc_nl *nl, __u32 grp)
{
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return -errno;
	return 0;
}

/* ---- building messages ---- */

void zc_msg_init(struct zc_msg *m, __u16 type, __u16 flags, __u8 cmd,
		 __u8 version)
{
	struct genlmsghdr *g;

	m->depth = 0;
	m->raw_len = false;
	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* A request of the resolved family, with NLM_F_REQUEST | NLM_F_ACK. */
void zc_msg_genl(struct zc_msg *m, const struct zc_nl *nl, __u8 cmd,
		 __u16 flags)
{
	zc_msg_init(m, nl->family, NLM_F_REQUEST | NLM_F_ACK | flags, cmd,
		    nl->version ? nl->version : 1);
}

/* Append an attribute; returns its offset, or 0 if it does not fit. */
size_t zc_msg_put(struct zc_msg *m, __u16 type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(m->len);
	struct nlattr *a;

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf) ||
	    NLA_HDRLEN + len > 0xffff)
		return 0;
	memset(m->buf + m->len, 0, off - m->len);
	a = (struct nlattr *)(m->buf + off);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->buf + off + NLA_HDRLEN, data, len);
	memset(m->buf + off + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len = off + NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

size_t zc_msg_put_u8(struct zc_msg *m, __u16 type, __u8 v)
{
	return zc_msg_put(m, type, &v, sizeof(v));
}

size_t zc_msg_put_u32(struct zc_msg *m, __u16 type, __u32 v)
{
	return zc_msg_put(m, type, &v, sizeof(v));
}

size_t zc_msg_put_u64(struct zc_msg *m, __u16 type, __u64 v)
{
	return zc_msg_put(m, type, &v, sizeof(v));
}

size_t zc_msg_put_str(struct zc_msg *m, __u16 type, const char *s)
{
	return zc_msg_put(m, type, s, strlen(s) + 1);
}

size_t zc_msg_nest_start(struct zc_msg *m, __u16 type)
{
	size_t off = zc_msg_put(m, type | NLA_F_NESTED, NULL, 0);

	if (off && m->depth < ZC_NEST_MAX)
		m->nest[m->depth++] = off;
	return off;
}

void zc_msg_nest_end(struct zc_msg *m)
{
	struct nlattr *a;

	if (!m->depth)
		return;
	a = (struct nlattr *)(m->buf + m->nest[--m->depth]);
	a->nla_len = m->len - m->nest[m->depth];
}

/* Append bytes as they are: no header, no alignment. */
void zc_msg_raw(struct zc_msg *m, const void *data, size_t len)
{
	if (m->len + len > sizeof(m->buf))
		len = sizeof(m->buf) - m->len;
	memcpy(m->buf + m->len, data, len);
	m->len += len;
}

/* ---- sending and receiving ---- */

int zc_nl_send_buf(struct zc_nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(nl->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EMSGSIZE;
}

/* Send @m with the next sequence number (left in m->nlh.nlmsg_seq). */
int zc_nl_send(struct zc_nl *nl, struct zc_msg *m)
{
	if (!m->raw_len)
		m->nlh.nlmsg_len = m->len;
	m->nlh.nlmsg_seq = ++nl->seq;
	m->nlh.nlmsg_pid = 0;
	return zc_nl_send_buf(nl, m->buf, m->len);
}

static void zc_ext_parse(struct zc_ext *ext, const struct nlattr *head,
			 int len)
{
	const struct nlattr *a;
	int rem;

	zc_attr_for_each(a, head, len, rem) {
		switch (zc_attr_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (zc_attr_len(a) > 0) {
				size_t n = zc_attr_len(a);

				if (n >= sizeof(ext->msg))
					n = sizeof(ext->msg) - 1;
				memcpy(ext->msg, zc_attr_data(a), n);
				ext->msg[n] = '\0';
			}
			break;
		case NLMSGERR_ATTR_OFFS:
			ext->has_off = zc_attr_len(a) == 4;
			ext->off = zc_attr_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			ext->has_miss_type = zc_attr_len(a) == 4;
			ext->miss_type = zc_attr_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			ext->has_miss_nest = zc_attr_len(a) == 4;
			ext->miss_nest = zc_attr_u32(a);
			break;
		}
	}
}

/* An NLMSG_ERROR or NLMSG_DONE message: fill nl->ext, return its error. */
static int zc_nl_final(struct zc_nl *nl, const struct nlmsghdr *nlh)
{
	const char *data = NLMSG_DATA(nlh);
	int plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	int tlv = 0, err;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = (const void *)data;

		if (plen < (int)sizeof(*e))
			return -EBADMSG;
		err = e->error;
		tlv = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			tlv += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	} else {
		if (plen < (int)sizeof(int))
			return -EBADMSG;
		memcpy(&err, data, sizeof(err));
		tlv = sizeof(int);
	}
	if (err > 0)
		return -EBADMSG;	/* never a positive error */
	nl->ext.err = err;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS && plen > tlv)
		zc_ext_parse(&nl->ext, (const void *)(data + tlv), plen - tlv);
	return err;
}

/*
 * Receive the answer to request @seq: messages go to @cb (if any) until an
 * NLMSG_ERROR or NLMSG_DONE ends it. Messages of other sequence numbers
 * (notifications) are dropped. Returns the error the kernel reported, a
 * negative errno of recv(), -ETIMEDOUT, or -EBADMSG for a malformed answer.
 */
int zc_nl_recv(struct zc_nl *nl, __u32 seq, zc_nl_cb cb, void *arg)
{
	memset(&nl->ext, 0, sizeof(nl->ext));
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int rem;

		n = recv(nl->fd, nl->rbuf, ZC_NL_RBUF, 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		nlh = (const struct nlmsghdr *)nl->rbuf;
		for (rem = n; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
			int err;

			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE)
				return zc_nl_final(nl, nlh);
			if (cb) {
				err = cb(nlh, arg);
				if (err)
					return err;
			}
		}
		if (rem)
			return -EBADMSG;
	}
}

int zc_nl_request(struct zc_nl *nl, struct zc_msg *m, zc_nl_cb cb, void *arg)
{
	int err = zc_nl_send(nl, m);

	if (err)
		return err;
	return zc_nl_recv(nl, m->nlh.nlmsg_seq, cb, arg);
}

/*
 * One datagram from a listener (notifications), within @timeout_ms.
 * Returns its length, -ETIMEDOUT, or -errno (-ENOBUFS after an overrun).
 */
int zc_nl_recv_ntf(struct zc_nl *nl, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	ssize_t n;
	int r;

	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	n = recv(nl->fd, buf, len, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return n;
}

struct zc_reply *zc_reply_new(void)
{
	return calloc(1, sizeof(struct zc_reply));
}

/* A zc_nl_cb that copies every message into a struct zc_reply. */
int zc_reply_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct zc_reply *r = arg;
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (r->len + len > sizeof(r->buf))
		return -ENOBUFS;
	memcpy(r->buf + r->len, nlh, nlh->nlmsg_len);
	r->len += len;
	r->count++;
	return 0;
}

/* ---- the controller: family id, version, multicast groups ---- */

struct zc_family_info {
	struct zc_nl *nl;
	bool found;
};

static int zc_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct zc_family_info *fi = arg;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *head, *grp;
	int len, rem;

	head = zc_genl_attrs(nlh, &len);
	if (!head || zc_attr_parse(tb, CTRL_ATTR_MAX, head, len) < 0)
		return -EBADMSG;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;
	fi->nl->family = *(const __u16 *)zc_attr_data(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		fi->nl->version = zc_attr_u32(tb[CTRL_ATTR_VERSION]);
	fi->nl->events_grp = 0;
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		zc_attr_for_each(grp, zc_attr_data(tb[CTRL_ATTR_MCAST_GROUPS]),
				 zc_attr_len(tb[CTRL_ATTR_MCAST_GROUPS]), rem) {
			const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
			const char *name;

			if (zc_attr_parse_nest(g, CTRL_ATTR_MCAST_GRP_MAX,
					       grp) < 0 ||
			    !g[CTRL_ATTR_MCAST_GRP_NAME] ||
			    !g[CTRL_ATTR_MCAST_GRP_ID])
				continue;
			name = zc_attr_str(g[CTRL_ATTR_MCAST_GRP_NAME]);
			if (name && !strcmp(name, "events"))
				fi->nl->events_grp =
					zc_attr_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
		}
	}
	fi->found = true;
	return 0;
}

int zc_nl_resolve(struct zc_nl *nl, const char *name)
{
	struct zc_family_info fi = { .nl = nl };
	struct zc_msg *m;
	int err;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	zc_msg_init(m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
		    CTRL_CMD_GETFAMILY, 1);
	zc_msg_put_str(m, CTRL_ATTR_FAMILY_NAME, name);
	nl->family = 0;
	err = zc_nl_request(nl, m, zc_family_cb, &fi);
	free(m);
	if (!err && !fi.found)
		err = -ENOENT;
	return err;
}

/* ---- attributes ---- */

const struct nlattr *zc_genl_attrs(const struct nlmsghdr *nlh, int *len)
{
	int hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	if (nlh->nlmsg_len < (__u32)hdr)
		return NULL;
	*len = nlh->nlmsg_len - hdr;
	return (const struct nlattr *)((const char *)nlh + hdr);
}

/*
 * Index the attributes of a stream by type (the last one of a type wins).
 * Returns the number of attributes, or -EBADMSG if the stream does not
 * end exactly at @len.
 */
int zc_attr_parse(const struct nlattr **tb, int max, const struct nlattr *head,
		  int len)
{
	const struct nlattr *a;
	int rem, n = 0;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	zc_attr_for_each(a, head, len, rem) {
		if (zc_attr_type(a) <= max)
			tb[zc_attr_type(a)] = a;
		n++;
	}
	return rem > 0 ? -EBADMSG : n;
}

int zc_attr_parse_nest(const struct nlattr **tb, int max,
		       const struct nlattr *nest)
{
	return zc_attr_parse(tb, max, zc_attr_data(nest), zc_attr_len(nest));
}

__u8 zc_attr_u8(const struct nlattr *a)
{
	return zc_attr_len(a) >= 1 ? *(const __u8 *)zc_attr_data(a) : 0;
}

__u32 zc_attr_u32(const struct nlattr *a)
{
	__u32 v = 0;

	if (zc_attr_len(a) >= (int)sizeof(v))
		memcpy(&v, zc_attr_data(a), sizeof(v));
	return v;
}

__u64 zc_attr_u64(const struct nlattr *a)
{
	__u64 v = 0;

	if (zc_attr_len(a) >= (int)sizeof(v))
		memcpy(&v, zc_attr_data(a), sizeof(v));
	return v;
}

/* The string, or NULL if it is not NUL-terminated within the attribute. */
const char *zc_attr_str(const struct nlattr *a)
{
	int len = zc_attr_len(a);

	if (len < 1 || !memchr(zc_attr_data(a), '\0', len))
		return NULL;
	return zc_attr_data(a);
}
