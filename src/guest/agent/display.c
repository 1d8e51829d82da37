// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Display hints: turning a hinted mode into an xrandr command line or a
 * hook invocation, and running it.  Everything but display_run() is pure.
 */
#include <string.h>
#include <sys/wait.h>

#include "guest/agent/agent.h"

GPtrArray *display_parse_xrandr_outputs(const char *query)
{
	GPtrArray *outputs = g_ptr_array_new_with_free_func(g_free);
	gchar **lines = g_strsplit(query, "\n", -1);

	/* Output lines start in column 0: "Virtual-1 connected primary ...";
	 * mode lines are indented, "Screen 0:" is not an output. */
	for (gchar **l = lines; *l; l++) {
		gchar **f;

		if (**l == '\0' || g_ascii_isspace(**l) || g_str_has_prefix(*l, "Screen "))
			continue;
		f = g_strsplit(*l, " ", 3);
		if (f[0] && f[1] && !strcmp(f[1], "connected"))
			g_ptr_array_add(outputs, g_strdup(f[0]));
		g_strfreev(f);
	}
	g_strfreev(lines);
	return outputs;
}

GStrv display_xrandr_argv(const char *x_display, const char *output,
			  const struct hvmlink_display_mode *mode)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, g_strdup("xrandr"));
	if (x_display) {
		g_ptr_array_add(a, g_strdup("--display"));
		g_ptr_array_add(a, g_strdup(x_display));
	}
	g_ptr_array_add(a, g_strdup("--output"));
	g_ptr_array_add(a, g_strdup(output));
	if (!mode->enabled) {
		g_ptr_array_add(a, g_strdup("--off"));
	} else {
		g_ptr_array_add(a, g_strdup("--mode"));
		g_ptr_array_add(a, g_strdup_printf("%ux%u", mode->width, mode->height));
		g_ptr_array_add(a, g_strdup("--pos"));
		g_ptr_array_add(a, g_strdup_printf("%dx%d", mode->x, mode->y));
	}
	g_ptr_array_add(a, NULL);
	return (GStrv)g_ptr_array_free(a, FALSE);
}

/* The mode as strings, in the order of the hook's arguments. */
static void mode_fields(uint32_t display, const struct hvmlink_display_mode *m,
			uint64_t seq, char out[8][24])
{
	g_snprintf(out[0], 24, "%u", display);
	g_snprintf(out[1], 24, "%u", m->width);
	g_snprintf(out[2], 24, "%u", m->height);
	g_snprintf(out[3], 24, "%u", m->bpp);
	g_snprintf(out[4], 24, "%d", m->x);
	g_snprintf(out[5], 24, "%d", m->y);
	g_snprintf(out[6], 24, "%u", m->enabled);
	g_snprintf(out[7], 24, "%" G_GUINT64_FORMAT, seq);
}

static const char *const hook_vars[8] = {
	"HVMLINK_DISPLAY", "HVMLINK_WIDTH", "HVMLINK_HEIGHT", "HVMLINK_BPP",
	"HVMLINK_X", "HVMLINK_Y", "HVMLINK_ENABLED", "HVMLINK_SEQ",
};

GStrv display_hook_argv(const char *hook, uint32_t display,
			const struct hvmlink_display_mode *mode, uint64_t seq)
{
	char f[8][24];
	GStrv argv = g_new0(char *, 10);

	mode_fields(display, mode, seq, f);
	argv[0] = g_strdup(hook);
	for (int i = 0; i < 8; i++)
		argv[i + 1] = g_strdup(f[i]);
	return argv;
}

GStrv display_hook_env(GStrv base_env, uint32_t display,
		       const struct hvmlink_display_mode *mode, uint64_t seq)
{
	char f[8][24];
	GStrv env = g_strdupv(base_env);

	mode_fields(display, mode, seq, f);
	for (int i = 0; i < 8; i++)
		env = g_environ_setenv(env, hook_vars[i], f[i], TRUE);
	return env;
}

char *display_failure_reason(int wait_status, const char *err_output)
{
	char *line = NULL, *reason;

	if (err_output && *err_output) {
		const char *nl = strchr(err_output, '\n');

		line = g_strndup(err_output, nl ? (gsize)(nl - err_output) : strlen(err_output));
	}
	if (WIFEXITED(wait_status))
		reason = g_strdup_printf("exit status %d%s%s", WEXITSTATUS(wait_status),
					 line ? ": " : "", line ? line : "");
	else if (WIFSIGNALED(wait_status))
		reason = g_strdup_printf("killed by signal %d%s%s", WTERMSIG(wait_status),
					 line ? ": " : "", line ? line : "");
	else
		reason = g_strdup_printf("wait status %d", wait_status);
	g_free(line);
	return reason;
}

gboolean display_run(GStrv argv, GStrv envp, char **reason)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *err_output = NULL;
	int status = 0;

	if (!g_spawn_sync(NULL, argv, envp, G_SPAWN_SEARCH_PATH |
			  G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			  &err_output, &status, &error)) {
		*reason = g_strdup_printf("cannot run %s: %s", argv[0], error->message);
		return FALSE;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		*reason = NULL;
		return TRUE;
	}
	*reason = display_failure_reason(status, err_output);
	return FALSE;
}
