/*
 * Static memory partitions.
 *
 * At boot all RAM is carved, once, into the named partitions of config.h
 * (plus the kernel image and the page tables, sized at boot).  Each partition
 * has one allocator of one kind and its own counters; a full partition fails
 * the allocation (NULL) and never borrows from another.
 *
 *   kind   calls                               used by
 *   SLOTS  mm_slot_alloc/free                  thread stacks (guard page first)
 *   PAGES  mm_page_alloc/free                  page cache, page tables
 *   HEAP   mm_alloc/mm_alloc_aligned/mm_free   NIC rings and buffers, iSCSI heap
 *   BRK    mm_sbrk                             newlib's malloc (app heap)
 *
 * All allocation calls are safe in thread and interrupt context (they run
 * with interrupts off), but the I/O and interrupt paths are designed to use
 * pools that were carved from their partition at init, not these calls.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "mm/layout.h"

enum mm_part_id {
	MM_KERNEL,
	MM_PAGETABLES,
#define MM_ENUM(id, ...) MM_##id,
	MM_PARTITIONS(MM_ENUM)
#undef MM_ENUM
	    MM_NPARTS
};

struct mm_stats {
	const char *name, *descr, *kind;
	uintptr_t base;
	size_t size;
	size_t used, hiwater;
	uint64_t fails;
};

/*
 * Carve RAM (the loader's regions) into the partitions and build the final
 * page tables.  Returns 0, or -ENOMEM with the shortfall named in err.
 * Boot, once, interrupts off, before any thread exists.
 */
int mm_init(const struct mm_region *ram, unsigned nram, char *err, size_t errlen);

const char *mm_part_name(enum mm_part_id id);
void mm_part_stats(enum mm_part_id id, struct mm_stats *out);
bool mm_part_contains(enum mm_part_id id, const void *p);
/* Which partition holds p, or -ENOENT. */
int mm_part_of(const void *p);

void *mm_slot_alloc(enum mm_part_id id);
void mm_slot_free(enum mm_part_id id, void *slot);
size_t mm_slot_size(enum mm_part_id id);

void *mm_page_alloc(enum mm_part_id id);
void mm_page_free(enum mm_part_id id, void *page);

void *mm_alloc(enum mm_part_id id, size_t size);
void *mm_alloc_aligned(enum mm_part_id id, size_t size, size_t align);
void mm_free(enum mm_part_id id, void *p);

/* newlib's sbrk, on the app heap: the old break, or (void *)-1 when full. */
void *mm_sbrk(intptr_t increment);

/*
 * Print the partition map (boot banner: base, size, kind, purpose) or, with
 * hiwater true, every partition's high-water mark (at exit).  Any context.
 */
void mm_report(bool hiwater);

/* Total usable RAM the loader reported, in bytes. */
uint64_t mm_ram_total(void);

#endif
