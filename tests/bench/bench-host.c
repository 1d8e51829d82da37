/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench: the simulated host -- the stand-in hypervisor, the
 * toolstack's steps around a domain, starting and stopping its device
 * model, and the guest driver's boot (through sim-guest-driver.c, the
 * integration tests' guest driver).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <xenstore.h>

#include "tests/bench/bench.h"

/* xenstored 4.17 ignores the ring's mfn; the port must be non-zero
 * (tests/harness/xs-introduce.c does the same). */
#define BENCH_XS_RING_MFN	0xfeffeUL
#define BENCH_XS_RING_PORT	1u

int bench_host_open(struct bench_host *h, const struct bench_opts *o)
{
	memset(h, 0, sizeof(*h));
	h->o = o;
	h->sim = xensim_open(NULL);
	if (!h->sim) {
		BENCH_LOG("xensim_open: %s", strerror(errno));
		return -1;
	}
	h->xs = xs_open(0);
	if (!h->xs) {
		BENCH_LOG("xs_open: %s (is XENSTORED_PATH set?)", strerror(errno));
		xensim_close(h->sim);
		h->sim = NULL;
		return -1;
	}
	return 0;
}

void bench_host_close(struct bench_host *h)
{
	if (h->xs)
		xs_close(h->xs);
	if (h->sim)
		xensim_close(h->sim);
	memset(h, 0, sizeof(*h));
}

static __attribute__((format(printf, 3, 4))) bool
xs_printf(struct xs_handle *xs, const char *path, const char *fmt, ...)
{
	va_list ap;
	char val[64];	/* "/vm/UUID" is 40 */
	int n;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val)) {
		errno = ENAMETOOLONG;
		return false;
	}
	return xs_write(xs, XBT_NULL, path, val, (unsigned int)n);
}

int bench_dom_create(struct bench_host *h, struct bench_dom *d,
		     uint16_t domid, unsigned int vcpus, uint64_t ram)
{
	struct xs_permissions perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};
	char path[96];
	int rc;

	memset(d, 0, sizeof(*d));
	d->g.sim = h->sim;
	d->g.domid = domid;
	d->g.nr_vcpus = vcpus;
	rc = xensim_domain_create(h->sim, domid, vcpus, ram);
	if (rc) {
		BENCH_LOG("xensim_domain_create(%u): %s", domid, strerror(-rc));
		return -1;
	}
	d->alive = true;
	/* What libxl does once the domain is built. */
	snprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
	if (!xs_printf(h->xs, path, "%u", domid))
		goto fail;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	if (!xs_printf(h->xs, path, "bench-%u", domid))
		goto fail;
	/* libxl__domain_make: the VM's UUID, linked from the home. */
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	if (!xs_printf(h->xs, path, "/vm/" BENCH_UUID_FMT, domid))
		goto fail;
	snprintf(path, sizeof(path), "/vm/" BENCH_UUID_FMT "/name", domid);
	if (!xs_printf(h->xs, path, "bench-%u", domid))
		goto fail;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	if (!xs_set_permissions(h->xs, XBT_NULL, path, perms, 2) ||
	    !xs_introduce_domain(h->xs, domid, BENCH_XS_RING_MFN,
				 BENCH_XS_RING_PORT))
		goto fail;
	return 0;
fail:
	BENCH_LOG("introducing domain %u to xenstored: %s", domid,
		  strerror(errno));
	bench_dom_destroy(h, d);
	return -1;
}

int bench_dom_spawn(struct bench_host *h, struct bench_dom *d,
		    char *const argv[])
{
	pid_t pid = xensim_spawn(h->sim, argv);

	if (pid < 0) {
		BENCH_LOG("starting %s: %s", argv[0], strerror((int)-pid));
		return -1;
	}
	d->dm = pid;
	return 0;
}

int bench_daemon_start(struct bench_host *h, struct bench_dom *d,
		       const char *const *wrap)
{
	char domid[8], run[PATH_MAX + 16], state[PATH_MAX + 16];
	const char *argv[32];
	size_t n = 0;

	snprintf(domid, sizeof(domid), "%u", d->g.domid);
	/* The lock and state files of this simulated host, not the real
	 * host's /run/hvmlink and /var/lib/hvmlink. */
	snprintf(run, sizeof(run), "--run-dir=%s/run", xensim_dir(h->sim));
	snprintf(state, sizeof(state), "--state-dir=%s/state",
		 xensim_dir(h->sim));
	for (; wrap && wrap[n] && n < 20; n++)
		argv[n] = wrap[n];
	argv[n++] = h->o->hvmlinkd;
	argv[n++] = "--domid";
	argv[n++] = domid;
	argv[n++] = run;
	argv[n++] = state;
	/* Deployed as the systemd unit runs it, minus syslog: foreground,
	 * default log level (notice: start and stop lines only). */
	argv[n++] = "--foreground";
	argv[n] = NULL;
	return bench_dom_spawn(h, d, (char *const *)argv);
}

int bench_floor_start(struct bench_host *h, struct bench_dom *d,
		      const char *watch)
{
	char domid[8];
	const char *argv[] = { h->o->hint_floor, domid, watch, NULL };

	snprintf(domid, sizeof(domid), "%u", d->g.domid);
	d->floor = true;
	/* The guest finds the floor's registers where BAR0 would be. */
	d->g.io_base = FLOOR_PORT_BASE;
	d->g.slot = FLOOR_SLOT;
	return bench_dom_spawn(h, d, (char *const *)argv);
}

