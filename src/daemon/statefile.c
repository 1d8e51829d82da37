/* SPDX-License-Identifier: MIT */
#include "daemon/statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "common/log.h"
#include "common/paths.h"

#define MAGIC		"HVLKSTAT"
#define REC_VERSION		1u
#define HEADER_LEN	96u
#define DIGEST_LEN	32u		/* SHA-256 */
/* The device's own limit on a blob is 1 MiB (savestate.c). */
#define BLOB_MAX	(1u << 20)

struct statefile {
	int dirfd;		/* STATE_DIR/vm, opened before any chroot */
	char name[48];		/* UUID.state */
	char path[4200];
	/* What we last wrote: a file with another inode was written by
	 * someone else since. */
	dev_t dev;
	ino_t ino;
	bool wrote;
};

int statefile_boot_id(char *out)
{
	char buf[64];
	ssize_t n;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < STATEFILE_BOOT_ID_LEN)
		return -EIO;
	memcpy(out, buf, STATEFILE_BOOT_ID_LEN);
	out[STATEFILE_BOOT_ID_LEN] = '\0';
	return 0;
}

static int open_dir(const char *path, mode_t mode, gid_t gid, bool *made)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*made = false;
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		*made = true;
		/* mkdir's mode is cut by the umask; and the group is the
		 * daemon's after it drops (it writes through the group). */
		if (fchmod(fd, mode) < 0 ||
		    (gid && fchown(fd, (uid_t)-1, gid) < 0))
			log_warn("%s: cannot set its mode/group: %s", path,
				 strerror(errno));
	}
	return fd;
}

/* Can uid:gid create files in the directory fd? (root: yes.) */
static bool writable_by(int fd, uid_t uid, gid_t gid)
{
	struct stat st;

	if (uid == 0)
		return true;
	if (fstat(fd, &st) < 0)
		return false;
	if (st.st_uid == uid)
		return (st.st_mode & S_IWUSR) && (st.st_mode & S_IXUSR);
	if (st.st_gid == gid)
		return (st.st_mode & S_IWGRP) && (st.st_mode & S_IXGRP);
	return (st.st_mode & S_IWOTH) && (st.st_mode & S_IXOTH);
}

int statefile_open(const char *state_dir, const char *uuid, uid_t uid,
		   gid_t gid, struct statefile **out)
{
	struct statefile *sf;
	char vm[4096];
	bool made;
	int top;

	sf = calloc(1, sizeof(*sf));
	if (!sf)
		return -ENOMEM;
	top = open_dir(state_dir, 0755, 0, &made);
	if (top < 0) {
		int rc = -errno;

		log_err("state directory %s: %s%s", state_dir, strerror(errno),
			errno == EACCES ? " (use --state-dir)" : "");
		free(sf);
		return rc;
	}
	close(top);
	snprintf(vm, sizeof(vm), "%s/%s", state_dir, HVMLINK_STATE_VM_SUBDIR);
	sf->dirfd = open_dir(vm, 0770, uid ? gid : 0, &made);
	if (sf->dirfd < 0) {
		int rc = -errno;

		log_err("state directory %s: %s", vm, strerror(errno));
		free(sf);
		return rc;
	}
	if (made)
		log_info("created the state directory %s", vm);
	if (!writable_by(sf->dirfd, uid, gid)) {
		log_err("state directory %s is not writable by uid %u gid %u, which the daemon runs as",
			vm, (unsigned int)uid, (unsigned int)gid);
		close(sf->dirfd);
		free(sf);
		return -EACCES;
	}
	snprintf(sf->name, sizeof(sf->name), "%s.state", uuid);
	snprintf(sf->path, sizeof(sf->path), "%s/%s", vm, sf->name);
	*out = sf;
	return 0;
}

void statefile_close(struct statefile *sf)
{
	if (!sf)
		return;
	close(sf->dirfd);
	free(sf);
}

const char *statefile_path(const struct statefile *sf)
{
	return sf->path;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void digest(const uint8_t *p, size_t len, uint8_t *out)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	gsize n = DIGEST_LEN;

	g_checksum_update(c, p, (gssize)len);
	g_checksum_get_digest(c, out, &n);
	g_checksum_free(c);
}

static bool boot_id_valid(const char *s)
{
	for (size_t i = 0; i < STATEFILE_BOOT_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !g_ascii_isxdigit(s[i]))
			return false;
	}
	return true;
}

/* Parse a whole file's bytes; false if it is not a valid record. */
static bool parse(const uint8_t *p, size_t len, struct statefile_rec *rec)
{
	uint8_t want[DIGEST_LEN];
	uint32_t blob_len;

	if (len < HEADER_LEN + DIGEST_LEN || memcmp(p, MAGIC, 8) != 0 ||
	    get_le32(p + 8) != REC_VERSION || get_le32(p + 12) != HEADER_LEN)
		return false;
	blob_len = get_le32(p + 60);
	if (blob_len > BLOB_MAX ||
	    len != (size_t)HEADER_LEN + blob_len + DIGEST_LEN)
		return false;
	digest(p, HEADER_LEN + blob_len, want);
	if (memcmp(want, p + HEADER_LEN + blob_len, DIGEST_LEN) != 0)
		return false;
	if (!boot_id_valid((const char *)p + 16) ||
	    memchr(p + 64, '\0', STATEFILE_INSTANCE_MAX) == NULL)
		return false;
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->instance, p + 64, STATEFILE_INSTANCE_MAX);
	memcpy(rec->boot_id, p + 16, STATEFILE_BOOT_ID_LEN);
	rec->domid = (uint16_t)(p[52] | p[53] << 8);
	rec->server_id = (int32_t)get_le32(p + 56);
	if (rec->server_id < -1 || rec->server_id > 0xffff)
		return false;
	rec->blob_len = blob_len;
	rec->blob = malloc(blob_len ? blob_len : 1);
	if (!rec->blob)
		return false;
	memcpy(rec->blob, p + HEADER_LEN, blob_len);
	return true;
}

