/*
 * crash: deliberate failures, so the system tests can prove that each one is
 * caught and reported (registers, backtrace with function names, the right
 * exit status) rather than corrupting memory silently.
 *
 *   app=crash -- pagefault | nullptr | divzero | stackoverflow | assert | panic
 */
#include <stdio.h>
#include <string.h>

#include "apps/app.h"
#include "kernel/assert.h"
#include "kernel/panic.h"
#include "kernel/thread.h"

/* noinline keeps each failure in a function of its own name for the backtrace. */
__attribute__((noinline)) static void crash_page_fault(void)
{
	/* 3 GiB - 4 KiB: above any RAM the tests give, below the MMIO window. */
	volatile uint64_t *p = (volatile uint64_t *)0xBFFFF000UL;
	*p = 0x7e7e7e7e;
}

__attribute__((noinline)) static void crash_null_pointer(void)
{
	int *volatile p = 0; /* the compiler cannot see it is NULL */
	*p = 1;
}

__attribute__((noinline)) static int crash_divide_by_zero(int a)
{
	volatile int zero = 0;
	return a / zero;
}

static volatile unsigned recurse_limit = ~0u; /* opaque to the compiler: no "infinite recursion" */

__attribute__((noinline)) static unsigned crash_recurse(unsigned depth)
{
	volatile char frame[512];
	frame[0] = (char)depth;
	if (depth >= recurse_limit)
		return 0;
	return crash_recurse(depth + 1) + frame[0];
}

static void overflow_thread(void *arg)
{
	(void)arg;
	crash_recurse(0);
}

__attribute__((noinline)) static void crash_assert(int x)
{
	ASSERT(x == 42);
}

static int crash_main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	printf("crash: %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "pagefault"))
		crash_page_fault();
	else if (!strcmp(what, "nullptr"))
		crash_null_pointer();
	else if (!strcmp(what, "divzero"))
		return crash_divide_by_zero(argc);
	else if (!strcmp(what, "stackoverflow")) {
		struct thread *t =
		    thread_create("overflow", THREAD_PRIO_NORMAL, THREAD_APP, overflow_thread, 0);
		if (t)
			thread_join(t);
	} else if (!strcmp(what, "assert"))
		crash_assert(argc);
	else if (!strcmp(what, "panic"))
		panic("deliberate panic from the crash app");
	else {
		printf("crash: usage: app=crash -- pagefault|nullptr|divzero|stackoverflow|assert|"
		       "panic\n");
		return 2;
	}
	printf("crash: %s did not crash\n", what);
	return 1;
}

APP(crash, "crash", crash_main, "deliberate faults for the system tests");
