// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: what a task does, charged to the sessions following it: the
 * copies its primitives make (and the skb copies charged to a socket's
 * sessions), its system calls and context switches, the page-cache
 * misses it causes, and the fork, exit and exec events that keep the
 * following up to date.
 *
 * Copies are counted at the innermost primitive only (_copy_to_iter, not
 * also copy_page_to_iter, which calls it), and a site is the function that
 * called the primitive; for the copy_page_*_iter wrappers it is their own
 * caller. A kretprobe's entry handler only keeps the copy (zc_defer): it
 * is charged at return, with what the primitive copied.
 */
#include <linux/binfmts.h>
#include <linux/kprobes.h>
#include <linux/pagemap.h>
#include <linux/skbuff.h>
#include <linux/tracepoint.h>
#include <net/sock.h>

#include "zcopy.h"
#include "zcopy_compat.h"

/* The caller of a copy_page_*_iter wrapper, for the copy it makes. */
struct zc_outer {
	struct task_struct *task;
	unsigned long ip;
};

static DEFINE_PER_CPU(struct zc_outer, zc_outer);

/* Set while a breakpoint kprobe's handler runs on this CPU. */
DEFINE_PER_CPU(bool, zc_in_bp);

/* The copy a kretprobe's entry handler keeps on this CPU (zcopy.h). */
DEFINE_PER_CPU(struct zc_deferred *, zc_defer);

/**
 * zc_task_context() - whether the probed code runs in a task
 *
 * A kprobe still on its breakpoint runs its handler in the NMI-like
 * context of the int3 exception, where in_task() is always false: look
 * past what the exception entry added. (An optimized kprobe jumps to its
 * handler in the probed context.)
 *
 * Context: a probe handler.
 * Return: true in task context, false in an interrupt or NMI.
 */
bool zc_task_context(void)
{
	unsigned long pc = preempt_count();

	if (__this_cpu_read(zc_in_bp) && in_nmi())
		pc -= ZC_INT3_PREEMPT_OFFSET;
	return !(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET));
}

/* ---- charging ---- */

struct zc_copy_ev {
	int site;
	u8 kind;
	u64 bytes;
};

static const u8 zc_kind_ctr[] = {
	[ZCOPY_COPY_KIND_U2K] = ZCOPY_COUNTER_COPY_U2K_BYTES,
	[ZCOPY_COPY_KIND_K2U] = ZCOPY_COUNTER_COPY_K2U_BYTES,
	[ZCOPY_COPY_KIND_K2K] = ZCOPY_COUNTER_COPY_K2K_BYTES,
	[ZCOPY_COPY_KIND_CSUM] = ZCOPY_COUNTER_CSUM_BYTES,
};

static void zc_add_copy(struct zc_counters *c, const struct zc_copy_ev *ev)
{
	this_cpu_add(c->pcpu->ctr[zc_kind_ctr[ev->kind]], ev->bytes);
	if (ev->kind != ZCOPY_COPY_KIND_CSUM)
		this_cpu_inc(c->pcpu->ctr[ZCOPY_COUNTER_COPY_CALLS]);
	if (ev->site >= 0) {
		this_cpu_add(c->pcpu->site_bytes[ev->site], ev->bytes);
		this_cpu_inc(c->pcpu->site_calls[ev->site]);
	}
}

static void zc_add_copy_s(struct zc_session *s, void *arg)
{
	zc_add_copy(&s->counters, arg);
}

static bool zc_site_is(int site, u8 flag)
{
	return site >= 0 && zc_site(site)->flags & flag;
}

static bool zc_site_is_wrapper(int site)
{
	return zc_site_is(site, ZC_SITE_WRAPPER);
}

/* The caller of the probed function, at its first instruction. */
static unsigned long zc_ret_ip(struct pt_regs *regs)
{
	return regs_get_kernel_stack_nth(regs, 0);
}

/* The outer caller of a wrapper, if the current task is inside one. */
static unsigned long zc_outer_ip(void)
{
	struct zc_outer *o = this_cpu_ptr(&zc_outer);

	return o->task == current ? o->ip : 0;
}

/*
 * The site of a copy by @prim called from @ip; a wrapper's copies are
 * its caller's (@outer_ip, when known).
 */
static int zc_site_of(unsigned long ip, unsigned long outer_ip, u8 prim,
		      u8 kind)
{
	const char *name = zc_copy_probes[prim].name;
	int site = zc_site_get(ip, prim, name, kind);

	if (site >= 0 && zc_site_is_wrapper(site) && outer_ip)
		site = zc_site_get(outer_ip, prim, name, kind);
	if (site < 0)
		zc_stats_missed();
	return site;
}

