/*
 * Bounded general-purpose heap over memory the caller provides.
 *
 * Ownership: the caller owns the struct and the region [mem, mem+len) and
 * keeps both alive for the heap's life.  All metadata lives in the struct
 * (free-list heads) and in the region itself (16-byte boundary tags before
 * and after every block, free-list links inside free blocks); nothing
 * outside the two is ever touched.
 *
 * Policy: segregated free lists by power-of-two size class; a request is
 * served first-fit from its own class, else from the first block of the next
 * non-empty larger class (always big enough), and the remainder is split off.
 * Freed blocks are coalesced with free neighbours at once, so two free blocks
 * are never adjacent.  alloc and free are O(1) apart from the scan of one
 * size class; mm_heap_alloc_aligned() with align > 16 scans all classes that
 * could hold the request.
 *
 * Overhead: 32 bytes per block (two tags); the smallest block is 48 bytes.
 *
 * Checking: each tag holds the block size and a check word (the size mixed
 * with a magic that says used or free); header and footer must agree.
 * mm_heap_free() ASSERTs on a pointer outside the heap or not 16-aligned, on
 * a double free (also of a block since merged into a neighbour, whose tags
 * are wiped), on a pointer into the middle of a block (unless the payload
 * there happens to forge a tag, 2^-64 for random data), and on a footer
 * overwritten by a payload overrun.
 *
 * Context: no locking inside.  The caller serialises all calls on one heap
 * (the kernel wraps them with interrupts off); given that, any context is
 * fine.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define MM_HEAP_ALIGN     16   /* every result is aligned to this */
#define MM_HEAP_MAX_ALIGN 4096 /* largest align mm_heap_alloc_aligned() accepts */
#define MM_HEAP_NBINS     64

/* Read-only to callers: statistics may be inspected, nothing written. */
struct mm_heap {
	const char *name; /* not copied: must outlive the heap */
	uintptr_t start;  /* managed area [start, end), 16-byte aligned */
	uintptr_t end;
	size_t used;     /* bytes in allocated blocks, tags included */
	size_t hiwater;  /* largest value used has had */
	uint64_t allocs; /* successful allocations */
	uint64_t fails;  /* allocations that returned NULL (size 0 excepted) */
	/* private */
	uint64_t binmap;               /* bit i set iff bins[i] is non-empty */
	uintptr_t bins[MM_HEAP_NBINS]; /* free-list heads (block addresses, 0 = empty) */
};

/*
 * Sets up the heap over [mem, mem+len) (trimmed inwards to 16-byte
 * boundaries).  Returns 0, or -EINVAL if the region cannot hold one minimal
 * block.
 */
int mm_heap_init(struct mm_heap *h, const char *name, void *mem, size_t len);

/*
 * size bytes, 16-byte aligned, uninitialised; NULL when no free block is big
 * enough (counted in fails).  size 0 returns NULL and is NOT counted as a
 * failure: there is nothing to hand out, and no caller needs a unique empty
 * object.
 */
void *mm_heap_alloc(struct mm_heap *h, size_t size);

/*
 * As mm_heap_alloc(), aligned to align: a power of two, at most
 * MM_HEAP_MAX_ALIGN (ASSERTed).  align <= 16 is the same as mm_heap_alloc().
 */
void *mm_heap_alloc_aligned(struct mm_heap *h, size_t size, size_t align);

/* Frees p (NULL is a no-op).  ASSERTs on a bad pointer, a double free or a smashed tag. */
void mm_heap_free(struct mm_heap *h, void *p);

/* The largest size mm_heap_alloc() would currently satisfy; 0 if none. */
size_t mm_heap_largest_free(const struct mm_heap *h);

/*
 * Walks every block and every free list and verifies tags, tiling, the
 * coalescing invariant, list links and class membership, and that used
 * matches.  O(blocks).  Returns 0, or -EFAULT at the first inconsistency.
 * For tests and debug commands; does not ASSERT.
 */
int mm_heap_check(const struct mm_heap *h);

#endif
