/*
 * nictest: proves each NIC driver on its own, before any network stack.
 * Lists every NIC, then on each one broadcasts a hand-built DHCPDISCOVER
 * and waits for a DHCPOFFER (QEMU's user-mode network answers one), which
 * shows TX, RX, interrupts and buffer recycling working end to end.
 *
 *   app=nictest                   DHCP check on every NIC; exit 0 if all got an offer
 *   app=nictest -- listen SECONDS count frames per RX queue for SECONDS, then
 *                                 print the counters (multiqueue check); exit 0
 *                                 if every NIC received frames, on at least two
 *                                 queues when it has several
 *   app=nictest -- txburst N      send N frames as fast as each NIC takes them
 *                                 (ring full, -EBUSY, completion interrupt,
 *                                 retry); exit 0 if all N completed on every NIC
 *   app=nictest -- rxhold N       send N DISCOVERs while keeping every RX buffer,
 *                                 so the RX pool runs dry; exit 0 if each NIC
 *                                 counted NIC_DROP_NOBUF and, once the buffers
 *                                 are back, the DHCP check passes again
 *
 * Exit status: 0 success, 1 no NIC found, 2 a NIC failed to open, 3 no
 * offer (for listen: a NIC without frames, or with only one busy queue of
 * several), 4 bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "kernel/be.h"
#include "kernel/clock.h"
#include "kernel/pci.h"
#include "kernel/sync.h"
#include "net/nic.h"

#define DHCP_TIMEOUT_NS (6 * NSEC_PER_SEC)
#define DHCP_RETRY_NS   (1 * NSEC_PER_SEC)
#define POLL_BUDGET     64

#define IP_HLEN       20
#define UDP_HLEN      8
#define BOOTP_LEN     300 /* the minimum BOOTP message, options padded */
#define BOOTP_OPTS    240 /* fixed fields plus the magic cookie */
#define DHCP_DISCOVER 1
#define DHCP_OFFER    2
#define HOLD_MAX      2048 /* RX buffers rxhold may keep; above any ring size */

struct port {
	struct nic *nic;
	uint32_t xid;
	volatile bool tx_done;
	uint64_t tx_completed;
	bool offered;
	uint8_t yiaddr[4], server[4];
	uint64_t frames[NIC_MAX_QUEUES];
	uint8_t hdrs[ETH_HLEN + IP_HLEN + UDP_HLEN];
	uint8_t bootp[BOOTP_LEN];
	uint8_t burst_hdr[ETH_HLEN], burst_body[1000];
	unsigned nheld;
	struct nic_rxbuf *held[HOLD_MAX];
};

static struct port ports[NIC_MAX];
static struct sem wake;
static bool holding; /* rxhold: keep RX buffers instead of releasing them */

/* Interrupt context: only wake the poller. */
static void on_kick(struct nic *n, unsigned q, void *ctx)
{
	(void)n;
	(void)q;
	(void)ctx;
	sem_up(&wake);
}

