// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Unit tests: agent logic that needs no device (hook arguments,
 * environment and asynchronous runs, layouts, CVT timings, key/value
 * directory, backoff, heartbeat period, time sync decision, both
 * configurations). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "guest/agent/agent.h"
#include "guest/agent/hook.h"
#include "guest/agent/layout.h"
#include "guest/agent/x11.h"

static const struct hvmlink_display_mode mode_720p = {
	.width = 1280, .height = 720, .bpp = 32, .x = -10, .y = 20, .enabled = 1,
};

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

struct hook_wait {
	GMainLoop *loop;
	gboolean ok;
	char *reason;
	unsigned int ticks;		/* main loop timer while the hook ran */
};

static void on_hook_done(gboolean ok, const char *reason, void *data)
{
	struct hook_wait *w = data;

	w->ok = ok;
	w->reason = g_strdup(reason);
	g_main_loop_quit(w->loop);
}

static gboolean on_tick(gpointer data)
{
	struct hook_wait *w = data;

	w->ticks++;
	return G_SOURCE_CONTINUE;
}

/* Run a hook to completion in a main loop that also runs a 50 ms timer. */
static void run_hook(char **argv, char **env, unsigned int timeout_s,
		     struct hook_wait *w)
{
	guint tick;

	memset(w, 0, sizeof(*w));
	w->loop = g_main_loop_new(NULL, FALSE);
	tick = g_timeout_add(50, on_tick, w);
	hook_start(argv, env, timeout_s, on_hook_done, w);
	g_main_loop_run(w->loop);
	g_source_remove(tick);
	g_main_loop_unref(w->loop);
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
	struct hook_wait w;

	run_hook(ok, env, 10, &w);
	g_assert_true(w.ok);
	g_assert_null(w.reason);
	run_hook(bad, env, 10, &w);
	g_assert_false(w.ok);
	g_assert_cmpstr(w.reason, ==, "exit status 4: cannot set mode");
	g_free(w.reason);
	run_hook(missing, env, 10, &w);
	g_assert_false(w.ok);
	g_assert_true(g_str_has_prefix(w.reason, "cannot run /nonexistent/hook"));
	g_free(w.reason);
}

/* A slow hook neither blocks the main loop (the heartbeat timer keeps
 * firing) nor runs past its timeout. */
static void test_hook_slow(void)
{
	char *slow[] = { "/bin/sleep", "30", NULL };
	gint64 start = g_get_monotonic_time();
	struct hook_wait w;

	run_hook(slow, NULL, 1, &w);
	g_assert_false(w.ok);
	g_assert_cmpstr(w.reason, ==, "timed out after 1 s");
	g_free(w.reason);
	/* Killed after about 1 s, not after 30; the 50 ms timer ran all along. */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
	g_assert_cmpuint(w.ticks, >=, 10);
}

