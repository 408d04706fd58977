/*
 * selftest: exercises the foundation from an app's point of view (libc,
 * time, threads, priorities, time slicing, sleep, timeouts, mutexes,
 * semaphores, FPU state, the partitions) and exits 0 only if every check
 * passed.  Each check prints one "selftest: NAME: ok|FAIL (...)" line.
 *
 *   app=selftest [-- CHECK ...]   run all checks, or only the named ones
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "apps/app.h"
#include "kernel/clock.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "kernel/trap.h"
#include "mm/paging.h"

static int failures;

__attribute__((format(printf, 3, 4))) static void report(const char *name, int ok, const char *fmt,
                                                         ...)
{
	char detail[160] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printf("selftest: %s: %s%s%s%s\n", name, ok ? "ok" : "FAIL", detail[0] ? " (" : "", detail,
	       detail[0] ? ")" : "");
	if (!ok)
		failures++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- libc ---- */
static void check_libc(void)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.3f %5.1e %s %lld", 3.14159, 12345.678, "x", -42LL);
	int ok = strcmp(buf, "3.142 1.2e+04 x -42") == 0;
	ok = ok && strtol("-1234", 0, 10) == -1234 && fabs(sqrt(2.0) - 1.41421356) < 1e-6;
	char *p = malloc(1000);
	ok = ok && p && mm_part_contains(MM_APPHEAP, p);
	free(p);
	errno = 0;
	ok = ok && open("/x", 0) == -1 && errno == ENOSYS;
	report("libc", ok, "printf/strtol/math/malloc/ENOSYS: \"%s\"", buf);
}

/* ---- time ---- */
static void check_time(void)
{
	struct timeval tv;
	gettimeofday(&tv, 0);
	time_t t = time(0);
	struct tm tm;
	gmtime_r(&t, &tm);
	uint64_t a = now_ns(), b = now_ns();
	struct timespec res;
	clock_getres(CLOCK_MONOTONIC, &res);
	int ok = b >= a && tm.tm_year + 1900 >= 2020 && tv.tv_sec >= t - 1 && res.tv_nsec == 1;
	report("time", ok, "wall clock %04d-%02d-%02d %02d:%02d:%02d UTC, monotonic %llu ns",
	       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (unsigned long long)b);
}

/* ---- threads ---- */
struct work {
	int in;
	long out;
};

static void square_sum(void *arg)
{
	struct work *w = arg;
	long s = 0;
	for (int i = 0; i <= w->in; i++)
		s += (long)i * i;
	w->out = s;
}

static void check_threads(void)
{
	struct work w[4];
	struct thread *t[4];
	int ok = 1;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct work){.in = 1000 * (i + 1)};
		t[i] = thread_create("sq", THREAD_PRIO_NORMAL, THREAD_APP, square_sum, &w[i]);
		ok = ok && t[i];
	}
	for (int i = 0; i < 4; i++) {
		if (t[i])
			thread_join(t[i]);
		long n = w[i].in;
		ok = ok && w[i].out == n * (n + 1) * (2 * n + 1) / 6;
	}
	report("threads", ok, "4 threads created, ran and joined");
}

/* ---- priorities and time slicing ---- */
static volatile int stop_spin;
static volatile uint64_t spins[2];

static void spinner(void *arg)
{
	int i = (int)(intptr_t)arg;
	while (!stop_spin)
		spins[i]++;
}

static void check_preemption(void)
{
	stop_spin = 0;
	spins[0] = spins[1] = 0;
	/* Two equal spinners below us: we must still wake from sleep on time
	 * (priority), and both must progress (time slicing). */
	struct thread *a = thread_create("spin0", THREAD_PRIO_LOW, THREAD_APP, spinner, (void *)0);
	struct thread *b = thread_create("spin1", THREAD_PRIO_LOW, THREAD_APP, spinner, (void *)1);
	uint64_t t0 = now_ns();
	thread_sleep_ns(100 * NSEC_PER_MSEC);
	uint64_t slept = now_ns() - t0;
	uint64_t s0 = spins[0], s1 = spins[1];
	stop_spin = 1;
	if (a)
		thread_join(a);
	if (b)
		thread_join(b);
	int ok = a && b && s0 > 0 && s1 > 0 && slept < 1000 * NSEC_PER_MSEC;
	report("preemption", ok,
	       "high priority woke after %llu ms over two busy threads; "
	       "slices shared: %llu / %llu spins",
	       (unsigned long long)(slept / NSEC_PER_MSEC), (unsigned long long)s0,
	       (unsigned long long)s1);
}

