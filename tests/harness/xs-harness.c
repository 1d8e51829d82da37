/*
 * xs-harness: start, stop and restart the real xenstored for C tests.
 * The launching itself is tests/harness/xs-exec.sh's job (one place knows
 * where xenstored and the shim are); this file forks it, waits for the
 * socket and reaps the daemon.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness/xs-harness.h"

/* Bounds on waits that normally take milliseconds: a hang becomes an error. */
#define XS_HARNESS_WAIT_MS 30000
#define XS_HARNESS_POLL_MS 20

static void xs_harness_nap(void)
{
	struct timespec ts = { 0, XS_HARNESS_POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Ready means accepting connections: xenstored binds its socket a moment
 * before it listens, so the socket file alone is not enough.  A connection
 * that is accepted and closed at once costs xenstored nothing.
 */
static bool xs_harness_ready(const struct xs_harness *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool ok;
	int s;

	memcpy(sa.sun_path, h->socket_path, sizeof(sa.sun_path));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	ok = connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(s);
	return ok;
}

void xs_harness_use(const struct xs_harness *h)
{
	setenv("XENSTORED_PATH", h->socket_path, 1);
	setenv("XENSTORED_RUNDIR", h->dir, 1);
	setenv("XENSTORED_ROOTDIR", h->dir, 1);
}

static void xs_harness_exec_child(const char *dir, pid_t parent)
{
	const char *src = getenv("top_srcdir");
	char script[PATH_MAX];

	if (!src || !*src)
		src = XS_HARNESS_SRCDIR;
	/* xs-exec.sh finds the shim through top_builddir. */
	setenv("top_builddir", XS_HARNESS_BUILDDIR, 0);
	/* A test that dies (a failed g_assert aborts) takes xenstored along. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);	/* the test died before prctl() */
	/* The test's own preloads (ASan, the Xen stand-in) are not xenstored's. */
	unsetenv("LD_PRELOAD");
	snprintf(script, sizeof(script), "%s/tests/harness/xs-exec.sh", src);
	execl("/bin/sh", "sh", script, dir, (char *)NULL);
	fprintf(stderr, "xs-harness: exec %s: %s\n", script, strerror(errno));
	_exit(127);
}

static int xs_harness_spawn(struct xs_harness *h)
{
	pid_t pid, parent = getpid();
	int status, waited;

	unlink(h->socket_path);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		xs_harness_exec_child(h->dir, parent);

	for (waited = 0; waited < XS_HARNESS_WAIT_MS; waited += XS_HARNESS_POLL_MS) {
		if (xs_harness_ready(h)) {
			h->pid = pid;
			xs_harness_use(h);
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == XS_HARNESS_UNAVAILABLE)
				return XS_HARNESS_UNAVAILABLE;
			fprintf(stderr, "xs-harness: xenstored exited during start-up (status %#x), see %s/xenstored.log\n",
				status, h->dir);
			errno = ECHILD;
			return -1;
		}
		xs_harness_nap();
	}
	fprintf(stderr, "xs-harness: xenstored not ready in %s\n", h->dir);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	errno = ETIMEDOUT;
	return -1;
}

int xs_harness_start(struct xs_harness *h, const char *dir)
{
	memset(h, 0, sizeof(*h));
	if (strlen(dir) >= sizeof(h->dir) ||
	    snprintf(h->socket_path, sizeof(h->socket_path), "%s/socket", dir) >=
		    (int)sizeof(h->socket_path)) {
		fprintf(stderr, "xs-harness: %s is too long for a socket path\n", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(h->dir, dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "xs-harness: mkdir %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return xs_harness_spawn(h);
}

int xs_harness_stop(struct xs_harness *h)
{
	char pidfile[PATH_MAX + 8];
	int status, rc = 0;

	if (!h->pid)
		return 0;
	if (kill(h->pid, SIGTERM) < 0 && errno != ESRCH)
		rc = -1;
	/* xenstored dies on SIGTERM; reap it so no zombie or stray remains. */
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	h->pid = 0;
	/* A stale socket would turn "not running" into ECONNREFUSED. */
	unlink(h->socket_path);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", h->dir);
	unlink(pidfile);
	return rc;
}

int xs_harness_restart(struct xs_harness *h)
{
	if (xs_harness_stop(h) < 0)
		return -1;
	return xs_harness_spawn(h);
}
