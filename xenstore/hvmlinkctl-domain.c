/* SPDX-License-Identifier: MIT */
/* DOMAIN arguments, resolved as xl resolves them. */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "xenstore/schema.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool domain_exists(struct xs_handle *xsh, unsigned long id)
{
	char path[64];
	unsigned int len;
	void *v;

	snprintf(path, sizeof(path), "/local/domain/%lu", id);
	v = xs_read(xsh, XBT_NULL, path, &len);
	free(v);
	return v != NULL;
}

static int check_id(unsigned long id, const char *arg, bool quiet)
{
	if (id == 0) {
		if (!quiet)
			ctl_error("domain %s is dom0, which hvmlink does not serve",
				  arg);
		return -CTL_EXIT_NO_DOMAIN;
	}
	if (id < SCHEMA_DOMID_MIN || id > SCHEMA_DOMID_MAX) {
		if (!quiet)
			ctl_error("domain id %s is out of range (%u..%u)", arg,
				  SCHEMA_DOMID_MIN, SCHEMA_DOMID_MAX);
		return -CTL_EXIT_NO_DOMAIN;
	}
	return (int)id;
}

/* quiet: say nothing when no domain has that id or name (the caller
 * looks further); other errors are always reported. */
static int resolve_domain(struct xs_handle *xsh, const char *arg, bool quiet,
			  bool *reported)
{
	unsigned int n = 0, len;
	long found = -1;
	char **ids;
	int matches = 0;

	if (!arg || !*arg) {
		ctl_error("empty domain");
		return -CTL_EXIT_USAGE;
	}
	if (all_digits(arg) && strlen(arg) <= 5) {
		unsigned long id = strtoul(arg, NULL, 10);

		if (domain_exists(xsh, id)) {
			int rc = check_id(id, arg, false);

			if (rc < 0 && reported)
				*reported = true;
			return rc;
		}
	}

	ids = xs_directory(xsh, XBT_NULL, "/local/domain", &n);
	if (!ids && errno != ENOENT) {
		ctl_error("cannot list /local/domain: %s", strerror(errno));
		if (reported)
			*reported = true;
		return -CTL_EXIT_XENSTORE;
	}
	for (unsigned int i = 0; i < n; i++) {
		char path[96];
		char *name;

		if (!all_digits(ids[i]) || strlen(ids[i]) > 5)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
		name = xs_read(xsh, XBT_NULL, path, &len);
		if (name && strlen(name) == len && strcmp(name, arg) == 0) {
			matches++;
			found = strtol(ids[i], NULL, 10);
		}
		free(name);
	}
	free(ids);
	if (matches == 0) {
		if (!quiet)
			ctl_error("no domain \"%s\"", arg);
		return -CTL_EXIT_NO_DOMAIN;
	}
	if (matches > 1) {
		ctl_error("domain name \"%s\" is ambiguous (%d domains have it); use the id",
			  arg, matches);
		if (reported)
			*reported = true;
		return -CTL_EXIT_NO_DOMAIN;
	}
	found = check_id((unsigned long)found, arg, false);
	if (found < 0 && reported)
		*reported = true;
	return (int)found;
}

int ctl_resolve_domain(struct xs_handle *xsh, const char *arg)
{
	return resolve_domain(xsh, arg, false, NULL);
}

/* The running domain of VM uuid, or -1.  (Two during a same-host
 * migration: the newest, which owns the VM's state.) */
static int domain_of_vm(struct xs_handle *xsh, const char *uuid)
{
	char **ids, vm[SCHEMA_UUID_LEN + 1];
	unsigned int n = 0;
	long best = -1;

	ids = xs_directory(xsh, XBT_NULL, "/local/domain", &n);
	for (unsigned int i = 0; ids && i < n; i++) {
		long id;

		if (!all_digits(ids[i]) || strlen(ids[i]) > 5)
			continue;
		id = strtol(ids[i], NULL, 10);
		if (id < (long)SCHEMA_DOMID_MIN || id > (long)SCHEMA_DOMID_MAX)
			continue;
		if (schema_domain_vm(xsh, (unsigned int)id, vm, NULL, 0) == 0 &&
		    strcmp(vm, uuid) == 0 && id > best)
			best = id;
	}
	free(ids);
	return (int)best;
}

/* The one VM whose recorded name (vm/UUID/name) is arg. */
static int vm_by_name(struct xs_handle *xsh, const char *arg, char *uuid)
{
	unsigned int n = 0, len;
	int matches = 0;
	char **vms;

	vms = xs_directory(xsh, XBT_NULL, SCHEMA_VM_BASE, &n);
	for (unsigned int i = 0; vms && i < n; i++) {
		char path[SCHEMA_PATH_MAX], canon[SCHEMA_UUID_LEN + 1];
		char *name;

		if (!schema_uuid_parse(vms[i], canon) ||
		    !schema_vm_path(path, sizeof(path), canon, SCHEMA_VM_NAME))
			continue;
		name = xs_read(xsh, XBT_NULL, path, &len);
		if (name && strlen(name) == len && strcmp(name, arg) == 0) {
			if (!matches++)
				memcpy(uuid, canon, sizeof(canon));
		}
		free(name);
	}
	free(vms);
	if (matches > 1) {
		ctl_error("VM name \"%s\" is ambiguous (%d VMs had it); use the UUID",
			  arg, matches);
		return -CTL_EXIT_NO_DOMAIN;
	}
	return matches ? 0 : -CTL_EXIT_NO_DOMAIN;
}

int ctl_resolve_vm(struct xs_handle *xsh, const char *arg, char *uuid,
		   int *domid)
{
	bool reported = false;
	int id, rc;

	*domid = -1;
	if (!arg || !*arg) {
		ctl_error("empty domain");
		return -CTL_EXIT_USAGE;
	}
	/* A running domain first, as xl names it. */
	id = resolve_domain(xsh, arg, true, &reported);
	if (id > 0) {
		rc = schema_domain_vm(xsh, (unsigned int)id, uuid, NULL, 0);
		if (rc < 0) {
			ctl_error("domain %d has no VM UUID in xenstore (/local/domain/%d/vm: %s)",
				  id, id, rc == -EINVAL ? "not /vm/UUID"
							: strerror(-rc));
			return -CTL_EXIT_NO_DOMAIN;
		}
		*domid = id;
		return 0;
	}
	if (reported)
		return id;
	if (schema_uuid_parse(arg, uuid)) {
		*domid = domain_of_vm(xsh, uuid);
		return 0;
	}
	rc = vm_by_name(xsh, arg, uuid);
	if (rc == 0) {
		*domid = domain_of_vm(xsh, uuid);
		return 0;
	}
	if (rc == -CTL_EXIT_NO_DOMAIN)
		ctl_error("no domain or VM \"%s\" (a domain id or name, a VM UUID, or the name of a VM hvmlink knows)",
			  arg);
	return rc;
}

bool ctl_parse_timeout(const char *s, int *ms)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v != v || v < 0 || v > 86400)
		return false;
	*ms = (int)(v * 1000.0 + 0.5);
	return true;
}
