/*
 * mm_pool: fixed-size object pool over caller memory.
 *
 * Released objects form a LIFO free list through their first word; objects
 * never handed out are taken from the "fresh" index instead, so init does not
 * have to touch every object.  The allocation bitmap makes double-free and
 * foreign-pointer detection exact and cheap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/assert.h"
#include "mm/pool.h"

#define WORD_BITS 64u

static bool is_pow2(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static uintptr_t align_up(uintptr_t x, size_t a)
{
	return (x + (a - 1)) & ~(uintptr_t)(a - 1);
}

static bool bit_get(const struct mm_pool *p, size_t i)
{
	return (p->inuse[i / WORD_BITS] >> (i % WORD_BITS)) & 1u;
}

static void bit_set(struct mm_pool *p, size_t i, bool v)
{
	uint64_t m = (uint64_t)1 << (i % WORD_BITS);

	if (v)
		p->inuse[i / WORD_BITS] |= m;
	else
		p->inuse[i / WORD_BITS] &= ~m;
}

/*
 * Index of the object that starts at addr, or -1 if addr is not one.  Only
 * objects below fresh have ever been handed out, so only those can be valid
 * arguments to free or links in the free list.
 */
static long obj_index(const struct mm_pool *p, uintptr_t addr)
{
	size_t off;

	if (addr < p->base)
		return -1;
	off = addr - p->base;
	if (off % p->objsize != 0 || off / p->objsize >= p->fresh)
		return -1;
	return (long)(off / p->objsize);
}

/* Start of the objects when the bitmap describes n of them; 0 if that leaves no room. */
static uintptr_t objects_base(uintptr_t bm, uintptr_t end, size_t n, size_t align)
{
	size_t words = (n + WORD_BITS - 1) / WORD_BITS;
	uintptr_t base;

	if (words > (end - bm) / sizeof(uint64_t))
		return 0;
	base = align_up(bm + words * sizeof(uint64_t), align);
	return base >= bm && base <= end ? base : 0;
}

static bool fits(uintptr_t bm, uintptr_t end, size_t n, size_t stride, size_t align)
{
	uintptr_t base = objects_base(bm, end, n, align);

	return base != 0 && (end - base) / stride >= n;
}

int mm_pool_init(struct mm_pool *p, const char *name, void *mem, size_t len, size_t objsize,
                 size_t align)
{
	uintptr_t start = (uintptr_t)mem, end, bm, base;
	size_t stride, n;

	ASSERT(p != NULL);
	ASSERT(objsize > 0);
	ASSERT(align == 0 || is_pow2(align));
	ASSERT(mem != NULL || len == 0);
	ASSERT(start + len >= start);

	memset(p, 0, sizeof(*p));
	p->name = name;
	if (align < _Alignof(void *))
		align = _Alignof(void *);
	if (objsize < sizeof(void *))
		objsize = sizeof(void *);
	if (objsize > SIZE_MAX - align || len == 0)
		return -EINVAL;
	stride = align_up(objsize, align);
	end = start + len;
	bm = align_up(start, sizeof(uint64_t));
	if (bm >= end)
		return -EINVAL;

	/*
	 * The bitmap's size depends on the count it describes.  Shrink from the
	 * count that would fit without a bitmap, jumping to what fits beside the
	 * current bitmap; a jump can overshoot by what one alignment step of the
	 * bitmap's end is worth, so then creep back up to the true maximum.
	 */
	n = (end - bm) / stride;
	while (n > 0 && !fits(bm, end, n, stride, align)) {
		base = objects_base(bm, end, n, align);
		if (base != 0 && (end - base) / stride < n - 1)
			n = (end - base) / stride;
		else
			n--;
	}
	while (fits(bm, end, n + 1, stride, align))
		n++;
	if (n == 0)
		return -EINVAL;

	base = objects_base(bm, end, n, align);
	p->inuse = (uint64_t *)bm;
	memset(p->inuse, 0, (n + WORD_BITS - 1) / WORD_BITS * sizeof(uint64_t));
	p->base = base;
	p->objsize = stride;
	p->nobjs = n;
	return 0;
}

void *mm_pool_alloc(struct mm_pool *p)
{
	uintptr_t obj;
	long i;

	ASSERT(p != NULL);
	if (p->free != NULL) {
		void *next;

		obj = (uintptr_t)p->free;
		i = obj_index(p, obj);
		ASSERT(i >= 0 && !bit_get(p, (size_t)i) && "mm_pool: free list corrupt");
		memcpy(&next, (void *)obj, sizeof(next));
		/* A bad link here means the object was written after it was freed. */
		ASSERT((next == NULL || (obj_index(p, (uintptr_t)next) >= 0 &&
		                         !bit_get(p, (size_t)obj_index(p, (uintptr_t)next)))) &&
		       "mm_pool: write after free");
		p->free = next;
	} else if (p->fresh < p->nobjs) {
		i = (long)p->fresh++;
		obj = p->base + (size_t)i * p->objsize;
	} else {
		p->fails++;
		return NULL;
	}

	bit_set(p, (size_t)i, true);
	p->used++;
	if (p->used > p->hiwater)
		p->hiwater = p->used;
	p->allocs++;
	return (void *)obj;
}

void mm_pool_free(struct mm_pool *p, void *obj)
{
	long i;

	ASSERT(p != NULL);
	if (obj == NULL)
		return;
	i = obj_index(p, (uintptr_t)obj);
	ASSERT(i >= 0 && "mm_pool_free: not an object of this pool");
	ASSERT(bit_get(p, (size_t)i) && "mm_pool_free: double free");

	bit_set(p, (size_t)i, false);
	memcpy(obj, &p->free, sizeof(p->free));
	p->free = obj;
	ASSERT(p->used > 0);
	p->used--;
}

bool mm_pool_contains(const struct mm_pool *p, const void *ptr)
{
	uintptr_t a = (uintptr_t)ptr;

	return p->nobjs > 0 && a >= p->base && a - p->base < p->nobjs * p->objsize;
}

size_t mm_pool_avail(const struct mm_pool *p)
{
	return p->nobjs - p->used;
}
