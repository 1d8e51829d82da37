/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: the VM outlives its domains.  After a reboot (a new domain
 * id for the same VM) the administrator's hints apply again; after a
 * save and restore (--incoming) the guest's device comes back with its
 * BARs, MSI, event filter and reported state, and is told RESTORED;
 * during a same-host migration the arriving domain owns the VM's state.
 */
#include "tests/integration/sim-guest.h"

#include <signal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/statefile.h"

#define MSI_ADDR	0xfee00000ull
#define MSI_DATA	0x4041u

/* The domain goes (destroyed or saved: the same for the device model),
 * and its daemon with it. */
static int domain_goes(struct sgctx *c)
{
	if (domain_destroy(c) || daemon_wait(c))
		return -1;
	CHECK(c->daemon_status == 0, "hvmlinkd exited %d when its domain went",
	      c->daemon_status);
	say("check", "domain %u gone, its hvmlinkd stopped (status 0)", c->g.domid);
	return 0;
}

static int state_names(struct sgctx *c, const char *what)
{
	char v[64];

	CHECK(xs_node(c, "vm", v, sizeof(v)) == 0 && strcmp(v, c->uuid) == 0,
	      "%s: %s/vm is '%s', wanted %s", what, "the domain's root", v,
	      c->uuid);
	return 0;
}

/*
 * delivered/ nodes are written after the hint, one per daemon loop
 * iteration, from a queue (src/daemon/delivered.c).  A burst of 60 keys,
 * each written twice, gives every key its node; after the reboot the new
 * daemon delivers all of them at once at start-up (the queue holds 60+),
 * and again every key gets its node; removing them withdraws every node.
 */
#define BURST_KEYS "$(seq 10 69)"

/* Wait (up to 10 s) until want of the keys b10..b69 have a delivered/kv
 * node in the current domain's root; n gets the last count. */
static int burst_wait(struct sgctx *c, int want, char *n, size_t len)
{
	for (int i = 0; i < 500; i++) {
		/* grep -c prints 0 (and exits 1) when there are none. */
		host_capture(n, len,
			     "xenstore-list /local/domain/0/hvmlink/%u/delivered/kv 2>/dev/null | grep -c '^b[0-9]'",
			     c->g.domid);
		if (atoi(n) == want)
			return 0;
		usleep(20000);
	}
	return -1;
}

static int burst_write(struct sgctx *c)
{
	char n[32];

	CHECK(host_run("p=%s/hints/kv; set --; for i in " BURST_KEYS "; do set -- \"$@\" $p/b$i one $p/b$i two; done; xenstore-write \"$@\"",
		       c->vm_root) == 0, "burst of 120 kv writes");
	CHECK(burst_wait(c, 60, n, sizeof(n)) == 0,
	      "delivered/kv has %s of the 60 burst keys", n);
	say("check", "a burst of 60 keys (120 writes): 60 delivered nodes");
	return 0;
}

static int burst_remove(struct sgctx *c)
{
	char n[32];

	CHECK(burst_wait(c, 60, n, sizeof(n)) == 0,
	      "after the reboot delivered/kv has %s of the 60 burst keys", n);
	CHECK(host_run("p=%s/hints/kv; for i in " BURST_KEYS "; do xenstore-rm $p/b$i || exit 1; done",
		       c->vm_root) == 0, "removing the burst keys");
	CHECK(burst_wait(c, 0, n, sizeof(n)) == 0,
	      "%s delivered/kv/b* nodes left after removing the keys", n);
	say("check", "after the reboot all 60 burst keys delivered at start-up; all withdrawn when removed");
	return 0;
}

