/* SPDX-License-Identifier: MIT */
/*
 * ioreq-toydm: the ioreq layer (src/ioreq) with a toy device on its bus,
 * linked against the real libxen* libraries.  Tests run it under
 * tests/xensim/xensim-run (the stand-in preloaded) and play the guest with
 * xensim.h; everything they check goes through guest-visible registers.
 *
 *   ioreq-toydm [--legacy] [--cache N] DOMID
 *
 * Exit status: 0 after a clean shutdown (EXIT command, SIGTERM, domain
 * gone), 2 if the server cannot be opened, 1 on a fatal ioreq error.
 *
 * Guest-visible layout (tests/integration/ioreq-toydm.h):
 *   ports TOY_PIO_BASE..+0xff: 0x00..0x7f scratch (any width, records the
 *     last access), 0x80.. control registers
 *   MMIO TOY_MMIO_BASE (4 KiB): scratch RAM, also the DMA buffer
 *   MMIO TOY_CALC_BASE (64 KiB): reads return toy_calc(offset, size)
 *   PCI TOY_SEG:TOY_BUS:TOY_DEVFN: 4 KiB config scratch, ids at 0
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "ioreq/ioreq.h"
#include "tests/integration/ioreq-toydm.h"

struct toy {
	struct bus *bus;
	struct ioreq_server *srv;
	uint8_t pio[0x80];
	uint8_t mmio[TOY_MMIO_SIZE];
	uint8_t cfg[4096];
	uint64_t arg0, arg1;
	int32_t result;
	uint32_t stat_sel;
	uint32_t last_off, last_size;
	uint64_t mmio_base;
	bool mmio_mapped;
	bool quit;
};

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = 1;
}

static uint64_t load(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	return v;
}

static void store(uint8_t *p, unsigned int size, uint64_t v)
{
	memcpy(p, &v, size);
}

static uint64_t stat_value(struct toy *t, uint32_t sel)
{
	struct ioreq_stats st;

	ioreq_server_get_stats(t->srv, &st);
	switch (sel) {
	case TOY_STAT_SYNC: return st.sync_ioreqs;
	case TOY_STAT_BUF: return st.buf_ioreqs;
	case TOY_STAT_INVALIDATES: return st.invalidates;
	case TOY_STAT_TIMEOFFSETS: return st.timeoffsets;
	case TOY_STAT_UNCLAIMED: return st.unclaimed;
	case TOY_STAT_BAD: return st.bad_ioreqs;
	case TOY_STAT_BAD_STATES: return st.bad_states;
	case TOY_STAT_MAP_FAULTS: return st.guest_map_faults;
	case TOY_STAT_LEGACY: return ioreq_server_legacy_mapping(t->srv);
	case TOY_STAT_NR_VCPUS: return ioreq_server_nr_vcpus(t->srv);
	default: return ~0ull;
	}
}

static uint64_t mmio_read(void *opaque, unsigned int vcpu, uint64_t off,
			 unsigned int size)
{
	struct toy *t = opaque;

	return load(t->mmio + off, size);
}

static void mmio_write(void *opaque, unsigned int vcpu, uint64_t off,
		      unsigned int size, uint64_t v)
{
	struct toy *t = opaque;

	store(t->mmio + off, size, v);
}

static const struct bus_io_ops mmio_ops = { mmio_read, mmio_write };

static uint64_t calc_read(void *opaque, unsigned int vcpu, uint64_t off,
			 unsigned int size)
{
	return toy_calc(off, size);
}

static void calc_write(void *opaque, unsigned int vcpu, uint64_t off,
		      unsigned int size, uint64_t v)
{
}

static const struct bus_io_ops calc_ops = { calc_read, calc_write };

static void run_command(struct toy *t, uint32_t cmd)
{
	int rc = 0;

	switch (cmd) {
	case TOY_CMD_INTX:
		rc = bus_set_intx(t->bus, (unsigned int)t->arg1);
		break;
	case TOY_CMD_MSI:
		rc = bus_inject_msi(t->bus, t->arg0, (uint32_t)t->arg1);
		break;
	case TOY_CMD_GUEST_READ:
		rc = t->arg1 > sizeof(t->mmio) ? -EINVAL :
		     bus_read_guest(t->bus, t->arg0, t->mmio, t->arg1);
		break;
	case TOY_CMD_GUEST_WRITE:
		rc = t->arg1 > sizeof(t->mmio) ? -EINVAL :
		     bus_write_guest(t->bus, t->arg0, t->mmio, t->arg1);
		break;
	case TOY_CMD_MOVE_MMIO:
		/* A BAR move: unmap, then map at arg0. */
		if (t->mmio_mapped) {
			rc = bus_unmap_range(t->bus, BUS_SPACE_MMIO, t->mmio_base);
			if (rc < 0)
				break;
			t->mmio_mapped = false;
		}
		rc = bus_map_range(t->bus, BUS_SPACE_MMIO, t->arg0,
				   TOY_MMIO_SIZE, &mmio_ops, t);
		if (rc == 0) {
			t->mmio_base = t->arg0;
			t->mmio_mapped = true;
		}
		break;
	case TOY_CMD_MAP_OVERLAP:
		/* Must fail: overlaps the scratch MMIO range. */
		rc = bus_map_range(t->bus, BUS_SPACE_MMIO, t->mmio_base + 8, 8,
				   &mmio_ops, t);
		if (rc == 0)
			(void)bus_unmap_range(t->bus, BUS_SPACE_MMIO,
					      t->mmio_base + 8);
		break;
	case TOY_CMD_EXIT:
		t->quit = true;
		break;
	default:
		rc = -EINVAL;
	}
	t->result = rc;
}

