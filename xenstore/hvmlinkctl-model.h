/* SPDX-License-Identifier: MIT */
/*
 * What hvmlinkctl knows about one domain: its hvmlink tree read in one
 * transaction, whether its daemon is alive, and the two ways to show it
 * (text for people, JSON with the types docs/hvmlinkctl.schema.json
 * promises).  status, list and watch all use this.
 */
#ifndef HVMLINK_XENSTORE_HVMLINKCTL_MODEL_H
#define HVMLINK_XENSTORE_HVMLINKCTL_MODEL_H

#include <stdbool.h>
#include <stdio.h>
#include <json-glib/json-glib.h>
#include <xenstore.h>

#include "xenstore/hvmlinkctl-tree.h"
#include "xenstore/schema.h"

/* Hints and errors kept by VM UUID (D3): CTL_VM_BASE/UUID/{hints,errors}. */
#define CTL_VM_BASE	SCHEMA_VM_BASE

/* Below the domain's root: delivered/<kind>/<name> = SEQ, written by the
 * daemon once the device took that hint. */
#define CTL_DELIVERED	"delivered"

/* The daemon as hvmlinkctl reports it ("state" in the JSON schema). */
enum ctl_state {
	CTL_STATE_NONE,		/* no hvmlinkd state for the domain */
	CTL_STATE_STARTING,
	CTL_STATE_RUNNING,
	CTL_STATE_READY,
	CTL_STATE_STOPPING,
	CTL_STATE_DEAD,		/* state published, process gone */
	CTL_STATE_UNKNOWN,	/* published state is not one we know */
};

struct ctl_domain {
	unsigned int domid;
	bool exists;		/* /local/domain/D is there */
	char *name;		/* /local/domain/D/name, raw; NULL if absent */
	unsigned int name_len;
	char *vm;		/* the VM's UUID (checked), or NULL */
	struct ctl_node *root;	/* /local/domain/0/hvmlink/D, or NULL */
	struct ctl_node *hints;	/* the directory holding hints/ and errors/ */
	/* Set by ctl_domain_check_daemon(): */
	enum ctl_state state;
	long pid;		/* -1: none or not a pid */
};

const char *ctl_state_name(enum ctl_state s);

/* Read everything about domid inside t (0 or -errno).  d is cleared
 * first; free with ctl_domain_clear(). */
int ctl_domain_read(struct xs_handle *xsh, xs_transaction_t t,
		    unsigned int domid, struct ctl_domain *d);
void ctl_domain_clear(struct ctl_domain *d);

/* ctl_domain_read in a consistent snapshot, then the daemon check:
 * 0 or -errno. */
int ctl_domain_snapshot(struct xs_handle *xsh, unsigned int domid,
			struct ctl_domain *d);

/* Decide state and pid: the published state, unless the pid it names
 * is gone (then CTL_STATE_DEAD).  Outside the transaction: it looks at
 * processes, not xenstore. */
void ctl_domain_check_daemon(struct ctl_domain *d);

/* True if the daemon is alive (the states between starting and stopping,
 * or unknown with a live pid). */
bool ctl_domain_daemon_alive(const struct ctl_domain *d);

/* The JSON object of the schema's "domain" definition. */
JsonNode *ctl_domain_json(const struct ctl_domain *d);

/* The parts of the JSON object watch needs on their own. */
JsonNode *ctl_guest_json(const struct ctl_node *guest);
JsonNode *ctl_map_json(const struct ctl_node *dir);

/* Text form: a header (domain, daemon) and one "path = \"value\"" line
 * per node, every foreign byte escaped (hvmlinkctl-escape.h). */
void ctl_domain_text(const struct ctl_domain *d, FILE *out);

/* A JSON integer for a decimal string, null if it is not one. */
JsonNode *ctl_json_uint(const char *s);

/* A JSON string node with the sanitized bytes, or null if s is NULL. */
JsonNode *ctl_json_bytes(const char *s, size_t len);

/* The JSON object of the schema's "vm" definition: a VM's hints and errors
 * (dir: CTL_VM_BASE/UUID). */
JsonNode *ctl_vm_json(const char *uuid, const struct ctl_node *dir);

/* True if s is a UUID in 8-4-4-4-12 hex form. */
bool ctl_is_uuid(const char *s);

/* Parse a decimal integer 0..max with nothing else around it: -1 if not. */
long long ctl_parse_uint(const char *s, long long max);

#endif /* HVMLINK_XENSTORE_HVMLINKCTL_MODEL_H */
