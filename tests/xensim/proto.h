/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol between libxensim.so (preloaded into a device model)
 * and the simulated hypervisor (libxensim-hv, in the test process).
 *
 * One SOCK_SEQPACKET connection to $XENSIM_DIR/hv.sock per library handle.
 * Every request is answered by exactly one response.  Requests and
 * responses are a fixed header optionally followed by an array (gfns in,
 * per-page results out); a response may carry one file descriptor
 * (SCM_RIGHTS): the domain's page pool or p2m, so a deprivileged
 * (chrooted) client never has to open a path.
 *
 * The calls a device model makes per ioreq do not use this connection, so
 * that each costs the system calls it costs on Xen (docs/xensim.md,
 * "System call shape"):
 *
 * - Event channels: xenevtchn_open() makes a socketpair, hands one end to
 *   the hypervisor in its HELLO and keeps the other as xenevtchn_fd().  The
 *   hypervisor writes one 4-byte local port per delivered event into it;
 *   the library writes one struct xsp_evt_cmd per unmask or notify into it
 *   (one system call each, as the write() / ioctl() of libxenevtchn).
 * - Foreign memory: the library reads the domain's p2m (gfn -> pool slot,
 *   a memfd the hypervisor shares: XSP_FM_P2M) with one pread and maps the
 *   pool with one mmap, as libxenforeignmemory's mmap + MMAPBATCH ioctl;
 *   an unmap is one munmap.  It records its live mappings in a ledger
 *   (struct xsp_ledger, a memfd passed in the HELLO of the handle) that the
 *   hypervisor reads for xensim_leftovers(), also after a crash.
 */
#ifndef XENSIM_PROTO_H
#define XENSIM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define XSP_VERSION 2
#define XSP_MAX_PAGES 1024	/* per map request; the library splits */
#define XSP_PAGE_SHIFT 12
#define XSP_PAGE_SIZE 4096u
#define XSP_MAX_PORTS 1024	/* dom0's event channel ports */

enum xsp_kind {
	XSP_KIND_DEVICEMODEL = 1,
	XSP_KIND_EVTCHN = 2,
	XSP_KIND_FOREIGNMEMORY = 3,
};

enum xsp_op {
	XSP_HELLO = 1,		/* a0 version, a1 kind, a2 pid, a3 evtchn ino;
				 * fd: evtchn: the hypervisor's end of the event
				 * socket; foreignmemory: the ledger memfd */
	XSP_ADOPT,		/* evtchn fdopen: a0 inode of the event fd
				 * -> XSP_MAX_PORTS / 64 items whose offset
				 * fields are the bitmap of ports bound */
	XSP_RESTRICT,		/* a0 domid, a1 1 = via xentoolcore_restrict_all */

	XSP_DM_CREATE = 16,	/* a0 domid a1 bufioreq -> v0 id */
	XSP_DM_GET_INFO,	/* a0 domid a1 id a2 want gfns -> v0 ioreq gfn v1 buf gfn v2 port */
	XSP_DM_MAP_RANGE,	/* a0 domid a1 id a2 type a3 start a4 end */
	XSP_DM_UNMAP_RANGE,
	XSP_DM_SET_STATE,	/* a0 domid a1 id a2 enabled */
	XSP_DM_DESTROY,		/* a0 domid a1 id */
	XSP_DM_INTX,		/* a0 domid a1 segment a2 bus a3 device a4 intx a5 level */
	XSP_DM_ISA_IRQ,		/* a0 domid a1 irq a2 level */
	XSP_DM_IRQ,		/* a0 domid a1 irq a2 level */
	XSP_DM_LINK_ROUTE,	/* a0 domid a1 link a2 irq */
	XSP_DM_MSI,		/* a0 domid a1 addr a2 data */
	XSP_DM_NR_VCPUS,	/* a0 domid -> v0 */
	XSP_DM_CHECK_DOMAIN,	/* a0 domid: ESRCH / EPERM check for ops with no state */

	XSP_EVT_BIND_INTERDOMAIN = 48,	/* a0 domid a1 remote port -> v0 local */
	XSP_EVT_BIND_UNBOUND,		/* a0 domid -> v0 local */
	XSP_EVT_BIND_VIRQ,		/* a0 virq -> v0 local */
	XSP_EVT_UNBIND,			/* a0 port */
	/* (notify and unmask go over the event socket: xsp_evt_cmd) */

