/*
 * lwIP 2.1.3 configuration for tether.
 *
 * Threading.  NO_SYS=1: lwIP runs in exactly one thread, the net thread
 * (net/net.c), which is the only caller of any lwIP function.  Other threads
 * reach it through net/sock.h.  So no lwIP locking (SYS_LIGHTWEIGHT_PROT=0).
 *
 * Memory placement (MEM_LIBC_MALLOC=0, MEMP_MEM_MALLOC=0, nothing from
 * newlib's malloc):
 *   - The heap (mem.c: PBUF_RAM pbufs, i.e. TCP/IP headers and frames that
 *     must be copied) lives in the net-general partition: LWIP_RAM_HEAP_POINTER
 *     names a pointer that net_init() sets from mm_alloc(MM_NETGEN, ...)
 *     before lwip_init().  mem.c then declares no array of its own.
 *   - The fixed pools (memp.c: PCBs, segments, pbuf headers, our RX wrappers)
 *     stay in the kernel's .bss.  lwIP 2.1.3 describes each pool by a const
 *     struct memp_desc whose base must be a link-time constant, so a pool
 *     cannot be moved to memory that is only found at run time without
 *     patching lwIP (the one alternative, MEMP_MEM_MALLOC=1, would carve
 *     them from the heap but lose the per-pool limits).  They are small,
 *     about 82 KiB in all with the sizes below, because payload is never in
 *     them: received frames stay in the drivers' buffers (zero copy,
 *     net/netif.c) and TX payload in the caller's buffers
 *     (TCP_WRITE_FLAG_COPY off, net/sock.c).
 *
 * Throughput.  TCP_WND is limited by how many driver RX buffers a window may
 * pin: zero-copy RX holds one 2 KiB buffer per full segment until the app
 * reads it, so TCP_WND + TCP_OOSEQ_MAX_BYTES (304 KiB, about 210 segments)
 * must stay below an RX queue's buffers (256 for both drivers).
 * TCP_SND_BUF costs only pbuf headers, since the payload is the caller's.
 * Checksums are computed in software both ways (LWIP_CHKSUM below).
 */
#ifndef TETHER_LWIPOPTS_H
#define TETHER_LWIPOPTS_H

#include "config.h"

/* ---- system ---- */
#define NO_SYS                     1
#define SYS_LIGHTWEIGHT_PROT       0
#define LWIP_TIMERS                1
#define LWIP_NETCONN               0
#define LWIP_SOCKET                0
#define LWIP_NETIF_API             0
#define LWIP_SINGLE_NETIF          0
#define LWIP_NETIF_HOSTNAME        1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1

/* ---- memory ---- */
/*
 * Every byte lwIP allocates, pools included, comes from the arena of the
 * traffic class being served (net/netmem.h): storage's from net-storage,
 * general's from net-general, so a flood or a stuck general connection can
 * never take the memory the storage connection needs to send or ACK.
 * MEMP_MEM_MALLOC gives up the pools' fixed counts (MEMP_NUM_* below are
 * upper bounds lwIP no longer enforces; the arenas bound each class) but
 * keeps their statistics: MEMP_STATS still counts used, max and err per pool.
 */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT   16
#include <stddef.h>
void *netmem_alloc(size_t size);
void netmem_free(void *p);
void *netmem_calloc(size_t n, size_t size);
#define mem_clib_malloc netmem_alloc
#define mem_clib_free   netmem_free
#define mem_clib_calloc netmem_calloc

#define MEMP_USE_CUSTOM_POOLS    1 /* net/port/lwippools.h: the RX wrapper pool */
#define LWIP_SUPPORT_CUSTOM_PBUF 1
/* Received frames lwIP may hold at once (config.h NET_RX_WRAPPERS); past
 * that, frames are dropped and counted (nif_stats.rx_nowrap). */

#define PBUF_POOL_SIZE          8   /* unused by our drivers; lwIP internals only */
#define MEMP_NUM_PBUF           512 /* PBUF_ROM/REF: zero-copy TCP payload */
#define MEMP_NUM_TCP_SEG        512
#define MEMP_NUM_TCP_PCB        32
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_UDP_PCB        4
#define MEMP_NUM_RAW_PCB        1
#define MEMP_NUM_ARP_QUEUE      32
/* lwIP's own timeouts, plus one per blocking socket call (net/sock.c). */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + NET_SOCK_TIMEOUTS + 4)

/* ---- protocols ---- */
#define LWIP_IPV4           1
#define LWIP_IPV6           0
#define LWIP_ARP            1
#define LWIP_ETHERNET       1
#define ARP_QUEUEING        1
#define LWIP_ICMP           1
#define LWIP_RAW            0
#define LWIP_UDP            1
#define LWIP_TCP            1
#define LWIP_DHCP           1
#define DHCP_DOES_ARP_CHECK 0 /* slirp and real servers hand out free addresses; saves 1 s */
#define LWIP_AUTOIP         0
#define LWIP_IGMP           0
#define LWIP_DNS            0 /* tether nodes never resolve names */
#define IP_REASSEMBLY       1
#define IP_FRAG             0 /* TCP never sends datagrams above the MTU */
#define SO_REUSE            1 /* a server may listen again while old PCBs are in TIME_WAIT */

