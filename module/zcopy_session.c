// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: sessions, and how work is attributed to them.
 *
 * A session follows thread groups, keyed by their struct pid (a pid
 * number may be reused; a referenced struct pid is not), until the group
 * exits or the session ends. Work that runs outside the followed tasks is
 * attributed through ownership: a TCP socket that a followed task sent on
 * belongs to the sessions following that task until the socket closes,
 * and a bio that a followed task queued belongs to them until the bio
 * completes. The probes look these up under RCU; everything else here runs
 * in process context under zc_lock.
 *
 * Every table insertion checks, under the table's lock, that its session
 * is not dead; zc_session_end() marks a session dead before it empties the
 * tables under the same locks, so no entry can outlive its session.
 */
#include <linux/blk_types.h>
#include <linux/capability.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/sock.h>

#include "zcopy.h"
#include "zcopy_compat.h"

#define ZC_SOCK_MAX	4096
#define ZC_BIO_SLOTS	1024
#define ZC_BIO_PROBES	16

static unsigned int zc_disarm_delay_ms = 1000;
module_param_named(disarm_delay_ms, zc_disarm_delay_ms, uint, 0644);
MODULE_PARM_DESC(disarm_delay_ms,
		 "Delay before the probes are removed once the last session ends (ms, default 1000)");

static unsigned int zc_max_follow = 4096;
module_param_named(max_follow, zc_max_follow, uint, 0644);
MODULE_PARM_DESC(max_follow,
		 "Most processes one session follows at once (default 4096)");

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
	struct zc_sids sids;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(zc_sock_tbl, 8);
static DEFINE_SPINLOCK(zc_sock_lock);
static unsigned int zc_nsock;

struct zc_bioent {
	const struct bio *bio;
	struct zc_sids sids;
};

static struct zc_bioent zc_bio_tbl[ZC_BIO_SLOTS];
static DEFINE_SPINLOCK(zc_bio_lock);
static unsigned int zc_nbio;		/* claimed slots, under zc_bio_lock */

static void zc_disarm_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(zc_disarm_work, zc_disarm_fn);
static void zc_owner_gone_fn(struct work_struct *work);
static DECLARE_WORK(zc_owner_gone_work, zc_owner_gone_fn);

/* ---- sets of sessions ---- */

/* The live sessions following a task, as collected on a hot path. */
struct zc_live {
	unsigned int n;
	bool overflow;
	struct zc_session *s[ZC_SIDS];
};

static void zc_live_add(struct zc_session *s, void *arg)
{
	struct zc_live *l = arg;

	if (l->n < ZC_SIDS)
		l->s[l->n++] = s;
	else
		l->overflow = true;
}

static bool zc_sids_has(const struct zc_sids *ids, u32 id)
{
	unsigned int i;

	for (i = 0; i < ZC_SIDS; i++)
		if (READ_ONCE(ids->id[i]) == id)
			return true;
	return false;
}

/*
 * Add the live sessions of @l to @ids. Context: under the lock of the
 * table @ids is in. Return: false if one did not fit.
 */
static bool zc_sids_merge(struct zc_sids *ids, const struct zc_live *l)
{
	bool fit = !l->overflow;
	unsigned int i, j;

	for (i = 0; i < l->n; i++) {
		struct zc_session *s = l->s[i];

		if (READ_ONCE(s->dead) || zc_sids_has(ids, s->id))
			continue;
		for (j = 0; j < ZC_SIDS && ids->id[j]; j++)
			;
		if (j == ZC_SIDS)
			fit = false;
		else
			WRITE_ONCE(ids->id[j], s->id);
	}
	return fit;
}

/* Drop @id from @ids. Return: whether @ids is empty now. */
static bool zc_sids_drop(struct zc_sids *ids, u32 id)
{
	bool empty = true;
	unsigned int i;

	for (i = 0; i < ZC_SIDS; i++) {
		if (ids->id[i] == id)
			WRITE_ONCE(ids->id[i], 0);
		if (ids->id[i])
			empty = false;
	}
	return empty;
}

/* Whether @l's live sessions are all in @ids already. */
static bool zc_sids_cover(const struct zc_sids *ids, const struct zc_live *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!zc_sids_has(ids, l->s[i]->id))
			return false;
	return true;
}

/**
 * zc_sids_charge() - call @fn for every live session of a set
 * @ids: session ids, 0 for an unused slot
 * @fn: called with each session
 * @arg: passed to @fn
 *
 * Context: under rcu_read_lock() or with preemption disabled.
 */
