/*
 * Multiboot information parsing.  The loader's structures hold 32-bit
 * physical addresses, so the test builds them in memory mapped below 4 GiB.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "boot/bootinfo.h"

#define ARENA      ((void *)0x30000000UL)
#define ARENA_SIZE 65536

static uint8_t *arena;

struct mbi {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, loader;
} __attribute__((packed));

struct mmap_entry {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

static int setup(void **state)
{
	(void)state;
	arena = mmap(ARENA, ARENA_SIZE, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_true(arena == ARENA);
	memset(arena, 0, ARENA_SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(arena, ARENA_SIZE);
	return 0;
}

static uint32_t addr(const void *p)
{
	return (uint32_t)(uintptr_t)p;
}

static struct mbi *mbi(void)
{
	return (struct mbi *)arena;
}

static void test_bad_magic(void **state)
{
	(void)state;
	struct bootinfo bi;
	char err[256];
	assert_int_equal(bootinfo_parse(0x12345678, addr(mbi()), &bi, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not started by a Multiboot v1 loader"));
}

static void test_memory_map_and_cmdline(void **state)
{
	(void)state;
	struct mmap_entry *e = (struct mmap_entry *)(arena + 1024);
	/* Out of order on purpose, with a reserved entry between. */
	e[0] = (struct mmap_entry){20, 0x100000, 0x7f00000, 1};
	e[1] = (struct mmap_entry){20, 0xf0000, 0x10000, 2};
	e[2] = (struct mmap_entry){20, 0, 0x9fc00, 1};
	strcpy((char *)arena + 2048, "tftp://10.0.2.2/tether.bin app=selftest");
	strcpy((char *)arena + 3072, "iPXE 1.0");
	*mbi() = (struct mbi){.flags = (1 << 2) | (1 << 6) | (1 << 9),
	                      .cmdline = addr(arena + 2048),
	                      .mmap_length = 3 * sizeof(*e),
	                      .mmap_addr = addr(e),
	                      .loader = addr(arena + 3072)};
	struct bootinfo bi;
	char err[256];
	assert_int_equal(
	    bootinfo_parse(MULTIBOOT_BOOTLOADER_MAGIC, addr(mbi()), &bi, err, sizeof(err)), 0);
	assert_true(bi.from_mmap);
	assert_int_equal(bi.nram, 2);
	assert_int_equal(bi.ram[0].base, 0);
	assert_int_equal(bi.ram[1].base, 0x100000);
	assert_int_equal(bi.ram[1].len, 0x7f00000);
	assert_string_equal(bi.cmdline, "tftp://10.0.2.2/tether.bin app=selftest");
	assert_string_equal(bi.loader, "iPXE 1.0");
}

static void test_no_map_falls_back_to_mem_upper(void **state)
{
	(void)state;
	*mbi() = (struct mbi){.flags = 1, .mem_lower = 639, .mem_upper = 31 * 1024};
	struct bootinfo bi;
	char err[256];
	assert_int_equal(
	    bootinfo_parse(MULTIBOOT_BOOTLOADER_MAGIC, addr(mbi()), &bi, err, sizeof(err)), 0);
	assert_false(bi.from_mmap);
	assert_int_equal(bi.nram, 2);
	assert_int_equal(bi.ram[1].len, 31 * 1024 * 1024);
}

static void test_no_memory_information(void **state)
{
	(void)state;
	*mbi() = (struct mbi){.flags = 1 << 2, .cmdline = addr(arena + 2048)};
	struct bootinfo bi;
	char err[256];
	assert_int_equal(
	    bootinfo_parse(MULTIBOOT_BOOTLOADER_MAGIC, addr(mbi()), &bi, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "no memory map"));
}

static void test_malformed_entry_size_stops(void **state)
{
	(void)state;
	struct mmap_entry *e = (struct mmap_entry *)(arena + 1024);
	e[0] = (struct mmap_entry){4, 0x100000, 0x100000, 1}; /* size below 20: stop, don't loop */
	*mbi() = (struct mbi){.flags = 1 << 6, .mmap_length = 4 * sizeof(*e), .mmap_addr = addr(e)};
	struct bootinfo bi;
	char err[256];
	assert_int_equal(
	    bootinfo_parse(MULTIBOOT_BOOTLOADER_MAGIC, addr(mbi()), &bi, err, sizeof(err)), 0);
	assert_int_equal(bi.nram, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bad_magic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_memory_map_and_cmdline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_map_falls_back_to_mem_upper, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_memory_information, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_entry_size_stops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
