/*
 * Boot-time CPU tables: our own GDT with a 64-bit TSS whose IST entries give
 * the double-fault, NMI and machine-check handlers stacks of their own, so a
 * blown thread stack can still be reported.
 */
#include <stdint.h>

#include "config.h"
#include "kernel/cpu.h"
#include "kernel/trap.h"

struct tss {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __attribute__((packed));

static struct tss tss __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t gdt[5] __attribute__((aligned(16)));

void cpu_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	for (int i = 0; i < 3; i++)
		tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);

	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFULL; /* 64-bit code, ring 0 */
	gdt[2] = 0x00CF92000000FFFFULL; /* data */
	gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
	         (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = {sizeof(gdt) - 1, (uint64_t)gdt};
	__asm__ volatile("lgdt %0\n\t"
	                 "pushq %1\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "movw %2, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 "ltr %w3"
	                 :
	                 : "m"(gdtr), "i"((uint64_t)KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL)
	                 : "rax", "memory");
}

uintptr_t cpu_ist_stack_base(int i);
uintptr_t cpu_ist_stack_base(int i)
{
	return (uintptr_t)ist_stacks[i];
}

void cpu_stop(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}
