/*
 * virtio-net: split virtqueues behind either the virtio 1.x PCI transport
 * (vendor capabilities pointing into memory BARs) or the legacy IO-port
 * transport.  Everything above the transport -- rings, RX/TX, multiqueue,
 * interrupts -- is shared.  See net/virtio_net.h for the behaviour the NIC
 * layer sees.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "net/virtio_net.h"
#include "net/nic.h"
#include "kernel/assert.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/pci.h"
#include "kernel/trap.h"

/* Device status bits. */
#define VIRTIO_STATUS_ACK         1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED      128

/* Feature bits. */
#define VIRTIO_NET_F_MAC     5
#define VIRTIO_NET_F_STATUS  16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ      22
#define VIRTIO_F_VERSION_1   32

#define VIRTIO_NET_S_LINK_UP 1

/* Device configuration (struct virtio_net_config). */
#define VNET_CFG_MAC       0
#define VNET_CFG_STATUS    6
#define VNET_CFG_MAX_PAIRS 8

/* Modern transport: vendor capability layout and types. */
#define VIRTIO_CAP_CFG_TYPE   3
#define VIRTIO_CAP_BAR        4
#define VIRTIO_CAP_OFFSET     8
#define VIRTIO_CAP_NOTIFY_MUL 16
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

/* struct virtio_pci_common_cfg */
#define COMMON_DFSELECT 0x00
#define COMMON_DF       0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF       0x0C
#define COMMON_MSIX     0x10
#define COMMON_STATUS   0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE   0x18
#define COMMON_Q_MSIX   0x1A
#define COMMON_Q_ENABLE 0x1C
#define COMMON_Q_NOFF   0x1E
#define COMMON_Q_DESC   0x20
#define COMMON_Q_AVAIL  0x28
#define COMMON_Q_USED   0x30

/* Legacy transport: IO BAR 0 registers. */
#define LEGACY_HOST_FEATURES  0x00
#define LEGACY_GUEST_FEATURES 0x04
#define LEGACY_QUEUE_PFN      0x08
#define LEGACY_QUEUE_SIZE     0x0C
#define LEGACY_QUEUE_SEL      0x0E
#define LEGACY_QUEUE_NOTIFY   0x10
#define LEGACY_STATUS         0x12
#define LEGACY_ISR            0x13
#define LEGACY_MSIX_CONFIG    0x14
#define LEGACY_MSIX_QUEUE     0x16
#define LEGACY_CFG            0x14 /* device config without MSI-X ... */
#define LEGACY_CFG_MSIX       0x18 /* ... and with it */

#define VIRTIO_MSI_NO_VECTOR 0xFFFF

/* Control queue. */
#define VIRTIO_NET_CTRL_MQ              4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_OK                   0

#define VRING_DESC_F_NEXT          1
#define VRING_DESC_F_WRITE         2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

#define VQ_MAX_SIZE     VIRTIO_NET_QUEUE_MAX
BUILD_ASSERT(NIC_RXBUF_SIZE >= 12 + ETH_FRAME_MAX); /* the virtio-net header, then the frame */
#define VQ_ALIGN        4096 /* legacy layout: the used ring starts on a page */
#define CTRL_TIMEOUT_NS (1 * NSEC_PER_SEC)

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

struct vq {
	uint16_t index; /* virtqueue number on the device */
	uint16_t size;
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	uint16_t avail_idx; /* next avail slot, our copy */
	uint16_t last_used; /* next used slot to look at */
	uint16_t free_head, nfree;
	volatile uint16_t *notify; /* modern only */
	void *mem;
};

struct vnet_rxq {
	struct vq vq;
	uint8_t *bufs; /* size * NIC_RXBUF_SIZE; buffer i belongs to descriptor i */
	struct nic_rxbuf *rb;
	unsigned posted;
	bool dry;
	bool kick_pending; /* reposted without telling the device yet */
};

struct vnet_txq {
	struct vq vq;
	void **cookies; /* by head descriptor */
	uint8_t *hdr;   /* the shared all-zero virtio_net_hdr */
};

struct vnet;

