/* SPDX-License-Identifier: MIT */
#include "daemon/depriv.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <xentoolcore.h>

#include "common/log.h"

int hvmlinkd_depriv_prepare(struct hvmlinkd_depriv *dp, uint16_t domid,
			    bool restrict_xen, const char *user,
			    const char *chroot_dir)
{
	struct passwd *pw;

	memset(dp, 0, sizeof(*dp));
	/*
	 * no_new_privs is per thread and inherited only by threads created
	 * later; libraries start threads during set-up (libxenstore's watch
	 * reader), so set it now, while we are the only thread.  It does not
	 * stop the set-up or the id changes below, only privilege-granting
	 * exec.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	dp->domid = domid;
	dp->restrict_xen = restrict_xen;
	dp->chroot_dir = chroot_dir;
	if (!user)
		return 0;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		log_err("--user %s: %s", user,
			errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_err("--user %s: has uid or gid 0, which is no deprivileging",
			user);
		return -1;
	}
	dp->user = strdup(user);
	if (!dp->user) {
		log_err("out of memory");
		return -1;
	}
	dp->drop_user = true;
	dp->uid = pw->pw_uid;
	dp->gid = pw->pw_gid;
	return 0;
}

void hvmlinkd_depriv_fini(struct hvmlinkd_depriv *dp)
{
	free(dp->user);
	dp->user = NULL;
}

int hvmlinkd_depriv_restrict(const struct hvmlinkd_depriv *dp)
{
	if (!dp->restrict_xen) {
		log_warn("--no-restrict: Xen handles are NOT restricted to domain %u",
			 dp->domid);
		return 0;
	}
	if (xentoolcore_restrict_all(dp->domid) < 0) {
		log_err("cannot restrict Xen handles to domain %u: %s",
			dp->domid, strerror(errno));
		return -1;
	}
	log_info("Xen handles restricted to domain %u", dp->domid);
	return 0;
}

/*
 * The chroot directory must be empty and not writable by the user we
 * become: a writable or populated root would give a compromised daemon
 * files to play with (libraries to plant, set-uid binaries to run).
 */
static int check_chroot_dir(const struct hvmlinkd_depriv *dp)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(dp->chroot_dir, &st) < 0) {
		log_err("--chroot %s: %s", dp->chroot_dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("--chroot %s: not a directory", dp->chroot_dir);
		return -1;
	}
	if ((st.st_mode & S_IWOTH) ||
	    (dp->drop_user && (st.st_uid == dp->uid ||
			       (st.st_gid == dp->gid &&
				(st.st_mode & S_IWGRP))))) {
		log_err("--chroot %s: writable by the daemon's user; it must be an empty directory owned by root",
			dp->chroot_dir);
		return -1;
	}
	d = opendir(dp->chroot_dir);
	if (!d) {
		log_err("--chroot %s: %s", dp->chroot_dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			log_err("--chroot %s: not empty (contains '%s')",
				dp->chroot_dir, de->d_name);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/*
 * Libraries that load code lazily must have it loaded before the chroot
 * hides /lib: glibc's pthread_cancel() dlopens libgcc_s for unwinding,
 * and libxenstore cancels its reader thread in xs_close().  Without this
 * the daemon aborts on its way out ("libgcc_s.so.1 must be installed").
 * dlopen by soname finds the copy already mapped, so it is kept open for
 * the process's life.
 */
static void preload_for_chroot(void)
{
	if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_GLOBAL))
		log_warn("cannot preload libgcc_s.so.1 (%s): threads cannot be cancelled after the chroot",
			 dlerror());
}

static int enter_chroot(const struct hvmlinkd_depriv *dp)
{
	if (check_chroot_dir(dp))
		return -1;
	preload_for_chroot();
	/* chdir first, so no directory outside the new root stays open. */
	if (chdir(dp->chroot_dir) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		log_err("cannot chroot to %s: %s", dp->chroot_dir,
			strerror(errno));
		return -1;
	}
	log_info("chrooted to %s", dp->chroot_dir);
	return 0;
}

static int drop_ids(const struct hvmlinkd_depriv *dp)
{
	/* Groups first: once the uid is gone we could no longer change them. */
	if (setgroups(1, &dp->gid) < 0) {
		log_err("setgroups(%u): %s", dp->gid, strerror(errno));
		return -1;
	}
	if (setresgid(dp->gid, dp->gid, dp->gid) < 0) {
		log_err("setresgid(%u): %s", dp->gid, strerror(errno));
		return -1;
	}
	if (setresuid(dp->uid, dp->uid, dp->uid) < 0) {
		log_err("setresuid(%u): %s", dp->uid, strerror(errno));
		return -1;
	}
	return 0;
}

static int effective_caps_empty(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	for (unsigned int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted)
			return 0;
	return 1;
}

/* Trust nothing: try to get root back and look at what we hold. */
static int verify(const struct hvmlinkd_depriv *dp)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (dp->drop_user) {
		if (setresuid(0, 0, 0) == 0 || setuid(0) == 0 ||
		    setresgid(0, 0, 0) == 0) {
			log_err("deprivileging failed: uid/gid 0 could be regained");
			return -1;
		}
		if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
		    r != dp->uid || e != dp->uid || s != dp->uid ||
		    rg != dp->gid || eg != dp->gid || sg != dp->gid) {
			log_err("deprivileging failed: ids are not %u:%u",
				dp->uid, dp->gid);
			return -1;
		}
		if (effective_caps_empty() != 1) {
			log_err("deprivileging failed: capabilities remain");
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		log_err("deprivileging failed: no_new_privs is not set");
		return -1;
	}
	return 0;
}

int hvmlinkd_depriv_drop(const struct hvmlinkd_depriv *dp)
{
	if (dp->chroot_dir && enter_chroot(dp))
		return -1;
	if (dp->drop_user && drop_ids(dp))
		return -1;
	if (verify(dp))
		return -1;
	if (dp->drop_user)
		log_info("running as %s (uid %u, gid %u)", dp->user, dp->uid,
			 dp->gid);
	else
		log_warn("running as root: use --user to drop privileges");
	return 0;
}
