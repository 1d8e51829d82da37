// SPDX-License-Identifier: GPL-2.0
/*
 * hvmlink guest driver core: requests, sessions, event filter, waiters and
 * the interrupt thread.  Nothing here knows about PCI or the misc devices;
 * hvmlink_linux.c hands in the mapped BARs and the interrupt masking.
 *
 * Locking, outermost first: mask_mutex, irq_mutex, req_mutex, event_lock
 * and info_lock.  Nothing spins across a request: a request is a port
 * write that keeps its vCPU in the hypervisor for a whole Dom0 round trip.
 */

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "hvmlink_core.h"
#include "req_table.h"

#define STATUS_FIELD(f)	offsetof(struct hvmlink_status_page, f)

/* ACK rounds per interrupt before the rest is left to the retry work. */
#define HVMLINK_ACK_ROUNDS		8
/* Back-off of a failed ACK_EVENTS: 100 ms doubling up to 10 s. */
#define HVMLINK_ACK_RETRY_MIN		(HZ / 10)
#define HVMLINK_ACK_RETRY_MAX		(10 * HZ)

/* Zero a request of @type, fill its header and preset rc. */
static void hvmlink_req_init(struct hvmlink_req_header *hdr, u32 type)
{
	unsigned int size = hvmlink_req_size(type);

	memset(hdr, 0, size);
	hdr->size = size;
	hdr->version = HVMLINK_REQUEST_VERSION;
	hdr->type = type;
	hdr->rc = HVMLINK_ERR_GENERAL;
}

/*
 * Submit the request in req_buf.  The port write traps to the device model
 * and completes only once the result is written back.  0 when the device
 * processed it (its verdict is the buffer's rc), -EIO if it could not read
 * the request at all.  Caller holds req_mutex.
 */
static int hvmlink_doorbell(struct hvmlink_dev *hdev)
{
	struct hvmlink_req_header *hdr = hdev->req_buf;
	int ret = 0;

	lockdep_assert_held(&hdev->req_mutex);
	/*
	 * rc still at its preset may be a real HVMLINK_ERR_GENERAL or a
	 * request the device could not reach; only LAST_RC tells them apart.
	 * Protocol 1.1 keeps LAST_RC per vCPU, so the write and that read
	 * stay on one vCPU.  The buffer is below 4 GiB: REQUEST_HI is never
	 * needed.  Preemption is off only around these two instructions;
	 * interrupts stay on.
	 */
	preempt_disable();
	iowrite32(lower_32_bits(hdev->req_dma), hdev->io + HVMLINK_REG_REQUEST);
	if (READ_ONCE(hdr->rc) == HVMLINK_ERR_GENERAL &&
	    ioread32(hdev->io + HVMLINK_REG_LAST_RC) == (u32)HVMLINK_ERR_NO_REQUEST)
		ret = -EIO;
	preempt_enable();
	return ret;
}

/*
 * Hand the request @hdr (hdr->size bytes, at most HVMLINK_REQUEST_MAX_SIZE)
 * to the device through the DMA buffer and copy the result back.  Caller
 * holds req_mutex.  0 once processed (verdict in hdr->rc), -ENODEV once the
 * device is gone, -EIO as hvmlink_doorbell().
 */
static int hvmlink_req_submit_locked(struct hvmlink_dev *hdev,
				     struct hvmlink_req_header *hdr)
{
	u32 size = hdr->size;
	int ret;

	lockdep_assert_held(&hdev->req_mutex);
	if (hdev->removed)
		return -ENODEV;
	hdr->rc = HVMLINK_ERR_GENERAL;
	memcpy(hdev->req_buf, hdr, size);
	ret = hvmlink_doorbell(hdev);
	/* The device wrote rc and OUT fields only; never more than size. */
	if (!ret)
		memcpy(hdr, hdev->req_buf, size);
	return ret;
}

static int hvmlink_req_submit(struct hvmlink_dev *hdev,
			      struct hvmlink_req_header *hdr)
{
	int ret;

