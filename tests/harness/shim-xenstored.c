/*
 * shim-xenstored: the hypervisor calls of the real C xenstored (Xen 4.17),
 * answered without a hypervisor, so tests can run Debian's unchanged
 * xenstored binary with LD_PRELOAD on a machine with no /dev/xen.
 *
 * xenstored 4.17.7 imports 17 functions from libxenctrl,
 * libxengnttab and libxenevtchn (nm -D --undefined-only); all are defined
 * here without symbol versions, which satisfies its versioned references.
 * It also opens /proc/xen/xsd_port and /proc/xen/xsd_kva in dom0_init():
 * the open() hook hands it a memfd for each (dom0's event channel port and
 * ring page).  dom0_init() must run, because 4.17 only creates the
 * database (setup_structure) from there; that is why -D is never used.
 *
 * Domain lifecycle, shared with the Xen stand-in (tests/xensim) through
 * $XENSIM_DIR:
 *   $XENSIM_DIR/domains/<domid>   "running" | "dying" (also "shutdown",
 *                                 "crashed"); absent: no such domain.
 *   $XENSIM_DIR/xenstored-virq.sock
 *                                 a datagram socket this shim binds; one
 *                                 datagram = VIRQ_DOM_EXC fired.
 * xenstored polls xenevtchn_fd(); a datagram makes it call
 * xenevtchn_pending(), which returns the VIRQ port, and xenstored then
 * re-reads every known domain through xc_domain_getinfo() (check_domains):
 * an introduced domain that is gone or dying is released and
 * @releaseDomain fires.  Without $XENSIM_DIR only dom0 exists and the
 * event fd never becomes readable.
 *
 * xenstored is single-threaded, so plain globals are fine here.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define SHIM_PAGE_SIZE 4096
#define SHIM_VIRQ_SOCK "xenstored-virq.sock"
/* The remote (dom0 kernel side) port xenstored reads from xsd_port. */
#define SHIM_DOM0_XENBUS_PORT "1\n"

__attribute__((format(printf, 1, 2)))
static void shim_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("shim-xenstored: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- domains, as the Xen stand-in describes them ---------------------- */

enum shim_dom_state {
	SHIM_DOM_ABSENT,
	SHIM_DOM_RUNNING,
	SHIM_DOM_DYING,
	SHIM_DOM_SHUTDOWN,
	SHIM_DOM_CRASHED,
};

static const char *shim_xensim_dir(void)
{
	const char *dir = getenv("XENSIM_DIR");

	return (dir && *dir) ? dir : NULL;
}

static enum shim_dom_state shim_dom_state(unsigned int domid)
{
	const char *dir = shim_xensim_dir();
	char path[PATH_MAX], buf[32];
	ssize_t len;
	int fd;

	if (domid == 0)
		return SHIM_DOM_RUNNING;	/* we are dom0 */
	if (domid >= DOMID_FIRST_RESERVED || !dir)
		return SHIM_DOM_ABSENT;
	if (snprintf(path, sizeof(path), "%s/domains/%u", dir, domid) >= (int)sizeof(path))
		return SHIM_DOM_ABSENT;
	/* openat, not open: our own open() hook is only for xenstored. */
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SHIM_DOM_ABSENT;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return SHIM_DOM_ABSENT;
	buf[len] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';

	if (!strcmp(buf, "running"))
		return SHIM_DOM_RUNNING;
	if (!strcmp(buf, "dying"))
		return SHIM_DOM_DYING;
	if (!strcmp(buf, "shutdown"))
		return SHIM_DOM_SHUTDOWN;
	if (!strcmp(buf, "crashed"))
		return SHIM_DOM_CRASHED;
	/* A file being rewritten may be read empty; the domain exists. */
	if (buf[0])
		shim_log("%s: unknown state '%s', taken as running", path, buf);
	return SHIM_DOM_RUNNING;
}

static int shim_cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

/*
 * Fill @ids with the existing domids >= @first in ascending order, like
 * the hypervisor's getdomaininfo iteration; returns how many.
 */
static unsigned int shim_list_domids(unsigned int first, unsigned int *ids,
				     unsigned int max)
{
	const char *dir = shim_xensim_dir();
	unsigned int all[256], nall = 0, n = 0;	/* 256: plenty for tests */
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (max == 0)
		return 0;
	if (first == 0)
		ids[n++] = 0;
	if (!dir || snprintf(path, sizeof(path), "%s/domains", dir) >= (int)sizeof(path))
		return n;
	d = opendir(path);
	if (!d)
		return n;

	/* Collect everything first: readdir order is arbitrary. */
	while ((de = readdir(d)) != NULL && nall < sizeof(all) / sizeof(all[0])) {
		char *end;
		unsigned long v;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		errno = 0;
		v = strtoul(de->d_name, &end, 10);
		if (errno || *end || v == 0 || v < first || v >= DOMID_FIRST_RESERVED)
			continue;
		if (shim_dom_state((unsigned int)v) == SHIM_DOM_ABSENT)
			continue;
		all[nall++] = (unsigned int)v;
	}
	closedir(d);

	qsort(all, nall, sizeof(all[0]), shim_cmp_uint);
	for (unsigned int i = 0; i < nall && n < max; i++)
		ids[n++] = all[i];
	return n;
}

/* ---- libxenctrl ------------------------------------------------------- */

static char shim_xc_handle;

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	return (xc_interface *)&shim_xc_handle;
}