void zc_sids_charge(const struct zc_sids *ids,
		    void (*fn)(struct zc_session *s, void *arg), void *arg)
{
	struct zc_session *s;
	unsigned int i;

	for (i = 0; i < ZC_SIDS; i++) {
		s = zc_session_rcu(READ_ONCE(ids->id[i]));
		if (s)
			fn(s, arg);
	}
}

/**
 * zc_sids_empty() - whether a set names no session
 * @ids: session ids
 *
 * Return: true if every slot is 0.
 */
bool zc_sids_empty(const struct zc_sids *ids)
{
	unsigned int i;

	for (i = 0; i < ZC_SIDS; i++)
		if (READ_ONCE(ids->id[i]))
			return false;
	return true;
}

/* ---- followed thread groups ---- */

static void zc_follow_free_rcu(struct rcu_head *rcu)
{
	struct zc_follow *f = container_of(rcu, struct zc_follow, rcu);

	put_pid(f->pid);
	kfree(f);
}

/*
 * Follow @pid in @s. Context: any; @gfp must fit it. Return: 0, -ENOMEM,
 * -ENOSPC when @s follows max_follow processes, or -ESRCH when @s ended.
 */
static int zc_follow_add(struct zc_session *s, struct pid *pid, gfp_t gfp)
{
	struct zc_follow *f;
	unsigned long flags;
	int err = 0;

	f = kzalloc(sizeof(*f), gfp);
	if (!f)
		return -ENOMEM;
	f->pid = get_pid(pid);
	f->s = s;

	spin_lock_irqsave(&zc_follow_lock, flags);
	/* zc_session_end() marks @s dead before it takes this lock. */
	if (READ_ONCE(s->dead))
		err = -ESRCH;
	else if (s->nfollow >= READ_ONCE(zc_max_follow))
		err = -ENOSPC;
	if (!err) {
		WRITE_ONCE(s->nfollow, s->nfollow + 1);
		WRITE_ONCE(zc_nfollow, zc_nfollow + 1);
		hash_add_rcu(zc_follow_tbl, &f->node, (unsigned long)pid);
	}
	spin_unlock_irqrestore(&zc_follow_lock, flags);
	if (err) {
		put_pid(f->pid);
		kfree(f);
	}
	return err;
}

/* Context: under zc_follow_lock. */
static void zc_follow_del_locked(struct zc_follow *f)
{
	lockdep_assert_held(&zc_follow_lock);
	hash_del_rcu(&f->node);
	WRITE_ONCE(f->s->nfollow, f->s->nfollow - 1);
	WRITE_ONCE(zc_nfollow, zc_nfollow - 1);
	call_rcu(&f->rcu, zc_follow_free_rcu);
}

static void zc_follow_del_session(struct zc_session *s)
{
	struct hlist_node *tmp;
	struct zc_follow *f;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&zc_follow_lock, flags);
	hash_for_each_safe(zc_follow_tbl, bkt, tmp, f, node)
		if (f->s == s)
			zc_follow_del_locked(f);
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
	int err;

	if (!(s->flags & ZCOPY_SESSION_FLAGS_CHILDREN))
		return;
	err = zc_follow_add(s, task_tgid(child), GFP_ATOMIC);
	/* A session that ended meanwhile (-ESRCH) misses nothing. */
	if (err && err != -ESRCH)
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

/**
 * zc_follow_exit() - stop following a thread group whose last task exits
 * @t: an exiting task
 *
 * A session keeps its counters; it only stops holding an entry (and a
 * struct pid) for a process that cannot run again.
 *
 * Context: the sched_process_exit tracepoint, in the exiting task.
 */
void zc_follow_exit(struct task_struct *t)
{
	struct pid *pid = task_tgid(t);
	struct hlist_node *tmp;
	struct zc_follow *f;
	unsigned long flags;

	/* do_exit() counts the group's tasks down before this tracepoint. */
	if (!pid || atomic_read(&t->signal->live) || !READ_ONCE(zc_nfollow))
		return;
	spin_lock_irqsave(&zc_follow_lock, flags);
	hash_for_each_possible_safe(zc_follow_tbl, f, tmp, node,
				    (unsigned long)pid)
		if (f->pid == pid)
			zc_follow_del_locked(f);
	spin_unlock_irqrestore(&zc_follow_lock, flags);
}

/**
 * zc_follow_exec() - stop following a process that gained privileges
 * @t: a task that has just exec'd a set-user-ID (or similar) program
 *
 * Sessions whose owner has no CAP_PERFMON let go of its thread group, as
 * ptrace would lose its access.
 *
 * Context: the sched_process_exec tracepoint, in the exec'ing task.
 */
