// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: the probes, and how each hit is charged.
 *
 * Copies are counted at the innermost primitive only (_copy_to_iter, not
 * also copy_page_to_iter, which calls it), and a site is the function that
 * called the primitive; for the copy_page_*_iter wrappers it is their own
 * caller. DMA is counted where it is mapped, once per mapping call, and
 * charged to a session through the request it serves: a transmitted skb's
 * socket, or a block request's bio. Tracepoints are used where the kernel
 * has them, ftrace function-entry hooks elsewhere; zcopy_compat.h says
 * which.
 */
#include <linux/blk-mq.h>
#include <linux/binfmts.h>
#include <linux/blkdev.h>
#include <linux/dma-direction.h>
#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/pagemap.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/tracepoint.h>
#include <linux/udp.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "zcopy.h"
#include "zcopy_compat.h"

enum zc_probe_id {
	ZC_P_COPY_TO_ITER,
	ZC_P_COPY_FROM_ITER,
	ZC_P_COPY_FROM_ITER_NC,
	ZC_P_COPY_PAGE_FROM_ITER_ATOMIC,
	ZC_P_CSUM_COPY_FROM_ITER,
	ZC_P_COPY_PAGE_TO_ITER,
	ZC_P_COPY_PAGE_FROM_ITER,
	ZC_P_SKB_COPY_BITS,
	ZC_P_SKB_COPY_CSUM,
	ZC_P_SKB_COPY_UBUFS,
	ZC_P_SKB_CHECKSUM,
	ZC_P_TCP_SENDMSG,
#if ZC_HAVE_SENDPAGE
	ZC_P_TCP_SENDPAGES,
#endif
#if ZC_HAVE_DMA_TRACEPOINTS
	ZC_P_TP_DMA_MAP,
	ZC_P_TP_DMA_MAP_SG,
#else
	ZC_P_DMA_MAP_PAGE,
	ZC_P_DMA_MAP_SG,
	ZC_P_DMA_MAP_SGTABLE,
#endif
#if ZC_HAVE_DMA_IOVA
	ZC_P_DMA_IOVA_LINK,
#endif
	ZC_P_TP_XMIT_DONE,	/* armed before, disarmed after, the start */
	ZC_P_TP_XMIT_START,
	ZC_P_TP_BIO_QUEUE,
	ZC_P_TP_BIO_SPLIT,
	ZC_P_TP_BIO_COMPLETE,
	ZC_P_TP_RQ_ISSUE,
	ZC_P_TP_RQ_COMPLETE,
	ZC_P_NVME_SETUP_CMD,	/* opens the window block_rq_issue closes */
	ZC_P_TP_SOCK_STATE,
	ZC_P_TP_SYS_ENTER,
	ZC_P_TP_SCHED_SWITCH,
	ZC_P_TP_FORK,
	ZC_P_TP_EXIT,
	ZC_P_TP_EXEC,
	ZC_P_TP_PAGECACHE_ADD,
	ZC_NR_PROBES,
};

/* How a probe on a copy primitive reads what the copy did. */
enum zc_ret {
	ZC_RET_NONE,		/* entry only: the requested length */
	ZC_RET_BYTES,		/* returns the bytes copied */
	ZC_RET_BOOL,		/* returns whether it copied them all */
};

struct zc_probe {
	const char *name;
	u8 type;
	u8 state;
	u8 ret;					/* enum zc_ret */
	int err;
	void (*fe_fn)(struct pt_regs *regs);	/* function entry */
	unsigned long ip;			/* its ftrace location */
	struct kprobe kp;			/* where ftrace cannot go */
	struct kretprobe rp;			/* what a copy returned */
	void *tp_fn;				/* tracepoints */
	struct tracepoint *tp;
};

static DEFINE_PER_CPU(u64[ZC_NR_PROBES], zc_hits);
static DEFINE_PER_CPU(u64[ZC_NR_PROBES], zc_missed);

/* The caller of a copy_page_*_iter wrapper, for the copy it makes. */
struct zc_outer {
	struct task_struct *task;
	unsigned long ip;
};

static DEFINE_PER_CPU(struct zc_outer, zc_outer);

/*
 * What a CPU is transmitting right now. Transmit runs with bottom halves
 * off, so it cannot move or be interleaved on this CPU but by nesting.
 * The window keeps a copy of the interface's name, never a pointer that
 * could outlive its device. zc_windows_reset() empties it while no probe
 * runs.
 */
#define ZC_XMIT_DEPTH	4

struct zc_window {
	unsigned int xmit_depth;
	struct zc_sids xmit_sids[ZC_XMIT_DEPTH];
	char xmit_name[ZC_XMIT_DEPTH][IFNAMSIZ];
};

static DEFINE_PER_CPU(struct zc_window, zc_window);

/*
 * The request a task is issuing to a block device (nvme_setup_cmd ..
 * block_rq_issue). Issue runs in a task that may be preempted and moved
 * to another CPU in between (7.x kernels preempt, PREEMPT_LAZY), so the
 * window belongs to the task, in a slot hashed from it; a task whose slot
 * another task took meanwhile maps uncharged, which is counted as missed.
 */
#define ZC_RQ_SLOTS_BITS	6

struct zc_rq_slot {
	raw_spinlock_t lock;
	struct task_struct *task;
	const struct request *rq;
	struct zc_sids sids;
};

static struct zc_rq_slot zc_rq_slots[1 << ZC_RQ_SLOTS_BITS] = {
	[0 ... (1 << ZC_RQ_SLOTS_BITS) - 1] = {
		.lock = __RAW_SPIN_LOCK_UNLOCKED(zc_rq_slots.lock),
	},
};

static struct zc_rq_slot *zc_rq_slot(const struct task_struct *t)
{
	return &zc_rq_slots[hash_ptr(t, ZC_RQ_SLOTS_BITS)];
}

