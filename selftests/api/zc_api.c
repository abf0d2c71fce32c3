// SPDX-License-Identifier: GPL-2.0
/*
 * The zcopy family's operations for the API selftests (see zc_api.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zc_api.h"
#include "zc_util.h"

static const char *const zc_ctr_names[__ZCOPY_COUNTER_MAX] = {
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

const char *zc_counter_name(unsigned int i)
{
	return i < __ZCOPY_COUNTER_MAX && zc_ctr_names[i] ? zc_ctr_names[i] :
							      "?";
}

/* "-EINVAL (Invalid argument)"-style text for messages; not reentrant. */
const char *zc_errname(int err)
{
	static char buf[4][64];
	static unsigned int n;
	char *b = buf[n++ % 4];

	if (!err)
		return "0 (success)";
	snprintf(b, sizeof(buf[0]), "%d (%s)", err,
		 err < 0 ? strerror(-err) : "not an errno");
	return b;
}

int zc_parse_ctrs(const struct nlattr *nest, struct zc_ctrs *c)
{
	const struct nlattr *a;
	int rem;

	memset(c, 0, sizeof(*c));
	zc_attr_for_each(a, zc_attr_data(nest), zc_attr_len(nest), rem) {
		int t = zc_attr_type(a);

		if (t == ZCOPY_A_COUNTERS_PAD)
			continue;
		if (t < ZCOPY_A_COUNTERS_COPY_U2K_BYTES ||
		    t > ZCOPY_A_COUNTERS_MAX) {
			c->unknown++;
			continue;
		}
		c->present++;
		c->mask |= 1ULL << (t - ZCOPY_A_COUNTERS_COPY_U2K_BYTES);
		if (zc_attr_len(a) != 8)
			c->bad_len++;
		c->v[t - ZCOPY_A_COUNTERS_COPY_U2K_BYTES] = zc_attr_u64(a);
	}
	return rem ? -EBADMSG : 0;
}

int zc_parse_stats(const struct nlmsghdr *nlh, struct zc_stats *st)
{
	const struct nlattr *head, *a;
	int len, rem;

	memset(st, 0, sizeof(*st));
	head = zc_genl_attrs(nlh, &len);
	if (!head)
		return -EBADMSG;
	zc_attr_for_each(a, head, len, rem) {
		int t = zc_attr_type(a);

		if (t <= ZCOPY_A_MAX)
			st->has[t] = true;
		switch (t) {
		case ZCOPY_A_VERSION:
			st->version = zc_attr_u32(a);
			break;
		case ZCOPY_A_ARMED:
			st->armed = zc_attr_u8(a);
			break;
		case ZCOPY_A_SESSIONS:
			st->sessions = zc_attr_u32(a);
			break;
		case ZCOPY_A_MAX_SESSIONS:
			st->max_sessions = zc_attr_u32(a);
			break;
		case ZCOPY_A_FOLLOWED:
			st->followed = zc_attr_u32(a);
			break;
		case ZCOPY_A_COUNTERS:
			if (zc_parse_ctrs(a, &st->ctr))
				return -EBADMSG;
			break;
		case ZCOPY_A_SITE:
			st->nsites++;
			break;
		case ZCOPY_A_DEVICE:
			st->ndevices++;
			break;
		}
	}
	return rem ? -EBADMSG : 0;
}

