/*
 * x86-64 four-level page tables for the identity-mapped address space.  The
 * tables themselves are pages of the page-table partition, reached through
 * the identity map, so walking them needs no temporary mappings.
 */
#include <errno.h>
#include <string.h>

#include "mm/paging.h"
#include "config.h"
#include "kernel/assert.h"
#include "kernel/cpu.h"
#include "mm/mm.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

#define MMIO_LO (3 * GiB)
#define MMIO_HI (4 * GiB)

extern char __text_start[], __text_end[];

static uint64_t *pml4;

static uint64_t *table_alloc(void)
{
	uint64_t *t = mm_page_alloc(MM_PAGETABLES);
	if (t)
		memset(t, 0, PAGE_SIZE);
	return t;
}

/* The entry for va at the given level (3 = PML4 .. 0 = PT), creating tables
 * on the way when create is set.  NULL when absent or behind a large page. */
static uint64_t *walk(uintptr_t va, int level, bool create)
{
	uint64_t *t = pml4;
	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return 0;
			uint64_t *n = table_alloc();
			if (!n)
				return 0;
			*e = (uintptr_t)n | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return 0;
		}
		t = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

static uint64_t prot_bits(unsigned prot)
{
	uint64_t b = PTE_P;
	if (prot & MM_PROT_WRITE)
		b |= PTE_W;
	if (!(prot & MM_PROT_EXEC))
		b |= PTE_NX;
	if (prot & MM_PROT_NOCACHE)
		b |= PTE_PCD | PTE_PWT;
	return b;
}

int mm_map_page(uintptr_t va, uint64_t pa, unsigned prot)
{
	uint64_t fl = irq_save();
	uint64_t *e = walk(va, 0, true);
	int rc = 0;
	if (!e)
		rc = -ENOMEM;
	else if (*e & PTE_P)
		rc = -EEXIST;
	else
		*e = (pa & PTE_ADDR) | prot_bits(prot);
	irq_restore(fl);
	return rc;
}

/*
 * Rewrite a present 4 KiB mapping as (old & keep) | set and flush it; the
 * old entry goes to *old.  0 or -ENOENT.  The one path for unmap, protect
 * and accessed/dirty harvesting.
 */
static int pte_change(uintptr_t va, uint64_t keep, uint64_t set, uint64_t *old)
{
	uint64_t fl = irq_save();
	uint64_t *e = walk(va, 0, false);
	int rc = -ENOENT;
	if (e && (*e & PTE_P)) {
		*old = *e;
		*e = (*e & keep) | set;
		invlpg(va);
		rc = 0;
	}
	irq_restore(fl);
	return rc;
}

int mm_unmap_page(uintptr_t va)
{
	uint64_t old;
	return pte_change(va, 0, 0, &old);
}

int mm_protect_page(uintptr_t va, unsigned prot)
{
	uint64_t old;
	/* Keep the accessed and dirty bits: the page cache reads them later. */
	return pte_change(va, PTE_ADDR | MM_PTE_ACCESSED | MM_PTE_DIRTY, prot_bits(prot), &old);
}

bool mm_page_mapped(uintptr_t va, bool *writable)
{
	uint64_t *e = walk(va, 0, false);
	if (!e || !(*e & PTE_P))
		return false;
	if (writable)
		*writable = *e & PTE_W;
	return true;
}

int mm_page_test_and_clear(uintptr_t va, uint64_t mask, uint64_t *was)
{
	uint64_t old;
	int rc = pte_change(va, ~mask, 0, &old);
	if (rc == 0)
		*was = old & mask;
	return rc;
}

static int map_range(uint64_t lo, uint64_t hi, unsigned prot)
{
	for (uint64_t a = lo; a < hi; a += PAGE_SIZE) {
		int rc = mm_map_page(a, a, prot);
		if (rc && rc != -EEXIST)
			return rc;
	}
	return 0;
}

static int map_large(uint64_t lo, uint64_t hi)
{
	for (uint64_t a = lo; a < hi; a += 2 * MiB) {
		uint64_t *e = walk(a, 1, true);
		if (!e)
			return -ENOMEM;
		if (!(*e & PTE_P))
			*e = a | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT | PTE_NX;
	}
	return 0;
}

int mm_map_mmio(uint64_t pa, uint64_t len)
{
	uint64_t lo = pa & ~(2 * MiB - 1);
	uint64_t hi = (pa + len + 2 * MiB - 1) & ~(2 * MiB - 1);
	uint64_t fl = irq_save();
	int rc = map_large(lo, hi);
	irq_restore(fl);
	return rc;
}

uint64_t mm_paging_tables_needed(uint64_t max_addr)
{
	uint64_t pts = (max_addr + 2 * MiB - 1) / (2 * MiB);
	uint64_t pds = (max_addr + GiB - 1) / GiB + 1; /* +1: the MMIO window */
	uint64_t pdpts = (max_addr + 512 * GiB - 1) / (512 * GiB) + 1;
	return 1 + pdpts + pds + pts + PAGETABLE_SLACK_PAGES;
}

int mm_paging_init(const struct mm_region *ram, unsigned nram)
{
	pml4 = table_alloc();
	if (!pml4)
		return -ENOMEM;
	uintptr_t text_lo = (uintptr_t)__text_start & ~(PAGE_SIZE - 1);
	uintptr_t text_hi = ((uintptr_t)__text_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	int rc = 0;

	/* Low memory (BIOS data, iBFT, ROMs) except page 0, so NULL faults. */
	rc = map_range(PAGE_SIZE, 1 * MiB, MM_PROT_WRITE);
	for (unsigned i = 0; !rc && i < nram; i++) {
		uint64_t lo = ram[i].base & ~(PAGE_SIZE - 1);
		uint64_t hi = (ram[i].base + ram[i].len) & ~(PAGE_SIZE - 1);
		if (lo < PAGE_SIZE)
			lo = PAGE_SIZE;
		if (hi > MM_MAX_PHYS)
			hi = MM_MAX_PHYS;
		/* Code stays executable and read-only; all else is data. */
		if (lo < text_lo)
			rc = map_range(lo, hi < text_lo ? hi : text_lo, MM_PROT_WRITE);
		if (!rc && hi > text_lo && lo < text_hi)
			rc = map_range(lo > text_lo ? lo : text_lo, hi < text_hi ? hi : text_hi,
			               MM_PROT_EXEC);
		if (!rc && hi > text_hi)
			rc = map_range(lo > text_hi ? lo : text_hi, hi, MM_PROT_WRITE);
	}
	if (!rc)
		rc = map_large(MMIO_LO, MMIO_HI);
	if (rc)
		return rc;
	write_cr3((uintptr_t)pml4);
	return 0;
}

void mm_set_fault_hook(trap_pf_hook_fn hook)
{
	trap_set_pf_hook(hook);
}
