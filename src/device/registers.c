/* SPDX-License-Identifier: MIT */
/*
 * BAR0 (port IO registers) and BAR1 (MMIO status page).
 *
 * REQUEST_HI and LAST_RC are per-vCPU latches (protocol 1.1): a driver's
 * REQUEST_HI, REQUEST, LAST_RC sequence runs on one vCPU, and another
 * vCPU's sequence in between must not redirect it or steal its status.
 * The vCPU comes from the bus; one outside the bus's range (a broken or
 * hostile bus, or a buffered write nobody waits for) owns no latch: its
 * latch reads are all-ones and its latch writes, REQUEST included, are
 * dropped.
 */
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

static struct hvmdev_latch *vcpu_latch(struct hvmdev *dev, unsigned int vcpu,
				       uint64_t offset)
{
	if (vcpu < dev->nr_vcpus)
		return &dev->st.latch[vcpu];
	dev->stats.bad_vcpu++;
	log_guest_warn("dom%u: hvmlink: BAR0 access at 0x%llx from vCPU %u (the guest has %u): dropped",
		       dev->cfg.domid, (unsigned long long)offset, vcpu,
		       dev->nr_vcpus);
	return NULL;
}

static uint64_t bar0_read(void *opaque, unsigned int vcpu, uint64_t offset,
			  unsigned int size)
{
	struct hvmdev *dev = opaque;
	struct hvmdev_latch *latch;

	/* Only aligned 32-bit accesses are defined (protocol.h). */
	if (size != 4 || (offset & 3) || offset >= HVMLINK_BAR0_SIZE) {
		log_guest_warn("dom%u: hvmlink: bad BAR0 read off 0x%llx size %u",
			       dev->cfg.domid, (unsigned long long)offset, size);
		return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	}
	switch (offset) {
	case HVMLINK_REG_REQUEST_HI:
		latch = vcpu_latch(dev, vcpu, offset);
		return latch ? latch->request_hi : 0xffffffffu;
	case HVMLINK_REG_PENDING:
		return dev->st.pending;
	case HVMLINK_REG_VERSION:
		return HVMLINK_PROTOCOL_VERSION;
	case HVMLINK_REG_LAST_RC:
		latch = vcpu_latch(dev, vcpu, offset);
		return latch ? (uint32_t)latch->last_rc : 0xffffffffu;
	default:		/* REQUEST is write-only; the rest reserved */
		return 0;
	}
}

static void bar0_write(void *opaque, unsigned int vcpu, uint64_t offset,
		       unsigned int size, uint64_t value)
{
	struct hvmdev *dev = opaque;
	struct hvmdev_latch *latch;

	if (size != 4 || (offset & 3) || offset >= HVMLINK_BAR0_SIZE) {
		log_guest_warn("dom%u: hvmlink: bad BAR0 write off 0x%llx size %u",
			       dev->cfg.domid, (unsigned long long)offset, size);
		return;
	}
	switch (offset) {
	case HVMLINK_REG_REQUEST:
		latch = vcpu_latch(dev, vcpu, offset);
		if (latch)
			hvmdev_submit(dev, latch, (uint32_t)value);
		break;
	case HVMLINK_REG_REQUEST_HI:
		latch = vcpu_latch(dev, vcpu, offset);
		if (latch)
			latch->request_hi = (uint32_t)value;
		break;
	default:		/* read-only or reserved: dropped */
		break;
	}
}

const struct bus_io_ops hvmdev_bar0_ops = {
	.read = bar0_read,
	.write = bar0_write,
};

void hvmdev_status_page(const struct hvmdev *dev,
			struct hvmlink_status_page *page)
{
	memset(page, 0, sizeof(*page));
	page->size = sizeof(*page);
	page->version = HVMLINK_PROTOCOL_VERSION;
	page->have_events = (dev->st.pending & dev->st.filter) != 0;
	page->pending_events = dev->st.pending;
	page->filter_mask = dev->st.filter;
	page->guest_caps = dev->st.guest_caps;
	page->host_features = HVMDEV_HOST_FEATURES;
}

static uint64_t bar1_read(void *opaque, unsigned int vcpu, uint64_t offset,
			  unsigned int size)
{
	struct hvmdev *dev = opaque;
	struct hvmlink_status_page page;
	uint8_t bytes[sizeof(page)];
	uint64_t v = 0;

	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    (offset & (size - 1)) || offset >= HVMLINK_BAR1_SIZE) {
		log_guest_warn("dom%u: hvmlink: bad BAR1 read off 0x%llx size %u",
			       dev->cfg.domid, (unsigned long long)offset, size);
		return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	}
	if (offset >= sizeof(page))
		return 0;
	hvmdev_status_page(dev, &page);
	memcpy(bytes, &page, sizeof(bytes));
	/* Little-endian assembly; fields are little-endian on the wire. */
	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)bytes[offset + i] << (8 * i);
	return v;
}

static void bar1_write(void *opaque, unsigned int vcpu, uint64_t offset,
		       unsigned int size, uint64_t value)
{
	struct hvmdev *dev = opaque;

	log_guest_warn("dom%u: hvmlink: write to read-only status page off 0x%llx",
		       dev->cfg.domid, (unsigned long long)offset);
}

const struct bus_io_ops hvmdev_bar1_ops = {
	.read = bar1_read,
	.write = bar1_write,
};