	mutex_lock(&hdev->req_mutex);
	ret = hvmlink_req_submit_locked(hdev, hdr);
	mutex_unlock(&hdev->req_mutex);
	return ret;
}

/* Submit and fold the device's verdict into a single errno. */
static int hvmlink_req_perform(struct hvmlink_dev *hdev,
			       struct hvmlink_req_header *hdr)
{
	int ret = hvmlink_req_submit(hdev, hdr);

	return ret ? ret : hvmlink_status_to_errno(hdr->rc);
}

static int hvmlink_get_host_version(struct hvmlink_dev *hdev)
{
	struct hvmlink_req_host_version req;
	int ret;

	hvmlink_req_init(&req.header, HVMLINK_REQ_GET_HOST_VERSION);
	ret = hvmlink_req_perform(hdev, &req.header);
	if (ret)
		return ret;
	spin_lock(&hdev->info_lock);
	hdev->host_protocol_version = req.protocol_version;
	hdev->host_major = req.major;
	hdev->host_minor = req.minor;
	hdev->host_build = req.build;
	hdev->host_features = req.features;
	spin_unlock(&hdev->info_lock);
	return 0;
}

static int hvmlink_report_guest_info(struct hvmlink_dev *hdev)
{
	struct hvmlink_req_guest_info req;

	hvmlink_req_init(&req.header, HVMLINK_REQ_REPORT_GUEST_INFO);
	req.driver_version = HVMLINK_DRIVER_VERSION;
	req.os_type = HVMLINK_OS_LINUX;
	/* The init namespace's names: what the VM is, not a container. */
	strscpy_pad(req.os_release, init_utsname()->release,
		    sizeof(req.os_release));
	strscpy_pad(req.name, init_utsname()->nodename, sizeof(req.name));
	return hvmlink_req_perform(hdev, &req.header);
}

static int hvmlink_report_facility(struct hvmlink_dev *hdev, u32 status)
{
	struct hvmlink_req_facility req;

	hvmlink_req_init(&req.header, HVMLINK_REQ_REPORT_FACILITY);
	req.facility = HVMLINK_FACILITY_DRIVER;
	req.status = status;
	return hvmlink_req_perform(hdev, &req.header);
}

/*
 * Set the device's filter mask (@caps false) or capabilities (@caps true)
 * to exactly @want.  Caller holds mask_mutex.
 */
static int hvmlink_program_mask(struct hvmlink_dev *hdev, bool caps, u32 want)
{
	u32 type = caps ? HVMLINK_REQ_SET_GUEST_CAPS : HVMLINK_REQ_CTL_FILTER_MASK;
	u32 valid = caps ? HVMLINK_GUEST_CAP_VALID_MASK : HVMLINK_EVENT_VALID_MASK;
	/* Both request bodies are or_mask, not_mask, result. */
	struct hvmlink_req_filter_mask req;
	int ret;

	BUILD_BUG_ON(sizeof(struct hvmlink_req_filter_mask) !=
		     sizeof(struct hvmlink_req_guest_caps));
	BUILD_BUG_ON(offsetof(struct hvmlink_req_filter_mask, mask) !=
		     offsetof(struct hvmlink_req_guest_caps, caps));
	lockdep_assert_held(&hdev->mask_mutex);

	hvmlink_req_init(&req.header, type);
	req.or_mask = want;
	req.not_mask = ~want & valid;
	ret = hvmlink_req_perform(hdev, &req.header);
	if (ret)
		return ret;
	if (caps)
		hdev->device_caps = req.mask;
	else
		hdev->device_filter = req.mask;
	return 0;
}

/* Union over sessions (plus the driver's own events).  Under mask_mutex. */
static u32 hvmlink_wanted(struct hvmlink_dev *hdev, bool caps)
{
	struct hvmlink_session *s;
	u32 want = caps ? 0 : HVMLINK_DRIVER_EVENTS;

	lockdep_assert_held(&hdev->mask_mutex);
	list_for_each_entry(s, &hdev->sessions, node)
		want |= caps ? s->caps : s->filter;
	return want;
}