static void on_tx_done(struct nic *n, void *cookie, void *ctx)
{
	(void)n;
	(void)ctx;
	((struct port *)cookie)->tx_done = true;
	((struct port *)cookie)->tx_completed++;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += be16_get(p + i);
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

/* Look for a DHCPOFFER answering our DISCOVER; anything else is just counted. */
static void on_rx(struct nic *n, struct nic_rxbuf *b, void *ctx)
{
	struct port *pt = ctx;
	const uint8_t *f = b->data;
	const size_t len = b->len;
	(void)n;

	pt->frames[b->queue]++;
	const uint8_t *ip = f + ETH_HLEN, *udp = ip + IP_HLEN, *bp = udp + UDP_HLEN;
	if (len < ETH_HLEN + IP_HLEN + UDP_HLEN + BOOTP_OPTS || be16_get(f + 12) != 0x0800 ||
	    ip[0] != 0x45 || ip[9] != 17 || be16_get(udp + 2) != 68 || bp[0] != 2 ||
	    memcmp(bp + 4, &pt->xid, 4) != 0 || memcmp(bp + 236, "\x63\x82\x53\x63", 4) != 0)
		goto out;

	int type = 0;
	uint8_t server[4] = {0};
	for (size_t i = BOOTP_OPTS; bp + i < f + len && bp[i] != 255;) {
		if (bp[i] == 0) {
			i++;
			continue;
		}
		if (bp + i + 2 > f + len || bp + i + 2 + bp[i + 1] > f + len)
			break;
		if (bp[i] == 53 && bp[i + 1] == 1)
			type = bp[i + 2];
		if (bp[i] == 54 && bp[i + 1] == 4)
			memcpy(server, bp + i + 2, 4);
		i += 2 + bp[i + 1];
	}
	if (type == DHCP_OFFER) {
		memcpy(pt->yiaddr, bp + 16, 4);
		memcpy(pt->server, server, 4);
		pt->offered = true;
	}
out:
	if (holding && pt->nheld < HOLD_MAX) {
		pt->held[pt->nheld++] = b;
		return;
	}
	nic_rx_release(b);
}

static void build_discover(struct port *pt)
{
	const uint8_t *mac = pt->nic->mac;
	uint8_t *eth = pt->hdrs, *ip = eth + ETH_HLEN, *udp = ip + IP_HLEN, *bp = pt->bootp;

	memset(pt->hdrs, 0, sizeof(pt->hdrs));
	memset(pt->bootp, 0, sizeof(pt->bootp));
	memset(eth, 0xFF, 6);
	memcpy(eth + 6, mac, 6);
	be16_put(eth + 12, 0x0800);

	ip[0] = 0x45;
	be16_put(ip + 2, IP_HLEN + UDP_HLEN + BOOTP_LEN);
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xFF, 4);
	be16_put(ip + 10, ip_checksum(ip, IP_HLEN));

	be16_put(udp, 68);
	be16_put(udp + 2, 67);
	be16_put(udp + 4, UDP_HLEN + BOOTP_LEN); /* checksum 0: none, allowed for IPv4 */

	bp[0] = 1; /* BOOTREQUEST */
	bp[1] = 1; /* Ethernet */
	bp[2] = 6;
	memcpy(bp + 4, &pt->xid, 4);
	be16_put(bp + 10, 0x8000); /* broadcast the reply: we have no address yet */
	memcpy(bp + 28, mac, 6);
	memcpy(bp + 236, "\x63\x82\x53\x63", 4);
	static const uint8_t opts[] = {53, 1, DHCP_DISCOVER, 55, 2, 1, 3, 255};
	memcpy(bp + BOOTP_OPTS, opts, sizeof(opts));
}

/* Two fragments on purpose: the drivers must chain, not copy. */
static int send_discover(struct port *pt)
{
	struct nic_frag frags[2] = {
	    {pt->hdrs, sizeof(pt->hdrs)},
	    {pt->bootp, sizeof(pt->bootp)},
	};
	pt->tx_done = false;
	return nic_xmit(pt->nic, 0, frags, 2, pt);
}

static void poll_all(unsigned nports)
{
	bool more;
	do {
		more = false;
		for (unsigned i = 0; i < nports; i++) {
			struct nic *n = ports[i].nic;
			for (unsigned q = 0; q < n->nrxq; q++)
				if (n->ops->poll(n, q, POLL_BUDGET) >= POLL_BUDGET)
					more = true;
		}
	} while (more);
}

