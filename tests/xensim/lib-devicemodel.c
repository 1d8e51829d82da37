/* SPDX-License-Identifier: MIT */
/*
 * libxendevicemodel, simulated.  Argument checks done by the real library
 * (tools/libs/devicemodel/core.c) are done here too; everything Xen
 * checks is done by the hypervisor side.
 */
#include <errno.h>
#include <stdlib.h>

#include <xendevicemodel.h>

#include "tests/xensim/lib-conn.h"

struct xendevicemodel_handle {
	struct xsl_conn conn;
};

#define DM_CALL(dmod, op, v, ...)                                         \
	({                                                                \
		const uint64_t a_[] = { __VA_ARGS__ };                    \
		xsl_ret(xsl_op(&(dmod)->conn, op, a_,                     \
			       sizeof(a_) / sizeof(a_[0]), v));           \
	})

XSL_EXPORT xendevicemodel_handle *
xendevicemodel_open(struct xentoollog_logger *logger, unsigned int open_flags)
{
	xendevicemodel_handle *dmod = calloc(1, sizeof(*dmod));
	int rc;

	if (!dmod)
		return NULL;
	rc = xsl_connect(&dmod->conn, XSP_KIND_DEVICEMODEL, -1, 0, 1);
	if (rc) {
		free(dmod);
		errno = -rc;
		return NULL;
	}
	return dmod;
}

XSL_EXPORT int xendevicemodel_close(xendevicemodel_handle *dmod)
{
	if (!dmod)
		return 0;
	xsl_disconnect(&dmod->conn);
	free(dmod);
	return 0;
}

XSL_EXPORT int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod,
						  domid_t domid,
						  int handle_bufioreq,
						  ioservid_t *id)
{
	uint64_t v[3];
	int rc = DM_CALL(dmod, XSP_DM_CREATE, v, domid,
			 (uint64_t)(uint32_t)handle_bufioreq);

	if (rc == 0)
		*id = (ioservid_t)v[0];
	return rc;
}

XSL_EXPORT int xendevicemodel_get_ioreq_server_info(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
	xen_pfn_t *ioreq_gfn, xen_pfn_t *bufioreq_gfn,
	evtchn_port_t *bufioreq_port)
{
	uint64_t v[3];
	/* XEN_DMOP_no_gfns unless a gfn is asked for. */
	int rc = DM_CALL(dmod, XSP_DM_GET_INFO, v, domid, id,
			 (ioreq_gfn || bufioreq_gfn) ? 1 : 0);

	if (rc)
		return rc;
	if (ioreq_gfn)
		*ioreq_gfn = (xen_pfn_t)v[0];
	if (bufioreq_gfn)
		*bufioreq_gfn = (xen_pfn_t)v[1];
	if (bufioreq_port)
		*bufioreq_port = (evtchn_port_t)v[2];
	return 0;
}

XSL_EXPORT int xendevicemodel_map_io_range_to_ioreq_server(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id, int is_mmio,
	uint64_t start, uint64_t end)
{
	return DM_CALL(dmod, XSP_DM_MAP_RANGE, NULL, domid, id,
		       is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT,
		       start, end);
}

XSL_EXPORT int xendevicemodel_unmap_io_range_from_ioreq_server(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id, int is_mmio,
	uint64_t start, uint64_t end)
{
	return DM_CALL(dmod, XSP_DM_UNMAP_RANGE, NULL, domid, id,
		       is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT,
		       start, end);
}

static uint64_t sbdf(uint16_t segment, uint8_t bus, uint8_t device,
		     uint8_t function)
{
	return ((uint64_t)segment << 16) | ((uint64_t)bus << 8) |
	       ((uint64_t)device << 3) | function;
}

/* A PCI function is a one-element PCI range, as libxendevicemodel sends it;
 * the library itself refuses a device or function number out of range. */
static int pcidev_range_call(xendevicemodel_handle *dmod, uint32_t op,
			     domid_t domid, ioservid_t id, uint16_t segment,
			     uint8_t bus, uint8_t device, uint8_t function)
{
	if (device > 0x1f || function > 0x7) {
		errno = EINVAL;
		return -1;
	}
	uint64_t s = sbdf(segment, bus, device, function);

	return DM_CALL(dmod, op, NULL, domid, id, XEN_DMOP_IO_RANGE_PCI, s, s);
}

XSL_EXPORT int xendevicemodel_map_pcidev_to_ioreq_server(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
	uint16_t segment, uint8_t bus, uint8_t device, uint8_t function)
{
	return pcidev_range_call(dmod, XSP_DM_MAP_RANGE, domid, id, segment,
				 bus, device, function);
}

XSL_EXPORT int xendevicemodel_unmap_pcidev_from_ioreq_server(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
	uint16_t segment, uint8_t bus, uint8_t device, uint8_t function)
{
	return pcidev_range_call(dmod, XSP_DM_UNMAP_RANGE, domid, id, segment,
				 bus, device, function);
}

XSL_EXPORT int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod,
						   domid_t domid,
						   ioservid_t id)
{
	return DM_CALL(dmod, XSP_DM_DESTROY, NULL, domid, id);
}