static void zc_rq_open(const struct request *rq)
{
	struct zc_rq_slot *r = zc_rq_slot(current);
	struct zc_sids sids;
	unsigned long flags;

	zc_bio_owner(rq->bio, &sids);

	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->task && r->task != current)
		zc_stats_missed();
	r->task = current;
	r->rq = rq;
	r->sids = sids;
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

static void zc_rq_close(const struct request *rq)
{
	struct zc_rq_slot *r = zc_rq_slot(current);
	unsigned long flags;

	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->task == current && r->rq == rq) {
		r->task = NULL;
		r->rq = NULL;
		memset(&r->sids, 0, sizeof(r->sids));
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

/*
 * The sessions of the request current is issuing, copied to @out, and its
 * disk; false if current issues none.
 */
static bool zc_rq_sids(const struct gendisk **disk, struct zc_sids *out)
{
	struct zc_rq_slot *r = zc_rq_slot(current);
	unsigned long flags;
	bool found = false;

	if (READ_ONCE(r->task) != current)
		return false;
	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->task == current) {
		*out = r->sids;
		*disk = r->rq->q->disk;
		found = true;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	return found;
}

/* Context: no probe registered, or none that could run meanwhile. */
static void zc_windows_reset(void)
{
	struct zc_rq_slot *r;
	unsigned long flags;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&zc_window, cpu), 0, sizeof(struct zc_window));
	for (i = 0; i < ARRAY_SIZE(zc_rq_slots); i++) {
		r = &zc_rq_slots[i];
		raw_spin_lock_irqsave(&r->lock, flags);
		r->task = NULL;
		r->rq = NULL;
		memset(&r->sids, 0, sizeof(r->sids));
		raw_spin_unlock_irqrestore(&r->lock, flags);
	}
}

/* Set while a breakpoint kprobe's handler runs on this CPU. */
static DEFINE_PER_CPU(bool, zc_in_bp);

/*
 * A copy seen at a primitive's entry, charged when it returns with what
 * it copied. Set on this CPU while a kretprobe's entry handler runs, with
 * interrupts off: the copy it sees is kept there instead of charged. The
 * entry handler runs in the NMI-like context of the int3 exception, where
 * no lock may be taken: the site (whose first sighting takes the table's
 * lock) is looked up at return, from the addresses kept here.
 */
struct zc_deferred {
	unsigned long ip;	/* the primitive's caller */
	unsigned long outer_ip;	/* the wrapper's caller, or 0 */
	u8 prim;
	u8 kind;
	bool valid;
	bool task;		/* the copy runs in a task: charge its sessions */
	u64 bytes;		/* requested */
};

static DEFINE_PER_CPU(struct zc_deferred *, zc_defer);

/*
 * Whether the probed code runs in a task. A kprobe still on its breakpoint
 * runs its handler in the NMI-like context of the int3 exception, where
 * in_task() is always false: look past what the exception entry added.
 * (An optimized kprobe jumps to its handler in the probed context.)
 */
static bool zc_task_context(void)
{
	unsigned long pc = preempt_count();

	if (__this_cpu_read(zc_in_bp) && in_nmi())
		pc -= ZC_INT3_PREEMPT_OFFSET;
	return !(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET));
}

static inline void zc_hit(enum zc_probe_id id)
{
	this_cpu_inc(zc_hits[id]);
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

struct zc_ctr_ev {
	unsigned int ctr;
	u64 val;
};

static void zc_add_ctr_s(struct zc_session *s, void *arg)
{
	struct zc_ctr_ev *ev = arg;

	this_cpu_add(s->counters.pcpu->ctr[ev->ctr], ev->val);
}

/* Charge a counter globally and to the sessions following a task. */
static void zc_charge_ctr(struct task_struct *t, unsigned int ctr, u64 val)
{
	struct zc_ctr_ev ev = { .ctr = ctr, .val = val };

	this_cpu_add(zc_global.pcpu->ctr[ctr], val);
	zc_charge_task(t, zc_add_ctr_s, &ev);
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
	const char *name = zc_prim_name(prim);
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

struct zc_dma_ev {
	int dev;
	enum zc_dma_dir dir;
	u64 bytes;
	unsigned int maps;
};

static const u8 zc_dir_ctr[] = {
	[ZC_DMA_TO] = ZCOPY_COUNTER_DMA_TO_DEV_BYTES,
	[ZC_DMA_FROM] = ZCOPY_COUNTER_DMA_FROM_DEV_BYTES,
	[ZC_DMA_BIDI] = ZCOPY_COUNTER_DMA_BIDI_BYTES,
};

static void zc_add_dma(struct zc_counters *c, const struct zc_dma_ev *ev)
{
	this_cpu_add(c->pcpu->ctr[zc_dir_ctr[ev->dir]], ev->bytes);
	this_cpu_add(c->pcpu->ctr[ZCOPY_COUNTER_DMA_MAPS], ev->maps);
	if (ev->dev >= 0) {
		this_cpu_add(c->pcpu->dev_bytes[ev->dev][ev->dir], ev->bytes);
		this_cpu_add(c->pcpu->dev_maps[ev->dev], ev->maps);
	}
}

static bool zc_devfilter_match(const struct zc_session *s, int dev)
{
	const struct zc_dev *d;
	unsigned int i;

	if (!s->ndevfilter)
		return true;
	if (dev < 0)
		return false;
	d = zc_dev(dev);
	for (i = 0; i < s->ndevfilter; i++)
		if (!strcmp(s->devfilter[i], d->name) ||
		    !strcmp(s->devfilter[i], d->driver) ||
		    !strcmp(s->devfilter[i], d->label))
			return true;
	return false;
}

/*
 * The sessions a mapping on this CPU serves, copied to @out, and a label
 * for its device; false if it serves none.
 */
static bool zc_window_sids(int dev, struct zc_sids *out)
{
	struct zc_window *w = this_cpu_ptr(&zc_window);

	if (w->xmit_depth) {
		unsigned int top = min(w->xmit_depth, ZC_XMIT_DEPTH) - 1;

		if (w->xmit_name[top][0])
			zc_dev_set_label(dev, w->xmit_name[top]);
		*out = w->xmit_sids[top];
		return true;
	}
	/* A softirq runs in whatever task it interrupted: not the issuer. */
	if (zc_task_context()) {
		const struct gendisk *disk = NULL;

		if (!zc_rq_sids(&disk, out))
			return false;
		if (disk)
			zc_dev_set_label(dev, disk->disk_name);
		return true;
	}
	return false;
}

static void zc_add_dma_s(struct zc_session *s, void *arg)
{
	const struct zc_dma_ev *ev = arg;

	if (zc_devfilter_match(s, ev->dev))
		zc_add_dma(&s->counters, ev);
}

static void zc_dma(struct device *dev, enum dma_data_direction dir,
		   u64 bytes, unsigned int maps)
{
	struct zc_dma_ev ev = { .bytes = bytes, .maps = maps };
	struct zc_sids ids;

	switch (dir) {
	case DMA_TO_DEVICE:
		ev.dir = ZC_DMA_TO;
		break;
	case DMA_FROM_DEVICE:
		ev.dir = ZC_DMA_FROM;
		break;
	case DMA_BIDIRECTIONAL:
		ev.dir = ZC_DMA_BIDI;
		break;
	default:
		return;
	}
	ev.dev = zc_dev_get(dev);
	if (ev.dev < 0)
		zc_stats_missed();
	zc_add_dma(&zc_global, &ev);
	if (zc_window_sids(ev.dev, &ids))
		zc_sids_charge(&ids, zc_add_dma_s, &ev);
}

static u64 zc_sg_bytes(struct scatterlist *sgl, int nents)
{
	struct scatterlist *sg;
	u64 bytes = 0;
	int i;

	for_each_sg(sgl, sg, nents, i)
		bytes += sg->length;
	return bytes;
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

/* ---- ownership and windows ---- */

/*
 * tcp_sendmsg_locked(struct sock *sk, ...) and, before 6.5,
 * do_tcp_sendpages(struct sock *sk, ...): the task sending owns the socket.
 */
static void zc_fe_tcp_send(struct pt_regs *regs)
{
	if (zc_task_context())
		zc_sock_claim((struct sock *)ZC_ARG(regs, 0));
}

/* blk_status_t nvme_setup_cmd(struct nvme_ns *ns, struct request *req) */
static void zc_fe_nvme_setup_cmd(struct pt_regs *regs)
{
	const struct request *rq = (const struct request *)ZC_ARG(regs, 1);

	if (zc_task_context())
		zc_rq_open(rq);
}

static void zc_tp_rq_issue(void *data, struct request *rq)
{
	zc_hit(ZC_P_TP_RQ_ISSUE);
	if (zc_task_context())
		zc_rq_close(rq);
}

/*
 * The header bytes a NIC replicates when it segments @skb: every segment
 * after the first repeats the protocol headers (not the linear payload
 * that may follow them). An untrusted GSO skb (SKB_GSO_DODGY, from a
 * virtio_net_hdr) may still say 0 segments.
 */
static u64 zc_gso_hdr_bytes(const struct sk_buff *skb)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	unsigned int hdr, thoff;

	if (!skb_is_gso(skb) || sh->gso_segs < 2 ||
	    !skb_transport_header_was_set(skb))
		return 0;
	thoff = skb_transport_offset(skb);
	if (sh->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) {
		if (thoff + sizeof(struct tcphdr) > skb_headlen(skb))
			return 0;
		hdr = skb_tcp_all_headers(skb);
	} else if (sh->gso_type & SKB_GSO_UDP_L4) {
		hdr = thoff + sizeof(struct udphdr);
	} else {
		return 0;
	}
	return (u64)(sh->gso_segs - 1) * min(hdr, skb_headlen(skb));
}

static void zc_add_ctr_sids(const struct zc_sids *ids, unsigned int ctr,
			    u64 val)
{
	struct zc_ctr_ev ev = { .ctr = ctr, .val = val };

	this_cpu_add(zc_global.pcpu->ctr[ctr], val);
	zc_sids_charge(ids, zc_add_ctr_s, &ev);
}

static void zc_tp_xmit_start(void *data, const struct sk_buff *skb,
			     const struct net_device *dev)
{
	struct zc_window *w = this_cpu_ptr(&zc_window);
	unsigned int d = w->xmit_depth++;
	struct zc_sids ids;
	u64 hdr;

	zc_hit(ZC_P_TP_XMIT_START);
	zc_sock_owner(skb->sk, &ids);
	if (d < ZC_XMIT_DEPTH) {
		w->xmit_sids[d] = ids;
		memcpy(w->xmit_name[d], dev->name, IFNAMSIZ);
	}
	hdr = zc_gso_hdr_bytes(skb);
	if (hdr)
		zc_add_ctr_sids(&ids, ZCOPY_COUNTER_NIC_HDR_BYTES, hdr);
}

static void zc_tp_xmit_done(void *data, struct sk_buff *skb, int rc,
			    struct net_device *dev, unsigned int skb_len)
{
	struct zc_window *w = this_cpu_ptr(&zc_window);

	zc_hit(ZC_P_TP_XMIT_DONE);
	if (w->xmit_depth)
		w->xmit_depth--;
}

static void zc_tp_bio_queue(void *data, struct bio *bio)
{
	zc_hit(ZC_P_TP_BIO_QUEUE);
	zc_bio_claim(bio);
}

/*
 * A bio split to the queue's limits goes on as a new bio, which is not
 * queued through block_bio_queue again: it is split in the submitter's
 * context, and claimed there.
 */
static void zc_tp_bio_split(void *data, struct bio *bio,
			    unsigned int new_sector)
{
	zc_hit(ZC_P_TP_BIO_SPLIT);
	zc_bio_claim(bio);
}

static void zc_tp_bio_complete(void *data, struct request_queue *q,
			       struct bio *bio)
{
	zc_hit(ZC_P_TP_BIO_COMPLETE);
	zc_bio_release(bio);
}

/* Request-based drivers complete bios through the request, not bio_endio. */
static void zc_tp_rq_complete(void *data, struct request *rq, blk_status_t error,
			      unsigned int nr_bytes)
{
	struct bio *bio;

	zc_hit(ZC_P_TP_RQ_COMPLETE);
	__rq_for_each_bio(bio, rq)
		zc_bio_release(bio);
}

static void zc_tp_sock_state(void *data, const struct sock *sk,
			     const int oldstate, const int newstate)
{
	zc_hit(ZC_P_TP_SOCK_STATE);
	if (newstate == TCP_CLOSE)
		zc_sock_release(sk);
}

/* ---- DMA ---- */

#if ZC_HAVE_DMA_TRACEPOINTS
/*
 * dma:dma_map_page (6.12) or dma:dma_map_phys (7.x), once per mapping:
 * dma_map_page_attrs() is a wrapper of dma_map_phys() on 7.x, so neither is
 * hooked besides. A resource (MMIO) mapping is no payload.
 */
static void zc_tp_dma_map(void *data, struct device *dev,
			  phys_addr_t phys, dma_addr_t dma, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	zc_hit(ZC_P_TP_DMA_MAP);
	if (dma != DMA_MAPPING_ERROR && !(attrs & ZC_DMA_ATTR_MMIO))
		zc_dma(dev, dir, size, 1);
}

static void zc_tp_dma_map_sg(void *data, struct device *dev,
			     struct scatterlist *sgl, int nents, int ents,
			     enum dma_data_direction dir, unsigned long attrs)
{
	zc_hit(ZC_P_TP_DMA_MAP_SG);
	zc_dma(dev, dir, zc_sg_bytes(sgl, nents), 1);
}
#else
/* dma_map_page_attrs(dev, page, offset, size, dir, attrs) */
static void zc_fe_dma_map_page(struct pt_regs *regs)
{
	zc_dma((struct device *)ZC_ARG(regs, 0), ZC_ARG(regs, 4),
	       ZC_ARG(regs, 3), 1);
}

/* dma_map_sg_attrs(dev, sg, nents, dir, attrs) */
static void zc_fe_dma_map_sg(struct pt_regs *regs)
{
	zc_dma((struct device *)ZC_ARG(regs, 0), ZC_ARG(regs, 3),
	       zc_sg_bytes((struct scatterlist *)ZC_ARG(regs, 1),
			   ZC_ARG(regs, 2)), 1);
}

/* dma_map_sgtable(dev, sgt, dir, attrs) */
static void zc_fe_dma_map_sgtable(struct pt_regs *regs)
{
	struct sg_table *sgt = (struct sg_table *)ZC_ARG(regs, 1);

	zc_dma((struct device *)ZC_ARG(regs, 0), ZC_ARG(regs, 2),
	       zc_sg_bytes(sgt->sgl, sgt->orig_nents), 1);
}
#endif

#if ZC_HAVE_DMA_IOVA
/*
 * int dma_iova_link(dev, state, phys, offset, size, dir, attrs): one
 * segment of a two-step IOVA mapping (blk_rq_dma_map_iter_start with an
 * IOMMU), which no dma tracepoint reports. Counted at entry, as a mapping.
 */
static void zc_fe_dma_iova_link(struct pt_regs *regs)
{
	if (!(ZC_ARG(regs, 6) & ZC_DMA_ATTR_MMIO))
		zc_dma((struct device *)ZC_ARG(regs, 0), ZC_ARG(regs, 5),
		       ZC_ARG(regs, 4), 1);
}
#endif

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

/* ---- the table ---- */

#define ZC_FENTRY(_id, _name, _fn) \
	[_id] = { .name = _name, .type = ZCOPY_PROBE_TYPE_FENTRY, .fe_fn = _fn }
#define ZC_FEXIT(_id, _name, _fn, _ret) \
	[_id] = { .name = _name, .type = ZCOPY_PROBE_TYPE_KRETPROBE, \
		  .fe_fn = _fn, .ret = _ret }
#define ZC_TRACEPOINT(_id, _name, _fn) \
	[_id] = { .name = _name, .type = ZCOPY_PROBE_TYPE_TRACEPOINT, \
		  .tp_fn = _fn }

static struct zc_probe zc_probes[ZC_NR_PROBES] = {
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
	ZC_FENTRY(ZC_P_TCP_SENDMSG, "tcp_sendmsg_locked", zc_fe_tcp_send),
#if ZC_HAVE_SENDPAGE
	ZC_FENTRY(ZC_P_TCP_SENDPAGES, "do_tcp_sendpages", zc_fe_tcp_send),
#endif
	ZC_FENTRY(ZC_P_NVME_SETUP_CMD, "nvme_setup_cmd", zc_fe_nvme_setup_cmd),
#if ZC_HAVE_DMA_TRACEPOINTS
	ZC_TRACEPOINT(ZC_P_TP_DMA_MAP, ZC_DMA_MAP_TRACEPOINT, zc_tp_dma_map),
	ZC_TRACEPOINT(ZC_P_TP_DMA_MAP_SG, "dma_map_sg", zc_tp_dma_map_sg),
#else
	ZC_FENTRY(ZC_P_DMA_MAP_PAGE, "dma_map_page_attrs", zc_fe_dma_map_page),
	ZC_FENTRY(ZC_P_DMA_MAP_SG, "dma_map_sg_attrs", zc_fe_dma_map_sg),
	ZC_FENTRY(ZC_P_DMA_MAP_SGTABLE, "dma_map_sgtable",
		  zc_fe_dma_map_sgtable),
#endif
#if ZC_HAVE_DMA_IOVA
	ZC_FENTRY(ZC_P_DMA_IOVA_LINK, "dma_iova_link", zc_fe_dma_iova_link),
#endif
	ZC_TRACEPOINT(ZC_P_TP_XMIT_DONE, "net_dev_xmit", zc_tp_xmit_done),
	ZC_TRACEPOINT(ZC_P_TP_XMIT_START, "net_dev_start_xmit",
		      zc_tp_xmit_start),
	ZC_TRACEPOINT(ZC_P_TP_BIO_QUEUE, "block_bio_queue", zc_tp_bio_queue),
	ZC_TRACEPOINT(ZC_P_TP_BIO_SPLIT, "block_split", zc_tp_bio_split),
	ZC_TRACEPOINT(ZC_P_TP_BIO_COMPLETE, "block_bio_complete",
		      zc_tp_bio_complete),
	ZC_TRACEPOINT(ZC_P_TP_RQ_ISSUE, "block_rq_issue", zc_tp_rq_issue),
	ZC_TRACEPOINT(ZC_P_TP_RQ_COMPLETE, "block_rq_complete",
		      zc_tp_rq_complete),
	ZC_TRACEPOINT(ZC_P_TP_SOCK_STATE, "inet_sock_set_state",
		      zc_tp_sock_state),
	ZC_TRACEPOINT(ZC_P_TP_SYS_ENTER, "sys_enter", zc_tp_sys_enter),
	ZC_TRACEPOINT(ZC_P_TP_SCHED_SWITCH, "sched_switch",
		      zc_tp_sched_switch),
	ZC_TRACEPOINT(ZC_P_TP_FORK, "sched_process_fork", zc_tp_fork),
	ZC_TRACEPOINT(ZC_P_TP_EXIT, "sched_process_exit", zc_tp_exit),
	ZC_TRACEPOINT(ZC_P_TP_EXEC, "sched_process_exec", zc_tp_exec),
	ZC_TRACEPOINT(ZC_P_TP_PAGECACHE_ADD, "mm_filemap_add_to_page_cache",
		      zc_tp_pagecache_add),
};

/**
 * zc_prim_name() - the name of a copy primitive
 * @prim: its probe index, as stored in a site
 *
 * Return: the hooked function's name.
 */
const char *zc_prim_name(u8 prim)
{
	return prim < ZC_NR_PROBES ? zc_probes[prim].name : "?";
}

static void zc_tp_lookup(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ZC_NR_PROBES; i++)
		if (zc_probes[i].type == ZCOPY_PROBE_TYPE_TRACEPOINT &&
		    !strcmp(tp->name, zc_probes[i].name))
			zc_probes[i].tp = tp;
}

/*
 * Function entries are hooked through ftrace rather than kprobes: ftrace's
 * recursion guard is per context, so a softirq that interrupts a handler
 * is still counted, where a kprobe would drop its hit as missed. Only a
 * true recursion in the same context is refused, and counted.
 *
 * One ftrace_ops serves every such function, its filter their locations:
 * arming patches the kernel's text once and disarming waits for one set
 * of grace periods, where an ops per function did both once per function
 * (about 150 ms each under TCG). The handler finds its probe by the
 * location; zc_fentry_probes[] changes only while zc_fops is unregistered.
 */
static struct ftrace_ops zc_fops;
static bool zc_fops_filtered;		/* zc_fops has a filter hash */
static struct zc_probe *zc_fentry_probes[ZC_NR_PROBES];
static unsigned int zc_nr_fentry;

static struct zc_probe *zc_fentry_probe(unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < zc_nr_fentry; i++)
		if (zc_fentry_probes[i]->ip == ip)
			return zc_fentry_probes[i];
	return NULL;
}

