/* SPDX-License-Identifier: MIT */
/*
 * sim-guest scenario "devnode": the simulated guest driver serves the
 * device nodes to the real guest agents (see simdev.h), until SIGTERM or
 * SIGINT.  What the Linux driver does per session is done here per
 * connection: filter, capabilities and pending events of its own, the
 * device programmed with the union, interrupts acknowledged and their
 * events handed to every session that wants them, requests passed through
 * after the same checks (size, version, who may send what).
 *
 * Fault injection for the agents' tests:
 *   --fail TYPE:N     the first N requests of request type TYPE (a number)
 *                     fail with EIO, as a request the device could not
 *                     read does
 *   --remove-on TYPE  the first request of TYPE finds the device removed:
 *                     every open session gets ENODEV and a hang-up; later
 *                     opens work again (the device came back)
 */
#include "tests/integration/sim-guest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hvmlink/ioctl.h"
#include "guest/req_table.h"
#include "tests/integration/simdev.h"

#define MAX_SESSIONS 16

struct sd_session {
	int fd;			/* -1: free slot */
	bool admin;
	uint32_t filter, caps, pending;
};

struct sd {
	struct sgctx *c;
	int listen_fd;
	struct sd_session s[MAX_SESSIONS];
	uint32_t dev_filter, dev_caps;
	int fail_type, fail_left;
	int remove_type;
};

static volatile sig_atomic_t sd_stop;

static void on_stop(int sig)
{
	sd_stop = 1;
}

