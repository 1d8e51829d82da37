/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench: the figures hvmlink is judged by, measured on the
 * simulated host (the real hvmlinkd under the Xen stand-in, the real
 * xenstored).  docs/performance.md says what each figure means.
 *
 * One process plays Xen (xensim, in a thread), the toolstack, every
 * guest (tests/integration/sim-guest-driver.c) and the administrator
 * (libxenstore xs_write).  Each section prints a table on stdout and one
 * JSON object on the file named by --json.
 */
#ifndef HVMLINK_BENCH_H
#define HVMLINK_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "tests/integration/sim-guest-driver.h"

struct xs_handle;

struct bench_opts {
	const char *hvmlinkd;	/* the daemon binary */
	const char *hint_floor;	/* hint-floor (hint latency floor) */
	const char *ioreq_floor;/* ioreq-bench-minimal (ioreq floor) */
	const char *valgrind;	/* valgrind binary for the callgrind section */
	const char *strace;	/* strace binary for the syscalls section */
	const char *workdir;	/* callgrind output files */
	double seconds;		/* per ioreq rate sample */
	unsigned int rounds;	/* samples per ioreq configuration */
	unsigned int hints;	/* hints per latency run */
	unsigned int idle_seconds;
	unsigned int domains;	/* density */
	unsigned int density_hints;
	unsigned int cg_n1, cg_n2;	/* callgrind ioreq counts */
	unsigned int cg_reps;		/* callgrind repetitions */
#define BENCH_CG_REPS_MAX 20
	FILE *json;
};

/* ---- the simulated host (bench-host.c) ------------------------------ */

struct bench_host {
	struct xensim *sim;
	struct xs_handle *xs;	/* the toolstack's and admin's connection */
	const struct bench_opts *o;
};

/* One guest with its device model. */
/* The UUID the bench's toolstack gives domain D's VM (printf, D). */
#define BENCH_UUID_FMT	"00000000-0000-4000-8000-%012u"

struct bench_dom {
	struct sg g;
	pid_t dm;		/* device model pid, 0 once reaped */
	bool alive;		/* exists in the stand-in */
	bool floor;		/* served by hint-floor, not hvmlinkd */
	bool minimal;		/* served by ioreq-bench-minimal */
	bool threaded;		/* ... with --threaded */
};

int bench_host_open(struct bench_host *h, const struct bench_opts *o)
	__attribute__((warn_unused_result));
void bench_host_close(struct bench_host *h);

/* Create domain domid in the stand-in and introduce it to xenstored as
 * libxl does (home node, permissions, XS_INTRODUCE). */
int bench_dom_create(struct bench_host *h, struct bench_dom *d,
		     uint16_t domid, unsigned int vcpus, uint64_t ram)
	__attribute__((warn_unused_result));
/* Start argv (under the stand-in) as d's device model; no waiting. */
int bench_dom_spawn(struct bench_host *h, struct bench_dom *d,
		    char *const argv[]) __attribute__((warn_unused_result));
/* Start hvmlinkd for d as deployed (--foreground, default log level);
 * wrap: NULL, or a NULL-terminated command prefix (valgrind ...). */
int bench_daemon_start(struct bench_host *h, struct bench_dom *d,
		       const char *const *wrap)
	__attribute__((warn_unused_result));
/* Start hint-floor for d, watching path. */
int bench_floor_start(struct bench_host *h, struct bench_dom *d,
		      const char *watch) __attribute__((warn_unused_result));
/* Start ioreq-bench-minimal for d, serving the 4 ports at port; wrap as
 * for bench_daemon_start. */
int bench_minimal_start(struct bench_host *h, struct bench_dom *d,
			uint16_t port, const char *const *wrap)
	__attribute__((warn_unused_result));
/* Wait until d's device model is serving: /local/domain/0/hvmlink/<domid>/
 * state (hint-floor: .../hvmlink-floor/<domid>/state) reads "ready";
 * ioreq-bench-minimal: its server is enabled with its port range. */
int bench_daemon_wait_ready(struct bench_host *h, struct bench_dom *d,
			    int timeout_ms) __attribute__((warn_unused_result));
/* What the guest kernel module does at boot: find the function, program
 * the BARs, enable display events, announce display capability. */
