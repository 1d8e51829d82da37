// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Asynchronous hooks with a timeout (see hook.h). */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "guest/agent/agent.h"
#include "guest/agent/hook.h"

struct hook_run {
	GSubprocess *proc;
	GCancellable *cancel;		/* the communicate call */
	guint timeout_source;
	unsigned int timeout_s;
	gboolean timed_out;
	hook_done_fn done;
	void *data;
	char *cmd;
	char *spawn_error;		/* could not start: reported from idle */
};

static void hook_run_free(struct hook_run *run)
{
	g_clear_handle_id(&run->timeout_source, g_source_remove);
	g_clear_object(&run->proc);
	g_clear_object(&run->cancel);
	g_free(run->cmd);
	g_free(run->spawn_error);
	g_free(run);
}

static gboolean on_timeout(gpointer user)
{
	struct hook_run *run = user;

	run->timeout_source = 0;
	run->timed_out = TRUE;
	g_subprocess_force_exit(run->proc);	/* SIGKILL; communicate ends */
	return G_SOURCE_REMOVE;
}

static void on_finished(GObject *src, GAsyncResult *res, gpointer user)
{
	struct hook_run *run = user;
	g_autoptr(GError) error = NULL;
	g_autofree char *err_out = NULL, *reason = NULL;
	gboolean ok = FALSE;

	if (!g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, NULL,
						  &err_out, &error)) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return;	/* hook_cancel() freed nothing yet: see there */
		reason = g_strdup_printf("%s: %s", run->cmd, error->message);
	} else if (run->timed_out) {
		reason = g_strdup_printf("timed out after %u s", run->timeout_s);
	} else {
		int status = g_subprocess_get_status(run->proc);

		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!ok)
			reason = display_failure_reason(status, err_out);
	}
	run->done(ok, reason, run->data);
	hook_run_free(run);
}

static gboolean on_spawn_failed(gpointer user)
{
	struct hook_run *run = user;

	run->timeout_source = 0;
	run->done(FALSE, run->spawn_error, run->data);
	hook_run_free(run);
	return G_SOURCE_REMOVE;
}

struct hook_run *hook_start(char **argv, char **envp, unsigned int timeout_s,
			    hook_done_fn done, void *data)
{
	g_autoptr(GSubprocessLauncher) l =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
					  G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GError) error = NULL;
	struct hook_run *run = g_new0(struct hook_run, 1);

	run->done = done;
	run->data = data;
	run->timeout_s = timeout_s;
	run->cmd = g_strdup(argv[0]);
	if (envp)
		g_subprocess_launcher_set_environ(l, envp);
	run->proc = g_subprocess_launcher_spawnv(l, (const char *const *)argv, &error);
	if (!run->proc) {
		/* Still asynchronous for the caller: report from the loop. */
		run->spawn_error = g_strdup_printf("cannot run %s: %s", argv[0],
						   error->message);
		run->timeout_source = g_idle_add(on_spawn_failed, run);
		return run;
	}
	run->cancel = g_cancellable_new();
	g_subprocess_communicate_utf8_async(run->proc, NULL, run->cancel,
					    on_finished, run);
	if (timeout_s)
		run->timeout_source = g_timeout_add_seconds(timeout_s, on_timeout, run);
	return run;
}

static void on_cancelled_reaped(GObject *src, GAsyncResult *res, gpointer user)
{
	g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
	g_object_unref(src);
}

void hook_cancel(struct hook_run *run)
{
	if (!run)
		return;
	if (!run->proc) {
		hook_run_free(run);	/* never started: drops the idle */
		return;
	}
	g_subprocess_force_exit(run->proc);
	/* Reap it in the background; on_finished() sees CANCELLED. */
	g_subprocess_wait_async(g_object_ref(run->proc), NULL,
				on_cancelled_reaped, NULL);
	g_cancellable_cancel(run->cancel);
	hook_run_free(run);
}

/* ---- the display hook as a layout backend ---- */

struct hook_job {
	char *hook;
	struct layout want;
	struct layout_result res[HVMLINK_MAX_DISPLAYS];
	unsigned int timeout_s;
	unsigned int next;		/* display to look at next */
	unsigned int current;
	struct hook_run *run;		/* the hook running now */
	GCancellable *cancellable;
	gulong cancel_id;
	guint cancel_idle;
};

