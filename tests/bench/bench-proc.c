/* SPDX-License-Identifier: MIT */
/* hvmlink-bench: what /proc says about a device model process. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bench/bench-proc.h"

/* "Key:   123 kB" from a /proc status-like file; -1 if absent. */
static long proc_field(const char *file, const char *key)
{
	size_t kl = strlen(key);
	char line[256];
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

int bench_proc_sample(pid_t pid, struct bench_proc *s)
{
	char path[64], buf[1024], *p;
	struct dirent *e;
	DIR *dir;
	FILE *f;
	unsigned long ut, st;

	memset(s, 0, sizeof(*s));
	/* Context switches are per thread: sum over every task. */
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		long v, nv;

		if (e->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "/proc/%d/task/%s/status", (int)pid,
			 e->d_name);
		v = proc_field(buf, "voluntary_ctxt_switches");
		nv = proc_field(buf, "nonvoluntary_ctxt_switches");
		if (v >= 0 && nv >= 0) {
			s->ctxt_switches += (unsigned long)(v + nv);
			s->threads++;
		}
	}
	closedir(dir);
	/* utime and stime (fields 14, 15) cover all threads. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	/* After "pid (comm)": field 3 is state; skip to field 14. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return -1;
	s->cpu_ms = (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	s->rss_kb = proc_field(path, "VmRSS");
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	s->pss_kb = proc_field(path, "Pss");
	return 0;
}

unsigned long long bench_proc_cpu_ns(pid_t pid)
{
	unsigned long long sum = 0;
	char path[96];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		unsigned long long ns;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat",
			 (int)pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* First field: time spent on the CPU, in ns. */
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}
