/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl launch: start a guest with its device model in the order
 * that makes the device exist before the guest's first instruction:
 *
 *   xl create -p CONFIG ...   (domain built, paused)
 *   hvmlinkd --domid D ...    (ioreq server registered, state "ready")
 *   xl unpause D
 *
 * Any failure undoes what was done: the daemon is stopped and the paused
 * domain destroyed, so nothing half-started is left behind.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xenstore/schema.h"

#ifndef HVMLINKD_PATH
#define HVMLINKD_PATH "/usr/local/sbin/hvmlinkd"
#endif

/* How long a stopping daemon gets before SIGKILL. */
#define STOP_GRACE_MS	5000

static const char *xl_binary(void)
{
	const char *xl = getenv("HVMLINK_XL");

	return xl && *xl ? xl : "xl";
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Run argv to completion; its exit status, or -1 if it could not run. */
static int run(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "hvmlinkctl: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return wait_status(pid);
}

static int xl_simple(const char *verb, unsigned int domid)
{
	char id[16];
	char *argv[] = { (char *)xl_binary(), (char *)verb, id, NULL };

	snprintf(id, sizeof(id), "%u", domid);
	return run(argv);
}

/* Domain ids present now, as a bitmap over 0..SCHEMA_DOMID_MAX. */
static int snapshot(struct xs_handle *xsh, unsigned char *map)
{
	unsigned int n = 0;
	char **ids = xs_directory(xsh, XBT_NULL, "/local/domain", &n);

	memset(map, 0, SCHEMA_DOMID_MAX + 1);
	if (!ids)
		return errno == ENOENT ? 0 : -1;
	for (unsigned int i = 0; i < n; i++) {
		char *end;
		unsigned long id = strtoul(ids[i], &end, 10);

		if (!*end && id <= SCHEMA_DOMID_MAX)
			map[id] = 1;
	}
	free(ids);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Stop the daemon: our child if it still runs, else the pid it
 * published (it daemonized).  SIGTERM, then SIGKILL after a grace time. */
static void stop_daemon(struct xs_handle *xsh, unsigned int domid, pid_t child,
			bool child_running)
{
	char path[SCHEMA_PATH_MAX];
	unsigned int len;
	pid_t pid = child_running ? child : 0;
	long long end;

	if (!pid && schema_path(path, sizeof(path), domid, SCHEMA_PID)) {
		char *v = xs_read(xsh, XBT_NULL, path, &len);

		if (v && strlen(v) == len && *v) {
			char *e;
			long p = strtol(v, &e, 10);

			if (!*e && p > 1)
				pid = (pid_t)p;
		}
		free(v);
	}
	if (!pid)
		return;
	kill(pid, SIGTERM);
	end = now_ms() + STOP_GRACE_MS;
	for (;;) {
		if (child_running) {
			if (waitpid(pid, NULL, WNOHANG) == pid)
				return;
		} else if (kill(pid, 0) != 0) {
			return;
		}
		if (now_ms() >= end)
			break;
		usleep(20000);
	}
	fprintf(stderr, "hvmlinkctl: hvmlinkd (pid %ld) ignores SIGTERM, killing it\n",
		(long)pid);
	kill(pid, SIGKILL);
	if (child_running)
		waitpid(pid, NULL, 0);
}

static pid_t spawn_daemon(const char *path, unsigned int domid, int argc,
			  char **argv)
{
	char id[16];
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	pid_t pid;
	int n = 0;

	if (!args)
		return -1;
	snprintf(id, sizeof(id), "%u", domid);
	args[n++] = (char *)path;
	args[n++] = (char *)"--domid";
	args[n++] = id;
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	pid = fork();
	if (pid == 0) {
		execv(path, args);
		fprintf(stderr, "hvmlinkctl: cannot run %s: %s\n", path,
			strerror(errno));
		_exit(127);
	}
	free(args);
	return pid;
}

int ctl_cmd_launch(int argc, char **argv)
{
	const char *hvmlinkd = getenv("HVMLINKD");
	int timeout_ms = 30000, i, rc, status, pidfd = -1;
	int xl_argc, daemon_argc = 0;
	char **xl_args, **daemon_argv = NULL;
	unsigned char *before = NULL, *after = NULL;
	struct xs_handle *xsh;
	unsigned int domid = 0;
	int found = 0;
	bool child_running = false;
	pid_t child = 0;
	const char *failed;

	if (!hvmlinkd || !*hvmlinkd)
		hvmlinkd = HVMLINKD_PATH;
	for (i = 0; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!ctl_parse_timeout(argv[++i], &timeout_ms)) {
				ctl_error("--timeout needs seconds (0..86400)");
				return CTL_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--hvmlinkd") && i + 1 < argc) {
			hvmlinkd = argv[++i];
		} else {
			ctl_error("usage: hvmlinkctl launch [--timeout S] [--hvmlinkd PATH] CONFIG [XL-ARGS...] [-- DAEMON-ARGS...]");
			return CTL_EXIT_USAGE;
		}
	}
	if (i >= argc || !strcmp(argv[i], "--")) {
		ctl_error("launch: missing CONFIG");
		return CTL_EXIT_USAGE;
	}
	if (access(argv[i], R_OK) != 0) {
		ctl_error("launch: cannot read config %s: %s", argv[i],
			  strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (access(hvmlinkd, X_OK) != 0) {
		ctl_error("launch: cannot execute hvmlinkd at %s: %s", hvmlinkd,
			  strerror(errno));
		return CTL_EXIT_USAGE;
	}

	/* argv[i..]: CONFIG and xl options, up to "--". */
	xl_args = calloc((size_t)argc + 4, sizeof(*xl_args));
	if (!xl_args)
		return CTL_EXIT_LAUNCH;
	xl_argc = 0;
	xl_args[xl_argc++] = (char *)xl_binary();
	xl_args[xl_argc++] = (char *)"create";
	xl_args[xl_argc++] = (char *)"-p";
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			daemon_argv = argv + i + 1;
			daemon_argc = argc - i - 1;
			break;
		}
		xl_args[xl_argc++] = argv[i];
	}
	xl_args[xl_argc] = NULL;

	rc = CTL_EXIT_XENSTORE;
	xsh = ctl_xs_open();
	if (!xsh)
		goto out_args;
	before = malloc(SCHEMA_DOMID_MAX + 1);
	after = malloc(SCHEMA_DOMID_MAX + 1);
	if (!before || !after || snapshot(xsh, before) != 0) {
		ctl_error("launch: cannot list domains: %s", strerror(errno));
		goto out_xs;
	}

	rc = CTL_EXIT_LAUNCH;
	status = run(xl_args);
	if (status != 0) {
		ctl_error("launch: %s create -p failed (exit status %d)",
			  xl_args[0], status);
		goto out_xs;
	}
	if (snapshot(xsh, after) != 0) {
		ctl_error("launch: cannot list domains: %s", strerror(errno));
		goto out_xs;
	}
	for (unsigned int d = SCHEMA_DOMID_MIN; d <= SCHEMA_DOMID_MAX; d++) {
		if (after[d] && !before[d]) {
			domid = d;
			found++;
		}
	}
	if (found != 1) {
		/* Never destroy a domain we are not sure is ours. */
		ctl_error("launch: %s new domains appeared during xl create; cannot tell which is ours",
			  found ? "several" : "no");
		goto out_xs;
	}

	child = spawn_daemon(hvmlinkd, domid, daemon_argc, daemon_argv);
	if (child < 0) {
		failed = "cannot start hvmlinkd";
		goto fail_destroy;
	}
	child_running = true;
	/* A pidfd becomes readable when the child exits: the wait below
	 * then sees a daemon that died during start-up at once. */
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);

	rc = ctl_wait_ready(xsh, domid, timeout_ms, pidfd);
	while (rc == 1) {
		/* The child exited: failure, or it daemonized after ready. */
		status = wait_status(child);
		child_running = false;
		close(pidfd);
		pidfd = -1;
		if (status != 0) {
			ctl_error("launch: hvmlinkd exited with status %d before it was ready",
				  status);
			failed = NULL;
			goto fail_destroy;
		}
		rc = ctl_wait_ready(xsh, domid, timeout_ms, -1);
	}
	if (rc != 0) {
		failed = rc == -CTL_EXIT_TIMEOUT ?
			"hvmlinkd did not become ready in time" :
			"lost xenstore while waiting for hvmlinkd";
		goto fail_destroy;
	}
	status = xl_simple("unpause", domid);
	if (status != 0) {
		failed = "xl unpause failed";
		goto fail_destroy;
	}
	if (pidfd >= 0)
		close(pidfd);
	printf("domain %u started, hvmlinkd ready\n", domid);
	rc = CTL_EXIT_OK;
	goto out_xs;

fail_destroy:
	if (failed)
		ctl_error("launch: %s; destroying domain %u", failed, domid);
	else
		ctl_error("launch: destroying domain %u", domid);
	stop_daemon(xsh, domid, child_running ? child : 0, child_running);
	if (pidfd >= 0)
		close(pidfd);
	if (xl_simple("destroy", domid) != 0)
		ctl_error("launch: xl destroy %u failed too; destroy it by hand",
			  domid);
	rc = CTL_EXIT_LAUNCH;
out_xs:
	free(before);
	free(after);
	xs_close(xsh);
out_args:
	free(xl_args);
	return rc;
}
