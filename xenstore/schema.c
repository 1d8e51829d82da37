/* SPDX-License-Identifier: MIT */
#include "xenstore/schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <xenstore.h>

#include "common/log.h"

bool schema_path(char *buf, size_t len, unsigned int domid, const char *rel)
{
	int n;

	if (rel && *rel)
		n = snprintf(buf, len, SCHEMA_BASE "/%u/%s", domid, rel);
	else
		n = snprintf(buf, len, SCHEMA_BASE "/%u", domid);
	return n > 0 && (size_t)n < len;
}

bool schema_perms_dom0_only(struct xs_handle *xsh, const char *path)
{
	struct xs_permissions *perms;
	unsigned int num = 0;
	bool ok;

	perms = xs_get_permissions(xsh, XBT_NULL, path, &num);
	if (!perms)
		return false;
	ok = num == 1 && perms[0].id == 0 && perms[0].perms == XS_PERM_NONE;
	free(perms);
	return ok;
}

/* One node: create it if missing, then force "n0" if it is not. */
static int ensure_private_dir(struct xs_handle *xsh, const char *path)
{
	struct xs_permissions n0 = { .id = 0, .perms = XS_PERM_NONE };

	if (!xs_mkdir(xsh, XBT_NULL, path))
		return -(errno ? errno : EIO);
	if (schema_perms_dom0_only(xsh, path))
		return 0;
	log_notice("xenstore: setting permissions of %s to dom0 only", path);
	if (!xs_set_permissions(xsh, XBT_NULL, path, &n0, 1))
		return -(errno ? errno : EIO);
	/* Read back: a node we cannot make private must not hold hints. */
	if (!schema_perms_dom0_only(xsh, path)) {
		log_err("xenstore: %s still not dom0-only after setting it", path);
		return -EPERM;
	}
	return 0;
}

int schema_ensure_root(struct xs_handle *xsh, unsigned int domid)
{
	char root[SCHEMA_PATH_MAX];
	int rc;

	if (domid < SCHEMA_DOMID_MIN || domid > SCHEMA_DOMID_MAX)
		return -EINVAL;
	if (!schema_path(root, sizeof(root), domid, NULL))
		return -ENAMETOOLONG;
	rc = ensure_private_dir(xsh, SCHEMA_BASE);
	if (rc)
		return rc;
	return ensure_private_dir(xsh, root);
}
