/* Unit tests for mm/layout: placement on QEMU-like memory maps, REST, and shortfall messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/layout.h"

#define KiB (1024ull)
#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)

static char err[256];

/*
 * What QEMU -m N gives under Multiboot: low memory below the EBDA and
 * everything from 1 MiB up, minus a kernel image loaded at 1 MiB.
 */
static size_t qemu_map(struct mm_region *r, uint64_t ram, uint64_t kernel_size)
{
	r[0] = (struct mm_region){0x0, 0x9fc00};
	r[1] = (struct mm_region){0x100000 + kernel_size, ram - 0x100000 - kernel_size};
	return 2;
}

static uint64_t usable(const struct mm_region *r, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += r[i].len;
	return t;
}

/* Every placement lies in one region, is aligned, and no two overlap. */
static void assert_valid_plan(const struct mm_part_spec *specs, size_t n,
                              const struct mm_region *free, size_t nfree,
                              const struct mm_place *out)
{
	for (size_t i = 0; i < n; i++) {
		bool inside = false;

		if (out[i].size == 0)
			continue;
		assert_int_equal(out[i].base % specs[i].align, 0);
		assert_int_equal(out[i].size % specs[i].align, 0);
		for (size_t r = 0; r < nfree; r++)
			if (out[i].base >= free[r].base &&
			    out[i].base + out[i].size <= free[r].base + free[r].len)
				inside = true;
		if (!inside)
			fail_msg("%s [%#llx, +%#llx) is not inside a free region", specs[i].name,
			         (unsigned long long)out[i].base, (unsigned long long)out[i].size);
		for (size_t j = 0; j < i; j++) {
			if (out[j].size == 0)
				continue;
			if (out[i].base < out[j].base + out[j].size &&
			    out[j].base < out[i].base + out[i].size)
				fail_msg("%s overlaps %s", specs[i].name, specs[j].name);
		}
	}
}

static const struct mm_part_spec table[] = {
    {"dma", "DMA buffers", MM_SIZE_FIXED, 256 * KiB, 0, 4096},
    {"pagecache", "page cache", MM_SIZE_FRACTION, 4 * MiB, 250, 2 * MiB},
    {"netbuf", "network buffers", MM_SIZE_FIXED, 1 * MiB, 0, 4096},
    {"heap", "kernel heap", MM_SIZE_REST, 1 * MiB, 0, 4096},
};
#define NT (sizeof(table) / sizeof(table[0]))

static void test_qemu_128(void **state)
{
	struct mm_region r[2];
	struct mm_place out[NT];
	size_t n = qemu_map(r, 128 * MiB, 3 * MiB + 12 * KiB);
	uint64_t total = usable(r, n);

	(void)state;
	memset(err, 'X', sizeof(err));
	assert_int_equal(mm_layout_plan(table, NT, r, n, total, out, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_valid_plan(table, NT, r, n, out);
	/* First fit: the small DMA area goes to low memory. */
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].size, 256 * KiB);
	/* A quarter of the usable RAM, rounded up to 2 MiB, on a 2 MiB boundary above the kernel.
	 */
	assert_int_equal(out[1].size, (total / 4 + 2 * MiB - 1) / (2 * MiB) * (2 * MiB));
	assert_int_equal(out[1].base, 6 * MiB);
	/* The alignment gap below the page cache is not wasted. */
	assert_int_equal(out[2].base, 0x100000 + 3 * MiB + 12 * KiB);
	assert_int_equal(out[2].size, 1 * MiB);
	/* The heap takes the largest remaining span: above the page cache to the top. */
	assert_int_equal(out[3].base, out[1].base + out[1].size);
	assert_int_equal(out[3].base + out[3].size, 128 * MiB);
}

static void test_qemu_32(void **state)
{
	struct mm_region r[2];
	struct mm_place out[NT];
	size_t n = qemu_map(r, 32 * MiB, 2 * MiB);

	(void)state;
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, err, sizeof(err)), 0);
	assert_valid_plan(table, NT, r, n, out);
	assert_int_equal(out[1].size, 8 * MiB); /* 250 permille of ~31 MiB, rounded to 2 MiB */
	assert_true(out[3].size >= 1 * MiB);
}

