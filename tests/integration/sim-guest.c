/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: main program and the host-side helpers.  See sim-guest.h.
 *
 * usage: sim-guest [options] -- HVMLINKD [daemon options]
 *   --domid D       domain to create (default 5)
 *   --vcpus N       its vCPUs (default 4)
 *   --scenario S    demo (default), hint, bad-hint, kv, hostile, smp,
 *                   latches, destroy, sigterm, depriv, start-fail, detach,
 *                   devnode, second-daemon, crash-restart, restart-depriv,
 *                   restart-stale, reboot, incoming, migrate, toolstack
 *                   (the command after -- is the toolstack's device
 *                   model spawn, e.g. the qemu-wrapper; no daemon is
 *                   started by sim-guest), xenstored-frozen (needs
 *                   E2E_XENSTORED_PID)
 *   --hint-cmd CMD  demo: the administrator's command that sets the hint
 *   --expect MODE   demo: WxH the hint asks for (default 1920x1080)
 *   --status-cmd C  demo: command shown at the end (hvmlinkctl status)
 *   --user U        depriv, restart-depriv: the daemon's --user
 *   --seconds S     smp, latches: how long the vCPUs hammer (default 3)
 *   --pid-file F    detach: the daemon's --pid-file
 *   --socket P      devnode: serve the guest device nodes on P (simdev.h)
 *   --fail T:N      devnode: fail the first N requests of type T
 *   --remove-on T   devnode: the first request of type T removes the device
 *   --uuid U, --name N  the VM's UUID and name (default derived from D)
 * Needs XENSTORED_PATH (a running xenstored, tests/harness) and XENSIM_DIR
 * (the same one xenstored was started with).  Exit 0 only if every step
 * of the scenario worked and nothing was left behind.
 */
#include "tests/integration/sim-guest.h"

#include "common/pidlock.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char xs_root[64];

void say(const char *who, const char *fmt, ...)
{
	va_list ap;

	printf("[%-6s] ", who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	printf("[FAILED] ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return -1;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int shell_status(int st)
{
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int host_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	say("host", "$ %s", cmd);
	fflush(stdout);
	return shell_status(system(cmd));
}

int host_capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	/* Drain the rest so the writer never blocks. */
	while (fgetc(f) != EOF)
		;
	return shell_status(pclose(f));
}

void select_domain(struct sgctx *c, const struct sg *g)
{
	c->g = *g;
	snprintf(xs_root, sizeof(xs_root), "/local/domain/0/hvmlink/%u",
		 g->domid);
}

int xs_node(struct sgctx *c, const char *rel, char *out, size_t len)
{
	const char *root = xs_root;

	/* The administrator's hints and the errors about them are the
	 * VM's; everything else is the domain's. */
	if (!strncmp(rel, "hints/", 6) || !strncmp(rel, "errors/", 7))
		root = c->vm_root;
	return host_capture(out, len, "xenstore-read '%s/%s' 2>/dev/null",
			    root, rel) == 0 ? 0 : -1;
}

int xs_wait(struct sgctx *c, const char *rel, const char *want)
{
	int waited = 0, limit = xensim_timeout_ms();
	char v[1200];
	int rc;

	for (;;) {
		rc = xs_node(c, rel, v, sizeof(v));
		if (rc == 0 && (!want || strcmp(v, want) == 0))
			return 0;
		if (waited >= limit)
			return fail("%s/%s: wanted '%s', have '%s'", xs_root, rel,
				    want ? want : "(any)",
				    rc ? "(absent)" : v);
		sleep_ms(20);
		waited += 20;
	}
}

int daemon_wait(struct sgctx *c)
{
	int st, rc;

	if (!c->daemon)
		return 0;
	rc = xensim_wait_child(c->daemon, -1, &st);
	c->daemon = 0;
	if (rc < 0)
		return fail("hvmlinkd did not exit (%s); killed", strerror(-rc));
	c->daemon_status = shell_status(st);
	say("host", "hvmlinkd exited with status %d", c->daemon_status);
	return 0;
}

int daemon_stop(struct sgctx *c, int sig)
{
	say("host", "sending %s to hvmlinkd (pid %d)", strsignal(sig),
	    (int)c->daemon);
	if (kill(c->daemon, sig) < 0)
		return fail("kill: %s", strerror(errno));
	return daemon_wait(c);
}

int domain_destroy(struct sgctx *c)
{
	int rc;

	if (!c->domain_alive)
		return 0;
	/* As libxl's destroy does (devices_destroy_cb): /vm/UUID and the
	 * domain's xenstore home go first, then the hypervisor destroys it
	 * (VIRQ_DOM_EXC, @releaseDomain). */
	if (host_run("xenstore-rm /vm/%s /local/domain/%u", c->uuid,
		     c->g.domid) != 0)
		fail("xenstore-rm /local/domain/%u failed", c->g.domid);
	say("xen", "destroying domain %u", c->g.domid);
	rc = xensim_domain_destroy(c->g.sim, c->g.domid);
	c->domain_alive = false;
	CHECK(rc == 0, "xensim_domain_destroy: %s", strerror(-rc));
	return 0;
}

int check_clean(struct sgctx *c)
{
	char buf[4096], v[64];
	int n = xensim_leftovers(c->g.sim, buf, sizeof(buf));

	CHECK(n == 0, "hvmlinkd left %d thing(s) behind in Xen:\n%s", n, buf);
	say("check", "nothing left behind in Xen (ioreq servers, event channels, mappings, handles)");
	CHECK(xs_node(c, "state", v, sizeof(v)) < 0 &&
	      xs_node(c, "pid", v, sizeof(v)) < 0,
	      "daemon state still in xenstore under %s", xs_root);
	say("check", "daemon state removed from xenstore");
	if (getenv("E2E_RUN_DIR")) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%u.pid", getenv("E2E_RUN_DIR"),
			 c->g.domid);
		pid_t holder;
		int held = pidlock_probe(path, &holder);

		/* A deprivileged daemon cannot unlink in a root-owned run
		 * directory: it empties the file instead. */
		CHECK(held == 0 && holder == 0,
		      "lock file %s still held (%d) or naming pid %d", path,
		      held, (int)holder);
		say("check", "lock file %s released", path);
	}
	return 0;
}

