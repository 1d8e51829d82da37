/* SPDX-License-Identifier: MIT */
#include "xenstore/schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

bool schema_vm_path(char *buf, size_t len, const char *uuid, const char *rel)
{
	int n;

	if (rel && *rel)
		n = snprintf(buf, len, SCHEMA_VM_BASE "/%s/%s", uuid, rel);
	else
		n = snprintf(buf, len, SCHEMA_VM_BASE "/%s", uuid);
	return n > 0 && (size_t)n < len;
}

bool schema_uuid_parse(const char *s, char *out)
{
	for (size_t i = 0; i < SCHEMA_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	if (s[SCHEMA_UUID_LEN] != '\0')
		return false;
	for (size_t i = 0; i <= SCHEMA_UUID_LEN; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return true;
}

/* Read a node as a NUL-terminated string without embedded NULs. */
static char *read_str(struct xs_handle *xsh, const char *path)
{
	unsigned int len = 0;
	char *v = xs_read(xsh, XBT_NULL, path, &len);

	if (v && strlen(v) != len) {
		free(v);
		errno = EINVAL;
		return NULL;
	}
	return v;
}

int schema_domain_vm(struct xs_handle *xsh, unsigned int domid, char *uuid,
		     char *name, size_t name_len)
{
	char path[64];
	char *v;
	bool ok;

	if (name && name_len)
		name[0] = '\0';
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	v = read_str(xsh, path);
	if (!v)
		return -(errno ? errno : EIO);
	/* "/vm/" + UUID, as libxl__domain_make() writes it. */
	ok = strncmp(v, "/vm/", 4) == 0 && schema_uuid_parse(v + 4, uuid);
	free(v);
	if (!ok)
		return -EINVAL;
	if (name && name_len) {
		snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
		v = read_str(xsh, path);
		if (v) {
			snprintf(name, name_len, "%s", v);
			free(v);
		}
	}
	return 0;
}

int schema_node_private(struct xs_handle *xsh, const char *path)
{
	struct xs_permissions *perms;
	unsigned int num = 0;
	bool ok;

	perms = xs_get_permissions(xsh, XBT_NULL, path, &num);
	if (!perms)
		return -(errno ? errno : EIO);
	ok = num == 1 && perms[0].id == 0 && perms[0].perms == XS_PERM_NONE;
	free(perms);
	return ok;
}

bool schema_perms_dom0_only(struct xs_handle *xsh, const char *path)
{
	return schema_node_private(xsh, path) == 1;
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

int schema_ensure_vm_root(struct xs_handle *xsh, const char *uuid,
			  bool create_dirs)
{
	static const char *const dirs[] = {
		SCHEMA_HINTS, SCHEMA_HINTS_DISPLAY, SCHEMA_HINTS_KV,
		SCHEMA_ERRORS, SCHEMA_ERRORS_DISPLAY, SCHEMA_ERRORS_KV,
	};
	char canon[SCHEMA_UUID_LEN + 1], path[SCHEMA_PATH_MAX];
	int rc;

	if (!schema_uuid_parse(uuid, canon))
		return -EINVAL;
	rc = ensure_private_dir(xsh, SCHEMA_BASE);
	if (!rc)
		rc = ensure_private_dir(xsh, SCHEMA_VM_BASE);
	if (!rc && schema_vm_path(path, sizeof(path), canon, NULL))
		rc = ensure_private_dir(xsh, path);
	for (size_t i = 0; !rc && create_dirs && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!schema_vm_path(path, sizeof(path), canon, dirs[i]))
			return -ENAMETOOLONG;
		rc = ensure_private_dir(xsh, path);
	}
	return rc;
}
