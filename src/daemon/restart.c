/* SPDX-License-Identifier: MIT */
/*
 * How this start of hvmlinkd relates to the VM's earlier life (D3), and
 * keeping the VM's state file current so that the next start can tell.
 *
 *   the VM's record names this boot, this domain id and this build of the
 *   domain (libxl's /vm/UUID/start_time)
 *       → RESTART: a previous hvmlinkd served this very domain and is gone
 *         (crashed, killed, or stopped).  Re-attach to the ioreq server it
 *         left (same pages, same ports, the vCPUs waiting on it go on); if
 *         that is impossible, destroy that server and make a new one.  Load
 *         the saved device state, then serve what was left in flight.
 *   else --incoming
 *       → INCOMING: the domain was restored or migrated in: load the VM's
 *         saved device state (any boot, any domain) and raise RESTORED.
 *   else
 *       → FRESH: the VM was created or rebooted: a new device; its record
 *         is replaced.
 *
 * After start-up the record is rewritten whenever the guest changed state
 * it programmed (PCI config, BARs, MSI, event filter, capabilities, what
 * it reported), between carrying out the ioreq and answering it, and once
 * more, durably, when the daemon exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "daemon/statefile.h"
#include "ioreq/ioreq.h"
#include "xenstore/hvmxs.h"

/* What the guest programmed or reported: worth a write before the answer.
 * Heartbeats are not (a beat every few seconds, and a stale one is
 * harmless); hints are the administrator's and live in xenstore. */
#define PERSISTENT_CHANGES \
	(HVMDEV_CHANGED_PCI | HVMDEV_CHANGED_FILTER | HVMDEV_CHANGED_CAPS | \
	 HVMDEV_CHANGED_GUEST_INFO | HVMDEV_CHANGED_FACILITY | \
	 HVMDEV_CHANGED_DISPLAY)

static const char *const start_names[] = {
	[HVMLINKD_START_FRESH] = "fresh",
	[HVMLINKD_START_INCOMING] = "incoming",
	[HVMLINKD_START_RESTART] = "restart",
};

const char *hvmlinkd_start_name(enum hvmlinkd_start start)
{
	return start_names[start];
}

/*
 * Is the record another, newer domain's of this VM?  It is when it was
 * written for the build libxl made last (/vm/UUID/start_time is rewritten
 * at every build) and that domain still runs the VM: we are then the
 * older of two (a same-host migration's leaving domain, whose daemon
 * restarted) and must leave the record alone.
 */
static bool newer_domain_owns(struct hvmlinkd *d)
{
	const struct statefile_rec *prev = &d->prev;

	if (!d->have_prev || d->start == HVMLINKD_START_RESTART ||
	    prev->domid == d->opts->domid || !prev->instance[0] ||
	    strcmp(prev->instance, d->vm_start_time) != 0)
		return false;
	if (hvmxs_domain_runs_vm(prev->domid, d->vm_uuid) != 1)
		return false;
	log_notice("VM %s is also domain %u, built after this one: this daemon leaves the VM's saved state to it",
		   d->vm_uuid, prev->domid);
	return true;
}

