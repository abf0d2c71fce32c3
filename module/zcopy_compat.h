/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy: every difference between the kernel lines zcopy supports.
 *
 * The rest of the module reads as if there were one kernel. Supported:
 * 6.1 (Debian bookworm) and 6.12 (bookworm-backports), x86_64.
 */
#ifndef _ZCOPY_COMPAT_H
#define _ZCOPY_COMPAT_H

#include <linux/preempt.h>
#include <linux/skbuff.h>
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
	/*
	 * AF_PACKET's transmit ring flags its frames zerocopy with a tagged
	 * pointer into the ring in place of a ubuf_info: not one to follow.
	 */
	if (skb_zcopy_is_nouarg((struct sk_buff *)skb))
		return NULL;
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
 * What the x86 int3 exception entry adds to the preempt count before a
 * breakpoint kprobe's handler runs (irqentry_nmi_enter, since 5.9).
 */
#define ZC_INT3_PREEMPT_OFFSET	(NMI_OFFSET + HARDIRQ_OFFSET)

#endif /* _ZCOPY_COMPAT_H */
