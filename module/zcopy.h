/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy: accounting of CPU copies against DMA mappings.
 *
 * Private header shared by the module's files. Every name here starts
 * with zc_ (internal) or zcopy_ (what the UAPI also calls zcopy).
 */
#ifndef _ZCOPY_H
#define _ZCOPY_H

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/zcopy.h>
#include <uapi/linux/zcopy_dev.h>

#include "zcopy_compat.h"

struct pt_regs;

struct bio;
struct net;
struct sock;
struct task_struct;

#define ZC_NR_COUNTERS		__ZCOPY_COUNTER_MAX
#define ZC_MAX_SITES		64
#define ZC_MAX_DEVS		16
#define ZC_SITE_NAME_LEN	40
#define ZC_DEV_NAME_LEN		32
#define ZC_DEVFILTER_LEN	32
#define ZC_SIDS			4	/* sessions sharing a socket or bio */

static_assert(ZC_NR_COUNTERS <= ZCOPY_STATS_NR_COUNTERS);

enum zc_dma_dir {
	ZC_DMA_TO,
	ZC_DMA_FROM,
	ZC_DMA_BIDI,
	ZC_DMA_NR,
};

/* One CPU's share of a set of counters. */
struct zc_pcpu {
	u64 ctr[ZC_NR_COUNTERS];
	u64 site_bytes[ZC_MAX_SITES];
	u64 site_calls[ZC_MAX_SITES];
	u64 dev_bytes[ZC_MAX_DEVS][ZC_DMA_NR];
	u64 dev_maps[ZC_MAX_DEVS];
};

/*
 * A set of counters: per-CPU, updated without atomics; a reset records a
 * baseline that later reads subtract, so it never races with updates.
 */
struct zc_counters {
	struct zc_pcpu __percpu *pcpu;
	struct zc_pcpu *base;
};

/*
 * A copy site: where a copy primitive was called from, by return address.
 * The hot path compares addresses only; readers name the sites (under
 * zc_lock) and fold the sites of one function into the first.
 */
struct zc_site {
	unsigned long ip;
	u8 prim;
	u8 kind;
	u8 flags;			/* ZC_SITE_* */
	u8 canon;			/* first site of the same name, once named */
	char func[ZC_SITE_NAME_LEN];	/* set by zc_sites_name() */
};

#define ZC_SITE_WRAPPER	BIT(0)	/* in copy_page_*_iter: its caller counts */
#define ZC_SITE_SELF	BIT(1)	/* in the primitive itself (a recursion) */

/* A device seen mapping DMA. */
struct zc_dev {
	struct device *dev;
	char name[ZC_DEV_NAME_LEN];
	char driver[ZC_DEV_NAME_LEN];
	char label[ZC_DEV_NAME_LEN];
};

/* The sessions a socket or a bio belongs to: ids, 0 for a free slot. */
struct zc_sids {
	u32 id[ZC_SIDS];
};

/* Who owns a session, and so what ends it. */
enum zc_owner_kind {
	ZC_OWNER_NETLINK,
	ZC_OWNER_FILE,
};

struct zc_session {
	u32 id;
	u32 flags;
	u32 sample_ms;
	pid_t pid;			/* as the creator named it */
	pid_t owner_pid;
	kuid_t owner_uid;
	bool owner_perfmon;		/* CAP_PERFMON when it was created */
	enum zc_owner_kind owner_kind;
	u32 owner_portid;
	struct net *owner_net;		/* not referenced: a key only */
	u64 start_ns;
	unsigned int ndevfilter;
	char devfilter[ZCOPY_MAX_DEVFILTER][ZC_DEVFILTER_LEN];
	struct zc_counters counters;
	struct list_head node;		/* zc_sessions, under zc_lock */
	struct kref ref;
	struct rcu_head rcu;
	struct delayed_work sample_work;
	wait_queue_head_t wq;		/* poll() on the owning file */
	bool owner_gone;		/* its netlink socket closed */
	bool dead;
	unsigned int nfollow;		/* follow entries, under their lock */
};

/* zcopy_main.c */
extern struct mutex zc_lock;
extern unsigned int zc_max_sessions;

/* zcopy_stats.c */
extern struct zc_counters zc_global;
int zc_counters_init(struct zc_counters *c);
void zc_counters_fini(struct zc_counters *c);
void zc_counters_read(const struct zc_counters *c, struct zc_pcpu *out);
void zc_counters_reset(struct zc_counters *c);
u64 zc_counters_events(const struct zc_counters *c);
int zc_site_get(unsigned long ret_ip, u8 prim, const char *prim_name,
		u8 kind);
unsigned int zc_sites_count(void);
const struct zc_site *zc_site(unsigned int id);
unsigned int zc_sites_name(void);
void zc_sites_fold(struct zc_pcpu *t, unsigned int n);
int zc_dev_get(struct device *dev);
void zc_dev_set_label(int id, const char *label);
unsigned int zc_devs_count(void);
const struct zc_dev *zc_dev(unsigned int id);
void zc_stats_missed(void);
void zc_stats_set_missed(u64 (*fn)(void));
int zc_stats_init(void);
void zc_stats_exit(void);

/* zcopy_track.c: who a hit is charged to (the probes look it up) */
int zc_session_id_alloc(void);
void zc_session_id_publish(u32 id, struct zc_session *s);
void zc_session_id_remove(u32 id);
int zc_follow_add(struct zc_session *s, struct pid *pid, gfp_t gfp);
void zc_track_del_session(struct zc_session *s);
unsigned int zc_followed_count(void);
void zc_track_exit(void);

