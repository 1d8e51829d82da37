/* SPDX-License-Identifier: MIT */
#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_LVL_NOTICE;
static log_sink_fn log_sink;
static void *log_sink_opaque;

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "err",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_set_level(int level)
{
	if (level < LOG_LVL_ERR)
		level = LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_from_name(const char *name)
{
	for (int i = LOG_LVL_ERR; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void log_set_sink(log_sink_fn sink, void *opaque)
{
	log_sink = sink;
	log_sink_opaque = opaque;
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	char buf[1024];

	if (!log_enabled(level))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_sink) {
		log_sink(level, buf, log_sink_opaque);
		return;
	}
	fprintf(stderr, "%s: %s\n", level_names[level], buf);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void log_ratelimited(struct log_ratelimit *rl, int level, const char *fmt, ...)
{
	uint64_t now;
	va_list ap;

	if (!log_enabled(level))
		return;
	now = monotonic_ns();
	if (now - rl->window_start_ns >= rl->interval_ns) {
		if (rl->suppressed)
			log_msg(level, "(%u similar messages suppressed)",
				rl->suppressed);
		rl->window_start_ns = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->printed++;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
