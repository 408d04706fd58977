/*
 * Intel 82540EM driver: legacy RX/TX descriptor rings in host memory, one
 * queue each way, interrupts through INTx.  See net/e1000.h for what the NIC
 * layer sees.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "net/e1000.h"
#include "net/nic.h"
#include "kernel/assert.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/pci.h"
#include "kernel/thread.h"

/* Registers (byte offsets into BAR 0). */
#define REG_CTRL   0x0000
#define REG_STATUS 0x0008
#define REG_EERD   0x0014
#define REG_ICR    0x00C0
#define REG_IMS    0x00D0
#define REG_IMC    0x00D8
#define REG_RCTL   0x0100
#define REG_TCTL   0x0400
#define REG_TIPG   0x0410
#define REG_RDBAL  0x2800
#define REG_RDBAH  0x2804
#define REG_RDLEN  0x2808
#define REG_RDH    0x2810
#define REG_RDT    0x2818
#define REG_RDTR   0x2820
#define REG_TDBAL  0x3800
#define REG_TDBAH  0x3804
#define REG_TDLEN  0x3808
#define REG_TDH    0x3810
#define REG_TDT    0x3818
#define REG_MPC    0x4010
#define REG_MTA    0x5200
#define REG_RAL0   0x5400
#define REG_RAH0   0x5404

#define CTRL_ASDE (1u << 5)
#define CTRL_SLU  (1u << 6)
#define CTRL_RST  (1u << 26)

#define STATUS_LU (1u << 1)

#define EERD_START      (1u << 0)
#define EERD_DONE       (1u << 4)
#define EERD_ADDR_SHIFT 8

#define RAH_AV (1u << 31)

#define RCTL_EN    (1u << 1)
#define RCTL_BAM   (1u << 15)
#define RCTL_SECRC (1u << 26) /* BSIZE 00 with BSEX 0: 2048-byte buffers */

#define TCTL_EN         (1u << 1)
#define TCTL_PSP        (1u << 3)
#define TCTL_CT_SHIFT   4
#define TCTL_COLD_SHIFT 12

#define ICR_TXDW   (1u << 0)
#define ICR_LSC    (1u << 2)
#define ICR_RXDMT0 (1u << 4)
#define ICR_RXO    (1u << 6)
#define ICR_RXT0   (1u << 7)
#define IMS_USED   (ICR_TXDW | ICR_LSC | ICR_RXDMT0 | ICR_RXO | ICR_RXT0)

#define RXD_STAT_DD  (1u << 0)
#define RXD_STAT_EOP (1u << 1)
#define TXD_CMD_EOP  (1u << 0)
#define TXD_CMD_IFCS (1u << 1)
#define TXD_CMD_RS   (1u << 3)
#define TXD_STAT_DD  (1u << 0)

#define RING_SIZE E1000_RING_SIZE /* RDLEN/TDLEN must be multiples of 128 bytes */

