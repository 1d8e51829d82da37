// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-agent configuration: built-in defaults, then the keyfile
 * (group [agent], AGENT_DEFAULT_CONFIG unless --config), then the command
 * line.  Keys and options are listed in hvmlink-agent(8).
 */
#include <stdio.h>
#include <string.h>

#include "guest/agent/agent.h"
#include "guest/lib/hvmlink_guest.h"

#define GROUP "agent"

void agent_config_init(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device = g_strdup(HVMLINK_DEVICE_PATH);
	cfg->display = TRUE;
	cfg->kv = TRUE;
	cfg->kv_dir = g_strdup(AGENT_DEFAULT_KV_DIR);
	cfg->hook_timeout_s = 30;
	cfg->heartbeat = TRUE;
	cfg->timesync = AGENT_TIMESYNC_OFF;
	cfg->timesync_interval_s = 60;
	cfg->timesync_threshold_ms = 1000;
	cfg->retry_min_ms = 1000;
	cfg->retry_max_ms = 60000;
}

void agent_config_clear(struct agent_config *cfg)
{
	g_free(cfg->device);
	g_free(cfg->display_hook);
	g_free(cfg->kv_dir);
	g_free(cfg->kv_hook);
	memset(cfg, 0, sizeof(*cfg));
}

gboolean agent_timesync_from_name(const char *name, int *mode)
{
	if (!strcmp(name, "off"))
		*mode = AGENT_TIMESYNC_OFF;
	else if (!strcmp(name, "log"))
		*mode = AGENT_TIMESYNC_LOG;
	else if (!strcmp(name, "adjust"))
		*mode = AGENT_TIMESYNC_ADJUST;
	else
		return FALSE;
	return TRUE;
}

static void set_string(char **field, char *value)
{
	if (!value)
		return;
	g_free(*field);
	*field = value;
}

void agent_print_version(const char *program)
{
	printf("%s %s\n", program, PACKAGE_VERSION);
}

/* A key that is absent keeps the default; one that is malformed is an
 * error (a typo must not silently run with defaults). */
gboolean config_get_bool(GKeyFile *kf, const char *group, const char *key,
			 gboolean *out, GError **error)
{
	GError *e = NULL;
	gboolean v;

	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	v = g_key_file_get_boolean(kf, group, key, &e);
	if (e) {
		g_propagate_error(error, e);
		return FALSE;
	}
	*out = v;
	return TRUE;
}

gboolean config_get_uint(GKeyFile *kf, const char *group, const char *key,
			 unsigned int min, unsigned int max, unsigned int *out,
			 GError **error)
{
	GError *e = NULL;
	guint64 v;

	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	v = g_key_file_get_uint64(kf, group, key, &e);
	if (e) {
		g_propagate_error(error, e);
		return FALSE;
	}
	if (v < min || v > max) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: %" G_GUINT64_FORMAT " not in %u..%u", key, v, min, max);
		return FALSE;
	}
	*out = (unsigned int)v;
	return TRUE;
}

static gboolean check_retry(struct agent_config *cfg, GError **error)
{
	if (cfg->retry_min_ms > cfg->retry_max_ms) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "retry-min-ms %u > retry-max-ms %u",
			    cfg->retry_min_ms, cfg->retry_max_ms);
		return FALSE;
	}
	return TRUE;
}

