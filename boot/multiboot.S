/*
 * Multiboot v1 entry: the loader (QEMU -kernel, iPXE, GRUB) jumps here in
 * 32-bit protected mode with paging off.  We check for long mode, identity-map
 * the first 4 GiB with 2 MiB pages, enter 64-bit mode and call kmain().
 *
 * The header sets flag bit 16 (the "a.out kludge") so that loaders take the
 * load addresses from the header instead of parsing our ELF64 file, which
 * QEMU and iPXE both refuse.  The ELF64 stays intact for gdb.
 */
#define MB_MAGIC      0x1BADB002
#define MB_FLAGS      ((1 << 1) | (1 << 16)) /* memory map, a.out kludge */
#define BOOT_STACK    16384

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header          /* header_addr */
	.long __image_start      /* load_addr */
	.long __load_end         /* load_end_addr */
	.long __bss_end          /* bss_end_addr */
	.long _start32           /* entry_addr */

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl	$boot_stack_top, %esp
	movl	%eax, %edi           /* Multiboot magic, kept for kmain */
	movl	%ebx, %esi           /* Multiboot info pointer */

	/* Long mode present?  Without it there is nothing we can do but say so. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..3; each PD maps 1 GiB with 2 MiB pages. */
	movl	$boot_pdpt, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pml4
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pdpt(,%ecx,8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax           /* present, writable, 2 MiB */
	movl	%eax, boot_pd(,%ecx,8)
	movl	%ecx, %eax
	shrl	$11, %eax             /* high dword: bits 32+ of ecx<<21 */
	movl	%eax, boot_pd+4(,%ecx,8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$((1 << 5) | (1 << 9) | (1 << 10)), %eax  /* PAE, OSFXSR, OSXMMEXCPT */
	movl	%eax, %cr4
	movl	$0xC0000080, %ecx     /* EFER */
	rdmsr
	orl	$((1 << 8) | (1 << 11)), %eax              /* LME, NXE */
	wrmsr
	movl	%cr0, %eax
	andl	$~(1 << 2), %eax      /* EM off: SSE must work for newlib */
	orl	$((1 << 31) | (1 << 16) | (1 << 5) | (1 << 1)), %eax /* PG, WP, NE, MP */
	movl	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$0x08, $start64

no_long_mode:
	movl	$no_lm_msg, %esi
3:	lodsb
	testb	%al, %al
	jz	4f
	movw	$0x3f8, %dx
	outb	%al, %dx
	jmp	3b
4:	hlt
	jmp	4b

	.code64
start64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	%edi, %edi
	movl	%esi, %esi
	call	kmain
5:	cli
	hlt
	jmp	5b

	.section .rodata
no_lm_msg:
	.asciz "tether: this CPU has no 64-bit long mode; run it on an x86-64 machine (QEMU: qemu-system-x86_64)\r\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF  /* 0x08: 64-bit kernel code */
	.quad 0x00CF92000000FFFF  /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK
boot_stack_top:
