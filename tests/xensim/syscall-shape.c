/* SPDX-License-Identifier: MIT */
/*
 * The stand-in's system call shape against the real libraries'.
 *
 * Benchmarks and tests count the system calls hvmlinkd makes per ioreq
 * under the stand-in and claim the same count on Xen.  That holds only if
 * every libxen* call a device model makes per ioreq costs, under the
 * stand-in, what it costs on Xen.  This test runs xensim-shape-probe under
 * strace, counts the system calls of each call between the probe's
 * markers, and compares with the table below: the real count, read off
 * the real code, with where it comes from.
 *
 * It fails when a measured count differs from the table's stand-in
 * column, and when a row on the per-ioreq path has a stand-in count that
 * differs from the real one.  Rows off that path (set-up, interrupts,
 * errors) may differ; the table says how and why, and
 * docs/xensim.md repeats it.
 *
 * Real code read (Xen 4.17, Linux 6.1):
 *   X-evt  tools/libs/evtchn/linux.c
 *   X-fm   tools/libs/foreignmemory/linux.c (osdep_*), core.c
 *   X-dm   tools/libs/devicemodel/linux.c (osdep_xendevicemodel_op)
 *   L-evt  drivers/xen/evtchn.c (evtchn_write, evtchn_ioctl)
 *   L-pc   drivers/xen/privcmd.c (privcmd_ioctl_mmap_batch)
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/xensim/xensim.h"

#define DOMID 3
#define HOLE_GFN "0x80000"	/* inside the p2m, never populated */

struct shape {
	const char *name;	/* the probe's marker */
	int real, standin;
	bool per_ioreq;		/* on the path a device model takes per ioreq */
	const char *why;
};

static const struct shape table[] = {
	{ "pending", 1, 1, true,
	  "X-evt xenevtchn_pending: read() of /dev/xen/evtchn" },
	{ "pending-empty", 1, 1, true,
	  "X-evt xenevtchn_pending: read() -> EAGAIN (end of a drain)" },
	{ "unmask", 1, 1, true,
	  "X-evt xenevtchn_unmask: write() of the port; L-evt evtchn_write" },
	{ "notify", 1, 1, true,
	  "X-evt xenevtchn_notify: ioctl(IOCTL_EVTCHN_NOTIFY)" },
	{ "map-1", 2, 2, true,
	  "X-fm osdep_xenforeignmemory_map: mmap() + ioctl(MMAPBATCH_V2)" },
	{ "unmap-1", 1, 1, true,
	  "X-fm osdep_xenforeignmemory_unmap: munmap()" },
	{ "map-2", 2, 2, true, "as map-1, two pages in one batch" },
	{ "unmap-2", 1, 1, true, "as unmap-1" },
	{ "map-hole", 2, 2, true,
	  "as map-1; L-pc: a bad gfn is err[i] = -EINVAL, the ioctl returns 0" },
	{ "map-hole-noerr", 3, 1, false,
	  "X-fm core.c maps, sees err[i], unmaps (3); the stand-in knows "
	  "before mapping (1). Error path" },
	{ "notify-unbound", 1, 0, false,
	  "L-evt: ioctl fails ENOTCONN (1); the stand-in's library answers "
	  "from its table of bound ports (0). Error path" },
	{ "map_resource", 2, 5, false,
	  "X-fm: mmap() + ioctl(MMAP_RESOURCE) (2); the stand-in asks its "
	  "hypervisor (send + recv) and maps the two pool pages, which are "
	  "not adjacent, into a reservation (3). Set-up, once per server" },
	{ "resource_size", 1, 2, false,
	  "X-fm: ioctl(MMAP_RESOURCE) with no address (1); stand-in: send + "
	  "recv. Set-up" },
	{ "unmap_resource", 1, 1, false, "X-fm: munmap()" },
	{ "bind_interdomain", 1, 2, false,
	  "X-evt: ioctl(IOCTL_EVTCHN_BIND_INTERDOMAIN) (1); stand-in: send + "
	  "recv. Set-up" },
	{ "unbind", 1, 2, false, "X-evt: ioctl(IOCTL_EVTCHN_UNBIND); teardown" },
	{ "set_pci_intx_level", 1, 2, false,
	  "X-dm: ioctl(IOCTL_PRIVCMD_DM_OP) (1); stand-in: send + recv. Per "
	  "interrupt change, not per ioreq" },
	{ "inject_msi", 1, 2, false, "as set_pci_intx_level" },
};

#define N_SHAPES (sizeof(table) / sizeof(table[0]))

static bool ci(void)
{
	const char *v = getenv("CI");

	return v && !strcmp(v, "true");
}

/* 77 (skip) for what cannot run here, except under CI. */
static int cannot_run(const char *why)
{
	fprintf(stderr, "syscall-shape: %s\n", why);
	return ci() ? 99 : 77;
}

