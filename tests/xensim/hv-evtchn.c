/* SPDX-License-Identifier: MIT */
/*
 * Event channels: Xen's two-ended ports (xen/common/event_channel.c) plus
 * the Linux /dev/xen/evtchn driver semantics a device model sees through
 * libxenevtchn (drivers/xen/evtchn.c): a delivered port is masked until
 * the user unmasks it; a notify while masked stays pending and is
 * delivered on unmask; the fd is readable exactly when a port is queued.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/xensim/hv-internal.h"

/* alloc_unbound_xen_event_channel(d, vcpu, remote, NULL): a Xen-consumer
 * port whose notifications wake vcpu (default_xen_notification_fn). */
int hv_gport_alloc_unbound(struct hv_domain *d, uint16_t remote,
			   unsigned int vcpu)
{
	for (uint32_t p = HV_GUEST_FIRST_PORT; p < HV_MAX_PORTS; p++) {
		if (d->port[p].state == PORT_FREE) {
			d->port[p] = (struct hv_gport){
				.state = PORT_UNBOUND, .rdom = remote,
				.vcpu = (uint16_t)vcpu,
				.notified = d->port[p].notified,
			};
			return (int)p;
		}
	}
	return -ENOSPC;
}

/* Close a guest port (evtchn_close): an interdomain peer in dom0 stays
 * allocated but becomes unbound; its notifies are then dropped. */
void hv_gport_close(struct xensim *sim, struct hv_domain *d, uint32_t port)
{
	struct hv_gport *g = &d->port[port];

	if (g->state == PORT_INTERDOMAIN && g->rport < HV_MAX_PORTS) {
		struct hv_lport *l = &sim->lport[g->rport];

		l->state = PORT_UNBOUND;
		l->rdom = d->domid;
		l->rport = 0;
	}
	g->state = PORT_FREE;
	g->rport = 0;
	pthread_cond_broadcast(&sim->cond);
}

/*
 * The guest side of a port received an event (a device model notified).
 * Xen's evtchn_send() hands a notify of an interdomain port whose peer is
 * a Xen consumer to default_xen_notification_fn(), which wakes the port's
 * notify vCPU if it is blocked in Xen, whatever that vCPU waits for: so a
 * notify of *any* of a vCPU's ioreq ports (of any server, or a port
 * re-bound by a new device model) wakes it, and it then re-checks its own
 * slot.
 */
void hv_guest_notify(struct xensim *sim, struct hv_domain *d, uint32_t port)
{
	d->port[port].notified++;
	if (d->port[port].vcpu < XENSIM_MAX_VCPUS)
		d->vcpu_wakes[d->port[port].vcpu]++;
	pthread_cond_broadcast(&sim->cond);
}

/* Xen set dom0's port pending: hand it to the owning evtchn user unless
 * it is masked (then it waits for the unmask). */
