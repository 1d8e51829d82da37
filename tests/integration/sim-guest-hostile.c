/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: a hostile guest, and four vCPUs at once.
 *
 * hostile: every malformed thing a guest driver can send gets its
 * documented error (docs/protocol.md) or no effect, and the daemon keeps
 * serving after each.  smp: four vCPUs issue requests concurrently while
 * the administrator keeps changing the hint.
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/hvm/ioreq.h>

/* The daemon still answers a well-formed request. */
static int still_serving(struct sgctx *c, const char *after)
{
	struct hvmlink_req_host_version hv;
	int32_t st;
	int rc;

	sg_header(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
	rc = sg_request(&c->g, 1, &hv, sizeof(hv), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "after %s the daemon no longer serves (%d/%d)",
	      after, rc, st);
	return 0;
}

/* Submit len raw bytes as a request; returns its rc or LAST_RC. */
static int raw_request(struct sgctx *c, const void *buf, size_t len,
		       int32_t *rc_out, uint32_t *last_rc)
{
	uint64_t gpa = sg_req_gpa(0);
	struct hvmlink_req_header h;
	int rc;

	if ((rc = xensim_ram_write(c->g.sim, c->g.domid, gpa, buf, len)) ||
	    (rc = sg_submit_at(&c->g, 0, gpa)) ||
	    (rc = xensim_ram_read(c->g.sim, c->g.domid, gpa, &h, sizeof(h))) ||
	    (rc = sg_reg_read(&c->g, 0, HVMLINK_REG_LAST_RC, last_rc)))
		return rc;
	*rc_out = h.rc;
	return 0;
}

static int expect_rc(struct sgctx *c, const char *what, const void *buf,
		     size_t len, int32_t want)
{
	int32_t st;
	uint32_t last;
	int rc = raw_request(c, buf, len, &st, &last);

	CHECK(rc == 0, "%s: the stand-in says %s (daemon hung?)", what,
	      strerror(-rc));
	CHECK(st == want && (int32_t)last == want,
	      "%s: rc %d, LAST_RC %d, wanted %d", what, st, (int32_t)last,
	      want);
	say("check", "%s -> %d", what, want);
	return still_serving(c, what);
}

static int header_cases(struct sgctx *c)
{
	uint8_t buf[HVMLINK_REQUEST_MAX_SIZE + 64];
	struct hvmlink_req_header *h = (void *)buf;

	sg_header(buf, sizeof(struct hvmlink_req_host_version),
		  HVMLINK_REQ_GET_HOST_VERSION);
	h->size = HVMLINK_REQUEST_MAX_SIZE + 1;
	if (expect_rc(c, "oversized request (max + 1)", buf, sizeof(buf),
		      HVMLINK_ERR_BAD_SIZE))
		return -1;
	h->size = 0xffffffffu;
	if (expect_rc(c, "request claiming 4 GiB", buf, sizeof(*h),
		      HVMLINK_ERR_BAD_SIZE))
		return -1;
	h->size = sizeof(struct hvmlink_req_host_version) - 8;
	if (expect_rc(c, "undersized GET_HOST_VERSION", buf, sizeof(*h) + 16,
		      HVMLINK_ERR_BAD_SIZE))
		return -1;
	h->size = sizeof(struct hvmlink_req_host_version) + 8;
	if (expect_rc(c, "GET_HOST_VERSION 8 bytes too long", buf,
		      h->size, HVMLINK_ERR_BAD_SIZE))
		return -1;
	h->size = sizeof(struct hvmlink_req_host_version);
	h->version = 0x00020000;
	if (expect_rc(c, "wrong version", buf, h->size, HVMLINK_ERR_VERSION))
		return -1;
	h->version = HVMLINK_REQUEST_VERSION;
	h->type = 0;
	if (expect_rc(c, "type 0", buf, h->size, HVMLINK_ERR_NOT_SUPPORTED))
		return -1;
	h->type = HVMLINK_REQ_TYPE_COUNT;
	if (expect_rc(c, "unknown type", buf, h->size,
		      HVMLINK_ERR_NOT_SUPPORTED))
		return -1;
	h->type = 0x80000001u;
	return expect_rc(c, "type 0x80000001", buf, h->size,
			 HVMLINK_ERR_NOT_SUPPORTED);
}

/* Requests at addresses the device cannot (fully) read. */
static int memory_cases(struct sgctx *c)
{
	struct hvmlink_req_display_hint r;
	uint64_t hole = 0x400000;	/* gfn 0x400 unpopulated below */
	uint32_t last;
	int rc;

	rc = xensim_ram_unpopulate(c->g.sim, c->g.domid, hole >> 12, 1);
	CHECK(rc == 0, "unpopulate: %s", strerror(-rc));

	rc = sg_submit_at(&c->g, 0, hole + 0x100);
	CHECK(rc == 0, "submit: %s", strerror(-rc));
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_LAST_RC, &last);
	CHECK(rc == 0 && (int32_t)last == HVMLINK_ERR_NO_REQUEST,
	      "request in unpopulated memory: LAST_RC %d", (int32_t)last);
	say("check", "request in unpopulated memory -> LAST_RC NO_REQUEST");
	if (still_serving(c, "a request in a hole"))
		return -1;

	rc = sg_submit_at(&c->g, 0, 0x7ffffff000ull);
	CHECK(rc == 0, "submit: %s", strerror(-rc));
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_LAST_RC, &last);
	CHECK(rc == 0 && (int32_t)last == HVMLINK_ERR_NO_REQUEST,
	      "request far above RAM: LAST_RC %d", (int32_t)last);
	say("check", "request above RAM (via REQUEST_HI) -> LAST_RC NO_REQUEST");
	if (still_serving(c, "a request above RAM"))
		return -1;

	/* Header in RAM, body running into the hole: the header can be
	 * written back, so the error lands there. */
	sg_header(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	rc = xensim_ram_write(c->g.sim, c->g.domid, hole - 32, &r, 32);
	CHECK(rc == 0, "ram write: %s", strerror(-rc));
	rc = sg_submit_at(&c->g, 0, hole - 32);
	CHECK(rc == 0, "submit: %s", strerror(-rc));
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_LAST_RC, &last);
	CHECK(rc == 0 && (int32_t)last != HVMLINK_OK,
	      "request straddling into a hole succeeded");
	say("check", "request straddling into a hole -> LAST_RC %d", (int32_t)last);
	if (still_serving(c, "a straddling request"))
		return -1;

	/* Header itself straddling. */
	rc = sg_submit_at(&c->g, 0, hole - 8);
	CHECK(rc == 0, "submit: %s", strerror(-rc));
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_LAST_RC, &last);
	CHECK(rc == 0 && (int32_t)last == HVMLINK_ERR_NO_REQUEST,
	      "header straddling into a hole: LAST_RC %d", (int32_t)last);
	say("check", "header straddling into a hole -> LAST_RC NO_REQUEST");
	return still_serving(c, "a straddling header");
}

