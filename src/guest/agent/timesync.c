// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Time sync decision: pure, the agent applies it. */
#include "guest/agent/agent.h"

/* A request round trip takes tens of microseconds; drift below this is
 * measurement noise and is left alone. */
#define TIMESYNC_NOISE_NS	1000000u

int timesync_decide(int64_t drift_ns, int mode, uint64_t threshold_ns)
{
	uint64_t abs_drift;

	if (mode != AGENT_TIMESYNC_ADJUST || drift_ns == 0)
		return TIMESYNC_NONE;
	/* -INT64_MIN overflows: take the magnitude in unsigned arithmetic. */
	abs_drift = drift_ns < 0 ? (uint64_t)0 - (uint64_t)drift_ns : (uint64_t)drift_ns;
	if (abs_drift > threshold_ns)
		return TIMESYNC_STEP;
	return abs_drift >= TIMESYNC_NOISE_NS ? TIMESYNC_SLEW : TIMESYNC_NONE;
}
