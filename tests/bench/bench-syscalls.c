/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "syscalls": system calls per isolated guest
 * access, counted with strace (every thread of the device model, in the
 * window of the accesses; tests/bench/bench-floor.c), for
 *
 *   hvmlinkd register   IN of BAR0's PENDING
 *   hvmlinkd request    a GET_HOST_VERSION request
 *   floor register      IN of ioreq-bench-minimal's port
 *
 * Under the stand-in each libxen* call a device model makes per ioreq
 * costs the system calls it costs on Xen (tests/xensim/xensim-syscall-
 * shape checks that), so these are the counts on Xen.  A request costs
 * the same as a register read: the guest page it lives in stays mapped
 * (guest page cache), nothing is published, no xenstore I/O.
 */
#include <stdio.h>

#include "tests/bench/bench.h"

#define SYSCALL_N	200	/* isolated accesses per count */
#define SYSCALL_GAP_US	2000	/* quiet before each (strace is slow) */
#define NAMES		16

static int one(struct bench_host *h, uint16_t domid, enum bench_dm dm,
	       enum bench_access a, const char *label, bool *first)
{
	struct bench_name_count names[NAMES];
	double per;

	if (bench_syscalls_per_access(h, h->o->strace, domid, dm, a,
				      SYSCALL_N, SYSCALL_GAP_US, &per, names,
				      NAMES))
		return -1;
	printf("%-20s %10.2f  ", label, per);
	for (int i = 0; i < NAMES && names[i].n; i++)
		printf("%s%s %.2f", i ? ", " : "", names[i].name,
		       (double)names[i].n / SYSCALL_N);
	putchar('\n');
	fprintf(h->o->json, "%s\"%s\": {\"per_access\": %.3f, \"by_name\": {",
		*first ? "" : ", ", label, per);
	for (int i = 0; i < NAMES && names[i].n; i++)
		fprintf(h->o->json, "%s\"%s\": %.3f", i ? ", " : "",
			names[i].name, (double)names[i].n / SYSCALL_N);
	fprintf(h->o->json, "}}");
	*first = false;
	return 0;
}

int bench_syscalls(struct bench_host *h)
{
	bool first = true;
	int rc;

	printf("\n== system calls per isolated access (strace, %u accesses, %u us apart) ==\n",
	       SYSCALL_N, SYSCALL_GAP_US);
	printf("%-20s %10s  %s\n", "device model/access", "per access", "by name");
	bench_json_section(h->o, "syscalls");
	fprintf(h->o->json, "\"accesses\": %u, \"gap_us\": %u, ", SYSCALL_N,
		SYSCALL_GAP_US);
	rc = one(h, 60, BENCH_DM_HVMLINKD, BENCH_ACC_REG, "hvmlinkd register",
		 &first);
	if (!rc)
		rc = one(h, 61, BENCH_DM_FLOOR, BENCH_ACC_REG, "floor register",
			 &first);
	if (!rc)
		rc = one(h, 62, BENCH_DM_HVMLINKD, BENCH_ACC_REQ,
			 "hvmlinkd request", &first);
	if (!rc)
		rc = one(h, 63, BENCH_DM_FLOOR, BENCH_ACC_REQ, "floor request",
			 &first);
	fprintf(h->o->json, "}");
	return rc;
}
