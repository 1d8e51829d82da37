/* SPDX-License-Identifier: MIT */
/*
 * The pid file: created and locked by the daemon process itself (after
 * detaching, so it holds the right pid), removed on exit.  The lock tells
 * a second daemon for the same file that the first is alive, and tells
 * readers that a file nobody has locked is stale.
 */
#ifndef HVMLINK_DAEMON_PIDFILE_H
#define HVMLINK_DAEMON_PIDFILE_H

struct hvmlinkd_pidfile;

/* Create, lock and fill path; NULL after logging why (EEXIST: locked). */
struct hvmlinkd_pidfile *hvmlinkd_pidfile_create(const char *path)
	__attribute__((warn_unused_result));
/*
 * Remove the file.  Works after a chroot (through a directory fd opened
 * at creation); if the directory is no longer writable (privileges were
 * dropped) the file is emptied instead, so no stale pid is left.
 */
void hvmlinkd_pidfile_remove(struct hvmlinkd_pidfile *pf);

#endif /* HVMLINK_DAEMON_PIDFILE_H */
