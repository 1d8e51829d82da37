/* SPDX-License-Identifier: MIT */
/*
 * The bus (bus.h) on top of Xen: a range registered here is both put in
 * the local routing table and mapped to this ioreq server in Xen, so Xen
 * forwards exactly the accesses the device can answer.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "ioreq/ioreq-internal.h"

static struct range_table *space_table(struct ioreq_server *s,
				       unsigned int space)
{
	switch (space) {
	case BUS_SPACE_PIO:
		return &s->pio;
	case BUS_SPACE_MMIO:
		return &s->mmio;
	default:
		return NULL;
	}
}

static int bx_map_range(void *priv, unsigned int space, uint64_t base,
			uint64_t size, const struct bus_io_ops *ops,
			void *opaque)
{
	struct ioreq_server *s = priv;
	struct range_table *t = space_table(s, space);
	int is_mmio = space == BUS_SPACE_MMIO;
	int rc;

	if (!t)
		return -EINVAL;
	rc = range_table_add(t, base, size, ops, opaque);
	if (rc < 0)
		return rc;
	/* Xen takes an inclusive end. */
	if (xendevicemodel_map_io_range_to_ioreq_server(
		    s->dmod, s->domid, s->id, is_mmio, base,
		    base + size - 1) < 0) {
		rc = -errno;
		if (rc == -EEXIST && s->attached) {
			/* Our predecessor's, still in Xen: ours now. */
			log_debug("ioreq: adopted %s range %#llx+%#llx",
				  is_mmio ? "MMIO" : "port",
				  (unsigned long long)base,
				  (unsigned long long)size);
			return 0;
		}
		log_warn("ioreq: cannot map %s range %#llx+%#llx: %s",
			 is_mmio ? "MMIO" : "port", (unsigned long long)base,
			 (unsigned long long)size, strerror(-rc));
		(void)range_table_remove(t, base, NULL);
		return rc;
	}
	log_debug("ioreq: mapped %s range %#llx+%#llx", is_mmio ? "MMIO" : "port",
		  (unsigned long long)base, (unsigned long long)size);
	return 0;
}

static int bx_unmap_range(void *priv, unsigned int space, uint64_t base)
{
	struct ioreq_server *s = priv;
	struct range_table *t = space_table(s, space);
	int is_mmio = space == BUS_SPACE_MMIO;
	struct range r;
	int rc;

	if (!t)
		return -EINVAL;
	rc = range_table_remove(t, base, &r);
	if (rc < 0)
		return rc;
	/*
	 * Gone locally whatever Xen says: an access Xen still forwards
	 * is then answered as unclaimed, which is the safe side.
	 */
	if (xendevicemodel_unmap_io_range_from_ioreq_server(
		    s->dmod, s->domid, s->id, is_mmio, r.base,
		    r.base + r.size - 1) < 0) {
		rc = -errno;
		/* A re-attached server may lack a range its predecessor
		 * removed before it died: gone is what we wanted. */
		if (rc == -ENOENT && s->attached)
			return 0;
		/* ESRCH: the domain is gone, and its ranges with it. */
		log_msg(rc == -ESRCH ? LOG_LVL_DEBUG : LOG_LVL_WARN,
			"ioreq: cannot unmap %s range %#llx+%#llx: %s",
			is_mmio ? "MMIO" : "port", (unsigned long long)r.base,
			(unsigned long long)r.size, strerror(-rc));
		return rc;
	}
	log_debug("ioreq: unmapped %s range %#llx+%#llx",
		  is_mmio ? "MMIO" : "port", (unsigned long long)r.base,
		  (unsigned long long)r.size);
	return 0;
}

