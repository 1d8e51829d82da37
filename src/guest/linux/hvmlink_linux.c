// SPDX-License-Identifier: GPL-2.0
/*
 * hvmlink guest driver: Linux glue.  PCI probe/remove, interrupt wiring,
 * power management and the /dev/hvmlink misc device; all logic lives in
 * hvmlink_core.c.
 */

#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pm.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "hvmlink_core.h"

/*
 * One device per VM: a single /dev/hvmlink.  The mutex orders open()
 * against probe/remove; it is never held across misc_register() or
 * misc_deregister() (see probe).
 */
static DEFINE_MUTEX(hvmlink_dev_mutex);
static struct hvmlink_dev *hvmlink_the_dev;

static int hvmlink_open(struct inode *inode, struct file *file)
{
	struct hvmlink_session *session = NULL;
	int ret = -ENODEV;

	mutex_lock(&hvmlink_dev_mutex);
	if (hvmlink_the_dev) {
		session = hvmlink_session_open(hvmlink_the_dev);
		ret = session ? 0 : -ENOMEM;
	}
	mutex_unlock(&hvmlink_dev_mutex);
	if (ret)
		return ret;
	file->private_data = session;
	return stream_open(inode, file);
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

static const struct file_operations hvmlink_fops = {
	.owner		= THIS_MODULE,
	.open		= hvmlink_open,
	.release	= hvmlink_release,
	.unlocked_ioctl	= hvmlink_ioctl,
	/* Every ioctl struct has the same layout for 32-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= hvmlink_poll,
	.llseek		= no_llseek,
};

static struct miscdevice hvmlink_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "hvmlink",
	.fops	= &hvmlink_fops,
	/* Read-only requests are harmless, the rest check CAP_SYS_ADMIN. */
	.mode	= 0600,
};

static bool hvmlink_bars_ok(struct pci_dev *pdev)
{
	return (pci_resource_flags(pdev, 0) & IORESOURCE_IO) &&
	       pci_resource_len(pdev, 0) >= HVMLINK_BAR0_SIZE &&
	       (pci_resource_flags(pdev, 1) & IORESOURCE_MEM) &&
	       pci_resource_len(pdev, 1) >= HVMLINK_BAR1_SIZE;
}

static int hvmlink_pci_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct hvmlink_dev *hdev;
	void __iomem * const *bars;
	unsigned int irq;
	int ret;

	mutex_lock(&hvmlink_dev_mutex);
	ret = -EBUSY;
	if (hvmlink_the_dev) {
		dev_err(&pdev->dev, "only one hvmlink device is supported\n");
		goto err_unlock;
	}

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_unlock;
	ret = -ENODEV;
	if (!hvmlink_bars_ok(pdev)) {
		dev_err(&pdev->dev, "unexpected BAR layout\n");
		goto err_unlock;
	}
	ret = pcim_iomap_regions(pdev, BIT(0) | BIT(1), KBUILD_MODNAME);
	if (ret)
		goto err_unlock;
	bars = pcim_iomap_table(pdev);
	/* The device reads and writes requests in guest memory. */
	pci_set_master(pdev);

	/* Not devm: open sessions may outlive the PCI device. */
	ret = -ENOMEM;
	hdev = kzalloc(sizeof(*hdev), GFP_KERNEL);
	if (!hdev)
		goto err_unlock;
	ret = hvmlink_core_init(hdev, &pdev->dev, bars[0], bars[1]);
	if (ret) {
		kfree(hdev);
		goto err_unlock;
	}

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_LEGACY);
	if (ret < 0)
		goto err_put;
	hdev->irq_type = pdev->msi_enabled ? HVMLINK_IRQ_MSI : HVMLINK_IRQ_INTX;
	irq = pci_irq_vector(pdev, 0);
	ret = request_irq(irq, hvmlink_core_isr,
			  pdev->msi_enabled ? 0 : IRQF_SHARED,
			  KBUILD_MODNAME, hdev);
	if (ret)
		goto err_free_vectors;

	ret = hvmlink_core_start(hdev);
	if (ret)
		goto err_stop;

	pci_set_drvdata(pdev, hdev);
	hvmlink_the_dev = hdev;
	/*
	 * misc_open() calls hvmlink_open() with misc_mtx held, and that takes
	 * hvmlink_dev_mutex: never enter the misc core holding it (ABBA).
	 * hvmlink_the_dev, already set, keeps a second probe out meanwhile.
	 */
	mutex_unlock(&hvmlink_dev_mutex);
	ret = misc_register(&hvmlink_misc);
	if (ret) {
		mutex_lock(&hvmlink_dev_mutex);
		goto err_clear;
	}
	dev_info(&pdev->dev, "ready, %s interrupt %u\n",
		 pdev->msi_enabled ? "MSI" : "INTx", irq);
	return 0;

err_clear:
	hvmlink_the_dev = NULL;
	pci_set_drvdata(pdev, NULL);
err_stop:
	hvmlink_core_stop(hdev);
	free_irq(irq, hdev);
err_free_vectors:
	pci_free_irq_vectors(pdev);
err_put:
	hvmlink_core_remove(hdev);
err_unlock:
	mutex_unlock(&hvmlink_dev_mutex);
	return ret;
}

static void hvmlink_pci_remove(struct pci_dev *pdev)
{
	struct hvmlink_dev *hdev = pci_get_drvdata(pdev);

	/*
	 * Outside hvmlink_dev_mutex: misc_deregister() takes misc_mtx, which
	 * an open() in flight holds while it waits for hvmlink_dev_mutex.
	 * Such an open still gets a session; it sees ENODEV from here on.
	 * hvmlink_the_dev is cleared last so no probe can register the misc
	 * device again before it is gone.
	 */
	misc_deregister(&hvmlink_misc);
	mutex_lock(&hvmlink_dev_mutex);
	hvmlink_the_dev = NULL;
	mutex_unlock(&hvmlink_dev_mutex);

	/* Mask the device before freeing the interrupt it raises. */
	hvmlink_core_stop(hdev);
	free_irq(pci_irq_vector(pdev, 0), hdev);
	pci_free_irq_vectors(pdev);
	hvmlink_core_remove(hdev);
}

/*
 * After resume the device model may be a new process (save/restore,
 * migration) that knows nothing of this guest: tell it again.
 */
static int hvmlink_pci_resume(struct device *dev)
{
	hvmlink_core_restore(dev_get_drvdata(dev));
	return 0;
}

static DEFINE_SIMPLE_DEV_PM_OPS(hvmlink_pm_ops, NULL, hvmlink_pci_resume);

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
	.driver.pm	= pm_sleep_ptr(&hvmlink_pm_ops),
};
module_pci_driver(hvmlink_pci_driver);

MODULE_AUTHOR("hvmlink developers");
MODULE_DESCRIPTION("hvmlink Xen HVM guest communication device");
MODULE_LICENSE("GPL");
