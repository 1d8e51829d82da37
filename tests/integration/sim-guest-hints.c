/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: the guest driver's life (boot, interrupt, acknowledge) and
 * the hint scenarios: demo, hint, bad-hint, kv.
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int irq_level(struct sgctx *c)
{
	return xensim_intx_level(c->g.sim, c->g.domid, c->g.slot, 0);
}

int guest_wait_irq(struct sgctx *c, int level)
{
	int rc = xensim_intx_wait(c->g.sim, c->g.domid, c->g.slot, 0, level, -1);

	CHECK(rc == 0, "INTA# of 00:%02x.0 never went %s: %s", c->g.slot,
	      level ? "high" : "low", strerror(-rc));
	return 0;
}

int guest_set_filter(struct sgctx *c, uint32_t or_mask, uint32_t not_mask,
		     uint32_t *mask)
{
	struct hvmlink_req_filter_mask r;
	int32_t st;
	int rc;

	sg_header(&r, sizeof(r), HVMLINK_REQ_CTL_FILTER_MASK);
	r.or_mask = or_mask;
	r.not_mask = not_mask;
	rc = sg_request(&c->g, 0, &r, sizeof(r), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "CTL_FILTER_MASK: %d/%d", rc, st);
	*mask = r.mask;
	return 0;
}

int guest_ack(struct sgctx *c, unsigned int vcpu, uint32_t *events)
{
	struct hvmlink_req_ack_events r;
	int32_t st;
	int rc;

	sg_header(&r, sizeof(r), HVMLINK_REQ_ACK_EVENTS);
	rc = sg_request(&c->g, vcpu, &r, sizeof(r), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "ACK_EVENTS: %d/%d", rc, st);
	*events = r.events;
	return 0;
}

int guest_get_hint(struct sgctx *c, unsigned int display,
		   struct hvmlink_req_display_hint *r)
{
	int32_t st;
	int rc;