/* Bring the device in line with the sessions; @force resends anyway. */
static int hvmlink_sync_mask(struct hvmlink_dev *hdev, bool caps, bool force)
{
	u32 want = hvmlink_wanted(hdev, caps);
	u32 have = caps ? hdev->device_caps : hdev->device_filter;

	if (!force && want == have)
		return 0;
	return hvmlink_program_mask(hdev, caps, want);
}

/* Note a failed step of a sequence that goes on regardless. */
static void hvmlink_step(struct hvmlink_dev *hdev, int ret, int *first,
			 const char *what)
{
	if (!ret)
		return;
	if (ret != -ENODEV)
		dev_warn(hdev->dev, "%s failed: %d\n", what, ret);
	if (!*first)
		*first = ret;
}

/*
 * Tell a (possibly new) device model everything it should know of this
 * guest: after a restore or migration it may be a new process.  The order
 * of docs/protocol.md's start-up: who we are, capabilities, and the filter
 * last, so nothing raised meanwhile is missed.  Every step is tried even
 * if an earlier one failed; the first error is returned.
 */
static int hvmlink_resend_state(struct hvmlink_dev *hdev)
{
	int first = 0;

	mutex_lock(&hdev->mask_mutex);
	hvmlink_step(hdev, hvmlink_get_host_version(hdev), &first,
		     "GET_HOST_VERSION");
	hvmlink_step(hdev, hvmlink_report_guest_info(hdev), &first,
		     "REPORT_GUEST_INFO");
	hvmlink_step(hdev, hvmlink_report_facility(hdev, HVMLINK_FACILITY_ACTIVE),
		     &first, "REPORT_FACILITY");
	hvmlink_step(hdev, hvmlink_sync_mask(hdev, true, true), &first,
		     "guest capabilities");
	hvmlink_step(hdev, hvmlink_sync_mask(hdev, false, true), &first,
		     "event filter");
	mutex_unlock(&hdev->mask_mutex);
	return first;
}

static void hvmlink_restore_work(struct work_struct *work)
{
	struct hvmlink_dev *hdev = container_of(work, struct hvmlink_dev,
						restore_work);

	if (!hvmlink_resend_state(hdev))
		dev_info(hdev->dev, "restored: guest state re-reported\n");
}

/* Hand @events to every session that asked for them and wake waiters. */
static void hvmlink_dispatch_events(struct hvmlink_dev *hdev, u32 events)
{
	struct hvmlink_session *s;

	spin_lock(&hdev->event_lock);
	list_for_each_entry(s, &hdev->sessions, node)
		s->pending |= events & s->filter;
	spin_unlock(&hdev->event_lock);

	if (events & HVMLINK_EVENT_RESTORED)
		schedule_work(&hdev->restore_work);
	wake_up_all(&hdev->event_wq);
}

/* ACK_EVENTS and hand out what it returns.  0, or why the ACK failed. */
static int hvmlink_ack_events(struct hvmlink_dev *hdev)
{
	struct hvmlink_req_ack_events ack;
	int ret;

	hvmlink_req_init(&ack.header, HVMLINK_REQ_ACK_EVENTS);
	ret = hvmlink_req_perform(hdev, &ack.header);
	if (ret)
		return ret;
	hvmlink_dispatch_events(hdev, ack.events & HVMLINK_EVENT_VALID_MASK);
	return 0;
}

/*
 * Acknowledge until the device stops raising its interrupt, then unmask
 * it.  An interrupt the device raised is always ours to deal with: if the
 * ACK fails the interrupt stays masked (so a shared INTx line keeps
 * working for the others) and the retry work tries again, backing off.
 * Caller holds irq_mutex.
 */
