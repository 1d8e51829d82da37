/* SPDX-License-Identifier: MIT */
/*
 * The VM's device state on disk, so that it outlives the daemon (D3):
 * STATE_DIR/vm/UUID.state holds the host boot, domain and domain build it
 * was written for, the ioreq server the daemon served it with, and the device's
 * hvmdev_save() blob.
 *
 * Replaced atomically (a temporary file renamed over it, through a
 * directory fd opened before any chroot), under an flock of that
 * directory, and never over a record that a newer domain of the same VM
 * has written since (same-host migration: the domain that arrived owns
 * the VM's state; the one leaving must not overwrite it).
 *
 * Layout (little-endian), checked completely on read:
 *   "HVLKSTAT" u32 version=1 u32 header=96
 *   36 bytes boot id (/proc/sys/kernel/random/boot_id) u16 domid u16 0
 *   i32 ioreq server id (-1: none) u32 blob length
 *   32 bytes instance (/vm/UUID/start_time, NUL-padded)
 *   blob, then the SHA-256 of everything before it.
 */
#ifndef HVMLINK_DAEMON_STATEFILE_H
#define HVMLINK_DAEMON_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATEFILE_BOOT_ID_LEN	36
#define STATEFILE_INSTANCE_MAX	32

struct statefile;

struct statefile_rec {
	char boot_id[STATEFILE_BOOT_ID_LEN + 1];
	/* Which build of the domain (libxl's /vm/UUID/start_time; "" if
	 * unknown): with the domain id, one domain instance. */
	char instance[STATEFILE_INSTANCE_MAX];
	uint16_t domid;
	int32_t server_id;	/* -1: no ioreq server to re-attach to */
	void *blob;		/* malloc'ed; hvmdev_save() */
	size_t blob_len;
};

/* This boot's id (STATEFILE_BOOT_ID_LEN + 1 bytes); 0 or -errno. */
int statefile_boot_id(char *out);

/*
 * Open the state directory for VM uuid: create state_dir and
 * state_dir/vm if they are missing (vm/ 0770, group gid when the daemon
 * will drop to uid:gid), and check that the daemon can still write there
 * after dropping (uid 0: stays root).  Logs and returns -errno on failure.
 */
int statefile_open(const char *state_dir, const char *uuid, uid_t uid,
		   gid_t gid, struct statefile **out)
	__attribute__((warn_unused_result));
void statefile_close(struct statefile *sf);

/* The path, for messages. */
const char *statefile_path(const struct statefile *sf);

/*
 * Read the VM's record.  0 and *rec (free with statefile_rec_free());
 * -ENOENT if there is none; -EBADMSG if it is not a valid record
 * (truncated, another format, checksum wrong: logged); any other -errno
 * (EACCES, EIO: logged) if a file is there that cannot be read.
 */
int statefile_read(struct statefile *sf, struct statefile_rec *rec)
	__attribute__((warn_unused_result));
void statefile_rec_free(struct statefile_rec *rec);

/*
 * Replace the record.  takeover: this daemon's domain is the VM's newest
 * and owns the record from now on (start-up); otherwise the write is
 * refused with -ESTALE when the file on disk was replaced by a record for
 * another boot or domain since our last write.  durable: fsync the file
 * and the directory (clean exit: a host shutdown may follow).
 */
int statefile_write(struct statefile *sf, const struct statefile_rec *rec,
		    bool takeover, bool durable)
	__attribute__((warn_unused_result));

#endif /* HVMLINK_DAEMON_STATEFILE_H */
