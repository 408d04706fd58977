/*
 * Exception and interrupt dispatch: the IDT, the fatal-exception report
 * (vector, error code, registers, control registers, backtrace with symbol
 * names), stack-overflow diagnosis through the guard pages, and the device
 * vector table.
 */
#include <errno.h>
#include <stddef.h>

#include "kernel/trap.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/ksyms.h"
#include "kernel/lapic.h"
#include "kernel/panic.h"
#include "kernel/thread.h"

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
extern const uint64_t isr_table[256];

static struct {
	irq_handler_fn fn;
	void *arg;
} handlers[256];
static uint64_t irq_counts[256];
static trap_pf_hook_fn pf_hook;
static int in_fatal;
static uint64_t regs_scratch[16];

static const char *const exc_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 floating point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating point",
    "#VE virtualization",
    "#CP control protection",
};

static void set_gate(unsigned v, uint64_t handler, uint8_t ist)
{
	idt[v] = (struct idt_entry){
	    .off_lo = handler & 0xFFFF,
	    .sel = KERNEL_CS,
	    .ist = ist,
	    .type = 0x8E, /* present, ring 0, 64-bit interrupt gate: IF cleared on entry */
	    .off_mid = (handler >> 16) & 0xFFFF,
	    .off_hi = handler >> 32,
	};
}

void trap_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, isr_table[v], 0);
	/* A double fault usually means the stack is gone (a guard-page hit while
	 * pushing a #PF frame), so it must run on a stack of its own. */
	set_gate(8, isr_table[8], IST_DOUBLE_FAULT);
	set_gate(2, isr_table[2], IST_NMI);
	set_gate(18, isr_table[18], IST_MCE);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

int irq_alloc(irq_handler_fn fn, void *arg)
{
	uint64_t fl = irq_save();
	for (unsigned v = VEC_DEV_BASE; v <= VEC_DEV_LAST; v++) {
		if (!handlers[v].fn) {
			handlers[v].fn = fn;
			handlers[v].arg = arg;
			irq_restore(fl);
			return (int)v;
		}
	}
	irq_restore(fl);
	return -ENOSPC;
}

void irq_set_handler(unsigned vector, irq_handler_fn fn, void *arg)
{
	ASSERT(vector < 256 && !handlers[vector].fn);
	handlers[vector].fn = fn;
	handlers[vector].arg = arg;
}

uint64_t trap_irq_count(unsigned vector)
{
	return vector < 256 ? irq_counts[vector] : 0;
}

void trap_set_pf_hook(trap_pf_hook_fn hook)
{
	pf_hook = hook;
}

static void print_sym(const char *prefix, uint64_t addr)
{
	const char *name;
	uintptr_t off;
	if (ksyms_lookup(addr, &name, &off) == 0)
		con_printf("%s[<%016lx>] %s+0x%lx\n", prefix, addr, name, off);
	else
		con_printf("%s[<%016lx>] ?\n", prefix, addr);
}

/*
 * Frame pointers are only followed while they stay inside the stack they
 * started on, so a corrupt chain ends the trace instead of faulting again.
 */
