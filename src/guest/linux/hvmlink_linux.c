// SPDX-License-Identifier: GPL-2.0
/*
 * hvmlink guest driver: Linux glue.  PCI probe/remove, interrupt wiring,
 * power management and the two misc devices, /dev/hvmlink (admin) and
 * /dev/hvmlink-user (user); all logic lives in hvmlink_core.c.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pm.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "hvmlink_compat.h"
#include "hvmlink_core.h"

/* What one bound PCI function owns besides the core's state. */
struct hvmlink_pci {
	struct pci_dev *pdev;
	struct hvmlink_dev *hdev;
	struct miscdevice misc_admin;	/* /dev/hvmlink */
	struct miscdevice misc_user;	/* /dev/hvmlink-user */
};

/* One device per VM: the node names are fixed. */
static atomic_t hvmlink_bound = ATOMIC_INIT(0);

/*
 * misc_open() has put our miscdevice in file->private_data and holds
 * misc_mtx while it calls us, so remove cannot deregister the node (and
 * drop the core's probe reference) before the session holds its own.
 */
static int hvmlink_open_session(struct file *file, struct hvmlink_dev *hdev,
				bool admin)
{
	struct hvmlink_session *session;

	session = hvmlink_session_open(hdev, admin);
	if (!session)
		return -ENOMEM;
	file->private_data = session;
	return stream_open(file_inode(file), file);
}

static int hvmlink_open_admin(struct inode *inode, struct file *file)
{
	struct hvmlink_pci *hp = container_of(file->private_data,
					      struct hvmlink_pci, misc_admin);

	/* The opener's credentials decide, once; never the ioctl caller's. */
	return hvmlink_open_session(file, hp->hdev,
				    file_ns_capable(file, &init_user_ns,
						    CAP_SYS_ADMIN));
}

static int hvmlink_open_user(struct inode *inode, struct file *file)
{
	struct hvmlink_pci *hp = container_of(file->private_data,
					      struct hvmlink_pci, misc_user);

	return hvmlink_open_session(file, hp->hdev, false);
}

static int hvmlink_release(struct inode *inode, struct file *file)
{
	hvmlink_session_close(file->private_data);
	return 0;
}

static long hvmlink_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return hvmlink_session_ioctl(file->private_data, cmd,
				     (void __user *)arg);
}

static __poll_t hvmlink_poll(struct file *file, poll_table *wait)
{
	struct hvmlink_session *session = file->private_data;

	poll_wait(file, &session->hdev->event_wq, wait);
	return hvmlink_session_poll_mask(session);
}

/*
 * No .llseek: stream_open() makes lseek fail with ESPIPE.  Every ioctl
 * struct has the same layout for 32-bit callers.
 */
static const struct file_operations hvmlink_admin_fops = {
	.owner		= THIS_MODULE,
	.open		= hvmlink_open_admin,
	.release	= hvmlink_release,
	.unlocked_ioctl	= hvmlink_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= hvmlink_poll,
};

static const struct file_operations hvmlink_user_fops = {
	.owner		= THIS_MODULE,
	.open		= hvmlink_open_user,
	.release	= hvmlink_release,
	.unlocked_ioctl	= hvmlink_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= hvmlink_poll,
};

/*
 * INTx, possibly shared: ours only if Status.Interrupt says so.  Masked at
 * the device (Command.INTx-disable, PCI 2.3) so the line drops for every
 * sharer until the thread has acknowledged: no IRQF_ONESHOT, which all
 * sharers of a line would have to agree on.
 */
static irqreturn_t hvmlink_intx_check(int irq, void *data)
{
	struct hvmlink_dev *hdev = data;

	if (!pci_check_and_mask_intx(to_pci_dev(hdev->dev)))
		return IRQ_NONE;
	return IRQ_WAKE_THREAD;
}

static bool hvmlink_intx_unmask(struct hvmlink_dev *hdev)
{
	return pci_check_and_unmask_intx(to_pci_dev(hdev->dev));
}

static const struct hvmlink_bus_ops hvmlink_intx_ops = {
	.irq_unmask	= hvmlink_intx_unmask,
};

/* MSI is never shared and not re-sent until acknowledged: nothing to mask. */
static const struct hvmlink_bus_ops hvmlink_msi_ops = {
};

