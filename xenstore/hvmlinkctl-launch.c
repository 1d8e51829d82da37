/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl launch: start a guest with its device model in the order
 * that makes the device exist before the guest's first instruction:
 *
 *   xl create -p CONFIG ...   (domain built, paused)
 *   hvmlinkd --domid D ...    (ioreq server registered, state "ready")
 *   xl unpause D
 *
 * Any failure, and SIGINT/SIGTERM/SIGHUP at any stage, undoes what was
 * done: the daemon is stopped and the paused domain destroyed, named in
 * the message, so nothing half-started is left behind.
 *
 * The new domain is found by the name the configuration gives it (xl
 * refuses a second domain of the same name), never by comparing domain
 * lists, so concurrent launches cannot take each other's domain.
 *
 * When the configuration already names the hvmlink device-model wrapper
 * (device_model_override, docs/lifecycle.md), the toolstack starts
 * hvmlinkd itself before the guest runs; launch then starts no daemon and
 * only creates, checks readiness and unpauses.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xenstore/hvmlinkctl-escape.h"
#include "xenstore/hvmlinkctl-model.h"
#include "xenstore/schema.h"

#ifndef HVMLINKD_PATH
#define HVMLINKD_PATH "/usr/local/sbin/hvmlinkd"
#endif

#define LAUNCH_PARAMS "CONFIG [XL-ARGS...] [-- DAEMON-ARGS...]"

/* hvmlinkd's exit status when another daemon serves the domain (D3). */
#define HVMLINKD_EXIT_ALREADY_SERVED	3

/* How long a stopping daemon gets before SIGKILL. */
#define STOP_GRACE_MS	5000

struct launch {
	struct xs_handle *xsh;
	char *name;		/* the domain's name, from the configuration */
	bool toolstack_dm;	/* device_model_override starts hvmlinkd */
	int domid;		/* -1 until created */
	pid_t child;		/* the daemon we started, 0 if none */
	bool child_running;
	bool child_exited;	/* SIGCHLD: reap it */
	int errfd;		/* the daemon's stderr, relayed until ready */
	int sigfd;		/* SIGINT, SIGTERM, SIGHUP; SIGCHLD */
	int signo;		/* the first of them received, 0 if none */
	char why[128];		/* what failed, when it needs a number */
};

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

