/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: the daemon's restarts.  One daemon per domain (a second is
 * refused with status 3 and touches nothing); a daemon killed while vCPUs
 * wait is replaced by one that re-attaches and answers them; a daemon
 * stopped and started again brings the device state back; a record from
 * another boot, or a damaged one, gives a fresh device.
 */
#include "tests/integration/sim-guest.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/pidlock.h"
#include "daemon/statefile.h"

/* Append s to buf in single quotes, for sh -c. */
static size_t shell_quote(char *buf, size_t len, size_t o, const char *s)
{
	if (o < len)
		buf[o++] = '\'';
	for (; *s && o + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = *s;
		}
	}
	if (o + 2 < len) {
		buf[o++] = '\'';
		buf[o++] = ' ';
	}
	buf[o < len ? o : len - 1] = '\0';
	return o;
}

/*
 * The daemon's command line (as the scenario was given it) for sh -c,
 * under the stand-in, minus --foreground when detach, plus extra.
 */
static void daemon_command(struct sgctx *c, char *buf, size_t len,
			   bool detach, const char *extra)
{
	const char *run = getenv("XENSIM_RUN");
	size_t o = 0;

	o = shell_quote(buf, len, o, run ? run : "xensim-run");
	for (int i = 0; c->daemon_argv[i]; i++) {
		if (detach && strcmp(c->daemon_argv[i], "--foreground") == 0)
			continue;
		o = shell_quote(buf, len, o, c->daemon_argv[i]);
	}
	if (detach)
		o = shell_quote(buf, len, o, "--log-target=stderr");
	snprintf(buf + o, len - o, "%s 2>&1", extra ? extra : "");
}

/* Run cmd, keep the line of its output that contains key; its status. */
static int run_find(const char *cmd, const char *key, char *line, size_t len)
{
	char buf[1024];
	FILE *f;
	int st;

	line[0] = '\0';
	say("host", "$ %s", cmd);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		fputs(buf, stdout);	/* into the test's log */
		if (!line[0] && strstr(buf, key)) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(line, len, "%s", buf);
		}
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int bar0_alive(struct sgctx *c);

static const char *lock_path(struct sgctx *c, char *buf, size_t len)
{
	const char *dir = getenv("E2E_RUN_DIR");

	snprintf(buf, len, "%s/%u.pid", dir ? dir : ".", c->g.domid);
	return buf;
}

/* What the first daemon has, that a refused second one must not touch. */
struct snapshot {
	char state[32], pid[32];
	pid_t lock_holder;
	int lock_held;
	int servers;
	unsigned int open_handles, restrict_calls;
};

static int take_snapshot(struct sgctx *c, struct snapshot *s)
{
	struct xensim_server_info info[8];
	struct xensim_stats st;
	char path[512];

	memset(s, 0, sizeof(*s));
	if (xs_node(c, "state", s->state, sizeof(s->state)) ||
	    xs_node(c, "pid", s->pid, sizeof(s->pid)))
		return fail("the first daemon's state is not in xenstore");
	s->lock_held = pidlock_probe(lock_path(c, path, sizeof(path)),
				     &s->lock_holder);
	s->servers = xensim_servers(c->g.sim, c->g.domid, info, 8);
	xensim_get_stats(c->g.sim, &st);
	s->open_handles = st.open_handles;
	s->restrict_calls = st.restrict_calls;
	return 0;
}

