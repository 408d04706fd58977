/* Unit tests for blk/iscsi/window: serial numbers, the command window,
 * replay order and the session's timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/window.h"

#define S 1000000000ull

static void test_serial_numbers(void **state)
{
	(void)state;
	assert_true(iscsi_sn_lt(1, 2));
	assert_false(iscsi_sn_lt(2, 2));
	assert_true(iscsi_sn_le(2, 2));
	/* across the wrap: 0xffffffff comes before 0 and 5 */
	assert_true(iscsi_sn_lt(0xffffffffu, 0));
	assert_true(iscsi_sn_lt(0xfffffff0u, 5));
	assert_false(iscsi_sn_lt(5, 0xfffffff0u));
	/* half the space apart is "before" one way only */
	assert_true(iscsi_sn_lt(0, 0x7fffffffu));
	assert_false(iscsi_sn_lt(0x7fffffffu, 0));
}

static void test_window_moves_forward_only(void **state)
{
	(void)state;
	struct iscsi_window w = {.cmdsn = 10, .expcmdsn = 10, .maxcmdsn = 10, .expstatsn = 100};
	assert_true(iscsi_window_open(&w));
	w.cmdsn = 11;
	assert_false(iscsi_window_open(&w)); /* CmdSN past MaxCmdSN: wait */
	iscsi_window_update(&w, 11, 42, 100, ISCSI_STATSN_ADVANCE);
	assert_int_equal(w.expcmdsn, 11);
	assert_int_equal(w.maxcmdsn, 42);
	assert_int_equal(w.expstatsn, 101);
	assert_true(iscsi_window_open(&w));
	/* a late PDU with older numbers moves nothing back */
	iscsi_window_update(&w, 9, 20, 50, ISCSI_STATSN_ADVANCE);
	assert_int_equal(w.expcmdsn, 11);
	assert_int_equal(w.maxcmdsn, 42);
	assert_int_equal(w.expstatsn, 101);
	/* PEEK does not take a StatSN; NONE ignores it */
	iscsi_window_update(&w, 11, 42, 104, ISCSI_STATSN_PEEK);
	assert_int_equal(w.expstatsn, 104);
	iscsi_window_update(&w, 11, 42, 500, ISCSI_STATSN_NONE);
	assert_int_equal(w.expstatsn, 104);
	/* MaxCmdSN < ExpCmdSN - 1: the window fields say nothing this time */
	iscsi_window_update(&w, 30, 20, 104, ISCSI_STATSN_NONE);
	assert_int_equal(w.expcmdsn, 11);
	assert_int_equal(w.maxcmdsn, 42);
	/* MaxCmdSN = ExpCmdSN - 1 is a closed window, and it is taken */
	iscsi_window_update(&w, 43, 42, 104, ISCSI_STATSN_NONE);
	assert_int_equal(w.expcmdsn, 43);
	w.cmdsn = 43;
	assert_false(iscsi_window_open(&w));
}

static void test_window_across_the_wrap(void **state)
{
	(void)state;
	struct iscsi_window w = {.cmdsn = 0xfffffffeu, .expcmdsn = 0xfffffffeu,
	                         .maxcmdsn = 0xfffffffeu, .expstatsn = 0xffffffffu};
	iscsi_window_update(&w, 0xffffffffu, 30, 0xffffffffu, ISCSI_STATSN_ADVANCE);
	assert_int_equal(w.maxcmdsn, 30);
	assert_int_equal(w.expcmdsn, 0xffffffffu);
	assert_int_equal(w.expstatsn, 0);
	w.cmdsn = 5;
	assert_true(iscsi_window_open(&w));
}

struct fake {
	uint64_t seq[8];
	bool queued[8];
};

static bool fake_eligible(size_t i, const void *ctx)
{
	return ((const struct fake *)ctx)->queued[i];
}

static uint64_t fake_seq(size_t i, const void *ctx)
{
	return ((const struct fake *)ctx)->seq[i];
}

static void test_replay_keeps_issue_order(void **state)
{
	(void)state;
	/* tasks land in slots in any order; after a recovery all are queued again */
	struct fake f = {.seq = {7, 3, 9, 1, 8, 2, 6, 5}};
	for (int i = 0; i < 8; i++)
		f.queued[i] = i != 2 && i != 6; /* those two had completed */
	uint64_t sent[8];
	int n = 0;
	for (;;) {
		size_t i = iscsi_oldest(8, fake_eligible, fake_seq, &f);
		if (i == 8)
			break;
		sent[n++] = f.seq[i];
		f.queued[i] = false;
	}
	assert_int_equal(n, 6);
	static const uint64_t want[] = {1, 2, 3, 5, 7, 8};
	for (int i = 0; i < n; i++)
		assert_int_equal(sent[i], want[i]);
	/* nothing eligible: n */
	assert_int_equal(iscsi_oldest(8, fake_eligible, fake_seq, &f), 8);
	assert_int_equal(iscsi_oldest(0, fake_eligible, fake_seq, &f), 0);
}

static void test_timers(void **state)
{
	(void)state;
	/* keepalive: due after interval of quiet, never with interval 0 */
	assert_false(iscsi_nop_due(14 * S, 10 * S, 5 * S));
	assert_true(iscsi_nop_due(15 * S, 10 * S, 5 * S));
	assert_false(iscsi_nop_due(1000 * S, 0, 0));
	assert_false(iscsi_nop_expired(19 * S, 10 * S, 10 * S));
	assert_true(iscsi_nop_expired(20 * S, 10 * S, 10 * S));
	/* wake-ups: at the keepalive if sooner than a second, never in the past */
	assert_int_equal(iscsi_next_wakeup(10 * S, 10 * S, 0), 11 * S);
	assert_int_equal(iscsi_next_wakeup(10 * S, 9 * S, 1500000000ull), 10500000000ull);
	assert_int_equal(iscsi_next_wakeup(10 * S, 1 * S, 5 * S), 10 * S + 1000000);
	/* reconnect waits: Time2Wait (at least 1 s), doubling while below 16 s */
	assert_int_equal(iscsi_backoff(10 * S), 20 * S);
	assert_int_equal(iscsi_backoff(20 * S), 20 * S);
	uint64_t w = iscsi_first_wait(0);
	assert_int_equal(w, 1 * S);
	assert_int_equal(iscsi_first_wait(2), 2 * S);
	uint64_t seen[8];
	for (int i = 0; i < 8; i++) {
		seen[i] = w;
		w = iscsi_backoff(w);
	}
	static const uint64_t want[] = {1, 2, 4, 8, 16, 16, 16, 16};
	for (int i = 0; i < 8; i++)
		assert_int_equal(seen[i], want[i] * S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_serial_numbers),
	    cmocka_unit_test(test_window_moves_forward_only),
	    cmocka_unit_test(test_window_across_the_wrap),
	    cmocka_unit_test(test_replay_keeps_issue_order),
	    cmocka_unit_test(test_timers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