int bench_guest_boot(struct bench_dom *d) __attribute__((warn_unused_result));
/* SIGTERM the device model and reap it; returns its exit status. */
int bench_dom_stop(struct bench_dom *d);
/* Stop (if needed), remove from xenstore, destroy the domain. */
void bench_dom_destroy(struct bench_host *h, struct bench_dom *d);

/* JSON output (bench-main.c): writes `"name": {`; the section writes its
 * members and the closing brace. */
void bench_json_section(const struct bench_opts *o, const char *name);

/* ---- numbers (bench-stats.c) ---------------------------------------- */

uint64_t bench_now_ns(void);
void bench_sleep_ms(unsigned int ms);
int bench_cmp_double(const void *a, const void *b);
/* Sorts v in place. */
double bench_median(double *v, size_t n);
/* Nearest-rank percentile (0 < p <= 100) of sorted v. */
double bench_percentile_sorted(const double *v, size_t n, double p);
/* Raise RLIMIT_NOFILE to the hard limit (density needs many sockets). */
void bench_raise_nofile(void);

/* ---- the per-request floor (bench-floor.c) --------------------------- */

/* Where ioreq-bench-minimal listens (4 ports, away from everything). */
#define BENCH_MINIMAL_PORT 0xd000

/* What one guest access is: */
enum bench_access {
	BENCH_ACC_REG,	/* IN of one register: hvmlinkd's PENDING, the
			 * minimal loop's port; one ioreq, no request */
	BENCH_ACC_REQ,	/* a GET_HOST_VERSION request (the cheapest type):
			 * one ioreq in which hvmlinkd maps, copies,
			 * validates, answers and writes back */
};
extern const char *const bench_access_name[2];
int bench_access_once(struct bench_dom *d, enum bench_access a)
	__attribute__((warn_unused_result));
/* Who serves a domain in the floor comparisons. */
enum bench_dm {
	BENCH_DM_HVMLINKD,
	BENCH_DM_FLOOR,		/* ioreq-bench-minimal, single-threaded */
	BENCH_DM_FLOOR_MT,	/* ioreq-bench-minimal --threaded */
};
extern const char *const bench_dm_name[3];
/* A domain served by dm (hvmlinkd: guest booted), device model started
 * under wrap (NULL: none), ready. */
int bench_floor_dom(struct bench_host *h, struct bench_dom *d,
		    uint16_t domid, enum bench_dm dm, const char *const *wrap)
	__attribute__((warn_unused_result));
/* n accesses, each after gap_us of quiet (0: back to back). */
int bench_accesses(struct bench_dom *d, enum bench_access a, unsigned int n,
		   unsigned int gap_us) __attribute__((warn_unused_result));
/* CLOCK_REALTIME in seconds (strace -ttt's clock). */
double bench_realtime(void);
/* System calls in an `strace -f -ttt -o file` log entered in [t0, t1]
 * (every thread; a call strace split in two lines counted once). */
int bench_strace_count(const char *file, double t0, double t1,
		       unsigned long *n) __attribute__((warn_unused_result));
/* The same, also counted by name into names[0..max) (zeroed first by the
 * caller; unused entries have n == 0). */
struct bench_name_count {
	char name[24];
	unsigned long n;
};
int bench_strace_names(const char *file, double t0, double t1,
		       unsigned long *n, struct bench_name_count *names,
		       unsigned int max) __attribute__((warn_unused_result));
/* System calls per isolated access (strace; gap_us of quiet before each)
 * of a device model for a new domain domid: hvmlinkd or the minimal loop.
 * strace: its path.  names (may be NULL): by name, over all n accesses. */
int bench_syscalls_per_access(struct bench_host *h, const char *strace,
			      uint16_t domid, enum bench_dm dm,
			      enum bench_access a, unsigned int n,
			      unsigned int gap_us, double *per,
			      struct bench_name_count *names, unsigned int max)
	__attribute__((warn_unused_result));

/* ---- fairness (bench-fair.c) ----------------------------------------- */

#define BENCH_FLOOD_MAX 8
/* vCPUs flooding GET_HOST_VERSION requests; done counts answers. */
struct bench_flood {
	struct bench_dom *d;
	pthread_t th[BENCH_FLOOD_MAX];
	unsigned int nr;
	atomic_bool stop;
	atomic_ulong done;
	int err;
};
int bench_flood_start(struct bench_flood *f, struct bench_dom *d,
		      unsigned int first_vcpu, unsigned int nv)
	__attribute__((warn_unused_result));
