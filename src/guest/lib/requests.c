// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* libhvmlink-guest: one helper per request type the guest tools send. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/lib/hvmlink_guest.h"

/* More keys than this is taken as a misbehaving host. */
#define HVMLINK_KV_LIST_LIMIT	65536u

int hvmlink_get_display_hint(int fd, uint32_t display,
			     struct hvmlink_display_mode *mode, uint64_t *seq)
{
	struct hvmlink_req_display_hint req;
	int ret;

	if (display >= HVMLINK_MAX_DISPLAYS)
		return -EINVAL;
	hvmlink_req_init(&req, HVMLINK_REQ_GET_DISPLAY_HINT);
	req.display = display;
	ret = hvmlink_request(fd, &req);
	if (ret)
		return ret;
	*mode = req.mode;
	*seq = req.seq;
	return 0;
}

int hvmlink_report_display(int fd, uint32_t display, int32_t result,
			   uint64_t seq, const struct hvmlink_display_mode *mode,
			   const char *reason)
{
	struct hvmlink_req_report_display req;

	hvmlink_req_init(&req, HVMLINK_REQ_REPORT_DISPLAY);
	req.display = display;
	req.result = result;
	req.seq = seq;
	if (mode)
		req.mode = *mode;
	if (reason) {
		/* The device wants printable ASCII: anything else becomes '?'. */
		for (size_t i = 0; reason[i] && i < sizeof(req.reason) - 1; i++) {
			unsigned char c = (unsigned char)reason[i];

			req.reason[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
	}
	return hvmlink_request(fd, &req);
}

int hvmlink_report_facility(int fd, uint32_t facility, uint32_t status)
{
	struct hvmlink_req_facility req;

	hvmlink_req_init(&req, HVMLINK_REQ_REPORT_FACILITY);
	req.facility = facility;
	req.status = status;
	return hvmlink_request(fd, &req);
}

int hvmlink_heartbeat_config(int fd, int enable, uint64_t *interval_ns)
{
	struct hvmlink_req_heartbeat_config req;
	int ret;

	hvmlink_req_init(&req, HVMLINK_REQ_HEARTBEAT_CONFIG);
	req.enable = enable ? 1 : 0;
	ret = hvmlink_request(fd, &req);
	if (!ret && interval_ns)
		*interval_ns = req.interval_ns;
	return ret;
}

int hvmlink_heartbeat(int fd)
{
	struct hvmlink_req_heartbeat req;

	hvmlink_req_init(&req, HVMLINK_REQ_HEARTBEAT);
	return hvmlink_request(fd, &req);
}

int hvmlink_get_host_time(int fd, uint64_t *realtime_ns)
{
	struct hvmlink_req_host_time req;
	int ret;

	hvmlink_req_init(&req, HVMLINK_REQ_GET_HOST_TIME);
	ret = hvmlink_request(fd, &req);
	if (!ret)
		*realtime_ns = req.realtime_ns;
	return ret;
}

int hvmlink_log(int fd, const char *text)
{
	struct hvmlink_req_log req;
	size_t len = strlen(text);

	hvmlink_req_init(&req, HVMLINK_REQ_LOG);
	if (len > sizeof(req.text))
		len = sizeof(req.text);
	memcpy(req.text, text, len);
	req.length = (uint32_t)len;
	return hvmlink_request(fd, &req);
}

int hvmlink_get_kv(int fd, const char *key, char *value, size_t value_size,
		   size_t *value_len, uint64_t *generation)
{
	struct hvmlink_req_get_kv *req;
	int ret;

	if (!hvmlink_key_valid(key) || value_size <= HVMLINK_KV_VALUE_MAX)
		return -EINVAL;
	req = malloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
	hvmlink_req_init(req, HVMLINK_REQ_GET_KV);
	strcpy(req->key, key);	/* length checked by hvmlink_key_valid() */
	ret = hvmlink_request(fd, req);
	/* The device's value_len is not trusted blindly. */
	if (!ret && req->value_len > HVMLINK_KV_VALUE_MAX)
		ret = -EPROTO;
	if (!ret) {
		memcpy(value, req->value, req->value_len);
		value[req->value_len] = '\0';
		*value_len = req->value_len;
		if (generation)
			*generation = req->generation;
	}
	free(req);
	return ret;
}

void hvmlink_free_keys(char **keys, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(keys[i]);
	free(keys);
}

/* A page's keys appended to *keys; fails on anything the device should
 * never send (a key that is not valid, a count beyond the page). */
static int append_page(const struct hvmlink_req_list_kv *req, char ***keys,
		       size_t *count)
{
	char **grown;

	if (req->count > HVMLINK_KV_LIST_MAX)
		return -EPROTO;
	grown = realloc(*keys, (*count + req->count + 1) * sizeof(**keys));
	if (!grown)
		return -ENOMEM;
	*keys = grown;
	for (uint32_t i = 0; i < req->count; i++) {
		char key[HVMLINK_KV_KEY_LEN];

		memcpy(key, req->keys[i], sizeof(key));
		key[sizeof(key) - 1] = '\0';
		if (!hvmlink_key_valid(key))
			return -EPROTO;
		grown[*count] = strdup(key);
		if (!grown[*count])
			return -ENOMEM;
		(*count)++;
	}
	return 0;
}

int hvmlink_list_kv(int fd, char ***keys, size_t *count, uint64_t *generation)
{
	struct hvmlink_req_list_kv *req;
	uint64_t gen = 0;
	int ret, attempts = 0;

	*keys = NULL;
	*count = 0;
	req = malloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
restart:
	hvmlink_free_keys(*keys, *count);
	*keys = NULL;
	*count = 0;
	/* A set that keeps changing under us is a host problem, not a loop. */
	ret = -EAGAIN;
	if (++attempts > 8)
		goto out;
	for (uint32_t start = 0;;) {
		hvmlink_req_init(req, HVMLINK_REQ_LIST_KV);
		req->start = start;
		ret = hvmlink_request(fd, req);
		if (ret)
			goto out;
		/* Bounds the loop and the memory whatever the host claims. */
		if (req->total > HVMLINK_KV_LIST_LIMIT) {
			ret = -EPROTO;
			goto out;
		}
		if (start == 0)
			gen = req->generation;
		else if (req->generation != gen)
			goto restart;
		ret = append_page(req, keys, count);
		if (ret)
			goto out;
		start += req->count;
		if (req->count == 0 || start >= req->total)
			break;
	}
	if (generation)
		*generation = gen;
out:
	if (ret) {
		hvmlink_free_keys(*keys, *count);
		*keys = NULL;
		*count = 0;
	}
	free(req);
	return ret;
}
