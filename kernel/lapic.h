/*
 * Local APIC: end-of-interrupt and the one-shot timer that drives tether's
 * tickless clock events.  The legacy 8259 PICs are remapped and masked.
 */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#include <stdint.h>

/* Enable the LAPIC, mask the 8259s.  Boot, once, interrupts off. */
void lapic_init(void);

/* Acknowledge the interrupt being handled.  Interrupt context. */
void lapic_eoi(void);

/* Fire VEC_TIMER once after `count` timer ticks (0 stops it).  Irqs off. */
void lapic_timer_arm(uint32_t count);

/* Remaining ticks of the current one-shot count. */
uint32_t lapic_timer_current(void);

/* Base address of the LAPIC registers, for the page tables. */
uintptr_t lapic_base(void);

#endif
