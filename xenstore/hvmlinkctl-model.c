/* SPDX-License-Identifier: MIT */
/* One domain's hvmlink state: read, judged, shown (hvmlinkctl-model.h). */
#include "xenstore/hvmlinkctl-model.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pidlock.h"
#include "hvmlink/protocol.h"
#include "xenstore/hvmlinkctl-escape.h"
#include "xenstore/hvmlinkctl.h"
#include "xenstore/schema.h"

/* JSON numbers beyond 2^53 lose precision in most parsers: such a value
 * is not one hvmlink publishes, so it is reported as null. */
#define CTL_JSON_INT_MAX	((1LL << 53) - 1)

static const char *const state_names[] = {
	[CTL_STATE_NONE] = "none",
	[CTL_STATE_STARTING] = "starting",
	[CTL_STATE_RUNNING] = "running",
	[CTL_STATE_READY] = "ready",
	[CTL_STATE_STOPPING] = "stopping",
	[CTL_STATE_DEAD] = "dead",
	[CTL_STATE_UNKNOWN] = "unknown",
};

const char *ctl_state_name(enum ctl_state s)
{
	return state_names[s];
}

long long ctl_parse_uint(const char *s, long long max)
{
	long long v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* "0x" and 1..8 hex digits (guest/caps). */
static long long parse_hex32(const char *s)
{
	long long v = 0;
	size_t n;

	if (!s || strncmp(s, "0x", 2) != 0)
		return -1;
	s += 2;
	n = strlen(s);
	if (n < 1 || n > 8)
		return -1;
	for (; *s; s++) {
		int d = g_ascii_xdigit_value(*s);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

bool ctl_is_uuid(const char *s)
{
	char canon[SCHEMA_UUID_LEN + 1];

	return schema_uuid_parse(s, canon);
}

void ctl_domain_clear(struct ctl_domain *d)
{
	ctl_tree_free(d->hints);
	ctl_tree_free(d->root);
	free(d->name);
	g_free(d->vm);
	memset(d, 0, sizeof(*d));
	d->pid = -1;
}

/* The VM's UUID: the daemon's vm node, else the toolstack's
 * /local/domain/D/vm ("/vm/UUID"). */
static char *read_vm(struct xs_handle *xsh, xs_transaction_t t,
		     const struct ctl_domain *d)
{
	const char *own = ctl_tree_str(d->root, "vm");
	char path[64];
	unsigned int len;
	char *v, *uuid = NULL;

	if (own && ctl_is_uuid(own))
		return g_ascii_strdown(own, -1);
	snprintf(path, sizeof(path), "/local/domain/%u/vm", d->domid);
	v = xs_read(xsh, t, path, &len);
	if (v && strlen(v) == len && g_str_has_prefix(v, "/vm/") && ctl_is_uuid(v + 4))
		uuid = g_ascii_strdown(v + 4, -1);
	free(v);
	return uuid;
}

int ctl_domain_read(struct xs_handle *xsh, xs_transaction_t t,
		    unsigned int domid, struct ctl_domain *d)
{
	char path[SCHEMA_PATH_MAX];
	unsigned int len;
	void *v;
	int rc;

	ctl_domain_clear(d);
	d->domid = domid;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	v = xs_read(xsh, t, path, &len);
	d->exists = v != NULL;
	free(v);
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	d->name = xs_read(xsh, t, path, &d->name_len);
	if (!schema_path(path, sizeof(path), domid, NULL))
		return -ENAMETOOLONG;
	rc = ctl_tree_read(xsh, t, path, &d->root);
	if (rc)
		return rc;
	d->vm = read_vm(xsh, t, d);
	/* Hints and their errors belong to the VM (docs/xenstore.md). */
	if (d->vm) {
		snprintf(path, sizeof(path), "%s/%s", CTL_VM_BASE, d->vm);
		rc = ctl_tree_read(xsh, t, path, &d->hints);
		if (rc)
			return rc;
	}
	return 0;
}

struct snap {
	unsigned int domid;
	struct ctl_domain *d;
};

static int snap_read(struct xs_handle *xsh, xs_transaction_t t, void *data)
{
	struct snap *s = data;

	return ctl_domain_read(xsh, t, s->domid, s->d);
}

static void snap_reset(void *data)
{
	struct snap *s = data;

	ctl_domain_clear(s->d);
}

int ctl_domain_snapshot(struct xs_handle *xsh, unsigned int domid,
			struct ctl_domain *d)
{
	struct snap s = { .domid = domid, .d = d };
	int rc;

	rc = ctl_xs_consistent(xsh, snap_read, snap_reset, &s);
	if (rc == 0)
		ctl_domain_check_daemon(d);
	return rc;
}

static enum ctl_state published_state(const char *s)
{
	for (enum ctl_state i = CTL_STATE_STARTING; i <= CTL_STATE_STOPPING; i++)
		if (s && strcmp(s, state_names[i]) == 0)
			return i;
	return CTL_STATE_UNKNOWN;
}

/* Is process pid there?  EPERM means it exists under another user. */
static bool pid_exists(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/*
 * The daemon's lock file RUN_DIR/DOMID.pid (hvmlinkd(8)), probed without
 * taking the lock (a starting daemon must never find it taken): 1 a live
 * daemon holds it (*holder its pid), 0 it is stale (*holder the pid the
 * dead daemon left), -1 no lock file or it cannot be judged (*holder 0).
 */
static int lock_state(unsigned int domid, pid_t *holder)
{
	char path[4096];
	int rc;

	*holder = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%u.pid", ctl_run_dir,
			     domid) >= sizeof(path))
		return -1;
	rc = pidlock_probe(path, holder);
	if (rc == 1)
		return 1;
	/* An emptied file (the daemon exited cleanly without the right to
	 * remove it) says as little as a missing one. */
	if (rc == 0 && *holder > 1)
		return 0;
	*holder = 0;
	return -1;
}

void ctl_domain_check_daemon(struct ctl_domain *d)
{
	const struct ctl_node *state = ctl_tree_get(d->root, SCHEMA_STATE);
	long long pid = ctl_parse_uint(ctl_tree_str(d->root, SCHEMA_PID),
				       0x7fffffff);
	pid_t holder;
	int lock;

	/* pid 0 and 1 are never a daemon's; kill(0) would mean our group. */
	d->pid = pid > 1 ? (long)pid : -1;
	lock = lock_state(d->domid, &holder);
	if (lock == 1) {
		/* A live daemon holds the domain's lock: never "dead" or
		 * "none", even while its xenstore directory is missing (it
		 * publishes it again) or names an older pid. */
		d->pid = holder;
		d->state = state ? published_state(ctl_tree_str(d->root, SCHEMA_STATE))
				 : CTL_STATE_UNKNOWN;
		return;
	}
	if (!state && d->pid < 0) {
		d->state = CTL_STATE_NONE;
		return;
	}
	/* The lock is stale and names the published pid (or none is
	 * published): that daemon is dead, even if its pid was reused. */
	if (lock == 0 && (d->pid < 0 || d->pid == holder)) {
		if (d->pid < 0)
			d->pid = holder;
		d->state = CTL_STATE_DEAD;
		return;
	}
	if (d->pid > 0 && !pid_exists(d->pid)) {
		d->state = CTL_STATE_DEAD;
		return;
	}
	d->state = published_state(ctl_tree_str(d->root, SCHEMA_STATE));
}

bool ctl_domain_daemon_alive(const struct ctl_domain *d)
{
	switch (d->state) {
	case CTL_STATE_STARTING:
	case CTL_STATE_RUNNING:
	case CTL_STATE_READY:
	case CTL_STATE_STOPPING:
		return true;
	case CTL_STATE_UNKNOWN:
		return d->pid > 0;
	default:
		return false;
	}
}

/* ---- JSON ---- */

JsonNode *ctl_json_bytes(const char *s, size_t len)
{
	JsonNode *n;
	char *clean;

	if (!s)
		return json_node_new(JSON_NODE_NULL);
	clean = ctl_utf8_sanitize(s, len);
	n = json_node_new(JSON_NODE_VALUE);
	json_node_set_string(n, clean);
	g_free(clean);
	return n;
}

static JsonNode *json_str_at(const struct ctl_node *n, const char *rel)
{
	n = ctl_tree_get(n, rel);
	return n ? ctl_json_bytes(n->value, n->len) : json_node_new(JSON_NODE_NULL);
}

static JsonNode *json_int_or_null(long long v)
{
	JsonNode *n;

	if (v < 0 || v > CTL_JSON_INT_MAX)
		return json_node_new(JSON_NODE_NULL);
	n = json_node_new(JSON_NODE_VALUE);
	json_node_set_int(n, v);
	return n;
}

JsonNode *ctl_json_uint(const char *s)
{
	return json_int_or_null(ctl_parse_uint(s, CTL_JSON_INT_MAX));
}

static JsonNode *json_uint_at(const struct ctl_node *n, const char *rel)
{
	return ctl_json_uint(ctl_tree_str(n, rel));
}

/* Every child of dir as "name": "value" (an object, {} if none). */
JsonNode *ctl_map_json(const struct ctl_node *dir)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);

	for (unsigned int i = 0; dir && dir->kids && i < dir->kids->len; i++) {
		const struct ctl_node *k = g_ptr_array_index(dir->kids, i);
		g_autofree char *key = ctl_utf8_sanitize(k->name, strlen(k->name));

		json_object_set_member(o, key, ctl_json_bytes(k->value, k->len));
	}
	json_node_take_object(n, o);
	return n;
}

