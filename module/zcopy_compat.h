/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy: every difference between the kernel lines zcopy supports.
 *
 * The rest of the module reads as if there were one kernel. Supported:
 * 6.1 (Debian bookworm), 6.12 (bookworm-backports) and 7.3
 * (trixie-backports), x86_64. Each test below was checked against those
 * three kernels' headers and sources; where a feature macro marks a change
 * it is tested instead of a version, and where none does, the version is
 * bounded by 6.12 (without) and the 6.18 kallsyms seen here (with).
 */
#ifndef _ZCOPY_COMPAT_H
#define _ZCOPY_COMPAT_H

#include <linux/capability.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/tracepoint.h>
#include <linux/uio.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "zcopy needs Linux 6.1 or later"
#endif

#ifndef CONFIG_64BIT
#error "zcopy's per-CPU 64-bit counters assume a 64-bit kernel"
#endif

/*
 * Until 6.5, sendfile and splice reached TCP through ->sendpage
 * (do_tcp_sendpages); since, through sendmsg with MSG_SPLICE_PAGES.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define ZC_HAVE_SENDPAGE	1
#else
#define ZC_HAVE_SENDPAGE	0
#endif

/*
 * 6.12 added the dma tracepoints (dma_map_page, dma_map_sg); before, the
 * mapping functions are probed at entry. Both paths see every mapping
 * exactly once: dma_map_sg_attrs and dma_map_sgtable do not call each
 * other, and the tracepoints fire once per mapping call.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define ZC_HAVE_DMA_TRACEPOINTS	1
#else
#define ZC_HAVE_DMA_TRACEPOINTS	0
#endif

/*
 * The physical-address DMA API (6.18, the series that added DMA_ATTR_MMIO):
 * dma_map_page_attrs() and dma_map_resource() became wrappers of
 * dma_map_phys(), whose one tracepoint dma_map_phys replaced dma_map_page
 * and dma_map_resource (same arguments). A resource mapping is now that
 * event with DMA_ATTR_MMIO: device memory, not a payload buffer, so not
 * counted. 6.12's dma_map_resource had an event of its own, not hooked.
 */
#include <linux/dma-mapping.h>
#ifdef DMA_ATTR_MMIO
#define ZC_DMA_MAP_TRACEPOINT	"dma_map_phys"
#define ZC_DMA_ATTR_MMIO	DMA_ATTR_MMIO
#else
#define ZC_DMA_MAP_TRACEPOINT	"dma_map_page"
#define ZC_DMA_ATTR_MMIO	0UL
#endif

/*
 * The two-step IOVA API (dma_iova_try_alloc/_link/_sync, 6.17-ish; marked
 * by DMA_IOVA_USE_SWIOTLB): with an IOMMU, blk_rq_dma_map_iter_start()
 * (NVMe) links each segment into one IOVA range with dma_iova_link(), which
 * has no dma tracepoint; it is hooked at entry. Without an IOMMU the same
 * path maps each segment with dma_map_phys(), seen by its tracepoint.
 */
#ifdef DMA_IOVA_USE_SWIOTLB
#define ZC_HAVE_DMA_IOVA	1
#else
#define ZC_HAVE_DMA_IOVA	0
#endif

/*
 * Syscall tracepoints may fault since 6.13 (TRACE_EVENT_SYSCALL): their
 * probes run preemptible under RCU tasks trace, not with preemption off.
 * A probe that looks sessions up (RCU) and adds to per-CPU counters holds
 * preemption off itself there; tracepoint_synchronize_unregister() waits
 * for RCU tasks trace too, so unregistering needs nothing more.
 */
#ifdef TRACE_EVENT_SYSCALL
static inline void zc_syscall_probe_enter(void)
{
	preempt_disable_notrace();
}

static inline void zc_syscall_probe_exit(void)
{
	preempt_enable_notrace();
}
#else
static inline void zc_syscall_probe_enter(void)
{
}

static inline void zc_syscall_probe_exit(void)
{
}
#endif

