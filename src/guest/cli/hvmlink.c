// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink: the guest command-line tool, for scripts and the e2e test.
 * libc only (a busybox guest has nothing else).  See docs/man/hvmlink.1
 * for commands and exit codes.
 *
 * Which device node (D4): every command whose requests the user node
 * allows (info, hint, key, wait for display/kv/restored, bench-roundtrip)
 * opens /dev/hvmlink-user, so a user of the active seat or of group
 * hvmlink needs no root; only what the user node refuses (waiting for the
 * heartbeat) opens the admin node /dev/hvmlink.  If the user node cannot
 * be opened (a driver without it, or no right to it), the admin node is
 * tried.  --device names one node and nothing else is tried.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

#include "guest/lib/hvmlink_guest.h"

/* Exit codes (documented in hvmlink.1; scripts rely on them). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* device or request error */
#define EXIT_USAGE	2
#define EXIT_TIMEOUT	3	/* wait: nothing within --timeout */
#define EXIT_NOTFOUND	4	/* no such key / no hint set */

#ifndef HVMLINK_USER_DEVICE_PATH
#define HVMLINK_USER_DEVICE_PATH "/dev/hvmlink-user"
#endif

static const char *device_path;

static const char usage_text[] =
	"usage: hvmlink [--device PATH] COMMAND [ARGS]\n"
	"  info\n"
	"  hint display [N]\n"
	"  key get KEY | key list\n"
	"  wait [--timeout SECONDS] EVENT...   (display kv heartbeat restored)\n"
	"  bench-roundtrip N\n"
	"  bench-port PORT N [WIDTH]\n"
	"Options: --device PATH, --help, --version (also after COMMAND).\n"
	"Exit status: 0 ok, 1 failure, 2 usage, 3 wait timed out, 4 not found.\n"
	"See hvmlink(1).\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static void version(void)
{
	printf("hvmlink %s (interface %d.%d, protocol %d.%d)\n", PACKAGE_VERSION,
	       HVMLINK_IOCTL_VERSION_MAJOR, HVMLINK_IOCTL_VERSION_MINOR,
	       HVMLINK_PROTOCOL_VERSION_MAJOR, HVMLINK_PROTOCOL_VERSION_MINOR);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "hvmlink: %s: %s\n", what, strerror(-err));
	if (err == -ENOENT || err == -ENODATA)
		return EXIT_NOTFOUND;
	return EXIT_FAIL;
}

/* Parse a decimal or 0x number into [0, max]; -1 on junk. */
static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *out > max)
		return -1;
	return 0;
}

static int device_fd = -1;

/* Opened only once the arguments are known good, so a usage error is
 * reported as one even without a device.  A missing device is EXIT_FAIL,
 * never EXIT_NOTFOUND.  admin: the command needs the admin node. */
static int open_device_for(int *fd, int admin)
{
	const char *path = device_path;

	if (device_fd < 0 && !path && !admin) {
		device_fd = hvmlink_open(HVMLINK_USER_DEVICE_PATH);
		if (device_fd >= 0) {
			*fd = device_fd;
			return EXIT_OK;
		}
		/* No user node, or no right to it: the admin node may do. */
		if (device_fd != -ENOENT && device_fd != -EACCES &&
		    device_fd != -EPERM && device_fd != -ENXIO &&
		    device_fd != -ENODEV)
			path = HVMLINK_USER_DEVICE_PATH;
	}
	if (!path)
		path = HVMLINK_DEVICE_PATH;
	if (device_fd < 0)
		device_fd = hvmlink_open(path);
	*fd = device_fd;
	if (device_fd >= 0)
		return EXIT_OK;
	fprintf(stderr, "hvmlink: %s: %s\n", path, strerror(-device_fd));
	return EXIT_FAIL;
}

static int open_device(int *fd)
{
	return open_device_for(fd, 0);
}

static int cmd_info(int argc)
{
	struct hvmlink_ioctl_version v;
	int fd, ret;

	if (argc)
		return usage();
	ret = open_device(&fd);
	if (ret)
		return ret;
	ret = hvmlink_get_version(fd, &v);

	if (ret)
		return fail("version", ret);
	printf("interface_version=%u.%u\n", v.interface_version >> 16,
	       v.interface_version & 0xffff);
	printf("driver_version=%u.%u.%u\n", v.driver_version >> 16,
	       (v.driver_version >> 8) & 0xff, v.driver_version & 0xff);
	printf("protocol_version=%u.%u\n", v.protocol_version >> 16,
	       v.protocol_version & 0xffff);
	printf("host_version=%u.%u build %u\n", v.host_major, v.host_minor,
	       v.host_build);
	printf("host_features=0x%" PRIx64 "\n", (uint64_t)v.host_features);
	printf("irq=%s\n", v.irq_type == HVMLINK_IRQ_MSI ? "msi" : "intx");
	return EXIT_OK;
}

