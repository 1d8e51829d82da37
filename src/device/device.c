/* SPDX-License-Identifier: MIT */
/*
 * hvmdev life cycle, host-side API, events and the interrupt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

void hvmdev_config_init(struct hvmdev_config *cfg)
{
	unsigned int major = 0, minor = 0, build = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->vendor_id = HVMLINK_PCI_VENDOR_ID;
	cfg->device_id = HVMLINK_PCI_DEVICE_ID;
	cfg->subsys_vendor_id = HVMLINK_PCI_SUBSYS_VENDOR_ID;
	cfg->subsys_id = HVMLINK_PCI_SUBSYS_ID;
	cfg->revision = HVMLINK_PCI_REVISION;
	cfg->nr_displays = 1;
	/* PACKAGE_VERSION comes from config.h ("0.1.0"). */
	if (sscanf(PACKAGE_VERSION, "%u.%u.%u", &major, &minor, &build) < 2)
		major = minor = build = 0;
	cfg->version_major = (uint16_t)major;
	cfg->version_minor = (uint16_t)minor;
	cfg->version_build = build;
	cfg->heartbeat_interval_ns = 2000000000ull;
}

uint64_t hvmdev_now_real(struct hvmdev *dev)
{
	return dev->ops.realtime_ns(dev->opaque);
}

uint64_t hvmdev_now_mono(struct hvmdev *dev)
{
	return dev->ops.monotonic_ns(dev->opaque);
}

void hvmdev_notify(struct hvmdev *dev, unsigned int what, unsigned int index)
{
	if (dev->ops.changed)
		dev->ops.changed(dev->opaque, what, index);
}

/*
 * The interrupt rules (docs/protocol.md, "Interrupts"):
 *  - active = pending & filter;
 *  - INTx: INTA# is asserted exactly while active != 0, MSI is off and the
 *    command register's INTx-disable bit is clear (level semantics);
 *    Status.Interrupt ignores INTx-disable (hvmdev_intx_pending());
 *  - MSI: a message is sent whenever active gains a bit that has not been
 *    signalled yet (msi_notified); bits leave msi_notified when they leave
 *    active (acknowledged or masked), so an event raised again after its
 *    acknowledgement sends a new message.  MSI is a memory write, so
 *    without bus mastering the message is held until it is enabled.
 *    Enabling MSI while events are active sends one message.
 */
static bool msi_enabled(const struct hvmdev *dev)
{
	return hvmdev_cfg_get(dev->st.config, HVMDEV_MSI_CAP + PCI_MSI_FLAGS,
			      2) & PCI_MSI_FLAGS_ENABLE;
}

/* An INTx interrupt condition, before INTx disable masks the pin: what
 * Status.Interrupt shows (PCI 2.3: INTx disable does not affect it). */
bool hvmdev_intx_pending(const struct hvmdev *dev)
{
	return (dev->st.pending & dev->st.filter) && !msi_enabled(dev);
}

void hvmdev_irq_update(struct hvmdev *dev)
{
	struct hvmdev_state *st = &dev->st;
	uint32_t active = st->pending & st->filter;
	uint16_t command = hvmdev_command(dev);
	bool msi_on = msi_enabled(dev);
	bool intx = hvmdev_intx_pending(dev) &&
		    !(command & PCI_COMMAND_INTX_DISABLE);

	if (intx != dev->intx_level) {
		int rc = bus_set_intx(dev->bus, intx);

		if (rc < 0)
			log_warn("dom%u: hvmlink: set INTx %d failed: %s",
				 dev->cfg.domid, intx, strerror(-rc));
		dev->intx_level = intx;
		dev->stats.intx_changes++;
	}

	if (!msi_on) {
		st->msi_notified = 0;
		return;
	}
	st->msi_notified &= active;
	if ((active & ~st->msi_notified) && (command & PCI_COMMAND_MASTER)) {
		uint64_t addr = (uint64_t)hvmdev_cfg_get(st->config,
				HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_HI, 4) << 32 |
			hvmdev_cfg_get(st->config,
				       HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_LO, 4);
		uint32_t data = hvmdev_cfg_get(st->config,
					       HVMDEV_MSI_CAP + PCI_MSI_DATA_64, 2);
		int rc = bus_inject_msi(dev->bus, addr, data);

		if (rc < 0)
			log_guest_warn("dom%u: hvmlink: MSI to 0x%llx failed: %s",
				       dev->cfg.domid,
				       (unsigned long long)addr, strerror(-rc));
		st->msi_notified = active;
		dev->stats.msi_sent++;
	}
}

