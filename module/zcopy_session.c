// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: sessions, and how work is attributed to them.
 *
 * A session follows thread groups, keyed by their struct pid (a pid
 * number may be reused; a referenced struct pid is not). Work that runs
 * outside the followed tasks is attributed through ownership: a TCP socket
 * that a followed task sent on belongs to its session until the socket
 * closes, and a bio that a followed task queued belongs to it until the
 * bio completes. The probes look these up under RCU; everything else here
 * runs in process context under zc_lock.
 */
#include <linux/blk_types.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/sock.h>

#include "zcopy.h"
#include "zcopy_compat.h"

#define ZC_FOLLOW_MAX	4096
#define ZC_SOCK_MAX	4096
#define ZC_BIO_SLOTS	1024
#define ZC_BIO_PROBES	16

static unsigned int zc_disarm_delay_ms = 1000;
module_param_named(disarm_delay_ms, zc_disarm_delay_ms, uint, 0644);
MODULE_PARM_DESC(disarm_delay_ms,
		 "Delay before the probes are removed once the last session ends (ms, default 1000)");

static LIST_HEAD(zc_sessions);
static unsigned int zc_nsessions;
static DEFINE_IDR(zc_session_ids);
static bool zc_is_armed;

struct zc_follow {
	struct hlist_node node;
	struct pid *pid;
	struct zc_session *s;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(zc_follow_tbl, 8);
static DEFINE_SPINLOCK(zc_follow_lock);
static unsigned int zc_nfollow;

struct zc_sockent {
	struct hlist_node node;
	const struct sock *sk;
	u32 sid;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(zc_sock_tbl, 8);
static DEFINE_SPINLOCK(zc_sock_lock);
static unsigned int zc_nsock;

struct zc_bioent {
	const struct bio *bio;
	u32 sid;
};

static struct zc_bioent zc_bio_tbl[ZC_BIO_SLOTS];
static DEFINE_SPINLOCK(zc_bio_lock);

static void zc_disarm_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(zc_disarm_work, zc_disarm_fn);
static void zc_owner_gone_fn(struct work_struct *work);
static DECLARE_WORK(zc_owner_gone_work, zc_owner_gone_fn);

/* ---- followed thread groups ---- */

static void zc_follow_free_rcu(struct rcu_head *rcu)
{
	struct zc_follow *f = container_of(rcu, struct zc_follow, rcu);

	put_pid(f->pid);
	kfree(f);
}

/* Context: any; @gfp must fit it. */
static int zc_follow_add(struct zc_session *s, struct pid *pid, gfp_t gfp)
{
	struct zc_follow *f;
	unsigned long flags;

	f = kzalloc(sizeof(*f), gfp);
	if (!f)
		return -ENOMEM;
	f->pid = get_pid(pid);
	f->s = s;

	spin_lock_irqsave(&zc_follow_lock, flags);
	if (zc_nfollow >= ZC_FOLLOW_MAX) {
		spin_unlock_irqrestore(&zc_follow_lock, flags);
		put_pid(f->pid);
		kfree(f);
		return -ENOSPC;
	}
	zc_nfollow++;
	hash_add_rcu(zc_follow_tbl, &f->node, (unsigned long)pid);
	spin_unlock_irqrestore(&zc_follow_lock, flags);
	return 0;
}

static void zc_follow_del_session(struct zc_session *s)
{
	struct hlist_node *tmp;
	struct zc_follow *f;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&zc_follow_lock, flags);
	hash_for_each_safe(zc_follow_tbl, bkt, tmp, f, node) {
		if (f->s != s)
			continue;
		hash_del_rcu(&f->node);
		zc_nfollow--;
		call_rcu(&f->rcu, zc_follow_free_rcu);
	}
	spin_unlock_irqrestore(&zc_follow_lock, flags);
}

/**
 * zc_charge_task() - call @fn for every live session following @t
 * @t: a task
 * @fn: called with each session
 * @arg: passed to @fn
 *
 * Context: under rcu_read_lock() or with preemption disabled.
 */
void zc_charge_task(struct task_struct *t,
		    void (*fn)(struct zc_session *s, void *arg), void *arg)
{
	struct pid *pid = task_tgid(t);
	struct zc_follow *f;

	if (!pid)
		return;
	hash_for_each_possible_rcu(zc_follow_tbl, f, node, (unsigned long)pid)
		if (f->pid == pid && !READ_ONCE(f->s->dead))
			fn(f->s, arg);
}

static void zc_follow_child(struct zc_session *s, void *arg)
{
	struct task_struct *child = arg;

	if (!(s->flags & ZCOPY_SESSION_FLAGS_CHILDREN))
		return;
	if (zc_follow_add(s, task_tgid(child), GFP_ATOMIC))
		zc_stats_missed();
}

/**
 * zc_follow_fork() - extend sessions with children to a new process
 * @parent: the forking task
 * @child: the new task
 *
 * Context: the sched_process_fork tracepoint, preemption disabled.
 */
void zc_follow_fork(struct task_struct *parent, struct task_struct *child)
{
	/* New threads share the followed thread group already. */
	if (child->pid != child->tgid)
		return;
	zc_charge_task(parent, zc_follow_child, child);
}

/* ---- sockets ---- */

static struct zc_sockent *zc_sock_find(const struct sock *sk)
{
	struct zc_sockent *e;