int hvmlinkd_open_state(struct hvmlinkd *d, uid_t uid, gid_t gid)
{
	const struct hvmlinkd_options *o = d->opts;
	struct statefile_rec *prev = &d->prev;
	int rc;

	rc = statefile_boot_id(d->boot_id);
	if (rc < 0) {
		log_err("cannot read this boot's id: %s", strerror(-rc));
		return -1;
	}
	rc = statefile_open(o->state_dir, d->vm_uuid, uid, gid, &d->sf);
	if (rc < 0)
		return -1;
	rc = statefile_read(d->sf, prev);
	if (rc < 0 && rc != -ENOENT && rc != -EBADMSG) {
		/*
		 * A record we cannot see may be this very domain's: starting
		 * fresh would put a second, unprogrammed device beside the
		 * server a crashed daemon left, and the guest would hang on
		 * it.  Refuse, loudly (the unit's sandbox gives root no
		 * CAP_DAC_OVERRIDE: the file must be readable as "other").
		 */
		log_err("refusing to start without the VM's saved device state: make %s readable (mode 0644) or remove it",
			statefile_path(d->sf));
		return -1;
	}
	d->have_prev = rc == 0;

	if (d->have_prev && prev->domid == o->domid &&
	    strcmp(prev->boot_id, d->boot_id) == 0 &&
	    strcmp(prev->instance, d->vm_start_time) == 0) {
		d->start = HVMLINKD_START_RESTART;
		if (prev->server_id >= 0)
			log_notice("domain %u was served by an earlier hvmlinkd (ioreq server %d): taking over",
				   o->domid, prev->server_id);
		else
			log_notice("domain %u was served by an earlier hvmlinkd, which stopped: resuming its device state",
				   o->domid);
		if (o->incoming)
			log_info("--incoming ignored: this domain's own state is newer");
	} else if (o->incoming) {
		d->start = HVMLINKD_START_INCOMING;
		if (d->have_prev)
			log_notice("domain %u is restored or migrated in: loading the device state VM %s had as domain %u",
				   o->domid, d->vm_uuid, prev->domid);
		else
			log_notice("domain %u is restored or migrated in, but no device state of VM %s is saved here (%s): the guest gets a fresh device",
				   o->domid, d->vm_uuid, statefile_path(d->sf));
	} else {
		d->start = HVMLINKD_START_FRESH;
		if (d->have_prev && prev->domid == o->domid)
			log_info("%s is from another boot, or another build of domain %u: a fresh device",
				 statefile_path(d->sf), o->domid);
		else if (d->have_prev)
			log_info("VM %s starts afresh (it was domain %u); its saved device state is replaced",
				 d->vm_uuid, prev->domid);
	}
	d->defer_record = newer_domain_owns(d);
	return 0;
}

int hvmlinkd_open_server(struct hvmlinkd *d, const struct ioreq_options *io)
{
	int rc, id = d->have_prev ? d->prev.server_id : -1;

	if (d->start == HVMLINKD_START_RESTART && id >= 0) {
		rc = ioreq_server_attach(io, (uint16_t)id, &d->ioreq);
		if (rc == 0) {
			d->attached = true;
			return 0;
		}
		if (rc == -EBUSY) {
			/* Someone serves it: never destroy a live server. */
			log_err("ioreq server %d of domain %u is served by another process; not taking it over",
				id, d->opts->domid);
			return rc;
		}
		if (rc == -ESRCH)
			return rc;
		if (rc != -ENOENT) {
			int drc = ioreq_server_destroy_stale(d->opts->domid,
							     (uint16_t)id);

			log_warn("cannot re-attach to ioreq server %d (%s): destroyed it (%s); a new server gets the saved state",
				 id, strerror(-rc),
				 drc ? strerror(-drc) : "ok");
		} else {
			log_warn("ioreq server %d of domain %u is gone: a new server gets the saved state",
				 id, d->opts->domid);
		}
		d->replaced = true;
	}
	rc = ioreq_server_open(io, &d->ioreq);
	if (rc < 0)
		d->ioreq = NULL;
	return rc;
}

/* A fresh blob of the device's state and the record it goes into. */
static int save(struct hvmlinkd *d, int32_t server_id, bool takeover,
		bool durable)
{
	struct statefile_rec rec;
	int rc;

	memset(&rec, 0, sizeof(rec));
	rc = hvmdev_save(d->dev, &rec.blob, &rec.blob_len);
	if (rc < 0)
		return rc;
	memcpy(rec.boot_id, d->boot_id, sizeof(rec.boot_id));
	snprintf(rec.instance, sizeof(rec.instance), "%s", d->vm_start_time);
	rec.domid = d->opts->domid;
	rec.server_id = server_id;
	rc = statefile_write(d->sf, &rec, takeover, durable);
	statefile_rec_free(&rec);
	return rc;
}

static void save_now(struct hvmlinkd *d)
{
	int rc;

	if (!d->sf_owned)
		return;
	rc = save(d, ioreq_server_id(d->ioreq), false, false);
	if (rc == -ESTALE) {
		/* Same-host migration: the domain that arrived owns it. */
		log_notice("VM %s is now served by a newer domain: no longer saving its device state",
			   d->vm_uuid);
		d->sf_owned = false;
	} else if (rc < 0) {
		log_guest_warn("cannot save the device state to %s: %s",
			       statefile_path(d->sf), strerror(-rc));
	}
}

