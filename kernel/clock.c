/*
 * Monotonic clock and one-shot timers.  The TSC is read for time; the LAPIC
 * timer is only an alarm, re-armed for the earliest pending deadline, so an
 * idle node takes no periodic interrupts.  Both are calibrated against PIT
 * channel 2, whose 1.193182 MHz rate is fixed by the hardware.
 */
#include "kernel/clock.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/trap.h"

#define PIT_HZ       1193182ULL
#define CALIBRATE_MS 10

static uint64_t tsc_base;
static uint64_t tsc_hz;
static uint64_t ns_mult; /* ns = tsc_delta * ns_mult >> 32 */
static uint64_t lapic_hz;
static uint64_t lapic_mult;       /* ticks = ns * lapic_mult >> 32 */
static struct timer *pending;     /* sorted by deadline */
static uint64_t realtime_base_ns; /* wall clock at clock_ns() == 0 */

void clock_early_init(void)
{
	tsc_base = rdtsc();
}

uint64_t clock_ns(void)
{
	if (!ns_mult)
		return 0;
	unsigned __int128 d = rdtsc() - tsc_base;
	return (uint64_t)((d * ns_mult) >> 32);
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

static void program(void)
{
	if (!pending) {
		lapic_timer_arm(0);
		return;
	}
	uint64_t now = clock_ns();
	uint64_t delta = pending->deadline > now ? pending->deadline - now : 0;
	/* Multiply-shift only: a 128-bit division would need libgcc. */
	unsigned __int128 ticks = ((unsigned __int128)delta * lapic_mult) >> 32;
	if (ticks < 1)
		ticks = 1;
	if (ticks > 0xFFFFFFFFu)
		ticks = 0xFFFFFFFFu; /* long waits are re-armed when this expires */
	lapic_timer_arm((uint32_t)ticks);
}

void timer_arm(struct timer *t)
{
	uint64_t fl = irq_save();
	ASSERT(!t->armed);
	struct timer **pp = &pending;
	while (*pp && (*pp)->deadline <= t->deadline)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	if (pending == t)
		program();
	irq_restore(fl);
}

bool timer_cancel(struct timer *t)
{
	uint64_t fl = irq_save();
	bool was = t->armed;
	if (was) {
		struct timer **pp = &pending;
		while (*pp != t)
			pp = &(*pp)->next;
		*pp = t->next;
		t->armed = false;
		/* Leaving the alarm as is costs at most one spurious wakeup. */
	}
	irq_restore(fl);
	return was;
}

static void timer_irq(void *arg)
{
	(void)arg;
	uint64_t now = clock_ns();
	while (pending && pending->deadline <= now) {
		struct timer *t = pending;
		pending = t->next;
		t->armed = false;
		t->fn(t);
		now = clock_ns();
	}
	program();
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned bcd(uint8_t v, bool is_bcd)
{
	return is_bcd ? (v & 0x0F) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	uint64_t era = y / 400;
	uint64_t yoe = y - era * 400;
	uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void read_rtc(void)
{
	/* Wait out an update in progress so the fields belong to one second. */
	for (int i = 0; i < 100000 && (cmos(0x0A) & 0x80); i++)
		cpu_relax();
	uint8_t regb = cmos(0x0B);
	bool is_bcd = !(regb & 0x04);
	unsigned sec = bcd(cmos(0x00), is_bcd), min = bcd(cmos(0x02), is_bcd);
	uint8_t hr = cmos(0x04);
	bool pm = hr & 0x80;
	unsigned hour = bcd(hr & 0x7F, is_bcd);
	if (!(regb & 0x02) && pm)
		hour = (hour % 12) + 12; /* 12-hour mode */
	unsigned day = bcd(cmos(0x07), is_bcd), mon = bcd(cmos(0x08), is_bcd);
	unsigned year = 2000 + bcd(cmos(0x09), is_bcd);
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return; /* no RTC or garbage: wall clock starts at the epoch */
	uint64_t secs = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	realtime_base_ns = secs * NSEC_PER_SEC - clock_ns();
}

uint64_t clock_realtime_ns(void)
{
	return realtime_base_ns + clock_ns();
}

void clock_init(void)
{
	/* PIT channel 2 in mode 0 with the gate low, then raise the gate to start. */
	uint8_t p61 = inb(0x61);
	outb(0x61, (p61 & ~0x03));
	outb(0x43, 0xB0);
	uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
	outb(0x42, count & 0xFF);
	outb(0x42, count >> 8);

	lapic_timer_arm(0xFFFFFFFFu);
	outb(0x61, (p61 & ~0x02) | 0x01);
	uint64_t t0 = rdtsc();
	uint32_t l0 = lapic_timer_current();
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	uint64_t t1 = rdtsc();
	uint32_t l1 = lapic_timer_current();
	lapic_timer_arm(0);
	outb(0x61, p61);

	uint64_t pit_ns = (uint64_t)count * NSEC_PER_SEC / PIT_HZ;
	tsc_hz = (t1 - t0) * NSEC_PER_SEC / pit_ns;
	lapic_hz = (uint64_t)(l0 - l1) * NSEC_PER_SEC / pit_ns;
	ASSERT(tsc_hz > 0 && lapic_hz > 0);
	ASSERT(lapic_hz < (1ULL << 32));
	ns_mult = (NSEC_PER_SEC << 32) / tsc_hz;
	lapic_mult = (lapic_hz << 32) / NSEC_PER_SEC;

	read_rtc();
	irq_set_handler(VEC_TIMER, timer_irq, 0);
	pr_info("clock: TSC %lu.%03lu MHz, LAPIC timer %lu.%03lu MHz (one-shot, tickless)\n",
	        tsc_hz / 1000000, tsc_hz / 1000 % 1000, lapic_hz / 1000000, lapic_hz / 1000 % 1000);
}
