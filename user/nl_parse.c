// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: the "zcopy" family's messages as plain C structs (struct
 * zc_info), its names, extended acks and error messages. No socket here:
 * nl.c is the client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "nl.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

_Static_assert(ZC_NCOUNTERS <= 64 && ZCOPY_A_MAX < 64,
	       "presence bitmaps are 64 bits");

static const char *const counter_names[ZC_NCOUNTERS] = {
	[ZCOPY_COUNTER_COPY_U2K_BYTES] = "copy-u2k-bytes",
	[ZCOPY_COUNTER_COPY_K2U_BYTES] = "copy-k2u-bytes",
	[ZCOPY_COUNTER_COPY_K2K_BYTES] = "copy-k2k-bytes",
	[ZCOPY_COUNTER_COPY_CALLS] = "copy-calls",
	[ZCOPY_COUNTER_CSUM_BYTES] = "csum-bytes",
	[ZCOPY_COUNTER_PIPE_REF_BYTES] = "pipe-ref-bytes",
	[ZCOPY_COUNTER_DMA_TO_DEV_BYTES] = "dma-to-dev-bytes",
	[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES] = "dma-from-dev-bytes",
	[ZCOPY_COUNTER_DMA_BIDI_BYTES] = "dma-bidi-bytes",
	[ZCOPY_COUNTER_DMA_MAPS] = "dma-maps",
	[ZCOPY_COUNTER_SYSCALLS] = "syscalls",
	[ZCOPY_COUNTER_CTX_SWITCHES_VOL] = "ctx-switches-vol",
	[ZCOPY_COUNTER_CTX_SWITCHES_INVOL] = "ctx-switches-invol",
	[ZCOPY_COUNTER_PAGECACHE_MISS_BYTES] = "pagecache-miss-bytes",
	[ZCOPY_COUNTER_MISSED] = "missed",
	[ZCOPY_COUNTER_NIC_HDR_BYTES] = "nic-hdr-bytes",
};

/* The spec's name; "counter-N" for one added to the spec but not here. */
const char *zc_counter_name(unsigned int idx)
{
	static char unnamed[ZC_NCOUNTERS][16];

	if (idx >= ZC_NCOUNTERS)
		return "?";
	if (counter_names[idx])
		return counter_names[idx];
	snprintf(unnamed[idx], sizeof(unnamed[idx]), "counter-%u", idx);
	return unnamed[idx];
}

#define NAME_OF(table, v)	\
	((v) < ARRAY_SIZE(table) && (table)[v] ? (table)[v] : "?")

const char *zc_kind_name(uint32_t kind)
{
	static const char *const n[] = {
		[ZCOPY_COPY_KIND_U2K] = "u2k",
		[ZCOPY_COPY_KIND_K2U] = "k2u",
		[ZCOPY_COPY_KIND_K2K] = "k2k",
		[ZCOPY_COPY_KIND_CSUM] = "csum",
	};

	return NAME_OF(n, kind);
}

const char *zc_probe_type_name(uint32_t type)
{
	static const char *const n[] = {
		[ZCOPY_PROBE_TYPE_FENTRY] = "fentry",
		[ZCOPY_PROBE_TYPE_TRACEPOINT] = "tracepoint",
		[ZCOPY_PROBE_TYPE_KPROBE] = "kprobe",
		[ZCOPY_PROBE_TYPE_KRETPROBE] = "kretprobe",
	};

	return NAME_OF(n, type);
}

const char *zc_probe_state_name(uint32_t state)
{
	static const char *const n[] = {
		[ZCOPY_PROBE_STATE_OFF] = "off",
		[ZCOPY_PROBE_STATE_ACTIVE] = "active",
		[ZCOPY_PROBE_STATE_UNAVAILABLE] = "unavailable",
	};

	return NAME_OF(n, state);
}

const char *zc_end_reason_name(uint32_t reason)
{
	static const char *const n[] = {
		[ZCOPY_END_REASON_DELETED] = "deleted",
		[ZCOPY_END_REASON_OWNER_CLOSED] = "owner-closed",
		[ZCOPY_END_REASON_UNLOAD] = "unload",
	};

	return NAME_OF(n, reason);
}

/* Parsing */

static int get_u8(const struct nlattr *a, uint8_t *v)
{
	if (nla_len(a) < 1)
		return -EINVAL;
	*v = nla_get_u8((struct nlattr *)a);
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (nla_len(a) < 4)
		return -EINVAL;
	*v = nla_get_u32((struct nlattr *)a);
	return 0;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (nla_len(a) < 8)
		return -EINVAL;
	memcpy(v, nla_data(a), sizeof(*v));
	return 0;
}

/* Copies a string attribute; it need not be NUL-terminated. */
static void get_str(const struct nlattr *a, char *dst, size_t len)
{
	size_t n = (size_t)nla_len(a);

	if (n >= len)
		n = len - 1;
	memcpy(dst, nla_data(a), n);
	dst[n] = '\0';
	dst[strnlen(dst, n)] = '\0';
}

