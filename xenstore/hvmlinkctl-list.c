/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl list: every domain that has hvmlink state (daemon alive or
 * dead, guest facilities, last heartbeat), and every VM that has hints
 * but no domain now (a VM that is shut down keeps its hints, D3).  One
 * transaction for all of it.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

#include "xenstore/hvmlinkctl-escape.h"
#include "xenstore/hvmlinkctl-model.h"
#include "xenstore/schema.h"

struct listing {
	GArray *domains;	/* struct ctl_domain */
	GPtrArray *vm_ids;	/* char *: VMs with hints and no domain */
	GPtrArray *vm_dirs;	/* struct ctl_node * for each of vm_ids */
};

static void listing_reset(void *data)
{
	struct listing *l = data;

	for (unsigned int i = 0; i < l->domains->len; i++)
		ctl_domain_clear(&g_array_index(l->domains, struct ctl_domain, i));
	g_array_set_size(l->domains, 0);
	g_ptr_array_set_size(l->vm_ids, 0);
	g_ptr_array_set_size(l->vm_dirs, 0);
}

static int cmp_domid(gconstpointer a, gconstpointer b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static bool vm_has_domain(const struct listing *l, const char *uuid)
{
	for (unsigned int i = 0; i < l->domains->len; i++) {
		const struct ctl_domain *d =
			&g_array_index(l->domains, struct ctl_domain, i);

		if (d->exists && d->vm && !strcmp(d->vm, uuid))
			return true;
	}
	return false;
}

static bool has_id(const GArray *ids, unsigned int id)
{
	for (unsigned int i = 0; i < ids->len; i++)
		if (g_array_index(ids, unsigned int, i) == id)
			return true;
	return false;
}

/*
 * Add the running domains whose VM has hints kept for it (a domain
 * without a daemon yet has no directory of its own, only its VM has):
 * /local/domain/D/vm = "/vm/UUID", UUID among vm_kids.
 */
static int add_domains_of_vms(struct xs_handle *xsh, xs_transaction_t t,
			      char **vm_kids, unsigned int n_vms, GArray *ids)
{
	unsigned int n = 0, len;
	char **doms;

	if (!n_vms)
		return 0;
	doms = xs_directory(xsh, t, "/local/domain", &n);
	if (!doms)
		return errno == ENOENT ? 0 : -errno;
	for (unsigned int i = 0; i < n; i++) {
		long long id = ctl_parse_uint(doms[i], SCHEMA_DOMID_MAX);
		unsigned int u = (unsigned int)id;
		g_autofree char *path = NULL;
		char *vm;

		if (id < SCHEMA_DOMID_MIN || has_id(ids, u))
			continue;
		path = g_strdup_printf("/local/domain/%u/vm", u);
		vm = xs_read(xsh, t, path, &len);
		if (vm && strlen(vm) == len && g_str_has_prefix(vm, "/vm/")) {
			for (unsigned int j = 0; j < n_vms; j++) {
				if (!g_ascii_strcasecmp(vm + 4, vm_kids[j])) {
					g_array_append_val(ids, u);
					break;
				}
			}
		}
		free(vm);
	}
	free(doms);
	return 0;
}

static int listing_read(struct xs_handle *xsh, xs_transaction_t t, void *data)
{
	struct listing *l = data;
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(unsigned int));
	unsigned int n = 0, n_vms = 0;
	char **kids = xs_directory(xsh, t, SCHEMA_BASE, &n), **vm_kids;
	int rc = 0;

	if (!kids && errno != ENOENT)
		return -errno;
	for (unsigned int i = 0; i < n; i++) {
		long long id = ctl_parse_uint(kids[i], SCHEMA_DOMID_MAX);
		unsigned int u = (unsigned int)id;

		if (id >= SCHEMA_DOMID_MIN)
			g_array_append_val(ids, u);
	}
	free(kids);
	vm_kids = xs_directory(xsh, t, CTL_VM_BASE, &n_vms);
	if (!vm_kids && errno != ENOENT)
		return -errno;
	rc = add_domains_of_vms(xsh, t, vm_kids, n_vms, ids);
	free(vm_kids);
	if (rc)
		return rc;
	g_array_sort(ids, cmp_domid);
	for (unsigned int i = 0; i < ids->len && !rc; i++) {
		struct ctl_domain d = { .pid = -1 };

		rc = ctl_domain_read(xsh, t, g_array_index(ids, unsigned int, i), &d);
		g_array_append_val(l->domains, d);
	}
	if (rc)
		return rc;

	kids = xs_directory(xsh, t, CTL_VM_BASE, &n);
	if (!kids)
		return errno == ENOENT ? 0 : -errno;
	for (unsigned int i = 0; i < n && !rc; i++) {
		g_autofree char *path = g_strdup_printf("%s/%s", CTL_VM_BASE, kids[i]);
		struct ctl_node *dir = NULL;

		if (!ctl_is_uuid(kids[i]) || vm_has_domain(l, kids[i]))
			continue;
		rc = ctl_tree_read(xsh, t, path, &dir);
		if (dir) {
			g_ptr_array_add(l->vm_ids, g_strdup(kids[i]));
			g_ptr_array_add(l->vm_dirs, dir);
		}
	}
	free(kids);
	return rc;
}

