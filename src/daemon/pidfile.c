/* SPDX-License-Identifier: MIT */
#include "daemon/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

struct hvmlinkd_pidfile {
	int fd;
	int dirfd;
	char *name;
	char *path;
};

struct hvmlinkd_pidfile *hvmlinkd_pidfile_create(const char *path)
{
	struct hvmlinkd_pidfile *pf;
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *dcopy = NULL, *bcopy = NULL;
	char buf[32];
	int len;

	pf = calloc(1, sizeof(*pf));
	if (!pf)
		goto err;
	pf->fd = -1;
	pf->dirfd = -1;
	dcopy = strdup(path);
	bcopy = strdup(path);
	pf->path = strdup(path);
	if (!dcopy || !bcopy || !pf->path)
		goto err_nomem;
	pf->name = strdup(basename(bcopy));
	if (!pf->name)
		goto err_nomem;

	pf->dirfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pf->dirfd < 0) {
		log_err("pid file %s: cannot open its directory: %s", path,
			strerror(errno));
		goto err_free;
	}
	pf->fd = openat(pf->dirfd, pf->name,
			O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (pf->fd < 0) {
		log_err("pid file %s: %s", path, strerror(errno));
		goto err_free;
	}
	if (fcntl(pf->fd, F_SETLK, &lk) < 0) {
		if (errno == EACCES || errno == EAGAIN)
			log_err("pid file %s is locked: another hvmlinkd is running",
				path);
		else
			log_err("pid file %s: lock: %s", path, strerror(errno));
		/* Not ours: never remove it. */
		close(pf->fd);
		pf->fd = -1;
		goto err_free;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) < 0 || write(pf->fd, buf, (size_t)len) != len) {
		log_err("pid file %s: write: %s", path, strerror(errno));
		goto err_unlink;
	}
	free(dcopy);
	free(bcopy);
	return pf;

err_unlink:
	unlinkat(pf->dirfd, pf->name, 0);
	goto err_free;
err_nomem:
	log_err("pid file %s: out of memory", path);
err_free:
	if (pf->fd >= 0)
		close(pf->fd);
	if (pf->dirfd >= 0)
		close(pf->dirfd);
	free(pf->name);
	free(pf->path);
	free(pf);
err:
	free(dcopy);
	free(bcopy);
	return NULL;
}

void hvmlinkd_pidfile_remove(struct hvmlinkd_pidfile *pf)
{
	if (!pf)
		return;
	if (unlinkat(pf->dirfd, pf->name, 0) < 0) {
		log_info("pid file %s: cannot remove (%s); emptying it",
			 pf->path, strerror(errno));
		if (ftruncate(pf->fd, 0) < 0)
			log_warn("pid file %s: cannot empty it: %s", pf->path,
				 strerror(errno));
	}
	close(pf->fd);
	close(pf->dirfd);
	free(pf->name);
	free(pf->path);
	free(pf);
}
