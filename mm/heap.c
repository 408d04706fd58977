/*
 * mm_heap: a bounded heap with boundary tags over caller memory.
 *
 * Block layout, all addresses and sizes multiples of 16:
 *
 *   [ header tag | payload ............................ | footer tag ]
 *     16 bytes     used: caller data; free: list links     16 bytes
 *
 * A tag is {size of the whole block, size ^ magic}; the magic says whether
 * the block is used or free.  The footer lets free() find and merge the
 * previous block without a back pointer.  Tags are accessed with memcpy so
 * the region may be any object type.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/assert.h"
#include "mm/heap.h"

#define TAG_SIZE  16u
#define OVERHEAD  (2 * TAG_SIZE)
#define MIN_BLOCK (OVERHEAD + 16u) /* room for the two free-list links */

/* Arbitrary patterns, unlikely to occur in payload data by accident. */
#define MAGIC_USED 0xa110c8ed5eed1e55ull
#define MAGIC_FREE 0xf4eeb10c0ddba11full

struct tag {
	uint64_t size;
	uint64_t check;
};

struct links {
	uintptr_t next, prev; /* block addresses; 0 ends the list */
};

BUILD_ASSERT(sizeof(struct tag) == TAG_SIZE);
BUILD_ASSERT(sizeof(struct links) <= MIN_BLOCK - OVERHEAD);
BUILD_ASSERT(MM_HEAP_ALIGN == TAG_SIZE);