static int hvmlink_request_irq(struct pci_dev *pdev, struct hvmlink_dev *hdev)
{
	unsigned int irq;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	irq = pci_irq_vector(pdev, 0);
	if (pdev->msi_enabled) {
		hvmlink_core_set_irq(hdev, HVMLINK_IRQ_MSI, &hvmlink_msi_ops);
		ret = request_threaded_irq(irq, NULL, hvmlink_core_irq_thread,
					   IRQF_ONESHOT, KBUILD_MODNAME, hdev);
	} else if (!pci_intx_mask_supported(pdev)) {
		/* The hard handler could not silence a level interrupt. */
		dev_err(&pdev->dev, "INTx masking (PCI 2.3) not supported\n");
		ret = -ENODEV;
	} else {
		hvmlink_core_set_irq(hdev, HVMLINK_IRQ_INTX, &hvmlink_intx_ops);
		ret = request_threaded_irq(irq, hvmlink_intx_check,
					   hvmlink_core_irq_thread, IRQF_SHARED,
					   KBUILD_MODNAME, hdev);
		/* A failed ACK of an earlier driver may have left it masked. */
		if (!ret)
			pci_intx(pdev, 1);
	}
	if (ret)
		pci_free_irq_vectors(pdev);
	return ret;
}

static void hvmlink_free_irq(struct pci_dev *pdev, struct hvmlink_dev *hdev)
{
	free_irq(pci_irq_vector(pdev, 0), hdev);
	pci_free_irq_vectors(pdev);
}

static bool hvmlink_bars_ok(struct pci_dev *pdev)
{
	return (pci_resource_flags(pdev, 0) & IORESOURCE_IO) &&
	       pci_resource_len(pdev, 0) >= HVMLINK_BAR0_SIZE &&
	       (pci_resource_flags(pdev, 1) & IORESOURCE_MEM) &&
	       pci_resource_len(pdev, 1) >= HVMLINK_BAR1_SIZE;
}

static int hvmlink_register_nodes(struct hvmlink_pci *hp)
{
	int ret;

	hp->misc_admin.minor = MISC_DYNAMIC_MINOR;
	hp->misc_admin.name = "hvmlink";
	hp->misc_admin.fops = &hvmlink_admin_fops;
	hp->misc_admin.parent = &hp->pdev->dev;
	/* Every request the uapi allows: root only. */
	hp->misc_admin.mode = 0600;

	hp->misc_user.minor = MISC_DYNAMIC_MINOR;
	hp->misc_user.name = "hvmlink-user";
	hp->misc_user.fops = &hvmlink_user_fops;
	hp->misc_user.parent = &hp->pdev->dev;
	/* udev (60-hvmlink.rules) adds group hvmlink and the seat's user. */
	hp->misc_user.mode = 0660;

	ret = misc_register(&hp->misc_admin);
	if (ret)
		return ret;
	ret = misc_register(&hp->misc_user);
	if (ret)
		misc_deregister(&hp->misc_admin);
	return ret;
}

static void hvmlink_unmap(struct pci_dev *pdev, struct hvmlink_pci *hp)
{
	pci_iounmap(pdev, hp->hdev->status);
	pci_iounmap(pdev, hp->hdev->io);
}

/*
 * Start-up sequence of docs/protocol.md: bus mastering off and on (a new
 * session on the device), version checks and GET_HOST_VERSION, the
 * interrupt, then REPORT_GUEST_INFO, REPORT_FACILITY, capabilities and the
 * filter (events already pending raise the interrupt at once); the nodes
 * come last.
 */
static int hvmlink_pci_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	void __iomem *io, *status;
	struct hvmlink_dev *hdev;
	struct hvmlink_pci *hp;
	int ret;

	if (atomic_cmpxchg(&hvmlink_bound, 0, 1)) {
		dev_err(&pdev->dev, "only one hvmlink device is supported\n");
		return -EBUSY;
	}
	ret = -ENOMEM;
	hp = devm_kzalloc(&pdev->dev, sizeof(*hp), GFP_KERNEL);
	if (!hp)
		goto err_unbound;
	hp->pdev = pdev;

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_unbound;
	ret = -ENODEV;
	if (!hvmlink_bars_ok(pdev)) {
		dev_err(&pdev->dev, "unexpected BAR layout\n");
		goto err_disable;
	}
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	/* Requests live in one coherent buffer that must be below 4 GiB. */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret)
		goto err_release;
	ret = -ENOMEM;
	io = pci_iomap(pdev, 0, 0);
	status = pci_iomap(pdev, 1, 0);
	if (!io || !status)
		goto err_unmap_bars;
	/*
	 * The device reads and writes requests in guest memory.  Bus master
	 * off then on: a session left by an earlier kernel (kexec) is reset.
	 */
	pci_clear_master(pdev);
	pci_set_master(pdev);

	/* Not devm: open sessions may outlive the PCI device. */
	hdev = kzalloc(sizeof(*hdev), GFP_KERNEL);
	if (!hdev)
		goto err_clear_master;
	ret = hvmlink_core_init(hdev, &pdev->dev, io, status);
	if (ret) {
		kfree(hdev);
		goto err_clear_master;
	}
	hp->hdev = hdev;

	ret = hvmlink_request_irq(pdev, hdev);
	if (ret)
		goto err_remove;
	ret = hvmlink_core_start(hdev);
	if (ret)
		goto err_stop;

	pci_set_drvdata(pdev, hp);
	ret = hvmlink_register_nodes(hp);
	if (ret)
		goto err_drvdata;
	dev_info(&pdev->dev, "ready, %s interrupt %u\n",
		 pdev->msi_enabled ? "MSI" : "INTx", pci_irq_vector(pdev, 0));
	return 0;

