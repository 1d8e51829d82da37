// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* libhvmlink-guest: pure helpers (no device needed). */
#include <stdlib.h>
#include <string.h>

#include "guest/lib/hvmlink_guest.h"

int hvmlink_key_valid(const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len >= HVMLINK_KV_KEY_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	/* "." and ".." are valid keys on the wire but not as file names. */
	return strcmp(key, ".") && strcmp(key, "..");
}

static const struct {
	const char *name;
	uint32_t bit;
} event_names[] = {
	{ "display", HVMLINK_EVENT_DISPLAY_CHANGE },
	{ "kv", HVMLINK_EVENT_KV_CHANGE },
	{ "heartbeat", HVMLINK_EVENT_HEARTBEAT_REQUEST },
	{ "restored", HVMLINK_EVENT_RESTORED },
};

uint32_t hvmlink_event_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (!strcmp(name, event_names[i].name))
			return event_names[i].bit;
	return 0;
}

const char *hvmlink_event_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]); i++)
		if (bit == event_names[i].bit)
			return event_names[i].name;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p% of samples <= it. */
static uint64_t nearest_rank(const uint64_t *sorted, size_t n, unsigned int p)
{
	size_t rank = (n * p + 99) / 100;

	return sorted[rank ? rank - 1 : 0];
}

void hvmlink_percentiles(uint64_t *samples, size_t n, uint64_t *median,
			 uint64_t *p99)
{
	qsort(samples, n, sizeof(*samples), cmp_u64);
	*median = nearest_rank(samples, n, 50);
	*p99 = nearest_rank(samples, n, 99);
}