struct rx_desc {
	uint64_t addr;
	uint16_t len;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

struct tx_desc {
	uint64_t addr;
	uint16_t len;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

BUILD_ASSERT(sizeof(struct rx_desc) == 16 && sizeof(struct tx_desc) == 16);
BUILD_ASSERT(E1000_RING_SIZE % 8 == 0 && E1000_RING_SIZE <= 65536); /* RDLEN: 128-byte units */
BUILD_ASSERT(NIC_RXBUF_SIZE >= ETH_FRAME_MAX);

struct e1000 {
	struct nic nic;
	struct pci_dev *pci;
	volatile uint8_t *regs;
	/* RX: ring slots refer to buffers by index; free buffers sit on a stack. */
	volatile struct rx_desc *rx;
	uint8_t *bufs;
	struct nic_rxbuf *rb;
	uint16_t *slot_buf; /* buffer index in each ring slot */
	uint16_t *free_bufs;
	unsigned nfree_bufs;
	unsigned rx_next, rx_tail, rx_posted;
	bool rx_dry; /* the ring ran out of buffers and was counted */
	/* TX */
	volatile struct tx_desc *tx;
	void **cookies; /* at the slot of each frame's last descriptor */
	unsigned tx_clean, tx_tail;
	void *mem;
	bool opened;
};

static struct e1000 e1000s[NIC_MAX];
static unsigned ne1000s;

static uint32_t rd(struct e1000 *e, unsigned reg)
{
	return *(volatile uint32_t *)(e->regs + reg);
}

static void wr(struct e1000 *e, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + reg) = v;
}

static unsigned tx_free(const struct e1000 *e)
{
	return (e->tx_clean + RING_SIZE - e->tx_tail - 1) % RING_SIZE;
}

/* Put free buffers into empty ring slots; one slot always stays empty,
 * since RDH == RDT means "ring empty" to the device. */
static void rx_refill(struct e1000 *e)
{
	unsigned tail = e->rx_tail;
	while (e->nfree_bufs && e->rx_posted < RING_SIZE - 1) {
		uint16_t b = e->free_bufs[--e->nfree_bufs];
		e->slot_buf[tail] = b;
		e->rx[tail].addr = (uintptr_t)(e->bufs + (size_t)b * NIC_RXBUF_SIZE);
		e->rx[tail].status = 0;
		tail = (tail + 1) % RING_SIZE;
		e->rx_posted++;
	}
	if (tail != e->rx_tail) {
		e->rx_tail = tail;
		cpu_barrier(); /* descriptors before the tail that hands them over */
		wr(e, REG_RDT, tail);
	}
	/* Count each time the pool runs out, so that exhaustion shows even
	 * while the device holds frames back instead of dropping them. */
	if (!e->rx_posted && !e->rx_dry)
		e->nic.stats[0].drops[NIC_DROP_NOBUF]++;
	e->rx_dry = !e->rx_posted;
}

static void e1000_rx_release(struct nic *n, struct nic_rxbuf *b)
{
	struct e1000 *e = n->priv;
	uintptr_t i = (uintptr_t)b->priv;
	ASSERT(i < RING_SIZE && b == &e->rb[i] && e->nfree_bufs < RING_SIZE);
	e->free_bufs[e->nfree_bufs++] = (uint16_t)i;
	rx_refill(e);
}

static int e1000_xmit(struct nic *n, unsigned q, const struct nic_frag *frags, unsigned nfrags,
                      unsigned keep, void *cookie)
{
	struct e1000 *e = n->priv;
	if (q != 0 || !nfrags || nfrags > NIC_MAX_FRAGS)
		return -EINVAL;
	size_t len = 0;
	for (unsigned i = 0; i < nfrags; i++)
		len += frags[i].len;
	if (len < ETH_HLEN || len > ETH_FRAME_MAX)
		return -EINVAL;
	if (tx_free(e) < nfrags + keep) {
		/* TXDW stays enabled, so a completion still to come will interrupt;
		 * one that already came unnoticed is reaped after this kick. */
		n->stats[0].tx_busy++;
		if (e->tx[e->tx_clean].status & TXD_STAT_DD)
			n->kick(n, 0, n->ctx);
		return -EBUSY;
	}

	unsigned t = e->tx_tail;
	for (unsigned i = 0; i < nfrags; i++) {
		volatile struct tx_desc *d = &e->tx[t];
		d->addr = (uintptr_t)frags[i].data;
		d->len = frags[i].len;
		d->cso = 0;
		/* RS on every descriptor so each one's DD tells the reaper it is done. */
		d->cmd = TXD_CMD_RS | TXD_CMD_IFCS | (i + 1 == nfrags ? TXD_CMD_EOP : 0);
		d->status = 0;
		d->css = 0;
		d->special = 0;
		e->cookies[t] = i + 1 == nfrags ? cookie : NULL;
		t = (t + 1) % RING_SIZE;
	}
	e->tx_tail = t;
	cpu_barrier();
	wr(e, REG_TDT, t);
	n->stats[0].tx_packets++;
	n->stats[0].tx_bytes += len;
	return 0;
}

static void tx_reap(struct e1000 *e)
{
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & TXD_STAT_DD)) {
		void *cookie = e->cookies[e->tx_clean];
		e->cookies[e->tx_clean] = NULL;
		e->tx_clean = (e->tx_clean + 1) % RING_SIZE;
		if (cookie)
			e->nic.tx_done(&e->nic, cookie, e->nic.ctx);
	}
}

static bool rx_ready(const struct e1000 *e)
{
	return e->rx_posted && (e->rx[e->rx_next].status & RXD_STAT_DD);
}

/* Hand one completed descriptor to the stack, or recycle its buffer. */
static bool rx_one(struct e1000 *e)
{
	volatile struct rx_desc *d = &e->rx[e->rx_next];
	cpu_barrier(); /* DD before the fields it covers */
	uint16_t b = e->slot_buf[e->rx_next];
	uint16_t len = d->len;
	uint8_t status = d->status, errors = d->errors;
	e->rx_next = (e->rx_next + 1) % RING_SIZE;
	e->rx_posted--;

	struct nic_rxbuf *rb = &e->rb[b];
	rb->data = e->bufs + (size_t)b * NIC_RXBUF_SIZE;
	rb->len = len;
	if (errors || !(status & RXD_STAT_EOP)) {
		nic_rx_drop(&e->nic, 0, errors ? NIC_DROP_ERROR : NIC_DROP_TOOLONG);
		e->free_bufs[e->nfree_bufs++] = b;
		return false;
	}
	if (!nic_deliver(&e->nic, rb)) {
		e->free_bufs[e->nfree_bufs++] = b;
		return false;
	}
	return true;
}

