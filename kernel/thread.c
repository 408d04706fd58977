/*
 * Scheduler, thread lifecycle and wait queues.  Everything here runs with
 * interrupts off while it touches shared state; tether has one CPU, so that
 * is the whole locking story.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "kernel/thread.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "mm/mm.h"

#define NPRIO (THREAD_PRIO_MAX + 1)

extern char boot_stack_bottom[], boot_stack_top[];
void thread_switch_stacks(uint64_t *save_rsp, uint64_t new_rsp);
void thread_entry_asm(void);
uintptr_t cpu_ist_stack_base(int i);

static struct thread threads[THREADS_MAX];
static struct thread *current;
static struct thread *idle;
static struct waitq runq[NPRIO];
static uint32_t runq_mask;
static bool need_resched;
static struct thread *reap; /* a detached thread that just exited, freed after the switch */
static struct timer slice_timer;
static uint8_t fpu_initial[512] __attribute__((aligned(16)));
static struct _reent *kernel_reent;

static void q_push(struct waitq *q, struct thread *t)
{
	t->next = 0;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static struct thread *q_pop(struct waitq *q)
{
	struct thread *t = q->head;
	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = 0;
		t->next = 0;
	}
	return t;
}

static bool q_remove(struct waitq *q, struct thread *t)
{
	struct thread *prev = 0;
	for (struct thread *p = q->head; p; prev = p, p = p->next) {
		if (p != t)
			continue;
		if (prev)
			prev->next = p->next;
		else
			q->head = p->next;
		if (q->tail == p)
			q->tail = prev;
		p->next = 0;
		return true;
	}
	return false;
}

static void slice_expired(struct timer *t)
{
	(void)t;
	need_resched = true;
}

static void make_ready(struct thread *t)
{
	ASSERT(t->state != T_READY && t->state != T_FREE);
	t->state = T_READY;
	q_push(&runq[t->prio], t);
	runq_mask |= 1u << t->prio;
	if (!current || t->prio > current->prio)
		need_resched = true;
	else if (t->prio == current->prio && current != idle && !slice_timer.armed) {
		/* Someone now shares our priority: start sharing the CPU. */
		slice_timer.deadline = clock_ns() + THREAD_TIMESLICE_NS;
		timer_arm(&slice_timer);
	}
}

static struct thread *pick_next(void)
{
	if (!runq_mask)
		return 0;
	int p = 31 - __builtin_clz(runq_mask);
	struct thread *t = q_pop(&runq[p]);
	if (!runq[p].head)
		runq_mask &= ~(1u << p);
	return t;
}

static void release(struct thread *t)
{
	if (t->flags & THREAD_APP)
		mm_slot_free(MM_APPSTACKS, (void *)t->guard);
	else
		mm_slot_free(MM_KSTACKS, (void *)t->guard);
	t->state = T_FREE;
}

static void finish_switch(void)
{
	if (reap) {
		release(reap);
		reap = 0;
	}
}

/* Switch to the best ready thread.  Interrupts off. */
static void schedule(void)
{
	ASSERT(!irq_enabled());
	need_resched = false;
	struct thread *prev = current;
	if (prev->state == T_RUNNING) {
		/* Still runnable: keep it if nothing better (or equal, after its slice) waits. */
		if (!runq_mask || (31 - __builtin_clz(runq_mask)) < prev->prio)
			return;
		make_ready(prev);
		need_resched = false;
	}
	struct thread *next = pick_next();
	if (!next)
		next = idle;
	if (next == prev) {
		prev->state = T_RUNNING;
		return;
	}
	timer_cancel(&slice_timer);
	if (runq_mask & (1u << next->prio)) {
		slice_timer.deadline = clock_ns() + THREAD_TIMESLICE_NS;
		timer_arm(&slice_timer);
	}
	uint64_t now = clock_ns();
	prev->run_ns += now - prev->last_in_ns;
	next->last_in_ns = now;
	next->state = T_RUNNING;
	next->switches++;
	current = next;
	_impure_ptr = next->reent ? next->reent : kernel_reent;
	__asm__ volatile("fxsave64 %0" : "=m"(prev->fpu));
	__asm__ volatile("fxrstor64 %0" : : "m"(next->fpu));
	thread_switch_stacks(&prev->rsp, next->rsp);
	finish_switch();
}

void thread_start(void);
void thread_start(void)
{
	finish_switch();
	irq_enable();
	current->entry(current->arg);
	thread_exit(0);
}

