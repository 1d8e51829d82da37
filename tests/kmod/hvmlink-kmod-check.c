// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-kmod-check: the guest kernel module's behaviour, checked inside a
 * running guest against the real device (the nested-Xen e2e runs it, as
 * root, right after the module is loaded; by hand: see docs/guest.md).
 *
 *   kmod-nodes        /dev/hvmlink 0600 and /dev/hvmlink-user 0660, both
 *                     children of the PCI function
 *   kmod-privilege    D4: what admin and user sessions may send
 *   kmod-opener       rights come from the opener's credentials and node
 *   kmod-restart      a signal restarts WAIT_EVENTS (ERESTARTSYS) with the
 *                     time left; without SA_RESTART, EINTR + time left
 *   kmod-freeze       a task frozen in WAIT_EVENTS (cgroup freezer, as at
 *                     suspend and Xen save) resumes its wait, no EINTR
 *   kmod-pm           suspend-to-idle and hibernation, run by the kernel's
 *                     PM test mode (pm_test=devices: every device callback,
 *                     the system freezer, no power-off): the driver's
 *                     callbacks return 0 and a waiter restarts its wait
 *   kmod-unbind       unbind: nodes gone, open sessions get ENODEV and
 *                     POLLHUP, waiters wake, bus mastering off (reset)
 *   kmod-rebind       bind again: nodes back, requests work, an event the
 *                     device re-raised after its reset arrives by interrupt
 *   kmod-intx         the same over INTx (MSI disabled for the function),
 *                     then back to what it was
 *
 * One line per step on stdout: "E2E-G <step> PASS|FAIL <detail>".
 * Usage: hvmlink-kmod-check BB:DD.F     Exit: number of failed steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <hvmlink/ioctl.h>
#include "guest/req_table.h"

#define ADMIN	HVMLINK_DEVICE_PATH
#define USER	HVMLINK_USER_DEVICE_PATH
#define NOBODY	65534

static char bdf[32];		/* 0000:BB:DD.F */
static int failures;

/* ------------------------------------------------------------ reporting */

static char detail[1024];

static void note(const char *fmt, ...)
{
	size_t len = strlen(detail);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail + len, sizeof(detail) - len, fmt, ap);
	va_end(ap);
}

