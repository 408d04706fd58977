/*
 * The block layer: block devices (the iSCSI LUN today) behind one small API.
 *
 * Requests.  A struct blk_req belongs to the caller, who keeps it and its
 * buffer alive until done() runs; the layer links it into its queues through
 * fields inside the request, so submitting never allocates.  done() runs in
 * the backend's context (the iSCSI thread), must not block, and may submit
 * again.
 *
 * Ordering.  A request that overlaps a write still in flight waits until
 * that write completes, and a write waits for overlapping requests in
 * flight; a flush waits for every write submitted before it.  So no write is
 * reordered against a later write to the same blocks, reads see earlier
 * writes, and a completed flush covers every earlier write -- whatever the
 * backend and the target do with concurrent commands.
 *
 * Backends.  ops->submit() must not block: it returns 0 when it took the
 * request, or -EBUSY when all its per-request slots (preallocated at queue
 * depth) are in use; the layer then keeps the request and offers it again
 * after the next completion.
 *
 * The synchronous calls are for threads; they sleep until the I/O is done.
 */
#ifndef BLK_BLK_H
#define BLK_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

struct blk_dev;

struct blk_req {
	enum blk_op op;
	uint64_t lba;
	uint32_t nblocks;
	void *buf; /* nblocks * block_size bytes; unused for FLUSH */
	void (*done)(struct blk_req *r, int err);
	void *arg; /* the caller's */
	/* private to the block layer */
	struct blk_dev *dev;
	struct blk_req *next;
	uint64_t seq;
	int err;
	/* private to the backend, between its submit() and its blk_complete() */
	struct blk_req *bnext;
	int berr;
};

struct blk_info {
	uint32_t block_size;
	uint64_t blocks;
	uint32_t max_blocks; /* largest request the backend takes at once */
	unsigned queue_depth;
	char vendor[9], product[17], revision[5];
	char name[64]; /* e.g. the target IQN and LUN */
};

struct blk_ops {
	/* Take r, or -EBUSY.  Completion through blk_complete().  Never blocks. */
	int (*submit)(struct blk_dev *d, struct blk_req *r);
	/* Optional: end cleanly (e.g. log out) once nothing is in flight.  Sleeps. */
	int (*close)(struct blk_dev *d);
};

struct blk_dev {
	const struct blk_ops *ops;
	struct blk_info info;
	void *priv;
	/* private to the block layer */
	struct blk_req *inflight, *waiting;
	uint64_t seq;
	uint64_t reads, writes, flushes, read_bytes, write_bytes, errors;
};

/* Make a device available.  0 or -ENOSPC.  Thread context. */
int blk_register(struct blk_dev *d);

/* The first registered device, or NULL.  Any context. */
struct blk_dev *blk_first(void);

/*
 * Wait until a device is registered (storage bring-up finished), until
 * bring-up reports failure through blk_bringup_failed(), or until
 * deadline_ns (clock_ns() time).  0 with *out set, -ENODEV (the reason was
 * printed by whoever failed), or -ETIMEDOUT.  Thread context.
 */
int blk_wait(struct blk_dev **out, uint64_t deadline_ns);

/* Close every device that has a close op, after its I/O drained.  Thread
 * context, at shutdown. */
void blk_close_all(void);

/* Storage bring-up gave up (no target configured, login refused, ...). */
void blk_bringup_failed(int err);

/*
 * Queue r.  0, or -EINVAL (out of range, unaligned length, zero blocks)
 * with done() not called.  Thread context or a done() callback.
 */
int blk_submit(struct blk_dev *d, struct blk_req *r);

/* Backends report a finished request here (their context; never blocks). */
void blk_complete(struct blk_req *r, int err);

/*
 * Synchronous helpers: split into max_blocks pieces, sleep until done.
 * 0 or -errno (the first error).  Thread context.
 */
int blk_read(struct blk_dev *d, uint64_t lba, uint32_t nblocks, void *buf);
int blk_write(struct blk_dev *d, uint64_t lba, uint32_t nblocks, const void *buf);
int blk_flush(struct blk_dev *d);

#endif
