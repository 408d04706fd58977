/*
 * Threads and the scheduler.
 *
 * Preemptive, strict priority (0 = idle .. 15), round robin with a time slice
 * among equals.  One CPU: a critical section is "interrupts off".  Every
 * thread has its own FPU/SSE state, saved on every switch, and a stack from a
 * partition (kernel stacks, or app stacks for THREAD_APP) with an unmapped
 * guard page below it, so an overflow faults and is reported by name.
 *
 * App threads (THREAD_APP) may call libc: each carries its own newlib
 * struct _reent (errno, stdio state).  Kernel threads must not call libc.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <reent.h>

#include "kernel/clock.h"

#define THREAD_PRIO_IDLE   0
#define THREAD_PRIO_LOW    4
#define THREAD_PRIO_NORMAL 8
#define THREAD_PRIO_HIGH   12
#define THREAD_PRIO_MAX    15

#define THREAD_APP      (1u << 0) /* app stack partition + libc state */
#define THREAD_DETACHED (1u << 1) /* nobody joins; freed when it exits */

enum thread_state { T_FREE, T_READY, T_RUNNING, T_BLOCKED, T_DEAD };

struct waitq {
	struct thread *head, *tail;
};
#define WAITQ_INIT                                                                                 \
	{                                                                                          \
		0, 0                                                                               \
	}

struct thread {
	uint64_t rsp; /* saved by the switch; must stay first */
	char name[24];
	int prio;
	unsigned flags;
	enum thread_state state;
	struct thread *next; /* run queue or wait queue link */
	struct waitq *waitq; /* what it is blocked on, if anything */
	int wait_result;     /* 0 woken, -ETIMEDOUT */
	struct timer wake_timer;
	uintptr_t guard; /* the unmapped page under the stack */
	uintptr_t stack_lo, stack_hi;
	void (*entry)(void *);
	void *arg;
	int exit_status;
	struct waitq joiners;
	uint64_t switches;
	uint64_t run_ns, last_in_ns;
	struct _reent *reent; /* app threads only */
	uint8_t fpu[512] __attribute__((aligned(16)));
};

/* Turn the boot flow into the idle thread and set up the scheduler.  Boot, once. */
void thread_init(void);

/* Become the idle thread: run whatever is ready, halt when nothing is. */
_Noreturn void thread_idle(void);

/*
 * Create a thread and make it ready.  Returns it, or NULL when no thread
 * slot or stack is free (reported on the console).  Thread context.
 */
struct thread *thread_create(const char *name, int prio, unsigned flags, void (*entry)(void *),
                             void *arg);

/* Wait for a non-detached thread to exit; returns its status and frees it. */
int thread_join(struct thread *t);

_Noreturn void thread_exit(int status);

struct thread *thread_current(void);

void thread_yield(void);
void thread_sleep_ns(uint64_t ns);
void thread_sleep_until(uint64_t deadline_ns);
void thread_set_prio(struct thread *t, int prio);

/*
 * Block the current thread on wq until woken or until deadline_ns
 * (clock_ns() time; 0 = no timeout).  Must be called with interrupts off
 * (the caller tested its condition under the same irq_save()).  Returns 0
 * when woken, -ETIMEDOUT on timeout.  Interrupts are off again on return.
 */
int waitq_wait(struct waitq *wq, uint64_t deadline_ns);

/* Wake the first / every waiter.  Any context, interrupts on or off.
 * Returns how many were woken. */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

/*
 * Called on the way out of every interrupt: switches threads if a wakeup or
 * the time slice asked for it.  Interrupt context only.
 */
void thread_irq_exit(void);

/* If a higher-priority thread became ready, run it now.  Thread context. */
void thread_preempt_check(void);

/* For fault reports: which thread's guard page holds addr (0 / -ENOENT). */
int thread_guard_owner(uintptr_t addr, const char **name);

/* The stack (any thread's, the boot stack or an IST stack) holding addr. */
int thread_stack_bounds(uintptr_t addr, uintptr_t *lo, uintptr_t *hi);

/* Print every thread with state, priority, switches and CPU time. */
void thread_dump(void);

unsigned thread_count(void);

#endif