/* Rep string IO (rep outsl / rep insl) with bad pointers and counts. */
static int rep_cases(struct sgctx *c)
{
	static const struct {
		const char *what;
		uint64_t data;
		uint32_t count;
		uint8_t dir;
	} cases[] = {
		{ "rep outsl from a hole", 0x400000, 4, IOREQ_WRITE },
		{ "rep insl into a hole", 0x400000, 4, IOREQ_READ },
		{ "rep outsl from far above RAM", 0xfffffffffff000ull, 2, IOREQ_WRITE },
		{ "rep outsl wrapping the address space", 0xfffffffffffffff0ull, 8, IOREQ_WRITE },
		{ "rep insl with a huge count", 0x200000, 0x40000000u, IOREQ_READ },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xensim_ioreq rq = {
			.addr = c->g.io_base + HVMLINK_REG_REQUEST,
			.data = cases[i].data,
			.count = cases[i].count,
			.size = 4,
			.type = IOREQ_TYPE_PIO,
			.dir = cases[i].dir,
			.data_is_ptr = 1,
		};
		int rc = xensim_ioreq(c->g.sim, c->g.domid, 0, &rq);

		CHECK(rc == 0, "%s: %s (daemon hung?)", cases[i].what,
		      strerror(-rc));
		say("check", "%s: answered", cases[i].what);
		if (still_serving(c, cases[i].what))
			return -1;
	}
	return 0;
}

/* Odd widths on the 32-bit-only registers read all-ones. */
static int width_cases(struct sgctx *c)
{
	for (unsigned int size = 1; size <= 2; size++) {
		uint64_t v;
		int rc = xensim_pio_read(c->g.sim, c->g.domid, 0,
					 (uint16_t)(c->g.io_base + HVMLINK_REG_VERSION),
					 size, &v);

		CHECK(rc == 0 && v == (size == 1 ? 0xff : 0xffff),
		      "%u-byte read of VERSION gave 0x%llx", size,
		      (unsigned long long)v);
		rc = xensim_pio_write(c->g.sim, c->g.domid, 0,
				      (uint16_t)(c->g.io_base + HVMLINK_REG_REQUEST),
				      size, 0x200000);
		CHECK(rc == 0, "narrow write: %s", strerror(-rc));
	}
	say("check", "1- and 2-byte register accesses read all-ones, writes ignored");
	return still_serving(c, "narrow register accesses");
}

