/* SPDX-License-Identifier: MIT */
/*
 * The xenstore schema in code: where hvmlink's nodes are and who may touch
 * them.  docs/xenstore.md is the prose version; keep both in step.
 * Used by hvmxs (the daemon side) and hvmlinkctl (the admin side).
 *
 * Two roots, both owned by dom0 with no access for anyone else ("n0"):
 *
 *   SCHEMA_BASE/vm/UUID/   per VM: the administrator's hints and the
 *                          errors about them.  Survives the VM's domains
 *                          (reboot, save/restore, migration give the VM a
 *                          new domain id, not a new UUID).
 *   SCHEMA_BASE/DOMID/     per domain: the daemon's and the guest's state,
 *                          and "vm", the UUID of the VM it runs.  Removed
 *                          when the domain is gone.
 */
#ifndef HVMLINK_XENSTORE_SCHEMA_H
#define HVMLINK_XENSTORE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

struct xs_handle;

/* All of hvmlink. */
#define SCHEMA_BASE		"/local/domain/0/hvmlink"
/* The per-VM roots. */
#define SCHEMA_VM_BASE		SCHEMA_BASE "/vm"
/* Longest path hvmlink builds: base + domid or vm/UUID + a relative path. */
#define SCHEMA_PATH_MAX		256
/* A VM's UUID as libxl writes it: 8-4-4-4-12 lower-case hex digits. */
#define SCHEMA_UUID_LEN		36
/* Room for a domain name (libxl allows any length; longer ones are cut
 * in what hvmlink records). */
#define SCHEMA_NAME_MAX		128
/* /vm/UUID/start_time, "SECONDS.CC" as libxl writes it. */
#define SCHEMA_START_TIME_MAX	32

/* Relative to the per-VM root. */
#define SCHEMA_HINTS		"hints"
#define SCHEMA_HINTS_DISPLAY	"hints/display"
#define SCHEMA_HINTS_KV		"hints/kv"
#define SCHEMA_ERRORS		"errors"
#define SCHEMA_ERRORS_DISPLAY	"errors/display"
#define SCHEMA_ERRORS_KV	"errors/kv"
#define SCHEMA_VM_NAME		"name"

/* Relative to the per-domain root. */
#define SCHEMA_VM		"vm"
#define SCHEMA_STATE		"state"
#define SCHEMA_PID		"pid"
#define SCHEMA_DISPLAYS		"displays"
#define SCHEMA_GUEST		"guest"
#define SCHEMA_DELIVERED	"delivered"

/* Guest domids hvmlink serves: not dom0, below DOMID_FIRST_RESERVED. */
#define SCHEMA_DOMID_MIN	1u
#define SCHEMA_DOMID_MAX	0x7fefu

/* "/local/domain/0/hvmlink/<domid>" (rel NULL or "") or ".../<rel>".
 * Returns false if it does not fit. */
bool schema_path(char *buf, size_t len, unsigned int domid, const char *rel);
/* "/local/domain/0/hvmlink/vm/<uuid>" (rel NULL or "") or ".../<rel>". */
bool schema_vm_path(char *buf, size_t len, const char *uuid, const char *rel);

/*
 * Check a UUID and copy it in canonical form (lower case) into
 * out[SCHEMA_UUID_LEN + 1].  Only 8-4-4-4-12 hex digits pass: the UUID
 * becomes a xenstore path component and a file name.
 */
bool schema_uuid_parse(const char *s, char *out);

/*
 * The VM a domain runs, as the toolstack recorded it: libxl (and xapi)
 * write /local/domain/D/vm = "/vm/UUID" when they build the domain, before
 * its device model starts.  uuid gets the canonical UUID; name (may be
 * NULL) the domain's name, "" if it has none.  Returns 0, -ENOENT (no
 * such domain, or no vm node: not built by libxl), -EINVAL (the node is
 * not "/vm/UUID"), or another negative errno.
 */
int schema_domain_vm(struct xs_handle *xsh, unsigned int domid, char *uuid,
		     char *name, size_t name_len)
	__attribute__((warn_unused_result));

/*
 * Make sure SCHEMA_BASE and the domain's root exist and carry the
 * permissions the schema promises (owner dom0, nobody else may read or
 * write: "n0"), fixing them if someone changed them, then read them back
 * to check.  Children inherit these permissions when xenstored creates
 * them.  Returns 0 or a negative errno.
 */
int schema_ensure_root(struct xs_handle *xsh, unsigned int domid)
	__attribute__((warn_unused_result));
/* The same for SCHEMA_VM_BASE and the VM's root, and (when create_dirs)
 * its hints/display, hints/kv, errors/display and errors/kv. */
int schema_ensure_vm_root(struct xs_handle *xsh, const char *uuid,
			  bool create_dirs)
	__attribute__((warn_unused_result));

/* True if the permissions of path are exactly "n0". */
bool schema_perms_dom0_only(struct xs_handle *xsh, const char *path);
/* 1 if they are, 0 if they are not, a negative errno if they cannot be
 * read (-ENOENT: no such node). */
int schema_node_private(struct xs_handle *xsh, const char *path);

#endif /* HVMLINK_XENSTORE_SCHEMA_H */
