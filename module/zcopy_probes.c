// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: the probes: one table of every hook the kernel lines need (each
 * entry defined by its handler's file, zcopy_copy.c or zcopy_dma.c), how
 * each is hooked (ftrace, kprobe, kretprobe, tracepoint), arming and
 * disarming them all, and what the probe list says of each.
 */
#include <linux/ftrace.h>
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/tracepoint.h>

#include "zcopy.h"
#include "zcopy_compat.h"

struct zc_probe {
	const char *name;
	u8 type;
	u8 state;
	u8 ret;					/* enum zc_ret */
	int err;
	void (*fe_fn)(struct pt_regs *regs);	/* function entry */
	unsigned long ip;			/* its ftrace location */
	unsigned long loc;			/* ip, kept for the next armings */
	u32 loc_sym;				/* hash of its symbol, in a module */
	bool locating;				/* kp is the disabled locator */
	bool kept;				/* kp or rp registered, maybe off */
	struct kprobe kp;			/* where ftrace cannot go */
	struct kretprobe rp;			/* what a copy returned */
	void *tp_fn;				/* tracepoints */
	struct tracepoint *tp;
};

static DEFINE_PER_CPU(u64[ZC_NR_PROBES], zc_missed);

/* Filled by zc_probes_init() from the handlers' files' definitions. */
static struct zc_probe zc_probes[ZC_NR_PROBES];

/**
 * zc_prim_name() - the name of a copy primitive
 * @prim: its probe index, as stored in a site
 *
 * Return: the hooked function's name.
 */
const char *zc_prim_name(u8 prim)
{
	return prim < ZC_NR_PROBES ? zc_probes[prim].name : "?";
}

static void zc_tp_lookup(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ZC_NR_PROBES; i++)
		if (zc_probes[i].type == ZCOPY_PROBE_TYPE_TRACEPOINT &&
		    !strcmp(tp->name, zc_probes[i].name))
			zc_probes[i].tp = tp;
}

/*
 * Function entries are hooked through ftrace rather than kprobes: ftrace's
 * recursion guard is per context, so a softirq that interrupts a handler
 * is still counted, where a kprobe would drop its hit as missed. Only a
 * true recursion in the same context is refused, and counted.
 *
 * One ftrace_ops serves every such function, its filter their locations:
 * arming patches the kernel's text once and disarming waits for one set
 * of grace periods, where an ops per function did both once per function
 * (about 150 ms each under TCG). The handler finds its probe by the
 * location; zc_fentry_probes[] changes only while zc_fops is unregistered.
 */
static struct ftrace_ops zc_fops;
static bool zc_fops_filtered;		/* zc_fops has a filter hash */
static struct zc_probe *zc_fentry_probes[ZC_NR_PROBES];
static unsigned int zc_nr_fentry;

static struct zc_probe *zc_fentry_probe(unsigned long ip)
{
	unsigned int i;

	for (i = 0; i < zc_nr_fentry; i++)
		if (zc_fentry_probes[i]->ip == ip)
			return zc_fentry_probes[i];
	return NULL;
}

static void zc_fentry(unsigned long ip, unsigned long parent_ip,
		      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct zc_probe *p = zc_fentry_probe(ip);
	int bit;

	if (unlikely(!p))	/* the filter holds only the table's */
		return;
	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0) {
		this_cpu_inc(zc_missed[p - zc_probes]);
		return;
	}
	zc_hit(p - zc_probes);
	p->fe_fn(ftrace_get_regs(fregs));
	ftrace_test_recursion_unlock(bit);
}

/*
 * Functions built without ftrace's entry call (all of lib/ on 6.12) get a
 * breakpoint kprobe instead. Its handler runs with interrupts off, so
 * nothing nests in it; a hit it refuses is still counted as missed.
 */
static int zc_kprobe(struct kprobe *kp, struct pt_regs *regs)
{
	struct zc_probe *p = container_of(kp, struct zc_probe, kp);

	zc_hit(p - zc_probes);
	__this_cpu_write(zc_in_bp, true);
	p->fe_fn(regs);
	__this_cpu_write(zc_in_bp, false);
	return 0;
}

/*
 * The copy primitives get a kretprobe: the entry handler sees the copy
 * (its site, its iterator) as the entry hooks do, the return handler
 * charges what the primitive returned, so that a copy cut short by a
 * fault, or an atomic copy that generic_perform_write() retries, counts
 * the bytes that were copied. Copies to user memory may sleep on a page
 * fault, holding their instance: there are plenty; a call that finds
 * none is counted as missed.
 */