/* A session's reply, dump entry or notification. */
int zc_parse_sess(const struct nlmsghdr *nlh, struct zc_sess *s)
{
	const struct nlattr *head, *a;
	int len, rem;

	memset(s, 0, sizeof(*s));
	head = zc_genl_attrs(nlh, &len);
	if (!head)
		return -EBADMSG;
	s->cmd = ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;
	zc_attr_for_each(a, head, len, rem) {
		int t = zc_attr_type(a);

		if (t <= ZCOPY_A_MAX)
			s->has[t] = true;
		switch (t) {
		case ZCOPY_A_SESSION_ID:
			s->id = zc_attr_u32(a);
			break;
		case ZCOPY_A_PID:
			s->pid = zc_attr_u32(a);
			break;
		case ZCOPY_A_FLAGS:
			s->flags = zc_attr_u32(a);
			break;
		case ZCOPY_A_SAMPLE_MS:
			s->sample_ms = zc_attr_u32(a);
			break;
		case ZCOPY_A_OWNER_PID:
			s->owner_pid = zc_attr_u32(a);
			break;
		case ZCOPY_A_FOLLOWED:
			s->followed = zc_attr_u32(a);
			break;
		case ZCOPY_A_DEVICE:
			s->ndevices++;
			break;
		case ZCOPY_A_END_REASON:
			s->end_reason = zc_attr_u32(a);
			break;
		case ZCOPY_A_ELAPSED_NS:
			s->elapsed_ns = zc_attr_u64(a);
			break;
		case ZCOPY_A_DEVFILTER:
			if (s->ndevfilter < ZCOPY_MAX_DEVFILTER + 4 &&
			    zc_attr_str(a))
				snprintf(s->devfilter[s->ndevfilter++],
					 sizeof(s->devfilter[0]), "%s",
					 zc_attr_str(a));
			break;
		case ZCOPY_A_COUNTERS:
			if (zc_parse_ctrs(a, &s->ctr))
				return -EBADMSG;
			break;
		}
	}
	return rem ? -EBADMSG : 0;
}

static int zc_stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	return zc_parse_stats(nlh, arg);
}

int zc_stats_get(struct zc_nl *nl, struct zc_stats *st)
{
	struct zc_msg *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	zc_msg_genl(m, nl, ZCOPY_CMD_STATS_GET, 0);
	err = zc_nl_request(nl, m, zc_stats_cb, st);
	free(m);
	return err;
}

/* A zc_nl_cb that parses a session into @arg, a struct zc_sess (or NULL). */
int zc_sess_cb(const struct nlmsghdr *nlh, void *arg)
{
	return arg ? zc_parse_sess(nlh, arg) : 0;
}

int zc_session_new(struct zc_nl *nl, __u32 pid, __u32 flags, __u32 sample_ms,
		   struct zc_sess *out)
{
	struct zc_msg *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	zc_msg_genl(m, nl, ZCOPY_CMD_SESSION_NEW, 0);
	zc_msg_put_u32(m, ZCOPY_A_PID, pid);
	if (flags)
		zc_msg_put_u32(m, ZCOPY_A_FLAGS, flags);
	if (sample_ms)
		zc_msg_put_u32(m, ZCOPY_A_SAMPLE_MS, sample_ms);
	err = zc_nl_request(nl, m, zc_sess_cb, out);
	free(m);
	return err;
}

int zc_session_get(struct zc_nl *nl, __u32 id, struct zc_sess *out)
{
	struct zc_msg *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	zc_msg_genl(m, nl, ZCOPY_CMD_SESSION_GET, 0);
	zc_msg_put_u32(m, ZCOPY_A_SESSION_ID, id);
	err = zc_nl_request(nl, m, zc_sess_cb, out);
	free(m);
	return err;
}

struct zc_dump_ctx {
	struct zc_sess *out;
	int max;
	int n;
};

static int zc_sess_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct zc_dump_ctx *d = arg;
	int err = 0;

	if (d->n < d->max)
		err = zc_parse_sess(nlh, &d->out[d->n]);
	d->n++;
	return err;
}

/* Every session the socket may see; returns how many, or -errno. */
int zc_session_dump(struct zc_nl *nl, struct zc_sess *out, int max)
{
	struct zc_dump_ctx d = { .out = out, .max = max };
	struct zc_msg *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	zc_msg_genl(m, nl, ZCOPY_CMD_SESSION_GET, NLM_F_DUMP);
	err = zc_nl_request(nl, m, zc_sess_dump_cb, &d);
	free(m);
	return err ? err : d.n;
}

static int zc_id_request(struct zc_nl *nl, __u8 cmd, __u32 id)
{
	struct zc_msg *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	zc_msg_genl(m, nl, cmd, 0);
	if (id)
		zc_msg_put_u32(m, ZCOPY_A_SESSION_ID, id);
	err = zc_nl_request(nl, m, NULL, NULL);
	free(m);
	return err;
}

int zc_session_del(struct zc_nl *nl, __u32 id)
{
	return zc_id_request(nl, ZCOPY_CMD_SESSION_DEL, id);
}

