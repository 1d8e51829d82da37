/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench: what one guest access costs a device model, against the
 * floor -- tests/bench/ioreq-bench-minimal.c, the least any device model
 * can do per ioreq (poll, read the port, unmask, answer, notify).
 * Shared by the "callgrind" and "syscalls" sections and by
 * tests/bench/floor-test.
 *
 * An *isolated* access comes after a quiet gap, so the device model is
 * back asleep in poll() when it arrives: what a guest that sends one
 * request at a time costs (the common case).  *Back to back*, the next
 * access follows the previous answer at once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "tests/bench/bench.h"

const char *const bench_access_name[2] = { "register", "request" };
const char *const bench_dm_name[3] = { "hvmlinkd", "floor",
				       "floor (threaded)" };

int bench_access_once(struct bench_dom *d, enum bench_access a)
{
	struct hvmlink_req_host_version r;
	uint64_t v;
	int32_t st;
	int rc;

	if (a == BENCH_ACC_REG) {
		uint32_t p;

		if (d->minimal)
			/* Its register: a port it answers with a constant. */
			return xensim_pio_read(d->g.sim, d->g.domid, 0,
					       BENCH_MINIMAL_PORT, 4, &v);
		return sg_reg_read(&d->g, 0, HVMLINK_REG_PENDING, &p);
	}
	sg_header(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
	if (d->minimal) {
		/* The same request in the same guest page, its address
		 * written to the floor's port (what sg_request does with
		 * hvmlinkd's REQUEST register). */
		uint64_t gpa = sg_req_gpa(0);

		if ((rc = xensim_ram_write(d->g.sim, d->g.domid, gpa, &r,
					   sizeof(r))) ||
		    (rc = xensim_pio_write(d->g.sim, d->g.domid, 0,
					   BENCH_MINIMAL_PORT, 4, gpa)) ||
		    (rc = xensim_ram_read(d->g.sim, d->g.domid, gpa, &r,
					  sizeof(r))))
			return rc;
		st = r.header.rc;
	} else {
		rc = sg_request(&d->g, 0, &r, sizeof(r), &st);
		if (rc)
			return rc;
	}
	if (st != HVMLINK_OK || r.protocol_version != HVMLINK_PROTOCOL_VERSION)
		return -EPROTO;
	return 0;
}

int bench_accesses(struct bench_dom *d, enum bench_access a, unsigned int n,
		   unsigned int gap_us)
{
	for (unsigned int i = 0; i < n; i++) {
		int rc;

		if (gap_us) {
			struct timespec ts = { gap_us / 1000000,
					       (long)(gap_us % 1000000) * 1000 };

			while (nanosleep(&ts, &ts) < 0)
				;
		}
		rc = bench_access_once(d, a);
		if (rc) {
			BENCH_LOG("domain %u: %s access %u failed: %s",
				  d->g.domid, bench_access_name[a], i,
				  strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* The guest's boot told the daemon its caps, which it publishes
 * (rate-limited, so maybe a moment later): wait for that, so what comes
 * next finds a quiet daemon. */
static int wait_boot_published(struct bench_host *h, struct bench_dom *d)
{
	char path[96], want[16];
	uint64_t end = bench_now_ns() + 60000000000ull;

	snprintf(path, sizeof(path), "/local/domain/0/hvmlink/%u/guest/caps",
		 d->g.domid);
	snprintf(want, sizeof(want), "0x%x",
		 HVMLINK_GUEST_CAP_DISPLAY | HVMLINK_GUEST_CAP_KV);
	for (;;) {
		unsigned int len;
		char *v = xs_read(h->xs, XBT_NULL, path, &len);
		bool done = v && !strcmp(v, want);

		free(v);
		if (done)
			return 0;
		if (bench_now_ns() > end) {
			BENCH_LOG("domain %u: the guest's caps were never published",
				  d->g.domid);
			return -1;
		}
		bench_sleep_ms(5);
	}
}

int bench_floor_dom(struct bench_host *h, struct bench_dom *d,
		    uint16_t domid, enum bench_dm dm, const char *const *wrap)
{
	bool minimal = dm != BENCH_DM_HVMLINKD;

	if (bench_dom_create(h, d, domid, 1, SG_RAM_BYTES))
		return -1;
	d->threaded = dm == BENCH_DM_FLOOR_MT;
	if ((minimal ? bench_minimal_start(h, d, BENCH_MINIMAL_PORT, wrap)
		     : bench_daemon_start(h, d, wrap)) ||
	    bench_daemon_wait_ready(h, d, 300000) ||
	    (!minimal && (bench_guest_boot(d) ||
			  wait_boot_published(h, d)))) {
		bench_dom_destroy(h, d);
		return -1;
	}
	return 0;
}

double bench_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_strace_count(const char *file, double t0, double t1,
		       unsigned long *n)
{
	return bench_strace_names(file, t0, t1, n, NULL, 0);
}

int bench_strace_names(const char *file, double t0, double t1,
		       unsigned long *n, struct bench_name_count *names,
		       unsigned int max)
{
	char line[4096];
	FILE *f = fopen(file, "r");

	if (!f) {
		BENCH_LOG("%s: %s", file, strerror(errno));
		return -1;
	}
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		double t;
		int pid, off = 0;

		/* "PID SECONDS.MICROS name(...) = ..." */
		if (sscanf(line, "%d %lf %n", &pid, &t, &off) < 2 || !off)
			continue;
		if (t < t0 || t > t1)
			continue;
		/* strace's own notes, and the second half of a call another
		 * thread's call interrupted in the log. */
		if (!strncmp(line + off, "---", 3) ||
		    !strncmp(line + off, "+++", 3) ||
		    !strncmp(line + off, "<...", 4))
			continue;
		(*n)++;
		if (names) {
			size_t len = strcspn(line + off, "(");
			unsigned int i;

			if (len >= sizeof(names[0].name))
				len = sizeof(names[0].name) - 1;
			for (i = 0; i < max && names[i].n; i++)
				if (strlen(names[i].name) == len &&
				    !strncmp(names[i].name, line + off, len))
					break;
			if (i < max) {
				if (!names[i].n) {
					memcpy(names[i].name, line + off, len);
					names[i].name[len] = '\0';
				}
				names[i].n++;
			}
		}
	}
	fclose(f);
	return 0;
}

/* d->dm is strace: SIGTERM its child (the device model; xensim-run
 * exec'd it), then reap strace, which exits with the child's status. */
static int stop_traced(struct bench_dom *d)
{
	char path[64], buf[256];
	FILE *f;
	int st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)d->dm,
		 (int)d->dm);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			for (char *p = strtok(buf, " \n"); p;
			     p = strtok(NULL, " \n"))
				kill((pid_t)atoi(p), SIGTERM);
		}
		fclose(f);
	}
	if (xensim_wait_child(d->dm, -1, &st) < 0) {
		d->dm = 0;
		return -1;
	}
	d->dm = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int bench_syscalls_per_access(struct bench_host *h, const char *strace,
			      uint16_t domid, enum bench_dm dm,
			      enum bench_access a, unsigned int n,
			      unsigned int gap_us, double *per,
			      struct bench_name_count *names, unsigned int max)
{
	char log[4096];
	const char *wrap[] = { strace, "-f", "-qq", "-ttt", "-o", log, NULL };
	const char *tmp = getenv("TMPDIR");
	struct bench_dom d;
	unsigned long calls;
	double t0, t1;
	int rc = -1, fd;

	snprintf(log, sizeof(log), "%s/hvmlink-strace.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(log);
	if (fd < 0) {
		BENCH_LOG("mkstemp: %s", strerror(errno));
		return -1;
	}
	close(fd);
	{
		/* A sanitizer build: LeakSanitizer cannot run under ptrace
		 * (the other tests check for leaks). */
		const char *asan = getenv("ASAN_OPTIONS");
		char *saved = asan ? strdup(asan) : NULL;
		char opts[1024];

		snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0",
			 asan ? asan : "", asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		rc = bench_floor_dom(h, &d, domid, dm, wrap);
		if (saved)
			setenv("ASAN_OPTIONS", saved, 1);
		else
			unsetenv("ASAN_OPTIONS");
		free(saved);
		if (rc)
			goto out;
		rc = -1;
	}
	/* Warm up (guest page cache, first-use paths), then let the
	 * device model fall asleep before the measured window opens. */
	if (bench_accesses(&d, a, 20, gap_us))
		goto out_dom;
	bench_sleep_ms(50);
	t0 = bench_realtime();
	if (bench_accesses(&d, a, n, gap_us))
		goto out_dom;
	/* The window closes once the device model is back in poll() after
	 * the last answer: n accesses, n returns to poll(). */
	bench_sleep_ms(50);
	t1 = bench_realtime();
	if (stop_traced(&d) != 0) {
		BENCH_LOG("domain %u: device model under strace did not exit 0",
			  domid);
		goto out_dom;
	}
	if (names)
		memset(names, 0, max * sizeof(*names));
	if (bench_strace_names(log, t0, t1, &calls, names, max))
		goto out_dom;
	*per = (double)calls / (double)n;
	rc = 0;
out_dom:
	bench_dom_destroy(h, &d);
out:
	if (rc)
		BENCH_LOG("strace log kept: %s", log);
	else
		unlink(log);
	return rc;
}
