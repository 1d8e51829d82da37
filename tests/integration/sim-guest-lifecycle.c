/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: the daemon's life: the domain destroyed under it, SIGTERM,
 * and a deprivileged run.
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int scenario_destroy(struct sgctx *c)
{
	if (guest_boot(c, true))
		return -1;
	say("guest", "driver loaded; now the domain is destroyed");
	if (domain_destroy(c) || daemon_wait(c))
		return -1;
	CHECK(c->daemon_status == 0, "hvmlinkd exited %d after the domain died",
	      c->daemon_status);
	return check_clean(c);
}

int scenario_sigterm(struct sgctx *c)
{
	char v[64];

	if (guest_boot(c, true))
		return -1;
	/* A hint of the administrator's survives the daemon: it is theirs. */
	CHECK(host_run("xenstore-write %s/hints/display/0 800x600",
		       c->vm_root) == 0, "xenstore-write");
	if (guest_wait_irq(c, 1))
		return -1;
	/* SIGHUP logs statistics (taken on the device thread) and changes
	 * nothing: the daemon keeps serving. */
	CHECK(kill(c->daemon, SIGHUP) == 0, "SIGHUP: %s", strerror(errno));
	say("host", "sent SIGHUP to hvmlinkd (pid %d)", (int)c->daemon);
	{
		struct hvmlink_req_host_version hv;
		int32_t st;

		sg_header(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
		CHECK(sg_request(&c->g, 0, &hv, sizeof(hv), &st) == 0 &&
		      st == HVMLINK_OK, "GET_HOST_VERSION after SIGHUP: %d", st);
		CHECK(kill(c->daemon, 0) == 0, "hvmlinkd gone after SIGHUP");
		say("check", "after SIGHUP the daemon still runs and answers");
	}
	if (daemon_stop(c, SIGTERM))
		return -1;
	CHECK(c->daemon_status == 0, "hvmlinkd exited %d on SIGTERM",
	      c->daemon_status);
	if (check_clean(c))
		return -1;
	CHECK(irq_level(c) == 0, "INTA# left asserted by a stopped daemon");
	say("check", "interrupt line lowered on the way out");
	CHECK(xs_node(c, "hints/display/0", v, sizeof(v)) == 0 &&
	      strcmp(v, "800x600") == 0,
	      "the administrator's hint did not survive the daemon");
	say("check", "the administrator's hint is kept for the next daemon");
	return 0;
}

/* One "Name:\tvalue" line of /proc/PID/status. */
static int proc_status(pid_t pid, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

int scenario_depriv(struct sgctx *c)
{
	struct xensim_stats st;
	struct passwd *pw;
	char v[128], want[64];
	uint64_t seq = 0;

	CHECK(c->user, "--user is required for the depriv scenario");
	pw = getpwnam(c->user);
	CHECK(pw, "no user %s", c->user);

	CHECK(proc_status(c->daemon, "Uid", v, sizeof(v)) == 0, "no /proc status");
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", pw->pw_uid, pw->pw_uid,
		 pw->pw_uid, pw->pw_uid);
	CHECK(strcmp(v, want) == 0, "Uid: %s, wanted %s", v, want);
	CHECK(proc_status(c->daemon, "Gid", v, sizeof(v)) == 0 &&
	      (unsigned int)atoi(v) == pw->pw_gid, "Gid: %s", v);
	CHECK(proc_status(c->daemon, "Groups", v, sizeof(v)) == 0, "Groups");
	snprintf(want, sizeof(want), "%u", pw->pw_gid);
	CHECK(v[0] == '\0' || strcmp(v, want) == 0 ||
	      (strncmp(v, want, strlen(want)) == 0 && v[strlen(want)] == ' ' &&
	       v[strlen(want) + 1] == '\0'),
	      "supplementary groups: '%s'", v);
	say("check", "hvmlinkd runs as %s (uid %u, gid %u, no other groups)",
	    c->user, pw->pw_uid, pw->pw_gid);
	CHECK(proc_status(c->daemon, "CapEff", v, sizeof(v)) == 0 &&
	      strcmp(v, "0000000000000000") == 0, "CapEff: %s", v);
	CHECK(proc_status(c->daemon, "CapPrm", v, sizeof(v)) == 0 &&
	      strcmp(v, "0000000000000000") == 0, "CapPrm: %s", v);
	say("check", "no capabilities (CapEff and CapPrm 0)");
	CHECK(proc_status(c->daemon, "NoNewPrivs", v, sizeof(v)) == 0 &&
	      strcmp(v, "1") == 0, "NoNewPrivs: %s", v);
	say("check", "NoNewPrivs 1");
	xensim_get_stats(c->g.sim, &st);
	CHECK(st.restrict_calls >= 1 && st.restrict_domid == c->g.domid,
	      "restrict: %u calls, domid %d", st.restrict_calls,
	      st.restrict_domid);
	say("check", "Xen handles restricted to domain %d", st.restrict_domid);

	/* And it still does its job, chrooted and unprivileged. */
	if (guest_boot(c, true))
		return -1;
	{
		char cmd[256];
		struct hvmlink_req_display_hint r;
		uint32_t ev;

		snprintf(cmd, sizeof(cmd),
			 "xenstore-write %s/hints/display/0 1280x1024",
			 c->vm_root);
		CHECK(host_run("%s", cmd) == 0, "xenstore-write");
		if (guest_wait_irq(c, 1) || guest_ack(c, 0, &ev))
			return -1;
		CHECK(guest_get_hint(c, 0, &r) == HVMLINK_OK &&
		      r.mode.width == 1280 && r.mode.height == 1024,
		      "hint %ux%u", r.mode.width, r.mode.height);
		seq = r.seq;
		if (guest_report(c, 0, seq, &r.mode, HVMLINK_OK, NULL) ||
		    xs_wait(c, "guest/display/0/status", "applied"))
			return -1;
	}
	say("check", "deprivileged daemon delivers hints and publishes state");
	return 0;
}
