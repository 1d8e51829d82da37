/* SPDX-License-Identifier: MIT */
/*
 * Administrator hints: re-read, validate, hand over, report refusals.
 *
 * A watch event only says "something at or below this path changed", and
 * several writes may have been folded into it, so the node is always read
 * again and its current value is what counts: the guest ends up with the
 * latest good value.  A refused value never reaches the daemon; the last
 * good one stays in effect and errors/<kind>/<name> says why.  Errors live
 * outside hints/ so that an error node can never be mistaken for a key
 * (and the watch handler drops the events our own error writes cause
 * without reading anything).
 *
 * Before a value is used, the node's own permissions must be exactly "n0"
 * (dom0 owns it, nobody else may read or write it).  That is checked on
 * every read, not once at start-up: whatever someone does to the
 * directories above later, a node a guest created (xenstored makes the
 * creator its owner) or was allowed to write is refused.
 */
#include "xenstore/hvmxs-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "common/log.h"
#include "xenstore/hint-parse.h"

/* A quoted, printable copy of an admin value for error texts and logs. */
static void quote(char *out, size_t outlen, const char *v, size_t len)
{
	size_t o = 0, max = outlen > 8 ? outlen - 8 : 0;

	if (outlen < 3) {
		if (outlen)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (size_t i = 0; i < len && o < max; i++)
		out[o++] = isprint((unsigned char)v[i]) ? v[i] : '?';
	if (o >= max && max)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o++] = '"';
	out[o] = '\0';
}

/* The no_errors flag of a kind ("display" or "kv"). */
static bool *no_errors(struct hvmxs *xs, const char *kind)
{
	return &xs->no_errors[kind[0] == 'k'];
}

static void set_error(struct hvmxs *xs, const char *kind, const char *name,
		      const char *msg)
{
	char path[SCHEMA_PATH_MAX];

	*no_errors(xs, kind) = false;

	if (snprintf(path, sizeof(path), "%s/%s/%s/%s", xs->vm_root,
		     SCHEMA_ERRORS, kind, name) >= (int)sizeof(path))
		return;
	if (!xs_write(xs->xsh, XBT_NULL, path, msg, strlen(msg)))
		hvmxs__check_lost(xs, errno);
}

static void clear_error(struct hvmxs *xs, const char *kind, const char *name)
{
	char path[SCHEMA_PATH_MAX];

	if (*no_errors(xs, kind))
		return;
	if (snprintf(path, sizeof(path), "%s/%s/%s/%s", xs->vm_root,
		     SCHEMA_ERRORS, kind, name) >= (int)sizeof(path))
		return;
	if (!xs_rm(xs->xsh, XBT_NULL, path) && errno != ENOENT)
		hvmxs__check_lost(xs, errno);
}

/*
 * Read <vm root>/hints/<kind>/<name>.  Returns the value (caller frees) or
 * NULL: *gone tells "node does not exist" from a failure.  *unsafe is set
 * (and the value still returned, for the error text) when the node's
 * permissions are not "n0".
 */
static char *read_hint(struct hvmxs *xs, const char *kind, const char *name,
		       unsigned int *len, bool *gone, bool *unsafe)
{
	char path[SCHEMA_PATH_MAX];
	char *v;
	int prv;

	*gone = false;
	*unsafe = false;
	if (snprintf(path, sizeof(path), "%s/%s/%s/%s", xs->vm_root,
		     SCHEMA_HINTS, kind, name) >= (int)sizeof(path)) {
		*gone = true;	/* xenstored cannot hold it either */
		return NULL;
	}
	v = xs_read(xs->xsh, XBT_NULL, path, len);
	if (!v) {
		if (errno == ENOENT)
			*gone = true;
		else
			hvmxs__check_lost(xs, errno);
		return NULL;
	}
	/* After the read: a node made private only after we read it is
	 * still refused this time, never the other way round. */
	prv = schema_node_private(xs->xsh, path);
	switch (prv) {
	case 1:
		break;
	case 0:
		*unsafe = true;
		break;
	case -ENOENT:
		/* Removed between the two calls. */
		free(v);
		*gone = true;
		return NULL;
	default:
		hvmxs__check_lost(xs, -prv);
		free(v);
		return NULL;
	}
	return v;
}

#define UNSAFE_WHY "refused: the node's permissions are not dom0-only (n0), so a guest may have written it"


static void refuse(struct hvmxs *xs, const char *kind, const char *name,
		   const char *value, size_t len, const char *why)
{
	char q[80], msg[320];

	if (value) {
		quote(q, sizeof(q), value, len);
		snprintf(msg, sizeof(msg), "%s: %s", q, why);
	} else {
		snprintf(msg, sizeof(msg), "%s", why);
	}
	log_warn("xenstore: domain %u: refused %s hint %s: %s", xs->domid,
		 kind, name, msg);
	set_error(xs, kind, name, msg);
}