int bench_minimal_start(struct bench_host *h, struct bench_dom *d,
			uint16_t port, const char *const *wrap)
{
	char domid[8], p[8];
	const char *argv[32];
	size_t n = 0;

	snprintf(domid, sizeof(domid), "%u", d->g.domid);
	snprintf(p, sizeof(p), "%u", port);
	for (; wrap && wrap[n] && n < 20; n++)
		argv[n] = wrap[n];
	argv[n++] = h->o->ioreq_floor;
	argv[n++] = domid;
	argv[n++] = p;
	if (d->threaded)
		argv[n++] = "--threaded";
	argv[n] = NULL;
	d->minimal = true;
	d->g.io_base = port;
	return bench_dom_spawn(h, d, (char *const *)argv);
}

/* ioreq-bench-minimal maps its range last, after binding every vCPU. */
static int minimal_wait_ready(struct bench_host *h, struct bench_dom *d,
			      int timeout_ms)
{
	uint64_t end = bench_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		struct xensim_server_info si;
		int st;

		if (xensim_servers(h->sim, d->g.domid, &si, 1) == 1 &&
		    si.enabled && si.nr_port_ranges > 0)
			return 0;
		if (d->dm && waitpid(d->dm, &st, WNOHANG) == d->dm) {
			d->dm = 0;
			BENCH_LOG("ioreq-bench-minimal for domain %u exited (status 0x%x)",
				  d->g.domid, st);
			return -1;
		}
		if (bench_now_ns() > end) {
			BENCH_LOG("domain %u: ioreq-bench-minimal not serving",
				  d->g.domid);
			return -1;
		}
		bench_sleep_ms(5);
	}
}

int bench_daemon_wait_ready(struct bench_host *h, struct bench_dom *d,
			    int timeout_ms)
{
	char path[80];
	uint64_t end = bench_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	if (d->minimal)
		return minimal_wait_ready(h, d, timeout_ms);
	snprintf(path, sizeof(path), "/local/domain/0/%s/%u/state",
		 d->floor ? "hvmlink-floor" : "hvmlink", d->g.domid);
	for (;;) {
		unsigned int len;
		char *v = xs_read(h->xs, XBT_NULL, path, &len);
		bool ready = v && strcmp(v, "ready") == 0;
		int st;

		free(v);
		if (ready)
			return 0;
		if (d->dm && waitpid(d->dm, &st, WNOHANG) == d->dm) {
			d->dm = 0;
			BENCH_LOG("device model of domain %u exited during start-up (status 0x%x)",
				  d->g.domid, st);
			return -1;
		}
		if (bench_now_ns() > end) {
			BENCH_LOG("domain %u: %s not ready", d->g.domid, path);
			return -1;
		}
		bench_sleep_ms(5);
	}
}

int bench_guest_boot(struct bench_dom *d)
{
	struct hvmlink_req_filter_mask fm;
	struct hvmlink_req_guest_caps gc;
	uint32_t bar0, bar1;
	int32_t st;
	int rc;

	rc = sg_probe(&d->g, HVMLINK_PCI_VENDOR_ID, HVMLINK_PCI_DEVICE_ID);
	if (rc) {
		BENCH_LOG("domain %u: no hvmlink device (%s)", d->g.domid,
			  strerror(-rc));
		return -1;
	}
	rc = sg_setup_bars(&d->g, &bar0, &bar1);
	if (rc) {
		BENCH_LOG("domain %u: BARs: %s", d->g.domid, strerror(-rc));
		return -1;
	}
	sg_header(&fm, sizeof(fm), HVMLINK_REQ_CTL_FILTER_MASK);
	fm.or_mask = HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE;
	rc = sg_request(&d->g, 0, &fm, sizeof(fm), &st);
	if (rc || st != HVMLINK_OK) {
		BENCH_LOG("domain %u: CTL_FILTER_MASK: %d/%d", d->g.domid, rc, st);
		return -1;
	}
	sg_header(&gc, sizeof(gc), HVMLINK_REQ_SET_GUEST_CAPS);
	gc.or_mask = HVMLINK_GUEST_CAP_DISPLAY | HVMLINK_GUEST_CAP_KV;
	rc = sg_request(&d->g, 0, &gc, sizeof(gc), &st);
	if (rc || st != HVMLINK_OK) {
		BENCH_LOG("domain %u: SET_GUEST_CAPS: %d/%d", d->g.domid, rc, st);
		return -1;
	}
	return 0;
}

int bench_dom_stop(struct bench_dom *d)
{
	int st = 0;

	if (!d->dm)
		return 0;
	kill(d->dm, SIGTERM);
	if (xensim_wait_child(d->dm, -1, &st) < 0) {
		BENCH_LOG("domain %u: device model ignored SIGTERM; killed",
			  d->g.domid);
		d->dm = 0;
		return -1;
	}
	d->dm = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void bench_dom_destroy(struct bench_host *h, struct bench_dom *d)
{
	char path[64];

	(void)bench_dom_stop(d);
	if (!d->alive)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u", d->g.domid);
	xs_rm(h->xs, XBT_NULL, path);
	(void)xensim_domain_destroy(h->sim, d->g.domid);
	d->alive = false;
}