/* In a child: the signal mask of a fresh process. */
static void child_signals(bool ignore_stop)
{
	sigset_t none;

	if (ignore_stop) {
		/* xl finishes what it started: hvmlinkctl, which has seen the
		 * signal too, then undoes it as a whole. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Run argv to completion; its exit status, or -1 if it could not run. */
static int run_xl(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		child_signals(true);
		execvp(argv[0], argv);
		fprintf(stderr, "hvmlinkctl: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return wait_status(pid);
}

static int xl_simple(const char *verb, int domid)
{
	char id[16];
	char *argv[] = { (char *)xl_binary(), (char *)verb, id, NULL };

	snprintf(id, sizeof(id), "%d", domid);
	return run_xl(argv);
}

/* Remember the first stop signal that arrived (non-blocking), and
 * whether our daemon exited (SIGCHLD; xl's children are waited for
 * where they run). */
static void poll_signals(struct launch *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo != SIGCHLD && !l->signo)
			l->signo = (int)si.ssi_signo;
	/* SIGCHLDs coalesce and xl's children send them too: ask about our
	 * daemon itself, leaving it to be reaped by wait_status(). */
	if (l->child_running && !l->child_exited) {
		siginfo_t info = { 0 };

		if (waitid(P_PID, (id_t)l->child, &info,
			   WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == l->child)
			l->child_exited = true;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy what the daemon wrote to its stderr to ours; at EOF stop. */
static void relay_stderr(struct launch *l)
{
	char buf[4096];
	ssize_t n = read(l->errfd, buf, sizeof(buf));

	if (n > 0) {
		if (fwrite(buf, 1, (size_t)n, stderr) != (size_t)n)
			clearerr(stderr);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	close(l->errfd);
	l->errfd = -1;
}

/* Stop the daemon: our child if it still runs, else the pid it published
 * (it detached).  SIGTERM, then SIGKILL after a grace time. */
static void stop_daemon(struct launch *l)
{
	char path[SCHEMA_PATH_MAX];
	pid_t pid = l->child_running ? l->child : 0;
	long long end;

	if (!pid && l->child && schema_path(path, sizeof(path), (unsigned int)l->domid,
					    SCHEMA_PID)) {
		unsigned int len;
		char *v = xs_read(l->xsh, XBT_NULL, path, &len);
		long long p = v && strlen(v) == len ? ctl_parse_uint(v, 0x7fffffff) : -1;

		free(v);
		if (p > 1)
			pid = (pid_t)p;
	}
	if (!pid)
		return;
	kill(pid, SIGTERM);
	end = now_ms() + STOP_GRACE_MS;
	for (;;) {
		if (l->child_running) {
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				l->child_running = false;
				return;
			}
		} else if (kill(pid, 0) != 0) {
			return;
		}
		if (now_ms() >= end)
			break;
		usleep(20000);
	}
	ctl_error("hvmlinkd (pid %ld) ignores SIGTERM, killing it", (long)pid);
	kill(pid, SIGKILL);
	if (l->child_running)
		waitpid(pid, NULL, 0);
	l->child_running = false;
}

/*
 * The daemon runs in a session of its own (a Ctrl-C meant for hvmlinkctl
 * does not reach it; hvmlinkctl stops it as part of its clean-up), with
 * stdin and stdout on /dev/null and stderr on a pipe hvmlinkctl relays
 * until the daemon is ready: it never holds hvmlinkctl's output open.
 * SIGPIPE is ignored in it, so a daemon that logs to stderr after
 * hvmlinkctl has gone loses those lines, not its life.
 */
static pid_t spawn_daemon(struct launch *l, const char *path, int argc,
			  char **argv)
{
	g_autofree char **args = g_new0(char *, (size_t)argc + 4);
	char id[16];
	int pipefd[2], null;
	pid_t pid;
	int n = 0;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	snprintf(id, sizeof(id), "%d", l->domid);
	args[n++] = (char *)path;
	args[n++] = (char *)"--domid";
	args[n++] = id;
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	pid = fork();
	if (pid == 0) {
		child_signals(false);
		signal(SIGPIPE, SIG_IGN);
		setsid();
		null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		execv(path, args);
		fprintf(stderr, "hvmlinkctl: cannot run %s: %s\n", path,
			strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -1;
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	l->errfd = pipefd[0];
	return pid;
}

/* ---- the configuration: name and device_model_override ---- */

/* The value of the last "KEY = VALUE" (quoted or not) in text. */
static char *config_value(const char *text, const char *key)
{
	g_autofree char *pattern = g_strdup_printf(
		"^[ \\t]*%s[ \\t]*=[ \\t]*(?:\"([^\"]*)\"|'([^']*)'|([^ \\t\"'#;]+))",
		key);
	g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	char *value = NULL;

	g_regex_match(re, text, 0, &m);
	while (g_match_info_matches(m)) {
		g_free(value);
		value = NULL;
		for (int g = 1; g <= 3 && !value; g++) {
			char *v = g_match_info_fetch(m, g);

			if (v && *v)
				value = v;
			else
				g_free(v);
		}
		g_match_info_next(m, NULL);
	}
	return value;
}

/* xl takes extra "KEY=VALUE" settings after the file; later ones win. */
static char *setting(const char *file_text, char **xl_args, int n,
		     const char *key)
{
	char *value = config_value(file_text, key);

	for (int i = 0; i < n; i++) {
		char *v = config_value(xl_args[i], key);

		if (v) {
			g_free(value);
			value = v;
		}
	}
	return value;
}

/* ---- steps ---- */

/* The domain named l->name, or -1 (none, or several: not ours to pick). */
static int domid_by_name(struct launch *l)
{
	unsigned int n = 0;
	char **ids = xs_directory(l->xsh, XBT_NULL, "/local/domain", &n);
	int found = -1, count = 0;

	for (unsigned int i = 0; ids && i < n; i++) {
		g_autofree char *path = g_strdup_printf("/local/domain/%s/name", ids[i]);
		long long id = ctl_parse_uint(ids[i], SCHEMA_DOMID_MAX);
		unsigned int len;
		char *name;

		if (id < SCHEMA_DOMID_MIN)
			continue;
		name = xs_read(l->xsh, XBT_NULL, path, &len);
		if (name && strlen(name) == len && !strcmp(name, l->name)) {
			found = (int)id;
			count++;
		}
		free(name);
	}
	free(ids);
	return count == 1 ? found : -1;
}

static const char *signame(int signo)
{
	return signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" :
	       signo == SIGHUP ? "SIGHUP" : "a signal";
}

/* Undo everything: daemon stopped, domain destroyed.  why: the step that
 * failed, or NULL when a signal stopped us. */
static int undo(struct launch *l, const char *why)
{
	g_autofree char *name = ctl_text_escape(l->name, strlen(l->name));

	if (why)
		ctl_error("launch: %s; destroying domain %s (id %d)", why, name,
			  l->domid);
	else
		ctl_error("launch: interrupted by %s; destroying domain %s (id %d)",
			  signame(l->signo), name, l->domid);
	stop_daemon(l);
	if (xl_simple("destroy", l->domid) != 0)
		ctl_error("launch: xl destroy %d failed too; destroy domain %s by hand",
			  l->domid, name);
	return CTL_EXIT_LAUNCH;
}

/* Wait for "ready", relaying the daemon's stderr and noticing its exit
 * (SIGCHLD) and our stop signals.  Returns NULL when ready, else what
 * went wrong (l->signo set if a signal). */
static const char *await_ready(struct launch *l, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int rc, which;

	for (;;) {
		int fds[2], n = 0, idx_err = -1;
		long long left = deadline - now_ms();

		fds[n++] = l->sigfd;
		if (l->errfd >= 0)
			fds[idx_err = n++] = l->errfd;
		rc = ctl_wait_ready(l->xsh, (unsigned int)l->domid,
				    left > 0 ? (int)left : 0, fds, (unsigned int)n,
				    &which);
		if (rc == 0)
			return NULL;
		if (rc == -CTL_EXIT_TIMEOUT)
			return "hvmlinkd did not become ready in time";
		if (rc < 0)
			return "lost xenstore while waiting for hvmlinkd";
		if (which == idx_err) {
			relay_stderr(l);
			continue;
		}
		poll_signals(l);
		if (l->signo)
			return "";
		if (l->child_exited) {
			/* The child exited: failure, or it detached once ready. */
			int status = wait_status(l->child);

			l->child_running = false;
			l->child_exited = false;
			if (status == HVMLINKD_EXIT_ALREADY_SERVED) {
				/* Another hvmlinkd (the toolstack's, D3) serves
				 * the domain: use it, and never stop it
				 * ourselves (destroying the domain ends it). */
				ctl_error("launch: domain %d is already served by another hvmlinkd; waiting for it",
					  l->domid);
				l->child = 0;
			} else if (status != 0) {
				while (l->errfd >= 0)
					relay_stderr(l);
				snprintf(l->why, sizeof(l->why),
					 "hvmlinkd exited with status %d before it was ready",
					 status);
				return l->why;
			}
		}
	}
}

static int launch(struct launch *l, const char *hvmlinkd, int timeout_ms,
		  char **xl_argv, int daemon_argc, char **daemon_argv)
{
	g_autofree char *name = ctl_text_escape(l->name, strlen(l->name));
	const char *failed;
	int status;

	if (domid_by_name(l) >= 0) {
		ctl_error("launch: a domain named %s already exists", name);
		return CTL_EXIT_LAUNCH;
	}
	status = run_xl(xl_argv);
	poll_signals(l);
	if (status != 0) {
		ctl_error("launch: %s create -p failed (exit status %d)%s",
			  xl_argv[0], status, l->signo ? "; nothing to undo" : "");
		return CTL_EXIT_LAUNCH;
	}
	l->domid = domid_by_name(l);
	if (l->domid < 0) {
		/* Never destroy a domain we are not sure is ours. */
		ctl_error("launch: xl created no domain named %s (or several); destroy it by hand if it exists",
			  name);
		return CTL_EXIT_LAUNCH;
	}
	if (l->signo)
		return undo(l, NULL);

	if (!l->toolstack_dm) {
		l->child = spawn_daemon(l, hvmlinkd, daemon_argc, daemon_argv);
		if (l->child < 0) {
			l->child = 0;
			return undo(l, "cannot start hvmlinkd");
		}
		l->child_running = true;
	}
	failed = await_ready(l, timeout_ms);
	if (failed)
		return undo(l, l->signo ? NULL : failed);
	status = xl_simple("unpause", l->domid);
	poll_signals(l);
	if (l->signo)
		return undo(l, NULL);
	if (status != 0)
		return undo(l, "xl unpause failed");
	printf("domain %s (id %d) started, hvmlinkd ready\n", name, l->domid);
	return CTL_EXIT_OK;
}

int ctl_cmd_launch(int argc, char **argv)
{
	g_autofree char *timeout = NULL, *hvmlinkd = NULL, *text = NULL;
	const GOptionEntry entries[] = {
		{ "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout,
		  "Wait at most S seconds for the daemon (default 30)", "S" },
		{ "hvmlinkd", 0, 0, G_OPTION_ARG_FILENAME, &hvmlinkd,
		  "The daemon to start (default $HVMLINKD, else the installed one)",
		  "PATH" },
		G_OPTION_ENTRY_NULL
	};
	struct launch l = { .domid = -1, .errfd = -1, .sigfd = -1 };
	g_autofree char **xl_argv = NULL;
	char **daemon_argv = NULL;
	g_autofree char *dm = NULL;
	int timeout_ms = 30000, rc, i, xl_argc = 0, daemon_argc = 0, first;
	const char *daemon_path;
	g_autoptr(GError) err = NULL;
	sigset_t set;

	rc = ctl_parse_options("launch", LAUNCH_PARAMS,
			       "xl create -p CONFIG, start hvmlinkd for the new domain, wait until it is\n"
			       "ready, xl unpause.  Any failure or SIGINT/SIGTERM/SIGHUP destroys the\n"
			       "domain again and stops the daemon.",
			       entries, true, &argc, &argv);
	if (rc >= 0)
		return rc;
	if (timeout && !ctl_parse_timeout(timeout, &timeout_ms)) {
		ctl_error("launch: --timeout needs seconds (0..86400), not \"%s\"", timeout);
		return CTL_EXIT_USAGE;
	}
	first = argc > 1 && !strcmp(argv[1], "--") ? 2 : 1;
	if (first >= argc || !strcmp(argv[first], "--")) {
		ctl_error("launch: missing CONFIG");
		return ctl_usage_error("launch", LAUNCH_PARAMS);
	}
	daemon_path = hvmlinkd ? hvmlinkd : getenv("HVMLINKD");
	if (!daemon_path || !*daemon_path)
		daemon_path = HVMLINKD_PATH;
	if (!g_file_get_contents(argv[first], &text, NULL, &err)) {
		ctl_error("launch: cannot read config: %s", err->message);
		return CTL_EXIT_USAGE;
	}

	/* CONFIG and xl's KEY=VALUE settings, up to "--". */
	xl_argv = g_new0(char *, (size_t)argc + 4);
	xl_argv[xl_argc++] = (char *)xl_binary();
	xl_argv[xl_argc++] = (char *)"create";
	xl_argv[xl_argc++] = (char *)"-p";
	for (i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			daemon_argv = argv + i + 1;
			daemon_argc = argc - i - 1;
			break;
		}
		xl_argv[xl_argc++] = argv[i];
	}
	l.name = setting(text, xl_argv + 4, xl_argc - 4, "name");
	if (!l.name) {
		ctl_error("launch: %s sets no name; launch finds the new domain by its name",
			  argv[first]);
		return CTL_EXIT_USAGE;
	}
	dm = setting(text, xl_argv + 4, xl_argc - 4, "device_model_override");
	l.toolstack_dm = dm && g_str_has_suffix(dm, "/hvmlink/qemu-wrapper");
	if (l.toolstack_dm && daemon_argc > 0) {
		ctl_error("launch: %s starts hvmlinkd through device_model_override; DAEMON-ARGS belong in the wrapper's configuration",
			  argv[first]);
		g_free(l.name);
		return CTL_EXIT_USAGE;
	}
	if (!l.toolstack_dm && access(daemon_path, X_OK) != 0) {
		ctl_error("launch: cannot execute hvmlinkd at %s: %s", daemon_path,
			  strerror(errno));
		g_free(l.name);
		return CTL_EXIT_USAGE;
	}

	/* From here on a stop signal is an event to act on, not a death; the
	 * daemon's exit is one too (SIGCHLD: a daemon that dies during
	 * start-up is seen at once). */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	l.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	l.xsh = l.sigfd >= 0 ? ctl_xs_open() : NULL;
	if (l.sigfd < 0)
		ctl_error("launch: signalfd: %s", strerror(errno));
	if (!l.xsh) {
		rc = CTL_EXIT_FAIL;
	} else {
		rc = launch(&l, daemon_path, timeout_ms, xl_argv, daemon_argc,
			    daemon_argv);
		xs_close(l.xsh);
	}
	if (l.errfd >= 0)
		close(l.errfd);
	if (l.sigfd >= 0)
		close(l.sigfd);
	g_free(l.name);
	return rc;
}