#define ZC_KRET_MAXACTIVE	256

static int zc_kret_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct zc_probe *p = container_of(get_kretprobe(ri), struct zc_probe,
					  rp);
	struct zc_deferred *d = (struct zc_deferred *)ri->data;
	unsigned long flags;

	zc_hit(p - zc_probes);
	d->valid = false;
	local_irq_save(flags);
	__this_cpu_write(zc_defer, d);
	__this_cpu_write(zc_in_bp, true);
	p->fe_fn(regs);
	__this_cpu_write(zc_in_bp, false);
	__this_cpu_write(zc_defer, NULL);
	local_irq_restore(flags);
	/* Non-zero: nothing to charge, no return hook. */
	return !d->valid;
}

static int zc_kret_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct zc_probe *p = container_of(get_kretprobe(ri), struct zc_probe,
					  rp);
	struct zc_deferred *d = (struct zc_deferred *)ri->data;
	unsigned long ret = regs_return_value(regs);

	if (p->ret == ZC_RET_BOOL)
		zc_copy_returned(d, (u8)ret ? d->bytes : 0);
	else
		zc_copy_returned(d, min_t(u64, ret, d->bytes));
	return 0;
}

static int zc_probe_register_kretprobe(struct zc_probe *p)
{
	int err;

	memset(&p->rp, 0, sizeof(p->rp));
	p->rp.kp.symbol_name = p->name;
	p->rp.entry_handler = zc_kret_entry;
	p->rp.handler = zc_kret_return;
	p->rp.data_size = sizeof(struct zc_deferred);
	p->rp.maxactive = ZC_KRET_MAXACTIVE;
	err = register_kretprobe(&p->rp);
	WRITE_ONCE(p->kept, !err);
	return err;
}

/* What the kernel counted as missed on a breakpoint hook, since kept. */
static u64 zc_kept_missed(const struct zc_probe *p)
{
	if (!READ_ONCE(p->kept))
		return 0;
	if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
		return READ_ONCE(p->rp.nmissed) + READ_ONCE(p->rp.kp.nmissed);
	return READ_ONCE(p->kp.nmissed);
}

/*
 * Breakpoint hooks (the kprobes and kretprobes) stay registered from the
 * first arming to module exit, disabled in between: disarming takes their
 * breakpoint out, arming puts it back. A registration checks the address
 * against every jump label, static call and blacklist entry of the kernel
 * and allocates the instruction slot and, for a kretprobe, its instances:
 * 40 to 120 ms each under TCG, seven on 7.3, most of an arming. One the
 * kernel will not enable again (its text gone) is unregistered, and
 * registered anew.
 */
static int zc_kept_enable(struct zc_probe *p)
{
	bool ret = p->type == ZCOPY_PROBE_TYPE_KRETPROBE;
	int err;

	err = ret ? enable_kretprobe(&p->rp) : enable_kprobe(&p->kp);
	if (!err)
		return 0;
	/* What it missed stays counted once the registration is gone. */
	this_cpu_add(zc_missed[p - zc_probes], zc_kept_missed(p));
	WRITE_ONCE(p->kept, false);
	if (ret)
		unregister_kretprobe(&p->rp);
	else
		unregister_kprobe(&p->kp);
	return err;
}

static void zc_kept_disable(struct zc_probe *p)
{
	if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
		disable_kretprobe(&p->rp);
	else
		disable_kprobe(&p->kp);
}

/*
 * What kallsyms says is at @ip, "name+off/size" and for a module's text
 * " [module]": the core kernel's text stays where it is for the kernel's
 * lifetime, a module's goes with the module.
 */
static u32 zc_text_at(unsigned long ip, bool *in_module)
{
	char sym[KSYM_SYMBOL_LEN];

	sprint_symbol(sym, ip);
	*in_module = strchr(sym, '[');
	return jhash(sym, strlen(sym), 0);
}

/* Whether the location found at an earlier arming still holds. */
static bool zc_loc_holds(const struct zc_probe *p)
{
	bool in_module;

	if (!p->loc)
		return false;
	if (!p->loc_sym)
		return true;
	/* The same symbol, offset, size and module: not reloaded elsewhere. */
	return (zc_text_at(p->loc, &in_module) | 1) == p->loc_sym && in_module;
}