void zc_follow_exec(struct task_struct *t)
{
	struct pid *pid = task_tgid(t);
	struct hlist_node *tmp;
	struct zc_follow *f;
	unsigned long flags;

	if (!pid || !READ_ONCE(zc_nfollow))
		return;
	spin_lock_irqsave(&zc_follow_lock, flags);
	hash_for_each_possible_safe(zc_follow_tbl, f, tmp, node,
				    (unsigned long)pid)
		if (f->pid == pid && !f->s->owner_perfmon)
			zc_follow_del_locked(f);
	spin_unlock_irqrestore(&zc_follow_lock, flags);
}

/**
 * zc_followed_count() - processes followed over all sessions
 *
 * Return: the number of follow entries, possibly stale.
 */
unsigned int zc_followed_count(void)
{
	return READ_ONCE(zc_nfollow);
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
 * zc_sock_owner() - the sessions a socket's traffic belongs to
 * @sk: a socket, or NULL
 * @out: set to the sessions' ids (all 0 for none)
 *
 * Context: under rcu_read_lock() or with preemption disabled.
 * Return: whether a session claimed the socket (even one that ended).
 */
bool zc_sock_owner(const struct sock *sk, struct zc_sids *out)
{
	struct zc_sockent *e;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (!sk || hash_empty(zc_sock_tbl))
		return false;
	e = zc_sock_find(sk);
	if (!e)
		return false;
	for (i = 0; i < ZC_SIDS; i++)
		out->id[i] = READ_ONCE(e->sids.id[i]);
	return true;
}

/**
 * zc_sock_claim() - give a socket to the sessions of the task sending on it
 * @sk: the socket
 *
 * Every session following the task gets the socket's traffic, up to
 * ZC_SIDS sessions per socket; a socket already claimed is shared with
 * the task's sessions that do not have it yet.
 *
 * Context: a send path in process context, preemption disabled.
 */
void zc_sock_claim(struct sock *sk)
{
	struct zc_sockent *e, *n = NULL;
	struct zc_live l = {};
	unsigned long flags;
	bool fit = true;

	zc_charge_task(current, zc_live_add, &l);
	if (!l.n)
		return;
	e = zc_sock_find(sk);
	if (e && !l.overflow && zc_sids_cover(&e->sids, &l))
		return;
	if (!e) {
		n = kzalloc(sizeof(*n), GFP_ATOMIC);
		if (!n) {
			zc_stats_missed();
			return;
		}
		n->sk = sk;
	}

	spin_lock_irqsave(&zc_sock_lock, flags);
	e = zc_sock_find(sk);
	if (!e && n && zc_nsock < ZC_SOCK_MAX) {
		/* Checked under the lock: no dead session gets in. */
		fit = zc_sids_merge(&n->sids, &l);
		if (!zc_sids_empty(&n->sids)) {
			zc_nsock++;
			hash_add_rcu(zc_sock_tbl, &n->node, (unsigned long)sk);
			n = NULL;
		}
	} else if (e) {
		fit = zc_sids_merge(&e->sids, &l);
	} else {
		fit = false;
	}
	spin_unlock_irqrestore(&zc_sock_lock, flags);
	kfree(n);
	if (!fit)
		zc_stats_missed();
}

static void zc_sock_del_locked(struct zc_sockent *e)
{
	lockdep_assert_held(&zc_sock_lock);
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

/* Drop session @sid from every socket; @sid 0 drops every socket. */
static void zc_sock_del_session(u32 sid)
{
	struct hlist_node *tmp;
	struct zc_sockent *e;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&zc_sock_lock, flags);
	hash_for_each_safe(zc_sock_tbl, bkt, tmp, e, node)
		if (!sid || zc_sids_drop(&e->sids, sid))
			zc_sock_del_locked(e);
	spin_unlock_irqrestore(&zc_sock_lock, flags);
}

/* ---- block I/O ---- */

/*
 * The entry holding @bio, or with @or_free the first free entry of its
 * probe sequence if it holds none. Context: under zc_bio_lock, or for a
 * lookup of a bio that cannot be claimed or released meanwhile.
 */
static struct zc_bioent *zc_bio_find(const struct bio *bio, bool or_free)
{
	unsigned int i, slot = hash_ptr(bio, ilog2(ZC_BIO_SLOTS));

	for (i = 0; i < ZC_BIO_PROBES; i++) {
		struct zc_bioent *e = &zc_bio_tbl[(slot + i) % ZC_BIO_SLOTS];
		/* Pairs with the release in zc_bio_claim(). */
		const struct bio *b = smp_load_acquire(&e->bio);

		if (b == bio || (or_free && !b))
			return e;
	}
	return NULL;
}

/**
 * zc_bio_claim() - give a bio to the sessions of the task queueing it
 * @bio: the bio
 *
 * Context: the block_bio_queue tracepoint, in the submitter's context.
 */
void zc_bio_claim(const struct bio *bio)
{
	struct zc_live l = {};
	struct zc_bioent *e;
	unsigned long flags;
	bool fit = false;

	if (!in_task())
		return;
	zc_charge_task(current, zc_live_add, &l);
	if (!l.n)
		return;

	spin_lock_irqsave(&zc_bio_lock, flags);
	e = zc_bio_find(bio, true);
	if (e && e->bio == bio) {
		fit = zc_sids_merge(&e->sids, &l);
	} else if (e) {
		fit = zc_sids_merge(&e->sids, &l);
		if (!zc_sids_empty(&e->sids)) {
			zc_nbio++;
			/* The sessions are visible before the bio is. */
			smp_store_release(&e->bio, bio);
		}
	}
	spin_unlock_irqrestore(&zc_bio_lock, flags);
	if (!fit)
		zc_stats_missed();
}

/**
 * zc_bio_owner() - the sessions a bio was queued by
 * @bio: the bio, or NULL
 * @out: set to the sessions' ids (all 0 for none)
 *
 * Lock-free: a bio is claimed before it is issued and released when it
 * completes, neither of which can run concurrently with its issue.
 *
 * Context: any.
 */
void zc_bio_owner(const struct bio *bio, struct zc_sids *out)
{
	struct zc_bioent *e;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (!bio || !READ_ONCE(zc_nbio))
		return;
	e = zc_bio_find(bio, false);
	if (e)
		for (i = 0; i < ZC_SIDS; i++)
			out->id[i] = READ_ONCE(e->sids.id[i]);
}

static void zc_bio_free_locked(struct zc_bioent *e)
{
	lockdep_assert_held(&zc_bio_lock);
	memset(&e->sids, 0, sizeof(e->sids));
	WRITE_ONCE(e->bio, NULL);
	zc_nbio--;
}

/**
 * zc_bio_release() - forget a completed bio
 * @bio: the bio
 *
 * Lock-free when no bio is claimed, or when this one is not: only a bio
 * that a session claimed takes the table's lock.
 *
 * Context: any (completion runs in interrupt context).
 */
void zc_bio_release(const struct bio *bio)
{
	struct zc_bioent *e;
	unsigned long flags;

	if (!READ_ONCE(zc_nbio) || !zc_bio_find(bio, false))
		return;
	spin_lock_irqsave(&zc_bio_lock, flags);
	e = zc_bio_find(bio, false);
	if (e)
		zc_bio_free_locked(e);
	spin_unlock_irqrestore(&zc_bio_lock, flags);
}

/* Drop session @sid from every bio; @sid 0 drops every bio. */
static void zc_bio_del_session(u32 sid)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&zc_bio_lock, flags);
	for (i = 0; i < ZC_BIO_SLOTS; i++) {
		struct zc_bioent *e = &zc_bio_tbl[i];

		if (e->bio && (!sid || zc_sids_drop(&e->sids, sid)))
			zc_bio_free_locked(e);
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

static unsigned int zc_max_user_sessions = 4;
module_param_named(max_user_sessions, zc_max_user_sessions, uint, 0644);
MODULE_PARM_DESC(max_user_sessions,
		 "Most sessions one user may own at once, unless CAP_SYS_ADMIN (default 4)");

/*
 * Who may follow a process without CAP_PERFMON, in the spirit of
 * perf_event_paranoid: 2 (default) nobody; 1 a user, the processes it may
 * ptrace-read (its own); 0 the same, and the global counters too.
 */
int zc_paranoid = 2;
module_param_named(paranoid, zc_paranoid, int, 0644);
MODULE_PARM_DESC(paranoid,
		 "2: following needs CAP_PERFMON; 1: users may follow the processes they may ptrace; 0: and read the global counters (default 2)");

/**
 * zc_perfmon() - whether the current task may see everything zcopy counts
 *
 * Return: true with CAP_PERFMON or CAP_SYS_ADMIN in the initial user
 * namespace.
 */
bool zc_perfmon(void)
{
	return perfmon_capable();
}

/*
 * Whether the current task may inspect @task: the checks of
 * ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS), which modules cannot
 * call (it is not exported), but for its LSM hook. The caller's fsuid and
 * fsgid must be all of @task's ids, or it needs CAP_SYS_PTRACE in @task's
 * user namespace; and @task must be dumpable (not running a set-user-ID
 * program, say) or the caller hold CAP_SYS_PTRACE over its memory.
 */
static bool zc_may_inspect(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	if (same_thread_group(task, current))
		return true;
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->fsuid, tcred->euid) &&
	      uid_eq(cred->fsuid, tcred->suid) &&
	      uid_eq(cred->fsuid, tcred->uid) &&
	      gid_eq(cred->fsgid, tcred->egid) &&
	      gid_eq(cred->fsgid, tcred->sgid) &&
	      gid_eq(cred->fsgid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (!ok)
		return false;
	task_lock(task);
	ok = zc_task_dumpable(task);
	task_unlock(task);
	return ok;
}

/*
 * The thread group of @nr, if the current task may follow it: it must be
 * allowed to inspect it (ptrace read access, as perf_event_open asks),
 * and hold CAP_PERFMON unless the paranoid parameter lets users follow
 * their own processes.
 */
static struct pid *zc_target_pid(pid_t nr, const char **why, int *err)
{
	struct task_struct *task;
	struct pid *pid = NULL;

	if (READ_ONCE(zc_paranoid) > 1 && !zc_perfmon()) {
		*why = "following a process needs CAP_PERFMON (or the paranoid parameter at 1)";
		*err = -EPERM;
		return NULL;
	}
	rcu_read_lock();
	task = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task) {
		*why = "no such process";
		*err = -ESRCH;
		return NULL;
	}
	if (!zc_may_inspect(task)) {
		*why = "no permission to inspect that process (ptrace read access)";
		*err = -EACCES;
	} else {
		pid = get_pid(task_tgid(task));
	}
	put_task_struct(task);
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
	s->owner_perfmon = zc_perfmon();
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

/* Context: under zc_lock. */
static unsigned int zc_user_sessions(kuid_t uid)
{
	struct zc_session *s;
	unsigned int n = 0;

	list_for_each_entry(s, &zc_sessions, node)
		if (uid_eq(s->owner_uid, uid))
			n++;
	return n;
}

/**
 * zc_session_new() - create a session and arm the probes if needed
 * @args: what to follow and who owns the session
 * @why: set to a message for the user on failure
 * @err: set to a negative errno on failure
 *
 * Every step that can fail comes before the probes are armed, and arming
 * is undone with the rest if it fails: a failed creation changes nothing.
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
	if (zc_user_sessions(s->owner_uid) >= READ_ONCE(zc_max_user_sessions) &&
	    !capable(CAP_SYS_ADMIN)) {
		*why = "too many sessions for this user (see max_user_sessions)";
		*err = -EUSERS;
		goto err_unlock;
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
		*why = *err == -ENOSPC ?
		       "too many followed processes (see the max_follow module parameter)" :
		       "out of memory";
		idr_remove(&zc_session_ids, id);
		goto err_unlock;
	}
	if (!zc_is_armed) {
		*err = zc_probes_arm();
		if (*err) {
			*why = "no probe could be registered on this kernel";
			/* No probe ran: the follow entry had no reader. */
			WRITE_ONCE(s->dead, true);
			zc_follow_del_session(s);
			idr_remove(&zc_session_ids, id);
			mutex_unlock(&zc_lock);
			put_pid(pid);
			call_rcu(&s->rcu, zc_session_free_rcu);
			return NULL;
		}
		WRITE_ONCE(zc_is_armed, true);
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

/* Entries nothing should have left behind; counted, then freed. */
static void zc_tables_purge(void)
{
	struct hlist_node *tmp;
	struct zc_follow *f;
	unsigned long flags;
	unsigned int n = 0;
	int bkt;

	spin_lock_irqsave(&zc_follow_lock, flags);
	hash_for_each_safe(zc_follow_tbl, bkt, tmp, f, node) {
		zc_follow_del_locked(f);
		n++;
	}
	spin_unlock_irqrestore(&zc_follow_lock, flags);
	n += zc_nsock + zc_nbio;
	zc_sock_del_session(0);
	zc_bio_del_session(0);
	if (n)
		pr_warn("zcopy: %u table entries outlived their sessions\n", n);
}

/**
 * zc_session_exit() - end every session, empty the tables, remove the probes
 *
 * Context: module exit (or a failed init), once no new session can be
 * created.
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
	zc_tables_purge();
	rcu_barrier();
	idr_destroy(&zc_session_ids);
}
