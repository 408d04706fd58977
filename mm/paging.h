/*
 * Page tables.  tether runs in one identity-mapped address space.  RAM is
 * mapped with 4 KiB pages so that any page can be unmapped (guard pages, the
 * null page) or write-protected (the page cache's defensive mode); the MMIO
 * window below 4 GiB uses uncached 2 MiB pages.  Page tables come from the
 * page-table partition only.
 *
 * Calls that change mappings flush the TLB entry themselves.  Thread or
 * interrupt context; they take no locks other than interrupts-off.
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/trap.h"

#define MM_PROT_WRITE   (1u << 0)
#define MM_PROT_EXEC    (1u << 1)
#define MM_PROT_NOCACHE (1u << 2)

#define MM_PTE_ACCESSED (1ull << 5)
#define MM_PTE_DIRTY    (1ull << 6)

struct mm_region;

/*
 * Build and load the final tables: RAM and low memory with 4 KiB pages (text
 * read-only and executable, everything else no-execute), page 0 left
 * unmapped, the 3-4 GiB MMIO window uncached.  Boot, once.
 */
int mm_paging_init(const struct mm_region *ram, unsigned nram);

/* Map one 4 KiB page.  0, -ENOMEM (page-table partition full), -EEXIST. */
int mm_map_page(uintptr_t va, uint64_t pa, unsigned prot);
/* Unmap one page; 0 or -ENOENT. */
int mm_unmap_page(uintptr_t va);
/* Change protection of a mapped page; 0 or -ENOENT. */
int mm_protect_page(uintptr_t va, unsigned prot);
/* Is va mapped, and writable? */
bool mm_page_mapped(uintptr_t va, bool *writable);

/*
 * Return the page's accessed/dirty bits selected by mask and clear them.
 * -ENOENT for an unmapped page.
 */
int mm_page_test_and_clear(uintptr_t va, uint64_t mask, uint64_t *was);

/*
 * Make [pa, pa+len) reachable as uncached memory at the same address (PCI
 * BARs above the 3-4 GiB window).  0 or -ENOMEM.
 */
int mm_map_mmio(uint64_t pa, uint64_t len);

/*
 * The page-fault hook.  hook(addr, error, frame) runs in the faulting
 * thread's context, interrupts off, and may sleep; it returns 0 when it
 * resolved the fault (the instruction is retried), or -EFAULT to let the
 * fault be reported as fatal.  One hook; a later set replaces it.
 */
void mm_set_fault_hook(trap_pf_hook_fn hook);

/* Pages of the page-table partition needed to map RAM up to max_addr. */
uint64_t mm_paging_tables_needed(uint64_t max_addr);

#endif