struct vnet_irq {
	struct vnet *v;
	unsigned q;
};

struct vnet {
	struct nic nic;
	struct pci_dev *pci;
	bool modern;
	bool msix;
	uint16_t io; /* legacy */
	volatile uint8_t *common, *isr, *devcfg, *notify_base;
	uint32_t notify_mul;
	uint64_t features;
	unsigned hdr_len;
	unsigned max_pairs;
	struct vnet_rxq rxq[NIC_MAX_QUEUES];
	struct vnet_txq txq[NIC_MAX_QUEUES];
	struct vq ctrl;
	uint8_t *ctrl_buf;
	struct vnet_irq irq[NIC_MAX_QUEUES];
	bool opened;
};

static struct vnet vnets[NIC_MAX];
static unsigned nvnets;

/* ---- transport ---- */

static void common_w8(struct vnet *v, unsigned off, uint8_t x)
{
	*(volatile uint8_t *)(v->common + off) = x;
}
static void common_w16(struct vnet *v, unsigned off, uint16_t x)
{
	*(volatile uint16_t *)(v->common + off) = x;
}
static void common_w32(struct vnet *v, unsigned off, uint32_t x)
{
	*(volatile uint32_t *)(v->common + off) = x;
}
static void common_w64(struct vnet *v, unsigned off, uint64_t x)
{
	common_w32(v, off, (uint32_t)x);
	common_w32(v, off + 4, (uint32_t)(x >> 32));
}
static uint8_t common_r8(struct vnet *v, unsigned off)
{
	return *(volatile uint8_t *)(v->common + off);
}
static uint16_t common_r16(struct vnet *v, unsigned off)
{
	return *(volatile uint16_t *)(v->common + off);
}
static uint32_t common_r32(struct vnet *v, unsigned off)
{
	return *(volatile uint32_t *)(v->common + off);
}

static uint8_t get_status(struct vnet *v)
{
	return v->modern ? common_r8(v, COMMON_STATUS) : inb(v->io + LEGACY_STATUS);
}

static void set_status(struct vnet *v, uint8_t s)
{
	if (v->modern)
		common_w8(v, COMMON_STATUS, s);
	else
		outb(v->io + LEGACY_STATUS, s);
}

static void add_status(struct vnet *v, uint8_t bits)
{
	set_status(v, get_status(v) | bits);
}

static void reset(struct vnet *v)
{
	set_status(v, 0);
	/* A modern device may take a while; reading 0 back means it is done. */
	for (unsigned i = 0; v->modern && i < 1000000 && get_status(v); i++)
		cpu_relax();
}

static uint64_t device_features(struct vnet *v)
{
	if (!v->modern)
		return inl(v->io + LEGACY_HOST_FEATURES);
	common_w32(v, COMMON_DFSELECT, 0);
	uint64_t lo = common_r32(v, COMMON_DF);
	common_w32(v, COMMON_DFSELECT, 1);
	return lo | (uint64_t)common_r32(v, COMMON_DF) << 32;
}

static void driver_features(struct vnet *v, uint64_t f)
{
	if (!v->modern) {
		outl(v->io + LEGACY_GUEST_FEATURES, (uint32_t)f);
		return;
	}
	common_w32(v, COMMON_GFSELECT, 0);
	common_w32(v, COMMON_GF, (uint32_t)f);
	common_w32(v, COMMON_GFSELECT, 1);
	common_w32(v, COMMON_GF, (uint32_t)(f >> 32));
}

static uint8_t cfg_r8(struct vnet *v, unsigned off)
{
	if (v->modern)
		return v->devcfg[off];
	return inb(v->io + (v->msix ? LEGACY_CFG_MSIX : LEGACY_CFG) + off);
}

static uint16_t cfg_r16(struct vnet *v, unsigned off)
{
	if (v->modern)
		return *(volatile uint16_t *)(v->devcfg + off);
	return inw(v->io + (v->msix ? LEGACY_CFG_MSIX : LEGACY_CFG) + off);
}

static bool has(const struct vnet *v, unsigned bit)
{
	return v->features & (1ULL << bit);
}

