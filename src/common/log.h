/* SPDX-License-Identifier: MIT */
/*
 * Logging shared by every host-side layer.  The level is chosen at run time
 * (never at compile time); where lines go is chosen by whoever owns main():
 * stderr by default, syslog/journal or a test's capture through
 * log_set_sink().  Pure C, no GLib, so src/device/ can use it.
 */
#ifndef HVMLINK_COMMON_LOG_H
#define HVMLINK_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/* Same numbers as syslog's priorities, so a syslog sink passes them on. */
#define LOG_LVL_ERR	3
#define LOG_LVL_WARN	4
#define LOG_LVL_NOTICE	5
#define LOG_LVL_INFO	6
#define LOG_LVL_DEBUG	7

typedef void (*log_sink_fn)(int level, const char *msg, void *opaque);

void log_set_level(int level);
int log_get_level(void);
/* "err", "warn", "notice", "info", "debug" → level; -1 if unknown. */
int log_level_from_name(const char *name);
/* NULL restores the default stderr sink. */
void log_set_sink(log_sink_fn sink, void *opaque);

static inline bool log_enabled(int level)
{
	return level <= log_get_level();
}

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Rate limit for messages a guest can trigger at will: at most burst
 * messages per interval; the first message after a suppressed run says how
 * many were dropped.  One static instance per call site.
 */
struct log_ratelimit {
	uint64_t interval_ns;
	unsigned int burst;
	uint64_t window_start_ns;
	unsigned int printed;
	unsigned int suppressed;
};

#define LOG_RATELIMIT_INIT { 5000000000ull, 10, 0, 0, 0 }

void log_ratelimited(struct log_ratelimit *rl, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
/* Debug lines are built only when debug is on: they sit on hot paths. */
#define log_debug(...) \
	do { \
		if (log_enabled(LOG_LVL_DEBUG)) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

/* A guest-triggerable warning, rate-limited per call site. */
#define log_guest_warn(...) \
	do { \
		static struct log_ratelimit rl_ = LOG_RATELIMIT_INIT; \
		log_ratelimited(&rl_, LOG_LVL_WARN, __VA_ARGS__); \
	} while (0)

#endif /* HVMLINK_COMMON_LOG_H */
