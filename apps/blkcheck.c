/*
 * blkcheck: writes, verifies and reads a deterministic pattern on the block
 * device, with a contract the system tests check from outside (the host
 * computes the same pattern and hashes over the LUN's backing file).
 *
 *   app=blkcheck -- CMD ARGS [CMD ARGS ...]     numbers decimal, bytes
 *     write SEED OFFSET LENGTH   pattern, then SYNCHRONIZE CACHE
 *     verify SEED OFFSET LENGTH  read back and compare
 *     read OFFSET LENGTH         print the sha256 of the bytes
 *     rawwrite OFFSET LENGTH     one zero-filled iosize buffer written over the range, then
 *                                SYNCHRONIZE CACHE: the storage path's speed, as dd measures it
 *     rawread OFFSET LENGTH      the range read into one buffer, nothing checked
 *     info                       block size, blocks, vendor, product
 *     randread COUNT             COUNT random 4 KiB reads, print IOPS
 *     qd N                       requests in flight for what follows (default 32)
 *     iosize BYTES               bytes per request (default 1 MiB)
 *     exhaust                    fill the app heap and the net-general partition and keep
 *                                them full, to show storage I/O does not need them
 *     netfill ADDR PORT CONNS    open CONNS ordinary TCP connections to a sink that never
 *                                reads and queue data on each until lwIP's general memory
 *                                is full, and keep it so: storage must not need it
 *
 * The pattern: the 8-byte little-endian word at LUN byte offset 8k is
 * f(SEED + k) mod 2^64, f being splitmix64's finaliser.  The raw commands
 * also print "blkcheck: CMD second=N MBps=X" once a second, for plots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apps/app.h"
#include "blk/blk.h"
#include "lib/sha256.h"
#include "kernel/clock.h"
#include "kernel/sync.h"
#include "mm/mm.h"
#include "net/netmem.h"
#include "net/sock.h"

#define MAX_QD 64

static struct blk_dev *dev;
static unsigned qd = 32;
static uint32_t iosize = 1 << 20;

static uint64_t pattern(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

struct slot {
	struct blk_req req;
	uint8_t *buf;
	uint64_t off;
	uint32_t len;
	volatile bool busy, done;
	int err;
};

static struct slot slots[MAX_QD];
static struct sem completions;

static void slot_done(struct blk_req *r, int err)
{
	struct slot *s = r->arg;
	s->err = err;
	s->done = true;
	sem_up(&completions);
}

static int slot_start(struct slot *s, enum blk_op op, uint64_t off, uint32_t len, uint8_t *buf)
{
	s->off = off;
	s->len = len;
	s->busy = true;
	s->done = false;
	s->err = 0;
	s->req = (struct blk_req){ .op = op,
				   .lba = off / dev->info.block_size,
				   .nblocks = len / dev->info.block_size,
				   .buf = buf,
				   .done = slot_done,
				   .arg = s };
	return blk_submit(dev, &s->req);
}

/* Wait for this slot's request (completions may arrive in any order). */
static int slot_wait(struct slot *s)
{
	while (!s->done)
		sem_down(&completions);
	s->busy = false;
	return s->err;
}

static int alloc_slots(void)
{
	for (unsigned i = 0; i < qd; i++) {
		if (slots[i].buf)
			continue;
		slots[i].buf = malloc(iosize);
		if (!slots[i].buf) {
			printf("blkcheck: cannot allocate %u buffers of %u bytes from the app heap; "
			       "lower qd or iosize\n",
			       qd, iosize);
			return -ENOMEM;
		}
	}
	return 0;
}

