/*
 * Kernel symbol table for backtraces.  The build links tether twice: the
 * second link embeds a table of function addresses and names produced from
 * the first (scripts/ksyms.sh) in section .ksyms, which sits after all code
 * so that embedding it moves no function.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* Find the function containing addr.  0, or -ENOENT.  Any context. */
int ksyms_lookup(uintptr_t addr, const char **name, uintptr_t *offset);

/* Address of a function by name, or 0.  For tests and diagnostics. */
uintptr_t ksyms_addr(const char *name);

#endif