static void zc_fentry(unsigned long ip, unsigned long parent_ip,
		      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct zc_probe *p = zc_fentry_probe(ip);
	int bit;

	if (unlikely(!p))	/* the filter holds only the table's */
		return;
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0) {
		this_cpu_inc(zc_missed[p - zc_probes]);
		return;
	}
	zc_hit(p - zc_probes);
	p->fe_fn(ftrace_get_regs(fregs));
	ftrace_test_recursion_unlock(bit);
}

/*
 * Functions built without ftrace's entry call (all of lib/ on 6.12) get a
 * breakpoint kprobe instead. Its handler runs with interrupts off, so
 * nothing nests in it; a hit it refuses is still counted as missed.
 */
static int zc_kprobe(struct kprobe *kp, struct pt_regs *regs)
{
	struct zc_probe *p = container_of(kp, struct zc_probe, kp);

	zc_hit(p - zc_probes);
	__this_cpu_write(zc_in_bp, true);
	p->fe_fn(regs);
	__this_cpu_write(zc_in_bp, false);
	return 0;
}

/*
 * The copy primitives get a kretprobe: the entry handler sees the copy
 * (its site, its iterator) as the entry hooks do, the return handler
 * charges what the primitive returned, so that a copy cut short by a
 * fault, or an atomic copy that generic_perform_write() retries, counts
 * the bytes that were copied. Copies to user memory may sleep on a page
 * fault, holding their instance: there are plenty; a call that finds
 * none is counted as missed.
 */