/* The minimum of a FRACTION applies when the share is smaller. */
static void test_fraction_minimum(void **state)
{
	struct mm_region r[2];
	struct mm_place out[NT];
	size_t n = qemu_map(r, 12 * MiB, 1 * MiB);

	(void)state;
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, err, sizeof(err)), 0);
	assert_int_equal(out[1].size, 4 * MiB);
	assert_valid_plan(table, NT, r, n, out);
}

static void test_too_small(void **state)
{
	struct mm_region r[2];
	struct mm_place out[NT];
	size_t n = qemu_map(r, 8 * MiB, 2 * MiB);

	(void)state;
	/*
	 * [3, 8) MiB above the kernel: the page cache takes [4, 8), the network
	 * buffers the gap [3, 4); the heap is left with what low memory the DMA
	 * area did not take.
	 */
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, err, sizeof(err)),
	                 -ENOMEM);
	assert_int_equal(out[1].base, 4 * MiB);
	assert_int_equal(out[2].base, 3 * MiB);
	/*
	 * The heap can use only whole pages of low memory (380 KiB), and RAM
	 * added by a bigger -m lands above 8 MiB, not next to it: so the honest
	 * figure is a whole 1 MiB, more than the 644 KiB gap of the largest block.
	 */
	assert_string_equal(err, "need 1 MiB more for kernel heap (it needs at least 1 MiB; the "
	                         "largest free block left is 380 KiB)");
	n = qemu_map(r, 9 * MiB - 4 * KiB, 2 * MiB);
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, err, sizeof(err)),
	                 -ENOMEM);
	n = qemu_map(r, 9 * MiB, 2 * MiB);
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, err, sizeof(err)), 0);
	assert_valid_plan(table, NT, r, n, out);
}

static void test_shortfall_own(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"a", "first area", MM_SIZE_FIXED, 4 * MiB, 0, 4096},
	    {"pagecache", "page cache", MM_SIZE_FIXED, 4 * MiB, 0, 4096},
	};
	struct mm_region r[] = {{1 * MiB, 7 * MiB}};
	struct mm_place out[2];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 2, r, 1, 7 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 1 MiB more for page cache (it needs 4 MiB; the largest "
	                         "free block left is 3 MiB)");
	/* With that much more, it fits. */
	r[0].len += 1 * MiB;
	assert_int_equal(mm_layout_plan(specs, 2, r, 1, 8 * MiB, out, err, sizeof(err)), 0);
}

/* The estimate covers everything still unplaced, not just the first failure. */
static void test_shortfall_total(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"a", "first area", MM_SIZE_FIXED, 6 * MiB, 0, 4096},
	    {"b", "second area", MM_SIZE_FIXED, 4 * MiB, 0, 4096},
	    {"c", "third area", MM_SIZE_FIXED, 4 * MiB, 0, 4096},
	    {"h", "heap", MM_SIZE_REST, 1 * MiB, 0, 4096},
	};
	struct mm_region r[] = {{1 * MiB, 8 * MiB}};
	struct mm_place out[4];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 4, r, 1, 8 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 7 MiB more for second area (it needs 4 MiB; the largest "
	                         "free block left is 2 MiB)");
	r[0].len += 7 * MiB;
	assert_int_equal(mm_layout_plan(specs, 4, r, 1, 15 * MiB, out, err, sizeof(err)), 0);
	assert_int_equal(out[3].size, 1 * MiB);
	/* One MiB less and the heap is what is missing. */
	r[0].len -= 1 * MiB;
	assert_int_equal(mm_layout_plan(specs, 4, r, 1, 14 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 1 MiB more for heap (it needs at least 1 MiB; no free "
	                         "memory is left)");
}

/* Fragmentation: enough in total, not in one piece. */
/* FRACTION shares grow with the RAM added, and the estimate accounts for it. */
static void test_shortfall_fraction_grows(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"fixed", "fixed area", MM_SIZE_FIXED, 6 * MiB, 0, 4096},
	    {"half", "half of RAM", MM_SIZE_FRACTION, 0, 500, 4096},
	};
	struct mm_region r[] = {{0, 10 * MiB}};
	struct mm_place out[2];

	(void)state;
	/* 6 + 5 > 10; each MiB added grows "half" by 512 KiB, so 2 MiB are needed. */
	assert_int_equal(mm_layout_plan(specs, 2, r, 1, 10 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 2 MiB more for half of RAM (it needs 5 MiB; the largest "
	                         "free block left is 4 MiB)");
	r[0].len = 12 * MiB - 4096;
	assert_int_equal(mm_layout_plan(specs, 2, r, 1, r[0].len, out, err, sizeof(err)), -ENOMEM);
	r[0].len = 12 * MiB;
	assert_int_equal(mm_layout_plan(specs, 2, r, 1, r[0].len, out, err, sizeof(err)), 0);
}

/* Shares adding up to more than all of RAM: say that more RAM cannot help. */
static void test_shortfall_hopeless(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"a", "cache A", MM_SIZE_FRACTION, 0, 600, 4096},
	    {"b", "cache B", MM_SIZE_FRACTION, 0, 500, 4096},
	};
	struct mm_region r[2];
	struct mm_place out[2];
	size_t n = qemu_map(r, 64 * MiB, 1 * MiB);

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 2, r, n, usable(r, n), out, err, sizeof(err)),
	                 -ENOMEM);
	assert_string_equal(err, "cache B does not fit (it needs 32 MiB; the largest free block "
	                         "left is 24 MiB), and no amount of added RAM would make this "
	                         "table fit");
}

