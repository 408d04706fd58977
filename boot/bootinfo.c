/*
 * Multiboot v1 information parsing.  The loader's structures live in memory
 * that the partitions will reuse, so everything we need is copied into a
 * struct bootinfo in the kernel image first.
 */
#include <errno.h>
#include <string.h>

#include "boot/bootinfo.h"
#include "kernel/fmt.h"

#define MBI_MEM     (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MMAP    (1u << 6)
#define MBI_LOADER  (1u << 9)

struct mbi {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __attribute__((packed));

struct mmap_entry {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

static void add_region(struct bootinfo *bi, uint64_t base, uint64_t len)
{
	if (!len || bi->nram == BOOTINFO_REGIONS_MAX)
		return;
	unsigned i = bi->nram++;
	while (i > 0 && bi->ram[i - 1].base > base) {
		bi->ram[i] = bi->ram[i - 1];
		i--;
	}
	bi->ram[i] = (struct mm_region){base, len};
}

static void copy_str(char *dst, size_t cap, uint32_t addr)
{
	const char *src = (const char *)(uintptr_t)addr;
	size_t n = 0;
	while (n + 1 < cap && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = 0;
}

int bootinfo_parse(uint32_t magic, uint32_t mbi_addr, struct bootinfo *bi, char *err,
                   unsigned errlen)
{
	memset(bi, 0, sizeof(*bi));
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		fmt_snprintf(
		    err, errlen,
		    "boot: not started by a Multiboot v1 loader (magic %#x, expected %#x); "
		    "boot tether with QEMU -kernel, iPXE or GRUB's multiboot command",
		    magic, MULTIBOOT_BOOTLOADER_MAGIC);
		return -EINVAL;
	}
	const struct mbi *m = (const struct mbi *)(uintptr_t)mbi_addr;
	if (m->flags & MBI_CMDLINE)
		copy_str(bi->cmdline, sizeof(bi->cmdline), m->cmdline);
	if (m->flags & MBI_LOADER)
		copy_str(bi->loader, sizeof(bi->loader), m->boot_loader_name);

	if ((m->flags & MBI_MMAP) && m->mmap_length >= sizeof(struct mmap_entry)) {
		uint32_t off = 0;
		while (off + sizeof(struct mmap_entry) <= m->mmap_length) {
			const struct mmap_entry *e =
			    (const struct mmap_entry *)(uintptr_t)(m->mmap_addr + off);
			if (e->type == 1)
				add_region(bi, e->base, e->len);
			if (e->size < 20)
				break; /* a malformed entry would loop forever */
			off += e->size + 4;
		}
		bi->from_mmap = true;
	}
	if (!bi->nram && (m->flags & MBI_MEM)) {
		add_region(bi, 0, (uint64_t)m->mem_lower * 1024);
		add_region(bi, 1024 * 1024, (uint64_t)m->mem_upper * 1024);
		bi->from_mmap = false;
	}
	if (!bi->nram) {
		fmt_snprintf(
		    err, errlen,
		    "boot: the loader passed no memory map and no memory size (Multiboot "
		    "flags %#x); tether cannot tell where RAM is. Use a loader that passes "
		    "one (QEMU -kernel, iPXE, GRUB)",
		    m->flags);
		return -EINVAL;
	}
	return 0;
}