static int zc_copy_site(struct pt_regs *regs, u8 prim, u8 kind)
{
	return zc_site_of(zc_ret_ip(regs), zc_outer_ip(), prim, kind);
}

/* A copy made on behalf of the current task. */
static void zc_task_copy(struct pt_regs *regs, u8 prim, u8 kind, u64 bytes)
{
	struct zc_copy_ev ev = { .kind = kind, .bytes = bytes };
	struct zc_deferred *d = __this_cpu_read(zc_defer);

	if (!bytes)
		return;
	if (d) {
		d->ip = zc_ret_ip(regs);
		d->outer_ip = zc_outer_ip();
		d->prim = prim;
		d->kind = kind;
		d->bytes = bytes;
		d->task = zc_task_context();
		d->valid = true;
		return;
	}
	ev.site = zc_copy_site(regs, prim, kind);
	zc_add_copy(&zc_global, &ev);
	if (zc_task_context())
		zc_charge_task(current, zc_add_copy_s, &ev);
}

/* A copy of an skb's payload: charged to the socket's session. */
static void zc_skb_copy(struct pt_regs *regs, u8 prim, u8 kind,
			const struct sk_buff *skb, u64 bytes)
{
	struct zc_copy_ev ev = { .kind = kind, .bytes = bytes };
	struct zc_sids ids;

	if (!bytes)
		return;
	ev.site = zc_copy_site(regs, prim, kind);
	/* skb_copy_bits() recurses into frag lists: count the outer call. */
	if (zc_site_is(ev.site, ZC_SITE_SELF))
		return;
	zc_add_copy(&zc_global, &ev);
	if (zc_sock_owner(skb->sk ?: zc_msgzc_sock(skb), &ids))
		zc_sids_charge(&ids, zc_add_copy_s, &ev);
	else if (zc_task_context())
		zc_charge_task(current, zc_add_copy_s, &ev);
}

/* ---- copy primitives (function entry) ---- */

#define ZC_ARG(regs, n)	regs_get_kernel_argument(regs, n)

static u64 zc_iter_bytes(const struct iov_iter *i, size_t bytes)
{
	if (iov_iter_is_discard(i))
		return 0;
	return min(bytes, iov_iter_count(i));
}

/* size_t _copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i) */
static void zc_fe_copy_to_iter(struct pt_regs *regs)
{
	struct iov_iter *i = (struct iov_iter *)ZC_ARG(regs, 2);
	u8 kind = user_backed_iter(i) ? ZCOPY_COPY_KIND_K2U :
					ZCOPY_COPY_KIND_K2K;

	zc_task_copy(regs, ZC_P_COPY_TO_ITER, kind,
		     zc_iter_bytes(i, ZC_ARG(regs, 1)));
}

/* The _copy_from_iter family: (void *addr, size_t bytes, iov_iter *i). */
static void zc_copy_from(struct pt_regs *regs, enum zc_probe_id id,
			 unsigned int bytes_arg, unsigned int iter_arg)
{
	struct iov_iter *i = (struct iov_iter *)ZC_ARG(regs, iter_arg);
	u8 kind = user_backed_iter(i) ? ZCOPY_COPY_KIND_U2K :
					ZCOPY_COPY_KIND_K2K;

	zc_task_copy(regs, id, kind, zc_iter_bytes(i, ZC_ARG(regs, bytes_arg)));
}

static void zc_fe_copy_from_iter(struct pt_regs *regs)
{
	zc_copy_from(regs, ZC_P_COPY_FROM_ITER, 1, 2);
}

static void zc_fe_copy_from_iter_nc(struct pt_regs *regs)
{
	zc_copy_from(regs, ZC_P_COPY_FROM_ITER_NC, 1, 2);
}

/*
 * copy_page_from_iter_atomic(struct page *, size_t off, size_t, iov_iter *),
 * copy_folio_from_iter_atomic(struct folio *, ...) on 7.x
 */
static void zc_fe_copy_page_from_iter_atomic(struct pt_regs *regs)
{
	zc_copy_from(regs, ZC_P_COPY_PAGE_FROM_ITER_ATOMIC, 2, 3);
}

/* csum_and_copy_from_iter(_full)(void *, size_t, __wsum *, iov_iter *) */
static void zc_fe_csum_copy_from_iter(struct pt_regs *regs)
{
	zc_copy_from(regs, ZC_P_CSUM_COPY_FROM_ITER, 1, 3);
}

