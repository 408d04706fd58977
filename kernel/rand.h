/*
 * The node's one pseudo-random source.  It serves values that need variety,
 * not secrecy: TCP ports and ISNs, DHCP xids and CHAP
 * challenges.  There is no entropy device; the state is seeded from the TSC
 * and, in rand_bytes(), stirred with it again on every byte, so two nodes
 * booted together still diverge.
 *
 * Any context, including IRQ handlers: the state update is not atomic, but
 * a lost update only repeats a value, which nothing here depends on.
 */
#ifndef KERNEL_RAND_H
#define KERNEL_RAND_H

#include <stddef.h>
#include <stdint.h>

uint32_t rand_u32(void);
uint64_t rand_u64(void);

/* Fill buf with len bytes, mixing in the TSC on each one. */
void rand_bytes(void *buf, size_t len);

#endif
