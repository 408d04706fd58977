/*
 * lwIP's architecture header for tether: types from newlib, byte order
 * from the compiler, diagnostics on the kernel console, assertions as
 * kernel panics, and random numbers for ports, ISNs and DHCP xids.
 */
#ifndef TETHER_ARCH_CC_H
#define TETHER_ARCH_CC_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/console.h"
#include "kernel/panic.h"

/* newlib has no SSIZE_MAX, and without it lwIP's arch.h typedefs ssize_t
 * as int, clashing with newlib's long. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		con_printf x;                                                                      \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("lwip: %s (%s:%d)", (x), __FILE__, __LINE__)

/* Not cryptographic: a TSC-seeded xorshift (net/net.c).  Net thread. */
#include "kernel/rand.h"
#define LWIP_RAND() rand_u32()

#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#endif
