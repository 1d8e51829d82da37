/* SPDX-License-Identifier: MIT */
/*
 * Internal state of the simulated hypervisor (libxensim-hv).  One mutex
 * (sim->lock) guards everything; one condition variable (sim->cond) is
 * broadcast on every state change a guest thread may wait for.
 */
#ifndef XENSIM_HV_INTERNAL_H
#define XENSIM_HV_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <xenctrl.h>
#include <xen/hvm/ioreq.h>

#include "tests/xensim/proto.h"
#include "tests/xensim/xensim.h"

#define HV_MAX_SERVERS 8		/* Xen's MAX_NR_IOREQ_SERVERS */
#define HV_MAX_PORTS XSP_MAX_PORTS
#define HV_DOM0_FIRST_PORT 64		/* dom0 already uses low ports */
#define HV_GUEST_FIRST_PORT 3		/* 1 xenstore, 2 console (libxl) */
#define HV_MAX_DOMID 0x7ff0		/* DOMID_FIRST_RESERVED */
#define HV_IOREQ_GFN_BASE 0xfeff0ULL	/* legacy ioreq gfn pool ... */
#define HV_NR_IOREQ_GFNS 8		/* ... of NR_IOREQ_SERVER_PAGES */
#define HV_NR_VIRQS 24
#define HV_NR_GSIS 48
#define HV_PCI_RANGE 2			/* XEN_DMOP_IO_RANGE_PCI */

struct hv_range {
	uint64_t s, e;
};

struct hv_rangeset {
	struct hv_range *r;
	unsigned int n, cap;
};

struct hv_server {
	bool used;
	uint16_t id;
	uint32_t gen;			/* bumped on create and destroy */
	bool enabled;
	int bufioreq;
	pid_t creator;
	struct hv_rangeset range[3];	/* PORT, MEMORY, PCI */
	uint32_t ioreq_slot, buf_slot;	/* pool slots, 0 = not allocated */
	ioreq_t *ioreq_va;		/* hv's own mappings of them */
	buffered_iopage_t *buf_va;
	int64_t ioreq_gfn, buf_gfn;	/* legacy gfns, -1 = none */
	uint32_t vcpu_port[XENSIM_MAX_VCPUS];
	uint32_t buf_port;
	pthread_mutex_t buf_lock;	/* Xen's bufioreq_lock */
};

enum hv_port_state {
	PORT_FREE = 0,
	PORT_UNBOUND,
	PORT_INTERDOMAIN,
	PORT_VIRQ,
};

struct hv_gport {			/* a port in a guest's port space */
	uint8_t state;
	uint16_t rdom;			/* UNBOUND: who may bind; INTERDOMAIN: peer */
	uint32_t rport;
	uint16_t vcpu;			/* notify_vcpu_id: the vCPU Xen wakes */
	uint64_t notified;		/* count of notifies the guest received */
};

struct hv_msi {
	uint64_t addr;
	uint32_t data;
};

struct hv_domain {
	uint16_t domid;
	bool dead;
	unsigned int nr_vcpus;
	int pool_fd;
	uint32_t pool_slots, pool_cap;	/* slots used, file size in slots */
	uint32_t *p2m;			/* gfn -> pool slot + 1, 0 = hole */
	uint64_t p2m_size;
	int p2m_fd;			/* p2m's memfd, shared with the library */
	size_t p2m_bytes;		/* mapped length of p2m */
	struct hv_server srv[HV_MAX_SERVERS];
	struct hv_gport port[HV_MAX_PORTS];
	uint8_t intx[32][4];
	unsigned int intx_asserts[32][4];
	uint8_t isa[16], gsi[HV_NR_GSIS];
	uint8_t link_route[4];
	struct hv_msi *msi;
	unsigned int msi_n, msi_cap;
	uint32_t cf8;
	bool vcpu_busy[XENSIM_MAX_VCPUS];
	/* Xen's wake-ups of a vCPU blocked in wait_on_xen_event_channel():
	 * any notify of a Xen-consumer port whose notify vCPU it is. */
	uint64_t vcpu_wakes[XENSIM_MAX_VCPUS];
	uint32_t ioreq_gfn_mask;	/* free legacy gfns */
	bool crashed;
	char crash_why[160];
	struct hv_domain *next_dead;
};

struct hv_evh;