	XSP_FM_MAP = 64,	/* a0 domid, + nr u64 gfns -> nr x struct
				 * xsp_page (gfn lists that are not one run) */
	XSP_FM_MAP_RESOURCE,	/* a0 domid a2 nr a3 type a4 id a5 frame
				 * -> nr x struct xsp_page */
	XSP_FM_RESOURCE_SIZE,	/* a0 domid a3 type a4 id -> v0 bytes */
	XSP_FM_DOMAIN,		/* a0 domid -> v0 p2m entries, fd = pool */
	XSP_FM_P2M,		/* a0 domid -> fd = p2m (u32 slot + 1 per gfn,
				 * 0 = hole; truncated to 0 when the domain
				 * dies) */
};

/* Library -> hypervisor over the event socket. */
enum xsp_evt_cmd_op {
	XSP_EVT_CMD_UNMASK = 1,
	XSP_EVT_CMD_NOTIFY = 2,
};

struct xsp_evt_cmd {
	uint32_t op;
	uint32_t port;
};

struct xsp_req {
	uint32_t op;
	uint32_t nr;		/* u64 items following */
	uint64_t a[7];
};

struct xsp_rsp {
	int32_t rc;		/* 0 / positive result, or -errno */
	uint32_t nr;		/* struct xsp_page items following */
	uint64_t v[3];
};

/* Per page result of a map: err (0 or -errno as the privcmd batch
 * reports it) and the page's offset in the pool file. */
struct xsp_page {
	int32_t err;
	uint32_t pad;
	uint64_t offset;
};

/*
 * A foreignmemory handle's live mappings, written by the library (open
 * addressing on addr, linear probing, deletion by backward shift, so no
 * tombstones) and read by the hypervisor.  addr 0 = free slot; addr is
 * stored last (release), so a reader that sees it sees the rest.
 */
struct xsp_map_rec {
	uint64_t addr;
	uint32_t nr;		/* pages */
	uint16_t domid;
	uint8_t resource;	/* 1: map_resource, 0: map */
	uint8_t pad;
};

#define XSP_LEDGER_MAGIC 0x78736c67u	/* "xslg" */
#define XSP_LEDGER_CAP 16384u		/* power of two; > IOREQ_GUEST_CACHE_MAX */

struct xsp_ledger {
	uint32_t magic;
	uint32_t cap;
	uint64_t pad;
	struct xsp_map_rec rec[];
};

#define XSP_LEDGER_BYTES \
	(sizeof(struct xsp_ledger) + XSP_LEDGER_CAP * sizeof(struct xsp_map_rec))

_Static_assert(sizeof(struct xsp_req) == 64, "xsp_req size");
_Static_assert(sizeof(struct xsp_evt_cmd) == 8, "xsp_evt_cmd size");
_Static_assert(sizeof(struct xsp_map_rec) == 16, "xsp_map_rec size");
_Static_assert(sizeof(struct xsp_rsp) == 32, "xsp_rsp size");
_Static_assert(sizeof(struct xsp_page) == 16, "xsp_page size");

struct sockaddr_un;
/*
 * The hypervisor's address for the simulated host in dir: the socket file
 * dir/hv.sock when its path fits in sun_path, else an abstract socket
 * named after dir's device and inode (deep build trees).  Returns the
 * address length, or -errno.
 */
int xsp_address(const char *dir, struct sockaddr_un *sa);

struct iovec;
/* Send buf (and fd if >= 0) as one packet; 0 or -errno. */
int xsp_send(int sock, const void *buf, size_t len, int fd);
/* The same, gathering the packet from iov[0..niov). */
int xsp_sendv(int sock, const struct iovec *iov, int niov, int fd);
/* Receive one packet into buf; returns its length, 0 on hang-up, -errno.
 * *fd gets a passed descriptor or -1 (fd may be NULL: any is closed). */
long xsp_recv(int sock, void *buf, size_t len, int *fd, int flags);
/* The same, scattering the packet into iov[0..niov). */
long xsp_recvv(int sock, const struct iovec *iov, int niov, int *fd,
	       int flags);

#endif /* XENSIM_PROTO_H */
