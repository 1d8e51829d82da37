/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl hint: validate, then write (or remove) the hint node.  Hints
 * belong to the VM, not to the domain: they are written under
 * /local/domain/0/hvmlink/vm/UUID/hints/ and apply to every domain the VM
 * gets (reboot, restore, migration) until they are cleared.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xenstore/hint-parse.h"
#include "xenstore/schema.h"

/* The number of displays the VM's running daemon serves, if it said so;
 * otherwise the protocol's maximum (the daemon checks again). */
static unsigned int displays_of(struct xs_handle *xsh, int domid)
{
	char path[SCHEMA_PATH_MAX];
	unsigned int len, n = HVMLINK_MAX_DISPLAYS;
	char *v;

	if (domid < 0 ||
	    !schema_path(path, sizeof(path), (unsigned int)domid,
			 SCHEMA_DISPLAYS))
		return n;
	v = xs_read(xsh, XBT_NULL, path, &len);
	if (v && strlen(v) == len && *v) {
		char *end;
		unsigned long c = strtoul(v, &end, 10);

		if (!*end && c >= 1 && c <= HVMLINK_MAX_DISPLAYS)
			n = (unsigned int)c;
	}
	free(v);
	return n;
}

int ctl_prepare_vm(struct xs_handle *xsh, const char *uuid, int domid)
{
	char path[SCHEMA_PATH_MAX], dpath[64];
	unsigned int len;
	char *name;
	int rc;

	rc = schema_ensure_vm_root(xsh, uuid, true);
	if (rc) {
		ctl_error("cannot prepare %s/%s: %s", SCHEMA_VM_BASE, uuid,
			  strerror(-rc));
		return CTL_EXIT_XENSTORE;
	}
	if (domid < 0)
		return CTL_EXIT_OK;
	/* Remember the VM's name, so it can be named after it is gone. */
	snprintf(dpath, sizeof(dpath), "/local/domain/%d/name", domid);
	name = xs_read(xsh, XBT_NULL, dpath, &len);
	if (name && strlen(name) == len && *name &&
	    schema_vm_path(path, sizeof(path), uuid, SCHEMA_VM_NAME))
		xs_write(xsh, XBT_NULL, path, name, len);
	free(name);
	return CTL_EXIT_OK;
}

static int write_node(struct xs_handle *xsh, const char *uuid, int domid,
		      const char *rel, const char *value, size_t len)
{
	char path[SCHEMA_PATH_MAX];
	int rc;

	rc = ctl_prepare_vm(xsh, uuid, domid);
	if (rc)
		return rc;
	if (!schema_vm_path(path, sizeof(path), uuid, rel)) {
		ctl_error("path too long");
		return CTL_EXIT_USAGE;
	}
	if (!xs_write(xsh, XBT_NULL, path, value, (unsigned int)len)) {
		ctl_error("cannot write %s: %s", path, strerror(errno));
		return CTL_EXIT_XENSTORE;
	}
	return CTL_EXIT_OK;
}

/* Remove one node; a missing one is an error (a typo deserves one). */
static int remove_node(struct xs_handle *xsh, const char *uuid,
		       const char *rel, const char *what)
{
	char path[SCHEMA_PATH_MAX];
	unsigned int len;
	void *old;

	if (!schema_vm_path(path, sizeof(path), uuid, rel))
		return CTL_EXIT_USAGE;
	/* xenstored's rm succeeds on a missing node whose parent exists. */
	old = xs_read(xsh, XBT_NULL, path, &len);
	free(old);
	if (!old && errno == ENOENT) {
		ctl_error("VM %s has no %s", uuid, what);
		return CTL_EXIT_USAGE;
	}
	if (!xs_rm(xsh, XBT_NULL, path)) {
		ctl_error("cannot remove %s: %s", path, strerror(errno));
		return CTL_EXIT_XENSTORE;
	}
	return CTL_EXIT_OK;
}

static int hint_display(struct xs_handle *xsh, const char *uuid, int domid,
			int argc, char **argv)
{
	struct hvmlink_display_mode mode;
	const char *index = "0", *text;
	char err[160], rel[64];
	unsigned int idx;

	if (argc == 1) {
		text = argv[0];
	} else if (argc == 2) {
		index = argv[0];
		text = argv[1];
	} else {
		ctl_error("usage: hvmlinkctl hint DOMAIN display [N] MODE");
		return CTL_EXIT_USAGE;
	}
	if (hint_parse_display_index(index, displays_of(xsh, domid), &idx,
				     err, sizeof(err)) != 0) {
		ctl_error("%s", err);
		return CTL_EXIT_USAGE;
	}
	if (hint_parse_display(text, strlen(text), &mode, err, sizeof(err)) != 0) {
		ctl_error("bad mode \"%s\": %s", text, err);
		return CTL_EXIT_USAGE;
	}
	snprintf(rel, sizeof(rel), SCHEMA_HINTS_DISPLAY "/%u", idx);
	return write_node(xsh, uuid, domid, rel, text, strlen(text));
}