static int parse_counters(const struct nlattr *nest, struct zc_counters *c)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		int type = nla_type(a);
		unsigned int idx;

		if (type < ZCOPY_A_COUNTERS_COPY_U2K_BYTES)
			continue;	/* pad */
		idx = (unsigned int)type - 2;
		if (idx >= ZC_NCOUNTERS)
			continue;	/* a newer counter than we know */
		if (get_u64(a, &c->v[idx]))
			return -EINVAL;
		c->present |= 1ull << idx;
	}
	return 0;
}

static int parse_site(const struct nlattr *nest, struct zc_site *s)
{
	struct nlattr *a;
	int rem, err = 0;

	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		switch (nla_type(a)) {
		case ZCOPY_A_SITE_FUNCTION:
			get_str(a, s->function, sizeof(s->function));
			break;
		case ZCOPY_A_SITE_PRIMITIVE:
			get_str(a, s->primitive, sizeof(s->primitive));
			break;
		case ZCOPY_A_SITE_KIND:
			err |= get_u32(a, &s->kind);
			break;
		case ZCOPY_A_SITE_BYTES:
			err |= get_u64(a, &s->bytes);
			break;
		case ZCOPY_A_SITE_CALLS:
			err |= get_u64(a, &s->calls);
			break;
		}
	}
	return err ? -EINVAL : 0;
}

static int parse_device(const struct nlattr *nest, struct zc_device *d)
{
	struct nlattr *a;
	int rem, err = 0;

	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		switch (nla_type(a)) {
		case ZCOPY_A_DEVICE_NAME:
			get_str(a, d->name, sizeof(d->name));
			break;
		case ZCOPY_A_DEVICE_DRIVER:
			get_str(a, d->driver, sizeof(d->driver));
			break;
		case ZCOPY_A_DEVICE_LABEL:
			get_str(a, d->label, sizeof(d->label));
			break;
		case ZCOPY_A_DEVICE_TO_DEV_BYTES:
			err |= get_u64(a, &d->to_dev);
			break;
		case ZCOPY_A_DEVICE_FROM_DEV_BYTES:
			err |= get_u64(a, &d->from_dev);
			break;
		case ZCOPY_A_DEVICE_BIDI_BYTES:
			err |= get_u64(a, &d->bidi);
			break;
		case ZCOPY_A_DEVICE_MAPS:
			err |= get_u64(a, &d->maps);
			break;
		}
	}
	return err ? -EINVAL : 0;
}

static int parse_probe(const struct nlattr *nest, struct zc_probe *p)
{
	struct nlattr *a;
	int rem, err = 0;

	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		switch (nla_type(a)) {
		case ZCOPY_A_PROBE_NAME:
			get_str(a, p->name, sizeof(p->name));
			break;
		case ZCOPY_A_PROBE_TYPE:
			err |= get_u32(a, &p->type);
			break;
		case ZCOPY_A_PROBE_STATE:
			err |= get_u32(a, &p->state);
			break;
		case ZCOPY_A_PROBE_HITS:
			err |= get_u64(a, &p->hits);
			break;
		case ZCOPY_A_PROBE_MISSED:
			err |= get_u64(a, &p->missed);
			break;
		case ZCOPY_A_PROBE_REASON:
			get_str(a, p->reason, sizeof(p->reason));
			break;
		}
	}
	return err ? -EINVAL : 0;
}

/* Room for one more entry of a bounded, growing array; NULL if full. */
static void *grow(void **arr, unsigned int *n, size_t size, unsigned int *dropped)
{
	void *p;

	if (*n >= ZC_MAX_ENTRIES) {
		(*dropped)++;
		return NULL;
	}
	if ((*n & (*n - 1)) == 0) {	/* 0, 1, 2, 4, ...: double */
		unsigned int cap = *n ? *n * 2 : 4;

		p = realloc(*arr, size * cap);
		if (!p) {
			(*dropped)++;
			return NULL;
		}
		*arr = p;
	}
	p = (char *)*arr + size * *n;
	memset(p, 0, size);
	(*n)++;
	return p;
}

static int parse_multi(struct zc_info *info, const struct nlattr *a, int type)
{
	void *e;

	switch (type) {
	case ZCOPY_A_SITE:
		e = grow((void **)&info->sites, &info->n_sites,
			 sizeof(*info->sites), &info->dropped);
		return e ? parse_site(a, e) : 0;
	case ZCOPY_A_DEVICE:
		e = grow((void **)&info->devs, &info->n_devs,
			 sizeof(*info->devs), &info->dropped);
		return e ? parse_device(a, e) : 0;
	case ZCOPY_A_PROBE:
		e = grow((void **)&info->probes, &info->n_probes,
			 sizeof(*info->probes), &info->dropped);
		return e ? parse_probe(a, e) : 0;
	case ZCOPY_A_DEVFILTER:
		if (info->n_devfilter < ZCOPY_MAX_DEVFILTER)
			get_str(a, info->devfilter[info->n_devfilter++],
				sizeof(info->devfilter[0]));
		return 0;
	}
	return 0;
}

