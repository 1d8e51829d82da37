/* SPDX-License-Identifier: MIT */
/* hvmlinkctl: the administrator's tool.  Shared by its source files. */
#ifndef HVMLINK_XENSTORE_HVMLINKCTL_H
#define HVMLINK_XENSTORE_HVMLINKCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <json-glib/json-glib.h>

struct xs_handle;

/* Exit codes (documented in hvmlinkctl(8); scripts rely on them).  The
 * first three are the project's rule for every binary (D6). */
#define CTL_EXIT_OK		0
#define CTL_EXIT_FAIL		1	/* runtime error: xenstore, system */
#define CTL_EXIT_USAGE		2	/* bad command line or invalid input */
#define CTL_EXIT_NO_DOMAIN	3	/* no such domain, ambiguous name, dom0 */
#define CTL_EXIT_TIMEOUT	4	/* wait-ready: not ready in time */
#define CTL_EXIT_LAUNCH		5	/* launch failed (domain destroyed) */
#define CTL_EXIT_NOT_RUNNING	6	/* status: no live daemon */
/* Old name, kept for the hint code: xenstore failures are runtime errors. */
#define CTL_EXIT_XENSTORE	CTL_EXIT_FAIL

/* Where hvmlinkd keeps its per-domain lock files (hvmlinkctl --run-dir). */
extern const char *ctl_run_dir;

/* One line on stderr: "hvmlinkctl: <message>". */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse the options of subcommand cmd with GOption: entries (may be NULL)
 * plus --help and --version.  params names the positional arguments for
 * --help; with posix, parsing stops at the first positional argument (the
 * rest is passed on untouched, as launch needs).  Positional arguments are
 * left in argv[1..argc-1].  Returns -1 to go on, else the exit
 * status (0 after --help/--version, CTL_EXIT_USAGE after an error, which
 * is printed).
 */
int ctl_parse_options(const char *cmd, const char *params, const char *summary,
		      const GOptionEntry *entries, bool posix, int *argc,
		      char ***argv);

/* Print "usage: hvmlinkctl CMD PARAMS (try --help)" as an error and
 * return CTL_EXIT_USAGE. */
int ctl_usage_error(const char *cmd, const char *params);

/* "hvmlinkctl VERSION" on stdout. */
void ctl_print_version(void);

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
 * The n_extra fds in extra_fds are also polled: if one becomes readable
 * the wait stops, *which is set to its index and 1 is returned (launch
 * polls a pidfd to notice the daemon dying and a signalfd for
 * SIGINT/SIGTERM/SIGHUP).
 * Returns 0 when ready, -CTL_EXIT_TIMEOUT, -CTL_EXIT_FAIL, or 1.
 */
int ctl_wait_ready(struct xs_handle *xsh, unsigned int domid, int timeout_ms,
		   const int *extra_fds, unsigned int n_extra, int *which);

/* Print a JSON node as one line on stdout (followed by '\n'), flushed. */
void ctl_json_print(JsonNode *node);

/* Make the VM's root (n0) and hint directories exist; record the name of
 * its running domain (domid >= 0).  CTL_EXIT_OK or CTL_EXIT_* (printed). */
int ctl_prepare_vm(struct xs_handle *xsh, const char *uuid, int domid);

int ctl_cmd_hint(int argc, char **argv);
int ctl_cmd_forget(int argc, char **argv);
int ctl_cmd_hints(int argc, char **argv);
int ctl_cmd_status(int argc, char **argv);
int ctl_cmd_list(int argc, char **argv);
int ctl_cmd_watch(int argc, char **argv);
int ctl_cmd_wait_ready(int argc, char **argv);
int ctl_cmd_launch(int argc, char **argv);

#endif /* HVMLINK_XENSTORE_HVMLINKCTL_H */
