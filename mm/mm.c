/*
 * The partition table at run time: carving RAM at boot with mm/layout.c,
 * one allocator per partition (mm/pool.c, mm/heap.c, or a break), counters,
 * and the boot and exit reports.
 */
#include <errno.h>
#include <string.h>

#include "mm/mm.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "mm/pool.h"

enum kind { K_IMAGE, K_SLOTS, K_PAGES, K_HEAP, K_BRK };
static const char *const kind_names[] = {"image", "slots", "pages", "heap", "brk"};

struct part {
	const char *name, *descr;
	enum kind kind;
	uintptr_t base;
	size_t size;
	size_t slot_size;
	struct mm_pool pool;
	struct mm_heap heap;
	uintptr_t brk, brk_hiwater;
	uint64_t brk_fails;
};

static struct part parts[MM_NPARTS];
static uint64_t ram_total;

extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __data_start[], __bss_start[], __bss_end[];
extern char __netpools_start[], __netpools_end[];

/* lwIP's link-time pools: inside the image, but net-general's bytes. */
static size_t netpools_size(void)
{
	return (size_t)(__netpools_end - __netpools_start);
}

static const struct {
	const char *name, *descr;
	enum mm_sizing sizing;
	uint64_t bytes;
	unsigned permille;
	enum kind kind;
} table[] = {
#define MM_ROW(id, nm, ds, sz, by, pm, kd) [MM_##id] = {nm, ds, MM_SIZE_##sz, by, pm, K_##kd},
    MM_PARTITIONS(MM_ROW)
#undef MM_ROW
};

