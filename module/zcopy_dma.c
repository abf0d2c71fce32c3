// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: DMA, and the windows that tell whose it is.
 *
 * DMA is counted where it is mapped, once per mapping call, and charged
 * to a session through the request it serves: a transmitted skb's socket
 * (the transmit window, net_dev_start_xmit .. net_dev_xmit, on this CPU),
 * or a block request's bio (the issue window, nvme_setup_cmd ..
 * block_rq_issue, of the issuing task). The sockets and bios get their
 * owners here too, from the tasks that send on them or queue them.
 * Tracepoints are used where the kernel has them, ftrace function-entry
 * hooks elsewhere; zcopy_compat.h says which.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/dma-direction.h>
#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/tracepoint.h>
#include <linux/udp.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "zcopy.h"
#include "zcopy_compat.h"

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

/**
 * zc_windows_reset() - empty every transmit and issue window
 *
 * Context: no probe registered, or none that could run meanwhile.
 */
void zc_windows_reset(void)
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
		zc_charge_ctr_sids(&ids, ZCOPY_COUNTER_NIC_HDR_BYTES, hdr);
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

/* ---- this file's probes ---- */

const struct zc_probe_def zc_dma_probes[ZC_NR_PROBES] = {
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
};
