/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkd: options and life cycle.  Start-up is one straight line; any
 * failure before "ready" is one error line, everything built so far torn
 * down in reverse, and a non-zero exit.
 *
 *   parse options → log sink → no_new_privs + look up --user → detach
 *   (fork, parent waits) → the domain's lock (RUN_DIR/DOMID.pid; a second
 *   daemon stops here with status 3, having touched nothing) → the VM's
 *   UUID (xenstore, own short connection) → the VM's state file and the
 *   start mode (restart.c) → ioreq server (created, or re-attached) +
 *   device + saved state + what was left in flight → restrict Xen handles → xenstore → chroot + drop ids
 *   + verify → main loop sources → "ready" → release the parent (and
 *   systemd) → run → teardown
 *
 * Exit status: 0 stopped, 1 fatal error, 2 usage error, 3 refused because
 * another hvmlinkd serves the domain (units: RestartPreventExitStatus=3).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "common/log.h"
#include "daemon/depriv.h"
#include "daemon/detach.h"
#include "daemon/domlock.h"
#include "daemon/hvmlinkd.h"
#include "daemon/logsink.h"
#include "daemon/notify.h"
#include "daemon/options.h"

/*
 * Keep the stop signals pending until the loop's handlers exist: a
 * SIGTERM during start-up must still tear down what was built, not kill
 * us with an ioreq server left behind.
 */
static int block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Another hvmlinkd serves the domain (D3). */
#define HVMLINKD_EXIT_REFUSED	3

int main(int argc, char **argv)
{
	struct hvmlinkd_options opts;
	struct hvmlinkd_depriv dp;
	struct hvmlinkd_detach dt = { .ready_fd = -1, .null_fd = -1 };
	struct hvmlinkd_domlock dl = { NULL, NULL };
	struct hvmlinkd d;
	int rc, status = 1;

	memset(&d, 0, sizeof(d));
	rc = hvmlinkd_options_parse(&opts, argc, argv);
	if (rc < 0)
		return 2;
	if (rc > 0)
		return 0;

	log_set_level(opts.log_level);
	hvmlinkd_logsink_init(opts.log_target, opts.domid);
	if (block_stop_signals() < 0) {
		log_err("sigprocmask: %s", strerror(errno));
		goto out_log;
	}
	if (hvmlinkd_depriv_prepare(&dp, opts.domid, !opts.no_restrict,
				    opts.user, opts.chroot_dir))
		goto out_log;
	if (hvmlinkd_detach_begin(&dt, opts.foreground))
		goto out_depriv;
	/* From here on we are the process that serves the domain. */
	hvmlinkd_notify_open();
	rc = hvmlinkd_domlock_take(&dl, opts.run_dir, opts.domid,
				   opts.pid_file);
	if (rc < 0) {
		if (rc == -EBUSY)
			status = HVMLINKD_EXIT_REFUSED;
		goto out_notify;
	}

	if (hvmlinkd_identify_vm(&d, &opts))
		goto out_teardown;
	if (hvmlinkd_open_state(&d, dp.drop_user ? dp.uid : 0,
				dp.drop_user ? dp.gid : 0))
		goto out_teardown;
	if (hvmlinkd_setup_device(&d, &opts))
		goto out_teardown;
	/* Before xenstore: restricting would disable a libxenstore handle. */
	if (hvmlinkd_depriv_restrict(&dp))
		goto out_teardown;
	if (hvmlinkd_setup_xenstore(&d))
		goto out_teardown;
	if (hvmlinkd_depriv_drop(&dp))
		goto out_teardown;
	if (hvmlinkd_setup_loop(&d))
		goto out_teardown;
	if (hvmlinkd_publish_ready(&d))
		goto out_teardown;
	hvmlinkd_notify("READY=1");
	hvmlinkd_detach_ready(&dt);
	hvmlinkd_logsink_detached();

	status = hvmlinkd_run(&d);
	hvmlinkd_notify("STOPPING=1");

out_teardown:
	hvmlinkd_teardown(&d);
	hvmlinkd_domlock_release(&dl);
	if (status == 0)
		log_notice("stopped");
out_notify:
	hvmlinkd_notify_close();
	hvmlinkd_detach_fini(&dt);
out_depriv:
	hvmlinkd_depriv_fini(&dp);
out_log:
	hvmlinkd_logsink_fini();
	hvmlinkd_options_free(&opts);
	return status;
}