XSL_EXPORT int xendevicemodel_set_ioreq_server_state(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id, int enabled)
{
	return DM_CALL(dmod, XSP_DM_SET_STATE, NULL, domid, id, enabled ? 1 : 0);
}

XSL_EXPORT int xendevicemodel_set_pci_intx_level(
	xendevicemodel_handle *dmod, domid_t domid, uint16_t segment,
	uint8_t bus, uint8_t device, uint8_t intx, unsigned int level)
{
	return DM_CALL(dmod, XSP_DM_INTX, NULL, domid, segment, bus, device,
		       intx, level);
}

XSL_EXPORT int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *dmod,
						domid_t domid, uint8_t irq,
						unsigned int level)
{
	return DM_CALL(dmod, XSP_DM_ISA_IRQ, NULL, domid, irq, level);
}

XSL_EXPORT int xendevicemodel_set_irq_level(xendevicemodel_handle *dmod,
					    domid_t domid, unsigned int irq,
					    unsigned int level)
{
	return DM_CALL(dmod, XSP_DM_IRQ, NULL, domid, irq, level);
}

XSL_EXPORT int xendevicemodel_set_pci_link_route(xendevicemodel_handle *dmod,
						 domid_t domid, uint8_t link,
						 uint8_t irq)
{
	return DM_CALL(dmod, XSP_DM_LINK_ROUTE, NULL, domid, link, irq);
}

XSL_EXPORT int xendevicemodel_inject_msi(xendevicemodel_handle *dmod,
					 domid_t domid, uint64_t msi_addr,
					 uint32_t msi_data)
{
	return DM_CALL(dmod, XSP_DM_MSI, NULL, domid, msi_addr, msi_data);
}

XSL_EXPORT int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod,
				       domid_t domid, unsigned int *vcpus)
{
	uint64_t v[3];
	int rc = DM_CALL(dmod, XSP_DM_NR_VCPUS, v, domid);

	if (rc == 0)
		*vcpus = (unsigned int)v[0];
	return rc;
}

XSL_EXPORT int xendevicemodel_restrict(xendevicemodel_handle *dmod,
				       domid_t domid)
{
	return DM_CALL(dmod, XSP_RESTRICT, NULL, domid, 0);
}

/* Xen only tracks modified memory for log-dirty (migration), which a
 * simulated domain never has: accepted, like Xen does then. */
XSL_EXPORT int xendevicemodel_modified_memory(xendevicemodel_handle *dmod,
					      domid_t domid,
					      uint64_t first_pfn, uint32_t nr)
{
	return DM_CALL(dmod, XSP_DM_CHECK_DOMAIN, NULL, domid);
}

XSL_EXPORT int xendevicemodel_modified_memory_bulk(
	xendevicemodel_handle *dmod, domid_t domid,
	struct xen_dm_op_modified_memory_extent extents[], uint32_t nr)
{
	return DM_CALL(dmod, XSP_DM_CHECK_DOMAIN, NULL, domid);
}

/* Not simulated: the domain is checked, then EOPNOTSUPP (docs/xensim.md). */
static int unsupported(xendevicemodel_handle *dmod, domid_t domid)
{
	int rc = DM_CALL(dmod, XSP_DM_CHECK_DOMAIN, NULL, domid);

	if (rc)
		return rc;
	errno = EOPNOTSUPP;
	return -1;
}

XSL_EXPORT int xendevicemodel_map_mem_type_to_ioreq_server(
	xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
	uint16_t type, uint32_t flags)
{
	return unsupported(dmod, domid);
}

XSL_EXPORT int xendevicemodel_track_dirty_vram(xendevicemodel_handle *dmod,
					       domid_t domid,
					       uint64_t first_pfn,
					       uint32_t nr,
					       unsigned long *dirty_bitmap)
{
	return unsupported(dmod, domid);
}

XSL_EXPORT int xendevicemodel_set_mem_type(xendevicemodel_handle *dmod,
					   domid_t domid,
					   hvmmem_type_t mem_type,
					   uint64_t first_pfn, uint32_t nr)
{
	return unsupported(dmod, domid);
}

XSL_EXPORT int xendevicemodel_inject_event(xendevicemodel_handle *dmod,
					   domid_t domid, int vcpu,
					   uint8_t vector, uint8_t type,
					   uint32_t error_code,
					   uint8_t insn_len, uint64_t extra)
{
	return unsupported(dmod, domid);
}

XSL_EXPORT int xendevicemodel_shutdown(xendevicemodel_handle *dmod,
				       domid_t domid, unsigned int reason)
{
	return unsupported(dmod, domid);
}

XSL_EXPORT int xendevicemodel_relocate_memory(xendevicemodel_handle *dmod,
					      domid_t domid, uint32_t size,
					      uint64_t src_gfn,
					      uint64_t dst_gfn)
{
	return unsupported(dmod, domid);
}

XSL_EXPORT int xendevicemodel_pin_memory_cacheattr(
	xendevicemodel_handle *dmod, domid_t domid, uint64_t start,
	uint64_t end, uint32_t type)
{
	return unsupported(dmod, domid);
}