	sg_header(r, sizeof(*r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r->display = display;
	rc = sg_request(&c->g, 0, r, sizeof(*r), &st);
	CHECK(rc == 0, "GET_DISPLAY_HINT: %s", strerror(-rc));
	return st;
}

int guest_report(struct sgctx *c, unsigned int display, uint64_t seq,
		 const struct hvmlink_display_mode *mode, int32_t result,
		 const char *reason)
{
	struct hvmlink_req_report_display r;
	int32_t st;
	int rc;

	sg_header(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.display = display;
	r.result = result;
	r.seq = seq;
	r.mode = *mode;
	if (reason)
		strncpy(r.reason, reason, sizeof(r.reason) - 1);
	rc = sg_request(&c->g, 0, &r, sizeof(r), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "REPORT_DISPLAY: %d/%d", rc, st);
	return 0;
}

/* What the guest kernel module does when it binds to the device. */
int guest_boot(struct sgctx *c, bool quiet)
{
	const char *who = quiet ? NULL : "guest";
	struct hvmlink_status_page sp;
	struct hvmlink_req_host_version hv;
	struct hvmlink_req_guest_info gi;
	struct hvmlink_req_guest_caps gc;
	struct hvmlink_req_facility fa;
	uint32_t id, ver, bar0, bar1, mask, pin;
	int32_t st;
	int rc;

#define SAY(...) do { if (who) say(who, __VA_ARGS__); } while (0)
	SAY("scanning PCI bus 0 through ports 0xcf8/0xcfc");
	rc = sg_probe(&c->g, HVMLINK_PCI_VENDOR_ID, HVMLINK_PCI_DEVICE_ID);
	CHECK(rc == 0, "no hvmlink device on bus 0 (%s)", strerror(-rc));
	rc = sg_cfg_read(&c->g, c->g.slot, PCI_CFG_CLASS_REV, 4, &id);
	CHECK(rc == 0, "config read: %s", strerror(-rc));
	CHECK((id >> 8) == HVMLINK_PCI_CLASS, "class 0x%06x, wanted 0x%06x",
	      id >> 8, HVMLINK_PCI_CLASS);
	rc = sg_cfg_read(&c->g, c->g.slot, PCI_CFG_INT_PIN, 1, &pin);
	CHECK(rc == 0 && pin == 1, "interrupt pin %u, wanted 1 (INTA#)", pin);
	SAY("found %04x:%04x at 00:%02x.0, class %06x rev %02x, INTA#",
	    HVMLINK_PCI_VENDOR_ID, HVMLINK_PCI_DEVICE_ID, c->g.slot, id >> 8,
	    id & 0xff);

	rc = sg_setup_bars(&c->g, &bar0, &bar1);
	CHECK(rc == 0, "programming the BARs: %s", strerror(-rc));
	CHECK(bar0 == HVMLINK_BAR0_SIZE && bar1 == HVMLINK_BAR1_SIZE,
	      "BAR sizes 0x%x/0x%x, wanted 0x%x/0x%x", bar0, bar1,
	      HVMLINK_BAR0_SIZE, HVMLINK_BAR1_SIZE);
	SAY("BAR0 = io 0x%x (size 0x%x), BAR1 = mem 0x%llx (size 0x%x); IO, memory and bus master on",
	    c->g.io_base, bar0, (unsigned long long)c->g.mmio_base, bar1);

	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &ver);
	CHECK(rc == 0 && ver == HVMLINK_PROTOCOL_VERSION,
	      "VERSION register 0x%x (%d)", ver, rc);
	rc = sg_read_status(&c->g, &sp);
	CHECK(rc == 0, "status page: %s", strerror(-rc));
	CHECK(sp.size == sizeof(sp) && sp.version == HVMLINK_PROTOCOL_VERSION,
	      "status page size %u version 0x%x", sp.size, sp.version);
	SAY("status page: protocol %u.%u, pending 0x%x, filter 0x%x",
	    sp.version >> 16, sp.version & 0xffff, sp.pending_events,
	    sp.filter_mask);

	sg_header(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
	rc = sg_request(&c->g, 0, &hv, sizeof(hv), &st);
	CHECK(rc == 0 && st == HVMLINK_OK &&
	      hv.protocol_version == HVMLINK_PROTOCOL_VERSION,
	      "GET_HOST_VERSION: %d/%d", rc, st);
	SAY("host: hvmlinkd %u.%u, features 0x%llx", hv.major, hv.minor,
	    (unsigned long long)hv.features);

	rc = guest_set_filter(c, HVMLINK_EVENT_DISPLAY_CHANGE |
			      HVMLINK_EVENT_KV_CHANGE, 0, &mask);
	if (rc)
		return rc;
	CHECK(mask == (HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE),
	      "filter mask 0x%x", mask);
	SAY("event filter set to 0x%x (display and key/value changes)", mask);

	sg_header(&gi, sizeof(gi), HVMLINK_REQ_REPORT_GUEST_INFO);
	gi.driver_version = (1u << 16) | (0u << 8) | 0;
	gi.os_type = HVMLINK_OS_LINUX;
	snprintf(gi.os_release, sizeof(gi.os_release), "6.1.0-sim");
	snprintf(gi.name, sizeof(gi.name), "sim-guest-%u", c->g.domid);
	rc = sg_request(&c->g, 0, &gi, sizeof(gi), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "REPORT_GUEST_INFO: %d/%d", rc, st);
	SAY("reported guest info: driver 1.0.0, Linux 6.1.0-sim, %s", gi.name);

	sg_header(&gc, sizeof(gc), HVMLINK_REQ_SET_GUEST_CAPS);
	gc.or_mask = HVMLINK_GUEST_CAP_DISPLAY | HVMLINK_GUEST_CAP_KV;
	rc = sg_request(&c->g, 0, &gc, sizeof(gc), &st);
	CHECK(rc == 0 && st == HVMLINK_OK && gc.caps == gc.or_mask,
	      "SET_GUEST_CAPS: %d/%d caps 0x%x", rc, st, gc.caps);

	sg_header(&fa, sizeof(fa), HVMLINK_REQ_REPORT_FACILITY);
	fa.facility = HVMLINK_FACILITY_DRIVER;
	fa.status = HVMLINK_FACILITY_ACTIVE;
	rc = sg_request(&c->g, 0, &fa, sizeof(fa), &st);
	CHECK(rc == 0 && st == HVMLINK_OK, "REPORT_FACILITY: %d/%d", rc, st);
	SAY("capabilities: display, kv; driver facility active");
#undef SAY
	return 0;
}

/* "WxH" or "WxH@B". */
static int parse_expect(const char *s, uint32_t *w, uint32_t *h, uint32_t *bpp)
{
	unsigned int a, b, d = 0;
	int n = sscanf(s, "%ux%u@%u", &a, &b, &d);

	if (n < 2)
		return -1;
	*w = a;
	*h = b;
	*bpp = n == 3 ? d : 0;
	return 0;
}

/*
 * One hint delivered end to end: the administrator's command, the
 * interrupt, acknowledge, fetch, compare, report, status in xenstore,
 * interrupt low again.
 */
static int hint_round(struct sgctx *c, const char *cmd, unsigned int display,
		      uint32_t w, uint32_t h, uint32_t bpp, uint64_t *seq_io)
{
	struct hvmlink_req_display_hint r;
	struct hvmlink_status_page sp;
	uint32_t events;
	char want[32];
	int rc;

	CHECK(irq_level(c) == 0, "interrupt already high before the hint");
	rc = host_run("%s", cmd);
	CHECK(rc == 0, "'%s' failed with status %d", cmd, rc);
	say("guest", "waiting for the interrupt");
	if (guest_wait_irq(c, 1))
		return -1;
	say("guest", "INTA# asserted");
	rc = sg_read_status(&c->g, &sp);
	CHECK(rc == 0 && sp.have_events == 1 &&
	      (sp.pending_events & HVMLINK_EVENT_DISPLAY_CHANGE),
	      "status page: have_events %u pending 0x%x", sp.have_events,
	      sp.pending_events);
	if (guest_ack(c, 0, &events))
		return -1;
	CHECK(events & HVMLINK_EVENT_DISPLAY_CHANGE,
	      "acknowledged events 0x%x lack DISPLAY_CHANGE", events);
	CHECK(irq_level(c) == 0, "INTA# still high after the acknowledge");
	say("guest", "acknowledged events 0x%x; INTA# deasserted", events);

	rc = guest_get_hint(c, display, &r);
	CHECK(rc == HVMLINK_OK, "GET_DISPLAY_HINT rc %d", rc);
	say("guest", "display %u hint: %ux%u bpp %u at %d,%d, %s, seq %llu",
	    display, r.mode.width, r.mode.height, r.mode.bpp, r.mode.x,
	    r.mode.y, r.mode.enabled ? "enabled" : "off",
	    (unsigned long long)r.seq);
	CHECK(r.mode.enabled && r.mode.width == w && r.mode.height == h &&
	      r.mode.bpp == bpp, "hint %ux%u@%u, wanted %ux%u@%u",
	      r.mode.width, r.mode.height, r.mode.bpp, w, h, bpp);
	CHECK(r.seq > *seq_io, "hint seq %llu did not grow past %llu",
	      (unsigned long long)r.seq, (unsigned long long)*seq_io);
	*seq_io = r.seq;
	say("check", "hint values match what the administrator asked for");

	if (guest_report(c, display, r.seq, &r.mode, HVMLINK_OK, NULL))
		return -1;
	say("guest", "mode applied; reported it (seq %llu)",
	    (unsigned long long)r.seq);
	snprintf(want, sizeof(want), "guest/display/%u/status", display);
	if (xs_wait(c, want, "applied"))
		return -1;
	snprintf(want, sizeof(want), "%llu", (unsigned long long)r.seq);
	{
		char rel[32];

		snprintf(rel, sizeof(rel), "guest/display/%u/seq", display);
		if (xs_wait(c, rel, want))
			return -1;
	}
	say("check", "xenstore shows display %u applied (seq %s)", display,
	    want);
	CHECK(irq_level(c) == 0, "INTA# high again with nothing pending");
	return 0;
}

int scenario_demo(struct sgctx *c)
{
	char cmd[512];
	uint32_t w, h, bpp;
	uint64_t seq = 0;

	CHECK(parse_expect(c->expect, &w, &h, &bpp) == 0,
	      "--expect '%s': want WxH[@B]", c->expect);
	if (guest_boot(c, false))
		return -1;
	if (!c->hint_cmd) {
		snprintf(cmd, sizeof(cmd), "hvmlinkctl hint %u display %s",
			 c->g.domid, c->expect);
		c->hint_cmd = cmd;
	}
	if (hint_round(c, c->hint_cmd, 0, w, h, bpp, &seq))
		return -1;
	if (c->status_cmd)
		CHECK(host_run("%s", c->status_cmd) == 0, "'%s' failed",
		      c->status_cmd);
	return 0;
}

/*
 * Switch the function to MSI as a guest kernel does (find the MSI
 * capability in the list, program address and data, set Enable) and check
 * that the next hint arrives as exactly that message, with INTA# quiet.
 */
int guest_msi_enable(struct sgctx *c, uint64_t addr, uint32_t data,
		     uint32_t *cap)
{
	uint32_t ptr, id = 0, flags;
	int rc, guard = 0;

	rc = sg_cfg_read(&c->g, c->g.slot, 0x34, 1, &ptr);
	CHECK(rc == 0, "capability pointer: %s", strerror(-rc));
	while (ptr && guard++ < 48) {
		rc = sg_cfg_read(&c->g, c->g.slot, ptr, 2, &id);
		CHECK(rc == 0, "capability read: %s", strerror(-rc));
		if ((id & 0xff) == 0x05)
			break;
		ptr = id >> 8;
	}
	CHECK(ptr && (id & 0xff) == 0x05, "no MSI capability in the list");
	rc = sg_cfg_read(&c->g, c->g.slot, ptr + 2, 2, &flags);
	CHECK(rc == 0 && (flags & 0x80), "MSI capability is not 64-bit (0x%x)",
	      flags);
	if ((rc = sg_cfg_write(&c->g, c->g.slot, ptr + 4, 4, (uint32_t)addr)) ||
	    (rc = sg_cfg_write(&c->g, c->g.slot, ptr + 8, 4, (uint32_t)(addr >> 32))) ||
	    (rc = sg_cfg_write(&c->g, c->g.slot, ptr + 12, 2, data)) ||
	    (rc = sg_cfg_write(&c->g, c->g.slot, ptr + 2, 2, flags | 1)))
		return fail("programming MSI: %s", strerror(-rc));
	say("guest", "MSI enabled at cap 0x%x: address 0x%llx data 0x%x", ptr,
	    (unsigned long long)addr, data);
	*cap = ptr;
	return 0;
}

static int msi_round(struct sgctx *c, const char *ctl)
{
	const uint64_t addr = 0xfee00000ull;
	const uint32_t data = 0x4041;
	uint32_t ptr, flags, events, got_data;
	uint64_t got_addr;
	int rc;

	if (guest_msi_enable(c, addr, data, &ptr))
		return -1;
	rc = sg_cfg_read(&c->g, c->g.slot, ptr + 2, 2, &flags);
	CHECK(rc == 0, "MSI flags: %s", strerror(-rc));

	CHECK(host_run("'%s' hint %u display 1280x720", ctl, c->g.domid) == 0,
	      "hvmlinkctl hint failed");
	rc = xensim_msi_next(c->g.sim, c->g.domid, &got_addr, &got_data, -1);
	CHECK(rc == 0, "no MSI after the hint: %s", strerror(-rc));
	CHECK(got_addr == addr && got_data == data,
	      "MSI 0x%llx/0x%x, wanted 0x%llx/0x%x",
	      (unsigned long long)got_addr, got_data,
	      (unsigned long long)addr, data);
	CHECK(irq_level(c) == 0, "INTA# asserted while MSI is enabled");
	say("guest", "MSI received (address 0x%llx data 0x%x), INTA# quiet",
	    (unsigned long long)got_addr, got_data);
	if (guest_ack(c, 0, &events))
		return -1;
	CHECK(events & HVMLINK_EVENT_DISPLAY_CHANGE, "events 0x%x", events);
	rc = sg_cfg_write(&c->g, c->g.slot, ptr + 2, 2, flags & ~1u);
	CHECK(rc == 0, "disabling MSI: %s", strerror(-rc));
	say("check", "display hint delivered by MSI");
	return 0;
}

int scenario_hint(struct sgctx *c)
{
	const char *ctl = getenv("HVMLINKCTL");
	char cmd[512];
	uint64_t seq = 0;

	if (guest_boot(c, true))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "xenstore-write %s/hints/display/0 1024x768",
		 c->vm_root);
	if (hint_round(c, cmd, 0, 1024, 768, 0, &seq))
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' hint %u display 1920x1080@32",
		 ctl ? ctl : "hvmlinkctl", c->g.domid);
	if (hint_round(c, cmd, 0, 1920, 1080, 32, &seq))
		return -1;
	/* By name, as an administrator would, on the second display. */
	snprintf(cmd, sizeof(cmd), "'%s' hint sim-guest-%u display 1 800x600",
		 ctl ? ctl : "hvmlinkctl", c->g.domid);
	{
		uint64_t seq1 = 0;

		if (hint_round(c, cmd, 1, 800, 600, 0, &seq1))
			return -1;
	}
	return msi_round(c, ctl ? ctl : "hvmlinkctl");
}

/* A refused hint: error node, nothing for the guest, old hint kept. */
static int bad_display(struct sgctx *c, const char *value, uint64_t seq)
{
	struct hvmlink_req_display_hint r;
	char v[256];

	CHECK(host_run("xenstore-write -- %s/hints/display/0 '%s'",
		       c->vm_root, value) == 0, "xenstore-write failed");
	if (xs_wait(c, "errors/display/0", NULL))
		return -1;
	xs_node(c, "errors/display/0", v, sizeof(v));
	say("check", "error node: \"%s\"", v);
	CHECK(irq_level(c) == 0, "bad hint '%s' raised the interrupt", value);
	CHECK(guest_get_hint(c, 0, &r) == HVMLINK_OK, "GET_DISPLAY_HINT failed");
	CHECK(r.seq == seq && r.mode.width == 1024 && r.mode.height == 768,
	      "bad hint '%s' changed the guest's hint (seq %llu %ux%u)", value,
	      (unsigned long long)r.seq, r.mode.width, r.mode.height);
	say("check", "guest sees nothing new: no interrupt, hint still 1024x768 seq %llu",
	    (unsigned long long)seq);
	return 0;
}

int scenario_bad_hint(struct sgctx *c)
{
	static const char *const bad[] = {
		"1920x", "0x1080", "16385x100", "1920x1080@12", "banana",
		"1920x1080+1+", "-5x10",
	};
	struct hvmlink_req_display_hint r;
	uint64_t seq = 0;
	char cmd[256], v[64];

	if (guest_boot(c, true))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "xenstore-write %s/hints/display/0 1024x768",
		 c->vm_root);
	if (hint_round(c, cmd, 0, 1024, 768, 0, &seq))
		return -1;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bad_display(c, bad[i], seq))
			return -1;
	/* A display the daemon was not started with. */
	CHECK(host_run("xenstore-write %s/hints/display/7 800x600",
		       c->vm_root) == 0, "xenstore-write failed");
	if (xs_wait(c, "errors/display/7", NULL))
		return -1;
	CHECK(irq_level(c) == 0, "hint for display 7 raised the interrupt");
	say("check", "hint for a display that does not exist refused");
	/* hvmlinkctl refuses bad input before writing anything. */
	CHECK(host_run("%s hint %u display 1920x >/dev/null 2>&1",
		       getenv("HVMLINKCTL") ? getenv("HVMLINKCTL") : "hvmlinkctl",
		       c->g.domid) != 0, "hvmlinkctl accepted 1920x");
	say("check", "hvmlinkctl refuses a bad mode");
	/* A good hint clears the error and reaches the guest. */
	snprintf(cmd, sizeof(cmd),
		 "xenstore-write %s/hints/display/0 640x480",
		 c->vm_root);
	if (hint_round(c, cmd, 0, 640, 480, 0, &seq))
		return -1;
	CHECK(xs_node(c, "errors/display/0", v, sizeof(v)) < 0,
	      "error node still there after a good hint: '%s'", v);
	say("check", "a good hint cleared the error node");
	CHECK(guest_get_hint(c, 0, &r) == HVMLINK_OK && r.seq == seq,
	      "seq moved");
	return 0;
}