err_drvdata:
	pci_set_drvdata(pdev, NULL);
err_stop:
	hvmlink_core_stop(hdev);
	hvmlink_free_irq(pdev, hdev);
err_remove:
	pci_clear_master(pdev);
	hvmlink_unmap(pdev, hp);
	hvmlink_core_remove(hdev);
	goto err_release;
err_clear_master:
	pci_clear_master(pdev);
err_unmap_bars:
	if (status)
		pci_iounmap(pdev, status);
	if (io)
		pci_iounmap(pdev, io);
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_unbound:
	atomic_set(&hvmlink_bound, 0);
	return ret;
}

/*
 * Unbind or unload.  Open sessions keep the core's state (refcounted) and
 * get ENODEV; the nodes go first so no new session can start.  Disabling
 * the device clears Bus Master Enable, which resets the device's guest
 * session (docs/protocol.md): the next driver starts clean.
 */
static void hvmlink_pci_remove(struct pci_dev *pdev)
{
	struct hvmlink_pci *hp = pci_get_drvdata(pdev);
	struct hvmlink_dev *hdev = hp->hdev;

	misc_deregister(&hp->misc_user);
	misc_deregister(&hp->misc_admin);
	hvmlink_core_stop(hdev);
	hvmlink_free_irq(pdev, hdev);
	pci_clear_master(pdev);
	hvmlink_unmap(pdev, hp);
	hvmlink_core_remove(hdev);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	atomic_set(&hvmlink_bound, 0);
}

/*
 * Power-off, reboot and kexec: report the driver gone and reset the
 * device's session (bus mastering off) so nothing of this guest lingers
 * on the host, and a kexec'd kernel finds a clean device.
 */
static void hvmlink_pci_shutdown(struct pci_dev *pdev)
{
	struct hvmlink_pci *hp = pci_get_drvdata(pdev);

	if (!hp)
		return;
	hvmlink_core_stop(hp->hdev);
	hvmlink_core_suspend(hp->hdev);
	pci_clear_master(pdev);
}

/* suspend, freeze (hibernation, Xen save) and poweroff: quiesce. */
static int hvmlink_pm_quiesce(struct device *dev)
{
	struct hvmlink_pci *hp = dev_get_drvdata(dev);

	hvmlink_core_suspend(hp->hdev);
	return 0;
}

/*
 * resume, thaw and restore: the device model may be a new process after a
 * Xen restore or migration (or hibernation's fresh boot): re-send guest
 * info, filter and capabilities.
 */
static int hvmlink_pm_restore(struct device *dev)
{
	struct hvmlink_pci *hp = dev_get_drvdata(dev);

	return hvmlink_core_resume(hp->hdev);
}

static DEFINE_SIMPLE_DEV_PM_OPS(hvmlink_pm_ops, hvmlink_pm_quiesce,
				hvmlink_pm_restore);

static const struct pci_device_id hvmlink_pci_ids[] = {
	{ PCI_DEVICE(HVMLINK_PCI_VENDOR_ID, HVMLINK_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hvmlink_pci_ids);

static struct pci_driver hvmlink_pci_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= hvmlink_pci_ids,
	.probe		= hvmlink_pci_probe,
	.remove		= hvmlink_pci_remove,
	.shutdown	= hvmlink_pci_shutdown,
	.driver.pm	= pm_sleep_ptr(&hvmlink_pm_ops),
};
module_pci_driver(hvmlink_pci_driver);

MODULE_AUTHOR("hvmlink developers");
MODULE_DESCRIPTION("hvmlink Xen HVM guest communication device");
MODULE_LICENSE("GPL");
