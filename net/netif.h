/*
 * The glue between a NIC (net/nic.h) and an lwIP struct netif.
 *
 * RX is zero copy: each frame the driver delivers is wrapped in a
 * struct pbuf_custom over the driver's own buffer; when lwIP (or a socket
 * reader) frees the last reference, the buffer goes back to its queue with
 * nic_rx_release().  Frames up to NET_RX_COPYBREAK bytes (ACKs, small
 * requests) are copied into lwIP's heap instead and the buffer goes back at
 * once.
 * TX is zero copy too: the pbuf chain becomes the NIC's fragment list and is
 * held (pbuf_ref) until the driver's tx_done.  Only a chain of more than
 * NIC_MAX_FRAGS pieces is copied into one PBUF_RAM first.  When the ring is
 * full, frames wait in a small backlog, in order, and go out on the next
 * completion.  Bare TCP ACKs are held until the end of the net thread's
 * round and merged with later ones (nif_flush_ack()).
 *
 * Traffic classes (net/flow.h).  Each frame is classified in both
 * directions against nif_flows.  RX: a queue takes at most
 * NET_RX_GENERAL_BUDGET general frames into the stack per poll round, and
 * the stack holds at most NET_RX_GENERAL_HELD general RX buffers of a NIC;
 * past either, a general frame is dropped at once (NIC_DROP_GENERAL) and its
 * buffer reposted, so the ring never runs dry under storage.  TX: each class
 * has its own backlog, storage's is sent first, and while storage runs
 * general frames leave NET_TX_STORAGE_RESERVE descriptors free.  A NIC with two or more queue
 * pairs gives storage a pair of its own, queue 1: its RX buffers come from
 * net-storage, storage frames leave on it (so a multi-queue tap, which
 * sends a flow back on the queue it last came from, answers on it too), and
 * the net thread polls it first.  A NIC named by rd.iscsi.iface= is
 * storage's whole: every queue's buffers come from net-storage and the net
 * thread polls it before the others.  ICMP errors the node sends are
 * limited to NET_ICMP_ERRORS_PER_S, node-wide, as Linux limits them.
 *
 * Context: everything here runs in the net thread, except the kick
 * function given to nif_attach(), which the driver calls from its
 * interrupt handler.
 */
#ifndef NET_NETIF_H
#define NET_NETIF_H

#include <stdint.h>

#include "lwip/netif.h"
#include "net/flow.h"
#include "net/netcfg.h"
#include "net/nic.h"

/* The storage flows, node-wide: net/sock.c registers them.  Net thread. */
extern struct flow_table nif_flows;


struct nif_stats {
	uint64_t rx_copied;  /* small frames copied (NET_RX_COPYBREAK) */
	uint64_t rx_nowrap;  /* no RX wrapper left: frame dropped */
	uint64_t rx_refused; /* lwIP's input refused the frame */
	uint64_t tx_copied;  /* chain too long for the NIC: copied */
	uint64_t tx_nomem;   /* copy needed but no heap: dropped */
	uint64_t tx_backlogged;
	uint64_t tx_dropped;     /* backlog full, or xmit failed */
	uint64_t tx_acks_merged; /* bare ACKs replaced by a later one */
	uint64_t rx_class[NET_CLASS_N]; /* frames taken into the stack, by class */
	uint64_t tx_class[NET_CLASS_N]; /* frames handed to the driver, by class */
	uint64_t tx_icmp_limited;       /* ICMP errors not sent: over the rate */
};

/* A TX backlog: frames in order, waiting for ring space. */
struct nif_backlog {
	struct pbuf *q[NET_TX_BACKLOG];
	unsigned head, count;
};

struct nif {
	struct netif netif;
	struct nic *nic;
	unsigned index; /* position in net.c's table */
	char name[NETCFG_IFNAME_MAX];
	struct nif_backlog bl[NET_CLASS_N];
	bool storage_nic;          /* the whole NIC is storage's (rd.iscsi.iface=) */
	unsigned storage_q;        /* the storage queue pair, or 0: shared with general */
	unsigned rx_general_round; /* general frames taken in this poll round */
	unsigned rx_general_held;  /* general RX buffers the stack holds */
	struct pbuf *ack; /* a bare TCP ACK held back until nif_flush_ack() */
	uint32_t ack_seq;
	uint8_t ack_key[12];
	struct nif_stats stats;
};

/*
 * Bind nif to nic, open the device and add the lwIP netif (no address yet,
 * not default, administratively up; link state from the driver).  kick is
 * installed as the NIC's interrupt-time callback, with nif as its ctx.
 * name is what the node calls it (ifname= or the driver's name).
 * Returns 0 or -errno from the driver's open.  Net thread, once per NIC.
 */
int nif_attach(struct nif *nif, struct nic *nic, unsigned index, const char *name,
               nic_kick_fn kick, bool storage_nic);

/*
 * Deliver up to budget frames from RX queue q into lwIP and reap TX
 * completions, then push any TX backlog.  Returns the driver's count: equal
 * to budget means more may be waiting (the queue's interrupt stays masked).
 * Net thread.
 */
int nif_poll(struct nif *nif, unsigned q, int budget);

/*
 * Send the bare TCP ACK held back in this round, if any.  The net thread
 * calls it at the end of every round, before it sleeps.  Net thread.
 */
void nif_flush_ack(struct nif *nif);

/*
 * lwIP's LWIP_HOOK_TCP_OUT_TCPOPT_LENGTH, which tcp_out.c evaluates before
 * every TCP segment or ACK it allocates: serve the PCB's traffic class
 * (net/netmem.h) and add no options.  pcb is NULL for a RST answering a
 * segment of no connection; the class then stays that of the segment.
 * Net thread.
 */
struct tcp_pcb;
uint8_t nif_tcp_optlen(const struct tcp_pcb *pcb, uint8_t len);

/* True while frames wait in a TX backlog.  Net thread. */
bool nif_tx_pending(const struct nif *nif);

/* Refresh the lwIP link state from the driver.  Net thread. */
void nif_check_link(struct nif *nif);

/* lwIP's LWIP_CHKSUM: the Internet checksum of data[0..len), not inverted,
 * in the byte order lwIP expects.  Any context. */
uint16_t nif_chksum(const void *data, int len);

/* Print this interface's counters.  Any context: it only reads them. */
void nif_dump(const struct nif *nif);

#endif