/* ---- sleep accuracy ---- */
static void check_sleep(void)
{
	static const uint64_t req_us[] = {100, 1000, 5000, 20000};
	uint64_t worst = 0;
	int early = 0;
	for (unsigned i = 0; i < sizeof(req_us) / sizeof(req_us[0]); i++) {
		uint64_t t0 = now_ns();
		thread_sleep_ns(req_us[i] * 1000);
		uint64_t took = now_ns() - t0;
		if (took < req_us[i] * 1000)
			early++;
		else if (took - req_us[i] * 1000 > worst)
			worst = took - req_us[i] * 1000;
	}
	/* Never early; late by scheduling noise only (TCG is slow, so be generous). */
	int ok = !early && worst < 50 * NSEC_PER_MSEC;
	report("sleep", ok, "100us..20ms sleeps: %d early, worst overshoot %llu us", early,
	       (unsigned long long)(worst / 1000));
}

/* ---- timeouts ---- */
static void check_timeouts(void)
{
	struct sem s;
	sem_init(&s, 0);
	uint64_t t0 = now_ns();
	int rc = sem_down_until(&s, clock_ns() + 10 * NSEC_PER_MSEC);
	uint64_t took = now_ns() - t0;
	struct mutex m = MUTEX_INIT;
	int rc2 = mutex_trylock(&m);
	report("timeouts", rc == -ETIMEDOUT && took >= 10 * NSEC_PER_MSEC && rc2 == 0,
	       "sem wait timed out with %d after %llu us", rc, (unsigned long long)(took / 1000));
	mutex_unlock(&m);
}

/* ---- mutex contention ---- */
static struct mutex counter_lock = MUTEX_INIT;
static volatile long counter;
#define CONTENDERS 4
#define ROUNDS     5000

static void contender(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(&counter_lock);
		long v = counter;
		if ((i & 63) == 0)
			thread_yield(); /* give the others a chance to find it held */
		counter = v + 1;
		mutex_unlock(&counter_lock);
	}
}

static void check_mutex(void)
{
	struct thread *t[CONTENDERS];
	counter = 0;
	for (int i = 0; i < CONTENDERS; i++)
		t[i] = thread_create("contender", THREAD_PRIO_NORMAL, THREAD_APP, contender, 0);
	for (int i = 0; i < CONTENDERS; i++)
		if (t[i])
			thread_join(t[i]);
	int ok = counter == CONTENDERS * ROUNDS && counter_lock.contended > 0;
	report("mutex", ok, "%d threads x %d locked increments = %ld, %llu contended acquisitions",
	       CONTENDERS, ROUNDS, counter, (unsigned long long)counter_lock.contended);
}

/* ---- semaphores ---- */
static struct sem ping, pong;
#define PINGPONGS 1000

static void ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < PINGPONGS; i++) {
		sem_down(&ping);
		sem_up(&pong);
	}
}

static void check_sem(void)
{
	sem_init(&ping, 0);
	sem_init(&pong, 0);
	struct thread *t = thread_create("ponger", THREAD_PRIO_NORMAL, THREAD_APP, ponger, 0);
	int got = 0;
	for (int i = 0; t && i < PINGPONGS; i++) {
		sem_up(&ping);
		if (sem_down_until(&pong, clock_ns() + NSEC_PER_SEC) == 0)
			got++;
	}
	if (t)
		thread_join(t);
	report("semaphore", got == PINGPONGS, "%d of %d round trips", got, PINGPONGS);
}

/* ---- FPU state across preemption ---- */
struct fpwork {
	double seed, out;
};

static void fp_thread(void *arg)
{
	struct fpwork *w = arg;
	volatile double x = w->seed;
	for (int i = 0; i < 200000; i++)
		x = x * 1.0000001 + 0.5 / (i + 1);
	w->out = x;
}

static void check_fpu(void)
{
	struct fpwork ref[2] = {{1.0, 0}, {2.0, 0}}, w[2] = {{1.0, 0}, {2.0, 0}};
	fp_thread(&ref[0]);
	fp_thread(&ref[1]);
	/* Same work at low priority, interleaved by slices: any lost xmm state shows. */
	struct thread *a = thread_create("fp0", THREAD_PRIO_LOW, THREAD_APP, fp_thread, &w[0]);
	struct thread *b = thread_create("fp1", THREAD_PRIO_LOW, THREAD_APP, fp_thread, &w[1]);
	if (a)
		thread_join(a);
	if (b)
		thread_join(b);
	report("fpu", a && b && w[0].out == ref[0].out && w[1].out == ref[1].out,
	       "two SSE threads preempting each other: %.6f %.6f", w[0].out, w[1].out);
}

/* ---- partitions ---- */
static void check_memory_map(void)
{
	bool w;
	int ok = !mm_page_mapped(0, &w);
	ok = ok && thread_current()->guard && !mm_page_mapped(thread_current()->guard, &w);
	report("guards", ok, "page 0 and this thread's stack guard page are unmapped");
}

