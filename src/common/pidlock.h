/* SPDX-License-Identifier: MIT */
/*
 * Pid files that are also locks: the one helper for hvmlinkd's per-domain
 * lock (RUN_DIR/DOMID.pid) and for every reader of it (hvmlinkctl).
 *
 * The owner holds flock(LOCK_EX) on the file for its whole life and keeps
 * its pid in it.  The kernel drops the lock when the owner dies, however it
 * dies, so a file that exists but is not locked is stale: it never blocks
 * the next owner.  Readers never take the lock (a shared lock held for a
 * moment would make a starting owner believe the file is taken): they look
 * the lock up in /proc/locks instead.
 */
#ifndef HVMLINK_COMMON_PIDLOCK_H
#define HVMLINK_COMMON_PIDLOCK_H

#include <sys/types.h>

struct pidlock;

/*
 * Create (if missing) and lock dirfd/name, then write our pid into it.
 * dirfd stays the caller's; the lock keeps its own copy, so release works
 * after a chroot.  Returns 0 and *out; -EBUSY when a live process holds
 * the lock (*holder = its pid, 0 if it has not written it yet); or
 * another negative errno.  *stale gets the pid a dead previous owner left
 * in the file (0 if none); stale may be NULL.
 */
int pidlock_acquire(int dirfd, const char *name, struct pidlock **out,
		    pid_t *holder, pid_t *stale)
	__attribute__((warn_unused_result));

/* Write getpid() into the file again (after a fork moved us). */
int pidlock_update_pid(struct pidlock *pl)
	__attribute__((warn_unused_result));

/*
 * Remove the file and drop the lock.  If the directory is no longer
 * writable (privileges were dropped) the file is emptied instead, which
 * readers treat like a missing file.  NULL is a no-op.
 */
void pidlock_release(struct pidlock *pl);

/*
 * Read-only probe, for readers: is path locked by a live owner?
 * Returns 1 (locked; *holder = the owner's pid as /proc/locks reports
 * it), 0 (no file, or not locked: *holder = the pid left in the file, 0
 * if none) or a negative errno (/proc/locks unreadable, path unreadable).
 */
int pidlock_probe(const char *path, pid_t *holder);

#endif /* HVMLINK_COMMON_PIDLOCK_H */
