// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy CLI: CPU time, of one task and of the whole machine, in ns.
 *
 * A task's is its scheduler run time (/proc/PID/schedstat, the first
 * field: CONFIG_SCHED_INFO). The machine's is what its CPU did not spend
 * idle: /proc/timer_list gives the time since boot ("now at N nsecs") and
 * the CPU's idle and iowait sleep time, kept to the nanosecond by the tick
 * code (NO_HZ), where /proc/stat rounds to the tick. Only on a machine
 * with one CPU: the reader's CPU is busy while it reads, where another
 * CPU may be in an idle spell that timer_list has not added yet (and its
 * idle_entrytime/idle_exittime do not tell: the exit time moves only when
 * the tick had stopped). The lab's -icount guest, `make bench`'s, has one.
 */
#include <stdio.h>
#include <string.h>

#include "cputime.h"

uint64_t zc_task_cpu_ns(pid_t pid)
{
	unsigned long long ns;
	char path[48];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return ZC_CPU_UNKNOWN;
	n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? ns : ZC_CPU_UNKNOWN;
}

uint64_t zc_machine_busy_ns(void)
{
	unsigned long long now = 0, v, idle = 0;
	unsigned int cpus = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/timer_list", "re");
	if (!f)
		return ZC_CPU_UNKNOWN;
	while (fgets(line, sizeof(line), f)) {
		const char *colon = strchr(line, ':');

		if (sscanf(line, "now at %llu nsecs", &v) == 1)
			now = v;
		else if (!strncmp(line, "cpu: ", 5))
			cpus++;
		else if (colon && (strstr(line, ".idle_sleeptime") ||
				   strstr(line, ".iowait_sleeptime")) &&
			 sscanf(colon + 1, " %llu nsecs", &v) == 1)
			idle += v;
	}
	fclose(f);
	if (!now || cpus != 1 || idle > now)
		return ZC_CPU_UNKNOWN;
	return now - idle;
}