static void zc_loc_keep(struct zc_probe *p)
{
	bool in_module;
	u32 sym = zc_text_at(p->ip, &in_module);

	p->loc = p->ip;
	p->loc_sym = in_module ? sym | 1 : 0;	/* never 0 for a module's */
}

/*
 * A function-entry probe is located with a disabled kprobe: registering
 * it resolves the symbol (past an ENDBR) and tells whether the function
 * has an ftrace location. If it has, the probe joins zc_fops and the
 * kprobe goes, with the others, after one grace period; if not, the
 * kprobe is enabled and is the hook. The location is kept for the next
 * armings, which then register no kprobe for it (each registration checks
 * the address against every jump label, static call and blacklist entry
 * of the kernel: 10 to 40 ms under TCG, nine of them on 7.3); one in a
 * module (nvme_setup_cmd) only while kallsyms names the same symbol there,
 * the module possibly having been reloaded elsewhere.
 */
static int zc_entry_register(struct zc_probe *p)
{
	int err;

	if (zc_loc_holds(p)) {
		p->ip = p->loc;
		zc_fentry_probes[zc_nr_fentry++] = p;
		return 0;
	}
	p->loc = 0;
	memset(&p->kp, 0, sizeof(p->kp));
	p->kp.symbol_name = p->name;
	p->kp.pre_handler = zc_kprobe;
	p->kp.flags = KPROBE_FLAG_DISABLED;
	err = register_kprobe(&p->kp);
	if (err)
		return err;
	if (kprobe_ftrace(&p->kp)) {
		p->type = ZCOPY_PROBE_TYPE_FENTRY;
		p->ip = (unsigned long)p->kp.addr;
		p->locating = true;
		zc_loc_keep(p);
		zc_fentry_probes[zc_nr_fentry++] = p;
		return 0;
	}
	p->type = ZCOPY_PROBE_TYPE_KPROBE;
	err = enable_kprobe(&p->kp);
	if (err)
		unregister_kprobe(&p->kp);
	WRITE_ONCE(p->kept, !err);
	return err;
}

/* The located entries: their kprobes go, zc_fops is registered once. */
static void zc_fops_register(void)
{
	struct kprobe *kps[ZC_NR_PROBES];
	unsigned long ips[ZC_NR_PROBES];
	unsigned int i, nk = 0, n = zc_nr_fentry;
	int err;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		struct zc_probe *p = zc_fentry_probes[i];

		if (p->locating)
			kps[nk++] = &p->kp;
		p->locating = false;
		ips[i] = p->ip;
	}
	if (nk)
		unregister_kprobes(kps, nk);
	zc_fops.func = zc_fentry;
	zc_fops.flags = FTRACE_OPS_FL_SAVE_REGS;
	err = ftrace_set_filter_ips(&zc_fops, ips, n, 0, 1);
	if (!err) {
		zc_fops_filtered = true;
		err = register_ftrace_function(&zc_fops);
	}
	if (!err)
		return;
	for (i = 0; i < n; i++) {
		zc_fentry_probes[i]->err = err;
		zc_fentry_probes[i]->state = ZCOPY_PROBE_STATE_UNAVAILABLE;
	}
	zc_nr_fentry = 0;
}

static int zc_probe_register(struct zc_probe *p)
{
	if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT) {
		if (!p->tp)
			return -ENOENT;
		return tracepoint_probe_register(p->tp, p->tp_fn, NULL);
	}
	if (p->kept && !zc_kept_enable(p))
		return 0;
	if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
		return zc_probe_register_kretprobe(p);
	return zc_entry_register(p);
}

/*
 * Every active hook off, in the table's reverse order: the ftrace entries
 * in one call, each tracepoint, each breakpoint hook disabled (kept
 * registered). zc_probes_disarm() then waits for the handlers.
 */
static void zc_probes_unregister(void)
{
	unsigned int i;

	if (zc_nr_fentry)
		unregister_ftrace_function(&zc_fops);
	zc_nr_fentry = 0;
	for (i = ZC_NR_PROBES; i-- > 0;) {
		struct zc_probe *p = &zc_probes[i];

		if (p->state != ZCOPY_PROBE_STATE_ACTIVE)
			continue;
		if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT)
			tracepoint_probe_unregister(p->tp, p->tp_fn, NULL);
		else if (p->kept)
			zc_kept_disable(p);
		p->state = ZCOPY_PROBE_STATE_OFF;
	}
}