/* Report step @name: PASS unless a check failed (its note says why). */
static void report(const char *name, int ok)
{
	printf("E2E-G %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
	fflush(stdout);
	if (!ok)
		failures++;
	detail[0] = '\0';
}

/* A check within a step: on failure, note what and return 0. */
#define CHECK(cond, ...) \
	((cond) ? 1 : (note(__VA_ARGS__), note("; "), 0))

/* --------------------------------------------------------------- helpers */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Wait up to @ms for @path to appear (@want 1) or go (@want 0). */
static int wait_path(const char *path, int want, long ms)
{
	long end = now_ms() + ms;

	while (exists(path) != want) {
		if (now_ms() > end)
			return 0;
		sleep_ms(50);
	}
	return 1;
}

/* ioctl, as 0 or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Pass one request through; -errno of the ioctl (the device's rc stays
 * in the request). */
static int request(int fd, unsigned int type, void *req)
{
	struct hvmlink_req_header *hdr = req;
	struct hvmlink_ioctl_request r;

	memset(&r, 0, sizeof(r));
	hdr->size = hvmlink_req_size(type);
	hdr->version = HVMLINK_REQUEST_VERSION;
	hdr->type = type;
	r.buf = (uintptr_t)req;
	r.size = hdr->size;
	return xioctl(fd, HVMLINK_IOCTL_REQUEST, &r);
}

/* Any request of @type, zeroed but for @facility (REPORT_FACILITY). */
static int request_type(int fd, unsigned int type, unsigned int facility)
{
	union {
		struct hvmlink_req_header header;
		struct hvmlink_req_facility facility;
		struct hvmlink_req_log log;
		struct hvmlink_req_get_kv kv;
		unsigned char bytes[HVMLINK_REQUEST_MAX_SIZE];
	} req;

	memset(&req, 0, sizeof(req));
	if (type == HVMLINK_REQ_REPORT_FACILITY) {
		req.facility.facility = facility;
		req.facility.status = HVMLINK_FACILITY_INACTIVE;
	} else if (type == HVMLINK_REQ_LOG) {
		req.log.length = snprintf(req.log.text, sizeof(req.log.text),
					  "hvmlink-kmod-check: privilege test");
	} else if (type == HVMLINK_REQ_GET_KV) {
		strcpy(req.kv.key, "kmod-check");
	}
	return request(fd, type, &req);
}

/* GET_HOST_TIME through @fd: 0 when the device answered OK. */
static int host_time(int fd)
{
	struct hvmlink_req_host_time t;
	int ret;

	memset(&t, 0, sizeof(t));
	ret = request(fd, HVMLINK_REQ_GET_HOST_TIME, &t);
	if (ret)
		return ret;
	return t.header.rc == HVMLINK_OK && t.realtime_ns ? 0 : -EIO;
}

static int set_mask(int fd, unsigned long cmd, uint32_t or_mask,
		    uint32_t not_mask, uint32_t *device_mask)
{
	struct hvmlink_ioctl_mask m = { .or_mask = or_mask, .not_mask = not_mask };
	int ret = xioctl(fd, cmd, &m);

	if (!ret && device_mask)
		*device_mask = m.device_mask;
	return ret;
}

static int version(int fd, struct hvmlink_ioctl_version *v)
{
	memset(v, 0, sizeof(*v));
	return xioctl(fd, HVMLINK_IOCTL_VERSION, v);
}

/* The hvmlink line of /proc/interrupts: its count (all CPUs) and kind. */
static long irq_count(char *kind, size_t kind_len)
{
	char line[1024];
	long total = -1;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strstr(line, "hvmlink"))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		total = 0;
		for (p++;;) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			total += v;
			p = end;
		}
		if (kind) {
			while (*p == ' ')
				p++;
			snprintf(kind, kind_len, "%.*s", (int)strcspn(p, " "), p);
		}
		break;
	}
	fclose(f);
	return total;
}

/* Command register of the function (config space through sysfs). */
static int pci_command(void)
{
	char path[128];
	uint16_t cmd;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, &cmd, sizeof(cmd), 4);
	close(fd);
	return n == sizeof(cmd) ? cmd : -EIO;
}

#define PCI_COMMAND_MASTER	0x4

static int driver_bind(const char *what)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/hvmlink/%s", what);
	return write_file(path, bdf);
}

/* Both nodes there (1) or both gone (0), within 5 s. */
static int nodes(int want)
{
	return wait_path(ADMIN, want, 5000) && wait_path(USER, want, 5000);
}

