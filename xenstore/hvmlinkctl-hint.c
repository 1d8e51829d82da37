/* SPDX-License-Identifier: MIT */
/* hvmlinkctl hint: validate, then write the hint node. */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xenstore/hint-parse.h"
#include "xenstore/schema.h"

/* The number of displays the running daemon serves, if it said so;
 * otherwise the protocol's maximum (the daemon checks again). */
static unsigned int displays_of(struct xs_handle *xsh, unsigned int domid)
{
	char path[SCHEMA_PATH_MAX];
	unsigned int len, n = HVMLINK_MAX_DISPLAYS;
	char *v;

	if (!schema_path(path, sizeof(path), domid, SCHEMA_DISPLAYS))
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

static int write_node(struct xs_handle *xsh, unsigned int domid,
		      const char *rel, const char *value, size_t len)
{
	char path[SCHEMA_PATH_MAX];
	int rc;

	rc = schema_ensure_root(xsh, domid);
	if (rc) {
		ctl_error("cannot prepare %s/%u: %s", SCHEMA_BASE, domid,
			  strerror(-rc));
		return CTL_EXIT_XENSTORE;
	}
	if (!schema_path(path, sizeof(path), domid, rel)) {
		ctl_error("path too long");
		return CTL_EXIT_USAGE;
	}
	if (!xs_write(xsh, XBT_NULL, path, value, (unsigned int)len)) {
		ctl_error("cannot write %s: %s", path, strerror(errno));
		return CTL_EXIT_XENSTORE;
	}
	return CTL_EXIT_OK;
}

static int hint_display(struct xs_handle *xsh, unsigned int domid, int argc,
			char **argv)
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
	return write_node(xsh, domid, rel, text, strlen(text));
}

static int hint_key(struct xs_handle *xsh, unsigned int domid, int argc,
		    char **argv)
{
	char err[160], rel[128], path[SCHEMA_PATH_MAX];
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
		unsigned int len;
		void *old;

		if (!schema_path(path, sizeof(path), domid, rel))
			return CTL_EXIT_USAGE;
		/* xenstored's rm succeeds on a missing node whose parent
		 * exists; a typo in KEY deserves an error. */
		old = xs_read(xsh, XBT_NULL, path, &len);
		free(old);
		if (!old && errno == ENOENT) {
			ctl_error("domain %u has no key \"%s\"", domid, key);
			return CTL_EXIT_USAGE;
		}
		if (!xs_rm(xsh, XBT_NULL, path)) {
			ctl_error("cannot remove %s: %s", path, strerror(errno));
			return CTL_EXIT_XENSTORE;
		}
		return CTL_EXIT_OK;
	}
	if (hint_check_value(value, strlen(value), err, sizeof(err)) != 0) {
		ctl_error("bad value for key \"%s\": %s", key, err);
		return CTL_EXIT_USAGE;
	}
	return write_node(xsh, domid, rel, value, strlen(value));
}

int ctl_cmd_hint(int argc, char **argv)
{
	struct xs_handle *xsh;
	int domid, rc;

	if (argc < 3) {
		ctl_error("usage: hvmlinkctl hint DOMAIN display [N] MODE | key KEY VALUE|--delete");
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "display") && strcmp(argv[1], "key")) {
		ctl_error("unknown hint kind \"%s\" (display or key)", argv[1]);
		return CTL_EXIT_USAGE;
	}
	domid = ctl_open_domain(argv[0], &xsh);
	if (domid < 0)
		return -domid;
	if (!strcmp(argv[1], "display")) {
		rc = hint_display(xsh, (unsigned int)domid, argc - 2, argv + 2);
	} else {
		rc = hint_key(xsh, (unsigned int)domid, argc - 2, argv + 2);
	}
	xs_close(xsh);
	return rc;
}
