/* SPDX-License-Identifier: MIT */
/*
 * The ioreq layer end to end under the Xen stand-in: this program plays
 * the hypervisor and the guest (xensim.h) and runs ioreq-toydm (the real
 * src/ioreq linked against the real libxen*, the stand-in preloaded by
 * xensim-run) as the device model.
 *
 * Env: IOREQ_SOAK_SECONDS (default 10) bounds the 4-vCPU soak;
 *      IOREQ_TOYDM_WRAPPER, e.g. "valgrind --error-exitcode=99 -q
 *      --leak-check=full", runs the device model under a tool.
 */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/ioreq-toydm.h"
#include "tests/xensim/xensim.h"

#define DOMID		7
#define NR_VCPUS	4
#define RAM_BYTES	(16u << 20)

#define T_PIO	0	/* IOREQ_TYPE_* */
#define T_COPY	1
#define T_PCI	2
#define RD	1
#define WR	0

static struct xensim *sim;
static pid_t dm_pid;
static char dm_path[4096];

/* ---- helpers --------------------------------------------------------- */

static pid_t spawn_dm(const char *extra, uint16_t domid)
{
	const char *wrap = getenv("IOREQ_TOYDM_WRAPPER");
	char domstr[16];
	char *argv[32];
	gchar **wv = NULL;
	int n = 0;
	pid_t pid;

	snprintf(domstr, sizeof(domstr), "%u", domid);
	if (wrap && *wrap) {
		wv = g_strsplit(wrap, " ", 16);
		for (int i = 0; wv[i] && n < 20; i++)
			if (*wv[i])
				argv[n++] = wv[i];
	}
	argv[n++] = dm_path;
	if (extra)
		argv[n++] = (char *)extra;
	argv[n++] = domstr;
	argv[n] = NULL;
	pid = xensim_spawn(sim, argv);
	g_strfreev(wv);
	g_assert_cmpint(pid, >, 0);
	return pid;
}

