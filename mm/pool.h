/*
 * Fixed-size object pool over memory the caller provides.
 *
 * Ownership: the caller owns the struct and the region [mem, mem+len) and
 * must keep both alive and otherwise untouched for the pool's life.  The
 * pool never reads or writes outside that region and the struct.
 *
 * Layout of the region: an allocation bitmap (one bit per object, set while
 * the object is allocated) at the start of the region, 8-byte aligned, then
 * the objects at the requested alignment.  A free object's first word links
 * it into the free list; the rest of a free object is left as it was.
 *
 * Checking: mm_pool_free() ASSERTs that the pointer is the start of an object
 * of this pool and that the object's bit is set, so a double free or a
 * foreign pointer panics instead of corrupting the free list.  When a freed
 * object is reused, its link word is checked to point at a free object of
 * the pool, which catches most writes after free.
 *
 * Context: no locking inside.  The caller serialises all calls on one pool
 * (the kernel wraps them with interrupts off); given that, any context is
 * fine.  mm_pool_alloc() and mm_pool_free() are O(1); mm_pool_init() is
 * O(nobjs / 64).
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read-only to callers: statistics may be inspected, nothing written. */
struct mm_pool {
	const char *name; /* not copied: must outlive the pool */
	uintptr_t base;   /* address of object 0 */
	size_t objsize;   /* bytes between objects: the requested size, at least a
	                     pointer, rounded up to the alignment */
	size_t nobjs;     /* capacity */
	size_t used;      /* allocated now */
	size_t hiwater;   /* most ever allocated at once */
	uint64_t allocs;  /* successful mm_pool_alloc() calls */
	uint64_t fails;   /* mm_pool_alloc() calls that returned NULL */
	void *free;       /* free list of released objects */
	/* private */
	uint64_t *inuse; /* the bitmap, inside the region */
	size_t fresh;    /* objects fresh..nobjs-1 were never handed out */
};

/*
 * Lays out the pool in [mem, mem+len).  objsize > 0; align is a power of
 * two, or 0 for pointer alignment (objects are always at least
 * pointer-aligned).  Returns 0, or -EINVAL if not even one object fits
 * (then the pool is empty and mm_pool_alloc() always fails).
 */
int mm_pool_init(struct mm_pool *p, const char *name, void *mem, size_t len, size_t objsize,
                 size_t align);

/* An uninitialised object, or NULL (counted in fails) when the pool is empty. O(1). */
void *mm_pool_alloc(struct mm_pool *p);

/* Returns obj to the pool; NULL is a no-op.  ASSERTs on a bad pointer or a double free. O(1). */
void mm_pool_free(struct mm_pool *p, void *obj);

/* True if ptr points anywhere into the pool's object area (allocated or not). */
bool mm_pool_contains(const struct mm_pool *p, const void *ptr);

/* Objects that mm_pool_alloc() can still hand out. */
size_t mm_pool_avail(const struct mm_pool *p);

#endif