static void hvmlink_service_events(struct hvmlink_dev *hdev)
{
	bool (*unmask)(struct hvmlink_dev *hdev) = hdev->bus_ops->irq_unmask;
	int i, ret = 0;

	lockdep_assert_held(&hdev->irq_mutex);
	if (hdev->suspended)
		return;
	for (i = 0; i < HVMLINK_ACK_ROUNDS; i++) {
		ret = hvmlink_ack_events(hdev);
		if (ret)
			break;
		if (!unmask || unmask(hdev)) {
			hdev->ack_retry_delay = 0;
			return;
		}
	}
	if (ret == -ENODEV)
		return;
	if (ret) {
		hdev->ack_retry_delay = clamp(hdev->ack_retry_delay * 2,
					      HVMLINK_ACK_RETRY_MIN,
					      HVMLINK_ACK_RETRY_MAX);
		dev_warn_ratelimited(hdev->dev,
				     "ACK_EVENTS failed: %d, retry in %u ms\n",
				     ret, jiffies_to_msecs(hdev->ack_retry_delay));
	} else {
		/* Still raising after every round: a flood; let others run. */
		hdev->ack_retry_delay = HVMLINK_ACK_RETRY_MIN;
	}
	schedule_delayed_work(&hdev->ack_retry_work, hdev->ack_retry_delay);
}

static void hvmlink_ack_retry_work(struct work_struct *work)
{
	struct hvmlink_dev *hdev = container_of(to_delayed_work(work),
						struct hvmlink_dev,
						ack_retry_work);

	mutex_lock(&hdev->irq_mutex);
	hvmlink_service_events(hdev);
	mutex_unlock(&hdev->irq_mutex);
}

/*
 * The interrupt thread: the hard handler (INTx) or the MSI told us the
 * device raised it, and masked it where needed.  ACK_EVENTS is itself a
 * Dom0 round trip, so it is done here, not in hard-IRQ context.
 */
irqreturn_t hvmlink_core_irq_thread(int irq, void *data)
{
	struct hvmlink_dev *hdev = data;

	mutex_lock(&hdev->irq_mutex);
	hvmlink_service_events(hdev);
	mutex_unlock(&hdev->irq_mutex);
	/* Ours even if the ACK failed: that is retried, never IRQ_NONE. */
	return IRQ_HANDLED;
}

int hvmlink_core_init(struct hvmlink_dev *hdev, struct device *dev,
		      void __iomem *io, void __iomem *status)
{
	u32 size, version;
	int ret;

	hdev->dev = dev;
	hdev->io = io;
	hdev->status = status;
	kref_init(&hdev->refcount);
	mutex_init(&hdev->req_mutex);
	spin_lock_init(&hdev->event_lock);
	INIT_LIST_HEAD(&hdev->sessions);
	init_waitqueue_head(&hdev->event_wq);
	mutex_init(&hdev->mask_mutex);
	mutex_init(&hdev->irq_mutex);
	INIT_DELAYED_WORK(&hdev->ack_retry_work, hvmlink_ack_retry_work);
	INIT_WORK(&hdev->restore_work, hvmlink_restore_work);
	spin_lock_init(&hdev->info_lock);

	/*
	 * IDs may be overridden by the admin, so the version register is
	 * what tells this is a device we speak to; the status page must
	 * agree.  A newer minor only appends: accepted.
	 */
	version = ioread32(io + HVMLINK_REG_VERSION);
	if ((version >> 16) != HVMLINK_PROTOCOL_VERSION_MAJOR) {
		dev_err(dev, "unsupported protocol version %#x\n", version);
		return -ENODEV;
	}
	size = ioread32(status + STATUS_FIELD(size));
	version = ioread32(status + STATUS_FIELD(version));
	if (size < sizeof(struct hvmlink_status_page) ||
	    (version >> 16) != HVMLINK_PROTOCOL_VERSION_MAJOR) {
		dev_err(dev, "unsupported device: status page size %u version %#x\n",
			size, version);
		return -ENODEV;
	}

	/*
	 * Every request goes through this one buffer.  The bus glue set a
	 * 32-bit DMA mask, so it lies below 4 GiB and a request is exactly
	 * one port write (no REQUEST_HI) whatever the guest's memory size.
	 */
	BUILD_BUG_ON(HVMLINK_REQUEST_MAX_SIZE > PAGE_SIZE);
	hdev->req_buf = dma_alloc_coherent(dev, HVMLINK_REQUEST_MAX_SIZE,
					   &hdev->req_dma, GFP_KERNEL);
	if (!hdev->req_buf)
		return -ENOMEM;
	if (upper_32_bits(hdev->req_dma)) {
		dev_err(dev, "request buffer at %pad is above 4 GiB\n",
			&hdev->req_dma);
		ret = -EIO;
		goto err_free_buf;
	}

	ret = hvmlink_get_host_version(hdev);
	if (ret) {
		dev_err(dev, "GET_HOST_VERSION failed: %d\n", ret);
		goto err_free_buf;
	}
	dev_info(dev, "protocol %#x, host %u.%u build %u, features %#llx\n",
		 hdev->host_protocol_version, hdev->host_major,
		 hdev->host_minor, hdev->host_build, hdev->host_features);
	return 0;

err_free_buf:
	dma_free_coherent(dev, HVMLINK_REQUEST_MAX_SIZE, hdev->req_buf,
			  hdev->req_dma);
	hdev->req_buf = NULL;
	return ret;
}

