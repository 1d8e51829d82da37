/* SPDX-License-Identifier: MIT */
/*
 * hvmxs: the connection, the watches and the event loop side.
 *
 * Why an epoll fd: libxenstore delivers watch events through a pipe fed by
 * its reader thread, and when xenstored goes away that thread just closes
 * the socket and exits: the pipe never becomes readable, so a main loop
 * polling only xs_fileno() would never learn of it.  hvmxs therefore keeps
 * a second, idle connection to xenstored's socket (the "sentinel") whose
 * EOF says xenstored died, and hands the main loop one epoll fd that
 * covers both.  The epoll fd outlives reconnections, so the caller's fd
 * source never changes.
 */
#include "xenstore/hvmxs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/log.h"

#define TOKEN_HINTS	"hvmlink-hints"
#define TOKEN_RELEASE	"hvmlink-release"
#define TOKEN_SELF	"hvmlink-self"

#define BACKOFF_MIN_MS	50u
#define BACKOFF_MAX_MS	5000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool hvmxs__path(const struct hvmxs *xs, char *buf, size_t len,
		 const char *rel)
{
	int n = snprintf(buf, len, "%s/%s", xs->root, rel);

	return n > 0 && (size_t)n < len;
}

/* Same lookup as libxenstore's xs_open(): only a unix socket can have a
 * sentinel; the xenbus device of a real Dom0 does not go away. */
