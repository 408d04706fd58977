/*
 * newlib's system layer: the calls libc makes below stdio, malloc and time,
 * and the retargetable locks that make libc state safe under preemption.
 * Only app threads run libc (kernel/thread.h), and each carries its own
 * struct _reent, so errno and stdio are per thread.
 *
 * Console I/O is fds 0-2; file calls fail with ENOSYS until the LUN-backed
 * file layer exists.  _exit() and kill() end the app, so they live with the
 * apps (apps/app.c), not here.
 */
#include <errno.h>
#include <string.h>
#include <sys/lock.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include "config.h"
#include "kernel/assert.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "mm/mm.h"

/* ---- syscalls (newlib spells them without the underscore on this target) ---- */

int write(int fd, const void *buf, size_t len);
int write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	con_write(buf, len);
	return (int)len;
}

int read(int fd, void *buf, size_t len);
int read(int fd, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	errno = fd == 0 ? ENOSYS : EBADF;
	return -1;
}

int open(const char *path, int flags, ...);
int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = ENOSYS; /* no file system yet */
	return -1;
}

int close(int fd);
int close(int fd)
{
	errno = fd >= 0 && fd <= 2 ? ENOSYS : EBADF;
	return -1;
}

int fstat(int fd, struct stat *st);
int fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR; /* a terminal: stdio line-buffers stdout */
	return 0;
}

int isatty(int fd);
int isatty(int fd)
{
	if (fd >= 0 && fd <= 2)
		return 1;
	errno = EBADF;
	return 0;
}

off_t lseek(int fd, off_t off, int whence);
off_t lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	errno = fd >= 0 && fd <= 2 ? ESPIPE : EBADF;
	return -1;
}

int unlink(const char *path);
int unlink(const char *path)
{
	(void)path;
	errno = ENOSYS;
	return -1;
}

int link(const char *old, const char *new);
int link(const char *old, const char *new)
{
	(void)old;
	(void)new;
	errno = ENOSYS;
	return -1;
}

void *sbrk(ptrdiff_t incr);
void *sbrk(ptrdiff_t incr)
{
	void *p = mm_sbrk(incr);
	if (p == (void *)-1)
		errno = ENOMEM;
	return p;
}

int getpid(void);
int getpid(void)
{
	return 1;
}

/* ---- time ---- */

int clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns;
	if (id == CLOCK_MONOTONIC)
		ns = clock_ns();
	else if (id == CLOCK_REALTIME)
		ns = clock_realtime_ns();
	else {
		errno = EINVAL;
		return -1;
	}
	ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

int clock_getres(clockid_t id, struct timespec *ts)
{
	if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) {
		errno = EINVAL;
		return -1;
	}
	ts->tv_sec = 0;
	ts->tv_nsec = 1;
	return 0;
}

int gettimeofday(struct timeval *tv, void *tz);
int gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	uint64_t ns = clock_realtime_ns();
	tv->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	tv->tv_usec = (suseconds_t)(ns / 1000 % 1000000);
	return 0;
}

clock_t times(struct tms *t);
clock_t times(struct tms *t)
{
	clock_t c = (clock_t)(clock_ns() / (NSEC_PER_SEC / CLOCKS_PER_SEC));
	if (t)
		*t = (struct tms){.tms_utime = c};
	return c;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L) {
		errno = EINVAL;
		return -1;
	}
	thread_sleep_ns((uint64_t)req->tv_sec * NSEC_PER_SEC + (uint64_t)req->tv_nsec);
	if (rem)
		*rem = (struct timespec){0, 0};
	return 0;
}

/* ---- locks ---- */

struct __lock {
	struct mutex m;
};

#define STATIC_LOCK(name) struct __lock __lock_##name = {MUTEX_INIT_RECURSIVE}
STATIC_LOCK(__sinit_recursive_mutex);
STATIC_LOCK(__sfp_recursive_mutex);
STATIC_LOCK(__atexit_recursive_mutex);
STATIC_LOCK(__at_quick_exit_mutex);
STATIC_LOCK(__malloc_recursive_mutex);
STATIC_LOCK(__env_recursive_mutex);
STATIC_LOCK(__tz_mutex);
STATIC_LOCK(__dd_hash_mutex);
STATIC_LOCK(__arc4random_mutex);

/* Locks for FILEs that libc creates at run time come from a fixed table. */
static struct __lock dyn_locks[LIBC_DYNAMIC_LOCKS];
static bool dyn_used[LIBC_DYNAMIC_LOCKS];

void __retarget_lock_init(_LOCK_T *lock)
{
	uint64_t fl = irq_save();
	for (int i = 0; i < LIBC_DYNAMIC_LOCKS; i++) {
		if (!dyn_used[i]) {
			dyn_used[i] = true;
			mutex_init(&dyn_locks[i].m, true);
			*lock = &dyn_locks[i];
			irq_restore(fl);
			return;
		}
	}
	irq_restore(fl);
	panic("libc: all %d dynamic locks in use (LIBC_DYNAMIC_LOCKS)", LIBC_DYNAMIC_LOCKS);
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
	__retarget_lock_init(lock);
}

void __retarget_lock_close(_LOCK_T lock)
{
	if (lock >= dyn_locks && lock < dyn_locks + LIBC_DYNAMIC_LOCKS)
		dyn_used[lock - dyn_locks] = false;
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
	__retarget_lock_close(lock);
}

void __retarget_lock_acquire(_LOCK_T lock)
{
	mutex_lock(&lock->m);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
	mutex_lock(&lock->m);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
	return mutex_trylock(&lock->m) == 0;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
	return mutex_trylock(&lock->m) == 0;
}

void __retarget_lock_release(_LOCK_T lock)
{
	mutex_unlock(&lock->m);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
	mutex_unlock(&lock->m);
}
