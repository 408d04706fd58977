/*
 * mm_layout: plans the static memory partitions into the usable RAM regions.
 *
 * Works on a sorted scratch copy of the regions.  Placing a partition inside
 * a region splits it into at most two remainders, so the scratch needs one
 * slot per partition beyond the input regions.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/assert.h"
#include "kernel/fmt.h"
#include "mm/layout.h"

#define KIB 1024ull
#define MIB (1024ull * 1024ull)

struct scratch {
	struct mm_region r[MM_LAYOUT_MAX_REGIONS + MM_LAYOUT_MAX_PARTS];
	size_t n;
};

static bool is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Saturates at the largest multiple of a instead of wrapping. */
static uint64_t round_up(uint64_t x, uint64_t a)
{
	if (x > UINT64_MAX - (a - 1))
		return UINT64_MAX & ~(a - 1);
	return (x + a - 1) & ~(a - 1);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ram * permille / 1000 without overflowing the product. */
static uint64_t share(uint64_t ram, unsigned permille)
{
	return ram / 1000 * permille + ram % 1000 * permille / 1000;
}

/* Aligned start of an allocation in r, and the room from there to r's end (0 if none). */
static uint64_t room_in(const struct mm_region *r, uint64_t align, uint64_t *at)
{
	uint64_t end = r->base + r->len;

	*at = round_up(r->base, align);
	return *at < end && *at >= r->base ? end - *at : 0;
}

static uint64_t largest_room(const struct scratch *s, uint64_t align)
{
	uint64_t best = 0, at;

	for (size_t i = 0; i < s->n; i++) {
		uint64_t room = room_in(&s->r[i], align, &at);

		if (room > best)
			best = room;
	}
	return best;
}

/* Removes [at, at+size) from region i, keeping the array sorted and free of empty entries. */
static void take(struct scratch *s, size_t i, uint64_t at, uint64_t size)
{
	struct mm_region *r = &s->r[i];
	uint64_t end = r->base + r->len;
	struct mm_region head = {r->base, at - r->base};
	struct mm_region tail = {at + size, end - (at + size)};

	ASSERT(at >= r->base && size <= end - at);
	if (head.len != 0 && tail.len != 0) {
		ASSERT(s->n < sizeof(s->r) / sizeof(s->r[0]));
		memmove(&s->r[i + 2], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
		s->r[i] = head;
		s->r[i + 1] = tail;
		s->n++;
	} else if (head.len != 0 || tail.len != 0) {
		s->r[i] = head.len != 0 ? head : tail;
	} else {
		memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
		s->n--;
	}
}

/*
 * A byte count for a message: KiB under 1 MiB, else MiB.  Requirements are
 * rounded up and availability down, so the text never understates a gap.
 */
static void fmt_amount(char *buf, size_t len, uint64_t v, bool up)
{
	uint64_t kib = up ? v / KIB + (v % KIB != 0) : v / KIB;

	if (kib < 1024)
		fmt_snprintf(buf, len, "%llu KiB", (unsigned long long)kib);
	else
		fmt_snprintf(buf, len, "%llu MiB",
		             (unsigned long long)(up ? v / MIB + (v % MIB != 0) : v / MIB));
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		fmt_snprintf(err, errlen, "%s", msg);
}

static void check_specs(const struct mm_part_spec *specs, size_t n)
{
	size_t rest = 0;

	ASSERT(n <= MM_LAYOUT_MAX_PARTS);
	for (size_t i = 0; i < n; i++) {
		const struct mm_part_spec *sp = &specs[i];

		ASSERT(sp->name != NULL && sp->descr != NULL);
		ASSERT(is_pow2(sp->align) && sp->align >= 4096);
		ASSERT(sp->sizing == MM_SIZE_FIXED || sp->sizing == MM_SIZE_FRACTION ||
		       sp->sizing == MM_SIZE_REST);
		ASSERT(sp->sizing != MM_SIZE_FRACTION || sp->permille <= 1000);
		if (sp->sizing == MM_SIZE_REST)
			rest++;
	}
	ASSERT(rest <= 1);
}

/* Sorted copy of the non-empty regions; -E2BIG when there are too many. */
static int load_regions(struct scratch *s, const struct mm_region *free, size_t nfree)
{
	s->n = 0;
	for (size_t i = 0; i < nfree; i++) {
		struct mm_region r = free[i];
		size_t j;

		if (r.len == 0)
			continue;
		ASSERT(r.base + r.len > r.base);
		if (s->n == MM_LAYOUT_MAX_REGIONS)
			return -E2BIG;
		for (j = s->n; j > 0 && s->r[j - 1].base > r.base; j--)
			s->r[j] = s->r[j - 1];
		s->r[j] = r;
		s->n++;
	}
	for (size_t i = 1; i < s->n; i++)
		ASSERT(s->r[i - 1].base + s->r[i - 1].len <= s->r[i].base);
	return 0;
}

/* Why a plan failed: the first partition that did not fit, and the state at that point. */
struct failure {
	size_t idx;         /* spec that did not fit */
	uint64_t need;      /* its size (REST: its minimum) */
	uint64_t largest;   /* the largest span it could have used */
	uint64_t unplaced;  /* its size plus that of every spec not yet placed */
	uint64_t free_left; /* all free bytes left at that point */
};

static uint64_t free_total(const struct scratch *s)
{
	uint64_t t = 0;

	for (size_t r = 0; r < s->n; r++)
		t = sat_add(t, s->r[r].len);
	return t;
}

/*
 * One planning pass over the regions already in s (consumed), with
 * ram_total for the FRACTION shares.  Returns 0 or -ENOMEM with *f filled.
 */
/* Each partition's size on this much RAM; returns the REST partition's
 * index, or n if there is none. */
static size_t plan_sizes(const struct mm_part_spec *specs, size_t n, uint64_t ram_total,
                         uint64_t *size)
{
	size_t rest = n;

	for (size_t i = 0; i < n; i++) {
		const struct mm_part_spec *sp = &specs[i];
		uint64_t want = sp->bytes;

		if (sp->sizing == MM_SIZE_FRACTION && share(ram_total, sp->permille) > want)
			want = share(ram_total, sp->permille);
		if (sp->sizing == MM_SIZE_REST) {
			rest = i;
			/* A REST partition of nothing would be useless: at least one unit. */
			if (want < sp->align)
				want = sp->align;
		}
		size[i] = round_up(want, sp->align);
	}
	return rest;
}

/* First fit for partition i in the free regions; false if none has room. */
static bool place_fixed(struct scratch *s, const struct mm_part_spec *sp, uint64_t size,
                        struct mm_place *out)
{
	out->base = 0;
	out->size = 0;
	if (size == 0)
		return true;
	for (size_t r = 0; r < s->n; r++) {
		uint64_t at;

		if (room_in(&s->r[r], sp->align, &at) >= size) {
			take(s, r, at, size);
			out->base = at;
			out->size = size;
			return true;
		}
	}
	return false;
}

/* The REST partition takes the largest free region whole, if it is at
 * least its floor; returns that region's room either way. */
static uint64_t place_rest(struct scratch *s, const struct mm_part_spec *sp, uint64_t floor,
                           struct mm_place *out)
{
	uint64_t best = 0, best_at = 0, at;
	size_t best_r = 0;

	for (size_t r = 0; r < s->n; r++) {
		uint64_t room = room_in(&s->r[r], sp->align, &at) & ~(sp->align - 1);

		if (room > best) {
			best = room;
			best_at = at;
			best_r = r;
		}
	}
	if (best >= floor) {
		take(s, best_r, best_at, best);
		out->base = best_at;
		out->size = best;
	}
	return best;
}

static int plan_once(const struct mm_part_spec *specs, size_t n, struct scratch *s,
                     uint64_t ram_total, struct mm_place *out, struct failure *f)
{
	uint64_t size[MM_LAYOUT_MAX_PARTS];
	size_t rest = plan_sizes(specs, n, ram_total, size);

	for (size_t i = 0; i < n; i++) {
		if (i == rest || place_fixed(s, &specs[i], size[i], &out[i]))
			continue;
		f->idx = i;
		f->need = size[i];
		f->largest = largest_room(s, specs[i].align);
		/* REST is placed last whatever its position, so it is still owed too. */
		f->unplaced = 0;
		for (size_t j = i; j < n; j++)
			f->unplaced = sat_add(f->unplaced, size[j]);
		if (rest < i)
			f->unplaced = sat_add(f->unplaced, size[rest]);
		f->free_left = free_total(s);
		return -ENOMEM;
	}
	if (rest == n)
		return 0;
	uint64_t best = place_rest(s, &specs[rest], size[rest], &out[rest]);
	if (best < size[rest]) {
		f->idx = rest;
		f->need = size[rest];
		f->largest = best;
		f->unplaced = size[rest];
		f->free_left = free_total(s);
		return -ENOMEM;
	}
	return 0;
}

/* Plans with extra bytes of RAM appended to the highest region. */
static bool fits_with(const struct mm_part_spec *specs, size_t n, const struct scratch *orig,
                      uint64_t ram_total, uint64_t extra, struct mm_place *out)
{
	struct scratch s = *orig;
	struct mm_region *top = &s.r[s.n - 1];
	struct failure f;

	if (top->base + top->len > UINT64_MAX - extra || ram_total > UINT64_MAX - extra)
		return false;
	top->len += extra;
	return plan_once(specs, n, &s, ram_total + extra, out, &f) == 0;
}

/*
 * How much more RAM would make the table fit; false if no amount does (the
 * FRACTION shares alone claim all of it, say).
 *
 * The lower bound is what is still owed minus what is still free, and at
 * least the failing partition's own gap.  That ignores where new RAM appears
 * and that FRACTION shares grow with it, so re-plan with the highest region
 * extended -- which is where QEMU's -m, for one, adds memory -- and search
 * for the least extension, in pages, that works.  First-fit is not strictly
 * monotonic in the RAM size (a bigger share can shift what follows), so the
 * figure returned is always one that was tried and worked.  *kib_only is set
 * when rounding up to whole MiB for display would not work.
 */
static bool estimate_more(const struct mm_part_spec *specs, size_t n, const struct scratch *orig,
                          uint64_t ram_total, const struct failure *f, struct mm_place *out,
                          uint64_t *more_out, bool *kib_only)
{
	uint64_t more = f->need > f->largest ? f->need - f->largest : 0;
	uint64_t lo = 0, hi;

	*kib_only = false;
	if (f->unplaced > f->free_left && f->unplaced - f->free_left > more)
		more = f->unplaced - f->free_left;
	*more_out = more;
	if (orig->n == 0)
		return true; /* nothing to grow: the bound is all there is */

	hi = round_up(more, 4096);
	while (!fits_with(specs, n, orig, ram_total, hi, out)) {
		if (hi >= (1ull << 50))
			return false;
		lo = hi;
		hi = hi == 0 ? 4096 : hi * 2;
	}
	while (hi - lo > 4096) {
		uint64_t mid = (lo + (hi - lo) / 2) & ~4095ull;

		if (mid <= lo)
			break;
		if (fits_with(specs, n, orig, ram_total, mid, out))
			hi = mid;
		else
			lo = mid;
	}
	*more_out = hi;
	if (hi < MIB || hi % MIB == 0)
		return true;
	for (uint64_t v = round_up(hi, MIB), tries = 0; tries < 8; v += MIB, tries++) {
		if (fits_with(specs, n, orig, ram_total, v, out)) {
			*more_out = v;
			return true;
		}
	}
	*kib_only = true;
	return true;
}

int mm_layout_plan(const struct mm_part_spec *specs, size_t n, const struct mm_region *free,
                   size_t nfree, uint64_t ram_total, struct mm_place *out, char *err, size_t errlen)
{
	struct scratch orig, s;
	struct failure f;
	const struct mm_part_spec *sp;
	char more_s[32], need_s[32], amount_s[32], left_s[64];
	uint64_t more;
	bool helps, kib_only;

	ASSERT(specs != NULL || n == 0);
	ASSERT(out != NULL || n == 0);
	ASSERT(free != NULL || nfree == 0);
	check_specs(specs, n);
	set_err(err, errlen, "");

	if (load_regions(&orig, free, nfree) != 0) {
		if (err != NULL && errlen > 0)
			fmt_snprintf(err, errlen,
			             "the memory map has too many usable regions (the limit is %d)",
			             MM_LAYOUT_MAX_REGIONS);
		return -E2BIG;
	}
	s = orig;
	if (plan_once(specs, n, &s, ram_total, out, &f) == 0)
		return 0;

	if (err == NULL || errlen == 0)
		return -ENOMEM;
	sp = &specs[f.idx];
	helps = estimate_more(specs, n, &orig, ram_total, &f, out, &more, &kib_only);
	if (kib_only)
		fmt_snprintf(more_s, sizeof(more_s), "%llu KiB", (unsigned long long)(more / KIB));
	else
		fmt_amount(more_s, sizeof(more_s), more, true);
	fmt_amount(need_s, sizeof(need_s), f.need, true);
	if (f.largest == 0) {
		fmt_snprintf(left_s, sizeof(left_s), "%s", "no free memory is left");
	} else {
		fmt_amount(amount_s, sizeof(amount_s), f.largest, false);
		fmt_snprintf(left_s, sizeof(left_s), "the largest free block left is %s", amount_s);
	}
	if (helps)
		fmt_snprintf(err, errlen, "need %s more for %s (it needs %s%s; %s)", more_s,
		             sp->descr, sp->sizing == MM_SIZE_REST ? "at least " : "", need_s,
		             left_s);
	else
		fmt_snprintf(err, errlen,
		             "%s does not fit (it needs %s%s; %s), and no amount of added RAM "
		             "would make this table fit",
		             sp->descr, sp->sizing == MM_SIZE_REST ? "at least " : "", need_s,
		             left_s);
	return -ENOMEM;
}