static void notify(struct vnet *v, struct vq *vq)
{
	if (v->modern)
		*vq->notify = vq->index;
	else
		outw(v->io + LEGACY_QUEUE_NOTIFY, vq->index);
}

static uint8_t read_isr(struct vnet *v)
{
	return v->modern ? *v->isr : inb(v->io + LEGACY_ISR);
}

/* ---- virtqueues ---- */

static size_t ring_bytes(unsigned size, size_t *used_off)
{
	size_t avail_end = 16 * size + 4 + 2 * size + 2;
	*used_off = (avail_end + VQ_ALIGN - 1) & ~(size_t)(VQ_ALIGN - 1);
	return *used_off + 4 + 8 * size + 2;
}

/*
 * Allocate and register virtqueue `index` with MSI-X entry `msix` (or
 * VIRTIO_MSI_NO_VECTOR).  0, -ENOENT (the device has no such queue),
 * -ENOMEM, or -EIO (the device refused the vector).
 */
static int vq_setup(struct vnet *v, struct vq *vq, unsigned index, enum mm_part_id part,
                    uint16_t msix)
{
	unsigned size;
	if (v->modern) {
		common_w16(v, COMMON_Q_SELECT, (uint16_t)index);
		size = common_r16(v, COMMON_Q_SIZE);
		if (size > VQ_MAX_SIZE)
			size = VQ_MAX_SIZE;
	} else {
		outw(v->io + LEGACY_QUEUE_SEL, (uint16_t)index);
		size = inw(v->io + LEGACY_QUEUE_SIZE);
	}
	if (!size)
		return -ENOENT;

	size_t used_off, bytes = ring_bytes(size, &used_off);
	uint8_t *mem = mm_alloc_aligned(part, bytes, VQ_ALIGN);
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, bytes);

	memset(vq, 0, sizeof(*vq));
	vq->index = (uint16_t)index;
	vq->size = (uint16_t)size;
	vq->mem = mem;
	vq->desc = (volatile struct vring_desc *)mem;
	vq->avail = (volatile struct vring_avail *)(mem + 16 * size);
	vq->used = (volatile struct vring_used *)(mem + used_off);
	for (unsigned i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->nfree = (uint16_t)size;

	if (v->modern) {
		common_w16(v, COMMON_Q_SIZE, (uint16_t)size);
		common_w16(v, COMMON_Q_MSIX, msix);
		if (common_r16(v, COMMON_Q_MSIX) != msix)
			goto err_vector;
		common_w64(v, COMMON_Q_DESC, (uintptr_t)vq->desc);
		common_w64(v, COMMON_Q_AVAIL, (uintptr_t)vq->avail);
		common_w64(v, COMMON_Q_USED, (uintptr_t)vq->used);
		vq->notify = (volatile uint16_t *)(v->notify_base +
		                                   common_r16(v, COMMON_Q_NOFF) * v->notify_mul);
		common_w16(v, COMMON_Q_ENABLE, 1);
	} else {
		if (v->msix) {
			outw(v->io + LEGACY_MSIX_QUEUE, msix);
			if (inw(v->io + LEGACY_MSIX_QUEUE) != msix)
				goto err_vector;
		}
		outl(v->io + LEGACY_QUEUE_PFN, (uint32_t)((uintptr_t)mem / VQ_ALIGN));
	}
	return 0;

err_vector:
	mm_free(part, mem);
	vq->mem = NULL;
	return -EIO;
}

static bool vq_pending(const struct vq *vq)
{
	return vq->used->idx != vq->last_used;
}

static void vq_publish(struct vq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx % vq->size] = head;
	cpu_barrier(); /* the entry before the index that exposes it */
	vq->avail->idx = ++vq->avail_idx;
}

/* Tell the device about new buffers unless it said it is looking anyway. */
static void vq_kick(struct vnet *v, struct vq *vq)
{
	cpu_mb(); /* our avail->idx store before its used->flags */
	if (!(vq->used->flags & VRING_USED_F_NO_NOTIFY))
		notify(v, vq);
}

static void vq_irq(struct vq *vq, bool on)
{
	vq->avail->flags = on ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
}

