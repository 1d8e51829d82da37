/* SPDX-License-Identifier: MIT */
/*
 * A xenstore subtree read into memory inside one transaction, so that
 * status, list and watch work on a consistent snapshot and never on a
 * half-published state.
 */
#ifndef HVMLINK_XENSTORE_HVMLINKCTL_TREE_H
#define HVMLINK_XENSTORE_HVMLINKCTL_TREE_H

#include <glib.h>
#include <xenstore.h>

struct ctl_node {
	char *name;
	char *value;		/* NULL if the node could not be read */
	unsigned int len;	/* bytes in value (it may hold NUL bytes) */
	GPtrArray *kids;	/* struct ctl_node *, sorted by name */
};

/* Deep enough for hvmlink's schema; deeper nodes are not ours and are
 * not read (a hostile tree cannot make hvmlinkctl recurse without end). */
#define CTL_TREE_MAX_DEPTH	6

/* Read the subtree at path: 0 with *out (NULL if path does not exist),
 * or -errno. */
int ctl_tree_read(struct xs_handle *xsh, xs_transaction_t t, const char *path,
		  struct ctl_node **out);
void ctl_tree_free(struct ctl_node *n);

/* The node at rel ("a/b", "" for n itself) below n, or NULL. */
const struct ctl_node *ctl_tree_get(const struct ctl_node *n, const char *rel);

/* The value at rel as a C string, or NULL if absent or holding a NUL. */
const char *ctl_tree_str(const struct ctl_node *n, const char *rel);

/*
 * Run read(xsh, t, data) in a transaction that is only read, again after
 * reset(data) as long as xenstored answers EAGAIN (someone wrote
 * meanwhile).  Returns 0 or -errno (read's or the transaction's).
 */
int ctl_xs_consistent(struct xs_handle *xsh,
		      int (*read)(struct xs_handle *, xs_transaction_t, void *),
		      void (*reset)(void *), void *data);

#endif /* HVMLINK_XENSTORE_HVMLINKCTL_TREE_H */
