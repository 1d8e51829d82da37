/* SPDX-License-Identifier: MIT */
/*
 * One daemon per domain: the lock file RUN_DIR/DOMID.pid, held (flock)
 * for the daemon's whole life with its pid in it (src/common/pidlock.h).
 * Taken by the process that serves the domain, after it detached and
 * before anything touches Xen or xenstore, so a refused second daemon
 * has changed nothing.
 */
#ifndef HVMLINK_DAEMON_DOMLOCK_H
#define HVMLINK_DAEMON_DOMLOCK_H

#include <stdint.h>

struct pidlock;

struct hvmlinkd_domlock {
	struct pidlock *lock;		/* RUN_DIR/DOMID.pid */
	struct pidlock *pid_file;	/* deprecated --pid-file, or NULL */
};

/*
 * Take the domain's lock (creating run_dir if it is missing), and the
 * deprecated extra pid file if pid_file is not NULL.  Returns 0; -EBUSY
 * after logging "domain D is already served by hvmlinkd (pid P)" (the
 * caller exits with status 3); any other negative errno after logging
 * why.  On failure nothing is held.
 */
int hvmlinkd_domlock_take(struct hvmlinkd_domlock *dl, const char *run_dir,
			  uint16_t domid, const char *pid_file)
	__attribute__((warn_unused_result));

/* Remove the files and drop the locks (works after a chroot). */
void hvmlinkd_domlock_release(struct hvmlinkd_domlock *dl);

#endif /* HVMLINK_DAEMON_DOMLOCK_H */