static int wait_dm(pid_t pid)
{
	int status = 0;

	g_assert_cmpint(xensim_wait_child(pid, -1, &status), ==, 0);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * The server is enabled before the toy device registers its ranges (as
 * in hvmlinkd); it is ready once Xen routes all of them to it.
 */
static int wait_dm_ready(uint16_t domid)
{
	for (int i = 0; i < 5000; i++) {
		struct xensim_server_info si;

		if (xensim_servers(sim, domid, &si, 1) == 1 && si.enabled &&
		    si.nr_port_ranges >= 1 && si.nr_mmio_ranges >= 1 &&
		    si.nr_pcidevs == 1)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static void assert_no_leftovers(void)
{
	char buf[4096];
	int n = xensim_leftovers(sim, buf, sizeof(buf));

	if (n != 0)
		g_printerr("leftovers:\n%s", buf);
	g_assert_cmpint(n, ==, 0);
}

static uint64_t pio_rd(unsigned int vcpu, uint16_t port, unsigned int size)
{
	uint64_t v = 0;

	g_assert_cmpint(xensim_pio_read(sim, DOMID, vcpu, port, size, &v), ==, 0);
	return v;
}

static void pio_wr(unsigned int vcpu, uint16_t port, unsigned int size,
		   uint64_t v)
{
	g_assert_cmpint(xensim_pio_write(sim, DOMID, vcpu, port, size, v), ==, 0);
}

static uint64_t mmio_rd(uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	g_assert_cmpint(xensim_mmio_read(sim, DOMID, 0, gpa, size, &v), ==, 0);
	return v;
}

static void mmio_wr(uint64_t gpa, unsigned int size, uint64_t v)
{
	g_assert_cmpint(xensim_mmio_write(sim, DOMID, 0, gpa, size, v), ==, 0);
}

static int32_t toy_cmd(uint32_t cmd, uint64_t a0, uint64_t a1)
{
	pio_wr(0, TOY_PIO_BASE + TOY_REG_ARG0, 8, a0);
	pio_wr(0, TOY_PIO_BASE + TOY_REG_ARG1, 8, a1);
	pio_wr(0, TOY_PIO_BASE + TOY_REG_CMD, 4, cmd);
	return (int32_t)pio_rd(0, TOY_PIO_BASE + TOY_REG_RESULT, 4);
}

static uint64_t toy_stat(uint32_t sel)
{
	pio_wr(0, TOY_PIO_BASE + TOY_REG_STAT_SEL, 4, sel);
	return pio_rd(0, TOY_PIO_BASE + TOY_REG_STAT, 8);
}

static int do_ioreq(unsigned int vcpu, uint8_t type, uint8_t dir,
		    uint64_t addr, unsigned int size, uint32_t count,
		    bool ptr, bool df, uint64_t *data)
{
	struct xensim_ioreq r = {
		.addr = addr, .data = *data, .count = count, .size = size,
		.type = type, .dir = dir, .df = df, .data_is_ptr = ptr,
	};
	int rc = xensim_ioreq(sim, DOMID, vcpu, &r);

	*data = r.data;
	if (rc == 0)
		g_assert_cmpint(r.server, >=, 0);
	return rc;
}

static void ram_wr(uint64_t gpa, const void *buf, size_t n)
{
	g_assert_cmpint(xensim_ram_write(sim, DOMID, gpa, buf, n), ==, 0);
}

static void ram_rd(uint64_t gpa, void *buf, size_t n)
{
	g_assert_cmpint(xensim_ram_read(sim, DOMID, gpa, buf, n), ==, 0);
}

/* ---- tests ------------------------------------------------------------ */

static const unsigned int sizes[] = { 1, 2, 4, 8 };

static void test_pio_sizes(void)
{
	for (unsigned int i = 0; i < G_N_ELEMENTS(sizes); i++) {
		unsigned int sz = sizes[i];
		uint64_t val = 0x8877665544332211ull;
		uint64_t mask = sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1;
		uint16_t port = TOY_PIO_BASE + 0x10 + sz;

		pio_wr(1, port, sz, val);
		/* The device saw exactly this width at this offset. */
		g_assert_cmpuint(pio_rd(1, TOY_PIO_BASE + TOY_REG_LAST_SIZE, 4), ==, sz);
		g_assert_cmphex(pio_rd(1, TOY_PIO_BASE + TOY_REG_LAST_OFF, 4), ==, 0x10 + sz);
		g_assert_cmphex(pio_rd(2, port, sz), ==, val & mask);
		g_assert_cmpuint(pio_rd(1, TOY_PIO_BASE + TOY_REG_LAST_SIZE, 4), ==, sz);
	}
}

static void test_mmio_sizes(void)
{
	for (unsigned int i = 0; i < G_N_ELEMENTS(sizes); i++) {
		unsigned int sz = sizes[i];
		uint64_t mask = sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1;
		uint64_t gpa = TOY_MMIO_BASE + 0x100 + 8 * i;

		mmio_wr(gpa, sz, 0xa1b2c3d4e5f60718ull);
		g_assert_cmphex(mmio_rd(gpa, sz), ==, 0xa1b2c3d4e5f60718ull & mask);
		/* Calc window: value depends only on offset and size. */
		g_assert_cmphex(mmio_rd(TOY_CALC_BASE + 0x40, sz), ==, toy_calc(0x40, sz));
	}
}

static void test_straddle(void)
{
	uint64_t v;

	/* Scratch ends where the calc window starts: Xen forwards the
	 * access (both ranges are ours); we split it into bytes. */
	mmio_wr(TOY_CALC_BASE - 2, 2, 0xbeef);
	v = mmio_rd(TOY_CALC_BASE - 2, 4);
	g_assert_cmphex(v & 0xffff, ==, 0xbeef);
	g_assert_cmphex((v >> 16) & 0xff, ==, toy_calc(0, 1));
	g_assert_cmphex((v >> 24) & 0xff, ==, toy_calc(1, 1));
}

static void test_pci_config(void)
{
	uint32_t sbdf = XENSIM_SBDF(TOY_SEG, TOY_BUS, TOY_DEVFN >> 3, TOY_DEVFN & 7);
	uint32_t cf8 = 0x80000000u | (TOY_BUS << 16) | (TOY_DEVFN << 8);
	uint64_t v = 0;

	g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 0, sbdf, 0, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, ((uint32_t)TOY_DEVICE_ID << 16) | TOY_VENDOR_ID);
	g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 0, sbdf, 2, 2, &v), ==, 0);
	g_assert_cmphex(v, ==, TOY_DEVICE_ID);
	g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 0, sbdf, 1, 1, &v), ==, 0);
	g_assert_cmphex(v, ==, TOY_VENDOR_ID >> 8);
	/* Write/read in extended config space, every width config cycles
	 * have (1, 2, 4). */
	for (unsigned int i = 0; i < 3; i++) {
		unsigned int reg = 0x100 + 8 * i, sz = sizes[i];
		uint64_t mask = sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1;

		g_assert_cmpint(xensim_pci_cfg_write(sim, DOMID, 1, sbdf, reg, sz,
						     0x0102030405060708ull), ==, 0);
		g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 2, sbdf, reg, sz, &v), ==, 0);
		g_assert_cmphex(v, ==, 0x0102030405060708ull & mask);
	}
	/* Read-only ids stay. */
	g_assert_cmpint(xensim_pci_cfg_write(sim, DOMID, 0, sbdf, 0, 4, 0), ==, 0);
	g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 0, sbdf, 0, 2, &v), ==, 0);
	g_assert_cmphex(v, ==, TOY_VENDOR_ID);
	/* Straddling the end of config space: the missing bytes are ones. */
	g_assert_cmpint(xensim_pci_cfg_write(sim, DOMID, 0, sbdf, 0xffe, 2, 0x1234), ==, 0);
	g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 0, sbdf, 0xffe, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0xffff1234);
	/* The legacy cf8/cfc path turns into the same PCI_CONFIG ioreqs. */
	pio_wr(0, 0xcf8, 4, cf8 | 0x40);
	pio_wr(0, 0xcfc, 4, 0xcafe0001);
	pio_wr(0, 0xcf8, 4, cf8 | 0x40);
	g_assert_cmphex(pio_rd(0, 0xcfe, 2), ==, 0xcafe);
	g_assert_cmpint(xensim_pci_cfg_read(sim, DOMID, 0, sbdf, 0x40, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0xcafe0001);
}

