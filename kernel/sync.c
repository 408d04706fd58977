/*
 * Mutexes and semaphores.  A mutex is handed directly to the first waiter on
 * unlock, so acquisition order is FIFO and a thread that unlocks and relocks
 * in a loop cannot starve the others.
 */
#include <errno.h>

#include "kernel/sync.h"
#include "kernel/assert.h"
#include "kernel/cpu.h"

void mutex_init(struct mutex *m, bool recursive)
{
	*m = (struct mutex){.recursive = recursive};
}

int mutex_lock_until(struct mutex *m, uint64_t deadline_ns)
{
	struct thread *self = thread_current();
	uint64_t fl = irq_save();
	if (m->owner == self) {
		ASSERT(m->recursive); /* relocking a plain mutex is a deadlock */
		m->depth++;
		irq_restore(fl);
		return 0;
	}
	if (m->owner) {
		m->contended++;
		while (m->owner != self) {
			if (waitq_wait(&m->waiters, deadline_ns) == -ETIMEDOUT &&
			    m->owner != self) {
				irq_restore(fl);
				return -ETIMEDOUT;
			}
		}
	} else {
		m->owner = self;
	}
	m->depth = 1;
	irq_restore(fl);
	return 0;
}

void mutex_lock(struct mutex *m)
{
	int rc = mutex_lock_until(m, 0);
	ASSERT(rc == 0);
}

int mutex_trylock(struct mutex *m)
{
	uint64_t fl = irq_save();
	int rc = -EBUSY;
	if (!m->owner) {
		m->owner = thread_current();
		m->depth = 1;
		rc = 0;
	} else if (m->owner == thread_current() && m->recursive) {
		m->depth++;
		rc = 0;
	}
	irq_restore(fl);
	return rc;
}

void mutex_unlock(struct mutex *m)
{
	uint64_t fl = irq_save();
	ASSERT(m->owner == thread_current());
	if (--m->depth) {
		irq_restore(fl);
		return;
	}
	struct thread *next = m->waiters.head;
	m->owner = next; /* hand-off: it owns the mutex before it even runs */
	if (next)
		waitq_wake_one(&m->waiters);
	irq_restore(fl);
	thread_preempt_check();
}

bool mutex_held(const struct mutex *m)
{
	return m->owner == thread_current();
}

void sem_init(struct sem *s, int64_t count)
{
	*s = (struct sem){.count = count};
}

int sem_down_until(struct sem *s, uint64_t deadline_ns)
{
	uint64_t fl = irq_save();
	while (s->count <= 0) {
		if (waitq_wait(&s->waiters, deadline_ns) == -ETIMEDOUT && s->count <= 0) {
			irq_restore(fl);
			return -ETIMEDOUT;
		}
	}
	s->count--;
	irq_restore(fl);
	return 0;
}

void sem_down(struct sem *s)
{
	sem_down_until(s, 0);
}

int sem_trydown(struct sem *s)
{
	uint64_t fl = irq_save();
	int rc = -EBUSY;
	if (s->count > 0) {
		s->count--;
		rc = 0;
	}
	irq_restore(fl);
	return rc;
}

void sem_up(struct sem *s)
{
	uint64_t fl = irq_save();
	s->count++;
	waitq_wake_one(&s->waiters);
	irq_restore(fl);
	thread_preempt_check();
}