/* ---- data path ---- */

static void rx_post(struct vnet_rxq *rq, uint16_t id)
{
	rq->vq.desc[id].addr = (uintptr_t)(rq->bufs + (size_t)id * NIC_RXBUF_SIZE);
	rq->vq.desc[id].len = NIC_RXBUF_SIZE;
	rq->vq.desc[id].flags = VRING_DESC_F_WRITE;
	vq_publish(&rq->vq, id);
	rq->posted++;
	rq->dry = false;
	rq->kick_pending = true;
}

static void vnet_rx_release(struct nic *n, struct nic_rxbuf *b)
{
	struct vnet *v = n->priv;
	ASSERT(b->queue < n->nrxq);
	struct vnet_rxq *rq = &v->rxq[b->queue];
	uintptr_t id = (uintptr_t)b->priv;
	ASSERT(id < rq->vq.size && b == &rq->rb[id]);
	rx_post(rq, (uint16_t)id);
	vq_kick(v, &rq->vq);
	rq->kick_pending = false;
}

static void tx_reap(struct vnet *v, unsigned q)
{
	struct vnet_txq *tq = &v->txq[q];
	struct vq *vq = &tq->vq;
	while (vq_pending(vq)) {
		cpu_barrier(); /* the index before the entry it covers */
		uint16_t head = (uint16_t)vq->used->ring[vq->last_used % vq->size].id;
		vq->last_used++;
		ASSERT(head < vq->size);
		uint16_t last = head, count = 1;
		while (vq->desc[last].flags & VRING_DESC_F_NEXT) {
			last = vq->desc[last].next;
			count++;
		}
		vq->desc[last].next = vq->free_head;
		vq->free_head = head;
		vq->nfree += count;
		void *cookie = tq->cookies[head];
		tq->cookies[head] = NULL;
		v->nic.tx_done(&v->nic, cookie, v->nic.ctx);
	}
}

static int vnet_xmit(struct nic *n, unsigned q, const struct nic_frag *frags, unsigned nfrags,
                     unsigned keep, void *cookie)
{
	struct vnet *v = n->priv;
	if (q >= n->ntxq || !nfrags || nfrags > NIC_MAX_FRAGS)
		return -EINVAL;
	size_t len = 0;
	for (unsigned i = 0; i < nfrags; i++)
		len += frags[i].len;
	if (len < ETH_HLEN || len > ETH_FRAME_MAX)
		return -EINVAL;

	struct vnet_txq *tq = &v->txq[q];
	struct vq *vq = &tq->vq;
	if (vq->nfree < nfrags + 1 + keep) {
		/* The TX interrupt is off only while a kick is pending, but be sure:
		 * completions already waiting are reaped after this kick. */
		n->stats[q].tx_busy++;
		vq_irq(vq, true);
		cpu_mb();
		if (vq_pending(vq))
			n->kick(n, q, n->ctx);
		return -EBUSY;
	}

	uint16_t head = vq->free_head, d = head;
	vq->desc[d].addr = (uintptr_t)tq->hdr;
	vq->desc[d].len = v->hdr_len;
	vq->desc[d].flags = VRING_DESC_F_NEXT;
	for (unsigned i = 0; i < nfrags; i++) {
		d = vq->desc[d].next;
		vq->desc[d].addr = (uintptr_t)frags[i].data;
		vq->desc[d].len = frags[i].len;
		vq->desc[d].flags = i + 1 < nfrags ? VRING_DESC_F_NEXT : 0;
	}
	vq->free_head = vq->desc[d].next;
	vq->nfree -= (uint16_t)(nfrags + 1);
	tq->cookies[head] = cookie;
	vq_publish(vq, head);
	vq_kick(v, vq);
	n->stats[q].tx_packets++;
	n->stats[q].tx_bytes += len;
	return 0;
}