#define ZC_KRET_MAXACTIVE	256

static int zc_kret_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct zc_probe *p = container_of(get_kretprobe(ri), struct zc_probe,
					  rp);
	struct zc_deferred *d = (struct zc_deferred *)ri->data;
	unsigned long flags;

	zc_hit(p - zc_probes);
	d->valid = false;
	local_irq_save(flags);
	__this_cpu_write(zc_defer, d);
	__this_cpu_write(zc_in_bp, true);
	p->fe_fn(regs);
	__this_cpu_write(zc_in_bp, false);
	__this_cpu_write(zc_defer, NULL);
	local_irq_restore(flags);
	/* Non-zero: nothing to charge, no return hook. */
	return !d->valid;
}

static int zc_kret_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct zc_probe *p = container_of(get_kretprobe(ri), struct zc_probe,
					  rp);
	struct zc_deferred *d = (struct zc_deferred *)ri->data;
	unsigned long ret = regs_return_value(regs);
	struct zc_copy_ev ev = { .kind = d->kind };

	if (p->ret == ZC_RET_BOOL)
		ev.bytes = (u8)ret ? d->bytes : 0;
	else
		ev.bytes = min_t(u64, ret, d->bytes);
	if (!ev.bytes)
		return 0;
	ev.site = zc_site_of(d->ip, d->outer_ip, d->prim, d->kind);
	rcu_read_lock();
	zc_add_copy(&zc_global, &ev);
	if (d->task)
		zc_charge_task(current, zc_add_copy_s, &ev);
	rcu_read_unlock();
	return 0;
}

