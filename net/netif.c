/*
 * ethernetif for tether: moves frames between a struct nic and lwIP without
 * copying them (see net/netif.h for the buffer ownership rules).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/assert.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "lwip/etharp.h"
#include "lwip/ip.h"
#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/stats.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/netif.h"
#include "net/netmem.h"
#include "netif/ethernet.h"

struct flow_table nif_flows;

/* ICMP errors, node-wide, as Linux's icmp_msgs_per_sec. */
static struct flow_bucket icmp_bucket = {.rate = NET_ICMP_ERRORS_PER_S,
                                         .burst = NET_ICMP_ERRORS_BURST};

/* The RX wrapper: lwIP's custom pbuf plus the driver buffer under it.  The
 * pbuf_custom must come first: lwIP hands the free callback a struct pbuf *.
 * The low bit of rb says the frame was general (counted in rx_general_held):
 * a struct nic_rxbuf is pointer-aligned, and the wrapper has no room for
 * more (its pool is sized in net/port/lwippools.h). */
struct nif_rxpbuf {
	struct pbuf_custom pc;
	uintptr_t rb;
};
BUILD_ASSERT(sizeof(struct nif_rxpbuf) <= sizeof(struct pbuf_custom) + sizeof(void *));
BUILD_ASSERT(offsetof(struct nif_rxpbuf, pc) == 0);
BUILD_ASSERT(NET_RX_COPYBREAK < NIC_RXBUF_SIZE);
/* General traffic must leave each RX ring buffers, and each TX ring room
 * beyond the storage reserve for a frame of its own. */
BUILD_ASSERT(NET_RX_GENERAL_HELD < E1000_RING_SIZE && NET_RX_GENERAL_HELD < VIRTIO_NET_QUEUE_MAX);
BUILD_ASSERT(NET_TX_STORAGE_RESERVE + NIC_MAX_FRAGS + 1 < E1000_RING_SIZE);
BUILD_ASSERT(NET_TX_STORAGE_RESERVE + NIC_MAX_FRAGS + 1 < VIRTIO_NET_QUEUE_MAX);

static void nif_rx_free(struct pbuf *p)
{
	struct nif_rxpbuf *w = (struct nif_rxpbuf *)p;
	struct nic_rxbuf *rb = (struct nic_rxbuf *)(w->rb & ~(uintptr_t)1);

	if (w->rb & 1) {
		struct nif *nif = rb->nic->ctx;
		ASSERT(nif->rx_general_held > 0);
		nif->rx_general_held--;
	}
	memp_free(MEMP_NIF_RX, w);
	nic_rx_release(rb);
}

/* The frame as a pbuf, or NULL when it had to be dropped (buffer returned). */
static struct pbuf *nif_rx_pbuf(struct nif *nif, struct nic_rxbuf *rb, enum net_class cls)
{
	struct nif_rxpbuf *w;
	struct pbuf *p;

	/* Small frames are copied and their buffer reposted at once: a stream
	 * of tiny segments waiting in a socket must not pin a 2 KiB buffer
	 * each and starve the queue. */
	if (rb->len <= NET_RX_COPYBREAK && (p = pbuf_alloc(PBUF_RAW, rb->len, PBUF_RAM))) {
		memcpy(p->payload, rb->data, rb->len);
		nic_rx_release(rb);
		nif->stats.rx_copied++;
		return p;
	}
	w = memp_malloc(MEMP_NIF_RX);
	if (!w) {
		nif->stats.rx_nowrap++;
		nic_rx_release(rb);
		return NULL;
	}
	BUILD_ASSERT(_Alignof(struct nic_rxbuf) >= 2);
	w->rb = (uintptr_t)rb | (cls == NET_CLASS_GENERAL);
	nif->rx_general_held += cls == NET_CLASS_GENERAL;
	w->pc.custom_free_function = nif_rx_free;
	p = pbuf_alloced_custom(PBUF_RAW, rb->len, PBUF_REF, &w->pc, rb->data, rb->len);
	ASSERT(p); /* only fails for a length above the buffer, which it is not */
	return p;
}