static JsonNode *kind_maps_json(const struct ctl_node *dir)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);

	json_object_set_member(o, "display", ctl_map_json(ctl_tree_get(dir, "display")));
	json_object_set_member(o, "kv", ctl_map_json(ctl_tree_get(dir, "kv")));
	json_node_take_object(n, o);
	return n;
}

/* "SECONDS.MILLISECONDS" since the epoch, or null ("never", junk). */
static JsonNode *json_time_at(const struct ctl_node *n, const char *rel)
{
	const char *s = ctl_tree_str(n, rel), *dot;
	g_autofree char *secs = NULL;
	long long sec, ms = 0;
	JsonNode *out;

	if (!s)
		return json_node_new(JSON_NODE_NULL);
	dot = strchr(s, '.');
	secs = dot ? g_strndup(s, (gsize)(dot - s)) : g_strdup(s);
	sec = ctl_parse_uint(secs, 1LL << 40);
	if (dot) {
		if (strlen(dot + 1) != 3 || !g_ascii_isdigit(dot[1]) ||
		    !g_ascii_isdigit(dot[2]) || !g_ascii_isdigit(dot[3]))
			return json_node_new(JSON_NODE_NULL);
		ms = (dot[1] - '0') * 100 + (dot[2] - '0') * 10 + (dot[3] - '0');
	}
	if (sec < 0)
		return json_node_new(JSON_NODE_NULL);
	out = json_node_new(JSON_NODE_VALUE);
	json_node_set_double(out, (double)sec + ms / 1000.0);
	return out;
}

