// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: the "zcopy" generic netlink family.
 *
 * Documentation/netlink/specs/zcopy.yaml describes it; the request
 * policies are generated from it (zcopy_nl_gen.c).
 */
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "zcopy.h"
#include "zcopy_nl_gen.h"

/* Counter n is attribute n + 2 of the counters nest (1 is the pad). */
static_assert(ZCOPY_A_COUNTERS_COPY_U2K_BYTES - ZCOPY_COUNTER_COPY_U2K_BYTES == 2);
static_assert(ZCOPY_A_COUNTERS_MAX - ZC_NR_COUNTERS == 1);

enum {
	ZC_NL_MCGRP_EVENTS,
};

static const struct genl_multicast_group zc_nl_mcgrps[] = {
	[ZC_NL_MCGRP_EVENTS] = {
		.name = ZCOPY_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * Operations without request attributes reject any. Genetlink parses the
 * attributes only for a maxattr above zero: the policy covers type 1, and
 * strict parsing refuses every other type as unknown.
 */
static const struct nla_policy zc_nl_no_attrs_policy[ZCOPY_A_PAD + 1] = {
	[ZCOPY_A_PAD] = { .type = NLA_REJECT },
};

static struct genl_family zc_nl_family;
static bool zc_nl_registered;

/*
 * The largest the attributes of a reply can grow: every counter, and
 * every site and device the tables can hold. (A primitive's name is a
 * hooked function's, shorter than a site's.)
 */
#define ZC_NL_U64_SIZE	nla_total_size_64bit(sizeof(u64))
#define ZC_NL_SITE_SIZE	(nla_total_size(0) +				\
			 2 * nla_total_size(ZC_SITE_NAME_LEN) +		\
			 nla_total_size(sizeof(u32)) + 2 * ZC_NL_U64_SIZE)
#define ZC_NL_DEV_SIZE	(nla_total_size(0) +				\
			 3 * nla_total_size(ZC_DEV_NAME_LEN) +		\
			 4 * ZC_NL_U64_SIZE)
#define ZC_NL_TOTALS_SIZE						\
	(nla_total_size(0) + ZC_NR_COUNTERS * ZC_NL_U64_SIZE +		\
	 ZC_MAX_SITES * ZC_NL_SITE_SIZE + ZC_MAX_DEVS * ZC_NL_DEV_SIZE)
#define ZC_NL_STATS_SIZE						\
	(4 * nla_total_size(sizeof(u32)) + nla_total_size(sizeof(u8)) +	\
	 ZC_NL_TOTALS_SIZE)
#define ZC_NL_SESSION_SIZE						\
	(6 * nla_total_size(sizeof(u32)) + ZC_NL_U64_SIZE +		\
	 ZCOPY_MAX_DEVFILTER * nla_total_size(ZC_DEVFILTER_LEN) +	\
	 ZC_NL_TOTALS_SIZE)

