/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl status: one consistent snapshot (a read-only transaction) of
 * the domain's hvmlink tree, as text or JSON.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xenstore/schema.h"

/* Deep enough for the schema; deeper nodes are not ours. */
#define MAX_DEPTH	6

static void json_string(FILE *out, const char *s, unsigned int len)
{
	fputc('"', out);
	for (unsigned int i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);	/* UTF-8 passes through */
	}
	fputc('"', out);
}

static void text_value(FILE *out, const char *s, unsigned int len)
{
	fputc('"', out);
	for (unsigned int i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc(c >= 0x20 && c < 0x7f ? c : '?', out);
	}
	fputc('"', out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Print the subtree at path.  JSON: a node with children is an object,
 * a leaf a string.  Text: "rel = value" for every leaf.
 */
static int walk(FILE *out, struct xs_handle *xsh, xs_transaction_t t, const char *path,
		const char *rel, bool json, int depth)
{
	unsigned int n = 0, len = 0;
	char **kids;
	char *v;
	int rc = 0;

	kids = xs_directory(xsh, t, path, &n);
	if (!kids && errno != ENOENT)
		return -errno;
	if (n == 0 || depth >= MAX_DEPTH) {
		v = xs_read(xsh, t, path, &len);
		if (json)
			json_string(out, v ? v : "", v ? len : 0);
		else if (v) {
			fprintf(out, "%s = ", rel);
			text_value(out, v, len);
			fputc('\n', out);
		}
		free(v);
		free(kids);
		return 0;
	}
	qsort(kids, n, sizeof(*kids), cmp_str);
	if (json)
		fputc('{', out);
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		char cpath[SCHEMA_PATH_MAX * 2], crel[SCHEMA_PATH_MAX * 2];

		snprintf(cpath, sizeof(cpath), "%s/%s", path, kids[i]);
		snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "",
			 kids[i]);
		if (json) {
			if (i)
				fputc(',', out);
			json_string(out, kids[i], (unsigned int)strlen(kids[i]));
			fputc(':', out);
		}
		rc = walk(out, xsh, t, cpath, crel, json, depth + 1);
	}
	if (json)
		fputc('}', out);
	free(kids);
	return rc;
}

static char *read_rel(struct xs_handle *xsh, xs_transaction_t t,
		      unsigned int domid, const char *rel)
{
	char path[SCHEMA_PATH_MAX];
	unsigned int len;
	char *v;

	if (!schema_path(path, sizeof(path), domid, rel))
		return NULL;
	v = xs_read(xsh, t, path, &len);
	if (v && strlen(v) != len) {	/* embedded NUL: not ours */
		free(v);
		return NULL;
	}
	return v;
}

static int show(FILE *out, struct xs_handle *xsh, xs_transaction_t t, unsigned int domid,
		bool json)
{
	static const char *const sections[] = {
		SCHEMA_HINTS, SCHEMA_ERRORS, SCHEMA_GUEST,
	};
	char dpath[64], path[SCHEMA_PATH_MAX], uuid[SCHEMA_UUID_LEN + 1];
	char *state, *pid, *name;
	unsigned int len;
	bool have_vm;
	int rc = 0;

	/* Hints and errors are kept per VM, the rest per domain. */
	have_vm = schema_domain_vm(xsh, domid, uuid, NULL, 0) == 0;

	snprintf(dpath, sizeof(dpath), "/local/domain/%u/name", domid);
	name = xs_read(xsh, t, dpath, &len);
	state = read_rel(xsh, t, domid, SCHEMA_STATE);
	pid = read_rel(xsh, t, domid, SCHEMA_PID);

	if (json) {
		fprintf(out, "{\"domid\":%u,\"name\":", domid);
		json_string(out, name ? name : "", name ? len : 0);
		fprintf(out, ",\"state\":");
		json_string(out, state ? state : "none",
			    (unsigned int)strlen(state ? state : "none"));
		fprintf(out, ",\"pid\":%s", pid && *pid ? pid : "null");
	} else {
		fprintf(out, "domain: %u", domid);
		if (name)
			fprintf(out, " (%s)", name);
		fprintf(out, "\ndaemon: %s", state ? state : "none (no hvmlinkd state)");
		if (pid)
			fprintf(out, ", pid %s", pid);
		fputc('\n', out);
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]) && !rc; i++) {
		if (strcmp(sections[i], SCHEMA_GUEST) == 0)
			schema_path(path, sizeof(path), domid, sections[i]);
		else if (have_vm)
			schema_vm_path(path, sizeof(path), uuid, sections[i]);
		else
			schema_vm_path(path, sizeof(path), "none", sections[i]);
		if (json) {
			fprintf(out, ",\"%s\":", sections[i]);
			rc = walk(out, xsh, t, path, sections[i], true, 0);
		} else {
			rc = walk(out, xsh, t, path, sections[i], false, 0);
		}
	}
	if (json)
		fprintf(out, "}\n");
	free(name);
	free(state);
	free(pid);
	return rc;
}

int ctl_cmd_status(int argc, char **argv)
{
	struct xs_handle *xsh;
	bool json = false;
	int domid, rc;
	const char *dom = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!dom && argv[i][0] != '-')
			dom = argv[i];
		else {
			ctl_error("usage: hvmlinkctl status DOMAIN [--json]");
			return CTL_EXIT_USAGE;
		}
	}
	if (!dom) {
		ctl_error("usage: hvmlinkctl status DOMAIN [--json]");
		return CTL_EXIT_USAGE;
	}
	domid = ctl_open_domain(dom, &xsh);
	if (domid < 0)
		return -domid;
	/* A transaction gives one consistent snapshot; output goes to a
	 * memory stream so a retried attempt prints nothing twice. */
	for (int attempt = 0; attempt < 16; attempt++) {
		char *buf = NULL;
		size_t size = 0;
		FILE *mem = open_memstream(&buf, &size);
		xs_transaction_t t;

		if (!mem) {
			ctl_error("out of memory");
			rc = CTL_EXIT_XENSTORE;
			break;
		}
		t = xs_transaction_start(xsh);
		if (t == XBT_NULL) {
			fclose(mem);
			free(buf);
			ctl_error("cannot start a transaction: %s", strerror(errno));
			rc = CTL_EXIT_XENSTORE;
			break;
		}
		rc = show(mem, xsh, t, (unsigned int)domid, json);
		fclose(mem);
		if (rc) {
			xs_transaction_end(xsh, t, true);
			free(buf);
			ctl_error("cannot read the state of domain %d: %s", domid,
				  strerror(-rc));
			rc = CTL_EXIT_XENSTORE;
			break;
		}
		if (!xs_transaction_end(xsh, t, false)) {
			free(buf);
			if (errno == EAGAIN)
				continue;
			ctl_error("transaction failed: %s", strerror(errno));
			rc = CTL_EXIT_XENSTORE;
			break;
		}
		fwrite(buf, 1, size, stdout);
		free(buf);
		rc = CTL_EXIT_OK;
		break;
	}
	xs_close(xsh);
	return rc;
}
