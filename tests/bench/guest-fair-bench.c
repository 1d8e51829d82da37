/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-fair-bench: the in-guest benchmark of the request path against
 * fair baselines (issue 13).  Runs in the guest as root (port IO), in one
 * process, on one clock (CLOCK_MONOTONIC), with the kinds of access taking
 * turns in every sample (the starting one rotates), so every kind sees
 * the same guest, host and load:
 *
 *   request     an hvmlink request through /dev/hvmlink
 *               (HVMLINK_IOCTL_REQUEST, GET_HOST_VERSION, the cheapest
 *               type): a guest system call, the driver, one port write
 *               that exits to hvmlinkd in Dom0, and back
 *   qemu_port   IN of the i8042 status port 0x64, which QEMU emulates in
 *               Dom0 (Xen emulates no i8042): one exit to a Dom0 device
 *               model that is not hvmlinkd
 *   probe_port  IN of the e2e probe's port (tests/e2e/e2e-ioreq-probe: the
 *               least a Dom0 ioreq server can do -- poll, pending,
 *               unmask, answer, notify): the floor for any Dom0 device
 *               model
 *   null_ioctl  HVMLINK_IOCTL_VERSION, which never touches the device:
 *               the guest's own system call cost, part of "request"
 *   register    IN of hvmlink's BAR0 VERSION register: one exit to
 *               hvmlinkd, no request
 *   xen_port    IN of port 0x61, which Xen itself emulates (never reaches
 *               Dom0): Xen-internal, for scale only
 *   probe_sys   a one-byte pread of /dev/port at the probe's port: a guest
 *               system call and the kernel's IN of that port -- the same
 *               shape of work as "request" (a system call, then one exit
 *               to the least Dom0 device model), so request/probe_sys is
 *               the request path against the floor of any request a
 *               guest program makes through its kernel
 *   empty       nothing between the two clock reads: what the timing
 *               itself costs, inside every other kind's figure (on the
 *               nested e2e guest a clock read is not free: see
 *               docs/performance.md)
 *
 * Before measuring it checks that each target answers as it should: the
 * i8042 status must not read 0xff (what Xen returns for a port nobody
 * emulates; QEMU's controller reads 0x1c after the firmware's self-test),
 * the probe port 0x42, the register HVMLINK_PROTOCOL_VERSION, the request
 * HVMLINK_OK ("E2E-BENCH fair-check ..."; a failed one is "E2E-BENCH fair
 * FAIL ...").  Output: one "E2E-BENCH fair-detail" line per kind, then
 *
 *   E2E-BENCH fair n=N <kind>_med=NS <kind>_p99=NS ...
 *     request/qemu_port=R request/probe_port=R register/probe_port=R
 *     request/probe_sys=R
 *
 * (medians in nanoseconds; ratios of medians).  Static, no library beyond
 * libc: the e2e guest is busybox.
 *
 * usage: hvmlink-fair-bench [-n N] [--device PATH] [--bdf BB:DD.F]
 *                           [--probe-port P] [--qemu-port P]
 * Exit: 0 measured, 1 a target did not answer right (the line says which),
 * 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define HAVE_PORT_IO 1
#endif

#include "hvmlink/ioctl.h"
#include "hvmlink/protocol.h"

enum kind {
	K_REQUEST, K_QEMU, K_PROBE, K_NULL, K_REGISTER, K_XEN, K_PROBE_SYS,
	K_EMPTY, K_COUNT
};

static const char *const kind_name[K_COUNT] = {
	"request", "qemu_port", "probe_port", "null_ioctl", "register",
	"xen_port", "probe_sys", "empty",
};

struct target {
	int fd;
	int port_fd;		/* /dev/port */
	unsigned short qemu_port, probe_port, reg_port, xen_port;
	struct hvmlink_req_host_version req;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int do_request(struct target *t)
{
	struct hvmlink_ioctl_request io = {
		.buf = (uintptr_t)&t->req, .size = sizeof(t->req),
	};

	memset(&t->req, 0, sizeof(t->req));
	t->req.header.size = sizeof(t->req);
	t->req.header.version = HVMLINK_REQUEST_VERSION;
	t->req.header.type = HVMLINK_REQ_GET_HOST_VERSION;
	t->req.header.rc = HVMLINK_ERR_GENERAL;
	if (ioctl(t->fd, HVMLINK_IOCTL_REQUEST, &io) < 0)
		return -errno;
	return t->req.header.rc == HVMLINK_OK ? 0 : -EPROTO;
}

/* One access of kind k; its result for the checks. */
static int access_once(struct target *t, enum kind k, uint32_t *val)
{
	struct hvmlink_ioctl_version v;

	switch (k) {
	case K_REQUEST:
		*val = 0;
		return do_request(t);
	case K_NULL:
		*val = 0;
		return ioctl(t->fd, HVMLINK_IOCTL_VERSION, &v) < 0 ? -errno : 0;
	case K_EMPTY:
		*val = 0;
		return 0;
	case K_PROBE_SYS: {
		uint8_t b = 0;
		ssize_t r = pread(t->port_fd, &b, 1, t->probe_port);

		*val = b;
		return r == 1 ? 0 : r < 0 ? -errno : -EIO;
	}
#ifdef HAVE_PORT_IO
	case K_QEMU:
		*val = inb(t->qemu_port);
		return 0;
	case K_PROBE:
		*val = inb(t->probe_port);
		return 0;
	case K_REGISTER:
		*val = inl(t->reg_port);
		return 0;
	case K_XEN:
		*val = inb(t->xen_port);
		return 0;
#endif
	default:
		return -ENOSYS;
	}
}

/* BAR0 (port IO) of the hvmlink function: from sysfs, by --bdf or by its
 * vendor:device ids.  0 if not found. */
static unsigned short find_bar0(const char *bdf)
{
	char path[128], line[128];
	unsigned long long start = 0, end, flags;
	FILE *f;

	if (bdf) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/0000:%s/resource", bdf);
	} else {
		/* Slots of bus 0, as the e2e guest has them. */
		for (int dev = 0; dev < 32; dev++) {
			unsigned int ven = 0, did = 0;

			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/0000:00:%02x.0/vendor", dev);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fscanf(f, "%x", &ven) != 1)
				ven = 0;
			fclose(f);
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/0000:00:%02x.0/device", dev);
			f = fopen(path, "r");
			if (f) {
				if (fscanf(f, "%x", &did) != 1)
					did = 0;
				fclose(f);
			}
			if (ven == HVMLINK_PCI_VENDOR_ID &&
			    did == HVMLINK_PCI_DEVICE_ID) {
				snprintf(path, sizeof(path),
					 "/sys/bus/pci/devices/0000:00:%02x.0/resource",
					 dev);
				break;
			}
			path[0] = '\0';
		}
		if (!path[0])
			return 0;
	}
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* First line: BAR0 "start end flags"; IORESOURCE_IO is 0x100. */
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 ||
	    !(flags & 0x100) || start == 0 || start > 0xffff - HVMLINK_BAR0_SIZE)
		start = 0;
	fclose(f);
	return (unsigned short)start;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank, of sorted v. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned int p)
{
	size_t r = (n * p + 99) / 100;

	return v[r ? r - 1 : 0];
}