static uint64_t pio_read(void *opaque, unsigned int vcpu, uint64_t off,
			 unsigned int size)
{
	struct toy *t = opaque;

	if (off + size <= sizeof(t->pio)) {
		t->last_off = (uint32_t)off;
		t->last_size = size;
		return load(t->pio + off, size);
	}
	switch (off) {
	case TOY_REG_ARG0: return t->arg0;
	case TOY_REG_ARG1: return t->arg1;
	case TOY_REG_RESULT: return (uint32_t)t->result;
	case TOY_REG_STAT: return stat_value(t, t->stat_sel);
	case TOY_REG_LAST_OFF: return t->last_off;
	case TOY_REG_LAST_SIZE: return t->last_size;
	default: return ~0ull;
	}
}

static void pio_write(void *opaque, unsigned int vcpu, uint64_t off,
		      unsigned int size, uint64_t v)
{
	struct toy *t = opaque;

	if (off + size <= sizeof(t->pio)) {
		t->last_off = (uint32_t)off;
		t->last_size = size;
		store(t->pio + off, size, v);
		return;
	}
	switch (off) {
	case TOY_REG_ARG0: t->arg0 = v; break;
	case TOY_REG_ARG1: t->arg1 = v; break;
	case TOY_REG_CMD: run_command(t, (uint32_t)v); break;
	case TOY_REG_STAT_SEL: t->stat_sel = (uint32_t)v; break;
	default: break;
	}
}

static const struct bus_io_ops pio_ops = { pio_read, pio_write };

static uint64_t cfg_read(void *opaque, unsigned int vcpu, uint64_t off,
			 unsigned int size)
{
	struct toy *t = opaque;

	return load(t->cfg + off, size);
}

static void cfg_write(void *opaque, unsigned int vcpu, uint64_t off,
		      unsigned int size, uint64_t v)
{
	struct toy *t = opaque;

	/* The ids are read-only, as on real hardware. */
	if (off < 4)
		return;
	store(t->cfg + off, size, v);
}

static const struct bus_io_ops cfg_ops = { cfg_read, cfg_write };

static int toy_register(struct toy *t)
{
	int rc;

	store(t->cfg, 4, ((uint32_t)TOY_DEVICE_ID << 16) | TOY_VENDOR_ID);
	rc = bus_claim_pci(t->bus, TOY_SEG, TOY_BUS, TOY_DEVFN, &cfg_ops, t);
	if (rc < 0)
		return rc;
	rc = bus_map_range(t->bus, BUS_SPACE_PIO, TOY_PIO_BASE, TOY_PIO_SIZE,
			   &pio_ops, t);
	if (rc < 0)
		return rc;
	rc = bus_map_range(t->bus, BUS_SPACE_MMIO, TOY_MMIO_BASE,
			   TOY_MMIO_SIZE, &mmio_ops, t);
	if (rc < 0)
		return rc;
	t->mmio_base = TOY_MMIO_BASE;
	t->mmio_mapped = true;
	return bus_map_range(t->bus, BUS_SPACE_MMIO, TOY_CALC_BASE,
			     TOY_CALC_SIZE, &calc_ops, t);
}

int main(int argc, char **argv)
{
	struct ioreq_options o = { 0 };
	struct toy *t;
	struct sigaction sa;
	sigset_t term, waitmask;
	int rc, status = 0;
	const char *lvl = getenv("IOREQ_TOYDM_LOG");

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--legacy"))
			o.force_legacy_mapping = true;
		else if (!strcmp(argv[i], "--cache") && i + 1 < argc)
			o.guest_cache_entries = (unsigned int)atoi(argv[++i]);
		else
			o.domid = (uint16_t)atoi(argv[i]);
	}
	if (lvl && log_level_from_name(lvl) >= 0)
		log_set_level(log_level_from_name(lvl));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/*
	 * SIGTERM/SIGINT stay blocked except inside ppoll(), which unblocks
	 * them atomically: a signal that lands between the got_term check
	 * and the wait is then still pending and interrupts the wait.  With
	 * plain poll() it ran the handler just before poll() blocked and the
	 * process slept forever (hit under valgrind in ioreq-sim-valgrind).
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	if (sigprocmask(SIG_BLOCK, &term, &waitmask) < 0)
		return 2;
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	t = calloc(1, sizeof(*t));
	if (!t)
		return 2;
	rc = ioreq_server_open(&o, &t->srv);
	if (rc < 0) {
		fprintf(stderr, "ioreq-toydm: open: %s\n", strerror(-rc));
		free(t);
		return 2;
	}
	t->bus = ioreq_server_bus(t->srv);
	rc = toy_register(t);
	if (rc < 0) {
		fprintf(stderr, "ioreq-toydm: register: %s\n", strerror(-rc));
		ioreq_server_close(t->srv);
		free(t);
		return 2;
	}

	while (!t->quit && !got_term) {
		struct pollfd pfd = { .fd = ioreq_server_fd(t->srv),
				      .events = POLLIN };

		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			status = 1;
			break;
		}
		rc = ioreq_server_handle_pending(t->srv);
		if (rc == -ESRCH)
			break;
		if (rc < 0) {
			fprintf(stderr, "ioreq-toydm: %s\n", strerror(-rc));
			status = 1;
			break;
		}
	}
	/* The device goes first; it deregisters nothing on purpose: close
	 * must unmap whatever is left. */
	ioreq_server_close(t->srv);
	free(t);
	return status;
}