	hash_for_each_possible_rcu(zc_sock_tbl, e, node, (unsigned long)sk)
		if (e->sk == sk)
			return e;
	return NULL;
}

/**
 * zc_sock_owner() - the session a socket's traffic belongs to
 * @sk: a socket, or NULL
 *
 * Context: under rcu_read_lock() or with preemption disabled.
 * Return: a session id, or 0.
 */
u32 zc_sock_owner(const struct sock *sk)
{
	struct zc_sockent *e;

	if (!sk || hash_empty(zc_sock_tbl))
		return 0;
	e = zc_sock_find(sk);
	return e ? READ_ONCE(e->sid) : 0;
}

static void zc_first_session(struct zc_session *s, void *arg)
{
	u32 *sid = arg;

	if (!*sid)
		*sid = s->id;
}

/**
 * zc_sock_claim() - give a socket to the session of the task sending on it
 * @sk: the socket
 *
 * Context: a send path in process context, preemption disabled.
 */
void zc_sock_claim(struct sock *sk)
{
	struct zc_sockent *e;
	unsigned long flags;
	u32 sid = 0;

	zc_charge_task(current, zc_first_session, &sid);
	if (!sid || zc_sock_find(sk))
		return;

	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		zc_stats_missed();
		return;
	}
	e->sk = sk;
	e->sid = sid;

	spin_lock_irqsave(&zc_sock_lock, flags);
	if (zc_sock_find(sk) || zc_nsock >= ZC_SOCK_MAX) {
		if (zc_nsock >= ZC_SOCK_MAX)
			zc_stats_missed();
		spin_unlock_irqrestore(&zc_sock_lock, flags);
		kfree(e);
		return;
	}
	zc_nsock++;
	hash_add_rcu(zc_sock_tbl, &e->node, (unsigned long)sk);
	spin_unlock_irqrestore(&zc_sock_lock, flags);
}

static void zc_sock_del_locked(struct zc_sockent *e)
{
	hash_del_rcu(&e->node);
	zc_nsock--;
	kfree_rcu(e, rcu);
}

/**
 * zc_sock_release() - forget a socket that has closed
 * @sk: the socket
 *
 * Context: any (the socket state tracepoint may fire in softirq).
 */
void zc_sock_release(const struct sock *sk)
{
	struct zc_sockent *e;
	unsigned long flags;

	if (hash_empty(zc_sock_tbl))
		return;
	spin_lock_irqsave(&zc_sock_lock, flags);
	e = zc_sock_find(sk);
	if (e)
		zc_sock_del_locked(e);
	spin_unlock_irqrestore(&zc_sock_lock, flags);
}

static void zc_sock_del_session(u32 sid)
{
	struct hlist_node *tmp;
	struct zc_sockent *e;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&zc_sock_lock, flags);
	hash_for_each_safe(zc_sock_tbl, bkt, tmp, e, node)
		if (e->sid == sid)
			zc_sock_del_locked(e);
	spin_unlock_irqrestore(&zc_sock_lock, flags);
}

/* ---- block I/O ---- */

/*
 * The entry holding @bio, or with @or_free the first free entry of its
 * probe sequence if it holds none. Context: under zc_bio_lock.
 */
static struct zc_bioent *zc_bio_find(const struct bio *bio, bool or_free)
{
	unsigned int i, slot = hash_ptr(bio, ilog2(ZC_BIO_SLOTS));

