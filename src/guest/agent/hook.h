/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Hooks (the display hook, the kv hook) run asynchronously: the agent's
 * main loop keeps beating and answering the device while a hook works,
 * and a hook that hangs is killed after its timeout.
 */
#ifndef HVMLINK_AGENT_HOOK_H
#define HVMLINK_AGENT_HOOK_H

#include <gio/gio.h>

#include "guest/agent/layout.h"

/* ok: exited 0.  reason (when !ok): "exit status N: first stderr line",
 * "killed by signal N", "timed out after N s", "cannot run CMD: ...". */
typedef void (*hook_done_fn)(gboolean ok, const char *reason, void *data);

/*
 * Run @argv (looked up in PATH) with @envp (NULL: inherit); standard
 * output is discarded, standard error kept for the reason.  @done is
 * called exactly once, from the main loop (never before this returns),
 * unless hook_cancel() came first.  @timeout_s 0: no limit.
 */
struct hook_run *hook_start(char **argv, char **envp, unsigned int timeout_s,
			    hook_done_fn done, void *data);
/* Kill the hook (if still running) and never call its done. */
void hook_cancel(struct hook_run *run);

/*
 * The display hook as a layout backend: the hook runs once per present
 * display of @want (display, mode and seq as arguments and in the
 * environment, see display_hook_argv()), one after the other.  A hook
 * cannot read the state back: res[d].in_effect is the hinted mode when
 * it succeeded and all zero otherwise.
 */
void hook_apply_layout_async(const char *hook, const struct layout *want,
			     unsigned int timeout_s, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data);
void hook_apply_layout_finish(GAsyncResult *result,
			      struct layout_result res[HVMLINK_MAX_DISPLAYS]);

#endif /* HVMLINK_AGENT_HOOK_H */