static JsonNode *words_json(const char *s)
{
	JsonArray *a = json_array_new();
	JsonNode *n = json_node_new(JSON_NODE_ARRAY);
	g_auto(GStrv) words = s ? g_strsplit(s, " ", -1) : NULL;

	for (unsigned int i = 0; words && words[i]; i++)
		if (*words[i])
			json_array_add_element(a, ctl_json_bytes(words[i], strlen(words[i])));
	json_node_take_array(n, a);
	return n;
}

JsonNode *ctl_guest_json(const struct ctl_node *g)
{
	static const char *const info[] = {
		"driver-version", "os", "os-release", "name",
	};
	JsonObject *o = json_object_new(), *disp = json_object_new();
	JsonObject *hb = json_object_new();
	const struct ctl_node *dd = ctl_tree_get(g, "display");
	JsonNode *n;

	for (size_t i = 0; i < G_N_ELEMENTS(info); i++)
		json_object_set_member(o, info[i], json_str_at(g, info[i]));
	json_object_set_member(o, "caps",
			       json_int_or_null(parse_hex32(ctl_tree_str(g, "caps"))));
	json_object_set_member(o, "caps-list", words_json(ctl_tree_str(g, "caps-list")));
	json_object_set_member(o, "facility", ctl_map_json(ctl_tree_get(g, "facility")));
	for (unsigned int i = 0; dd && dd->kids && i < dd->kids->len; i++) {
		const struct ctl_node *k = g_ptr_array_index(dd->kids, i);
		g_autofree char *key = ctl_utf8_sanitize(k->name, strlen(k->name));
		JsonObject *one = json_object_new();

		json_object_set_member(one, "status", json_str_at(k, "status"));
		json_object_set_member(one, "mode", json_str_at(k, "mode"));
		json_object_set_member(one, "seq", json_uint_at(k, "seq"));
		json_object_set_member(one, "reason", json_str_at(k, "reason"));
		json_object_set_object_member(disp, key, one);
	}
	json_object_set_object_member(o, "display", disp);
	json_object_set_member(hb, "state", json_str_at(g, "heartbeat/state"));
	json_object_set_member(hb, "last-beat", json_time_at(g, "heartbeat/last-beat"));
	json_object_set_member(hb, "interval-ms", json_uint_at(g, "heartbeat/interval-ms"));
	json_object_set_object_member(o, "heartbeat", hb);
	n = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(n, o);
	return n;
}

