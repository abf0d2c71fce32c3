// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: a NIC's scatter-gather through ethtool's generic netlink
 * family: ETHTOOL_MSG_FEATURES_GET and _SET, the interface ethtool(8)
 * itself uses where the kernel has it. "sg" is two features, as for
 * "ethtool -K DEV sg" and ETHTOOL_SSG: tx-scatter-gather and
 * tx-scatter-gather-fraglist (a device without the second ignores it);
 * it reads on when either is on, as ETHTOOL_GSG does.
 */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <linux/ethtool_netlink.h>

#include "ethnl.h"

/* What ethtool's "sg" and the ioctl's ETHTOOL_[GS]SG stand for. */
static const char *const sg_features[] = {
	"tx-scatter-gather", "tx-scatter-gather-fraglist",
};

struct ethnl {
	struct nl_sock *sk;
	int family;
};

struct reply {
	int err;		/* from the kernel's NLMSG_ERROR */
	bool done;
	bool got;		/* a FEATURES_GET reply was parsed */
	bool on;
};

static int open_ethnl(struct ethnl *e)
{
	e->sk = nl_socket_alloc();
	if (!e->sk)
		return -ENOMEM;
	if (genl_connect(e->sk)) {
		nl_socket_free(e->sk);
		return -EPROTONOSUPPORT;
	}
	e->family = genl_ctrl_resolve(e->sk, ETHTOOL_GENL_NAME);
	if (e->family < 0) {
		nl_socket_free(e->sk);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Is the feature named in the (verbose, list form) bitset @bs? */
static bool bitset_has(struct nlattr *bs, const char *name)
{
	struct nlattr *bits, *bit, *a;
	int rem, rem2, rem3;

	nla_for_each_nested(bits, bs, rem) {
		if (nla_type(bits) != ETHTOOL_A_BITSET_BITS)
			continue;
		nla_for_each_nested(bit, bits, rem2) {
			struct nlattr *tb[ETHTOOL_A_BITSET_BIT_MAX + 1] = { 0 };

			nla_for_each_nested(a, bit, rem3) {
				if (nla_type(a) <= ETHTOOL_A_BITSET_BIT_MAX)
					tb[nla_type(a)] = a;
			}
			if (tb[ETHTOOL_A_BITSET_BIT_NAME] &&
			    !strcmp(nla_get_string(tb[ETHTOOL_A_BITSET_BIT_NAME]), name))
				return true;
		}
	}
	return false;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1];
	struct reply *r = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_FEATURES_MAX, NULL))
		return NL_OK;
	if (tb[ETHTOOL_A_FEATURES_ACTIVE]) {
		r->on = bitset_has(tb[ETHTOOL_A_FEATURES_ACTIVE], sg_features[0]) ||
			bitset_has(tb[ETHTOOL_A_FEATURES_ACTIVE], sg_features[1]);
		r->got = true;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct reply *r = arg;

	(void)nla;
	r->err = e->error ? e->error : -EIO;
	r->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

static int put_header(struct nl_msg *msg, const char *ifname, uint32_t flags)
{
	struct nlattr *h = nla_nest_start(msg, ETHTOOL_A_FEATURES_HEADER);

	if (!h || nla_put_string(msg, ETHTOOL_A_HEADER_DEV_NAME, ifname) ||
	    (flags && nla_put_u32(msg, ETHTOOL_A_HEADER_FLAGS, flags)))
		return -EMSGSIZE;
	nla_nest_end(msg, h);
	return 0;
}

/* WANTED: change only the SG features (no NOMASK: a list of changes). */
static int put_wanted(struct nl_msg *msg, bool on)
{
	struct nlattr *ws, *bits, *bit;
	unsigned int i;

	ws = nla_nest_start(msg, ETHTOOL_A_FEATURES_WANTED);
	bits = ws ? nla_nest_start(msg, ETHTOOL_A_BITSET_BITS) : NULL;
	if (!bits)
		return -EMSGSIZE;
	for (i = 0; i < sizeof(sg_features) / sizeof(sg_features[0]); i++) {
		bit = nla_nest_start(msg, ETHTOOL_A_BITSET_BITS_BIT);
		if (!bit ||
		    nla_put_string(msg, ETHTOOL_A_BITSET_BIT_NAME, sg_features[i]) ||
		    (on && nla_put_flag(msg, ETHTOOL_A_BITSET_BIT_VALUE)))
			return -EMSGSIZE;
		nla_nest_end(msg, bit);
	}
	nla_nest_end(msg, bits);
	nla_nest_end(msg, ws);
	return 0;
}

static int transact(struct ethnl *e, uint8_t cmd, const char *ifname, int set,
		    struct reply *r)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = -ENOMEM;

	if (!msg || !cb)
		goto out;
	err = -EMSGSIZE;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, e->family, 0,
			 NLM_F_REQUEST | NLM_F_ACK, cmd, ETHTOOL_GENL_VERSION) ||
	    put_header(msg, ifname, set >= 0 ? ETHTOOL_FLAG_OMIT_REPLY : 0) ||
	    (set >= 0 && put_wanted(msg, set)))
		goto out;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	err = nl_send_auto(e->sk, msg) < 0 ? -EIO : 0;
	while (!err && !r->done)
		if (nl_recvmsgs(e->sk, cb) < 0 && !r->done)
			err = r->err ? r->err : -EIO;
	if (!err)
		err = r->err;
out:
	nlmsg_free(msg);
	nl_cb_put(cb);
	return err;
}

int zc_ethnl_sg_get(const char *ifname, bool *on)
{
	struct reply r = { 0 };
	struct ethnl e;
	int err;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	err = open_ethnl(&e);
	if (err)
		return err;
	err = transact(&e, ETHTOOL_MSG_FEATURES_GET, ifname, -1, &r);
	nl_socket_free(e.sk);
	if (!err && !r.got)
		err = -EIO;
	if (!err)
		*on = r.on;
	return err;
}

/* Set, then read back: a driver may refuse, or a feature be fixed. */
int zc_ethnl_sg_set(const char *ifname, bool on)
{
	struct reply r = { 0 };
	struct ethnl e;
	bool now = !on;
	int err, err2;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	err = open_ethnl(&e);
	if (err)
		return err;
	err = transact(&e, ETHTOOL_MSG_FEATURES_SET, ifname, on, &r);
	nl_socket_free(e.sk);
	if (err == -ENODEV || err == -EPERM || err == -EPROTONOSUPPORT)
		return err;
	err2 = zc_ethnl_sg_get(ifname, &now);
	if (err2)
		return err2;
	return now == on ? 0 : -EOPNOTSUPP;
}