int xc_interface_close(xc_interface *xch)
{
	return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	unsigned int ids[64], n;

	if (max_doms > sizeof(ids) / sizeof(ids[0]))
		max_doms = sizeof(ids) / sizeof(ids[0]);
	n = shim_list_domids(first_domid, ids, max_doms);

	for (unsigned int i = 0; i < n; i++) {
		enum shim_dom_state st = shim_dom_state(ids[i]);

		memset(&info[i], 0, sizeof(info[i]));
		info[i].domid = ids[i];
		info[i].hvm = ids[i] != 0;
		info[i].nr_online_vcpus = 1;
		switch (st) {
		case SHIM_DOM_DYING:
			info[i].dying = 1;
			break;
		case SHIM_DOM_CRASHED:
			info[i].crashed = 1;
			/* Xen reports a crash as a shutdown with reason crash. */
			info[i].shutdown = 1;
			info[i].shutdown_reason = SHUTDOWN_crash;
			break;
		case SHIM_DOM_SHUTDOWN:
			info[i].shutdown = 1;
			info[i].shutdown_reason = SHUTDOWN_poweroff;
			break;
		default:
			info[i].running = 1;
			break;
		}
	}
	return (int)n;
}

/* ---- libxengnttab: the guest's xenstore ring ---------------------------- */

static char shim_gnttab_handle;

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	return (xengnttab_handle *)&shim_gnttab_handle;
}

int xengnttab_close(xengnttab_handle *xgt)
{
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0;
}

/*
 * XS_INTRODUCE maps the guest's ring (grant GNTTAB_RESERVED_XENSTORE).
 * There is no guest: a private zeroed page is a ring nobody writes, so the
 * domain's connection stays idle.  Like Xen, refuse domains that are not
 * running.
 */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
			      uint32_t ref, int prot)
{
	void *page;

	/*
	 * ENOENT, not Xen's ESRCH: xenstored only passes errnos of its wire
	 * protocol on to the client (ESRCH becomes a logged EINVAL).
	 */
	if (domid > UINT16_MAX || shim_dom_state(domid) != SHIM_DOM_RUNNING) {
		errno = ENOENT;
		return NULL;
	}
	page = mmap(NULL, SHIM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return page == MAP_FAILED ? NULL : page;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	return munmap(start_address, (size_t)count * SHIM_PAGE_SIZE);
}

/* ---- libxenevtchn ------------------------------------------------------ */

struct shim_evtchn {
	int fd;			/* what xenevtchn_fd() returns, stable */
	int quiet_peer;		/* other end of the never-readable pair */
	evtchn_port_t next_port;
	evtchn_port_t virq_port;	/* 0: VIRQ_DOM_EXC not bound */
	char virq_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static xenevtchn_handle *shim_evtchn_new(void)
{
	struct shim_evtchn *h = calloc(1, sizeof(*h));
	int sv[2];

	if (!h)
		return NULL;
	/*
	 * Until VIRQ_DOM_EXC is bound the fd must exist but never be
	 * readable: one end of a datagram pair whose other end we keep and
	 * never write.
	 */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(h);
		return NULL;
	}
	h->fd = sv[0];
	h->quiet_peer = sv[1];
	h->next_port = 1;	/* 0 means "unbound" to xenstored */
	return (xenevtchn_handle *)h;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int flags)
{
	return shim_evtchn_new();
}

/* Only used by live update (-U), which the harness never does. */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
				   unsigned open_flags)
{
	return shim_evtchn_new();
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	struct shim_evtchn *h = (struct shim_evtchn *)xce;

	if (!h)
		return 0;
	if (h->virq_port && h->virq_path[0])
		unlink(h->virq_path);
	close(h->fd);
	close(h->quiet_peer);
	free(h);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return ((struct shim_evtchn *)xce)->fd;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	/* Nobody is on the other end of a guest ring; nothing to wake. */
	return 0;
}