static void test_shortfall_fragmented(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"big", "big buffer", MM_SIZE_FIXED, 3 * MiB, 0, 4096},
	};
	struct mm_region r[] = {{0, 2 * MiB}, {3 * MiB, 2 * MiB}};
	struct mm_place out[1];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 1, r, 2, 4 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 1 MiB more for big buffer (it needs 3 MiB; the largest "
	                         "free block left is 2 MiB)");
}

static void test_shortfall_kib(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"x", "x area", MM_SIZE_FIXED, 1 * MiB + 4 * KiB, 0, 4096},
	};
	struct mm_region r[] = {{0x100000, 1 * MiB}};
	struct mm_place out[1];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 1, r, 1, 1 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 4 KiB more for x area (it needs 2 MiB; the largest free "
	                         "block left is 1 MiB)");

	/* Sub-KiB amounts round up; 1.5 MiB free shows as 1 MiB, never more than there is. */
	r[0].len = 1 * MiB + 512 * KiB + 100;
	assert_int_equal(mm_layout_plan((const struct mm_part_spec[]){{"y", "y area", MM_SIZE_FIXED,
	                                                               2 * MiB, 0, 4096}},
	                                1, r, 1, 2 * MiB, out, err, sizeof(err)),
	                 -ENOMEM);
	assert_string_equal(err, "need 512 KiB more for y area (it needs 2 MiB; the largest free "
	                         "block left is 1 MiB)");
}

/* Alignment counts against the largest block. */
static void test_shortfall_alignment(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"huge", "huge pages", MM_SIZE_FIXED, 2 * MiB, 0, 2 * MiB},
	};
	struct mm_region r[] = {{1 * MiB, 3 * MiB}}; /* [1, 4) MiB: aligned room is [2, 4) */
	struct mm_place out[1];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 1, r, 1, 3 * MiB, out, err, sizeof(err)), 0);
	assert_int_equal(out[0].base, 2 * MiB);
	r[0].len = 3 * MiB - 4096;
	assert_int_equal(mm_layout_plan(specs, 1, r, 1, 3 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 4 KiB more for huge pages (it needs 2 MiB; the largest "
	                         "free block left is 1 MiB)");
}

static void test_unsorted_input_untouched(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"a", "a", MM_SIZE_FIXED, 64 * KiB, 0, 4096},
	    {"b", "b", MM_SIZE_FIXED, 64 * KiB, 0, 4096},
	    {"r", "r", MM_SIZE_REST, 0, 0, 4096},
	};
	const struct mm_region r[] = {
	    {0x800000, 0x100000}, {0x0, 0}, {0x10000, 0x10000}, {0x200000, 0x400000}};
	struct mm_region copy[4];
	struct mm_place out[3];

	(void)state;
	memcpy(copy, r, sizeof(r));
	assert_int_equal(mm_layout_plan(specs, 3, r, 4, 8 * MiB, out, err, sizeof(err)), 0);
	assert_memory_equal(copy, r, sizeof(r));
	/* Lowest address first, whatever the input order. */
	assert_int_equal(out[0].base, 0x10000);
	assert_int_equal(out[1].base, 0x200000);
	assert_int_equal(out[2].base, 0x210000);
	assert_int_equal(out[2].size, 0x3f0000);
	assert_valid_plan(specs, 3, r, 4, out);
}