int toolstack_create(struct sgctx *c, uint16_t domid, unsigned int vcpus)
{
	const char *bld = getenv("top_builddir");
	unsigned int d = domid;
	struct timespec now;
	int rc;

	say("xen", "creating HVM domain %u (VM %s, %s): %u vCPUs, %llu MiB", d,
	    c->name, c->uuid, vcpus,
	    (unsigned long long)(SG_RAM_BYTES >> 20));
	rc = xensim_domain_create(c->g.sim, domid, vcpus, SG_RAM_BYTES);
	CHECK(rc == 0, "xensim_domain_create: %s", strerror(-rc));
	c->g.domid = domid;
	c->g.nr_vcpus = vcpus;
	c->domain_alive = true;
	snprintf(xs_root, sizeof(xs_root), "/local/domain/0/hvmlink/%u", d);
	/* What libxl__domain_make() and _build() do: the domain's home
	 * with its link to /vm/UUID (rewritten for every domain of the VM),
	 * then introduce it. */
	/* start_time in centiseconds, as libxl__domain_build() writes it:
	 * every build of a domain for the VM gets its own. */
	clock_gettime(CLOCK_REALTIME, &now);
	rc = host_run("xenstore-write /local/domain/%u/domid %u /local/domain/%u/name %s"
		      " /local/domain/%u/vm /vm/%s /vm/%s/uuid %s /vm/%s/name %s"
		      " /vm/%s/start_time %ld.%02ld"
		      " && xenstore-chmod /local/domain/%u n0 r%u"
		      " && '%s/tests/harness/xs-introduce' %u",
		      d, d, d, c->name, d, c->uuid, c->uuid, c->uuid, c->uuid,
		      c->name, c->uuid, (long)now.tv_sec,
		      now.tv_nsec / 10000000L, d, d, bld ? bld : ".", d);
	/* Two builds within one centisecond would look like one. */
	usleep(20000);
	CHECK(rc == 0, "introducing domain %u to xenstored failed", d);
	return 0;
}

