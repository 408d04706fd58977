/*
 * Stack switch between threads.  Only the callee-saved registers are saved:
 * the C caller (schedule) has already spilled everything else, and the FPU
 * state is handled there with fxsave/fxrstor.
 */
	.text
	.code64

/* void thread_switch_stacks(uint64_t *save_rsp, uint64_t new_rsp) */
	.globl thread_switch_stacks
thread_switch_stacks:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* First code a new thread runs: its first "return" from thread_switch_stacks lands here. */
	.globl thread_entry_asm
thread_entry_asm:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	thread_start
	ud2