gboolean agent_config_load_file(struct agent_config *cfg, const char *path,
				gboolean must_exist, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *ts = NULL;
	GError *e = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
		if (!must_exist && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_error_free(e);
			return TRUE;
		}
		g_propagate_prefixed_error(error, e, "%s: ", path);
		return FALSE;
	}
	set_string(&cfg->device, g_key_file_get_string(kf, GROUP, "device", NULL));
	set_string(&cfg->display_hook,
		   g_key_file_get_string(kf, GROUP, "display-hook", NULL));
	set_string(&cfg->kv_dir, g_key_file_get_string(kf, GROUP, "kv-dir", NULL));
	set_string(&cfg->kv_hook, g_key_file_get_string(kf, GROUP, "kv-hook", NULL));
	ts = g_key_file_get_string(kf, GROUP, "timesync", NULL);
	if (ts && !agent_timesync_from_name(ts, &cfg->timesync)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: timesync: '%s' is not off, log or adjust", path, ts);
		return FALSE;
	}
	if (!config_get_bool(kf, GROUP, "display", &cfg->display, error) ||
	    !config_get_bool(kf, GROUP, "kv", &cfg->kv, error) ||
	    !config_get_bool(kf, GROUP, "heartbeat", &cfg->heartbeat, error) ||
	    !config_get_bool(kf, GROUP, "verbose", &cfg->verbose, error) ||
	    !config_get_uint(kf, GROUP, "hook-timeout", 1, 3600, &cfg->hook_timeout_s, error) ||
	    !config_get_uint(kf, GROUP, "timesync-interval", 1, 86400,
			     &cfg->timesync_interval_s, error) ||
	    !config_get_uint(kf, GROUP, "timesync-threshold-ms", 1, 86400000,
			     &cfg->timesync_threshold_ms, error) ||
	    !config_get_uint(kf, GROUP, "retry-min-ms", 10, 3600000, &cfg->retry_min_ms, error) ||
	    !config_get_uint(kf, GROUP, "retry-max-ms", 10, 3600000, &cfg->retry_max_ms, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	return check_retry(cfg, error);
}

gboolean agent_config_parse_args(struct agent_config *cfg, int *argc,
				 char ***argv, gboolean *version, GError **error)
{
	g_autofree char *config = NULL, *device = NULL;
	g_autofree char *display_hook = NULL, *kv_dir = NULL, *kv_hook = NULL;
	g_autofree char *timesync = NULL;
	gboolean foreground = FALSE, verbose = FALSE, no_display = FALSE;
	gboolean no_kv = FALSE, no_heartbeat = FALSE;
	int hook_timeout = -1;
	const GOptionEntry entries[] = {
		{ "version", 'V', 0, G_OPTION_ARG_NONE, version,
		  "Print the version and exit", NULL },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
		  "Keyfile to read (default " AGENT_DEFAULT_CONFIG ")", "FILE" },
		{ "device", 'd', 0, G_OPTION_ARG_FILENAME, &device,
		  "Device node (default " HVMLINK_DEVICE_PATH ")", "PATH" },
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
		  "Log to stderr instead of syslog", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
		  "Log debug lines", NULL },
		{ "display-hook", 0, 0, G_OPTION_ARG_FILENAME, &display_hook,
		  "Apply display hints with CMD (guests without a session agent)", "CMD" },
		{ "no-display", 0, 0, G_OPTION_ARG_NONE, &no_display,
		  "This guest does not handle display hints", NULL },
		{ "kv-dir", 0, 0, G_OPTION_ARG_FILENAME, &kv_dir,
		  "Key/value directory (default " AGENT_DEFAULT_KV_DIR ")", "DIR" },
		{ "kv-hook", 0, 0, G_OPTION_ARG_FILENAME, &kv_hook,
		  "Command run after key/values changed", "CMD" },
		{ "no-kv", 0, 0, G_OPTION_ARG_NONE, &no_kv,
		  "Do not handle key/value hints", NULL },
		{ "hook-timeout", 0, 0, G_OPTION_ARG_INT, &hook_timeout,
		  "Kill a hook running longer (default 30)", "SECONDS" },
		{ "no-heartbeat", 0, 0, G_OPTION_ARG_NONE, &no_heartbeat,
		  "Never send heartbeats", NULL },
		{ "timesync", 0, 0, G_OPTION_ARG_STRING, &timesync,
		  "off (default), log or adjust", "MODE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- hvmlink guest agent");

	*version = FALSE;
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, error))
		return FALSE;
	if (*version)
		return TRUE;
	if (*argc > 1) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    "unexpected argument '%s'", (*argv)[1]);
		return FALSE;
	}
	if (!agent_config_load_file(cfg, config ? config : AGENT_DEFAULT_CONFIG,
				    config != NULL, error))
		return FALSE;

	/* The command line wins over the file. */
	set_string(&cfg->device, g_steal_pointer(&device));
	set_string(&cfg->display_hook, g_steal_pointer(&display_hook));
	set_string(&cfg->kv_dir, g_steal_pointer(&kv_dir));
	set_string(&cfg->kv_hook, g_steal_pointer(&kv_hook));
	if (foreground)
		cfg->foreground = TRUE;
	if (verbose)
		cfg->verbose = TRUE;
	if (no_display)
		cfg->display = FALSE;
	if (no_kv)
		cfg->kv = FALSE;
	if (no_heartbeat)
		cfg->heartbeat = FALSE;
	if (hook_timeout != -1) {
		if (hook_timeout < 1 || hook_timeout > 3600) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--hook-timeout: %d not in 1..3600", hook_timeout);
			return FALSE;
		}
		cfg->hook_timeout_s = (unsigned int)hook_timeout;
	}
	if (timesync && !agent_timesync_from_name(timesync, &cfg->timesync)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--timesync: '%s' is not off, log or adjust", timesync);
		return FALSE;
	}
	return TRUE;
}
