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
#include "blk/iscsi/connect.h"


/*
 * Log in, probe the LUN (TEST UNIT READY, INQUIRY, READ CAPACITY), start the
 * engine and return the block device.  0, or -errno after printing what
 * failed and what to do.  Thread context (sleeps).  Once per boot.
 */
int iscsi_session_open(const struct iscsi_cfg *cfg, struct blk_dev **out);

/* Print session counters (commands, PDUs, recoveries, errors).  Any thread. */
void iscsi_session_dump(void);

#endif
