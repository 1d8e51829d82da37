/* SPDX-License-Identifier: MIT */
/*
 * hvmdev internals shared by the files of src/device/.  Not for embedders:
 * they use device.h.
 */
#ifndef HVMLINK_DEVICE_INTERNAL_H
#define HVMLINK_DEVICE_INTERNAL_H

#include "device/device.h"

/* Requests and the status page are handled as native structs: the wire
 * format is little-endian, and so is every host that runs Xen x86 HVM. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "hvmdev assumes a little-endian host");

/* PCI configuration space registers (names as in the PCI Local Bus spec). */
#define PCI_CFG_SIZE		256
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_PARITY	0x0040
#define  PCI_COMMAND_SERR	0x0100
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_INTERRUPT	0x0008
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_HEADER_TYPE		0x0e
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_BASE_ADDRESS_1	0x14
#define  PCI_BASE_ADDRESS_SPACE_IO 0x01
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

/* Our one capability: MSI, 64-bit address, one vector, no masking. */
#define HVMDEV_MSI_CAP		0x40
#define PCI_CAP_ID_MSI		0x05
#define PCI_MSI_FLAGS		0x02	/* relative to the capability */
#define  PCI_MSI_FLAGS_ENABLE	0x0001
#define  PCI_MSI_FLAGS_64BIT	0x0080
#define PCI_MSI_ADDRESS_LO	0x04
#define PCI_MSI_ADDRESS_HI	0x08
#define PCI_MSI_DATA_64		0x0c

/* What this device implements (GET_HOST_VERSION, status page). */
#define HVMDEV_HOST_FEATURES	(HVMLINK_HOST_F_MSI | \
				 HVMLINK_HOST_F_REQUEST_HI | \
				 HVMLINK_HOST_F_KV | HVMLINK_HOST_F_HEARTBEAT | \
				 HVMLINK_HOST_F_VCPU_LATCHES)

#define HVMDEV_NR_BARS		2
#define HVMDEV_PIO_LIMIT	0x10000ull	/* x86 port space */

/* Log rate limit for HVMLINK_REQ_LOG, per device, on the monotonic clock. */
#define HVMDEV_LOG_WINDOW_NS	(HVMLINK_LOG_WINDOW_MS * 1000000ull)
#define HVMDEV_LOG_BURST	HVMLINK_LOG_BURST

struct hvmdev_kv {
	char key[HVMLINK_KV_KEY_LEN];
	uint32_t len;
	uint8_t value[HVMLINK_KV_VALUE_MAX];
};

/* A vCPU's BAR0 latches (protocol 1.1: one pair per vCPU). */
struct hvmdev_latch {
	uint32_t request_hi;
	int32_t last_rc;
};

/*
 * Everything that save/restore carries.  Restore builds a new one, checks
 * it, then swaps it in: nothing else may hold guest-influenced state that
 * must survive a migration.
 */
struct hvmdev_state {
	uint8_t config[PCI_CFG_SIZE];	/* image; dynamic bits added on read */
	/* Indexed by the vCPU of the access; entries from dev->nr_vcpus up
	 * stay 0. */
	struct hvmdev_latch latch[HVMDEV_MAX_VCPUS];
	uint32_t pending;
	uint32_t filter;
	uint32_t guest_caps;
	/* Events (pending & filter) already signalled by MSI; see irq rules
	 * in hvmdev_irq_update(). */
	uint32_t msi_notified;
	struct hvmdev_guest_info info;
	uint8_t facility[HVMLINK_FACILITY_COUNT];
	uint64_t hint_seq;		/* last seq handed out, all displays */
	struct hvmdev_display_state display[HVMLINK_MAX_DISPLAYS];
	uint64_t hb_interval_ns;
	bool hb_enabled;
	unsigned int hb_state;
	uint64_t hb_beats;
	uint64_t hb_last_realtime_ns;
	uint64_t kv_generation;
	unsigned int kv_count;
	struct hvmdev_kv *kv[HVMDEV_KV_MAX_KEYS];	/* sorted by key */
};

/* The private copy of a request: aligned for every struct, bounded. */
union hvmdev_req_buf {
	struct hvmlink_req_header header;
	uint64_t align;
	uint8_t bytes[HVMLINK_REQUEST_MAX_SIZE];
};

struct hvmdev_bar_map {
	bool mapped;
	unsigned int space;		/* BUS_SPACE_* */
	uint64_t base;
};

struct hvmdev {
	struct hvmdev_config cfg;
	struct hvmdev_ops ops;
	void *opaque;
	struct bus *bus;
	unsigned int nr_vcpus;		/* the bus's, 1..HVMDEV_MAX_VCPUS */
	struct hvmdev_state st;
	/* Not migrated: derived from st or host-local. */
	uint8_t config_init[PCI_CFG_SIZE];	/* reset image */
	uint8_t config_wmask[PCI_CFG_SIZE];	/* guest-writable bits */
	struct hvmdev_bar_map bar[HVMDEV_NR_BARS];
	bool intx_level;
	uint64_t hb_last_monotonic_ns;
	uint64_t log_window_start_ns;
	unsigned int log_in_window;
	struct hvmdev_stats stats;
	union hvmdev_req_buf req;
	/* st as of the last hvmdev_mark_saved(): hvmdev_state_dirty(). */
	struct hvmdev_state saved;
};

/* device.c */
void hvmdev_notify(struct hvmdev *dev, unsigned int what, unsigned int index);
void hvmdev_raise(struct hvmdev *dev, uint32_t events);
void hvmdev_irq_update(struct hvmdev *dev);
bool hvmdev_intx_pending(const struct hvmdev *dev);
uint64_t hvmdev_now_real(struct hvmdev *dev);
uint64_t hvmdev_now_mono(struct hvmdev *dev);
bool hvmdev_mode_valid_strict(const struct hvmlink_display_mode *mode);

/* reset.c */
void hvmdev_session_reset(struct hvmdev *dev);
uint32_t hvmdev_host_news(const struct hvmdev *dev);

/* pci-config.c */
void hvmdev_config_reset_image(struct hvmdev *dev);
extern const struct bus_io_ops hvmdev_config_ops;
/* The command register (little-endian in the image).  Inline: every
 * request checks bus mastering, and two byte loads beat a call. */
static inline uint16_t hvmdev_command(const struct hvmdev *dev)
{
	return (uint16_t)(dev->st.config[PCI_COMMAND] |
			  dev->st.config[PCI_COMMAND + 1] << 8);
}
void hvmdev_update_bars(struct hvmdev *dev);
void hvmdev_unmap_bars(struct hvmdev *dev);
uint32_t hvmdev_cfg_get(const uint8_t *config, unsigned int off,
			unsigned int size);

/* registers.c */
extern const struct bus_io_ops hvmdev_bar0_ops;
extern const struct bus_io_ops hvmdev_bar1_ops;
void hvmdev_status_page(const struct hvmdev *dev,
			struct hvmlink_status_page *page);

/* requests.c */
void hvmdev_submit(struct hvmdev *dev, struct hvmdev_latch *latch,
		   uint32_t addr_lo);
/* Copy a fixed-size guest string field: printable ASCII up to the first
 * NUL (or the whole field); false if any byte before it is not. */
bool hvmdev_copy_guest_string(char *dst, const char *src, size_t field_len);
bool hvmdev_string_printable(const char *s);

/* kv.c */
int hvmdev_kv_find(const struct hvmdev_state *st, const char *key);
void hvmdev_kv_free_all(struct hvmdev_state *st);

#endif /* HVMLINK_DEVICE_INTERNAL_H */