/* A copy_page_*_iter wrapper's entry: its caller is the site of its copies. */
static void zc_fe_copy_page_iter(struct pt_regs *regs)
{
	struct zc_outer *o = this_cpu_ptr(&zc_outer);

	o->task = current;
	o->ip = zc_ret_ip(regs);
}

/*
 * copy_page_to_iter(page, offset, bytes, i): on a pipe iterator (6.1) it
 * only takes a page reference; otherwise it is a wrapper whose copies
 * _copy_to_iter counts, and this records the wrapper's caller as the site.
 */
static void zc_fe_copy_page_to_iter(struct pt_regs *regs)
{
	struct iov_iter *i = (struct iov_iter *)ZC_ARG(regs, 3);

	if (zc_iter_is_pipe(i))
		zc_charge_ctr(current, ZCOPY_COUNTER_PIPE_REF_BYTES,
			      zc_iter_bytes(i, ZC_ARG(regs, 2)));
	else
		zc_fe_copy_page_iter(regs);
}

/* int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len) */
static void zc_fe_skb_copy_bits(struct pt_regs *regs)
{
	int len = ZC_ARG(regs, 3);

	if (len > 0)
		zc_skb_copy(regs, ZC_P_SKB_COPY_BITS, ZCOPY_COPY_KIND_K2K,
			    (const struct sk_buff *)ZC_ARG(regs, 0), len);
}

/* __wsum skb_copy_and_csum_bits(const struct sk_buff *, int off, u8 *to, int len) */
static void zc_fe_skb_copy_csum(struct pt_regs *regs)
{
	int len = ZC_ARG(regs, 3);

	if (len > 0)
		zc_skb_copy(regs, ZC_P_SKB_COPY_CSUM, ZCOPY_COPY_KIND_K2K,
			    (const struct sk_buff *)ZC_ARG(regs, 0), len);
}

/*
 * int skb_copy_ubufs(struct sk_buff *skb, gfp_t gfp_mask): the deferred
 * copy of zerocopy frags (e.g. MSG_ZEROCOPY data delivered locally).
 */
static void zc_fe_skb_copy_ubufs(struct pt_regs *regs)
{
	const struct sk_buff *skb = (const struct sk_buff *)ZC_ARG(regs, 0);
	const struct skb_shared_info *sh = skb_shinfo(skb);
	u64 bytes = 0;
	int f;

	if (!(sh->flags & SKBFL_ZEROCOPY_ENABLE) || skb_shared(skb))
		return;
	for (f = 0; f < sh->nr_frags; f++)
		bytes += skb_frag_size(&sh->frags[f]);
	zc_skb_copy(regs, ZC_P_SKB_COPY_UBUFS, ZCOPY_COPY_KIND_K2K, skb, bytes);
}

/* __wsum skb_checksum(const struct sk_buff *, int offset, int len, __wsum) */
static void zc_fe_skb_checksum(struct pt_regs *regs)
{
	int len = ZC_ARG(regs, 2);

	if (len > 0)
		zc_skb_copy(regs, ZC_P_SKB_CHECKSUM, ZCOPY_COPY_KIND_CSUM,
			    (const struct sk_buff *)ZC_ARG(regs, 0), len);
}

/* ---- process events ---- */

/* Preemptible on 7.x (faultable syscall tracepoints): zcopy_compat.h. */
static void zc_tp_sys_enter(void *data, struct pt_regs *regs, long id)
{
	zc_syscall_probe_enter();
	zc_hit(ZC_P_TP_SYS_ENTER);
	zc_charge_ctr(current, ZCOPY_COUNTER_SYSCALLS, 1);
	zc_syscall_probe_exit();
}

static void zc_tp_sched_switch(void *data, bool preempt,
			       struct task_struct *prev,
			       struct task_struct *next,
			       unsigned int prev_state)
{
	/*
	 * As __schedule() counts nvcsw and nivcsw: voluntary when the task
	 * blocked, involuntary when it was preempted or still runnable (a
	 * reschedule on the way back to user space is not preempt, but its
	 * prev_state is TASK_RUNNING). One case differs: on 6.12 a task
	 * that had a signal pending as it went to sleep is shown runnable
	 * here but counted voluntary there.
	 */
	zc_hit(ZC_P_TP_SCHED_SWITCH);
	zc_charge_ctr(prev, preempt || !prev_state ?
			    ZCOPY_COUNTER_CTX_SWITCHES_INVOL :
			    ZCOPY_COUNTER_CTX_SWITCHES_VOL, 1);
}