static int refused(struct sgctx *c, const struct snapshot *before,
		   bool detach, const char *extra, const char *what)
{
	char cmd[4096], line[1024], want[96];
	struct snapshot after;
	int st;

	say("host", "starting a second hvmlinkd for domain %u (%s)",
	    c->g.domid, what);
	daemon_command(c, cmd, sizeof(cmd), detach, extra);
	snprintf(want, sizeof(want),
		 "domain %u is already served by hvmlinkd (pid %d)",
		 c->g.domid, (int)c->daemon);
	st = run_find(cmd, "already served", line, sizeof(line));
	CHECK(st == 3, "second hvmlinkd exited %d, wanted 3", st);
	CHECK(strstr(line, want), "its message was '%s', wanted '%s'", line,
	      want);
	say("check", "refused with status 3: %s", line);
	if (take_snapshot(c, &after))
		return -1;
	CHECK(strcmp(after.state, before->state) == 0 &&
	      strcmp(after.pid, before->pid) == 0,
	      "xenstore state/pid changed: %s/%s -> %s/%s", before->state,
	      before->pid, after.state, after.pid);
	CHECK(after.lock_held == 1 && after.lock_holder == c->daemon,
	      "lock file: held %d by %d, wanted held by %d", after.lock_held,
	      (int)after.lock_holder, (int)c->daemon);
	CHECK(after.servers == before->servers,
	      "ioreq servers: %d before, %d after", before->servers,
	      after.servers);
	CHECK(after.open_handles == before->open_handles &&
	      after.restrict_calls == before->restrict_calls,
	      "the refused daemon opened Xen handles (%u -> %u open, %u -> %u restricts)",
	      before->open_handles, after.open_handles,
	      before->restrict_calls, after.restrict_calls);
	say("check", "first daemon untouched: state %s, pid %s, lock held by it, %d ioreq server(s), no Xen handle opened",
	    after.state, after.pid, after.servers);
	return 0;
}

int scenario_second_daemon(struct sgctx *c)
{
	struct snapshot before;
	char path[512], extra[600];
	uint32_t ev;

	if (guest_boot(c, true) || take_snapshot(c, &before))
		return -1;
	lock_path(c, path, sizeof(path));
	CHECK(before.lock_held == 1 && before.lock_holder == c->daemon,
	      "%s: held %d by %d, wanted held by the daemon %d",
	      path, before.lock_held,
	      (int)before.lock_holder, (int)c->daemon);
	say("check", "%s is locked by the daemon (pid %d)", path,
	    (int)c->daemon);

	if (refused(c, &before, false, NULL, "foreground") ||
	    refused(c, &before, true, NULL, "detaching") )
		return -1;
	snprintf(extra, sizeof(extra), " --pid-file=%s/other.pid",
		 getenv("E2E_RUN_DIR") ? getenv("E2E_RUN_DIR") : "/tmp");
	if (refused(c, &before, false, extra, "with another --pid-file"))
		return -1;
	CHECK(access(extra + strlen(" --pid-file="), F_OK) != 0,
	      "the refused daemon left %s behind", extra + 12);

	/* The first daemon still serves the guest. */
	CHECK(host_run("xenstore-write %s/hints/display/0 1024x768",
		       c->vm_root) == 0, "xenstore-write");
	if (guest_wait_irq(c, 1) || guest_ack(c, 0, &ev))
		return -1;
	CHECK(ev & HVMLINK_EVENT_DISPLAY_CHANGE, "events 0x%x", ev);
	say("check", "the first daemon still serves the guest");

	/*
	 * Someone removes the daemon's xenstore directory while it runs:
	 * it publishes itself again, so nothing (hvmlinkctl status, the
	 * wrapper, a second daemon's operator) takes a live daemon for gone.
	 */
	{
		char pid[16], v[64];

		CHECK(host_run("xenstore-rm /local/domain/0/hvmlink/%u",
			       c->g.domid) == 0, "xenstore-rm");
		snprintf(pid, sizeof(pid), "%d", (int)c->daemon);
		if (xs_wait(c, "state", "ready") || xs_wait(c, "pid", pid) ||
		    xs_wait(c, "vm", c->uuid) || xs_wait(c, "displays", NULL))
			return -1;
		CHECK(xs_node(c, "displays", v, sizeof(v)) == 0 &&
		      atoi(v) >= 1, "displays '%s'", v);
		say("check", "its xenstore directory removed: the daemon published state, pid, vm and displays again");
	}
	return 0;
}

/* ---- crash-restart ---------------------------------------------------- */

/* A guest access made from a thread, so that it can wait across a daemon
 * crash. */
struct access {
	struct sgctx *c;
	unsigned int vcpu;
	bool request;		/* GET_HOST_VERSION, else a VERSION read */
	uint32_t val;
	struct hvmlink_req_host_version hv;
	int32_t st;
	int rc;
	int done;
	pthread_t th;
};