int scenario_reboot(struct sgctx *c)
{
	struct hvmlink_req_display_hint r;
	struct hvmlink_req_get_kv kv;
	char cmd[256];
	uint32_t ev;
	int32_t st;

	if (guest_boot(c, true))
		return -1;
	/* The administrator names the VM, as they would. */
	CHECK(host_run("hvmlinkctl hint %s display 800x600", c->name) == 0 &&
	      host_run("hvmlinkctl hint %s key motd 'hello again'", c->name) == 0,
	      "hvmlinkctl hint");
	if (guest_wait_irq(c, 1) || guest_ack(c, 0, &ev))
		return -1;
	say("guest", "hints arrived (events 0x%x)", ev);
	if (burst_write(c))
		return -1;

	/* xl reboot: the domain is destroyed and the VM built again with a
	 * new domain id, same UUID and name. */
	if (domain_goes(c) || toolstack_create(c, (uint16_t)(c->g.domid + 1),
					       c->g.nr_vcpus))
		return -1;
	if (daemon_start_for(c, NULL) || state_names(c, "after the reboot"))
		return -1;
	/* A fresh device: the rebooted guest's driver sets it up again and
	 * finds the hints waiting. */
	if (guest_boot(c, true) || guest_wait_irq(c, 1) || guest_ack(c, 0, &ev))
		return -1;
	CHECK((ev & HVMLINK_EVENT_DISPLAY_CHANGE) && (ev & HVMLINK_EVENT_KV_CHANGE),
	      "events after the reboot 0x%x", ev);
	CHECK(guest_get_hint(c, 0, &r) == HVMLINK_OK && r.mode.width == 800 &&
	      r.mode.height == 600, "display hint %ux%u", r.mode.width,
	      r.mode.height);
	if (guest_get_kv(c, "motd", &kv, &st))
		return -1;
	CHECK(st == HVMLINK_OK && kv.value_len == 11 &&
	      memcmp(kv.value, "hello again", 11) == 0,
	      "motd after the reboot: status %d '%.*s'", st,
	      (int)(kv.value_len < 64 ? kv.value_len : 64), kv.value);
	say("check", "domain %u (the same VM): the display and key hints apply again",
	    c->g.domid);
	/* And new hints by name reach the new domain. */
	snprintf(cmd, sizeof(cmd), "hvmlinkctl hint %s display 640x480", c->name);
	CHECK(host_run("%s", cmd) == 0, "hvmlinkctl hint");
	/* The daemon may still be delivering the burst's keys it found at
	 * start-up: their KV_CHANGE interrupts come too.  A driver acts on
	 * the events it is given, so the guest waits for DISPLAY_CHANGE. */
	for (int i = 0;; i++) {
		if (guest_wait_irq(c, 1) || guest_ack(c, 0, &ev))
			return -1;
		if (ev & HVMLINK_EVENT_DISPLAY_CHANGE)
			break;
		CHECK(i < 200, "no DISPLAY_CHANGE after the hint (last events 0x%x)",
		      ev);
	}
	CHECK(guest_get_hint(c, 0, &r) == HVMLINK_OK && r.mode.width == 640,
	      "display hint %ux%u", r.mode.width, r.mode.height);
	say("check", "a new hint by the VM's name reaches domain %u", c->g.domid);

	/* What was delivered is published (hvmlinkctl watch reads it). */
	snprintf(cmd, sizeof(cmd), "%llu", (unsigned long long)r.seq);
	CHECK(xs_wait(c, "delivered/display/0", cmd) == 0,
	      "delivered/display/0 is not the guest's seq %s", cmd);
	CHECK(xs_wait(c, "delivered/kv/motd", NULL) == 0, "delivered/kv/motd");
	CHECK(host_run("hvmlinkctl hint --clear %s key motd", c->name) == 0,
	      "hint --clear");
	for (int i = 0; i < 200 && xs_node(c, "delivered/kv/motd", cmd,
					    sizeof(cmd)) == 0; i++)
		usleep(20000);
	CHECK(xs_node(c, "delivered/kv/motd", cmd, sizeof(cmd)) < 0,
	      "delivered/kv/motd left after the key was cleared");
	say("check", "delivered/display/0 = %llu (the guest's seq); a cleared key's delivered node goes",
	    (unsigned long long)r.seq);
	return burst_remove(c);
}