void hvmdev_raise(struct hvmdev *dev, uint32_t events)
{
	dev->st.pending |= events & HVMLINK_EVENT_VALID_MASK;
	hvmdev_irq_update(dev);
}

int hvmdev_create(const struct hvmdev_config *cfg, struct bus *bus,
		  const struct hvmdev_ops *ops, void *opaque,
		  struct hvmdev **out)
{
	struct hvmdev *dev;
	unsigned int nr_vcpus;
	int rc;

	*out = NULL;
	if (!cfg || !bus || !ops || !ops->realtime_ns || !ops->monotonic_ns ||
	    cfg->nr_displays < 1 || cfg->nr_displays > HVMLINK_MAX_DISPLAYS)
		return -EINVAL;
	nr_vcpus = bus_nr_vcpus(bus);
	if (nr_vcpus < 1 || nr_vcpus > HVMDEV_MAX_VCPUS) {
		log_err("dom%u: hvmlink: the bus has %u vCPUs; the device serves 1..%u",
			cfg->domid, nr_vcpus, HVMDEV_MAX_VCPUS);
		return -EINVAL;
	}

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->cfg = *cfg;
	dev->ops = *ops;
	dev->opaque = opaque;
	dev->bus = bus;
	dev->nr_vcpus = nr_vcpus;	/* latches start 0: REQUEST_HI 0, OK */
	dev->st.hb_interval_ns = cfg->heartbeat_interval_ns;
	hvmdev_config_reset_image(dev);
	/* The state after a reset (reset.c), as on real hardware at power
	 * on: the first driver hears of a wanted heartbeat as every later
	 * one does. */
	dev->st.pending = hvmdev_host_news(dev);

	rc = bus_claim_pci(bus, cfg->pci_segment, cfg->pci_bus, cfg->pci_devfn,
			   &hvmdev_config_ops, dev);
	if (rc < 0) {
		log_err("dom%u: hvmlink: cannot claim PCI %04x:%02x:%02x.%u: %s",
			cfg->domid, cfg->pci_segment, cfg->pci_bus,
			cfg->pci_devfn >> 3, cfg->pci_devfn & 7,
			strerror(-rc));
		goto err_free;
	}
	*out = dev;
	return 0;

err_free:
	free(dev);
	return rc;
}

void hvmdev_destroy(struct hvmdev *dev)
{
	if (!dev)
		return;
	hvmdev_unmap_bars(dev);
	if (dev->intx_level)
		(void)bus_set_intx(dev->bus, 0);
	hvmdev_kv_free_all(&dev->st);
	free(dev);
}

/* ---------------------------------------------------------------------- */
/* Hints.                                                                   */

static bool mode_fields_valid(const struct hvmlink_display_mode *m)
{
	if (m->width < 1 || m->width > HVMDEV_DIM_MAX ||
	    m->height < 1 || m->height > HVMDEV_DIM_MAX)
		return false;
	if (m->bpp != 0 && m->bpp != 8 && m->bpp != 16 && m->bpp != 24 &&
	    m->bpp != 32)
		return false;
	if (m->x < -HVMDEV_POS_MAX || m->x > HVMDEV_POS_MAX ||
	    m->y < -HVMDEV_POS_MAX || m->y > HVMDEV_POS_MAX)
		return false;
	return true;
}

bool hvmdev_display_mode_valid(const struct hvmlink_display_mode *mode)
{
	if (mode->enabled > 1)
		return false;
	return !mode->enabled || mode_fields_valid(mode);
}

/* As the wire contract says: a disabled mode has all other fields 0. */
bool hvmdev_mode_valid_strict(const struct hvmlink_display_mode *mode)
{
	static const struct hvmlink_display_mode off;

	if (mode->enabled == 0)
		return memcmp(mode, &off, sizeof(off)) == 0;
	return mode->enabled == 1 && mode_fields_valid(mode);
}

/* A hint equal to the current one is issued again only when reissue. */
static int set_display_hint(struct hvmdev *dev, unsigned int display,
			    const struct hvmlink_display_mode *mode,
			    bool reissue)
{
	struct hvmdev_display_state *d;
	struct hvmlink_display_mode m = *mode;

	if (display >= dev->cfg.nr_displays)
		return -ERANGE;
	if (!hvmdev_display_mode_valid(&m))
		return -EINVAL;
	if (!m.enabled)
		memset(&m, 0, sizeof(m));

	d = &dev->st.display[display];
	if (!reissue && d->hint_set && memcmp(&d->hint, &m, sizeof(m)) == 0)
		return 0;
	d->hint = m;
	d->hint_set = true;
	d->hint_seq = ++dev->st.hint_seq;
	log_debug("dom%u: hvmlink: display %u hint %ux%u@%u%+d%+d %s seq %llu",
		  dev->cfg.domid, display, m.width, m.height, m.bpp, m.x, m.y,
		  m.enabled ? "on" : "off", (unsigned long long)d->hint_seq);
	hvmdev_raise(dev, HVMLINK_EVENT_DISPLAY_CHANGE);
	return 0;
}

