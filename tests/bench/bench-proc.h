/* SPDX-License-Identifier: MIT */
#ifndef HVMLINK_BENCH_PROC_H
#define HVMLINK_BENCH_PROC_H

#include <sys/types.h>

struct bench_proc {
	unsigned long ctxt_switches;	/* voluntary + involuntary, all threads */
	unsigned int threads;
	double cpu_ms;			/* utime + stime */
	long rss_kb;			/* VmRSS */
	long pss_kb;			/* Pss from smaps_rollup */
};

/* CPU time pid's threads have used, in ns (sum of
 * /proc/PID/task/TID/schedstat); 0 if unreadable. */
unsigned long long bench_proc_cpu_ns(pid_t pid);

/* Sample pid's counters from /proc; 0 or -1. */
int bench_proc_sample(pid_t pid, struct bench_proc *s);

#endif