static void free_slots(void)
{
	for (unsigned i = 0; i < MAX_QD; i++) {
		free(slots[i].buf);
		slots[i].buf = 0;
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void fill(uint8_t *buf, uint64_t off, uint32_t len, uint64_t seed)
{
	uint64_t *w = (uint64_t *)buf;
	for (uint32_t i = 0; i < len / 8; i++)
		w[i] = pattern(seed + off / 8 + i);
}

/* Words of buf that differ from the pattern; *first gets the first bad byte offset. */
static uint64_t check(const uint8_t *buf, uint64_t off, uint32_t len, uint64_t seed,
		      uint64_t *first)
{
	const uint64_t *w = (const uint64_t *)buf;
	uint64_t bad = 0;
	for (uint32_t i = 0; i < len / 8; i++) {
		if (w[i] != pattern(seed + off / 8 + i)) {
			if (!bad && *first == UINT64_MAX)
				*first = off + 8ULL * i;
			bad++;
		}
	}
	return bad;
}

enum mode { M_WRITE, M_VERIFY, M_READ, M_RAWWRITE, M_RAWREAD };

static const char *const mode_names[] = {"write", "verify", "read", "rawwrite", "rawread"};

struct run {
	enum mode m;
	uint64_t seed, off, len;
	struct sha256 sha;
	uint64_t bad, first;
	uint8_t *raw; /* the one buffer of the raw modes */
	double t0, tick;
	uint64_t done, tick_done;
	unsigned second;
};

/* The raw modes' once-a-second figure, for the flood plot. */
static void tick(struct run *r)
{
	double t = now_s();
	if (r->m < M_RAWWRITE || t - r->tick < 1.0)
		return;
	printf("blkcheck: %s second=%u MBps=%.2f\n", mode_names[r->m], ++r->second,
	       (double)(r->done - r->tick_done) / (t - r->tick) / 1e6);
	r->tick = t;
	r->tick_done = r->done;
}

static int issue(struct run *r, struct slot *s, uint64_t at, uint32_t n)
{
	bool wr = r->m == M_WRITE || r->m == M_RAWWRITE;
	if (r->m == M_WRITE) {
		fill(s->buf, at, n, r->seed);
		sha256_update(&r->sha, s->buf, n);
	}
	return slot_start(s, wr ? BLK_WRITE : BLK_READ, at, n, r->raw ? r->raw : s->buf);
}

static void consume(struct run *r, struct slot *o)
{
	if (r->m == M_VERIFY)
		r->bad += check(o->buf, o->off, o->len, r->seed, &r->first);
	if (r->m == M_READ)
		sha256_update(&r->sha, o->buf, o->len);
	r->done += o->len;
	tick(r);
}

static int report(struct run *r, int err)
{
	const char *name = mode_names[r->m];
	unsigned long long off = r->off, len = r->len;
	double secs = now_s() - r->t0, mbps = secs > 0 ? (double)r->len / secs / 1e6 : 0;
	uint8_t digest[SHA256_LEN];
	char hexd[2 * SHA256_LEN + 1];

	sha256_final(&r->sha, digest);
	hex(digest, hexd);
	if (err) {
		printf("blkcheck: %s offset=%llu length=%llu FAILED: %s (error %d)\n", name, off,
		       len, strerror(-err), err);
		return err;
	}
	if (r->m == M_WRITE || r->m == M_READ)
		printf("blkcheck: %s offset=%llu length=%llu sha256=%s MBps=%.2f\n", name, off, len,
		       hexd, mbps);
	else if (r->m != M_VERIFY)
		printf("blkcheck: %s offset=%llu length=%llu MBps=%.2f\n", name, off, len, mbps);
	else if (r->bad)
		printf("blkcheck: verify offset=%llu length=%llu MISMATCH first=%llu count=%llu\n",
		       off, len, (unsigned long long)r->first, (unsigned long long)r->bad);
	else
		printf("blkcheck: verify offset=%llu length=%llu ok MBps=%.2f\n", off, len, mbps);
	return r->bad ? -EIO : 0;
}

/*
 * Stream [off, off+len) through qd slots.  Slots are reused in order, so
 * hashing and checking see the bytes in LUN order whatever the completion
 * order.
 */
static int stream(struct run *r)
{
	int err = alloc_slots();
	if (err)
		return err;
	if (r->m >= M_RAWWRITE)
		r->raw = slots[0].buf; /* zero-filled below for rawwrite, scratch for rawread */
	if (r->m == M_RAWWRITE)
		memset(r->raw, 0, iosize);
	sha256_init(&r->sha);
	r->first = UINT64_MAX;
	sem_init(&completions, 0);
	r->t0 = r->tick = now_s();
	uint64_t next = r->off, end = r->off + r->len;
	unsigned head = 0, inflight = 0; /* head: the oldest slot */
	while (next < end || inflight) {
		if (next < end && inflight < qd && !err) {
			uint32_t n = end - next < iosize ? (uint32_t)(end - next) : iosize;
			err = issue(r, &slots[(head + inflight) % qd], next, n);
			if (!err) {
				next += n;
				inflight++;
			}
			continue;
		}
		if (!inflight)
			break;
		int rc = slot_wait(&slots[head]);
		if (rc && !err)
			err = rc;
		if (!rc)
			consume(r, &slots[head]);
		head = (head + 1) % qd;
		inflight--;
	}
	if (!err && (r->m == M_WRITE || r->m == M_RAWWRITE))
		err = blk_flush(dev);
	return report(r, err);
}

static int randread(uint64_t count)
{
	uint32_t bs = dev->info.block_size, io = 4096 < bs ? bs : 4096;
	uint64_t span = dev->info.blocks * bs / io;
	uint32_t saved = iosize;
	iosize = io;
	int rc = alloc_slots();
	iosize = saved;
	if (rc)
		return rc;
	sem_init(&completions, 0);
	uint64_t x = 0x5DEECE66DULL, issued = 0, completed = 0;
	unsigned inflight = 0, head = 0;
	int err = 0;
	double t0 = now_s();
	while (completed < count) {
		if (issued < count && inflight < qd && !err) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			struct slot *s = &slots[(head + inflight) % qd];
			rc = slot_start(s, BLK_READ, (x >> 11) % span * io, io, s->buf);
			if (rc) {
				err = rc;
				break;
			}
			issued++;
			inflight++;
			continue;
		}
		rc = slot_wait(&slots[head]);
		if (rc && !err)
			err = rc;
		head = (head + 1) % qd;
		inflight--;
		completed++;
		if (err && !inflight)
			break;
	}
	while (inflight) {
		slot_wait(&slots[head]);
		head = (head + 1) % qd;
		inflight--;
	}
	double secs = now_s() - t0;
	if (err) {
		printf("blkcheck: randread FAILED: %s (error %d)\n", strerror(-err), err);
		return err;
	}
	printf("blkcheck: randread count=%llu iosize=%u qd=%u IOPS=%.0f\n",
	       (unsigned long long)count, io, qd, secs > 0 ? (double)count / secs : 0);
	return 0;
}

/* Take every byte newlib's malloc and the net-general heap will give, and keep it. */
static int exhaust(void)
{
	int rc = alloc_slots(); /* our own I/O buffers first: they come from the app heap too */
	if (rc)
		return rc;
	/* newlib's float formatting keeps its bignums on a free list once made: make them
	 * now, so our MBps lines still print with the heap full. */
	char warm[64];
	for (double v = 0.01; v < 1e7; v *= 7.3)
		snprintf(warm, sizeof(warm), "%.2f %.0f", v, v);
	uint64_t heap = 0, netgen = 0;
	for (size_t sz = 1 << 20; sz >= 16; sz /= 2)
		while (malloc(sz))
			heap += sz;
	for (size_t sz = 1 << 20; sz >= 64; sz /= 2)
		while (mm_alloc(MM_NETGEN, sz))
			netgen += sz;
	struct mm_stats st;
	mm_part_stats(MM_NETGEN, &st);
	printf("blkcheck: exhaust app heap full after %llu KiB more; net-general full after %llu "
	       "KiB more (%zu of %zu KiB used, %llu failed allocations)\n",
	       (unsigned long long)(heap >> 10), (unsigned long long)(netgen >> 10), st.used >> 10,
	       st.size >> 10, (unsigned long long)st.fails);
	return 0;
}

/* Fill lwIP's general memory from the TX side: connections whose peer
 * never reads, each with every send it may queue.  They stay open, and so
 * does their buffer (zero copy: lwIP points into it until the node ends). */
static int netfill(const char *addr, uint64_t port, uint64_t conns)
{
	const struct netmem_arena *gen = netmem_arena(NET_CLASS_GENERAL);
	const size_t len = 256 * 1024;
	uint8_t *fill_buf = calloc(1, len);
	struct net_conn *c[NET_CONNS_MAX];
	unsigned opened = 0, queued = 0;
	if (!fill_buf) {
		printf("blkcheck: netfill: no %zu KiB in the app heap\n", len / 1024);
		return -ENOMEM;
	}
	/* Connect them all first, then queue on all at once: lwIP takes in
	 * every connection's send buffer in one go, faster than any peer drains. */
	for (; opened < conns && opened < NET_CONNS_MAX - 4; opened++) {
		int rc = net_connect(addr, (uint16_t)port, &c[opened], 30 * NSEC_PER_SEC);
		if (rc) {
			printf("blkcheck: netfill: connection %u to %s:%llu failed: %s (error %d)\n",
			       opened + 1, addr, (unsigned long long)port, strerror(-rc), rc);
			break;
		}
	}
	struct net_iov iov = {fill_buf, len};
	for (unsigned i = 0; i < opened; i++)
		while (net_send(c[i], &iov, 1, NULL, NULL) == 0)
			queued++;
	uint64_t until = clock_ns() + 20 * NSEC_PER_SEC;
	while (!gen->fails && clock_ns() < until)
		thread_sleep_ns(100 * NSEC_PER_MSEC);
	printf("blkcheck: netfill connections=%u sends=%u general lwIP memory %zu of %zu KiB, "
	       "%llu failed allocations\n",
	       opened, queued, gen->used / 1024, (size_t)(gen->end - gen->base) / 1024,
	       (unsigned long long)gen->fails);
	return gen->fails ? 0 : -ENOMEM;
}

static int number(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

static int usage(const char *why)
{
	printf("blkcheck: %s\n"
	       "blkcheck: usage: app=blkcheck -- CMD ARGS [CMD ARGS ...] with CMD one of\n"
	       "  write SEED OFFSET LENGTH | verify SEED OFFSET LENGTH | read OFFSET LENGTH |\n"
	       "  rawwrite OFFSET LENGTH | rawread OFFSET LENGTH |\n"
	       "  info | randread COUNT | qd N (1..%d) | iosize BYTES | exhaust |\n"
	       "  netfill ADDR PORT CONNS\n"
	       "  numbers are decimal; OFFSET and LENGTH are bytes, multiples of the block size\n",
	       why, MAX_QD);
	return 2;
}

/* A command's outcome: 0, 1 (it failed; go on with the next), or 2 (usage: stop). */
static int range_cmd(enum mode m, uint64_t seed, uint64_t off, uint64_t len)
{
	uint32_t bs = dev->info.block_size;
	uint64_t cap = dev->info.blocks * bs;
	if (off % bs || len % bs || len == 0 || off > cap || len > cap - off) {
		printf("blkcheck: %s offset=%llu length=%llu: must be non-empty multiples of "
		       "the block size %u within the LUN's %llu bytes\n",
		       mode_names[m], (unsigned long long)off, (unsigned long long)len, bs,
		       (unsigned long long)cap);
		return 1;
	}
	struct run r = {.m = m, .seed = seed, .off = off, .len = len};
	return stream(&r) ? 1 : 0;
}

static int cmd_write(const uint64_t *a) { return range_cmd(M_WRITE, a[0], a[1], a[2]); }
static int cmd_verify(const uint64_t *a) { return range_cmd(M_VERIFY, a[0], a[1], a[2]); }
static int cmd_read(const uint64_t *a) { return range_cmd(M_READ, 0, a[0], a[1]); }
static int cmd_rawwrite(const uint64_t *a) { return range_cmd(M_RAWWRITE, 0, a[0], a[1]); }
static int cmd_rawread(const uint64_t *a) { return range_cmd(M_RAWREAD, 0, a[0], a[1]); }
static int cmd_randread(const uint64_t *a) { return randread(a[0]) ? 1 : 0; }
static int cmd_exhaust(const uint64_t *a) { (void)a; return exhaust() ? 1 : 0; }

static int cmd_info(const uint64_t *a)
{
	(void)a;
	printf("blkcheck: info blocksize=%u blocks=%llu vendor=%s product=%s\n",
	       dev->info.block_size, (unsigned long long)dev->info.blocks, dev->info.vendor,
	       dev->info.product);
	return 0;
}

static int cmd_qd(const uint64_t *a)
{
	if (a[0] < 1 || a[0] > MAX_QD)
		return usage("qd must be 1..64");
	free_slots();
	qd = (unsigned)a[0];
	return 0;
}

static int cmd_iosize(const uint64_t *a)
{
	uint32_t bs = dev->info.block_size;
	if (a[0] < bs || a[0] % bs || a[0] > (64u << 20))
		return usage("iosize must be a multiple of the block size, at most 64 MiB");
	free_slots();
	iosize = (uint32_t)a[0];
	if (iosize > dev->info.max_blocks * bs)
		iosize = dev->info.max_blocks * bs; /* the backend's largest request */
	return 0;
}

static const struct {
	const char *name;
	int nargs;
	int (*fn)(const uint64_t *a);
} cmds[] = {
    {"write", 3, cmd_write},       {"verify", 3, cmd_verify},   {"read", 2, cmd_read},
    {"rawwrite", 2, cmd_rawwrite}, {"rawread", 2, cmd_rawread}, {"info", 0, cmd_info},
    {"randread", 1, cmd_randread}, {"qd", 1, cmd_qd},           {"iosize", 1, cmd_iosize},
    {"exhaust", 0, cmd_exhaust},
};

/* netfill ADDR PORT CONNS: its first argument is an address, not a number. */
static int run_netfill(int argc, char **argv, int *i)
{
	uint64_t port, conns;
	if (*i + 2 >= argc || number(argv[*i + 1], &port) || number(argv[*i + 2], &conns) ||
	    port == 0 || port > 65535 || conns == 0)
		return usage("netfill ADDR PORT CONNS: a dotted address, a port and a count");
	const char *addr = argv[*i];
	*i += 3;
	return netfill(addr, port, conns) ? 1 : 0;
}

/* Run the command at argv[*i], advancing *i past its arguments. */
static int run_cmd(int argc, char **argv, int *i)
{
	const char *cmd = argv[(*i)++];
	char why[96];
	if (!strcmp(cmd, "netfill"))
		return run_netfill(argc, argv, i);
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		if (strcmp(cmd, cmds[c].name))
			continue;
		uint64_t a[3] = {0, 0, 0};
		for (int k = 0; k < cmds[c].nargs; k++, (*i)++) {
			if (*i >= argc || number(argv[*i], &a[k])) {
				snprintf(why, sizeof(why),
				         "%s: argument %d is missing or not a decimal number", cmd, k + 1);
				return usage(why);
			}
		}
		return cmds[c].fn(a);
	}
	snprintf(why, sizeof(why), "unknown command '%s'", cmd);
	return usage(why);
}

static int blkcheck_main(int argc, char **argv)
{
	if (argc < 2)
		return usage("no command given");
	int rc = blk_wait(&dev, clock_ns() + 600 * NSEC_PER_SEC);
	if (rc) {
		printf("blkcheck: no block device: %s\n",
		       rc == -ETIMEDOUT ? "storage did not come up within 600 s" :
					  "storage bring-up failed (see above)");
		return 3;
	}
	if (iosize > dev->info.max_blocks * dev->info.block_size)
		iosize = dev->info.max_blocks * dev->info.block_size;
	int failed = 0;
	for (int i = 1; i < argc;) {
		rc = run_cmd(argc, argv, &i);
		if (rc == 2)
			return 2;
		failed += rc;
	}
	free_slots();
	return failed ? 1 : 0;
}

APP_NEEDS(blkcheck, "blkcheck", blkcheck_main, "write, verify and read a pattern on the LUN",
	  APP_NEEDS_STORAGE);
