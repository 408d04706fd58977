/*
 * printf-style formatting into a caller's buffer, for the kernel console.
 *
 * The kernel cannot use the C library's printf (it may allocate, take locks
 * or touch FPU state), so this is a small self-contained replacement.
 *
 * Contract:
 *  - The caller owns buf; at most size bytes are written, and when size > 0
 *    the result is always NUL-terminated (truncated if need be).  buf may be
 *    NULL when size is 0, to measure.
 *  - Returns the length the full output would have had, not counting the NUL
 *    (C99 snprintf semantics), so a return value >= size means truncation.
 *    Returns -EOVERFLOW if that length would not fit in an int.
 *  - Callable from any context, interrupts included: no locks, no global
 *    state, no allocation, no floating point, bounded stack.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, with flags '-' '0' '+' ' ' '#',
 * a field width and a precision (either may be '*'), and the length modifiers
 * hh h l ll z j t.  %p prints lowercase hex with a "0x" prefix (NULL is
 * "0x0").  %s of NULL prints "(null)".  Anything else -- floating point
 * conversions, %n, a conversion cut short by the end of the string -- is
 * copied to the output verbatim (e.g. "%f" prints "%f") and consumes no
 * argument.
 */
#ifndef KERNEL_FMT_H
#define KERNEL_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
