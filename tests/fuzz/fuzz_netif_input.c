/*
 * Fuzz the driver-to-lwIP receive path.  Frames enter through net/netif.c
 * as a NIC driver hands them over (struct nic_rxbuf, delivered from
 * ops->poll under nif_poll()), run through the real lwIP 2.1.3 core built
 * with tether's lwipopts.h, and after every input the stack is driven idle
 * and checked: every RX buffer back with its driver, every lwIP pool and
 * the heap back to where they started.
 *
 * The node is 10.0.2.15/24 (gateway 10.0.2.2) with a TCP echo listener and
 * a UDP echo socket on port 7, as a node's apps would be.
 *
 * Input: one flags byte (IN_*), then records of
 *     ctl (REC_*), frame length (2 bytes, big endian), frame
 * until the input runs out (a short last frame is taken as it is).  The
 * fix-ups in ctl let the fuzzer build TCP and DHCP state without guessing
 * checksums, our sequence numbers or the DHCP xid; frames without them test
 * that bad checksums and stale numbers are refused.
 *
 * Replaying an input (build/fuzz/fuzz_netif_input FILE), the environment
 * may set FUZZ_NET_TRACE=1 (a line per frame each way), FUZZ_NET_VERBOSE=1
 * (the stack's console output) and FUZZ_NET_LWIP_BUGS=1 (no workarounds
 * for the lwIP bugs below; the seeds named lwip213_bug_* then panic).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "net/net.h"
#include "net/netif.h"
#include "net/nic.h"

/* From fuzz_net_host.c. */
void fuzz_net_advance(uint32_t ms);
void fuzz_net_seed(uint64_t seed);
void fuzz_net_mem(void);

enum {
	IN_DHCP = 1 << 0,    /* run the DHCP client for this input */
	IN_CONNECT = 1 << 1, /* open a client connection to 10.0.2.2:3260 first */
	IN_REFUSE = 1 << 2,  /* the TCP app refuses data (lwIP keeps it as refused_data) */
	IN_TXBUSY = 1 << 3,  /* every other xmit finds the ring full */
	IN_COPY = 1 << 4,    /* the app writes with TCP_WRITE_FLAG_COPY */
};

enum {
	REC_FIXCSUM = 1 << 0,   /* recompute IPv4 and TCP/UDP/ICMP checksums */
	REC_FIXSEQ = 1 << 1,    /* TCP ack += our snd_nxt; DHCP xid := ours */
	REC_SAMEROUND = 1 << 2, /* deliver with the next frame in one poll round */
	REC_QSHIFT = 4,         /* 2 bits: RX queue */
	REC_TSHIFT = 6,         /* 2 bits: clock advance before the frame */
};

#define RX_BUFS       256 /* like one RX queue of either driver */
#define RX_PENDING    64  /* frames a queue may hold before a poll */
#define TX_RING       (NET_TX_STORAGE_RESERVE + 32) /* general frames leave the reserve */
#define FRAME_MAX     ETH_FRAME_MAX /* what the drivers accept, VLAN tag included */
#define SETTLE_MS     20000              /* beyond IP_REASS_MAXAGE and ARP_MAXPENDING */
#define STEP_MS       250                /* TCP's timer interval */
#define ECHO_PORT     7
#define CLIENT_LPORT  49152
#define CLIENT_RPORT  3260
#define DHCP_XID_OFFS 4

static const uint8_t node_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint32_t advance_ms[4] = {0, 100, 1000, 20000};

/* ---- the fake NIC: an RX pool, per-queue rings, a TX ring ---- */

struct fake_rx {
	struct nic_rxbuf rb;
	bool out; /* delivered and not yet released */
};

static struct fake_rx rxbufs[RX_BUFS];
static unsigned rx_out;
static unsigned pend[NIC_MAX_QUEUES][RX_PENDING], npend[NIC_MAX_QUEUES];
static void *tx_inflight[TX_RING];
static unsigned ntx, tx_calls;
static bool tx_busy_mode;
static uint8_t tx_scratch[FRAME_MAX];

static struct nic nic;
static struct nif nif;

static uint32_t get32(const uint8_t *p);

/* FUZZ_NET_TRACE=1 in the environment: one line per frame, to see what a
 * seed or a crash input makes the node do. */
static int tracing = -1;

