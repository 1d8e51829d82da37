/* SPDX-License-Identifier: MIT */
#include "tests/integration/sim-guest-driver.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PCI_CONF_ADDR	0xcf8
#define PCI_CONF_DATA	0xcfc

uint64_t sg_req_gpa(unsigned int vcpu)
{
	return SG_REQ_BASE + (uint64_t)vcpu * 0x2000;
}

static uint32_t conf_addr(uint8_t slot, unsigned int reg)
{
	return 0x80000000u | ((uint32_t)slot << 11) | (reg & 0xfc);
}

int sg_cfg_read(struct sg *g, uint8_t slot, unsigned int reg,
		unsigned int size, uint32_t *val)
{
	uint64_t v;
	int rc;

	rc = xensim_pio_write(g->sim, g->domid, 0, PCI_CONF_ADDR, 4,
			      conf_addr(slot, reg));
	if (rc)
		return rc;
	rc = xensim_pio_read(g->sim, g->domid, 0,
			     (uint16_t)(PCI_CONF_DATA + (reg & 3)), size, &v);
	if (rc)
		return rc;
	*val = (uint32_t)v;
	return 0;
}

int sg_cfg_write(struct sg *g, uint8_t slot, unsigned int reg,
		 unsigned int size, uint32_t val)
{
	int rc;

	rc = xensim_pio_write(g->sim, g->domid, 0, PCI_CONF_ADDR, 4,
			      conf_addr(slot, reg));
	if (rc)
		return rc;
	return xensim_pio_write(g->sim, g->domid, 0,
				(uint16_t)(PCI_CONF_DATA + (reg & 3)), size,
				val);
}

int sg_probe(struct sg *g, uint16_t vendor, uint16_t device)
{
	for (uint8_t slot = 0; slot < 32; slot++) {
		uint32_t id;
		int rc = sg_cfg_read(g, slot, PCI_CFG_VENDOR_ID, 4, &id);

		if (rc)
			return rc;
		if ((id & 0xffff) == 0xffff)
			continue;	/* empty slot: the null handler's all-ones */
		if ((id & 0xffff) == vendor && (id >> 16) == device) {
			g->slot = slot;
			g->sbdf = XENSIM_SBDF(0, 0, slot, 0);
			return 0;
		}
	}
	return -ENODEV;
}

static int size_bar(struct sg *g, unsigned int reg, uint32_t *size)
{
	uint32_t v;
	int rc;

	rc = sg_cfg_write(g, g->slot, reg, 4, 0xffffffffu);
	if (!rc)
		rc = sg_cfg_read(g, g->slot, reg, 4, &v);
	if (rc)
		return rc;
	/* Bit 0 set: an IO BAR (flags in bits 0-1), else memory (0-3). */
	v &= (v & 1) ? ~0x3u : ~0xfu;
	*size = ~v + 1;
	return 0;
}

int sg_setup_bars(struct sg *g, uint32_t *bar0_size, uint32_t *bar1_size)
{
	uint32_t cmd;
	int rc;

	if ((rc = size_bar(g, PCI_CFG_BAR0, bar0_size)) ||
	    (rc = size_bar(g, PCI_CFG_BAR1, bar1_size)))
		return rc;
	g->io_base = SG_IO_BASE;
	g->mmio_base = SG_MMIO_BASE;
	if ((rc = sg_cfg_write(g, g->slot, PCI_CFG_BAR0, 4, g->io_base)) ||
	    (rc = sg_cfg_write(g, g->slot, PCI_CFG_BAR1, 4,
			       (uint32_t)g->mmio_base)) ||
	    (rc = sg_cfg_write(g, g->slot, PCI_CFG_INT_LINE, 1, 10)) ||
	    (rc = sg_cfg_read(g, g->slot, PCI_CFG_COMMAND, 2, &cmd)))
		return rc;
	cmd |= PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
	return sg_cfg_write(g, g->slot, PCI_CFG_COMMAND, 2, cmd);
}

int sg_read_status(struct sg *g, struct hvmlink_status_page *sp)
{
	uint32_t *w = (uint32_t *)sp;

	for (size_t i = 0; i < sizeof(*sp) / 4; i++) {
		uint64_t v;
		int rc = xensim_mmio_read(g->sim, g->domid, 0,
					  g->mmio_base + i * 4, 4, &v);
		if (rc)
			return rc;
		w[i] = (uint32_t)v;
	}
	return 0;
}

int sg_reg_read(struct sg *g, unsigned int vcpu, unsigned int reg,
		uint32_t *val)
{
	uint64_t v;
	int rc = xensim_pio_read(g->sim, g->domid, vcpu,
				 (uint16_t)(g->io_base + reg), 4, &v);

	if (!rc)
		*val = (uint32_t)v;
	return rc;
}

int sg_reg_write(struct sg *g, unsigned int vcpu, unsigned int reg,
		 uint32_t val)
{
	return xensim_pio_write(g->sim, g->domid, vcpu,
				(uint16_t)(g->io_base + reg), 4, val);
}

int sg_submit_at(struct sg *g, unsigned int vcpu, uint64_t gpa)
{
	int rc = 0;

	if (gpa >> 32)
		rc = sg_reg_write(g, vcpu, HVMLINK_REG_REQUEST_HI,
				  (uint32_t)(gpa >> 32));
	if (!rc)
		rc = sg_reg_write(g, vcpu, HVMLINK_REG_REQUEST, (uint32_t)gpa);
	return rc;
}

int sg_request(struct sg *g, unsigned int vcpu, void *req, size_t len,
	       int32_t *rc_out)
{
	uint64_t gpa = sg_req_gpa(vcpu);
	struct hvmlink_req_header *h = req;
	int rc;

	h->rc = HVMLINK_ERR_GENERAL;
	if ((rc = xensim_ram_write(g->sim, g->domid, gpa, req, len)) ||
	    (rc = sg_submit_at(g, vcpu, gpa)) ||
	    (rc = xensim_ram_read(g->sim, g->domid, gpa, req, len)))
		return rc;
	*rc_out = h->rc;
	return 0;
}

void sg_header(void *req, uint32_t size, uint32_t type)
{
	struct hvmlink_req_header *h = req;

	memset(req, 0, size);
	h->size = size;
	h->version = HVMLINK_REQUEST_VERSION;
	h->type = type;
	h->rc = HVMLINK_ERR_GENERAL;
}