/* Before the interrupt is requested: how it reaches us. */
void hvmlink_core_set_irq(struct hvmlink_dev *hdev, u32 irq_type,
			  const struct hvmlink_bus_ops *bus_ops)
{
	hdev->bus_ops = bus_ops;
	spin_lock(&hdev->info_lock);
	hdev->irq_type = irq_type;
	spin_unlock(&hdev->info_lock);
}

/*
 * After the interrupt is wired up (docs/protocol.md's start-up): report
 * who we are, set capabilities, and set the filter last: events already
 * pending raise the interrupt at once and are handled the normal way.
 * Only a refused filter fails the probe: without it no event arrives.
 */
int hvmlink_core_start(struct hvmlink_dev *hdev)
{
	int ret;

	if (hvmlink_report_guest_info(hdev))
		dev_warn(hdev->dev, "REPORT_GUEST_INFO failed\n");
	if (hvmlink_report_facility(hdev, HVMLINK_FACILITY_ACTIVE))
		dev_warn(hdev->dev, "REPORT_FACILITY failed\n");
	mutex_lock(&hdev->mask_mutex);
	if (hvmlink_sync_mask(hdev, true, true))
		dev_warn(hdev->dev, "SET_GUEST_CAPS failed\n");
	ret = hvmlink_sync_mask(hdev, false, true);
	mutex_unlock(&hdev->mask_mutex);
	return ret;
}

/*
 * Mask everything so the device lowers its interrupt, report the driver
 * gone, then stop all port IO.  Open sessions keep @hdev alive but get
 * -ENODEV from here on.  Calling it again does nothing more.
 */
void hvmlink_core_stop(struct hvmlink_dev *hdev)
{
	mutex_lock(&hdev->mask_mutex);
	hvmlink_program_mask(hdev, false, 0);
	hvmlink_program_mask(hdev, true, 0);
	hvmlink_report_facility(hdev, HVMLINK_FACILITY_TERMINATED);
	mutex_lock(&hdev->req_mutex);
	spin_lock(&hdev->event_lock);
	hdev->removed = true;
	spin_unlock(&hdev->event_lock);
	mutex_unlock(&hdev->req_mutex);
	mutex_unlock(&hdev->mask_mutex);
	wake_up_all(&hdev->event_wq);
}

/*
 * Quiesce for suspend, hibernation, Xen save and shutdown: no more
 * requests from the interrupt thread or the works until resume.  Sessions'
 * tasks are frozen by then; their waits restart on thaw (-ERESTARTSYS).
 */
