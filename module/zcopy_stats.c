// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: counter sets, and the tables of copy sites and DMA devices.
 *
 * Counters are per-CPU and updated with this_cpu_*() operations, which are
 * safe against interrupts on the local CPU; readers sum the CPUs. Sites
 * and devices are small append-only tables: an entry, once published, is
 * never changed on the hot path (but for a device's label) until the
 * module goes away, so the hot path reads them without locks. Sites are
 * raw return addresses; they get their names when they are read.
 */
#include <linux/kallsyms.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zcopy.h"

struct zc_counters zc_global;

/* Return-address cache: maps a caller address to a site, per CPU. */
#define ZC_IPCACHE_SIZE	64

struct zc_ipcache_ent {
	unsigned long ip;
	u16 key;
	s16 site;
};

static DEFINE_PER_CPU(struct zc_ipcache_ent[ZC_IPCACHE_SIZE], zc_ipcache);

/*
 * Taken only to add an entry, from whatever context a probe runs in: raw,
 * as a tracing hook's lock must be. A probe on a breakpoint (a kprobe, the
 * entry of a kretprobe) runs in the NMI-like context of the int3
 * exception, which may have interrupted the holder on its own CPU: there,
 * only a trylock, and a busy table adds nothing.
 */
static DEFINE_RAW_SPINLOCK(zc_table_lock);

static struct zc_site zc_sites[ZC_MAX_SITES];
static unsigned int zc_nsites;
static struct zc_dev zc_devs[ZC_MAX_DEVS];
static unsigned int zc_ndevs;
/* Hits per probe, counted by every handler (zc_hit()). */
DEFINE_PER_CPU(u64[ZC_NR_PROBES], zc_hits);

static atomic64_t zc_table_missed;
/* The probes' own count of hits they could not handle (they set it). */
static u64 (*zc_missed_fn)(void);

/**
 * zc_counters_init() - allocate a counter set
 * @c: the set
 *
 * Return: 0 or -ENOMEM.
 */
int zc_counters_init(struct zc_counters *c)
{
	c->pcpu = alloc_percpu(struct zc_pcpu);
	if (!c->pcpu)
		return -ENOMEM;
	c->base = kzalloc(sizeof(*c->base), GFP_KERNEL);
	if (!c->base) {
		free_percpu(c->pcpu);
		c->pcpu = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * zc_counters_fini() - free a counter set
 * @c: the set, no longer reachable by any probe
 */
void zc_counters_fini(struct zc_counters *c)
{
	kfree(c->base);
	free_percpu(c->pcpu);
	c->base = NULL;
	c->pcpu = NULL;
}

static void zc_counters_sum(const struct zc_counters *c, struct zc_pcpu *out)
{
	u64 (*missed)(void);
	const u64 *src;
	u64 *dst = (u64 *)out;
	unsigned int n = sizeof(*out) / sizeof(u64);
	unsigned int i;
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		src = (const u64 *)per_cpu_ptr(c->pcpu, cpu);
		for (i = 0; i < n; i++)
			dst[i] += READ_ONCE(src[i]);
	}
	/* Misses cannot be told apart by session: each set sees them all. */
	missed = READ_ONCE(zc_missed_fn);
	out->ctr[ZCOPY_COUNTER_MISSED] += atomic64_read(&zc_table_missed) +
					  (missed ? missed() : 0);
}

/**
 * zc_counters_read() - read a counter set since its last reset
 * @c: the counters
 * @out: where to store the totals
 *
 * Context: process context, under zc_lock (which orders it with resets).
 */
void zc_counters_read(const struct zc_counters *c, struct zc_pcpu *out)
{
	const u64 *base = (const u64 *)c->base;
	u64 *dst = (u64 *)out;
	unsigned int i;

	lockdep_assert_held(&zc_lock);
	zc_counters_sum(c, out);
	for (i = 0; i < sizeof(*out) / sizeof(u64); i++)
		dst[i] -= base[i];
}

/**
 * zc_counters_reset() - make a counter set read zero from now on
 * @c: the counters
 *
 * Context: process context, under zc_lock.
 */
void zc_counters_reset(struct zc_counters *c)
{
	lockdep_assert_held(&zc_lock);
	zc_counters_sum(c, c->base);
}

/**
 * zc_counters_events() - a number that changes whenever a counter does
 * @c: the counters
 *
 * Used by poll() to tell whether a session saw anything new.
 *
 * Return: the sum of the event counters, without baseline.
 */
u64 zc_counters_events(const struct zc_counters *c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct zc_pcpu *p = per_cpu_ptr(c->pcpu, cpu);

		sum += READ_ONCE(p->ctr[ZCOPY_COUNTER_COPY_CALLS]) +
		       READ_ONCE(p->ctr[ZCOPY_COUNTER_DMA_MAPS]) +
		       READ_ONCE(p->ctr[ZCOPY_COUNTER_SYSCALLS]);
	}
	return sum;
}

/* Strip the compiler's ".isra.0"-style suffixes from a symbol name. */
static void zc_site_name(char *buf, unsigned long ip)
{
	char sym[KSYM_SYMBOL_LEN];
	char *dot;

	sprint_symbol_no_offset(sym, ip);
	dot = strchr(sym, '.');
	if (dot)
		*dot = '\0';
	dot = strchr(sym, ' ');		/* " [module]" */
	if (dot)
		*dot = '\0';
	strscpy(buf, sym, ZC_SITE_NAME_LEN);
}

static const char *const zc_wrappers[] = {
	"copy_page_to_iter",
	"copy_page_from_iter",
};

/*
 * What the hot path must know of a new site's function. One symbol lookup
 * per site the table takes, ZC_MAX_SITES in the module's life at most.
 */
static u8 zc_site_flags(unsigned long ip, const char *prim_name)
{
	char func[ZC_SITE_NAME_LEN];
	unsigned int i;
	u8 flags = 0;

	zc_site_name(func, ip);
	for (i = 0; i < ARRAY_SIZE(zc_wrappers); i++)
		if (!strcmp(func, zc_wrappers[i]))
			flags |= ZC_SITE_WRAPPER;
	if (!strcmp(func, prim_name))
		flags |= ZC_SITE_SELF;
	return flags;
}

/* Sites 0 to @n - 1 are published: they never change on the hot path. */
static int zc_site_find(unsigned long ip, u8 prim, u8 kind, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (zc_sites[i].ip == ip && zc_sites[i].prim == prim &&
		    zc_sites[i].kind == kind)
			return i;
	return -ENOENT;
}

static int zc_site_find_or_add(unsigned long ip, u8 prim,
			       const char *prim_name, u8 kind)
{
	/* Pairs with the release below: entries below n are complete. */
	unsigned int n = smp_load_acquire(&zc_nsites);
	unsigned long flags;
	u8 sflags;
	int id;

	id = zc_site_find(ip, prim, kind, n);
	if (id >= 0)
		return id;
	if (n >= ZC_MAX_SITES)
		return -ENOSPC;
	sflags = zc_site_flags(ip, prim_name);
	if (in_nmi()) {
		if (!raw_spin_trylock_irqsave(&zc_table_lock, flags))
			return -EBUSY;
	} else {
		raw_spin_lock_irqsave(&zc_table_lock, flags);
	}
	n = zc_nsites;
	id = zc_site_find(ip, prim, kind, n);
	if (id < 0 && n < ZC_MAX_SITES) {
		zc_sites[n].ip = ip;
		zc_sites[n].prim = prim;
		zc_sites[n].kind = kind;
		zc_sites[n].flags = sflags;
		/* Publish the entry only once it is complete. */
		smp_store_release(&zc_nsites, n + 1);
		id = n;
	} else if (id < 0) {
		id = -ENOSPC;
	}
	raw_spin_unlock_irqrestore(&zc_table_lock, flags);
	return id;
}

/**
 * zc_site_get() - the site id of a copy made by a primitive for a caller
 * @ret_ip: return address into the caller
 * @prim: which primitive (a probe index)
 * @prim_name: its function's name (a site that is the primitive itself is
 *	flagged so)
 * @kind: enum zcopy_copy_kind
 *
 * A per-CPU cache answers most calls; it keeps refusals too, so a full
 * table costs no lock nor lookup on later copies from the same address.
 *
 * Context: any; interrupts may be disabled.
 * Return: a site id, -ENOSPC when the table is full, or -EBUSY when a
 * new site could not be added from NMI context.
 */
int zc_site_get(unsigned long ret_ip, u8 prim, const char *prim_name,
		u8 kind)
{
	u16 key = (prim << 8) | kind;
	struct zc_ipcache_ent *e;
	unsigned int slot;
	unsigned long flags;
	int id;

	slot = hash_long(ret_ip ^ key, ilog2(ZC_IPCACHE_SIZE));
	local_irq_save(flags);
	e = this_cpu_ptr(&zc_ipcache[slot]);
	if (e->ip == ret_ip && e->key == key) {
		id = e->site;
		local_irq_restore(flags);
		return id < 0 ? -ENOSPC : id;
	}
	local_irq_restore(flags);

	id = zc_site_find_or_add(ret_ip, prim, prim_name, kind);
	if (id == -EBUSY)
		return id;	/* not a refusal: another call may add it */

	local_irq_save(flags);
	e = this_cpu_ptr(&zc_ipcache[slot]);
	e->ip = ret_ip;
	e->key = key;
	e->site = id < 0 ? -1 : id;
	local_irq_restore(flags);
	return id;
}

/**
 * zc_sites_count() - the number of copy sites seen so far
 *
 * Return: sites 0 to the count minus one are complete and never change.
 */
unsigned int zc_sites_count(void)
{
	/* Pairs with the release in zc_site_find_or_add(). */
	return smp_load_acquire(&zc_nsites);
}

/**
 * zc_site() - a copy site, for reporting and matching
 * @id: a site id below zc_sites_count()
 *
 * Return: the entry.
 */
const struct zc_site *zc_site(unsigned int id)
{
	return &zc_sites[id];
}

static unsigned int zc_nnamed;	/* sites named, under zc_lock */

/**
 * zc_sites_name() - name the sites that have no name yet
 *
 * Sites are found by return address: two calls from one function are two
 * sites with one name. Each gets the first site of its name, primitive
 * and kind as @canon, into which zc_sites_fold() adds its counts.
 *
 * Context: process context, under zc_lock.
 * Return: the number of sites, all named.
 */
unsigned int zc_sites_name(void)
{
	unsigned int i, j, n = zc_sites_count();

	lockdep_assert_held(&zc_lock);
	for (i = zc_nnamed; i < n; i++) {
		struct zc_site *site = &zc_sites[i];

		zc_site_name(site->func, site->ip);
		site->canon = i;
		for (j = 0; j < i; j++) {
			if (zc_sites[j].prim == site->prim &&
			    zc_sites[j].kind == site->kind &&
			    !strcmp(zc_sites[j].func, site->func)) {
				site->canon = j;
				break;
			}
		}
	}
	zc_nnamed = n;
	return n;
}

/**
 * zc_sites_fold() - add each site's counts to the first site of its name
 * @t: counters read from a set
 * @n: the sites named, from zc_sites_name()
 *
 * Context: under zc_lock, after zc_sites_name().
 */
void zc_sites_fold(struct zc_pcpu *t, unsigned int n)
{
	unsigned int i, c;

	for (i = 0; i < n; i++) {
		c = zc_sites[i].canon;
		if (c == i)
			continue;
		t->site_bytes[c] += t->site_bytes[i];
		t->site_calls[c] += t->site_calls[i];
		t->site_bytes[i] = 0;
		t->site_calls[i] = 0;
	}
}

/**
 * zc_dev_get() - the table id of a device mapping DMA
 * @dev: the device
 *
 * The first sighting takes a reference on @dev, dropped at module exit,
 * so that an id never names two devices.
 *
 * Context: any; interrupts may be disabled.
 * Return: an id, -ENOSPC when the table is full, or -EBUSY when a new
 * device could not be added from NMI context.
 */
int zc_dev_get(struct device *dev)
{
	unsigned int i, n;
	unsigned long flags;
	int id = -ENOSPC;

	/* Pairs with the release below: entries below n are complete. */
	n = smp_load_acquire(&zc_ndevs);
	for (i = 0; i < n; i++)
		if (zc_devs[i].dev == dev)
			return i;

	if (in_nmi()) {
		if (!raw_spin_trylock_irqsave(&zc_table_lock, flags))
			return -EBUSY;
	} else {
		raw_spin_lock_irqsave(&zc_table_lock, flags);
	}
	for (i = 0; i < zc_ndevs; i++) {
		if (zc_devs[i].dev == dev) {
			id = i;
			goto out;
		}
	}
	if (zc_ndevs < ZC_MAX_DEVS) {
		struct zc_dev *d = &zc_devs[i];

		d->dev = get_device(dev);
		strscpy(d->name, dev_name(dev), sizeof(d->name));
		strscpy(d->driver, dev->driver ? dev->driver->name : "",
			sizeof(d->driver));
		d->label[0] = '\0';
		/* Publish the entry only once it is complete. */
		smp_store_release(&zc_ndevs, zc_ndevs + 1);
		id = i;
	}
out:
	raw_spin_unlock_irqrestore(&zc_table_lock, flags);
	return id;
}

/**
 * zc_dev_set_label() - name a device by the interface or disk seen using it
 * @id: device id
 * @label: e.g. "eth0" or "nvme0n1"
 *
 * Context: any.
 */
void zc_dev_set_label(int id, const char *label)
{
	unsigned long flags;

	if (id < 0 || !strncmp(zc_devs[id].label, label, ZC_DEV_NAME_LEN))
		return;
	if (in_nmi()) {
		if (!raw_spin_trylock_irqsave(&zc_table_lock, flags))
			return;	/* the next mapping sets it */
	} else {
		raw_spin_lock_irqsave(&zc_table_lock, flags);
	}
	strscpy(zc_devs[id].label, label, ZC_DEV_NAME_LEN);
	raw_spin_unlock_irqrestore(&zc_table_lock, flags);
}

/**
 * zc_devs_count() - the number of DMA devices seen so far
 *
 * Return: devices 0 to the count minus one are complete.
 */
unsigned int zc_devs_count(void)
{
	/* Pairs with the release in zc_dev_get(). */
	return smp_load_acquire(&zc_ndevs);
}

/**
 * zc_dev() - a device table entry, for reporting
 * @id: device id below zc_devs_count()
 *
 * The label may change under a reader; callers copy it under zc_lock,
 * and a torn label is at worst a mix of two names of the same device.
 *
 * Return: the entry.
 */
const struct zc_dev *zc_dev(unsigned int id)
{
	return &zc_devs[id];
}

/* A table was full: the event is counted as missed, never dropped silently. */
/**
 * zc_stats_missed() - count an event that did not fit in a table
 *
 * Context: any.
 */
void zc_stats_missed(void)
{
	atomic64_inc(&zc_table_missed);
}

/**
 * zc_stats_set_missed() - where the missed counter's probe part comes from
 * @fn: returns the hits the probes could not handle, or NULL
 *
 * The probes push their count down through it, so that every counter set
 * reads it (misses cannot be told apart by session).
 *
 * Context: process context (module init and exit).
 */
void zc_stats_set_missed(u64 (*fn)(void))
{
	WRITE_ONCE(zc_missed_fn, fn);
}

/**
 * zc_stats_init() - set up the global counters
 *
 * Return: 0 or -ENOMEM.
 */
int zc_stats_init(void)
{
	int err;

	err = zc_counters_init(&zc_global);
	if (err)
		return err;
	mutex_lock(&zc_lock);
	zc_counters_reset(&zc_global);
	mutex_unlock(&zc_lock);
	return 0;
}

/**
 * zc_stats_exit() - release the devices seen and the global counters
 *
 * Context: module exit, after every probe is gone.
 */
void zc_stats_exit(void)
{
	unsigned int i;

	for (i = 0; i < zc_ndevs; i++)
		put_device(zc_devs[i].dev);
	zc_ndevs = 0;
	zc_counters_fini(&zc_global);
}
