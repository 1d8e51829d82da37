// SPDX-License-Identifier: GPL-2.0
/*
 * hvmlink guest driver core: requests, sessions, event filter, waiters and
 * the interrupt body.  Nothing here knows about PCI or the misc device;
 * hvmlink_linux.c hands in the mapped BARs.
 */

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "hvmlink_core.h"
#include "req_table.h"

#define STATUS_FIELD(f)	offsetof(struct hvmlink_status_page, f)

/* A zeroed request of @type with its header filled and rc preset. */
static void *hvmlink_req_alloc(u32 type, gfp_t gfp)
{
	unsigned int size = hvmlink_req_size(type);
	struct hvmlink_req_header *hdr;

	hdr = kzalloc(size, gfp);
	if (!hdr)
		return NULL;
	hdr->size = size;
	hdr->version = HVMLINK_REQUEST_VERSION;
	hdr->type = type;
	hdr->rc = HVMLINK_ERR_GENERAL;
	return hdr;
}

/*
 * Hand one request to the device.  Port IO traps to the device model and
 * the OUT completes only after the result is written back, so the request
 * is done when this returns.  Returns 0 when the device processed it (its
 * verdict is hdr->rc), -ENODEV once removed, -ENXIO if the request sits
 * above 4 GiB and the device cannot take such addresses, -EIO if the
 * device could not read the header at all.  Caller holds req_lock.
 */
static int hvmlink_submit_locked(struct hvmlink_dev *hdev,
				 struct hvmlink_req_header *hdr)
{
	phys_addr_t pa = virt_to_phys(hdr);

	lockdep_assert_held(&hdev->req_lock);
	if (hdev->removed)
		return -ENODEV;
	if (upper_32_bits(pa)) {
		if (!(hdev->host_features & HVMLINK_HOST_F_REQUEST_HI))
			return -ENXIO;
		/* The device resets REQUEST_HI after every submission. */
		iowrite32(upper_32_bits(pa), hdev->io + HVMLINK_REG_REQUEST_HI);
	}
	iowrite32(lower_32_bits(pa), hdev->io + HVMLINK_REG_REQUEST);

	/*
	 * rc still at its preset may be a real HVMLINK_ERR_GENERAL or a
	 * header the device could not reach; only LAST_RC tells them apart.
	 */
	if (READ_ONCE(hdr->rc) == HVMLINK_ERR_GENERAL &&
	    ioread32(hdev->io + HVMLINK_REG_LAST_RC) == (u32)HVMLINK_ERR_NO_REQUEST)
		return -EIO;
	return 0;
}

/* Submit; 0 once processed, the verdict stays in hdr->rc. */
static int hvmlink_req_submit(struct hvmlink_dev *hdev,
			      struct hvmlink_req_header *hdr)
{
	unsigned long flags;
	int ret;

	hdr->rc = HVMLINK_ERR_GENERAL;
	spin_lock_irqsave(&hdev->req_lock, flags);
	ret = hvmlink_submit_locked(hdev, hdr);
	spin_unlock_irqrestore(&hdev->req_lock, flags);
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
	struct hvmlink_req_host_version *req;
	int ret;

