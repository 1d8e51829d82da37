/* SPDX-License-Identifier: MIT */
/*
 * systemd readiness notification (Type=notify), spoken directly: one
 * datagram to $NOTIFY_SOCKET.  The socket is connected at start, because
 * after the chroot its path no longer resolves.  Without $NOTIFY_SOCKET
 * every call does nothing.
 */
#ifndef HVMLINK_DAEMON_NOTIFY_H
#define HVMLINK_DAEMON_NOTIFY_H

void hvmlinkd_notify_open(void);
/* "READY=1", "STOPPING=1", "STATUS=..." */
void hvmlinkd_notify(const char *state);
void hvmlinkd_notify_close(void);

#endif /* HVMLINK_DAEMON_NOTIFY_H */