/* Hand one used RX descriptor to the stack, or drop and repost it. */
static bool rx_one(struct vnet *v, unsigned q)
{
	struct vnet_rxq *rq = &v->rxq[q];
	struct vq *vq = &rq->vq;
	struct nic_qstats *st = &v->nic.stats[q];

	cpu_barrier();
	volatile struct vring_used_elem *e = &vq->used->ring[vq->last_used % vq->size];
	uint32_t id = e->id, len = e->len;
	vq->last_used++;
	ASSERT(id < vq->size);
	rq->posted--;
	if (!rq->posted && !rq->dry) {
		rq->dry = true;
		st->drops[NIC_DROP_NOBUF]++;
	}

	/* Anything past a buffer is the device's bug; call it too long. */
	uint32_t flen = len < v->hdr_len ? 0 : len - v->hdr_len;
	struct nic_rxbuf *b = &rq->rb[id];
	b->data = rq->bufs + (size_t)id * NIC_RXBUF_SIZE + v->hdr_len;
	b->len = (uint16_t)(flen > NIC_RXBUF_SIZE ? NIC_RXBUF_SIZE : flen);
	if (!nic_deliver(&v->nic, b)) {
		rx_post(rq, (uint16_t)id);
		return false;
	}
	return true;
}

static int vnet_poll(struct nic *n, unsigned q, int budget)
{
	struct vnet *v = n->priv;
	ASSERT(q < n->nrxq);
	struct vnet_rxq *rq = &v->rxq[q];
	int done = 0;

	n->stats[q].polls++;
	/* TX completions interrupt too (QEMU raises one per batch), so every
	 * frame's tx_done comes without the stack polling on a timer. */
	do {
		tx_reap(v, q);
		vq_irq(&v->txq[q].vq, true);
		cpu_mb();
	} while (vq_pending(&v->txq[q].vq));

	for (;;) {
		while (done < budget && vq_pending(&rq->vq))
			done += rx_one(v, q);
		if (done >= budget)
			break;
		/* Drained: re-enable, then look again to close the race with a
		 * frame that arrived before the device saw the flag. */
		vq_irq(&rq->vq, true);
		cpu_mb();
		if (!vq_pending(&rq->vq))
			break;
		vq_irq(&rq->vq, false);
	}
	if (rq->kick_pending) {
		vq_kick(v, &rq->vq);
		rq->kick_pending = false;
	}
	return done;
}