int scenario_incoming(struct sgctx *c)
{
	const uint32_t filter = HVMLINK_EVENT_DISPLAY_CHANGE |
				HVMLINK_EVENT_KV_CHANGE | HVMLINK_EVENT_RESTORED;
	struct hvmlink_status_page sp;
	uint32_t cap, mask, ev, data, v;
	uint64_t addr;
	char name[64], path[512];
	int rc;

	if (guest_boot(c, true) ||
	    guest_set_filter(c, HVMLINK_EVENT_RESTORED, 0, &mask) ||
	    guest_msi_enable(c, MSI_ADDR, MSI_DATA, &cap))
		return -1;
	CHECK(mask == filter, "filter 0x%x", mask);
	CHECK(xs_wait(c, "guest/name", NULL) == 0, "guest info not published");
	CHECK(xs_node(c, "guest/name", name, sizeof(name)) == 0, "guest/name");

	/* xl save: the domain is suspended, its memory written out, and
	 * destroyed; then xl restore builds a new domain for the VM and starts
	 * the device model with -incoming (the wrapper: hvmlinkd --incoming). */
	say("host", "xl save, then xl restore");
	if (domain_goes(c) || toolstack_create(c, (uint16_t)(c->g.domid + 2),
					       c->g.nr_vcpus))
		return -1;
	if (daemon_start_for(c, "--incoming") || state_names(c, "after the restore"))
		return -1;

	/* The guest goes on where it was: no PCI set-up, no filter. */
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &v);
	CHECK(rc == 0 && v == HVMLINK_PROTOCOL_VERSION,
	      "BAR0 after the restore: rc %d 0x%x", rc, v);
	rc = sg_read_status(&c->g, &sp);
	CHECK(rc == 0 && sp.filter_mask == filter &&
	      (sp.pending_events & HVMLINK_EVENT_RESTORED),
	      "status page after the restore: rc %d filter 0x%x pending 0x%x", rc,
	      sp.filter_mask, sp.pending_events);
	rc = xensim_msi_next(c->g.sim, c->g.domid, &addr, &data, -1);
	CHECK(rc == 0 && addr == MSI_ADDR && data == MSI_DATA,
	      "RESTORED by MSI: rc %d 0x%llx/0x%x", rc, (unsigned long long)addr,
	      data);
	if (guest_ack(c, 0, &ev))
		return -1;
	CHECK(ev & HVMLINK_EVENT_RESTORED, "events 0x%x", ev);
	say("check", "restored: BARs, MSI and filter as the guest left them; RESTORED by MSI");
	CHECK(xs_wait(c, "guest/name", name) == 0,
	      "the guest's reported state is not published again");
	say("check", "the guest's reported state is published for domain %u", c->g.domid);
	CHECK(host_run("hvmlinkctl hint %s display 1024x768", c->name) == 0,
	      "hvmlinkctl hint");
	rc = xensim_msi_next(c->g.sim, c->g.domid, &addr, &data, -1);
	CHECK(rc == 0, "no MSI for the hint: %s", strerror(-rc));
	if (guest_ack(c, 0, &ev))
		return -1;
	CHECK(ev & HVMLINK_EVENT_DISPLAY_CHANGE, "events 0x%x", ev);
	say("check", "a hint after the restore arrives");

	/* Restored where no state was saved (another host): a fresh
	 * device, and RESTORED all the same. */
	if (domain_goes(c))
		return -1;
	snprintf(path, sizeof(path), "%s/vm/%s.state", getenv("E2E_STATE_DIR"),
		 c->uuid);
	CHECK(unlink(path) == 0, "unlink %s", path);
	if (toolstack_create(c, (uint16_t)(c->g.domid + 1), c->g.nr_vcpus) ||
	    daemon_start_for(c, "--incoming"))
		return -1;
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &v);
	CHECK(rc == 0 && v == 0xffffffff, "BAR0 of a fresh device: 0x%x", v);
	if (guest_boot(c, true))
		return -1;
	rc = sg_read_status(&c->g, &sp);
	CHECK(rc == 0 && (sp.pending_events & HVMLINK_EVENT_RESTORED),
	      "fresh restored device: pending 0x%x", sp.pending_events);
	say("check", "restored without saved state: fresh device, RESTORED pending");
	return 0;
}

