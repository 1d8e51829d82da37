/*
 * test-xs-client: what the daemon relies on from libxenstore, checked
 * against the harness's real xenstored ($XENSTORED_PATH): connection,
 * domain paths, transactions (commit, abort, conflict) and watches read
 * with poll() + xs_read_watch().  Run by test-xenstored.sh; exit 0 when
 * every check holds, 1 (with the failing check printed) otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#define BASE "/hvmlink-harness"
/* An upper bound that turns a lost event into a failure, not a hang. */
#define WATCH_WAIT_MS 30000

static int failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
				__FILE__, __LINE__, #cond, errno, strerror(errno)); \
			failures++;                                          \
		}                                                            \
	} while (0)

/* xs_read() as a NUL-terminated string compared with @want (NULL: absent). */
static bool read_is(struct xs_handle *xs, xs_transaction_t t, const char *path,
		    const char *want)
{
	unsigned int len;
	char *v = xs_read(xs, t, path, &len);
	bool ok;

	if (!want)
		ok = !v && errno == ENOENT;
	else
		ok = v && len == strlen(want) && !strcmp(v, want);
	if (!ok)
		fprintf(stderr, "read %s: got %s, want %s\n", path,
			v ? v : "(none)", want ? want : "(none)");
	free(v);
	return ok;
}

static bool write_str(struct xs_handle *xs, xs_transaction_t t, const char *path,
		      const char *v)
{
	return xs_write(xs, t, path, v, strlen(v));
}

/* Wait for the next watch event; true if it is @path with @token. */
static bool next_event_is(struct xs_handle *xs, const char *path, const char *token)
{
	struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
	unsigned int n;
	char **vec;
	bool ok;

	if (poll(&pfd, 1, WATCH_WAIT_MS) != 1) {
		fprintf(stderr, "no watch event for %s\n", path);
		return false;
	}
	vec = xs_read_watch(xs, &n);
	if (!vec)
		return false;
	ok = n >= 2 && !strcmp(vec[XS_WATCH_PATH], path) &&
	     !strcmp(vec[XS_WATCH_TOKEN], token);
	if (!ok)
		fprintf(stderr, "watch event %s/%s, want %s/%s\n",
			vec[XS_WATCH_PATH], n >= 2 ? vec[XS_WATCH_TOKEN] : "?",
			path, token);
	free(vec);
	return ok;
}

static void test_domain_path(struct xs_handle *xs)
{
	char *p = xs_get_domain_path(xs, 5);

	CHECK(p && !strcmp(p, "/local/domain/5"));
	free(p);
	/* dom0 is introduced by dom0_init(); domain 5 is not. */
	CHECK(xs_is_domain_introduced(xs, 0));
	CHECK(!xs_is_domain_introduced(xs, 5));
}

static void test_transactions(struct xs_handle *xs, struct xs_handle *other)
{
	xs_transaction_t t;

	/* Commit: both writes appear together. */
	t = xs_transaction_start(xs);
	CHECK(t != XBT_NULL);
	CHECK(write_str(xs, t, BASE "/t/a", "1"));
	CHECK(write_str(xs, t, BASE "/t/b", "2"));
	/* Isolation: the other connection does not see them yet. */
	CHECK(read_is(other, XBT_NULL, BASE "/t/a", NULL));
	CHECK(xs_transaction_end(xs, t, false));
	CHECK(read_is(other, XBT_NULL, BASE "/t/a", "1"));
	CHECK(read_is(other, XBT_NULL, BASE "/t/b", "2"));

	/* Abort: nothing changes. */
	t = xs_transaction_start(xs);
	CHECK(t != XBT_NULL);
	CHECK(write_str(xs, t, BASE "/t/a", "aborted"));
	CHECK(xs_transaction_end(xs, t, true));
	CHECK(read_is(xs, XBT_NULL, BASE "/t/a", "1"));

	/* Conflict: a write by someone else makes the commit fail EAGAIN. */
	t = xs_transaction_start(xs);
	CHECK(t != XBT_NULL);
	CHECK(read_is(xs, t, BASE "/t/a", "1"));
	CHECK(write_str(other, XBT_NULL, BASE "/t/a", "theirs"));
	CHECK(write_str(xs, t, BASE "/t/a", "mine"));
	errno = 0;
	CHECK(!xs_transaction_end(xs, t, false) && errno == EAGAIN);
	CHECK(read_is(xs, XBT_NULL, BASE "/t/a", "theirs"));
}

static void test_watch(struct xs_handle *xs, struct xs_handle *other)
{
	const char *w = BASE "/w";

	CHECK(xs_watch(xs, w, "tok"));
	/* xenstored fires every new watch once, for its own path. */
	CHECK(next_event_is(xs, w, "tok"));

	CHECK(write_str(other, XBT_NULL, BASE "/w/hint", "on"));
	CHECK(next_event_is(xs, BASE "/w/hint", "tok"));
	CHECK(read_is(xs, XBT_NULL, BASE "/w/hint", "on"));

	CHECK(xs_rm(other, XBT_NULL, BASE "/w/hint"));
	CHECK(next_event_is(xs, BASE "/w/hint", "tok"));
	CHECK(read_is(xs, XBT_NULL, BASE "/w/hint", NULL));

	/* Outside the watched subtree: no event (checked by the next one). */
	CHECK(write_str(other, XBT_NULL, BASE "/elsewhere", "x"));
	CHECK(write_str(other, XBT_NULL, w, "last"));
	CHECK(next_event_is(xs, w, "tok"));

	CHECK(xs_unwatch(xs, w, "tok"));
}

int main(void)
{
	struct xs_handle *xs = xs_open(0), *other = xs_open(0);

	if (!xs || !other) {
		perror("xs_open");
		if (xs)
			xs_close(xs);
		if (other)
			xs_close(other);
		return 1;
	}
	xs_rm(xs, XBT_NULL, BASE);

	test_domain_path(xs);
	test_transactions(xs, other);
	test_watch(xs, other);

	CHECK(xs_rm(xs, XBT_NULL, BASE));
	xs_close(other);
	xs_close(xs);

	if (failures) {
		fprintf(stderr, "test-xs-client: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test-xs-client: all checks passed\n");
	return 0;
}