static int zc_nl_put_counters(struct sk_buff *skb, const struct zc_pcpu *t)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, ZCOPY_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	/* A counter no probe can feed on this kernel is absent, not 0. */
	for (i = 0; i < ZC_NR_COUNTERS; i++)
		if (zc_counter_measured(i) &&
		    nla_put_u64_64bit(skb, ZCOPY_A_COUNTERS_COPY_U2K_BYTES + i,
				      t->ctr[i], ZCOPY_A_COUNTERS_PAD))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int zc_nl_put_site(struct sk_buff *skb, unsigned int id,
			  const struct zc_pcpu *t)
{
	const struct zc_site *site = zc_site(id);
	struct nlattr *nest;

	nest = nla_nest_start(skb, ZCOPY_A_SITE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, ZCOPY_A_SITE_FUNCTION, site->func) ||
	    nla_put_string(skb, ZCOPY_A_SITE_PRIMITIVE,
			   zc_prim_name(site->prim)) ||
	    nla_put_u32(skb, ZCOPY_A_SITE_KIND, site->kind) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_SITE_BYTES, t->site_bytes[id],
			      ZCOPY_A_SITE_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_SITE_CALLS, t->site_calls[id],
			      ZCOPY_A_SITE_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int zc_nl_put_dev(struct sk_buff *skb, unsigned int id,
			 const struct zc_pcpu *t)
{
	const struct zc_dev *d = zc_dev(id);
	const u64 *b = t->dev_bytes[id];
	struct nlattr *nest;

	nest = nla_nest_start(skb, ZCOPY_A_DEVICE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, ZCOPY_A_DEVICE_NAME, d->name) ||
	    nla_put_string(skb, ZCOPY_A_DEVICE_DRIVER, d->driver) ||
	    (d->label[0] &&
	     nla_put_string(skb, ZCOPY_A_DEVICE_LABEL, d->label)) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_DEVICE_TO_DEV_BYTES, b[ZC_DMA_TO],
			      ZCOPY_A_DEVICE_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_DEVICE_FROM_DEV_BYTES,
			      b[ZC_DMA_FROM], ZCOPY_A_DEVICE_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_DEVICE_BIDI_BYTES, b[ZC_DMA_BIDI],
			      ZCOPY_A_DEVICE_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_DEVICE_MAPS, t->dev_maps[id],
			      ZCOPY_A_DEVICE_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Counters, and the sites and devices that saw anything; the devices only
 * for a caller with @devs (CAP_PERFMON): their names are the machine's.
 */
static int zc_nl_put_totals(struct sk_buff *skb, struct zc_pcpu *t,
			    bool devs)
{
	unsigned int i, n;

	if (zc_nl_put_counters(skb, t))
		return -EMSGSIZE;
	n = zc_sites_name();
	zc_sites_fold(t, n);
	for (i = 0; i < n; i++)
		if (t->site_calls[i] && zc_nl_put_site(skb, i, t))
			return -EMSGSIZE;
	n = devs ? zc_devs_count() : 0;
	for (i = 0; i < n; i++)
		if (t->dev_maps[i] && zc_nl_put_dev(skb, i, t))
			return -EMSGSIZE;
	return 0;
}

/* Context: under zc_lock. */
static int zc_nl_session_fill(struct sk_buff *skb, struct zc_session *s,
			      u32 portid, u32 seq, int flags, u8 cmd,
			      struct zc_pcpu *t, bool devs)
{
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &zc_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	zc_counters_read(&s->counters, t);
	if (nla_put_u32(skb, ZCOPY_A_SESSION_ID, s->id) ||
	    nla_put_u32(skb, ZCOPY_A_PID, s->pid) ||
	    nla_put_u32(skb, ZCOPY_A_FLAGS, s->flags) ||
	    nla_put_u32(skb, ZCOPY_A_SAMPLE_MS, s->sample_ms) ||
	    nla_put_u32(skb, ZCOPY_A_OWNER_PID, s->owner_pid) ||
	    nla_put_u32(skb, ZCOPY_A_FOLLOWED, READ_ONCE(s->nfollow)) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_ELAPSED_NS,
			      ktime_get_ns() - s->start_ns, ZCOPY_A_PAD))
		goto err_cancel;
	for (i = 0; i < s->ndevfilter; i++)
		if (nla_put_string(skb, ZCOPY_A_DEVFILTER, s->devfilter[i]))
			goto err_cancel;
	if (zc_nl_put_totals(skb, t, devs))
		goto err_cancel;
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * CAP_PERFMON (or CAP_SYS_ADMIN) in the initial user namespace, both for
 * the socket's opener and the caller, as netlink_capable() asks.
 */
static bool zc_nl_perfmon(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_PERFMON) ||
	       netlink_capable(skb, CAP_SYS_ADMIN);
}

/* The global counters and probes: CAP_PERFMON, unless paranoid is 0. */
static bool zc_nl_may_see_global(const struct sk_buff *skb)
{
	return READ_ONCE(zc_paranoid) <= 0 || zc_nl_perfmon(skb);
}

static bool zc_nl_may_see(const struct sk_buff *skb,
			  const struct zc_session *s)
{
	return zc_nl_perfmon(skb) || uid_eq(s->owner_uid, current_uid());
}

#define ZC_NL_MSG_GLOBAL \
	"the global counters need CAP_PERFMON (or the paranoid parameter at 0)"
#define ZC_NL_MSG_OTHER \
	"session belongs to another user (CAP_PERFMON needed)"

static int zc_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct zc_pcpu *t;
	void *hdr;
	int err = -EMSGSIZE;

	if (!zc_nl_may_see_global(skb)) {
		GENL_SET_ERR_MSG(info, ZC_NL_MSG_GLOBAL);
		return -EPERM;
	}

	t = kmalloc(sizeof(*t), GFP_KERNEL);
	msg = genlmsg_new(ZC_NL_STATS_SIZE, GFP_KERNEL);
	if (!t || !msg) {
		err = -ENOMEM;
		goto err_free;
	}
	hdr = genlmsg_put_reply(msg, info, &zc_nl_family, 0, info->genlhdr->cmd);
	if (!hdr)
		goto err_free;

	mutex_lock(&zc_lock);
	zc_counters_read(&zc_global, t);
	if (nla_put_u32(msg, ZCOPY_A_VERSION, ZCOPY_FAMILY_VERSION) ||
	    nla_put_u8(msg, ZCOPY_A_ARMED, zc_armed()) ||
	    nla_put_u32(msg, ZCOPY_A_SESSIONS, zc_sessions_count()) ||
	    nla_put_u32(msg, ZCOPY_A_MAX_SESSIONS, zc_max_sessions) ||
	    nla_put_u32(msg, ZCOPY_A_FOLLOWED, zc_followed_count()) ||
	    zc_nl_put_totals(msg, t, zc_nl_perfmon(skb))) {
		mutex_unlock(&zc_lock);
		goto err_free;
	}
	mutex_unlock(&zc_lock);
	kfree(t);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	kfree(t);
	return err;
}

