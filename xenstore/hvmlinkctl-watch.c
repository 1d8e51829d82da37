/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl watch: live events of one domain, from xenstore watches (no
 * polling) and a pidfd on its daemon (a daemon killed with -9 changes
 * nothing in xenstore).  On every wake-up the domain's tree is read again
 * in one transaction and compared with the previous one: xenstored folds
 * bursts of writes into fewer events, so the values, not the events,
 * tell what changed.  One line per event; with --json one JSON object
 * per line ("event" in docs/hvmlinkctl.schema.json).
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xenstore.h>

#include "xenstore/hvmlinkctl-escape.h"
#include "xenstore/hvmlinkctl-model.h"
#include "xenstore/schema.h"

#define WATCH_PARAMS "DOMAIN"

struct watcher {
	struct xs_handle *xsh;
	unsigned int domid;
	bool json;
	struct ctl_domain cur;
	int pidfd;		/* on cur.pid while it lives, else -1 */
	long pidfd_pid;
};

/* ---- output ---- */

static JsonObject *event_new(const struct watcher *w, const char *name)
{
	JsonObject *o = json_object_new();

	json_object_set_double_member(o, "time", g_get_real_time() / 1e6);
	json_object_set_int_member(o, "domid", w->domid);
	json_object_set_string_member(o, "event", name);
	return o;
}

/* Text: "TIME domD EVENT key=value ...", every value escaped. */
static void print_text_member(JsonObject *o, const char *key, JsonNode *v,
			      gpointer data)
{
	GString *line = data;

	if (!strcmp(key, "time") || !strcmp(key, "domid") || !strcmp(key, "event"))
		return;
	g_string_append_printf(line, " %s=", key);
	switch (JSON_NODE_TYPE(v)) {
	case JSON_NODE_NULL:
		g_string_append(line, "-");
		break;
	case JSON_NODE_VALUE:
		if (json_node_get_value_type(v) == G_TYPE_STRING) {
			const char *s = json_node_get_string(v);
			g_autofree char *e = ctl_text_escape(s, strlen(s));

			g_string_append_printf(line, "\"%s\"", e);
		} else if (json_node_get_value_type(v) == G_TYPE_INT64) {
			g_string_append_printf(line, "%" G_GINT64_FORMAT,
					       json_node_get_int(v));
		} else if (json_node_get_value_type(v) == G_TYPE_DOUBLE) {
			g_string_append_printf(line, "%.3f", json_node_get_double(v));
		} else {
			g_string_append(line, json_node_get_boolean(v) ? "true" : "false");
		}
		break;
	default: {
		/* Nested values (caps-list): their JSON, escaped for a terminal. */
		g_autofree char *j = json_to_string(v, FALSE);
		g_autofree char *e = ctl_text_escape(j, strlen(j));

		g_string_append(line, e);
		break;
	}
	}
}

static void emit(const struct watcher *w, JsonObject *o)
{
	g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);

	json_node_take_object(n, o);
	if (w->json) {
		ctl_json_print(n);
		return;
	}
	{
		g_autoptr(GDateTime) now = g_date_time_new_now_local();
		g_autofree char *t = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
		GString *line = g_string_new(NULL);

		g_string_append_printf(line, "%s.%03d dom%u %s", t,
				       g_date_time_get_microsecond(now) / 1000,
				       w->domid, json_object_get_string_member(o, "event"));
		json_object_foreach_member(o, print_text_member, line);
		puts(line->str);
		fflush(stdout);
		g_string_free(line, TRUE);
	}
}

static void add_daemon_members(JsonObject *o, const struct ctl_domain *d)
{
	const struct ctl_node *st = ctl_tree_get(d->root, SCHEMA_STATE);

	json_object_set_string_member(o, "state", ctl_state_name(d->state));
	json_object_set_member(o, "published-state",
			       st ? ctl_json_bytes(st->value, st->len) :
			       json_node_new(JSON_NODE_NULL));
	if (d->pid > 0)
		json_object_set_int_member(o, "pid", d->pid);
	else
		json_object_set_null_member(o, "pid");
}

