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
bool zc_sock_owner(const struct sock *sk, struct zc_sids *out);
void zc_sock_claim(struct sock *sk);
void zc_sock_release(const struct sock *sk);
void zc_follow_fork(struct task_struct *parent, struct task_struct *child);
void zc_follow_exit(struct task_struct *t);
void zc_follow_exec(struct task_struct *t);
void zc_bio_claim(const struct bio *bio);
void zc_bio_owner(const struct bio *bio, struct zc_sids *out);
void zc_bio_release(const struct bio *bio);

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
