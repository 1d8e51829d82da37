// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Unit tests: hvmlink-agent logic that needs no device (hint -> xrandr
 * arguments, hook environment, key/value directory, backoff, heartbeat
 * period, time sync decision, configuration). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "guest/agent/agent.h"

static const struct hvmlink_display_mode mode_720p = {
	.width = 1280, .height = 720, .bpp = 32, .x = -10, .y = 20, .enabled = 1,
};

static void test_xrandr_outputs(void)
{
	const char *query =
		"Screen 0: minimum 320 x 200, current 1024 x 768, maximum 8192 x 8192\n"
		"Virtual-1 connected primary 1024x768+0+0 (normal left) 0mm x 0mm\n"
		"   1024x768      60.00*+\n"
		"   800x600       60.32\n"
		"Virtual-2 disconnected (normal left inverted right x axis y axis)\n"
		"Virtual-3 connected 800x600+1024+0 (normal) 0mm x 0mm\n"
		"   800x600       60.32*\n";
	g_autoptr(GPtrArray) o = display_parse_xrandr_outputs(query);

	g_assert_cmpuint(o->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(o, 0), ==, "Virtual-1");
	g_assert_cmpstr(g_ptr_array_index(o, 1), ==, "Virtual-3");

	g_ptr_array_unref(o);
	o = display_parse_xrandr_outputs("");
	g_assert_cmpuint(o->len, ==, 0);
}

static void test_xrandr_argv(void)
{
	struct hvmlink_display_mode off = { 0 };
	g_auto(GStrv) on = display_xrandr_argv(":0", "Virtual-1", &mode_720p);
	g_auto(GStrv) no = display_xrandr_argv(NULL, "Virtual-2", &off);
	g_autofree char *on_s = g_strjoinv(" ", on);
	g_autofree char *no_s = g_strjoinv(" ", no);

	g_assert_cmpstr(on_s, ==,
			"xrandr --display :0 --output Virtual-1 --mode 1280x720 --pos -10x20");
	g_assert_cmpstr(no_s, ==, "xrandr --output Virtual-2 --off");
}

static void test_hook_argv_env(void)
{
	char *base[] = { "PATH=/bin", "HVMLINK_WIDTH=1", NULL };
	g_auto(GStrv) argv = display_hook_argv("/usr/lib/hook", 2, &mode_720p, 42);
	g_auto(GStrv) env = display_hook_env(base, 2, &mode_720p, 42);
	g_autofree char *argv_s = g_strjoinv(" ", argv);

	g_assert_cmpstr(argv_s, ==, "/usr/lib/hook 2 1280 720 32 -10 20 1 42");
	g_assert_cmpstr(g_environ_getenv(env, "PATH"), ==, "/bin");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_DISPLAY"), ==, "2");
	/* A stale value in the agent's own environment is overridden. */
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_WIDTH"), ==, "1280");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_HEIGHT"), ==, "720");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_BPP"), ==, "32");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_X"), ==, "-10");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_Y"), ==, "20");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_ENABLED"), ==, "1");
	g_assert_cmpstr(g_environ_getenv(env, "HVMLINK_SEQ"), ==, "42");
	g_assert_cmpuint(g_strv_length(env), ==, 9);
}

static void test_failure_reason(void)
{
	g_autofree char *a = display_failure_reason(3 << 8, "bad mode 1x1\nsecond line\n");
	g_autofree char *b = display_failure_reason(1 << 8, NULL);
	g_autofree char *c = display_failure_reason(SIGKILL, "");

	g_assert_true(WIFEXITED(3 << 8));
	g_assert_cmpstr(a, ==, "exit status 3: bad mode 1x1");
	g_assert_cmpstr(b, ==, "exit status 1");
	g_assert_cmpstr(c, ==, "killed by signal 9");
}

