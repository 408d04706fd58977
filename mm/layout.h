/*
 * Partition planning: where each static memory partition goes, given the
 * usable RAM regions from the Multiboot memory map.  Pure computation: no
 * memory is touched besides the caller's arrays and buffers.
 *
 * Context: boot time; reentrant (no global state).  Uses about 4 KiB of
 * stack for scratch copies of the regions.  Failure costs up to ~100 extra
 * planning passes to estimate the shortfall; success costs one.
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define MM_LAYOUT_MAX_REGIONS 32 /* free regions accepted by mm_layout_plan() */
#define MM_LAYOUT_MAX_PARTS   32 /* partition specs accepted (ASSERTed) */

enum mm_sizing { MM_SIZE_FIXED, MM_SIZE_FRACTION, MM_SIZE_REST };

struct mm_part_spec {
	const char *name;  /* short id, e.g. "pagecache" */
	const char *descr; /* human, e.g. "page cache" -- used in messages */
	enum mm_sizing sizing;
	uint64_t bytes;    /* FIXED: the size; FRACTION and REST: the minimum */
	unsigned permille; /* FRACTION: share of total usable RAM, in 1/1000 (<= 1000) */
	uint64_t align;    /* base and size alignment, power of two >= 4096 */
};

struct mm_region {
	uint64_t base, len;
};

struct mm_place {
	uint64_t base, size;
};

/*
 * Plans specs[0..n) into the free regions free[0..nfree) (input only: not
 * modified; any order; must not overlap -- ASSERTed; empty ones are ignored).
 *
 * Sizes, each rounded up to the spec's align:
 *   FIXED     bytes
 *   FRACTION  max(bytes, ram_total * permille / 1000)
 *   REST      everything left: the largest contiguous aligned span that
 *             remains after all others are placed, and at least
 *             max(bytes, align).  At most one REST spec (ASSERTed).
 * Placement: the non-REST specs in array order, each first-fit (lowest
 * address) into what is left; then REST.  A FIXED or FRACTION spec whose
 * size is 0 gets {0, 0} and takes no memory.
 *
 * Returns 0 with out[i] set for every spec i; or
 *   -ENOMEM  something does not fit.  err names the first partition that
 *            failed, what it needs (rounded up) and the largest block it
 *            could have used (rounded down), and how much more RAM would
 *            make the whole table fit, in whole MiB rounded up (KiB under
 *            1 MiB), e.g. "need 3 MiB more for page cache (it needs 4 MiB;
 *            the largest free block left is 1 MiB)".  That figure is found by
 *            re-planning with the highest region extended (where QEMU's -m
 *            adds memory; FRACTION shares grow with it) and is one that was
 *            verified to work.  (With no regions at all it is just what is
 *            still unplaced.)
 *            When no amount of RAM helps (shares adding up to more than all
 *            of it), err says "... does not fit (...), and no amount of added
 *            RAM would make this table fit".
 *   -E2BIG   more than MM_LAYOUT_MAX_REGIONS non-empty free regions.
 * On error out[] is partly written and meaningless.  err (caller's buffer,
 * may be NULL when errlen is 0) always gets a NUL-terminated line; "" on
 * success.
 */
int mm_layout_plan(const struct mm_part_spec *specs, size_t n, const struct mm_region *free,
                   size_t nfree, uint64_t ram_total, struct mm_place *out, char *err,
                   size_t errlen);

#endif