static int e1000_poll(struct nic *n, unsigned q, int budget)
{
	struct e1000 *e = n->priv;
	int done = 0;
	ASSERT(q == 0);

	n->stats[0].polls++;
	/* Frames the device lost for want of a descriptor (clears on read).
	 * RNBC is not added: it also counts frames that waited and got in. */
	n->stats[0].drops[NIC_DROP_NOBUF] += rd(e, REG_MPC);
	tx_reap(e);
	for (;;) {
		while (done < budget && rx_ready(e))
			done += rx_one(e);
		rx_refill(e);
		if (done >= budget)
			break;
		/* Drained: drop stale causes, unmask, then look again so that a
		 * frame that landed in between is not left waiting. */
		(void)rd(e, REG_ICR);
		wr(e, REG_IMS, IMS_USED);
		if (!rx_ready(e))
			break;
		wr(e, REG_IMC, ~0u);
	}
	return done;
}

static bool e1000_link_up(struct nic *n)
{
	struct e1000 *e = n->priv;
	return rd(e, REG_STATUS) & STATUS_LU;
}

static void e1000_irq(void *arg)
{
	struct e1000 *e = arg;
	/* Reading ICR acknowledges and lowers the line; 0 means a sharer's. */
	if (!rd(e, REG_ICR))
		return;
	wr(e, REG_IMC, ~0u);
	e->nic.stats[0].irqs++;
	e->nic.kick(&e->nic, 0, e->nic.ctx);
}

static int hw_reset(struct e1000 *e)
{
	wr(e, REG_IMC, ~0u);
	wr(e, REG_RCTL, 0);
	wr(e, REG_TCTL, 0);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
	/* The manual asks for 1 us before touching the device again. */
	thread_sleep_ns(NSEC_PER_MSEC);
	for (unsigned i = 0; rd(e, REG_CTRL) & CTRL_RST; i++) {
		if (i == 100)
			return -ETIMEDOUT;
		thread_sleep_ns(NSEC_PER_MSEC);
	}
	wr(e, REG_IMC, ~0u);
	(void)rd(e, REG_ICR);
	return 0;
}

/* One block for both rings, then the buffers, then the bookkeeping arrays. */
static int alloc_rings(struct e1000 *e, enum mm_part_id part)
{
	size_t rings = 2 * RING_SIZE * 16;
	size_t bufs = (size_t)RING_SIZE * NIC_RXBUF_SIZE;
	size_t book =
	    RING_SIZE * (sizeof(struct nic_rxbuf) + 2 * sizeof(uint16_t) + sizeof(void *));
	uint8_t *mem = mm_alloc_aligned(part, rings + bufs + book, PAGE_SIZE);
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, rings);
	memset(mem + rings + bufs, 0, book);
	e->mem = mem;
	e->rx = (volatile struct rx_desc *)mem;
	e->tx = (volatile struct tx_desc *)(mem + RING_SIZE * 16);
	e->bufs = mem + rings;
	e->rb = (struct nic_rxbuf *)(e->bufs + bufs);
	e->cookies = (void **)(e->rb + RING_SIZE);
	e->slot_buf = (uint16_t *)(e->cookies + RING_SIZE);
	e->free_bufs = e->slot_buf + RING_SIZE;
	for (unsigned i = 0; i < RING_SIZE; i++) {
		e->rb[i] = (struct nic_rxbuf){.queue = 0, .nic = &e->nic, .priv = (void *)(uintptr_t)i};
		e->free_bufs[i] = (uint16_t)(RING_SIZE - 1 - i);
	}
	e->nfree_bufs = RING_SIZE;
	e->rx_next = e->rx_tail = e->rx_posted = 0;
	e->rx_dry = false;
	e->tx_clean = e->tx_tail = 0;
	return 0;
}

