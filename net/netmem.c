/* lwIP's memory per traffic class: size-class free lists over two arenas. */
#include <string.h>

#include "kernel/assert.h"
#include "net/netmem.h"

#define HDR 16u /* before each block: its class and size class */
#define MIN_SHIFT 6

struct hdr {
	uint8_t cls, size_idx;
	uint8_t pad[HDR - 2];
};
BUILD_ASSERT(sizeof(struct hdr) == HDR);

static struct netmem_arena arenas[NET_CLASS_N];
static enum net_class serving;

void netmem_init(enum net_class c, void *mem, size_t len)
{
	ASSERT(c < NET_CLASS_N);
	uintptr_t b = ((uintptr_t)mem + 15) & ~(uintptr_t)15;
	memset(&arenas[c], 0, sizeof(arenas[c]));
	arenas[c].base = arenas[c].brk = (uint8_t *)b;
	arenas[c].end = (uint8_t *)mem + len;
}

enum net_class netmem_use(enum net_class c)
{
	enum net_class was = serving;
	serving = c;
	return was;
}

static int size_index(size_t total)
{
	for (int i = 0; i < NETMEM_SIZES; i++)
		if (total <= (size_t)1 << (MIN_SHIFT + i))
			return i;
	return -1;
}

void *netmem_alloc(size_t size)
{
	struct netmem_arena *a = &arenas[serving];
	int i = size_index(size + HDR);
	if (i < 0) {
		a->fails++;
		return NULL;
	}
	size_t bytes = (size_t)1 << (MIN_SHIFT + i);
	struct hdr *h = a->free[i];
	if (h) {
		a->free[i] = *(void **)(h + 1);
	} else if ((size_t)(a->end - a->brk) >= bytes) {
		h = (struct hdr *)a->brk;
		a->brk += bytes;
	} else {
		a->fails++;
		return NULL;
	}
	h->cls = (uint8_t)serving;
	h->size_idx = (uint8_t)i;
	a->used += bytes;
	if (a->used > a->hiwater)
		a->hiwater = a->used;
	return h + 1;
}

void netmem_free(void *p)
{
	if (!p)
		return;
	struct hdr *h = (struct hdr *)p - 1;
	ASSERT(h->cls < NET_CLASS_N && h->size_idx < NETMEM_SIZES);
	struct netmem_arena *a = &arenas[h->cls];
	ASSERT((uint8_t *)h >= a->base && (uint8_t *)h < a->brk);
	a->used -= (size_t)1 << (MIN_SHIFT + h->size_idx);
	*(void **)p = a->free[h->size_idx];
	a->free[h->size_idx] = h;
}

void *netmem_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = netmem_alloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

const struct netmem_arena *netmem_arena(enum net_class c)
{
	ASSERT(c < NET_CLASS_N);
	return &arenas[c];
}
