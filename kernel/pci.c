/*
 * PCI bus driver: configuration mechanism #1 (0xCF8/0xCFC), enumeration of
 * bus 0 and every bus behind a PCI-PCI bridge, BAR sizing, capabilities,
 * MSI-X, INTx through the IO-APIC, and matching functions to the drivers
 * declared with PCI_DRIVER().
 */
#include <errno.h>

#include "kernel/pci.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/ioapic.h"
#include "mm/paging.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA    0xCFC

#define MSIX_CTRL          2
#define MSIX_CTRL_ENABLE   (1u << 15)
#define MSIX_CTRL_FUNCMASK (1u << 14)
#define MSIX_TABLE         4
#define MSIX_VECTOR_MASKED 1u

#define LAPIC_MSI_ADDR 0xFEE00000u

/* The 3-4 GiB window is mapped uncached by mm at boot; anything else is not. */
#define MMIO_WINDOW_LO 0xC0000000ULL
#define MMIO_WINDOW_HI 0x100000000ULL

#define INTX_LINES   24
#define INTX_SHARERS 4

extern const struct pci_driver __pcidrv_start[], __pcidrv_end[];

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned ndevs;
static bool scanned;
static uint8_t buses_seen[256 / 8];

/* One vector per INTx line, with every handler that shares the line. */
static struct intx_line {
	int vector;
	unsigned n;
	struct {
		irq_handler_fn fn;
		void *arg;
	} h[INTX_SHARERS];
} intx[INTX_LINES];

static uint32_t cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
	       (off & 0xFC);
}

static uint32_t cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	uint64_t fl = irq_save();
	outl(PCI_CONFIG_ADDRESS, cfg_addr(bus, dev, fn, off));
	uint32_t v = inl(PCI_CONFIG_DATA);
	irq_restore(fl);
	return v;
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return cfg_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	uint64_t fl = irq_save();
	outl(PCI_CONFIG_ADDRESS, cfg_addr(d->bus, d->dev, d->fn, off));
	outl(PCI_CONFIG_DATA, v);
	irq_restore(fl);
}

/* Narrow writes use the byte lanes of the data port, so that neighbouring
 * registers (some of them write-1-to-clear, like PCI_STATUS) are not touched. */
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint64_t fl = irq_save();
	outl(PCI_CONFIG_ADDRESS, cfg_addr(d->bus, d->dev, d->fn, off));
	outw(PCI_CONFIG_DATA + (off & 2), v);
	irq_restore(fl);
}

void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v)
{
	uint64_t fl = irq_save();
	outl(PCI_CONFIG_ADDRESS, cfg_addr(d->bus, d->dev, d->fn, off));
	outb(PCI_CONFIG_DATA + (off & 3), v);
	irq_restore(fl);
}

void pci_enable(struct pci_dev *d, uint16_t bits)
{
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | bits);
}

unsigned pci_count(void)
{
	return ndevs;
}

struct pci_dev *pci_get(unsigned i)
{
	return i < ndevs ? &devs[i] : NULL;
}

/*
 * Size every BAR by writing all ones and reading back the mask.  Decoding is
 * off meanwhile so that the transient all-ones address cannot claim cycles
 * meant for another device.  Returns the index of the next BAR (64-bit BARs
 * take two slots).
 */
static unsigned size_bar(struct pci_dev *d, unsigned i)
{
	unsigned off = PCI_BAR0 + 4 * i;
	struct pci_bar *b = &d->bar[i];
	uint32_t orig = pci_read32(d, off);

	pci_write32(d, off, 0xFFFFFFFF);
	uint32_t mask = pci_read32(d, off);
	pci_write32(d, off, orig);

	if (orig & 1) {
		b->io = true;
		b->addr = orig & ~3u;
		mask &= ~3u;
		b->size = mask ? (uint16_t)(~mask + 1) : 0;
		return i + 1;
	}
	b->prefetch = orig & 8;
	b->addr = orig & ~0xFu;
	uint64_t m = mask & ~0xFull;
	if (((orig >> 1) & 3) == 2 && i < 5) {
		uint32_t orig_hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xFFFFFFFF);
		uint32_t mask_hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, orig_hi);
		b->mem64 = true;
		b->addr |= (uint64_t)orig_hi << 32;
		m |= (uint64_t)mask_hi << 32;
		b->size = m ? ~m + 1 : 0;
		return i + 2;
	}
	b->size = m ? (uint32_t)(~(uint32_t)m + 1) : 0;
	return i + 1;
}

