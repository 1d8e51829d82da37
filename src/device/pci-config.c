/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space of the hvmlink function and its BARs.
 *
 * The space is a 256-byte image plus a mask of guest-writable bits, as
 * QEMU's hw/pci does: any access of any width at any offset is a byte-wise
 * merge through the mask, which makes read-only bits stay read-only and
 * reserved registers read 0 without a case per register.  The only dynamic
 * bit, Status.Interrupt, is added on read (from the interrupt condition,
 * not the pin: INTx disable does not clear it).  After a write, the BAR
 * mappings and the interrupt are brought in line with the new image, and
 * clearing Bus Master Enable resets the guest session (reset.c).
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

static const uint64_t bar_size[HVMDEV_NR_BARS] = {
	HVMLINK_BAR0_SIZE, HVMLINK_BAR1_SIZE,
};

static void put_le(uint8_t *p, unsigned int off, unsigned int size,
		   uint32_t v)
{
	for (unsigned int i = 0; i < size; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

uint32_t hvmdev_cfg_get(const uint8_t *config, unsigned int off,
			unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)config[off + i] << (8 * i);
	return v;
}

void hvmdev_config_reset_image(struct hvmdev *dev)
{
	uint8_t *c = dev->config_init, *w = dev->config_wmask;
	const struct hvmdev_config *cfg = &dev->cfg;

	memset(c, 0, PCI_CFG_SIZE);
	memset(w, 0, PCI_CFG_SIZE);
	put_le(c, PCI_VENDOR_ID, 2, cfg->vendor_id);
	put_le(c, PCI_DEVICE_ID, 2, cfg->device_id);
	put_le(c, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = cfg->revision;
	/* Class code register is prog-if, sub-class, base class (09..0b). */
	c[PCI_CLASS_PROG] = HVMLINK_PCI_CLASS & 0xff;
	c[PCI_CLASS_PROG + 1] = (HVMLINK_PCI_CLASS >> 8) & 0xff;
	c[PCI_CLASS_PROG + 2] = (HVMLINK_PCI_CLASS >> 16) & 0xff;
	c[PCI_HEADER_TYPE] = 0x00;	/* type 0, single function */
	put_le(c, PCI_BASE_ADDRESS_0, 4, PCI_BASE_ADDRESS_SPACE_IO);
	put_le(c, PCI_BASE_ADDRESS_1, 4, 0);	/* 32-bit, non-prefetchable */
	put_le(c, PCI_SUBSYSTEM_VENDOR_ID, 2, cfg->subsys_vendor_id);
	put_le(c, PCI_SUBSYSTEM_ID, 2, cfg->subsys_id);
	c[PCI_CAPABILITY_LIST] = HVMDEV_MSI_CAP;
	c[PCI_INTERRUPT_PIN] = 1;		/* INTA# */
	c[HVMDEV_MSI_CAP] = PCI_CAP_ID_MSI;
	c[HVMDEV_MSI_CAP + 1] = 0;		/* end of the list */
	/* 64-bit address, Multiple Message Capable = 1 vector. */
	put_le(c, HVMDEV_MSI_CAP + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_64BIT);

	put_le(w, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
	       PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
	       PCI_COMMAND_INTX_DISABLE);
	w[PCI_CACHE_LINE_SIZE] = 0xff;
	/* BAR sizing: the bits below the size read back as 0. */
	put_le(w, PCI_BASE_ADDRESS_0, 4, ~(uint32_t)(HVMLINK_BAR0_SIZE - 1));
	put_le(w, PCI_BASE_ADDRESS_1, 4, ~(uint32_t)(HVMLINK_BAR1_SIZE - 1));
	w[PCI_INTERRUPT_LINE] = 0xff;
	/* MSI: only Enable is writable; Multiple Message Enable stays 0
	 * because we are capable of one vector only. */
	put_le(w, HVMDEV_MSI_CAP + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	put_le(w, HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_LO, 4, 0xfffffffcu);
	put_le(w, HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_HI, 4, 0xffffffffu);
	put_le(w, HVMDEV_MSI_CAP + PCI_MSI_DATA_64, 2, 0xffff);

	memcpy(dev->st.config, c, PCI_CFG_SIZE);
}

/*
 * Where BAR i should be mapped now, if anywhere.  IO BARs decode only
 * inside the 64 KiB port space; memory BARs are 32-bit.  Base 0 is "not
 * programmed" (firmware never places a BAR there) and the all-ones sizing
 * pattern is not an address, as QEMU's pci_bar_address() decides.
 */
static bool bar_wanted(const struct hvmdev *dev, unsigned int i,
		       unsigned int *space, uint64_t *base)
{
	uint16_t command = hvmdev_command(dev);
	uint32_t reg = hvmdev_cfg_get(dev->st.config,
				      PCI_BASE_ADDRESS_0 + 4 * i, 4);
	uint64_t size = bar_size[i];

	if (i == 0) {
		*space = BUS_SPACE_PIO;
		*base = reg & ~(uint32_t)(size - 1);
		return (command & PCI_COMMAND_IO) && *base &&
		       *base + size <= HVMDEV_PIO_LIMIT;
	}
	*space = BUS_SPACE_MMIO;
	*base = reg & ~(uint32_t)(size - 1);
	return (command & PCI_COMMAND_MEMORY) && *base &&
	       *base != (uint32_t)~(size - 1);
}

static void bar_unmap(struct hvmdev *dev, unsigned int i)
{
	struct hvmdev_bar_map *m = &dev->bar[i];
	int rc;

	if (!m->mapped)
		return;
	rc = bus_unmap_range(dev->bus, m->space, m->base);
	if (rc < 0)
		log_warn("dom%u: hvmlink: unmap BAR%u at 0x%llx: %s",
			 dev->cfg.domid, i, (unsigned long long)m->base,
			 strerror(-rc));
	m->mapped = false;
}

void hvmdev_unmap_bars(struct hvmdev *dev)
{
	for (unsigned int i = 0; i < HVMDEV_NR_BARS; i++)
		bar_unmap(dev, i);
}

/* Unmap what moved or lost decode first, then map, so two BARs swapping
 * places do not collide with each other's stale range. */
void hvmdev_update_bars(struct hvmdev *dev)
{
	static const struct bus_io_ops *const bar_ops[HVMDEV_NR_BARS] = {
		&hvmdev_bar0_ops, &hvmdev_bar1_ops,
	};
	bool want[HVMDEV_NR_BARS];
	unsigned int space[HVMDEV_NR_BARS];
	uint64_t base[HVMDEV_NR_BARS];
	unsigned int i;

	for (i = 0; i < HVMDEV_NR_BARS; i++) {
		struct hvmdev_bar_map *m = &dev->bar[i];

		want[i] = bar_wanted(dev, i, &space[i], &base[i]);
		if (m->mapped && (!want[i] || m->base != base[i]))
			bar_unmap(dev, i);
	}
	for (i = 0; i < HVMDEV_NR_BARS; i++) {
		struct hvmdev_bar_map *m = &dev->bar[i];
		int rc;

		if (!want[i] || m->mapped)
			continue;
		rc = bus_map_range(dev->bus, space[i], base[i], bar_size[i],
				   bar_ops[i], dev);
		if (rc < 0) {
			/* The guest placed it over something else: the BAR
			 * keeps its value but decodes nothing until moved. */
			dev->stats.map_failures++;
			log_guest_warn("dom%u: hvmlink: BAR%u at 0x%llx not mapped: %s",
				       dev->cfg.domid, i,
				       (unsigned long long)base[i],
				       strerror(-rc));
			continue;
		}
		m->mapped = true;
		m->space = space[i];
		m->base = base[i];
		log_debug("dom%u: hvmlink: BAR%u mapped at 0x%llx",
			  dev->cfg.domid, i, (unsigned long long)base[i]);
	}
}

static uint64_t config_read(void *opaque, unsigned int vcpu, uint64_t offset,
			    unsigned int size)
{
	struct hvmdev *dev = opaque;
	uint64_t v = 0;

	if (size < 1 || size > 8 || offset >= 4096)
		return ~0ull;

	for (unsigned int i = 0; i < size; i++) {
		uint64_t off = offset + i;
		uint8_t b = 0;

		/* 256..4095: PCIe extended space, none here: reads 0. */
		if (off < PCI_CFG_SIZE) {
			b = dev->st.config[off];
			if (off == PCI_STATUS && hvmdev_intx_pending(dev))
				b |= PCI_STATUS_INTERRUPT;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void config_write(void *opaque, unsigned int vcpu, uint64_t offset,
			 unsigned int size, uint64_t value)
{
	struct hvmdev *dev = opaque;
	uint8_t before[PCI_CFG_SIZE];
	bool changed, master_was_on = hvmdev_command(dev) & PCI_COMMAND_MASTER;

	if (size < 1 || size > 8 || offset >= PCI_CFG_SIZE)
		return;
	memcpy(before, dev->st.config, sizeof(before));
	for (unsigned int i = 0; i < size && offset + i < PCI_CFG_SIZE; i++) {
		unsigned int off = (unsigned int)offset + i;
		uint8_t w = dev->config_wmask[off];
		uint8_t b = (uint8_t)(value >> (8 * i));

		dev->st.config[off] = (dev->st.config[off] & ~w) | (b & w);
	}
	changed = memcmp(before, dev->st.config, sizeof(before)) != 0;
	if (!changed)
		return;
	hvmdev_update_bars(dev);
	if (master_was_on && !(hvmdev_command(dev) & PCI_COMMAND_MASTER))
		hvmdev_session_reset(dev);
	hvmdev_irq_update(dev);
	/* Only what changes the embedder's view is worth a callback. */
	if (memcmp(before + PCI_COMMAND, dev->st.config + PCI_COMMAND, 2) ||
	    memcmp(before + PCI_BASE_ADDRESS_0, dev->st.config +
		   PCI_BASE_ADDRESS_0, 8) ||
	    before[HVMDEV_MSI_CAP + PCI_MSI_FLAGS] !=
	    dev->st.config[HVMDEV_MSI_CAP + PCI_MSI_FLAGS])
		hvmdev_notify(dev, HVMDEV_CHANGED_PCI, 0);
}

const struct bus_io_ops hvmdev_config_ops = {
	.read = config_read,
	.write = config_write,
};