static size_t slot_size_of(enum mm_part_id id)
{
	switch (id) {
	case MM_KSTACKS:
		return KSTACK_SIZE + PAGE_SIZE;
	case MM_APPSTACKS:
		return APPSTACK_SIZE + PAGE_SIZE;
	default:
		return 0;
	}
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Usable regions: at or above MM_LOW_LIMIT, below MM_MAX_PHYS, minus the image. */
static unsigned usable_regions(const struct mm_region *ram, unsigned nram, struct mm_region *out,
                               unsigned cap)
{
	uint64_t img_lo = (uintptr_t)__image_start,
	         img_hi = align_up((uintptr_t)__image_end, PAGE_SIZE);
	unsigned n = 0;
	for (unsigned i = 0; i < nram; i++) {
		uint64_t lo = align_up(ram[i].base, PAGE_SIZE);
		uint64_t hi = (ram[i].base + ram[i].len) & ~(PAGE_SIZE - 1);
		if (lo < MM_LOW_LIMIT)
			lo = MM_LOW_LIMIT;
		if (hi > MM_MAX_PHYS)
			hi = MM_MAX_PHYS;
		if (lo >= hi)
			continue;
		/* Cut the image out; it can split a region in two. */
		uint64_t cuts[2][2] = {{lo, hi < img_lo ? hi : img_lo},
		                       {lo > img_hi ? lo : img_hi, hi}};
		for (int c = 0; c < 2; c++)
			if (cuts[c][0] < cuts[c][1] && n < cap)
				out[n++] = (struct mm_region){cuts[c][0], cuts[c][1] - cuts[c][0]};
	}
	return n;
}

static void init_allocator(enum mm_part_id id)
{
	struct part *p = &parts[id];
	int rc = 0;
	switch (p->kind) {
	case K_SLOTS:
		p->slot_size = slot_size_of(id);
		rc = mm_pool_init(&p->pool, p->name, (void *)p->base, p->size, p->slot_size,
		                  PAGE_SIZE);
		break;
	case K_PAGES:
		rc =
		    mm_pool_init(&p->pool, p->name, (void *)p->base, p->size, PAGE_SIZE, PAGE_SIZE);
		break;
	case K_HEAP:
		rc = mm_heap_init(&p->heap, p->name, (void *)p->base, p->size);
		break;
	case K_BRK:
		p->brk = p->brk_hiwater = p->base;
		break;
	case K_IMAGE:
		break;
	}
	ASSERT(rc == 0);
}

int mm_init(const struct mm_region *ram, unsigned nram, char *err, size_t errlen)
{
	struct mm_region freeregs[32];
	struct mm_part_spec specs[MM_NPARTS];
	struct mm_place place[MM_NPARTS];
	uint64_t max_addr = 0;

	ram_total = 0;
	for (unsigned i = 0; i < nram; i++) {
		ram_total += ram[i].len;
		if (ram[i].base + ram[i].len > max_addr)
			max_addr = ram[i].base + ram[i].len;
	}
	if (max_addr > MM_MAX_PHYS)
		max_addr = MM_MAX_PHYS;
	unsigned nfree = usable_regions(ram, nram, freeregs, 32);

	parts[MM_KERNEL] = (struct part){.name = "kernel",
	                                 .descr = "kernel image (text, data, bss)",
	                                 .kind = K_IMAGE,
	                                 .base = (uintptr_t)__image_start,
	                                 .size = align_up((uintptr_t)__image_end, PAGE_SIZE) -
	                                         (uintptr_t)__image_start};
	/* specs[] is indexed from MM_PAGETABLES; the image is placed by the linker. */
	specs[0] = (struct mm_part_spec){"pagetables",
	                                 "page tables",
	                                 MM_SIZE_FIXED,
	                                 mm_paging_tables_needed(max_addr) * PAGE_SIZE,
	                                 0,
	                                 PAGE_SIZE};
	for (int id = MM_PAGETABLES + 1; id < MM_NPARTS; id++)
		specs[id - MM_PAGETABLES] =
		    (struct mm_part_spec){table[id].name,  table[id].descr,    table[id].sizing,
		                          table[id].bytes, table[id].permille, PAGE_SIZE};
	int n = MM_NPARTS - MM_PAGETABLES;
	int rc = mm_layout_plan(specs, n, freeregs, nfree, ram_total, place, err, errlen);
	if (rc)
		return rc;

	for (int i = 0; i < n; i++) {
		enum mm_part_id id = (enum mm_part_id)(MM_PAGETABLES + i);
		parts[id] = (struct part){.name = specs[i].name,
		                          .descr = specs[i].descr,
		                          .kind = id == MM_PAGETABLES ? K_PAGES : table[id].kind,
		                          .base = place[i].base,
		                          .size = place[i].size};
	}
	/* The boot tables map only the first 4 GiB, and the new tables are built
	 * from this partition, so it must lie there (first fit puts it lowest). */
	ASSERT(parts[MM_PAGETABLES].base + parts[MM_PAGETABLES].size <= 4 * GiB);
	init_allocator(MM_PAGETABLES);
	rc = mm_paging_init(ram, nram);
	if (rc) {
		fmt_snprintf(err, errlen, "mm: building page tables failed (%d)", rc);
		return rc;
	}
	for (int id = MM_PAGETABLES + 1; id < MM_NPARTS; id++)
		init_allocator((enum mm_part_id)id);
	return 0;
}

const char *mm_part_name(enum mm_part_id id)
{
	ASSERT(id < MM_NPARTS);
	return parts[id].name;
}

uint64_t mm_ram_total(void)
{
	return ram_total;
}

bool mm_part_contains(enum mm_part_id id, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	return a >= parts[id].base && a < parts[id].base + parts[id].size;
}

int mm_part_of(const void *p)
{
	for (int id = 0; id < MM_NPARTS; id++)
		if (mm_part_contains((enum mm_part_id)id, p))
			return id;
	return -ENOENT;
}

void mm_part_stats(enum mm_part_id id, struct mm_stats *s)
{
	ASSERT(id < MM_NPARTS);
	const struct part *p = &parts[id];
	uint64_t fl = irq_save();
	*s = (struct mm_stats){.name = p->name,
	                       .descr = p->descr,
	                       .kind = kind_names[p->kind],
	                       .base = p->base,
	                       .size = p->size};
	switch (p->kind) {
	case K_IMAGE:
		s->size -= netpools_size();
		s->used = s->hiwater = s->size;
		break;
	case K_SLOTS:
	case K_PAGES:
		s->used = p->pool.used * p->pool.objsize;
		s->hiwater = p->pool.hiwater * p->pool.objsize;
		s->fails = p->pool.fails;
		break;
	case K_HEAP:
		s->used = p->heap.used;
		s->hiwater = p->heap.hiwater;
		s->fails = p->heap.fails;
		if (id == MM_NETGEN) {
			s->size += netpools_size();
			s->used += netpools_size();
			s->hiwater += netpools_size();
		}
		break;
	case K_BRK:
		s->used = p->brk - p->base;
		s->hiwater = p->brk_hiwater - p->base;
		s->fails = p->brk_fails;
		break;
	}
	irq_restore(fl);
}

void *mm_slot_alloc(enum mm_part_id id)
{
	struct part *p = &parts[id];
	ASSERT(p->kind == K_SLOTS);
	uint64_t fl = irq_save();
	void *s = mm_pool_alloc(&p->pool);
	/* The guard page is unmapped only while the slot is in use: the free
	 * pool keeps its links inside free slots. */
	if (s)
		ASSERT(mm_unmap_page((uintptr_t)s) == 0);
	irq_restore(fl);
	return s;
}

void mm_slot_free(enum mm_part_id id, void *slot)
{
	struct part *p = &parts[id];
	ASSERT(p->kind == K_SLOTS && mm_part_contains(id, slot));
	uint64_t fl = irq_save();
	ASSERT(mm_map_page((uintptr_t)slot, (uintptr_t)slot, MM_PROT_WRITE) == 0);
	mm_pool_free(&p->pool, slot);
	irq_restore(fl);
}

size_t mm_slot_size(enum mm_part_id id)
{
	ASSERT(parts[id].kind == K_SLOTS);
	return parts[id].slot_size;
}

void *mm_page_alloc(enum mm_part_id id)
{
	struct part *p = &parts[id];
	ASSERT(p->kind == K_PAGES);
	uint64_t fl = irq_save();
	void *pg = mm_pool_alloc(&p->pool);
	irq_restore(fl);
	return pg;
}

void mm_page_free(enum mm_part_id id, void *page)
{
	struct part *p = &parts[id];
	ASSERT(p->kind == K_PAGES);
	uint64_t fl = irq_save();
	mm_pool_free(&p->pool, page);
	irq_restore(fl);
}

void *mm_alloc_aligned(enum mm_part_id id, size_t size, size_t align)
{
	struct part *p = &parts[id];
	ASSERT(p->kind == K_HEAP);
	uint64_t fl = irq_save();
	void *m = align > 16 ? mm_heap_alloc_aligned(&p->heap, size, align)
	                     : mm_heap_alloc(&p->heap, size);
	irq_restore(fl);
	return m;
}

void *mm_alloc(enum mm_part_id id, size_t size)
{
	return mm_alloc_aligned(id, size, 16);
}

void mm_free(enum mm_part_id id, void *ptr)
{
	struct part *p = &parts[id];
	ASSERT(p->kind == K_HEAP);
	uint64_t fl = irq_save();
	mm_heap_free(&p->heap, ptr);
	irq_restore(fl);
}

void *mm_sbrk(intptr_t incr)
{
	struct part *p = &parts[MM_APPHEAP];
	uint64_t fl = irq_save();
	uintptr_t old = p->brk;
	void *ret = (void *)-1;
	if ((incr >= 0 && (uintptr_t)incr <= p->base + p->size - old) ||
	    (incr < 0 && (uintptr_t)-incr <= old - p->base)) {
		p->brk = old + incr;
		if (p->brk > p->brk_hiwater)
			p->brk_hiwater = p->brk;
		ret = (void *)old;
	} else {
		p->brk_fails++;
	}
	irq_restore(fl);
	return ret;
}

static void fmt_size(char *buf, size_t cap, uint64_t b)
{
	if (b >= 10 * MiB || (b >= MiB && b % MiB == 0))
		fmt_snprintf(buf, cap, "%lu MiB", (unsigned long)(b / MiB));
	else
		fmt_snprintf(buf, cap, "%lu KiB", (unsigned long)((b + KiB - 1) / KiB));
}

void mm_report(bool hiwater)
{
	char a[16], b[16];
	if (!hiwater) {
		fmt_size(a, sizeof(a), ram_total);
		con_printf(
		    "Memory: %s RAM, %d partitions (text %lu KiB, data %lu KiB, bss %lu KiB)\n", a,
		    MM_NPARTS, (unsigned long)(__text_end - __text_start) / 1024,
		    (unsigned long)(__bss_start - __data_start) / 1024,
		    (unsigned long)(__bss_end - __bss_start) / 1024);
		for (int id = 0; id < MM_NPARTS; id++) {
			struct mm_stats s;
			mm_part_stats((enum mm_part_id)id, &s);
			fmt_size(a, sizeof(a), s.size);
			/* The range is where the partition lies; the size is what it owns
			 * (net-general also owns the pools inside the image, shown next). */
			con_printf("  %-11s %#010lx-%#010lx %8s  %-5s  %s\n", s.name, s.base,
			           s.base + parts[id].size - 1, a, s.kind, s.descr);
			if (id == MM_NETGEN && netpools_size()) {
				fmt_size(a, sizeof(a), netpools_size());
				con_printf("  %-11s %#010lx-%#010lx %8s  %-5s  %s\n", "",
				           (unsigned long)(uintptr_t)__netpools_start,
				           (unsigned long)(uintptr_t)__netpools_end - 1, a, "pools",
				           "net-general, continued: the net tables (in the image)");
			}
		}
		return;
	}
	con_printf("mm: high-water marks:\n");
	for (int id = 0; id < MM_NPARTS; id++) {
		struct mm_stats s;
		mm_part_stats((enum mm_part_id)id, &s);
		fmt_size(a, sizeof(a), s.hiwater);
		fmt_size(b, sizeof(b), s.size);
		con_printf("  %-11s %8s of %8s (%3lu%%), %lu failed allocations\n", s.name, a, b,
		           s.size ? (unsigned long)(s.hiwater * 100 / s.size) : 0UL,
		           (unsigned long)s.fails);
	}
}

/* At exit: what each partition reached, the figure config.h is sized by. */
static void mm_exit_report(void)
{
	mm_report(true);
}
REPORT(mm, 90, mm_exit_report);