/* Run @fn in a child (for setuid, signals, cgroups); its exit status. */
static int in_child(int (*fn)(void *), void *arg, pid_t *pidp)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg));
	if (pidp) {
		*pidp = pid;
		return 0;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* --------------------------------------------------------------- steps */

static void step_nodes(void)
{
	struct stat a, u;
	char link[256], path[128];
	ssize_t n;
	int ok = 1;

	ok &= CHECK(stat(ADMIN, &a) == 0, "no %s", ADMIN);
	ok &= CHECK(stat(USER, &u) == 0, "no %s", USER);
	if (!ok) {
		report("kmod-nodes", 0);
		return;
	}
	ok &= CHECK(S_ISCHR(a.st_mode) && (a.st_mode & 07777) == 0600,
		    "%s mode %o", ADMIN, a.st_mode & 07777);
	ok &= CHECK(S_ISCHR(u.st_mode) && (u.st_mode & 07777) == 0660,
		    "%s mode %o", USER, u.st_mode & 07777);
	/* Registered per probe with the PCI function as parent. */
	snprintf(path, sizeof(path), "/sys/class/misc/hvmlink-user/device");
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	ok &= CHECK(n > 0 && strstr(link, bdf), "%s -> '%s', not %s", path, link, bdf);
	snprintf(path, sizeof(path), "/sys/class/misc/hvmlink/device");
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	ok &= CHECK(n > 0 && strstr(link, bdf), "%s -> '%s', not %s", path, link, bdf);
	note("admin 0600, user 0660, parent %s", bdf);
	report("kmod-nodes", ok);
}

struct rule {
	unsigned int type, facility;
	int admin_errno, user_errno;	/* of the REQUEST ioctl */
};

static const struct rule rules[] = {
	{ HVMLINK_REQ_REPORT_GUEST_INFO, 0, EPERM, EPERM },
	{ HVMLINK_REQ_REPORT_FACILITY, HVMLINK_FACILITY_DRIVER, EPERM, EPERM },
	{ HVMLINK_REQ_REPORT_FACILITY, HVMLINK_FACILITY_AGENT, 0, EPERM },
	{ HVMLINK_REQ_REPORT_FACILITY, HVMLINK_FACILITY_DISPLAY, 0, 0 },
	{ HVMLINK_REQ_LOG, 0, 0, EPERM },
	/* enable 0: asks, and changes nothing the agent relies on later. */
	{ HVMLINK_REQ_HEARTBEAT_CONFIG, 0, 0, EPERM },
	{ HVMLINK_REQ_GET_HOST_TIME, 0, 0, 0 },
	{ HVMLINK_REQ_GET_KV, 0, 0, 0 },
	{ HVMLINK_REQ_GET_HOST_VERSION, 0, 0, 0 },
	{ HVMLINK_REQ_ACK_EVENTS, 0, EINVAL, EINVAL },
	{ HVMLINK_REQ_CTL_FILTER_MASK, 0, EINVAL, EINVAL },
};

static int check_rules(int fd, int admin)
{
	unsigned int i;
	int ok = 1;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		int want = admin ? rules[i].admin_errno : rules[i].user_errno;
		int got = -request_type(fd, rules[i].type, rules[i].facility);

		ok &= CHECK(got == want, "%s session: type %u facility %u: %s, want %s",
			    admin ? "admin" : "user", rules[i].type, rules[i].facility,
			    got ? strerror(got) : "allowed", want ? strerror(want) : "allowed");
	}
	return ok;
}

static void step_privilege(void)
{
	int a = open(ADMIN, O_RDWR | O_CLOEXEC);
	int u = open(USER, O_RDWR | O_CLOEXEC);
	int ok = 1;

	ok &= CHECK(a >= 0 && u >= 0, "open: %s", strerror(errno));
	if (ok) {
		ok &= check_rules(a, 1);
		/* Root opening the user node still gets a user session. */
		ok &= check_rules(u, 0);
		ok &= CHECK(set_mask(u, HVMLINK_IOCTL_SET_FILTER,
				     HVMLINK_EVENT_HEARTBEAT_REQUEST, 0, NULL) == -EPERM,
			    "user SET_FILTER heartbeat not EPERM");
		ok &= CHECK(set_mask(u, HVMLINK_IOCTL_SET_FILTER, HVMLINK_USER_EVENTS, 0,
				     NULL) == 0, "user SET_FILTER display|kv|restored refused");
		ok &= CHECK(set_mask(u, HVMLINK_IOCTL_SET_CAPS, HVMLINK_GUEST_CAP_DISPLAY, 0,
				     NULL) == -EPERM, "user SET_CAPS not EPERM");
		ok &= CHECK(set_mask(u, HVMLINK_IOCTL_SET_CAPS, 0, 0, NULL) == 0,
			    "user SET_CAPS query refused");
		ok &= CHECK(set_mask(a, HVMLINK_IOCTL_SET_FILTER,
				     HVMLINK_EVENT_HEARTBEAT_REQUEST, 0, NULL) == 0,
			    "admin SET_FILTER heartbeat refused");
	}
	if (a >= 0)
		close(a);
	if (u >= 0)
		close(u);
	note("%zu request rules on both nodes, filter and caps rules",
	     sizeof(rules) / sizeof(rules[0]));
	report("kmod-privilege", ok);
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ? -1 : 0;
}