static void *access_thread(void *arg)
{
	struct access *a = arg;

	if (a->request) {
		sg_header(&a->hv, sizeof(a->hv), HVMLINK_REQ_GET_HOST_VERSION);
		a->rc = sg_request(&a->c->g, a->vcpu, &a->hv, sizeof(a->hv),
				   &a->st);
	} else {
		a->rc = sg_reg_read(&a->c->g, a->vcpu, HVMLINK_REG_VERSION,
				    &a->val);
	}
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Is every thread of pid stopped ('T' in /proc/pid/task/TID/stat)? */
static bool all_threads_stopped(pid_t pid)
{
	char path[320], line[512];
	struct dirent *de;
	bool all = true;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return false;
	while (all && (de = readdir(d))) {
		char *p;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid,
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* the thread is gone */
		/* "TID (comm) S ...": the state follows the last ')'. */
		p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		all = p && (p[2] == 'T' || p[2] == 't');
		fclose(f);
	}
	closedir(d);
	return all;
}

/*
 * SIGSTOP the daemon and wait until it is stopped: kill() returns before
 * the signal has stopped every thread, and a device thread still running
 * for a moment could answer the access the test means to leave waiting.
 */
static int stop_daemon(pid_t pid)
{
	CHECK(kill(pid, SIGSTOP) == 0, "SIGSTOP %d: %s", (int)pid,
	      strerror(errno));
	for (int i = 0; i < 5000; i++) {
		if (all_threads_stopped(pid))
			return 0;
		usleep(1000);
	}
	return fail("hvmlinkd %d did not stop within 5 s of SIGSTOP", (int)pid);
}

static int wait_ioreqs(struct sgctx *c, unsigned long n)
{
	for (int waited = 0; waited < xensim_timeout_ms(); waited += 5) {
		struct xensim_stats st;

		xensim_get_stats(c->g.sim, &st);
		if (st.ioreqs >= n)
			return 0;
		usleep(5000);
	}
	return fail("the guest's ioreqs did not reach Xen");
}

static int status_filter(struct sgctx *c, uint32_t want)
{
	struct hvmlink_status_page sp;
	int rc = sg_read_status(&c->g, &sp);

	CHECK(rc == 0, "status page through BAR1: %s", strerror(-rc));
	CHECK(sp.filter_mask == want, "event filter 0x%x, wanted 0x%x",
	      sp.filter_mask, want);
	/* Every caller looks after a restart for the same domain, which is
	 * quiet (docs/daemon-state.md): only a domain that moved is told. */
	CHECK(!(sp.pending_events & HVMLINK_EVENT_RESTORED),
	      "RESTORED pending (0x%x) after a restart for the same domain",
	      sp.pending_events);
	return 0;
}

/*
 * Write a display hint and wait until the guest gets it.  Events are
 * delivered at least once across a restart (docs/daemon-state.md: the
 * pending bits are restored as they were), so an earlier hint may be
 * announced again first: the guest reads whatever
 * is announced until the new one is there.
 */
static int hint_arrives(struct sgctx *c, unsigned int w, unsigned int h)
{
	struct hvmlink_req_display_hint r;
	uint32_t ev;

	CHECK(host_run("xenstore-write %s/hints/display/0 %ux%u", c->vm_root,
		       w, h) == 0, "xenstore-write");
	for (int round = 0; round < 4; round++) {
		if (guest_wait_irq(c, 1) || guest_ack(c, 0, &ev))
			return -1;
		if (!(ev & HVMLINK_EVENT_DISPLAY_CHANGE))
			continue;
		CHECK(guest_get_hint(c, 0, &r) == HVMLINK_OK, "GET_DISPLAY_HINT");
		if (r.mode.width == w && r.mode.height == h) {
			say("check", "hint %ux%u reached the guest", w, h);
			return 0;
		}
		say("guest", "announced again: %ux%u", r.mode.width,
		    r.mode.height);
	}
	return fail("hint %ux%u never reached the guest", w, h);
}

/*
 * Crash again, and this time the server is gone before a new daemon comes
 * (destroyed by someone else): re-attach is impossible.  The new daemon
 * makes a new server with the saved device state and wakes the vCPUs: the
 * one that waited on the destroyed server goes on (Xen completes its read
 * with 0, the device's answer is lost) instead of hanging, and the next
 * access finds the device as it was, nothing re-programmed.
 */
static int crash_server_gone(struct sgctx *c, uint32_t filter)
{
	struct access a0 = { .c = c, .vcpu = 0 };
	struct xensim_server_info info[4];
	struct xensim_stats st;
	pid_t old = c->daemon;
	int n;

	n = xensim_servers(c->g.sim, c->g.domid, info, 4);
	CHECK(n == 1, "%d servers", n);
	if (stop_daemon(old))
		return -1;
	xensim_get_stats(c->g.sim, &st);
	CHECK(pthread_create(&a0.th, NULL, access_thread, &a0) == 0, "thread");
	if (wait_ioreqs(c, st.ioreqs + 1))
		return -1;
	CHECK(kill(old, SIGKILL) == 0, "SIGKILL");
	if (daemon_wait(c))
		return -1;
	xensim_forget_process(c->g.sim, old);
	CHECK(xensim_server_destroy(c->g.sim, c->g.domid, info[0].id) == 0,
	      "destroying the server");
	say("host", "hvmlinkd killed while vCPU 0 waits, then its ioreq server %u destroyed",
	    info[0].id);
	usleep(200000);
	CHECK(!__atomic_load_n(&a0.done, __ATOMIC_ACQUIRE),
	      "the vCPU went on after its server was destroyed (Xen does not wake it)");
	if (daemon_start_for(c, NULL))
		return -1;
	pthread_join(a0.th, NULL);
	CHECK(a0.rc == 0 && a0.val == 0,
	      "the blocked read: rc %d value 0x%x, wanted 0 (completed by Xen)",
	      a0.rc, a0.val);
	say("check", "the vCPU blocked on the destroyed server was woken (read completed by Xen with 0)");
	n = xensim_servers(c->g.sim, c->g.domid, info, 4);
	CHECK(n == 1 && info[0].enabled, "%d servers after the restart", n);
	if (bar0_alive(c) || status_filter(c, filter))
		return -1;
	say("check", "a new ioreq server with the saved state: BARs and filter as before");
	return 0;
}

/*
 * kill -9 while the guest's vCPUs wait: vCPU 0 in a register read whose
 * ioreq is still READY, vCPU 1 in a request the dying daemon had taken
 * (INPROCESS).  A new daemon re-attaches to the same ioreq server, serves
 * both with the right data, and the guest goes on without re-programming
 * anything.
 */
int scenario_crash_restart(struct sgctx *c)
{
	struct access a0 = { .c = c, .vcpu = 0 }, a1 = { .c = c, .vcpu = 1, .request = true };
	const uint32_t filter = HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE;
	struct xensim_server_info before[4], after[4];
	struct xensim_stats st;
	char path[512], v[64];
	pid_t old = c->daemon, holder;
	int n;

	if (guest_boot(c, true) || hint_arrives(c, 800, 600))
		return -1;
	n = xensim_servers(c->g.sim, c->g.domid, before, 4);
	CHECK(n == 1, "%d ioreq servers before the crash", n);

	say("host", "stopping hvmlinkd (pid %d), then the guest's vCPUs touch the device", (int)old);
	if (stop_daemon(old))
		return -1;
	xensim_get_stats(c->g.sim, &st);
	CHECK(pthread_create(&a0.th, NULL, access_thread, &a0) == 0 &&
	      pthread_create(&a1.th, NULL, access_thread, &a1) == 0, "threads");
	/* a1 first writes its request into RAM: two ioreqs in all. */
	if (wait_ioreqs(c, st.ioreqs + 2))
		return -1;
	CHECK(xensim_dm_take(c->g.sim, c->g.domid, 1) >= 0,
	      "vCPU 1's ioreq is not waiting");
	say("host", "vCPU 0 waits (READY), vCPU 1's request was being carried out (INPROCESS): kill -9");
	CHECK(kill(old, SIGKILL) == 0, "SIGKILL: %s", strerror(errno));
	if (daemon_wait(c))
		return -1;
	CHECK(c->daemon_status == 128 + SIGKILL, "status %d", c->daemon_status);
	xensim_forget_process(c->g.sim, old);

	/* What the dead daemon leaves: the lock file, not locked. */
	CHECK(pidlock_probe(lock_path(c, path, sizeof(path)), &holder) == 0 &&
	      holder == old, "lock file after the crash: holder %d", (int)holder);
	say("check", "%s names the dead pid %d and is not locked (stale)", path, (int)old);
	n = xensim_servers(c->g.sim, c->g.domid, after, 4);
	CHECK(n == 1 && after[0].id == before[0].id && after[0].enabled,
	      "ioreq server after the crash: %d, id %d", n, n ? after[0].id : -1);
	usleep(200000);
	CHECK(!__atomic_load_n(&a0.done, __ATOMIC_ACQUIRE) &&
	      !__atomic_load_n(&a1.done, __ATOMIC_ACQUIRE),
	      "a vCPU went on without an answer");
	say("check", "both vCPUs still wait, the server is still there");

	if (daemon_start_for(c, NULL))
		return -1;
	pthread_join(a0.th, NULL);
	pthread_join(a1.th, NULL);
	CHECK(a0.rc == 0 && a0.val == HVMLINK_PROTOCOL_VERSION,
	      "vCPU 0's VERSION read: rc %d value 0x%x", a0.rc, a0.val);
	CHECK(a1.rc == 0 && a1.st == HVMLINK_OK &&
	      a1.hv.protocol_version == HVMLINK_PROTOCOL_VERSION,
	      "vCPU 1's GET_HOST_VERSION: rc %d status %d version 0x%x", a1.rc,
	      a1.st, a1.hv.protocol_version);
	say("check", "both accesses left in flight completed with the right data");
	n = xensim_servers(c->g.sim, c->g.domid, after, 4);
	CHECK(n == 1 && after[0].id == before[0].id,
	      "%d ioreq servers (id %d), wanted the same one (%d)", n,
	      n ? after[0].id : -1, before[0].id);
	CHECK(xensim_domain_crashed(c->g.sim, c->g.domid, NULL, 0) == 0,
	      "the domain was crashed");
	say("check", "re-attached to ioreq server %d; the domain is fine", before[0].id);
	CHECK(pidlock_probe(path, &holder) == 1 && holder == c->daemon,
	      "lock: holder %d, wanted %d", (int)holder, (int)c->daemon);
	CHECK(xs_node(c, "pid", v, sizeof(v)) == 0 && atoi(v) == c->daemon,
	      "xenstore pid %s", v);
	say("check", "the new daemon (pid %d) holds the lock and is published", (int)c->daemon);

	/* Nothing re-programmed: same BARs, same filter, hints flow. */
	if (status_filter(c, filter) || hint_arrives(c, 1024, 768))
		return -1;
	say("check", "no re-programming: BARs, filter and hints work as before the crash");
	return crash_server_gone(c, filter);
}

/* ---- restart after a clean stop, and stale or damaged state ---------- */

static int state_path(struct sgctx *c, char *buf, size_t len)
{
	const char *dir = getenv("E2E_STATE_DIR");

	CHECK(dir, "E2E_STATE_DIR not set");
	snprintf(buf, len, "%s/vm/%s.state", dir, c->uuid);
	return 0;
}

/* Rewrite the VM's record as if written in another boot of the host. */
static int age_state(struct sgctx *c)
{
	struct statefile_rec rec;
	struct statefile *sf;
	int rc;

	rc = statefile_open(getenv("E2E_STATE_DIR"), c->uuid, 0, 0, &sf);
	CHECK(rc == 0, "statefile_open: %s", strerror(-rc));
	rc = statefile_read(sf, &rec);
	CHECK(rc == 0, "statefile_read: %s", strerror(-rc));
	CHECK(rec.domid == c->g.domid, "record of domain %u", rec.domid);
	memcpy(rec.boot_id, "00000000-0000-4000-8000-000000000000", 36);
	rc = statefile_write(sf, &rec, true, false);
	statefile_rec_free(&rec);
	statefile_close(sf);
	CHECK(rc == 0, "statefile_write: %s", strerror(-rc));
	say("host", "the VM's state file now says it was written in another boot");
	return 0;
}

static int bar0_dead(struct sgctx *c)
{
	uint32_t v = 0;
	int rc = sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &v);

	CHECK(rc == 0 && v == 0xffffffff,
	      "BAR0 VERSION: rc %d value 0x%x, wanted all-ones (no device there)",
	      rc, v);
	return 0;
}

