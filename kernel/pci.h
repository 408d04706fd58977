/*
 * PCI: configuration space through the legacy 0xCF8/0xCFC mechanism, bus
 * enumeration, BARs, capabilities, MSI-X and legacy INTx, and the driver
 * table.
 *
 * Drivers.  A driver declares itself with PCI_DRIVER(); the entries land in
 * the .pcidrv.* sections, which linker.ld gathers between __pcidrv_start and
 * __pcidrv_end.  pci_init() enumerates every bus reachable from bus 0
 * through PCI-PCI bridges and calls the first driver whose ID table matches
 * each function.  A probe runs in thread context, may allocate, and returns
 * 0 (device claimed) or -errno (device left alone, reported).
 *
 * Devices.  The struct pci_dev of every function found lives in a fixed
 * table in this module and stays valid forever; drivers keep a pointer.
 *
 * Interrupts.  MSI-X messages target the boot CPU's LAPIC (ID 0) with fixed
 * delivery and edge trigger.  INTx goes through the IO-APIC (kernel/ioapic.h);
 * the line may be shared, so an INTx handler must check its device's status
 * and return quietly when the device did not interrupt.
 *
 * Context: configuration accesses take no lock and are not atomic against
 * each other; all of this runs from the boot thread or a driver's own open,
 * never from interrupt handlers, except pci_msix_mask() which any context
 * may call.
 */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/trap.h"

#define PCI_MAX_DEVS 32 /* functions remembered by enumeration */

/* Standard configuration registers. */
#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION       0x08
#define PCI_CLASS_PROG     0x09
#define PCI_HEADER_TYPE    0x0E
#define PCI_BAR0           0x10
#define PCI_SECONDARY_BUS  0x19
#define PCI_CAP_PTR        0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D

#define PCI_COMMAND_IO           (1u << 0)
#define PCI_COMMAND_MEMORY       (1u << 1)
#define PCI_COMMAND_MASTER       (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST      (1u << 4)

#define PCI_CAP_ID_MSIX   0x11
#define PCI_CAP_ID_VENDOR 0x09

struct pci_bar {
	uint64_t addr; /* bus address; for IO BARs the port base */
	uint64_t size; /* 0: BAR not implemented */
	bool io;
	bool mem64;
	bool prefetch;
};

struct pci_driver;

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t revision, class, subclass, progif;
	uint8_t irq_line, irq_pin; /* PCI_INTERRUPT_LINE/PIN as firmware left them */
	struct pci_bar bar[6];
	const struct pci_driver *drv; /* the driver that claimed it, or NULL */
	/* MSI-X, valid after pci_msix_enable() */
	uint8_t msix_cap;
	uint16_t msix_entries;
	volatile uint32_t *msix_table;
};

struct pci_id {
	uint16_t vendor, device;
};

struct pci_driver {
	const char *name;
	const struct pci_id *ids; /* terminated by a zero vendor */
	int (*probe)(struct pci_dev *d, const struct pci_id *id);
};

#define PCI_DRIVER(id_, ...)                                                                       \
	static const struct pci_driver pci_driver_##id_                                            \
	    __attribute__((section(".pcidrv." #id_), used, aligned(8))) = {__VA_ARGS__}

/*
 * Enumerate, report each function on the console (Linux style) and probe the
 * drivers.  Needs the partitions, the scheduler and trap_init().  Runs once;
 * later calls return at once (not safe against a concurrent first call:
 * call it from the boot thread before anything else uses the bus).
 * Returns the number of functions found.  Thread context.
 */
unsigned pci_init(void);

/* Functions found by pci_init(), in bus order. */
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned i);

uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* Set bits of PCI_COMMAND (PCI_COMMAND_IO / MEMORY / MASTER). */
void pci_enable(struct pci_dev *d, uint16_t command_bits);

/*
 * Make memory BAR i reachable (uncached, identity mapped) and return its
 * address, or NULL if it is absent, an IO BAR, or cannot be mapped.
 */
volatile void *pci_bar_map(struct pci_dev *d, unsigned i);

/*
 * Offset of the first capability with this ID at or after the capability
 * at offset `after` (0: from the start of the list), or 0 if none.  Loops in
 * a broken list end the walk.
 */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after);

/*
 * Enable MSI-X with every entry masked and INTx off.  Returns the number of
 * table entries, or -ENODEV (no capability) / -ENOMEM (table unmappable).
 */
int pci_msix_enable(struct pci_dev *d);

/* Point entry at vector on the boot CPU and unmask it.  0 or -EINVAL. */
int pci_msix_set(struct pci_dev *d, unsigned entry, unsigned vector);

/* Mask or unmask one entry.  Any context. */
void pci_msix_mask(struct pci_dev *d, unsigned entry, bool masked);

/* Turn MSI-X off again (all entries masked). */
void pci_msix_disable(struct pci_dev *d);

/*
 * Attach fn(arg) to the function's legacy interrupt and route its line to
 * the CPU.  Handlers sharing a line are all called.  Returns the GSI, or
 * -ENODEV (no interrupt pin/line), -ENOSPC (no vector or handler slot).
 */
int pci_intx_attach(struct pci_dev *d, irq_handler_fn fn, void *arg);

#endif