/* Read name in dirfd whole (at most max bytes); NULL and errno. */
static uint8_t *slurp(int dirfd, const char *name, size_t max, size_t *len,
		      struct stat *st)
{
	uint8_t *buf;
	ssize_t n;
	size_t got = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    (size_t)st->st_size > max) {
		close(fd);
		errno = EBADMSG;
		return NULL;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while (got < (size_t)st->st_size) {
		n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

int statefile_read(struct statefile *sf, struct statefile_rec *rec)
{
	struct stat st;
	size_t len = 0;
	uint8_t *buf = slurp(sf->dirfd, sf->name,
			     HEADER_LEN + BLOB_MAX + DIGEST_LEN, &len, &st);
	bool ok;

	memset(rec, 0, sizeof(*rec));
	if (!buf) {
		int rc = -errno;

		if (rc == -ENOENT)
			return -ENOENT;
		if (rc == -EBADMSG) {
			log_warn("%s is not a regular file of a state record's size; ignoring it",
				 sf->path);
			return -EBADMSG;
		}
		/* Not "no record": one we cannot see (EACCES, EIO...). */
		log_err("cannot read the VM's saved device state %s: %s",
			sf->path, strerror(-rc));
		return rc;
	}
	ok = parse(buf, len, rec);
	free(buf);
	if (!ok) {
		log_warn("%s is not a valid hvmlinkd state record (truncated, corrupt or of another version); ignoring it",
			 sf->path);
		return -EBADMSG;
	}
	return 0;
}

void statefile_rec_free(struct statefile_rec *rec)
{
	free(rec->blob);
	rec->blob = NULL;
	rec->blob_len = 0;
}

/*
 * Still ours?  The file at the name is the one we wrote last, or a
 * record for the same boot and domain (a copy of ours).  Anything else
 * was written by the daemon of a newer domain of the VM.
 */
static bool still_ours(struct statefile *sf, const struct statefile_rec *rec)
{
	struct statefile_rec other;
	struct stat st;
	size_t len;
	uint8_t *buf;
	bool same;

	if (fstatat(sf->dirfd, sf->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT;		/* forgotten: write again */
	if (sf->wrote && st.st_dev == sf->dev && st.st_ino == sf->ino)
		return true;
	buf = slurp(sf->dirfd, sf->name, HEADER_LEN + BLOB_MAX + DIGEST_LEN,
		    &len, &st);
	if (!buf)
		return errno == ENOENT;
	/* Not a record at all (damaged): nobody's, so ours to replace. */
	same = true;
	if (parse(buf, len, &other)) {
		same = other.domid == rec->domid &&
		       strcmp(other.boot_id, rec->boot_id) == 0 &&
		       strcmp(other.instance, rec->instance) == 0;
		statefile_rec_free(&other);
	}
	free(buf);
	return same;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int statefile_write(struct statefile *sf, const struct statefile_rec *rec,
		    bool takeover, bool durable)
{
	size_t len = HEADER_LEN + rec->blob_len + DIGEST_LEN;
	char tmp[80];
	uint8_t *buf;
	struct stat st;
	int fd, rc;

	if (rec->blob_len > BLOB_MAX)
		return -EFBIG;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, MAGIC, 8);
	put_le32(buf + 8, REC_VERSION);
	put_le32(buf + 12, HEADER_LEN);
	memcpy(buf + 16, rec->boot_id, STATEFILE_BOOT_ID_LEN);
	buf[52] = (uint8_t)rec->domid;
	buf[53] = (uint8_t)(rec->domid >> 8);
	put_le32(buf + 56, (uint32_t)rec->server_id);
	put_le32(buf + 60, (uint32_t)rec->blob_len);
	memcpy(buf + 64, rec->instance,
	       strnlen(rec->instance, STATEFILE_INSTANCE_MAX - 1));
	if (rec->blob_len)
		memcpy(buf + HEADER_LEN, rec->blob, rec->blob_len);
	digest(buf, HEADER_LEN + rec->blob_len, buf + HEADER_LEN + rec->blob_len);

	/* One writer at a time per directory: the ownership check and the
	 * rename must not interleave with another daemon's. */
	if (flock(sf->dirfd, LOCK_EX) < 0) {
		rc = -errno;
		goto out_free;
	}
	if (!takeover && !still_ours(sf, rec)) {
		rc = -ESTALE;
		goto out_unlock;
	}
	snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", sf->name, (long)getpid());
	fd = openat(sf->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out_unlock;
	}
	/*
	 * 0644 whatever the umask: a file the deprivileged daemon writes
	 * belongs to its user, and the next daemon reads it as root without
	 * CAP_DAC_OVERRIDE (the unit's bounding set), i.e. as "other".  The
	 * directory (0770) keeps everyone else out.
	 */
	rc = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (!rc)
		rc = write_all(fd, buf, len);
	if (!rc && durable && fsync(fd) < 0)
		rc = -errno;
	if (!rc && fstat(fd, &st) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && renameat(sf->dirfd, tmp, sf->dirfd, sf->name) < 0)
		rc = -errno;
	if (rc) {
		unlinkat(sf->dirfd, tmp, 0);
		goto out_unlock;
	}
	sf->dev = st.st_dev;
	sf->ino = st.st_ino;
	sf->wrote = true;
	if (durable && fsync(sf->dirfd) < 0)
		rc = -errno;
out_unlock:
	flock(sf->dirfd, LOCK_UN);
out_free:
	free(buf);
	return rc;
}