static void trace(const char *dir, const uint8_t *f, size_t len)
{
	if (tracing < 0)
		tracing = getenv("FUZZ_NET_TRACE") != NULL;
	if (!tracing)
		return;
	fprintf(stderr, "%s %4zu bytes", dir, len);
	if (len >= 14)
		fprintf(stderr, " type %02x%02x", f[12], f[13]);
	if (len >= 14 + 20 && f[12] == 8 && f[13] == 0) {
		const uint8_t *ip = f + 14, *l4 = ip + (ip[0] & 15) * 4;
		fprintf(stderr, " %u.%u.%u.%u > %u.%u.%u.%u proto %u", ip[12], ip[13], ip[14],
		        ip[15], ip[16], ip[17], ip[18], ip[19], ip[9]);
		if ((ip[9] == 6 || ip[9] == 17) && l4 + 14 <= f + len)
			fprintf(stderr, " ports %u > %u", l4[0] << 8 | l4[1], l4[2] << 8 | l4[3]);
		if (ip[9] == 6 && l4 + 14 <= f + len)
			fprintf(stderr, " flags %02x seq %08x ack %08x", l4[13], get32(l4 + 4),
			        get32(l4 + 8));
		if (ip[9] == 1 && l4 + 1 <= f + len)
			fprintf(stderr, " icmp type %u", l4[0]);
	}
	fputc('\n', stderr);
}

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "fuzz_netif_input: invariant broken: %s\n", what);
	abort();
}

static int fake_open(struct nic *n)
{
	n->nrxq = NIC_MAX_QUEUES;
	n->ntxq = 1;
	n->irq_mode = "fake";
	return 0;
}

static int fake_xmit(struct nic *n, unsigned q, const struct nic_frag *frags, unsigned nfrags,
                     unsigned keep, void *cookie)
{
	size_t len = 0;

	(void)n;
	/* The glue promises these; a driver would refuse, but it is our bug. */
	if (q != 0 || nfrags == 0 || nfrags > NIC_MAX_FRAGS)
		fail("xmit with a bad queue or fragment count");
	for (unsigned i = 0; i < nfrags; i++) {
		/* Read every fragment, so ASan vets what the NIC would DMA. */
		if (len + frags[i].len <= sizeof(tx_scratch))
			memcpy(tx_scratch + len, frags[i].data, frags[i].len);
		len += frags[i].len;
	}
	trace("TX", tx_scratch, len < sizeof(tx_scratch) ? len : sizeof(tx_scratch));
	if (len < 14 || len > FRAME_MAX)
		return -EINVAL; /* as both drivers do */
	if (ntx + 1 + keep > TX_RING || (tx_busy_mode && (tx_calls++ & 1)))
		return -EBUSY;
	tx_inflight[ntx++] = cookie;
	return 0;
}

static void fake_reap_tx(struct nic *n)
{
	unsigned k = ntx;

	/* tx_done frees pbufs, which may not send; still, take a snapshot. */
	ntx = 0;
	for (unsigned i = 0; i < k; i++)
		n->tx_done(n, tx_inflight[i], n->ctx);
}

static int fake_poll(struct nic *n, unsigned q, int budget)
{
	int done = 0;

	if (q == 0)
		fake_reap_tx(n);
	while (done < budget && npend[q]) {
		struct fake_rx *f = &rxbufs[pend[q][0]];
		memmove(pend[q], pend[q] + 1, --npend[q] * sizeof(pend[q][0]));
		n->stats[q].rx_packets++;
		n->stats[q].rx_bytes += f->rb.len;
		n->rx(n, &f->rb, n->ctx);
		done++;
	}
	return done;
}

static void fake_rx_release(struct nic *n, struct nic_rxbuf *b)
{
	struct fake_rx *f = (struct fake_rx *)b;

	if (b->nic != n || f < rxbufs || f >= rxbufs + RX_BUFS || !f->out)
		fail("rx_release of a buffer the stack does not hold");
	/* Freed, not recycled: a late use of the payload is an ASan report. */
	free(b->data);
	b->data = NULL;
	f->out = false;
	rx_out--;
}

static bool fake_link_up(struct nic *n)
{
	(void)n;
	return true;
}

static const struct nic_ops fake_ops = {
    .name = "fake",
    .open = fake_open,
    .xmit = fake_xmit,
    .poll = fake_poll,
    .rx_release = fake_rx_release,
    .link_up = fake_link_up,
};

static void kick_nop(struct nic *n, unsigned q, void *ctx)
{
	(void)n;
	(void)q;
	(void)ctx;
}

/* ---- checksums: an independent reference ---- */

