/* SPDX-License-Identifier: MIT */
/*
 * xs-driver: drives xenstore/hvmxs.h the way hvmlinkd does, without the
 * rest of the daemon, so shell tests can check the xenstore layer against
 * the real xenstored and the real xenstore-* tools.
 *
 *   xs-driver --domid D [--displays N] [--refuse-display ERRNO]
 *             [--sync-hints [--write-hint REL=VALUE]]
 *             [--daemon [--fail-start] [--never-ready]]
 *
 * Every callback prints one line on stdout:
 *   open | display N MODE | kv-set KEY LEN VALUE | kv-delete KEY |
 *   domain-gone | lost | restored | exit
 * Without --daemon it reads commands from stdin, one a line, and answers
 * "ok CMD" or "err CMD <errno>":
 *   state NAME | display N RESULT SEQ MODE [REASON] | info VER OS REL NAME |
 *   caps HEX | facility F S | heartbeat off|ok|late LAST_NS INTERVAL_NS |
 *   clear-guest | burst N | quit
 * With --daemon it behaves like hvmlinkd as hvmlinkctl launch sees it:
 * publishes "running" then "ready" and serves until SIGTERM/SIGINT or the
 * domain is gone ("stopping", then its state is removed).  --fail-start
 * exits 1 before ready; --never-ready stays "running".
 *
 * --sync-hints delivers the hints present right after hvmxs_open(), as
 * hvmlinkd does (hvmxs_sync_hints()).  --write-hint then writes
 * <vm root>/hints/REL = VALUE itself, before its first dispatch: a hint
 * written in the window between the start-up read and the watch's
 * registration event, which must be delivered once.
 */
#include <errno.h>
#include <poll.h>
#include <xenstore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "xenstore/hint-parse.h"
#include "xenstore/hvmxs.h"
#include "xenstore/schema.h"

static int refuse_display_errno;

/* <vm root>/hints/REL = VALUE ("REL=VALUE"), on a connection of its own. */
static int write_hint_now(const struct hvmxs_vm *vm, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char rel[128], path[SCHEMA_PATH_MAX];
	struct xs_handle *h;
	bool ok;

	if (!eq || snprintf(rel, sizeof(rel), "%s/%.*s", SCHEMA_HINTS,
			    (int)(eq - arg), arg) >= (int)sizeof(rel) ||
	    !schema_vm_path(path, sizeof(path), vm->uuid, rel)) {
		fprintf(stderr, "xs-driver: bad --write-hint %s\n", arg);
		return -1;
	}
	h = xs_open(0);
	if (!h) {
		fprintf(stderr, "xs-driver: xs_open: %s\n", strerror(errno));
		return -1;
	}
	ok = xs_write(h, XBT_NULL, path, eq + 1, strlen(eq + 1));
	if (!ok)
		fprintf(stderr, "xs-driver: writing %s: %s\n", path,
			strerror(errno));
	xs_close(h);
	return ok ? 0 : -1;
}
static bool stop;

static int on_display(void *opaque, unsigned int display,
		      const struct hvmlink_display_mode *mode)
{
	char text[HINT_DISPLAY_FMT_LEN];

	if (refuse_display_errno)
		return -refuse_display_errno;
	hint_format_display(mode, text, sizeof(text));
	printf("display %u %s\n", display, text);
	return 0;
}