/* Reset session @id's counters, or the global ones for id 0. */
int zc_reset(struct zc_nl *nl, __u32 id)
{
	return zc_id_request(nl, ZCOPY_CMD_RESET, id);
}

struct zc_probe_ctx {
	struct zc_probe *out;
	int max;
	int n;
};

static void zc_copy_str(char *dst, size_t len, const struct nlattr *a)
{
	const char *s = zc_attr_str(a);

	snprintf(dst, len, "%s", s ? s : "");
}

static int zc_probe_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct zc_probe_ctx *d = arg;
	const struct nlattr *head, *pa, *a;
	int len, rem, rem2;

	head = zc_genl_attrs(nlh, &len);
	if (!head)
		return -EBADMSG;
	zc_attr_for_each(pa, head, len, rem) {
		struct zc_probe *p;

		if (zc_attr_type(pa) != ZCOPY_A_PROBE)
			continue;
		if (d->n >= d->max) {
			d->n++;
			continue;
		}
		p = &d->out[d->n++];
		memset(p, 0, sizeof(*p));
		zc_attr_for_each(a, zc_attr_data(pa), zc_attr_len(pa), rem2) {
			int t = zc_attr_type(a);

			if (t <= ZCOPY_A_PROBE_MAX)
				p->has[t] = true;
			switch (t) {
			case ZCOPY_A_PROBE_NAME:
				zc_copy_str(p->name, sizeof(p->name), a);
				break;
			case ZCOPY_A_PROBE_TYPE:
				p->type = zc_attr_u32(a);
				break;
			case ZCOPY_A_PROBE_STATE:
				p->state = zc_attr_u32(a);
				break;
			case ZCOPY_A_PROBE_HITS:
				p->hits = zc_attr_u64(a);
				break;
			case ZCOPY_A_PROBE_MISSED:
				p->missed = zc_attr_u64(a);
				break;
			case ZCOPY_A_PROBE_REASON:
				zc_copy_str(p->reason, sizeof(p->reason), a);
				break;
			}
		}
	}
	return 0;
}

/* Every probe; returns how many, or -errno. */
int zc_probe_dump(struct zc_nl *nl, struct zc_probe *out, int max)
{
	struct zc_probe_ctx d = { .out = out, .max = max };
	struct zc_msg *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	zc_msg_genl(m, nl, ZCOPY_CMD_PROBE_GET, NLM_F_DUMP);
	err = zc_nl_request(nl, m, zc_probe_cb, &d);
	free(m);
	return err ? err : d.n;
}

/* Poll session-get until ENOENT; returns 0, or the last answer. */
int zc_wait_session_gone(struct zc_nl *nl, __u32 id, int timeout_ms)
{
	long long end = zc_now_ms() + timeout_ms;
	int err;

	for (;;) {
		err = zc_session_get(nl, id, NULL);
		if (err == -ENOENT)
			return 0;
		if (zc_now_ms() > end)
			return err ? err : -EEXIST;
		usleep(20 * 1000);
	}
}

/*
 * Wait until no session is left (earlier owners' ends are asynchronous)
 * and, if @disarmed, the probes are off too: -EBUSY while a session is
 * left, -ETIMEDOUT while only the probes are.
 */
static int zc_wait_idle(struct zc_nl *nl, int timeout_ms, bool disarmed)
{
	long long end = zc_now_ms() + timeout_ms;
	struct zc_stats st;
	int err;

	for (;;) {
		err = zc_stats_get(nl, &st);
		if (err)
			return err;
		if (!st.sessions && !(disarmed && st.armed))
			return 0;
		if (zc_now_ms() > end)
			return st.sessions ? -EBUSY : -ETIMEDOUT;
		usleep(50 * 1000);
	}
}

/* Wait until no session is left. */
int zc_wait_no_session(struct zc_nl *nl, int timeout_ms)
{
	return zc_wait_idle(nl, timeout_ms, false);
}

/* Wait until no session exists and the probes are off. */
int zc_wait_disarmed(struct zc_nl *nl, int timeout_ms)
{
	return zc_wait_idle(nl, timeout_ms, true);
}