static void test_rest_alone_and_zero_sizes(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"z", "empty", MM_SIZE_FRACTION, 0, 0, 4096},
	    {"r", "rest", MM_SIZE_REST, 0, 0, 2 * MiB},
	};
	const struct mm_region r[] = {{0x1000, 0x9e000}, {0x101000, 0x7eff000}};
	struct mm_place out[2];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 2, r, 2, 128 * MiB, out, err, sizeof(err)), 0);
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].size, 0);
	/* REST is trimmed to its alignment at both ends. */
	assert_int_equal(out[1].base, 2 * MiB);
	assert_int_equal(out[1].size, 126 * MiB);

	/* Nothing to place, no regions. */
	assert_int_equal(mm_layout_plan(specs, 0, NULL, 0, 0, NULL, err, sizeof(err)), 0);
	/* A REST with nothing at all to take. */
	assert_int_equal(mm_layout_plan(specs + 1, 1, NULL, 0, 0, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 2 MiB more for rest (it needs at least 2 MiB; no free "
	                         "memory is left)");
}

static void test_rest_first_in_table(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"r", "rest", MM_SIZE_REST, 1 * MiB, 0, 4096},
	    {"a", "area", MM_SIZE_FIXED, 3 * MiB, 0, 4096},
	};
	const struct mm_region r[] = {{0, 4 * MiB}};
	struct mm_place out[2];

	(void)state;
	assert_int_equal(mm_layout_plan(specs, 2, r, 1, 4 * MiB, out, err, sizeof(err)), 0);
	assert_int_equal(out[1].base, 0);
	assert_int_equal(out[0].base, 3 * MiB);
	assert_int_equal(out[0].size, 1 * MiB);
	/* The REST minimum is still owed when a later FIXED fails. */
	static const struct mm_part_spec specs2[] = {
	    {"r", "rest", MM_SIZE_REST, 1 * MiB, 0, 4096},
	    {"a", "area", MM_SIZE_FIXED, 4 * MiB, 0, 4096},
	};
	assert_int_equal(mm_layout_plan(specs2, 2, r, 1, 4 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 1 MiB more for rest (it needs at least 1 MiB; no free "
	                         "memory is left)");
	const struct mm_region r3[] = {{0, 3 * MiB}};
	assert_int_equal(mm_layout_plan(specs2, 2, r3, 1, 3 * MiB, out, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "need 2 MiB more for area (it needs 4 MiB; the largest free block "
	                         "left is 3 MiB)");
}

static void test_too_many_regions(void **state)
{
	struct mm_region r[MM_LAYOUT_MAX_REGIONS + 1];
	struct mm_place out[1];
	static const struct mm_part_spec specs[] = {{"a", "a", MM_SIZE_FIXED, 4096, 0, 4096}};

	(void)state;
	for (size_t i = 0; i <= MM_LAYOUT_MAX_REGIONS; i++)
		r[i] = (struct mm_region){i * 2 * MiB, 1 * MiB};
	assert_int_equal(
	    mm_layout_plan(specs, 1, r, MM_LAYOUT_MAX_REGIONS, 64 * MiB, out, err, sizeof(err)), 0);
	assert_int_equal(
	    mm_layout_plan(specs, 1, r, MM_LAYOUT_MAX_REGIONS + 1, 64 * MiB, out, err, sizeof(err)),
	    -E2BIG);
	assert_string_equal(err, "the memory map has too many usable regions (the limit is 32)");
	/* Empty regions do not count. */
	r[5].len = 0;
	assert_int_equal(
	    mm_layout_plan(specs, 1, r, MM_LAYOUT_MAX_REGIONS + 1, 64 * MiB, out, err, sizeof(err)),
	    0);
}

/* Many partitions splitting regions: scratch space must hold every split. */
static void test_many_splits(void **state)
{
	struct mm_part_spec specs[MM_LAYOUT_MAX_PARTS];
	struct mm_region r[MM_LAYOUT_MAX_REGIONS];
	struct mm_place out[MM_LAYOUT_MAX_PARTS];

	(void)state;
	for (size_t i = 0; i < MM_LAYOUT_MAX_REGIONS; i++)
		r[i] = (struct mm_region){i * 8 * MiB + 4096, 8 * MiB - 8192};
	for (size_t i = 0; i < MM_LAYOUT_MAX_PARTS; i++)
		specs[i] = (struct mm_part_spec){"p", "part", MM_SIZE_FIXED, 4096, 0, 1 * MiB};
	assert_int_equal(mm_layout_plan(specs, MM_LAYOUT_MAX_PARTS, r, MM_LAYOUT_MAX_REGIONS,
	                                256 * MiB, out, err, sizeof(err)),
	                 0);
	assert_valid_plan(specs, MM_LAYOUT_MAX_PARTS, r, MM_LAYOUT_MAX_REGIONS, out);
	for (size_t i = 0; i < MM_LAYOUT_MAX_PARTS; i++)
		assert_int_equal(out[i].size, 1 * MiB);
}

static void test_huge_numbers(void **state)
{
	static const struct mm_part_spec specs[] = {
	    {"f", "fraction", MM_SIZE_FRACTION, 0, 1000, 4096},
	    {"x", "huge", MM_SIZE_FIXED, UINT64_MAX - 10, 0, 4096},
	};
	const struct mm_region r[] = {{0x1000, UINT64_MAX - 0x2000}};
	struct mm_place out[2];

	(void)state;
	/* No overflow in ram_total * permille. */
	assert_int_equal(
	    mm_layout_plan(specs, 1, r, 1, (UINT64_MAX - 0x2000) & ~4095ull, out, err, sizeof(err)),
	    0);
	assert_int_equal(out[0].base, 0x1000);
	assert_int_equal(out[0].size, (UINT64_MAX - 0x2000) & ~4095ull);
	/* The share rounds up to the alignment, past what the region holds. */
	assert_int_equal(mm_layout_plan(specs, 1, r, 1, UINT64_MAX - 0x2000, out, err, sizeof(err)),
	                 -ENOMEM);
	assert_string_equal(err, "fraction does not fit (it needs 17592186044416 MiB; the largest "
	                         "free block left is 17592186044415 MiB), and no amount of added "
	                         "RAM would make this table fit");
	assert_int_equal(mm_layout_plan(specs + 1, 1, r, 1, 0, out, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "huge does not fit"));
}

static void test_err_optional(void **state)
{
	struct mm_region r[2];
	struct mm_place out[NT];
	char small[10];
	size_t n = qemu_map(r, 4 * MiB, 1 * MiB);

	(void)state;
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, NULL, 0), -ENOMEM);
	assert_int_equal(mm_layout_plan(table, NT, r, n, usable(r, n), out, small, sizeof(small)),
	                 -ENOMEM);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_true(strncmp(small, "need ", 5) == 0);
}

