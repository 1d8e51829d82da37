/* SPDX-License-Identifier: MIT */
/*
 * Deprivileging, done once set-up is over, as QEMU's -xen-domid-restrict
 * and -runas/-chroot and varstored's depriv.c do:
 *
 *   1. xentoolcore_restrict_all(domid): every Xen library handle open at
 *      that moment (ioreq server, event channels, foreign memory) can only
 *      affect this one domain from now on.
 *   2. chroot to an empty directory (then chdir "/").
 *   3. drop every supplementary group, then gid, then uid (setgroups,
 *      setresgid, setresuid: real, effective and saved), which also
 *      clears every capability.
 *   4. PR_SET_NO_NEW_PRIVS, so no exec can give anything back (set first
 *      of all, in hvmlinkd_depriv_prepare(), while the process has one
 *      thread: the flag is per thread).
 *   5. check it worked: uid 0 and gid 0 cannot be regained, no
 *      effective capability is left.
 *
 * Not restricted (Xen offers no way to): the xenstore connection.  libxenstore
 * handles open during step 1 are killed by it (their fd is replaced with
 * /dev/null), so the daemon opens its xenstore connection after step 1 and
 * before step 2; it keeps Dom0's xenstore permissions.
 */
#ifndef HVMLINK_DAEMON_DEPRIV_H
#define HVMLINK_DAEMON_DEPRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct hvmlinkd_depriv {
	uint16_t domid;
	bool restrict_xen;	/* step 1 */
	const char *chroot_dir;	/* step 2, NULL = skip */
	bool drop_user;		/* step 3 */
	uid_t uid;
	gid_t gid;
	char *user;		/* for messages */
};

/*
 * Set no_new_privs, and look up user now, while /etc/passwd is still
 * reachable.  NULL user means no drop.  Refuses root (uid 0) and unknown
 * users.  Call before any thread exists.  0 or -1 after logging.
 */
int hvmlinkd_depriv_prepare(struct hvmlinkd_depriv *dp, uint16_t domid,
			    bool restrict_xen, const char *user,
			    const char *chroot_dir)
	__attribute__((warn_unused_result));
void hvmlinkd_depriv_fini(struct hvmlinkd_depriv *dp);

/* Step 1.  0 or -1 after logging. */
int hvmlinkd_depriv_restrict(const struct hvmlinkd_depriv *dp)
	__attribute__((warn_unused_result));
/* Steps 2, 3 and 5.  0 or -1 after logging; on failure the process must
 * exit. */
int hvmlinkd_depriv_drop(const struct hvmlinkd_depriv *dp)
	__attribute__((warn_unused_result));

#endif /* HVMLINK_DAEMON_DEPRIV_H */