static int bar0_alive(struct sgctx *c)
{
	uint32_t v = 0;
	int rc = sg_reg_read(&c->g, 0, HVMLINK_REG_VERSION, &v);

	CHECK(rc == 0 && v == HVMLINK_PROTOCOL_VERSION,
	      "BAR0 VERSION: rc %d value 0x%x", rc, v);
	return 0;
}

int scenario_restart_stale(struct sgctx *c)
{
	const uint32_t filter = HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE;
	char path[512];
	uint32_t bar;
	FILE *f;

	if (guest_boot(c, true) || state_path(c, path, sizeof(path)))
		return -1;
	CHECK(access(path, F_OK) == 0, "no state file %s", path);
	say("check", "the VM's device state is kept in %s", path);

	/* A clean stop destroys the server; the state stays on disk. */
	if (daemon_stop(c, SIGTERM))
		return -1;
	CHECK(c->daemon_status == 0, "hvmlinkd exited %d", c->daemon_status);
	if (bar0_dead(c))
		return -1;
	say("check", "stopped: the guest's device is gone (all-ones)");
	if (daemon_start_for(c, NULL) || bar0_alive(c) || status_filter(c, filter))
		return -1;
	say("check", "restarted for the same domain: BARs and filter back, nothing re-programmed");

	/* The domain id again, but another domain (ids are reused, e.g.
	 * with xl's domid_policy="random"): libxl's new start_time tells. */
	if (daemon_stop(c, SIGTERM) || domain_destroy(c) ||
	    toolstack_create(c, c->g.domid, c->g.nr_vcpus) ||
	    daemon_start_for(c, NULL) || bar0_dead(c))
		return -1;
	say("check", "a new domain with the same id gets a fresh device");
	if (guest_boot(c, true))
		return -1;

	/* The same record, but from another boot: a fresh device. */
	if (daemon_stop(c, SIGTERM) || age_state(c) || daemon_start_for(c, NULL))
		return -1;
	if (bar0_dead(c))
		return -1;
	CHECK(sg_cfg_read(&c->g, c->g.slot, PCI_CFG_BAR0, 4, &bar) == 0 &&
	      (bar & ~0x3u) == 0, "BAR0 is 0x%x, wanted unprogrammed", bar);
	say("check", "a record from another boot is not this domain's: fresh device (BAR0 0x%x)", bar);
	if (guest_boot(c, true))
		return -1;

	/* A damaged record is ignored (logged) and replaced. */
	if (daemon_stop(c, SIGTERM))
		return -1;
	f = fopen(path, "r+");
	CHECK(f && fputs("garbage", f) >= 0 && fclose(f) == 0, "cannot damage %s", path);
	if (daemon_start_for(c, NULL) || bar0_dead(c) || guest_boot(c, true))
		return -1;
	{
		struct statefile_rec rec;
		struct statefile *sf;
		int rc = statefile_open(getenv("E2E_STATE_DIR"), c->uuid, 0, 0, &sf);

		CHECK(rc == 0, "statefile_open: %s", strerror(-rc));
		rc = statefile_read(sf, &rec);
		statefile_close(sf);
		CHECK(rc == 0 && rec.domid == c->g.domid,
		      "damaged record not replaced: %s", strerror(-rc));
		statefile_rec_free(&rec);
	}
	say("check", "a damaged record is ignored and replaced");
	return 0;
}