static int zc_probe_register_kretprobe(struct zc_probe *p)
{
	memset(&p->rp, 0, sizeof(p->rp));
	p->rp.kp.symbol_name = p->name;
	p->rp.entry_handler = zc_kret_entry;
	p->rp.handler = zc_kret_return;
	p->rp.data_size = sizeof(struct zc_deferred);
	p->rp.maxactive = ZC_KRET_MAXACTIVE;
	return register_kretprobe(&p->rp);
}

/*
 * A function-entry probe is located with a disabled kprobe: registering
 * it resolves the symbol (past an ENDBR) and tells whether the function
 * has an ftrace location. If it has, the probe joins zc_fops and the
 * kprobe goes, with the others, after one grace period; if not, the
 * kprobe is enabled and is the hook.
 */
static int zc_entry_register(struct zc_probe *p)
{
	int err;

	memset(&p->kp, 0, sizeof(p->kp));
	p->kp.symbol_name = p->name;
	p->kp.pre_handler = zc_kprobe;
	p->kp.flags = KPROBE_FLAG_DISABLED;
	err = register_kprobe(&p->kp);
	if (err)
		return err;
	if (kprobe_ftrace(&p->kp)) {
		p->type = ZCOPY_PROBE_TYPE_FENTRY;
		p->ip = (unsigned long)p->kp.addr;
		zc_fentry_probes[zc_nr_fentry++] = p;
		return 0;
	}
	p->type = ZCOPY_PROBE_TYPE_KPROBE;
	err = enable_kprobe(&p->kp);
	if (err)
		unregister_kprobe(&p->kp);
	return err;
}

/* The located entries: their kprobes go, zc_fops is registered once. */
static void zc_fops_register(void)
{
	struct kprobe *kps[ZC_NR_PROBES];
	unsigned long ips[ZC_NR_PROBES];
	unsigned int i, n = zc_nr_fentry;
	int err;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		kps[i] = &zc_fentry_probes[i]->kp;
		ips[i] = zc_fentry_probes[i]->ip;
	}
	unregister_kprobes(kps, n);
	zc_fops.func = zc_fentry;
	zc_fops.flags = FTRACE_OPS_FL_SAVE_REGS;
	err = ftrace_set_filter_ips(&zc_fops, ips, n, 0, 1);
	if (!err) {
		zc_fops_filtered = true;
		err = register_ftrace_function(&zc_fops);
	}
	if (!err)
		return;
	for (i = 0; i < n; i++) {
		zc_fentry_probes[i]->err = err;
		zc_fentry_probes[i]->state = ZCOPY_PROBE_STATE_UNAVAILABLE;
	}
	zc_nr_fentry = 0;
}

static int zc_probe_register(struct zc_probe *p)
{
	if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT) {
		if (!p->tp)
			return -ENOENT;
		return tracepoint_probe_register(p->tp, p->tp_fn, NULL);
	}
	if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
		return zc_probe_register_kretprobe(p);
	return zc_entry_register(p);
}

/* Each kind of hook removed in one call: one grace period per kind. */
static void zc_probes_unregister(void)
{
	struct kretprobe *rps[ZC_NR_PROBES];
	struct kprobe *kps[ZC_NR_PROBES];
	unsigned int i, nr = 0, nk = 0;

	if (zc_nr_fentry)
		unregister_ftrace_function(&zc_fops);
	zc_nr_fentry = 0;
	for (i = ZC_NR_PROBES; i-- > 0;) {
		struct zc_probe *p = &zc_probes[i];

		if (p->state != ZCOPY_PROBE_STATE_ACTIVE)
			continue;
		if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT)
			tracepoint_probe_unregister(p->tp, p->tp_fn, NULL);
		else if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
			rps[nr++] = &p->rp;
		else if (p->type == ZCOPY_PROBE_TYPE_KPROBE)
			kps[nk++] = &p->kp;
	}
	if (nk)
		unregister_kprobes(kps, nk);
	if (nr)
		unregister_kretprobes(rps, nr);
	for (i = 0; i < ZC_NR_PROBES; i++) {
		struct zc_probe *p = &zc_probes[i];

		if (p->state != ZCOPY_PROBE_STATE_ACTIVE)
			continue;
		if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
			this_cpu_add(zc_missed[i],
				     p->rp.nmissed + p->rp.kp.nmissed);
		else if (p->type == ZCOPY_PROBE_TYPE_KPROBE)
			this_cpu_add(zc_missed[i], p->kp.nmissed);
		p->state = ZCOPY_PROBE_STATE_OFF;
	}
}

/*
 * skip_probes: the probes (as zcopy probes names them) an administrator
 * leaves out, from the next arming on, e.g. sys_enter and sched_switch,
 * which fire for every task of the machine. A counter that only they feed
 * is then not measured, and reported as such, never as 0.
 */
