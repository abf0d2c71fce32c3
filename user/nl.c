// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: generic netlink client of the "zcopy" family (libnl-genl-3):
 * family resolution, requests, dumps, extended acks, event subscription.
 *
 * Replies are parsed (nl_parse.c) into plain C structs (struct zc_info) so
 * that the rest of the program never touches netlink attributes. Errors carry
 * the kernel's extended ack message when it sent one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "nl.h"
#include "util.h"

/* Client */

static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_EXIST:
		return -EEXIST;
	default:
		return -EIO;
	}
}

int zc_nl_fd(const struct zc_nl *nl)
{
	return nl->sk ? nl_socket_get_fd(nl->sk) : -1;
}

static void enable_ext_ack(struct nl_sock *sk)
{
	int one = 1, fd = nl_socket_get_fd(sk);

	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

int zc_nl_open(struct zc_nl *nl)
{
	return zc_nl_open_family(nl, ZCOPY_FAMILY_NAME);
}

/* Open a client of the generic netlink family @name (tests use others). */
int zc_nl_open_family(struct zc_nl *nl, const char *name)
{
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	err = genl_connect(nl->sk);
	if (err) {
		zc_nl_close(nl);
		return nle_to_errno(err) == -EIO ? -EPROTONOSUPPORT : nle_to_errno(err);
	}
	enable_ext_ack(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, name);
	if (nl->family < 0) {
		err = nle_to_errno(nl->family);
		zc_nl_close(nl);
		return err;
	}
	return 0;
}

void zc_nl_close(struct zc_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}



struct req_ctx {
	struct zc_nl *nl;
	int (*parse)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;
	bool done;
};

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct req_ctx *ctx = arg;
	int err;

	if (!ctx->parse)
		return NL_OK;
	err = ctx->parse(nlmsg_hdr(msg), ctx->arg);
	if (err && !ctx->err)
		ctx->err = err;
	return NL_OK;
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct req_ctx *ctx = arg;

	(void)nla;
	ctx->err = zc_parse_ext_ack(nlh, ctx->nl->ext_msg, sizeof(ctx->nl->ext_msg));
	if (!ctx->err)
		ctx->err = -EIO;
	ctx->done = true;
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct req_ctx *ctx = arg;

	(void)msg;
	ctx->done = true;
	return NL_STOP;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct req_ctx *ctx = arg;
	int err;

	err = zc_parse_ext_ack(nlmsg_hdr(msg), ctx->nl->ext_msg,
			       sizeof(ctx->nl->ext_msg));
	if (err < 0 && !ctx->err)
		ctx->err = err;
	ctx->done = true;
	return NL_STOP;
}

typedef int (*put_fn)(struct nl_msg *msg, const void *arg);

static int recv_reply(struct req_ctx *ctx)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret = 0;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, ctx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, ctx);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, ctx);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, ctx);
	while (!ctx->done) {
		ret = nl_recvmsgs(ctx->nl->sk, cb);
		if (ret < 0 && !ctx->err)
			ctx->err = nle_to_errno(ret);
		if (ret < 0)
			break;
	}
	nl_cb_put(cb);
	return ctx->err;
}

static int request(struct zc_nl *nl, uint8_t cmd, int flags, put_fn put,
		   const void *put_arg,
		   int (*parse)(const struct nlmsghdr *, void *), void *arg)
{
	struct req_ctx ctx = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_msg *msg;
	int err;

	nl->err = 0;
	nl->ext_msg[0] = '\0';
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, ZCOPY_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = put ? put(msg, put_arg) : 0;
	if (!err) {
		err = nl_send_auto(nl->sk, msg);
		err = err < 0 ? nle_to_errno(err) : 0;
	}
	nlmsg_free(msg);
	if (!err)
		err = recv_reply(&ctx);
	nl->err = err;
	return err;
}

static int parse_into(const struct nlmsghdr *nlh, void *arg)
{
	return zc_info_parse(arg, nlh);
}

static int put_id(struct nl_msg *msg, const void *arg)
{
	const uint32_t *id = arg;

	if (!*id)
		return 0;
	return nla_put_u32(msg, ZCOPY_A_SESSION_ID, *id) ? -EMSGSIZE : 0;
}

struct new_args {
	uint32_t pid, flags, sample_ms;
	const char *const *devfilter;
	unsigned int n_devfilter;
};