static evtchn_port_t shim_alloc_port(struct shim_evtchn *h)
{
	return h->next_port++;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
						     uint32_t domid,
						     evtchn_port_t remote_port)
{
	struct shim_evtchn *h = (struct shim_evtchn *)xce;

	if (domid > UINT16_MAX || shim_dom_state(domid) != SHIM_DOM_RUNNING) {
		errno = ESRCH;
		return -1;
	}
	if (remote_port == 0) {
		errno = EINVAL;
		return -1;
	}
	/* A local port distinct from the remote one, as with real Xen. */
	return (xenevtchn_port_or_error_t)shim_alloc_port(h);
}

/*
 * Bind $XENSIM_DIR/xenstored-virq.sock and put it in place of the quiet fd
 * (dup2 keeps the fd number xenstored may already poll).
 */
static int shim_bind_virq_socket(struct shim_evtchn *h, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, len;

	len = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, SHIM_VIRQ_SOCK);
	if (len < 0 || len >= (int)sizeof(sa.sun_path)) {
		shim_log("XENSIM_DIR too long for a socket path: %s", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	/* A previous xenstored (xs_restart) leaves its socket behind. */
	unlink(sa.sun_path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err;
	if (dup3(s, h->fd, O_CLOEXEC) < 0) {
		unlink(sa.sun_path);
		goto err;
	}
	close(s);
	memcpy(h->virq_path, sa.sun_path, sizeof(h->virq_path));
	return 0;

err:
	shim_log("cannot bind %s: %s", sa.sun_path, strerror(errno));
	close(s);
	return -1;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce,
					      unsigned int virq)
{
	struct shim_evtchn *h = (struct shim_evtchn *)xce;
	const char *dir = shim_xensim_dir();

	if (virq != VIRQ_DOM_EXC || h->virq_port) {
		errno = EINVAL;
		return -1;
	}
	if (dir && shim_bind_virq_socket(h, dir) < 0)
		return -1;
	h->virq_port = shim_alloc_port(h);
	return (xenevtchn_port_or_error_t)h->virq_port;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	struct shim_evtchn *h = (struct shim_evtchn *)xce;

	if (port == 0 || port >= h->next_port) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/*
 * Only the VIRQ socket ever becomes readable.  An event channel is a
 * pending bit, not a queue: swallow every datagram queued so far and
 * report the VIRQ once; xenstored rescans all domains anyway.
 */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	struct shim_evtchn *h = (struct shim_evtchn *)xce;
	char buf[64];

	if (!h->virq_port) {
		errno = EAGAIN;
		return -1;
	}
	while (recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	return (xenevtchn_port_or_error_t)h->virq_port;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

/* ---- libc open(): the dom0 xenbus files of /proc/xen -------------------- */

static int shim_memfd_with(const char *name, const void *data, size_t len,
			   size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    (len && pwrite(fd, data, len, 0) != (ssize_t)len)) {
		close(fd);
		return -1;
	}
	return fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	/* Same rule as glibc's __OPEN_NEEDS_MODE. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (!strcmp(path, "/proc/xen/xsd_port"))
		return shim_memfd_with("xsd_port", SHIM_DOM0_XENBUS_PORT,
				       strlen(SHIM_DOM0_XENBUS_PORT),
				       strlen(SHIM_DOM0_XENBUS_PORT));
	/* dom0's ring page: xenstored mmaps one page of it. */
	if (!strcmp(path, "/proc/xen/xsd_kva"))
		return shim_memfd_with("xsd_kva", NULL, 0, SHIM_PAGE_SIZE);

	/* Everything else goes to the kernel unchanged (no dlsym needed). */
	return openat(AT_FDCWD, path, flags, mode);
}
