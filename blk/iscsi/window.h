/*
 * The arithmetic of a session, apart from the session: serial-number
 * comparison (RFC 1982, as RFC 7143 §4.2.2.1 asks), the command window the
 * target grants (CmdSN, ExpCmdSN, MaxCmdSN) and the status we expect
 * (ExpStatSN), the order in which commands are replayed after a recovery,
 * and the keepalive and retry timers.  Pure: no locks, no clock of its own
 * (callers pass now), any context.  Host unit tests: tests/unit/test_iscsi_window.c.
 */
#ifndef BLK_ISCSI_WINDOW_H
#define BLK_ISCSI_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a < b and a <= b in 32-bit serial-number arithmetic. */
static inline bool iscsi_sn_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool iscsi_sn_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

struct iscsi_window {
	uint32_t cmdsn;     /* the next command's CmdSN */
	uint32_t expcmdsn;  /* the target has every command below this */
	uint32_t maxcmdsn;  /* and takes commands up to this one */
	uint32_t expstatsn; /* the next status we expect */
};

/* What a PDU's StatSN field means for ExpStatSN. */
enum iscsi_statsn {
	ISCSI_STATSN_NONE,    /* the PDU carries none (Data-In without status) */
	ISCSI_STATSN_PEEK,    /* it repeats the next StatSN without taking one (R2T, NOP-In ping) */
	ISCSI_STATSN_ADVANCE, /* it takes one: we expect the next */
};

/*
 * Take in a PDU's ExpCmdSN, MaxCmdSN and StatSN.  The window only moves
 * forward; MaxCmdSN < ExpCmdSN - 1 means the target says nothing about it
 * this time (RFC 7143 §4.2.2.1), so both are ignored.
 */
void iscsi_window_update(struct iscsi_window *w, uint32_t expcmdsn, uint32_t maxcmdsn,
                         uint32_t statsn, enum iscsi_statsn mode);

/* May a non-immediate command go now? (CmdSN within MaxCmdSN.) */
bool iscsi_window_open(const struct iscsi_window *w);

/*
 * Replay order.  Commands carry their issue sequence number (a 64-bit count
 * that never wraps) through recoveries; the next one to send is the lowest
 * among those eligible, so after a reconnect the target sees them in their
 * original order.  seq(i) and eligible(i) describe entry i of n; returns the
 * chosen index, or n if none is eligible.
 */
size_t iscsi_oldest(size_t n, bool (*eligible)(size_t i, const void *ctx),
                    uint64_t (*seq)(size_t i, const void *ctx), const void *ctx);

/* ---- timers (nanoseconds) ---- */

/* A NOP-Out keepalive is due: the link has been quiet for interval (0: never). */
bool iscsi_nop_due(uint64_t now, uint64_t last_rx, uint64_t interval);

/* The NOP-Out sent at sent has had its timeout without an answer. */
bool iscsi_nop_expired(uint64_t now, uint64_t sent, uint64_t timeout);

/* When the engine must look at its timers again: at the next keepalive, and
 * at least once a second; never in the past. */
uint64_t iscsi_next_wakeup(uint64_t now, uint64_t last_rx, uint64_t nop_interval);

/* The next wait between reconnect attempts: doubled while below 16 s; the
 * first is DefaultTime2Wait (at least 1 s). */
uint64_t iscsi_backoff(uint64_t wait);
uint64_t iscsi_first_wait(uint32_t time2wait_s);

#endif
