/* Unit tests for mm/heap: alignment, coalescing, misuse detection and a randomized model check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/heap.h"

/* Exact-length malloc regions: ASan reports any access outside [mem, mem+len). */
static void *region(size_t len)
{
	void *m = malloc(len);

	assert_non_null(m);
	memset(m, 0xcc, len);
	return m;
}

static void test_init(void **state)
{
	struct mm_heap h;
	char *m = region(4096 + 16);

	(void)state;
	assert_int_equal(mm_heap_init(&h, "t", m, 0), -EINVAL);
	assert_int_equal(mm_heap_init(&h, "t", m, 47), -EINVAL);
	assert_int_equal(mm_heap_check(&h), 0);
	assert_null(mm_heap_alloc(&h, 1));
	assert_int_equal(mm_heap_largest_free(&h), 0);
	assert_int_equal(mm_heap_init(&h, "t", NULL, 0), -EINVAL);

	/* Unaligned region: trimmed inwards. */
	assert_int_equal(mm_heap_init(&h, "t", m + 3, 4096), 0);
	assert_string_equal(h.name, "t");
	assert_int_equal(h.start % 16, 0);
	assert_int_equal(h.end % 16, 0);
	assert_true(h.start >= (uintptr_t)m + 3);
	assert_true(h.end <= (uintptr_t)m + 3 + 4096);
	assert_int_equal(h.end - h.start, 4096 - 16);
	assert_int_equal(mm_heap_largest_free(&h), 4096 - 16 - 32);
	assert_int_equal(h.used, 0);
	assert_int_equal(mm_heap_check(&h), 0);
	free(m);
}

static void test_basic(void **state)
{
	struct mm_heap h;
	char *m = region(8192);
	char *a, *b, *c;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "b", m, 8192), 0);
	a = mm_heap_alloc(&h, 1);
	b = mm_heap_alloc(&h, 100);
	c = mm_heap_alloc(&h, 1000);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % 16, 0);
	assert_int_equal((uintptr_t)b % 16, 0);
	assert_int_equal((uintptr_t)c % 16, 0);
	memset(a, 1, 1);
	memset(b, 2, 100);
	memset(c, 3, 1000);
	assert_int_equal(h.allocs, 3);
	assert_int_equal(h.used, 48 + 144 + 1040);
	assert_int_equal(h.hiwater, h.used);
	assert_int_equal(mm_heap_check(&h), 0);

	mm_heap_free(&h, b);
	assert_int_equal(mm_heap_check(&h), 0);
	mm_heap_free(&h, NULL);
	mm_heap_free(&h, a);
	assert_int_equal(mm_heap_check(&h), 0);
	mm_heap_free(&h, c);
	assert_int_equal(mm_heap_check(&h), 0);
	assert_int_equal(h.used, 0);
	assert_int_equal(h.hiwater, 48 + 144 + 1040);
	/* Everything coalesced back into one block. */
	assert_int_equal(mm_heap_largest_free(&h), 8192 - 32);
	free(m);
}

static void test_zero_and_huge(void **state)
{
	struct mm_heap h;
	char *m = region(4096);

	(void)state;
	assert_int_equal(mm_heap_init(&h, "z", m, 4096), 0);
	assert_null(mm_heap_alloc(&h, 0));
	assert_int_equal(h.fails, 0);
	assert_null(mm_heap_alloc_aligned(&h, 0, 64));
	assert_int_equal(h.fails, 0);
	assert_null(mm_heap_alloc(&h, 4097));
	assert_int_equal(h.fails, 1);
	assert_null(mm_heap_alloc(&h, SIZE_MAX));
	assert_null(mm_heap_alloc(&h, SIZE_MAX - 15));
	assert_null(mm_heap_alloc_aligned(&h, SIZE_MAX, 4096));
	assert_int_equal(h.fails, 4);
	assert_int_equal(h.allocs, 0);
	assert_int_equal(mm_heap_check(&h), 0);
	free(m);
}

