// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Unit tests: libhvmlink-guest pure helpers and the request table the
 * kernel module shares. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "guest/lib/hvmlink_guest.h"
#include "guest/req_table.h"

static void test_key_valid(void)
{
	char long_key[HVMLINK_KV_KEY_LEN + 1];

	g_assert_true(hvmlink_key_valid("a"));
	g_assert_true(hvmlink_key_valid("vm.role-1_x"));
	g_assert_false(hvmlink_key_valid(""));
	g_assert_false(hvmlink_key_valid("a/b"));
	g_assert_false(hvmlink_key_valid("../etc"));
	g_assert_false(hvmlink_key_valid("."));
	g_assert_false(hvmlink_key_valid(".."));
	g_assert_false(hvmlink_key_valid("sp ace"));
	g_assert_false(hvmlink_key_valid("#tmp"));
	memset(long_key, 'k', sizeof(long_key));
	long_key[HVMLINK_KV_KEY_LEN - 1] = '\0';	/* 63 bytes: the maximum */
	g_assert_true(hvmlink_key_valid(long_key));
	long_key[HVMLINK_KV_KEY_LEN - 1] = 'k';
	long_key[HVMLINK_KV_KEY_LEN] = '\0';		/* 64 bytes: too long */
	g_assert_false(hvmlink_key_valid(long_key));
}

static void test_event_names(void)
{
	g_assert_cmpuint(hvmlink_event_from_name("display"), ==, HVMLINK_EVENT_DISPLAY_CHANGE);
	g_assert_cmpuint(hvmlink_event_from_name("kv"), ==, HVMLINK_EVENT_KV_CHANGE);
	g_assert_cmpuint(hvmlink_event_from_name("heartbeat"), ==,
			 HVMLINK_EVENT_HEARTBEAT_REQUEST);
	g_assert_cmpuint(hvmlink_event_from_name("restored"), ==, HVMLINK_EVENT_RESTORED);
	g_assert_cmpuint(hvmlink_event_from_name("Display"), ==, 0);
	g_assert_cmpuint(hvmlink_event_from_name(""), ==, 0);
	/* Every valid bit has a name and the names round-trip. */
	for (uint32_t bit = 1; bit & HVMLINK_EVENT_VALID_MASK; bit <<= 1)
		g_assert_cmpuint(hvmlink_event_from_name(hvmlink_event_name(bit)), ==, bit);
	g_assert_null(hvmlink_event_name(1u << 31));
}

static void test_percentiles(void)
{
	uint64_t s[100], one = 7, median, p99;

	/* 1..100 shuffled: nearest rank gives 50 and 99. */
	for (int i = 0; i < 100; i++)
		s[i] = (uint64_t)((i * 37) % 100 + 1);
	hvmlink_percentiles(s, 100, &median, &p99);
	g_assert_cmpuint(median, ==, 50);
	g_assert_cmpuint(p99, ==, 99);
	for (int i = 1; i < 100; i++)
		g_assert_cmpuint(s[i - 1], <=, s[i]);

	hvmlink_percentiles(&one, 1, &median, &p99);
	g_assert_cmpuint(median, ==, 7);
	g_assert_cmpuint(p99, ==, 7);

	/* One outlier in ten: p99 sees it, the median does not. */
	uint64_t t[10] = { 5, 5, 5, 5, 1000, 5, 5, 5, 5, 5 };

	hvmlink_percentiles(t, 10, &median, &p99);
	g_assert_cmpuint(median, ==, 5);
	g_assert_cmpuint(p99, ==, 1000);
}

static void test_req_sizes(void)
{
	g_assert_cmpuint(hvmlink_req_size(0), ==, 0);
	g_assert_cmpuint(hvmlink_req_size(HVMLINK_REQ_TYPE_COUNT), ==, 0);
	g_assert_cmpuint(hvmlink_req_size(HVMLINK_REQ_GET_HOST_VERSION), ==, 48);
	g_assert_cmpuint(hvmlink_req_size(HVMLINK_REQ_ACK_EVENTS), ==, 32);
	g_assert_cmpuint(hvmlink_req_size(HVMLINK_REQ_REPORT_DISPLAY), ==, 192);
	g_assert_cmpuint(hvmlink_req_size(HVMLINK_REQ_GET_KV), ==, 1128);
	g_assert_cmpuint(hvmlink_req_size(HVMLINK_REQ_LIST_KV), ==, 1072);
	/* Every defined type has a size, an owner, and fits the device. */
	for (uint32_t t = 1; t < HVMLINK_REQ_TYPE_COUNT; t++) {
		g_assert_cmpuint(hvmlink_req_size(t), >=, sizeof(struct hvmlink_req_header));
		g_assert_cmpuint(hvmlink_req_size(t), <=, HVMLINK_REQUEST_MAX_SIZE);
		g_assert_cmpuint(hvmlink_req_access(t), !=, HVMLINK_REQ_ACCESS_NONE);
	}
	g_assert_cmpuint(hvmlink_req_access(0), ==, HVMLINK_REQ_ACCESS_NONE);
	g_assert_cmpuint(hvmlink_req_access(99), ==, HVMLINK_REQ_ACCESS_NONE);
}