static char *zc_skip_probes = "";

static const char *zc_skip_next(const char *s, size_t *len)
{
	s += strspn(s, ", \t\n");
	*len = strcspn(s, ", \t\n");
	return s;
}

static bool zc_skip_listed(const char *list, const char *name)
{
	size_t len;

	for (list = zc_skip_next(list, &len); len;
	     list = zc_skip_next(list + len, &len))
		if (len == strlen(name) && !strncmp(list, name, len))
			return true;
	return false;
}

static int zc_skip_set(const char *val, const struct kernel_param *kp)
{
	const char *s;
	unsigned int i;
	size_t len;

	zc_skip_next(val, &len);
	if (!len)			/* no name: skip none */
		return param_set_charp("", kp);
	for (s = zc_skip_next(val, &len); len; s = zc_skip_next(s + len, &len)) {
		for (i = 0; i < ZC_NR_PROBES; i++)
			if (len == strlen(zc_probes[i].name) &&
			    !strncmp(s, zc_probes[i].name, len))
				break;
		if (i == ZC_NR_PROBES) {
			pr_err("skip_probes: no probe named %.*s (zcopy probes lists them)\n",
			       (int)min_t(size_t, len, 64), s);
			return -EINVAL;
		}
	}
	return param_set_charp(val, kp);
}

static const struct kernel_param_ops zc_skip_ops = {
	.set = zc_skip_set,
	.get = param_get_charp,
	.free = param_free_charp,
};
module_param_cb(skip_probes, &zc_skip_ops, &zc_skip_probes, 0644);
MODULE_PARM_DESC(skip_probes,
		 "Probes not to register, comma-separated (from the next arming)");

static bool zc_probe_skipped(const struct zc_probe *p)
{
	bool skip;

	kernel_param_lock(THIS_MODULE);
	skip = zc_skip_probes && zc_skip_listed(zc_skip_probes, p->name);
	kernel_param_unlock(THIS_MODULE);
	return skip;
}

/**
 * zc_probes_arm() - register every probe this kernel can have
 *
 * A probe the kernel cannot take (a symbol missing, a module not loaded)
 * is left unavailable with its errno; the others still count, and the
 * probe list tells what is missing.
 *
 * Context: process context, under zc_lock.
 * Return: 0, or -ENOENT if no probe at all could be registered.
 */
int zc_probes_arm(void)
{
	unsigned int i, active = 0;

	lockdep_assert_held(&zc_lock);
	zc_windows_reset();
	for_each_kernel_tracepoint(zc_tp_lookup, NULL);
	for (i = 0; i < ZC_NR_PROBES; i++) {
		struct zc_probe *p = &zc_probes[i];

		p->err = zc_probe_skipped(p) ? -ECANCELED :
			 zc_probe_register(p);
		p->state = p->err ? ZCOPY_PROBE_STATE_UNAVAILABLE :
				    ZCOPY_PROBE_STATE_ACTIVE;
	}
	/* Last on, first off: it holds nvme_setup_cmd, which opens a window. */
	zc_fops_register();
	for (i = 0; i < ZC_NR_PROBES; i++)
		if (zc_probes[i].state == ZCOPY_PROBE_STATE_ACTIVE)
			active++;
	if (active)
		return 0;
	zc_probes_disarm();
	return -ENOENT;
}

/**
 * zc_probes_disarm() - unregister every active probe
 *
 * In the reverse order of zc_probes_arm(): a hook that closes a window
 * (net_dev_xmit, block_rq_issue) is armed before, and removed after, the
 * one that opens it (net_dev_start_xmit, nvme_setup_cmd in zc_fops). Each
 * kind of hook goes in one call, so that one grace period serves all of
 * its kind. Once no handler can run any more, the windows are emptied.
 *
 * Context: process context, under zc_lock (or at module exit).
 */
void zc_probes_disarm(void)
{
	zc_probes_unregister();
	/* Tracepoint handlers, and any function-entry hook, have returned. */
	tracepoint_synchronize_unregister();
	zc_windows_reset();
}

/**
 * zc_probes_count() - how many probes this kernel's table has
 *
 * Return: the number of entries zc_probe_info() describes.
 */
unsigned int zc_probes_count(void)
{
	return ZC_NR_PROBES;
}

/* What zcopy probes lists for a site it could not hook here. */
#define ZC_NA	"unavailable on this kernel: "

static const char *zc_probe_reason(const struct zc_probe *p)
{
	if (p->state != ZCOPY_PROBE_STATE_UNAVAILABLE)
		return NULL;
	switch (p->err) {
	case -ECANCELED:
		return "left out: the skip_probes module parameter names it";
	case -ENOENT:
		if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT)
			return ZC_NA "no such tracepoint";
		return ZC_NA "no such function (absent, inlined, or its module is not loaded)";
	case -EINVAL:
		return ZC_NA "the kernel refuses a probe on this function";
	case -EBUSY:
		return ZC_NA "the function is already hooked exclusively";
	default:
		return ZC_NA "registration failed";
	}
}

/**
 * zc_probe_info() - describe one probe
 * @i: probe index below zc_probes_count()
 * @info: filled in
 *
 * Context: process context, under zc_lock.
 */
void zc_probe_info(unsigned int i, struct zc_probe_info *info)
{
	const struct zc_probe *p = &zc_probes[i];
	int cpu;

	info->name = p->name;
	info->type = p->type;
	info->state = p->state;
	info->reason = zc_probe_reason(p);
	info->hits = 0;
	info->missed = 0;
	for_each_possible_cpu(cpu) {
		info->hits += per_cpu(zc_hits, cpu)[i];
		info->missed += per_cpu(zc_missed, cpu)[i];
	}
	if (p->type == ZCOPY_PROBE_TYPE_KPROBE &&
	    p->state == ZCOPY_PROBE_STATE_ACTIVE)
		info->missed += READ_ONCE(p->kp.nmissed);
	if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE &&
	    p->state == ZCOPY_PROBE_STATE_ACTIVE)
		info->missed += READ_ONCE(p->rp.nmissed) +
				READ_ONCE(p->rp.kp.nmissed);
}