/* The kept breakpoint hooks unregistered, each kind in one call. */
static void zc_kept_unregister(void)
{
	struct kretprobe *rps[ZC_NR_PROBES];
	struct kprobe *kps[ZC_NR_PROBES];
	unsigned int i, nr = 0, nk = 0;

	for (i = 0; i < ZC_NR_PROBES; i++) {
		struct zc_probe *p = &zc_probes[i];

		if (!p->kept)
			continue;
		if (p->type == ZCOPY_PROBE_TYPE_KRETPROBE)
			rps[nr++] = &p->rp;
		else
			kps[nk++] = &p->kp;
		WRITE_ONCE(p->kept, false);
	}
	if (nk)
		unregister_kprobes(kps, nk);
	if (nr)
		unregister_kretprobes(rps, nr);
}

/*
 * skip_probes: the probes (as zcopy probes names them) an administrator
 * leaves out, from the next arming on, e.g. sys_enter and sched_switch,
 * which fire for every task of the machine. A counter that only they feed
 * is then not measured, and reported as such, never as 0.
 */
static char *zc_skip_probes = "";

static const char *zc_skip_next(const char *s, size_t *len)
{
	s += strspn(s, ", \t\n");
	*len = strcspn(s, ", \t\n");
	return s;
}

/* Whether the @len bytes at @s are @name. */
static bool zc_skip_is(const char *s, size_t len, const char *name)
{
	return len == strlen(name) && !strncmp(s, name, len);
}

static bool zc_skip_listed(const char *list, const char *name)
{
	size_t len;

	for (list = zc_skip_next(list, &len); len;
	     list = zc_skip_next(list + len, &len))
		if (zc_skip_is(list, len, name))
			return true;
	return false;
}

/*
 * Probe @i as its handler's file defines it. The parameter's set
 * operation runs before zc_probes_init() when skip_probes is given at
 * load time: it reads the definitions, never zc_probes[].
 */
static const struct zc_probe_def *zc_probe_def(unsigned int i)
{
	return zc_copy_probes[i].name ? &zc_copy_probes[i] : &zc_dma_probes[i];
}

static int zc_skip_set(const char *val, const struct kernel_param *kp)
{
	const char *s;
	unsigned int i;
	size_t len;

	zc_skip_next(val, &len);
	if (!len)			/* no name: skip none */
		return param_set_charp("", kp);
	for (s = zc_skip_next(val, &len); len; s = zc_skip_next(s + len, &len)) {
		for (i = 0; i < ZC_NR_PROBES; i++)
			if (zc_skip_is(s, len, zc_probe_def(i)->name))
				break;
		if (i == ZC_NR_PROBES) {
			pr_err("skip_probes: no probe named %.*s (zcopy probes lists them)\n",
			       (int)min_t(size_t, len, 64), s);
			return -EINVAL;
		}
	}
	return param_set_charp(val, kp);
}

static const struct kernel_param_ops zc_skip_ops = {
	.set = zc_skip_set,
	.get = param_get_charp,
	.free = param_free_charp,
};
module_param_cb(skip_probes, &zc_skip_ops, &zc_skip_probes, 0644);
MODULE_PARM_DESC(skip_probes,
		 "Probes not to register, comma-separated (from the next arming)");

static bool zc_probe_skipped(const struct zc_probe *p)
{
	bool skip;

	kernel_param_lock(THIS_MODULE);
	skip = zc_skip_probes && zc_skip_listed(zc_skip_probes, p->name);
	kernel_param_unlock(THIS_MODULE);
	return skip;
}

/**
 * zc_probes_arm() - register every probe this kernel can have
 *
 * A probe the kernel cannot take (a symbol missing, a module not loaded)
 * is left unavailable with its errno; the others still count, and the
 * probe list tells what is missing.
 *
 * Context: process context, under zc_lock.
 * Return: 0, or -ENOENT if no probe at all could be registered.
 */
int zc_probes_arm(void)
{
	unsigned int i, active = 0;

	lockdep_assert_held(&zc_lock);
	zc_windows_reset();
	for (i = 0; i < ZC_NR_PROBES; i++) {
		struct zc_probe *p = &zc_probes[i];

		p->err = zc_probe_skipped(p) ? -ECANCELED :
			 zc_probe_register(p);
		p->state = p->err ? ZCOPY_PROBE_STATE_UNAVAILABLE :
				    ZCOPY_PROBE_STATE_ACTIVE;
	}
	/* Last on, first off: it holds nvme_setup_cmd, which opens a window. */
	zc_fops_register();
	for (i = 0; i < ZC_NR_PROBES; i++)
		if (zc_probes[i].state == ZCOPY_PROBE_STATE_ACTIVE)
			active++;
	if (active)
		return 0;
	zc_probes_disarm();
	return -ENOENT;
}

