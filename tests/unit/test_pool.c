/* Unit tests for mm/pool: layout, exhaustion, misuse detection and a randomized model check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/pool.h"

/*
 * Regions come from malloc at their exact length, so ASan flags any access
 * outside [mem, mem+len).
 */
static void *region(size_t len)
{
	void *m = malloc(len);

	assert_non_null(m);
	memset(m, 0xcc, len);
	return m;
}

static void assert_layout(const struct mm_pool *p, void *mem, size_t len, size_t align)
{
	uintptr_t lo = (uintptr_t)mem, hi = lo + len;

	assert_true(p->base >= lo);
	assert_true(p->base + p->nobjs * p->objsize <= hi);
	assert_int_equal(p->base % align, 0);
	assert_int_equal(p->objsize % align, 0);
	/* The bitmap sits in the region, before the objects. */
	assert_true((uintptr_t)p->inuse >= lo);
	assert_true((uintptr_t)(p->inuse + (p->nobjs + 63) / 64) <= p->base);
}

static void test_init_too_small(void **state)
{
	struct mm_pool p;
	void *m = region(64);

	(void)state;
	assert_int_equal(mm_pool_init(&p, "t", m, 0, 8, 8), -EINVAL);
	assert_int_equal(mm_pool_init(&p, "t", m, 8, 8, 8), -EINVAL);
	assert_int_equal(mm_pool_init(&p, "t", m, 64, 64, 8), -EINVAL);
	assert_int_equal(mm_pool_init(&p, "t", NULL, 0, 8, 8), -EINVAL);
	/* An empty pool still behaves. */
	assert_null(mm_pool_alloc(&p));
	assert_int_equal(p.fails, 1);
	assert_int_equal(mm_pool_avail(&p), 0);
	assert_false(mm_pool_contains(&p, m));
	/* Just enough for one: bitmap word + one object. */
	assert_int_equal(mm_pool_init(&p, "t", m, 16, 8, 8), 0);
	assert_int_equal(p.nobjs, 1);
	free(m);
}

static void test_init_asserts(void **state)
{
	struct mm_pool p;
	char m[64];

	(void)state;
	expect_assert_failure(mm_pool_init(&p, "t", m, sizeof(m), 0, 8));
	expect_assert_failure(mm_pool_init(&p, "t", m, sizeof(m), 8, 12));
}