static void test_req_access(void)
{
	/* Driver-owned: passing them through would desync the session
	 * bookkeeping from the device. */
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_ACK_EVENTS), ==,
			 HVMLINK_REQ_ACCESS_DRIVER);
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_CTL_FILTER_MASK), ==,
			 HVMLINK_REQ_ACCESS_DRIVER);
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_SET_GUEST_CAPS), ==,
			 HVMLINK_REQ_ACCESS_DRIVER);
	/* The driver reports itself; user space never does. */
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_REPORT_GUEST_INFO), ==,
			 HVMLINK_REQ_ACCESS_KERNEL);
	/* Host-visible state beyond the display needs an admin session. */
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_LOG), ==, HVMLINK_REQ_ACCESS_ADMIN);
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_HEARTBEAT), ==,
			 HVMLINK_REQ_ACCESS_ADMIN);
	/* Reads, and the display report of a session agent, are open. */
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_REPORT_DISPLAY), ==,
			 HVMLINK_REQ_ACCESS_ANY);
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_GET_KV), ==, HVMLINK_REQ_ACCESS_ANY);
	g_assert_cmpuint(hvmlink_req_access(HVMLINK_REQ_GET_HOST_TIME), ==,
			 HVMLINK_REQ_ACCESS_ANY);
}

static void test_status_to_errno(void)
{
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_OK), ==, 0);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_GENERAL), ==, -EIO);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_INVALID_PARAMETER), ==, -EINVAL);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_NOT_SUPPORTED), ==, -EOPNOTSUPP);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_NOT_FOUND), ==, -ENOENT);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_NO_DATA), ==, -ENODATA);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_RATE_LIMITED), ==, -EAGAIN);
	g_assert_cmpint(hvmlink_status_to_errno(HVMLINK_ERR_BUFFER_OVERFLOW), ==, -EOVERFLOW);
	/* A positive rc is not a device status: never mistaken for success. */
	g_assert_cmpint(hvmlink_status_to_errno(1), ==, -EIO);
	g_assert_cmpint(hvmlink_status_to_errno(-1000), ==, -EIO);
}

static void test_req_init(void)
{
	struct hvmlink_req_display_hint req;

	memset(&req, 0xa5, sizeof(req));
	g_assert_cmpint(hvmlink_req_init(&req, HVMLINK_REQ_GET_DISPLAY_HINT), ==, 0);
	g_assert_cmpuint(req.header.size, ==, sizeof(req));
	g_assert_cmpuint(req.header.version, ==, HVMLINK_REQUEST_VERSION);
	g_assert_cmpuint(req.header.type, ==, HVMLINK_REQ_GET_DISPLAY_HINT);
	g_assert_cmpint(req.header.rc, ==, HVMLINK_ERR_GENERAL);
	g_assert_cmpuint(req.header.reserved1, ==, 0);
	g_assert_cmpuint(req.display, ==, 0);
	g_assert_cmpuint(req.seq, ==, 0);
	g_assert_cmpint(hvmlink_req_init(&req, 0), ==, -EINVAL);
	g_assert_cmpint(hvmlink_req_init(&req, HVMLINK_REQ_TYPE_COUNT), ==, -EINVAL);
}

static void test_device_errors(void)
{
	struct hvmlink_ioctl_version v;
	int fd;

	/* No device: the errno the agent's retry logic keys on. */
	g_assert_cmpint(hvmlink_open("/nonexistent/hvmlink"), ==, -ENOENT);
	/* Not our device: the ioctls fail cleanly rather than misread. */
	fd = hvmlink_open("/dev/null");
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(hvmlink_get_version(fd, &v), ==, -ENOTTY);
	g_assert_cmpint(hvmlink_heartbeat(fd), ==, -ENOTTY);
	g_assert_cmpint(hvmlink_get_display_hint(fd, HVMLINK_MAX_DISPLAYS, &(struct hvmlink_display_mode){ 0 },
						 &(uint64_t){ 0 }), ==, -EINVAL);
	close(fd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest/lib/key-valid", test_key_valid);
	g_test_add_func("/guest/lib/event-names", test_event_names);
	g_test_add_func("/guest/lib/percentiles", test_percentiles);
	g_test_add_func("/guest/lib/req-sizes", test_req_sizes);
	g_test_add_func("/guest/lib/req-access", test_req_access);
	g_test_add_func("/guest/lib/status-to-errno", test_status_to_errno);
	g_test_add_func("/guest/lib/req-init", test_req_init);
	g_test_add_func("/guest/lib/device-errors", test_device_errors);
	return g_test_run();
}
