/*
 * Local APIC driver.  We use the LAPIC timer in one-shot mode, divided by 16,
 * and calibrate it against the TSC in kernel/clock.c; the 8259 PICs are only
 * remapped out of the exception range and masked, since devices go through
 * the IO-APIC or MSI.
 */
#include "kernel/lapic.h"
#include "kernel/cpu.h"
#include "kernel/trap.h"

#define MSR_APIC_BASE  0x1B
#define LAPIC_EOI      0x0B0
#define LAPIC_SVR      0x0F0
#define LAPIC_LVT_TMR  0x320
#define LAPIC_TMR_INIT 0x380
#define LAPIC_TMR_CUR  0x390
#define LAPIC_TMR_DIV  0x3E0

static volatile uint32_t *regs;

static inline void wr(unsigned reg, uint32_t v)
{
	regs[reg / 4] = v;
}
static inline uint32_t rd(unsigned reg)
{
	return regs[reg / 4];
}

uintptr_t lapic_base(void)
{
	return rdmsr(MSR_APIC_BASE) & ~0xFFFULL;
}

void lapic_init(void)
{
	/* 8259s: remap to 0x20..0x2F (out of the exception range), then mask all. */
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, 0x20);
	outb(0xA1, 0x28);
	outb(0x21, 0x04);
	outb(0xA1, 0x02);
	outb(0x21, 0x01);
	outb(0xA1, 0x01);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);

	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1 << 11));
	regs = (volatile uint32_t *)lapic_base();
	wr(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	wr(LAPIC_TMR_DIV, 0x3);       /* divide by 16 */
	wr(LAPIC_LVT_TMR, VEC_TIMER); /* one-shot, unmasked */
	wr(LAPIC_TMR_INIT, 0);
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

void lapic_timer_arm(uint32_t count)
{
	wr(LAPIC_TMR_INIT, count);
}

uint32_t lapic_timer_current(void)
{
	return rd(LAPIC_TMR_CUR);
}
