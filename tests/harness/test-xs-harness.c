/*
 * test-xs-harness: the C API of the xenstored harness, as a g_test would
 * use it: a private xenstored that libxenstore reaches through
 * XENSTORED_PATH, a restart that keeps the path and loses the data, two
 * instances side by side, and a stop that leaves nothing running.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <xenstore.h>

#include "tests/harness/xs-harness.h"

static char *test_dir;
static gboolean skipped;	/* no xenstored: the whole program is a skip */

static void remove_instance_files(const char *dir)
{
	static const char *const logs[] = { "trace.log", "xenstored.log" };

	for (size_t i = 0; i < G_N_ELEMENTS(logs); i++) {
		g_autofree char *p = g_build_filename(dir, logs[i], NULL);

		unlink(p);
	}
	rmdir(dir);
}

/* Start an instance in test_dir/NAME, or skip the test (fail under CI). */
static gboolean start_or_skip(struct xs_harness *h, const char *name)
{
	g_autofree char *dir = g_build_filename(test_dir, name, NULL);
	int rc = xs_harness_start(h, dir);

	if (rc == XS_HARNESS_UNAVAILABLE) {
		/* Under CI a missing xenstored is a failure, never a skip. */
		g_assert_cmpstr(g_getenv("CI"), !=, "true");
		g_test_skip("no xenstored binary (tests/harness/get-xenstored.sh)");
		rmdir(dir);
		skipped = TRUE;
		return FALSE;
	}
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(h->pid, >, 0);
	return TRUE;
}

static void write_str(const char *path, const char *v)
{
	struct xs_handle *xs = xs_open(0);

	g_assert_nonnull(xs);
	g_assert_true(xs_write(xs, XBT_NULL, path, v, strlen(v)));
	xs_close(xs);
}

/* The value at @path, or NULL if absent; g_free() it. */
static char *read_str(const char *path)
{
	struct xs_handle *xs = xs_open(0);
	unsigned int len;
	char *v, *copy;

	g_assert_nonnull(xs);
	v = xs_read(xs, XBT_NULL, path, &len);
	copy = v ? g_strndup(v, len) : NULL;
	free(v);
	xs_close(xs);
	return copy;
}

static void test_start_stop(void)
{
	struct xs_harness h;
	struct xs_handle *xs;
	pid_t pid;

	if (!start_or_skip(&h, "start-stop"))
		return;
	g_assert_cmpstr(g_getenv("XENSTORED_PATH"), ==, h.socket_path);
	write_str("/hvmlink/x", "1");
	g_autofree char *v = read_str("/hvmlink/x");
	g_assert_cmpstr(v, ==, "1");

	pid = h.pid;
	g_assert_cmpint(xs_harness_stop(&h), ==, 0);
	g_assert_cmpint(h.pid, ==, 0);
	g_assert_cmpint(kill(pid, 0), ==, -1);
	xs = xs_open(0);
	g_assert_null(xs);
	remove_instance_files(h.dir);
}

static void test_restart(void)
{
	struct xs_harness h;
	pid_t old;

	if (!start_or_skip(&h, "restart"))
		return;
	write_str("/hvmlink/x", "1");
	old = h.pid;
	g_assert_cmpint(xs_harness_restart(&h), ==, 0);
	g_assert_cmpint(h.pid, !=, old);
	g_assert_cmpint(kill(old, 0), ==, -1);
	/* The database lives in xenstored's memory: it is gone. */
	g_autofree char *v = read_str("/hvmlink/x");
	g_assert_null(v);
	write_str("/hvmlink/x", "2");
	g_autofree char *w = read_str("/hvmlink/x");
	g_assert_cmpstr(w, ==, "2");
	g_assert_cmpint(xs_harness_stop(&h), ==, 0);
	remove_instance_files(h.dir);
}

static void test_two_instances(void)
{
	struct xs_harness a, b;

	if (!start_or_skip(&a, "a"))
		return;
	g_assert_true(start_or_skip(&b, "b"));
	g_assert_cmpstr(a.socket_path, !=, b.socket_path);

	write_str("/hvmlink/who", "b");
	xs_harness_use(&a);
	g_autofree char *none = read_str("/hvmlink/who");
	g_assert_null(none);
	write_str("/hvmlink/who", "a");
	xs_harness_use(&b);
	g_autofree char *vb = read_str("/hvmlink/who");
	g_assert_cmpstr(vb, ==, "b");

	g_assert_cmpint(xs_harness_stop(&a), ==, 0);
	g_assert_cmpint(xs_harness_stop(&b), ==, 0);
	remove_instance_files(a.dir);
	remove_instance_files(b.dir);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	/* Beside the test's log in the build tree; kept if a test fails. */
	/*
	 * Keep the instances beside the test's log, unless the build tree is
	 * so deep (make distcheck) that DIR/NAME/socket would not fit in a
	 * unix socket's 108-byte sun_path.
	 */
	g_autofree char *cwd = g_get_current_dir();

	test_dir = g_strdup("tests/harness/test-xs-harness.tmp.XXXXXX");
	if (strlen(cwd) > 40 || !g_mkdtemp(test_dir)) {
		g_free(test_dir);
		test_dir = g_strdup_printf("%s/test-xs-harness.XXXXXX", g_get_tmp_dir());
		g_assert_nonnull(g_mkdtemp(test_dir));
	}
	g_test_add_func("/xs-harness/start-stop", test_start_stop);
	g_test_add_func("/xs-harness/restart", test_restart);
	g_test_add_func("/xs-harness/two-instances", test_two_instances);
	rc = g_test_run();
	if (rc == 0)
		rmdir(test_dir);
	g_free(test_dir);
	/* automake: 77 is SKIP; g_test_run() says 0 for skipped tests. */
	return rc == 0 && skipped ? 77 : rc;
}