/* The hook really gets the mode: run it through /bin/sh. */
static void test_hook_run(void)
{
	char *base[] = { "PATH=/usr/bin:/bin", NULL };
	g_auto(GStrv) env = display_hook_env(base, 0, &mode_720p, 7);
	char *ok[] = { "/bin/sh", "-c",
		"test \"$HVMLINK_WIDTH\"x\"$HVMLINK_HEIGHT\" = 1280x720 && test \"$3\" = 720",
		"hook", "0", "1280", "720", NULL };
	char *bad[] = { "/bin/sh", "-c", "echo 'cannot set mode' >&2; exit 4", NULL };
	char *missing[] = { "/nonexistent/hook", NULL };
	g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;

	g_assert_true(display_run(ok, env, &r1));
	g_assert_null(r1);
	g_assert_false(display_run(bad, env, &r2));
	g_assert_cmpstr(r2, ==, "exit status 4: cannot set mode");
	g_assert_false(display_run(missing, env, &r3));
	g_assert_true(g_str_has_prefix(r3, "cannot run /nonexistent/hook"));
}

static char *read_file(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	char *s = NULL;

	if (!g_file_get_contents(path, &s, NULL, NULL))
		return NULL;
	return s;
}

static void gstring_free(gpointer s)
{
	g_string_free(s, TRUE);
}

static void test_kv_dir(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = g_dir_make_tmp("guest-kv-XXXXXX", &error);
	g_autofree char *dir = g_build_filename(tmp, "kv", NULL);
	g_autoptr(GHashTable) kv = g_hash_table_new_full(g_str_hash, g_str_equal,
							   g_free, gstring_free);
	g_autofree char *stale = NULL, *old_b = NULL, *outside = NULL;
	gboolean changed;
	char buf[16] = { 0 };
	int old_fd;

	g_assert_no_error(error);
	g_hash_table_insert(kv, g_strdup("a"), g_string_new("1"));
	g_hash_table_insert(kv, g_strdup("b"), g_string_new_len("two\0bytes", 9));
	/* Never a file outside the directory, whatever the host sends. */
	g_hash_table_insert(kv, g_strdup("../escape"), g_string_new("x"));
	g_assert_true(kv_dir_sync(dir, kv, &changed, &error));
	g_assert_no_error(error);
	g_assert_true(changed);
	g_autofree char *a = read_file(dir, "a");

	g_assert_cmpstr(a, ==, "1");
	outside = g_build_filename(tmp, "escape", NULL);
	g_assert_false(g_file_test(outside, G_FILE_TEST_EXISTS));
	{
		g_autofree char *path = g_build_filename(dir, "b", NULL);
		g_autofree char *s = NULL;
		gsize len;

		g_assert_true(g_file_get_contents(path, &s, &len, NULL));
		g_assert_cmpuint(len, ==, 9);
		g_assert_cmpmem(s, len, "two\0bytes", 9);
		old_fd = open(path, O_RDONLY);
		g_assert_cmpint(old_fd, >=, 0);
	}

	/* Same content again: nothing rewritten. */
	g_assert_true(kv_dir_sync(dir, kv, &changed, &error));
	g_assert_false(changed);

	/* Update b, delete a, leave a crash's temp file behind. */
	stale = g_build_filename(dir, "#hvmlink-kv.abc123", NULL);
	g_assert_true(g_file_set_contents(stale, "junk", -1, NULL));
	g_hash_table_remove(kv, "a");
	g_hash_table_insert(kv, g_strdup("b"), g_string_new("three"));
	g_assert_true(kv_dir_sync(dir, kv, &changed, &error));
	g_assert_no_error(error);
	g_assert_true(changed);
	g_assert_null(read_file(dir, "a"));
	g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
	old_b = read_file(dir, "b");
	g_assert_cmpstr(old_b, ==, "three");
	/* Replaced by rename, not rewritten in place: a reader that opened
	 * the old value still sees all of it. */
	g_assert_cmpint(pread(old_fd, buf, sizeof(buf), 0), ==, 9);
	g_assert_cmpmem(buf, 9, "two\0bytes", 9);
	close(old_fd);

	/* Everything deleted: an empty directory, reported as a change. */
	g_hash_table_remove_all(kv);
	g_assert_true(kv_dir_sync(dir, kv, &changed, &error));
	g_assert_true(changed);
	g_assert_null(read_file(dir, "b"));
	g_assert_cmpint(g_rmdir(dir), ==, 0);
	g_assert_cmpint(g_rmdir(tmp), ==, 0);
}