void thread_init(void)
{
	slice_timer.fn = slice_expired;
	__asm__ volatile("fninit\n\t"
	                 "fxsave64 %0"
	                 : "=m"(fpu_initial));
	/* MXCSR: all SIMD exceptions masked, round to nearest, as the ABI expects. */
	*(uint32_t *)&fpu_initial[24] = 0x1F80;
	__asm__ volatile("fxrstor64 %0" : : "m"(fpu_initial));
	kernel_reent = _impure_ptr;

	idle = &threads[0];
	strcpy(idle->name, "idle");
	idle->prio = THREAD_PRIO_IDLE;
	idle->state = T_RUNNING;
	idle->stack_lo = (uintptr_t)boot_stack_bottom;
	idle->stack_hi = (uintptr_t)boot_stack_top;
	current = idle;
}

struct thread *thread_current(void)
{
	return current;
}

unsigned thread_count(void)
{
	unsigned n = 0;
	for (int i = 0; i < THREADS_MAX; i++)
		n += threads[i].state != T_FREE;
	return n;
}

struct thread *thread_create(const char *name, int prio, unsigned flags, void (*entry)(void *),
                             void *arg)
{
	ASSERT(prio > THREAD_PRIO_IDLE && prio <= THREAD_PRIO_MAX);
	enum mm_part_id part = (flags & THREAD_APP) ? MM_APPSTACKS : MM_KSTACKS;
	uint64_t fl = irq_save();
	struct thread *t = 0;
	for (int i = 1; i < THREADS_MAX; i++) {
		if (threads[i].state == T_FREE) {
			t = &threads[i];
			break;
		}
	}
	if (!t) {
		irq_restore(fl);
		pr_err("thread: cannot create '%s': all %d thread slots in use (THREADS_MAX)\n",
		       name, THREADS_MAX);
		return 0;
	}
	void *slot = mm_slot_alloc(part);
	if (!slot) {
		irq_restore(fl);
		pr_err("thread: cannot create '%s': partition %s has no free stack\n", name,
		       mm_part_name(part));
		return 0;
	}
	memset(t, 0, sizeof(*t));
	t->state = T_BLOCKED; /* not yet ready; make_ready below */
	irq_restore(fl);

	size_t slot_size = mm_slot_size(part);
	strncpy(t->name, name, sizeof(t->name) - 1);
	t->prio = prio;
	t->flags = flags;
	t->entry = entry;
	t->arg = arg;
	t->guard = (uintptr_t)slot;
	t->stack_lo = (uintptr_t)slot + PAGE_SIZE;
	t->stack_hi = (uintptr_t)slot + slot_size;
	t->wake_timer.fn = 0;
	memcpy(t->fpu, fpu_initial, sizeof(t->fpu));
	if (flags & THREAD_APP) {
		/* libc state lives at the top of the app's own stack slot. */
		t->stack_hi -= (sizeof(struct _reent) + 63) & ~63UL;
		t->reent = (struct _reent *)t->stack_hi;
		_REENT_INIT_PTR(t->reent);
	}
	uint64_t *sp = (uint64_t *)(t->stack_hi & ~15UL);
	*--sp = 0;
	*--sp = (uint64_t)thread_entry_asm;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)sp;

	fl = irq_save();
	make_ready(t);
	irq_restore(fl);
	thread_preempt_check();
	return t;
}

void thread_exit(int status)
{
	irq_disable();
	struct thread *t = current;
	ASSERT(t != idle);
	t->exit_status = status;
	t->state = T_DEAD;
	timer_cancel(&t->wake_timer);
	if (t->flags & THREAD_DETACHED)
		reap = t;
	else
		waitq_wake_all(&t->joiners);
	schedule();
	panic("thread '%s' ran after exit", t->name);
}

int thread_join(struct thread *t)
{
	uint64_t fl = irq_save();
	ASSERT(!(t->flags & THREAD_DETACHED) && t != current);
	while (t->state != T_DEAD)
		waitq_wait(&t->joiners, 0);
	int status = t->exit_status;
	release(t);
	irq_restore(fl);
	return status;
}

void thread_yield(void)
{
	uint64_t fl = irq_save();
	if (runq_mask && (31 - __builtin_clz(runq_mask)) >= current->prio) {
		make_ready(current);
		schedule();
	}
	irq_restore(fl);
}

static void wake_timeout(struct timer *tm)
{
	struct thread *t =
	    (struct thread *)((char *)tm - __builtin_offsetof(struct thread, wake_timer));
	if (t->state != T_BLOCKED)
		return;
	if (t->waitq)
		q_remove(t->waitq, t);
	t->waitq = 0;
	t->wait_result = -ETIMEDOUT;
	make_ready(t);
}

