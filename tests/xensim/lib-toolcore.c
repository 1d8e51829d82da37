/* SPDX-License-Identifier: MIT */
/*
 * xentoolcore_restrict_all(): restrict every simulated handle of this
 * process to domid, then let the real libxentoolcore restrict the
 * handles registered with it (libxenstore's, for one), as it would on
 * Xen.  The simulated handles never register with the real library.
 */
#include <dlfcn.h>
#include <errno.h>

#include <xentoolcore.h>

#include "tests/xensim/lib-conn.h"

XSL_EXPORT int xentoolcore_restrict_all(domid_t domid)
{
	int (*real)(domid_t);
	int rc = xsl_restrict_all(domid);

	if (rc < 0)
		return xsl_ret(rc);
	real = (int (*)(domid_t))dlsym(RTLD_NEXT, "xentoolcore_restrict_all");
	if (real && real != xentoolcore_restrict_all)
		return real(domid);
	return 0;
}
