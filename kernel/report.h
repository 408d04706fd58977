/*
 * Exit-time reports.  A module with something to say when the node ends
 * (its counters, its partitions' high-water marks) registers a hook with
 * REPORT(); tether_exit() runs every hook once, on the first exit only,
 * before it prints "tether: exit N".  This is how the kernel learns about
 * the layers above it: it never calls them by name.
 *
 * order is a two-digit decimal literal (00..99): hooks run in ascending
 * order, and by id within one order.  Lower layers' summaries come last, so
 * the partition table (mm, 90) ends the log.  Taken orders: 10 NIC counters,
 * 20 interfaces and traffic classes.
 *
 * Hooks run with interrupts off and may be reached from a fault in any
 * context, the scheduler included: they read state and print to the console,
 * and must not sleep, lock, or allocate.
 */
#ifndef KERNEL_REPORT_H
#define KERNEL_REPORT_H

struct report_hook {
	const char *name;
	void (*fn)(void);
};

#define REPORT(id, order, fn_)                                                                     \
	static const struct report_hook report_##id                                                \
	    __attribute__((section(".reports." #order "." #id), used, aligned(8))) = {#id, fn_}

/* Run every hook in order.  kernel/panic.c calls it; any context, IRQs off. */
void report_run_all(void);

#endif
