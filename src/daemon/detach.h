/* SPDX-License-Identifier: MIT */
/*
 * Going to the background so that the parent's exit status tells whether
 * start-up worked: the parent forks at once and waits on a pipe; the child
 * does all of the set-up and, once the device is ready, writes one byte
 * and lets go of the terminal.  If the child dies or fails before that,
 * the parent exits with the child's status.  Called first thing, before
 * any handle or thread exists.
 */
#ifndef HVMLINK_DAEMON_DETACH_H
#define HVMLINK_DAEMON_DETACH_H

#include <stdbool.h>

struct hvmlinkd_detach {
	int ready_fd;	/* child's end of the pipe; -1 when not detaching */
	int null_fd;	/* /dev/null, opened before any chroot */
};

/*
 * Returns 0 in the child (or when foreground is set, in the only
 * process); never returns in the parent.  -1 after logging.
 */
int hvmlinkd_detach_begin(struct hvmlinkd_detach *dt, bool foreground)
	__attribute__((warn_unused_result));
/* Start-up succeeded: release the parent and the terminal. */
void hvmlinkd_detach_ready(struct hvmlinkd_detach *dt);
/* Close what is left (on a failure path, or after ready). */
void hvmlinkd_detach_fini(struct hvmlinkd_detach *dt);
static inline bool hvmlinkd_detach_pending(const struct hvmlinkd_detach *dt)
{
	return dt->ready_fd >= 0;
}

#endif /* HVMLINK_DAEMON_DETACH_H */
