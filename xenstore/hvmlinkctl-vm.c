/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl forget / hints export / hints import: what hvmlink keeps per
 * VM, as a whole.
 *
 * The export format is text, one hint a line, so it can be read, edited
 * and carried over ssh to another host before a migration:
 *
 *   # comment
 *   display N MODE
 *   key KEY =VALUE
 *
 * VALUE is the key's bytes with every byte outside '!'..'~', and '%'
 * itself, written as %XX (two upper-case hex digits); "=" alone is the
 * empty value.  Import checks every line as the daemon would before it
 * writes anything, and replaces the VM's hints in one transaction.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/paths.h"
#include "xenstore/hint-parse.h"
#include "xenstore/schema.h"

#define IMPORT_MAX_BYTES	(1u << 20)
#define TXN_RETRIES		16

/* ---- forget ---------------------------------------------------------- */

static int usage_forget(void)
{
	ctl_error("usage: hvmlinkctl forget VM [--state-dir DIR]");
	return CTL_EXIT_USAGE;
}

int ctl_cmd_forget(int argc, char **argv)
{
	const char *vm = NULL, *state_dir = HVMLINK_STATE_DIR_DEFAULT;
	char uuid[SCHEMA_UUID_LEN + 1], path[SCHEMA_PATH_MAX], file[4096];
	struct xs_handle *xsh;
	bool had_xs, had_file;
	unsigned int len;
	int domid, rc;
	char *v;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
			state_dir = argv[++i];
		else if (!strncmp(argv[i], "--state-dir=", 12))
			state_dir = argv[i] + 12;
		else if (!vm && argv[i][0] != '-')
			vm = argv[i];
		else
			return usage_forget();
	}
	if (!vm || state_dir[0] != '/')
		return usage_forget();
	xsh = ctl_xs_open();
	if (!xsh)
		return CTL_EXIT_XENSTORE;
	rc = ctl_resolve_vm(xsh, vm, uuid, &domid);
	if (rc < 0) {
		xs_close(xsh);
		return -rc;
	}
	if (domid >= 0) {
		ctl_error("VM %s is running as domain %d: stop it first, or clear its hints with \"hvmlinkctl hint --clear %d\"",
			  uuid, domid, domid);
		xs_close(xsh);
		return CTL_EXIT_USAGE;
	}
	if (!schema_vm_path(path, sizeof(path), uuid, NULL)) {
		xs_close(xsh);
		return CTL_EXIT_USAGE;
	}
	v = xs_read(xsh, XBT_NULL, path, &len);
	had_xs = v != NULL;
	free(v);
	if (had_xs && !xs_rm(xsh, XBT_NULL, path)) {
		ctl_error("cannot remove %s: %s", path, strerror(errno));
		xs_close(xsh);
		return CTL_EXIT_XENSTORE;
	}
	xs_close(xsh);

	snprintf(file, sizeof(file), "%s/%s/%s.state", state_dir,
		 HVMLINK_STATE_VM_SUBDIR, uuid);
	had_file = unlink(file) == 0;
	if (!had_file && errno != ENOENT) {
		ctl_error("cannot remove %s: %s", file, strerror(errno));
		return CTL_EXIT_XENSTORE;
	}
	if (!had_xs && !had_file) {
		ctl_error("hvmlink keeps nothing for VM %s", uuid);
		return CTL_EXIT_NO_DOMAIN;
	}
	printf("forgot VM %s:%s%s\n", uuid, had_xs ? " hints" : "",
	       had_file ? (had_xs ? ", device state" : " device state") : "");
	return CTL_EXIT_OK;
}

/* ---- hints export ---------------------------------------------------- */

static void put_value(FILE *out, const unsigned char *v, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	fputc('=', out);
	for (size_t i = 0; i < len; i++) {
		if (v[i] > ' ' && v[i] < 0x7f && v[i] != '%') {
			fputc(v[i], out);
		} else {
			fputc('%', out);
			fputc(hex[v[i] >> 4], out);
			fputc(hex[v[i] & 15], out);
		}
	}
}