static void test_largest_free_is_exact(void **state)
{
	struct mm_heap h;
	char *m = region(10000);
	void *p[8];
	size_t big;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "l", m, 10000), 0);
	for (int i = 0; i < 8; i++)
		p[i] = mm_heap_alloc(&h, 300);
	mm_heap_free(&h, p[2]);
	mm_heap_free(&h, p[3]);
	mm_heap_free(&h, p[6]);
	big = mm_heap_largest_free(&h);
	assert_true(big > 300);
	assert_null(mm_heap_alloc(&h, big + 1));
	p[0 + 2] = mm_heap_alloc(&h, big);
	assert_non_null(p[2]);
	memset(p[2], 0x77, big);
	assert_int_equal(mm_heap_check(&h), 0);

	/* Fill to the brim: largest_free always succeeds, until nothing is left. */
	for (;;) {
		size_t l = mm_heap_largest_free(&h);
		void *q;

		if (l == 0)
			break;
		q = mm_heap_alloc(&h, l);
		assert_non_null(q);
		memset(q, 0x55, l);
	}
	assert_null(mm_heap_alloc(&h, 1));
	assert_int_equal(mm_heap_check(&h), 0);
	free(m);
}

static void test_coalesce_orders(void **state)
{
	static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
	                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	struct mm_heap h;
	char *m = region(2048);

	(void)state;
	for (int o = 0; o < 6; o++) {
		void *p[4];

		assert_int_equal(mm_heap_init(&h, "co", m, 2048), 0);
		for (int i = 0; i < 4; i++)
			p[i] = mm_heap_alloc(&h, 200);
		/* p[3] keeps the tail block separate, so the three must merge by themselves. */
		for (int i = 0; i < 3; i++) {
			mm_heap_free(&h, p[orders[o][i]]);
			assert_int_equal(mm_heap_check(&h), 0);
		}
		assert_int_equal(mm_heap_largest_free(&h) + 32 >= 3 * (200 + 32), true);
		assert_ptr_equal(mm_heap_alloc(&h, 3 * 232 - 32), p[0]);
		assert_int_equal(mm_heap_check(&h), 0);
	}
	free(m);
}

static void test_aligned(void **state)
{
	struct mm_heap h;
	char *m = region(1 << 16);

	(void)state;
	assert_int_equal(mm_heap_init(&h, "al", m + 16, (1 << 16) - 16), 0);
	for (size_t align = 1; align <= 4096; align <<= 1) {
		void *p = mm_heap_alloc_aligned(&h, 40, align);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % align, 0);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0x11, 40);
		assert_int_equal(mm_heap_check(&h), 0);
	}
	expect_assert_failure(mm_heap_alloc_aligned(&h, 16, 8192));
	expect_assert_failure(mm_heap_alloc_aligned(&h, 16, 48));
	expect_assert_failure(mm_heap_alloc_aligned(&h, 16, 0));
	free(m);
}

/* A block that only fits when the alignment gap is left behind as a free block. */
static void test_aligned_tight(void **state)
{
	struct mm_heap h;
	size_t len = 3 * 4096;
	char *m = aligned_alloc(4096, len);
	void *p, *q, *r;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "at", m, len), 0);
	/* Payload at m+16 is not 4096-aligned: the first candidate is m+4096. */
	p = mm_heap_alloc_aligned(&h, 4096, 4096);
	assert_ptr_equal(p, m + 4096);
	assert_int_equal(mm_heap_check(&h), 0);
	/* The gap in front stays usable, as does the tail: 4080-byte blocks, both. */
	q = mm_heap_alloc(&h, 4080 - 32);
	r = mm_heap_alloc(&h, 4080 - 32);
	assert_non_null(q);
	assert_non_null(r);
	assert_true(q == m + 16 || r == m + 16);
	assert_int_equal(mm_heap_check(&h), 0);
	assert_int_equal(mm_heap_largest_free(&h), 0);
	mm_heap_free(&h, q);
	mm_heap_free(&h, r);
	/* Too big to fit aligned anywhere now: the gaps are only 4080 bytes. */
	assert_null(mm_heap_alloc_aligned(&h, 4096, 4096));
	mm_heap_free(&h, p);
	assert_int_equal(mm_heap_check(&h), 0);
	assert_int_equal(mm_heap_largest_free(&h), len - 32);
	free(m);
}