/* Reply to @info with the session's attributes. */
static int zc_nl_session_reply(struct sk_buff *skb, struct zc_session *s,
			       struct genl_info *info)
{
	struct sk_buff *msg;
	struct zc_pcpu *t;
	int err;

	t = kmalloc(sizeof(*t), GFP_KERNEL);
	msg = genlmsg_new(ZC_NL_SESSION_SIZE, GFP_KERNEL);
	if (!t || !msg) {
		nlmsg_free(msg);
		kfree(t);
		return -ENOMEM;
	}
	mutex_lock(&zc_lock);
	err = zc_nl_session_fill(msg, s, info->snd_portid, info->snd_seq, 0,
				 info->genlhdr->cmd, t, zc_nl_perfmon(skb));
	mutex_unlock(&zc_lock);
	kfree(t);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static struct zc_session *zc_nl_session_from(struct genl_info *info)
{
	struct zc_session *s;

	if (GENL_REQ_ATTR_CHECK(info, ZCOPY_A_SESSION_ID)) {
		GENL_SET_ERR_MSG(info, "missing session-id attribute");
		return ERR_PTR(-EINVAL);
	}
	s = zc_session_get(nla_get_u32(info->attrs[ZCOPY_A_SESSION_ID]));
	if (!s) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[ZCOPY_A_SESSION_ID],
				    "no such session");
		return ERR_PTR(-ENOENT);
	}
	return s;
}

static int zc_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct zc_session *s = zc_nl_session_from(info);
	int err;

	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!zc_nl_may_see(skb, s)) {
		GENL_SET_ERR_MSG(info, ZC_NL_MSG_OTHER);
		err = -EPERM;
	} else {
		err = zc_nl_session_reply(skb, s, info);
	}
	zc_session_put(s);
	return err;
}

/*
 * Every dump buffer has room for the largest session. The core sizes a
 * dump's buffers by the reader's earlier recvmsg() calls, and a reader
 * that made none gets one page: too small for a session with many sites.
 */
static int zc_nl_session_get_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = nlmsg_total_size(GENL_HDRLEN + ZC_NL_SESSION_SIZE);
	return 0;
}