static void test_spec_asserts(void **state)
{
	static const struct mm_part_spec two_rest[] = {
	    {"a", "a", MM_SIZE_REST, 0, 0, 4096},
	    {"b", "b", MM_SIZE_REST, 0, 0, 4096},
	};
	static const struct mm_part_spec bad_align[] = {{"a", "a", MM_SIZE_FIXED, 4096, 0, 2048}};
	static const struct mm_part_spec npot_align[] = {{"a", "a", MM_SIZE_FIXED, 4096, 0, 12288}};
	static const struct mm_part_spec bad_permille[] = {
	    {"a", "a", MM_SIZE_FRACTION, 0, 1001, 4096}};
	const struct mm_region overlap[] = {{0, 2 * MiB}, {1 * MiB, 2 * MiB}};
	const struct mm_region r[] = {{0, 2 * MiB}};
	struct mm_place out[2];

	(void)state;
	expect_assert_failure(mm_layout_plan(two_rest, 2, r, 1, 0, out, err, sizeof(err)));
	expect_assert_failure(mm_layout_plan(bad_align, 1, r, 1, 0, out, err, sizeof(err)));
	expect_assert_failure(mm_layout_plan(npot_align, 1, r, 1, 0, out, err, sizeof(err)));
	expect_assert_failure(mm_layout_plan(bad_permille, 1, r, 1, 0, out, err, sizeof(err)));
	expect_assert_failure(
	    mm_layout_plan(bad_align + 0, 0, overlap, 2, 0, out, err, sizeof(err)));
}

/* Random tables and maps: a successful plan is always valid; failures are -ENOMEM with a message.
 */
