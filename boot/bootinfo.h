/*
 * What the boot loader told us, copied out of the Multiboot v1 information
 * structure before any of low memory is reused: the command line and the
 * RAM regions.  Parsed once, by kmain, before the partitions exist.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "mm/layout.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define BOOTINFO_CMDLINE_MAX       CMDLINE_BUF_SIZE

struct bootinfo {
	char cmdline[BOOTINFO_CMDLINE_MAX];
	char loader[64];
	struct mm_region ram[BOOTINFO_REGIONS_MAX]; /* type-1 RAM, sorted, as the loader said */
	unsigned nram;
	bool from_mmap; /* false: only mem_lower/mem_upper were given */
};

/*
 * Fill bi from the Multiboot magic and info pointer.  Returns 0, or -EINVAL
 * with a message in err when the loader gave no usable memory information.
 * Boot, once, before paging is rebuilt (it reads loader memory < 4 GiB).
 */
int bootinfo_parse(uint32_t magic, uint32_t mbi_addr, struct bootinfo *bi, char *err,
                   unsigned errlen);

#endif