/* ---- restart as the systemd unit runs the daemon ---------------------- */

/* kill -9 the daemon and forget what it had mapped. */
static int crash(struct sgctx *c)
{
	pid_t old = c->daemon;

	CHECK(kill(old, SIGKILL) == 0, "SIGKILL: %s", strerror(errno));
	if (daemon_wait(c))
		return -1;
	xensim_forget_process(c->g.sim, old);
	say("host", "hvmlinkd (pid %d) killed", (int)old);
	return 0;
}

static int same_server(struct sgctx *c, const struct xensim_server_info *was)
{
	struct xensim_server_info now[4];
	int n = xensim_servers(c->g.sim, c->g.domid, now, 4);

	CHECK(n == 1 && now[0].id == was->id && now[0].enabled,
	      "%d ioreq server(s) (first id %d), wanted only server %d, enabled",
	      n, n > 0 ? now[0].id : -1, was->id);
	return 0;
}

/*
 * restart-depriv: the daemon as hvmlinkd@.service runs it (the test wraps
 * it in setpriv): root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH,
 * umask 077, --user and --chroot.  The deprivileged daemon rewrites the
 * state file as its user; the next daemon reads it as root without DAC
 * capabilities, i.e. as "other", so the file must be 0644.  A state file
 * it cannot read stops it with status 1, the crashed daemon's server
 * left as it was (a fresh device beside it would hang the guest).
 */