static int put_new(struct nl_msg *msg, const void *arg)
{
	const struct new_args *a = arg;
	unsigned int i;
	int err = 0;

	err |= nla_put_u32(msg, ZCOPY_A_PID, a->pid);
	if (a->flags)
		err |= nla_put_u32(msg, ZCOPY_A_FLAGS, a->flags);
	if (a->sample_ms)
		err |= nla_put_u32(msg, ZCOPY_A_SAMPLE_MS, a->sample_ms);
	for (i = 0; i < a->n_devfilter; i++)
		err |= nla_put_string(msg, ZCOPY_A_DEVFILTER, a->devfilter[i]);
	return err ? -EMSGSIZE : 0;
}

int zc_nl_session_new(struct zc_nl *nl, uint32_t pid, uint32_t flags,
		      uint32_t sample_ms, const char *const *devfilter,
		      unsigned int n_devfilter, struct zc_info *out)
{
	struct new_args a = { pid, flags, sample_ms, devfilter, n_devfilter };
	int err;

	err = request(nl, ZCOPY_CMD_SESSION_NEW, 0, put_new, &a, parse_into, out);
	if (!err && !out->session_id)
		err = -EPROTO;	/* the reply must name the session */
	return err;
}

int zc_nl_session_get(struct zc_nl *nl, uint32_t id, struct zc_info *out)
{
	return request(nl, ZCOPY_CMD_SESSION_GET, 0, put_id, &id, parse_into, out);
}

static int parse_append(const struct nlmsghdr *nlh, void *arg)
{
	struct zc_session_list *l = arg;
	struct zc_info *n;

	if (l->n >= ZC_MAX_SESSIONS)
		return 0;
	n = realloc(l->s, sizeof(*n) * (l->n + 1));
	if (!n)
		return -ENOMEM;
	l->s = n;
	memset(&l->s[l->n], 0, sizeof(*n));
	return zc_info_parse(&l->s[l->n++], nlh);
}

int zc_nl_session_dump(struct zc_nl *nl, struct zc_session_list *out)
{
	return request(nl, ZCOPY_CMD_SESSION_GET, NLM_F_DUMP, NULL, NULL,
		       parse_append, out);
}

int zc_nl_session_del(struct zc_nl *nl, uint32_t id)
{
	return request(nl, ZCOPY_CMD_SESSION_DEL, 0, put_id, &id, NULL, NULL);
}

int zc_nl_reset(struct zc_nl *nl, uint32_t id)
{
	return request(nl, ZCOPY_CMD_RESET, 0, put_id, &id, NULL, NULL);
}

int zc_nl_stats(struct zc_nl *nl, struct zc_info *out)
{
	return request(nl, ZCOPY_CMD_STATS_GET, 0, NULL, NULL, parse_into, out);
}

int zc_nl_probes(struct zc_nl *nl, struct zc_info *out)
{
	return request(nl, ZCOPY_CMD_PROBE_GET, NLM_F_DUMP, NULL, NULL,
		       parse_into, out);
}

/* Events */

int zc_nl_events_open(struct zc_nl *nl)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(nl->sk, ZCOPY_FAMILY_NAME, ZCOPY_MCGRP_EVENTS);
	if (grp < 0)
		return nle_to_errno(grp);
	nl_socket_disable_seq_check(nl->sk);
	err = nl_socket_add_membership(nl->sk, grp);
	if (err)
		return errno == EPERM || errno == EACCES ? -errno : nle_to_errno(err);
	nl_socket_set_buffer_size(nl->sk, 4 << 20, 0);
	err = nl_socket_set_nonblocking(nl->sk);
	return err ? nle_to_errno(err) : 0;
}

struct ev_ctx {
	zc_event_fn fn;
	void *arg;
	unsigned int n;
};

static int cb_event(struct nl_msg *msg, void *arg)
{
	struct ev_ctx *ctx = arg;
	struct zc_info ev = { 0 };

	if (!zc_info_parse(&ev, nlmsg_hdr(msg))) {
		ctx->fn(&ev, ctx->arg);
		ctx->n++;
	}
	zc_info_free(&ev);
	return NL_OK;
}

static int cb_no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/*
 * Read what is queued on the event socket. Returns the number of events,
 * -EAGAIN when none was queued, or -ENOBUFS when the kernel dropped events
 * because the receive buffer overflowed (the socket stays usable).
 */
int zc_nl_events_read(struct zc_nl *nl, zc_event_fn fn, void *arg)
{
	struct ev_ctx ctx = { .fn = fn, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_event, &ctx);
	/* Notifications carry sequence number 0: no check on this cb. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, cb_no_seq_check, NULL);
	errno = 0;
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (ret == -NLE_NOMEM && errno == ENOBUFS)
		return -ENOBUFS;
	if (ret < 0)
		return nle_to_errno(ret);
	return ctx.n ? (int)ctx.n : -EAGAIN;
}
