/*
 * The iSCSI session engine: one session, one connection, ErrorRecoveryLevel
 * 0, serving one LUN as a block device (blk/blk.h).
 *
 * Threads.  An engine thread sends (commands, Data-Out for R2Ts, NOP-Outs,
 * task management), watches timers and runs recovery; a receive thread
 * reads PDUs and lands Data-In straight in the caller's buffer (the one copy
 * from the network buffer).  Both are kernel threads; callers only submit.
 *
 * Memory.  Everything comes from the storage partition at open: the session,
 * QUEUE_DEPTH tasks, PDU header buffers, the login and text buffers.  Nothing
 * is allocated afterwards; Data-Out payload is sent from the caller's buffer
 * without a copy.
 *
 * Recovery.  When the connection drops or stops answering NOP-Outs, the
 * engine logs in again with the same ISID (reinstating the session), waiting
 * DefaultTime2Wait and backing off, and reissues every outstanding command
 * in its original order.  Requests fail only after the replacement timeout.
 */
#ifndef BLK_ISCSI_SESSION_H
#define BLK_ISCSI_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "blk/blk.h"
#include "blk/iscsi/login.h"

struct iscsi_cfg {
	char portal[64]; /* IPv4 dotted quad */
	uint16_t port;
	char target[ISCSI_NAME_MAX + 1]; /* "" for a discovery session */
	uint32_t lun;
	char initiator[ISCSI_NAME_MAX + 1];
	uint8_t isid[6];
	char chap_user[ISCSI_NAME_MAX + 1]; /* "" = no CHAP */
	char chap_secret[ISCSI_SECRET_MAX + 1];
	char mutual_user[ISCSI_NAME_MAX + 1];
	char mutual_secret[ISCSI_SECRET_MAX + 1]; /* "" = one-way only */
	uint8_t header_digest, data_digest;       /* enum iscsi_digest offers */
	uint64_t replacement_timeout_ns;          /* fail I/O after the link is down this long */
	uint64_t cmd_timeout_ns;                  /* abort a command after this */
	uint64_t nop_interval_ns, nop_timeout_ns; /* keepalive */
	uint64_t login_timeout_ns;                /* the first login, before giving up */
};

/*
 * Log in, probe the LUN (TEST UNIT READY, INQUIRY, READ CAPACITY), start the
 * engine and return the block device.  0, or -errno after printing what
 * failed and what to do.  Thread context (sleeps).  Once per boot.
 */
int iscsi_session_open(const struct iscsi_cfg *cfg, struct blk_dev **out);

/*
 * SendTargets discovery on cfg's portal: up to max target names into names.
 * Returns how many the target listed (may exceed max), or -errno.
 */
int iscsi_discover(const struct iscsi_cfg *cfg, char (*names)[ISCSI_NAME_MAX + 1], unsigned max);

/* Print session counters (commands, PDUs, recoveries, errors).  Any thread. */
void iscsi_session_dump(void);

#endif
