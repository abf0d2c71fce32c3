// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: the /dev/zcopy character device.
 *
 * read() gives a text table (what a course shows on screen): a snapshot is
 * taken when a read starts at offset 0, so partial reads and seeks see one
 * consistent table. The ioctls of <linux/zcopy_dev.h> serve programs that
 * do not speak netlink; a session created through them belongs to the
 * open file and ends when it is closed.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zcopy.h"

#define ZC_POLL_MS	100

/*
 * The most a line of each kind can take. Every field has a fixed width or
 * a name bounded by its table; the longest probe reason is 69 characters.
 */
#define ZC_TEXT_LINE	96	/* headings and counters */
#define ZC_TEXT_SITE	192
#define ZC_TEXT_DEV	288
#define ZC_TEXT_PROBE	192
#define ZC_TEXT_SET	((2 + ZC_NR_COUNTERS) * ZC_TEXT_LINE +		\
			 ZC_MAX_SITES * ZC_TEXT_SITE +			\
			 ZC_MAX_DEVS * ZC_TEXT_DEV)

static unsigned short zc_dev_mode = 0600;
module_param_named(dev_mode, zc_dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/zcopy (default 0600)");

/*
 * An open /dev/zcopy. Threads may share it: @lock serialises the readers
 * (a snapshot frees the previous text) and the binding of a session,
 * which is set once and then stays until the file is released.
 */
struct zc_file {
	struct mutex lock;		/* @text, @len, binding @s */
	struct zc_session *s;
	char *text;
	size_t len;
	u64 seen;			/* session events at the last read */
	struct delayed_work poll_work;
};

static const char *const zc_ctr_names[ZC_NR_COUNTERS] = {
	[ZCOPY_COUNTER_COPY_U2K_BYTES] = "copy user->kernel bytes",
	[ZCOPY_COUNTER_COPY_K2U_BYTES] = "copy kernel->user bytes",
	[ZCOPY_COUNTER_COPY_K2K_BYTES] = "copy kernel->kernel bytes",
	[ZCOPY_COUNTER_COPY_CALLS] = "copy calls",
	[ZCOPY_COUNTER_CSUM_BYTES] = "checksum-only bytes",
	[ZCOPY_COUNTER_PIPE_REF_BYTES] = "pipe page-reference bytes",
	[ZCOPY_COUNTER_DMA_TO_DEV_BYTES] = "DMA to-device bytes",
	[ZCOPY_COUNTER_DMA_FROM_DEV_BYTES] = "DMA from-device bytes",
	[ZCOPY_COUNTER_DMA_BIDI_BYTES] = "DMA bidirectional bytes",
	[ZCOPY_COUNTER_DMA_MAPS] = "DMA mappings",
	[ZCOPY_COUNTER_SYSCALLS] = "system calls",
	[ZCOPY_COUNTER_CTX_SWITCHES_VOL] = "context switches (voluntary)",
	[ZCOPY_COUNTER_CTX_SWITCHES_INVOL] = "context switches (involuntary)",
	[ZCOPY_COUNTER_PAGECACHE_MISS_BYTES] = "page cache miss bytes",
	[ZCOPY_COUNTER_MISSED] = "missed events",
	[ZCOPY_COUNTER_NIC_HDR_BYTES] = "NIC-replicated header bytes",
};

static const char *const zc_kind_names[] = {
	[ZCOPY_COPY_KIND_U2K] = "u2k",
	[ZCOPY_COPY_KIND_K2U] = "k2u",
	[ZCOPY_COPY_KIND_K2K] = "k2k",
	[ZCOPY_COPY_KIND_CSUM] = "csum",
};

static const char *const zc_type_names[] = {
	[ZCOPY_PROBE_TYPE_FENTRY] = "fentry",
	[ZCOPY_PROBE_TYPE_TRACEPOINT] = "tracepoint",
	[ZCOPY_PROBE_TYPE_KPROBE] = "kprobe",
	[ZCOPY_PROBE_TYPE_KRETPROBE] = "kretprobe",
};

static const char *const zc_state_names[] = {
	[ZCOPY_PROBE_STATE_OFF] = "off",
	[ZCOPY_PROBE_STATE_ACTIVE] = "active",
	[ZCOPY_PROBE_STATE_UNAVAILABLE] = "unavailable",
};

struct zc_text {
	char *buf;
	size_t len;
	size_t size;
};

static __printf(2, 3) void zc_print(struct zc_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	/* The buffer is sized for the longest lines: never cut a table. */
	if (WARN_ON_ONCE(n >= t->size - t->len))
		n = t->size - t->len - 1;
	t->len += n;
}

/* Room for the global table, @sessions tables and the probes. */
static size_t zc_text_size(unsigned int sessions)
{
	return (size_t)(sessions + 1) * ZC_TEXT_SET + 2 * ZC_TEXT_LINE +
	       zc_probes_count() * ZC_TEXT_PROBE;
}

static void zc_text_totals(struct zc_text *t, struct zc_pcpu *c, bool devs)
{
	unsigned int i, n;

	for (i = 0; i < ZC_NR_COUNTERS; i++) {
		if (zc_counter_measured(i))
			zc_print(t, "  %-32s %20llu\n", zc_ctr_names[i],
				 c->ctr[i]);
		else	/* no probe feeds it here: not a 0 */
			zc_print(t, "  %-32s %20s\n", zc_ctr_names[i],
				 "not-measured");
	}
	n = zc_sites_name();
	zc_sites_fold(c, n);
	for (i = 0; i < n; i++) {
		const struct zc_site *site = zc_site(i);

		if (!c->site_calls[i])
			continue;
		zc_print(t, "  site %-28s %-4s %20llu bytes %10llu calls (%s)\n",
			 site->func, zc_kind_names[site->kind],
			 c->site_bytes[i], c->site_calls[i],
			 zc_prim_name(site->prim));
	}
	n = devs ? zc_devs_count() : 0;
	for (i = 0; i < n; i++) {
		const struct zc_dev *d = zc_dev(i);

		if (!c->dev_maps[i])
			continue;
		zc_print(t, "  device %s %s %s: to-device %llu from-device %llu",
			 d->name, d->driver, d->label[0] ? d->label : "-",
			 c->dev_bytes[i][ZC_DMA_TO], c->dev_bytes[i][ZC_DMA_FROM]);
		zc_print(t, " bidirectional %llu bytes, %llu maps\n",
			 c->dev_bytes[i][ZC_DMA_BIDI], c->dev_maps[i]);
	}
}

/*
 * What a reader may see, as the netlink family decides it: everything
 * with CAP_PERFMON, else its own sessions, and the global table and the
 * probes only if the paranoid parameter is 0. Both the opener of the file
 * and the reader must qualify.
 */
struct zc_view {
	bool perfmon;
	bool global;
	kuid_t uid;
};

static void zc_view_of(const struct file *file, struct zc_view *v)
{
	v->perfmon = (file_ns_capable(file, &init_user_ns, CAP_PERFMON) ||
		      file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN)) &&
		     zc_perfmon();
	v->global = v->perfmon || READ_ONCE(zc_paranoid) <= 0;
	v->uid = current_uid();
}