static bool is_pow2(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static uintptr_t align_up(uintptr_t x, size_t a)
{
	return (x + (a - 1)) & ~(uintptr_t)(a - 1);
}

static struct tag get_tag(uintptr_t at)
{
	struct tag t;

	memcpy(&t, (const void *)at, sizeof(t));
	return t;
}

static void put_tags(uintptr_t blk, size_t size, uint64_t magic)
{
	struct tag t = {.size = size, .check = size ^ magic};

	memcpy((void *)blk, &t, sizeof(t));
	memcpy((void *)(blk + size - TAG_SIZE), &t, sizeof(t));
}

/* Interior tags of merged blocks are cleared so stale pointers to them fail the checks. */
static void wipe_tag(uintptr_t at)
{
	memset((void *)at, 0, TAG_SIZE);
}

static bool tag_is(struct tag t, uint64_t magic)
{
	return (t.check ^ t.size) == magic;
}

static struct links get_links(uintptr_t blk)
{
	struct links l;

	memcpy(&l, (const void *)(blk + TAG_SIZE), sizeof(l));
	return l;
}

static void put_links(uintptr_t blk, struct links l)
{
	memcpy((void *)(blk + TAG_SIZE), &l, sizeof(l));
}

static unsigned bin_of(size_t size)
{
	return 63u - (unsigned)__builtin_clzll(size);
}

static void bin_insert(struct mm_heap *h, uintptr_t blk, size_t size)
{
	unsigned b = bin_of(size);
	struct links l = {.next = h->bins[b], .prev = 0};

	if (l.next != 0) {
		struct links n = get_links(l.next);

		n.prev = blk;
		put_links(l.next, n);
	}
	put_links(blk, l);
	h->bins[b] = blk;
	h->binmap |= 1ull << b;
}

static void bin_remove(struct mm_heap *h, uintptr_t blk, size_t size)
{
	unsigned b = bin_of(size);
	struct links l = get_links(blk);

	if (l.prev != 0) {
		struct links p = get_links(l.prev);

		p.next = l.next;
		put_links(l.prev, p);
	} else {
		ASSERT(h->bins[b] == blk);
		h->bins[b] = l.next;
		if (l.next == 0)
			h->binmap &= ~(1ull << b);
	}
	if (l.next != 0) {
		struct links n = get_links(l.next);

		n.prev = l.prev;
		put_links(l.next, n);
	}
}

int mm_heap_init(struct mm_heap *h, const char *name, void *mem, size_t len)
{
	uintptr_t start = (uintptr_t)mem;

	ASSERT(h != NULL);
	ASSERT(mem != NULL || len == 0);
	ASSERT(start + len >= start);

	memset(h, 0, sizeof(*h));
	h->name = name;
	h->start = align_up(start, TAG_SIZE);
	h->end = (start + len) & ~(uintptr_t)(TAG_SIZE - 1);
	if (h->end < h->start || h->end - h->start < MIN_BLOCK) {
		h->end = h->start;
		return -EINVAL;
	}
	put_tags(h->start, h->end - h->start, MAGIC_FREE);
	bin_insert(h, h->start, h->end - h->start);
	return 0;
}

/*
 * Where a block of need bytes aligned for align would start inside the free
 * block [blk, blk+size), or 0 if it does not fit.  A gap in front must be
 * big enough to stay behind as a free block of its own.
 */
static uintptr_t fit_in(uintptr_t blk, size_t size, size_t need, size_t align)
{
	uintptr_t at = align_up(blk + TAG_SIZE, align) - TAG_SIZE;

	if (at != blk && at - blk < MIN_BLOCK)
		at = align_up(blk + MIN_BLOCK + TAG_SIZE, align) - TAG_SIZE;
	if (at - blk > size || size - (at - blk) < need)
		return 0;
	return at;
}

static uintptr_t find_block(const struct mm_heap *h, size_t need, size_t align, uintptr_t *at)
{
	unsigned b = bin_of(need);
	uint64_t higher;

	/* Same class first: its blocks may be smaller than need, so check each. */
	for (uintptr_t blk = h->bins[b]; blk != 0; blk = get_links(blk).next) {
		*at = fit_in(blk, get_tag(blk).size, need, align);
		if (*at != 0)
			return blk;
	}
	if (b == 63)
		return 0;
	higher = h->binmap & ~((2ull << b) - 1);
	if (align <= MM_HEAP_ALIGN) {
		/* Every block of a higher class is at least 2^(b+1) > need. */
		if (higher == 0)
			return 0;
		b = (unsigned)__builtin_ctzll(higher);
		*at = h->bins[b];
		return h->bins[b];
	}
	while (higher != 0) {
		b = (unsigned)__builtin_ctzll(higher);
		higher &= higher - 1;
		for (uintptr_t blk = h->bins[b]; blk != 0; blk = get_links(blk).next) {
			*at = fit_in(blk, get_tag(blk).size, need, align);
			if (*at != 0)
				return blk;
		}
	}
	return 0;
}

static void *alloc(struct mm_heap *h, size_t size, size_t align)
{
	uintptr_t blk, at;
	size_t need, bsize, rest;

	ASSERT(h != NULL);
	ASSERT(is_pow2(align) && align <= MM_HEAP_MAX_ALIGN);
	if (size == 0)
		return NULL;
	if (size > h->end - h->start) {
		h->fails++;
		return NULL;
	}
	need = align_up(size + OVERHEAD, TAG_SIZE);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;
	if (align < MM_HEAP_ALIGN)
		align = MM_HEAP_ALIGN;

	blk = find_block(h, need, align, &at);
	if (blk == 0) {
		h->fails++;
		return NULL;
	}
	bsize = get_tag(blk).size;
	bin_remove(h, blk, bsize);
	if (at != blk) {
		/* The alignment gap in front stays free. */
		put_tags(blk, at - blk, MAGIC_FREE);
		bin_insert(h, blk, at - blk);
	}
	rest = bsize - (at - blk);
	if (rest - need >= MIN_BLOCK) {
		put_tags(at + need, rest - need, MAGIC_FREE);
		bin_insert(h, at + need, rest - need);
	} else {
		need = rest;
	}
	put_tags(at, need, MAGIC_USED);

	h->used += need;
	if (h->used > h->hiwater)
		h->hiwater = h->used;
	h->allocs++;
	return (void *)(at + TAG_SIZE);
}

void *mm_heap_alloc(struct mm_heap *h, size_t size)
{
	return alloc(h, size, MM_HEAP_ALIGN);
}

void *mm_heap_alloc_aligned(struct mm_heap *h, size_t size, size_t align)
{
	return alloc(h, size, align);
}

void mm_heap_free(struct mm_heap *h, void *p)
{
	uintptr_t blk;
	struct tag t, f;
	size_t size;

	ASSERT(h != NULL);
	if (p == NULL)
		return;
	blk = (uintptr_t)p - TAG_SIZE;
	ASSERT((uintptr_t)p % MM_HEAP_ALIGN == 0 && blk >= h->start && blk < h->end &&
	       "mm_heap_free: pointer not in this heap");
	t = get_tag(blk);
	ASSERT(!tag_is(t, MAGIC_FREE) && "mm_heap_free: double free");
	ASSERT(tag_is(t, MAGIC_USED) && "mm_heap_free: not a block start, or header smashed");
	size = t.size;
	ASSERT(size % TAG_SIZE == 0 && size >= MIN_BLOCK && size <= h->end - blk &&
	       "mm_heap_free: header smashed");
	f = get_tag(blk + size - TAG_SIZE);
	ASSERT(f.size == t.size && f.check == t.check && "mm_heap_free: footer smashed (overrun?)");

	ASSERT(h->used >= size);
	h->used -= size;

	if (blk + size < h->end) {
		uintptr_t next = blk + size;
		struct tag nt = get_tag(next);

		if (tag_is(nt, MAGIC_FREE)) {
			bin_remove(h, next, nt.size);
			wipe_tag(next - TAG_SIZE);
			wipe_tag(next);
			size += nt.size;
		}
	}
	if (blk > h->start) {
		struct tag pt = get_tag(blk - TAG_SIZE);

		if (tag_is(pt, MAGIC_FREE)) {
			uintptr_t prev = blk - pt.size;

			ASSERT(pt.size <= blk - h->start &&
			       "mm_heap_free: previous footer smashed");
			bin_remove(h, prev, pt.size);
			wipe_tag(blk - TAG_SIZE);
			wipe_tag(blk);
			blk = prev;
			size += pt.size;
		}
	}
	put_tags(blk, size, MAGIC_FREE);
	bin_insert(h, blk, size);
}

size_t mm_heap_largest_free(const struct mm_heap *h)
{
	size_t best = 0;
	unsigned b;

	if (h->binmap == 0)
		return 0;
	b = 63u - (unsigned)__builtin_clzll(h->binmap);
	for (uintptr_t blk = h->bins[b]; blk != 0; blk = get_links(blk).next) {
		size_t s = get_tag(blk).size;

		if (s > best)
			best = s;
	}
	return best - OVERHEAD;
}

/* Tag at blk is a well-formed block lying inside the heap. */
static bool block_ok(const struct mm_heap *h, uintptr_t blk)
{
	struct tag t, f;

	if (blk < h->start || blk >= h->end || blk % TAG_SIZE != 0 || h->end - blk < MIN_BLOCK)
		return false;
	t = get_tag(blk);
	if (!tag_is(t, MAGIC_USED) && !tag_is(t, MAGIC_FREE))
		return false;
	if (t.size % TAG_SIZE != 0 || t.size < MIN_BLOCK || t.size > h->end - blk)
		return false;
	f = get_tag(blk + t.size - TAG_SIZE);
	return f.size == t.size && f.check == t.check;
}

int mm_heap_check(const struct mm_heap *h)
{
	size_t used = 0, nfree = 0, listed = 0;
	bool prev_free = false;
	uintptr_t blk;

	if (h->start == h->end)
		return h->used == 0 && h->binmap == 0 ? 0 : -EFAULT;

	for (blk = h->start; blk < h->end;) {
		struct tag t;

		if (!block_ok(h, blk))
			return -EFAULT;
		t = get_tag(blk);
		if (tag_is(t, MAGIC_FREE)) {
			if (prev_free)
				return -EFAULT; /* missed coalescing */
			prev_free = true;
			nfree++;
		} else {
			prev_free = false;
			used += t.size;
		}
		blk += t.size;
	}
	if (blk != h->end || used != h->used || h->hiwater < h->used)
		return -EFAULT;

	for (unsigned b = 0; b < MM_HEAP_NBINS; b++) {
		uintptr_t prev = 0;

		if ((h->bins[b] != 0) != ((h->binmap >> b) & 1))
			return -EFAULT;
		for (blk = h->bins[b]; blk != 0; blk = get_links(blk).next) {
			struct tag t;

			/* The count bound also stops a cyclic list. */
			if (++listed > nfree || !block_ok(h, blk))
				return -EFAULT;
			t = get_tag(blk);
			if (!tag_is(t, MAGIC_FREE) || bin_of(t.size) != b ||
			    get_links(blk).prev != prev)
				return -EFAULT;
			prev = blk;
		}
	}
	return listed == nfree ? 0 : -EFAULT;
}
