// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: who a hit is charged to.
 *
 * The tables the probes look up, below them: sessions by id, the thread
 * groups each session follows, and the sockets and bios that followed
 * tasks own. A session follows thread groups, keyed by their struct pid
 * (a pid number may be reused; a referenced struct pid is not), until the
 * group exits or the session ends. Work that runs outside the followed
 * tasks is attributed through ownership: a TCP socket that a followed
 * task sent on belongs to the sessions following that task until the
 * socket closes, and a bio that a followed task queued belongs to them
 * until the bio completes. The probes look these up under RCU; the
 * session code (zcopy_session.c) adds and removes under zc_lock.
 *
 * Every table insertion checks, under the table's lock, that its session
 * is not dead; zc_session_end() marks a session dead before it empties the
 * tables under the same locks, so no entry can outlive its session.
 */
#include <linux/blk_types.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "zcopy.h"
#include "zcopy_compat.h"

#define ZC_SOCK_MAX	4096
#define ZC_BIO_SLOTS	1024
#define ZC_BIO_PROBES	16

static unsigned int zc_max_follow = 4096;
module_param_named(max_follow, zc_max_follow, uint, 0644);
MODULE_PARM_DESC(max_follow,
		 "Most processes one session follows at once (default 4096)");

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
/*
 * Entries in zc_sock_tbl, written under zc_sock_lock. The hot paths (every
 * transmit, every skb copy) test it rather than hash_empty(), which reads
 * buckets until a used one: all 256 of them while no session has a socket.
 */
static unsigned int zc_nsock;

struct zc_bioent {
	const struct bio *bio;
	struct zc_sids sids;
};

static struct zc_bioent zc_bio_tbl[ZC_BIO_SLOTS];
static DEFINE_SPINLOCK(zc_bio_lock);
static unsigned int zc_nbio;		/* claimed slots, under zc_bio_lock */

static DEFINE_IDR(zc_session_ids);	/* under zc_lock; read under RCU */

/* ---- sessions by id ---- */

/**
 * zc_session_id_alloc() - reserve an id for a session being created
 *
 * The id names nothing until zc_session_id_publish().
 *
 * Context: process context, under zc_lock.
 * Return: the id, or a negative errno.
 */
int zc_session_id_alloc(void)
{
	lockdep_assert_held(&zc_lock);
	return idr_alloc_cyclic(&zc_session_ids, NULL, 1, INT_MAX, GFP_KERNEL);
}

/**
 * zc_session_id_publish() - make @id name @s for zc_session_rcu()
 * @id: from zc_session_id_alloc()
 * @s: the session, complete
 *
 * Context: process context, under zc_lock.
 */
void zc_session_id_publish(u32 id, struct zc_session *s)
{
	lockdep_assert_held(&zc_lock);
	idr_replace(&zc_session_ids, s, id);
}

/**
 * zc_session_id_remove() - free a session's id
 * @id: the id
 *
 * Context: process context, under zc_lock.
 */
void zc_session_id_remove(u32 id)
{
	lockdep_assert_held(&zc_lock);
	idr_remove(&zc_session_ids, id);
}

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

/* ---- counters charged to sessions ---- */

struct zc_ctr_ev {
	unsigned int ctr;
	u64 val;
};

static void zc_add_ctr_s(struct zc_session *s, void *arg)
{
	struct zc_ctr_ev *ev = arg;

	this_cpu_add(s->counters.pcpu->ctr[ev->ctr], ev->val);
}

/**
 * zc_charge_ctr() - charge a counter globally and to a task's sessions
 * @t: the task
 * @ctr: a ZCOPY_COUNTER_* index
 * @val: what to add
 *
 * Context: a probe handler, under rcu_read_lock() or with preemption off.
 */
void zc_charge_ctr(struct task_struct *t, unsigned int ctr, u64 val)
{
	struct zc_ctr_ev ev = { .ctr = ctr, .val = val };

	this_cpu_add(zc_global.pcpu->ctr[ctr], val);
	zc_charge_task(t, zc_add_ctr_s, &ev);
}

/**
 * zc_charge_ctr_sids() - charge a counter globally and to a set of sessions
 * @ids: the sessions
 * @ctr: a ZCOPY_COUNTER_* index
 * @val: what to add
 *
 * Context: a probe handler, under rcu_read_lock() or with preemption off.
 */
void zc_charge_ctr_sids(const struct zc_sids *ids, unsigned int ctr, u64 val)
{
	struct zc_ctr_ev ev = { .ctr = ctr, .val = val };

	this_cpu_add(zc_global.pcpu->ctr[ctr], val);
	zc_sids_charge(ids, zc_add_ctr_s, &ev);
}

/* ---- followed thread groups ---- */

static void zc_follow_free_rcu(struct rcu_head *rcu)
{
	struct zc_follow *f = container_of(rcu, struct zc_follow, rcu);

	put_pid(f->pid);
	kfree(f);
}

/**
 * zc_follow_add() - follow a thread group in a session
 * @s: the session
 * @pid: the group's struct pid (a reference is taken)
 * @gfp: allocation flags fit for the context
 *
 * Context: any; @gfp must fit it.
 * Return: 0, -ENOMEM, -ENOSPC when @s follows max_follow processes, or
 * -ESRCH when @s ended.
 */
int zc_follow_add(struct zc_session *s, struct pid *pid, gfp_t gfp)
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
	if (!sk || !READ_ONCE(zc_nsock))
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
			hash_add_rcu(zc_sock_tbl, &n->node, (unsigned long)sk);
			WRITE_ONCE(zc_nsock, zc_nsock + 1);
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
	WRITE_ONCE(zc_nsock, zc_nsock - 1);
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

	if (!READ_ONCE(zc_nsock))
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
 * zc_track_del_session() - drop a session from every table
 * @s: the session, marked dead
 *
 * Context: process context, under zc_lock; @s->dead is set, so that no
 * entry for it can be added after this.
 */
void zc_track_del_session(struct zc_session *s)
{
	zc_follow_del_session(s);
	zc_sock_del_session(s->id);
	zc_bio_del_session(s->id);
}

/**
 * zc_track_exit() - empty the tables at module exit
 *
 * Every session has ended and the probes are removed: an entry left is a
 * bug, reported, and freed. Then the RCU callbacks of this file have run.
 *
 * Context: module exit (or a failed init), after zc_session_exit().
 */
void zc_track_exit(void)
{
	zc_tables_purge();
	rcu_barrier();
	idr_destroy(&zc_session_ids);
}