/* The ioreq layer's hook: the guest's vCPU still waits for its answer. */
static void before_answer(void *opaque)
{
	struct hvmlinkd *d = opaque;

	if (!d->persist_dirty)
		return;
	d->persist_dirty = false;
	save_now(d);
}

void hvmlinkd_state_changed(void *opaque, unsigned int what,
			    unsigned int index)
{
	struct hvmlinkd *d = opaque;

	if (what & PERSISTENT_CHANGES)
		d->persist_dirty = true;
	hvmlinkd_device_changed(opaque, what, index);
}

/* Raise RESTORED with the state unchanged: what hvmdev_restore() does. */
static int raise_restored(struct hvmdev *dev)
{
	void *blob;
	size_t len;
	int rc = hvmdev_save(dev, &blob, &len);

	if (rc == 0) {
		rc = hvmdev_restore(dev, blob, len);
		free(blob);
	}
	return rc;
}

int hvmlinkd_resume_state(struct hvmlinkd *d)
{
	int rc, served;

	if (d->start != HVMLINKD_START_FRESH && d->have_prev) {
		/*
		 * The blob is checked completely before anything changes; a
		 * refused one leaves a fresh device, which is what a guest
		 * whose host lost the state gets anyway.  A restart is quiet:
		 * the record holds everything the guest programmed or
		 * reported (written before each answer), so the guest has
		 * nothing to redo and must not notice that its host side
		 * died; its pending events and interrupt line are as they
		 * were.  Only a domain that moved (incoming) gets RESTORED.
		 */
		rc = hvmdev_restore_flags(d->dev, d->prev.blob, d->prev.blob_len,
					  d->start == HVMLINKD_START_RESTART ?
					  HVMDEV_RESTORE_QUIET : 0);
		if (rc < 0)
			log_err("the saved device state in %s was refused (%s): the guest gets a fresh device",
				statefile_path(d->sf), strerror(-rc));
		else
			log_info("device state restored from %s",
				 statefile_path(d->sf));
	} else if (d->start == HVMLINKD_START_INCOMING) {
		/* Restored elsewhere without our state: tell the guest all
		 * the same, its driver sets the session up again. */
		rc = raise_restored(d->dev);
		if (rc < 0)
			log_warn("cannot raise RESTORED: %s", strerror(-rc));
	}
	statefile_rec_free(&d->prev);

	if (d->defer_record) {
		/* Serve, but never write: the VM's state is the newer
		 * domain's. */
		if (d->start == HVMLINKD_START_RESTART)
			ioreq_server_resume(d->ioreq);
		return 0;
	}
	/* From now on this domain owns the VM's record. */
	rc = save(d, ioreq_server_id(d->ioreq), true, false);
	if (rc < 0) {
		log_err("cannot write the device state to %s: %s",
			statefile_path(d->sf), strerror(-rc));
		return -1;
	}
	d->sf_owned = true;
	d->persist_dirty = false;
	ioreq_server_set_answer_hook(d->ioreq, before_answer, d);

	if (d->start == HVMLINKD_START_RESTART) {
		served = ioreq_server_resume(d->ioreq);
		log_notice("%s ioreq server %u: %d ioreq(s) left in flight served",
			   d->attached ? "re-attached to" :
			   d->replaced ? "replaced the stale server with" : "created",
			   ioreq_server_id(d->ioreq), served);
	}
	return 0;
}

void hvmlinkd_final_save(struct hvmlinkd *d, void *blob, size_t len)
{
	struct statefile_rec rec;
	int rc;

	if (!d->sf_owned || !blob)
		return;
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.boot_id, d->boot_id, sizeof(rec.boot_id));
	snprintf(rec.instance, sizeof(rec.instance), "%s", d->vm_start_time);
	rec.domid = d->opts->domid;
	rec.server_id = -1;	/* destroyed: nothing to re-attach to */
	rec.blob = blob;
	rec.blob_len = len;
	/* Durable: xendomains saves every guest at host shutdown, and the
	 * restore after the reboot needs this record. */
	rc = statefile_write(d->sf, &rec, false, true);
	if (rc == -ESTALE)
		log_info("VM %s is served by a newer domain: its device state is left to it",
			 d->vm_uuid);
	else if (rc < 0)
		log_err("cannot save the device state to %s: %s",
			statefile_path(d->sf), strerror(-rc));
}