static bool zc_view_session(const struct zc_view *v,
			    const struct zc_session *s)
{
	return v->perfmon || uid_eq(s->owner_uid, v->uid);
}

/* Context: under zc_lock. */
static void zc_text_fill(struct zc_text *t, struct zc_pcpu *c,
			 const struct zc_view *v)
{
	struct zc_probe_info pi;
	struct zc_session *s;
	unsigned int i;

	zc_print(t, "zcopy %s: probes %s, %u session(s) of at most %u\n",
		 THIS_MODULE->version, zc_armed() ? "armed" : "off",
		 zc_sessions_count(), zc_max_sessions);
	if (v->global) {
		zc_counters_read(&zc_global, c);
		zc_print(t, "\nglobal\n");
		zc_text_totals(t, c, v->perfmon);
	}
	for (s = zc_session_next(NULL); s; s = zc_session_next(s)) {
		if (!zc_view_session(v, s))
			continue;
		zc_counters_read(&s->counters, c);
		zc_print(t, "\nsession %u: pid %d%s, owner pid %d\n", s->id,
			 s->pid, s->flags & ZCOPY_SESSION_FLAGS_CHILDREN ?
			 " and children" : "", s->owner_pid);
		zc_text_totals(t, c, v->perfmon);
	}
	if (!v->global)
		return;
	zc_print(t, "\nprobes\n");
	for (i = 0; i < zc_probes_count(); i++) {
		zc_probe_info(i, &pi);
		zc_print(t, "  %-32s %-10s %-11s %12llu hits %6llu missed%s%s\n",
			 pi.name, zc_type_names[pi.type], zc_state_names[pi.state],
			 pi.hits, pi.missed, pi.reason ? ": " : "",
			 pi.reason ?: "");
	}
}