void hv_lport_deliver(struct xensim *sim, uint32_t lport)
{
	struct hv_lport *l = &sim->lport[lport];
	uint32_t port = lport;

	if (!l->owner)
		return;
	if (l->masked) {
		l->pending = true;
		return;
	}
	l->masked = true;
	l->pending = false;
	if (send(l->owner->fd, &port, sizeof(port),
		 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		l->pending = true;	/* queue full: redelivered on unmask */
}

static int lport_alloc(struct xensim *sim, struct hv_evh *e)
{
	for (uint32_t p = HV_DOM0_FIRST_PORT; p < HV_MAX_PORTS; p++) {
		if (sim->lport[p].state == PORT_FREE) {
			sim->lport[p] = (struct hv_lport){ .owner = e };
			return (int)p;
		}
	}
	return -ENOSPC;
}

static void lport_close(struct xensim *sim, uint32_t p)
{
	struct hv_lport *l = &sim->lport[p];

	if (l->state == PORT_INTERDOMAIN) {
		struct hv_domain *d = hv_domain_get(sim, l->rdom);

		if (d && l->rport < HV_MAX_PORTS &&
		    d->port[l->rport].state == PORT_INTERDOMAIN &&
		    d->port[l->rport].rport == p) {
			/* The guest end goes back to unbound, bindable again. */
			d->port[l->rport].state = PORT_UNBOUND;
			d->port[l->rport].rdom = 0;
			d->port[l->rport].rport = 0;
		}
	}
	*l = (struct hv_lport){ 0 };
}

static struct hv_lport *owned(struct xensim *sim, struct hv_evh *e,
			      uint64_t port)
{
	if (port >= HV_MAX_PORTS || sim->lport[port].state == PORT_FREE ||
	    sim->lport[port].owner != e)
		return NULL;
	return &sim->lport[port];
}

/* IOCTL_EVTCHN_NOTIFY for a port the library found bound through e. */
static void evh_notify(struct xensim *sim, struct hv_evh *e, uint32_t port)
{
	struct hv_lport *l = owned(sim, e, port);

	if (!l)
		return;		/* unbound since: the library said ENOTCONN
				 * to any later notify; this one is moot */
	sim->st.dm_notifies++;
	/* Linux ignores Xen's verdict: an unbound (peer closed) port
	 * silently drops the event, a VIRQ port cannot be sent to. */
	if (l->state == PORT_INTERDOMAIN) {
		struct hv_domain *d = hv_domain_get(sim, l->rdom);

		if (d)
			hv_guest_notify(sim, d, l->rport);
	}
}

/* A write() of port to /dev/xen/evtchn: ports the user does not own are
 * ignored. */
static void evh_unmask(struct xensim *sim, struct hv_evh *e, uint32_t port)
{
	struct hv_lport *l = owned(sim, e, port);

	if (l && l->masked) {
		l->masked = false;
		if (l->pending) {
			l->pending = false;
			hv_lport_deliver(sim, port);
		}
	}
}

/* Called with sim->lock held. */
void hv_evh_drain(struct xensim *sim, struct hv_evh *e)
{
	struct xsp_evt_cmd cmd;

	while (recv(e->fd, &cmd, sizeof(cmd), MSG_DONTWAIT) ==
	       (ssize_t)sizeof(cmd)) {
		if (cmd.op == XSP_EVT_CMD_NOTIFY)
			evh_notify(sim, e, cmd.port);
		else if (cmd.op == XSP_EVT_CMD_UNMASK)
			evh_unmask(sim, e, cmd.port);
	}
}

/* Ordering: what a process sent on its event sockets happened before
 * whatever it asks next (a notify, then a destroy, say).  Lock held. */
void hv_evh_drain_pid(struct xensim *sim, pid_t pid)
{
	for (struct hv_evh *e = sim->evhs; e; e = e->next)
		if (e->pid == pid)
			hv_evh_drain(sim, e);
}

void hv_evh_ports(struct xensim *sim, struct hv_evh *e, uint64_t *bits)
{
	memset(bits, 0, HV_MAX_PORTS / 8);
	for (uint32_t p = 0; p < HV_MAX_PORTS; p++)
		if (sim->lport[p].state != PORT_FREE && sim->lport[p].owner == e)
			bits[p / 64] |= 1ull << (p % 64);
}

/* The handle's last user went away: the Linux driver unbinds everything. */
void hv_evh_release(struct xensim *sim, struct hv_evh *e)
{
	for (uint32_t p = 0; p < HV_MAX_PORTS; p++)
		if (sim->lport[p].state != PORT_FREE && sim->lport[p].owner == e)
			lport_close(sim, p);
	close(e->fd);
	free(e);
}

static int bind_interdomain(struct xensim *sim, struct hv_evh *e,
			    uint64_t domid, uint64_t rport)
{
	struct hv_domain *d;
	struct hv_gport *g;
	int lp;

	if (e->restrict_domid >= 0 && (uint64_t)e->restrict_domid != domid)
		return -EACCES;		/* evtchn.c: restricted handle */
	d = domid < HV_MAX_DOMID ? hv_domain_get(sim, (uint16_t)domid) : NULL;
	if (!d)
		return -ESRCH;
	if (rport == 0 || rport >= HV_MAX_PORTS)
		return -EINVAL;
	g = &d->port[rport];
	if (g->state != PORT_UNBOUND || g->rdom != 0)
		return -EINVAL;
	lp = lport_alloc(sim, e);
	if (lp < 0)
		return lp;
	sim->lport[lp].state = PORT_INTERDOMAIN;
	sim->lport[lp].rdom = (uint16_t)domid;
	sim->lport[lp].rport = (uint32_t)rport;
	g->state = PORT_INTERDOMAIN;
	g->rport = (uint32_t)lp;
	/* Xen conservatively sets the new local port pending ("we may have
	 * lost notifications on the remote unbound port"): the user sees
	 * one event right after binding. */
	hv_lport_deliver(sim, (uint32_t)lp);
	return lp;
}

int hv_evt_request(struct xensim *sim, struct hv_conn *c, uint32_t op,
		   const uint64_t *a, uint64_t *v)
{
	struct hv_evh *e = c->evh;
	int lp;

	if (!e)
		return -EBADF;
	switch (op) {
	case XSP_EVT_BIND_INTERDOMAIN:
		return bind_interdomain(sim, e, a[0], a[1]);
	case XSP_EVT_BIND_UNBOUND:
		if (e->restrict_domid >= 0)
			return -EACCES;
		if (a[0] >= HV_MAX_DOMID || !hv_domain_get(sim, (uint16_t)a[0]))
			return -ESRCH;
		lp = lport_alloc(sim, e);
		if (lp >= 0) {
			sim->lport[lp].state = PORT_UNBOUND;
			sim->lport[lp].rdom = (uint16_t)a[0];
		}
		return lp;
	case XSP_EVT_BIND_VIRQ:
		if (e->restrict_domid >= 0)
			return -EACCES;
		if (a[0] >= HV_NR_VIRQS)
			return -EINVAL;
		lp = lport_alloc(sim, e);
		if (lp >= 0)
			sim->lport[lp].state = PORT_VIRQ;
		return lp;
	case XSP_EVT_UNBIND:
		if (a[0] >= HV_MAX_PORTS)
			return -EINVAL;
		if (!owned(sim, e, a[0]))
			return -ENOTCONN;
		lport_close(sim, (uint32_t)a[0]);
		return 0;
	}
	(void)v;
	return -EOPNOTSUPP;
}