/* force: deliver even if unchanged (the administrator wrote it again). */
static void display_node(struct hvmxs *xs, const char *name, bool force)
{
	struct hvmlink_display_mode mode;
	char err[160];
	unsigned int idx, len = 0;
	bool gone, unsafe;
	char *v;
	int rc;

	v = read_hint(xs, "display", name, &len, &gone, &unsafe);
	if (!v) {
		if (gone) {
			/* Withdrawing a hint changes nothing in the guest:
			 * there is no "no hint" mode to go back to. */
			clear_error(xs, "display", name);
			log_info("xenstore: domain %u: display hint %s removed; the guest keeps its mode",
				 xs->domid, name);
		}
		return;
	}
	if (unsafe) {
		refuse(xs, "display", name, v, len, UNSAFE_WHY);
		goto out;
	}
	if (hint_parse_display_index(name, xs->nr_displays, &idx, err,
				     sizeof(err)) != 0) {
		refuse(xs, "display", name, v, len, err);
		goto out;
	}
	if (hint_parse_display(v, len, &mode, err, sizeof(err)) != 0) {
		refuse(xs, "display", name, v, len, err);
		goto out;
	}
	if (!force && xs->shown_valid[idx] &&
	    hint_mode_equal(&xs->shown[idx], &mode)) {
		clear_error(xs, "display", name);
		goto out;
	}
	rc = xs->cb.display_hint ? xs->cb.display_hint(xs->opaque, idx, &mode) : 0;
	if (rc < 0) {
		refuse(xs, "display", name, v, len, strerror(-rc));
		goto out;
	}
	xs->shown[idx] = mode;
	xs->shown_valid[idx] = true;
	log_info("xenstore: domain %u: display %u hint %.*s", xs->domid, idx,
		 (int)len, v);
	/* Only now: the guest's interrupt does not wait for this extra
	 * round trip to xenstored. */
	clear_error(xs, "display", name);
out:
	free(v);
}

static struct hvmxs_kv **kv_find(struct hvmxs *xs, const char *key)
{
	struct hvmxs_kv **pp;

	for (pp = &xs->kv; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->key, key) == 0)
			return pp;
	return pp;
}

static void kv_forget(struct hvmxs *xs, const char *name)
{
	struct hvmxs_kv **pp = kv_find(xs, name), *e = *pp;
	char key[HVMLINK_KV_KEY_LEN];

	if (!e)
		return;
	/* name may point into e: keep a copy past the free. */
	snprintf(key, sizeof(key), "%s", e->key);
	*pp = e->next;
	free(e->value);
	free(e);
	if (xs->cb.kv_delete)
		xs->cb.kv_delete(xs->opaque, key);
	log_info("xenstore: domain %u: key %s removed", xs->domid, key);
}

static void kv_node(struct hvmxs *xs, const char *key, bool force)
{
	struct hvmxs_kv **pp, *e;
	unsigned int len = 0;
	char err[160];
	bool gone, unsafe;
	char *v, *copy;
	int rc;

	if (hint_check_key(key, err, sizeof(err)) != 0) {
		v = read_hint(xs, "kv", key, &len, &gone, &unsafe);
		if (v)
			refuse(xs, "kv", key, NULL, 0, err);
		else if (gone)
			clear_error(xs, "kv", key);
		free(v);
		return;
	}
	v = read_hint(xs, "kv", key, &len, &gone, &unsafe);
	if (!v) {
		if (gone) {
			clear_error(xs, "kv", key);
			kv_forget(xs, key);
		}
		return;
	}
	if (unsafe) {
		refuse(xs, "kv", key, v, len, UNSAFE_WHY);
		goto out;
	}
	if (hint_check_value(v, len, err, sizeof(err)) != 0) {
		refuse(xs, "kv", key, v, len, err);
		goto out;
	}
	clear_error(xs, "kv", key);
	pp = kv_find(xs, key);
	e = *pp;
	if (!force && e && e->len == len && memcmp(e->value, v, len) == 0)
		goto out;
	rc = xs->cb.kv_set ? xs->cb.kv_set(xs->opaque, key, v, len) : 0;
	if (rc < 0) {
		refuse(xs, "kv", key, v, len, strerror(-rc));
		goto out;
	}
	/* Remember what the daemon now has (for deletes and dedup). */
	copy = malloc(len + 1);
	if (!copy) {
		log_err("xenstore: out of memory remembering key %s", key);
		goto out;
	}
	memcpy(copy, v, len);
	copy[len] = '\0';
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e) {
			free(copy);
			log_err("xenstore: out of memory remembering key %s", key);
			goto out;
		}
		snprintf(e->key, sizeof(e->key), "%s", key);
		*pp = e;
	}
	free(e->value);
	e->value = copy;
	e->len = len;
	log_info("xenstore: domain %u: key %s set (%u bytes)", xs->domid, key,
		 len);
out:
	free(v);
}

/* The names below <vm root>/rel.  NULL with *failed false: no such node;
 * with *failed true: the listing failed (failed may be NULL). */
