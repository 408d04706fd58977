/*
 * Node exit and panic.  The exit path must work from any state, including a
 * fault in the middle of the scheduler, so it only touches the console, the
 * partition counters and I/O ports.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "kernel/panic.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/trap.h"
#include "kernel/report.h"

#define DEBUG_EXIT_PORT 0xF4
#define FW_CFG_SEL      0x510
#define FW_CFG_DATA     0x511

extern const struct report_hook __reports_start[], __reports_end[];

/* The one exiting state of the node: see tether_shutdown() in panic.h. */
static enum { RUNNING, STOPPING, ENDED } state;
static int stop_status;

/*
 * isa-debug-exit reads as 0 while an empty port reads as 0xff; we also ask
 * fw_cfg for its "QEMU" signature so that real hardware never gets the write.
 */
static bool debug_exit_present(void)
{
	outw(FW_CFG_SEL, 0);
	char sig[4];
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_DATA);
	if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
		return false;
	return inb(DEBUG_EXIT_PORT) == 0;
}

void report_run_all(void)
{
	for (const struct report_hook *r = __reports_start; r < __reports_end; r++)
		r->fn();
}

bool tether_shutdown(int status)
{
	uint64_t fl = irq_save();
	bool first = state == RUNNING;
	if (first) {
		state = STOPPING;
		stop_status = status;
	}
	irq_restore(fl);
	return first;
}

int tether_shutdown_status(void)
{
	return stop_status;
}

bool tether_exiting(void)
{
	return state != RUNNING;
}

void tether_exit(int status)
{
	irq_disable();
	if (status < 0 || status > TETHER_EXIT_MAX)
		status = TETHER_EXIT_MAX;
	if (state != ENDED) {
		state = ENDED;
		report_run_all();
	}
	con_printf("tether: exit %d\n", status);
	if (debug_exit_present())
		outb(DEBUG_EXIT_PORT, (uint8_t)(status + 16));
	con_printf("tether: halted (no isa-debug-exit device to report the status to)\n");
	cpu_stop();
}

void panic_exit(void)
{
	tether_exit(TETHER_EXIT_PANIC);
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	irq_disable();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	con_printf("\npanic: %s\n", msg);
	trap_dump(0, "panic");
	panic_exit();
}

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	panic("assertion failed: %s at %s:%d in %s()", expr, file, line, func);
}
