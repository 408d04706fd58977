/*
 * Ending the node: a normal exit with a status, or a panic.
 *
 * Exit status convention (README "Exit status"): tether prints
 * "tether: exit N" and, under QEMU with isa-debug-exit at port 0xf4, writes
 * N+16 there so QEMU exits with 2*(N+16)+1 = 33+2N.  Without the device it
 * halts.  N is the app's status, or one of the TETHER_EXIT_* codes below.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#define TETHER_EXIT_OK      0
#define TETHER_EXIT_PANIC   100 /* panic, CPU exception, assertion, stack overflow: QEMU 233 */
#define TETHER_EXIT_CMDLINE 101 /* bad command line: QEMU 235 */
#define TETHER_EXIT_NOMEM   102 /* RAM too small for the partition table: QEMU 237 */
#define TETHER_EXIT_MAX     111 /* N+16 must fit the 7 bits QEMU keeps */

#include <stdbool.h>

/*
 * The node's exiting state: RUNNING, then STOPPING once something asked for
 * an orderly shutdown (the app ended; storage logs out next), then ENDED in
 * tether_exit(), which runs the exit reports (kernel/report.h) only on the
 * way from RUNNING or STOPPING.  A panic during the shutdown thus still
 * ends the node, but never reports twice.
 */

/* Ask for an orderly shutdown with status: true for the first caller, which
 * owns it; false if the node is already going down.  Any context. */
bool tether_shutdown(int status);

/* The status the first tether_shutdown() gave. */
int tether_shutdown_status(void);

/* True from the first tether_shutdown() or tether_exit() on.  Any context. */
bool tether_exiting(void);

/* Exit the node with status.  Any context; never returns. */
_Noreturn void tether_exit(int status);

/* Print "panic: <msg>", the registers and a backtrace, then exit PANIC. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit with TETHER_EXIT_PANIC after a report was already printed. */
_Noreturn void panic_exit(void);

#endif