/* Hot-path lookups, called under rcu_read_lock(). */
struct zc_session *zc_session_rcu(u32 id);
void zc_charge_task(struct task_struct *t, void (*fn)(struct zc_session *s,
						      void *arg), void *arg);
void zc_sids_charge(const struct zc_sids *ids,
		    void (*fn)(struct zc_session *s, void *arg), void *arg);
bool zc_sids_empty(const struct zc_sids *ids);
void zc_charge_ctr(struct task_struct *t, unsigned int ctr, u64 val);
void zc_charge_ctr_sids(const struct zc_sids *ids, unsigned int ctr, u64 val);
bool zc_sock_owner(const struct sock *sk, struct zc_sids *out);
void zc_sock_claim(struct sock *sk);
void zc_sock_release(const struct sock *sk);
void zc_follow_fork(struct task_struct *parent, struct task_struct *child);
void zc_follow_exit(struct task_struct *t);
void zc_follow_exec(struct task_struct *t);
void zc_bio_claim(const struct bio *bio);
void zc_bio_owner(const struct bio *bio, struct zc_sids *out);
void zc_bio_release(const struct bio *bio);

/*
 * The probes: their table (zcopy_probes.c), their handlers (zcopy_copy.c,
 * zcopy_dma.c).
 */
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

/* One probe as its handler's file defines it (zcopy_probes.c hooks it). */
struct zc_probe_def {
	const char *name;
	u8 type;			/* ZCOPY_PROBE_TYPE_*: the hook wanted */
	u8 ret;				/* enum zc_ret */
	void (*fe_fn)(struct pt_regs *regs);	/* function entry */
	void *tp_fn;			/* tracepoints */
};

#define ZC_FENTRY(_id, _name, _fn) \
	[_id] = { .name = _name, .type = ZCOPY_PROBE_TYPE_FENTRY, .fe_fn = _fn }
#define ZC_FEXIT(_id, _name, _fn, _ret) \
	[_id] = { .name = _name, .type = ZCOPY_PROBE_TYPE_KRETPROBE, \
		  .fe_fn = _fn, .ret = _ret }
#define ZC_TRACEPOINT(_id, _name, _fn) \
	[_id] = { .name = _name, .type = ZCOPY_PROBE_TYPE_TRACEPOINT, \
		  .tp_fn = _fn }

#define ZC_ARG(regs, n)	regs_get_kernel_argument(regs, n)

extern const struct zc_probe_def zc_copy_probes[ZC_NR_PROBES];
extern const struct zc_probe_def zc_dma_probes[ZC_NR_PROBES];

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

DECLARE_PER_CPU(struct zc_deferred *, zc_defer);
DECLARE_PER_CPU(bool, zc_in_bp);	/* a breakpoint kprobe's handler runs */
DECLARE_PER_CPU(u64[ZC_NR_PROBES], zc_hits);

/* A probe fired (zc_hits is the stats layer's: every handler counts). */
static inline void zc_hit(enum zc_probe_id id)
{
	this_cpu_inc(zc_hits[id]);
}

/* zcopy_copy.c */
bool zc_task_context(void);
void zc_copy_returned(const struct zc_deferred *d, u64 bytes);

/* zcopy_dma.c */
void zc_windows_reset(void);

/* zcopy_probes.c */
struct zc_probe_info {
	const char *name;
	u8 type;
	u8 state;
	const char *reason;
	u64 hits;
	u64 missed;
};

int zc_probes_arm(void);
void zc_probes_disarm(void);
unsigned int zc_probes_count(void);
void zc_probe_info(unsigned int i, struct zc_probe_info *info);
bool zc_counter_measured(unsigned int ctr);
const char *zc_prim_name(u8 prim);
void zc_probes_init(void);
void zc_probes_exit(void);

/* zcopy_session.c */
extern int zc_paranoid;

/* What the interfaces hear of sessions (zc_session_set_notify()). */
struct zc_session_notify {
	void (*end)(struct zc_session *s, enum zcopy_end_reason reason);
	void (*sample)(struct zc_session *s);
};

struct zc_session_args {
	pid_t pid;
	u32 flags;
	u32 sample_ms;
	unsigned int ndevfilter;
	const char *devfilter[ZCOPY_MAX_DEVFILTER];
	enum zc_owner_kind owner_kind;
	u32 owner_portid;
	struct net *owner_net;
};

struct zc_session *zc_session_new(const struct zc_session_args *args,
				  const char **why, int *err);
void zc_session_end(struct zc_session *s, enum zcopy_end_reason reason);
struct zc_session *zc_session_get(u32 id);
void zc_session_put(struct zc_session *s);
struct zc_session *zc_session_next(struct zc_session *prev);
unsigned int zc_sessions_count(void);
void zc_sessions_portid_gone(u32 portid, const struct net *net);
void zc_sessions_end_all(enum zcopy_end_reason reason);
bool zc_armed(void);
bool zc_perfmon(void);
void zc_session_set_notify(const struct zc_session_notify *notify);
void zc_session_exit(void);

/* zcopy_netlink.c */
int zc_nl_init(void);
void zc_nl_exit(void);

/* zcopy_chrdev.c */
int zc_chrdev_init(void);
void zc_chrdev_exit(void);

#endif /* _ZCOPY_H */
