/*
 * IO-APIC: routes legacy interrupt lines (GSIs) to CPU vectors.
 *
 * tether assumes QEMU's pc machine: one IO-APIC at 0xFEC00000 (inside the
 * uncached 3-4 GiB window) with GSIs 0-23, and, without parsing the ACPI
 * MADT, the identity mapping ISA IRQ n = GSI n for every line that PCI
 * devices use (5, 9, 10, 11 as SeaBIOS assigns them).  Only IRQ 0 has an
 * override (to GSI 2) and tether does not use it.  The caller chooses
 * trigger and polarity; see pci_intx_attach() for what PCI lines need.
 *
 * Context: ioapic_init() once at boot; ioapic_route()/ioapic_mask() from
 * thread context or interrupt handlers (each is one indexed register pair,
 * done with interrupts off).
 */
#ifndef KERNEL_IOAPIC_H
#define KERNEL_IOAPIC_H

#include <stdbool.h>

#define IOAPIC_LEVEL      (1u << 0) /* level-triggered (default edge) */
#define IOAPIC_ACTIVE_LOW (1u << 1) /* active low (default high) */

/* Find the IO-APIC and mask every input.  Idempotent.  Thread context. */
void ioapic_init(void);

/*
 * Deliver gsi to vector on the boot CPU, fixed delivery, unmasked.
 * 0, or -EINVAL when the IO-APIC has no such input.
 */
int ioapic_route(unsigned gsi, unsigned vector, unsigned flags);

/* Mask or unmask one input. */
void ioapic_mask(unsigned gsi, bool masked);

#endif