/* The probes that feed a counter, for zc_counter_measured(). */
static bool zc_any_available(const u8 *ids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (READ_ONCE(zc_probes[ids[i]].state) !=
		    ZCOPY_PROBE_STATE_UNAVAILABLE)
			return true;
	return false;
}

/**
 * zc_counter_measured() - whether this kernel can measure a counter
 * @ctr: a ZCOPY_COUNTER_* index
 *
 * A counter every one of whose probes is unavailable here would read 0
 * for want of a hook: its readers leave it out instead.
 *
 * Context: any.
 * Return: false if no probe feeding @ctr could be registered.
 */
bool zc_counter_measured(unsigned int ctr)
{
	static const u8 dma[] = {
#if ZC_HAVE_DMA_TRACEPOINTS
		ZC_P_TP_DMA_MAP, ZC_P_TP_DMA_MAP_SG,
#else
		ZC_P_DMA_MAP_PAGE, ZC_P_DMA_MAP_SG, ZC_P_DMA_MAP_SGTABLE,
#endif
#if ZC_HAVE_DMA_IOVA
		ZC_P_DMA_IOVA_LINK,
#endif
	};
	static const u8 copy[] = {
		ZC_P_COPY_TO_ITER, ZC_P_COPY_FROM_ITER, ZC_P_COPY_FROM_ITER_NC,
		ZC_P_COPY_PAGE_FROM_ITER_ATOMIC, ZC_P_CSUM_COPY_FROM_ITER,
		ZC_P_SKB_COPY_BITS, ZC_P_SKB_COPY_CSUM, ZC_P_SKB_COPY_UBUFS,
	};
	static const u8 pipe[] = { ZC_P_COPY_PAGE_TO_ITER };
	static const u8 csum[] = { ZC_P_SKB_CHECKSUM };
	static const u8 sys[] = { ZC_P_TP_SYS_ENTER };
	static const u8 sched[] = { ZC_P_TP_SCHED_SWITCH };
	static const u8 pgc[] = { ZC_P_TP_PAGECACHE_ADD };
	static const u8 xmit[] = { ZC_P_TP_XMIT_START };

	switch (ctr) {
	case ZCOPY_COUNTER_COPY_U2K_BYTES:
	case ZCOPY_COUNTER_COPY_K2U_BYTES:
	case ZCOPY_COUNTER_COPY_K2K_BYTES:
	case ZCOPY_COUNTER_COPY_CALLS:
		return zc_any_available(copy, ARRAY_SIZE(copy));
	case ZCOPY_COUNTER_CSUM_BYTES:
		return zc_any_available(csum, ARRAY_SIZE(csum));
	case ZCOPY_COUNTER_PIPE_REF_BYTES:
		return zc_any_available(pipe, ARRAY_SIZE(pipe));
	case ZCOPY_COUNTER_DMA_TO_DEV_BYTES:
	case ZCOPY_COUNTER_DMA_FROM_DEV_BYTES:
	case ZCOPY_COUNTER_DMA_BIDI_BYTES:
	case ZCOPY_COUNTER_DMA_MAPS:
		return zc_any_available(dma, ARRAY_SIZE(dma));
	case ZCOPY_COUNTER_SYSCALLS:
		return zc_any_available(sys, ARRAY_SIZE(sys));
	case ZCOPY_COUNTER_CTX_SWITCHES_VOL:
	case ZCOPY_COUNTER_CTX_SWITCHES_INVOL:
		return zc_any_available(sched, ARRAY_SIZE(sched));
	case ZCOPY_COUNTER_PAGECACHE_MISS_BYTES:
		return zc_any_available(pgc, ARRAY_SIZE(pgc));
	case ZCOPY_COUNTER_NIC_HDR_BYTES:
		return zc_any_available(xmit, ARRAY_SIZE(xmit));
	default:
		return true;
	}
}

/*
 * Hits that could not be handled, over all probes: the recursion guard's
 * refusals and the kprobes' own counts. zc_stats reads it through the
 * callback zc_probes_init() sets.
 */
static u64 zc_probes_missed(void)
{
	unsigned int i;
	u64 missed = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < ZC_NR_PROBES; i++)
			missed += per_cpu(zc_missed, cpu)[i];
	for (i = 0; i < ZC_NR_PROBES; i++) {
		const struct zc_probe *p = &zc_probes[i];

		if (READ_ONCE(p->state) != ZCOPY_PROBE_STATE_ACTIVE)
			continue;
		if (p->type == ZCOPY_PROBE_TYPE_KPROBE)
			missed += READ_ONCE(p->kp.nmissed);
		else if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
			missed += READ_ONCE(p->rp.nmissed) +
				  READ_ONCE(p->rp.kp.nmissed);
	}
	return missed;
}

/**
 * zc_probes_init() - push the probes' missed count down to the counters
 *
 * Context: module init, after zc_stats_init().
 */
void zc_probes_init(void)
{
	zc_stats_set_missed(zc_probes_missed);
}

/**
 * zc_probes_exit() - undo zc_probes_init() and free what registrations
 * left behind
 *
 * The filter of zc_fops outlives its (un)registrations; it goes with the
 * module.
 *
 * Context: module exit, after the last zc_probes_disarm().
 */
void zc_probes_exit(void)
{
	zc_stats_set_missed(NULL);
	if (zc_fops_filtered)
		ftrace_free_filter(&zc_fops);
	zc_fops_filtered = false;
}