static int zc_nl_session_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	unsigned int idx = 0, skip = cb->args[0];
	bool devs = zc_nl_perfmon(cb->skb);
	struct zc_session *s;
	struct zc_pcpu *t;
	int err = 0;

	t = kmalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	mutex_lock(&zc_lock);
	for (s = zc_session_next(NULL); s; s = zc_session_next(s)) {
		if (!zc_nl_may_see(cb->skb, s))
			continue;
		if (idx++ < skip)
			continue;
		err = zc_nl_session_fill(skb, s, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI,
					 ZCOPY_CMD_SESSION_GET, t, devs);
		if (err) {
			idx--;
			break;
		}
	}
	mutex_unlock(&zc_lock);
	kfree(t);
	cb->args[0] = idx;
	if (err && idx == skip)
		return err;	/* a single session does not fit */
	return skb->len;
}

static int zc_nl_devfilter(struct genl_info *info, struct zc_session_args *a)
{
	struct nlattr *attr;
	int rem;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != ZCOPY_A_DEVFILTER)
			continue;
		if (a->ndevfilter == ZCOPY_MAX_DEVFILTER) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "too many devfilter attributes (max 8)");
			return -E2BIG;
		}
		if (!nla_len(attr) || !*(char *)nla_data(attr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "devfilter must not be empty");
			return -EINVAL;
		}
		a->devfilter[a->ndevfilter++] = nla_data(attr);
	}
	return 0;
}

static int zc_nl_session_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct zc_session_args a = {
		.owner_kind = ZC_OWNER_NETLINK,
		.owner_portid = info->snd_portid,
		.owner_net = genl_info_net(info),
	};
	struct zc_session *s;
	const char *why;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, ZCOPY_A_PID)) {
		GENL_SET_ERR_MSG(info, "missing pid attribute");
		return -EINVAL;
	}
	a.pid = nla_get_u32(info->attrs[ZCOPY_A_PID]);
	if (info->attrs[ZCOPY_A_FLAGS])
		a.flags = nla_get_u32(info->attrs[ZCOPY_A_FLAGS]);
	if (info->attrs[ZCOPY_A_SAMPLE_MS])
		a.sample_ms = nla_get_u32(info->attrs[ZCOPY_A_SAMPLE_MS]);
	if (a.sample_ms && a.sample_ms < 10) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ZCOPY_A_SAMPLE_MS],
				    "sample-ms must be 0 or at least 10");
		return -ERANGE;
	}
	err = zc_nl_devfilter(info, &a);
	if (err)
		return err;

	s = zc_session_new(&a, &why, &err);
	if (!s) {
		/* @why is a string literal of zc_session_new(). */
		if (info->extack)
			info->extack->_msg = why;
		if (err == -ESRCH)
			NL_SET_BAD_ATTR(info->extack, info->attrs[ZCOPY_A_PID]);
		return err;
	}
	err = zc_nl_session_reply(skb, s, info);
	if (err)
		zc_session_end(s, ZCOPY_END_REASON_DELETED);
	zc_session_put(s);
	return err;
}

static int zc_nl_session_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct zc_session *s = zc_nl_session_from(info);
	int err = 0;

	if (IS_ERR(s))
		return PTR_ERR(s);
	if (zc_nl_may_see(skb, s)) {
		zc_session_end(s, ZCOPY_END_REASON_DELETED);
	} else {
		GENL_SET_ERR_MSG(info, ZC_NL_MSG_OTHER);
		err = -EPERM;
	}
	zc_session_put(s);
	return err;
}

static int zc_nl_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct zc_session *s;

	if (!info->attrs[ZCOPY_A_SESSION_ID]) {
		if (!zc_nl_perfmon(skb)) {
			GENL_SET_ERR_MSG(info,
					 "resetting the global counters needs CAP_PERFMON");
			return -EPERM;
		}
		mutex_lock(&zc_lock);
		zc_counters_reset(&zc_global);
		mutex_unlock(&zc_lock);
		return 0;
	}
	s = zc_nl_session_from(info);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!zc_nl_may_see(skb, s)) {
		GENL_SET_ERR_MSG(info, ZC_NL_MSG_OTHER);
		zc_session_put(s);
		return -EPERM;
	}
	mutex_lock(&zc_lock);
	zc_counters_reset(&s->counters);
	mutex_unlock(&zc_lock);
	zc_session_put(s);
	return 0;
}

