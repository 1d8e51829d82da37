// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Retry pacing and heartbeat period: small pure functions. */
#include "guest/agent/agent.h"

unsigned int backoff_next(unsigned int current_ms, unsigned int min_ms,
			  unsigned int max_ms)
{
	if (min_ms == 0)
		min_ms = 1;	/* never a zero delay: that would spin */
	if (max_ms < min_ms)
		max_ms = min_ms;
	if (current_ms < min_ms)
		return min_ms;
	if (current_ms >= max_ms / 2)
		return max_ms;
	return current_ms * 2;
}

/* Hosts asking for less than this get it anyway: the agent is not a
 * real-time task and must not flood the device. */
#define HEARTBEAT_MIN_PERIOD_MS	100u
#define HEARTBEAT_MAX_PERIOD_MS	(24u * 3600u * 1000u)

unsigned int heartbeat_period_ms(uint64_t interval_ns)
{
	uint64_t ms = interval_ns / 1000000u / 2;

	if (interval_ns == 0)
		return 0;
	if (ms < HEARTBEAT_MIN_PERIOD_MS)
		return HEARTBEAT_MIN_PERIOD_MS;
	if (ms > HEARTBEAT_MAX_PERIOD_MS)
		return HEARTBEAT_MAX_PERIOD_MS;
	return (unsigned int)ms;
}
