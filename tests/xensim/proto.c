/* SPDX-License-Identifier: MIT */
/* Packet send/receive with optional descriptor passing, shared by the
 * preloaded library and the hypervisor. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/xensim/proto.h"

int xsp_send(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return xsp_sendv(sock, &iov, 1, fd);
}

int xsp_sendv(int sock, const struct iovec *iov, int niov, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = (struct iovec *)iov,
			      .msg_iovlen = (size_t)niov };
	size_t len = 0;

	for (int i = 0; i < niov; i++)
		len += iov[i].iov_len;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);

		if (n >= 0)
			return (size_t)n == len ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

long xsp_recv(int sock, void *buf, size_t len, int *fd, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return xsp_recvv(sock, &iov, 1, fd, flags);
}

long xsp_recvv(int sock, const struct iovec *iov, int niov, int *fd,
	       int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)niov,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	if (fd)
		*fd = -1;
	do
		n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;

			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

int xsp_address(const char *dir, struct sockaddr_un *sa)
{
	struct stat st;
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/hv.sock", dir);
	if (n > 0 && (size_t)n < sizeof(sa->sun_path))
		return (int)sizeof(*sa);
	if (stat(dir, &st) < 0)
		return -errno;
	memset(sa->sun_path, 0, sizeof(sa->sun_path));
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "xensim-%llx-%llx", (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino);
	return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}