static int hint_key(struct xs_handle *xsh, const char *uuid, int domid,
		    int argc, char **argv)
{
	char err[160], rel[128], what[96];
	const char *key, *value;

	if (argc != 2) {
		ctl_error("usage: hvmlinkctl hint DOMAIN key KEY VALUE|--delete");
		return CTL_EXIT_USAGE;
	}
	key = argv[0];
	value = argv[1];
	if (hint_check_key(key, err, sizeof(err)) != 0) {
		ctl_error("bad key \"%s\": %s", key, err);
		return CTL_EXIT_USAGE;
	}
	snprintf(rel, sizeof(rel), SCHEMA_HINTS_KV "/%s", key);
	if (strcmp(value, "--delete") == 0) {
		snprintf(what, sizeof(what), "key \"%s\"", key);
		return remove_node(xsh, uuid, rel, what);
	}
	if (hint_check_value(value, strlen(value), err, sizeof(err)) != 0) {
		ctl_error("bad value for key \"%s\": %s", key, err);
		return CTL_EXIT_USAGE;
	}
	return write_node(xsh, uuid, domid, rel, value, strlen(value));
}

/*
 * hint --clear DOMAIN                  every hint of the VM
 * hint --clear DOMAIN display [N]      every display hint, or display N's
 * hint --clear DOMAIN key KEY          one key
 */
static int hint_clear(struct xs_handle *xsh, const char *uuid, int argc,
		      char **argv)
{
	char err[160], rel[128], what[96];
	unsigned int idx;
	int rc;

	if (argc == 0 || (argc == 1 && !strcmp(argv[0], "display"))) {
		const char *dir = argc ? SCHEMA_HINTS_DISPLAY : SCHEMA_HINTS;
		char path[SCHEMA_PATH_MAX];

		if (!schema_vm_path(path, sizeof(path), uuid, dir))
			return CTL_EXIT_USAGE;
		if (!xs_rm(xsh, XBT_NULL, path) && errno != ENOENT) {
			ctl_error("cannot remove %s: %s", path, strerror(errno));
			return CTL_EXIT_XENSTORE;
		}
		/* Put the (now empty) directories back. */
		rc = schema_ensure_vm_root(xsh, uuid, true);
		if (rc) {
			ctl_error("cannot prepare %s/%s: %s", SCHEMA_VM_BASE,
				  uuid, strerror(-rc));
			return CTL_EXIT_XENSTORE;
		}
		return CTL_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[0], "display")) {
		if (hint_parse_display_index(argv[1], HVMLINK_MAX_DISPLAYS,
					     &idx, err, sizeof(err)) != 0) {
			ctl_error("%s", err);
			return CTL_EXIT_USAGE;
		}
		snprintf(rel, sizeof(rel), SCHEMA_HINTS_DISPLAY "/%u", idx);
		snprintf(what, sizeof(what), "display %u hint", idx);
		return remove_node(xsh, uuid, rel, what);
	}
	if (argc == 2 && !strcmp(argv[0], "key")) {
		if (hint_check_key(argv[1], err, sizeof(err)) != 0) {
			ctl_error("bad key \"%s\": %s", argv[1], err);
			return CTL_EXIT_USAGE;
		}
		snprintf(rel, sizeof(rel), SCHEMA_HINTS_KV "/%s", argv[1]);
		snprintf(what, sizeof(what), "key \"%s\"", argv[1]);
		return remove_node(xsh, uuid, rel, what);
	}
	ctl_error("usage: hvmlinkctl hint --clear DOMAIN [display [N] | key KEY]");
	return CTL_EXIT_USAGE;
}

int ctl_cmd_hint(int argc, char **argv)
{
	char uuid[SCHEMA_UUID_LEN + 1];
	struct xs_handle *xsh;
	bool clear = false;
	int domid, rc;

	if (argc >= 1 && !strcmp(argv[0], "--clear")) {
		clear = true;
		argc--;
		argv++;
		if (argc < 1) {
			ctl_error("usage: hvmlinkctl hint --clear DOMAIN [display [N] | key KEY]");
			return CTL_EXIT_USAGE;
		}
	} else if (argc < 3) {
		ctl_error("usage: hvmlinkctl hint DOMAIN display [N] MODE | key KEY VALUE|--delete");
		return CTL_EXIT_USAGE;
	} else if (strcmp(argv[1], "display") && strcmp(argv[1], "key")) {
		ctl_error("unknown hint kind \"%s\" (display or key)", argv[1]);
		return CTL_EXIT_USAGE;
	}
	xsh = ctl_xs_open();
	if (!xsh)
		return CTL_EXIT_XENSTORE;
	rc = ctl_resolve_vm(xsh, argv[0], uuid, &domid);
	if (rc < 0) {
		xs_close(xsh);
		return -rc;
	}
	if (clear)
		rc = hint_clear(xsh, uuid, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "display"))
		rc = hint_display(xsh, uuid, domid, argc - 2, argv + 2);
	else
		rc = hint_key(xsh, uuid, domid, argc - 2, argv + 2);
	xs_close(xsh);
	return rc;
}
