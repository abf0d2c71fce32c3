// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: sessions: their creation and end, who may create which, their
 * sample timers, and the arming of the probes while any exists.
 *
 * A session's tables (the groups it follows, the sockets and bios they
 * own, its id) are zcopy_track.c's, below the probes; the interfaces hear
 * of a session's end and samples through the callbacks they register
 * (zc_session_set_notify()). Everything here runs in process context
 * under zc_lock.
 */
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/sock.h>

#include "zcopy.h"
#include "zcopy_compat.h"

static unsigned int zc_disarm_delay_ms = 1000;
module_param_named(disarm_delay_ms, zc_disarm_delay_ms, uint, 0644);
MODULE_PARM_DESC(disarm_delay_ms,
		 "Delay before the probes are removed once the last session ends (ms, default 1000)");

static LIST_HEAD(zc_sessions);
static unsigned int zc_nsessions;
static bool zc_is_armed;
static const struct zc_session_notify *zc_notify;

static void zc_disarm_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(zc_disarm_work, zc_disarm_fn);
static void zc_owner_gone_fn(struct work_struct *work);
static DECLARE_WORK(zc_owner_gone_work, zc_owner_gone_fn);

/* ---- sessions ---- */

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

/**
 * zc_session_set_notify() - who hears of sessions' ends and samples
 * @notify: the callbacks, or NULL for none
 *
 * Called by the netlink family before it registers and after the
 * sessions ended at its exit; @notify->end runs under zc_lock, and
 * @notify->sample from a session's sample work.
 *
 * Context: process context; takes zc_lock.
 */
void zc_session_set_notify(const struct zc_session_notify *notify)
{
	mutex_lock(&zc_lock);
	WRITE_ONCE(zc_notify, notify);
	mutex_unlock(&zc_lock);
}

static void zc_sample_fn(struct work_struct *work)
{
	struct zc_session *s = container_of(to_delayed_work(work),
					    struct zc_session, sample_work);
	const struct zc_session_notify *notify;

	if (READ_ONCE(s->dead))
		return;
	notify = READ_ONCE(zc_notify);
	if (notify)
		notify->sample(s);
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
	id = zc_session_id_alloc();
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
		zc_session_id_remove(id);
		goto err_unlock;
	}
	if (!zc_is_armed) {
		*err = zc_probes_arm();
		if (*err) {
			*why = "no probe could be registered on this kernel";
			/* No probe ran: the follow entry had no reader. */
			WRITE_ONCE(s->dead, true);
			zc_track_del_session(s);
			zc_session_id_remove(id);
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
	zc_session_id_publish(id, s);
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
	const struct zc_session_notify *notify;

	mutex_lock(&zc_lock);
	if (s->dead) {
		mutex_unlock(&zc_lock);
		return;
	}
	notify = READ_ONCE(zc_notify);
	if (notify)
		notify->end(s, reason);
	WRITE_ONCE(s->dead, true);
	zc_track_del_session(s);
	zc_session_id_remove(s->id);
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
	/* Freed by RCU callbacks of this file: they must have run. */
	rcu_barrier();
}