/*
 * Read one hint node for export: NULL (and a warning) unless it is one
 * the daemon would accept, so an export always imports.
 */
static char *export_read(struct xs_handle *xsh, const char *uuid,
			 const char *dir, const char *name, unsigned int *len)
{
	char path[SCHEMA_PATH_MAX], rel[SCHEMA_PATH_MAX];
	char *v;

	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	if (!schema_vm_path(path, sizeof(path), uuid, rel))
		return NULL;
	v = xs_read(xsh, XBT_NULL, path, len);
	if (!v)
		return NULL;
	if (schema_node_private(xsh, path) != 1) {
		ctl_error("skipping %s: its permissions are not dom0-only", path);
		free(v);
		return NULL;
	}
	return v;
}

static int export_hints(struct xs_handle *xsh, const char *uuid, FILE *out)
{
	char path[SCHEMA_PATH_MAX], err[160];
	unsigned int n = 0, len;
	char **d;

	fprintf(out, "# hvmlink hints of VM %s\n", uuid);
	if (!schema_vm_path(path, sizeof(path), uuid, SCHEMA_HINTS_DISPLAY))
		return CTL_EXIT_USAGE;
	d = xs_directory(xsh, XBT_NULL, path, &n);
	for (unsigned int i = 0; d && i < n; i++) {
		struct hvmlink_display_mode mode;
		unsigned int idx;
		char *v = export_read(xsh, uuid, SCHEMA_HINTS_DISPLAY, d[i],
				      &len);

		if (!v)
			continue;
		if (hint_parse_display_index(d[i], HVMLINK_MAX_DISPLAYS, &idx,
					     err, sizeof(err)) ||
		    hint_parse_display(v, len, &mode, err, sizeof(err)))
			ctl_error("skipping display hint %s: %s", d[i], err);
		else
			fprintf(out, "display %u %s\n", idx, v);
		free(v);
	}
	free(d);
	if (!schema_vm_path(path, sizeof(path), uuid, SCHEMA_HINTS_KV))
		return CTL_EXIT_USAGE;
	d = xs_directory(xsh, XBT_NULL, path, &n);
	for (unsigned int i = 0; d && i < n; i++) {
		char *v = export_read(xsh, uuid, SCHEMA_HINTS_KV, d[i], &len);

		if (!v)
			continue;
		if (hint_check_key(d[i], err, sizeof(err)) ||
		    hint_check_value(v, len, err, sizeof(err))) {
			ctl_error("skipping key %s: %s", d[i], err);
		} else {
			fprintf(out, "key %s ", d[i]);
			put_value(out, (const unsigned char *)v, len);
			fputc('\n', out);
		}
		free(v);
	}
	free(d);
	if (fflush(out) != 0 || ferror(out)) {
		ctl_error("cannot write the hints: %s", strerror(errno));
		return CTL_EXIT_XENSTORE;
	}
	return CTL_EXIT_OK;
}

/* ---- hints import ---------------------------------------------------- */

struct hint {
	char rel[128];
	char *value;
	size_t len;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "=..." into bytes; false if malformed. */
static bool get_value(const char *s, char **out, size_t *len)
{
	size_t n = 0;
	char *v;

	if (*s++ != '=')
		return false;
	v = malloc(strlen(s) + 1);
	if (!v)
		return false;
	while (*s) {
		unsigned char c = (unsigned char)*s;

		if (c == '%') {
			int hi = hexval(s[1]), lo = hi >= 0 ? hexval(s[2]) : -1;

			if (lo < 0) {
				free(v);
				return false;
			}
			v[n++] = (char)(hi << 4 | lo);
			s += 3;
		} else if (c > ' ' && c < 0x7f) {
			v[n++] = (char)c;
			s++;
		} else {
			free(v);
			return false;
		}
	}
	v[n] = '\0';
	*out = v;
	*len = n;
	return true;
}

/* Parse one line into h; 0, or 1 for a line with no hint, or -1 after
 * printing why. */
static int parse_line(char *line, unsigned int lineno, unsigned int displays,
		      struct hint *h)
{
	char err[160], *kind, *arg, *rest;
	unsigned int idx;

