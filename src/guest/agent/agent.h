/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * hvmlink-agent (the system agent) and hvmlink-session-agent: shared
 * declarations.  Pure pieces (display.c, layout.c, kv.c, backoff.c,
 * timesync.c, config.c) are unit-tested without a device; agent.c wires
 * the system agent to /dev/hvmlink and the GLib main loop, session.c the
 * session agent to /dev/hvmlink-user and the desktop.
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
	gboolean display;		/* display hints are handled in this guest */
	char *display_hook;		/* the system agent applies them with it */
	gboolean kv;			/* handle key/value hints */
	char *kv_dir;
	char *kv_hook;			/* run after the kv dir changed */
	unsigned int hook_timeout_s;	/* a hook running longer is killed */
	gboolean heartbeat;		/* beat when the host asks */
	int timesync;			/* AGENT_TIMESYNC_* */
	unsigned int timesync_interval_s;
	unsigned int timesync_threshold_ms;	/* step above, slew below */
	unsigned int retry_min_ms;	/* device-open backoff */
	unsigned int retry_max_ms;
};

#define SESSION_BACKEND_AUTO	0	/* Wayland: mutter, else X11 */
#define SESSION_BACKEND_X11	1
#define SESSION_BACKEND_MUTTER	2
#define SESSION_BACKEND_HOOK	3

/* hvmlink-session-agent: the [session] group and its command line. */
struct session_config {
	char *device;			/* /dev/hvmlink-user */
	gboolean verbose;
	int backend;			/* SESSION_BACKEND_* */
	char *x_display;		/* NULL: $DISPLAY */
	char **outputs;			/* X output per display, NULL: server order */
	char *display_hook;		/* the hook backend's command */
	unsigned int apply_timeout_s;	/* a change taking longer fails */
	unsigned int x_wait_s;		/* X server gone this long: exit */
	unsigned int retry_min_ms;
	unsigned int retry_max_ms;
};

/* config.c: defaults, then the keyfile, then the command line. */
void agent_config_init(struct agent_config *cfg);
void agent_config_clear(struct agent_config *cfg);
gboolean agent_config_load_file(struct agent_config *cfg, const char *path,
				gboolean must_exist, GError **error);
/* *version: --version was given (nothing else is parsed then). */
gboolean agent_config_parse_args(struct agent_config *cfg, int *argc,
				 char ***argv, gboolean *version, GError **error);
gboolean agent_timesync_from_name(const char *name, int *mode);
/* --version's text, "PROGRAM VERSION" (exit 0 after printing it). */
void agent_print_version(const char *program);

void session_config_init(struct session_config *cfg);
void session_config_clear(struct session_config *cfg);
gboolean session_config_load_file(struct session_config *cfg, const char *path,
				  gboolean must_exist, GError **error);
gboolean session_config_parse_args(struct session_config *cfg, int *argc,
				   char ***argv, gboolean *version,
				   GError **error);
gboolean session_backend_from_name(const char *name, int *backend);

/* Keyfile helpers shared by both configurations: an absent key keeps
 * the default, a malformed one is an error. */
gboolean config_get_bool(GKeyFile *kf, const char *group, const char *key,
			 gboolean *out, GError **error);
gboolean config_get_uint(GKeyFile *kf, const char *group, const char *key,
			 unsigned int min, unsigned int max, unsigned int *out,
			 GError **error);

/* log.c: "IDENT: " + message, stderr or syslog. */
void agent_log_init(const char *ident, gboolean foreground, gboolean verbose);
void agent_log(int priority, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* display.c */
/* argv and environment (added to @base_env) for the display hook. */
GStrv display_hook_argv(const char *hook, uint32_t display,
			const struct hvmlink_display_mode *mode, uint64_t seq);
GStrv display_hook_env(GStrv base_env, uint32_t display,
		       const struct hvmlink_display_mode *mode, uint64_t seq);
/* Why a command failed, for REPORT_DISPLAY: exit status and the first
 * line of its stderr. */
char *display_failure_reason(int wait_status, const char *err_output);

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

/* agent.c: the system agent; 0 after SIGTERM/SIGINT. */
int agent_run(struct agent_config *cfg);
/* session.c: the session agent; 0 after SIGTERM/SIGINT or when its
 * session ended, 1 when it cannot run in this session. */
int session_run(struct session_config *cfg);

#endif /* HVMLINK_AGENT_H */