static void test_kv_dir_error(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) kv = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean changed;

	/* A path under a regular file can never be created. */
	g_assert_false(kv_dir_sync("/dev/null/kv", kv, &changed, &error));
	g_assert_nonnull(error);
	g_assert_false(changed);
}

static void test_backoff(void)
{
	unsigned int d = 0;
	unsigned int expect[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };

	for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
		d = backoff_next(d, 1000, 60000);
		g_assert_cmpuint(d, ==, expect[i]);
	}
	/* Never zero (that would spin), never above max, no overflow. */
	g_assert_cmpuint(backoff_next(0, 0, 0), ==, 1);
	g_assert_cmpuint(backoff_next(UINT32_MAX, 10, 100), ==, 100);
	g_assert_cmpuint(backoff_next(5, 10, 5), ==, 10);
}

static void test_heartbeat_period(void)
{
	g_assert_cmpuint(heartbeat_period_ms(0), ==, 0);
	g_assert_cmpuint(heartbeat_period_ms(10ull * 1000000000u), ==, 5000);
	g_assert_cmpuint(heartbeat_period_ms(1000), ==, 100);
	g_assert_cmpuint(heartbeat_period_ms(UINT64_MAX), ==, 24u * 3600u * 1000u);
}

static void test_timesync(void)
{
	const uint64_t thr = 1000000000u;	/* 1 s */

	g_assert_cmpint(timesync_decide(5 * thr, AGENT_TIMESYNC_OFF, thr), ==, TIMESYNC_NONE);
	g_assert_cmpint(timesync_decide(5 * thr, AGENT_TIMESYNC_LOG, thr), ==, TIMESYNC_NONE);
	g_assert_cmpint(timesync_decide(0, AGENT_TIMESYNC_ADJUST, thr), ==, TIMESYNC_NONE);
	g_assert_cmpint(timesync_decide(999999, AGENT_TIMESYNC_ADJUST, thr), ==, TIMESYNC_NONE);
	g_assert_cmpint(timesync_decide(-50000000, AGENT_TIMESYNC_ADJUST, thr), ==, TIMESYNC_SLEW);
	g_assert_cmpint(timesync_decide((int64_t)thr, AGENT_TIMESYNC_ADJUST, thr), ==, TIMESYNC_SLEW);
	g_assert_cmpint(timesync_decide((int64_t)thr + 1, AGENT_TIMESYNC_ADJUST, thr), ==,
			TIMESYNC_STEP);
	g_assert_cmpint(timesync_decide(-2 * (int64_t)thr, AGENT_TIMESYNC_ADJUST, thr), ==,
			TIMESYNC_STEP);
	g_assert_cmpint(timesync_decide(INT64_MIN, AGENT_TIMESYNC_ADJUST, thr), ==, TIMESYNC_STEP);
}