/*
 * The atomic copy into a page-cache page (generic_perform_write) takes a
 * folio since 6.18-ish: copy_folio_from_iter_atomic(folio, offset, bytes,
 * iter), the arguments where copy_page_from_iter_atomic had them.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
#define ZC_COPY_FROM_ITER_ATOMIC	"copy_page_from_iter_atomic"
#else
#define ZC_COPY_FROM_ITER_ATOMIC	"copy_folio_from_iter_atomic"
#endif

/*
 * The checksumming copy from an iterator was renamed and moved in 6.2; it
 * returned the bytes copied, now whether it copied them all.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define ZC_CSUM_COPY_FROM_ITER		"csum_and_copy_from_iter"
#define ZC_CSUM_COPY_RETURNS_BOOL	0
#else
#define ZC_CSUM_COPY_FROM_ITER		"csum_and_copy_from_iter_full"
#define ZC_CSUM_COPY_RETURNS_BOOL	1
#endif

/*
 * 6.1 splice reads fill a pipe through an ITER_PIPE iterator:
 * copy_page_to_iter() then takes a page reference (no copy), while
 * _copy_to_iter() copies into new pipe pages. ITER_PIPE is gone in 6.4.
 */
static inline bool zc_iter_is_pipe(const struct iov_iter *i)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	return iov_iter_is_pipe(i);
#else
	return false;
#endif
}

/*
 * The socket that sent an skb's MSG_ZEROCOPY pages, when the skb itself no
 * longer names it (loopback_xmit orphans it): the ubuf_info lives in the cb
 * of an skb charged to the sending socket (msg_zerocopy_alloc), and only
 * for MSG_ZEROCOPY's own ubuf_info (not io_uring's, say). 6.10 turned
 * the ubuf_info's callback into an ops table.
 */
static inline const struct sock *zc_msgzc_sock(const struct sk_buff *skb)
{
	const struct ubuf_info *uarg;

	if (!(skb_shinfo(skb)->flags & SKBFL_ZEROCOPY_ENABLE))
		return NULL;
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 3, 0)
	/*
	 * AF_PACKET's transmit ring flags its frames zerocopy with a tagged
	 * pointer into the ring in place of a ubuf_info: not one to follow.
	 * 7.3 has no such tag (nor skb_zcopy_is_nouarg); where between 6.12
	 * and 7.3 it went is unverified, and a kernel in between that lacks
	 * the helper fails to build here rather than skip the check.
	 */
	if (skb_zcopy_is_nouarg((struct sk_buff *)skb))
		return NULL;
#endif
	uarg = skb_shinfo(skb)->destructor_arg;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
	if (uarg->callback != msg_zerocopy_callback)
		return NULL;
#else
	if (uarg->ops != &msg_zerocopy_ubuf_ops)
		return NULL;
#endif
	return container_of((void *)uarg_to_msgzc(uarg), struct sk_buff, cb)->sk;
}

/*
 * system_wq is deprecated on 7.x (a work queued on it logs "enqueued on
 * deprecated workqueue"): its per-CPU successor system_percpu_wq exists
 * from 6.17 on (and in Debian's 6.12.95, backported), not in 6.1.
 */
/*
 * Dumpability, which ptrace read access asks of a task not the tracer's
 * own: in its mm up to 6.12 at least, in the RCU-managed task->exec_state
 * (with the user namespace that owns it) in 7.3. Where in between it moved
 * is unverified: a kernel there that takes the wrong branch fails to build
 * (get_dumpable or exec_state missing), it does not skip the check. True
 * if the task is dumpable to its owner or the caller holds CAP_SYS_PTRACE
 * over it.
 *
 * Context: task_lock(@task) held.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
#include <linux/sched/exec_state.h>
#include <linux/sched/coredump.h>

static inline bool zc_task_dumpable(struct task_struct *task)
{
	const struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ok = !es || es->dumpable == TASK_DUMPABLE_OWNER ||
	     ns_capable(es->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok;
}
#else
#include <linux/sched/coredump.h>

static inline bool zc_task_dumpable(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;

	return !mm || get_dumpable(mm) == SUID_DUMP_USER ||
	       ns_capable(mm->user_ns, CAP_SYS_PTRACE);
}
#endif

#include <linux/workqueue.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
#define ZC_PERCPU_WQ	system_percpu_wq
#else
#define ZC_PERCPU_WQ	system_wq
#endif

/*
 * What the x86 int3 exception entry adds to the preempt count before a
 * breakpoint kprobe's handler runs (irqentry_nmi_enter, since 5.9).
 */
#define ZC_INT3_PREEMPT_OFFSET	(NMI_OFFSET + HARDIRQ_OFFSET)

#endif /* _ZCOPY_COMPAT_H */
