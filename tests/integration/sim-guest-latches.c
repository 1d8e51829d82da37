/* SPDX-License-Identifier: MIT */
/*
 * sim-guest scenario "latches": protocol 1.1's per-vCPU REQUEST_HI and
 * LAST_RC, through the real daemon and the real ioreq path.
 *
 * Two vCPUs, each on its own thread, submit requests that live above
 * 4 GiB at the same low half and their own high half (vCPU v at
 * (v + 1) << 32 | 0x1000), so a request that took the other vCPU's high
 * half would land in the other's buffer.  Their requests end with
 * different statuses (vCPU 0's is valid, vCPU 1's has a reserved field
 * set), so a vCPU that read the other's LAST_RC would notice.  After
 * every submission each vCPU checks that its own buffer was answered and
 * that LAST_RC is its own status.
 *
 * Phase 1 runs in lockstep (a barrier between the steps): both write
 * REQUEST_HI, then both write REQUEST, then both read LAST_RC.  With one
 * shared latch this fails on the first round whatever the order of the
 * two vCPUs inside a step.  Phase 2 lets them run free for --seconds.
 */
#include "tests/integration/sim-guest.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LATCH_LO		0x1000u
#define LATCH_LOCKSTEP_ROUNDS	200

static uint64_t latch_gpa(unsigned int vcpu)
{
	return (uint64_t)(vcpu + 1) << 32 | LATCH_LO;
}

struct latch_job {
	struct sgctx *c;
	unsigned int vcpu;
	pthread_barrier_t *barrier;	/* lockstep, or NULL */
	time_t end;			/* free run: until then */
	unsigned long rounds;
	char msg[200];
};

/* The first failure is the one worth reporting. */
#define JOB_FAIL(j, ...) \
	do { \
		if (!(j)->msg[0]) \
			snprintf((j)->msg, sizeof((j)->msg), __VA_ARGS__); \
		return -1; \
	} while (0)

static void step(struct latch_job *j)
{
	if (j->barrier)
		pthread_barrier_wait(j->barrier);
}

/* One submission; 0, or -1 with j->msg set.  In lockstep every vCPU
 * passes the same number of barriers even when it fails. */
static int latch_round(struct latch_job *j)
{
	struct sg *g = &j->c->g;
	const uint64_t gpa = latch_gpa(j->vcpu);
	const int32_t want = j->vcpu == 0 ? HVMLINK_OK :
					    HVMLINK_ERR_INVALID_PARAMETER;
	struct hvmlink_req_host_version r;
	uint32_t last = 0;
	int rc1, rc2, rc3, rc4;

	sg_header(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
	r.header.reserved1 = j->vcpu;	/* vCPU 1: INVALID_PARAMETER */
	rc1 = xensim_ram_write(g->sim, g->domid, gpa, &r, sizeof(r));
	step(j);
	rc2 = sg_reg_write(g, j->vcpu, HVMLINK_REG_REQUEST_HI,
			   (uint32_t)(gpa >> 32));
	step(j);
	rc3 = sg_reg_write(g, j->vcpu, HVMLINK_REG_REQUEST, (uint32_t)gpa);
	step(j);
	rc4 = sg_reg_read(g, j->vcpu, HVMLINK_REG_LAST_RC, &last);
	step(j);
	if (rc1 || rc2 || rc3 || rc4) {
		JOB_FAIL(j, "vCPU %u: guest access failed (%d %d %d %d)",
			 j->vcpu, rc1, rc2, rc3, rc4);
	}
	if (xensim_ram_read(g->sim, g->domid, gpa, &r, sizeof(r)) != 0) {
		JOB_FAIL(j, "vCPU %u: ram read failed", j->vcpu);
	}
	if (r.header.rc != want ||
	    (want == HVMLINK_OK &&
	     r.protocol_version != HVMLINK_PROTOCOL_VERSION)) {
		JOB_FAIL(j, "vCPU %u round %lu: its request at 0x%llx has rc %d (wanted %d): it went elsewhere",
			 j->vcpu, j->rounds, (unsigned long long)gpa,
			 r.header.rc, want);
	}
	if ((int32_t)last != want) {
		JOB_FAIL(j, "vCPU %u round %lu: LAST_RC %d, its request ended %d",
			 j->vcpu, j->rounds, (int32_t)last, want);
	}
	return 0;
}

static void *latch_thread(void *opaque)
{
	struct latch_job *j = opaque;

	if (j->barrier) {
		/* After a failure keep stepping: the other vCPU waits at
		 * the barriers.  rounds counts the good ones before it. */
		for (unsigned int i = 0; i < LATCH_LOCKSTEP_ROUNDS; i++)
			if (latch_round(j) == 0 && !j->msg[0])
				j->rounds++;
		return NULL;
	}
	while (time(NULL) < j->end && latch_round(j) == 0)
		j->rounds++;
	return NULL;
}

static int run_phase(struct sgctx *c, pthread_barrier_t *barrier,
		     time_t end, const char *what)
{
	struct latch_job jobs[2];
	pthread_t th[2];
	int ret = 0;

	for (unsigned int v = 0; v < 2; v++) {
		jobs[v] = (struct latch_job){ .c = c, .vcpu = v,
					      .barrier = barrier, .end = end };
		CHECK(pthread_create(&th[v], NULL, latch_thread, &jobs[v]) == 0,
		      "pthread_create");
	}
	for (unsigned int v = 0; v < 2; v++) {
		pthread_join(th[v], NULL);
		if (jobs[v].msg[0])
			ret = fail("%s: %s", what, jobs[v].msg);
		else if (!jobs[v].rounds)
			ret = fail("%s: vCPU %u made no progress", what, v);
		else
			say("guest", "%s: vCPU %u: %lu submissions above 4 GiB, each answered at its own address with its own LAST_RC",
			    what, v, jobs[v].rounds);
	}
	return ret;
}

int scenario_latches(struct sgctx *c)
{
	struct hvmlink_req_host_version hv;
	pthread_barrier_t barrier;
	int32_t st;
	int rc;

	CHECK(c->g.nr_vcpus >= 2, "the latches scenario needs 2 vCPUs (--vcpus 2)");
	if (guest_boot(c, true))
		return -1;
	sg_header(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
	rc = sg_request(&c->g, 0, &hv, sizeof(hv), &st);
	CHECK(rc == 0 && st == HVMLINK_OK &&
	      (hv.features & HVMLINK_HOST_F_VCPU_LATCHES),
	      "host features 0x%llx lack VCPU_LATCHES",
	      (unsigned long long)hv.features);
	for (unsigned int v = 0; v < 2; v++) {
		rc = xensim_ram_populate(c->g.sim, c->g.domid,
					 latch_gpa(v) >> 12, 1);
		CHECK(rc == 0, "populate RAM at 0x%llx: %s",
		      (unsigned long long)latch_gpa(v), strerror(-rc));
	}
	say("guest", "vCPU 0 uses 0x%llx, vCPU 1 0x%llx: same low half, own high half",
	    (unsigned long long)latch_gpa(0), (unsigned long long)latch_gpa(1));

	CHECK(pthread_barrier_init(&barrier, NULL, 2) == 0, "barrier");
	rc = run_phase(c, &barrier, 0, "lockstep");
	pthread_barrier_destroy(&barrier);
	if (rc)
		return rc;
	return run_phase(c, NULL, time(NULL) + c->seconds, "free run");
}