int daemon_start_argv(struct sgctx *c, char **argv)
{
	char v[64];
	int rc;

	{
		char cmd[512];
		size_t o = 0;

		cmd[0] = '\0';
		for (int i = 0; argv[i] && o < sizeof(cmd); i++) {
			const char *a = argv[i];
			const char *base = strrchr(a, '/');

			/* Paths of programs are long and say little. */
			if (a[0] == '/' && base && i == 0)
				a = base + 1;
			o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s%s",
					      i ? " " : "", a);
		}
		say("host", "$ %s   (under the Xen stand-in)", cmd);
	}
	c->daemon = xensim_spawn(c->g.sim, argv);
	CHECK(c->daemon > 0, "cannot start hvmlinkd: %s",
	      strerror((int)-c->daemon));
	for (int waited = 0;; waited += 20) {
		char pid[32];

		/* "ready" from this daemon: a killed one leaves its own. */
		if (xs_node(c, "state", v, sizeof(v)) == 0 &&
		    strcmp(v, "ready") == 0 &&
		    xs_node(c, "pid", pid, sizeof(pid)) == 0 &&
		    atoi(pid) == c->daemon)
			break;
		if (waitpid(c->daemon, &rc, WNOHANG) == c->daemon) {
			c->daemon = 0;
			return fail("hvmlinkd exited during start-up (status %d)",
				    shell_status(rc));
		}
		CHECK(waited < xensim_timeout_ms(),
		      "hvmlinkd not ready in time (state '%s')", v);
		sleep_ms(20);
	}
	say("host", "hvmlinkd is ready (%s/state = ready)", xs_root);
	return 0;
}

static int daemon_start(struct sgctx *c)
{
	return daemon_start_argv(c, c->daemon_argv);
}

int daemon_start_for(struct sgctx *c, const char *extra)
{
	char domid[8], **argv;
	size_t n = 0;
	int rc;

	while (c->daemon_argv[n])
		n++;
	argv = calloc(n + 2, sizeof(*argv));
	CHECK(argv, "out of memory");
	snprintf(domid, sizeof(domid), "%u", c->g.domid);
	for (size_t i = 0; i < n; i++) {
		argv[i] = c->daemon_argv[i];
		if (i > 0 && strcmp(c->daemon_argv[i - 1], "--domid") == 0)
			argv[i] = domid;
	}
	argv[n] = (char *)extra;
	rc = daemon_start_argv(c, argv);
	free(argv);
	return rc;
}

/*
 * start-fail: a failed start-up is one error line, a non-zero exit and
 * nothing left behind, whether it fails before creating anything (no
 * such domain) or after the ioreq server and device exist (no xenstore).
 */
static int scenario_start_fail(struct sgctx *c)
{
	char **argv = c->daemon_argv;
	char domarg[16], *saved_path;
	int rc;

	for (int i = 0; argv[i]; i++) {
		/* Point --domid at a domain that does not exist. */
		if (strcmp(argv[i], "--domid") == 0 && argv[i + 1]) {
			snprintf(domarg, sizeof(domarg), "%u", c->g.domid + 1u);
			argv[i + 1] = domarg;
		}
	}
	say("host", "starting hvmlinkd for domain %u, which does not exist",
	    c->g.domid + 1u);
	c->daemon = xensim_spawn(c->g.sim, argv);
	CHECK(c->daemon > 0, "spawn: %s", strerror((int)-c->daemon));
	if (daemon_wait(c))
		return -1;
	CHECK(c->daemon_status == 1, "exit status %d, wanted 1",
	      c->daemon_status);
	rc = xensim_leftovers(c->g.sim, NULL, 0);
	CHECK(rc == 0, "%d leftovers after a failed start", rc);
	say("check", "failed start-up: status 1, nothing left behind");

	snprintf(domarg, sizeof(domarg), "%u", c->g.domid);
	saved_path = strdup(getenv("XENSTORED_PATH"));
	CHECK(saved_path, "out of memory");
	setenv("XENSTORED_PATH", "/nonexistent/xenstored/socket", 1);
	say("host", "starting hvmlinkd for domain %u with no xenstored", c->g.domid);
	c->daemon = xensim_spawn(c->g.sim, argv);
	setenv("XENSTORED_PATH", saved_path, 1);
	free(saved_path);
	CHECK(c->daemon > 0, "spawn: %s", strerror((int)-c->daemon));
	if (daemon_wait(c))
		return -1;
	CHECK(c->daemon_status == 1, "exit status %d, wanted 1",
	      c->daemon_status);
	rc = xensim_leftovers(c->g.sim, NULL, 0);
	CHECK(rc == 0, "%d leftovers after a failed start", rc);
	say("check", "failed start-up after the ioreq server existed: status 1, nothing left behind");
	return 0;
}

