/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkd's command line: what the administrator (or the systemd unit,
 * or hvmlinkctl launch) tells the daemon.  Parsing only; nothing here
 * touches Xen, xenstore or the process's privileges.
 */
#ifndef HVMLINK_DAEMON_OPTIONS_H
#define HVMLINK_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Default PCI address of the hvmlink function.  QEMU's xenfv machine
 * fills bus 0 from the bottom (00:00.0 host bridge, 00:01.x PIIX3,
 * 00:02.0 xen-platform, then VGA, NICs and pass-through devices at the
 * lowest free slots), so a slot near the top of the bus is free on every
 * guest that has fewer than 30 devices.  Slot 0x1f is left alone because
 * Q35-style firmware expects an ISA bridge there.
 */
#define HVMLINKD_DEFAULT_SEGMENT	0x0000
#define HVMLINKD_DEFAULT_BUS		0x00
#define HVMLINKD_DEFAULT_DEVFN		((0x1e << 3) | 0)

enum hvmlinkd_log_target {
	HVMLINKD_LOG_STDERR,
	HVMLINKD_LOG_SYSLOG,
};

struct hvmlinkd_options {
	uint16_t domid;
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn;
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsys_vendor_id;
	uint16_t subsys_id;
	unsigned int displays;
	int log_level;
	enum hvmlinkd_log_target log_target;
	bool foreground;
	bool incoming;		/* restore / migrate-receive: load saved state */
	char *run_dir;		/* the lock file's directory (always set) */
	char *state_dir;	/* the per-VM state files' parent (always set) */
	char *pid_file;		/* deprecated extra pid file; NULL: none */
	char *user;		/* NULL: stay root */
	char *chroot_dir;	/* NULL: no chroot */
	bool no_restrict;	/* skip xentoolcore_restrict_all (debugging) */
};

/*
 * Parse argv into opts.  Returns 0 on success, 1 when --help/--version
 * printed something and the program should exit 0, and -1 after
 * printing one error line to stderr (exit status 2, as for any usage
 * error).  On success the strings in opts are owned by opts.
 */
int hvmlinkd_options_parse(struct hvmlinkd_options *opts, int argc,
			   char **argv);
void hvmlinkd_options_free(struct hvmlinkd_options *opts);

/* "SSSS:BB:DD.F" or "BB:DD.F"; 0 or -1.  Exposed for hvmlinkd's tests. */
int hvmlinkd_parse_bdf(const char *s, uint16_t *segment, uint8_t *bus,
		       uint8_t *devfn);
/* "VVVV:DDDD" or "VVVV:DDDD:SSSS:SSSS"; 0 or -1. */
int hvmlinkd_parse_pci_ids(const char *s, struct hvmlinkd_options *opts);

#endif /* HVMLINK_DAEMON_OPTIONS_H */
