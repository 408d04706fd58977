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

/* ---- kernel tables ---- */
#define CMDLINE_BUF_SIZE    2048 /* longest accepted command line is this - 1 bytes */
#define CMDLINE_MAX_PARAMS  64   /* key / key=value tokens on one line */
#define CMDLINE_MAX_ARGS    32   /* application arguments after "--" */
#define PARAMS_MAX          64   /* PARAM() keys the image may register */
#define BOOTINFO_REGIONS_MAX 32  /* RAM regions kept from the loader's memory map */
#define LIBC_DYNAMIC_LOCKS  32   /* newlib locks made at run time (__lock_init) */

/* ---- network ---- */
#define NIC_MAX             4    /* NIC instances */
#define NIC_MAX_QUEUES      4    /* RX (and TX) queue pairs per NIC */
#define NIC_MAX_FRAGS       8    /* TX fragments per frame */
#define NIC_RXBUF_SIZE      2048 /* one RX buffer: a full frame with VLAN tag fits */
#define E1000_RING_SIZE     256  /* descriptors per ring; a multiple of 8 */
#define VIRTIO_NET_QUEUE_MAX 256 /* largest virtqueue asked of a modern device */
#define NET_MBOX_SIZE       128  /* posts pending to the net thread; net_call() blocks beyond */
#define NET_POLL_BUDGET     64   /* frames per queue per poll round */
#define NET_DHCP_OPTIONS_MAX 8   /* NET_DHCP_OPTION() registrations */
#define NET_CONNS_MAX       32   /* TCP connections and listeners together */
#define NET_IOV_MAX         4    /* pieces per net_send() */
#define NET_SENDS_MAX       16   /* net_send()s in flight per connection (a power of two) */
#define NET_ACCEPT_MAX      4    /* connections a listener holds before net_accept() */
#define NET_RX_WRAPPERS     1024 /* received frames lwIP may hold at once, all NICs */
#define NET_LWIP_GENERAL_BYTES (512 * KiB) /* lwIP's memory for general traffic, in net-general */
#define NET_LWIP_STORAGE_BYTES (512 * KiB) /* lwIP's memory for storage traffic, in net-storage */
#define NET_TCP_WND         (240 * KiB) /* receive window per connection */
#define NET_TCP_SND_BUF     (256 * KiB) /* send buffer per connection */
#define NET_TCP_OOSEQ_BYTES (64 * KiB)  /* out-of-order data held per connection */
#define NET_SOCK_TIMEOUTS   40   /* blocking socket calls waiting at once (lwIP timeouts) */
#define NET_STORAGE_FLOWS_MAX 8  /* storage TCP connections the classifier knows at once */
#define NET_RX_COPYBREAK    256  /* received frames up to this size are copied, not wrapped */
#define NET_RX_GENERAL_BUDGET 16 /* general frames a queue takes into the stack per poll round */
#define NET_RX_GENERAL_HELD 128  /* general RX buffers the stack may hold at once, per NIC */
#define NET_TX_STORAGE_RESERVE 32 /* TX descriptors general frames leave free for storage */
#define NET_TX_BACKLOG      256  /* frames per class waiting for a full TX ring; beyond: dropped */
#define NET_ICMP_ERRORS_PER_S 1000 /* ICMP errors sent per second, node-wide (as Linux) */
#define NET_ICMP_ERRORS_BURST 50

/* ---- block layer and iSCSI ---- */
#define BLK_MAX_DEVS        4    /* registered block devices */
#define BLK_SYNC_BATCH      8    /* requests the synchronous helpers keep in flight */
#define ISCSI_QUEUE_DEPTH   32   /* SCSI commands in flight on the session */
#define ISCSI_SECRET_MAX    128  /* longest CHAP secret kept for login and relogin */
#define ISCSI_MAX_XFER      (1 * MiB)  /* largest request the session takes */
#define ISCSI_RX_SCRATCH    (16 * KiB) /* data segments other than Data-In: sense, text, reject */
#define ISCSI_CONNECT_BUF   (16 * KiB) /* login text each way; discovery answers */
#define ISCSI_DISCOVERED_MAX 8         /* targets a SendTargets answer is read for */

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