static void test_layout(void)
{
	struct hvmlink_display_mode off = { 0 }, bad_off = { .width = 5 };
	struct hvmlink_display_mode big = mode_720p, bpp = mode_720p, far = mode_720p;
	struct layout l = { 0 };
	struct layout_result res[HVMLINK_MAX_DISPLAYS] = { 0 };
	g_autofree char *s1 = layout_mode_string(&mode_720p);
	g_autofree char *s2 = layout_mode_string(&off);
	int32_t x, y;

	g_assert_null(layout_mode_invalid(&mode_720p));
	g_assert_null(layout_mode_invalid(&off));
	g_assert_nonnull(layout_mode_invalid(&bad_off));
	big.width = 16385;
	g_assert_nonnull(layout_mode_invalid(&big));
	bpp.bpp = 15;
	g_assert_nonnull(layout_mode_invalid(&bpp));
	far.x = -(1 << 20) - 1;
	g_assert_nonnull(layout_mode_invalid(&far));
	g_assert_cmpstr(s1, ==, "1280x720-10+20");
	g_assert_cmpstr(s2, ==, "off");

	/* The desktop's corner: smallest x and y over enabled hints only. */
	layout_origin(&l, &x, &y);
	g_assert_cmpint(x, ==, 0);
	g_assert_cmpint(y, ==, 0);
	l.d[0].present = TRUE;
	l.d[0].mode = mode_720p;		/* -10, 20 */
	l.d[1].present = TRUE;
	l.d[1].mode = mode_720p;
	l.d[1].mode.x = 1270;
	l.d[1].mode.y = 5;
	l.d[2].present = TRUE;			/* off: ignored */
	l.d[3].mode = mode_720p;		/* not present: ignored */
	l.d[3].mode.x = -5000;
	layout_origin(&l, &x, &y);
	g_assert_cmpint(x, ==, -10);
	g_assert_cmpint(y, ==, 5);
	g_assert_cmpuint(layout_enabled_count(&l), ==, 2);

	g_assert_true(layout_mode_matches(&mode_720p, &mode_720p));
	g_assert_true(layout_mode_matches(&off, &off));
	g_assert_false(layout_mode_matches(&off, &mode_720p));
	g_assert_false(layout_mode_matches(&mode_720p, &l.d[1].mode));
	bpp = mode_720p;
	bpp.bpp = 0;			/* bpp is the guest's choice */
	g_assert_true(layout_mode_matches(&mode_720p, &bpp));

	layout_fail_all(&l, res, "no %s", "luck");
	g_assert_true(res[0].done && !res[0].ok);
	g_assert_cmpstr(res[2].reason, ==, "no luck");
	g_assert_false(res[3].done);
}