static void nif_rx(struct nic *n, struct nic_rxbuf *rb, void *ctx)
{
	struct nif *nif = ctx;
	unsigned q = rb->queue;
	struct pbuf *p;

	ASSERT(rb->nic == n && q < NIC_MAX_QUEUES);
	/* lwIP checks only group addresses, and a virtio-net device starts out
	 * promiscuous: unicast for another station would reach IP and be
	 * answered if it carried our address. */
	if (!(rb->data[0] & 1) && memcmp(rb->data, n->mac, ETH_HWADDR_LEN) != 0) {
		n->stats[q].drops[NIC_DROP_OTHERMAC]++;
		nic_rx_release(rb);
		return;
	}
	enum net_class cls = flow_classify(&nif_flows, rb->data, rb->len);
	if (cls == NET_CLASS_GENERAL && nif_flows.n &&
	    (nif->rx_general_round >= NET_RX_GENERAL_BUDGET ||
	     nif->rx_general_held >= NET_RX_GENERAL_HELD)) {
		/* Storage is running and general traffic has had its share. */
		n->stats[q].drops[NIC_DROP_GENERAL]++;
		nic_rx_release(rb);
		return;
	}
	nif->rx_general_round += cls == NET_CLASS_GENERAL;
	netmem_use(cls); /* what lwIP allocates for this frame is its class's */
	p = nif_rx_pbuf(nif, rb, cls);
	if (!p) {
		n->stats[q].drops[NIC_DROP_STACK]++;
		return;
	}
	nif->stats.rx_class[cls]++;
	LINK_STATS_INC(link.recv);
	if (nif->netif.input(p, &nif->netif) != ERR_OK) {
		/* lwIP did not take it, so it is still ours to free. */
		nif->stats.rx_refused++;
		n->stats[q].drops[NIC_DROP_STACK]++;
		LINK_STATS_INC(link.drop);
		pbuf_free(p);
	}
}