static char **list_ex(struct hvmxs *xs, const char *rel, unsigned int *num,
		      bool *failed)
{
	char path[SCHEMA_PATH_MAX];
	char **d;
	bool f = false;

	*num = 0;
	if (!schema_vm_path(path, sizeof(path), xs->uuid, rel)) {
		f = true;
		d = NULL;
	} else if (!(d = xs_directory(xs->xsh, XBT_NULL, path, num))) {
		*num = 0;
		if (errno != ENOENT) {
			f = true;
			hvmxs__check_lost(xs, errno);
		}
	}
	if (failed)
		*failed = f;
	return d;
}

static char **list(struct hvmxs *xs, const char *rel, unsigned int *num)
{
	return list_ex(xs, rel, num, NULL);
}

static bool in_list(char **d, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(d[i], name) == 0)
			return true;
	return false;
}

/* Error nodes whose hint no longer exists are stale: remove them. */
static void prune_errors(struct hvmxs *xs, const char *kind, char **hints,
			 unsigned int nhints)
{
	bool left = false, failed;
	char rel[64];
	unsigned int n;
	char **e;

	snprintf(rel, sizeof(rel), "%s/%s", SCHEMA_ERRORS, kind);
	e = list_ex(xs, rel, &n, &failed);
	for (unsigned int i = 0; e && i < n && xs->xsh; i++) {
		if (!in_list(hints, nhints, e[i]))
			clear_error(xs, kind, e[i]);
		else
			left = true;
	}
	free(e);
	/* Only a complete look, on a live connection, proves there are none. */
	*no_errors(xs, kind) = xs->xsh && !failed && !left;
}

static void rescan_display(struct hvmxs *xs, bool force)
{
	unsigned int n;
	char **d;

	/* Another daemon of the VM (a same-host migration) may have written
	 * one: look again. */
	xs->no_errors[0] = false;
	d = list(xs, SCHEMA_HINTS_DISPLAY, &n);

	for (unsigned int i = 0; i < n && xs->xsh; i++)
		display_node(xs, d[i], force);
	if (xs->xsh)
		prune_errors(xs, "display", d, n);
	free(d);
}

static void rescan_kv(struct hvmxs *xs, bool force)
{
	struct hvmxs_kv *e, *next;
	unsigned int n;
	char **d;

	xs->no_errors[1] = false;
	d = list(xs, SCHEMA_HINTS_KV, &n);
	if (!xs->xsh) {
		free(d);
		return;
	}
	for (unsigned int i = 0; i < n && xs->xsh; i++)
		kv_node(xs, d[i], force);
	/* Keys the daemon has that are no longer in xenstore. */
	for (e = xs->kv; e && xs->xsh; e = next) {
		next = e->next;
		if (!in_list(d, n, e->key))
			kv_forget(xs, e->key);
	}
	if (xs->xsh)
		prune_errors(xs, "kv", d, n);
	free(d);
}

void hvmxs__rescan(struct hvmxs *xs)
{
	rescan_display(xs, false);
	if (xs->xsh)
		rescan_kv(xs, false);
}

void hvmxs__hint_event(struct hvmxs *xs, const char *rel)
{
	char name[SCHEMA_PATH_MAX];
	const char *slash;
	bool display;

	if (strncmp(rel, "display", 7) == 0 && (rel[7] == '/' || !rel[7])) {
		display = true;
		rel += 7;
	} else if (strncmp(rel, "kv", 2) == 0 && (rel[2] == '/' || !rel[2])) {
		display = false;
		rel += 2;
	} else {
		/* hints itself (first event after the watch, or rm -r
		 * hints): look at everything. */
		if (!*rel)
			hvmxs__rescan(xs);
		return;
	}
	if (!*rel) {
		if (display)
			rescan_display(xs, false);
		else
			rescan_kv(xs, false);
		return;
	}
	rel++;	/* the '/' */
	/* A write to hints/kv/a/b also creates hints/kv/a: the first
	 * component is the hint that changed. */
	slash = strchr(rel, '/');
	snprintf(name, sizeof(name), "%.*s",
		 (int)(slash ? (size_t)(slash - rel) : strlen(rel)), rel);
	if (display)
		display_node(xs, name, !slash);
	else
		kv_node(xs, name, !slash);
}

void hvmxs__error_event(struct hvmxs *xs, const char *path)
{
	const char *rel = path + strlen(xs->vm_root) + sizeof("/" SCHEMA_ERRORS);
	bool *none;
	char *v;

	if (strncmp(rel, "display/", 8) == 0)
		none = &xs->no_errors[0];
	else if (strncmp(rel, "kv/", 3) == 0)
		none = &xs->no_errors[1];
	else
		return;
	/* Our own removals fire too, and leave nothing: keep the flag.  One
	 * read per change of an error node, never on the path of a hint. */
	if (!*none)
		return;
	v = xs_read(xs->xsh, XBT_NULL, path, NULL);
	if (v || errno != ENOENT)
		*none = false;
	free(v);
}

void hvmxs__forget_hints(struct hvmxs *xs)
{
	struct hvmxs_kv *e, *next;

	for (e = xs->kv; e; e = next) {
		next = e->next;
		free(e->value);
		free(e);
	}
	xs->kv = NULL;
	memset(xs->shown_valid, 0, sizeof(xs->shown_valid));
}