static int zc_file_snapshot(struct file *file, struct zc_file *f)
{
	struct zc_text t = {};
	struct zc_view v;
	struct zc_pcpu *c;
	char *text;

	zc_view_of(file, &v);
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	mutex_lock(&zc_lock);
	/* Sized under the lock, so that no session comes in between. */
	t.size = zc_text_size(zc_sessions_count());
	t.buf = kvmalloc(t.size, GFP_KERNEL);
	if (t.buf)
		zc_text_fill(&t, c, &v);
	mutex_unlock(&zc_lock);
	kfree(c);
	if (!t.buf)
		return -ENOMEM;
	/* An open file may keep its snapshot long: keep only the text. */
	text = kvmalloc(t.len, GFP_KERNEL);
	if (text) {
		memcpy(text, t.buf, t.len);
		kvfree(t.buf);
		t.buf = text;
	}
	kvfree(f->text);
	f->text = t.buf;
	f->len = t.len;
	return 0;
}

static ssize_t zc_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct zc_file *f = file->private_data;
	ssize_t ret;

	mutex_lock(&f->lock);
	if (*ppos == 0 || !f->text) {
		ret = zc_file_snapshot(file, f);
		if (ret)
			goto out;
		if (f->s)
			WRITE_ONCE(f->seen, zc_counters_events(&f->s->counters));
	}
	ret = simple_read_from_buffer(buf, count, ppos, f->text, f->len);
out:
	mutex_unlock(&f->lock);
	return ret;
}

static void zc_poll_fn(struct work_struct *work)
{
	struct zc_file *f = container_of(to_delayed_work(work), struct zc_file,
					 poll_work);

	if (READ_ONCE(f->s->dead)) {
		wake_up_interruptible(&f->s->wq);
		return;
	}
	if (zc_counters_events(&f->s->counters) != READ_ONCE(f->seen))
		wake_up_interruptible(&f->s->wq);
	schedule_delayed_work(&f->poll_work, msecs_to_jiffies(ZC_POLL_MS));
}