static void print_mac(const uint8_t *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void list_nic(const struct nic *n)
{
	printf("%s: %s ", n->name, n->ops->name);
	print_mac(n->mac);
	printf(", link %s, %u RX / %u TX queue%s, %s\n",
	       n->ops->link_up((struct nic *)n) ? "up" : "down", n->nrxq, n->ntxq,
	       n->ntxq == 1 ? "" : "s", n->irq_mode);
}

static int dhcp_check(unsigned nports)
{
	uint64_t start = clock_ns(), deadline = start + DHCP_TIMEOUT_NS;
	uint64_t next_tx = 0;
	unsigned offers = 0;

	while (offers < nports && clock_ns() < deadline) {
		if (clock_ns() >= next_tx) {
			for (unsigned i = 0; i < nports; i++) {
				struct port *pt = &ports[i];
				if (pt->offered)
					continue;
				int rc = send_discover(pt);
				if (rc)
					printf("nictest: %s: xmit failed (%d)\n", pt->nic->name,
					       rc);
			}
			next_tx = clock_ns() + DHCP_RETRY_NS;
		}
		uint64_t until = next_tx < deadline ? next_tx : deadline;
		sem_down_until(&wake, until);
		poll_all(nports);
		offers = 0;
		for (unsigned i = 0; i < nports; i++)
			offers += ports[i].offered;
	}

	int status = 0;
	for (unsigned i = 0; i < nports; i++) {
		struct port *pt = &ports[i];
		struct nic *n = pt->nic;
		if (pt->offered) {
			printf(
			    "nictest: %s: DHCPOFFER %u.%u.%u.%u from %u.%u.%u.%u: TX and RX ok\n",
			    n->name, pt->yiaddr[0], pt->yiaddr[1], pt->yiaddr[2], pt->yiaddr[3],
			    pt->server[0], pt->server[1], pt->server[2], pt->server[3]);
		} else {
			printf("nictest: %s: FAIL: no DHCPOFFER within %llu s (%s, %llu frames "
			       "received, TX %s)\n",
			       n->name, (unsigned long long)(DHCP_TIMEOUT_NS / NSEC_PER_SEC),
			       n->ops->name, (unsigned long long)n->stats[0].rx_packets,
			       pt->tx_done ? "completed" : "never completed");
			status = 3;
		}
	}
	return status;
}

static int listen_check(unsigned nports, unsigned seconds)
{
	uint64_t deadline = clock_ns() + seconds * NSEC_PER_SEC;
	printf("nictest: listening for %u s\n", seconds);
	while (clock_ns() < deadline) {
		sem_down_until(&wake, deadline);
		poll_all(nports);
	}
	int status = 0;
	for (unsigned i = 0; i < nports; i++) {
		struct nic *n = ports[i].nic;
		unsigned busy = 0;
		for (unsigned q = 0; q < n->nrxq; q++) {
			printf("nictest: %s: rxq%u: %llu frames\n", n->name, q,
			       (unsigned long long)ports[i].frames[q]);
			busy += ports[i].frames[q] != 0;
		}
		if (busy < (n->nrxq > 1 ? 2u : 1u)) {
			printf("nictest: %s: FAIL: frames arrived on %u of %u RX queues\n", n->name,
			       busy, n->nrxq);
			status = 3;
		}
	}
	return status;
}

/* A broadcast frame of the local experimental EtherType, which nobody
 * answers: the burst must make progress on TX completions alone. */
static int send_burst_frame(struct port *pt)
{
	struct nic_frag frags[2] = {
	    {pt->burst_hdr, sizeof(pt->burst_hdr)},
	    {pt->burst_body, sizeof(pt->burst_body)},
	};
	return nic_xmit(pt->nic, 0, frags, 2, pt);
}

/*
 * Frames back to back: every NIC's ring fills, xmit says -EBUSY, and only a
 * completion (interrupt or xmit's own kick, then poll and tx_done) gets the
 * burst going again.  One set of fragments serves every frame in flight,
 * since the device only reads them.
 */
static int txburst_check(unsigned nports, unsigned long count)
{
	for (unsigned i = 0; i < nports; i++) {
		struct port *pt = &ports[i];
		memset(pt->burst_hdr, 0xFF, 6);
		memcpy(pt->burst_hdr + 6, pt->nic->mac, 6);
		be16_put(pt->burst_hdr + 12, 0x88B5);
		memset(pt->burst_body, 0x5A, sizeof(pt->burst_body));
	}

	uint64_t start = clock_ns(), deadline = start + 30 * NSEC_PER_SEC;
	unsigned long sent[NIC_MAX] = {0};
	bool all;

	do {
		all = true;
		for (unsigned i = 0; i < nports; i++) {
			while (sent[i] < count && send_burst_frame(&ports[i]) == 0)
				sent[i]++;
			all = all && ports[i].tx_completed == count;
		}
		if (all)
			break;
		sem_down_until(&wake, deadline);
		poll_all(nports);
	} while (clock_ns() < deadline);

	uint64_t ms = (clock_ns() - start) / NSEC_PER_MSEC;
	int status = 0;
	for (unsigned i = 0; i < nports; i++) {
		struct port *pt = &ports[i];
		bool ok = pt->tx_completed == count;
		printf("nictest: %s: txburst: %lu sent, %llu completed in %llu ms, ring full %llu "
		       "times: %s\n",
		       pt->nic->name, sent[i], (unsigned long long)pt->tx_completed,
		       (unsigned long long)ms, (unsigned long long)pt->nic->stats[0].tx_busy,
		       ok ? "ok" : "FAIL");
		if (!ok)
			status = 3;
	}
	return status;
}

/* Poll until no frame arrived for quiet_ns (at most max_ns). */
static void drain(unsigned nports, uint64_t quiet_ns, uint64_t max_ns)
{
	uint64_t end = clock_ns() + max_ns, last = ~0ull;
	for (;;) {
		uint64_t total = 0;
		for (unsigned i = 0; i < nports; i++)
			total += ports[i].nic->stats[0].rx_packets + ports[i].tx_completed;
		if (total == last || clock_ns() > end)
			return;
		last = total;
		sem_down_until(&wake, clock_ns() + quiet_ns);
		poll_all(nports);
	}
}

static int rxhold_check(unsigned nports, unsigned long count)
{
	/* QEMU's e1000 receives nothing in its first second (net/e1000.h). */
	drain(nports, 1200 * NSEC_PER_MSEC, 1200 * NSEC_PER_MSEC);
	holding = true;
	for (unsigned i = 0; i < nports; i++) {
		unsigned long sent = 0;
		uint64_t deadline = clock_ns() + 10 * NSEC_PER_SEC;
		while (sent < count && clock_ns() < deadline) {
			if (send_discover(&ports[i]) == 0) {
				sent++;
				continue;
			}
			sem_down_until(&wake, deadline);
			poll_all(nports);
		}
	}
	drain(nports, 500 * NSEC_PER_MSEC, 5 * NSEC_PER_SEC);
	holding = false;

	int status = 0;
	for (unsigned i = 0; i < nports; i++) {
		struct port *pt = &ports[i];
		uint64_t nobuf = 0;
		for (unsigned q = 0; q < pt->nic->nrxq; q++)
			nobuf += pt->nic->stats[q].drops[NIC_DROP_NOBUF];
		printf("nictest: %s: rxhold: %u buffers held, %llu frames received, nobuf %llu: "
		       "%s\n",
		       pt->nic->name, pt->nheld, (unsigned long long)pt->nic->stats[0].rx_packets,
		       (unsigned long long)nobuf, nobuf ? "pool ran dry and was counted" : "FAIL");
		if (!nobuf)
			status = 3;
		while (pt->nheld)
			nic_rx_release(pt->held[--pt->nheld]);
		pt->offered = false;
		pt->xid ^= 0x5A5A5A5A;
		build_discover(pt);
	}
	printf("nictest: buffers returned; DHCP again\n");
	int rc = dhcp_check(nports);
	return status ? status : rc;
}

static int nictest_main(int argc, char **argv)
{
	unsigned listen_s = 0;
	unsigned long burst = 0, hold = 0;
	if (argc == 3 && strcmp(argv[1], "listen") == 0) {
		listen_s = (unsigned)strtoul(argv[2], NULL, 10);
		if (!listen_s || listen_s > 3600) {
			printf("nictest: listen: SECONDS must be 1..3600\n");
			return 4;
		}
	} else if (argc == 3 && strcmp(argv[1], "txburst") == 0) {
		burst = strtoul(argv[2], NULL, 10);
		if (!burst || burst > 10000000) {
			printf("nictest: txburst: N must be 1..10000000\n");
			return 4;
		}
	} else if (argc == 3 && strcmp(argv[1], "rxhold") == 0) {
		hold = strtoul(argv[2], NULL, 10);
		if (!hold || hold > 100000) {
			printf("nictest: rxhold: N must be 1..100000\n");
			return 4;
		}
	} else if (argc != 1) {
		printf("usage: app=nictest [-- listen SECONDS | txburst N | rxhold N]\n");
		return 4;
	}

	/* Idempotent: harmless if the kernel already enumerated at boot. */
	pci_init();
	unsigned nports = nic_count();
	if (!nports) {
		printf("nictest: FAIL: no NIC found (no supported PCI network device: "
		       "virtio-net-pci or e1000)\n");
		return 1;
	}

	sem_init(&wake, 0);
	for (unsigned i = 0; i < nports; i++) {
		struct port *pt = &ports[i];
		struct nic *n = nic_get(i);
		pt->nic = n;
		pt->xid = (uint32_t)(clock_ns() * 2654435761u) ^ i;
		n->rx = on_rx;
		n->tx_done = on_tx_done;
		n->kick = on_kick;
		n->ctx = pt;
		int rc = n->ops->open(n);
		if (rc) {
			printf("nictest: %s: FAIL: open failed (%d)\n", n->name, rc);
			return 2;
		}
		list_nic(n);
		build_discover(pt);
	}

	int status = listen_s ? listen_check(nports, listen_s)
	             : burst  ? txburst_check(nports, burst)
	             : hold   ? rxhold_check(nports, hold)
	                      : dhcp_check(nports);
	fflush(stdout);
	nic_stats_dump();
	return status;
}

APP(nictest, "nictest", nictest_main, "list NICs and prove TX/RX on each with a DHCP discover");