void trap_backtrace(uint64_t rip, uint64_t rbp)
{
	uintptr_t lo, hi;
	con_printf("Call trace:\n");
	print_sym("  ", rip);
	if (thread_stack_bounds(rbp, &lo, &hi) != 0)
		return;
	uint64_t last = 0, repeats = 0;
	for (int depth = 0; depth < 4096; depth++) {
		if (rbp < lo || rbp + 16 > hi || (rbp & 7))
			break;
		const uint64_t *fp = (const uint64_t *)rbp;
		uint64_t ret = fp[1];
		if (ret == 0)
			break;
		/* Runaway recursion would bury the interesting frames: fold repeats. */
		if (ret == last) {
			repeats++;
		} else {
			if (repeats)
				con_printf("  ... the frame above repeated %lu more times\n",
				           repeats);
			repeats = 0;
			/* The return address points after the call; name the call itself. */
			print_sym("  ", ret - 1);
		}
		last = ret;
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
	if (repeats)
		con_printf("  ... the frame above repeated %lu more times\n", repeats);
}

void trap_dump(const struct trap_frame *f, const char *why)
{
	const struct thread *t = thread_current();
	con_printf("%s in thread '%s'\n", why, t ? t->name : "(boot)");
	struct trap_frame here;
	if (!f) {
		/* No exception frame: capture our own registers, and start the
		 * trace at our caller's frame so the report names where it came from. */
		__asm__ volatile("mov %%rax, 0(%0)\n\t"
		                 "mov %%rbx, 8(%0)\n\t"
		                 "mov %%rcx, 16(%0)\n\t"
		                 "mov %%rdx, 24(%0)\n\t"
		                 "mov %%rsi, 32(%0)\n\t"
		                 "mov %%rdi, 40(%0)\n\t"
		                 "mov %%r8, 48(%0)\n\t"
		                 "mov %%r9, 56(%0)\n\t"
		                 "mov %%r10, 64(%0)\n\t"
		                 "mov %%r11, 72(%0)\n\t"
		                 "mov %%r12, 80(%0)\n\t"
		                 "mov %%r13, 88(%0)\n\t"
		                 "mov %%r14, 96(%0)\n\t"
		                 "mov %%r15, 104(%0)\n\t"
		                 "mov %%rsp, 112(%0)\n\t"
		                 "pushfq\n\t"
		                 "popq 120(%0)"
		                 :
		                 : "r"(&regs_scratch)
		                 : "memory");
		uint64_t *fp = __builtin_frame_address(0);
		here = (struct trap_frame){
		    .rax = regs_scratch[0],
		    .rbx = regs_scratch[1],
		    .rcx = regs_scratch[2],
		    .rdx = regs_scratch[3],
		    .rsi = regs_scratch[4],
		    .rdi = regs_scratch[5],
		    .r8 = regs_scratch[6],
		    .r9 = regs_scratch[7],
		    .r10 = regs_scratch[8],
		    .r11 = regs_scratch[9],
		    .r12 = regs_scratch[10],
		    .r13 = regs_scratch[11],
		    .r14 = regs_scratch[12],
		    .r15 = regs_scratch[13],
		    .rsp = regs_scratch[14],
		    .rflags = regs_scratch[15],
		    .rbp = fp[0],
		    .rip = fp[1] - 1,
		    .cs = KERNEL_CS,
		    .ss = KERNEL_DS,
		};
		f = &here;
	}
	const char *name;
	uintptr_t off;
	if (ksyms_lookup(f->rip, &name, &off) == 0)
		con_printf(" RIP: %04lx:%016lx <%s+0x%lx>  RFLAGS: %016lx\n", f->cs, f->rip, name,
		           off, f->rflags);
	else
		con_printf(" RIP: %04lx:%016lx  RFLAGS: %016lx\n", f->cs, f->rip, f->rflags);
	con_printf(" RSP: %04lx:%016lx  RBP: %016lx\n", f->ss, f->rsp, f->rbp);
	con_printf(" RAX: %016lx RBX: %016lx RCX: %016lx\n", f->rax, f->rbx, f->rcx);
	con_printf(" RDX: %016lx RSI: %016lx RDI: %016lx\n", f->rdx, f->rsi, f->rdi);
	con_printf(" R8:  %016lx R9:  %016lx R10: %016lx\n", f->r8, f->r9, f->r10);
	con_printf(" R11: %016lx R12: %016lx R13: %016lx\n", f->r11, f->r12, f->r13);
	con_printf(" R14: %016lx R15: %016lx\n", f->r14, f->r15);
	con_printf(" CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr0(), read_cr2(),
	           read_cr3(), read_cr4());
	trap_backtrace(f->rip, f->rbp);
}

static void describe_pf(uint64_t cr2, uint64_t err)
{
	con_printf("page fault: %s %s at %016lx (%s)\n",
	           (err & 0x10) ? "instruction fetch"
	           : (err & 2)  ? "write"
	                        : "read",
	           (err & 1) ? "protection violation" : "of an unmapped page", cr2,
	           cr2 < 4096 ? "NULL pointer dereference" : "bad address");
}

static _Noreturn void fatal(struct trap_frame *f)
{
	const char *stack_owner;
	uint64_t cr2 = read_cr2();

	if (in_fatal++) {
		con_printf("fault while reporting a fault (vector %lu at %016lx); stopping\n",
		           f->vector, f->rip);
		panic_exit();
	}
	con_printf("\n");
	/* A guard-page hit is a stack overflow, whether it arrives as #PF or as #DF. */
	if ((f->vector == 14 || f->vector == 8) && thread_guard_owner(cr2, &stack_owner) == 0) {
		con_printf("STACK OVERFLOW: thread '%s' ran off the bottom of its stack into its "
		           "guard page at %016lx\n",
		           stack_owner, cr2 & ~0xFFFUL);
		con_printf("  raise the thread's stack size (config.h) or move big locals off the "
		           "stack\n");
	}
	if (f->vector == 14)
		describe_pf(cr2, f->error);
	con_printf("CPU exception %lu (%s), error code %016lx\n", f->vector,
	           f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "?", f->error);
	/* After a #DF the saved frame's RSP may point into the guard page; the
	 * backtrace bounds check stops the walk there. */
	trap_dump(f, "fatal exception");
	panic_exit();
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	uint64_t v = f->vector;

	if (v < 32) {
		if (v == 14 && pf_hook && pf_hook(read_cr2(), f->error, f) == 0)
			return;
		fatal(f);
	}
	irq_counts[v]++;
	if (v == VEC_SPURIOUS)
		return;
	if (handlers[v].fn)
		handlers[v].fn(handlers[v].arg);
	lapic_eoi();
	/* Preempt only on the way out, after EOI, so the next interrupt can come. */
	thread_irq_exit();
}