static char *write_tmp(const char *text)
{
	g_autoptr(GError) error = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("guest-agent-XXXXXX.conf", &path, &error);

	g_assert_no_error(error);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void test_config_file(void)
{
	struct agent_config c;
	g_autoptr(GError) error = NULL;
	g_autofree char *good = write_tmp(
		"[agent]\ndevice=/dev/x\ndisplay-hook=/bin/hook\nkv=false\n"
		"kv-dir=/tmp/kvx\ntimesync=adjust\ntimesync-threshold-ms=250\n"
		"retry-min-ms=50\nretry-max-ms=500\n");
	g_autofree char *bad_ts = write_tmp("[agent]\ntimesync=sometimes\n");
	g_autofree char *bad_retry = write_tmp("[agent]\nretry-min-ms=900\nretry-max-ms=100\n");
	g_autofree char *bad_bool = write_tmp("[agent]\nheartbeat=perhaps\n");

	agent_config_init(&c);
	g_assert_cmpstr(c.device, ==, "/dev/hvmlink");
	g_assert_cmpstr(c.kv_dir, ==, "/run/hvmlink/kv");
	g_assert_cmpint(c.timesync, ==, AGENT_TIMESYNC_OFF);
	g_assert_true(agent_config_load_file(&c, good, TRUE, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(c.device, ==, "/dev/x");
	g_assert_cmpstr(c.display_hook, ==, "/bin/hook");
	g_assert_false(c.kv);
	g_assert_true(c.display);	/* absent: default kept */
	g_assert_cmpstr(c.kv_dir, ==, "/tmp/kvx");
	g_assert_cmpint(c.timesync, ==, AGENT_TIMESYNC_ADJUST);
	g_assert_cmpuint(c.timesync_threshold_ms, ==, 250);
	g_assert_cmpuint(c.retry_min_ms, ==, 50);
	g_assert_cmpuint(c.retry_max_ms, ==, 500);

	g_assert_false(agent_config_load_file(&c, bad_ts, TRUE, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_false(agent_config_load_file(&c, bad_retry, TRUE, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_false(agent_config_load_file(&c, bad_bool, TRUE, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	/* The default file may be absent; one named explicitly may not. */
	g_assert_true(agent_config_load_file(&c, "/nonexistent/agent.conf", FALSE, &error));
	g_assert_no_error(error);
	g_assert_false(agent_config_load_file(&c, "/nonexistent/agent.conf", TRUE, &error));
	g_assert_nonnull(error);
	agent_config_clear(&c);
	g_unlink(good);
	g_unlink(bad_ts);
	g_unlink(bad_retry);
	g_unlink(bad_bool);
}

static void test_config_args(void)
{
	struct agent_config c;
	g_autoptr(GError) error = NULL;
	g_autofree char *file = write_tmp("[agent]\nkv-dir=/from/file\ndevice=/dev/file\n");
	char *args[] = { "hvmlink-agent", "--config", file, "--kv-dir", "/from/args",
			 "--no-heartbeat", "--foreground", "--timesync", "log", NULL };
	char **argv = args;
	int argc = G_N_ELEMENTS(args) - 1;
	char *bad_args[] = { "hvmlink-agent", "--timesync", "maybe", NULL };
	char **bad = bad_args;
	int bad_argc = 3;

	agent_config_init(&c);
	g_assert_true(agent_config_parse_args(&c, &argc, &argv, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(c.kv_dir, ==, "/from/args");	/* args win */
	g_assert_cmpstr(c.device, ==, "/dev/file");	/* file beats default */
	g_assert_false(c.heartbeat);
	g_assert_true(c.foreground);
	g_assert_cmpint(c.timesync, ==, AGENT_TIMESYNC_LOG);
	agent_config_clear(&c);

	agent_config_init(&c);
	g_assert_false(agent_config_parse_args(&c, &bad_argc, &bad, &error));
	g_assert_nonnull(error);
	agent_config_clear(&c);
	g_unlink(file);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest/agent/xrandr-outputs", test_xrandr_outputs);
	g_test_add_func("/guest/agent/xrandr-argv", test_xrandr_argv);
	g_test_add_func("/guest/agent/hook-argv-env", test_hook_argv_env);
	g_test_add_func("/guest/agent/failure-reason", test_failure_reason);
	g_test_add_func("/guest/agent/hook-run", test_hook_run);
	g_test_add_func("/guest/agent/kv-dir", test_kv_dir);
	g_test_add_func("/guest/agent/kv-dir-error", test_kv_dir_error);
	g_test_add_func("/guest/agent/backoff", test_backoff);
	g_test_add_func("/guest/agent/heartbeat-period", test_heartbeat_period);
	g_test_add_func("/guest/agent/timesync", test_timesync);
	g_test_add_func("/guest/agent/config-file", test_config_file);
	g_test_add_func("/guest/agent/config-args", test_config_args);
	return g_test_run();
}
