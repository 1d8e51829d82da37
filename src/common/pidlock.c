/* SPDX-License-Identifier: MIT */
#include "common/pidlock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

struct pidlock {
	int fd;
	int dirfd;
	char *name;
};

/*
 * How long a lock held by nobody we can name (a starting owner between
 * its flock and its pid write, which takes microseconds) may delay us
 * before we call the file taken.
 */
#define ACQUIRE_TRIES		100
#define ACQUIRE_WAIT_NS		10000000L	/* 10 ms */

/* The pid in an open pid file; 0 if empty or not a pid. */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v <= 0 ||
	    v > 0x3fffffff)
		return 0;
	return (pid_t)v;
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static int write_pid(int fd, pid_t pid)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);

	if (ftruncate(fd, 0) < 0)
		return -errno;
	if (pwrite(fd, buf, (size_t)len, 0) != len)
		return errno ? -errno : -EIO;
	return 0;
}

/* Is fd still the file at dirfd/name?  A previous owner unlinks its file
 * before it lets go of the lock, so we may have locked a dead inode. */
static bool still_linked(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 &&
	       fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int pidlock_acquire(int dirfd, const char *name, struct pidlock **out,
		    pid_t *holder, pid_t *stale)
{
	struct timespec wait = { 0, ACQUIRE_WAIT_NS };
	struct pidlock *pl;
	pid_t seen = 0;
	int fd, rc;

	*holder = 0;
	if (stale)
		*stale = 0;
	for (int attempt = 0; attempt < ACQUIRE_TRIES; attempt++) {
		struct stat st;

		fd = openat(dirfd, name,
			    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			/* A directory or device at our name: not ours. */
			close(fd);
			return -EINVAL;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (!still_linked(dirfd, name, fd)) {
				close(fd);
				continue;
			}
			goto locked;
		}
		rc = -errno;
		if (rc != -EWOULDBLOCK && rc != -EINTR) {
			close(fd);
			return rc;
		}
		seen = read_pid(fd);
		close(fd);
		if (pid_alive(seen)) {
			*holder = seen;
			return -EBUSY;
		}
		/* Locked, but the pid in it is nobody's yet: an owner that
		 * has just locked it and is about to write its pid. */
		nanosleep(&wait, NULL);
	}
	*holder = pid_alive(seen) ? seen : 0;
	return -EBUSY;

locked:
	if (stale) {
		pid_t old = read_pid(fd);

		*stale = old != getpid() ? old : 0;
	}
	rc = write_pid(fd, getpid());
	if (rc < 0)
		goto err_unlink;
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		rc = -ENOMEM;
		goto err_unlink;
	}
	pl->fd = fd;
	pl->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (pl->dirfd < 0) {
		rc = -errno;
		free(pl);
		goto err_unlink;
	}
	pl->name = strdup(name);
	if (!pl->name) {
		close(pl->dirfd);
		free(pl);
		rc = -ENOMEM;
		goto err_unlink;
	}
	*out = pl;
	return 0;

err_unlink:
	unlinkat(dirfd, name, 0);
	close(fd);
	return rc;
}

int pidlock_update_pid(struct pidlock *pl)
{
	return write_pid(pl->fd, getpid());
}

void pidlock_release(struct pidlock *pl)
{
	if (!pl)
		return;
	/* Unlink while still holding the lock: whoever locks the inode
	 * after us sees it is no longer linked and starts again. */
	if (unlinkat(pl->dirfd, pl->name, 0) < 0 && ftruncate(pl->fd, 0) < 0) {
		/* Nothing more to do: an unlocked file is stale anyway. */
	}
	close(pl->fd);
	close(pl->dirfd);
	free(pl->name);
	free(pl);
}

/*
 * One line of /proc/locks:
 *   "1: FLOCK  ADVISORY  WRITE 1234 fd:01:56789 0 EOF"
 * (fs/locks.c lock_get_status(): pid, then MAJOR:MINOR in %02x and the
 * inode in decimal).  Lines of waiters carry "->" and are skipped.
 */
static bool parse_lock_line(const char *line, pid_t *pid, unsigned int *maj,
			    unsigned int *min, unsigned long long *ino)
{
	char kind[16], mode[16], rw[16];
	long p;
	int n;

	line = strchr(line, ':');
	if (!line || strstr(line, "->"))
		return false;
	n = sscanf(line + 1, " %15s %15s %15s %ld %x:%x:%llu", kind, mode, rw,
		   &p, maj, min, ino);
	if (n != 7 || strcmp(kind, "FLOCK") != 0)
		return false;
	*pid = (pid_t)p;
	return true;
}

int pidlock_probe(const char *path, pid_t *holder)
{
	char line[256];
	struct stat st;
	FILE *locks;
	int fd, found = 0;

	*holder = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	*holder = read_pid(fd);
	close(fd);

	locks = fopen("/proc/locks", "re");
	if (!locks)
		return -errno;
	while (fgets(line, sizeof(line), locks)) {
		unsigned long long ino;
		unsigned int maj, min;
		pid_t pid;

		if (!parse_lock_line(line, &pid, &maj, &min, &ino))
			continue;
		if (ino != (unsigned long long)st.st_ino ||
		    maj != major(st.st_dev) || min != minor(st.st_dev))
			continue;
		found = 1;
		*holder = pid;
		break;
	}
	fclose(locks);
	return found;
}