/*
 * detach: without --foreground the starting process exits 0 only once the
 * daemon is ready, so "ready" must be visible the moment it exits, and
 * the pid file names the daemon.  We are a subreaper, so the detached
 * daemon's exit status comes back to us.
 */
static int scenario_detach(struct sgctx *c)
{
	char v[64], line[32];
	pid_t pid;
	FILE *f;
	int st;

	CHECK(c->pid_file, "--pid-file is required for the detach scenario");
	say("host", "starting hvmlinkd in the background");
	c->daemon = xensim_spawn(c->g.sim, c->daemon_argv);
	CHECK(c->daemon > 0, "spawn: %s", strerror((int)-c->daemon));
	if (daemon_wait(c))
		return -1;
	CHECK(c->daemon_status == 0, "starting process exited %d",
	      c->daemon_status);
	CHECK(xs_node(c, "state", v, sizeof(v)) == 0 && strcmp(v, "ready") == 0,
	      "starting process exited 0 but state is not ready");
	say("check", "the starting process exited 0 only once the daemon was ready");
	f = fopen(c->pid_file, "r");
	CHECK(f, "no pid file %s", c->pid_file);
	line[0] = '\0';
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	pid = (pid_t)atoi(line);
	CHECK(pid > 0 && kill(pid, 0) == 0, "pid file says '%s'", line);
	CHECK(xs_node(c, "pid", v, sizeof(v)) == 0 && atoi(v) == pid,
	      "xenstore pid %s, pid file %d", v, (int)pid);
	say("check", "pid file and xenstore both name the daemon, pid %d", (int)pid);
	if (guest_boot(c, true))
		return -1;
	c->daemon = pid;
	if (daemon_stop(c, SIGTERM))
		return -1;
	CHECK(c->daemon_status == 0, "daemon exited %d", c->daemon_status);
	CHECK(access(c->pid_file, F_OK) != 0, "pid file left behind");
	say("check", "pid file removed");
	(void)st;
	return check_clean(c);
}

static const struct {
	const char *name;
	int (*fn)(struct sgctx *);
} scenarios[] = {
	{ "demo", scenario_demo },
	{ "hint", scenario_hint },
	{ "bad-hint", scenario_bad_hint },
	{ "kv", scenario_kv },
	{ "hostile", scenario_hostile },
	{ "smp", scenario_smp },
	{ "latches", scenario_latches },
	{ "destroy", scenario_destroy },
	{ "sigterm", scenario_sigterm },
	{ "depriv", scenario_depriv },
	{ "start-fail", scenario_start_fail },
	{ "detach", scenario_detach },
	{ "devnode", scenario_devnode },
	{ "second-daemon", scenario_second_daemon },
	{ "crash-restart", scenario_crash_restart },
	{ "restart-depriv", scenario_restart_depriv },
	{ "restart-stale", scenario_restart_stale },
	{ "reboot", scenario_reboot },
	{ "incoming", scenario_incoming },
	{ "migrate", scenario_migrate },
	{ "toolstack", scenario_toolstack },
	{ "xenstored-frozen", scenario_xenstored_frozen },
};

