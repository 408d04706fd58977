/*
 * CPU exceptions and interrupt dispatch.
 *
 * Every vector enters through kernel/isr.S, which saves the general registers
 * in a struct trap_frame on the current stack and calls trap_dispatch().
 * Exceptions that nobody claims print a register dump and a backtrace on
 * COM1 and exit with TETHER_EXIT_PANIC.  Device interrupts go to handlers
 * registered with irq_register(); they run with interrupts disabled and must
 * not sleep, allocate from a general heap, or call libc.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VEC_TIMER    0x20 /* LAPIC timer */
#define VEC_DEV_BASE 0x30 /* first vector handed to devices */
#define VEC_DEV_LAST 0xEF
#define VEC_SPURIOUS 0xFF

typedef void (*irq_handler_fn)(void *arg);

/* Fill and load the IDT.  Boot, once, before interrupts are enabled. */
void trap_init(void);

/*
 * Claim a free device vector and attach handler to it.  Returns the vector
 * (VEC_DEV_BASE..VEC_DEV_LAST) or -ENOSPC.  Thread context, at init.
 */
int irq_alloc(irq_handler_fn handler, void *arg);

/* Attach handler to a fixed vector (the timer).  Boot, once. */
void irq_set_handler(unsigned vector, irq_handler_fn handler, void *arg);

/*
 * Print a register dump and a backtrace starting at frame f (or at the
 * caller when f is NULL) to the console.  Any context.
 */
void trap_dump(const struct trap_frame *f, const char *why);

/* Walk the frame-pointer chain from rbp and print up to max entries. */
void trap_backtrace(uint64_t rip, uint64_t rbp);

/*
 * Page-fault hook: called for a #PF before it is treated as fatal.  Returns
 * 0 when the fault was resolved and the instruction should be retried.  It
 * runs in the faulting thread's context with interrupts disabled and may
 * sleep.  Set by mm; see mm_set_fault_hook().
 */
typedef int (*trap_pf_hook_fn)(uintptr_t addr, uint64_t error, struct trap_frame *f);
void trap_set_pf_hook(trap_pf_hook_fn hook);

/* Number of interrupts taken on each vector, for statistics. */
uint64_t trap_irq_count(unsigned vector);

#endif