int guest_get_kv(struct sgctx *c, const char *key,
			struct hvmlink_req_get_kv *r, int32_t *st)
{
	int rc;

	sg_header(r, sizeof(*r), HVMLINK_REQ_GET_KV);
	snprintf(r->key, sizeof(r->key), "%s", key);
	rc = sg_request(&c->g, 0, r, sizeof(*r), st);
	CHECK(rc == 0, "GET_KV: %s", strerror(-rc));
	return 0;
}

/* The administrator's command raises KV_CHANGE; acknowledge it. */
static int kv_event(struct sgctx *c, const char *cmd)
{
	uint32_t events;

	CHECK(host_run("%s", cmd) == 0, "'%s' failed", cmd);
	if (guest_wait_irq(c, 1) || guest_ack(c, 0, &events))
		return -1;
	CHECK(events & HVMLINK_EVENT_KV_CHANGE, "events 0x%x lack KV_CHANGE",
	      events);
	CHECK(irq_level(c) == 0, "INTA# still high after the acknowledge");
	say("guest", "KV_CHANGE received and acknowledged");
	return 0;
}

int scenario_kv(struct sgctx *c)
{
	const char *ctl = getenv("HVMLINKCTL") ? getenv("HVMLINKCTL") : "hvmlinkctl";
	struct hvmlink_req_get_kv *r;
	char cmd[2600], big[HVMLINK_KV_VALUE_MAX + 2];
	uint64_t gen;
	int32_t st;
	int ret = -1;

	r = calloc(1, sizeof(*r));
	CHECK(r, "out of memory");
	if (guest_boot(c, true))
		goto out;
	snprintf(cmd, sizeof(cmd),
		 "xenstore-write %s/hints/kv/motd 'hello guest'",
		 c->vm_root);
	if (kv_event(c, cmd) || guest_get_kv(c, "motd", r, &st))
		goto out;
	if (st != HVMLINK_OK || r->value_len != 11 ||
	    memcmp(r->value, "hello guest", 11) != 0) {
		fail("GET_KV motd: rc %d len %u", st, r->value_len);
		goto out;
	}
	gen = r->generation;
	say("check", "GET_KV motd = \"hello guest\" (generation %llu)",
	    (unsigned long long)gen);

	snprintf(cmd, sizeof(cmd), "'%s' hint %u key color blue", ctl,
		 c->g.domid);
	if (kv_event(c, cmd) || guest_get_kv(c, "color", r, &st))
		goto out;
	if (st != HVMLINK_OK || r->value_len != 4 ||
	    memcmp(r->value, "blue", 4) != 0 || r->generation <= gen) {
		fail("GET_KV color: rc %d len %u gen %llu", st, r->value_len,
		     (unsigned long long)r->generation);
		goto out;
	}
	gen = r->generation;
	say("check", "hvmlinkctl key hint: GET_KV color = \"blue\"");

	/* Refused: a key with a character outside [A-Za-z0-9_.-] ... */
	if (host_run("xenstore-write %s/hints/kv/bad@key x",
		     c->vm_root) != 0 || xs_wait(c, "errors/kv/bad@key", NULL))
		goto out;
	/* ... and a value longer than HVMLINK_KV_VALUE_MAX. */
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	if (host_run("xenstore-write %s/hints/kv/big %s",
		     c->vm_root, big) != 0 || xs_wait(c, "errors/kv/big", NULL))
		goto out;
	if (irq_level(c) != 0) {
		fail("a refused key/value hint raised the interrupt");
		goto out;
	}
	if (guest_get_kv(c, "big", r, &st))
		goto out;
	if (st != HVMLINK_ERR_NOT_FOUND) {
		fail("GET_KV of a refused key: rc %d, wanted NOT_FOUND", st);
		goto out;
	}
	if (guest_get_kv(c, "color", r, &st))
		goto out;
	if (r->generation != gen) {
		fail("refused hints moved the generation");
		goto out;
	}
	say("check", "bad key and oversized value refused with error nodes; the guest sees nothing new");

	snprintf(cmd, sizeof(cmd), "'%s' hint %u key color --delete", ctl,
		 c->g.domid);
	if (kv_event(c, cmd) || guest_get_kv(c, "color", r, &st))
		goto out;
	if (st != HVMLINK_ERR_NOT_FOUND) {
		fail("GET_KV after delete: rc %d", st);
		goto out;
	}
	say("check", "deleted key: GET_KV color = NOT_FOUND");
	ret = 0;
out:
	free(r);
	return ret;
}
