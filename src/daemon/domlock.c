/* SPDX-License-Identifier: MIT */
#include "daemon/domlock.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/pidlock.h"

/* The run directory: /run/hvmlink is a tmpfs directory that may not
 * exist yet when no systemd created it (RuntimeDirectory=, tmpfiles). */
static int open_run_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_err("cannot create the run directory %s: %s%s", dir,
				strerror(errno),
				errno == EACCES ? " (use --run-dir)" : "");
			return -1;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		log_err("run directory %s: %s", dir, strerror(errno));
	return fd;
}

static int take(int dirfd, const char *dir, const char *name,
		struct pidlock **out, pid_t *holder)
{
	pid_t stale = 0;
	int rc = pidlock_acquire(dirfd, name, out, holder, &stale);

	if (rc == -EBUSY || rc == 0) {
		if (rc == 0 && stale)
			log_notice("%s/%s: taking over from hvmlinkd pid %ld, which died without cleaning up",
				   dir, name, (long)stale);
		return rc;
	}
	log_err("lock file %s/%s: %s", dir, name, strerror(-rc));
	return rc;
}

/* The deprecated --pid-file: the same kind of file, at a path of the
 * administrator's choosing. */
static int take_pid_file(struct hvmlinkd_domlock *dl, const char *path)
{
	char *dcopy = strdup(path), *bcopy = strdup(path);
	const char *dir, *base;
	pid_t holder = 0;
	int dirfd, rc = -ENOMEM;

	if (!dcopy || !bcopy) {
		log_err("out of memory");
		goto out;
	}
	dir = dirname(dcopy);
	base = basename(bcopy);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		rc = -errno;
		log_err("pid file %s: cannot open its directory: %s", path,
			strerror(errno));
		goto out;
	}
	rc = take(dirfd, dir, base, &dl->pid_file, &holder);
	close(dirfd);
	if (rc == -EBUSY) {
		log_err("pid file %s is held by another hvmlinkd (pid %ld)",
			path, (long)holder);
		/* Another domain's daemon: a configuration error, not this
		 * domain being served. */
		rc = -EEXIST;
	}
out:
	free(dcopy);
	free(bcopy);
	return rc;
}

int hvmlinkd_domlock_take(struct hvmlinkd_domlock *dl, const char *run_dir,
			  uint16_t domid, const char *pid_file)
{
	pid_t holder = 0;
	char name[32];
	int dirfd, rc;

	dl->lock = NULL;
	dl->pid_file = NULL;
	dirfd = open_run_dir(run_dir);
	if (dirfd < 0)
		return -EIO;
	snprintf(name, sizeof(name), "%u.pid", domid);
	rc = take(dirfd, run_dir, name, &dl->lock, &holder);
	close(dirfd);
	if (rc == -EBUSY) {
		if (holder)
			log_err("domain %u is already served by hvmlinkd (pid %ld)",
				domid, (long)holder);
		else
			log_err("domain %u is already served by hvmlinkd (pid unknown: %s/%s is locked)",
				domid, run_dir, name);
	}
	if (rc < 0)
		return rc;

	if (pid_file) {
		log_warn("--pid-file is deprecated: the daemon's pid is in %s/%s",
			 run_dir, name);
		rc = take_pid_file(dl, pid_file);
		if (rc < 0) {
			pidlock_release(dl->lock);
			dl->lock = NULL;
			return rc;
		}
	}
	return 0;
}

void hvmlinkd_domlock_release(struct hvmlinkd_domlock *dl)
{
	pidlock_release(dl->pid_file);
	pidlock_release(dl->lock);
	dl->pid_file = NULL;
	dl->lock = NULL;
}
