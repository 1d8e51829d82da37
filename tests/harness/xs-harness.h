/*
 * xs-harness: a private real xenstored for a C test.
 *
 *	struct xs_harness xs;
 *	int rc = xs_harness_start(&xs, "tests/foo/test-foo.tmp");
 *	if (rc == XS_HARNESS_UNAVAILABLE) ... skip (g_test_skip), or fail if CI=true
 *	... xs_open(0) now reaches it: XENSTORED_PATH is set in this process ...
 *	xs_harness_restart(&xs);	(same socket path, empty database)
 *	xs_harness_stop(&xs);
 *
 * xenstored is started through tests/harness/xs-exec.sh (found through
 * $top_srcdir, else the source tree this was built from), so shell and C
 * tests run it the same way; see docs/xenstored-harness.md.  With
 * $XENSIM_DIR set, xenstored follows the domains of the Xen stand-in.
 * Not thread-safe; a process may run several harnesses, the last started
 * or restarted one owns XENSTORED_PATH (xs_harness_use() switches).
 */
#ifndef HVMLINK_TESTS_XS_HARNESS_H
#define HVMLINK_TESTS_XS_HARNESS_H

#include <limits.h>
#include <sys/types.h>

/* xs_harness_start(): no xenstored binary on this machine. */
#define XS_HARNESS_UNAVAILABLE 77

struct xs_harness {
	char dir[PATH_MAX];	/* socket, pid, trace.log, xenstored.log */
	char socket_path[108];	/* sizeof(sun_path) */
	pid_t pid;		/* xenstored's pid, 0 when stopped */
};

/*
 * Start xenstored in @dir (created if missing, its parent must exist),
 * wait until it listens, and point this process's libxenstore at it.
 * Returns 0, XS_HARNESS_UNAVAILABLE, or -1 with errno set (the reason is
 * printed on stderr, xenstored's own messages are in @dir/xenstored.log).
 */
int xs_harness_start(struct xs_harness *h, const char *dir)
	__attribute__((warn_unused_result));

/* Stop xenstored and wait for it; its logs stay in h->dir. */
int xs_harness_stop(struct xs_harness *h);

/* Stop and start again on the same socket path. */
int xs_harness_restart(struct xs_harness *h)
	__attribute__((warn_unused_result));

/* Point XENSTORED_PATH (this process and its children) at @h. */
void xs_harness_use(const struct xs_harness *h);

#endif
