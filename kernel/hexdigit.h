/*
 * The value of one hexadecimal digit, for the parsers that read addresses,
 * CHAP values, LUNs and MACs.  Pure; any context.
 */
#ifndef KERNEL_HEXDIGIT_H
#define KERNEL_HEXDIGIT_H

/* 0..15, or -1 if c is not a hex digit. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