static int zc_nl_probe_fill(struct sk_buff *skb, unsigned int i)
{
	struct zc_probe_info pi;
	struct nlattr *nest;

	zc_probe_info(i, &pi);
	nest = nla_nest_start(skb, ZCOPY_A_PROBE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, ZCOPY_A_PROBE_NAME, pi.name) ||
	    nla_put_u32(skb, ZCOPY_A_PROBE_TYPE, pi.type) ||
	    nla_put_u32(skb, ZCOPY_A_PROBE_STATE, pi.state) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_PROBE_HITS, pi.hits,
			      ZCOPY_A_PROBE_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_A_PROBE_MISSED, pi.missed,
			      ZCOPY_A_PROBE_PAD) ||
	    (pi.reason && nla_put_string(skb, ZCOPY_A_PROBE_REASON, pi.reason))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int zc_nl_probe_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	unsigned int i = cb->args[0];
	void *hdr;
	int err;

	if (!zc_nl_may_see_global(cb->skb)) {
		NL_SET_ERR_MSG(cb->extack, ZC_NL_MSG_GLOBAL);
		return -EPERM;
	}
	for (; i < zc_probes_count(); i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &zc_nl_family,
				  NLM_F_MULTI, ZCOPY_CMD_PROBE_GET);
		if (!hdr)
			break;
		mutex_lock(&zc_lock);
		err = zc_nl_probe_fill(skb, i);
		mutex_unlock(&zc_lock);
		if (err) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	return skb->len;
}

static const struct genl_ops zc_nl_ops[] = {
	{
		.cmd = ZCOPY_CMD_STATS_GET,
		.doit = zc_nl_stats_get_doit,
		.policy = zc_nl_no_attrs_policy,
		.maxattr = ZCOPY_A_PAD,
	},
	{
		.cmd = ZCOPY_CMD_SESSION_GET,
		.doit = zc_nl_session_get_doit,
		.start = zc_nl_session_get_start,
		.dumpit = zc_nl_session_get_dumpit,
		.policy = zcopy_session_get_nl_policy,
		.maxattr = ARRAY_SIZE(zcopy_session_get_nl_policy) - 1,
	},
	{
		.cmd = ZCOPY_CMD_SESSION_NEW,
		.doit = zc_nl_session_new_doit,
		.policy = zcopy_session_new_nl_policy,
		.maxattr = ARRAY_SIZE(zcopy_session_new_nl_policy) - 1,
	},
	{
		.cmd = ZCOPY_CMD_SESSION_DEL,
		.doit = zc_nl_session_del_doit,
		.policy = zcopy_session_del_nl_policy,
		.maxattr = ARRAY_SIZE(zcopy_session_del_nl_policy) - 1,
	},
	{
		.cmd = ZCOPY_CMD_RESET,
		.doit = zc_nl_reset_doit,
		.policy = zcopy_reset_nl_policy,
		.maxattr = ARRAY_SIZE(zcopy_reset_nl_policy) - 1,
	},
	{
		.cmd = ZCOPY_CMD_PROBE_GET,
		.dumpit = zc_nl_probe_get_dumpit,
		.policy = zc_nl_no_attrs_policy,
		.maxattr = ZCOPY_A_PAD,
	},
};

static struct genl_family zc_nl_family __ro_after_init = {
	.name = ZCOPY_FAMILY_NAME,
	.version = ZCOPY_FAMILY_VERSION,
	/*
	 * What zcopy counts is the host's, in no namespace: the family lives
	 * in the initial network namespace only.
	 */
	.netnsok = false,
	.module = THIS_MODULE,
	.ops = zc_nl_ops,
	.n_ops = ARRAY_SIZE(zc_nl_ops),
	.mcgrps = zc_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(zc_nl_mcgrps),
	/*
	 * .resv_start_op stays 0, as for any new family: the core then
	 * refuses a non-zero genlmsghdr.reserved and meaningless nlmsg_flags
	 * on every command.
	 */
};