/* ---- TCP ---- */
#define TCP_MSS        1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE  2
#define TCP_WND        NET_TCP_WND
#define TCP_SND_BUF    NET_TCP_SND_BUF
/* Zero-copy writes make two pbufs per segment (header + payload reference). */
#define TCP_SND_QUEUELEN          (2 * TCP_SND_BUF / TCP_MSS + 16)
#define TCP_SNDLOWAT              (32 * 1024) /* must stay below 64 KiB - 4 MSS */
#define TCP_SNDQUEUELOWAT         (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ           1
#define TCP_OOSEQ_MAX_PBUFS       64
#define TCP_OOSEQ_MAX_BYTES       NET_TCP_OOSEQ_BYTES
#define LWIP_TCP_KEEPALIVE        1
#define TCP_LISTEN_BACKLOG        1
#define LWIP_TCP_SACK_OUT         0
#define LWIP_NETIF_TX_SINGLE_PBUF 0 /* chains go to the NIC as fragments */
/* lwIP's check that TCP_WND fits in PBUF_POOL does not apply: RX frames
 * arrive in the drivers' buffers, not the pool.  Turning the checks off
 * turns off all of them, so the others are restated here. */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1
#if MEMP_NUM_TCP_SEG < TCP_SND_QUEUELEN || MEMP_NUM_PBUF < TCP_SND_QUEUELEN / 2
#error "lwipopts.h: segment or pbuf pool smaller than the send queue"
#endif
#if TCP_SND_BUF < 2 * TCP_MSS || TCP_WND < 2 * TCP_MSS
#error "lwipopts.h: TCP_SND_BUF and TCP_WND must hold two segments"
#endif
#if TCP_SND_QUEUELEN > 0xffff || TCP_WND > (0xffff << TCP_RCV_SCALE)
#error "lwipopts.h: send queue or window out of range"
#endif

/* ---- checksums: all in software ---- */
#define CHECKSUM_GEN_IP       1
#define CHECKSUM_GEN_UDP      1
#define CHECKSUM_GEN_TCP      1
#define CHECKSUM_GEN_ICMP     1
#define CHECKSUM_CHECK_IP     1
#define CHECKSUM_CHECK_UDP    1
#define CHECKSUM_CHECK_TCP    1
#define CHECKSUM_CHECK_ICMP   1
#define LWIP_CHECKSUM_ON_COPY 0
/* net/netif.c: 8 bytes a step instead of lwIP's 2 (it matters under TCG). */
unsigned short nif_chksum(const void *data, int len);
#define LWIP_CHKSUM nif_chksum

/* ---- statistics: on, printed by net_dump() ---- */
#define LWIP_STATS         1
#define LWIP_STATS_DISPLAY 1
#define LINK_STATS         1
#define ETHARP_STATS       1
#define IP_STATS           1
#define ICMP_STATS         1
#define UDP_STATS          1
#define TCP_STATS          1
#define MEM_STATS          1
#define MEMP_STATS         1 /* kept with MEMP_MEM_MALLOC: per-pool used/max/err */
#define SYS_STATS          0

/*
 * The net tables (connections, interfaces) are link-time arrays; they go to
 * a section of their own, which mm counts as part of net-general (linker.ld:
 * __netpools_start/__netpools_end; mm/mm.c).  lwIP's own pools have no
 * static memory here: MEMP_MEM_MALLOC takes them from the class arenas.
 */
#define NET_STATIC __attribute__((section(".bss.netpools")))
#define LWIP_DECLARE_MEMORY_ALIGNED(variable_name, size)                                           \
	u8_t variable_name[LWIP_MEM_ALIGN_BUFFER(size)] NET_STATIC

/* ---- hooks (net/net.c, net thread) ---- */
struct netif;
struct dhcp_msg;
struct pbuf;
void net_dhcp_append_hook(struct netif *netif, struct dhcp_msg *msg, unsigned char msg_type,
                          unsigned short *options_len);
void net_dhcp_option_hook(struct netif *netif, unsigned char option, unsigned char len,
                          struct pbuf *p, unsigned short offset);
#define LWIP_HOOK_DHCP_APPEND_OPTIONS(netif, dhcp, state, msg, msg_type, options_len_ptr)          \
	net_dhcp_append_hook(netif, msg, msg_type, options_len_ptr)
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset)  \
	do {                                                                                       \
		(void)(msg);                                                                       \
		net_dhcp_option_hook(netif, option, len, pbuf, offset);                            \
	} while (0)

/*
 * lwIP 2.1.3 asserts -- and so panics the node -- on a TCP segment that
 * starts 64 KiB or more before rcv_nxt ("insane offset!").  Any peer can
 * send one; net/netif.c drops it before lwIP looks (see nif_tcp_inpacket).
 */
struct tcp_pcb;
struct tcp_hdr;
signed char nif_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) nif_tcp_inpacket(pcb, hdr, p)

/* Before every TCP allocation: charge it to the PCB's traffic class. */
unsigned char nif_tcp_optlen(const struct tcp_pcb *pcb, unsigned char len);
#define LWIP_HOOK_TCP_OUT_TCPOPT_LENGTH(pcb, internal_len) nif_tcp_optlen(pcb, internal_len)

/* Debugging: LWIP_DEBUG stays undefined (any definition turns it on). */

#endif
