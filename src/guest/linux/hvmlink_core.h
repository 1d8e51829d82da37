/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvmlink guest driver: the device-independent core (sessions, event
 * filter, waiters, interrupt thread, requests).  hvmlink_linux.c is the
 * thin PCI / misc-device glue around it.
 */
#ifndef HVMLINK_CORE_H
#define HVMLINK_CORE_H

#include <linux/irqreturn.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <hvmlink/protocol.h>
#include <hvmlink/ioctl.h>

#define HVMLINK_DRIVER_VERSION_MAJOR	0
#define HVMLINK_DRIVER_VERSION_MINOR	2
#define HVMLINK_DRIVER_VERSION_PATCH	0
#define HVMLINK_DRIVER_VERSION \
	((HVMLINK_DRIVER_VERSION_MAJOR << 16) | \
	 (HVMLINK_DRIVER_VERSION_MINOR << 8) | HVMLINK_DRIVER_VERSION_PATCH)

/* Events the driver always wants, whatever the sessions ask for. */
#define HVMLINK_DRIVER_EVENTS		HVMLINK_EVENT_RESTORED

struct hvmlink_dev;

/* What the bus glue does for the core. */
struct hvmlink_bus_ops {
	/*
	 * Let the device raise its interrupt again after the interrupt
	 * thread acknowledged it; false if it is already raising it anew
	 * (acknowledge again).  NULL when nothing was masked (MSI).
	 */
	bool (*irq_unmask)(struct hvmlink_dev *hdev);
};

struct hvmlink_dev {
	struct device *dev;
	void __iomem *io;		/* BAR0 registers */
	void __iomem *status;		/* BAR1 status page */
	const struct hvmlink_bus_ops *bus_ops;
	struct kref refcount;		/* one per session + one for probe */

	/*
	 * One request in flight at a time, always in the same coherent
	 * buffer below 4 GiB: a submission is one port write, which holds
	 * this vCPU in the hypervisor for a Dom0 round trip, so other
	 * submitters sleep rather than spin.
	 */
	struct mutex req_mutex;
	void *req_buf;			/* HVMLINK_REQUEST_MAX_SIZE bytes */
	dma_addr_t req_dma;
	/* Hardware gone: no port IO.  Written under req_mutex + event_lock. */
	bool removed;

	/* The session list and each session's pending events. */
	spinlock_t event_lock;
	struct list_head sessions;
	wait_queue_head_t event_wq;

	/* Serializes filter / capability changes (they sleep). */
	struct mutex mask_mutex;
	u32 device_filter;		/* as last programmed into the device */
	u32 device_caps;

	/*
	 * The interrupt thread and its retry work, one at a time: a failed
	 * ACK_EVENTS leaves the interrupt masked and is retried later.
	 */
	struct mutex irq_mutex;
	struct delayed_work ack_retry_work;
	unsigned long ack_retry_delay;	/* jiffies, under irq_mutex */
	bool suspended;			/* under irq_mutex */

	struct work_struct restore_work;	/* re-reports after RESTORED */

	/* What the host said of itself; read by HVMLINK_IOCTL_VERSION. */
	spinlock_t info_lock;
	u32 host_protocol_version;
	u16 host_major, host_minor;
	u32 host_build;
	u64 host_features;
	u32 irq_type;			/* HVMLINK_IRQ_* */
};

struct hvmlink_session {
	struct hvmlink_dev *hdev;
	struct list_head node;		/* in hdev->sessions */
	bool admin;			/* fixed at open */
	u32 filter;			/* under hdev->mask_mutex + event_lock */
	u32 caps;			/* under hdev->mask_mutex */
	u32 pending;			/* under hdev->event_lock */
	u32 cancel_gen;			/* under hdev->event_lock */
};

int hvmlink_core_init(struct hvmlink_dev *hdev, struct device *dev,
		      void __iomem *io, void __iomem *status);
void hvmlink_core_set_irq(struct hvmlink_dev *hdev, u32 irq_type,
			  const struct hvmlink_bus_ops *bus_ops);
int hvmlink_core_start(struct hvmlink_dev *hdev);
void hvmlink_core_stop(struct hvmlink_dev *hdev);
void hvmlink_core_remove(struct hvmlink_dev *hdev);
void hvmlink_core_put(struct hvmlink_dev *hdev);
void hvmlink_core_suspend(struct hvmlink_dev *hdev);
int hvmlink_core_resume(struct hvmlink_dev *hdev);
irqreturn_t hvmlink_core_irq_thread(int irq, void *data);

struct hvmlink_session *hvmlink_session_open(struct hvmlink_dev *hdev,
					     bool admin);
void hvmlink_session_close(struct hvmlink_session *session);
__poll_t hvmlink_session_poll_mask(struct hvmlink_session *session);
long hvmlink_session_ioctl(struct hvmlink_session *session, unsigned int cmd,
			   void __user *arg);

#endif /* HVMLINK_CORE_H */