/* ---- comparing two snapshots ---- */

static bool same_value(const struct ctl_node *a, const struct ctl_node *b)
{
	if (!a || !b)
		return a == b;
	if (!a->value || !b->value)
		return a->value == b->value;
	return a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

/* Every leaf path below n (prefix "rel/"), into set. */
static void collect(GHashTable *set, const struct ctl_node *n, const char *rel)
{
	if (!n)
		return;
	if (!n->kids || !n->kids->len) {
		g_hash_table_add(set, g_strdup(rel));
		return;
	}
	for (unsigned int i = 0; i < n->kids->len; i++) {
		const struct ctl_node *k = g_ptr_array_index(n->kids, i);
		g_autofree char *c = g_strdup_printf("%s/%s", rel, k->name);

		collect(set, k, c);
	}
}

/* Leaf paths below rel (in dirs a and b) whose value differs. */
static GPtrArray *changed(const struct ctl_node *a, const struct ctl_node *b,
			  const char *rel)
{
	g_autoptr(GHashTable) set = g_hash_table_new_full(g_str_hash, g_str_equal,
							  g_free, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;

	collect(set, ctl_tree_get(a, rel), rel);
	collect(set, ctl_tree_get(b, rel), rel);
	g_hash_table_iter_init(&it, set);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!same_value(ctl_tree_get(a, key), ctl_tree_get(b, key)))
			g_ptr_array_add(out, g_strdup(key));
	g_ptr_array_sort(out, (GCompareFunc)g_ascii_strcasecmp);
	return out;
}

/* "hints/display/0" → kind "display", name "0" (name may hold slashes
 * for nested junk: reported as it is). */
static bool split_hint(const char *path, const char *section, char **kind,
		       char **name)
{
	const char *p = path + strlen(section) + 1, *slash = strchr(p, '/');

	if (!slash)
		return false;
	*kind = g_strndup(p, (gsize)(slash - p));
	*name = g_strdup(slash + 1);
	return true;
}

static void hint_events(const struct watcher *w, const struct ctl_domain *old,
			const struct ctl_domain *now)
{
	g_autoptr(GPtrArray) hints = changed(old->hints, now->hints, SCHEMA_HINTS);
	g_autoptr(GPtrArray) errs = changed(old->hints, now->hints, SCHEMA_ERRORS);

	for (unsigned int i = 0; i < hints->len; i++) {
		const char *path = g_ptr_array_index(hints, i);
		const struct ctl_node *n = ctl_tree_get(now->hints, path);
		g_autofree char *kind = NULL, *name = NULL;
		JsonObject *o;

		if (!split_hint(path, SCHEMA_HINTS, &kind, &name))
			continue;
		o = event_new(w, n ? "hint-set" : "hint-removed");
		json_object_set_member(o, "kind", ctl_json_bytes(kind, strlen(kind)));
		json_object_set_member(o, "name", ctl_json_bytes(name, strlen(name)));
		if (n)
			json_object_set_member(o, "value", ctl_json_bytes(n->value, n->len));
		emit(w, o);
	}
	for (unsigned int i = 0; i < errs->len; i++) {
		const char *path = g_ptr_array_index(errs, i);
		const struct ctl_node *n = ctl_tree_get(now->hints, path);
		g_autofree char *kind = NULL, *name = NULL, *hint = NULL;
		const struct ctl_node *h;
		JsonObject *o;

		if (!split_hint(path, SCHEMA_ERRORS, &kind, &name))
			continue;
		hint = g_strdup_printf(SCHEMA_HINTS "/%s/%s", kind, name);
		h = ctl_tree_get(now->hints, hint);
		if (n) {
			o = event_new(w, "hint-refused");
		} else if (h) {
			/* The daemon clears an error node once it has
			 * delivered a valid value of that hint. */
			o = event_new(w, "hint-accepted");
		} else {
			continue;	/* went with its hint */
		}
		json_object_set_member(o, "kind", ctl_json_bytes(kind, strlen(kind)));
		json_object_set_member(o, "name", ctl_json_bytes(name, strlen(name)));
		if (n)
			json_object_set_member(o, "reason", ctl_json_bytes(n->value, n->len));
		else
			json_object_set_member(o, "value", ctl_json_bytes(h->value, h->len));
		emit(w, o);
	}
}

/* The daemon publishes delivered/<kind>/<name> = SEQ once the device
 * took a hint (hvmxs); a new SEQ is one delivery. */
static void delivery_events(const struct watcher *w, const struct ctl_domain *old,
			    const struct ctl_domain *now)
{
	g_autoptr(GPtrArray) paths = changed(old->root, now->root, CTL_DELIVERED);

	for (unsigned int i = 0; i < paths->len; i++) {
		const char *path = g_ptr_array_index(paths, i);
		const struct ctl_node *n = ctl_tree_get(now->root, path);
		g_autofree char *kind = NULL, *name = NULL, *hint = NULL;
		const struct ctl_node *h;
		JsonObject *o;

		if (!n || !split_hint(path, CTL_DELIVERED, &kind, &name))
			continue;	/* withdrawn with its hint */
		hint = g_strdup_printf(SCHEMA_HINTS "/%s/%s", kind, name);
		h = ctl_tree_get(now->hints, hint);
		o = event_new(w, "hint-delivered");
		json_object_set_member(o, "kind", ctl_json_bytes(kind, strlen(kind)));
		json_object_set_member(o, "name", ctl_json_bytes(name, strlen(name)));
		json_object_set_member(o, "seq", ctl_json_uint(ctl_tree_str(n, "")));
		json_object_set_member(o, "value", h ? ctl_json_bytes(h->value, h->len) :
				       json_node_new(JSON_NODE_NULL));
		emit(w, o);
	}
}

/* The group a changed guest path belongs to: one event per group. */
static char *guest_group(const char *path)
{
	g_auto(GStrv) p = g_strsplit(path, "/", 4);	/* guest, a, b, ... */

	if (!p[1])
		return g_strdup("reset");
	if (!strcmp(p[1], "display") && p[2])
		return g_strdup_printf("display/%s", p[2]);
	if (!strcmp(p[1], "facility") && p[2])
		return g_strdup_printf("facility/%s", p[2]);
	if (!strcmp(p[1], "heartbeat"))
		return g_strdup("heartbeat");
	if (!strcmp(p[1], "caps") || !strcmp(p[1], "caps-list"))
		return g_strdup("caps");
	return g_strdup("info");
}

static void guest_event(const struct watcher *w, const struct ctl_node *guest,
			const char *group)
{
	g_autoptr(JsonNode) all = ctl_guest_json(guest);
	JsonObject *g = json_node_get_object(all), *o;

	if (!guest) {
		emit(w, event_new(w, "guest-reset"));
		return;
	}
	if (g_str_has_prefix(group, "display/")) {
		const char *n = group + 8;
		JsonObject *d = json_object_get_object_member(
			json_object_get_object_member(g, "display"), n);

		o = event_new(w, "guest-display");
		json_object_set_member(o, "display", ctl_json_bytes(n, strlen(n)));
		for (const char *const *k = (const char *const[]){ "status", "mode", "seq", "reason", NULL }; *k; k++)
			json_object_set_member(o, *k, d && json_object_has_member(d, *k) ?
					       json_object_dup_member(d, *k) :
					       json_node_new(JSON_NODE_NULL));
	} else if (g_str_has_prefix(group, "facility/")) {
		const char *n = group + 9;
		JsonObject *f = json_object_get_object_member(g, "facility");

		o = event_new(w, "guest-facility");
		json_object_set_member(o, "facility", ctl_json_bytes(n, strlen(n)));
		json_object_set_member(o, "status", json_object_has_member(f, n) ?
				       json_object_dup_member(f, n) :
				       json_node_new(JSON_NODE_NULL));
	} else if (!strcmp(group, "heartbeat")) {
		JsonObject *h = json_object_get_object_member(g, "heartbeat");

		o = event_new(w, "guest-heartbeat");
		for (const char *const *k = (const char *const[]){ "state", "last-beat", "interval-ms", NULL }; *k; k++)
			json_object_set_member(o, *k, json_object_dup_member(h, *k));
	} else if (!strcmp(group, "caps")) {
		o = event_new(w, "guest-caps");
		json_object_set_member(o, "caps", json_object_dup_member(g, "caps"));
		json_object_set_member(o, "caps-list", json_object_dup_member(g, "caps-list"));
	} else {
		o = event_new(w, "guest-info");
		for (const char *const *k = (const char *const[]){ "driver-version", "os", "os-release", "name", NULL }; *k; k++)
			json_object_set_member(o, *k, json_object_dup_member(g, *k));
	}
	emit(w, o);
}

static void guest_events(const struct watcher *w, const struct ctl_domain *old,
			 const struct ctl_domain *now)
{
	const struct ctl_node *g = ctl_tree_get(now->root, SCHEMA_GUEST);
	g_autoptr(GPtrArray) paths = NULL;
	g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func(g_free);

	if (!g && ctl_tree_get(old->root, SCHEMA_GUEST)) {
		guest_event(w, NULL, "reset");
		return;
	}
	paths = changed(old->root, now->root, SCHEMA_GUEST);
	for (unsigned int i = 0; i < paths->len; i++) {
		char *grp = guest_group(g_ptr_array_index(paths, i));

		if (g_ptr_array_find_with_equal_func(groups, grp, g_str_equal, NULL))
			g_free(grp);
		else
			g_ptr_array_add(groups, grp);
	}
	for (unsigned int i = 0; i < groups->len; i++)
		guest_event(w, g, g_ptr_array_index(groups, i));
}

static void daemon_event(const struct watcher *w, const struct ctl_domain *old,
			 const struct ctl_domain *now)
{
	JsonObject *o;

	if (old->state == now->state && old->pid == now->pid &&
	    same_value(ctl_tree_get(old->root, SCHEMA_STATE),
		       ctl_tree_get(now->root, SCHEMA_STATE)))
		return;
	o = event_new(w, "daemon");
	add_daemon_members(o, now);
	emit(w, o);
}

/* ---- the loop ---- */

/* Keep a pidfd on the live daemon: it becomes readable when the process
 * exits, however it dies. */
static void track_pid(struct watcher *w)
{
	long pid = ctl_domain_daemon_alive(&w->cur) ? w->cur.pid : -1;

	if (pid == w->pidfd_pid)
		return;
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
	w->pidfd_pid = -1;
	if (pid > 0) {
		w->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (w->pidfd >= 0)
			w->pidfd_pid = pid;
	}
}

/* Read again and report what changed: 1 if the domain is gone, 0, or
 * -errno. */
static int refresh(struct watcher *w)
{
	struct ctl_domain now = { .pid = -1 };
	int rc = ctl_domain_snapshot(w->xsh, w->domid, &now);

	if (rc) {
		ctl_domain_clear(&now);
		return rc;
	}
	if (!now.exists) {
		emit(w, event_new(w, "domain-gone"));
		ctl_domain_clear(&now);
		return 1;
	}
	daemon_event(w, &w->cur, &now);
	hint_events(w, &w->cur, &now);
	delivery_events(w, &w->cur, &now);
	guest_events(w, &w->cur, &now);
	ctl_domain_clear(&w->cur);
	w->cur = now;
	track_pid(w);
	return 0;
}

static int watch_paths(struct watcher *w, bool add)
{
	g_autofree char *vm_path = w->cur.vm ?
		g_strdup_printf("%s/%s", CTL_VM_BASE, w->cur.vm) : NULL;
	char root[SCHEMA_PATH_MAX];
	const char *paths[] = { root, "@releaseDomain", vm_path };

	schema_path(root, sizeof(root), w->domid, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
		if (!paths[i])
			continue;
		if (add && !xs_watch(w->xsh, paths[i], "hvmlinkctl-watch")) {
			ctl_error("cannot watch %s: %s", paths[i], strerror(errno));
			return -1;
		}
		if (!add)
			xs_unwatch(w->xsh, paths[i], "hvmlinkctl-watch");
	}
	return 0;
}

static int run(struct watcher *w, int sigfd)
{
	JsonObject *o;
	int rc;

	rc = ctl_domain_snapshot(w->xsh, w->domid, &w->cur);
	if (rc) {
		ctl_error("cannot read the state of domain %u: %s", w->domid,
			  strerror(-rc));
		return CTL_EXIT_FAIL;
	}
	if (watch_paths(w, true))
		return CTL_EXIT_FAIL;
	/* Changes between the snapshot and the watches are found by the
	 * first event (xenstored fires every new watch once). */
	o = event_new(w, "watching");
	json_object_set_member(o, "name", ctl_json_bytes(w->cur.name, w->cur.name_len));
	if (w->cur.vm)
		json_object_set_string_member(o, "vm", w->cur.vm);
	else
		json_object_set_null_member(o, "vm");
	add_daemon_members(o, &w->cur);
	emit(w, o);
	track_pid(w);

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = xs_fileno(w->xsh), .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = w->pidfd, .events = POLLIN },
		};
		bool wake = false;
		char **ev;

		if (poll(pfd, w->pidfd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ctl_error("poll: %s", strerror(errno));
			return CTL_EXIT_FAIL;
		}
		if (pfd[1].revents & POLLIN)
			return CTL_EXIT_OK;	/* SIGINT, SIGTERM, SIGHUP */
		if (w->pidfd >= 0 && (pfd[2].revents & POLLIN))
			wake = true;
		while ((ev = xs_check_watch(w->xsh))) {
			free(ev);
			wake = true;
		}
		if (errno != EAGAIN) {
			ctl_error("lost the xenstore connection");
			return CTL_EXIT_FAIL;
		}
		if (!wake)
			continue;
		rc = refresh(w);
		if (rc < 0) {
			ctl_error("cannot read the state of domain %u: %s",
				  w->domid, strerror(-rc));
			return CTL_EXIT_FAIL;
		}
		if (rc == 1)
			return CTL_EXIT_OK;
	}
}