static int bx_claim_pci(void *priv, uint16_t segment, uint8_t bus_nr,
			uint8_t devfn, const struct bus_io_ops *cfg_ops,
			void *opaque)
{
	struct ioreq_server *s = priv;
	int rc;

	if (s->pci_claimed)
		return -EBUSY;
	rc = range_table_add(&s->pcicfg, 0, IOREQ_PCI_CFG_SIZE, cfg_ops,
			     opaque);
	if (rc < 0)
		return rc;
	if (xendevicemodel_map_pcidev_to_ioreq_server(
		    s->dmod, s->domid, s->id, segment, bus_nr, devfn >> 3,
		    devfn & 7) < 0) {
		rc = -errno;
		if (rc == -EEXIST && s->attached)
			goto claimed;	/* claimed by our predecessor */
		log_warn("ioreq: cannot claim PCI %04x:%02x:%02x.%u: %s",
			 segment, bus_nr, devfn >> 3, devfn & 7,
			 strerror(-rc));
		(void)range_table_remove(&s->pcicfg, 0, NULL);
		return rc;
	}
claimed:
	s->pci_claimed = true;
	s->pci_segment = segment;
	s->pci_bus = bus_nr;
	s->pci_devfn = devfn;
	/* Xen's SBDF, as it puts it in a PCI_CONFIG ioreq's addr. */
	s->pci_sbdf = ((uint32_t)segment << 16) | ((uint32_t)bus_nr << 8) |
		      devfn;
	log_debug("ioreq: claimed PCI %04x:%02x:%02x.%u", segment, bus_nr,
		  devfn >> 3, devfn & 7);
	return 0;
}

static int bx_set_intx(void *priv, unsigned int level)
{
	struct ioreq_server *s = priv;

	if (!s->pci_claimed)
		return -ENODEV;
	/* intx 0 = INTA#, the only pin a single-function device uses. */
	if (xendevicemodel_set_pci_intx_level(s->dmod, s->domid,
					      s->pci_segment, s->pci_bus,
					      s->pci_devfn >> 3, 0,
					      level ? 1 : 0) < 0) {
		int rc = -errno;

		log_warn("ioreq: cannot set INTA# to %u: %s", level ? 1 : 0,
			 strerror(-rc));
		return rc;
	}
	log_debug("ioreq: INTA# %s", level ? "asserted" : "deasserted");
	return 0;
}

static int bx_inject_msi(void *priv, uint64_t addr, uint32_t data)
{
	struct ioreq_server *s = priv;

	if (xendevicemodel_inject_msi(s->dmod, s->domid, addr, data) < 0) {
		int rc = -errno;

		log_warn("ioreq: cannot inject MSI %#llx/%#x: %s",
			 (unsigned long long)addr, data, strerror(-rc));
		return rc;
	}
	log_debug("ioreq: MSI %#llx/%#x", (unsigned long long)addr, data);
	return 0;
}

static int bx_read_guest(void *priv, uint64_t gpa, void *buf, size_t len)
{
	struct ioreq_server *s = priv;

	return guestmem_read(&s->mem, gpa, buf, len);
}

static int bx_write_guest(void *priv, uint64_t gpa, const void *buf,
			  size_t len)
{
	struct ioreq_server *s = priv;

	return guestmem_write(&s->mem, gpa, buf, len);
}

static size_t bx_guest_view(void *priv, uint64_t gpa, uint8_t **p)
{
	struct ioreq_server *s = priv;

	return guestmem_view(&s->mem, gpa, p);
}

/* One ioreq slot per vCPU: the slot index is the vcpu of every access. */
static unsigned int bx_nr_vcpus(void *priv)
{
	const struct ioreq_server *s = priv;

	return s->nr_vcpus;
}

const struct bus_ops ioreq_bus_ops = {
	.map_range = bx_map_range,
	.unmap_range = bx_unmap_range,
	.claim_pci = bx_claim_pci,
	.set_intx = bx_set_intx,
	.inject_msi = bx_inject_msi,
	.read_guest = bx_read_guest,
	.write_guest = bx_write_guest,
	.guest_view = bx_guest_view,
	.nr_vcpus = bx_nr_vcpus,
};

static void release_table(struct ioreq_server *s, unsigned int space)
{
	struct range_table *t = space_table(s, space);

	while (t->nr) {
		int rc = bx_unmap_range(s, space, t->r[t->nr - 1].base);

		if (rc < 0 && rc != -ESRCH)
			log_debug("ioreq: teardown unmap: %s", strerror(-rc));
	}
}

void ioreq_bus_release(struct ioreq_server *s)
{
	release_table(s, BUS_SPACE_MMIO);
	release_table(s, BUS_SPACE_PIO);
	if (s->pci_claimed) {
		if (xendevicemodel_unmap_pcidev_from_ioreq_server(
			    s->dmod, s->domid, s->id, s->pci_segment,
			    s->pci_bus, s->pci_devfn >> 3,
			    s->pci_devfn & 7) < 0)
			log_debug("ioreq: teardown PCI unclaim: %s",
				  strerror(errno));
		(void)range_table_remove(&s->pcicfg, 0, NULL);
		s->pci_claimed = false;
	}
}
