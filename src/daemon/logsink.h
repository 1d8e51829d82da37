/* SPDX-License-Identifier: MIT */
/*
 * Where hvmlinkd's log lines go: stderr (foreground, tests) or syslog,
 * which systemd's journal also collects.  Every line names the domain so
 * the logs of several daemons can be told apart.
 */
#ifndef HVMLINK_DAEMON_LOGSINK_H
#define HVMLINK_DAEMON_LOGSINK_H

#include <stdint.h>

#include "daemon/options.h"

/*
 * Route src/common/log.h output to target.  For syslog the connection
 * to /dev/log is opened at once, so it survives a later chroot.
 */
void hvmlinkd_logsink_init(enum hvmlinkd_log_target target, uint16_t domid);
/* stderr is gone (detached): stop copying errors there. */
void hvmlinkd_logsink_detached(void);
void hvmlinkd_logsink_fini(void);

#endif /* HVMLINK_DAEMON_LOGSINK_H */