JsonNode *ctl_domain_json(const struct ctl_domain *d)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);
	const struct ctl_node *state = ctl_tree_get(d->root, SCHEMA_STATE);

	json_object_set_int_member(o, "domid", d->domid);
	json_object_set_member(o, "name", ctl_json_bytes(d->name, d->name_len));
	json_object_set_boolean_member(o, "exists", d->exists);
	if (d->vm)
		json_object_set_string_member(o, "vm", d->vm);
	else
		json_object_set_null_member(o, "vm");
	json_object_set_string_member(o, "state", ctl_state_name(d->state));
	json_object_set_member(o, "published-state",
			       state ? ctl_json_bytes(state->value, state->len) :
			       json_node_new(JSON_NODE_NULL));
	json_object_set_member(o, "pid", json_int_or_null(d->pid));
	json_object_set_member(o, "displays",
			       json_int_or_null(ctl_parse_uint(ctl_tree_str(d->root, SCHEMA_DISPLAYS),
							       HVMLINK_MAX_DISPLAYS)));
	json_object_set_member(o, "hints", kind_maps_json(ctl_tree_get(d->hints, SCHEMA_HINTS)));
	json_object_set_member(o, "errors", kind_maps_json(ctl_tree_get(d->hints, SCHEMA_ERRORS)));
	json_object_set_member(o, "guest", ctl_guest_json(ctl_tree_get(d->root, SCHEMA_GUEST)));
	json_node_take_object(n, o);
	return n;
}

JsonNode *ctl_vm_json(const char *uuid, const struct ctl_node *dir)
{
	JsonObject *o = json_object_new();
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);

	json_object_set_string_member(o, "vm", uuid);
	json_object_set_member(o, "name", json_str_at(dir, "name"));
	json_object_set_member(o, "hints", kind_maps_json(ctl_tree_get(dir, SCHEMA_HINTS)));
	json_object_set_member(o, "errors", kind_maps_json(ctl_tree_get(dir, SCHEMA_ERRORS)));
	json_node_take_object(n, o);
	return n;
}

/* ---- text ---- */

static void text_leaves(FILE *out, const struct ctl_node *n, const char *rel)
{
	if (!n)
		return;
	if (!n->kids || n->kids->len == 0) {
		g_autofree char *v = n->value ? ctl_text_escape(n->value, n->len) : NULL;
		g_autofree char *r = ctl_text_escape(rel, strlen(rel));

		if (v)
			fprintf(out, "%s = \"%s\"\n", r, v);
		return;
	}
	for (unsigned int i = 0; i < n->kids->len; i++) {
		const struct ctl_node *k = g_ptr_array_index(n->kids, i);
		g_autofree char *crel = g_strdup_printf("%s/%s", rel, k->name);

		text_leaves(out, k, crel);
	}
}

void ctl_domain_text(const struct ctl_domain *d, FILE *out)
{
	const char *published = ctl_tree_str(d->root, SCHEMA_STATE);
	g_autofree char *pub = published ? ctl_text_escape(published, strlen(published)) : NULL;

	fprintf(out, "domain: %u", d->domid);
	if (d->name) {
		g_autofree char *name = ctl_text_escape(d->name, d->name_len);

		fprintf(out, " (%s)", name);
	}
	if (!d->exists)
		fputs(" [domain gone]", out);
	fputc('\n', out);
	if (d->vm)
		fprintf(out, "vm: %s\n", d->vm);
	switch (d->state) {
	case CTL_STATE_NONE:
		fputs("daemon: none (no hvmlinkd state)\n", out);
		break;
	case CTL_STATE_DEAD:
		fprintf(out, "daemon: dead (pid %ld %s; it had published \"%s\")\n",
			d->pid, pid_exists(d->pid) ? "no longer holds the domain's lock"
						   : "is gone", pub ? pub : "");
		break;
	case CTL_STATE_UNKNOWN:
		if (!pub && d->pid > 0) {
			fprintf(out, "daemon: unknown (nothing published; pid %ld holds the domain's lock)\n",
				d->pid);
			break;
		}
		fprintf(out, "daemon: unknown (published \"%s\")", pub ? pub : "");
		if (d->pid > 0)
			fprintf(out, ", pid %ld", d->pid);
		fputc('\n', out);
		break;
	default:
		fprintf(out, "daemon: %s", ctl_state_name(d->state));
		if (d->pid > 0)
			fprintf(out, ", pid %ld", d->pid);
		fputc('\n', out);
		break;
	}
	text_leaves(out, ctl_tree_get(d->hints, SCHEMA_HINTS), SCHEMA_HINTS);
	text_leaves(out, ctl_tree_get(d->hints, SCHEMA_ERRORS), SCHEMA_ERRORS);
	text_leaves(out, ctl_tree_get(d->root, SCHEMA_GUEST), SCHEMA_GUEST);
}