/* CVT reduced blanking, the visible size exactly as hinted. */
static void test_cvt(void)
{
	const unsigned int sizes[][2] = {
		{ 1366, 768 }, { 3440, 1440 }, { 1920, 1080 }, { 1080, 2340 }, { 1, 1 },
	};
	XRRModeInfo m;
	char name[32];

	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		double hz;

		g_assert_true(x11_cvt_mode(sizes[i][0], sizes[i][1], &m, name));
		g_assert_cmpuint(m.width, ==, sizes[i][0]);
		g_assert_cmpuint(m.height, ==, sizes[i][1]);
		g_assert_cmpuint(m.hSyncStart, >=, m.width);
		g_assert_cmpuint(m.hSyncEnd, >, m.hSyncStart);
		g_assert_cmpuint(m.hTotal, >, m.hSyncEnd);
		g_assert_cmpuint(m.vSyncStart, >=, m.height);
		g_assert_cmpuint(m.vTotal, >, m.vSyncEnd);
		hz = (double)m.dotClock / ((double)m.hTotal * m.vTotal);
		g_assert_cmpfloat(hz, >, 59.0);
		g_assert_cmpfloat(hz, <, 61.0);
		g_assert_true(g_str_has_prefix(m.name, X11_MODE_PREFIX));
		g_assert_cmpuint(m.nameLength, ==, strlen(m.name));
	}
	g_assert_cmpstr(name, ==, "hvmlink-1x1");
	/* Reduced blanking: 160 pixels of horizontal blanking (CVT 1.2). */
	g_assert_true(x11_cvt_mode(1920, 1080, &m, name));
	g_assert_cmpuint(m.hTotal, ==, 2080);
	g_assert_cmpuint(m.modeFlags, ==, RR_HSyncPositive | RR_VSyncNegative);
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
	char *ver_args[] = { "hvmlink-agent", "--version", NULL };
	char **ver = ver_args;
	int ver_argc = 2;
	char *to_args[] = { "hvmlink-agent", "--hook-timeout", "0", NULL };
	char **to = to_args;
	int to_argc = 3;
	gboolean version;

	agent_config_init(&c);
	g_assert_true(agent_config_parse_args(&c, &argc, &argv, &version, &error));
	g_assert_no_error(error);
	g_assert_false(version);
	g_assert_cmpstr(c.kv_dir, ==, "/from/args");	/* args win */
	g_assert_cmpstr(c.device, ==, "/dev/file");	/* file beats default */
	g_assert_false(c.heartbeat);
	g_assert_true(c.foreground);
	g_assert_cmpint(c.timesync, ==, AGENT_TIMESYNC_LOG);
	agent_config_clear(&c);

	agent_config_init(&c);
	g_assert_false(agent_config_parse_args(&c, &bad_argc, &bad, &version, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	agent_config_clear(&c);

	/* --version alone; hook timeout bounds. */
	agent_config_init(&c);
	g_assert_true(agent_config_parse_args(&c, &ver_argc, &ver, &version, &error));
	g_assert_true(version);
	agent_config_clear(&c);
	agent_config_init(&c);
	g_assert_false(agent_config_parse_args(&c, &to_argc, &to, &version, &error));
	g_assert_nonnull(error);
	agent_config_clear(&c);
	g_unlink(file);
}

static void test_session_config(void)
{
	struct session_config c;
	g_autoptr(GError) error = NULL;
	g_autofree char *file = write_tmp(
		"[agent]\ndevice=/dev/admin\n"
		"[session]\nbackend=x11\noutputs=DVI-0, DVI-1\napply-timeout=7\n");
	g_autofree char *bad_out = write_tmp("[session]\noutputs=A,,B\n");
	g_autofree char *bad_hook = write_tmp("[session]\nbackend=hook\n");
	char *args[] = { "hvmlink-session-agent", "--config", file, "--x-display", ":7",
			 "--x-wait", "0", NULL };
	char **argv = args;
	int argc = G_N_ELEMENTS(args) - 1;
	char *bad_args[] = { "hvmlink-session-agent", "--backend", "kde", NULL };
	char **bad = bad_args;
	int bad_argc = 3;
	gboolean version;

	session_config_init(&c);
	g_assert_cmpstr(c.device, ==, "/dev/hvmlink-user");
	g_assert_cmpint(c.backend, ==, SESSION_BACKEND_AUTO);
	g_assert_true(session_config_parse_args(&c, &argc, &argv, &version, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(c.device, ==, "/dev/hvmlink-user");	/* [agent] is not ours */
	g_assert_cmpint(c.backend, ==, SESSION_BACKEND_X11);
	g_assert_cmpuint(g_strv_length(c.outputs), ==, 2);
	g_assert_cmpstr(c.outputs[1], ==, "DVI-1");
	g_assert_cmpuint(c.apply_timeout_s, ==, 7);
	g_assert_cmpstr(c.x_display, ==, ":7");
	g_assert_cmpuint(c.x_wait_s, ==, 0);
	session_config_clear(&c);

	session_config_init(&c);
	g_assert_false(session_config_load_file(&c, bad_out, TRUE, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_false(session_config_load_file(&c, bad_hook, TRUE, &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_false(session_config_parse_args(&c, &bad_argc, &bad, &version, &error));
	g_assert_nonnull(error);
	session_config_clear(&c);
	g_unlink(file);
	g_unlink(bad_out);
	g_unlink(bad_hook);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest/agent/hook-argv-env", test_hook_argv_env);
	g_test_add_func("/guest/agent/failure-reason", test_failure_reason);
	g_test_add_func("/guest/agent/hook-run", test_hook_run);
	g_test_add_func("/guest/agent/hook-slow", test_hook_slow);
	g_test_add_func("/guest/agent/layout", test_layout);
	g_test_add_func("/guest/agent/cvt", test_cvt);
	g_test_add_func("/guest/agent/kv-dir", test_kv_dir);
	g_test_add_func("/guest/agent/kv-dir-error", test_kv_dir_error);
	g_test_add_func("/guest/agent/backoff", test_backoff);
	g_test_add_func("/guest/agent/heartbeat-period", test_heartbeat_period);
	g_test_add_func("/guest/agent/timesync", test_timesync);
	g_test_add_func("/guest/agent/config-file", test_config_file);
	g_test_add_func("/guest/agent/config-args", test_config_args);
	g_test_add_func("/guest/agent/session-config", test_session_config);
	return g_test_run();
}