/* Child: an admin fd opened as root keeps its rights after setuid. */
static int opener_keeps(void *arg)
{
	int fd = open(ADMIN, O_RDWR | O_CLOEXEC);

	(void)arg;
	if (fd < 0 || drop_to_nobody())
		return 10;
	if (open(ADMIN, O_RDWR) >= 0)
		return 11;	/* nobody must not open a 0600 root node */
	if (request_type(fd, HVMLINK_REQ_LOG, 0))
		return 12;	/* the opener (root) may log */
	return 0;
}

/* Child: nobody opening the admin node (mode relaxed) gets user rights. */
static int nobody_admin_node(void *arg)
{
	int fd;

	(void)arg;
	if (drop_to_nobody())
		return 10;
	fd = open(ADMIN, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 11;
	if (request_type(fd, HVMLINK_REQ_LOG, 0) != -EPERM)
		return 12;
	if (host_time(fd))
		return 13;
	return 0;
}

static void step_opener(void)
{
	int ok = 1, rc;

	rc = in_child(opener_keeps, NULL, NULL);
	ok &= CHECK(rc == 0, "fd opened by root, used as nobody: check %d failed", rc);
	if (chmod(ADMIN, 0666)) {
		ok &= CHECK(0, "chmod %s: %s", ADMIN, strerror(errno));
	} else {
		rc = in_child(nobody_admin_node, NULL, NULL);
		ok &= CHECK(rc == 0, "admin node opened by nobody: check %d failed", rc);
		chmod(ADMIN, 0600);
	}
	note("rights follow the opener (file->f_cred) and the node");
	report("kmod-opener", ok);
}

/* ----------------------------------------------------- restart, freeze */

struct wait_result {
	int err;		/* -errno of WAIT_EVENTS */
	uint32_t events;
	uint32_t timeout_left;	/* timeout_ms after the call */
	long elapsed_ms;
	int handled;		/* signals the handler saw */
};

static volatile sig_atomic_t handled;
static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

struct waiter {
	int fd;
	uint32_t mask, timeout_ms;
	int sa_flags;		/* -1: no handler */
	int pipe_w;
};

static int waiter(void *arg)
{
	struct waiter *w = arg;
	struct hvmlink_ioctl_wait_events we;
	struct wait_result r;
	long t0;

	if (w->sa_flags >= 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sa.sa_flags = w->sa_flags;
		sigaction(SIGUSR1, &sa, NULL);
	}
	memset(&we, 0, sizeof(we));
	we.mask = w->mask;
	we.timeout_ms = w->timeout_ms;
	t0 = now_ms();
	r.err = xioctl(w->fd, HVMLINK_IOCTL_WAIT_EVENTS, &we);
	r.elapsed_ms = now_ms() - t0;
	r.events = we.events;
	r.timeout_left = we.timeout_ms;
	r.handled = handled;
	return write(w->pipe_w, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

/* Start waiter(@w) in a child; read its result with finish_waiter(). */
static pid_t start_waiter(struct waiter *w, int *pipe_r)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	w->pipe_w = p[1];
	if (in_child(waiter, w, &pid)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	*pipe_r = p[0];
	return pid;
}

static int finish_waiter(pid_t pid, int pipe_r, long timeout_ms, struct wait_result *r)
{
	struct pollfd pfd = { .fd = pipe_r, .events = POLLIN };
	int ok;

	ok = poll(&pfd, 1, (int)timeout_ms) == 1 &&
	     read(pipe_r, r, sizeof(*r)) == sizeof(*r);
	if (!ok)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pipe_r);
	return ok;
}

/*
 * A 6 s wait that signals interrupt at 1.5 s (SIGUSR1) and 3 s (SIGSTOP,
 * SIGCONT 0.5 s later).  Restarted with the time left it ends about 6 s
 * after it began; restarted from scratch it would need 9.5 s.
 */
static void step_restart(void)
{
	struct waiter w = { .mask = HVMLINK_EVENT_DISPLAY_CHANGE, .timeout_ms = 6000,
			    .sa_flags = SA_RESTART };
	struct wait_result r;
	int ok = 1, pr;
	pid_t pid;

	w.fd = open(USER, O_RDWR | O_CLOEXEC);
	if (!CHECK(w.fd >= 0, "open %s: %s", USER, strerror(errno)) ||
	    !CHECK(set_mask(w.fd, HVMLINK_IOCTL_SET_FILTER, w.mask, 0, NULL) == 0,
		   "SET_FILTER failed")) {
		report("kmod-restart", 0);
		return;
	}
	pid = start_waiter(&w, &pr);
	if (CHECK(pid > 0, "fork failed")) {
		sleep_ms(1500);
		kill(pid, SIGUSR1);
		sleep_ms(1500);
		kill(pid, SIGSTOP);
		sleep_ms(500);
		kill(pid, SIGCONT);
		ok &= CHECK(finish_waiter(pid, pr, 20000, &r), "waiter did not report");
		if (ok) {
			ok &= CHECK(r.err == -ETIMEDOUT, "SA_RESTART wait: %s, want ETIMEDOUT",
				    strerror(-r.err));
			ok &= CHECK(r.handled == 1, "handler ran %d times", r.handled);
			ok &= CHECK(r.elapsed_ms >= 5500 && r.elapsed_ms < 8500,
				    "waited %ld ms for a 6000 ms timeout", r.elapsed_ms);
			note("SA_RESTART + STOP/CONT: ETIMEDOUT after %ld ms", r.elapsed_ms);
		}
	}

	/* No SA_RESTART: EINTR, with the time left written back. */
	w.sa_flags = 0;
	pid = start_waiter(&w, &pr);
	if (CHECK(pid > 0, "fork failed")) {
		sleep_ms(1500);
		kill(pid, SIGUSR1);
		if (CHECK(finish_waiter(pid, pr, 20000, &r), "waiter did not report")) {
			ok &= CHECK(r.err == -EINTR, "plain handler: %s, want EINTR",
				    strerror(-r.err));
			ok &= CHECK(r.timeout_left > 2000 && r.timeout_left < 6000,
				    "timeout_ms left %u", r.timeout_left);
			note("; no SA_RESTART: EINTR after %ld ms, %u ms left",
			     r.elapsed_ms, r.timeout_left);
		} else {
			ok = 0;
		}
	}
	close(w.fd);
	report("kmod-restart", ok);
}

/* The cgroup v2 freezer stops tasks the way the system freezer does. */
#define CG	"/sys/fs/cgroup"
#define CGK	CG "/hvmlink-kmod-check"

static int cgroup_frozen(void)
{
	char buf[256];
	int fd = open(CGK "/cgroup.events", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, "frozen 1") != NULL;
}

static void step_freeze(void)
{
	struct waiter w = { .mask = HVMLINK_EVENT_DISPLAY_CHANGE, .timeout_ms = 6000,
			    .sa_flags = -1 };
	struct wait_result r;
	char pidbuf[32];
	int ok = 1, frozen = 0, pr;
	long t;
	pid_t pid;

	if (!exists(CG "/cgroup.controllers"))
		mount("cgroup2", CG, "cgroup2", 0, NULL);
	mkdir(CGK, 0755);
	if (!CHECK(exists(CGK "/cgroup.freeze"), "no cgroup v2 freezer at %s", CGK)) {
		report("kmod-freeze", 0);
		return;
	}
	w.fd = open(USER, O_RDWR | O_CLOEXEC);
	if (!CHECK(w.fd >= 0, "open %s: %s", USER, strerror(errno)) ||
	    !CHECK(set_mask(w.fd, HVMLINK_IOCTL_SET_FILTER, w.mask, 0, NULL) == 0,
		   "SET_FILTER failed")) {
		report("kmod-freeze", 0);
		return;
	}
	pid = start_waiter(&w, &pr);
	if (CHECK(pid > 0, "fork failed")) {
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
		ok &= CHECK(write_file(CGK "/cgroup.procs", pidbuf) == 0, "cgroup.procs");
		sleep_ms(1500);
		ok &= CHECK(write_file(CGK "/cgroup.freeze", "1") == 0, "cgroup.freeze");
		for (t = 0; t < 3000 && !frozen; t += 50) {
			frozen = cgroup_frozen();
			sleep_ms(50);
		}
		ok &= CHECK(frozen, "the waiter never froze (stuck outside the freezer)");
		sleep_ms(1000);
		write_file(CGK "/cgroup.freeze", "0");
		ok &= CHECK(finish_waiter(pid, pr, 20000, &r), "waiter did not report");
		if (ok) {
			ok &= CHECK(r.err == -ETIMEDOUT, "frozen wait: %s, want ETIMEDOUT",
				    strerror(-r.err));
			ok &= CHECK(r.elapsed_ms >= 5500 && r.elapsed_ms < 8500,
				    "waited %ld ms for a 6000 ms timeout", r.elapsed_ms);
			note("frozen 1 s mid-wait: ETIMEDOUT after %ld ms", r.elapsed_ms);
		}
	}
	close(w.fd);
	rmdir(CGK);
	report("kmod-freeze", ok);
}

/* ------------------------------------------------------------------ PM */

/* The kernel log from the last line holding @mark on. */
static char *kernel_log_since(const char *mark)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *from, *p;
	int n;

	if (size <= 0)
		return NULL;
	buf = calloc(1, size + 1);
	if (!buf)
		return NULL;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	buf[n > 0 ? n : 0] = '\0';
	from = NULL;
	for (p = strstr(buf, mark); p; p = strstr(p + 1, mark))
		from = p;
	if (!from) {
		free(buf);
		return NULL;
	}
	memmove(buf, from, strlen(from) + 1);
	return buf;
}

/*
 * One PM test cycle into @state with pm_test=devices: the kernel freezes
 * user tasks, runs every device's suspend (or hibernation freeze) callback,
 * waits pm_test_delay (5 s), and resumes (restore); pm_print_times logs
 * each callback of our function as "BDF+ returned RC".  A waiter across it
 * must restart its wait and time out as if nothing happened.
 */
static int pm_cycle(const char *state)
{
	struct waiter w = { .mask = HVMLINK_EVENT_DISPLAY_CHANGE, .timeout_ms = 15000,
			    .sa_flags = -1 };
	char mark[96], want[64], *log, *p, *line;
	struct wait_result r = { 0 };
	int ok = 1, calls = 0, bad = 0, failed = 0, pr, ret;
	pid_t pid;

	w.fd = open(USER, O_RDWR | O_CLOEXEC);
	if (!CHECK(w.fd >= 0, "%s: open %s: %s", state, USER, strerror(errno)) ||
	    !CHECK(set_mask(w.fd, HVMLINK_IOCTL_SET_FILTER, w.mask, 0, NULL) == 0,
		   "%s: SET_FILTER failed", state))
		return 0;
	snprintf(mark, sizeof(mark), "hvmlink-kmod-check: pm cycle %s %ld", state, now_ms());
	write_file("/dev/kmsg", mark);
	pid = start_waiter(&w, &pr);
	sleep_ms(1000);
	ret = write_file("/sys/power/state", state);
	ok &= CHECK(ret == 0, "%s: writing /sys/power/state: %s", state, strerror(-ret));
	if (CHECK(pid > 0, "fork failed") &&
	    CHECK(finish_waiter(pid, pr, 40000, &r), "%s: waiter did not report", state)) {
		ok &= CHECK(r.err == -ETIMEDOUT, "%s: waiter got %s, want ETIMEDOUT",
			    state, strerror(-r.err));
		ok &= CHECK(r.elapsed_ms >= 14500 && r.elapsed_ms < 22000,
			    "%s: waited %ld ms for 15000", state, r.elapsed_ms);
	} else {
		ok = 0;
	}
	close(w.fd);

	log = kernel_log_since(mark);
	snprintf(want, sizeof(want), "%s+ returned ", bdf);
	for (p = log ? strstr(log, want) : NULL; p; p = strstr(p + 1, want)) {
		calls++;
		if (strncmp(p + strlen(want), "0 ", 2))
			bad++;
	}
	/* The driver's own lines: "hvmlink 0000:...: STEP failed: ERR". */
	for (line = log ? strtok(log, "\n") : NULL; line; line = strtok(NULL, "\n"))
		failed += strstr(line, "hvmlink ") && strstr(line, "failed");
	ok &= CHECK(calls > 0, "%s: no PM callback of %s logged", state, bdf);
	ok &= CHECK(!bad, "%s: %d of %d PM callbacks failed", state, bad, calls);
	ok &= CHECK(!failed, "%s: the driver logged %d failures", state, failed);
	free(log);
	note("%s: %d callbacks returned 0, waiter timed out after %ld ms; ",
	     state, calls, r.elapsed_ms);
	return ok;
}

static void step_pm(void)
{
	int ok = 1;

	ok &= CHECK(write_file("/sys/power/pm_test", "devices") == 0,
		    "no /sys/power/pm_test (CONFIG_PM_DEBUG)");
	ok &= CHECK(write_file("/sys/power/pm_print_times", "1") == 0,
		    "no /sys/power/pm_print_times (CONFIG_PM_SLEEP_DEBUG)");
	if (ok) {
		ok &= pm_cycle("freeze");	/* suspend/resume */
		ok &= pm_cycle("disk");		/* hibernation freeze/restore */
	}
	write_file("/sys/power/pm_test", "none");
	write_file("/sys/power/pm_print_times", "0");
	report("kmod-pm", ok);
}

/* ------------------------------------------------------- unbind, rebind */

/*
 * After a bind: the device reset re-raised what the host still has to say
 * (decision D2), including HEARTBEAT_REQUEST when the host wants beats.
 * An admin session asking for it must get it through a real interrupt.
 */
static int check_event_by_irq(const char *how)
{
	struct hvmlink_ioctl_wait_events we;
	long before, after;
	char kind[64] = "";
	int fd, ok = 1, ret;

	fd = open(ADMIN, O_RDWR | O_CLOEXEC);
	if (!CHECK(fd >= 0, "%s: open: %s", how, strerror(errno)))
		return 0;
	ok &= CHECK(host_time(fd) == 0, "%s: GET_HOST_TIME failed", how);
	before = irq_count(NULL, 0);
	ok &= CHECK(set_mask(fd, HVMLINK_IOCTL_SET_FILTER, HVMLINK_EVENT_HEARTBEAT_REQUEST,
			     0, NULL) == 0, "%s: SET_FILTER failed", how);
	memset(&we, 0, sizeof(we));
	we.mask = HVMLINK_EVENT_HEARTBEAT_REQUEST;
	we.timeout_ms = 10000;
	ret = xioctl(fd, HVMLINK_IOCTL_WAIT_EVENTS, &we);
	after = irq_count(kind, sizeof(kind));
	ok &= CHECK(ret == 0 && we.events == HVMLINK_EVENT_HEARTBEAT_REQUEST,
		    "%s: no HEARTBEAT_REQUEST after the reset: %s", how, strerror(-ret));
	ok &= CHECK(after > before, "%s: hvmlink interrupts %ld -> %ld", how, before, after);
	note("%s: re-raised event by %s interrupt (%ld -> %ld); ", how, kind, before, after);
	close(fd);
	return ok;
}

static void step_unbind_rebind(void)
{
	struct waiter w = { .mask = HVMLINK_EVENT_DISPLAY_CHANGE,
			    .timeout_ms = HVMLINK_WAIT_FOREVER, .sa_flags = -1 };
	struct hvmlink_ioctl_version v;
	struct wait_result r;
	struct pollfd pfd;
	int ok = 1, admin, cmd, pr;
	pid_t pid;

	admin = open(ADMIN, O_RDWR | O_CLOEXEC);
	w.fd = open(USER, O_RDWR | O_CLOEXEC);
	if (!CHECK(admin >= 0 && w.fd >= 0, "open: %s", strerror(errno)) ||
	    !CHECK(set_mask(w.fd, HVMLINK_IOCTL_SET_FILTER, w.mask, 0, NULL) == 0,
		   "SET_FILTER failed")) {
		report("kmod-unbind", 0);
		return;
	}
	pid = start_waiter(&w, &pr);
	sleep_ms(500);
	ok &= CHECK(driver_bind("unbind") == 0, "unbind: %s", strerror(errno));
	ok &= CHECK(nodes(0), "nodes still there after unbind");
	ok &= CHECK(!exists("/sys/class/misc/hvmlink"), "misc device still registered");
	if (CHECK(pid > 0, "fork failed") &&
	    CHECK(finish_waiter(pid, pr, 10000, &r), "waiter not woken by unbind"))
		ok &= CHECK(r.err == -ENODEV, "waiter woke with %s, want ENODEV",
			    strerror(-r.err));
	pfd.fd = w.fd;
	pfd.events = POLLIN;
	ok &= CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLHUP),
		    "poll revents %#x, want POLLHUP", pfd.revents);
	ok &= CHECK(host_time(admin) == -ENODEV, "request on an old session not ENODEV");
	ok &= CHECK(version(admin, &v) == 0, "VERSION on an old session failed");
	cmd = pci_command();
	ok &= CHECK(cmd >= 0 && !(cmd & PCI_COMMAND_MASTER),
		    "bus mastering still on after unbind (command %#x)", cmd);
	note("nodes gone, waiter ENODEV, POLLHUP, bus master off");
	report("kmod-unbind", ok);

	ok = CHECK(driver_bind("bind") == 0, "bind: %s", strerror(errno));
	ok &= CHECK(nodes(1), "nodes not back after bind");
	cmd = pci_command();
	ok &= CHECK(cmd >= 0 && (cmd & PCI_COMMAND_MASTER),
		    "bus mastering off after bind (command %#x)", cmd);
	ok &= CHECK(host_time(admin) == -ENODEV, "old session came back to life");
	close(admin);
	close(w.fd);
	if (ok)
		ok &= check_event_by_irq("rebind");
	report("kmod-rebind", ok);
}

