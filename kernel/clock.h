/*
 * Time.  clock_ns() is a monotonic nanosecond clock from the TSC, calibrated
 * at boot against the PIT; zero is the moment kmain() started.  Timers fire
 * from the LAPIC one-shot timer, programmed for the earliest deadline only
 * (tickless), and their callbacks run in interrupt context.
 */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define NSEC_PER_USEC 1000UL
#define NSEC_PER_MSEC 1000000UL
#define NSEC_PER_SEC  1000000000UL

/* Remember the TSC at entry as time zero.  First thing in kmain(). */
void clock_early_init(void);

/* Calibrate TSC and LAPIC timer (takes ~10 ms) and take over VEC_TIMER. */
void clock_init(void);

/* Nanoseconds since boot.  Any context; 0 before clock_init(). */
uint64_t clock_ns(void);

uint64_t clock_tsc_hz(void);

/* Wall-clock time (ns since 1970, UTC): the CMOS RTC read at boot plus
 * clock_ns().  Any context. */
uint64_t clock_realtime_ns(void);

struct timer {
	uint64_t deadline; /* clock_ns() value */
	void (*fn)(struct timer *t);
	struct timer *next;
	bool armed;
};

/*
 * Arm t to call t->fn at t->deadline (set by the caller).  The timer struct
 * belongs to the caller and must stay valid until it fires or is cancelled.
 * Any context.
 */
void timer_arm(struct timer *t);

/* Disarm if armed.  Returns true if it was still pending.  Any context. */
bool timer_cancel(struct timer *t);

#endif