static uint32_t sum_be(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* nif_chksum() returns the sum of little-endian words (lwIP's convention):
 * the byte-swapped big-endian sum, with the same zero representation. */
static void check_chksum(const uint8_t *p, size_t len)
{
	uint16_t be = fold(sum_be(0, p, len));
	uint16_t want = (uint16_t)(be >> 8 | be << 8);

	if (nif_chksum(p, (int)len) != want)
		fail("nif_chksum disagrees with the reference sum");
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * Known lwIP 2.1.3 bugs this fuzzer found, each a remote panic in the node
 * (LWIP_ASSERT), are worked around here so that every run can look for new
 * ones; FUZZ_NET_LWIP_BUGS=1 in the environment turns the workarounds off to
 * replay them.
 */
static bool show_lwip_bugs(void)
{
	static int show = -1;

	if (show < 0)
		show = getenv("FUZZ_NET_LWIP_BUGS") != NULL;
	return show;
}

static struct tcp_pcb *find_pcb(const uint8_t *ip, const uint8_t *tcp)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->remote_port == get16(tcp) && pcb->local_port == get16(tcp + 2) &&
		    lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip))) == get32(ip + 12))
			return pcb;
	return NULL;
}

/* Apply the record's fix-ups to an IPv4 frame; anything else is left alone. */
static void fix_frame(uint8_t *f, size_t len, unsigned ctl)
{
	uint8_t *ip = f + 14, *l4;
	size_t ihl, tot, l4len;
	uint8_t proto;
	bool frag;

	if (len < 14 + 20 || get16(f + 12) != 0x0800 || ip[0] >> 4 != 4)
		return;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if (ihl < 20 || 14 + ihl > len || tot < ihl)
		return;
	if (tot > len - 14)
		tot = len - 14; /* truncated: sum what is there */
	proto = ip[9];
	frag = (get16(ip + 6) & 0x3fff) != 0;
	l4 = ip + ihl;
	l4len = tot - ihl;

	if ((ctl & REC_FIXSEQ) && !frag) {
		struct dhcp *d = netif_dhcp_data(&nif.netif);
		struct tcp_pcb *pcb;
		if (proto == IP_PROTO_TCP && l4len >= 20 && (pcb = find_pcb(ip, l4)))
			put32(l4 + 8, get32(l4 + 8) + pcb->snd_nxt);
		if (proto == IP_PROTO_UDP && l4len >= 8 + DHCP_XID_OFFS + 4 &&
		    get16(l4 + 2) == 68 && d)
			put32(l4 + 8 + DHCP_XID_OFFS, d->xid);
	}
	if (ctl & REC_FIXCSUM) {
		size_t at = 0;
		uint32_t ph;
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~fold(sum_be(0, ip, ihl)));
		if (frag)
			return;
		if (proto == IP_PROTO_TCP && l4len >= 18)
			at = 16;
		else if (proto == IP_PROTO_UDP && l4len >= 8)
			at = 6;
		else if (proto == IP_PROTO_ICMP && l4len >= 4)
			at = 2;
		if (!at)
			return;
		put16(l4 + at, 0);
		ph = proto == IP_PROTO_ICMP ? 0 : sum_be(proto + (uint32_t)l4len, ip + 12, 8);
		uint16_t c = (uint16_t)~fold(sum_be(ph, l4, l4len));
		put16(l4 + at, c == 0 && proto == IP_PROTO_UDP ? 0xffff : c);
	}
}

/*
 * lwIP 2.1.3 bug, found by this fuzzer: a segment of one sequence number (a
 * FIN, or one byte) whose seqno is exactly rcv_nxt + 2^31 passes
 * tcp_receive()'s TCP_SEQ_BETWEEN() test for a trim of its front and trips
 * LWIP_ASSERT("insane offset!") -- one frame from the peer panics the node.
 * Unless show_lwip_bugs(), such frames are not delivered.
 */
static bool hits_offset_bug(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *tcp;
	size_t ihl, tot, thl, tcplen;
	struct tcp_pcb *pcb;

	if (show_lwip_bugs() || len < 14 + 20 || get16(f + 12) != 0x0800 || ip[9] != IP_PROTO_TCP)
		return false;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if (ihl < 20 || 14 + ihl + 20 > len || tot < ihl + 20 || tot > len - 14)
		return false;
	tcp = ip + ihl;
	thl = (size_t)(tcp[12] >> 4) * 4;
	if (thl < 20 || thl > tot - ihl || !(pcb = find_pcb(ip, tcp)))
		return false;
	tcplen = tot - ihl - thl + ((tcp[13] & (TCP_FIN | TCP_SYN)) != 0);
	return tcplen == 1 && get32(tcp + 4) - pcb->rcv_nxt == 0x80000000u;
}