static void report(const struct pci_dev *d)
{
	if (d->irq_pin)
		pr_info("pci 0000:%02x:%02x.%x: [%04x:%04x] type 00 class 0x%02x%02x%02x, INT%c "
		        "IRQ %u\n",
		        d->bus, d->dev, d->fn, d->vendor, d->device, d->class, d->subclass,
		        d->progif, 'A' + d->irq_pin - 1, d->irq_line);
	else
		pr_info("pci 0000:%02x:%02x.%x: [%04x:%04x] type 00 class 0x%02x%02x%02x\n", d->bus,
		        d->dev, d->fn, d->vendor, d->device, d->class, d->subclass, d->progif);
	for (unsigned i = 0; i < 6; i++) {
		const struct pci_bar *b = &d->bar[i];
		if (!b->size)
			continue;
		if (b->io)
			pr_info("pci 0000:%02x:%02x.%x: reg 0x%02x: [io  %#06llx-%#06llx]\n",
			        d->bus, d->dev, d->fn, PCI_BAR0 + 4 * i,
			        (unsigned long long)b->addr,
			        (unsigned long long)(b->addr + b->size - 1));
		else
			pr_info("pci 0000:%02x:%02x.%x: reg 0x%02x: [mem %#010llx-%#010llx %s%s]\n",
			        d->bus, d->dev, d->fn, PCI_BAR0 + 4 * i,
			        (unsigned long long)b->addr,
			        (unsigned long long)(b->addr + b->size - 1),
			        b->mem64 ? "64bit" : "32bit", b->prefetch ? " pref" : "");
	}
}

static void scan_bus(uint8_t bus);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint32_t id = cfg_read32(bus, dev, fn, PCI_VENDOR_ID);
	uint32_t cls = cfg_read32(bus, dev, fn, PCI_REVISION);
	uint8_t htype = (uint8_t)(cfg_read32(bus, dev, fn, PCI_HEADER_TYPE & ~3u) >> 16) & 0x7F;

	if (htype == 1) {
		uint8_t sec = (uint8_t)(cfg_read32(bus, dev, fn, PCI_SECONDARY_BUS & ~3u) >> 8);
		pr_info("pci 0000:%02x:%02x.%x: [%04x:%04x] type 01: PCI bridge to [bus %02x]\n",
		        bus, dev, fn, (uint16_t)id, (uint16_t)(id >> 16), sec);
		/* Firmware numbers buses depth-first, so a child is always higher. */
		if (sec > bus)
			scan_bus(sec);
		return;
	}
	if (htype != 0)
		return;
	if (ndevs == PCI_MAX_DEVS) {
		pr_warn("pci %04x:%02x:%02x.%x: ignored, more than %d functions\n", 0, bus, dev, fn,
		        PCI_MAX_DEVS);
		return;
	}
	struct pci_dev *d = &devs[ndevs++];
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->revision = (uint8_t)cls;
	d->progif = (uint8_t)(cls >> 8);
	d->subclass = (uint8_t)(cls >> 16);
	d->class = (uint8_t)(cls >> 24);
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);

	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < 6;)
		i = size_bar(d, i);
	pci_write16(d, PCI_COMMAND, cmd);
	report(d);
}

static void scan_bus(uint8_t bus)
{
	if (buses_seen[bus / 8] & (1u << (bus % 8)))
		return;
	buses_seen[bus / 8] |= 1u << (bus % 8);
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((uint16_t)cfg_read32(bus, dev, 0, PCI_VENDOR_ID) == 0xFFFF)
			continue;
		bool multi = (cfg_read32(bus, dev, 0, PCI_HEADER_TYPE & ~3u) >> 16) & 0x80;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++) {
			if ((uint16_t)cfg_read32(bus, dev, fn, PCI_VENDOR_ID) == 0xFFFF)
				continue;
			add_function(bus, dev, fn);
		}
	}
}

static const struct pci_id *match(const struct pci_driver *drv, const struct pci_dev *d)
{
	for (const struct pci_id *id = drv->ids; id->vendor; id++)
		if (id->vendor == d->vendor && id->device == d->device)
			return id;
	return NULL;
}

static void probe(struct pci_dev *d)
{
	for (const struct pci_driver *drv = __pcidrv_start; drv < __pcidrv_end; drv++) {
		const struct pci_id *id = match(drv, d);
		if (!id)
			continue;
		int rc = drv->probe(d, id);
		if (rc == 0) {
			d->drv = drv;
			return;
		}
		pr_warn("pci 0000:%02x:%02x.%x: %s: probe failed (%d)\n", d->bus, d->dev, d->fn,
		        drv->name, rc);
	}
}

unsigned pci_init(void)
{
	if (scanned)
		return ndevs;
	scanned = true;
	ioapic_init();
	scan_bus(0);
	for (unsigned i = 0; i < ndevs; i++)
		probe(&devs[i]);
	return ndevs;
}