static void zc_nl_notify(struct zc_session *s, u8 cmd, int reason)
{
	struct sk_buff *msg;
	struct zc_pcpu *t;
	void *hdr;

	lockdep_assert_held(&zc_lock);
	if (!zc_nl_registered ||
	    !genl_has_listeners(&zc_nl_family, &init_net, ZC_NL_MCGRP_EVENTS))
		return;
	t = kmalloc(sizeof(*t), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!t || !msg)
		goto out_free;
	hdr = genlmsg_put(msg, 0, 0, &zc_nl_family, 0, cmd);
	if (!hdr)
		goto out_free;
	zc_counters_read(&s->counters, t);
	if (nla_put_u32(msg, ZCOPY_A_SESSION_ID, s->id) ||
	    nla_put_u32(msg, ZCOPY_A_PID, s->pid) ||
	    (reason >= 0 && nla_put_u32(msg, ZCOPY_A_END_REASON, reason)) ||
	    nla_put_u64_64bit(msg, ZCOPY_A_ELAPSED_NS,
			      ktime_get_ns() - s->start_ns, ZCOPY_A_PAD) ||
	    zc_nl_put_counters(msg, t))
		goto out_free;
	genlmsg_end(msg, hdr);
	kfree(t);
	/* A listener that cannot keep up gets ENOBUFS; nobody waits. */
	genlmsg_multicast(&zc_nl_family, msg, 0, ZC_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
	return;

out_free:
	nlmsg_free(msg);
	kfree(t);
}

/* A session ended (under zc_lock): tell the events group. */
static void zc_nl_notify_end(struct zc_session *s,
			     enum zcopy_end_reason reason)
{
	zc_nl_notify(s, ZCOPY_CMD_SESSION_END_NTF, reason);
}

/* A session's sample period passed: send its counters. */
static void zc_nl_notify_sample(struct zc_session *s)
{
	mutex_lock(&zc_lock);
	if (!s->dead)
		zc_nl_notify(s, ZCOPY_CMD_SESSION_SAMPLE_NTF, -1);
	mutex_unlock(&zc_lock);
}

static const struct zc_session_notify zc_nl_session_notify = {
	.end = zc_nl_notify_end,
	.sample = zc_nl_notify_sample,
};

static int zc_nl_sock_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC)
		zc_sessions_portid_gone(n->portid, n->net);
	return NOTIFY_DONE;
}

static struct notifier_block zc_nl_notifier = {
	.notifier_call = zc_nl_sock_event,
};

/**
 * zc_nl_init() - register the family and the socket-release notifier
 *
 * Return: 0 or a negative errno.
 */
int zc_nl_init(void)
{
	int err;

	err = netlink_register_notifier(&zc_nl_notifier);
	if (err)
		return err;
	zc_session_set_notify(&zc_nl_session_notify);
	err = genl_register_family(&zc_nl_family);
	if (err)
		goto err_notify;
	zc_nl_registered = true;
	return 0;

err_notify:
	zc_session_set_notify(NULL);
	netlink_unregister_notifier(&zc_nl_notifier);
	return err;
}

/**
 * zc_nl_exit() - end the sessions, unregister the family and the notifier
 *
 * At module exit the sessions end here, with a session-end-ntf of reason
 * unload each. Then notifications stop: a session a request still in
 * flight creates before the family is gone ends in zc_session_exit()
 * without one.
 */
void zc_nl_exit(void)
{
	/* End the sessions while listeners can still hear it. */
	if (zc_nl_registered)
		zc_sessions_end_all(ZCOPY_END_REASON_UNLOAD);
	mutex_lock(&zc_lock);
	zc_nl_registered = false;
	mutex_unlock(&zc_lock);
	genl_unregister_family(&zc_nl_family);
	zc_session_set_notify(NULL);
	netlink_unregister_notifier(&zc_nl_notifier);
}