	lockdep_assert_held(&zc_bio_lock);
	for (i = 0; i < ZC_BIO_PROBES; i++) {
		struct zc_bioent *e = &zc_bio_tbl[(slot + i) % ZC_BIO_SLOTS];

		if (e->bio == bio || (or_free && !e->bio))
			return e;
	}
	return NULL;
}

/**
 * zc_bio_claim() - give a bio to the session of the task queueing it
 * @bio: the bio
 *
 * Context: the block_bio_queue tracepoint, in the submitter's context.
 */
void zc_bio_claim(const struct bio *bio)
{
	struct zc_bioent *e;
	unsigned long flags;
	u32 sid = 0;

	if (!in_task())
		return;
	zc_charge_task(current, zc_first_session, &sid);
	if (!sid)
		return;

	spin_lock_irqsave(&zc_bio_lock, flags);
	e = zc_bio_find(bio, true);
	if (e) {
		e->bio = bio;
		e->sid = sid;
	}
	spin_unlock_irqrestore(&zc_bio_lock, flags);
	if (!e)
		zc_stats_missed();
}

/**
 * zc_bio_owner() - the session a bio was queued by
 * @bio: the bio, or NULL
 *
 * Context: any.
 * Return: a session id, or 0.
 */
u32 zc_bio_owner(const struct bio *bio)
{
	struct zc_bioent *e;
	unsigned long flags;
	u32 sid = 0;

	if (!bio)
		return 0;
	spin_lock_irqsave(&zc_bio_lock, flags);
	e = zc_bio_find(bio, false);
	if (e)
		sid = e->sid;
	spin_unlock_irqrestore(&zc_bio_lock, flags);
	return sid;
}

/**
 * zc_bio_release() - forget a completed bio
 * @bio: the bio
 *
 * Context: any (completion runs in interrupt context).
 */
void zc_bio_release(const struct bio *bio)
{
	struct zc_bioent *e;
	unsigned long flags;

	spin_lock_irqsave(&zc_bio_lock, flags);
	e = zc_bio_find(bio, false);
	if (e) {
		e->bio = NULL;
		e->sid = 0;
	}
	spin_unlock_irqrestore(&zc_bio_lock, flags);
}

static void zc_bio_del_session(u32 sid)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&zc_bio_lock, flags);
	for (i = 0; i < ZC_BIO_SLOTS; i++) {
		if (zc_bio_tbl[i].sid == sid) {
			zc_bio_tbl[i].bio = NULL;
			zc_bio_tbl[i].sid = 0;
		}
	}
	spin_unlock_irqrestore(&zc_bio_lock, flags);
}

/* ---- sessions ---- */

/**
 * zc_session_rcu() - look a session up by id on a hot path
 * @id: session id
 *
 * Context: under rcu_read_lock() or with preemption disabled.
 * Return: the session, valid until the read section ends, or NULL.
 */
struct zc_session *zc_session_rcu(u32 id)
{
	struct zc_session *s;

	if (!id)
		return NULL;
	s = idr_find(&zc_session_ids, id);
	return s && !READ_ONCE(s->dead) ? s : NULL;
}

static void zc_session_free_rcu(struct rcu_head *rcu)
{
	struct zc_session *s = container_of(rcu, struct zc_session, rcu);

	zc_counters_fini(&s->counters);
	kfree(s);
}

static void zc_session_release(struct kref *ref)
{
	struct zc_session *s = container_of(ref, struct zc_session, ref);

	call_rcu(&s->rcu, zc_session_free_rcu);
}

/**
 * zc_session_put() - drop a reference on a session
 * @s: the session
 *
 * The last reference frees it after an RCU grace period, so that hot-path
 * readers that found it under RCU may still use it.
 */
void zc_session_put(struct zc_session *s)
{
	kref_put(&s->ref, zc_session_release);
}

/**
 * zc_session_get() - take a reference on a live session
 * @id: session id
 *
 * Context: process context.
 * Return: the session, or NULL if there is none with this id.
 */
struct zc_session *zc_session_get(u32 id)
{
	struct zc_session *s;

	rcu_read_lock();
	s = zc_session_rcu(id);
	if (s && !kref_get_unless_zero(&s->ref))
		s = NULL;
	rcu_read_unlock();
	return s;
}

/**
 * zc_session_next() - walk the live sessions
 * @prev: the previous session, or NULL to start
 *
 * Context: under zc_lock.
 * Return: the next session, or NULL at the end.
 */
