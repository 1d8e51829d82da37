/* SPDX-License-Identifier: MIT */
/*
 * sim-guest: a scripted simulated guest (and its toolstack) for hvmlinkd
 * on the simulated host.  It owns the stand-in hypervisor (xensim), makes
 * the domain, introduces it to xenstored as libxl would, starts the real
 * hvmlinkd under the stand-in, and then plays one scenario: the guest
 * driver's side through xensim's guest API, the administrator's side with
 * the real xenstore-* tools and hvmlinkctl.  Every step is printed.
 */
#ifndef HVMLINK_SIM_GUEST_H
#define HVMLINK_SIM_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests/integration/sim-guest-driver.h"

struct sgctx {
	struct sg g;
	char **daemon_argv;
	pid_t daemon;		/* 0 once reaped */
	int daemon_status;	/* exit status once reaped */
	const char *hint_cmd;	/* demo: how the admin sets the hint */
	const char *expect;	/* demo: the mode the hint asks for */
	const char *status_cmd;	/* demo: shown at the end */
	const char *user;	/* depriv: the expected user */
	unsigned int seconds;	/* smp: how long to run */
	const char *pid_file;	/* detach: the daemon's pid file */
	const char *socket;	/* devnode: where the device nodes are served */
	const char *fail_spec;	/* devnode: --fail TYPE:N */
	const char *remove_spec;	/* devnode: --remove-on TYPE */
	bool domain_alive;
	/* The VM the domain runs, as the toolstack recorded it. */
	char uuid[40];
	char name[64];
	char vm_root[128];	/* /local/domain/0/hvmlink/vm/UUID: hints */
};

/* Printing: one line per step, prefixed by who acts. */
void say(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report a failed check and return -1 (use as "return fail(...)"). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			return fail(__VA_ARGS__); \
	} while (0)

/* Host side. */
/* Run a shell command, echoing it; returns its exit status. */
int host_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a command quietly and capture the first line of its stdout
 * (newline stripped); returns its exit status. */
int host_capture(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* xenstore-read of the daemon's node rel (below the domain's root; "hints/"
 * and "errors/" below the VM's); 0 and value, or -1 if absent. */
int xs_node(struct sgctx *c, const char *rel, char *out, size_t len);
/* Wait (bounded, XENSIM_TIMEOUT_MS) until rel reads want; NULL want:
 * until it exists.  0 or -1 (after saying what it saw). */
int xs_wait(struct sgctx *c, const char *rel, const char *want);
/* Start the daemon with argv under the stand-in and wait until it is
 * ready (its xenstore state says so); it becomes c->daemon. */
int daemon_start_argv(struct sgctx *c, char **argv);
/* The same with the scenario's daemon arguments for c's current domain,
 * plus extra (one argument, or NULL). */
int daemon_start_for(struct sgctx *c, const char *extra);
/* Wait until the daemon exits; 0 and its status in c->daemon_status. */
int daemon_wait(struct sgctx *c);
/* Send sig, then daemon_wait. */
int daemon_stop(struct sgctx *c, int sig);
/* Make g (another domain's guest, same simulated host) c's guest. */
void select_domain(struct sgctx *c, const struct sg *g);
/* Destroy the domain (the daemon should notice). */
int domain_destroy(struct sgctx *c);
/* Create domain domid for the VM c->uuid / c->name as libxl does
 * (stand-in domain, xenstore home with its vm link, /vm/UUID,
 * introduce) and make it c's domain. */
int toolstack_create(struct sgctx *c, uint16_t domid, unsigned int vcpus);
/* After the daemon exited: nothing left in the stand-in nor xenstore. */
int check_clean(struct sgctx *c);

/* Guest side helpers shared by scenarios. */
int guest_boot(struct sgctx *c, bool quiet);
int guest_set_filter(struct sgctx *c, uint32_t or_mask, uint32_t not_mask,
		     uint32_t *mask);
int guest_ack(struct sgctx *c, unsigned int vcpu, uint32_t *events);
int guest_get_hint(struct sgctx *c, unsigned int display,
		   struct hvmlink_req_display_hint *r);
int guest_report(struct sgctx *c, unsigned int display, uint64_t seq,
		 const struct hvmlink_display_mode *mode, int32_t result,
		 const char *reason);
int guest_wait_irq(struct sgctx *c, int level);
/* GET_KV for key from vCPU 0: 0 and the header's status in *st. */
int guest_get_kv(struct sgctx *c, const char *key,
		 struct hvmlink_req_get_kv *r, int32_t *st);
/* Find the MSI capability and enable MSI with addr/data, as a guest
 * kernel does; *cap gets its offset. */
int guest_msi_enable(struct sgctx *c, uint64_t addr, uint32_t data,
		     uint32_t *cap);
int irq_level(struct sgctx *c);

/* Scenarios: 0 = every step worked. */
int scenario_demo(struct sgctx *c);
int scenario_hint(struct sgctx *c);
int scenario_bad_hint(struct sgctx *c);
int scenario_kv(struct sgctx *c);
int scenario_hostile(struct sgctx *c);
int scenario_smp(struct sgctx *c);
int scenario_latches(struct sgctx *c);
int scenario_destroy(struct sgctx *c);
int scenario_sigterm(struct sgctx *c);
int scenario_depriv(struct sgctx *c);
int scenario_devnode(struct sgctx *c);
int scenario_second_daemon(struct sgctx *c);
int scenario_crash_restart(struct sgctx *c);
int scenario_restart_depriv(struct sgctx *c);
int scenario_restart_stale(struct sgctx *c);
int scenario_xenstored_frozen(struct sgctx *c);
int scenario_reboot(struct sgctx *c);
int scenario_incoming(struct sgctx *c);
int scenario_migrate(struct sgctx *c);
int scenario_toolstack(struct sgctx *c);

#endif /* HVMLINK_SIM_GUEST_H */