	req = hvmlink_req_alloc(HVMLINK_REQ_GET_HOST_VERSION, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	ret = hvmlink_req_perform(hdev, &req->header);
	if (!ret) {
		hdev->host_protocol_version = req->protocol_version;
		hdev->host_major = req->major;
		hdev->host_minor = req->minor;
		hdev->host_build = req->build;
		hdev->host_features = req->features;
	}
	kfree(req);
	return ret;
}

static int hvmlink_report_guest_info(struct hvmlink_dev *hdev)
{
	struct hvmlink_req_guest_info *req;
	int ret;

	req = hvmlink_req_alloc(HVMLINK_REQ_REPORT_GUEST_INFO, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->driver_version = HVMLINK_DRIVER_VERSION;
	req->os_type = HVMLINK_OS_LINUX;
	/* The init namespace's names: what the VM is, not a container. */
	strscpy_pad(req->os_release, init_utsname()->release,
		    sizeof(req->os_release));
	strscpy_pad(req->name, init_utsname()->nodename, sizeof(req->name));
	ret = hvmlink_req_perform(hdev, &req->header);
	kfree(req);
	return ret;
}

static int hvmlink_report_facility(struct hvmlink_dev *hdev, u32 status)
{
	struct hvmlink_req_facility *req;
	int ret;

	req = hvmlink_req_alloc(HVMLINK_REQ_REPORT_FACILITY, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->facility = HVMLINK_FACILITY_DRIVER;
	req->status = status;
	ret = hvmlink_req_perform(hdev, &req->header);
	kfree(req);
	return ret;
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
	struct hvmlink_req_filter_mask *req;
	int ret;

	BUILD_BUG_ON(sizeof(struct hvmlink_req_filter_mask) !=
		     sizeof(struct hvmlink_req_guest_caps));
	BUILD_BUG_ON(offsetof(struct hvmlink_req_filter_mask, mask) !=
		     offsetof(struct hvmlink_req_guest_caps, caps));
	lockdep_assert_held(&hdev->mask_mutex);

	req = hvmlink_req_alloc(type, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->or_mask = want;
	req->not_mask = ~want & valid;
	ret = hvmlink_req_perform(hdev, &req->header);
	if (!ret) {
		if (caps)
			hdev->device_caps = req->mask;
		else
			hdev->device_filter = req->mask;
	}
	kfree(req);
	return ret;
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

/* Change a session's filter; the ISR reads it, hence event_lock too. */
static void hvmlink_session_set_filter(struct hvmlink_session *s, u32 filter)
{
	unsigned long flags;

	spin_lock_irqsave(&s->hdev->event_lock, flags);
	s->filter = filter;
	s->pending &= filter;
	spin_unlock_irqrestore(&s->hdev->event_lock, flags);
}

/* Hand @events to every session that asked for them and wake waiters. */
static void hvmlink_dispatch_events(struct hvmlink_dev *hdev, u32 events)
{
	struct hvmlink_session *s;
	unsigned long flags;

	spin_lock_irqsave(&hdev->event_lock, flags);
	list_for_each_entry(s, &hdev->sessions, node)
		s->pending |= events & s->filter;
	spin_unlock_irqrestore(&hdev->event_lock, flags);

	if (events & HVMLINK_EVENT_RESTORED)
		schedule_work(&hdev->restore_work);
	wake_up_all(&hdev->event_wq);
}

irqreturn_t hvmlink_core_isr(int irq, void *data)
{
	struct hvmlink_dev *hdev = data;
	struct hvmlink_req_ack_events *ack = hdev->ack_req;
	u32 events = 0;
	int ret;

	/* A shared INTx line: not ours unless the device says so. */
	if (!ioread32(hdev->status + STATUS_FIELD(have_events)))
		return IRQ_NONE;

	/*
	 * One port write, no sleeping: done right here with the request
	 * allocated at probe.  req_lock also keeps a process-context
	 * REQUEST_HI + REQUEST pair from being split by this submission.
	 */
	spin_lock(&hdev->req_lock);
	ack->header.rc = HVMLINK_ERR_GENERAL;
	ack->events = 0;
	ret = hvmlink_submit_locked(hdev, &ack->header);
	if (!ret)
		ret = hvmlink_status_to_errno(ack->header.rc);
	if (!ret)
		events = ack->events & HVMLINK_EVENT_VALID_MASK;
	spin_unlock(&hdev->req_lock);

	if (ret) {
		/*
		 * The line stays asserted; IRQ_NONE lets the spurious-IRQ
		 * detector disable it rather than storm forever.
		 */
		dev_warn_ratelimited(hdev->dev, "ACK_EVENTS failed: %d\n", ret);
		return IRQ_NONE;
	}
	hvmlink_dispatch_events(hdev, events);
	return IRQ_HANDLED;
}

/* Re-tell a (possibly new) device model everything it should know. */
void hvmlink_core_restore(struct hvmlink_dev *hdev)
{
	int ret;

	mutex_lock(&hdev->mask_mutex);
	ret = hvmlink_get_host_version(hdev);
	if (!ret)
		ret = hvmlink_report_guest_info(hdev);
	if (!ret)
		ret = hvmlink_sync_mask(hdev, false, true);
	if (!ret)
		ret = hvmlink_sync_mask(hdev, true, true);
	if (!ret)
		ret = hvmlink_report_facility(hdev, HVMLINK_FACILITY_ACTIVE);
	mutex_unlock(&hdev->mask_mutex);
	if (ret && ret != -ENODEV)
		dev_warn(hdev->dev, "restore: re-reporting state failed: %d\n", ret);
}

static void hvmlink_restore_work(struct work_struct *work)
{
	hvmlink_core_restore(container_of(work, struct hvmlink_dev,
					  restore_work));
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
	spin_lock_init(&hdev->req_lock);
	spin_lock_init(&hdev->event_lock);
	INIT_LIST_HEAD(&hdev->sessions);
	init_waitqueue_head(&hdev->event_wq);
	mutex_init(&hdev->mask_mutex);
	INIT_WORK(&hdev->restore_work, hvmlink_restore_work);

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
	/* Needed before the first submission (REQUEST_HI support). */
	hdev->host_features = ioread32(status + STATUS_FIELD(host_features)) |
		(u64)ioread32(status + STATUS_FIELD(host_features) + 4) << 32;

	/*
	 * The interrupt's request gets a page below 4 GiB: the ISR then never
	 * needs REQUEST_HI (one port write less per interrupt) and works even
	 * on a device without it.
	 */
	BUILD_BUG_ON(sizeof(*hdev->ack_req) > PAGE_SIZE);
	hdev->ack_req = (void *)get_zeroed_page(GFP_KERNEL | GFP_DMA32);
	if (!hdev->ack_req)
		return -ENOMEM;
	hdev->ack_req->header.size = sizeof(*hdev->ack_req);
	hdev->ack_req->header.version = HVMLINK_REQUEST_VERSION;
	hdev->ack_req->header.type = HVMLINK_REQ_ACK_EVENTS;

	ret = hvmlink_get_host_version(hdev);
	if (ret) {
		dev_err(dev, "GET_HOST_VERSION failed: %d\n", ret);
		goto err_free_ack;
	}
	ret = hvmlink_report_guest_info(hdev);
	if (ret)
		dev_warn(dev, "REPORT_GUEST_INFO failed: %d\n", ret);
	dev_info(dev, "protocol %#x, host %u.%u build %u, features %#llx\n",
		 hdev->host_protocol_version, hdev->host_major,
		 hdev->host_minor, hdev->host_build, hdev->host_features);
	return 0;

err_free_ack:
	free_page((unsigned long)hdev->ack_req);
	hdev->ack_req = NULL;
	return ret;
}

/* After the interrupt is wired up: ask for events, say we are here. */
int hvmlink_core_start(struct hvmlink_dev *hdev)
{
	int ret;

	mutex_lock(&hdev->mask_mutex);
	ret = hvmlink_sync_mask(hdev, false, true);
	if (!ret)
		ret = hvmlink_sync_mask(hdev, true, true);
	mutex_unlock(&hdev->mask_mutex);
	if (ret)
		return ret;
	if (hvmlink_report_facility(hdev, HVMLINK_FACILITY_ACTIVE))
		dev_warn(hdev->dev, "REPORT_FACILITY failed\n");
	return 0;
}

/*
 * Before the interrupt is freed: mask everything so the device drops the
 * line, then stop all port IO.  Open sessions keep @hdev alive but get
 * -ENODEV from here on.
 */
void hvmlink_core_stop(struct hvmlink_dev *hdev)
{
	unsigned long flags;

	mutex_lock(&hdev->mask_mutex);
	hvmlink_program_mask(hdev, false, 0);
	hvmlink_program_mask(hdev, true, 0);
	hvmlink_report_facility(hdev, HVMLINK_FACILITY_TERMINATED);
	spin_lock_irqsave(&hdev->req_lock, flags);
	hdev->removed = true;
	spin_unlock_irqrestore(&hdev->req_lock, flags);
	mutex_unlock(&hdev->mask_mutex);
}

static void hvmlink_core_release(struct kref *kref)
{
	struct hvmlink_dev *hdev = container_of(kref, struct hvmlink_dev,
						refcount);

	if (hdev->ack_req)
		free_page((unsigned long)hdev->ack_req);
	kfree(hdev);
}

void hvmlink_core_put(struct hvmlink_dev *hdev)
{
	kref_put(&hdev->refcount, hvmlink_core_release);
}

/* After the interrupt is freed: no more events will come. */
void hvmlink_core_remove(struct hvmlink_dev *hdev)
{
	cancel_work_sync(&hdev->restore_work);
	wake_up_all(&hdev->event_wq);
	hvmlink_core_put(hdev);
}

struct hvmlink_session *hvmlink_session_open(struct hvmlink_dev *hdev)
{
	struct hvmlink_session *s;
	unsigned long flags;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->hdev = hdev;
	kref_get(&hdev->refcount);
	mutex_lock(&hdev->mask_mutex);
	spin_lock_irqsave(&hdev->event_lock, flags);
	list_add_tail(&s->node, &hdev->sessions);
	spin_unlock_irqrestore(&hdev->event_lock, flags);
	mutex_unlock(&hdev->mask_mutex);
	return s;
}

void hvmlink_session_close(struct hvmlink_session *s)
{
	struct hvmlink_dev *hdev = s->hdev;
	unsigned long flags;

	mutex_lock(&hdev->mask_mutex);
	spin_lock_irqsave(&hdev->event_lock, flags);
	list_del(&s->node);
	spin_unlock_irqrestore(&hdev->event_lock, flags);
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
	unsigned long flags;
	__poll_t mask = 0;

	spin_lock_irqsave(&hdev->event_lock, flags);
	if (s->pending)
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock_irqrestore(&hdev->event_lock, flags);
	if (READ_ONCE(hdev->removed))
		mask |= EPOLLHUP | EPOLLERR;
	return mask;
}

/*
 * Wait condition: take the wanted events if any are there.  Taking them
 * inside the condition means a wake-up can never be lost between the
 * check and the clear.
 */
static bool hvmlink_wait_done(struct hvmlink_session *s, u32 mask, u32 gen,
			      u32 *events, bool *cancelled)
{
	struct hvmlink_dev *hdev = s->hdev;
	unsigned long flags;

	spin_lock_irqsave(&hdev->event_lock, flags);
	*events = s->pending & mask;
	s->pending &= ~*events;
	*cancelled = s->cancel_gen != gen;
	spin_unlock_irqrestore(&hdev->event_lock, flags);
	return *events || *cancelled || READ_ONCE(hdev->removed);
}

static int hvmlink_ioctl_wait_events(struct hvmlink_session *s,
				     void __user *arg)
{
	struct hvmlink_dev *hdev = s->hdev;
	struct hvmlink_ioctl_wait_events w;
	bool cancelled = false;
	u32 events = 0, gen;
	unsigned long flags;
	long timeout, left;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if (!w.mask || (w.mask & ~HVMLINK_EVENT_VALID_MASK) || w.padding)
		return -EINVAL;

	spin_lock_irqsave(&hdev->event_lock, flags);
	gen = s->cancel_gen;
	spin_unlock_irqrestore(&hdev->event_lock, flags);

	if (w.timeout_ms == 0) {
		hvmlink_wait_done(s, w.mask, gen, &events, &cancelled);
	} else {
		timeout = w.timeout_ms == HVMLINK_WAIT_FOREVER ?
			MAX_SCHEDULE_TIMEOUT : msecs_to_jiffies(w.timeout_ms);
#define WAIT_DONE hvmlink_wait_done(s, w.mask, gen, &events, &cancelled)
		left = wait_event_interruptible_timeout(hdev->event_wq,
							WAIT_DONE, timeout);
#undef WAIT_DONE
		if (left < 0)
			return -EINTR;
	}

	if (!events) {
		if (cancelled)
			return -ECANCELED;
		if (READ_ONCE(hdev->removed))
			return -ENODEV;
		return -ETIMEDOUT;
	}
	w.events = events;
	if (copy_to_user(arg, &w, sizeof(w))) {
		/* Do not lose them: give them back to the session. */
		spin_lock_irqsave(&hdev->event_lock, flags);
		s->pending |= events & s->filter;
		spin_unlock_irqrestore(&hdev->event_lock, flags);
		return -EFAULT;
	}
	return 0;
}

static int hvmlink_ioctl_cancel_waits(struct hvmlink_session *s)
{
	struct hvmlink_dev *hdev = s->hdev;
	unsigned long flags;

	spin_lock_irqsave(&hdev->event_lock, flags);
	s->cancel_gen++;
	spin_unlock_irqrestore(&hdev->event_lock, flags);
	wake_up_all(&hdev->event_wq);
	return 0;
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
	/* Capabilities are what the host sees of the guest: as REPORT_*. */
	if (caps && (m.or_mask | m.not_mask) && !capable(CAP_SYS_ADMIN))
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

static int hvmlink_ioctl_version(struct hvmlink_session *s, void __user *arg)
{
	struct hvmlink_dev *hdev = s->hdev;
	struct hvmlink_ioctl_version v;

	memset(&v, 0, sizeof(v));
	v.interface_version = HVMLINK_IOCTL_INTERFACE_VERSION;
	v.driver_version = HVMLINK_DRIVER_VERSION;
	mutex_lock(&hdev->mask_mutex);
	v.protocol_version = hdev->host_protocol_version;
	v.host_major = hdev->host_major;
	v.host_minor = hdev->host_minor;
	v.host_build = hdev->host_build;
	v.irq_type = hdev->irq_type;
	v.host_features = hdev->host_features;
	mutex_unlock(&hdev->mask_mutex);
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int hvmlink_ioctl_request(struct hvmlink_session *s, void __user *arg)
{
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

	/* Copied in once; every check below looks at the private copy. */
	hdr = memdup_user(ubuf, r.size);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);

	ret = -EINVAL;
	if (hdr->size != r.size || hdr->version != HVMLINK_REQUEST_VERSION ||
	    hdr->reserved1 || hdr->reserved2 ||
	    hvmlink_req_size(hdr->type) != r.size)
		goto out;
	switch (hvmlink_req_access(hdr->type)) {
	case HVMLINK_REQ_ACCESS_ANY:
		break;
	case HVMLINK_REQ_ACCESS_ADMIN:
		ret = -EPERM;
		if (!capable(CAP_SYS_ADMIN))
			goto out;
		break;
	default:
		/* Unknown, or owned by the driver (session ioctls). */
		goto out;
	}

	ret = hvmlink_req_submit(s->hdev, hdr);
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