static bool vnet_link_up(struct nic *n)
{
	struct vnet *v = n->priv;
	if (!has(v, VIRTIO_NET_F_STATUS))
		return true;
	return cfg_r16(v, VNET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
}

/* ---- interrupts: mask, kick, nothing else ---- */

static void quiesce_and_kick(struct vnet *v, unsigned q)
{
	vq_irq(&v->rxq[q].vq, false);
	vq_irq(&v->txq[q].vq, false);
	v->nic.stats[q].irqs++;
	v->nic.kick(&v->nic, q, v->nic.ctx);
}

static void vnet_msix_irq(void *arg)
{
	struct vnet_irq *irq = arg;
	quiesce_and_kick(irq->v, irq->q);
}

static void vnet_intx_irq(void *arg)
{
	struct vnet *v = arg;
	/* Reading ISR acknowledges and lowers the line; 0 means a sharer's. */
	uint8_t isr = read_isr(v);
	if (!(isr & 1))
		return;
	for (unsigned q = 0; q < v->nic.nrxq; q++)
		quiesce_and_kick(v, q);
}

/* ---- open ---- */

static int ctrl_set_pairs(struct vnet *v, unsigned pairs)
{
	struct vq *vq = &v->ctrl;
	uint8_t *b = v->ctrl_buf;
	b[0] = VIRTIO_NET_CTRL_MQ;
	b[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	b[2] = (uint8_t)pairs;
	b[3] = (uint8_t)(pairs >> 8);
	b[4] = 0xFF;
	/* A fresh queue: descriptors 0-2 are free and in order. */
	vq->desc[0] = (struct vring_desc){(uintptr_t)b, 2, VRING_DESC_F_NEXT, 1};
	vq->desc[1] = (struct vring_desc){(uintptr_t)(b + 2), 2, VRING_DESC_F_NEXT, 2};
	vq->desc[2] = (struct vring_desc){(uintptr_t)(b + 4), 1, VRING_DESC_F_WRITE, 0};
	vq_publish(vq, 0);
	cpu_mb();
	notify(v, vq);
	uint64_t deadline = clock_ns() + CTRL_TIMEOUT_NS;
	while (!vq_pending(vq)) {
		if (clock_ns() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
	vq->last_used++;
	cpu_barrier();
	return b[4] == VIRTIO_NET_OK ? 0 : -EIO;
}

static void free_queues(struct vnet *v, unsigned pairs)
{
	struct nic *n = &v->nic;
	for (unsigned q = pairs; q-- > 0;) {
		enum mm_part_id part = n->rxq_part[q];
		struct vnet_rxq *rq = &v->rxq[q];
		struct vnet_txq *tq = &v->txq[q];
		if (tq->cookies)
			mm_free(part, tq->cookies);
		if (tq->vq.mem)
			mm_free(part, tq->vq.mem);
		if (rq->rb)
			mm_free(part, rq->rb);
		if (rq->bufs)
			mm_free(part, rq->bufs);
		if (rq->vq.mem)
			mm_free(part, rq->vq.mem);
		memset(rq, 0, sizeof(*rq));
		memset(tq, 0, sizeof(*tq));
	}
}

static int setup_pair(struct vnet *v, unsigned q)
{
	struct nic *n = &v->nic;
	enum mm_part_id part = n->rxq_part[q];
	struct vnet_rxq *rq = &v->rxq[q];
	struct vnet_txq *tq = &v->txq[q];
	uint16_t vec = v->msix ? (uint16_t)q : VIRTIO_MSI_NO_VECTOR;
	int rc;

	rc = vq_setup(v, &rq->vq, 2 * q, part, vec);
	if (rc)
		return rc;
	rc = vq_setup(v, &tq->vq, 2 * q + 1, part, vec);
	if (rc)
		return rc;
	unsigned rsize = rq->vq.size, tsize = tq->vq.size;
	rq->bufs = mm_alloc_aligned(part, (size_t)rsize * NIC_RXBUF_SIZE, PAGE_SIZE);
	rq->rb = mm_alloc(part, rsize * sizeof(*rq->rb));
	/* The cookie array doubles as home of the zero header, past its end. */
	tq->cookies = mm_alloc(part, tsize * sizeof(void *) + 16);
	if (!rq->bufs || !rq->rb || !tq->cookies)
		return -ENOMEM;
	memset(tq->cookies, 0, tsize * sizeof(void *) + 16);
	tq->hdr = (uint8_t *)(tq->cookies + tsize);
	for (unsigned i = 0; i < rsize; i++) {
		rq->rb[i] =
		    (struct nic_rxbuf){.queue = (uint8_t)q, .nic = n, .priv = (void *)(uintptr_t)i};
		rx_post(rq, (uint16_t)i);
	}
	return 0;
}

static int setup_irqs(struct vnet *v, unsigned *pairs)
{
	struct pci_dev *d = v->pci;
	int nvec = pci_msix_enable(d);
	if (nvec > 0) {
		if ((unsigned)nvec < *pairs)
			*pairs = (unsigned)nvec;
		for (unsigned q = 0; q < *pairs; q++) {
			v->irq[q] = (struct vnet_irq){v, q};
			int vec = irq_alloc(vnet_msix_irq, &v->irq[q]);
			if (vec < 0 || pci_msix_set(d, q, (unsigned)vec))
				goto err_msix;
		}
		v->msix = true;
		v->nic.irq_mode = "MSI-X";
		if (v->modern)
			common_w16(v, COMMON_MSIX, VIRTIO_MSI_NO_VECTOR);
		else
			outw(v->io + LEGACY_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR);
		return 0;
	}
	int gsi = pci_intx_attach(d, vnet_intx_irq, v);
	if (gsi < 0)
		return gsi;
	v->nic.irq_mode = "INTx";
	return 0;

err_msix:
	/* Vectors already claimed stay claimed: trap.h has no irq_free(). */
	pci_msix_disable(d);
	return -ENOSPC;
}

/* Reset the device and agree on features (virtio 1.x 3.1.1 steps 1-6);
 * without multiqueue, *pairs drops to 1.  0, -ENODEV or -EIO. */
static int negotiate(struct vnet *v, unsigned *pairs)
{
	reset(v);
	add_status(v, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	uint64_t want = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS |
	                1ULL << VIRTIO_NET_F_CTRL_VQ | 1ULL << VIRTIO_NET_F_MQ;
	if (v->modern)
		want |= 1ULL << VIRTIO_F_VERSION_1;
	v->features = device_features(v) & want;
	if (v->modern && !has(v, VIRTIO_F_VERSION_1))
		return -ENODEV;
	if (!has(v, VIRTIO_NET_F_MQ) || !has(v, VIRTIO_NET_F_CTRL_VQ))
		*pairs = 1;
	driver_features(v, v->features);
	if (!v->modern)
		return 0;
	add_status(v, VIRTIO_STATUS_FEATURES_OK);
	return get_status(v) & VIRTIO_STATUS_FEATURES_OK ? 0 : -EIO;
}

static int vnet_open(struct nic *n)
{
	struct vnet *v = n->priv;
	unsigned pairs = n->nrxq, q;
	int rc;

	ASSERT(n->rx && n->tx_done && n->kick);
	if (v->opened)
		return -EBUSY;
	if (pairs < 1 || pairs > v->max_pairs)
		return -EINVAL;

	rc = negotiate(v, &pairs);
	if (rc)
		goto err_reset;
	rc = setup_irqs(v, &pairs);
	if (rc)
		goto err_reset;
	n->nrxq = n->ntxq = pairs;

	for (q = 0; q < pairs; q++) {
		rc = setup_pair(v, q);
		if (rc) {
			q++;
			goto err_queues;
		}
	}
	if (pairs > 1) {
		rc = vq_setup(v, &v->ctrl, 2 * v->max_pairs, n->rxq_part[0], VIRTIO_MSI_NO_VECTOR);
		if (rc)
			goto err_queues;
		v->ctrl_buf = mm_alloc(n->rxq_part[0], 16);
		if (!v->ctrl_buf) {
			rc = -ENOMEM;
			goto err_ctrl;
		}
		vq_irq(&v->ctrl, false);
	}

	add_status(v, VIRTIO_STATUS_DRIVER_OK);
	if (pairs > 1) {
		rc = ctrl_set_pairs(v, pairs);
		if (rc)
			goto err_ctrlbuf;
	}
	for (q = 0; q < pairs; q++) {
		notify(v, &v->rxq[q].vq);
		v->rxq[q].kick_pending = false;
	}
	v->opened = true;
	return 0;

err_ctrlbuf:
	reset(v);
	mm_free(n->rxq_part[0], v->ctrl_buf);
	v->ctrl_buf = NULL;
err_ctrl:
	if (v->ctrl.mem)
		mm_free(n->rxq_part[0], v->ctrl.mem);
	v->ctrl.mem = NULL;
err_queues:
	reset(v);
	free_queues(v, q);
	/* Vectors stay claimed and an INTx handler stays attached (trap.h has no
	 * irq_free()); a reset device never raises them. */
	if (v->msix)
		pci_msix_disable(v->pci);
	v->msix = false;
err_reset:
	set_status(v, VIRTIO_STATUS_FAILED);
	pr_err("%s: virtio-net: open failed (%d)\n", n->name, rc);
	return rc;
}

static const struct nic_ops vnet_ops = {
    .name = "virtio-net",
    .open = vnet_open,
    .xmit = vnet_xmit,
    .poll = vnet_poll,
    .rx_release = vnet_rx_release,
    .link_up = vnet_link_up,
};

/* ---- probe ---- */

/* Locate the modern structures.  0, or -ENODEV when any is missing. */
static int find_modern(struct vnet *v)
{
	struct pci_dev *d = v->pci;
	volatile uint8_t *found[5] = {0};

	for (unsigned cap = pci_find_cap(d, PCI_CAP_ID_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_ID_VENDOR, cap)) {
		uint8_t type = pci_read8(d, cap + VIRTIO_CAP_CFG_TYPE);
		uint8_t bar = pci_read8(d, cap + VIRTIO_CAP_BAR);
		if (type < VIRTIO_PCI_CAP_COMMON || type > VIRTIO_PCI_CAP_DEVICE || bar > 5 ||
		    found[type])
			continue;
		volatile uint8_t *base = pci_bar_map(d, bar);
		if (!base)
			continue;
		found[type] = base + pci_read32(d, cap + VIRTIO_CAP_OFFSET);
		if (type == VIRTIO_PCI_CAP_NOTIFY)
			v->notify_mul = pci_read32(d, cap + VIRTIO_CAP_NOTIFY_MUL);
	}
	if (!found[VIRTIO_PCI_CAP_COMMON] || !found[VIRTIO_PCI_CAP_NOTIFY] ||
	    !found[VIRTIO_PCI_CAP_ISR] || !found[VIRTIO_PCI_CAP_DEVICE])
		return -ENODEV;
	v->common = found[VIRTIO_PCI_CAP_COMMON];
	v->notify_base = found[VIRTIO_PCI_CAP_NOTIFY];
	v->isr = found[VIRTIO_PCI_CAP_ISR];
	v->devcfg = found[VIRTIO_PCI_CAP_DEVICE];
	return 0;
}

static int vnet_probe(struct pci_dev *d, const struct pci_id *id)
{
	(void)id;
	if (nvnets == NIC_MAX)
		return -ENOSPC;
	struct vnet *v = &vnets[nvnets];
	struct nic *n = &v->nic;
	memset(v, 0, sizeof(*v));
	v->pci = d;

	pci_enable(d, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (find_modern(v) == 0) {
		v->modern = true;
		v->hdr_len = 12;
	} else if (d->bar[0].io && d->bar[0].size) {
		v->io = (uint16_t)d->bar[0].addr;
		v->hdr_len = 10; /* no VERSION_1, no MRG_RXBUF: num_buffers absent */
	} else {
		return -ENODEV;
	}
	reset(v);
	v->features = device_features(v);
	if (has(v, VIRTIO_NET_F_MAC)) {
		for (unsigned i = 0; i < 6; i++)
			n->mac[i] = cfg_r8(v, VNET_CFG_MAC + i);
	} else {
		/* A locally administered address derived from the slot. */
		const uint8_t mac[6] = {0x02, 0x54, 0x45, d->bus, d->dev, d->fn};
		memcpy(n->mac, mac, 6);
	}
	v->max_pairs = 1;
	if (has(v, VIRTIO_NET_F_MQ) && has(v, VIRTIO_NET_F_CTRL_VQ)) {
		uint16_t mp = cfg_r16(v, VNET_CFG_MAX_PAIRS);
		if (mp > 1)
			v->max_pairs = mp > NIC_MAX_QUEUES ? NIC_MAX_QUEUES : mp;
	}
	v->features = 0;

	n->ops = &vnet_ops;
	n->priv = v;
	n->nrxq = n->ntxq = v->max_pairs;
	for (unsigned q = 0; q < NIC_MAX_QUEUES; q++)
		n->rxq_part[q] = MM_NETGEN;
	n->irq_mode = pci_find_cap(d, PCI_CAP_ID_MSIX, 0) ? "MSI-X" : "INTx";
	int rc = nic_register(n);
	if (rc)
		return rc;
	nvnets++;
	pr_info("%s: virtio-net (%s) at %02x:%02x.%x, MAC %02x:%02x:%02x:%02x:%02x:%02x, "
	        "%u queue pair%s\n",
	        n->name, v->modern ? "modern" : "legacy", d->bus, d->dev, d->fn, n->mac[0],
	        n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], v->max_pairs,
	        v->max_pairs == 1 ? "" : "s");
	return 0;
}

static const struct pci_id vnet_ids[] = {
    {VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_MODERN},
    {VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_TRANSITIONAL},
    {0, 0},
};

PCI_DRIVER(virtio_net, .name = "virtio-net", .ids = vnet_ids, .probe = vnet_probe);
