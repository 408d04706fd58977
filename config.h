/*
 * tether's one configuration header: every partition's size, every fixed
 * table's depth, every stack size.  Nothing else in the tree picks a size.
 *
 * Partition sizes are absolute (FIXED), a share of usable RAM with a floor
 * (FRACTION), or everything left over (REST).  See docs/ARCHITECTURE.md for
 * the picture and mm/mm.h for the allocators behind each partition.
 */
#ifndef TETHER_CONFIG_H
#define TETHER_CONFIG_H

#define KiB (1024UL)
#define MiB (1024UL * KiB)
#define GiB (1024UL * MiB)

#define PAGE_SIZE 4096UL

/* ---- threads and stacks ---- */
#define THREADS_MAX         48         /* thread structs live in the kernel image */
#define KSTACK_SIZE         (16 * KiB) /* kernel thread stack, plus a 4 KiB guard below */
#define KSTACK_SLOTS        24
#define APPSTACK_SIZE       (128 * KiB) /* app thread stack (libc printf wants room), plus guard */
#define APPSTACK_SLOTS      8
#define IST_STACK_SIZE      (8 * KiB) /* double fault / NMI / MCE stacks, in the kernel image */
#define THREAD_TIMESLICE_NS (10 * 1000 * 1000ULL)

/* ---- the partition table ---- */
/*
 * X(id, name, description, sizing, bytes, permille, kind)
 *   sizing: FIXED (bytes), FRACTION (max(bytes, permille/1000 of RAM)), REST (>= bytes)
 *   kind:   how the partition hands out memory (mm/mm.h):
 *           SLOTS  fixed-size slots (stacks, with a guard page each)
 *           PAGES  4 KiB page pool
 *           HEAP   bounded heap
 *           BRK    one growing break (newlib's sbrk)
 * SLOTS partitions get one extra page: the pool keeps its bitmap there.
 * The kernel image and the page tables are sized at boot, not here.
 */
#define MM_PARTITIONS(X)                                                                           \
	X(KSTACKS, "kstacks", "kernel stacks", FIXED,                                          \
	  KSTACK_SLOTS *(KSTACK_SIZE + PAGE_SIZE) + PAGE_SIZE, 0, SLOTS)                                                                                   \
	X(NETGEN, "net-general", "NIC buffers, ordinary traffic", FRACTION, 2 * MiB, 40, HEAP)     \
	X(NETSTOR, "net-storage", "NIC buffers, storage traffic", FRACTION, 2 * MiB, 30, HEAP)     \
	X(STORAGE, "storage", "iSCSI initiator heap", FRACTION, 2 * MiB, 30, HEAP)                 \
	X(PAGECACHE, "pagecache", "page cache", FRACTION, 4 * MiB, 250, PAGES)                     \
	X(APPSTACKS, "appstacks", "app stacks", FIXED,                                             \
	  APPSTACK_SLOTS *(APPSTACK_SIZE + PAGE_SIZE) + PAGE_SIZE, 0, SLOTS)                                   \
	X(APPHEAP, "appheap", "app heap", REST, 2 * MiB, 0, BRK)

/* Page tables: one 4 KiB table per 2 MiB of RAM mapped, plus this slack for
 * directories, MMIO windows and later mappings. */
#define PAGETABLE_SLACK_PAGES 16

/* RAM above this is left unused (it would only cost page tables). */
#define MM_MAX_PHYS (64 * GiB)

/* Lowest address a partition may use: below 1 MiB live the BIOS data, the
 * iBFT and the Multiboot information. */
#define MM_LOW_LIMIT (1 * MiB)

#endif