	line[strcspn(line, "\n")] = '\0';
	if (!*line || *line == '#')
		return 1;
	kind = strtok_r(line, " ", &rest);
	arg = strtok_r(NULL, " ", &rest);
	if (!kind || !arg || !rest || !*rest || strchr(rest, ' ')) {
		ctl_error("line %u: expected \"display N MODE\" or \"key KEY =VALUE\"",
			  lineno);
		return -1;
	}
	if (!strcmp(kind, "display")) {
		struct hvmlink_display_mode mode;

		if (hint_parse_display_index(arg, displays, &idx, err,
					     sizeof(err)) ||
		    hint_parse_display(rest, strlen(rest), &mode, err,
				       sizeof(err))) {
			ctl_error("line %u: %s", lineno, err);
			return -1;
		}
		snprintf(h->rel, sizeof(h->rel), SCHEMA_HINTS_DISPLAY "/%u", idx);
		h->value = strdup(rest);
		h->len = strlen(rest);
		return h->value ? 0 : -1;
	}
	if (!strcmp(kind, "key")) {
		if (hint_check_key(arg, err, sizeof(err))) {
			ctl_error("line %u: bad key \"%s\": %s", lineno, arg, err);
			return -1;
		}
		if (!get_value(rest, &h->value, &h->len)) {
			ctl_error("line %u: bad value (\"=\" then bytes, %%XX for anything but '!'..'~')",
				  lineno);
			return -1;
		}
		if (hint_check_value(h->value, h->len, err, sizeof(err))) {
			ctl_error("line %u: bad value for key \"%s\": %s", lineno,
				  arg, err);
			free(h->value);
			return -1;
		}
		snprintf(h->rel, sizeof(h->rel), SCHEMA_HINTS_KV "/%s", arg);
		return 0;
	}
	ctl_error("line %u: unknown hint kind \"%s\" (display or key)", lineno,
		  kind);
	return -1;
}

static void free_hints(struct hint *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].value);
	free(h);
}

/* Read and check every line; NULL after printing why. */
static struct hint *read_hints(FILE *in, unsigned int displays, size_t *count)
{
	struct hint *h = NULL;
	size_t n = 0, cap = 0, total = 0;
	unsigned int lineno = 0;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t got;

	while ((got = getline(&line, &linecap, in)) > 0) {
		struct hint one = { 0 };
		int rc;

		lineno++;
		total += (size_t)got;
		if (total > IMPORT_MAX_BYTES) {
			ctl_error("input longer than %u bytes", IMPORT_MAX_BYTES);
			goto fail;
		}
		if ((size_t)got != strlen(line)) {
			ctl_error("line %u: NUL byte", lineno);
			goto fail;
		}
		rc = parse_line(line, lineno, displays, &one);
		if (rc < 0)
			goto fail;
		if (rc > 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(h[i].rel, one.rel)) {
				ctl_error("line %u: %s given twice", lineno,
					  one.rel + strlen(SCHEMA_HINTS) + 1);
				free(one.value);
				goto fail;
			}
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct hint *nh = realloc(h, ncap * sizeof(*nh));

			if (!nh) {
				free(one.value);
				ctl_error("out of memory");
				goto fail;
			}
			h = nh;
			cap = ncap;
		}
		h[n++] = one;
	}
	if (ferror(in)) {
		ctl_error("cannot read the hints: %s", strerror(errno));
		goto fail;
	}
	free(line);
	*count = n;
	return h ? h : calloc(1, sizeof(*h));
fail:
	free(line);
	free_hints(h, n);
	return NULL;
}