/**
 * zc_probes_disarm() - unregister every active probe
 *
 * In the reverse order of zc_probes_arm(): a hook that closes a window
 * (net_dev_xmit, block_rq_issue) is armed before, and removed after, the
 * one that opens it (net_dev_start_xmit, nvme_setup_cmd in zc_fops). Each
 * kind of hook goes in one call, so that one grace period serves all of
 * its kind. Once no handler can run any more, the windows are emptied.
 *
 * Context: process context, under zc_lock (or at module exit).
 */
void zc_probes_disarm(void)
{
	zc_probes_unregister();
	/* Tracepoint handlers, and any function-entry hook, have returned. */
	tracepoint_synchronize_unregister();
	zc_windows_reset();
}

/**
 * zc_probes_count() - how many probes this kernel's table has
 *
 * Return: the number of entries zc_probe_info() describes.
 */
unsigned int zc_probes_count(void)
{
	return ZC_NR_PROBES;
}

/* What zcopy probes lists for a site it could not hook here. */
#define ZC_NA	"unavailable on this kernel: "

static const char *zc_probe_reason(const struct zc_probe *p)
{
	if (p->state != ZCOPY_PROBE_STATE_UNAVAILABLE)
		return NULL;
	switch (p->err) {
	case -ECANCELED:
		return "left out: the skip_probes module parameter names it";
	case -ENOENT:
		if (p->type == ZCOPY_PROBE_TYPE_TRACEPOINT)
			return ZC_NA "no such tracepoint";
		return ZC_NA "no such function (absent, inlined, or its module is not loaded)";
	case -EINVAL:
		return ZC_NA "the kernel refuses a probe on this function";
	case -EBUSY:
		return ZC_NA "the function is already hooked exclusively";
	default:
		return ZC_NA "registration failed";
	}
}

/**
 * zc_probe_info() - describe one probe
 * @i: probe index below zc_probes_count()
 * @info: filled in
 *
 * Context: process context, under zc_lock.
 */
void zc_probe_info(unsigned int i, struct zc_probe_info *info)
{
	const struct zc_probe *p = &zc_probes[i];
	int cpu;

	info->name = p->name;
	info->type = p->type;
	info->state = p->state;
	info->reason = zc_probe_reason(p);
	info->hits = 0;
	info->missed = 0;
	for_each_possible_cpu(cpu) {
		info->hits += per_cpu(zc_hits, cpu)[i];
		info->missed += per_cpu(zc_missed, cpu)[i];
	}
	info->missed += zc_kept_missed(p);
}

/* The probes that feed a counter, for zc_counter_measured(). */
static bool zc_any_available(const u8 *ids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (READ_ONCE(zc_probes[ids[i]].state) !=
		    ZCOPY_PROBE_STATE_UNAVAILABLE)
			return true;
	return false;
}

/**
 * zc_counter_measured() - whether this kernel can measure a counter
 * @ctr: a ZCOPY_COUNTER_* index
 *
 * A counter every one of whose probes is unavailable here would read 0
 * for want of a hook: its readers leave it out instead.
 *
 * Context: any.
 * Return: false if no probe feeding @ctr could be registered.
 */