static int usage(void)
{
	fprintf(stderr, "usage: sim-guest [--domid D] [--vcpus N] [--scenario S] [--hint-cmd CMD]\n"
		"                 [--expect WxH] [--status-cmd CMD] [--user U] [--seconds S]\n"
		"                 [--socket PATH] [--fail TYPE:N] [--remove-on TYPE]\n"
		"                 -- HVMLINKD [options]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "scenario", required_argument, NULL, 's' },
		{ "hint-cmd", required_argument, NULL, 'H' },
		{ "expect", required_argument, NULL, 'e' },
		{ "status-cmd", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'u' },
		{ "seconds", required_argument, NULL, 't' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 'k' },
		{ "fail", required_argument, NULL, 'F' },
		{ "remove-on", required_argument, NULL, 'R' },
		{ "uuid", required_argument, NULL, 'U' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct sgctx c;
	const char *scenario = "demo";
	int (*fn)(struct sgctx *) = NULL;
	unsigned int vcpus = 4;
	int opt, rc = 1, n;

	memset(&c, 0, sizeof(c));
	c.g.domid = 5;
	c.expect = "1920x1080";
	c.seconds = 3;
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': c.g.domid = (uint16_t)atoi(optarg); break;
		case 'n': vcpus = (unsigned int)atoi(optarg); break;
		case 's': scenario = optarg; break;
		case 'H': c.hint_cmd = optarg; break;
		case 'e': c.expect = optarg; break;
		case 'S': c.status_cmd = optarg; break;
		case 'u': c.user = optarg; break;
		case 't': c.seconds = (unsigned int)atoi(optarg); break;
		case 'p': c.pid_file = optarg; break;
		case 'k': c.socket = optarg; break;
		case 'F': c.fail_spec = optarg; break;
		case 'R': c.remove_spec = optarg; break;
		case 'U': snprintf(c.uuid, sizeof(c.uuid), "%s", optarg); break;
		case 'N': snprintf(c.name, sizeof(c.name), "%s", optarg); break;
		default: return usage();
		}
	}
	if (optind >= argc || c.g.domid == 0 || vcpus == 0 || vcpus > 64)
		return usage();
	c.daemon_argv = &argv[optind];
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, scenario) == 0)
			fn = scenarios[i].fn;
	if (!fn)
		return usage();
	if (!getenv("XENSTORED_PATH") || !getenv("XENSIM_DIR")) {
		fprintf(stderr, "sim-guest: XENSTORED_PATH and XENSIM_DIR must be set (tests/harness/xenstored.sh)\n");
		return 2;
	}
	if (!c.uuid[0])
		snprintf(c.uuid, sizeof(c.uuid), "00000000-0000-4000-8000-%012u",
			 c.g.domid);
	if (!c.name[0])
		snprintf(c.name, sizeof(c.name), "sim-guest-%u", c.g.domid);
	snprintf(c.vm_root, sizeof(c.vm_root), "/local/domain/0/hvmlink/vm/%s",
		 c.uuid);
	c.g.nr_vcpus = vcpus;
	/* A detached daemon is reparented to us, so we can reap it. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("sim-guest: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	/* The guest's console must not interleave with the daemon's lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	c.g.sim = xensim_open(NULL);
	if (!c.g.sim) {
		fprintf(stderr, "sim-guest: xensim_open: %s\n", strerror(errno));
		return 1;
	}
	if (toolstack_create(&c, c.g.domid, vcpus))
		goto out;
	if (fn == scenario_start_fail || fn == scenario_detach ||
	    fn == scenario_toolstack) {
		rc = fn(&c) ? 1 : 0;
		goto out;
	}
	if (daemon_start(&c))
		goto out;
	rc = fn(&c) ? 1 : 0;
	/* Scenarios that did not end the daemon themselves: SIGTERM. */
	if (c.daemon && rc == 0) {
		if (daemon_stop(&c, SIGTERM) || c.daemon_status != 0 ||
		    check_clean(&c))
			rc = 1;
	}
out:
	if (c.daemon) {
		kill(c.daemon, SIGKILL);
		daemon_wait(&c);
	}
	if (domain_destroy(&c))
		rc = 1;
	n = xensim_leftovers(c.g.sim, NULL, 0);
	if (n != 0 && rc == 0) {
		fail("%d leftovers in the stand-in at the end", n);
		rc = 1;
	}
	xensim_close(c.g.sim);
	say(rc ? "FAILED" : "done", "scenario %s %s", scenario,
	    rc ? "failed" : "passed");
	return rc;
}
