/* SPDX-License-Identifier: MIT */
/*
 * libsimdev-preload.so: in a guest agent under test, open() of
 * /dev/hvmlink or /dev/hvmlink-user connects to the simulated device node
 * ($SIMDEV_SOCKET, see simdev.h); ioctl() and close() on such an fd are
 * forwarded.  Everything else passes through.  Without the socket the
 * open fails with ENOENT, as without the module.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hvmlink/ioctl.h"
#include "tests/integration/simdev.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_FDS 4096

static bool simfd[MAX_FDS];

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);

static void resolve(void)
{
	if (!real_open) {
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	}
}

/* 1 admin node, 0 user node, -1 not ours. */
static int node_kind(const char *path)
{
	if (!path || !getenv("SIMDEV_SOCKET"))
		return -1;
	if (!strcmp(path, "/dev/hvmlink"))
		return 1;
	if (!strcmp(path, "/dev/hvmlink-user"))
		return 0;
	return -1;
}

/* Send @m, wait for its REPLY (NOTIFY messages before it are stale: the
 * server sends a fresh one after the reply while events are pending). */
static int transact(int fd, struct simdev_msg *m)
{
	ssize_t n = send(fd, m, SIMDEV_HDR_LEN + m->len, MSG_NOSIGNAL);

	if (n < 0)
		return -ENODEV;
	for (;;) {
		n = recv(fd, m, sizeof(*m), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)SIMDEV_HDR_LEN)
			return -ENODEV;	/* the server (the "device") is gone */
		if (m->op == SIMDEV_OP_REPLY)
			return m->ret;
	}
}

static int sim_open(const char *path, int flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = getenv("SIMDEV_SOCKET");
	struct simdev_msg m = { .op = SIMDEV_OP_OPEN };
	int kind = node_kind(path), fd, ret;

	if (kind == 1 && geteuid() != 0) {
		errno = EACCES;	/* the admin node is root 0600 */
		return -1;
	}
	m.cmd = (uint32_t)kind;
	strncpy(sa.sun_path, sock, sizeof(sa.sun_path) - 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0), 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		real_close(fd);
		errno = ENOENT;
		return -1;
	}
	ret = transact(fd, &m);
	if (ret < 0 || fd >= MAX_FDS) {
		real_close(fd);
		errno = ret < 0 ? -ret : EMFILE;
		return -1;
	}
	simfd[fd] = true;
	return fd;
}

static int open_common(const char *path, int flags, mode_t mode)
{
	resolve();
	if (node_kind(path) >= 0)
		return sim_open(path, flags);
	return real_open(path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return open_common(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return open_common(path, flags, mode);
}

/* _FORTIFY_SOURCE's checked variants (glibc declares them only then). */
EXPORT int __open_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags);

EXPORT int __open_2(const char *path, int flags)
{
	return open_common(path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return open_common(path, flags, 0);
}

EXPORT int close(int fd)
{
	resolve();
	if (fd >= 0 && fd < MAX_FDS)
		simfd[fd] = false;
	return real_close(fd);
}

EXPORT int ioctl(int fd, unsigned long cmd, ...)
{
	struct simdev_msg m = { .op = SIMDEV_OP_IOCTL, .cmd = (uint32_t)cmd };
	unsigned int size = _IOC_SIZE(cmd);
	struct hvmlink_ioctl_request *r = NULL;
	void *arg;
	va_list ap;
	int ret;

	resolve();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd >= MAX_FDS || !simfd[fd])
		return real_ioctl(fd, cmd, arg);
	if (cmd == HVMLINK_IOCTL_REQUEST) {
		/* The request travels, not the pointer to it. */
		r = arg;
		if (r->size > SIMDEV_MAX_DATA) {
			errno = E2BIG;
			return -1;
		}
		memcpy(m.data, (const void *)(uintptr_t)r->buf, r->size);
		m.len = r->size;
	} else if (size && arg) {
		memcpy(m.data, arg, size);
		m.len = size;
	}
	ret = transact(fd, &m);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	if (r)
		memcpy((void *)(uintptr_t)r->buf, m.data, r->size);
	else if ((_IOC_DIR(cmd) & _IOC_READ) && size && arg)
		memcpy(arg, m.data, size);
	return 0;
}