static void test_layout_variants(void **state)
{
	static const size_t objsizes[] = {1, 7, 8, 9, 16, 24, 100, 512, 4000};
	static const size_t aligns[] = {0, 1, 8, 16, 64, 4096};
	static const size_t lens[] = {17, 100, 4096, 65536, 300001};

	(void)state;
	for (size_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++)
		for (size_t o = 0; o < sizeof(objsizes) / sizeof(objsizes[0]); o++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
				for (size_t skew = 0; skew < 3; skew++) {
					size_t len = lens[l], al = aligns[a] < 8 ? 8 : aligns[a];
					char *raw = region(len + skew);
					void *m = raw + skew;
					struct mm_pool p;
					size_t stride, got = 0;
					int rc;

					rc = mm_pool_init(&p, "v", m, len, objsizes[o], aligns[a]);
					stride = (objsizes[o] < 8 ? 8 : objsizes[o]);
					stride = (stride + al - 1) / al * al;
					if (rc != 0) {
						assert_int_equal(rc, -EINVAL);
						/* Only when even one object plus a word cannot fit.
						 */
						assert_true(len < stride + 8 + al + 8);
						free(raw);
						continue;
					}
					assert_int_equal(p.objsize, stride);
					assert_layout(&p, m, len, al);
					/* Wasted space is bounded: bitmap, padding, one partial
					 * object. */
					assert_true(p.nobjs * stride + p.nobjs / 8 + 8 + 8 + al +
					                stride >
					            len);
					/* Fill every object entirely: ASan checks the bounds. */
					for (void *o2; (o2 = mm_pool_alloc(&p)) != NULL; got++) {
						assert_int_equal((uintptr_t)o2 % al, 0);
						memset(o2, 0xab, objsizes[o]);
					}
					assert_int_equal(got, p.nobjs);
					assert_int_equal(p.fails, 1);
					free(raw);
				}
}

static void test_exhaust_and_reuse(void **state)
{
	struct mm_pool p;
	void *m = region(4096);
	void *objs[512];
	size_t n = 0;

	(void)state;
	assert_int_equal(mm_pool_init(&p, "ex", m, 4096, 32, 16), 0);
	assert_string_equal(p.name, "ex");
	assert_int_equal(mm_pool_avail(&p), p.nobjs);
	while ((objs[n] = mm_pool_alloc(&p)) != NULL) {
		assert_true(mm_pool_contains(&p, objs[n]));
		for (size_t i = 0; i < n; i++)
			assert_ptr_not_equal(objs[i], objs[n]);
		n++;
	}
	assert_int_equal(n, p.nobjs);
	assert_int_equal(p.used, n);
	assert_int_equal(p.hiwater, n);
	assert_int_equal(p.allocs, n);
	assert_int_equal(p.fails, 1);
	assert_null(mm_pool_alloc(&p));
	assert_int_equal(p.fails, 2);
	assert_int_equal(mm_pool_avail(&p), 0);

	/* LIFO reuse. */
	mm_pool_free(&p, objs[3]);
	mm_pool_free(&p, objs[7]);
	assert_int_equal(mm_pool_avail(&p), 2);
	assert_ptr_equal(mm_pool_alloc(&p), objs[7]);
	assert_ptr_equal(mm_pool_alloc(&p), objs[3]);
	assert_null(mm_pool_alloc(&p));

	for (size_t i = 0; i < n; i++)
		mm_pool_free(&p, objs[i]);
	assert_int_equal(p.used, 0);
	assert_int_equal(p.hiwater, n);
	assert_int_equal(mm_pool_avail(&p), n);
	mm_pool_free(&p, NULL);
	assert_int_equal(p.used, 0);
	free(m);
}

static void test_contains(void **state)
{
	struct mm_pool p;
	char *m = region(1024);

	(void)state;
	assert_int_equal(mm_pool_init(&p, "c", m, 1024, 40, 8), 0);
	assert_true(mm_pool_contains(&p, (void *)p.base));
	assert_true(mm_pool_contains(&p, (void *)(p.base + 41)));
	assert_true(mm_pool_contains(&p, (void *)(p.base + p.nobjs * p.objsize - 1)));
	assert_false(mm_pool_contains(&p, (void *)(p.base + p.nobjs * p.objsize)));
	assert_false(mm_pool_contains(&p, (void *)(p.base - 1)));
	assert_false(mm_pool_contains(&p, m)); /* the bitmap is not an object */
	assert_false(mm_pool_contains(&p, NULL));
	free(m);
}

static void test_double_free(void **state)
{
	struct mm_pool p;
	void *m = region(1024);
	void *a, *b;

	(void)state;
	assert_int_equal(mm_pool_init(&p, "df", m, 1024, 16, 16), 0);
	a = mm_pool_alloc(&p);
	b = mm_pool_alloc(&p);
	mm_pool_free(&p, a);
	expect_assert_failure(mm_pool_free(&p, a));
	mm_pool_free(&p, b);
	expect_assert_failure(mm_pool_free(&p, b));
	expect_assert_failure(mm_pool_free(&p, a));
	free(m);
}

static void test_bad_pointers(void **state)
{
	struct mm_pool p;
	char *m = region(1024);
	char outside[16];
	char *a;

	(void)state;
	assert_int_equal(mm_pool_init(&p, "bp", m, 1024, 32, 16), 0);
	a = mm_pool_alloc(&p);
	expect_assert_failure(mm_pool_free(&p, a + 1));
	expect_assert_failure(mm_pool_free(&p, a + 16));
	expect_assert_failure(mm_pool_free(&p, outside));
	expect_assert_failure(mm_pool_free(&p, m));
	/* A valid slot that was never handed out. */
	expect_assert_failure(mm_pool_free(&p, a + p.objsize));
	expect_assert_failure(mm_pool_free(&p, (void *)(p.base + (p.nobjs - 1) * p.objsize)));
	mm_pool_free(&p, a);
	assert_int_equal(p.used, 0);
	free(m);
}

static void test_write_after_free(void **state)
{
	struct mm_pool p;
	void *m = region(1024);
	void *a, *b;

	(void)state;
	assert_int_equal(mm_pool_init(&p, "waf", m, 1024, 32, 16), 0);
	a = mm_pool_alloc(&p);
	b = mm_pool_alloc(&p);
	mm_pool_free(&p, a);
	mm_pool_free(&p, b);
	/* b heads the list and links to a; scribble over the link. */
	memset(b, 0x41, sizeof(void *));
	expect_assert_failure(mm_pool_alloc(&p));
	free(m);
}

/* Random alloc/free against a model: a list of live objects, each filled with its own tag. */
static void stress(size_t len, size_t objsize, size_t align, unsigned seed, int steps)
{
	struct mm_pool p;
	char *m = region(len);
	void **live;
	size_t nlive = 0, hi = 0;
	uint64_t allocs = 0, fails = 0;

	assert_int_equal(mm_pool_init(&p, "stress", m, len, objsize, align), 0);
	live = calloc(p.nobjs, sizeof(*live));
	srand(seed);
	for (int s = 0; s < steps; s++) {
		bool do_alloc = nlive == 0 || (rand() % 100) < (s % 2000 < 1000 ? 65 : 35);

		if (do_alloc) {
			unsigned char *o = mm_pool_alloc(&p);

			if (nlive == p.nobjs) {
				assert_null(o);
				fails++;
				continue;
			}
			assert_non_null(o);
			assert_true(mm_pool_contains(&p, o));
			assert_int_equal(((uintptr_t)o - p.base) % p.objsize, 0);
			memset(o, (int)(((uintptr_t)o >> 4) & 0xff), objsize);
			live[nlive++] = o;
			allocs++;
			if (nlive > hi)
				hi = nlive;
		} else {
			size_t i = (size_t)rand() % nlive;
			unsigned char *o = live[i];

			/* Every byte still carries the tag: no two live objects overlap. */
			for (size_t b = 0; b < objsize; b++)
				assert_int_equal(o[b], ((uintptr_t)o >> 4) & 0xff);
			mm_pool_free(&p, o);
			live[i] = live[--nlive];
		}
		assert_int_equal(p.used, nlive);
		assert_int_equal(mm_pool_avail(&p), p.nobjs - nlive);
		assert_int_equal(p.hiwater, hi);
		assert_int_equal(p.allocs, allocs);
		assert_int_equal(p.fails, fails);
	}
	while (nlive > 0)
		mm_pool_free(&p, live[--nlive]);
	assert_int_equal(mm_pool_avail(&p), p.nobjs);
	free(live);
	free(m);
}

static void test_stress(void **state)
{
	(void)state;
	stress(4096, 24, 8, 1, 20000);
	stress(65536, 100, 64, 2, 50000);
	stress(300, 16, 16, 3, 5000);
	stress(1 << 20, 4096, 4096, 4, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_too_small),  cmocka_unit_test(test_init_asserts),
	    cmocka_unit_test(test_layout_variants), cmocka_unit_test(test_exhaust_and_reuse),
	    cmocka_unit_test(test_contains),        cmocka_unit_test(test_double_free),
	    cmocka_unit_test(test_bad_pointers),    cmocka_unit_test(test_write_after_free),
	    cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
