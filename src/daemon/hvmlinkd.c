/* SPDX-License-Identifier: MIT */
/*
 * Setting the three layers up and tearing them down, in that order and
 * its reverse.  The device is live (its PCI function claimed, its ioreq
 * server enabled) before xenstore says "ready", so a guest unpaused on
 * "ready" always finds it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "ioreq/ioreq.h"
#include "xenstore/hvmxs.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t dev_realtime_ns(void *opaque)
{
	return clock_ns(CLOCK_REALTIME);
}

static uint64_t dev_monotonic_ns(void *opaque)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static const struct hvmdev_ops device_ops = {
	.realtime_ns = dev_realtime_ns,
	.monotonic_ns = dev_monotonic_ns,
	.changed = hvmlinkd_state_changed,
};

int hvmlinkd_identify_vm(struct hvmlinkd *d,
			 const struct hvmlinkd_options *opts)
{
	struct hvmxs_vm vm;
	int rc;

	d->opts = opts;
	rc = hvmxs_lookup_vm(opts->domid, &vm);
	memcpy(d->vm_uuid, vm.uuid, sizeof(d->vm_uuid));
	memcpy(d->vm_name, vm.name, sizeof(d->vm_name));
	memcpy(d->vm_start_time, vm.start_time, sizeof(d->vm_start_time));
	if (rc == -ENOENT) {
		log_err("domain %u: no /local/domain/%u/vm in xenstore (no such domain, or not built by libxl)",
			opts->domid, opts->domid);
		return -1;
	}
	if (rc < 0) {
		log_err("domain %u: cannot find its VM in xenstore: %s",
			opts->domid,
			rc == -EINVAL ? "/local/domain/D/vm is not /vm/UUID"
				      : strerror(-rc));
		return -1;
	}
	log_info("domain %u runs VM %s%s%s%s, built at %s", opts->domid,
		 d->vm_uuid, d->vm_name[0] ? " (" : "", d->vm_name,
		 d->vm_name[0] ? ")" : "",
		 d->vm_start_time[0] ? d->vm_start_time : "(unknown)");
	return 0;
}

int hvmlinkd_setup_device(struct hvmlinkd *d,
			  const struct hvmlinkd_options *opts)
{
	struct ioreq_options io = { .domid = opts->domid };
	struct hvmdev_config cfg;
	int rc;

	d->opts = opts;
	rc = hvmlinkd_open_server(d, &io);
	if (rc < 0) {
		d->ioreq = NULL;
		log_err("cannot %s the ioreq server for domain %u: %s",
			d->attached ? "re-attach to" : "create", opts->domid,
			rc == -ESRCH ? "no such domain" :
			rc == -ENOENT ? "no Xen interfaces (not a Xen Dom0?)" :
			strerror(-rc));
		return -1;
	}

	hvmdev_config_init(&cfg);
	cfg.vendor_id = opts->vendor_id;
	cfg.device_id = opts->device_id;
	cfg.subsys_vendor_id = opts->subsys_vendor_id;
	cfg.subsys_id = opts->subsys_id;
	cfg.pci_segment = opts->segment;
	cfg.pci_bus = opts->bus;
	cfg.pci_devfn = opts->devfn;
	cfg.nr_displays = opts->displays;
	cfg.domid = opts->domid;
	rc = hvmdev_create(&cfg, ioreq_server_bus(d->ioreq), &device_ops, d,
			   &d->dev);
	if (rc < 0) {
		d->dev = NULL;
		log_err("cannot create the device at %04x:%02x:%02x.%x: %s",
			opts->segment, opts->bus, opts->devfn >> 3,
			opts->devfn & 7, strerror(-rc));
		return -1;
	}
	log_info("device %04x:%04x at %04x:%02x:%02x.%x, %u display(s), %s start",
		 opts->vendor_id, opts->device_id, opts->segment, opts->bus,
		 opts->devfn >> 3, opts->devfn & 7, opts->displays,
		 hvmlinkd_start_name(d->start));
	return hvmlinkd_resume_state(d);
}

int hvmlinkd_setup_xenstore(struct hvmlinkd *d)
{
	struct hvmxs_config cfg = {
		.domid = d->opts->domid,
		.vm_uuid = d->vm_uuid,
		.vm_name = d->vm_name,
		.nr_displays = d->opts->displays,
	};

	d->xs = hvmxs_open(&cfg, &hvmlinkd_hint_callbacks, d);
	if (!d->xs) {
		log_err("cannot set up xenstore for domain %u: %s",
			d->opts->domid, strerror(errno));
		return -1;
	}
	/* The hints already there, before "ready" lets the guest run: each
	 * later one then reaches the guest exactly once. */
	hvmxs_sync_hints(d->xs);
	return 0;
}

int hvmlinkd_publish_ready(struct hvmlinkd *d)
{
	int rc;

	/* A restored device's guest state, before anyone reads "ready". */
	hvmlinkd_publish_flush(d);
	rc = hvmxs_publish_state(d->xs, HVMXS_STATE_READY);

	if (rc < 0) {
		log_err("cannot publish the ready state: %s", strerror(-rc));
		return -1;
	}
	log_notice("ready: serving domain %u", d->opts->domid);
	return 0;
}

void hvmlinkd_teardown(struct hvmlinkd *d)
{
	void *blob = NULL;
	size_t blob_len = 0;

	if (d->xs && hvmxs_connected(d->xs)) {
		int rc = hvmxs_publish_state(d->xs, HVMXS_STATE_STOPPING);

		if (rc < 0)
			log_info("cannot publish the stopping state: %s",
				 strerror(-rc));
	}
	hvmlinkd_teardown_loop(d);
	/* The state to keep for the VM, while the device still has it. */
	if (d->dev && d->sf_owned && hvmdev_save(d->dev, &blob, &blob_len) < 0)
		blob = NULL;
	/* The device first: it lowers its interrupt and unmaps its BARs
	 * through the bus, which must still exist. */
	hvmdev_destroy(d->dev);
	d->dev = NULL;
	if (d->ioreq)
		ioreq_server_close(d->ioreq);
	d->ioreq = NULL;
	/* Only now, with the server gone, say there is none to re-attach. */
	hvmlinkd_final_save(d, blob, blob_len);
	free(blob);
	statefile_rec_free(&d->prev);
	statefile_close(d->sf);
	d->sf = NULL;
	/* Last: the daemon's xenstore state says "stopping" until the ioreq
	 * server is gone. */
	hvmxs_close(d->xs);
	d->xs = NULL;
}