/* The driver's side of a receive: a buffer from the pool onto queue q. */
static void push_frame(const uint8_t *data, size_t len, unsigned ctl)
{
	unsigned q = (ctl >> REC_QSHIFT) & 3;
	struct fake_rx *f = NULL;

	if (len < 14 || len > FRAME_MAX)
		return; /* the drivers drop these before the stack sees them */
	for (unsigned i = 0; i < RX_BUFS && !f; i++)
		if (!rxbufs[i].out)
			f = &rxbufs[i];
	if (!f || npend[q] == RX_PENDING) {
		nic.stats[q].drops[NIC_DROP_NOBUF]++;
		return;
	}
	/* Exactly the frame's size, so ASan catches a read past its end. */
	f->rb.data = malloc(len);
	memcpy(f->rb.data, data, len);
	f->rb.len = (uint16_t)len;
	f->rb.queue = (uint8_t)q;
	f->rb.nic = &nic;
	f->out = true;
	rx_out++;
	fix_frame(f->rb.data, len, ctl);
	if (hits_offset_bug(f->rb.data, len)) {
		free(f->rb.data);
		f->out = false;
		rx_out--;
		return;
	}
	check_chksum(f->rb.data, len);
	if (len > 1)
		check_chksum(f->rb.data + 1, len - 1); /* odd alignment */
	trace("RX", f->rb.data, len);
	pend[q][npend[q]++] = (unsigned)(f - rxbufs);
}

/*
 * tcp_receive() starts the persist timer whenever the peer's window is 0,
 * even when every byte sent is acknowledged and nothing is queued; the
 * next tcp_slowtmr() then trips LWIP_ASSERT("tcp_slowtimr: persist ticking
 * with empty send buffer").  Stop such a timer before lwIP's timers run.
 */
static void check_timeouts(void)
{
	if (!show_lwip_bugs())
		for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
			if (pcb->persist_backoff && !pcb->unsent)
				pcb->persist_backoff = 0;
	sys_check_timeouts();
}

/* One turn of the net thread's loop (net/net.c: net_main). */
static void net_round(void)
{
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++)
		while (nif_poll(&nif, q, NET_POLL_BUDGET) >= NET_POLL_BUDGET)
			;
	check_timeouts();
	nif_flush_ack(&nif);
}

/* ---- the apps ---- */

static bool app_refuses, app_copies;
static const uint8_t pattern[TCP_MSS * 4]; /* zero-copy source: must outlive the ACK */

/*
 * lwIP 2.1.3 bug, found by this fuzzer: tcp_write() sizes segments by
 * min(mss, snd_wnd_max / 2), or by the MSS while that is 0 (the peer
 * offered a window below 2).  If the peer's window then grows a little
 * while a segment sized by the MSS is still unsent, the next tcp_write()
 * trips LWIP_ASSERT("mss_local is too small") -- a panic in the node.  Any
 * peer can do it; net/sock.c writes the same way.  The apps here stay clear
 * of it (see show_lwip_bugs()).
 */
static bool write_is_safe(const struct tcp_pcb *pcb)
{
	const struct tcp_seg *last = pcb->unsent;
	u16_t mss_local = LWIP_MIN(pcb->mss, TCPWND_MIN16(pcb->snd_wnd_max / 2));

	if (show_lwip_bugs() || !last)
		return true;
	while (last->next)
		last = last->next;
	mss_local = mss_local ? mss_local : pcb->mss;
	return mss_local >= last->len + LWIP_TCP_OPT_LENGTH(last->flags);
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p) {
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	if (app_refuses)
		return ERR_MEM;
	u16_t n = LWIP_MIN(p->tot_len, LWIP_MIN(tcp_sndbuf(pcb), sizeof(pattern)));
	if (n && write_is_safe(pcb))
		tcp_write(pcb, pattern, n, app_copies ? TCP_WRITE_FLAG_COPY : 0);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	tcp_recv(pcb, echo_recv);
	return ERR_OK;
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)err;
	tcp_recv(pcb, echo_recv);
	/* A login-sized first request, as the iSCSI initiator sends. */
	if (write_is_safe(pcb))
		tcp_write(pcb, pattern, 48 + 256, 0);
	return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                     u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

/* ---- setup and the idle check ---- */

static ip4_addr_t my_ip, my_mask, my_gw;
static u16_t base_memp[MEMP_MAX];
static mem_size_t base_mem;

static void restore_static_addr(void)
{
	netif_set_addr(&nif.netif, &my_ip, &my_mask, &my_gw);
}