/* The domain the VM's record names, or -1. */
static int record_domid(struct sgctx *c)
{
	struct statefile_rec rec;
	struct statefile *sf;
	int domid = -1;

	if (statefile_open(getenv("E2E_STATE_DIR"), c->uuid, 0, 0, &sf))
		return -1;
	if (statefile_read(sf, &rec) == 0) {
		domid = rec.domid;
		statefile_rec_free(&rec);
	}
	statefile_close(sf);
	return domid;
}

/*
 * A migration on the same host: for a while the VM has two domains, each
 * with its daemon.  The arriving one loads the leaving one's state and
 * owns the VM's record from then on; the leaving one's writes are
 * refused, also after its daemon crashed and restarted, and its exit
 * leaves the record alone.
 */
int scenario_migrate(struct sgctx *c)
{
	struct sg leaving;
	pid_t old_daemon;
	uint32_t mask, v;
	int rc, st;

	if (guest_boot(c, true))
		return -1;
	leaving = c->g;
	old_daemon = c->daemon;
	say("host", "xl migrate to this host: the receiving side builds domain %u for the VM",
	    c->g.domid + 1);
	if (toolstack_create(c, (uint16_t)(leaving.domid + 1), leaving.nr_vcpus) ||
	    daemon_start_for(c, "--incoming"))
		return -1;
	rc = sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &v);
	CHECK(rc == 0 && v == HVMLINK_PROTOCOL_VERSION,
	      "arrived domain's BAR0: rc %d 0x%x", rc, v);
	CHECK(record_domid(c) == c->g.domid, "record names domain %d",
	      record_domid(c));
	say("check", "domain %u arrived with the device state; it owns the VM's record",
	    c->g.domid);

	/* The leaving guest still changes something: not written. */
	{
		struct sg arrived = c->g;
		pid_t arrived_daemon = c->daemon;

		select_domain(c, &leaving);
		c->daemon = old_daemon;
		if (guest_set_filter(c, HVMLINK_EVENT_HEARTBEAT_REQUEST, 0, &mask))
			return -1;
		CHECK(record_domid(c) == arrived.domid,
		      "the leaving domain's daemon overwrote the record (%d)",
		      record_domid(c));
		say("check", "the leaving domain's change is not written over the arrived domain's record");

		/* Its daemon crashes and restarts: it must not take over. */
		CHECK(kill(old_daemon, SIGKILL) == 0, "kill");
		CHECK(xensim_wait_child(old_daemon, -1, &st) == 0, "wait");
		xensim_forget_process(c->g.sim, old_daemon);
		if (daemon_start_for(c, NULL))
			return -1;
		CHECK(record_domid(c) == arrived.domid,
		      "the leaving domain's restarted daemon took the record (%d)",
		      record_domid(c));
		say("check", "a restarted daemon of the leaving domain leaves the record alone");
		/* The leaving domain goes; its daemon's exit writes nothing. */
		if (domain_destroy(c) || daemon_wait(c))
			return -1;
		CHECK(c->daemon_status == 0, "status %d", c->daemon_status);
		CHECK(record_domid(c) == arrived.domid, "record names %d",
		      record_domid(c));
		select_domain(c, &arrived);
		c->daemon = arrived_daemon;
		c->domain_alive = true;
	}
	if (guest_set_filter(c, HVMLINK_EVENT_HEARTBEAT_REQUEST, 0, &mask))
		return -1;
	CHECK(record_domid(c) == c->g.domid, "record names %d", record_domid(c));
	say("check", "the arrived domain %u keeps saving the VM's state", c->g.domid);
	return 0;
}
