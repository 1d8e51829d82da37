/*
 * xs-introduce: what the toolstack (libxl) tells xenstored about a
 * domain's life, for shell tests.
 *
 *   xs-introduce DOMID [PORT]     XS_INTRODUCE, as libxl does once a new
 *                                 domain is built: xenstored maps the
 *                                 domain's ring and fires @introduceDomain
 *   xs-introduce --release DOMID  XS_RELEASE: xenstored drops the domain and
 *                                 fires @releaseDomain
 *   xs-introduce --check DOMID    exit 0 if xenstored knows DOMID as
 *                                 introduced, 1 if not
 *
 * It reaches xenstored like every client: $XENSTORED_PATH.  Exit 0 on
 * success, 1 on a refusal (the message carries xenstored's errno), 2 on
 * bad usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

/* Xenstore's ring is always gfn "store_mfn"; xenstored 4.17 ignores it. */
#define XS_INTRODUCE_FAKE_MFN 0xfeffeUL
/* Any non-zero remote port: xenstored rejects 0. */
#define XS_INTRODUCE_DEFAULT_PORT 1U

static int usage(void)
{
	fprintf(stderr,
		"usage: xs-introduce DOMID [PORT]\n"
		"       xs-introduce --release DOMID\n"
		"       xs-introduce --check DOMID\n");
	return 2;
}

static bool parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

int main(int argc, char **argv)
{
	enum { INTRODUCE, RELEASE, CHECK } op = INTRODUCE;
	unsigned int domid, port = XS_INTRODUCE_DEFAULT_PORT;
	struct xs_handle *xs;
	int argi = 1, rc = 0;
	bool ok;

	if (argc > 1 && !strcmp(argv[1], "--release")) {
		op = RELEASE;
		argi++;
	} else if (argc > 1 && !strcmp(argv[1], "--check")) {
		op = CHECK;
		argi++;
	}
	if (argi >= argc || !parse_uint(argv[argi], 0x7fef, &domid))
		return usage();
	argi++;
	if (op == INTRODUCE && argi < argc) {
		if (!parse_uint(argv[argi], 0xffffffffU, &port) || port == 0)
			return usage();
		argi++;
	}
	if (argi != argc)
		return usage();

	xs = xs_open(0);
	if (!xs) {
		perror("xs-introduce: xs_open");
		return 1;
	}

	switch (op) {
	case INTRODUCE:
		ok = xs_introduce_domain(xs, domid, XS_INTRODUCE_FAKE_MFN, port);
		if (!ok) {
			fprintf(stderr, "xs-introduce: introduce %u: %s\n", domid, strerror(errno));
			rc = 1;
		}
		break;
	case RELEASE:
		ok = xs_release_domain(xs, domid);
		if (!ok) {
			fprintf(stderr, "xs-introduce: release %u: %s\n", domid, strerror(errno));
			rc = 1;
		}
		break;
	case CHECK:
		rc = xs_is_domain_introduced(xs, domid) ? 0 : 1;
		break;
	}

	xs_close(xs);
	return rc;
}