int ctl_cmd_watch(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json,
		  "One JSON object per line (docs/hvmlinkctl.schema.json)", NULL },
		G_OPTION_ENTRY_NULL
	};
	struct watcher w = { .pidfd = -1, .pidfd_pid = -1, .cur = { .pid = -1 } };
	sigset_t set;
	int domid, rc, sigfd;

	rc = ctl_parse_options("watch", WATCH_PARAMS,
			       "Print events as they happen: hints set, removed, refused and accepted,\n"
			       "the daemon's state (also its death), and the guest's reports; until\n"
			       "the domain is gone or SIGINT/SIGTERM/SIGHUP (exit status 0).",
			       entries, false, &argc, &argv);
	if (rc >= 0)
		return rc;
	if (argc != 2)
		return ctl_usage_error("watch", "[--json] " WATCH_PARAMS);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked before the xenstore connection starts its thread, so the
	 * signals reach the signalfd and nothing else. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0) {
		ctl_error("signalfd: %s", strerror(errno));
		return CTL_EXIT_FAIL;
	}
	domid = ctl_open_domain(argv[1], &w.xsh);
	if (domid < 0) {
		close(sigfd);
		return -domid;
	}
	w.domid = (unsigned int)domid;
	w.json = json;
	rc = run(&w, sigfd);
	watch_paths(&w, false);
	if (w.pidfd >= 0)
		close(w.pidfd);
	ctl_domain_clear(&w.cur);
	xs_close(w.xsh);
	close(sigfd);
	return rc;
}
