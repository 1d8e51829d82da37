/* SPDX-License-Identifier: MIT */
/* hvmlinkctl: the administrator's tool.  Shared by its source files. */
#ifndef HVMLINK_XENSTORE_HVMLINKCTL_H
#define HVMLINK_XENSTORE_HVMLINKCTL_H

#include <stdbool.h>

struct xs_handle;

/* Exit codes (documented in hvmlinkctl(8); scripts rely on them). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_USAGE		1	/* bad command line or invalid input */
#define CTL_EXIT_NO_DOMAIN	2	/* no such domain, or ambiguous name */
#define CTL_EXIT_XENSTORE	3	/* xenstore unreachable or refused */
#define CTL_EXIT_TIMEOUT	4	/* wait-ready: not ready in time */
#define CTL_EXIT_LAUNCH		5	/* launch failed (domain destroyed) */

/* One line on stderr: "hvmlinkctl: <message>". */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connect to xenstore or say why not (NULL). */
struct xs_handle *ctl_xs_open(void);

/*
 * Resolve DOMAIN the way xl does: all digits and /local/domain/<n>
 * exists → that id; otherwise the one domain whose
 * /local/domain/<id>/name equals it.  Prints the error and returns
 * -CTL_EXIT_* on failure, else the domid.  dom0 is refused.
 */
int ctl_resolve_domain(struct xs_handle *xsh, const char *arg);

/*
 * Resolve DOMAIN to the VM it names: the id or name of a running domain
 * (as ctl_resolve_domain()), else a VM UUID, else the name of a VM
 * hvmlink has seen (/local/domain/0/hvmlink/vm/UUID/name).  uuid gets
 * SCHEMA_UUID_LEN + 1 bytes; *domid the VM's running domain or -1.
 * Returns 0, or -CTL_EXIT_* after printing why.
 */
int ctl_resolve_vm(struct xs_handle *xsh, const char *arg, char *uuid,
		   int *domid);

/* ctl_xs_open() then ctl_resolve_domain(): the domid with *xshp open, or
 * -CTL_EXIT_* (error printed, nothing left open). */
int ctl_open_domain(const char *arg, struct xs_handle **xshp);

/* Parse a timeout in seconds (decimal, 0..86400, fractions allowed)
 * into milliseconds; false if malformed. */
bool ctl_parse_timeout(const char *s, int *ms);

/*
 * Wait until <root>/state is "ready" for domid, at most timeout_ms.
 * extra_fd (or -1) is also polled: if it becomes readable the wait stops
 * and returns 1 (launch uses a pidfd to notice the daemon dying).
 * Returns 0 when ready, -CTL_EXIT_TIMEOUT, -CTL_EXIT_XENSTORE, or 1.
 */
int ctl_wait_ready(struct xs_handle *xsh, unsigned int domid, int timeout_ms,
		   int extra_fd);

/* Make the VM's root (n0) and hint directories exist; record the name of
 * its running domain (domid >= 0).  CTL_EXIT_OK or CTL_EXIT_* (printed). */
int ctl_prepare_vm(struct xs_handle *xsh, const char *uuid, int domid);

int ctl_cmd_hint(int argc, char **argv);
int ctl_cmd_forget(int argc, char **argv);
int ctl_cmd_hints(int argc, char **argv);
int ctl_cmd_status(int argc, char **argv);
int ctl_cmd_wait_ready(int argc, char **argv);
int ctl_cmd_launch(int argc, char **argv);

#endif /* HVMLINK_XENSTORE_HVMLINKCTL_H */
