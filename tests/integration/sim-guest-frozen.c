/* SPDX-License-Identifier: MIT */
/*
 * sim-guest scenario "xenstored-frozen": the guest's device answers while
 * xenstored answers nobody.
 *
 * xenstored is stopped (SIGSTOP) and the guest reports something new, so
 * hvmlinkd's main thread sits in a xenstore write that cannot complete
 * (publication of the report).  Meanwhile the guest keeps using its
 * device: register reads, acknowledges and requests must all be answered,
 * each within a second, because the device thread never waits for
 * xenstore (src/daemon/devthread.c).  A daemon serving the guest on the
 * thread that writes to xenstore would leave the vCPU stuck here until
 * xenstored came back.  Once xenstored runs again the report is
 * published: nothing was lost.
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Guest accesses while xenstored is stopped, and the slowest allowed
 * (generous: a shared, noisy machine; a stuck device never answers). */
#define FROZEN_ROUNDS		200
#define FROZEN_MAX_NS		1000000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int report_name(struct sgctx *c, const char *name)
{
	struct hvmlink_req_guest_info gi;
	int32_t st;
	int rc;

	sg_header(&gi, sizeof(gi), HVMLINK_REQ_REPORT_GUEST_INFO);
	gi.driver_version = 1u << 16;
	gi.os_type = HVMLINK_OS_LINUX;
	snprintf(gi.os_release, sizeof(gi.os_release), "6.1.0-sim");
	snprintf(gi.name, sizeof(gi.name), "%s", name);
	rc = sg_request(&c->g, 0, &gi, sizeof(gi), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "REPORT_GUEST_INFO: %d/%d", rc, st);
	return 0;
}

/* Register read, acknowledge, request: one of each per round. */
static int use_device(struct sgctx *c, uint64_t *slowest)
{
	struct hvmlink_req_host_version hv;
	uint32_t v, ev;
	int32_t st;

	*slowest = 0;
	for (int i = 0; i < FROZEN_ROUNDS; i++) {
		uint64_t t0 = now_ns(), dt;

		CHECK(sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &v) == 0 &&
		      v == HVMLINK_PROTOCOL_VERSION,
		      "VERSION register while xenstored is stopped: 0x%x", v);
		if (guest_ack(c, 0, &ev))
			return -1;
		sg_header(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
		CHECK(sg_request(&c->g, 0, &hv, sizeof(hv), &st) == 0 &&
		      st == HVMLINK_OK,
		      "GET_HOST_VERSION while xenstored is stopped: %d", st);
		dt = now_ns() - t0;
		if (dt > *slowest)
			*slowest = dt;
		CHECK(dt < FROZEN_MAX_NS,
		      "round %d took %llu ms while xenstored was stopped", i,
		      (unsigned long long)(dt / 1000000));
	}
	return 0;
}

int scenario_xenstored_frozen(struct sgctx *c)
{
	const char *p = getenv("E2E_XENSTORED_PID");
	pid_t xs = p ? (pid_t)atol(p) : 0;
	char want[64], v[64];
	uint64_t slowest;
	int rc;

	CHECK(xs > 1, "E2E_XENSTORED_PID is not set (e2e-sim-lib.sh sets it)");
	if (guest_boot(c, true))
		return -1;
	snprintf(want, sizeof(want), "frozen-%u", c->g.domid);

	CHECK(kill(xs, SIGSTOP) == 0, "SIGSTOP xenstored %d: %s", (int)xs,
	      strerror(errno));
	say("host", "xenstored (pid %d) stopped", (int)xs);
	/* The daemon's main thread now publishes into a xenstored that does
	 * not read: it stays in that write until xenstored runs again. */
	rc = report_name(c, want);
	if (rc == 0) {
		usleep(100000);
		rc = use_device(c, &slowest);
	}
	/* Whatever happened, xenstored must run again (the harness stops
	 * it at the end, and the daemon has a write to finish). */
	CHECK(kill(xs, SIGCONT) == 0, "SIGCONT xenstored %d: %s", (int)xs,
	      strerror(errno));
	say("host", "xenstored (pid %d) continued", (int)xs);
	if (rc)
		return rc;
	say("check", "%d register reads, acknowledges and requests answered while xenstored was stopped (slowest round %.1f ms)",
	    FROZEN_ROUNDS, (double)slowest / 1e6);

	if (xs_wait(c, "guest/name", want))
		return -1;
	xs_node(c, "guest/name", v, sizeof(v));
	say("check", "the report made while xenstored was stopped is published: guest/name = %s",
	    v);
	return 0;
}