int scenario_restart_depriv(struct sgctx *c)
{
	const uint32_t filter = HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE;
	struct xensim_server_info before[4];
	char path[512], cmd[4096], line[1024];
	struct passwd *pw;
	struct stat st;
	int n, status;

	CHECK(c->user, "--user is required for the restart-depriv scenario");
	pw = getpwnam(c->user);
	CHECK(pw, "no user %s", c->user);
	if (guest_boot(c, true) || hint_arrives(c, 800, 600) ||
	    state_path(c, path, sizeof(path)))
		return -1;
	CHECK(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	CHECK(st.st_uid == pw->pw_uid && (st.st_mode & 07777) == 0644,
	      "%s: owner %u mode %04o, wanted %s's (%u) and 0644 whatever the umask",
	      path, (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777),
	      c->user, (unsigned int)pw->pw_uid);
	say("check", "%s is %s's, mode 0644 (umask 077)", path, c->user);
	n = xensim_servers(c->g.sim, c->g.domid, before, 4);
	CHECK(n == 1, "%d ioreq servers", n);

	if (crash(c) || daemon_start_for(c, NULL) || same_server(c, before) ||
	    bar0_alive(c) || status_filter(c, filter))
		return -1;
	say("check", "restarted as root without DAC capabilities: state read, re-attached to server %d, BARs and filter as before",
	    before[0].id);

	/* A record it cannot read: refused, loudly, nothing touched. */
	if (crash(c))
		return -1;
	/* The restarted daemon took the record over as root (before it
	 * dropped); make it a file of the user's that "other" cannot read,
	 * as one written without the explicit 0644 would be. */
	CHECK(chown(path, pw->pw_uid, (gid_t)-1) == 0 && chmod(path, 0600) == 0,
	      "chown/chmod %s: %s", path, strerror(errno));
	say("host", "%s made 0600 and %s's: the next daemon cannot read it",
	    path, c->user);
	/* Bounded: a daemon that wrongly starts would run in the foreground
	 * for ever. */
	memcpy(cmd, "timeout -s KILL 60 ", 19);
	daemon_command(c, cmd + 19, sizeof(cmd) - 19, false, NULL);
	status = run_find(cmd, "cannot read the VM's saved device state",
			  line, sizeof(line));
	CHECK(status == 1, "hvmlinkd exited %d, wanted 1", status);
	CHECK(line[0] && strstr(line, "Permission denied"),
	      "no 'cannot read ... Permission denied' message ('%s')", line);
	if (same_server(c, before))
		return -1;
	say("check", "refused with status 1 (%s); the crashed daemon's server left alone",
	    line);

	CHECK(chmod(path, 0644) == 0, "chmod %s: %s", path, strerror(errno));
	if (daemon_start_for(c, NULL) || same_server(c, before) ||
	    bar0_alive(c) || status_filter(c, filter) ||
	    hint_arrives(c, 1024, 768))
		return -1;
	say("check", "readable again: re-attached, nothing re-programmed, hints flow");
	return 0;
}