uint16_t nif_chksum(const void *data, int len)
{
	const uint8_t *p = data;
	uint64_t sum = 0, w;
	uint32_t t;

	/* Eight bytes per step with end-around carry: the ones' complement
	 * sum does not care how wide the words are, only that byte pairs keep
	 * their position from the start.  Unaligned loads are fine on x86. */
	for (; len >= 8; p += 8, len -= 8) {
		__builtin_memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
	}
	if (len >= 4) {
		__builtin_memcpy(&t, p, 4);
		sum += t;
		sum += sum < t;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		__builtin_memcpy(&h, p, 2);
		sum += h;
		sum += sum < h;
		p += 2;
		len -= 2;
	}
	if (len) {
		sum += *p; /* the odd byte is the low half of a little-endian word */
		sum += sum < *p;
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void nif_tx_done(struct nic *n, void *cookie, void *ctx)
{
	(void)n;
	(void)ctx;
	pbuf_free(cookie);
}

/* Hand one frame (already referenced for the NIC) to the driver; general
 * frames leave the storage reserve free. */
static int nif_xmit(struct nif *nif, struct pbuf *p, enum net_class cls)
{
	struct nic_frag frags[NIC_MAX_FRAGS];
	unsigned nf = 0;

	for (struct pbuf *q = p; q; q = q->next) {
		if (q->len == 0)
			continue;
		ASSERT(nf < NIC_MAX_FRAGS); /* nif_linkoutput copied longer chains */
		frags[nf].data = q->payload;
		frags[nf].len = q->len;
		nf++;
	}
	/* The reserve is kept while storage runs, and only on a ring it shares. */
	unsigned q = cls == NET_CLASS_STORAGE ? nif->storage_q : 0;
	unsigned keep = cls == NET_CLASS_GENERAL && !nif->storage_q && nif_flows.n
	                    ? NET_TX_STORAGE_RESERVE
	                    : 0;
	int rc = nic_xmit_keep(nif->nic, q, frags, nf, keep, p);
	nif->stats.tx_class[cls] += rc == 0;
	return rc;
}

/* Send what one class has waiting; false if the ring filled up first. */
static bool flush_class(struct nif *nif, enum net_class cls)
{
	struct nif_backlog *b = &nif->bl[cls];

	while (b->count) {
		struct pbuf *p = b->q[b->head];
		int rc = nif_xmit(nif, p, cls);
		if (rc == -EBUSY)
			return false;
		if (rc) {
			nif->stats.tx_dropped++;
			LINK_STATS_INC(link.drop);
			pbuf_free(p);
		}
		b->head = (b->head + 1) % NET_TX_BACKLOG;
		b->count--;
	}
	return true;
}

static void nif_flush_backlog(struct nif *nif)
{
	/* On a shared ring, general waits until storage has gone. */
	if (flush_class(nif, NET_CLASS_STORAGE) || nif->storage_q)
		flush_class(nif, NET_CLASS_GENERAL);
}

bool nif_tx_pending(const struct nif *nif)
{
	return nif->bl[NET_CLASS_STORAGE].count || nif->bl[NET_CLASS_GENERAL].count;
}

static unsigned chain_frags(const struct pbuf *p)
{
	unsigned n = 0;

	for (; p; p = p->next)
		n += p->len != 0;
	return n;
}

/* Queue a frame the driver now holds a reference to: straight to the ring,
 * or behind the backlog so that frames leave in order. */
static err_t nif_send(struct nif *nif, struct pbuf *p)
{
	enum net_class cls = flow_classify_tx(&nif_flows, p->payload, p->len);
	struct nif_backlog *b = &nif->bl[cls];
	/* Storage may pass general frames that wait; never its own. */
	int rc = b->count ? -EBUSY : nif_xmit(nif, p, cls);

	LINK_STATS_INC(link.xmit);
	if (rc == 0)
		return ERR_OK;
	if (rc == -EBUSY && b->count < NET_TX_BACKLOG) {
		b->q[(b->head + b->count) % NET_TX_BACKLOG] = p;
		b->count++;
		nif->stats.tx_backlogged++;
		return ERR_OK;
	}
	nif->stats.tx_dropped++;
	LINK_STATS_INC(link.drop);
	pbuf_free(p);
	return rc == -EBUSY ? ERR_MEM : ERR_IF;
}

/*
 * A bare TCP ACK over IPv4 without options or payload, as lwIP sends one
 * for every second segment received: its 4-tuple key and ack number.
 */
static bool pure_ack(const struct pbuf *p, uint8_t key[12], uint32_t *ack)
{
	const uint8_t *f = p->payload;
	const size_t ip = SIZEOF_ETH_HDR, tcp = ip + IP_HLEN;

	if (p->next || p->len != tcp + TCP_HLEN)
		return false;
	if (f[12] != 0x08 || f[13] != 0x00 || f[ip] != 0x45 || f[ip + 9] != IP_PROTO_TCP)
		return false;
	if (f[tcp + 12] != (TCP_HLEN / 4) << 4 || f[tcp + 13] != TCP_ACK)
		return false;
	memcpy(key, f + ip + 12, 8); /* source and destination address */
	memcpy(key + 8, f + tcp, 4); /* ports */
	*ack = (uint32_t)f[tcp + 8] << 24 | (uint32_t)f[tcp + 9] << 16 |
	       (uint32_t)f[tcp + 10] << 8 | f[tcp + 11];
	return true;
}

void nif_flush_ack(struct nif *nif)
{
	struct pbuf *p = nif->ack;

	if (!p)
		return;
	nif->ack = NULL;
	nif_send(nif, p);
}

static err_t nif_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct nif *nif = netif->state;
	uint8_t key[12];
	uint32_t ack;

	/* A flood to closed ports must not turn into a flood of replies that
	 * fills the TX ring; lwIP has no limit of its own. */
	if (flow_icmp_error(p->payload, p->len) && !flow_bucket_take(&icmp_bucket, clock_ns())) {
		nif->stats.tx_icmp_limited++;
		return ERR_OK;
	}

	if (chain_frags(p) > NIC_MAX_FRAGS) {
		p = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
		if (!p) {
			nif->stats.tx_nomem++;
			LINK_STATS_INC(link.memerr);
			return ERR_MEM;
		}
		nif->stats.tx_copied++;
	} else {
		pbuf_ref(p); /* the driver's, until tx_done */
	}
	/* A storage segment is out: what lwIP allocates next is general's
	 * unless the glue or the TCP hook says otherwise. */
	netmem_use(NET_CLASS_GENERAL);
	if (!pure_ack(p, key, &ack)) {
		nif_flush_ack(nif);
		return nif_send(nif, p);
	}
	/*
	 * A bare ACK waits until the end of the net thread's round; if a later
	 * one for the same connection acknowledges more, it replaces it (ACKs
	 * are cumulative), so a burst of received segments costs the peer one
	 * ACK, as GRO gives Linux.  Duplicate ACKs (same number) are never
	 * merged: they carry the peer's fast-retransmit signal.
	 */
	if (nif->ack) {
		if (memcmp(key, nif->ack_key, sizeof(key)) == 0 &&
		    (int32_t)(ack - nif->ack_seq) > 0) {
			pbuf_free(nif->ack);
			nif->ack = NULL;
			nif->stats.tx_acks_merged++;
		} else {
			nif_flush_ack(nif);
		}
	}
	nif->ack = p;
	nif->ack_seq = ack;
	memcpy(nif->ack_key, key, sizeof(key));
	return ERR_OK;
}

static err_t nif_netif_init(struct netif *netif)
{
	struct nif *nif = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, nif->nic->mac, ETH_HWADDR_LEN);
	netif->mtu = ETH_MTU;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = nif_linkoutput;
	return ERR_OK;
}

static void nif_kick_nop(struct nic *n, unsigned q, void *ctx)
{
	(void)n;
	(void)q;
	(void)ctx;
}