int waitq_wait(struct waitq *wq, uint64_t deadline_ns)
{
	ASSERT(!irq_enabled());
	struct thread *t = current;
	ASSERT(t != idle);
	t->state = T_BLOCKED;
	t->waitq = wq;
	t->wait_result = 0;
	if (wq)
		q_push(wq, t);
	if (deadline_ns) {
		t->wake_timer.fn = wake_timeout;
		t->wake_timer.deadline = deadline_ns;
		timer_arm(&t->wake_timer);
	}
	schedule();
	timer_cancel(&t->wake_timer);
	return t->wait_result;
}

static int wake(struct waitq *wq, bool all)
{
	uint64_t fl = irq_save();
	int n = 0;
	struct thread *t;
	while ((t = q_pop(wq))) {
		timer_cancel(&t->wake_timer);
		t->waitq = 0;
		t->wait_result = 0;
		make_ready(t);
		n++;
		if (!all)
			break;
	}
	irq_restore(fl);
	return n;
}

int waitq_wake_one(struct waitq *wq)
{
	return wake(wq, false);
}

int waitq_wake_all(struct waitq *wq)
{
	return wake(wq, true);
}

void thread_sleep_until(uint64_t deadline_ns)
{
	uint64_t fl = irq_save();
	if (deadline_ns > clock_ns())
		waitq_wait(0, deadline_ns);
	irq_restore(fl);
}

void thread_sleep_ns(uint64_t ns)
{
	thread_sleep_until(clock_ns() + ns);
}

void thread_set_prio(struct thread *t, int prio)
{
	ASSERT(prio > THREAD_PRIO_IDLE && prio <= THREAD_PRIO_MAX);
	uint64_t fl = irq_save();
	if (t->state == T_READY) {
		q_remove(&runq[t->prio], t);
		if (!runq[t->prio].head)
			runq_mask &= ~(1u << t->prio);
		t->state = T_BLOCKED;
		t->prio = prio;
		make_ready(t);
	} else {
		t->prio = prio;
		if (t == current && runq_mask && (31 - __builtin_clz(runq_mask)) > prio)
			need_resched = true;
	}
	irq_restore(fl);
	thread_preempt_check();
}

void thread_irq_exit(void)
{
	if (need_resched && current)
		schedule();
}

void thread_preempt_check(void)
{
	if (!need_resched || !irq_enabled())
		return;
	uint64_t fl = irq_save();
	if (need_resched)
		schedule();
	irq_restore(fl);
}

int thread_guard_owner(uintptr_t addr, const char **name)
{
	for (int i = 0; i < THREADS_MAX; i++) {
		struct thread *t = &threads[i];
		if (t->state != T_FREE && t->guard && addr >= t->guard &&
		    addr < t->guard + PAGE_SIZE) {
			*name = t->name;
			return 0;
		}
	}
	return -ENOENT;
}

int thread_stack_bounds(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	for (int i = 0; i < THREADS_MAX; i++) {
		struct thread *t = &threads[i];
		if (t->state != T_FREE && addr >= t->stack_lo && addr < t->stack_hi) {
			*lo = t->stack_lo;
			*hi = t->stack_hi;
			return 0;
		}
	}
	for (int i = 0; i < 3; i++) {
		uintptr_t b = cpu_ist_stack_base(i);
		if (addr >= b && addr < b + IST_STACK_SIZE) {
			*lo = b;
			*hi = b + IST_STACK_SIZE;
			return 0;
		}
	}
	return -ENOENT;
}

void thread_dump(void)
{
	static const char *const st[] = {"free", "ready", "running", "blocked", "dead"};
	uint64_t now = clock_ns();
	con_printf("threads:\n");
	for (int i = 0; i < THREADS_MAX; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_FREE)
			continue;
		uint64_t run = t->run_ns + (t == current ? now - t->last_in_ns : 0);
		con_printf("  %-16s prio %2d %-8s switches %-8lu cpu %lu.%03lu s\n", t->name,
		           t->prio, st[t->state], t->switches, run / NSEC_PER_SEC,
		           run / NSEC_PER_MSEC % 1000);
	}
}

void thread_idle(void)
{
	ASSERT(current == idle);
	for (;;) {
		irq_disable();
		if (need_resched) {
			schedule();
			continue;
		}
		/* sti;hlt is atomic: a wakeup between the check and the halt
		 * raises an interrupt that ends the halt. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}
