/*
 * Interrupt and exception entry stubs.  Each vector pushes a dummy error code
 * when the CPU does not, then its vector number, then jumps to a common path
 * that saves the general registers as struct trap_frame and calls
 * trap_dispatch().  Returning restores everything and irets, possibly on a
 * different thread's stack if the dispatcher preempted.
 */
	.text
	.code64

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.macro VEC v
	.balign 16
isr_\v:
	.if HAS_ERR(\v)
	.else
	pushq	$0
	.endif
	pushq	$\v
	jmp	isr_common
	.endm

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	/* A frame link so backtraces walk from the handler into the interrupted code. */
	movq	16*8+8(%rsp), %rax       /* rip */
	pushq	%rax
	pushq	%rbp
	movq	%rsp, %rbp
	call	trap_dispatch
	addq	$16, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.altmacro
	.set i, 0
	.rept 256
	VEC %i
	.set i, i + 1
	.endr

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.macro ENTRY v
	.quad isr_\v
	.endm
	.set i, 0
	.rept 256
	ENTRY %i
	.set i, i + 1
	.endr
