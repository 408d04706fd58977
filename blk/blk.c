/*
 * Block layer core: range checks, the overlap rules that keep writes in
 * order, dispatch to the backend as its slots free up, and synchronous
 * wrappers.  All queue manipulation is under interrupts-off, since done()
 * callbacks and submitters run in different threads.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "blk/blk.h"
#include "kernel/assert.h"
#include "kernel/cpu.h"
#include "kernel/sync.h"


static struct blk_dev *devs[BLK_MAX_DEVS];
static struct waitq ready_wq = WAITQ_INIT;
static int bringup_err;

int blk_register(struct blk_dev *d)
{
	ASSERT(d->info.block_size && d->info.max_blocks);
	for (int i = 0; i < BLK_MAX_DEVS; i++) {
		if (!devs[i]) {
			devs[i] = d;
			waitq_wake_all(&ready_wq);
			return 0;
		}
	}
	return -ENOSPC;
}

void blk_close_all(void)
{
	for (int i = 0; i < BLK_MAX_DEVS; i++)
		if (devs[i] && devs[i]->ops->close)
			devs[i]->ops->close(devs[i]);
}

void blk_bringup_failed(int err)
{
	bringup_err = err ? err : -ENODEV;
	waitq_wake_all(&ready_wq);
}

int blk_wait(struct blk_dev **out, uint64_t deadline_ns)
{
	uint64_t fl = irq_save();
	int rc = 0;
	while (!devs[0] && !bringup_err && rc == 0)
		rc = waitq_wait(&ready_wq, deadline_ns);
	if (devs[0]) {
		*out = devs[0];
		rc = 0;
	} else if (bringup_err) {
		rc = -ENODEV;
	}
	irq_restore(fl);
	return rc;
}

struct blk_dev *blk_first(void)
{
	return devs[0];
}

static bool overlaps(const struct blk_req *a, const struct blk_req *b)
{
	if (a->op == BLK_FLUSH || b->op == BLK_FLUSH)
		return false;
	return a->lba < b->lba + b->nblocks && b->lba < a->lba + a->nblocks;
}

/* Must r wait for the older request o? */
static bool conflicts(const struct blk_req *o, const struct blk_req *r)
{
	if (r->op == BLK_FLUSH)
		return o->op == BLK_WRITE; /* a flush covers every earlier write */
	return (o->op == BLK_WRITE || r->op == BLK_WRITE) && overlaps(o, r);
}

/* May r go to the backend now?  Only requests older than r can hold it. */
static bool may_start(const struct blk_dev *d, const struct blk_req *r)
{
	for (const struct blk_req *o = d->inflight; o; o = o->next)
		if (o->seq < r->seq && conflicts(o, r))
			return false;
	/* Older waiting requests keep their place against anything they conflict with. */
	for (const struct blk_req *o = d->waiting; o && o != r; o = o->next)
		if (conflicts(o, r))
			return false;
	return true;
}

static void unlink_req(struct blk_req **head, struct blk_req *r)
{
	for (struct blk_req **pp = head; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			r->next = 0;
			return;
		}
	}
	ASSERT(!"request not on its list");
}

/* Start whatever can start, oldest first.  Interrupts off. */
static void dispatch(struct blk_dev *d)
{
	struct blk_req *r = d->waiting;
	while (r) {
		struct blk_req *next = r->next;
		if (may_start(d, r)) {
			unlink_req(&d->waiting, r);
			r->next = d->inflight;
			d->inflight = r;
			int rc = d->ops->submit(d, r);
			if (rc == -EBUSY) {
				/* Backend full: put it back in order and wait for a completion. */
				unlink_req(&d->inflight, r);
				struct blk_req **pp = &d->waiting;
				while (*pp && (*pp)->seq < r->seq)
					pp = &(*pp)->next;
				r->next = *pp;
				*pp = r;
				return;
			}
			ASSERT(rc == 0);
		}
		r = next;
	}
}

int blk_submit(struct blk_dev *d, struct blk_req *r)
{
	if (r->op != BLK_FLUSH &&
	    (!r->nblocks || r->lba >= d->info.blocks || r->nblocks > d->info.blocks - r->lba ||
	     r->nblocks > d->info.max_blocks))
		return -EINVAL;
	uint64_t fl = irq_save();
	r->dev = d;
	r->err = 0;
	r->seq = ++d->seq;
	r->next = 0;
	struct blk_req **pp = &d->waiting;
	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
	dispatch(d);
	irq_restore(fl);
	return 0;
}

void blk_complete(struct blk_req *r, int err)
{
	struct blk_dev *d = r->dev;
	uint64_t fl = irq_save();
	unlink_req(&d->inflight, r);
	size_t bytes = (size_t)r->nblocks * d->info.block_size;
	if (err)
		d->errors++;
	else if (r->op == BLK_READ)
		d->reads++, d->read_bytes += bytes;
	else if (r->op == BLK_WRITE)
		d->writes++, d->write_bytes += bytes;
	else
		d->flushes++;
	r->err = err;
	irq_restore(fl);
	r->done(r, err);
	fl = irq_save();
	dispatch(d);
	irq_restore(fl);
}

struct sync_ctx {
	struct sem sem;
	int err;
	unsigned pending;
};

static void sync_done(struct blk_req *r, int err)
{
	struct sync_ctx *c = r->arg;
	if (err && !c->err)
		c->err = err;
	sem_up(&c->sem);
}


static int sync_io(struct blk_dev *d, enum blk_op op, uint64_t lba, uint32_t nblocks, void *buf)
{
	struct blk_req reqs[BLK_SYNC_BATCH];
	struct sync_ctx c = { .err = 0 };
	unsigned started = 0, finished = 0;
	uint32_t step = d->info.max_blocks;
	sem_init(&c.sem, 0);
	uint8_t *p = buf;
	while (nblocks || finished < started) {
		if (nblocks && started - finished < BLK_SYNC_BATCH && !c.err) {
			struct blk_req *r = &reqs[started % BLK_SYNC_BATCH];
			uint32_t n = nblocks < step ? nblocks : step;
			*r = (struct blk_req){ .op = op, .lba = lba, .nblocks = n, .buf = p,
					       .done = sync_done, .arg = &c };
			int rc = blk_submit(d, r);
			if (rc) {
				c.err = rc;
				nblocks = 0;
				continue;
			}
			started++;
			lba += n;
			nblocks -= n;
			p += (size_t)n * d->info.block_size;
			continue;
		}
		if (c.err)
			nblocks = 0;
		if (finished < started) {
			sem_down(&c.sem);
			finished++;
		}
	}
	return c.err;
}

int blk_read(struct blk_dev *d, uint64_t lba, uint32_t nblocks, void *buf)
{
	return sync_io(d, BLK_READ, lba, nblocks, buf);
}

int blk_write(struct blk_dev *d, uint64_t lba, uint32_t nblocks, const void *buf)
{
	return sync_io(d, BLK_WRITE, lba, nblocks, (void *)buf);
}

int blk_flush(struct blk_dev *d)
{
	struct blk_req r = { .op = BLK_FLUSH };
	struct sync_ctx c = { .err = 0 };
	sem_init(&c.sem, 0);
	r.done = sync_done;
	r.arg = &c;
	int rc = blk_submit(d, &r);
	if (rc)
		return rc;
	sem_down(&c.sem);
	return c.err;
}