static int print_hint(int fd, uint32_t display, int quiet_absent)
{
	struct hvmlink_display_mode m;
	uint64_t seq;
	int ret = hvmlink_get_display_hint(fd, display, &m, &seq);

	if (ret == -ENODATA && quiet_absent)
		return EXIT_OK;
	if (ret)
		return fail("display hint", ret);
	printf("display=%u width=%u height=%u bpp=%u x=%d y=%d enabled=%u seq=%" PRIu64 "\n",
	       display, m.width, m.height, m.bpp, m.x, m.y, m.enabled, seq);
	return EXIT_OK;
}

static int cmd_hint(int argc, char **argv)
{
	unsigned long n;
	int fd, rc;

	if (argc < 1 || strcmp(argv[0], "display") || argc > 2)
		return usage();
	if (argc == 2 && parse_ulong(argv[1], HVMLINK_MAX_DISPLAYS - 1, &n))
		return usage();
	rc = open_device(&fd);
	if (rc)
		return rc;
	if (argc == 2)
		return print_hint(fd, (uint32_t)n, 0);
	for (uint32_t d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		rc = print_hint(fd, d, 1);
		if (rc)
			return rc;
	}
	return EXIT_OK;
}

static int cmd_key(int argc, char **argv)
{
	static char value[HVMLINK_KV_VALUE_MAX + 1];
	char **keys;
	size_t len, count;
	int fd, ret;

	if (argc == 2 && !strcmp(argv[0], "get")) {
		if (!hvmlink_key_valid(argv[1])) {
			fprintf(stderr, "hvmlink: invalid key '%s'\n", argv[1]);
			return EXIT_USAGE;
		}
		ret = open_device(&fd);
		if (ret)
			return ret;
		ret = hvmlink_get_kv(fd, argv[1], value, sizeof(value), &len, NULL);
		if (ret)
			return fail(argv[1], ret);
		/* The value verbatim: it may hold any byte. */
		if (fwrite(value, 1, len, stdout) != len)
			return EXIT_FAIL;
		return EXIT_OK;
	}
	if (argc == 1 && !strcmp(argv[0], "list")) {
		ret = open_device(&fd);
		if (ret)
			return ret;
		ret = hvmlink_list_kv(fd, &keys, &count, NULL);
		if (ret)
			return fail("key list", ret);
		for (size_t i = 0; i < count; i++)
			printf("%s\n", keys[i]);
		hvmlink_free_keys(keys, count);
		return EXIT_OK;
	}
	return usage();
}

/* The events a session on the user node may wait for (D4). */
#define USER_NODE_EVENTS (HVMLINK_EVENT_DISPLAY_CHANGE | \
			  HVMLINK_EVENT_KV_CHANGE | HVMLINK_EVENT_RESTORED)

