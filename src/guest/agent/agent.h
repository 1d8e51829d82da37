/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * hvmlink-agent: shared declarations.  Pure pieces (display.c, kv.c,
 * backoff.c, timesync.c, config.c) are unit-tested without a device;
 * agent.c wires them to /dev/hvmlink and the GLib main loop.
 */
#ifndef HVMLINK_AGENT_H
#define HVMLINK_AGENT_H

#include <stdint.h>
#include <glib.h>

#include <hvmlink/protocol.h>

#define AGENT_DEFAULT_CONFIG	"/etc/hvmlink/agent.conf"
#define AGENT_DEFAULT_KV_DIR	"/run/hvmlink/kv"

#define AGENT_TIMESYNC_OFF	0	/* never look at the host clock */
#define AGENT_TIMESYNC_LOG	1	/* log the drift only */
#define AGENT_TIMESYNC_ADJUST	2	/* and correct it */

struct agent_config {
	char *device;			/* /dev/hvmlink */
	gboolean foreground;		/* log to stderr, not syslog */
	gboolean verbose;		/* debug log lines */
	gboolean display;		/* handle display hints */
	char *xrandr_display;		/* X display for xrandr, NULL: $DISPLAY */
	char *display_hook;		/* run instead of xrandr (or without X) */
	gboolean kv;			/* handle key/value hints */
	char *kv_dir;
	char *kv_hook;			/* run after the kv dir changed */
	gboolean heartbeat;		/* beat when the host asks */
	int timesync;			/* AGENT_TIMESYNC_* */
	unsigned int timesync_interval_s;
	unsigned int timesync_threshold_ms;	/* step above, slew below */
	unsigned int retry_min_ms;	/* device-open backoff */
	unsigned int retry_max_ms;
};

/* config.c: defaults, then the keyfile, then the command line. */
void agent_config_init(struct agent_config *cfg);
void agent_config_clear(struct agent_config *cfg);
gboolean agent_config_load_file(struct agent_config *cfg, const char *path,
				gboolean must_exist, GError **error);
gboolean agent_config_parse_args(struct agent_config *cfg, int *argc,
				 char ***argv, GError **error);
gboolean agent_timesync_from_name(const char *name, int *mode);

/* log.c: "hvmlink-agent: " + message, stderr or syslog. */
void agent_log_init(gboolean foreground, gboolean verbose);
void agent_log(int priority, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* display.c */
/* Output names of connected outputs in `xrandr --query` output order. */
GPtrArray *display_parse_xrandr_outputs(const char *query);
/* argv for xrandr to apply @mode to @output (NULL-terminated). */
GStrv display_xrandr_argv(const char *x_display, const char *output,
			  const struct hvmlink_display_mode *mode);
/* argv and environment (added to @base_env) for the display hook. */
GStrv display_hook_argv(const char *hook, uint32_t display,
			const struct hvmlink_display_mode *mode, uint64_t seq);
GStrv display_hook_env(GStrv base_env, uint32_t display,
		       const struct hvmlink_display_mode *mode, uint64_t seq);
/* Why a command failed, for REPORT_DISPLAY: exit status and the first
 * line of its stderr. */
char *display_failure_reason(int wait_status, const char *err_output);
/* Run argv (with envp, NULL: inherit); TRUE when it exited 0, else
 * *reason says why. */
gboolean display_run(GStrv argv, GStrv envp, char **reason);

/* kv.c: make @dir hold exactly these keys (one file each, atomically
 * replaced); *changed tells whether anything was written or removed. */
gboolean kv_dir_sync(const char *dir, GHashTable *kv, gboolean *changed,
		     GError **error);

/* backoff.c: next retry delay: doubles from min up to max. */
unsigned int backoff_next(unsigned int current_ms, unsigned int min_ms,
			  unsigned int max_ms);

/* timesync.c */
#define TIMESYNC_NONE	0
#define TIMESYNC_STEP	1
#define TIMESYNC_SLEW	2
/* drift = host - guest; what to do about it: nothing below 1 ms, slew
 * below the threshold, step above it (AGENT_TIMESYNC_ADJUST only). */
int timesync_decide(int64_t drift_ns, int mode, uint64_t threshold_ns);
/* Clamp a heartbeat interval from the host and derive the beat period:
 * half the interval, so one late wake-up never misses the deadline.
 * 0 when the host wants no beats. */
unsigned int heartbeat_period_ms(uint64_t interval_ns);

/* agent.c */
int agent_run(struct agent_config *cfg);

#endif /* HVMLINK_AGENT_H */