int nif_attach(struct nif *nif, struct nic *nic, unsigned index, const char *name, nic_kick_fn kick,
               bool storage_nic)
{
	int rc;

	memset(nif, 0, sizeof(*nif));
	nif->nic = nic;
	nif->index = index;
	strncpy(nif->name, name, sizeof(nif->name) - 1);
	nic->rx = nif_rx;
	nic->tx_done = nif_tx_done;
	nic->kick = kick;
	nic->ctx = nif;
	nif->storage_nic = storage_nic;
	for (unsigned q = 0; q < nic->nrxq; q++)
		if (storage_nic || q == 1)
			nic->rxq_part[q] = MM_NETSTOR; /* storage's NIC, or its queue pair */
	rc = nic->ops->open(nic);
	if (rc) {
		pr_err("net: %s (%s): open failed: %d\n", nif->name, nic->ops->name, rc);
		goto err_open;
	}
	if (!netif_add(&nif->netif, NULL, NULL, NULL, nif, nif_netif_init, ethernet_input)) {
		rc = -ENOMEM;
		goto err_add;
	}
	nif->storage_q = !storage_nic && nic->nrxq >= 2 && nic->ntxq >= 2 ? 1 : 0;
	netif_set_up(&nif->netif);
	nif_check_link(nif);
	return 0;

err_add:
	/* The device stays open, but nothing polls it: its interrupts go nowhere. */
err_open:
	nic->kick = nif_kick_nop;
	return rc;
}

int nif_poll(struct nif *nif, unsigned q, int budget)
{
	nif->rx_general_round = 0;
	int n = nif->nic->ops->poll(nif->nic, q, budget);

	nif_flush_backlog(nif);
	return n;
}

void nif_check_link(struct nif *nif)
{
	bool up = !nif->nic->ops->link_up || nif->nic->ops->link_up(nif->nic);

	if (up && !netif_is_link_up(&nif->netif))
		netif_set_link_up(&nif->netif);
	else if (!up && netif_is_link_up(&nif->netif))
		netif_set_link_down(&nif->netif);
}

void nif_dump(const struct nif *nif)
{
	const struct nif_stats *s = &nif->stats;

	con_printf(
	    "net: %s: rx copied %llu no-wrapper %llu refused %llu; tx copied %llu no-mem %llu "
	    "backlogged %llu dropped %llu acks-merged %llu (backlog now %u)\n",
	    nif->name, (unsigned long long)s->rx_copied, (unsigned long long)s->rx_nowrap,
	    (unsigned long long)s->rx_refused, (unsigned long long)s->tx_copied,
	    (unsigned long long)s->tx_nomem, (unsigned long long)s->tx_backlogged,
	    (unsigned long long)s->tx_dropped, (unsigned long long)s->tx_acks_merged,
	    nif->bl[NET_CLASS_STORAGE].count + nif->bl[NET_CLASS_GENERAL].count);
	con_printf("net: %s: storage rx %llu tx %llu; general rx %llu tx %llu; "
	           "icmp-limited %llu\n",
	           nif->name, (unsigned long long)s->rx_class[NET_CLASS_STORAGE],
	           (unsigned long long)s->tx_class[NET_CLASS_STORAGE],
	           (unsigned long long)s->rx_class[NET_CLASS_GENERAL],
	           (unsigned long long)s->tx_class[NET_CLASS_GENERAL],
	           (unsigned long long)s->tx_icmp_limited);
}

/*
 * Drop a segment lwIP 2.1.3 would assert on: data or FIN that starts 64 KiB
 * or more before rcv_nxt, by lwIP's own sequence arithmetic (so also one
 * exactly 2^31 away).  It can only be a stale duplicate or an attack, and
 * RFC 793 has such segments discarded anyway.  Net thread (from tcp_input).
 */
signed char nif_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p)
{
	if (pcb->state < SYN_RCVD || pcb->state == TIME_WAIT)
		return ERR_OK; /* LISTEN and SYN_SENT have no rcv_nxt yet; TIME_WAIT has its own path */
	u32_t seqno = hdr->seqno; /* tcp_input() already turned it to host order */
	bool carries = p->tot_len > 0 || (TCPH_FLAGS(hdr) & TCP_FIN);
	if (carries && TCP_SEQ_LT(seqno, pcb->rcv_nxt) && pcb->rcv_nxt - seqno >= 0xffff) {
		TCP_STATS_INC(tcp.drop);
		return ERR_ABRT;
	}
	return ERR_OK;
}

uint8_t nif_tcp_optlen(const struct tcp_pcb *pcb, uint8_t len)
{
	if (!pcb)
		return len; /* a RST for no connection: the class of what it answers */
	const struct flow_key k = {.raddr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip))),
	                           .rport = pcb->remote_port,
	                           .lport = pcb->local_port};
	netmem_use(flow_has(&nif_flows, &k) ? NET_CLASS_STORAGE : NET_CLASS_GENERAL);
	return len;
}