/* rep movs guest RAM <-> MMIO with data_is_ptr, both directions, both
 * df settings, the guest buffer crossing a page boundary. */
static void test_rep_mmio(void)
{
	const uint64_t buf_gpa = 0x21000 - 24;	/* crosses into gfn 0x21 */
	uint8_t src[64], dst[64];
	uint64_t d;

	for (unsigned int i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(0x40 + i);

	for (int df = 0; df <= 1; df++) {
		for (unsigned int si = 0; si < G_N_ELEMENTS(sizes); si++) {
			unsigned int sz = sizes[si];
			uint32_t count = sizeof(src) / sz;
			/* With df the first element is the highest. */
			uint64_t first = df ? (uint64_t)(count - 1) * sz : 0;

			/* Guest buffer -> device. */
			memset(dst, 0, sizeof(dst));
			ram_wr(buf_gpa, src, sizeof(src));
			for (unsigned int i = 0; i < sizeof(src); i += 8)
				mmio_wr(TOY_MMIO_BASE + 0x200 + i, 8, 0);
			d = buf_gpa + first;
			g_assert_cmpint(do_ioreq(3, T_COPY, WR, TOY_MMIO_BASE + 0x200 + first,
						 sz, count, true, df, &d), ==, 0);
			for (unsigned int i = 0; i < sizeof(src); i += 8) {
				uint64_t v = mmio_rd(TOY_MMIO_BASE + 0x200 + i, 8);

				memcpy(dst + i, &v, 8);
			}
			g_assert_cmpmem(dst, sizeof(dst), src, sizeof(src));

			/* Device -> guest buffer. */
			memset(dst, 0, sizeof(dst));
			ram_wr(buf_gpa, dst, sizeof(dst));
			d = buf_gpa + first;
			g_assert_cmpint(do_ioreq(2, T_COPY, RD, TOY_MMIO_BASE + 0x200 + first,
						 sz, count, true, df, &d), ==, 0);
			ram_rd(buf_gpa, dst, sizeof(dst));
			g_assert_cmpmem(dst, sizeof(dst), src, sizeof(src));
		}
	}

	/* rep stos (no pointer): one value, count elements. */
	d = 0x5a5a5a5a;
	g_assert_cmpint(do_ioreq(0, T_COPY, WR, TOY_MMIO_BASE + 0x300, 4, 8, false,
				 false, &d), ==, 0);
	for (unsigned int i = 0; i < 8; i++)
		g_assert_cmphex(mmio_rd(TOY_MMIO_BASE + 0x300 + 4 * i, 4), ==, 0x5a5a5a5a);
}

/* rep ins / outs on a port: the port stays, the buffer moves. */
static void test_rep_pio(void)
{
	const uint64_t buf_gpa = 0x30000 - 6;
	uint8_t src[16] = "0123456789abcdef", dst[16];
	uint64_t d;

	for (int df = 0; df <= 1; df++) {
		/* outsw: 8 words; the port ends holding the last one. */
		ram_wr(buf_gpa, src, sizeof(src));
		d = df ? buf_gpa + 14 : buf_gpa;
		g_assert_cmpint(do_ioreq(1, T_PIO, WR, TOY_PIO_BASE + 0x40, 2, 8, true,
					 df, &d), ==, 0);
		g_assert_cmphex(pio_rd(1, TOY_PIO_BASE + 0x40, 2), ==,
				df ? ('0' | '1' << 8) : ('e' | 'f' << 8));

		/* insl: 4 dwords all from the same register. */
		pio_wr(1, TOY_PIO_BASE + 0x44, 4, 0x11223344);
		memset(dst, 0, sizeof(dst));
		ram_wr(buf_gpa, dst, sizeof(dst));
		d = df ? buf_gpa + 12 : buf_gpa;
		g_assert_cmpint(do_ioreq(1, T_PIO, RD, TOY_PIO_BASE + 0x44, 4, 4, true,
					 df, &d), ==, 0);
		ram_rd(buf_gpa, dst, sizeof(dst));
		for (unsigned int i = 0; i < 16; i += 4) {
			uint32_t w;

			memcpy(&w, dst + i, 4);
			g_assert_cmphex(w, ==, 0x11223344);
		}
	}
}

static void test_unpopulated(void)
{
	const uint64_t gfn = 0x180;
	uint64_t bad0 = toy_stat(TOY_STAT_BAD);
	uint64_t d;
	char buf[8] = "pattern";

	g_assert_cmpint(xensim_ram_unpopulate(sim, DOMID, gfn, 1), ==, 0);
	/* A device DMA into the hole: -EFAULT, not a crash. */
	g_assert_cmpint(toy_cmd(TOY_CMD_GUEST_READ, gfn << 12, 16), ==, -EFAULT);
	/* Crossing into the hole from the page before. */
	g_assert_cmpint(toy_cmd(TOY_CMD_GUEST_WRITE, (gfn << 12) - 8, 16), ==, -EFAULT);
	/* A rep buffer in the hole: dropped with a count, the vCPU is
	 * answered. */
	d = gfn << 12;
	g_assert_cmpint(do_ioreq(0, T_COPY, WR, TOY_MMIO_BASE, 8, 2, true, false,
				 &d), ==, 0);
	d = gfn << 12;
	g_assert_cmpint(do_ioreq(0, T_PIO, RD, TOY_PIO_BASE, 1, 4, true, false,
				 &d), ==, 0);
	g_assert_cmpuint(toy_stat(TOY_STAT_BAD), ==, bad0 + 2);
	g_assert_cmpuint(toy_stat(TOY_STAT_MAP_FAULTS), >=, 4);
	/* Populated again: works. */
	g_assert_cmpint(xensim_ram_populate(sim, DOMID, gfn, 1), ==, 0);
	ram_wr(gfn << 12, buf, 8);
	g_assert_cmpint(toy_cmd(TOY_CMD_GUEST_READ, gfn << 12, 8), ==, 0);
	{
		uint64_t want;

		memcpy(&want, buf, 8);
		g_assert_cmphex(mmio_rd(TOY_MMIO_BASE, 8), ==, want);
	}
}

static void test_invalidate(void)
{
	const uint64_t gpa = 0x200000;
	uint64_t inv0 = toy_stat(TOY_STAT_INVALIDATES);

	ram_wr(gpa, "AAAAAAAA", 8);
	g_assert_cmpint(toy_cmd(TOY_CMD_GUEST_READ, gpa, 8), ==, 0);
	g_assert_cmphex(mmio_rd(TOY_MMIO_BASE, 8), ==, 0x4141414141414141ull);
	/* The guest balloons the page out and back in: a fresh page. */
	g_assert_cmpint(xensim_ram_unpopulate(sim, DOMID, gpa >> 12, 1), ==, 0);
	g_assert_cmpint(xensim_ram_populate(sim, DOMID, gpa >> 12, 1), ==, 0);
	ram_wr(gpa, "BBBBBBBB", 8);
	/* Xen sends INVALIDATE after a decrease_reservation; until then a
	 * cached mapping may legitimately show the old page. */
	g_assert_cmpint(xensim_send_invalidate(sim, DOMID, 0), ==, 1);
	g_assert_cmpuint(toy_stat(TOY_STAT_INVALIDATES), ==, inv0 + 1);
	g_assert_cmpint(toy_cmd(TOY_CMD_GUEST_READ, gpa, 8), ==, 0);
	g_assert_cmphex(mmio_rd(TOY_MMIO_BASE, 8), ==, 0x4242424242424242ull);
	/* And the device's writes land in the new page. */
	mmio_wr(TOY_MMIO_BASE, 8, 0x4343434343434343ull);
	g_assert_cmpint(toy_cmd(TOY_CMD_GUEST_WRITE, gpa, 8), ==, 0);
	{
		char b[8];

		ram_rd(gpa, b, 8);
		g_assert_cmpmem(b, 8, "CCCCCCCC", 8);
	}
}

static void test_buffered(void)
{
	uint64_t buf0 = toy_stat(TOY_STAT_BUF);
	uint64_t t0 = toy_stat(TOY_STAT_TIMEOFFSETS);

	for (unsigned int i = 0; i < G_N_ELEMENTS(sizes); i++) {
		unsigned int sz = sizes[i];
		uint64_t mask = sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1;
		uint64_t val = 0xfedcba9876543210ull ^ i;

		pio_wr(0, TOY_PIO_BASE + 0x60, 8, 0);
		g_assert_cmpint(xensim_buffered_write(sim, DOMID, T_PIO,
						      TOY_PIO_BASE + 0x60, sz, val), ==, 0);
		/* The next synchronous access sees it (ring drained first). */
		g_assert_cmphex(pio_rd(1, TOY_PIO_BASE + 0x60, 8), ==, val & mask);
	}
	/* A burst: more than the ring holds.  When it is full Xen sends the
	 * write synchronously instead (ioreq_send() falls back), so do the
	 * same; order is kept and the last write wins. */
	unsigned int queued = 0;

	for (unsigned int i = 0; i < 300; i++) {
		uint64_t v = 0x100000000ull * i + i;
		int rc = xensim_buffered_write(sim, DOMID, T_PIO,
					       TOY_PIO_BASE + 0x68, 8, v);

		if (rc == -EAGAIN)
			pio_wr(3, TOY_PIO_BASE + 0x68, 8, v);
		else {
			g_assert_cmpint(rc, ==, 0);
			queued++;
		}
	}
	g_assert_cmpuint(queued, >, 0);
	g_assert_cmphex(pio_rd(2, TOY_PIO_BASE + 0x68, 8), ==, 0x100000000ull * 299 + 299);
	g_assert_cmpuint(toy_stat(TOY_STAT_BUF), ==, buf0 + 4 + queued);

	g_assert_cmpint(xensim_send_timeoffset(sim, DOMID, -7200), ==, 0);
	g_assert_cmpuint(toy_stat(TOY_STAT_TIMEOFFSETS), ==, t0 + 1);
}

static void test_irq(void)
{
	uint64_t addr;
	uint32_t data;

	g_assert_cmpint(toy_cmd(TOY_CMD_INTX, 0, 1), ==, 0);
	g_assert_cmpint(xensim_intx_level(sim, DOMID, TOY_DEVFN >> 3, 0), ==, 1);
	g_assert_cmpint(toy_cmd(TOY_CMD_INTX, 0, 0), ==, 0);
	g_assert_cmpint(xensim_intx_level(sim, DOMID, TOY_DEVFN >> 3, 0), ==, 0);
	g_assert_cmpint(toy_cmd(TOY_CMD_MSI, 0xfee01000, 0x4041), ==, 0);
	g_assert_cmpint(xensim_msi_next(sim, DOMID, &addr, &data, -1), ==, 0);
	g_assert_cmphex(addr, ==, 0xfee01000);
	g_assert_cmphex(data, ==, 0x4041);
}

static void test_bar_move(void)
{
	struct xensim_ioreq r = { .addr = TOY_MMIO_BASE, .size = 4, .count = 1,
				  .type = T_COPY, .dir = RD };
	const uint64_t moved = 0xe0000000ull;

	mmio_wr(TOY_MMIO_BASE + 0x10, 4, 0x600dcafe);
	g_assert_cmpint(toy_cmd(TOY_CMD_MAP_OVERLAP, 0, 0), ==, -EEXIST);
	g_assert_cmpint(toy_cmd(TOY_CMD_MOVE_MMIO, moved, 0), ==, 0);
	/* Old place: nobody claims it any more (Xen's null handler). */
	g_assert_cmpint(xensim_ioreq(sim, DOMID, 0, &r), ==, 0);
	g_assert_cmpint(r.server, ==, -1);
	g_assert_cmphex(r.data, ==, 0xffffffff);
	g_assert_cmphex(mmio_rd(moved + 0x10, 4), ==, 0x600dcafe);
	g_assert_cmpint(toy_cmd(TOY_CMD_MOVE_MMIO, TOY_MMIO_BASE, 0), ==, 0);
	g_assert_cmphex(mmio_rd(TOY_MMIO_BASE + 0x10, 4), ==, 0x600dcafe);
}

/* ---- the soak: 4 vCPUs at once, every answer checked ------------------ */

struct soak {
	unsigned int vcpu;
	double seconds;
	unsigned long done;
	bool bad;
	char why[160];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *soak_vcpu(void *arg)
{
	struct soak *s = arg;
	const double end = now_s() + s->seconds;
	const uint16_t mine = TOY_PIO_BASE + 0x70 - 16 * s->vcpu;
	uint64_t seq = (uint64_t)s->vcpu << 48;

	while (!s->bad && now_s() < end) {
		for (unsigned int k = 0; k < 64 && !s->bad; k++) {
			uint64_t off = ((seq * 2654435761u) >> 3) % (TOY_CALC_SIZE - 8);
			unsigned int sz = sizes[seq & 3];
			uint64_t v = 0;
			int rc;

			rc = xensim_mmio_read(sim, DOMID, s->vcpu, TOY_CALC_BASE + off, sz, &v);
			if (rc || v != toy_calc(off, sz)) {
				snprintf(s->why, sizeof(s->why),
					 "vcpu%u calc %#llx/%u: rc %d got %#llx want %#llx",
					 s->vcpu, (unsigned long long)off, sz, rc,
					 (unsigned long long)v,
					 (unsigned long long)toy_calc(off, sz));
				s->bad = true;
				break;
			}
			rc = xensim_pio_write(sim, DOMID, s->vcpu, mine, 8, seq);
			if (!rc)
				rc = xensim_pio_read(sim, DOMID, s->vcpu, mine, 8, &v);
			if (rc || v != seq) {
				snprintf(s->why, sizeof(s->why),
					 "vcpu%u scratch: rc %d got %#llx want %#llx",
					 s->vcpu, rc, (unsigned long long)v,
					 (unsigned long long)seq);
				s->bad = true;
				break;
			}
			seq++;
			s->done += 3;
		}
	}
	return NULL;
}

static void test_soak(void)
{
	const char *env = getenv("IOREQ_SOAK_SECONDS");
	double secs = env ? atof(env) : 10.0;
	struct soak s[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	unsigned long total = 0;
	uint64_t sync0 = toy_stat(TOY_STAT_SYNC);

	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		s[i] = (struct soak){ .vcpu = i, .seconds = secs };
		g_assert_cmpint(pthread_create(&th[i], NULL, soak_vcpu, &s[i]), ==, 0);
	}
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		g_assert_cmpint(pthread_join(th[i], NULL), ==, 0);
		if (s[i].bad)
			g_printerr("%s\n", s[i].why);
		g_assert_false(s[i].bad);
		g_assert_cmpuint(s[i].done, >, 0);
		total += s[i].done;
	}
	/* Every ioreq the guests made was served exactly once (the two
	 * stat reads here add 2 more; toy_stat itself is 2 + 1 before). */
	g_assert_cmpuint(toy_stat(TOY_STAT_SYNC) - sync0, ==, total + 2);
	g_assert_cmpuint(toy_stat(TOY_STAT_BAD_STATES), ==, 0);
	g_test_message("soak: %lu ioreqs from %u vCPUs in %.1f s", total, NR_VCPUS, secs);
}

/* ---- lifecycle ------------------------------------------------------- */

static void test_exit_clean(void)
{
	struct xensim_server_info info[4];

	pio_wr(0, TOY_PIO_BASE + TOY_REG_CMD, 4, TOY_CMD_EXIT);
	g_assert_cmpint(wait_dm(dm_pid), ==, 0);
	dm_pid = 0;
	g_assert_cmpint(xensim_servers(sim, DOMID, info, 4), ==, 0);
	assert_no_leftovers();
	/* With nobody there, the guest sees Xen's null handler. */
	g_assert_cmphex(pio_rd(0, TOY_PIO_BASE, 4), ==, 0xffffffff);
}

static void test_legacy_mapping(void)
{
	pid_t pid = spawn_dm("--legacy", DOMID);

	g_assert_cmpint(xensim_wait_server_enabled(sim, DOMID, -1), >=, 0);
	g_assert_cmpint(wait_dm_ready(DOMID), ==, 0);
	g_assert_cmpuint(toy_stat(TOY_STAT_LEGACY), ==, 1);
	g_assert_cmpuint(toy_stat(TOY_STAT_NR_VCPUS), ==, NR_VCPUS);
	pio_wr(3, TOY_PIO_BASE + 8, 4, 0x12345678);
	g_assert_cmphex(pio_rd(2, TOY_PIO_BASE + 8, 4), ==, 0x12345678);
	g_assert_cmpint(xensim_buffered_write(sim, DOMID, T_PIO, TOY_PIO_BASE + 8, 8,
					      0xabcdef0123456789ull), ==, 0);
	g_assert_cmphex(pio_rd(1, TOY_PIO_BASE + 8, 8), ==, 0xabcdef0123456789ull);
	/* SIGTERM: orderly teardown too. */
	g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
	g_assert_cmpint(wait_dm(pid), ==, 0);
	assert_no_leftovers();
}

static void test_no_domain(void)
{
	/* Set-up fails at creation: exit 2, nothing left behind. */
	pid_t pid = spawn_dm(NULL, 99);

	g_assert_cmpint(wait_dm(pid), ==, 2);
	assert_no_leftovers();
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_builddir");
	int rc;

	g_test_init(&argc, &argv, NULL);
	snprintf(dm_path, sizeof(dm_path), "%s/tests/integration/ioreq-toydm",
		 top ? top : ".");
	if (access(dm_path, X_OK) < 0) {
		fprintf(stderr, "ioreq-sim-test: %s missing\n", dm_path);
		return 99;
	}

	sim = xensim_open(NULL);
	if (!sim) {
		fprintf(stderr, "ioreq-sim-test: xensim_open: %s\n", strerror(errno));
		return 99;
	}
	rc = xensim_domain_create(sim, DOMID, NR_VCPUS, RAM_BYTES);
	if (rc < 0) {
		fprintf(stderr, "ioreq-sim-test: domain: %s\n", strerror(-rc));
		return 99;
	}
	dm_pid = spawn_dm(NULL, DOMID);
	rc = xensim_wait_server_enabled(sim, DOMID, -1);
	if (rc >= 0)
		rc = wait_dm_ready(DOMID);
	if (rc < 0) {
		fprintf(stderr, "ioreq-sim-test: server never enabled: %s\n",
			strerror(-rc));
		kill(dm_pid, SIGKILL);
		return 99;
	}

	g_test_add_func("/ioreq/sim/pio-sizes", test_pio_sizes);
	g_test_add_func("/ioreq/sim/mmio-sizes", test_mmio_sizes);
	g_test_add_func("/ioreq/sim/straddle", test_straddle);
	g_test_add_func("/ioreq/sim/pci-config", test_pci_config);
	g_test_add_func("/ioreq/sim/rep-mmio", test_rep_mmio);
	g_test_add_func("/ioreq/sim/rep-pio", test_rep_pio);
	g_test_add_func("/ioreq/sim/unpopulated", test_unpopulated);
	g_test_add_func("/ioreq/sim/invalidate", test_invalidate);
	g_test_add_func("/ioreq/sim/buffered", test_buffered);
	g_test_add_func("/ioreq/sim/irq", test_irq);
	g_test_add_func("/ioreq/sim/bar-move", test_bar_move);
	g_test_add_func("/ioreq/sim/soak-4-vcpus", test_soak);
	g_test_add_func("/ioreq/sim/exit-clean", test_exit_clean);
	g_test_add_func("/ioreq/sim/legacy-mapping", test_legacy_mapping);
	g_test_add_func("/ioreq/sim/no-domain", test_no_domain);
	rc = g_test_run();

	if (dm_pid > 0) {
		kill(dm_pid, SIGKILL);
		(void)xensim_wait_child(dm_pid, -1, NULL);
	}
	xensim_close(sim);
	return rc;
}