static void zc_tp_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	zc_hit(ZC_P_TP_FORK);
	zc_follow_fork(parent, child);
}

static void zc_tp_exit(void *data, struct task_struct *p)
{
	zc_hit(ZC_P_TP_EXIT);
	zc_follow_exit(p);
}

static void zc_tp_exec(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	zc_hit(ZC_P_TP_EXEC);
	if (bprm->secureexec)
		zc_follow_exec(p);
}

static void zc_tp_pagecache_add(void *data, struct folio *folio)
{
	zc_hit(ZC_P_TP_PAGECACHE_ADD);
	if (zc_task_context())
		zc_charge_ctr(current, ZCOPY_COUNTER_PAGECACHE_MISS_BYTES,
			      folio_size(folio));
}

/**
 * zc_copy_returned() - charge a deferred copy with what it copied
 * @d: the copy, as the primitive's entry kept it
 * @bytes: what the primitive copied
 *
 * Context: the kretprobe's return handler, in the probed context.
 */
void zc_copy_returned(const struct zc_deferred *d, u64 bytes)
{
	struct zc_copy_ev ev = { .kind = d->kind, .bytes = bytes };

	if (!ev.bytes)
		return;
	ev.site = zc_site_of(d->ip, d->outer_ip, d->prim, d->kind);
	rcu_read_lock();
	zc_add_copy(&zc_global, &ev);
	if (d->task)
		zc_charge_task(current, zc_add_copy_s, &ev);
	rcu_read_unlock();
}

/* ---- this file's probes ---- */

const struct zc_probe_def zc_copy_probes[ZC_NR_PROBES] = {
	ZC_FEXIT(ZC_P_COPY_TO_ITER, "_copy_to_iter", zc_fe_copy_to_iter,
		 ZC_RET_BYTES),
	ZC_FEXIT(ZC_P_COPY_FROM_ITER, "_copy_from_iter", zc_fe_copy_from_iter,
		 ZC_RET_BYTES),
	ZC_FEXIT(ZC_P_COPY_FROM_ITER_NC, "_copy_from_iter_nocache",
		 zc_fe_copy_from_iter_nc, ZC_RET_BYTES),
	ZC_FEXIT(ZC_P_COPY_PAGE_FROM_ITER_ATOMIC, ZC_COPY_FROM_ITER_ATOMIC,
		 zc_fe_copy_page_from_iter_atomic, ZC_RET_BYTES),
	ZC_FEXIT(ZC_P_CSUM_COPY_FROM_ITER, ZC_CSUM_COPY_FROM_ITER,
		 zc_fe_csum_copy_from_iter,
		 ZC_CSUM_COPY_RETURNS_BOOL ? ZC_RET_BOOL : ZC_RET_BYTES),
	ZC_FENTRY(ZC_P_COPY_PAGE_TO_ITER, "copy_page_to_iter",
		  zc_fe_copy_page_to_iter),
	ZC_FENTRY(ZC_P_COPY_PAGE_FROM_ITER, "copy_page_from_iter",
		  zc_fe_copy_page_iter),
	ZC_FENTRY(ZC_P_SKB_COPY_BITS, "skb_copy_bits", zc_fe_skb_copy_bits),
	ZC_FENTRY(ZC_P_SKB_COPY_CSUM, "skb_copy_and_csum_bits",
		  zc_fe_skb_copy_csum),
	ZC_FENTRY(ZC_P_SKB_COPY_UBUFS, "skb_copy_ubufs", zc_fe_skb_copy_ubufs),
	ZC_FENTRY(ZC_P_SKB_CHECKSUM, "skb_checksum", zc_fe_skb_checksum),
	ZC_TRACEPOINT(ZC_P_TP_SYS_ENTER, "sys_enter", zc_tp_sys_enter),
	ZC_TRACEPOINT(ZC_P_TP_SCHED_SWITCH, "sched_switch",
		      zc_tp_sched_switch),
	ZC_TRACEPOINT(ZC_P_TP_FORK, "sched_process_fork", zc_tp_fork),
	ZC_TRACEPOINT(ZC_P_TP_EXIT, "sched_process_exit", zc_tp_exit),
	ZC_TRACEPOINT(ZC_P_TP_EXEC, "sched_process_exec", zc_tp_exec),
	ZC_TRACEPOINT(ZC_P_TP_PAGECACHE_ADD, "mm_filemap_add_to_page_cache",
		      zc_tp_pagecache_add),
};