/* Config space: write garbage everywhere, then the driver starts over. */
static int config_cases(struct sgctx *c)
{
	uint32_t seed = 12345, id;
	int rc;

	for (unsigned int reg = 0; reg < 256; reg++) {
		for (unsigned int size = 1; size <= 4; size <<= 1) {
			if (reg % size)
				continue;
			seed = seed * 1103515245u + 12345u;
			rc = sg_cfg_write(&c->g, c->g.slot, reg, size, seed);
			CHECK(rc == 0, "config write 0x%x/%u: %s", reg, size,
			      strerror(-rc));
		}
	}
	/* Beyond the 256-byte space, through PCI_CONFIG ioreqs. */
	for (unsigned int reg = 256; reg < 4096; reg += 252) {
		rc = xensim_pci_cfg_write(c->g.sim, c->g.domid, 0, c->g.sbdf,
					  reg, 4, 0xdeadbeef);
		CHECK(rc == 0, "extended config write: %s", strerror(-rc));
	}
	rc = sg_cfg_read(&c->g, c->g.slot, PCI_CFG_VENDOR_ID, 4, &id);
	CHECK(rc == 0 && (id & 0xffff) == HVMLINK_PCI_VENDOR_ID &&
	      (id >> 16) == HVMLINK_PCI_DEVICE_ID,
	      "ids changed by config writes: 0x%08x", id);
	say("check", "random writes to all of config space: ids read-only, daemon alive");

	/* Both BARs at the same address (different spaces), then BAR1 on
	 * top of guest RAM and BAR0 on top of the PCI config ports. */
	rc = sg_cfg_write(&c->g, c->g.slot, PCI_CFG_COMMAND, 2, 0);
	if (!rc)
		rc = sg_cfg_write(&c->g, c->g.slot, PCI_CFG_BAR0, 4, 0xcf8);
	if (!rc)
		rc = sg_cfg_write(&c->g, c->g.slot, PCI_CFG_BAR1, 4, 0x200000);
	if (!rc)
		rc = sg_cfg_write(&c->g, c->g.slot, PCI_CFG_COMMAND, 2,
				  PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK(rc == 0, "moving BARs: %s", strerror(-rc));
	/* Move them back, as the driver would after a reset, and go on. */
	if (guest_boot(c, true))
		return -1;
	say("check", "BARs moved over the config ports and RAM, then back: device works");
	return still_serving(c, "BAR moves");
}

int scenario_hostile(struct sgctx *c)
{
	struct hvmlink_req_display_hint r;
	struct hvmlink_req_report_display rd;
	int32_t st;
	int rc;

	if (guest_boot(c, false))
		return -1;
	if (header_cases(c) || memory_cases(c) || rep_cases(c) ||
	    width_cases(c))
		return -1;

	sg_header(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = HVMLINK_MAX_DISPLAYS;
	rc = sg_request(&c->g, 0, &r, sizeof(r), &st);
	CHECK(rc == 0 && st != HVMLINK_OK, "hint of display 16: rc %d", st);
	say("check", "GET_DISPLAY_HINT for display 16 -> %d", st);
	sg_header(&rd, sizeof(rd), HVMLINK_REQ_REPORT_DISPLAY);
	rd.display = 0;
	rd.result = -1;
	memset(rd.reason, 0x07, sizeof(rd.reason));	/* unterminated, unprintable */
	rc = sg_request(&c->g, 0, &rd, sizeof(rd), &st);
	CHECK(rc == 0, "REPORT_DISPLAY: %s", strerror(-rc));
	say("check", "REPORT_DISPLAY with an unterminated, unprintable reason -> %d", st);
	if (still_serving(c, "bad reports"))
		return -1;
	return config_cases(c);
}

/* ---- smp ---------------------------------------------------------------- */

struct vcpu_job {
	struct sgctx *c;
	unsigned int vcpu;
	volatile int *stop;
	unsigned long done;
	int error;
	char msg[160];
};

static void *vcpu_thread(void *opaque)
{
	struct vcpu_job *j = opaque;
	struct sgctx *c = j->c;

	while (!*j->stop) {
		struct hvmlink_req_host_version hv;
		struct hvmlink_req_guest_caps gc;
		struct hvmlink_req_display_hint dh;
		int32_t st;
		int rc;

		sg_header(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
		rc = sg_request(&c->g, j->vcpu, &hv, sizeof(hv), &st);
		if (rc || st != HVMLINK_OK ||
		    hv.protocol_version != HVMLINK_PROTOCOL_VERSION) {
			snprintf(j->msg, sizeof(j->msg),
				 "vCPU %u GET_HOST_VERSION: %d/%d", j->vcpu, rc, st);
			j->error = 1;
			break;
		}
		sg_header(&gc, sizeof(gc), HVMLINK_REQ_SET_GUEST_CAPS);
		gc.or_mask = HVMLINK_GUEST_CAP_DISPLAY;
		rc = sg_request(&c->g, j->vcpu, &gc, sizeof(gc), &st);
		if (rc || st != HVMLINK_OK ||
		    !(gc.caps & HVMLINK_GUEST_CAP_DISPLAY)) {
			snprintf(j->msg, sizeof(j->msg),
				 "vCPU %u SET_GUEST_CAPS: %d/%d", j->vcpu, rc, st);
			j->error = 1;
			break;
		}
		sg_header(&dh, sizeof(dh), HVMLINK_REQ_GET_DISPLAY_HINT);
		rc = sg_request(&c->g, j->vcpu, &dh, sizeof(dh), &st);
		/* Before the first hint there is none: NO_DATA. */
		if (rc || (st != HVMLINK_OK && st != HVMLINK_ERR_NO_DATA) ||
		    (st == HVMLINK_OK && dh.mode.width != dh.mode.height * 2)) {
			snprintf(j->msg, sizeof(j->msg),
				 "vCPU %u GET_DISPLAY_HINT: %d/%d %ux%u", j->vcpu,
				 rc, st, dh.mode.width, dh.mode.height);
			j->error = 1;
			break;
		}
		if (j->vcpu == 0) {
			uint32_t ev;

			if (guest_ack(c, 0, &ev)) {
				j->error = 1;
				snprintf(j->msg, sizeof(j->msg), "vCPU 0 ACK failed");
				break;
			}
		}
		j->done += 3;
	}
	return NULL;
}

int scenario_smp(struct sgctx *c)
{
	unsigned int n = c->g.nr_vcpus < 4 ? c->g.nr_vcpus : 4;
	struct vcpu_job jobs[4];
	pthread_t th[4];
	volatile int stop = 0;
	struct hvmlink_req_display_hint r;
	unsigned int hints = 0, last_h = 0;
	time_t end;
	int ret = 0;

	CHECK(n == 4, "the smp scenario needs 4 vCPUs (--vcpus 4)");
	if (guest_boot(c, true))
		return -1;
	say("guest", "4 vCPUs issue requests concurrently for %u s while the host changes hints",
	    c->seconds);
	for (unsigned int i = 0; i < n; i++) {
		jobs[i] = (struct vcpu_job){ .c = c, .vcpu = i, .stop = &stop };
		CHECK(pthread_create(&th[i], NULL, vcpu_thread, &jobs[i]) == 0,
		      "pthread_create");
	}
	end = time(NULL) + c->seconds;
	/* Widths are twice the heights, so a torn hint would show. */
	while (time(NULL) < end && !ret) {
		last_h = 100 + (hints % 400);
		if (host_capture((char[8]){ 0 }, 8,
				 "xenstore-write %s/hints/display/0 %ux%u",
				 c->vm_root, last_h * 2, last_h) != 0)
			ret = fail("xenstore-write failed");
		hints++;
	}
	stop = 1;
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].error)
			ret = fail("%s", jobs[i].msg);
		else
			say("guest", "vCPU %u: %lu requests, all answered correctly",
			    i, jobs[i].done);
		if (jobs[i].done == 0)
			ret = fail("vCPU %u made no progress", i);
	}
	if (ret)
		return ret;
	say("host", "%u hints written", hints);
	/* The last hint wins: wait for the daemon to have it.  On a loaded
	 * machine even the first may still be on its way (NO_DATA). */
	for (int waited = 0;; waited += 20) {
		int32_t st = guest_get_hint(c, 0, &r);

		CHECK(st == HVMLINK_OK || st == HVMLINK_ERR_NO_DATA,
		      "GET_DISPLAY_HINT: %d", st);
		if (st == HVMLINK_OK && r.mode.height == last_h &&
		    r.mode.width == last_h * 2)
			break;
		CHECK(waited < xensim_timeout_ms(),
		      "final hint %ux%u, wanted %ux%u", r.mode.width,
		      r.mode.height, last_h * 2, last_h);
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	say("check", "the guest ends with the last hint written (%ux%u)",
	    last_h * 2, last_h);
	return 0;
}