static int set_msi(int on)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_bus", bdf);
	return write_file(path, on ? "1" : "0");
}

static void step_intx(void)
{
	struct hvmlink_ioctl_version v;
	uint32_t before;
	int fd, ok = 1;

	fd = open(ADMIN, O_RDWR | O_CLOEXEC);
	if (!CHECK(fd >= 0 && version(fd, &v) == 0, "VERSION failed")) {
		report("kmod-intx", 0);
		return;
	}
	before = v.irq_type;
	close(fd);

	ok &= CHECK(driver_bind("unbind") == 0 && nodes(0), "unbind failed");
	ok &= CHECK(set_msi(0) == 0, "msi_bus 0: %s", strerror(errno));
	ok &= CHECK(driver_bind("bind") == 0 && nodes(1), "bind with MSI off failed");
	fd = open(ADMIN, O_RDWR | O_CLOEXEC);
	ok &= CHECK(fd >= 0 && version(fd, &v) == 0 && v.irq_type == HVMLINK_IRQ_INTX,
		    "irq_type %u with MSI off, want INTx", v.irq_type);
	if (fd >= 0)
		close(fd);
	if (ok)
		ok &= check_event_by_irq("INTx");

	/* Back to what the guest had, for the rest of the run. */
	ok &= CHECK(driver_bind("unbind") == 0 && nodes(0), "unbind failed");
	ok &= CHECK(set_msi(1) == 0, "msi_bus 1: %s", strerror(errno));
	ok &= CHECK(driver_bind("bind") == 0 && nodes(1), "bind failed");
	fd = open(ADMIN, O_RDWR | O_CLOEXEC);
	ok &= CHECK(fd >= 0 && version(fd, &v) == 0 && v.irq_type == before,
		    "irq_type %u after restoring MSI, was %u", v.irq_type, before);
	if (fd >= 0)
		close(fd);
	note("initially %s", before == HVMLINK_IRQ_MSI ? "MSI" : "INTx");
	report("kmod-intx", ok);
}

int main(int argc, char **argv)
{
	if (argc != 2 || strlen(argv[1]) > 16) {
		fprintf(stderr, "usage: hvmlink-kmod-check BB:DD.F\n");
		return 2;
	}
	snprintf(bdf, sizeof(bdf), "%s%s", strchr(argv[1], ':') == strrchr(argv[1], ':') ?
		 "0000:" : "", argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	step_nodes();
	step_privilege();
	step_opener();
	step_restart();
	step_freeze();
	step_pm();
	step_unbind_rebind();
	step_intx();
	return failures;
}
