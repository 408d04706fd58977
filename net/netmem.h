/*
 * lwIP's memory, one arena per traffic class (net/flow.h).  lwIP is built
 * with MEM_LIBC_MALLOC and MEMP_MEM_MALLOC (net/port/lwipopts.h), so every
 * byte it allocates -- pbufs and their headers, TCP segments and PCBs, the
 * wrappers around received frames, timeouts -- comes through
 * netmem_alloc(), from the arena of the class being served at that moment:
 * general's is carved from net-general, storage's from net-storage.  A full
 * arena fails the allocation (lwIP then drops or retries, as it does on
 * ERR_MEM); it never borrows from the other class.
 *
 * The class being served is set by the glue before lwIP allocates: per
 * received frame (net/netif.c), per TCP segment or ACK from the PCB it
 * belongs to (the TCP output hook), and by net/sock.c for a new connection.
 *
 * Arenas are bump-allocated in size classes with a free list each: O(1)
 * both ways, no splitting or merging.  Net thread only (lwIP's one
 * context), except netmem_report(), which only reads counters.
 */
#ifndef NET_NETMEM_H
#define NET_NETMEM_H

#include <stddef.h>
#include <stdint.h>

#include "net/flow.h"

#define NETMEM_SIZES 7 /* size classes: 64 B to 4 KiB, header included */

struct netmem_arena {
	uint8_t *base, *brk, *end;
	void *free[NETMEM_SIZES];
	size_t used, hiwater; /* bytes handed out, size classes rounded up */
	uint64_t fails;
};

/* Give class c the arena mem[0..len).  Before any allocation. */
void netmem_init(enum net_class c, void *mem, size_t len);

/* Serve class c from now on; returns the class served before. */
enum net_class netmem_use(enum net_class c);

/* size bytes, 16-aligned, from the arena of the class being served; NULL if
 * it is full or size is above 4 KiB less the header. */
void *netmem_alloc(size_t size);

/* Give p back to the arena it came from (whatever class is served now). */
void netmem_free(void *p);

/* zeroed n * size bytes, as calloc(). */
void *netmem_calloc(size_t n, size_t size);

/* The arena of class c, for reports and tests. */
const struct netmem_arena *netmem_arena(enum net_class c);

#endif