static int on_kv_set(void *opaque, const char *key, const void *value,
		     size_t len)
{
	const unsigned char *v = value;

	printf("kv-set %s %zu ", key, len);
	for (size_t i = 0; i < len; i++)
		putchar(v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?');
	putchar('\n');
	return 0;
}

static void on_kv_delete(void *opaque, const char *key)
{
	printf("kv-delete %s\n", key);
}

static void on_gone(void *opaque)
{
	printf("domain-gone\n");
	stop = true;
}

static void on_lost(void *opaque)
{
	printf("lost\n");
}

static void on_restored(void *opaque)
{
	printf("restored\n");
}

static const struct hvmxs_callbacks callbacks = {
	.display_hint = on_display,
	.kv_set = on_kv_set,
	.kv_delete = on_kv_delete,
	.domain_gone = on_gone,
	.connection_lost = on_lost,
	.connection_restored = on_restored,
};

static int state_of(const char *s)
{
	static const char *const names[] = {
		"starting", "running", "ready", "stopping",
	};

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int command(struct hvmxs *xs, char *line)
{
	char *argv[8] = { 0 }, *p = line;
	int argc = 0;

	line[strcspn(line, "\n")] = '\0';
	/* Five words, then the rest of the line as one (a reason text). */
	while (*p && argc < 6) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		argv[argc++] = p;
		if (argc == 6)
			break;
		p += strcspn(p, " ");
		if (*p)
			*p++ = '\0';
	}
	if (argc == 0)
		return 0;
	if (!strcmp(argv[0], "quit")) {
		stop = true;
		return 0;
	}
	if (!strcmp(argv[0], "state") && argc == 2)
		return state_of(argv[1]) < 0 ? -EINVAL :
		       hvmxs_publish_state(xs, (enum hvmxs_state)state_of(argv[1]));
	if (!strcmp(argv[0], "display") && argc >= 5) {
		struct hvmlink_display_mode m;
		char err[128];

		if (hint_parse_display(argv[4], strlen(argv[4]), &m, err,
				       sizeof(err)))
			return -EINVAL;
		return hvmxs_publish_display(xs, (unsigned int)atoi(argv[1]),
					     atoi(argv[2]),
					     strtoull(argv[3], NULL, 10), &m,
					     argc > 5 ? argv[5] : NULL);
	}
	if (!strcmp(argv[0], "info") && argc == 5) {
		struct hvmxs_guest_info gi = {
			.driver_version = (uint32_t)strtoul(argv[1], NULL, 0),
			.os_type = (uint32_t)strtoul(argv[2], NULL, 0),
		};

		snprintf(gi.os_release, sizeof(gi.os_release), "%s", argv[3]);
		snprintf(gi.name, sizeof(gi.name), "%s", argv[4]);
		return hvmxs_publish_guest_info(xs, &gi);
	}
	if (!strcmp(argv[0], "caps") && argc == 2)
		return hvmxs_publish_caps(xs, (uint32_t)strtoul(argv[1], NULL, 0));
	if (!strcmp(argv[0], "facility") && argc == 3)
		return hvmxs_publish_facility(xs, (uint32_t)atoi(argv[1]),
					      (uint32_t)atoi(argv[2]));
	if (!strcmp(argv[0], "heartbeat") && argc == 4) {
		int h = !strcmp(argv[1], "off") ? HVMXS_HEARTBEAT_OFF :
			!strcmp(argv[1], "ok") ? HVMXS_HEARTBEAT_OK :
			!strcmp(argv[1], "late") ? HVMXS_HEARTBEAT_LATE : -1;

		if (h < 0)
			return -EINVAL;
		return hvmxs_publish_heartbeat(xs, (enum hvmxs_heartbeat)h,
					       strtoull(argv[2], NULL, 10),
					       strtoull(argv[3], NULL, 10));
	}
	if (!strcmp(argv[0], "clear-guest") && argc == 1)
		return hvmxs_clear_guest(xs);
	if (!strcmp(argv[0], "burst") && argc == 2) {
		/* Many publications of one display: a reader must never see
		 * the mode of one with the seq of another. */
		int n = atoi(argv[1]), rc = 0;

		for (int i = 1; i <= n && !rc; i++) {
			struct hvmlink_display_mode m = {
				.width = 1000u + (uint32_t)i,
				.height = 1000u + (uint32_t)i,
				.enabled = 1,
			};

			rc = hvmxs_publish_display(xs, 0, 0, (uint64_t)i, &m, NULL);
		}
		return rc;
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	unsigned int domid = 0, displays = HVMXS_DISPLAYS_DEFAULT;
	bool daemon_mode = false, fail_start = false, never_ready = false;
	bool sync_hints = false;
	const char *write_hint = NULL;
	struct hvmxs_vm vm;
	struct hvmxs_config cfg;
	struct pollfd pfd[3];
	struct hvmxs *xs;
	sigset_t mask;
	int sfd, rc = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--domid") && i + 1 < argc)
			domid = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--displays") && i + 1 < argc)
			displays = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--refuse-display") && i + 1 < argc)
			refuse_display_errno = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--sync-hints"))
			sync_hints = true;
		else if (!strcmp(argv[i], "--write-hint") && i + 1 < argc)
			write_hint = argv[++i];
		else if (!strcmp(argv[i], "--daemon"))
			daemon_mode = true;
		else if (!strcmp(argv[i], "--fail-start"))
			fail_start = true;
		else if (!strcmp(argv[i], "--never-ready"))
			never_ready = true;
		else if (!strcmp(argv[i], "--debug"))
			log_set_level(LOG_LVL_DEBUG);
		else {
			fprintf(stderr, "xs-driver: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_level(log_get_level() < LOG_LVL_INFO ? LOG_LVL_INFO : log_get_level());

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;

	/* As hvmlinkd does: the VM from what the toolstack recorded. */
	rc = hvmxs_lookup_vm(domid, &vm);
	if (rc < 0) {
		fprintf(stderr, "xs-driver: the VM of domain %u: %s\n", domid,
			strerror(-rc));
		close(sfd);
		return 1;
	}
	cfg.domid = domid;
	cfg.vm_uuid = vm.uuid;
	cfg.vm_name = vm.name;
	cfg.nr_displays = displays;
	xs = hvmxs_open(&cfg, &callbacks, NULL);
	if (!xs) {
		fprintf(stderr, "xs-driver: hvmxs_open: %s\n", strerror(errno));
		close(sfd);
		return 1;
	}
	printf("open\n");
	if (sync_hints)
		hvmxs_sync_hints(xs);
	if (write_hint && write_hint_now(&vm, write_hint) < 0) {
		hvmxs_close(xs);
		close(sfd);
		return 1;
	}
	if (daemon_mode) {
		if (fail_start) {
			hvmxs_close(xs);
			close(sfd);
			fprintf(stderr, "xs-driver: failing start-up as asked\n");
			return 1;
		}
		if (hvmxs_publish_state(xs, HVMXS_STATE_RUNNING) ||
		    (!never_ready && hvmxs_publish_state(xs, HVMXS_STATE_READY)))
			rc = 1;
	}

	while (!stop && rc == 0) {
		int n = 0, timeout = hvmxs_retry_ms(xs);

		pfd[n++] = (struct pollfd){ .fd = hvmxs_fd(xs), .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (!daemon_mode)
			pfd[n++] = (struct pollfd){ .fd = 0, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			printf("signal\n");
			break;
		}
		if (hvmxs_dispatch(xs) < 0)
			rc = 1;
		if (!daemon_mode && (pfd[2].revents & (POLLIN | POLLHUP))) {
			char line[512];
			int r;

			if (!fgets(line, sizeof(line), stdin))
				break;
			r = command(xs, line);
			line[strcspn(line, " \n")] = '\0';
			if (r < 0)
				printf("err %s %d\n", line, -r);
			else
				printf("ok %s\n", line);
		}
	}
	if (daemon_mode && hvmxs_publish_state(xs, HVMXS_STATE_STOPPING))
		rc = 1;
	hvmxs_close(xs);
	close(sfd);
	printf("exit\n");
	return rc;
}