static void hook_job_free(gpointer p)
{
	struct hook_job *job = p;

	g_free(job->hook);
	g_clear_object(&job->cancellable);
	g_free(job);
}

/* The task returns: stop listening for cancellation first. */
static void job_return(GTask *task)
{
	struct hook_job *job = g_task_get_task_data(task);

	g_clear_handle_id(&job->cancel_idle, g_source_remove);
	if (job->cancel_id)
		g_cancellable_disconnect(job->cancellable, job->cancel_id);
	job->cancel_id = 0;
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

static void run_next(GTask *task);

static void on_one_done(gboolean ok, const char *reason, void *user)
{
	GTask *task = user;
	struct hook_job *job = g_task_get_task_data(task);
	struct layout_result *r = &job->res[job->current];

	job->run = NULL;
	r->done = TRUE;
	r->ok = ok;
	if (ok) {
		if (job->want.d[job->current].mode.enabled)
			r->in_effect = job->want.d[job->current].mode;
	} else {
		layout_result_fail(r, "%s", reason ? reason : "failed");
	}
	run_next(task);
}

static void run_next(GTask *task)
{
	struct hook_job *job = g_task_get_task_data(task);
	GCancellable *c = g_task_get_cancellable(task);

	for (; job->next < HVMLINK_MAX_DISPLAYS; job->next++) {
		unsigned int d = job->next;
		const struct layout_hint *h = &job->want.d[d];
		const char *bad;
		g_auto(GStrv) argv = NULL, base = NULL, env = NULL;

		if (!h->present)
			continue;
		if (c && g_cancellable_is_cancelled(c)) {
			layout_result_fail(&job->res[d], "cancelled");
			continue;
		}
		bad = layout_mode_invalid(&h->mode);
		if (bad) {
			layout_result_fail(&job->res[d], "invalid hint: %s", bad);
			continue;
		}
		job->current = d;
		job->next = d + 1;
		argv = display_hook_argv(job->hook, d, &h->mode, h->seq);
		base = g_get_environ();
		env = display_hook_env(base, d, &h->mode, h->seq);
		job->run = hook_start(argv, env, job->timeout_s, on_one_done, task);
		return;
	}
	job_return(task);
}

/* Cancelled (the agent stops): kill the running hook, fail the rest.
 * From an idle, because the cancelled handler may not disconnect itself. */
static gboolean on_cancel_idle(gpointer user)
{
	GTask *task = user;
	struct hook_job *job = g_task_get_task_data(task);

	job->cancel_idle = 0;
	if (job->run) {
		hook_cancel(job->run);
		job->run = NULL;
		layout_result_fail(&job->res[job->current], "cancelled");
	}
	run_next(task);
	return G_SOURCE_REMOVE;
}

static void on_cancelled(GCancellable *c, gpointer user)
{
	GTask *task = user;
	struct hook_job *job = g_task_get_task_data(task);

	if (!job->cancel_idle)
		job->cancel_idle = g_idle_add(on_cancel_idle, task);
}

void hook_apply_layout_async(const char *hook, const struct layout *want,
			     unsigned int timeout_s, GCancellable *cancellable,
			     GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	struct hook_job *job = g_new0(struct hook_job, 1);

	job->hook = g_strdup(hook);
	job->want = *want;
	job->timeout_s = timeout_s;
	g_task_set_task_data(task, job, hook_job_free);
	if (cancellable) {
		job->cancellable = g_object_ref(cancellable);
		job->cancel_id = g_cancellable_connect(cancellable, G_CALLBACK(on_cancelled),
						       task, NULL);
	}
	run_next(task);
}

void hook_apply_layout_finish(GAsyncResult *result,
			      struct layout_result res[HVMLINK_MAX_DISPLAYS])
{
	GTask *task = G_TASK(result);
	struct hook_job *job = g_task_get_task_data(task);

	memcpy(res, job->res, sizeof(job->res));
	g_task_propagate_boolean(task, NULL);
}
