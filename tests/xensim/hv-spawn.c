/* SPDX-License-Identifier: MIT */
/* Run a device model under the stand-in (through xensim-run, so the
 * preload order is the one the daemon's own tests use). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/xensim/xensim.h"

pid_t xensim_spawn(struct xensim *sim, char *const argv[])
{
	char run[PATH_MAX];
	const char *env = getenv("XENSIM_RUN");
	const char *top = getenv("top_builddir");
	int argc = 0;
	pid_t pid;

	if (env && *env)
		snprintf(run, sizeof(run), "%s", env);
	else
		snprintf(run, sizeof(run), "%s/tests/xensim/xensim-run",
			 top && *top ? top : ".");
	while (argv[argc])
		argc++;
	if (access(run, X_OK) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char **args = calloc((size_t)argc + 2, sizeof(*args));

		if (!args)
			_exit(127);
		args[0] = run;
		for (int i = 0; i < argc; i++)
			args[i + 1] = argv[i];
		setenv("XENSIM_DIR", xensim_dir(sim), 1);
		execv(run, args);
		perror(run);
		_exit(127);
	}
	return pid;
}

int xensim_wait_child(pid_t pid, int timeout_ms, int *status)
{
	struct timespec start, now;

	if (timeout_ms < 0)
		timeout_ms = xensim_timeout_ms();
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		long ms;

		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 +
		     (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIMEDOUT;
		}
		usleep(2000);
	}
}
