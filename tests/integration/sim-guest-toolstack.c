/* SPDX-License-Identifier: MIT */
/*
 * sim-guest scenario "toolstack": the command after "--" plays libxl's
 * device-model spawn (the hvmlink qemu-wrapper, or a script that runs it)
 * for the domain sim-guest created; sim-guest starts no daemon itself.
 * The command runs as a plain child (not under the stand-in: whatever
 * hvmlinkd it starts puts itself under xensim-run), and its exit status is
 * printed as "toolstack command exited with status N" for the test to
 * judge.  Afterwards, if an hvmlinkd serves the domain (ready, with a live
 * pid in xenstore), the guest boots against it and says whether RESTORED
 * is pending, then the daemon is stopped with SIGTERM and must leave
 * nothing behind.  The scenario fails only if the simulated host does
 * not end clean.
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hvmlink/protocol.h"
#include "tests/xensim/xensim.h"

/* Longer than any TIMEOUT the wrapper's test gives, under valgrind too. */
#define TOOLSTACK_WAIT_MS	300000

int scenario_toolstack(struct sgctx *c)
{
	struct hvmlink_status_page sp;
	char v[64], pidv[32];
	pid_t pid;
	int st, rc;

	say("host", "toolstack: spawning the device model command for domain %u",
	    c->g.domid);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(c->daemon_argv[0], c->daemon_argv);
		fprintf(stderr, "sim-guest: %s: %s\n", c->daemon_argv[0],
			strerror(errno));
		_exit(127);
	}
	rc = xensim_wait_child(pid, TOOLSTACK_WAIT_MS, &st);
	CHECK(rc == 0, "the toolstack command did not exit (%s); killed",
	      strerror(-rc));
	say("host", "toolstack command exited with status %d",
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));

	if (xs_node(c, "state", v, sizeof(v)) < 0 ||
	    xs_node(c, "pid", pidv, sizeof(pidv)) < 0) {
		say("check", "no hvmlinkd serves domain %u", c->g.domid);
		return 0;
	}
	pid = (pid_t)atoi(pidv);
	CHECK(strcmp(v, "ready") == 0 && pid > 0 && kill(pid, 0) == 0,
	      "domain %u: daemon state '%s', pid '%s'", c->g.domid, v, pidv);
	say("check", "hvmlinkd (pid %d) serves domain %u", (int)pid,
	    c->g.domid);
	if (guest_boot(c, true))
		return -1;
	rc = sg_read_status(&c->g, &sp);
	CHECK(rc == 0, "status page: %s", strerror(-rc));
	say("check", "the guest finds the device; RESTORED %s",
	    (sp.pending_events & HVMLINK_EVENT_RESTORED) ? "pending" :
							  "not pending");
	/* The detached daemon is our child now (sim-guest is a subreaper). */
	c->daemon = pid;
	if (daemon_stop(c, SIGTERM))
		return -1;
	CHECK(c->daemon_status == 0, "hvmlinkd exited %d", c->daemon_status);
	return check_clean(c);
}
