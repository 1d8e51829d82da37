/* SPDX-License-Identifier: MIT */
/* Private to xenstore/hvmxs*.c: the handle and the helpers they share. */
#ifndef HVMLINK_XENSTORE_HVMXS_INTERNAL_H
#define HVMLINK_XENSTORE_HVMXS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstore/hvmxs.h"
#include "xenstore/schema.h"

struct xs_handle;

/* A key/value hint as last handed to the daemon (for deletes and dedup). */
struct hvmxs_kv {
	struct hvmxs_kv *next;
	char key[HVMLINK_KV_KEY_LEN];
	size_t len;
	char *value;
};

/* One daemon-owned node as last published (value NULL = removed). */
struct hvmxs_pub {
	struct hvmxs_pub *next;
	char *rel;		/* path relative to the root */
	char *value;
};

struct hvmxs {
	unsigned int domid;
	unsigned int nr_displays;
	struct hvmxs_callbacks cb;
	void *opaque;
	char uuid[SCHEMA_UUID_LEN + 1];
	char name[SCHEMA_NAME_MAX];	/* the VM's name, "" if unknown */
	char root[SCHEMA_PATH_MAX];	/* per domain: our state */
	char vm_root[SCHEMA_PATH_MAX];	/* per VM: hints and errors */
	char hints_path[SCHEMA_PATH_MAX];
	char state_path[SCHEMA_PATH_MAX];

	/* The connection; xsh == NULL while disconnected. */
	struct xs_handle *xsh;
	int epfd;		/* what hvmxs_fd() returns, for ever */
	int watch_fd;		/* libxenstore's watch pipe, in epfd */
	int sentinel;		/* idle socket to xenstored: EOF = it died */
	unsigned int backoff_ms;
	uint64_t retry_at_ns;	/* CLOCK_MONOTONIC of the next attempt */
	bool in_callback_lost;

	bool domain_gone;
	bool gone_reported;
	/*
	 * The hints were read since the hints watch was registered: its
	 * registration event (the first, at the VM's root) is to be dropped.
	 * A rescan on it would deliver a hint written since, whose own event
	 * comes next and delivers it again (reissued): the guest would see
	 * one write as two DISPLAY_CHANGEs if it acknowledged in between.
	 */
	bool skip_registration;

	/* Last display hint handed to the daemon, per display. */
	bool shown_valid[HVMLINK_MAX_DISPLAYS];
	struct hvmlink_display_mode shown[HVMLINK_MAX_DISPLAYS];
	struct hvmxs_kv *kv;
	/* [0] display, [1] kv: the last rescan found no error node of that
	 * kind and the daemon wrote none since, so a valid hint needs no
	 * xs_rm of its error node (one xenstored round trip less per hint,
	 * which a guest request waits behind during an admin's burst). */
	bool no_errors[2];

	/* Everything published, replayed after a reconnection. */
	struct hvmxs_pub *pub;
};

/* hvmxs.c */
/* Re-create our tree (after it was removed) and publish everything we
 * remember again.  0 or a negative errno. */
int hvmxs__republish(struct hvmxs *xs);
/* Called when a xenstore call failed: decides whether the connection is
 * gone and if so tears it down and reports it.  Returns true if gone. */
bool hvmxs__check_lost(struct hvmxs *xs, int err);
/* root + "/" + rel into buf. */
bool hvmxs__path(const struct hvmxs *xs, char *buf, size_t len,
		 const char *rel);

/* hvmxs-hints.c */
/* A watch event below <root>/hints: rel is the path below "hints/"
 * ("" for hints itself). */
void hvmxs__hint_event(struct hvmxs *xs, const char *rel);
/* A watch event at <vm root>/errors/<kind>/<name> (path: the whole path):
 * a node there that exists, whoever wrote it, means the kind may have
 * error nodes again. */
void hvmxs__error_event(struct hvmxs *xs, const char *path);
/* Re-read every hint; unchanged ones are not delivered again. */
void hvmxs__rescan(struct hvmxs *xs);
void hvmxs__forget_hints(struct hvmxs *xs);

/* hvmxs-publish.c */
/* Publish the domain's link to its VM (<root>/vm = UUID). */
int hvmxs__publish_vm(struct hvmxs *xs);
/* Write all remembered nodes again (after a reconnection). */
int hvmxs__replay(struct hvmxs *xs);
void hvmxs__forget_published(struct hvmxs *xs);
/* Remove every daemon-owned node (and with all, the whole root). */
void hvmxs__remove_state(struct hvmxs *xs, bool all);

#endif /* HVMLINK_XENSTORE_HVMXS_INTERNAL_H */