static void test_random_plans(void **state)
{
	int failures = 0, hopeless = 0;

	(void)state;
	srand(77);
	for (int iter = 0; iter < 3000; iter++) {
		struct mm_region r[8];
		struct mm_part_spec specs[8];
		struct mm_place out[8];
		size_t nr = 1 + (size_t)rand() % 8, ns = 1 + (size_t)rand() % 8;
		uint64_t at = (uint64_t)(rand() % 64) * 4096;
		bool have_rest = false;
		int rc;

		for (size_t i = 0; i < nr; i++) {
			r[i].base = at;
			r[i].len =
			    (uint64_t)(1 + rand() % 4096) * 4096 + (uint64_t)(rand() % 2) * 123;
			at += r[i].len + (uint64_t)(rand() % 512) * 4096;
		}
		/* Shuffle: the input order must not matter for validity. */
		for (size_t i = nr - 1; i > 0; i--) {
			size_t j = (size_t)rand() % (i + 1);
			struct mm_region t = r[i];

			r[i] = r[j];
			r[j] = t;
		}
		for (size_t i = 0; i < ns; i++) {
			int k = rand() % 3;

			if (k == 2 && have_rest)
				k = 0;
			have_rest |= k == 2;
			specs[i] = (struct mm_part_spec){"p",
			                                 "part",
			                                 (enum mm_sizing)k,
			                                 (uint64_t)(rand() % 2048) * 1024,
			                                 (unsigned)(rand() % 300),
			                                 4096ull << (rand() % 10)};
		}
		rc = mm_layout_plan(specs, ns, r, nr, usable(r, nr), out, err, sizeof(err));
		if (rc == 0) {
			assert_string_equal(err, "");
			assert_valid_plan(specs, ns, r, nr, out);
			for (size_t i = 0; i < ns; i++)
				if (specs[i].sizing != MM_SIZE_FRACTION || specs[i].bytes != 0)
					assert_true(out[i].size >= specs[i].bytes);
		} else if (strstr(err, "no amount of added RAM") != NULL) {
			unsigned total = 0;

			for (size_t i = 0; i < ns; i++)
				if (specs[i].sizing == MM_SIZE_FRACTION)
					total += specs[i].permille;
			if (total < 900)
				fail_msg("iteration %d: %s, with only %u permille in shares", iter,
				         err, total);
			hopeless++;
		} else {
			unsigned long long amount;
			char unit[4];
			size_t top = 0;

			assert_int_equal(rc, -ENOMEM);
			assert_true(strncmp(err, "need ", 5) == 0);
			assert_non_null(strstr(err, " more for part (it needs "));
			/* Honesty: that much more RAM at the top of the map makes it fit. */
			assert_int_equal(sscanf(err, "need %llu %3s more", &amount, unit), 2);
			amount *= strcmp(unit, "MiB") == 0 ? MiB : KiB;
			for (size_t i = 1; i < nr; i++)
				if (r[i].base > r[top].base)
					top = i;
			r[top].len += amount;
			rc = mm_layout_plan(specs, ns, r, nr, usable(r, nr), out, err, sizeof(err));
			if (rc != 0)
				fail_msg("iteration %d: still failing with %llu more: %s", iter,
				         amount, err);
			failures++;
		}
	}
	/* Both outcomes are exercised. */
	assert_true(failures > 300 && failures < 2700);
	assert_true(hopeless > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qemu_128),
	    cmocka_unit_test(test_qemu_32),
	    cmocka_unit_test(test_fraction_minimum),
	    cmocka_unit_test(test_too_small),
	    cmocka_unit_test(test_shortfall_own),
	    cmocka_unit_test(test_shortfall_total),
	    cmocka_unit_test(test_shortfall_fraction_grows),
	    cmocka_unit_test(test_shortfall_hopeless),
	    cmocka_unit_test(test_shortfall_fragmented),
	    cmocka_unit_test(test_shortfall_kib),
	    cmocka_unit_test(test_shortfall_alignment),
	    cmocka_unit_test(test_unsorted_input_untouched),
	    cmocka_unit_test(test_rest_alone_and_zero_sizes),
	    cmocka_unit_test(test_rest_first_in_table),
	    cmocka_unit_test(test_too_many_regions),
	    cmocka_unit_test(test_many_splits),
	    cmocka_unit_test(test_huge_numbers),
	    cmocka_unit_test(test_err_optional),
	    cmocka_unit_test(test_spec_asserts),
	    cmocka_unit_test(test_random_plans),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