static void test_double_free(void **state)
{
	struct mm_heap h;
	char *m = region(4096);
	void *a, *b, *c;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "df", m, 4096), 0);
	a = mm_heap_alloc(&h, 64);
	b = mm_heap_alloc(&h, 64);
	c = mm_heap_alloc(&h, 64);
	mm_heap_free(&h, b);
	expect_assert_failure(mm_heap_free(&h, b));
	/* b merged into a's block once a is freed: its stale pointer is still caught. */
	mm_heap_free(&h, a);
	expect_assert_failure(mm_heap_free(&h, b));
	expect_assert_failure(mm_heap_free(&h, a));
	assert_int_equal(mm_heap_check(&h), 0);
	mm_heap_free(&h, c);
	assert_int_equal(mm_heap_check(&h), 0);
	free(m);
}

static void test_bad_pointers(void **state)
{
	struct mm_heap h;
	char *m = region(4096);
	char outside[32];
	char *a;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "bp", m, 4096), 0);
	a = mm_heap_alloc(&h, 256);
	memset(a, 0, 256);
	expect_assert_failure(mm_heap_free(&h, a + 1));
	expect_assert_failure(mm_heap_free(&h, a + 16));
	expect_assert_failure(mm_heap_free(&h, a + 128));
	expect_assert_failure(mm_heap_free(&h, outside));
	expect_assert_failure(mm_heap_free(&h, (void *)h.start));
	mm_heap_free(&h, a);
	assert_int_equal(mm_heap_check(&h), 0);
	free(m);
}

static void test_overrun_detected(void **state)
{
	struct mm_heap h;
	char *m = region(4096);
	char *a, *b;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "ov", m, 4096), 0);
	a = mm_heap_alloc(&h, 64);
	b = mm_heap_alloc(&h, 64);
	/* One byte past a's payload lands in its footer. */
	a[64] ^= 1;
	assert_int_equal(mm_heap_check(&h), -EFAULT);
	expect_assert_failure(mm_heap_free(&h, a));
	a[64] ^= 1;
	assert_int_equal(mm_heap_check(&h), 0);
	/* Smash b's header from a (overrun by 17+ bytes). */
	memset(a + 64, 0, 32);
	assert_int_equal(mm_heap_check(&h), -EFAULT);
	expect_assert_failure(mm_heap_free(&h, b));
	free(m);
}

static void test_check_catches_corruption(void **state)
{
	struct mm_heap h;
	char *m = region(4096);
	void *a, *b;

	(void)state;
	assert_int_equal(mm_heap_init(&h, "cc", m, 4096), 0);
	a = mm_heap_alloc(&h, 64);
	b = mm_heap_alloc(&h, 64);
	(void)b;
	assert_int_equal(mm_heap_check(&h), 0);

	h.used += 16;
	assert_int_equal(mm_heap_check(&h), -EFAULT);
	h.used -= 16;

	/* A free-list link pointing at itself. */
	mm_heap_free(&h, a);
	assert_int_equal(mm_heap_check(&h), 0);
	{
		uintptr_t blk = (uintptr_t)a - 16, save;

		memcpy(&save, (void *)(blk + 16), sizeof(save));
		memcpy((void *)(blk + 16), &blk, sizeof(blk));
		assert_int_equal(mm_heap_check(&h), -EFAULT);
		memcpy((void *)(blk + 16), &save, sizeof(save));
		assert_int_equal(mm_heap_check(&h), 0);
	}
	free(m);
}

/*
 * Random alloc/free against a model: each live allocation is filled with a
 * byte derived from its address and checked before it is freed, and the
 * heap is checked after every step.
 */
