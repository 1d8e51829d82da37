// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-session-agent configuration: defaults, then group [session] of
 * the same keyfile the system agent reads (AGENT_DEFAULT_CONFIG unless
 * --config), then the command line.  Listed in hvmlink-session-agent(1).
 */
#include <string.h>

#include "guest/agent/agent.h"
#include "guest/lib/hvmlink_guest.h"

#define GROUP "session"

void session_config_init(struct session_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device = g_strdup(HVMLINK_USER_DEVICE_PATH);
	cfg->backend = SESSION_BACKEND_AUTO;
	cfg->apply_timeout_s = 30;
	cfg->x_wait_s = 30;
	cfg->retry_min_ms = 1000;
	cfg->retry_max_ms = 30000;
}

void session_config_clear(struct session_config *cfg)
{
	g_free(cfg->device);
	g_free(cfg->x_display);
	g_strfreev(cfg->outputs);
	g_free(cfg->display_hook);
	memset(cfg, 0, sizeof(*cfg));
}

gboolean session_backend_from_name(const char *name, int *backend)
{
	static const char *const names[] = { "auto", "x11", "mutter", "hook" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i])) {
			*backend = i;
			return TRUE;
		}
	return FALSE;
}

/* "DVI-0,DVI-1": empty names are refused (they would shift displays). */
static gboolean parse_outputs(const char *list, char ***out, GError **error)
{
	g_auto(GStrv) v = g_strsplit(list, ",", -1);

	for (char **p = v; *p; p++) {
		g_strstrip(*p);
		if (!**p) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				    "outputs: empty name in '%s'", list);
			return FALSE;
		}
	}
	if (g_strv_length(v) > HVMLINK_MAX_DISPLAYS) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "outputs: more than %d names", HVMLINK_MAX_DISPLAYS);
		return FALSE;
	}
	g_strfreev(*out);
	*out = g_steal_pointer(&v);
	return TRUE;
}

static void take_string(char **field, char *value)
{
	if (!value)
		return;
	g_free(*field);
	*field = value;
}

static gboolean check(const struct session_config *cfg, GError **error)
{
	if (cfg->retry_min_ms > cfg->retry_max_ms) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "retry-min-ms %u > retry-max-ms %u",
			    cfg->retry_min_ms, cfg->retry_max_ms);
		return FALSE;
	}
	if (cfg->backend == SESSION_BACKEND_HOOK && !cfg->display_hook) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "backend hook needs display-hook");
		return FALSE;
	}
	return TRUE;
}

gboolean session_config_load_file(struct session_config *cfg, const char *path,
				  gboolean must_exist, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *backend = NULL, *outputs = NULL;
	GError *e = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
		if (!must_exist && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_error_free(e);
			return TRUE;
		}
		g_propagate_prefixed_error(error, e, "%s: ", path);
		return FALSE;
	}
	take_string(&cfg->device, g_key_file_get_string(kf, GROUP, "device", NULL));
	take_string(&cfg->x_display, g_key_file_get_string(kf, GROUP, "x-display", NULL));
	take_string(&cfg->display_hook,
		    g_key_file_get_string(kf, GROUP, "display-hook", NULL));
	backend = g_key_file_get_string(kf, GROUP, "backend", NULL);
	if (backend && !session_backend_from_name(backend, &cfg->backend)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: backend: '%s' is not auto, x11, mutter or hook", path, backend);
		return FALSE;
	}
	outputs = g_key_file_get_string(kf, GROUP, "outputs", NULL);
	if ((outputs && !parse_outputs(outputs, &cfg->outputs, error)) ||
	    !config_get_bool(kf, GROUP, "verbose", &cfg->verbose, error) ||
	    !config_get_uint(kf, GROUP, "apply-timeout", 1, 3600, &cfg->apply_timeout_s, error) ||
	    !config_get_uint(kf, GROUP, "x-wait", 0, 86400, &cfg->x_wait_s, error) ||
	    !config_get_uint(kf, GROUP, "retry-min-ms", 10, 3600000, &cfg->retry_min_ms, error) ||
	    !config_get_uint(kf, GROUP, "retry-max-ms", 10, 3600000, &cfg->retry_max_ms, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	if (!check(cfg, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	return TRUE;
}

static gboolean uint_option(const char *name, int v, int min, int max,
			    unsigned int *out, GError **error)
{
	if (v == -1)
		return TRUE;
	if (v < min || v > max) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--%s: %d not in %d..%d", name, v, min, max);
		return FALSE;
	}
	*out = (unsigned int)v;
	return TRUE;
}

gboolean session_config_parse_args(struct session_config *cfg, int *argc,
				   char ***argv, gboolean *version,
				   GError **error)
{
	g_autofree char *config = NULL, *device = NULL, *x_display = NULL;
	g_autofree char *outputs = NULL, *hook = NULL, *backend = NULL;
	gboolean verbose = FALSE;
	int apply_timeout = -1, x_wait = -1;
	const GOptionEntry entries[] = {
		{ "version", 'V', 0, G_OPTION_ARG_NONE, version,
		  "Print the version and exit", NULL },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
		  "Keyfile to read, group [session] (default " AGENT_DEFAULT_CONFIG ")", "FILE" },
		{ "device", 'd', 0, G_OPTION_ARG_FILENAME, &device,
		  "Device node (default " HVMLINK_USER_DEVICE_PATH ")", "PATH" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
		  "Log debug lines", NULL },
		{ "backend", 0, 0, G_OPTION_ARG_STRING, &backend,
		  "auto (default), x11, mutter or hook", "NAME" },
		{ "x-display", 0, 0, G_OPTION_ARG_STRING, &x_display,
		  "X display (default $DISPLAY)", "DISPLAY" },
		{ "outputs", 0, 0, G_OPTION_ARG_STRING, &outputs,
		  "X outputs for displays 0, 1, ... (default: the server's order)", "NAME,..." },
		{ "display-hook", 0, 0, G_OPTION_ARG_FILENAME, &hook,
		  "Command of the hook backend", "CMD" },
		{ "apply-timeout", 0, 0, G_OPTION_ARG_INT, &apply_timeout,
		  "A change taking longer fails (default 30)", "SECONDS" },
		{ "x-wait", 0, 0, G_OPTION_ARG_INT, &x_wait,
		  "Exit when the X server is gone this long (default 30)", "SECONDS" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- apply hvmlink display hints in this desktop session");

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
	if (!session_config_load_file(cfg, config ? config : AGENT_DEFAULT_CONFIG,
				      config != NULL, error))
		return FALSE;
	take_string(&cfg->device, g_steal_pointer(&device));
	take_string(&cfg->x_display, g_steal_pointer(&x_display));
	take_string(&cfg->display_hook, g_steal_pointer(&hook));
	if (verbose)
		cfg->verbose = TRUE;
	if (backend && !session_backend_from_name(backend, &cfg->backend)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--backend: '%s' is not auto, x11, mutter or hook", backend);
		return FALSE;
	}
	if (outputs && !parse_outputs(outputs, &cfg->outputs, error))
		return FALSE;
	if (!uint_option("apply-timeout", apply_timeout, 1, 3600, &cfg->apply_timeout_s, error) ||
	    !uint_option("x-wait", x_wait, 0, 86400, &cfg->x_wait_s, error))
		return FALSE;
	return check(cfg, error);
}
