/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvmlink guest driver: the device-independent core (sessions, event
 * filter, waiters, interrupt body, requests).  hvmlink_linux.c is the thin
 * PCI / misc-device glue around it.
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
#define HVMLINK_DRIVER_VERSION_MINOR	1
#define HVMLINK_DRIVER_VERSION_PATCH	0
#define HVMLINK_DRIVER_VERSION \
	((HVMLINK_DRIVER_VERSION_MAJOR << 16) | \
	 (HVMLINK_DRIVER_VERSION_MINOR << 8) | HVMLINK_DRIVER_VERSION_PATCH)

/* Events the driver always wants, whatever the sessions ask for. */
#define HVMLINK_DRIVER_EVENTS		HVMLINK_EVENT_RESTORED

struct hvmlink_dev {
	struct device *dev;
	void __iomem *io;		/* BAR0 registers */
	void __iomem *status;		/* BAR1 status page */
	struct kref refcount;		/* one per session + one for probe */

	/*
	 * Serializes every submission: the REQUEST_HI + REQUEST pair is two
	 * port writes that must not interleave, and the interrupt handler
	 * submits too, hence irqsave.  Also guards @removed for submitters.
	 */
	spinlock_t req_lock;
	bool removed;			/* hardware gone: no more port IO */
	struct hvmlink_req_ack_events *ack_req;	/* preallocated for the ISR */

	/*
	 * Guards the session list and each session's pending events; the
	 * interrupt handler takes it to hand events out.
	 */
	spinlock_t event_lock;
	struct list_head sessions;
	wait_queue_head_t event_wq;

	/* Serializes filter / capability changes (they sleep). */
	struct mutex mask_mutex;
	u32 device_filter;		/* as last programmed into the device */
	u32 device_caps;

	struct work_struct restore_work;	/* re-reports after RESTORED */
	u32 host_protocol_version;
	u16 host_major, host_minor;
	u32 host_build;
	u64 host_features;
	u32 irq_type;			/* HVMLINK_IRQ_* */
	bool restore_pending;
};

struct hvmlink_session {
	struct hvmlink_dev *hdev;
	struct list_head node;		/* in hdev->sessions */
	u32 filter;			/* under hdev->mask_mutex */
	u32 caps;			/* under hdev->mask_mutex */
	u32 pending;			/* under hdev->event_lock */
	u32 cancel_gen;			/* under hdev->event_lock */
};

int hvmlink_core_init(struct hvmlink_dev *hdev, struct device *dev,
		      void __iomem *io, void __iomem *status);
int hvmlink_core_start(struct hvmlink_dev *hdev);
void hvmlink_core_stop(struct hvmlink_dev *hdev);
void hvmlink_core_remove(struct hvmlink_dev *hdev);
void hvmlink_core_put(struct hvmlink_dev *hdev);
void hvmlink_core_restore(struct hvmlink_dev *hdev);
irqreturn_t hvmlink_core_isr(int irq, void *data);

struct hvmlink_session *hvmlink_session_open(struct hvmlink_dev *hdev);
void hvmlink_session_close(struct hvmlink_session *session);
__poll_t hvmlink_session_poll_mask(struct hvmlink_session *session);
long hvmlink_session_ioctl(struct hvmlink_session *session, unsigned int cmd,
			   void __user *arg);

#endif /* HVMLINK_CORE_H */