void hvmlink_core_suspend(struct hvmlink_dev *hdev)
{
	mutex_lock(&hdev->irq_mutex);
	hdev->suspended = true;
	mutex_unlock(&hdev->irq_mutex);
	cancel_delayed_work_sync(&hdev->ack_retry_work);
	cancel_work_sync(&hdev->restore_work);
}

/*
 * After resume, thaw or restore: the device model may be a new process
 * that knows nothing of this guest, so tell it again (every step, even
 * after a failure), then pick up whatever was raised meanwhile.
 */
int hvmlink_core_resume(struct hvmlink_dev *hdev)
{
	int ret = hvmlink_resend_state(hdev);

	mutex_lock(&hdev->irq_mutex);
	hdev->suspended = false;
	hvmlink_service_events(hdev);
	mutex_unlock(&hdev->irq_mutex);
	return ret == -ENODEV ? 0 : ret;
}

static void hvmlink_core_release(struct kref *kref)
{
	kfree(container_of(kref, struct hvmlink_dev, refcount));
}

void hvmlink_core_put(struct hvmlink_dev *hdev)
{
	kref_put(&hdev->refcount, hvmlink_core_release);
}

/*
 * After hvmlink_core_stop() and once the interrupt is freed: nothing can
 * submit any more, so the DMA buffer goes before the driver unbinds.
 */
void hvmlink_core_remove(struct hvmlink_dev *hdev)
{
	cancel_delayed_work_sync(&hdev->ack_retry_work);
	cancel_work_sync(&hdev->restore_work);
	dma_free_coherent(hdev->dev, HVMLINK_REQUEST_MAX_SIZE, hdev->req_buf,
			  hdev->req_dma);
	hdev->req_buf = NULL;
	hvmlink_core_put(hdev);
}

struct hvmlink_session *hvmlink_session_open(struct hvmlink_dev *hdev,
					     bool admin)
{
	struct hvmlink_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->hdev = hdev;
	s->admin = admin;
	kref_get(&hdev->refcount);
	mutex_lock(&hdev->mask_mutex);
	spin_lock(&hdev->event_lock);
	list_add_tail(&s->node, &hdev->sessions);
	spin_unlock(&hdev->event_lock);
	mutex_unlock(&hdev->mask_mutex);
	return s;
}

void hvmlink_session_close(struct hvmlink_session *s)
{
	struct hvmlink_dev *hdev = s->hdev;

	mutex_lock(&hdev->mask_mutex);
	spin_lock(&hdev->event_lock);
	list_del(&s->node);
	spin_unlock(&hdev->event_lock);
	/* What this session asked for goes away with it. */
	hvmlink_sync_mask(hdev, false, false);
	hvmlink_sync_mask(hdev, true, false);
	mutex_unlock(&hdev->mask_mutex);
	kfree(s);
	hvmlink_core_put(hdev);
}

__poll_t hvmlink_session_poll_mask(struct hvmlink_session *s)
{
	struct hvmlink_dev *hdev = s->hdev;
	__poll_t mask = 0;

	spin_lock(&hdev->event_lock);
	if (s->pending)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (hdev->removed)
		mask |= EPOLLHUP | EPOLLERR;
	spin_unlock(&hdev->event_lock);
	return mask;
}

/*
 * Wait condition: take the wanted events if any are there.  Taking them
 * inside the condition means a wake-up can never be lost between the
 * check and the clear.
 */
static bool hvmlink_wait_done(struct hvmlink_session *s, u32 mask, u32 gen,
			      u32 *events, bool *cancelled, bool *removed)
{
	struct hvmlink_dev *hdev = s->hdev;

	spin_lock(&hdev->event_lock);
	*events = s->pending & mask;
	s->pending &= ~*events;
	*cancelled = s->cancel_gen != gen;
	*removed = hdev->removed;
	spin_unlock(&hdev->event_lock);
	return *events || *cancelled || *removed;
}

/*
 * A signal came first.  -ERESTARTSYS lets the kernel restart the ioctl
 * (SA_RESTART, stop signals, the freezer at suspend and Xen save); the time
 * left goes back to userspace so the restarted wait does not start over.
 */