static void sd_send(int fd, uint32_t op, int32_t ret, const void *data,
		    uint32_t len)
{
	struct simdev_msg m = { .op = op, .ret = ret, .len = len };

	if (len)
		memcpy(m.data, data, len);
	send(fd, &m, SIMDEV_HDR_LEN + len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Program the device with the union over sessions (the driver always
 * wants RESTORED), as the Linux driver does when a session changes. */
static int sd_program(struct sd *sd)
{
	struct hvmlink_req_filter_mask fm;
	struct hvmlink_req_guest_caps gc;
	uint32_t filter = HVMLINK_EVENT_RESTORED, caps = 0;
	int32_t st;
	int rc;

	for (int i = 0; i < MAX_SESSIONS; i++)
		if (sd->s[i].fd >= 0) {
			filter |= sd->s[i].filter;
			caps |= sd->s[i].caps;
		}
	if (filter != sd->dev_filter) {
		sg_header(&fm, sizeof(fm), HVMLINK_REQ_CTL_FILTER_MASK);
		fm.or_mask = filter;
		fm.not_mask = HVMLINK_EVENT_VALID_MASK & ~filter;
		rc = sg_request(&sd->c->g, 0, &fm, sizeof(fm), &st);
		if (rc || st != HVMLINK_OK)
			return -EIO;
		sd->dev_filter = filter;
	}
	if (caps != sd->dev_caps) {
		sg_header(&gc, sizeof(gc), HVMLINK_REQ_SET_GUEST_CAPS);
		gc.or_mask = caps;
		gc.not_mask = HVMLINK_GUEST_CAP_VALID_MASK & ~caps;
		rc = sg_request(&sd->c->g, 0, &gc, sizeof(gc), &st);
		if (rc || st != HVMLINK_OK)
			return -EIO;
		sd->dev_caps = caps;
	}
	return 0;
}

static void sd_close(struct sd *sd, struct sd_session *s)
{
	close(s->fd);
	s->fd = -1;
	s->filter = s->caps = s->pending = 0;
	sd_program(sd);
}

/* After every reply, and when events arrive: poll() in the agent sees
 * the fd readable while the session has pending events. */
static void sd_notify(struct sd_session *s)
{
	if (s->pending)
		sd_send(s->fd, SIMDEV_OP_NOTIFY, 0, NULL, 0);
}

/* The interrupt: acknowledge and hand the events out. */
static void sd_irq(struct sd *sd)
{
	uint32_t events;

	if (irq_level(sd->c) != 1)
		return;
	if (guest_ack(sd->c, 0, &events))
		return;
	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct sd_session *s = &sd->s[i];

		if (s->fd < 0 || !(events & s->filter))
			continue;
		s->pending |= events & s->filter;
		sd_notify(s);
	}
}

static void sd_remove_device(struct sd *sd)
{
	say("guest", "devnode: the device is removed (hot-unplug)");
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (sd->s[i].fd >= 0)
			sd_close(sd, &sd->s[i]);
}

static int32_t sd_request(struct sd *sd, struct sd_session *s,
			  struct simdev_msg *m)
{
	struct hvmlink_req_header *hdr = (void *)m->data;
	unsigned int size = m->len;
	int32_t st;
	int rc;

	if (size < sizeof(*hdr) || hvmlink_req_size(hdr->type) != size ||
	    hdr->size != size || hdr->version != HVMLINK_REQUEST_VERSION)
		return -EINVAL;
	rc = hvmlink_req_allowed(hdr, s->admin);
	if (rc)
		return rc;
	if ((int)hdr->type == sd->remove_type) {
		sd->remove_type = -1;
		return -ENODEV;	/* the caller closes every session */
	}
	if ((int)hdr->type == sd->fail_type && sd->fail_left > 0) {
		sd->fail_left--;
		say("guest", "devnode: failing request type %u (EIO) as asked", hdr->type);
		return -EIO;
	}
	hdr->rc = HVMLINK_ERR_GENERAL;
	rc = sg_request(&sd->c->g, 0, hdr, size, &st);
	return rc ? -EIO : 0;
}

static int32_t sd_mask(struct sd *sd, struct sd_session *s, uint32_t *field,
		       struct hvmlink_ioctl_mask *mk, uint32_t valid,
		       uint32_t user_ok, uint32_t *device_value)
{
	uint32_t old = *field;

	if ((mk->or_mask | mk->not_mask) & ~valid)
		return -EINVAL;
	if (!s->admin && ((mk->or_mask & ~user_ok) || (!user_ok && mk->not_mask)))
		return -EPERM;
	*field = (*field | mk->or_mask) & ~mk->not_mask;
	if (sd_program(sd)) {
		*field = old;
		return -EIO;
	}
	mk->session_mask = *field;
	mk->device_mask = *device_value;
	return 0;
}

static void sd_ioctl(struct sd *sd, struct sd_session *s, struct simdev_msg *m)
{
	int32_t ret = 0;
	uint32_t len = 0;

	switch (m->cmd) {
	case HVMLINK_IOCTL_VERSION: {
		struct hvmlink_ioctl_version v = {
			.interface_version = HVMLINK_IOCTL_INTERFACE_VERSION,
			.driver_version = 1u << 16,
			.protocol_version = HVMLINK_PROTOCOL_VERSION,
			.irq_type = HVMLINK_IRQ_INTX,
		};

		memcpy(m->data, &v, sizeof(v));
		len = sizeof(v);
		break;
	}
	case HVMLINK_IOCTL_WAIT_EVENTS: {
		struct hvmlink_ioctl_wait_events w;

		memcpy(&w, m->data, sizeof(w));
		if (!w.mask || (w.mask & ~HVMLINK_EVENT_VALID_MASK) || w.padding) {
			ret = -EINVAL;
			break;
		}
		/* The agents poll() first and wait with timeout 0. */
		w.events = s->pending & w.mask;
		s->pending &= ~w.events;
		ret = w.events ? 0 : -ETIMEDOUT;
		memcpy(m->data, &w, sizeof(w));
		len = sizeof(w);
		break;
	}
	case HVMLINK_IOCTL_CANCEL_WAITS:
		break;
	case HVMLINK_IOCTL_SET_FILTER:
	case HVMLINK_IOCTL_SET_CAPS: {
		struct hvmlink_ioctl_mask mk;
		bool filter = m->cmd == HVMLINK_IOCTL_SET_FILTER;

		memcpy(&mk, m->data, sizeof(mk));
		ret = filter ? sd_mask(sd, s, &s->filter, &mk, HVMLINK_EVENT_VALID_MASK,
				       HVMLINK_USER_EVENTS, &sd->dev_filter)
			     : sd_mask(sd, s, &s->caps, &mk, HVMLINK_GUEST_CAP_VALID_MASK,
				       0, &sd->dev_caps);
		if (filter)
			s->pending &= s->filter;
		memcpy(m->data, &mk, sizeof(mk));
		len = sizeof(mk);
		break;
	}
	case HVMLINK_IOCTL_REQUEST:
		ret = sd_request(sd, s, m);
		len = m->len;
		if (ret == -ENODEV) {
			sd_remove_device(sd);
			return;
		}
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	sd_send(s->fd, SIMDEV_OP_REPLY, ret, m->data, len);
	sd_notify(s);
}

static void sd_accept(struct sd *sd)
{
	struct simdev_msg m;
	int fd = accept4(sd->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = recv(fd, &m, sizeof(m), 0);
	if (n < (ssize_t)SIMDEV_HDR_LEN || m.op != SIMDEV_OP_OPEN) {
		close(fd);
		return;
	}
	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct sd_session *s = &sd->s[i];

		if (s->fd >= 0)
			continue;
		s->fd = fd;
		s->admin = m.cmd == 1;
		s->filter = s->caps = s->pending = 0;
		sd_send(fd, SIMDEV_OP_REPLY, 0, NULL, 0);
		return;
	}
	sd_send(fd, SIMDEV_OP_REPLY, -EMFILE, NULL, 0);
	close(fd);
}

int scenario_devnode(struct sgctx *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_stop };
	struct sd sd = { .c = c, .fail_type = -1, .remove_type = -1 };
	struct simdev_msg m;
	uint32_t mask;

	CHECK(c->socket, "--socket is required for the devnode scenario");
	if (c->fail_spec && sscanf(c->fail_spec, "%d:%d", &sd.fail_type, &sd.fail_left) != 2)
		return fail("--fail wants TYPE:COUNT, not '%s'", c->fail_spec);
	if (c->remove_spec)
		sd.remove_type = atoi(c->remove_spec);
	for (int i = 0; i < MAX_SESSIONS; i++)
		sd.s[i].fd = -1;
	if (guest_boot(c, false))
		return -1;
	/* Only what the sessions ask for from now on. */
	if (guest_set_filter(c, HVMLINK_EVENT_RESTORED, HVMLINK_EVENT_VALID_MASK &
			     ~HVMLINK_EVENT_RESTORED, &mask))
		return -1;
	sd.dev_filter = mask;
	sd.dev_caps = HVMLINK_GUEST_CAP_DISPLAY | HVMLINK_GUEST_CAP_KV;
	CHECK(sd_program(&sd) == 0, "programming filter and caps failed");

	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	strncpy(sa.sun_path, c->socket, sizeof(sa.sun_path) - 1);
	unlink(c->socket);
	sd.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK(sd.listen_fd >= 0 && bind(sd.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	      listen(sd.listen_fd, 8) == 0, "devnode socket %s: %s", c->socket,
	      strerror(errno));
	say("guest", "devnode: serving /dev/hvmlink and /dev/hvmlink-user on %s", c->socket);

	while (!sd_stop) {
		struct pollfd p[MAX_SESSIONS + 1];
		int idx[MAX_SESSIONS + 1], n = 0;

		p[n] = (struct pollfd){ .fd = sd.listen_fd, .events = POLLIN };
		idx[n++] = -1;
		for (int i = 0; i < MAX_SESSIONS; i++)
			if (sd.s[i].fd >= 0) {
				p[n] = (struct pollfd){ .fd = sd.s[i].fd, .events = POLLIN };
				idx[n++] = i;
			}
		/* The line is polled: the stand-in has no interrupt fd. */
		if (poll(p, (nfds_t)n, 5) < 0 && errno != EINTR)
			break;
		sd_irq(&sd);
		if (p[0].revents & POLLIN)
			sd_accept(&sd);
		for (int k = 1; k < n; k++) {
			struct sd_session *s = &sd.s[idx[k]];
			ssize_t len;

			if (!p[k].revents || s->fd != p[k].fd)
				continue;
			len = recv(s->fd, &m, sizeof(m), MSG_DONTWAIT);
			if (len < (ssize_t)SIMDEV_HDR_LEN) {
				if (len < 0 && errno == EAGAIN)
					continue;
				sd_close(&sd, s);	/* the agent closed it */
				continue;
			}
			m.len = (uint32_t)len - SIMDEV_HDR_LEN;
			if (m.op == SIMDEV_OP_IOCTL)
				sd_ioctl(&sd, s, &m);
		}
	}
	say("guest", "devnode: stopping");
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (sd.s[i].fd >= 0)
			sd_close(&sd, &sd.s[i]);
	close(sd.listen_fd);
	unlink(c->socket);
	return 0;
}