/* Program the address filter and both rings, and start them (8254x 14.4, 14.5). */
static void start_hw(struct e1000 *e)
{
	const uint8_t *mac = e->nic.mac;

	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_SLU | CTRL_ASDE);
	wr(e, REG_RAL0,
	   (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
	       (uint32_t)mac[3] << 24);
	wr(e, REG_RAH0, (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | RAH_AV);
	for (unsigned i = 0; i < 128; i++)
		wr(e, REG_MTA + 4 * i, 0);

	wr(e, REG_RDBAL, (uint32_t)(uintptr_t)e->rx);
	wr(e, REG_RDBAH, (uint32_t)((uintptr_t)e->rx >> 32));
	wr(e, REG_RDLEN, RING_SIZE * 16);
	wr(e, REG_RDH, 0);
	wr(e, REG_RDT, 0);
	wr(e, REG_RDTR, 0);
	rx_refill(e);
	wr(e, REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);

	wr(e, REG_TDBAL, (uint32_t)(uintptr_t)e->tx);
	wr(e, REG_TDBAH, (uint32_t)((uintptr_t)e->tx >> 32));
	wr(e, REG_TDLEN, RING_SIZE * 16);
	wr(e, REG_TDH, 0);
	wr(e, REG_TDT, 0);
	wr(e, REG_TIPG, 10 | 10 << 10 | 10 << 20);
	wr(e, REG_TCTL, TCTL_EN | TCTL_PSP | 0x0F << TCTL_CT_SHIFT | 0x40 << TCTL_COLD_SHIFT);

	(void)rd(e, REG_MPC);
	wr(e, REG_IMS, IMS_USED);
}

static int e1000_open(struct nic *n)
{
	struct e1000 *e = n->priv;
	enum mm_part_id part = n->rxq_part[0];
	int rc;

	ASSERT(n->rx && n->tx_done && n->kick);
	if (e->opened)
		return -EBUSY;
	n->nrxq = n->ntxq = 1;
	rc = alloc_rings(e, part);
	if (rc)
		return rc;
	rc = hw_reset(e);
	if (rc)
		goto err_free;
	rc = pci_intx_attach(e->pci, e1000_irq, e);
	if (rc < 0)
		goto err_free;
	n->irq_mode = "INTx";
	start_hw(e);
	e->opened = true;
	return 0;

err_free:
	/* An attached INTx handler cannot be detached; none is attached here. */
	mm_free(part, e->mem);
	e->mem = NULL;
	pr_err("%s: e1000: open failed (%d)\n", n->name, rc);
	return rc;
}

static const struct nic_ops e1000_ops = {
    .name = "e1000",
    .open = e1000_open,
    .xmit = e1000_xmit,
    .poll = e1000_poll,
    .rx_release = e1000_rx_release,
    .link_up = e1000_link_up,
};

/* One EEPROM word through EERD, or -ETIMEDOUT. */
static int eeprom_read(struct e1000 *e, unsigned addr)
{
	wr(e, REG_EERD, addr << EERD_ADDR_SHIFT | EERD_START);
	for (unsigned i = 0; i < 100000; i++) {
		uint32_t v = rd(e, REG_EERD);
		if (v & EERD_DONE)
			return (int)(v >> 16);
		cpu_relax();
	}
	return -ETIMEDOUT;
}

static int read_mac(struct e1000 *e, uint8_t mac[6])
{
	uint32_t lo = rd(e, REG_RAL0), hi = rd(e, REG_RAH0);
	if (hi & RAH_AV) {
		for (unsigned i = 0; i < 4; i++)
			mac[i] = (uint8_t)(lo >> (8 * i));
		mac[4] = (uint8_t)hi;
		mac[5] = (uint8_t)(hi >> 8);
		return 0;
	}
	for (unsigned i = 0; i < 3; i++) {
		int w = eeprom_read(e, i);
		if (w < 0)
			return w;
		mac[2 * i] = (uint8_t)w;
		mac[2 * i + 1] = (uint8_t)(w >> 8);
	}
	return 0;
}

static int e1000_probe(struct pci_dev *d, const struct pci_id *id)
{
	(void)id;
	if (ne1000s == NIC_MAX)
		return -ENOSPC;
	struct e1000 *e = &e1000s[ne1000s];
	struct nic *n = &e->nic;
	memset(e, 0, sizeof(*e));
	e->pci = d;
	e->regs = pci_bar_map(d, 0);
	if (!e->regs)
		return -ENODEV;
	pci_enable(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	int rc = read_mac(e, n->mac);
	if (rc)
		return rc;

	n->ops = &e1000_ops;
	n->priv = e;
	n->nrxq = n->ntxq = 1;
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++)
		n->rxq_part[q] = MM_NETGEN;
	n->irq_mode = "INTx";
	rc = nic_register(n);
	if (rc)
		return rc;
	ne1000s++;
	pr_info("%s: e1000 (82540EM) at %02x:%02x.%x, MAC %02x:%02x:%02x:%02x:%02x:%02x, IRQ %u\n",
	        n->name, d->bus, d->dev, d->fn, n->mac[0], n->mac[1], n->mac[2], n->mac[3],
	        n->mac[4], n->mac[5], d->irq_line);
	return 0;
}

static const struct pci_id e1000_ids[] = {
    {E1000_PCI_VENDOR, E1000_PCI_82540EM},
    {0, 0},
};

PCI_DRIVER(e1000, .name = "e1000", .ids = e1000_ids, .probe = e1000_probe);
