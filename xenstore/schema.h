/* SPDX-License-Identifier: MIT */
/*
 * The xenstore schema in code: where hvmlink's nodes are and who may touch
 * them.  docs/xenstore.md is the prose version; keep both in step.
 * Used by hvmxs (the daemon side) and hvmlinkctl (the admin side).
 */
#ifndef HVMLINK_XENSTORE_SCHEMA_H
#define HVMLINK_XENSTORE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

struct xs_handle;

/* All of hvmlink, one directory per guest domain below it. */
#define SCHEMA_BASE		"/local/domain/0/hvmlink"
/* Longest path hvmlink builds: base + domid + a relative path. */
#define SCHEMA_PATH_MAX		256

/* Relative to the per-domain root. */
#define SCHEMA_HINTS		"hints"
#define SCHEMA_HINTS_DISPLAY	"hints/display"
#define SCHEMA_HINTS_KV		"hints/kv"
#define SCHEMA_ERRORS		"errors"
#define SCHEMA_ERRORS_DISPLAY	"errors/display"
#define SCHEMA_ERRORS_KV	"errors/kv"
#define SCHEMA_STATE		"state"
#define SCHEMA_PID		"pid"
#define SCHEMA_DISPLAYS		"displays"
#define SCHEMA_GUEST		"guest"

/* Guest domids hvmlink serves: not dom0, below DOMID_FIRST_RESERVED. */
#define SCHEMA_DOMID_MIN	1u
#define SCHEMA_DOMID_MAX	0x7fefu

/* "/local/domain/0/hvmlink/<domid>" (rel NULL or "") or ".../<rel>".
 * Returns false if it does not fit. */
bool schema_path(char *buf, size_t len, unsigned int domid, const char *rel);

/*
 * Make sure SCHEMA_BASE and the domain's root exist and carry the
 * permissions the schema promises (owner dom0, nobody else may read or
 * write: "n0"), fixing them if someone changed them, then read them back
 * to check.  Children inherit these permissions when xenstored creates
 * them.  Returns 0 or a negative errno.
 */
int schema_ensure_root(struct xs_handle *xsh, unsigned int domid)
	__attribute__((warn_unused_result));

/* True if the permissions of path are exactly "n0". */
bool schema_perms_dom0_only(struct xs_handle *xsh, const char *path);

#endif /* HVMLINK_XENSTORE_SCHEMA_H */