/* Stop and join; -1 if a request failed. */
int bench_flood_stop(struct bench_flood *f);

/* Latencies in microseconds, sorted (v is malloc'd). */
struct bench_lat {
	double *v;
	size_t n;
	double seconds, write_seconds;	/* kv burst: its length */
};
/* vCPU 0 times GET_HOST_VERSION requests, 1 ms apart, while the
 * administrator writes `writes` kv hints over `keys` keys as fast as
 * xenstored takes them (vCPU 1 watches for the last to reach the guest);
 * latencies of requests started during the burst and outside it. */
int bench_kv_burst(struct bench_host *h, struct bench_dom *d,
		   unsigned int writes, unsigned int keys,
		   struct bench_lat *burst, struct bench_lat *quiet)
	__attribute__((warn_unused_result));
/* The guest floods REPORT_GUEST_INFO (a new name each) for ms: the
 * publications a second seen by a watch on guest/name, the reports a
 * second, and how long after the flood the last name is published. */
int bench_publish_flood(struct bench_host *h, struct bench_dom *d,
			unsigned int ms, double *per_sec, double *reports,
			double *last_ms) __attribute__((warn_unused_result));
/* n isolated rep insd of count elements from PENDING (count 1: a plain
 * read): median latency; *data: the last read's data. */
int bench_rep_us(struct bench_dom *d, uint32_t count, unsigned int n,
		 double *median_us, uint64_t *data)
	__attribute__((warn_unused_result));

/* Sections (bench-*.c): 0 on success. */
int bench_ioreq(struct bench_host *h);
int bench_callgrind(struct bench_host *h);
int bench_syscalls(struct bench_host *h);
int bench_hint(struct bench_host *h);
int bench_idle(struct bench_host *h);
int bench_fair(struct bench_host *h);
int bench_density(struct bench_host *h);

/* Hint latency through d's device model: n hints written with xs_write,
 * time to INTx asserted and to the guest holding the new hint.
 * Domains served by hint-floor answer with one port read.
 * Latencies in microseconds, sorted, into
 * irq_us[n] and read_us[n]. */
int bench_hint_run(struct bench_host *h, struct bench_dom *const *doms,
		   unsigned int ndoms, unsigned int n,
		   double *irq_us, double *read_us)
	__attribute__((warn_unused_result));

/* One hint of width w to d: latencies to INTx and to the guest holding
 * it; work (may be NULL): a counter others bump, whose increase between
 * the write and the interrupt lands in *work_done. */
int bench_hint_one(struct bench_host *h, struct bench_dom *d,
		   unsigned int w, const atomic_ulong *work, double *irq_us,
		   double *read_us, double *work_done)
	__attribute__((warn_unused_result));
/* The administrator's hint root of d: .../hints (display/N, kv/KEY). */
void bench_hints_root(const struct bench_dom *d, char *buf, size_t len);

/* n hints to dmn (hvmlinkd) and to flr (hint-floor) in alternating
 * chunks; the four arrays come back sorted. */
int bench_hint_pair(struct bench_host *h, struct bench_dom *dmn,
		    struct bench_dom *flr, unsigned int n, double *di,
		    double *dr, double *fi, double *fr)
	__attribute__((warn_unused_result));
/* Table rows and JSON members (inside an open section) for a pair. */
void bench_hint_report(const struct bench_opts *o, unsigned int n,
		       const double *di, const double *dr, const double *fi,
		       const double *fr);
/* Create domain domid served by hint-floor and wait until it serves. */
int bench_hint_floor_dom(struct bench_host *h, struct bench_dom *flr,
			 uint16_t domid) __attribute__((warn_unused_result));

#define BENCH_LOG(...) \
	do { \
		fprintf(stderr, "hvmlink-bench: " __VA_ARGS__); \
		fputc('\n', stderr); \
	} while (0)

/* Where the hint floor puts its registers (hint-floor.c). */
#define FLOOR_PORT_BASE	SG_IO_BASE
#define FLOOR_PORT_LEN	HVMLINK_BAR0_SIZE
/* hint-floor: reading this port returns the hint's width (the
 * guest's "read the new hint") and lowers the line, as ACK would. */
#define FLOOR_REG_HINT	HVMLINK_REG_PENDING
/* The line it raises: INTA# of this slot. */
#define FLOOR_SLOT	0x1e

#endif /* HVMLINK_BENCH_H */