static void print_json(const struct listing *l)
{
	JsonObject *o = json_object_new();
	JsonArray *doms = json_array_new(), *vms = json_array_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);

	for (unsigned int i = 0; i < l->domains->len; i++)
		json_array_add_element(doms, ctl_domain_json(
			&g_array_index(l->domains, struct ctl_domain, i)));
	for (unsigned int i = 0; i < l->vm_ids->len; i++)
		json_array_add_element(vms, ctl_vm_json(g_ptr_array_index(l->vm_ids, i),
							g_ptr_array_index(l->vm_dirs, i)));
	json_object_set_array_member(o, "domains", doms);
	json_object_set_array_member(o, "vms", vms);
	json_node_take_object(root, o);
	ctl_json_print(root);
}

/* "ok, 3 s ago", "late, 41 s ago", "off", "-". */
static char *heartbeat_text(const struct ctl_domain *d)
{
	const char *state = ctl_tree_str(d->root, "guest/heartbeat/state");
	const char *last = ctl_tree_str(d->root, "guest/heartbeat/last-beat");
	g_autofree char *st = NULL, *whole = NULL;
	long long secs;

	if (!state)
		return g_strdup("-");
	st = ctl_text_escape(state, strlen(state));
	/* "SECONDS.MILLISECONDS": the whole seconds are enough here. */
	whole = last ? g_strndup(last, strcspn(last, ".")) : NULL;
	secs = ctl_parse_uint(whole, 1LL << 40);
	if (secs < 0)
		return g_strdup(st);
	return g_strdup_printf("%s, %lld s ago", st, (long long)time(NULL) - secs);
}

static char *facilities_text(const struct ctl_domain *d)
{
	const struct ctl_node *f = ctl_tree_get(d->root, "guest/facility");
	GString *s = g_string_new(NULL);

	for (unsigned int i = 0; f && f->kids && i < f->kids->len; i++) {
		const struct ctl_node *k = g_ptr_array_index(f->kids, i);
		g_autofree char *name = ctl_text_escape(k->name, strlen(k->name));
		g_autofree char *v = k->value ? ctl_text_escape(k->value, k->len) : g_strdup("?");

		g_string_append_printf(s, "%s%s=%s", s->len ? "," : "", name, v);
	}
	if (!s->len)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

static unsigned int count_hints(const struct ctl_node *dir)
{
	const struct ctl_node *disp = ctl_tree_get(dir, SCHEMA_HINTS_DISPLAY);
	const struct ctl_node *kv = ctl_tree_get(dir, SCHEMA_HINTS_KV);

	return (disp && disp->kids ? disp->kids->len : 0) +
	       (kv && kv->kids ? kv->kids->len : 0);
}

static void print_text(const struct listing *l)
{
	printf("%-6s %-20s %-9s %-8s %-18s %s\n", "DOMID", "NAME", "STATE", "PID",
	       "HEARTBEAT", "FACILITIES");
	for (unsigned int i = 0; i < l->domains->len; i++) {
		const struct ctl_domain *d =
			&g_array_index(l->domains, struct ctl_domain, i);
		g_autofree char *name = d->name ? ctl_text_escape(d->name, d->name_len) :
					g_strdup("-");
		g_autofree char *hb = heartbeat_text(d);
		g_autofree char *fac = facilities_text(d);
		char pid[24] = "-";

		if (d->pid > 0)
			snprintf(pid, sizeof(pid), "%ld", d->pid);
		printf("%-6u %-20s %-9s %-8s %-18s %s%s\n", d->domid, name,
		       ctl_state_name(d->state), pid, hb, fac,
		       d->exists ? "" : " [domain gone]");
	}
	for (unsigned int i = 0; i < l->vm_ids->len; i++) {
		const struct ctl_node *dir = g_ptr_array_index(l->vm_dirs, i);
		const struct ctl_node *nm = ctl_tree_get(dir, "name");
		g_autofree char *name = nm && nm->value ?
					ctl_text_escape(nm->value, nm->len) : NULL;

		printf("vm %s%s%s%s: no domain, %u hint(s) kept\n",
		       (const char *)g_ptr_array_index(l->vm_ids, i),
		       name ? " (" : "", name ? name : "", name ? ")" : "",
		       count_hints(dir));
	}
}

int ctl_cmd_list(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json,
		  "One JSON object (docs/hvmlinkctl.schema.json)", NULL },
		G_OPTION_ENTRY_NULL
	};
	struct listing l;
	struct xs_handle *xsh;
	int rc;

	rc = ctl_parse_options("list", "",
			       "List every domain with hvmlink state and every VM whose hints\n"
			       "are kept while it has no domain.",
			       entries, false, &argc, &argv);
	if (rc >= 0)
		return rc;
	if (argc != 1)
		return ctl_usage_error("list", "[--json]");
	xsh = ctl_xs_open();
	if (!xsh)
		return CTL_EXIT_FAIL;
	l.domains = g_array_new(FALSE, TRUE, sizeof(struct ctl_domain));
	l.vm_ids = g_ptr_array_new_with_free_func(g_free);
	l.vm_dirs = g_ptr_array_new_with_free_func((GDestroyNotify)ctl_tree_free);
	rc = ctl_xs_consistent(xsh, listing_read, listing_reset, &l);
	xs_close(xsh);
	if (rc) {
		ctl_error("cannot read %s: %s", SCHEMA_BASE, strerror(-rc));
		rc = CTL_EXIT_FAIL;
	} else {
		for (unsigned int i = 0; i < l.domains->len; i++)
			ctl_domain_check_daemon(&g_array_index(l.domains, struct ctl_domain, i));
		if (json)
			print_json(&l);
		else
			print_text(&l);
		rc = CTL_EXIT_OK;
	}
	listing_reset(&l);
	g_array_free(l.domains, TRUE);
	g_ptr_array_free(l.vm_ids, TRUE);
	g_ptr_array_free(l.vm_dirs, TRUE);
	return rc;
}
