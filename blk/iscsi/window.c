/* A session's sequence numbers, replay order and timers, as pure arithmetic. */
#include "blk/iscsi/window.h"

#define NSEC_PER_S   1000000000ull
#define BACKOFF_MAX  (16 * NSEC_PER_S)
#define WAKEUP_EVERY NSEC_PER_S
#define WAKEUP_MIN   1000000ull /* 1 ms: a deadline already passed is looked at soon */

void iscsi_window_update(struct iscsi_window *w, uint32_t expcmdsn, uint32_t maxcmdsn,
                         uint32_t statsn, enum iscsi_statsn mode)
{
	if (!iscsi_sn_lt(maxcmdsn, expcmdsn - 1)) {
		if (iscsi_sn_lt(w->expcmdsn, expcmdsn))
			w->expcmdsn = expcmdsn;
		if (iscsi_sn_lt(w->maxcmdsn, maxcmdsn))
			w->maxcmdsn = maxcmdsn;
	}
	if (mode == ISCSI_STATSN_NONE)
		return;
	uint32_t next = mode == ISCSI_STATSN_ADVANCE ? statsn + 1 : statsn;
	if (iscsi_sn_lt(w->expstatsn, next))
		w->expstatsn = next;
}

bool iscsi_window_open(const struct iscsi_window *w)
{
	return iscsi_sn_le(w->cmdsn, w->maxcmdsn);
}

size_t iscsi_oldest(size_t n, bool (*eligible)(size_t i, const void *ctx),
                    uint64_t (*seq)(size_t i, const void *ctx), const void *ctx)
{
	size_t best = n;
	uint64_t best_seq = 0;
	for (size_t i = 0; i < n; i++) {
		if (!eligible(i, ctx))
			continue;
		uint64_t s = seq(i, ctx);
		if (best == n || s < best_seq) {
			best = i;
			best_seq = s;
		}
	}
	return best;
}

bool iscsi_nop_due(uint64_t now, uint64_t last_rx, uint64_t interval)
{
	return interval && now - last_rx >= interval;
}

bool iscsi_nop_expired(uint64_t now, uint64_t sent, uint64_t timeout)
{
	return now - sent >= timeout;
}

uint64_t iscsi_next_wakeup(uint64_t now, uint64_t last_rx, uint64_t nop_interval)
{
	uint64_t t = now + WAKEUP_EVERY;
	if (nop_interval && last_rx + nop_interval < t)
		t = last_rx + nop_interval;
	return t > now ? t : now + WAKEUP_MIN;
}

uint64_t iscsi_backoff(uint64_t wait)
{
	return wait < BACKOFF_MAX ? wait * 2 : wait;
}

uint64_t iscsi_first_wait(uint32_t time2wait_s)
{
	return (uint64_t)(time2wait_s ? time2wait_s : 1) * NSEC_PER_S;
}