static int usage(void)
{
	fprintf(stderr, "usage: hvmlink-fair-bench [-n N] [--device PATH] [--bdf BB:DD.F]\n"
			"                          [--probe-port P] [--qemu-port P]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "bdf", required_argument, NULL, 'b' },
		{ "probe-port", required_argument, NULL, 'p' },
		{ "qemu-port", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *device = HVMLINK_DEVICE_PATH, *bdf = NULL;
	struct target t = { .qemu_port = 0x64, .probe_port = 0x1200,
			    .xen_port = 0x61 };
	uint64_t *s[K_COUNT], med[K_COUNT], p99[K_COUNT];
	unsigned long n = 1000;
	unsigned short bar0;
	uint32_t v;
	int opt, bad = 0;

	while ((opt = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		char *end;
		unsigned long x;

		switch (opt) {
		case 'n':
			n = strtoul(optarg, &end, 0);
			if (*end || n < 10 || n > 10000000)
				return usage();
			break;
		case 'd': device = optarg; break;
		case 'b': bdf = optarg; break;
		case 'p':
		case 'q':
			x = strtoul(optarg, &end, 0);
			if (*end || x == 0 || x > 0xffff)
				return usage();
			if (opt == 'p')
				t.probe_port = (unsigned short)x;
			else
				t.qemu_port = (unsigned short)x;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
#ifndef HAVE_PORT_IO
	printf("E2E-BENCH fair FAIL port IO needs x86\n");
	return 1;
#else
	t.fd = open(device, O_RDWR | O_CLOEXEC);
	if (t.fd < 0) {
		printf("E2E-BENCH fair FAIL %s: %s\n", device, strerror(errno));
		return 1;
	}
	bar0 = find_bar0(bdf);
	if (!bar0) {
		printf("E2E-BENCH fair FAIL no hvmlink BAR0 found in sysfs\n");
		return 1;
	}
	t.reg_port = (unsigned short)(bar0 + HVMLINK_REG_VERSION);
	t.port_fd = open("/dev/port", O_RDONLY | O_CLOEXEC);
	if (t.port_fd < 0) {
		printf("E2E-BENCH fair FAIL /dev/port: %s\n", strerror(errno));
		return 1;
	}
	if (iopl(3) < 0) {
		printf("E2E-BENCH fair FAIL iopl: %s (run as root)\n",
		       strerror(errno));
		return 1;
	}

	/* Each target answers as it should, or the figure means nothing. */
	access_once(&t, K_QEMU, &v);
	printf("E2E-BENCH fair-check i8042 status 0x%02x at 0x%x (0xff: nobody emulates it; QEMU's reads 0x1c)\n",
	       v, t.qemu_port);
	if (v == 0xff)
		bad = printf("E2E-BENCH fair FAIL port 0x%x does not reach QEMU\n",
			     t.qemu_port);
	access_once(&t, K_PROBE, &v);
	if (v != 0x42)
		bad = printf("E2E-BENCH fair FAIL probe port 0x%x reads 0x%02x, not the probe's 0x42\n",
			     t.probe_port, v);
	if (access_once(&t, K_PROBE_SYS, &v) || v != 0x42)
		bad = printf("E2E-BENCH fair FAIL /dev/port at 0x%x reads 0x%02x, not the probe's 0x42\n",
			     t.probe_port, v);
	access_once(&t, K_REGISTER, &v);
	if (v != HVMLINK_PROTOCOL_VERSION)
		bad = printf("E2E-BENCH fair FAIL register 0x%x reads 0x%x, not the protocol version 0x%x\n",
			     t.reg_port, v, (unsigned int)HVMLINK_PROTOCOL_VERSION);
	if (access_once(&t, K_REQUEST, &v))
		bad = printf("E2E-BENCH fair FAIL GET_HOST_VERSION request: %s\n",
			     strerror(errno));
	if (bad)
		return 1;

	for (int k = 0; k < K_COUNT; k++) {
		s[k] = calloc(n, sizeof(uint64_t));
		if (!s[k]) {
			printf("E2E-BENCH fair FAIL out of memory\n");
			return 1;
		}
	}
	/* Warm up caches and the guest's paths, then measure. */
	for (unsigned long i = 0; i < 100; i++)
		for (int k = 0; k < K_COUNT; k++)
			(void)access_once(&t, (enum kind)k, &v);
	for (unsigned long i = 0; i < n; i++) {
		for (int j = 0; j < K_COUNT; j++) {
			enum kind k = (enum kind)((i + (unsigned long)j) % K_COUNT);
			uint64_t t0 = now_ns();
			int rc = access_once(&t, k, &v);

			s[k][i] = now_ns() - t0;
			if (rc) {
				printf("E2E-BENCH fair FAIL %s: %s\n",
				       kind_name[k], strerror(-rc));
				return 1;
			}
		}
	}
	for (int k = 0; k < K_COUNT; k++) {
		qsort(s[k], n, sizeof(uint64_t), cmp_u64);
		med[k] = pct(s[k], n, 50);
		p99[k] = pct(s[k], n, 99);
		printf("E2E-BENCH fair-detail %-10s median %8llu ns  p99 %8llu ns%s\n",
		       kind_name[k], (unsigned long long)med[k],
		       (unsigned long long)p99[k],
		       k == K_XEN ? "  (Xen-internal: never reaches Dom0)" : "");
	}
	printf("E2E-BENCH fair n=%lu", n);
	for (int k = 0; k < K_COUNT; k++)
		printf(" %s_med=%llu %s_p99=%llu", kind_name[k],
		       (unsigned long long)med[k], kind_name[k],
		       (unsigned long long)p99[k]);
	printf(" request/qemu_port=%.2f request/probe_port=%.2f register/probe_port=%.2f request/probe_sys=%.2f\n",
	       (double)med[K_REQUEST] / (double)med[K_QEMU],
	       (double)med[K_REQUEST] / (double)med[K_PROBE],
	       (double)med[K_REGISTER] / (double)med[K_PROBE],
	       (double)med[K_REQUEST] / (double)med[K_PROBE_SYS]);
	return 0;
#endif
}