static int parse_u32_attr(struct zc_info *info, const struct nlattr *a, int type)
{
	uint32_t *dst;

	switch (type) {
	case ZCOPY_A_VERSION:
		dst = &info->version;
		break;
	case ZCOPY_A_SESSION_ID:
		dst = &info->session_id;
		break;
	case ZCOPY_A_PID:
		dst = &info->pid;
		break;
	case ZCOPY_A_FLAGS:
		dst = &info->flags;
		break;
	case ZCOPY_A_SAMPLE_MS:
		dst = &info->sample_ms;
		break;
	case ZCOPY_A_OWNER_PID:
		dst = &info->owner_pid;
		break;
	case ZCOPY_A_END_REASON:
		dst = &info->end_reason;
		break;
	case ZCOPY_A_SESSIONS:
		dst = &info->sessions;
		break;
	case ZCOPY_A_MAX_SESSIONS:
		dst = &info->max_sessions;
		break;
	default:
		return 1;
	}
	return get_u32(a, dst);
}

static int parse_attr(struct zc_info *info, const struct nlattr *a)
{
	int type = nla_type(a), err;

	err = parse_u32_attr(info, a, type);
	if (err <= 0)
		return err;
	switch (type) {
	case ZCOPY_A_ARMED:
		return get_u8(a, &info->armed);
	case ZCOPY_A_ELAPSED_NS:
		return get_u64(a, &info->elapsed_ns);
	case ZCOPY_A_COUNTERS:
		return parse_counters(a, &info->counters);
	default:
		return parse_multi(info, a, type);
	}
}

/*
 * Parse one generic netlink message of the family into @info. Repeated
 * attributes (sites, devices, probes) are appended, so the messages of a
 * dump can be gathered into one @info. Unknown attributes are ignored.
 */
int zc_info_parse(struct zc_info *info, const struct nlmsghdr *nlh)
{
	struct nlmsghdr *h = (struct nlmsghdr *)nlh;
	struct genlmsghdr *g;
	struct nlattr *a;
	int rem, type, err;

	if (!genlmsg_valid_hdr(h, 0))
		return -EINVAL;
	g = nlmsg_data(h);
	info->cmd = g->cmd;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		type = nla_type(a);
		if (type <= ZCOPY_A_PAD || type > ZCOPY_A_MAX)
			continue;
		err = parse_attr(info, a);
		if (err)
			return err;
		info->present |= 1ull << type;
	}
	return 0;
}

void zc_info_free(struct zc_info *info)
{
	free(info->sites);
	free(info->devs);
	free(info->probes);
	memset(info, 0, sizeof(*info));
}

void zc_session_list_free(struct zc_session_list *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		zc_info_free(&l->s[i]);
	free(l->s);
	l->s = NULL;
	l->n = 0;
}

/*
 * The error code of an NLMSG_ERROR or NLMSG_DONE message, and its extended
 * ack message (NLMSGERR_ATTR_MSG) in @msg ("" when there is none).
 */
int zc_parse_ext_ack(const struct nlmsghdr *nlh, char *msg, size_t len)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off, total = nlh->nlmsg_len;
	int error;

	msg[0] = '\0';
	if (total < NLMSG_HDRLEN + sizeof(int))
		return -EINVAL;
	memcpy(&error, NLMSG_DATA(nlh), sizeof(int));
	if (nlh->nlmsg_type == NLMSG_DONE) {
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else {
		if (total < NLMSG_HDRLEN + sizeof(*e))
			return error;
		off = NLMSG_HDRLEN + sizeof(int);
		off += (nlh->nlmsg_flags & NLM_F_CAPPED) ?
			sizeof(e->msg) : NLMSG_ALIGN(e->msg.nlmsg_len);
	}
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || total <= off)
		return error;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(total - off), NULL))
		return error;
	if (tb[NLMSGERR_ATTR_MSG])
		get_str(tb[NLMSGERR_ATTR_MSG], msg, len);
	return error;
}

/* Errors */

void zc_nl_perror(const struct zc_nl *nl, int err, const char *what)
{
	const char *ext = nl && nl->ext_msg[0] ? nl->ext_msg : NULL;

	if (err == -ENOENT && !what) {
		zc_err("kernel module not loaded (load it with 'insmod zcopy.ko' "
		       "or 'modprobe zcopy')");
	} else if (err == -EPERM || err == -EACCES) {
		zc_err("%s: %s: CAP_PERFMON is needed (run as root)%s%s",
		       what ? what : "netlink", strerror(-err),
		       ext ? ": " : "", ext ? ext : "");
	} else if (ext) {
		zc_err("%s: %s (%s)", what ? what : "netlink", ext, strerror(-err));
	} else {
		zc_err("%s: %s", what ? what : "netlink", strerror(-err));
	}
}

/* Open the client, printing why not; returns an exit code (0 on success). */
int zc_nl_open_or_explain(struct zc_nl *nl)
{
	int err = zc_nl_open(nl);

	if (!err)
		return 0;
	if (err == -ENOENT)
		zc_nl_perror(NULL, err, NULL);
	else
		zc_nl_perror(NULL, err, "generic netlink");
	return ZC_EXIT_FAIL;
}