int hvmdev_set_display_hint(struct hvmdev *dev, unsigned int display,
			    const struct hvmlink_display_mode *mode)
{
	return set_display_hint(dev, display, mode, true);
}

int hvmdev_sync_display_hint(struct hvmdev *dev, unsigned int display,
			     const struct hvmlink_display_mode *mode)
{
	return set_display_hint(dev, display, mode, false);
}

void hvmdev_set_heartbeat_interval(struct hvmdev *dev, uint64_t interval_ns)
{
	struct hvmdev_state *st = &dev->st;

	st->hb_interval_ns = interval_ns;
	if (!interval_ns) {
		st->hb_enabled = false;
		st->hb_state = HVMDEV_HEARTBEAT_OFF;
	} else if (st->hb_enabled) {
		/* New deadline from now: the guest needs time to adapt. */
		dev->hb_last_monotonic_ns = hvmdev_now_mono(dev);
		st->hb_state = HVMDEV_HEARTBEAT_ALIVE;
	}
	hvmdev_notify(dev, HVMDEV_CHANGED_HEARTBEAT, 0);
	hvmdev_raise(dev, HVMLINK_EVENT_HEARTBEAT_REQUEST);
}

/* A beat is late after two intervals: one missed beat is tolerated. */
static uint64_t hb_deadline(const struct hvmdev *dev)
{
	uint64_t span = dev->st.hb_interval_ns;

	span = span > UINT64_MAX / 2 ? UINT64_MAX : span * 2;
	if (dev->hb_last_monotonic_ns > UINT64_MAX - span)
		return UINT64_MAX;
	return dev->hb_last_monotonic_ns + span;
}

uint64_t hvmdev_tick(struct hvmdev *dev)
{
	struct hvmdev_state *st = &dev->st;
	uint64_t deadline;

	if (!st->hb_enabled || !st->hb_interval_ns ||
	    st->hb_state != HVMDEV_HEARTBEAT_ALIVE)
		return UINT64_MAX;
	deadline = hb_deadline(dev);
	if (hvmdev_now_mono(dev) >= deadline) {
		st->hb_state = HVMDEV_HEARTBEAT_OVERDUE;
		log_warn("dom%u: hvmlink: guest heartbeat overdue",
			 dev->cfg.domid);
		hvmdev_notify(dev, HVMDEV_CHANGED_HEARTBEAT, 0);
		return UINT64_MAX;
	}
	return deadline;
}

/* ---------------------------------------------------------------------- */
/* Getters.                                                                 */

void hvmdev_get_guest_info(const struct hvmdev *dev,
			   struct hvmdev_guest_info *out)
{
	*out = dev->st.info;
}

uint32_t hvmdev_get_guest_caps(const struct hvmdev *dev)
{
	return dev->st.guest_caps;
}

int hvmdev_get_facility(const struct hvmdev *dev, unsigned int facility)
{
	if (facility < 1 || facility >= HVMLINK_FACILITY_COUNT)
		return -EINVAL;
	return dev->st.facility[facility];
}

int hvmdev_get_display(const struct hvmdev *dev, unsigned int display,
		       struct hvmdev_display_state *out)
{
	if (display >= dev->cfg.nr_displays)
		return -ERANGE;
	*out = dev->st.display[display];
	return 0;
}

void hvmdev_get_heartbeat(const struct hvmdev *dev,
			  struct hvmdev_heartbeat *out)
{
	out->state = dev->st.hb_state;
	out->interval_ns = dev->st.hb_interval_ns;
	out->beats = dev->st.hb_beats;
	out->last_beat_realtime_ns = dev->st.hb_last_realtime_ns;
}

void hvmdev_get_stats(const struct hvmdev *dev, struct hvmdev_stats *out)
{
	*out = dev->stats;
}

uint32_t hvmdev_get_pending(const struct hvmdev *dev)
{
	return dev->st.pending;
}

uint32_t hvmdev_get_filter(const struct hvmdev *dev)
{
	return dev->st.filter;
}
