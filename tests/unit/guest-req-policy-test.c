// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Unit test: who may send which request through HVMLINK_IOCTL_REQUEST
 * (decision D4, docs/guest.md).  hvmlink_req_allowed() is the function the
 * kernel module compiles in; this checks the whole matrix of request types
 * and facilities for admin and user sessions against the rule as written.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include <hvmlink/protocol.h>
#include "guest/req_table.h"

/* A request of @type with @facility (REPORT_FACILITY only), as copied in. */
static int allowed(unsigned int type, unsigned int facility, int admin)
{
	union {
		struct hvmlink_req_header header;
		struct hvmlink_req_facility facility;
		unsigned char bytes[HVMLINK_REQUEST_MAX_SIZE];
	} req;

	memset(&req, 0, sizeof(req));
	req.header.type = type;
	req.header.size = hvmlink_req_size(type);
	req.header.version = HVMLINK_REQUEST_VERSION;
	if (type == HVMLINK_REQ_REPORT_FACILITY)
		req.facility.facility = facility;
	return hvmlink_req_allowed(&req.header, admin);
}

/* D4: what a user session (/dev/hvmlink-user) may send. */
static int user_may(unsigned int type)
{
	switch (type) {
	case HVMLINK_REQ_GET_HOST_VERSION:
	case HVMLINK_REQ_GET_DISPLAY_HINT:
	case HVMLINK_REQ_REPORT_DISPLAY:
	case HVMLINK_REQ_GET_HOST_TIME:
	case HVMLINK_REQ_GET_KV:
	case HVMLINK_REQ_LIST_KV:
		return 1;
	default:
		return 0;
	}
}

static void test_types(void)
{
	for (unsigned int t = 1; t < HVMLINK_REQ_TYPE_COUNT; t++) {
		int driver_owned = t == HVMLINK_REQ_ACK_EVENTS ||
				   t == HVMLINK_REQ_CTL_FILTER_MASK ||
				   t == HVMLINK_REQ_SET_GUEST_CAPS;

		if (t == HVMLINK_REQ_REPORT_FACILITY)
			continue;	/* by facility, below */
		g_test_message("type %u", t);
		if (driver_owned) {
			/* Session ioctls own them: not a privilege matter. */
			g_assert_cmpint(allowed(t, 0, 1), ==, -EINVAL);
			g_assert_cmpint(allowed(t, 0, 0), ==, -EINVAL);
		} else if (t == HVMLINK_REQ_REPORT_GUEST_INFO) {
			/* The driver alone: refused on both nodes. */
			g_assert_cmpint(allowed(t, 0, 1), ==, -EPERM);
			g_assert_cmpint(allowed(t, 0, 0), ==, -EPERM);
		} else {
			g_assert_cmpint(allowed(t, 0, 1), ==, 0);
			g_assert_cmpint(allowed(t, 0, 0), ==, user_may(t) ? 0 : -EPERM);
		}
	}
	/* Unknown types, whoever asks. */
	g_assert_cmpint(allowed(0, 0, 1), ==, -EINVAL);
	g_assert_cmpint(allowed(HVMLINK_REQ_TYPE_COUNT, 0, 1), ==, -EINVAL);
	g_assert_cmpint(allowed(0xffffffffu, 0, 0), ==, -EINVAL);
}

static void test_facilities(void)
{
	/* Facility numbers past the known ones go to the device, which
	 * answers NOT_FOUND: an admin may ask, a user may not. */
	for (unsigned int f = 0; f <= HVMLINK_FACILITY_COUNT + 1; f++) {
		int want_admin = f == HVMLINK_FACILITY_DRIVER ? -EPERM : 0;
		int want_user = f == HVMLINK_FACILITY_DISPLAY ? 0 : -EPERM;

		g_test_message("facility %u", f);
		g_assert_cmpint(allowed(HVMLINK_REQ_REPORT_FACILITY, f, 1), ==, want_admin);
		g_assert_cmpint(allowed(HVMLINK_REQ_REPORT_FACILITY, f, 0), ==, want_user);
	}
}

static void test_user_events(void)
{
	/* Heartbeats belong to the system agent. */
	g_assert_cmphex(HVMLINK_USER_EVENTS & HVMLINK_EVENT_HEARTBEAT_REQUEST, ==, 0);
	g_assert_cmphex(HVMLINK_USER_EVENTS, ==,
			HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_RESTORED);
	g_assert_cmphex(HVMLINK_USER_EVENTS & ~HVMLINK_EVENT_VALID_MASK, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/guest/req-policy/types", test_types);
	g_test_add_func("/guest/req-policy/facilities", test_facilities);
	g_test_add_func("/guest/req-policy/user-events", test_user_events);
	return g_test_run();
}