struct zc_session *zc_session_next(struct zc_session *prev)
{
	lockdep_assert_held(&zc_lock);
	if (!prev)
		return list_first_entry_or_null(&zc_sessions,
						struct zc_session, node);
	if (list_is_last(&prev->node, &zc_sessions))
		return NULL;
	return list_next_entry(prev, node);
}

/**
 * zc_sessions_count() - the number of live sessions
 *
 * Return: the count, possibly stale by the time it is used.
 */
unsigned int zc_sessions_count(void)
{
	return READ_ONCE(zc_nsessions);
}

/**
 * zc_armed() - whether the probes are registered
 *
 * Return: true from the first session's creation until the probes are
 * removed, disarm_delay_ms after the last session ended.
 */
bool zc_armed(void)
{
	return READ_ONCE(zc_is_armed);
}

static void zc_sample_fn(struct work_struct *work)
{
	struct zc_session *s = container_of(to_delayed_work(work),
					    struct zc_session, sample_work);

	if (READ_ONCE(s->dead))
		return;
	zc_nl_notify_sample(s);
	schedule_delayed_work(&s->sample_work, msecs_to_jiffies(s->sample_ms));
}

static struct pid *zc_target_pid(pid_t nr, const char **why, int *err)
{
	struct task_struct *task;
	struct pid *pid = NULL;

	rcu_read_lock();
	task = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (task)
		pid = get_pid(task_tgid(task));
	rcu_read_unlock();
	if (!pid) {
		*why = "no such process";
		*err = -ESRCH;
	}
	return pid;
}

static int zc_session_fill(struct zc_session *s,
			   const struct zc_session_args *args)
{
	unsigned int i;

	s->pid = args->pid;
	s->flags = args->flags;
	s->sample_ms = args->sample_ms;
	s->owner_kind = args->owner_kind;
	s->owner_portid = args->owner_portid;
	s->owner_net = args->owner_net;
	s->owner_pid = task_tgid_vnr(current);
	s->owner_uid = current_uid();
	s->start_ns = ktime_get_ns();
	s->ndevfilter = args->ndevfilter;
	for (i = 0; i < args->ndevfilter; i++)
		strscpy(s->devfilter[i], args->devfilter[i],
			sizeof(s->devfilter[i]));
	kref_init(&s->ref);
	init_waitqueue_head(&s->wq);
	INIT_DELAYED_WORK(&s->sample_work, zc_sample_fn);
	return zc_counters_init(&s->counters);
}

/**
 * zc_session_new() - create a session and arm the probes if needed
 * @args: what to follow and who owns the session
 * @why: set to a message for the user on failure
 * @err: set to a negative errno on failure
 *
 * Context: process context; takes zc_lock.
 * Return: the session with a reference for the caller, or NULL.
 */
struct zc_session *zc_session_new(const struct zc_session_args *args,
				  const char **why, int *err)
{
	struct zc_session *s;
	struct pid *pid;
	int id;

	pid = zc_target_pid(args->pid, why, err);
	if (!pid)
		return NULL;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s || zc_session_fill(s, args)) {
		kfree(s);
		put_pid(pid);
		*why = "out of memory";
		*err = -ENOMEM;
		return NULL;
	}

	mutex_lock(&zc_lock);
	if (zc_nsessions >= zc_max_sessions) {
		*why = "too many sessions (see the max_sessions module parameter)";
		*err = -ENOSPC;
		goto err_unlock;
	}
	if (!zc_is_armed) {
		*err = zc_probes_arm();
		if (*err) {
			*why = "no probe could be registered on this kernel";
			goto err_unlock;
		}
		WRITE_ONCE(zc_is_armed, true);
	}
	id = idr_alloc_cyclic(&zc_session_ids, NULL, 1, INT_MAX, GFP_KERNEL);
	if (id < 0) {
		*why = "no session id left";
		*err = id;
		goto err_unlock;
	}
	s->id = id;
	zc_counters_reset(&s->counters);
	*err = zc_follow_add(s, pid, GFP_KERNEL);
	if (*err) {
		*why = "too many followed processes";
		idr_remove(&zc_session_ids, id);
		goto err_unlock;
	}
	list_add_tail_rcu(&s->node, &zc_sessions);
	WRITE_ONCE(zc_nsessions, zc_nsessions + 1);
	kref_get(&s->ref);		/* the list's reference */
	idr_replace(&zc_session_ids, s, id);
	if (s->sample_ms)
		schedule_delayed_work(&s->sample_work,
				      msecs_to_jiffies(s->sample_ms));
	mutex_unlock(&zc_lock);
	put_pid(pid);
	return s;

