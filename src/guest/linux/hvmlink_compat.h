/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvmlink guest driver: the kernel interfaces that were renamed between
 * the oldest kernel the module builds for (6.1, Debian 12) and current
 * ones.  The code uses the current names; this maps them back.
 */
#ifndef HVMLINK_COMPAT_H
#define HVMLINK_COMPAT_H

#include <linux/pci.h>

/* 6.8 renamed PCI_IRQ_LEGACY to PCI_IRQ_INTX; 6.12 dropped the old name. */
#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX	PCI_IRQ_LEGACY
#endif

#endif /* HVMLINK_COMPAT_H */
