/*
 * The NIC layer: the contract between NIC drivers (net/virtio_net.c,
 * net/e1000.c) and the network stack (net/netif.c, the lwIP glue).
 *
 * Queues and memory.  A NIC has one or more RX queues and TX queues.  Each
 * RX queue is bound, when the NIC is opened, to a buffer pool carved from a
 * partition (MM_NETGEN for ordinary traffic, MM_NETSTOR for the storage
 * queue); the driver posts only buffers from that pool to that queue, so a
 * flood on one queue can exhaust only its own pool.  All rings and buffers
 * are allocated at open time; nothing on the RX, TX or interrupt path
 * allocates.
 *
 * Contexts.  The interrupt handler only masks the queue's interrupt and
 * wakes the net thread (NAPI style).  Everything else (poll, xmit, buffer
 * return) runs in the net thread, the one thread that owns the stack.
 *
 * Buffer ownership.
 *   RX: nic_rx_fn receives a struct nic_rxbuf that the stack owns until it
 *       calls nic_rx_release(); the driver then reposts it to its queue.
 *   TX: nic_xmit() borrows the caller's fragments until the driver calls
 *       the completion (done) with the cookie; the caller must not reuse
 *       them before that.  The driver never copies payload unless the
 *       device forces it (documented per driver).
 */
#ifndef NET_NIC_H
#define NET_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "mm/mm.h"
#include "net/eth.h"

struct nic;

struct nic_rxbuf {
	uint8_t *data; /* start of the Ethernet frame */
	uint16_t len;  /* frame length, without FCS */
	uint8_t queue; /* RX queue it arrived on */
	struct nic *nic;
	void *priv; /* driver bookkeeping */
};

struct nic_frag {
	const void *data;
	uint16_t len;
};

/* Why a frame was dropped, for the per-queue statistics. */
enum nic_drop {
	NIC_DROP_NOBUF,    /* the queue's pool was empty */
	NIC_DROP_TOOSHORT, /* shorter than an Ethernet header */
	NIC_DROP_TOOLONG,  /* longer than the MTU allows */
	NIC_DROP_BADCSUM,  /* checksum error reported by the device or the stack */
	NIC_DROP_OTHERMAC, /* unicast to another MAC */
	NIC_DROP_ERROR,    /* device reported an RX error */
	NIC_DROP_STACK,    /* the stack refused it */
	NIC_DROP_GENERAL,  /* general traffic over its budget (net/flow.h) */
	NIC_DROP_NREASONS
};

struct nic_qstats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drops[NIC_DROP_NREASONS];
	uint64_t tx_busy; /* xmit found the ring full */
	uint64_t polls, irqs;
};

struct nic_ops {
	const char *name; /* "virtio-net", "e1000" */
	/* Allocate rings and post RX buffers from each queue's partition, enable
	 * the device.  n->rx, tx_done and kick must be set.  Opens nrxq queues
	 * (the stack may lower the probe value first); the driver may lower
	 * nrxq/ntxq further (e.g. too few MSI-X vectors) and sets irq_mode.
	 * 0 or -errno (-EBUSY if already open).  Net thread, once. */
	int (*open)(struct nic *n);
	/* Queue one frame on TX queue q, leaving at least keep descriptors
	 * free (a reserve for storage traffic; 0 for none).  0, -EBUSY (ring
	 * full, or the reserve reached: retry after a completion), -EINVAL.  Never calls tx_done itself: completions of TX
	 * queue q are reported by poll(q), and every completion leads to a
	 * kick of queue q (from the interrupt, or from within xmit when it
	 * returns -EBUSY and one is already waiting), so the stack need not
	 * poll on a timer.  Net thread. */
	int (*xmit)(struct nic *n, unsigned q, const struct nic_frag *frags, unsigned nfrags,
	            unsigned keep, void *cookie);
	/* Deliver up to budget received frames from RX queue q through n->rx, and
	 * reap TX completions through n->tx_done.  Returns frames delivered; below
	 * budget means the queue is drained and its interrupt was re-enabled.
	 * Net thread. */
	int (*poll)(struct nic *n, unsigned q, int budget);
	/* Give an RX buffer back to its queue.  Net thread. */
	void (*rx_release)(struct nic *n, struct nic_rxbuf *b);
	/* Link state. */
	bool (*link_up)(struct nic *n);
};

typedef void (*nic_rx_fn)(struct nic *n, struct nic_rxbuf *b, void *ctx);
typedef void (*nic_tx_done_fn)(struct nic *n, void *cookie, void *ctx);
typedef void (*nic_kick_fn)(struct nic *n, unsigned q, void *ctx);

struct nic {
	const struct nic_ops *ops;
	char name[8]; /* "eth0" */
	uint8_t mac[6];
	unsigned nrxq, ntxq;                      /* offered after probe, used after open */
	enum mm_part_id rxq_part[NIC_MAX_QUEUES]; /* partition behind each RX queue */
	struct nic_qstats stats[NIC_MAX_QUEUES];
	const char *irq_mode; /* "MSI-X", "INTx"; final after open */
	nic_rx_fn rx;         /* set by the stack before open */
	nic_tx_done_fn tx_done;
	nic_kick_fn kick; /* from the interrupt handler (or xmit): wake the poller */
	void *ctx;
	void *priv; /* driver state */
};

/* Drivers call this from their PCI probe; 0 or -ENOSPC.  Boot. */
int nic_register(struct nic *n);

/* The registered NICs, in PCI order.  Any context after boot. */
unsigned nic_count(void);
struct nic *nic_get(unsigned i);
struct nic *nic_by_mac(const uint8_t mac[6]);

static inline int nic_xmit(struct nic *n, unsigned q, const struct nic_frag *f, unsigned nf,
                           void *cookie)
{
	return n->ops->xmit(n, q, f, nf, 0, cookie);
}

/* nic_xmit() that leaves keep TX descriptors free for frames sent without. */
static inline int nic_xmit_keep(struct nic *n, unsigned q, const struct nic_frag *f,
                                unsigned nf, unsigned keep, void *cookie)
{
	return n->ops->xmit(n, q, f, nf, keep, cookie);
}

/*
 * Drivers hand each received frame through here, as iPXE's netdev_rx: it
 * checks the length against Ethernet's bounds, counts the frame on queue
 * b->queue, and passes it to n->rx, which then owns b until
 * nic_rx_release().  A frame that is too short or too long is counted as a
 * drop instead, and false says the driver keeps b (to repost it).  The
 * driver's poll context (the net thread).
 */
bool nic_deliver(struct nic *n, struct nic_rxbuf *b);

/* Count a frame the driver dropped itself on queue q (device errors,
 * truncated or pool-less receives).  The driver's poll context. */
static inline void nic_rx_drop(struct nic *n, unsigned q, enum nic_drop why)
{
	n->stats[q].drops[why]++;
}

static inline void nic_rx_release(struct nic_rxbuf *b)
{
	b->nic->ops->rx_release(b->nic, b);
}

/* Print per-queue counters for every NIC.  Any context. */
void nic_stats_dump(void);

#endif