struct live {
	unsigned char *p;
	size_t size;
	size_t align;
};

static size_t rand_size(void)
{
	int r = rand() % 100;

	if (r < 60)
		return 1 + (size_t)rand() % 64;
	if (r < 90)
		return 1 + (size_t)rand() % 1024;
	if (r < 99)
		return 1 + (size_t)rand() % 16384;
	return 1 + (size_t)rand() % 200000;
}

static unsigned char tag_of(const void *p)
{
	return (unsigned char)(((uintptr_t)p >> 4) * 31 + 7);
}

static void stress(size_t len, unsigned seed, int steps)
{
	struct mm_heap h;
	char *m = region(len);
	struct live *live = calloc(4096, sizeof(*live));
	size_t nlive = 0, payload = 0, initial;
	uint64_t allocs = 0, fails = 0;

	assert_int_equal(mm_heap_init(&h, "stress", m, len), 0);
	initial = mm_heap_largest_free(&h);
	srand(seed);
	for (int s = 0; s < steps; s++) {
		bool do_alloc =
		    nlive == 0 || (nlive < 4096 && (rand() % 100) < (s % 3000 < 1500 ? 60 : 40));

		if (do_alloc) {
			size_t size = rand_size();
			size_t align = rand() % 4 == 0 ? (size_t)1 << (rand() % 13) : 16;
			size_t largest = mm_heap_largest_free(&h);
			unsigned char *p = align == 16 ? mm_heap_alloc(&h, size)
			                               : mm_heap_alloc_aligned(&h, size, align);

			if (p == NULL) {
				fails++;
				if (align <= 16)
					assert_true(size > largest);
			} else {
				assert_int_equal((uintptr_t)p % align, 0);
				assert_int_equal((uintptr_t)p % 16, 0);
				assert_true((uintptr_t)p >= h.start &&
				            (uintptr_t)p + size <= h.end);
				memset(p, tag_of(p), size);
				live[nlive++] = (struct live){p, size, align};
				payload += size;
				allocs++;
			}
		} else {
			size_t i = (size_t)rand() % nlive;
			struct live l = live[i];

			for (size_t b = 0; b < l.size; b++)
				if (l.p[b] != tag_of(l.p))
					fail_msg("step %d: byte %zu of %p (size %zu) overwritten",
					         s, b, (void *)l.p, l.size);
			mm_heap_free(&h, l.p);
			live[i] = live[--nlive];
			payload -= l.size;
		}
		if (mm_heap_check(&h) != 0)
			fail_msg("step %d: mm_heap_check failed", s);
		assert_int_equal(h.allocs, allocs);
		assert_int_equal(h.fails, fails);
		/* Each block carries its payload plus 32 bytes of tags, at least. */
		assert_true(h.used >= payload + 32 * nlive);
		assert_true(h.hiwater >= h.used);
		assert_true(h.used <= h.end - h.start);
	}
	while (nlive > 0) {
		mm_heap_free(&h, live[--nlive].p);
		assert_int_equal(mm_heap_check(&h), 0);
	}
	assert_int_equal(h.used, 0);
	assert_int_equal(mm_heap_largest_free(&h), initial);
	free(live);
	free(m);
}

static void test_stress(void **state)
{
	(void)state;
	stress(64 << 10, 11, 20000);
	stress(1 << 20, 12, 20000);
	stress(4 << 20, 13, 10000);
	stress(3000, 14, 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_zero_and_huge),
	    cmocka_unit_test(test_largest_free_is_exact),
	    cmocka_unit_test(test_coalesce_orders),
	    cmocka_unit_test(test_aligned),
	    cmocka_unit_test(test_aligned_tight),
	    cmocka_unit_test(test_double_free),
	    cmocka_unit_test(test_bad_pointers),
	    cmocka_unit_test(test_overrun_detected),
	    cmocka_unit_test(test_check_catches_corruption),
	    cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
