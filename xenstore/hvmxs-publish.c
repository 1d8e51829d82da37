/* SPDX-License-Identifier: MIT */
/*
 * Publishing daemon and guest state.  Every publish is a small batch of
 * node writes/removals applied in one transaction (a batch of one node in
 * one request, which is as atomic), so a reader never sees half of it (e.g. a display's new mode with the old status).  Each batch
 * is also applied to an in-memory copy of everything published, which is
 * what gets written again after xenstored restarts (its database is gone)
 * or while the connection is down.
 */
#include "xenstore/hvmxs-internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "common/log.h"
#include "xenstore/hint-parse.h"

/* EAGAIN means another writer touched what we read or wrote; a handful of
 * retries is plenty, and an endless loop would stall the daemon. */
#define TXN_RETRIES	16
#define BATCH_MAX	12

struct op {
	char rel[96];
	const char *value;	/* NULL: remove rel (and below) */
	char buf[160];		/* value storage when formatted here */
};

struct batch {
	unsigned int n;
	struct op ops[BATCH_MAX];
};

static struct op *batch_add(struct batch *b, const char *value,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct op *batch_add(struct batch *b, const char *value,
			    const char *fmt, ...)
{
	struct op *op;
	va_list ap;

	if (b->n >= BATCH_MAX)
		abort();	/* a programming error: BATCH_MAX too small */
	op = &b->ops[b->n++];
	va_start(ap, fmt);
	vsnprintf(op->rel, sizeof(op->rel), fmt, ap);
	va_end(ap);
	op->value = value;
	return op;
}

/* Add a formatted value. */
#define batch_addf(b, rel, ...) \
	do { \
		struct op *op_ = batch_add((b), NULL, "%s", (rel)); \
		snprintf(op_->buf, sizeof(op_->buf), __VA_ARGS__); \
		op_->value = op_->buf; \
	} while (0)

/* ---- the remembered copy ---- */

static bool rel_under(const char *rel, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(rel, prefix, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

static void pub_free(struct hvmxs_pub *p)
{
	free(p->rel);
	free(p->value);
	free(p);
}

static int cache_apply(struct hvmxs *xs, const struct op *op)
{
	struct hvmxs_pub **pp, *p;

	if (!op->value) {
		for (pp = &xs->pub; (p = *pp);) {
			if (rel_under(p->rel, op->rel)) {
				*pp = p->next;
				pub_free(p);
			} else {
				pp = &p->next;
			}
		}
		return 0;
	}
	for (p = xs->pub; p; p = p->next)
		if (strcmp(p->rel, op->rel) == 0)
			break;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->rel = strdup(op->rel);
		if (!p->rel) {
			free(p);
			return -ENOMEM;
		}
		p->next = xs->pub;
		xs->pub = p;
	}
	free(p->value);
	p->value = strdup(op->value);
	return p->value ? 0 : -ENOMEM;
}

void hvmxs__forget_published(struct hvmxs *xs)
{
	struct hvmxs_pub *p, *next;

	for (p = xs->pub; p; p = next) {
		next = p->next;
		pub_free(p);
	}
	xs->pub = NULL;
}

/* ---- transactions ---- */

static bool txn_write(struct hvmxs *xs, xs_transaction_t t, const char *rel,
		      const char *value)
{
	char path[SCHEMA_PATH_MAX];

	if (!hvmxs__path(xs, path, sizeof(path), rel)) {
		errno = ENAMETOOLONG;
		return false;
	}
	if (value)
		return xs_write(xs->xsh, t, path, value, strlen(value));
	return xs_rm(xs->xsh, t, path) || errno == ENOENT;
}

/*
 * One node needs no transaction: xenstored applies a single write or
 * removal atomically, and a transaction costs two more round trips
 * (start, end), each one queued behind whatever else xenstored is doing
 * while a guest request waits on this thread (docs/performance.md,
 * "fairness": a delivered/ node per hint during an administrator's burst).
 */
static int write_one(struct hvmxs *xs, const struct op *op)
{
	int err;

	if (txn_write(xs, XBT_NULL, op->rel, op->value))
		return 0;
	err = errno;
	if (xs->xsh && hvmxs__check_lost(xs, err))
		return 0;	/* remembered; replayed on reconnection */
	return xs->xsh ? -err : 0;
}

/* Write ops (or, with ops NULL, the whole remembered copy) atomically. */
static int txn_run(struct hvmxs *xs, const struct batch *b)
{
	int err = EIO;

	if (b && b->n == 1)
		return write_one(xs, &b->ops[0]);
	for (int attempt = 0; attempt < TXN_RETRIES && xs->xsh; attempt++) {
		xs_transaction_t t = xs_transaction_start(xs->xsh);
		bool ok = true;

		if (t == XBT_NULL) {
			err = errno;
			break;
		}
		if (b) {
			for (unsigned int i = 0; ok && i < b->n; i++)
				ok = txn_write(xs, t, b->ops[i].rel,
					       b->ops[i].value);
		} else {
			for (struct hvmxs_pub *p = xs->pub; ok && p; p = p->next)
				ok = txn_write(xs, t, p->rel, p->value);
		}
		if (!ok) {
			err = errno;
			xs_transaction_end(xs->xsh, t, true);
			break;
		}
		if (xs_transaction_end(xs->xsh, t, false))
			return 0;
		err = errno;
		if (err != EAGAIN)
			break;
	}
	if (err == EAGAIN)
		log_warn("xenstore: transaction kept conflicting, gave up after %d tries",
			 TXN_RETRIES);
	if (xs->xsh && hvmxs__check_lost(xs, err))
		return 0;	/* remembered; replayed on reconnection */
	return xs->xsh ? -err : 0;
}

static int publish(struct hvmxs *xs, const struct batch *b)
{
	int rc;

	for (unsigned int i = 0; i < b->n; i++) {
		rc = cache_apply(xs, &b->ops[i]);
		if (rc)
			return rc;
	}
	if (!xs->xsh)
		return 0;
	return txn_run(xs, b);
}

int hvmxs__replay(struct hvmxs *xs)
{
	if (!xs->pub)
		return 0;
	return txn_run(xs, NULL);
}

void hvmxs__remove_state(struct hvmxs *xs, bool all)
{
	static const char *const ours[] = {
		SCHEMA_STATE, SCHEMA_PID, SCHEMA_DISPLAYS, SCHEMA_GUEST,
		SCHEMA_VM, SCHEMA_DELIVERED,
	};
	struct batch b = { 0 };

	if (!xs->xsh)
		return;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		batch_add(&b, NULL, "%s", ours[i]);
	if (all) {
		/* The root itself, not root + "/". */
		if (!xs_rm(xs->xsh, XBT_NULL, xs->root) && errno != ENOENT)
			log_warn("xenstore: cannot remove %s: %s", xs->root,
				 strerror(errno));
		return;
	}
	if (txn_run(xs, &b) != 0)
		log_warn("xenstore: cannot remove daemon state under %s",
			 xs->root);
}

/* ---- the public publishers ---- */

static const char *const state_names[] = {
	[HVMXS_STATE_STARTING] = "starting",
	[HVMXS_STATE_RUNNING] = "running",
	[HVMXS_STATE_READY] = "ready",
	[HVMXS_STATE_STOPPING] = "stopping",
};

int hvmxs__publish_vm(struct hvmxs *xs)
{
	struct batch b = { 0 };

	batch_add(&b, xs->uuid, "%s", SCHEMA_VM);
	return publish(xs, &b);
}

int hvmxs_publish_state(struct hvmxs *xs, enum hvmxs_state state)
{
	struct batch b = { 0 };

	if ((unsigned int)state >= sizeof(state_names) / sizeof(state_names[0]))
		return -EINVAL;
	batch_add(&b, state_names[state], "%s", SCHEMA_STATE);
	batch_addf(&b, SCHEMA_PID, "%ld", (long)getpid());
	return publish(xs, &b);
}

/* Guest strings: printable ASCII only, bounded. */
static void sanitise(char *out, size_t outlen, const char *in, size_t inmax)
{
	size_t i;

	for (i = 0; i + 1 < outlen && i < inmax && in[i]; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

static const char *os_name(uint32_t os)
{
	switch (os) {
	case HVMLINK_OS_LINUX:		return "linux";
	case HVMLINK_OS_WINDOWS:	return "windows";
	case HVMLINK_OS_BSD:		return "bsd";
	default:			return "unknown";
	}
}

int hvmxs_publish_guest_info(struct hvmxs *xs,
			     const struct hvmxs_guest_info *info)
{
	struct batch b = { 0 };
	struct op *op;

	if (!info)
		return -EINVAL;
	batch_addf(&b, SCHEMA_GUEST "/driver-version", "%u.%u.%u",
		   info->driver_version >> 16, (info->driver_version >> 8) & 0xff,
		   info->driver_version & 0xff);
	batch_add(&b, os_name(info->os_type), SCHEMA_GUEST "/os");
	op = batch_add(&b, NULL, SCHEMA_GUEST "/os-release");
	sanitise(op->buf, sizeof(op->buf), info->os_release, HVMLINK_NAME_LEN);
	op->value = op->buf;
	op = batch_add(&b, NULL, SCHEMA_GUEST "/name");
	sanitise(op->buf, sizeof(op->buf), info->name, HVMLINK_NAME_LEN);
	op->value = op->buf;
	return publish(xs, &b);
}

static const char *const cap_names[] = {
	"display", "kv", "heartbeat", "timesync",
};

int hvmxs_publish_caps(struct hvmxs *xs, uint32_t caps)
{
	struct batch b = { 0 };
	struct op *op;
	size_t o = 0;

	batch_addf(&b, SCHEMA_GUEST "/caps", "0x%" PRIx32, caps);
	op = batch_add(&b, NULL, SCHEMA_GUEST "/caps-list");
	op->buf[0] = '\0';
	for (unsigned int i = 0; i < 32; i++) {
		if (!(caps & (1u << i)))
			continue;
		if (i < sizeof(cap_names) / sizeof(cap_names[0]))
			o += (size_t)snprintf(op->buf + o, sizeof(op->buf) - o,
					      "%s%s", o ? " " : "", cap_names[i]);
		else
			o += (size_t)snprintf(op->buf + o, sizeof(op->buf) - o,
					      "%sbit%u", o ? " " : "", i);
		if (o >= sizeof(op->buf))
			break;
	}
	op->value = op->buf;
	return publish(xs, &b);
}

static const char *const facility_names[HVMLINK_FACILITY_COUNT] = {
	[HVMLINK_FACILITY_DRIVER] = "driver",
	[HVMLINK_FACILITY_AGENT] = "agent",
	[HVMLINK_FACILITY_DISPLAY] = "display",
	[HVMLINK_FACILITY_KV] = "kv",
	[HVMLINK_FACILITY_TIMESYNC] = "timesync",
};

static const char *const facility_status[HVMLINK_FACILITY_STATUS_COUNT] = {
	[HVMLINK_FACILITY_INACTIVE] = "inactive",
	[HVMLINK_FACILITY_ACTIVE] = "active",
	[HVMLINK_FACILITY_TERMINATED] = "terminated",
	[HVMLINK_FACILITY_FAILED] = "failed",
};

int hvmxs_publish_facility(struct hvmxs *xs, uint32_t facility,
			   uint32_t status)
{
	struct batch b = { 0 };

	if (facility == 0 || facility >= HVMLINK_FACILITY_COUNT ||
	    status >= HVMLINK_FACILITY_STATUS_COUNT)
		return -EINVAL;
	batch_add(&b, facility_status[status], SCHEMA_GUEST "/facility/%s",
		  facility_names[facility]);
	return publish(xs, &b);
}

int hvmxs_publish_display(struct hvmxs *xs, unsigned int display,
			  int32_t result, uint64_t seq,
			  const struct hvmlink_display_mode *mode,
			  const char *reason)
{
	struct batch b = { 0 };
	char text[HINT_DISPLAY_FMT_LEN];
	struct op *op;

	if (display >= xs->nr_displays || !mode)
		return -EINVAL;
	hint_format_display(mode, text, sizeof(text));
	batch_add(&b, result == 0 ? "applied" : "failed",
		  SCHEMA_GUEST "/display/%u/status", display);
	op = batch_add(&b, NULL, SCHEMA_GUEST "/display/%u/mode", display);
	snprintf(op->buf, sizeof(op->buf), "%s", text);
	op->value = op->buf;
	op = batch_add(&b, NULL, SCHEMA_GUEST "/display/%u/seq", display);
	snprintf(op->buf, sizeof(op->buf), "%" PRIu64, seq);
	op->value = op->buf;
	op = batch_add(&b, NULL, SCHEMA_GUEST "/display/%u/reason", display);
	if (result != 0) {
		sanitise(op->buf, sizeof(op->buf),
			 reason && *reason ? reason : "unspecified",
			 HVMLINK_REASON_LEN);
		op->value = op->buf;
	}
	return publish(xs, &b);
}

static const char *const heartbeat_names[] = {
	[HVMXS_HEARTBEAT_OFF] = "off",
	[HVMXS_HEARTBEAT_OK] = "ok",
	[HVMXS_HEARTBEAT_LATE] = "late",
};

int hvmxs_publish_heartbeat(struct hvmxs *xs, enum hvmxs_heartbeat health,
			    uint64_t last_beat_ns, uint64_t interval_ns)
{
	struct batch b = { 0 };

	if ((unsigned int)health >=
	    sizeof(heartbeat_names) / sizeof(heartbeat_names[0]))
		return -EINVAL;
	batch_add(&b, heartbeat_names[health], SCHEMA_GUEST "/heartbeat/state");
	if (last_beat_ns)
		batch_addf(&b, SCHEMA_GUEST "/heartbeat/last-beat",
			   "%" PRIu64 ".%03" PRIu64,
			   last_beat_ns / 1000000000u,
			   (last_beat_ns / 1000000u) % 1000u);
	else
		batch_add(&b, "never", SCHEMA_GUEST "/heartbeat/last-beat");
	batch_addf(&b, SCHEMA_GUEST "/heartbeat/interval-ms", "%" PRIu64,
		   interval_ns / 1000000u);
	return publish(xs, &b);
}

int hvmxs_publish_delivered(struct hvmxs *xs, const char *kind,
			    const char *name, uint64_t seq)
{
	struct batch b = { 0 };
	struct op *op;

	if ((strcmp(kind, "display") && strcmp(kind, "kv")) ||
	    strlen(name) >= HVMLINK_KV_KEY_LEN)
		return -EINVAL;
	op = batch_add(&b, NULL, SCHEMA_DELIVERED "/%s/%s", kind, name);
	if (seq) {
		snprintf(op->buf, sizeof(op->buf), "%" PRIu64, seq);
		op->value = op->buf;
	}
	return publish(xs, &b);
}

int hvmxs_clear_guest(struct hvmxs *xs)
{
	struct batch b = { 0 };

	batch_add(&b, NULL, "%s", SCHEMA_GUEST);
	return publish(xs, &b);
}