/* Run the node with no input until nothing is left in flight. */
static void settle(void)
{
	app_refuses = false;
	tx_busy_mode = false;
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	while (tcp_bound_pcbs)
		tcp_abort(tcp_bound_pcbs);
	if (netif_dhcp_data(&nif.netif)) {
		dhcp_release_and_stop(&nif.netif);
		dhcp_cleanup(&nif.netif);
		restore_static_addr();
	}
	for (unsigned t = 0; t < SETTLE_MS; t += STEP_MS) {
		fuzz_net_advance(STEP_MS);
		net_round();
	}
	etharp_cleanup_netif(&nif.netif);
	for (int i = 0; i < 4 && (ntx || nif_tx_pending(&nif) || nif.ack); i++)
		net_round();
	if (ntx || nif_tx_pending(&nif) || nif.ack)
		fail("TX did not drain");
}

static void check_idle(void)
{
	if (rx_out)
		fail("RX buffers still held by the stack after it went idle");
	for (unsigned i = 0; i < NIC_MAX_QUEUES; i++)
		if (npend[i])
			fail("frames left on a fake RX ring");
	for (int i = 0; i < MEMP_MAX; i++)
		if (lwip_stats.memp[i]->used != base_memp[i]) {
			fprintf(stderr, "pool %s: %lu in use, %lu at start\n",
			        lwip_stats.memp[i]->name, (unsigned long)lwip_stats.memp[i]->used,
			        (unsigned long)base_memp[i]);
			fail("lwIP pool leak");
		}
	if (lwip_stats.mem.used != base_mem) {
		fprintf(stderr, "heap: %lu in use, %lu at start\n",
		        (unsigned long)lwip_stats.mem.used, (unsigned long)base_mem);
		fail("lwIP heap leak");
	}
}

static void setup(void)
{
	struct tcp_pcb *l;
	struct udp_pcb *u;

	fuzz_net_seed(1);
	fuzz_net_mem();
	lwip_init();
	nic.ops = &fake_ops;
	memcpy(nic.name, "eth0", 5);
	memcpy(nic.mac, node_mac, sizeof(node_mac));
	if (nif_attach(&nif, &nic, 0, "eth0", kick_nop, false))
		fail("nif_attach");
	IP4_ADDR(&my_ip, 10, 0, 2, 15);
	IP4_ADDR(&my_mask, 255, 255, 255, 0);
	IP4_ADDR(&my_gw, 10, 0, 2, 2);
	restore_static_addr();
	netif_set_default(&nif.netif);

	l = tcp_new();
	if (!l || tcp_bind(l, IP_ANY_TYPE, ECHO_PORT) != ERR_OK || !(l = tcp_listen(l)))
		fail("TCP listener");
	tcp_accept(l, echo_accept);
	u = udp_new();
	if (!u || udp_bind(u, IP_ANY_TYPE, ECHO_PORT) != ERR_OK)
		fail("UDP socket");
	udp_recv(u, udp_echo, NULL);

	settle();
	for (int i = 0; i < MEMP_MAX; i++)
		base_memp[i] = lwip_stats.memp[i]->used;
	base_mem = lwip_stats.mem.used;
}

static void client_connect(void)
{
	struct tcp_pcb *pcb = tcp_new();
	ip_addr_t peer;

	if (!pcb)
		return;
	IP_ADDR4(&peer, 10, 0, 2, 2);
	if (tcp_bind(pcb, IP_ANY_TYPE, CLIENT_LPORT) != ERR_OK ||
	    tcp_connect(pcb, &peer, CLIENT_RPORT, client_connected) != ERR_OK)
		tcp_abort(pcb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t flags;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	fuzz_net_seed(flags + 1);
	app_refuses = flags & IN_REFUSE;
	app_copies = flags & IN_COPY;
	tx_busy_mode = flags & IN_TXBUSY;
	if (flags & IN_DHCP)
		dhcp_start(&nif.netif);
	if (flags & IN_CONNECT)
		client_connect();
	net_round();

	while (size >= 3) {
		unsigned ctl = data[0];
		size_t len = get16(data + 1);
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (advance_ms[ctl >> REC_TSHIFT]) {
			fuzz_net_advance(advance_ms[ctl >> REC_TSHIFT]);
			check_timeouts();
		}
		push_frame(data, len, ctl);
		data += len;
		size -= len;
		if (!(ctl & REC_SAMEROUND))
			net_round();
	}
	net_round();

	settle();
	check_idle();
	return 0;
}
