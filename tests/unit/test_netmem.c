/* Unit tests for net/netmem: per-class arenas, size classes, reuse, and that
 * one class never takes the other's memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/netmem.h"

static unsigned char gen[64 * 1024] __attribute__((aligned(16)));
static unsigned char stor[16 * 1024] __attribute__((aligned(16)));

static int setup(void **state)
{
	(void)state;
	netmem_init(NET_CLASS_GENERAL, gen, sizeof(gen));
	netmem_init(NET_CLASS_STORAGE, stor, sizeof(stor));
	netmem_use(NET_CLASS_GENERAL);
	return 0;
}

static bool inside(const void *p, const unsigned char *base, size_t len)
{
	return (const unsigned char *)p >= base && (const unsigned char *)p < base + len;
}

static void test_classes_and_alignment(void **state)
{
	(void)state;
	void *g = netmem_alloc(100);
	assert_non_null(g);
	assert_true(inside(g, gen, sizeof(gen)));
	assert_int_equal((uintptr_t)g % 16, 0);
	assert_int_equal(netmem_use(NET_CLASS_STORAGE), NET_CLASS_GENERAL);
	void *s = netmem_alloc(100);
	assert_true(inside(s, stor, sizeof(stor)));
	/* freed while the other class is served: it goes home all the same */
	netmem_use(NET_CLASS_GENERAL);
	netmem_free(s);
	assert_int_equal(netmem_arena(NET_CLASS_STORAGE)->used, 0);
	assert_int_equal(netmem_arena(NET_CLASS_GENERAL)->used, 128);
	netmem_free(g);
	assert_int_equal(netmem_arena(NET_CLASS_GENERAL)->used, 0);
	assert_int_equal(netmem_arena(NET_CLASS_GENERAL)->hiwater, 128);
	netmem_free(NULL);
}

static void test_reuse_and_sizes(void **state)
{
	(void)state;
	void *a = netmem_alloc(40);  /* 64-byte class */
	void *b = netmem_alloc(1500); /* 2 KiB class */
	netmem_free(a);
	assert_ptr_equal(netmem_alloc(48), a); /* the same class reuses its block */
	netmem_free(b);
	assert_ptr_equal(netmem_alloc(1600), b);
	assert_null(netmem_alloc(4096)); /* above 4 KiB with the header */
	assert_non_null(netmem_alloc(4096 - 16));
	assert_int_equal(netmem_arena(NET_CLASS_GENERAL)->fails, 1);
	unsigned char *z = netmem_calloc(10, 10);
	for (int i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	assert_null(netmem_calloc(SIZE_MAX / 2, 4));
}

static void test_full_class_never_borrows(void **state)
{
	(void)state;
	/* general fills its arena ... */
	int n = 0;
	while (netmem_alloc(1000))
		n++;
	assert_int_equal(n, 64 * 1024 / 1024);
	assert_true(netmem_arena(NET_CLASS_GENERAL)->fails > 0);
	/* ... and storage still has every byte of its own */
	netmem_use(NET_CLASS_STORAGE);
	for (int i = 0; i < 16; i++)
		assert_non_null(netmem_alloc(1000));
	assert_null(netmem_alloc(1000));
	assert_int_equal(netmem_arena(NET_CLASS_STORAGE)->used, 16 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_classes_and_alignment, setup),
	    cmocka_unit_test_setup(test_reuse_and_sizes, setup),
	    cmocka_unit_test_setup(test_full_class_never_borrows, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
