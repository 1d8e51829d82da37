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

static int check_id(unsigned long id, const char *arg)
{
	if (id == 0) {
		ctl_error("domain %s is dom0, which hvmlink does not serve", arg);
		return -CTL_EXIT_NO_DOMAIN;
	}
	if (id < SCHEMA_DOMID_MIN || id > SCHEMA_DOMID_MAX) {
		ctl_error("domain id %s is out of range (%u..%u)", arg,
			  SCHEMA_DOMID_MIN, SCHEMA_DOMID_MAX);
		return -CTL_EXIT_NO_DOMAIN;
	}
	return (int)id;
}

int ctl_resolve_domain(struct xs_handle *xsh, const char *arg)
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

		if (domain_exists(xsh, id))
			return check_id(id, arg);
	}

	ids = xs_directory(xsh, XBT_NULL, "/local/domain", &n);
	if (!ids && errno != ENOENT) {
		ctl_error("cannot list /local/domain: %s", strerror(errno));
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
		ctl_error("no domain \"%s\"", arg);
		return -CTL_EXIT_NO_DOMAIN;
	}
	if (matches > 1) {
		ctl_error("domain name \"%s\" is ambiguous (%d domains have it); use the id",
			  arg, matches);
		return -CTL_EXIT_NO_DOMAIN;
	}
	return check_id((unsigned long)found, arg);
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
