/* SPDX-License-Identifier: MIT */
/* Reading xenstore subtrees consistently (see hvmlinkctl-tree.h). */
#include "xenstore/hvmlinkctl-tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* xenstored gives up on a transaction that keeps conflicting; so do we,
 * after as many attempts as the daemon's publications make. */
#define CTL_XS_ATTEMPTS	16

void ctl_tree_free(struct ctl_node *n)
{
	if (!n)
		return;
	if (n->kids)
		g_ptr_array_free(n->kids, TRUE);
	g_free(n->name);
	free(n->value);		/* from libxenstore */
	g_free(n);
}

static int cmp_name(gconstpointer a, gconstpointer b)
{
	const struct ctl_node *x = *(struct ctl_node *const *)a;
	const struct ctl_node *y = *(struct ctl_node *const *)b;

	return strcmp(x->name, y->name);
}

static int read_node(struct xs_handle *xsh, xs_transaction_t t,
		     const char *path, const char *name, int depth,
		     struct ctl_node **out)
{
	struct ctl_node *n;
	unsigned int count = 0;
	char **kids;
	int rc = 0;

	*out = NULL;
	kids = xs_directory(xsh, t, path, &count);
	if (!kids) {
		if (errno == ENOENT)
			return 0;
		return errno == EACCES ? 0 : -errno;
	}
	n = g_new0(struct ctl_node, 1);
	n->name = g_strdup(name);
	n->value = xs_read(xsh, t, path, &n->len);
	if (!n->value && errno != ENOENT && errno != EACCES) {
		rc = -errno;
		goto out;
	}
	n->kids = g_ptr_array_new_with_free_func((GDestroyNotify)ctl_tree_free);
	for (unsigned int i = 0; i < count && depth < CTL_TREE_MAX_DEPTH; i++) {
		g_autofree char *cpath = g_strdup_printf("%s/%s", path, kids[i]);
		struct ctl_node *kid;

		rc = read_node(xsh, t, cpath, kids[i], depth + 1, &kid);
		if (rc)
			goto out;
		if (kid)	/* removed between directory and read */
			g_ptr_array_add(n->kids, kid);
	}
	g_ptr_array_sort(n->kids, cmp_name);
out:
	free(kids);
	if (rc) {
		ctl_tree_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

int ctl_tree_read(struct xs_handle *xsh, xs_transaction_t t, const char *path,
		  struct ctl_node **out)
{
	const char *slash = strrchr(path, '/');

	return read_node(xsh, t, path, slash ? slash + 1 : path, 0, out);
}

static const struct ctl_node *child(const struct ctl_node *n, const char *name,
				    size_t len)
{
	if (!n || !n->kids)
		return NULL;
	for (unsigned int i = 0; i < n->kids->len; i++) {
		const struct ctl_node *k = g_ptr_array_index(n->kids, i);

		if (strlen(k->name) == len && memcmp(k->name, name, len) == 0)
			return k;
	}
	return NULL;
}

const struct ctl_node *ctl_tree_get(const struct ctl_node *n, const char *rel)
{
	while (n && *rel) {
		const char *slash = strchr(rel, '/');
		size_t len = slash ? (size_t)(slash - rel) : strlen(rel);

		n = child(n, rel, len);
		rel += len;
		if (*rel == '/')
			rel++;
	}
	return n;
}

const char *ctl_tree_str(const struct ctl_node *n, const char *rel)
{
	n = ctl_tree_get(n, rel);
	if (!n || !n->value || strlen(n->value) != n->len)
		return NULL;
	return n->value;
}

int ctl_xs_consistent(struct xs_handle *xsh,
		      int (*read)(struct xs_handle *, xs_transaction_t, void *),
		      void (*reset)(void *), void *data)
{
	for (int attempt = 0; attempt < CTL_XS_ATTEMPTS; attempt++) {
		xs_transaction_t t = xs_transaction_start(xsh);
		int rc;

		if (t == XBT_NULL)
			return -errno;
		rc = read(xsh, t, data);
		if (rc) {
			xs_transaction_end(xsh, t, true);
			return rc;
		}
		if (xs_transaction_end(xsh, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
		reset(data);
	}
	return -EAGAIN;
}
