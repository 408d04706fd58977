/*
 * Sleeping locks for threads: mutexes (optionally recursive, FIFO hand-off so
 * no waiter starves) and counting semaphores.  Built on wait queues
 * (kernel/thread.h).  mutex_* are thread context only; sem_up() may also be
 * called from interrupt handlers.
 */
#ifndef KERNEL_SYNC_H
#define KERNEL_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/thread.h"

struct mutex {
	struct thread *owner;
	unsigned depth; /* recursion count, recursive mutexes only */
	bool recursive;
	struct waitq waiters;
	uint64_t contended; /* times a locker had to sleep */
};
#define MUTEX_INIT                                                                                 \
	{                                                                                          \
		0, 0, false, WAITQ_INIT, 0                                                         \
	}
#define MUTEX_INIT_RECURSIVE                                                                       \
	{                                                                                          \
		0, 0, true, WAITQ_INIT, 0                                                          \
	}

void mutex_init(struct mutex *m, bool recursive);
void mutex_lock(struct mutex *m);
/* 0, or -ETIMEDOUT if not acquired by deadline_ns (clock_ns() time). */
int mutex_lock_until(struct mutex *m, uint64_t deadline_ns);
/* 0, or -EBUSY. */
int mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);

struct sem {
	int64_t count;
	struct waitq waiters;
};

void sem_init(struct sem *s, int64_t count);
void sem_down(struct sem *s);
/* 0, or -ETIMEDOUT if the count stayed zero until deadline_ns (0 = forever). */
int sem_down_until(struct sem *s, uint64_t deadline_ns);
int sem_trydown(struct sem *s);
/* Any context. */
void sem_up(struct sem *s);

#endif