struct hv_lport {			/* a port in dom0's space */
	uint8_t state;
	struct hv_evh *owner;
	uint16_t rdom;
	uint32_t rport;
	bool masked, pending;
};

/* One xenevtchn handle (lives as long as its event socket). */
struct hv_evh {
	int fd;				/* our end of the event socketpair */
	ino_t client_ino;		/* inode of the client's end (fdopen) */
	pid_t pid;
	int restrict_domid;
	struct hv_evh *next;
};

struct hv_mapping {
	uint64_t addr, nr;
	uint16_t domid;
	bool resource;
	pid_t pid;
	struct hv_mapping *next;
};

struct hv_conn {
	int fd;
	int kind;
	pid_t pid;
	int restrict_domid;
	struct hv_evh *evh;
	struct xsp_ledger *ledger;	/* foreignmemory: its live mappings */
	struct hv_conn *next;
};

#define HV_RX_SIZE (sizeof(struct xsp_req) + XSP_MAX_PAGES * sizeof(uint64_t))
#define HV_TX_SIZE (sizeof(struct xsp_rsp) + XSP_MAX_PAGES * sizeof(struct xsp_page))

struct xensim {
	char *dir;
	void *rx, *tx;			/* hypervisor thread's packet buffers */
	bool own_dir;
	int listen_fd;
	int wake_fd;
	pthread_t thread;
	bool stop;
	uint64_t passes;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hv_domain *dom[HV_MAX_DOMID];
	struct hv_domain *dead;
	struct hv_lport lport[HV_MAX_PORTS];
	struct hv_conn *conns;
	struct hv_evh *evhs;
	struct hv_mapping *leaked;	/* still mapped when handle closed */
	struct xensim_stats st;
};

/* hv-domain.c */
struct hv_domain *hv_domain_get(struct xensim *sim, uint16_t domid);
void hv_domain_crash(struct xensim *sim, struct hv_domain *d,
		     const char *why);
int hv_pool_alloc(struct hv_domain *d, uint32_t *slot);
void *hv_pool_map(struct hv_domain *d, uint32_t slot);
void hv_domain_free(struct hv_domain *d);
void hv_notify_xenstored(struct xensim *sim, uint16_t domid,
			 const char *state);

/* hv-evtchn.c */
int hv_gport_alloc_unbound(struct hv_domain *d, uint16_t remote,
			   unsigned int vcpu);
void hv_gport_close(struct xensim *sim, struct hv_domain *d, uint32_t port);
void hv_guest_notify(struct xensim *sim, struct hv_domain *d, uint32_t port);
void hv_lport_deliver(struct xensim *sim, uint32_t lport);
int hv_evt_request(struct xensim *sim, struct hv_conn *c, uint32_t op,
		   const uint64_t *a, uint64_t *v);
void hv_evh_release(struct xensim *sim, struct hv_evh *e);
/* Apply the unmask/notify commands queued on e's event socket. */
void hv_evh_drain(struct xensim *sim, struct hv_evh *e);
/* The same for every handle of process pid (before serving it). */
void hv_evh_drain_pid(struct xensim *sim, pid_t pid);
/* Bitmap of the ports bound through e (XSP_MAX_PORTS bits). */
void hv_evh_ports(struct xensim *sim, struct hv_evh *e, uint64_t *bits);

/* hv-ioserver.c */
int hv_dm_request(struct xensim *sim, struct hv_conn *c, uint32_t op,
		  const uint64_t *a, uint64_t *v);
void hv_server_destroy(struct xensim *sim, struct hv_domain *d,
		       struct hv_server *s);
int hv_server_alloc_pages(struct hv_domain *d, struct hv_server *s);
struct hv_server *hv_server_select(struct hv_domain *d, ioreq_t *p);
bool hv_rangeset_contains(const struct hv_rangeset *rs, uint64_t s,
			  uint64_t e);

/* hv-fmem.c */
int hv_fm_request(struct xensim *sim, struct hv_conn *c,
		  const struct xsp_req *rq, const uint64_t *gfns,
		  struct xsp_rsp *rsp, struct xsp_page *pages, int *fd_out);

/* hv.c */
int hv_check_domain(struct xensim *sim, struct hv_conn *c, uint64_t domid,
		    struct hv_domain **out);
void hv_deadline(struct timespec *ts, int timeout_ms);

#endif /* XENSIM_HV_INTERNAL_H */
