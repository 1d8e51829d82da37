/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: one daemon per domain.  A second hvmlinkd for a domain that
 * has a live one is refused with status 3 and one clear line, whether it
 * runs in the foreground or detaches, whatever --pid-file it is given, and
 * it touches nothing: no Xen handle opened, the first daemon's xenstore
 * state and lock file unchanged, the guest still served.
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/pidlock.h"

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
	return 0;
}