static int hvmlink_wait_interrupted(struct hvmlink_ioctl_wait_events __user *uw,
				    u32 timeout_ms, unsigned long deadline)
{
	long left = (long)(deadline - jiffies);
	u32 left_ms = 0;

	if (timeout_ms == HVMLINK_WAIT_FOREVER)
		return -ERESTARTSYS;
	if (left > 0)
		left_ms = min(jiffies_to_msecs(left), timeout_ms);
	if (put_user(left_ms, &uw->timeout_ms))
		return -EFAULT;
	return -ERESTARTSYS;
}

static int hvmlink_ioctl_wait_events(struct hvmlink_session *s,
				     void __user *arg)
{
	struct hvmlink_dev *hdev = s->hdev;
	struct hvmlink_ioctl_wait_events w;
	bool cancelled = false, removed = false;
	unsigned long deadline;
	u32 events = 0, gen;
	long timeout, left;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if (!w.mask || (w.mask & ~HVMLINK_EVENT_VALID_MASK) || w.padding)
		return -EINVAL;

	spin_lock(&hdev->event_lock);
	gen = s->cancel_gen;
	spin_unlock(&hdev->event_lock);

	if (w.timeout_ms == 0) {
		hvmlink_wait_done(s, w.mask, gen, &events, &cancelled, &removed);
	} else {
		timeout = w.timeout_ms == HVMLINK_WAIT_FOREVER ?
			MAX_SCHEDULE_TIMEOUT : msecs_to_jiffies(w.timeout_ms);
		deadline = jiffies + timeout;
		left = wait_event_interruptible_timeout(hdev->event_wq,
							hvmlink_wait_done(s, w.mask, gen,
									  &events,
									  &cancelled,
									  &removed),
							timeout);
		if (left < 0)
			return hvmlink_wait_interrupted(arg, w.timeout_ms, deadline);
	}

	if (!events) {
		if (cancelled)
			return -ECANCELED;
		if (removed)
			return -ENODEV;
		return -ETIMEDOUT;
	}
	w.events = events;
	if (copy_to_user(arg, &w, sizeof(w))) {
		/* Do not lose them: give them back to the session. */
		spin_lock(&hdev->event_lock);
		s->pending |= events & s->filter;
		spin_unlock(&hdev->event_lock);
		return -EFAULT;
	}
	return 0;
}

static int hvmlink_ioctl_cancel_waits(struct hvmlink_session *s)
{
	struct hvmlink_dev *hdev = s->hdev;

	spin_lock(&hdev->event_lock);
	s->cancel_gen++;
	spin_unlock(&hdev->event_lock);
	wake_up_all(&hdev->event_wq);
	return 0;
}

/* Change a session's filter; the interrupt thread reads it under event_lock. */
static void hvmlink_session_set_filter(struct hvmlink_session *s, u32 filter)
{
	spin_lock(&s->hdev->event_lock);
	s->filter = filter;
	s->pending &= filter;
	spin_unlock(&s->hdev->event_lock);
}

static int hvmlink_ioctl_set_mask(struct hvmlink_session *s, bool caps,
				  void __user *arg)
{
	struct hvmlink_dev *hdev = s->hdev;
	u32 valid = caps ? HVMLINK_GUEST_CAP_VALID_MASK : HVMLINK_EVENT_VALID_MASK;
	struct hvmlink_ioctl_mask m;
	u32 old, new;
	int ret;

	if (copy_from_user(&m, arg, sizeof(m)))
		return -EFAULT;
	if ((m.or_mask | m.not_mask) & ~valid)
		return -EINVAL;
	/* Capabilities are what the host sees of the guest: admin only. */
	if (!s->admin && (caps ? m.or_mask | m.not_mask :
			  m.or_mask & ~HVMLINK_USER_EVENTS))
		return -EPERM;

	mutex_lock(&hdev->mask_mutex);
	old = caps ? s->caps : s->filter;
	new = (old | m.or_mask) & ~m.not_mask;
	if (caps)
		s->caps = new;
	else
		hvmlink_session_set_filter(s, new);
	ret = hvmlink_sync_mask(hdev, caps, false);
	if (ret) {
		/* The device did not take it: neither does the session. */
		if (caps)
			s->caps = old;
		else
			hvmlink_session_set_filter(s, old);
	}
	m.session_mask = caps ? s->caps : s->filter;
	m.device_mask = caps ? hdev->device_caps : hdev->device_filter;
	mutex_unlock(&hdev->mask_mutex);

	if (!ret && copy_to_user(arg, &m, sizeof(m)))
		ret = -EFAULT;
	return ret;
}