/* Replace the VM's hints by h, all at once. */
static int replace_hints(struct xs_handle *xsh, const char *uuid,
			 const struct hint *h, size_t n)
{
	static const char *const dirs[] = {
		SCHEMA_HINTS_DISPLAY, SCHEMA_HINTS_KV,
	};
	char path[SCHEMA_PATH_MAX];
	int err = EIO;

	for (int attempt = 0; attempt < TXN_RETRIES; attempt++) {
		xs_transaction_t t = xs_transaction_start(xsh);
		bool ok;

		if (t == XBT_NULL) {
			err = errno;
			break;
		}
		ok = schema_vm_path(path, sizeof(path), uuid, SCHEMA_HINTS) &&
		     (xs_rm(xsh, t, path) || errno == ENOENT);
		for (size_t i = 0; ok && i < sizeof(dirs) / sizeof(dirs[0]); i++)
			ok = schema_vm_path(path, sizeof(path), uuid, dirs[i]) &&
			     xs_mkdir(xsh, t, path);
		for (size_t i = 0; ok && i < n; i++)
			ok = schema_vm_path(path, sizeof(path), uuid, h[i].rel) &&
			     xs_write(xsh, t, path, h[i].value,
				      (unsigned int)h[i].len);
		if (!ok) {
			err = errno;
			xs_transaction_end(xsh, t, true);
			break;
		}
		if (xs_transaction_end(xsh, t, false))
			return 0;
		err = errno;
		if (err != EAGAIN)
			break;
	}
	ctl_error("cannot write the hints of VM %s: %s", uuid, strerror(err));
	return -err;
}

static int import_hints(struct xs_handle *xsh, const char *uuid, int domid,
			FILE *in)
{
	struct hint *h;
	unsigned int displays = HVMLINK_MAX_DISPLAYS;
	char path[SCHEMA_PATH_MAX];
	size_t n;
	int rc;

	/* The running daemon's display count, as "hint" checks it. */
	if (domid >= 0 &&
	    schema_path(path, sizeof(path), (unsigned int)domid,
			SCHEMA_DISPLAYS)) {
		unsigned int len;
		char *v = xs_read(xsh, XBT_NULL, path, &len);

		if (v && strlen(v) == len && atoi(v) >= 1 &&
		    atoi(v) <= HVMLINK_MAX_DISPLAYS)
			displays = (unsigned int)atoi(v);
		free(v);
	}
	h = read_hints(in, displays, &n);
	if (!h)
		return CTL_EXIT_USAGE;
	rc = ctl_prepare_vm(xsh, uuid, domid);
	if (rc == CTL_EXIT_OK && replace_hints(xsh, uuid, h, n) < 0)
		rc = CTL_EXIT_XENSTORE;
	if (rc == CTL_EXIT_OK)
		printf("imported %zu hint%s into VM %s\n", n, n == 1 ? "" : "s",
		       uuid);
	free_hints(h, n);
	return rc;
}

int ctl_cmd_hints(int argc, char **argv)
{
	char uuid[SCHEMA_UUID_LEN + 1];
	struct xs_handle *xsh;
	bool export;
	int domid, rc;

	if (argc != 2 || (strcmp(argv[0], "export") && strcmp(argv[0], "import"))) {
		ctl_error("usage: hvmlinkctl hints export DOMAIN > FILE | hints import DOMAIN < FILE");
		return CTL_EXIT_USAGE;
	}
	export = !strcmp(argv[0], "export");
	xsh = ctl_xs_open();
	if (!xsh)
		return CTL_EXIT_XENSTORE;
	rc = ctl_resolve_vm(xsh, argv[1], uuid, &domid);
	if (rc < 0) {
		xs_close(xsh);
		return -rc;
	}
	rc = export ? export_hints(xsh, uuid, stdout)
		    : import_hints(xsh, uuid, domid, stdin);
	xs_close(xsh);
	return rc;
}
