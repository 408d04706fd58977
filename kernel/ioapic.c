/*
 * IO-APIC driver: just enough to route PCI INTx lines.  The registers are
 * reached through an index/data window; each input has a 64-bit redirection
 * entry at index 0x10 + 2 * gsi.
 */
#include <errno.h>

#include "kernel/ioapic.h"
#include "kernel/console.h"
#include "kernel/cpu.h"

#define IOAPIC_BASE 0xFEC00000UL
#define IOREGSEL    0x00
#define IOWIN       0x10

#define IOAPIC_REG_ID  0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDTBL  0x10

#define RTE_POLARITY_LOW (1u << 13)
#define RTE_TRIGGER_LVL  (1u << 15)
#define RTE_MASKED       (1u << 16)

static volatile uint32_t *const regs = (volatile uint32_t *)IOAPIC_BASE;
static unsigned ninputs;

static uint32_t rd(unsigned reg)
{
	regs[IOREGSEL / 4] = reg;
	return regs[IOWIN / 4];
}

static void wr(unsigned reg, uint32_t v)
{
	regs[IOREGSEL / 4] = reg;
	regs[IOWIN / 4] = v;
}

void ioapic_init(void)
{
	if (ninputs)
		return;
	uint64_t fl = irq_save();
	ninputs = ((rd(IOAPIC_REG_VER) >> 16) & 0xFF) + 1;
	for (unsigned i = 0; i < ninputs; i++) {
		wr(IOAPIC_REDTBL + 2 * i, RTE_MASKED);
		wr(IOAPIC_REDTBL + 2 * i + 1, 0);
	}
	irq_restore(fl);
	pr_info("ioapic: id %u at %#lx, %u inputs\n", (rd(IOAPIC_REG_ID) >> 24) & 0xF, IOAPIC_BASE,
	        ninputs);
}

int ioapic_route(unsigned gsi, unsigned vector, unsigned flags)
{
	if (gsi >= ninputs || vector < 0x10 || vector > 0xFE)
		return -EINVAL;
	uint32_t lo = vector;
	if (flags & IOAPIC_LEVEL)
		lo |= RTE_TRIGGER_LVL;
	if (flags & IOAPIC_ACTIVE_LOW)
		lo |= RTE_POLARITY_LOW;
	uint64_t fl = irq_save();
	/* Destination first (APIC ID 0, physical mode), then unmask by writing the low half. */
	wr(IOAPIC_REDTBL + 2 * gsi + 1, 0);
	wr(IOAPIC_REDTBL + 2 * gsi, lo);
	irq_restore(fl);
	return 0;
}

void ioapic_mask(unsigned gsi, bool masked)
{
	if (gsi >= ninputs)
		return;
	uint64_t fl = irq_save();
	uint32_t lo = rd(IOAPIC_REDTBL + 2 * gsi);
	wr(IOAPIC_REDTBL + 2 * gsi, masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	irq_restore(fl);
}