/* The null ioctl: no device access, no lock a request holds. */
static int hvmlink_ioctl_version(struct hvmlink_session *s, void __user *arg)
{
	struct hvmlink_dev *hdev = s->hdev;
	struct hvmlink_ioctl_version v;

	memset(&v, 0, sizeof(v));
	v.interface_version = HVMLINK_IOCTL_INTERFACE_VERSION;
	v.driver_version = HVMLINK_DRIVER_VERSION;
	spin_lock(&hdev->info_lock);
	v.protocol_version = hdev->host_protocol_version;
	v.host_major = hdev->host_major;
	v.host_minor = hdev->host_minor;
	v.host_build = hdev->host_build;
	v.irq_type = hdev->irq_type;
	v.host_features = hdev->host_features;
	spin_unlock(&hdev->info_lock);
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int hvmlink_ioctl_request(struct hvmlink_session *s, void __user *arg)
{
	struct hvmlink_dev *hdev = s->hdev;
	struct hvmlink_ioctl_request r;
	struct hvmlink_req_header *hdr;
	void __user *ubuf;
	int ret;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.padding || r.size < sizeof(*hdr))
		return -EINVAL;
	if (r.size > HVMLINK_REQUEST_MAX_SIZE)
		return -E2BIG;
	ubuf = u64_to_user_ptr(r.buf);

	/*
	 * Copied in once, before any lock: every check below looks at the
	 * private copy, and a fault on user memory never holds up others.
	 */
	hdr = memdup_user(ubuf, r.size);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);

	ret = -EINVAL;
	if (hdr->size != r.size || hdr->version != HVMLINK_REQUEST_VERSION ||
	    hdr->reserved1 || hdr->reserved2 ||
	    hvmlink_req_size(hdr->type) != r.size)
		goto out;
	ret = hvmlink_req_allowed(hdr, s->admin);
	if (ret)
		goto out;

	/* Killable: a task stuck behind a dead device model can still go. */
	ret = mutex_lock_killable(&hdev->req_mutex);
	if (ret)
		goto out;
	ret = hvmlink_req_submit_locked(hdev, hdr);
	mutex_unlock(&hdev->req_mutex);
	if (!ret && copy_to_user(ubuf, hdr, r.size))
		ret = -EFAULT;
out:
	kfree(hdr);
	return ret;
}

long hvmlink_session_ioctl(struct hvmlink_session *s, unsigned int cmd,
			   void __user *arg)
{
	switch (cmd) {
	case HVMLINK_IOCTL_VERSION:
		return hvmlink_ioctl_version(s, arg);
	case HVMLINK_IOCTL_WAIT_EVENTS:
		return hvmlink_ioctl_wait_events(s, arg);
	case HVMLINK_IOCTL_CANCEL_WAITS:
		return hvmlink_ioctl_cancel_waits(s);
	case HVMLINK_IOCTL_SET_FILTER:
		return hvmlink_ioctl_set_mask(s, false, arg);
	case HVMLINK_IOCTL_SET_CAPS:
		return hvmlink_ioctl_set_mask(s, true, arg);
	case HVMLINK_IOCTL_REQUEST:
		return hvmlink_ioctl_request(s, arg);
	default:
		return -ENOTTY;
	}
}