static __poll_t zc_poll(struct file *file, poll_table *wait)
{
	struct zc_file *f = file->private_data;
	/* Pairs with the release in zc_ioc_session_new(). */
	struct zc_session *s = smp_load_acquire(&f->s);

	if (!s)
		return EPOLLIN | EPOLLRDNORM;
	poll_wait(file, &s->wq, wait);
	if (READ_ONCE(s->dead))
		return EPOLLHUP;
	if (zc_counters_events(&s->counters) != READ_ONCE(f->seen))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static void zc_stats_from(struct zcopy_stats *st, const struct zc_pcpu *c)
{
	unsigned int i;

	st->version = ZCOPY_STATS_VERSION;
	st->nr_counters = ZC_NR_COUNTERS;
	st->armed = zc_armed();
	st->sessions = zc_sessions_count();
	for (i = 0; i < ZC_NR_COUNTERS; i++) {
		st->counters[i] = c->ctr[i];
		if (!zc_counter_measured(i))
			st->unmeasured |= BIT_ULL(i);
	}
}

static long zc_ioc_stats(struct file *file, struct zc_file *f,
			 void __user *arg, bool session)
{
	struct zc_session *s = NULL;
	struct zcopy_stats st = {};
	struct zc_pcpu *c;
	u32 size;

	if (get_user(size, (u32 __user *)arg))
		return -EFAULT;
	if (size != sizeof(st))
		return -EINVAL;
	if (session) {
		/* Pairs with the release in zc_ioc_session_new(). */
		s = smp_load_acquire(&f->s);
		if (!s)
			return -ENOENT;
	} else {
		struct zc_view v;

		zc_view_of(file, &v);
		if (!v.global)
			return -EPERM;
	}
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	st.size = size;
	mutex_lock(&zc_lock);
	zc_counters_read(s ? &s->counters : &zc_global, c);
	mutex_unlock(&zc_lock);
	zc_stats_from(&st, c);
	kfree(c);
	if (s) {
		st.session_id = s->id;
		WRITE_ONCE(f->seen, zc_counters_events(&s->counters));
	}
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long zc_ioc_session_new(struct zc_file *f, void __user *arg)
{
	struct zc_session_args a = {
		.owner_kind = ZC_OWNER_FILE,
	};
	struct zcopy_session_req req;
	struct zc_session *s;
	const char *why;
	int err;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.size != sizeof(req) || req.session_id ||
	    req.flags & ~ZCOPY_SESSION_FLAGS_CHILDREN || !req.pid ||
	    req.pid > PID_MAX_LIMIT)
		return -EINVAL;

	/* Two threads sharing the file must not both bind a session. */
	mutex_lock(&f->lock);
	if (f->s) {
		mutex_unlock(&f->lock);
		return -EBUSY;
	}
	a.pid = req.pid;
	a.flags = req.flags;
	s = zc_session_new(&a, &why, &err);
	if (!s) {
		mutex_unlock(&f->lock);
		return err;
	}
	WRITE_ONCE(f->seen, zc_counters_events(&s->counters));
	/* Publish the session to the lockless readers, initialised. */
	smp_store_release(&f->s, s);
	mutex_unlock(&f->lock);
	schedule_delayed_work(&f->poll_work, msecs_to_jiffies(ZC_POLL_MS));
	req.session_id = s->id;
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;	/* the session stays bound to the file */
	return 0;
}

static long zc_ioc_reset(struct file *file, struct zc_file *f)
{
	/* Pairs with the release in zc_ioc_session_new(). */
	struct zc_session *s = smp_load_acquire(&f->s);
	struct zc_view v;

	zc_view_of(file, &v);
	if (!s && !v.perfmon)
		return -EPERM;
	mutex_lock(&zc_lock);
	zc_counters_reset(s ? &s->counters : &zc_global);
	mutex_unlock(&zc_lock);
	return 0;
}

static long zc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zc_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != ZCOPY_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(ZCOPY_IOC_GET_STATS):
	case _IOC_NR(ZCOPY_IOC_SESSION_STATS):
		if (_IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
			return -ENOTTY;
		if (_IOC_SIZE(cmd) != sizeof(struct zcopy_stats))
			return -EINVAL;
		return zc_ioc_stats(file, f, uarg, _IOC_NR(cmd) ==
				    _IOC_NR(ZCOPY_IOC_SESSION_STATS));
	case _IOC_NR(ZCOPY_IOC_SESSION_NEW):
		if (_IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
			return -ENOTTY;
		if (_IOC_SIZE(cmd) != sizeof(struct zcopy_session_req))
			return -EINVAL;
		return zc_ioc_session_new(f, uarg);
	case _IOC_NR(ZCOPY_IOC_RESET):
		if (cmd != ZCOPY_IOC_RESET)
			return _IOC_SIZE(cmd) ? -EINVAL : -ENOTTY;
		return zc_ioc_reset(file, f);
	default:
		return -ENOTTY;
	}
}

static int zc_open(struct inode *inode, struct file *file)
{
	struct zc_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	INIT_DELAYED_WORK(&f->poll_work, zc_poll_fn);
	file->private_data = f;
	return 0;
}

static int zc_release(struct inode *inode, struct file *file)
{
	struct zc_file *f = file->private_data;

	if (f->s) {
		cancel_delayed_work_sync(&f->poll_work);
		zc_session_end(f->s, ZCOPY_END_REASON_OWNER_CLOSED);
		zc_session_put(f->s);
	}
	kvfree(f->text);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations zc_fops = {
	.owner = THIS_MODULE,
	.open = zc_open,
	.release = zc_release,
	.read = zc_read,
	.llseek = default_llseek,
	.poll = zc_poll,
	.unlocked_ioctl = zc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice zc_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = ZCOPY_DEV_NAME,
	.fops = &zc_fops,
};

/**
 * zc_chrdev_init() - create /dev/zcopy
 *
 * Return: 0, -EINVAL for a dev_mode beyond 0777, or the errno of
 * misc_register().
 */
int zc_chrdev_init(void)
{
	if (zc_dev_mode & ~0777) {
		pr_err("zcopy: dev_mode=%#o is not a permission mode (0 to 0777)\n",
		       zc_dev_mode);
		return -EINVAL;
	}
	zc_miscdev.mode = zc_dev_mode;
	return misc_register(&zc_miscdev);
}

/**
 * zc_chrdev_exit() - remove /dev/zcopy
 *
 * No file is open: each holds a reference on the module.
 */
void zc_chrdev_exit(void)
{
	misc_deregister(&zc_miscdev);
}
