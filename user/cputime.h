/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy CLI: CPU time, of one task and of the whole machine, in ns.
 */
#ifndef ZC_CPUTIME_H
#define ZC_CPUTIME_H

#include <stdint.h>
#include <sys/types.h>

#define ZC_CPU_UNKNOWN	UINT64_MAX

/* The CPU time task @pid has run (its schedstat); ZC_CPU_UNKNOWN if none. */
uint64_t zc_task_cpu_ns(pid_t pid);

/*
 * The time a one-CPU machine has been busy since boot, neither idle nor
 * waiting for I/O (/proc/timer_list, root only); ZC_CPU_UNKNOWN when it
 * cannot be read or the machine has more CPUs.
 */
uint64_t zc_machine_busy_ns(void);

#endif