err_unlock:
	mutex_unlock(&zc_lock);
	zc_counters_fini(&s->counters);
	kfree(s);
	put_pid(pid);
	return NULL;
}

/**
 * zc_session_end() - end a session, notify listeners, drop the list's ref
 * @s: the session, with a reference held by the caller
 * @reason: why it ends
 *
 * Context: process context; takes zc_lock.
 */
void zc_session_end(struct zc_session *s, enum zcopy_end_reason reason)
{
	mutex_lock(&zc_lock);
	if (s->dead) {
		mutex_unlock(&zc_lock);
		return;
	}
	zc_nl_notify_end(s, reason);
	WRITE_ONCE(s->dead, true);
	zc_follow_del_session(s);
	zc_sock_del_session(s->id);
	zc_bio_del_session(s->id);
	idr_remove(&zc_session_ids, s->id);
	list_del_rcu(&s->node);
	WRITE_ONCE(zc_nsessions, zc_nsessions - 1);
	if (!zc_nsessions)
		mod_delayed_work(ZC_PERCPU_WQ, &zc_disarm_work,
				 msecs_to_jiffies(zc_disarm_delay_ms));
	mutex_unlock(&zc_lock);

	wake_up_interruptible_all(&s->wq);
	cancel_delayed_work_sync(&s->sample_work);
	zc_session_put(s);
}

static void zc_disarm_fn(struct work_struct *work)
{
	mutex_lock(&zc_lock);
	if (!zc_nsessions && zc_is_armed) {
		zc_probes_disarm();
		WRITE_ONCE(zc_is_armed, false);
	}
	mutex_unlock(&zc_lock);
}

static bool zc_owned_by(const struct zc_session *s, u32 portid,
			const struct net *net)
{
	return s->owner_kind == ZC_OWNER_NETLINK &&
	       s->owner_portid == portid && s->owner_net == net;
}

/*
 * Netlink sockets are released in atomic context: the notifier only marks
 * the sessions (a new socket could reuse the port id before a work item
 * ran), and this work ends them.
 */
static void zc_owner_gone_fn(struct work_struct *work)
{
	struct zc_session *s, *found;

	do {
		found = NULL;
		mutex_lock(&zc_lock);
		list_for_each_entry(s, &zc_sessions, node) {
			if (READ_ONCE(s->owner_gone)) {
				found = s;
				kref_get(&s->ref);
				break;
			}
		}
		mutex_unlock(&zc_lock);
		if (found) {
			zc_session_end(found, ZCOPY_END_REASON_OWNER_CLOSED);
			zc_session_put(found);
		}
	} while (found);
}

/**
 * zc_sessions_portid_gone() - a netlink socket owning sessions closed
 * @portid: its port id
 * @net: its namespace
 *
 * Context: atomic (netlink notifier).
 */
void zc_sessions_portid_gone(u32 portid, const struct net *net)
{
	struct zc_session *s;
	bool any = false;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &zc_sessions, node) {
		if (zc_owned_by(s, portid, net)) {
			WRITE_ONCE(s->owner_gone, true);
			any = true;
		}
	}
	rcu_read_unlock();
	if (any)
		schedule_work(&zc_owner_gone_work);
}

/**
 * zc_sessions_end_all() - end every live session
 * @reason: what the end notifications say
 *
 * Context: process context; takes zc_lock.
 */
void zc_sessions_end_all(enum zcopy_end_reason reason)
{
	struct zc_session *s;

	for (;;) {
		mutex_lock(&zc_lock);
		s = zc_session_next(NULL);
		if (s)
			kref_get(&s->ref);
		mutex_unlock(&zc_lock);
		if (!s)
			break;
		zc_session_end(s, reason);
		zc_session_put(s);
	}
}

/**
 * zc_session_exit() - end every session and remove the probes
 *
 * Context: module exit, once no new session can be created.
 */
void zc_session_exit(void)
{
	flush_work(&zc_owner_gone_work);
	zc_sessions_end_all(ZCOPY_END_REASON_UNLOAD);
	cancel_delayed_work_sync(&zc_disarm_work);
	if (zc_is_armed) {
		zc_probes_disarm();
		zc_is_armed = false;
	}
	rcu_barrier();
	idr_destroy(&zc_session_ids);
}