volatile void *pci_bar_map(struct pci_dev *d, unsigned i)
{
	ASSERT(i < 6);
	const struct pci_bar *b = &d->bar[i];
	if (!b->size || b->io || !b->addr)
		return NULL;
	if ((b->addr < MMIO_WINDOW_LO || b->addr + b->size > MMIO_WINDOW_HI) &&
	    mm_map_mmio(b->addr, b->size))
		return NULL;
	return (volatile void *)(uintptr_t)b->addr;
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after)
{
	unsigned off;
	if (after)
		off = pci_read8(d, after + 1);
	else if (pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST)
		off = pci_read8(d, PCI_CAP_PTR);
	else
		return 0;
	/* 48 = the most capabilities that fit in 256 bytes: guards against cycles. */
	for (unsigned ttl = 48; off >= 0x40 && ttl; ttl--) {
		off &= ~3u;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

int pci_msix_enable(struct pci_dev *d)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);
	if (!cap)
		return -ENODEV;
	uint16_t ctrl = pci_read16(d, cap + MSIX_CTRL);
	uint32_t tbl = pci_read32(d, cap + MSIX_TABLE);
	volatile uint8_t *bar = pci_bar_map(d, tbl & 7);
	if (!bar)
		return -ENOMEM;

	d->msix_cap = (uint8_t)cap;
	d->msix_entries = (ctrl & 0x7FF) + 1;
	d->msix_table = (volatile uint32_t *)(bar + (tbl & ~7u));
	/* Function-mask while the entries are still garbage, then mask each one. */
	pci_write16(d, cap + MSIX_CTRL, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_FUNCMASK);
	for (unsigned i = 0; i < d->msix_entries; i++)
		d->msix_table[i * 4 + 3] = MSIX_VECTOR_MASKED;
	pci_enable(d, PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_write16(d, cap + MSIX_CTRL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FUNCMASK);
	return d->msix_entries;
}

int pci_msix_set(struct pci_dev *d, unsigned entry, unsigned vector)
{
	if (!d->msix_table || entry >= d->msix_entries || vector < VEC_DEV_BASE ||
	    vector > VEC_DEV_LAST)
		return -EINVAL;
	volatile uint32_t *e = d->msix_table + entry * 4;
	e[3] = MSIX_VECTOR_MASKED;
	e[0] = LAPIC_MSI_ADDR; /* destination APIC ID 0, physical */
	e[1] = 0;
	e[2] = vector; /* fixed delivery, edge */
	e[3] = 0;
	return 0;
}

void pci_msix_mask(struct pci_dev *d, unsigned entry, bool masked)
{
	ASSERT(d->msix_table && entry < d->msix_entries);
	d->msix_table[entry * 4 + 3] = masked ? MSIX_VECTOR_MASKED : 0;
}

void pci_msix_disable(struct pci_dev *d)
{
	if (!d->msix_table)
		return;
	for (unsigned i = 0; i < d->msix_entries; i++)
		d->msix_table[i * 4 + 3] = MSIX_VECTOR_MASKED;
	uint16_t ctrl = pci_read16(d, d->msix_cap + MSIX_CTRL);
	pci_write16(d, d->msix_cap + MSIX_CTRL, ctrl & ~MSIX_CTRL_ENABLE);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE);
	d->msix_table = NULL;
}

static void intx_dispatch(void *arg)
{
	struct intx_line *l = arg;
	for (unsigned i = 0; i < l->n; i++)
		l->h[i].fn(l->h[i].arg);
}

/*
 * On QEMU's pc machine the PIIX3 steers PCI INTx through its PIRQ links to
 * ISA IRQs 5/9/10/11, and firmware writes that IRQ into PCI_INTERRUPT_LINE.
 * QEMU drives those IO-APIC inputs level-triggered and active HIGH, and its
 * MADT says so (source overrides for IRQ 5, 9, 10, 11: active high, level);
 * active-low, right for native PCI GSIs 16-23, would storm on an idle line.
 * Without MADT parsing, lines below 16 are taken to be ISA IRQ = GSI.
 */
int pci_intx_attach(struct pci_dev *d, irq_handler_fn fn, void *arg)
{
	unsigned gsi = d->irq_line;
	if (!d->irq_pin || gsi == 0 || gsi >= INTX_LINES)
		return -ENODEV;
	struct intx_line *l = &intx[gsi];
	if (l->n == INTX_SHARERS)
		return -ENOSPC;
	uint64_t fl = irq_save();
	l->h[l->n].fn = fn;
	l->h[l->n].arg = arg;
	l->n++;
	irq_restore(fl);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE);
	if (l->n > 1)
		return (int)gsi;

	int vec = irq_alloc(intx_dispatch, l);
	if (vec < 0) {
		l->n = 0;
		return vec;
	}
	l->vector = vec;
	unsigned flags = IOAPIC_LEVEL | (gsi >= 16 ? IOAPIC_ACTIVE_LOW : 0);
	/* The vector stays claimed on failure: trap.h has no irq_free(). */
	int rc = ioapic_route(gsi, (unsigned)vec, flags);
	if (rc) {
		l->n = 0;
		return rc;
	}
	return (int)gsi;
}
