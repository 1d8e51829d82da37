/* SPDX-License-Identifier: MIT */
#include "daemon/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"

static void parent_wait(int rfd, pid_t child)
{
	char byte;
	ssize_t n;
	int status;
	sigset_t all;

	/* main() blocked the stop signals for the daemon's sake; the waiting
	 * parent should still die of a Ctrl-C (the child has its own session
	 * and carries on). */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	do {
		n = read(rfd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	/* EOF: the child failed (and said why) or died. */
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(1);
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
	_exit(1);
}

int hvmlinkd_detach_begin(struct hvmlinkd_detach *dt, bool foreground)
{
	int p[2];
	pid_t pid;

	dt->ready_fd = -1;
	dt->null_fd = -1;
	if (foreground)
		return 0;

	dt->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (dt->null_fd < 0) {
		log_err("/dev/null: %s", strerror(errno));
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_err("pipe: %s", strerror(errno));
		goto err_null;
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto err_null;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	dt->ready_fd = p[1];
	/* A new session: no controlling terminal, no job-control signals. */
	if (setsid() < 0) {
		log_err("setsid: %s", strerror(errno));
		hvmlinkd_detach_fini(dt);
		return -1;
	}
	return 0;

err_null:
	close(dt->null_fd);
	dt->null_fd = -1;
	return -1;
}

void hvmlinkd_detach_ready(struct hvmlinkd_detach *dt)
{
	const char byte = 0;

	if (dt->ready_fd < 0)
		return;
	dup2(dt->null_fd, STDIN_FILENO);
	dup2(dt->null_fd, STDOUT_FILENO);
	dup2(dt->null_fd, STDERR_FILENO);
	if (write(dt->ready_fd, &byte, 1) != 1)
		log_warn("cannot tell the parent we are ready: %s",
			 strerror(errno));
	hvmlinkd_detach_fini(dt);
}

void hvmlinkd_detach_fini(struct hvmlinkd_detach *dt)
{
	if (dt->ready_fd >= 0)
		close(dt->ready_fd);
	if (dt->null_fd >= 0)
		close(dt->null_fd);
	dt->ready_fd = -1;
	dt->null_fd = -1;
}
