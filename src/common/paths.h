/* SPDX-License-Identifier: MIT */
/*
 * Where hvmlinkd keeps its files by default; the daemon's --run-dir and
 * --state-dir (and hvmlinkctl's --run-dir) override them.
 *
 *   RUN_DIR/DOMID.pid         the per-domain lock and pid (pidlock.h)
 *   STATE_DIR/vm/UUID.state   the VM's device state (src/daemon/statefile.c)
 */
#ifndef HVMLINK_COMMON_PATHS_H
#define HVMLINK_COMMON_PATHS_H

#define HVMLINK_RUN_DIR_DEFAULT		"/run/hvmlink"
#define HVMLINK_STATE_DIR_DEFAULT	"/var/lib/hvmlink"
/* Below the state directory: one file per VM. */
#define HVMLINK_STATE_VM_SUBDIR		"vm"

#endif /* HVMLINK_COMMON_PATHS_H */