static int cmd_wait(int argc, char **argv, uint32_t timeout_ms)
{
	uint32_t mask = 0, events;
	int fd, ret;

	for (int i = 0; i < argc; i++) {
		uint32_t bit = hvmlink_event_from_name(argv[i]);

		if (!bit) {
			fprintf(stderr, "hvmlink: unknown event '%s'\n", argv[i]);
			return usage();
		}
		mask |= bit;
	}
	if (!mask)
		return usage();
	ret = open_device_for(&fd, (mask & ~USER_NODE_EVENTS) != 0);
	if (ret)
		return ret;
	/* Events reach a session only once it subscribed. */
	ret = hvmlink_set_filter(fd, mask, 0, NULL, NULL);
	if (ret)
		return fail("set filter", ret);
	ret = hvmlink_wait_events(fd, mask, timeout_ms, &events);
	if (ret == -ETIMEDOUT)
		return EXIT_TIMEOUT;
	if (ret)
		return fail("wait", ret);
	for (uint32_t bit = 1; bit; bit <<= 1)
		if (events & bit)
			printf("%s\n", hvmlink_event_name(bit));
	return EXIT_OK;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int print_latency(const char *what, uint64_t *samples, size_t n)
{
	uint64_t median, p99;

	hvmlink_percentiles(samples, n, &median, &p99);
	printf("%s n=%zu median_ns=%" PRIu64 " p99_ns=%" PRIu64 "\n",
	       what, n, median, p99);
	free(samples);
	return EXIT_OK;
}

static int parse_count(const char *s, size_t *n)
{
	unsigned long v;

	if (parse_ulong(s, 100000000, &v) || v == 0)
		return -1;
	*n = v;
	return 0;
}

/* N full request round trips: ioctl -> port write -> device -> back.
 * GET_HOST_TIME: read-only, no host state, cheapest to serve. */
static int cmd_bench_roundtrip(int argc, char **argv)
{
	uint64_t *samples, t, ns;
	size_t n;
	int fd, ret;

	if (argc != 1 || parse_count(argv[0], &n))
		return usage();
	ret = open_device(&fd);
	if (ret)
		return ret;
	samples = calloc(n, sizeof(*samples));
	if (!samples)
		return fail("bench", -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		t = now_ns();
		ret = hvmlink_get_host_time(fd, &ns);
		samples[i] = now_ns() - t;
		if (ret) {
			free(samples);
			return fail("GET_HOST_TIME", ret);
		}
	}
	return print_latency("roundtrip", samples, n);
}

/* N reads of an IO port another device model emulates: the baseline the
 * round trip is compared against.  Needs CAP_SYS_RAWIO. */
static int cmd_bench_port(int argc, char **argv)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned long port, width = 1;
	uint64_t *samples, t;
	size_t n;

	if (argc < 2 || argc > 3 || parse_ulong(argv[0], 0xffff, &port) ||
	    parse_count(argv[1], &n))
		return usage();
	if (argc == 3 && (parse_ulong(argv[2], 4, &width) || width == 3 || !width))
		return usage();
	if (port + width > 0x10000)
		return usage();
	if (ioperm(port, width, 1) && iopl(3))
		return fail("ioperm", -errno);
	samples = calloc(n, sizeof(*samples));
	if (!samples)
		return fail("bench", -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		t = now_ns();
		if (width == 1)
			(void)inb((unsigned short)port);
		else if (width == 2)
			(void)inw((unsigned short)port);
		else
			(void)inl((unsigned short)port);
		samples[i] = now_ns() - t;
	}
	return print_latency("port", samples, n);
#else
	fprintf(stderr, "hvmlink: bench-port needs x86\n");
	return EXIT_FAIL;
#endif
}

/* Options of a command (after its name): --help, --version and, for
 * wait, --timeout.  Leaves the command's words in argv[optind..]. */
static int command_options(const char *cmd, int argc, char **argv,
			   uint32_t *timeout_ms)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long secs;
	int c;

	optind = 0;	/* GNU getopt: start again on this argv */
	/* "+": the command's words (a key may start with '-') end the options,
	 * except for wait, whose --timeout may follow the events. */
	while ((c = getopt_long(argc, argv, strcmp(cmd, "wait") ? "+hV" : "hV",
				opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			version();
			return EXIT_OK;
		case 't':
			if (strcmp(cmd, "wait") ||
			    parse_ulong(optarg, UINT32_MAX / 1000 - 1, &secs))
				return usage();
			*timeout_ms = (uint32_t)secs * 1000;
			break;
		default:
			return usage();
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t timeout_ms = HVMLINK_WAIT_FOREVER;
	const char *cmd;
	int c, rc;

	/* "+": options end at COMMAND. */
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device_path = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			version();
			return EXIT_OK;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	cmd = argv[optind];
	argv += optind;
	argc -= optind;
	rc = command_options(cmd, argc, argv, &timeout_ms);
	if (rc >= 0)
		return rc;
	argv += optind;
	argc -= optind;

	if (!strcmp(cmd, "info"))
		rc = cmd_info(argc);
	else if (!strcmp(cmd, "hint"))
		rc = cmd_hint(argc, argv);
	else if (!strcmp(cmd, "key"))
		rc = cmd_key(argc, argv);
	else if (!strcmp(cmd, "wait"))
		rc = cmd_wait(argc, argv, timeout_ms);
	else if (!strcmp(cmd, "bench-roundtrip"))
		rc = cmd_bench_roundtrip(argc, argv);
	else if (!strcmp(cmd, "bench-port"))
		rc = cmd_bench_port(argc, argv);
	else
		rc = usage();
	if (device_fd >= 0)
		close(device_fd);
	return rc;
}