static int run_wait(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (xensim_wait_child(pid, 60000, &status) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Count each marked call's system calls (the probe is one thread). */
static void count(FILE *f, int counted[N_SHAPES])
{
	char line[8192], pid_in[32] = "";
	int cur = -1, n = 0;

	for (size_t i = 0; i < N_SHAPES; i++)
		counted[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		char pid[32], *rest, *m;

		if (sscanf(line, "%31s", pid) != 1)
			continue;
		rest = line + strlen(pid);
		while (*rest == ' ')
			rest++;
		/* strace's own notes: signals, exits. */
		if (!strncmp(rest, "---", 3) || !strncmp(rest, "+++", 3))
			continue;
		m = strstr(rest, "\"/xensim-shape/");
		if (m) {
			char what[16], name[64];

			if (sscanf(m, "\"/xensim-shape/%15[^/]/%63[^\"]", what,
				   name) != 2)
				continue;
			if (!strcmp(what, "begin")) {
				cur = -1;
				for (size_t i = 0; i < N_SHAPES; i++)
					if (!strcmp(table[i].name, name))
						cur = (int)i;
				n = 0;
				snprintf(pid_in, sizeof(pid_in), "%s", pid);
			} else if (cur >= 0 && !strcmp(table[cur].name, name)) {
				counted[cur] = n;
				cur = -1;
			}
			continue;
		}
		if (cur >= 0 && !strcmp(pid, pid_in))
			n++;
	}
}

int main(void)
{
	char log[PATH_MAX], probe[PATH_MAX], dom[8], leftover[4096];
	const char *run = getenv("XENSIM_RUN"), *tmp = getenv("TMPDIR");
	int counted[N_SHAPES], fails = 0, rc, fd;
	struct xensim *sim;
	ssize_t len;
	FILE *f;

	if (!run)
		return cannot_run("XENSIM_RUN not set (run it via make check)");
	if (run_wait((char *[]){ "strace", "-qq", "-o", "/dev/null", "true",
				 NULL }) != 0)
		return cannot_run("strace does not run here (not installed, or ptrace not permitted)");
	len = readlink("/proc/self/exe", probe, sizeof(probe) - 32);
	if (len <= 0)
		return 99;
	probe[len] = '\0';
	snprintf(strrchr(probe, '/') + 1, 32, "xensim-shape-probe");
	snprintf(log, sizeof(log), "%s/xensim-shape.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(log);
	if (fd < 0)
		return 99;
	close(fd);

	sim = xensim_open(NULL);
	if (!sim || xensim_domain_create(sim, DOMID, 1, 1 << 20) < 0) {
		perror("xensim");
		return 99;
	}
	snprintf(dom, sizeof(dom), "%d", DOMID);
	/* A sanitizer build's probe: LeakSanitizer cannot run under ptrace
	 * (leaks are checked by every other test). */
	{
		const char *a = getenv("ASAN_OPTIONS");
		char opts[1024];

		snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0", a ? a : "",
			 a && *a ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
	}
	rc = run_wait((char *[]){ "strace", "-f", "-qq", "-o", log,
				  (char *)run, probe, dom, HOLE_GFN, NULL });
	if (rc != 0) {
		fprintf(stderr, "FAIL: the probe under strace exited %d\n", rc);
		fails++;
	}
	f = fopen(log, "r");
	if (!f) {
		perror(log);
		return 99;
	}
	count(f, counted);
	fclose(f);

	printf("%-20s %5s %9s %8s  %s\n", "call", "real", "stand-in", "measured",
	       "where the real count comes from");
	for (size_t i = 0; i < N_SHAPES; i++) {
		const struct shape *s = &table[i];
		const char *verdict = "";

		if (counted[i] != s->standin) {
			verdict = "  <-- FAIL: measured differs from the stand-in column";
			fails++;
		} else if (s->per_ioreq && s->standin != s->real) {
			verdict = "  <-- FAIL: per-ioreq call differs from Xen";
			fails++;
		}
		printf("%-20s %5d %9d %8d  %s%s%s\n", s->name, s->real,
		       s->standin, counted[i], s->per_ioreq ? "[per ioreq] " : "",
		       s->why, verdict);
	}
	if (xensim_leftovers(sim, leftover, sizeof(leftover)) != 0) {
		fprintf(stderr, "FAIL: leftovers after the probe:\n%s", leftover);
		fails++;
	}
	xensim_domain_destroy(sim, DOMID);
	xensim_close(sim);
	if (fails)
		fprintf(stderr, "strace log kept: %s\n", log);
	else
		unlink(log);
	printf("syscall-shape: %d failure(s)\n", fails);
	return fails ? 1 : 0;
}
