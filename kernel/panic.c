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
#include "mm/mm.h"
#include "net/nic.h"

#define DEBUG_EXIT_PORT 0xF4
#define FW_CFG_SEL      0x510
#define FW_CFG_DATA     0x511

static int exiting;

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

void tether_exit(int status)
{
	irq_disable();
	if (status < 0 || status > TETHER_EXIT_MAX)
		status = TETHER_EXIT_MAX;
	if (!exiting++) {
		nic_stats_dump();
		mm_report(true);
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
