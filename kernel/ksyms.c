/*
 * Lookup in the embedded symbol table.  Layout of .ksyms, as written by
 * scripts/ksyms.sh: u64 count; count x { u64 addr; u64 name offset }, sorted
 * by address; then the NUL-terminated names.
 */
#include <errno.h>
#include <string.h>

#include "kernel/ksyms.h"

extern const uint8_t __ksyms_start[], __ksyms_end[];

struct ksym {
	uint64_t addr;
	uint64_t name;
};

static uint64_t count(void)
{
	if (__ksyms_end - __ksyms_start < 8)
		return 0;
	return *(const uint64_t *)__ksyms_start;
}

static const struct ksym *table(void)
{
	return (const struct ksym *)(__ksyms_start + 8);
}

static const char *name_at(uint64_t off)
{
	return (const char *)(__ksyms_start + 8 + count() * sizeof(struct ksym) + off);
}

int ksyms_lookup(uintptr_t addr, const char **name, uintptr_t *offset)
{
	uint64_t n = count();
	const struct ksym *t = table();
	if (n == 0 || addr < t[0].addr)
		return -ENOENT;
	uint64_t lo = 0, hi = n;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (t[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* The last entry is the end-of-text marker: past it is not code. */
	if (lo == n - 1)
		return -ENOENT;
	*name = name_at(t[lo].name);
	*offset = addr - t[lo].addr;
	return 0;
}

uintptr_t ksyms_addr(const char *name)
{
	uint64_t n = count();
	for (uint64_t i = 0; i < n; i++)
		if (strcmp(name_at(table()[i].name), name) == 0)
			return table()[i].addr;
	return 0;
}
