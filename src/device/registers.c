/* SPDX-License-Identifier: MIT */
/*
 * BAR0 (port IO registers) and BAR1 (MMIO status page).
 */
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

static uint64_t bar0_read(void *opaque, unsigned int vcpu, uint64_t offset,
			  unsigned int size)
{
	struct hvmdev *dev = opaque;

	/* Only aligned 32-bit accesses are defined (protocol.h). */
	if (size != 4 || (offset & 3) || offset >= HVMLINK_BAR0_SIZE) {
		log_guest_warn("dom%u: hvmlink: bad BAR0 read off 0x%llx size %u",
			       dev->cfg.domid, (unsigned long long)offset, size);
		return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
	}
	switch (offset) {
	case HVMLINK_REG_REQUEST_HI:
		return dev->st.request_hi;
	case HVMLINK_REG_PENDING:
		return dev->st.pending;
	case HVMLINK_REG_VERSION:
		return HVMLINK_PROTOCOL_VERSION;
	case HVMLINK_REG_LAST_RC:
		return (uint32_t)dev->st.last_rc;
	default:		/* REQUEST is write-only; the rest reserved */
		return 0;
	}
}

static void bar0_write(void *opaque, unsigned int vcpu, uint64_t offset,
		       unsigned int size, uint64_t value)
{
	struct hvmdev *dev = opaque;

	if (size != 4 || (offset & 3) || offset >= HVMLINK_BAR0_SIZE) {
		log_guest_warn("dom%u: hvmlink: bad BAR0 write off 0x%llx size %u",
			       dev->cfg.domid, (unsigned long long)offset, size);
		return;
	}
	switch (offset) {
	case HVMLINK_REG_REQUEST:
		hvmdev_submit(dev, (uint32_t)value);
		break;
	case HVMLINK_REG_REQUEST_HI:
		dev->st.request_hi = (uint32_t)value;
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
	page->host_features = HVMLINK_HOST_F_MSI | HVMLINK_HOST_F_REQUEST_HI |
			      HVMLINK_HOST_F_KV | HVMLINK_HOST_F_HEARTBEAT;
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
