// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The display hook's interface: a hinted mode as arguments and
 * environment, and a failed command's exit as a reason.  Pure.
 */
#include <string.h>
#include <sys/wait.h>

#include "guest/agent/agent.h"

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