bool zc_counter_measured(unsigned int ctr)
{
	static const u8 dma[] = {
#if ZC_HAVE_DMA_TRACEPOINTS
		ZC_P_TP_DMA_MAP, ZC_P_TP_DMA_MAP_SG,
#else
		ZC_P_DMA_MAP_PAGE, ZC_P_DMA_MAP_SG, ZC_P_DMA_MAP_SGTABLE,
#endif
#if ZC_HAVE_DMA_IOVA
		ZC_P_DMA_IOVA_LINK,
#endif
	};
	static const u8 copy[] = {
		ZC_P_COPY_TO_ITER, ZC_P_COPY_FROM_ITER, ZC_P_COPY_FROM_ITER_NC,
		ZC_P_COPY_PAGE_FROM_ITER_ATOMIC, ZC_P_CSUM_COPY_FROM_ITER,
		ZC_P_SKB_COPY_BITS, ZC_P_SKB_COPY_CSUM, ZC_P_SKB_COPY_UBUFS,
	};
	static const u8 pipe[] = { ZC_P_COPY_PAGE_TO_ITER };
	static const u8 csum[] = { ZC_P_SKB_CHECKSUM };
	static const u8 sys[] = { ZC_P_TP_SYS_ENTER };
	static const u8 sched[] = { ZC_P_TP_SCHED_SWITCH };
	static const u8 pgc[] = { ZC_P_TP_PAGECACHE_ADD };
	static const u8 xmit[] = { ZC_P_TP_XMIT_START };

	switch (ctr) {
	case ZCOPY_COUNTER_COPY_U2K_BYTES:
	case ZCOPY_COUNTER_COPY_K2U_BYTES:
	case ZCOPY_COUNTER_COPY_K2K_BYTES:
	case ZCOPY_COUNTER_COPY_CALLS:
		return zc_any_available(copy, ARRAY_SIZE(copy));
	case ZCOPY_COUNTER_CSUM_BYTES:
		return zc_any_available(csum, ARRAY_SIZE(csum));
	case ZCOPY_COUNTER_PIPE_REF_BYTES:
		return zc_any_available(pipe, ARRAY_SIZE(pipe));
	case ZCOPY_COUNTER_DMA_TO_DEV_BYTES:
	case ZCOPY_COUNTER_DMA_FROM_DEV_BYTES:
	case ZCOPY_COUNTER_DMA_BIDI_BYTES:
	case ZCOPY_COUNTER_DMA_MAPS:
		return zc_any_available(dma, ARRAY_SIZE(dma));
	case ZCOPY_COUNTER_SYSCALLS:
		return zc_any_available(sys, ARRAY_SIZE(sys));
	case ZCOPY_COUNTER_CTX_SWITCHES_VOL:
	case ZCOPY_COUNTER_CTX_SWITCHES_INVOL:
		return zc_any_available(sched, ARRAY_SIZE(sched));
	case ZCOPY_COUNTER_PAGECACHE_MISS_BYTES:
		return zc_any_available(pgc, ARRAY_SIZE(pgc));
	case ZCOPY_COUNTER_NIC_HDR_BYTES:
		return zc_any_available(xmit, ARRAY_SIZE(xmit));
	default:
		return true;
	}
}

/*
 * Hits that could not be handled, over all probes: the recursion guard's
 * refusals and the kprobes' own counts. zc_stats reads it through the
 * callback zc_probes_init() sets.
 */
static u64 zc_probes_missed(void)
{
	unsigned int i;
	u64 missed = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		for (i = 0; i < ZC_NR_PROBES; i++)
			missed += per_cpu(zc_missed, cpu)[i];
	for (i = 0; i < ZC_NR_PROBES; i++)
		missed += zc_kept_missed(&zc_probes[i]);
	return missed;
}

/**
 * zc_probes_init() - the table, and the missed count pushed down
 *
 * Context: module init, after zc_stats_init().
 */
void zc_probes_init(void)
{
	unsigned int i;

	for (i = 0; i < ZC_NR_PROBES; i++) {
		const struct zc_probe_def *d = zc_probe_def(i);

		zc_probes[i].name = d->name;
		zc_probes[i].type = d->type;
		zc_probes[i].ret = d->ret;
		zc_probes[i].fe_fn = d->fe_fn;
		zc_probes[i].tp_fn = d->tp_fn;
	}
	/*
	 * The kernel's own tracepoints (vmlinux's, the only ones walked)
	 * live as long as it: found once, not at each arming (2,000 names
	 * against the table's took 60 ms of an arming under TCG).
	 */
	for_each_kernel_tracepoint(zc_tp_lookup, NULL);
	zc_stats_set_missed(zc_probes_missed);
}

/**
 * zc_probes_exit() - undo zc_probes_init() and free what registrations
 * left behind
 *
 * The breakpoint hooks kept disabled since the last disarming are
 * unregistered; the filter of zc_fops outlives its (un)registrations: both
 * go with the module.
 *
 * Context: module exit, after the last zc_probes_disarm().
 */
void zc_probes_exit(void)
{
	zc_stats_set_missed(NULL);
	zc_kept_unregister();
	if (zc_fops_filtered)
		ftrace_free_filter(&zc_fops);
	zc_fops_filtered = false;
}