static void check_pools(void)
{
	struct mm_stats before, after;
	mm_part_stats(MM_PAGECACHE, &before);
	size_t n = 0, cap = before.size / 4096;
	void **pages = malloc(cap * sizeof(void *));
	void *p;
	while (pages && (p = mm_page_alloc(MM_PAGECACHE)))
		pages[n++] = p;
	mm_part_stats(MM_PAGECACHE, &after);
	/* Every page the pool had was handed out, and only then did it fail. */
	int ok = pages && n > 0 && after.used == before.used + n * 4096 &&
	         after.used + 4096 > after.size - 4096 && after.fails == before.fails + 1;
	for (size_t i = 0; i < n; i++)
		mm_page_free(MM_PAGECACHE, pages[i]);
	free(pages);
	report("page-pool", ok, "page cache: %zu pages allocated until empty, then all freed", n);

	void *blk[64];
	size_t nb = 0;
	mm_part_stats(MM_STORAGE, &before);
	while (nb < 64 && (blk[nb] = mm_alloc(MM_STORAGE, before.size / 16)))
		nb++;
	mm_part_stats(MM_STORAGE, &after);
	ok = nb > 0 && nb < 16 && after.fails == before.fails + 1;
	for (size_t i = 0; i < nb; i++)
		mm_free(MM_STORAGE, blk[i]);
	report("heap-partition", ok, "storage heap: %zu sixteenths fit, the next failed", nb);
}

#define CANARY_SIZE 4096
static void fill(uint8_t *p, uint8_t seed)
{
	for (int i = 0; i < CANARY_SIZE; i++)
		p[i] = (uint8_t)(seed + i * 7);
}
static int intact(const uint8_t *p, uint8_t seed)
{
	for (int i = 0; i < CANARY_SIZE; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return 0;
	return 1;
}

static void check_heap_exhaustion(void)
{
	static const enum mm_part_id others[] = {MM_NETGEN, MM_NETSTOR, MM_STORAGE};
	struct mm_stats before[MM_NPARTS], after[MM_NPARTS];
	uint8_t *canary[3];
	for (int i = 0; i < 3; i++) {
		canary[i] = mm_alloc(others[i], CANARY_SIZE);
		if (canary[i])
			fill(canary[i], (uint8_t)(i * 31));
	}
	for (int id = 0; id < MM_NPARTS; id++)
		mm_part_stats((enum mm_part_id)id, &before[id]);

	/* Fill the app heap: big chunks first, then smaller ones to the last crumbs. */
	void *chunk = 0, *list = 0;
	size_t total = 0, count = 0, outside = 0;
	for (size_t sz = 1 << 20; sz >= 64; sz /= 4) {
		while ((chunk = malloc(sz))) {
			memset(chunk, 0xA5, sz); /* touch it all: it must really be ours */
			if (!mm_part_contains(MM_APPHEAP, chunk))
				outside++;
			*(void **)chunk = list;
			list = chunk;
			total += sz;
			count++;
		}
	}
	for (int id = 0; id < MM_NPARTS; id++)
		mm_part_stats((enum mm_part_id)id, &after[id]);
	int others_ok = 1;
	for (int id = 0; id < MM_NPARTS; id++) {
		if (id == MM_APPHEAP || id == MM_APPSTACKS)
			continue; /* the heap itself; and app stacks, where this thread runs */
		if (after[id].used != before[id].used || after[id].fails != before[id].fails)
			others_ok = 0;
	}
	for (int i = 0; i < 3; i++)
		others_ok = others_ok && canary[i] && intact(canary[i], (uint8_t)(i * 31));
	int full = after[MM_APPHEAP].fails > before[MM_APPHEAP].fails &&
	           after[MM_APPHEAP].used > after[MM_APPHEAP].size - (2 << 20);
	while (list) {
		void *next = *(void **)list;
		free(list);
		list = next;
	}
	void *again = malloc(1 << 20);
	free(again);
	for (int i = 0; i < 3; i++)
		mm_free(others[i], canary[i]);
	report("heap-exhaustion", full && !outside && others_ok && again,
	       "malloc gave %zu MiB in %zu blocks, all inside the app heap, until it failed; "
	       "other partitions %s; malloc works again after free",
	       total >> 20, count, others_ok ? "untouched" : "CHANGED");
}

/* ---- the page-fault hook and dirty bits: what the page cache will build on ---- */
static volatile uintptr_t hook_page;
static volatile int hook_hits;

static int wp_hook(uintptr_t addr, uint64_t err, struct trap_frame *f)
{
	(void)f;
	if ((addr & ~4095UL) != hook_page || !(err & 2))
		return -EFAULT;
	hook_hits++;
	thread_sleep_ns(2 * NSEC_PER_MSEC); /* a throttled writer sleeps right here */
	return mm_protect_page(hook_page, MM_PROT_WRITE);
}

static void check_fault_hook(void)
{
	uint64_t *page = mm_page_alloc(MM_PAGECACHE);
	uint64_t was = 0, dirty_after_read = 1, dirty_after_write = 0;
	int ok = page != 0;
	if (ok) {
		mm_page_test_and_clear((uintptr_t)page, MM_PTE_DIRTY | MM_PTE_ACCESSED, &was);
		(void)*(volatile uint64_t *)page;
		mm_page_test_and_clear((uintptr_t)page, MM_PTE_DIRTY, &dirty_after_read);
		hook_page = (uintptr_t)page;
		hook_hits = 0;
		mm_protect_page((uintptr_t)page, 0);
		mm_set_fault_hook(wp_hook);
		uint64_t t0 = now_ns();
		((volatile uint64_t *)page)[1] = 42; /* faults, sleeps in the hook, retries */
		uint64_t took = now_ns() - t0;
		mm_set_fault_hook(0);
		mm_page_test_and_clear((uintptr_t)page, MM_PTE_DIRTY, &dirty_after_write);
		ok = hook_hits == 1 && page[1] == 42 && took >= 2 * NSEC_PER_MSEC &&
		     !dirty_after_read && dirty_after_write;
		mm_page_free(MM_PAGECACHE, page);
	}
	report("fault-hook", ok,
	       "write to a write-protected page: %d hook call, writer slept, "
	       "retried; dirty bit %s after read, %s after write",
	       hook_hits, dirty_after_read ? "set" : "clear", dirty_after_write ? "set" : "clear");
}

/* ---- libc shared by threads: malloc's lock and per-thread errno ---- */
static void libc_worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg, bad = 0;
	for (int i = 0; i < 1500; i++) {
		seed = seed * 1103515245 + 12345;
		size_t n = 16 + (seed >> 16) % 3000;
		uint8_t *p = malloc(n);
		if (!p) {
			bad++;
			continue;
		}
		memset(p, (int)(seed & 0xFF), n);
		char buf[32];
		snprintf(buf, sizeof(buf), "%.2f", i * 0.5);
		errno = (int)seed & 0xFF; /* each thread's errno is its own */
		thread_yield();
		if ((errno != ((int)seed & 0xFF)) || p[n - 1] != (uint8_t)(seed & 0xFF))
			bad++;
		free(p);
	}
	*(unsigned *)arg = bad;
}

