/* SPDX-License-Identifier: MIT */
/*
 * Key/value hints: a small array of entries kept sorted by key (byte
 * order), which is the order LIST_KV pages through.  256 keys at most, so
 * a linear insert is cheaper than any tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device/device-internal.h"

bool hvmdev_kv_key_valid(const char *key)
{
	size_t len = strnlen(key, HVMLINK_KV_KEY_LEN);

	if (len < 1 || len >= HVMLINK_KV_KEY_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Index of key, or -(insertion point) - 1. */
static int kv_search(const struct hvmdev_state *st, const char *key)
{
	unsigned int lo = 0, hi = st->kv_count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = strcmp(st->kv[mid]->key, key);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(int)lo - 1;
}

int hvmdev_kv_find(const struct hvmdev_state *st, const char *key)
{
	int i = kv_search(st, key);

	return i >= 0 ? i : -1;
}

void hvmdev_kv_free_all(struct hvmdev_state *st)
{
	for (unsigned int i = 0; i < st->kv_count; i++)
		free(st->kv[i]);
	st->kv_count = 0;
}

int hvmdev_set_kv(struct hvmdev *dev, const char *key, const void *value,
		  size_t len)
{
	struct hvmdev_state *st = &dev->st;
	struct hvmdev_kv *kv;
	int i;

	if (!hvmdev_kv_key_valid(key) || len > HVMLINK_KV_VALUE_MAX ||
	    (len && !value))
		return -EINVAL;
	i = kv_search(st, key);
	if (i >= 0) {
		kv = st->kv[i];
		/* value may be NULL when len is 0: memcmp must not see it. */
		if (kv->len == len &&
		    (!len || memcmp(kv->value, value, len) == 0))
			return 0;
	} else {
		unsigned int at = (unsigned int)(-i - 1);

		if (st->kv_count >= HVMDEV_KV_MAX_KEYS)
			return -ENOSPC;
		kv = calloc(1, sizeof(*kv));
		if (!kv)
			return -ENOMEM;
		strcpy(kv->key, key);
		memmove(&st->kv[at + 1], &st->kv[at],
			(st->kv_count - at) * sizeof(st->kv[0]));
		st->kv[at] = kv;
		st->kv_count++;
	}
	memset(kv->value, 0, sizeof(kv->value));
	if (len)
		memcpy(kv->value, value, len);
	kv->len = (uint32_t)len;
	st->kv_generation++;
	hvmdev_raise(dev, HVMLINK_EVENT_KV_CHANGE);
	return 0;
}

int hvmdev_delete_kv(struct hvmdev *dev, const char *key)
{
	struct hvmdev_state *st = &dev->st;
	unsigned int at;
	int i;

	if (!hvmdev_kv_key_valid(key))
		return -EINVAL;
	i = kv_search(st, key);
	if (i < 0)
		return -ENOENT;
	at = (unsigned int)i;
	free(st->kv[at]);
	memmove(&st->kv[at], &st->kv[at + 1],
		(st->kv_count - at - 1) * sizeof(st->kv[0]));
	st->kv_count--;
	st->kv_generation++;
	hvmdev_raise(dev, HVMLINK_EVENT_KV_CHANGE);
	return 0;
}