static int sentinel_open(void)
{
	const char *path = xs_daemon_socket();
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (!path || stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -1;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True if the sentinel says xenstored has gone (EOF or error). */
static bool sentinel_dead(int fd)
{
	char buf[256];
	ssize_t n;

	if (fd < 0)
		return false;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;	/* never expected; drop it */
		if (n == 0)
			return true;
		return errno != EAGAIN && errno != EWOULDBLOCK &&
		       errno != EINTR;
	}
}

static void disconnect(struct hvmxs *xs)
{
	if (xs->watch_fd >= 0)
		epoll_ctl(xs->epfd, EPOLL_CTL_DEL, xs->watch_fd, NULL);
	if (xs->sentinel >= 0) {
		epoll_ctl(xs->epfd, EPOLL_CTL_DEL, xs->sentinel, NULL);
		close(xs->sentinel);
	}
	/* xs_close() also closes the watch pipe and joins the reader. */
	if (xs->xsh)
		xs_close(xs->xsh);
	xs->xsh = NULL;
	xs->watch_fd = -1;
	xs->sentinel = -1;
}

static void connection_lost(struct hvmxs *xs)
{
	if (!xs->xsh)
		return;
	disconnect(xs);
	xs->backoff_ms = BACKOFF_MIN_MS;
	xs->retry_at_ns = now_ns() + BACKOFF_MIN_MS * 1000000ull;
	log_warn("xenstore: connection lost, reconnecting");
	if (xs->cb.connection_lost && !xs->in_callback_lost) {
		xs->in_callback_lost = true;
		xs->cb.connection_lost(xs->opaque);
		xs->in_callback_lost = false;
	}
}

bool hvmxs__check_lost(struct hvmxs *xs, int err)
{
	if (!xs->xsh)
		return true;
	/*
	 * errno values libxenstore leaves when its socket is dead: EBADF once
	 * the reader closed it, EINVAL from a reply that never came, EPIPE /
	 * ECONNRESET from the write.  EINVAL is also xenstored's answer to a
	 * bad request, so ask the sentinel before giving up on the link.
	 */
	if (sentinel_dead(xs->sentinel) || err == EBADF || err == EPIPE ||
	    err == ECONNRESET || err == ENOTCONN || err == ESHUTDOWN ||
	    (xs->sentinel < 0 && err == EINVAL)) {
		connection_lost(xs);
		return true;
	}
	return false;
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int create_tree(struct hvmxs *xs)
{
	char path[SCHEMA_PATH_MAX];
	char val[16];
	int rc;

	rc = schema_ensure_root(xs->xsh, xs->domid);
	if (rc)
		return rc;
	rc = schema_ensure_vm_root(xs->xsh, xs->uuid, true);
	if (rc)
		return rc;
	/* Tells hvmlinkctl how many displays this daemon serves. */
	snprintf(val, sizeof(val), "%u", xs->nr_displays);
	if (!hvmxs__path(xs, path, sizeof(path), SCHEMA_DISPLAYS) ||
	    !xs_write(xs->xsh, XBT_NULL, path, val, strlen(val)))
		return -EIO;
	/* The VM's last name seen, so "hvmlinkctl forget NAME" finds a VM
	 * that has no domain any more. */
	if (xs->name[0] &&
	    (!schema_vm_path(path, sizeof(path), xs->uuid, SCHEMA_VM_NAME) ||
	     !xs_write(xs->xsh, XBT_NULL, path, xs->name, strlen(xs->name))))
		return -EIO;
	return 0;
}

/* Open the link, set up our tree and watches.  On failure nothing stays. */
static int connect_all(struct hvmxs *xs)
{
	int rc;

	xs->xsh = xs_open(0);
	if (!xs->xsh)
		return -(errno ? errno : ECONNREFUSED);
	xs->sentinel = sentinel_open();

	rc = create_tree(xs);
	if (rc)
		goto fail;
	/*
	 * The VM's root, not only hints/: a change of its permissions fires
	 * there (xenstored fires watches on SET_PERMS too).  Our own error
	 * writes wake it as well; they are ignored cheaply.  "state" of our
	 * domain root fires when someone removes the root (xenstored fires
	 * the watches of every removed node).
	 */
	if (!xs_watch(xs->xsh, xs->vm_root, TOKEN_HINTS) ||
	    !xs_watch(xs->xsh, xs->state_path, TOKEN_SELF) ||
	    !xs_watch(xs->xsh, "@releaseDomain", TOKEN_RELEASE)) {
		rc = -errno;
		goto fail;
	}
	xs->watch_fd = xs_fileno(xs->xsh);
	if (xs->watch_fd < 0) {
		rc = -EIO;
		goto fail;
	}
	if (epoll_add(xs->epfd, xs->watch_fd) != 0) {
		rc = -errno;
		xs->watch_fd = -1;
		goto fail;
	}
	if (xs->sentinel >= 0 && epoll_add(xs->epfd, xs->sentinel) != 0) {
		rc = -errno;
		goto fail;
	}
	return 0;

fail:
	if (rc == 0)
		rc = -EIO;
	disconnect(xs);
	return rc;
}

int hvmxs_lookup_vm(unsigned int domid, struct hvmxs_vm *vm)
{
	struct xs_handle *xsh = xs_open(0);
	char path[SCHEMA_PATH_MAX];
	unsigned int len;
	char *v;
	int rc;

	memset(vm, 0, sizeof(*vm));
	if (!xsh)
		return -(errno ? errno : ECONNREFUSED);
	rc = schema_domain_vm(xsh, domid, vm->uuid, vm->name,
			      sizeof(vm->name));
	if (rc == 0) {
		snprintf(path, sizeof(path), "/vm/%s/start_time", vm->uuid);
		v = xs_read(xsh, XBT_NULL, path, &len);
		/* Digits and a dot, as libxl writes it; else none. */
		if (v && len && len < sizeof(vm->start_time) &&
		    strspn(v, "0123456789.") == len)
			memcpy(vm->start_time, v, len + 1);
		free(v);
	}
	xs_close(xsh);
	return rc;
}

int hvmxs_domain_runs_vm(unsigned int domid, const char *uuid)
{
	struct xs_handle *xsh = xs_open(0);
	char other[SCHEMA_UUID_LEN + 1];
	int rc;

	if (!xsh)
		return -(errno ? errno : ECONNREFUSED);
	rc = schema_domain_vm(xsh, domid, other, NULL, 0);
	xs_close(xsh);
	if (rc == -ENOENT || rc == -EINVAL)
		return 0;
	return rc < 0 ? rc : strcmp(other, uuid) == 0;
}

struct hvmxs *hvmxs_open(const struct hvmxs_config *cfg,
			 const struct hvmxs_callbacks *cb, void *opaque)
{
	struct hvmxs *xs;
	int rc;

	if (!cfg || cfg->domid < SCHEMA_DOMID_MIN ||
	    cfg->domid > SCHEMA_DOMID_MAX || cfg->nr_displays < 1 ||
	    cfg->nr_displays > HVMLINK_MAX_DISPLAYS || !cfg->vm_uuid) {
		errno = EINVAL;
		return NULL;
	}
	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return NULL;
	xs->domid = cfg->domid;
	xs->nr_displays = cfg->nr_displays;
	if (!schema_uuid_parse(cfg->vm_uuid, xs->uuid)) {
		free(xs);
		errno = EINVAL;
		return NULL;
	}
	if (cfg->vm_name)
		snprintf(xs->name, sizeof(xs->name), "%s", cfg->vm_name);
	if (cb)
		xs->cb = *cb;
	xs->opaque = opaque;
	xs->watch_fd = -1;
	xs->sentinel = -1;
	if (!schema_path(xs->root, sizeof(xs->root), xs->domid, NULL) ||
	    !schema_path(xs->state_path, sizeof(xs->state_path), xs->domid,
			 SCHEMA_STATE) ||
	    !schema_vm_path(xs->vm_root, sizeof(xs->vm_root), xs->uuid, NULL) ||
	    !schema_vm_path(xs->hints_path, sizeof(xs->hints_path), xs->uuid,
			    SCHEMA_HINTS)) {
		rc = -ENAMETOOLONG;
		goto err_free;
	}
	xs->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (xs->epfd < 0) {
		rc = -errno;
		goto err_free;
	}
	rc = connect_all(xs);
	if (rc) {
		log_err("xenstore: cannot set up %s: %s", xs->root, strerror(-rc));
		goto err_epoll;
	}
	rc = hvmxs__publish_vm(xs);
	if (!rc)
		rc = hvmxs_publish_state(xs, HVMXS_STATE_STARTING);
	if (rc) {
		log_err("xenstore: cannot publish state: %s", strerror(-rc));
		goto err_disconnect;
	}
	log_info("xenstore: serving %s for VM %s%s%s%s (%u display%s)",
		 xs->root, xs->uuid, xs->name[0] ? " (" : "", xs->name,
		 xs->name[0] ? ")" : "", xs->nr_displays,
		 xs->nr_displays == 1 ? "" : "s");
	return xs;

err_disconnect:
	hvmxs__remove_state(xs, false);
	hvmxs__forget_published(xs);
	disconnect(xs);
err_epoll:
	close(xs->epfd);
err_free:
	free(xs);
	errno = -rc;
	return NULL;
}

void hvmxs_close(struct hvmxs *xs)
{
	if (!xs)
		return;
	if (xs->xsh)
		hvmxs__remove_state(xs, xs->domain_gone);
	disconnect(xs);
	hvmxs__forget_hints(xs);
	hvmxs__forget_published(xs);
	close(xs->epfd);
	free(xs);
}

void hvmxs_sync_hints(struct hvmxs *xs)
{
	if (!xs->xsh)
		return;
	xs->skip_registration = true;
	hvmxs__rescan(xs);
}

int hvmxs_fd(const struct hvmxs *xs)
{
	return xs->epfd;
}

bool hvmxs_connected(const struct hvmxs *xs)
{
	return xs->xsh != NULL;
}

int hvmxs_retry_ms(const struct hvmxs *xs)
{
	uint64_t now;

	if (xs->xsh)
		return -1;
	now = now_ns();
	if (now >= xs->retry_at_ns)
		return 0;
	/* Round up so the caller's timer never fires early. */
	return (int)((xs->retry_at_ns - now + 999999) / 1000000);
}

/*
 * Is the domain gone?  Both signals must agree, because either alone can
 * be missing while the domain lives: a domain xl is still building is not
 * yet introduced, and a toolstack may keep /local/domain/D a little
 * after the domain died (then the ioreq server's ESRCH stops the daemon).
 */
static bool domain_is_gone(struct hvmxs *xs)
{
	char path[64];
	unsigned int len;
	void *v;

	if (xs_is_domain_introduced(xs->xsh, xs->domid))
		return false;
	snprintf(path, sizeof(path), "/local/domain/%u", xs->domid);
	v = xs_read(xs->xsh, XBT_NULL, path, &len);
	if (v) {
		free(v);
		return false;
	}
	if (errno != ENOENT) {
		hvmxs__check_lost(xs, errno);
		return false;
	}
	return true;
}

/*
 * Our per-domain root went away under us (an administrator's xenstore-rm,
 * a toolstack cleaning up too early): a live daemon must never look dead
 * to hvmlinkctl, so put everything back.
 */
static void check_self(struct hvmxs *xs)
{
	unsigned int len;
	char *v;
	int rc;

	v = xs_read(xs->xsh, XBT_NULL, xs->state_path, &len);
	if (v) {
		free(v);
		return;
	}
	if (errno != ENOENT) {
		hvmxs__check_lost(xs, errno);
		return;
	}
	log_warn("xenstore: %s was removed while we run; publishing our state again",
		 xs->root);
	rc = hvmxs__republish(xs);
	if (rc && xs->xsh)
		log_warn("xenstore: re-publishing under %s failed: %s",
			 xs->root, strerror(-rc));
}

/* rel (below the VM root, with its leading '/') is a hint directory. */
static bool is_dir_event(const struct hvmxs *xs, const char *rel)
{
	return strcmp(rel, "/" SCHEMA_HINTS) == 0 ||
	       strcmp(rel, "/" SCHEMA_HINTS_DISPLAY) == 0 ||
	       strcmp(rel, "/" SCHEMA_HINTS_KV) == 0;
}

static void handle_event(struct hvmxs *xs, const char *path,
			 const char *token)
{
	size_t vl = strlen(xs->vm_root), hl = strlen(xs->hints_path);

	if (strcmp(token, TOKEN_RELEASE) == 0) {
		if (xs->gone_reported || !domain_is_gone(xs))
			return;
		xs->domain_gone = true;
		xs->gone_reported = true;
		log_notice("xenstore: domain %u is gone", xs->domid);
		if (xs->cb.domain_gone)
			xs->cb.domain_gone(xs->opaque);
		return;
	}
	if (strcmp(token, TOKEN_SELF) == 0) {
		if (!xs->gone_reported)
			check_self(xs);
		return;
	}
	if (strcmp(token, TOKEN_HINTS) != 0)
		return;		/* a stale watch of an earlier handle */
	if (strncmp(path, xs->vm_root, vl) != 0 ||
	    (path[vl] != '\0' && path[vl] != '/'))
		return;
	if (path[vl] == '\0' && xs->skip_registration) {
		/* The registration event: the hints were read since. */
		xs->skip_registration = false;
		return;
	}
	if (path[vl] == '\0' || is_dir_event(xs, path + vl)) {
		/*
		 * The VM's root or one of its hint directories: the first
		 * event after registering, permissions changed, or removed.
		 * Put the directories and their permissions right (nothing
		 * fires when they already are), then deliver what changed.
		 */
		int rc = schema_ensure_vm_root(xs->xsh, xs->uuid, true);

		if (rc && !hvmxs__check_lost(xs, -rc))
			log_warn("xenstore: cannot repair %s: %s", xs->vm_root,
				 strerror(-rc));
		if (!xs->xsh)
			return;
		if (path[vl] == '\0') {
			hvmxs__rescan(xs);
			return;
		}
	}
	if (strncmp(path + vl, "/" SCHEMA_ERRORS "/", sizeof(SCHEMA_ERRORS) + 1) == 0) {
		hvmxs__error_event(xs, path);
		return;
	}
	if (strncmp(path, xs->hints_path, hl) != 0)
		return;		/* name: our own writes */
	if (path[hl] == '\0')
		hvmxs__hint_event(xs, "");
	else if (path[hl] == '/')
		hvmxs__hint_event(xs, path + hl + 1);
}

int hvmxs__republish(struct hvmxs *xs)
{
	int rc = create_tree(xs);

	if (rc) {
		hvmxs__check_lost(xs, -rc);
		return rc;
	}
	return hvmxs__replay(xs);
}

static void try_reconnect(struct hvmxs *xs)
{
	int rc;

	if (hvmxs_retry_ms(xs) > 0)
		return;
	rc = connect_all(xs);
	if (rc) {
		xs->backoff_ms *= 2;
		if (xs->backoff_ms > BACKOFF_MAX_MS)
			xs->backoff_ms = BACKOFF_MAX_MS;
		xs->retry_at_ns = now_ns() + xs->backoff_ms * 1000000ull;
		log_debug("xenstore: reconnect failed (%s), next try in %u ms",
			  strerror(-rc), xs->backoff_ms);
		return;
	}
	log_notice("xenstore: reconnected");
	rc = hvmxs__replay(xs);
	if (rc && !xs->xsh)
		return;		/* lost again while replaying */
	if (rc)
		log_warn("xenstore: re-publishing state failed: %s",
			 strerror(-rc));
	/* Hints written while we were away, and hints removed (read after
	 * the watches were registered again: their first event is dropped). */
	xs->skip_registration = true;
	hvmxs__rescan(xs);
	if (!xs->xsh)
		return;
	if (xs->cb.connection_restored)
		xs->cb.connection_restored(xs->opaque);
}

int hvmxs_dispatch(struct hvmxs *xs)
{
	struct epoll_event evs[4];
	bool watch_ready = false;
	int n;

	if (!xs->xsh) {
		try_reconnect(xs);
		return 0;
	}

	n = epoll_wait(xs->epfd, evs, 4, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == xs->sentinel && xs->sentinel >= 0 &&
		    sentinel_dead(xs->sentinel)) {
			connection_lost(xs);
			return 0;
		}
		if (evs[i].data.fd == xs->watch_fd)
			watch_ready = true;
	}
	if (!watch_ready)
		return 0;

	/* Few at a time: xs_check_watch() returns NULL + EAGAIN once
	 * empty, and while events are queued libxenstore keeps its watch
	 * pipe readable, so the caller's poll comes back for the rest. */
	for (int i = 0; i < HVMXS_EVENTS_PER_DISPATCH && xs->xsh; i++) {
		char **ev = xs_check_watch(xs->xsh);

		if (!ev) {
			if (errno != EAGAIN)
				hvmxs__check_lost(xs, errno);
			break;
		}
		handle_event(xs, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
		free(ev);
	}
	return 0;
}