static void check_libc_threads(void)
{
	unsigned arg[4];
	struct thread *t[4];
	int ok = 1;
	for (int i = 0; i < 4; i++) {
		arg[i] = 1000 + i;
		t[i] = thread_create("libc", THREAD_PRIO_NORMAL, THREAD_APP, libc_worker, &arg[i]);
	}
	for (int i = 0; i < 4; i++) {
		ok = ok && t[i];
		if (t[i])
			thread_join(t[i]);
		ok = ok && arg[i] == 0;
	}
	report("libc-threads", ok, "4 threads x 1500 malloc/snprintf/errno/free, interleaved");
}

struct check {
	const char *name;
	void (*fn)(void);
};

static const struct check checks[] = {
    {"libc", check_libc},
    {"time", check_time},
    {"threads", check_threads},
    {"preemption", check_preemption},
    {"sleep", check_sleep},
    {"timeouts", check_timeouts},
    {"mutex", check_mutex},
    {"semaphore", check_sem},
    {"libc-threads", check_libc_threads},
    {"fpu", check_fpu},
    {"guards", check_memory_map},
    {"fault-hook", check_fault_hook},
    {"pools", check_pools},
    {"heap-exhaustion", check_heap_exhaustion},
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static int selftest_main(int argc, char **argv)
{
	int ran = 0;
	for (unsigned i = 0; i < NCHECKS; i++) {
		int wanted = argc <= 1;
		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], checks[i].name) == 0;
		if (wanted) {
			checks[i].fn();
			ran++;
		}
	}
	for (int a = 1; a < argc; a++) {
		int known = 0;
		for (unsigned i = 0; i < NCHECKS; i++)
			known |= strcmp(argv[a], checks[i].name) == 0;
		if (!known) {
			printf("selftest: no check named '%s'; checks:", argv[a]);
			for (unsigned i = 0; i < NCHECKS; i++)
				printf(" %s", checks[i].name);
			printf("\n");
			failures++;
		}
	}
	printf("selftest: %d checks, %d passed, %d failed\n", ran, ran - failures, failures);
	return failures ? 1 : 0;
}

APP(selftest, "selftest", selftest_main, "checks threads, timers, locks and the partitions");
