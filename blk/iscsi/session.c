/*
 * iSCSI session engine (RFC 7143, ErrorRecoveryLevel 0, one connection):
 * command windowing by CmdSN, immediate and unsolicited data, R2T-driven
 * Data-Out, Data-In into the caller's buffer, NOP keepalive, task
 * management on timeouts, sense handling, and session reinstatement with
 * command replay when the connection is lost.  The PDU, login and SCSI
 * codecs it drives are pure modules beside it; TCP is net/sock.h.
 */
#include <errno.h>
#include <string.h>

#include "blk/iscsi/session.h"
#include "blk/iscsi/connect.h"
#include "lib/crc32c.h"
#include "blk/iscsi/pdu.h"
#include "blk/iscsi/text.h"
#include "blk/iscsi/window.h"
#include "blk/scsi.h"
#include "kernel/assert.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "net/sock.h"

#define HDR_BUFS       (NET_SENDS_MAX + 4)
#define UA_RETRIES     8
#define ABORT_RETRIES  3
#define TMF_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define ITT_NOP        0x7fffffffu /* our keepalive ping */
#define ITT_TMF        0x7ffffffeu
#define ITT_LOGOUT     0x7ffffffdu

enum tstate { TS_FREE, TS_QUEUED, TS_SENT, TS_DONE };

struct task {
	enum tstate state;
	uint32_t itt; /* index in the low byte, generation above: stale PDUs never match */
	uint64_t seq; /* issue order, kept across replays */
	/* what to do */
	struct blk_req *req;   /* a block request, or */
	struct iscsi_cmd *cmd; /* an internal command */
	uint8_t cdb[SCSI_CDB_MAX];
	bool write, read;
	uint8_t *buf;
	uint32_t xfer;
	/* progress on the current connection */
	uint32_t cmdsn;
	uint32_t got;   /* Data-In bytes */
	uint32_t unsol; /* immediate + unsolicited bytes sent */
	uint32_t unsol_target;
	bool r2t_active;
	uint32_t r2t_ttt, r2t_off, r2t_left, r2t_datasn;
	uint32_t unsol_datasn;
	int rx_busy;    /* the receive thread is writing into buf */
	int tx_pending; /* net sends that still reference buf (irq-protected) */
	bool rsp;
	uint8_t status;
	int err;
	uint64_t deadline;
	int ua_retries, aborts;
	struct task *next; /* send queue */
};

/* An internal command (bring-up probing): CDB, buffer, result. */
struct iscsi_cmd {
	uint8_t cdb[SCSI_CDB_MAX];
	void *buf;
	uint32_t len;
	bool write;
	bool lun0; /* address LUN 0 (REPORT LUNS), not the configured LUN */
	struct sem done;
	int err;
	uint8_t status;
	struct scsi_sense sense;
	bool has_sense;
	struct iscsi_cmd *next;
};

struct session;

/* A PDU header in flight: net_send()'s done callback gets it back, and with
 * it the session it belongs to. */
struct hdrbuf {
	uint8_t h[ISCSI_BHS_LEN + ISCSI_DIGEST_LEN];
	uint8_t tail[3 + ISCSI_DIGEST_LEN];
	struct session *s;
	struct task *task;
	struct hdrbuf *next;
};

struct session {
	struct iscsi_cfg cfg;
	struct blk_dev dev;
	struct mutex lock;
	struct sem wake; /* the engine's doorbell */
	struct thread *engine, *rx;

	/* connection */
	struct net_conn *conn;
	volatile int conn_err; /* first failure seen on this connection */
	bool up;
	uint16_t tsih;
	struct iscsi_params p; /* negotiated */
	bool hd, dd;
	struct iscsi_window w; /* CmdSN window and ExpStatSN */
	uint64_t last_rx_ns, nop_sent_ns;
	bool nop_outstanding;
	uint64_t down_since;
	unsigned reconnects;

	/* pending NOP-In pings to answer */
	uint32_t ping_ttt[4];
	unsigned npings;

	/* task management in flight */
	struct task *tmf_task;
	uint8_t tmf_func;
	uint64_t tmf_deadline;

	struct task tasks[ISCSI_QUEUE_DEPTH];
	uint32_t gen;
	uint64_t seq;
	struct blk_req *subq_head, *subq_tail; /* block requests not yet in a task */
	struct iscsi_cmd *cmdq;                /* internal commands not yet in a task */
	struct hdrbuf hdrs[HDR_BUFS];
	struct hdrbuf *free_hdrs;
	uint8_t *scratch;  /* ISCSI_RX_SCRATCH */
	uint8_t *loginbuf; /* ISCSI_CONNECT_BUF: text in and out during login */
	uint8_t *loginrx;

	/* shutdown */
	bool closing, logout_sent;
	struct sem closed;

	/* counters */
	uint64_t cmds, pdus_in, pdus_out, r2ts, data_out_pdus, nops, recoveries, aborts, resets;
	uint64_t ua_seen, digest_errors;
};

static struct session *sess; /* the one session: for iscsi_session_dump() and one open per boot */

/* ------------------------------------------------------------ helpers */

static void conn_fail(struct session *s, int err, const char *why)
{
	uint64_t fl = irq_save();
	bool first = !s->conn_err;
	if (first)
		s->conn_err = err ? err : -EIO;
	irq_restore(fl);
	if (first && s->up)
		pr_warn("iscsi: connection to %s:%u lost: %s (error %d); recovering\n",
		        s->cfg.portal, s->cfg.port, why, err);
	sem_up(&s->wake);
}

static struct task *task_by_itt(struct session *s, uint32_t itt)
{
	struct task *t = &s->tasks[itt & 0xFF];
	if ((itt & 0xFF) >= ISCSI_QUEUE_DEPTH || t->state == TS_FREE || t->itt != itt)
		return 0;
	return t;
}

static void update_sn(struct session *s, const struct iscsi_pdu *p, enum iscsi_statsn mode)
{
	iscsi_window_update(&s->w, p->expcmdsn, p->maxcmdsn, p->statsn, mode);
}

/* ------------------------------------------------------------ sending */

static void send_done(void *arg, int err)
{
	struct hdrbuf *hb = arg;
	struct session *s = hb->s;
	uint64_t fl = irq_save();
	if (hb->task)
		hb->task->tx_pending--;
	hb->task = 0;
	hb->next = s->free_hdrs;
	s->free_hdrs = hb;
	irq_restore(fl);
	if (err)
		conn_fail(s, err, "send failed");
	else
		sem_up(&s->wake);
}

/*
 * Send one PDU: header (+digest) from a header buffer, data (if any) from the
 * caller without a copy, then padding (+digest).  0, -EAGAIN (no header
 * buffer or net queue full: try again after a completion), or -errno.
 */
static int send_pdu(struct session *s, struct iscsi_pdu *p, const void *data, struct task *t)
{
	uint64_t fl = irq_save();
	struct hdrbuf *hb = s->free_hdrs;
	if (hb)
		s->free_hdrs = hb->next;
	irq_restore(fl);
	if (!hb)
		return -EAGAIN;
	int rc = iscsi_pdu_encode(p, hb->h);
	ASSERT(rc == 0);
	struct net_iov iov[3];
	unsigned n = 0;
	iov[n++] = (struct net_iov){hb->h, ISCSI_BHS_LEN + (s->hd ? ISCSI_DIGEST_LEN : 0)};
	if (s->hd)
		iscsi_pdu_put_hdr_digest(hb->h, ISCSI_BHS_LEN, hb->h + ISCSI_BHS_LEN);
	if (p->data_len) {
		uint32_t pad = iscsi_pdu_pad(p->data_len);
		iov[n++] = (struct net_iov){data, p->data_len};
		memset(hb->tail, 0, pad);
		if (s->dd)
			iscsi_pdu_put_data_digest(data, p->data_len, hb->tail + pad);
		uint32_t tl = pad + (s->dd ? ISCSI_DIGEST_LEN : 0);
		if (tl)
			iov[n++] = (struct net_iov){hb->tail, tl};
	}
	hb->task = t;
	fl = irq_save();
	if (t)
		t->tx_pending++;
	irq_restore(fl);
	rc = net_send(s->conn, iov, n, send_done, hb);
	if (rc) {
		fl = irq_save();
		if (t)
			t->tx_pending--;
		hb->task = 0;
		hb->next = s->free_hdrs;
		s->free_hdrs = hb;
		irq_restore(fl);
		if (rc != -EAGAIN)
			conn_fail(s, rc, "send refused");
		return rc;
	}
	s->pdus_out++;
	return 0;
}

/* ------------------------------------------------------------ completion */

static void task_free(struct session *s, struct task *t)
{
	(void)s;
	t->state = TS_FREE;
	t->req = 0;
	t->cmd = 0;
}

static int status_to_err(struct session *s, struct task *t, const uint8_t *data, uint32_t len,
                         struct scsi_sense *sense, bool *has_sense, bool *retry)
{
	*has_sense = false;
	*retry = false;
	if (t->status == SCSI_STATUS_GOOD)
		return 0;
	const uint8_t *sb;
	uint32_t sl;
	if (t->status == SCSI_STATUS_CHECK_CONDITION && iscsi_pdu_sense(data, len, &sb, &sl) == 0 &&
	    sl && scsi_parse_sense(sb, sl, sense) == 0) {
		*has_sense = true;
		if (sense->key == SCSI_SK_UNIT_ATTENTION) {
			s->ua_seen++;
			*retry = t->ua_retries++ < UA_RETRIES;
		}
		return scsi_sense_errno(sense);
	}
	if (t->status == SCSI_STATUS_BUSY || t->status == SCSI_STATUS_TASK_SET_FULL) {
		*retry = t->ua_retries++ < UA_RETRIES;
		return -EBUSY;
	}
	return scsi_status_errno(t->status);
}

/* Finish t if its response is in and no send still uses its buffer.  Lock held;
 * block completions are returned through *done_req so they run unlocked. */
static void task_try_finish(struct session *s, struct task *t, struct blk_req **done_list)
{
	if (t->state != TS_DONE || t->tx_pending || t->rx_busy)
		return;
	if (t->req) {
		t->req->bnext = *done_list;
		*done_list = t->req;
		t->req->berr = t->err;
	} else if (t->cmd) {
		t->cmd->err = t->err;
		sem_up(&t->cmd->done);
	}
	task_free(s, t);
}

static void run_completions(struct blk_req *list)
{
	while (list) {
		struct blk_req *r = list;
		list = r->bnext;
		blk_complete(r, r->berr);
	}
}

/* Put t back in the send queue for a fresh attempt (new ITT, data from the start). */
static void task_requeue(struct session *s, struct task *t)
{
	t->state = TS_QUEUED;
	t->rsp = false;
	t->got = t->unsol = 0;
	t->unsol_datasn = 0;
	t->r2t_active = false;
	t->err = 0;
	t->itt = (uint32_t)(t - s->tasks) | (++s->gen << 8);
	t->itt &= 0x7fffffffu;
	t->deadline = 0;
}

/* ------------------------------------------------------------ receiving */

static int recv_exact(struct session *s, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		long n = net_recv(s->conn, p, len, 0);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : (int)n;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_discard(struct session *s, uint32_t len)
{
	while (len) {
		uint32_t n = len < ISCSI_RX_SCRATCH ? len : ISCSI_RX_SCRATCH;
		int rc = recv_exact(s, s->scratch, n);
		if (rc)
			return rc;
		len -= n;
	}
	return 0;
}

/* Receive a data segment + padding + digest into buf (which has room for the padding). */
static int recv_segment(struct session *s, uint8_t *buf, uint32_t len)
{
	uint32_t pad = iscsi_pdu_pad(len);
	int rc = recv_exact(s, buf, len + pad);
	if (rc || !s->dd || !len)
		return rc;
	uint8_t dg[ISCSI_DIGEST_LEN];
	rc = recv_exact(s, dg, sizeof(dg));
	if (rc)
		return rc;
	if (iscsi_pdu_check_data_digest(buf, len, dg)) {
		s->digest_errors++;
		return -EBADMSG;
	}
	return 0;
}

static int rx_data_in(struct session *s, const struct iscsi_pdu *p)
{
	mutex_lock(&s->lock);
	struct task *t = task_by_itt(s, p->itt);
	bool ok = t && t->state == TS_SENT && t->read && p->offset <= t->xfer &&
	          p->data_len <= t->xfer - p->offset;
	if (ok)
		t->rx_busy++;
	mutex_unlock(&s->lock);
	if (!ok) {
		if (!t)
			/* An aborted or replayed task's late data: drop it, keep the stream. */
			return recv_discard(s, p->data_len + iscsi_pdu_pad(p->data_len) +
			                           (s->dd && p->data_len ? ISCSI_DIGEST_LEN : 0));
		conn_fail(s, -EPROTO, "Data-In outside the command's buffer");
		return -EPROTO;
	}
	/* The one copy: from the network buffer straight into the caller's. */
	int rc = recv_exact(s, t->buf + p->offset, p->data_len);
	uint32_t pad = iscsi_pdu_pad(p->data_len);
	uint8_t tail[3 + ISCSI_DIGEST_LEN];
	if (!rc && (pad || (s->dd && p->data_len)))
		rc = recv_exact(s, tail, pad + (s->dd && p->data_len ? ISCSI_DIGEST_LEN : 0));
	if (!rc && s->dd && p->data_len) {
		uint32_t crc = crc32c(t->buf + p->offset, p->data_len);
		crc = crc32c_extend(crc, tail, pad);
		if (crc != crc32c_get(tail + pad)) {
			s->digest_errors++;
			rc = -EBADMSG;
		}
	}
	struct blk_req *done = 0;
	mutex_lock(&s->lock);
	t->rx_busy--;
	if (!rc) {
		t->got += p->data_len;
		update_sn(s, p, (p->flags & ISCSI_F_DATA_STATUS) ? ISCSI_STATSN_ADVANCE : ISCSI_STATSN_NONE);
		if (p->flags & ISCSI_F_DATA_STATUS) {
			t->status = p->status;
			t->rsp = true;
			t->state = TS_DONE;
			t->err = p->status == SCSI_STATUS_GOOD ? 0 : scsi_status_errno(p->status);
			/* A short block read is an error; short sense/inquiry data is normal. */
			if (!t->err && t->req && (p->flags & ISCSI_F_UNDERFLOW) && p->residual)
				t->err = -EIO;
		}
	}
	task_try_finish(s, t, &done);
	mutex_unlock(&s->lock);
	run_completions(done);
	if (rc == -EBADMSG)
		conn_fail(s, rc, "data digest mismatch on Data-In");
	return rc;
}

static void rx_scsi_response(struct session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	struct blk_req *done = 0;
	char msg[120];
	mutex_lock(&s->lock);
	update_sn(s, p, ISCSI_STATSN_ADVANCE);
	struct task *t = task_by_itt(s, p->itt);
	if (!t || t->state != TS_SENT) {
		mutex_unlock(&s->lock);
		return; /* a response for an aborted task */
	}
	t->status = p->status;
	t->rsp = true;
	if (p->response != 0) {
		t->err = -EIO; /* target failure */
		t->state = TS_DONE;
	} else {
		struct scsi_sense sense;
		bool has_sense, retry;
		t->err = status_to_err(s, t, data, p->data_len, &sense, &has_sense, &retry);
		if (retry) {
			task_requeue(s, t);
			mutex_unlock(&s->lock);
			sem_up(&s->wake);
			return;
		}
		if (t->err && has_sense) {
			scsi_sense_describe(&sense, msg, sizeof(msg));
			pr_err("iscsi: command %02x on LUN %u failed: %s\n", t->cdb[0], s->cfg.lun,
			       msg);
		}
		if (t->cmd) {
			t->cmd->status = p->status;
			t->cmd->has_sense = has_sense;
			if (has_sense)
				t->cmd->sense = sense;
		}
		if (!t->err && t->read && (p->flags & ISCSI_F_UNDERFLOW) && p->residual && t->req)
			t->err = -EIO;
		t->state = TS_DONE;
	}
	task_try_finish(s, t, &done);
	mutex_unlock(&s->lock);
	run_completions(done);
	sem_up(&s->wake);
}

static void rx_r2t(struct session *s, const struct iscsi_pdu *p)
{
	mutex_lock(&s->lock);
	update_sn(s, p, ISCSI_STATSN_PEEK);
	struct task *t = task_by_itt(s, p->itt);
	if (!t || t->state != TS_SENT || !t->write || p->offset > t->xfer ||
	    p->xfer_len > t->xfer - p->offset || p->xfer_len == 0) {
		mutex_unlock(&s->lock);
		if (t)
			conn_fail(s, -EPROTO, "R2T outside the command's data");
		return;
	}
	s->r2ts++;
	t->r2t_active = true;
	t->r2t_ttt = p->ttt;
	t->r2t_off = p->offset;
	t->r2t_left = p->xfer_len;
	t->r2t_datasn = 0;
	mutex_unlock(&s->lock);
	sem_up(&s->wake);
}

static void rx_nop_in(struct session *s, const struct iscsi_pdu *p)
{
	mutex_lock(&s->lock);
	update_sn(s, p, p->itt != ISCSI_TAG_RESERVED ? ISCSI_STATSN_ADVANCE : ISCSI_STATSN_PEEK);
	if (p->itt == ITT_NOP)
		s->nop_outstanding = false;
	if (p->ttt != ISCSI_TAG_RESERVED && s->npings < 4)
		s->ping_ttt[s->npings++] = p->ttt; /* the target pings: answer */
	mutex_unlock(&s->lock);
	sem_up(&s->wake);
}

static void rx_tmf_response(struct session *s, const struct iscsi_pdu *p)
{
	mutex_lock(&s->lock);
	update_sn(s, p, ISCSI_STATSN_ADVANCE);
	if (p->itt == ITT_TMF && s->tmf_func) {
		/* 0 complete, 1 task does not exist: either way the task is gone at the target. */
		bool ok = p->response == 0 || p->response == 1;
		pr_warn("iscsi: %s %s\n",
		        s->tmf_func == ISCSI_TMF_LUN_RESET ? "LUN reset" : "abort task",
		        ok ? "done; reissuing" : "refused");
		if (ok) {
			for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++) {
				struct task *t = &s->tasks[i];
				if (t->state == TS_SENT &&
				    (s->tmf_func == ISCSI_TMF_LUN_RESET || t == s->tmf_task))
					task_requeue(s, t);
			}
			s->tmf_func = 0;
		} else {
			s->tmf_deadline = 0; /* escalate at the next engine pass */
		}
	}
	mutex_unlock(&s->lock);
	sem_up(&s->wake);
}

static void rx_async(struct session *s, const struct iscsi_pdu *p)
{
	mutex_lock(&s->lock);
	update_sn(s, p, ISCSI_STATSN_ADVANCE);
	mutex_unlock(&s->lock);
	switch (p->async_event) {
	case ISCSI_ASYNC_LOGOUT_REQUEST:
	case ISCSI_ASYNC_DROP_CONNECTION:
	case ISCSI_ASYNC_DROP_ALL:
		conn_fail(s, -ECONNRESET, "the target asked us to log out");
		break;
	case ISCSI_ASYNC_RENEGOTIATE:
		conn_fail(s, -ECONNRESET, "the target asked to renegotiate");
		break;
	default:
		pr_info("iscsi: async event %u from the target\n", p->async_event);
		break;
	}
}

static void rx_reject(struct session *s, const struct iscsi_pdu *p, const uint8_t *data)
{
	struct iscsi_pdu rej;
	const char *why = 0;
	mutex_lock(&s->lock);
	update_sn(s, p, ISCSI_STATSN_ADVANCE);
	mutex_unlock(&s->lock);
	if (iscsi_pdu_rejected_header(data, p->data_len, &rej, &why) == 0)
		pr_err("iscsi: target rejected our %s (itt %#x): %s\n",
		       iscsi_pdu_opcode_name(rej.opcode), rej.itt,
		       iscsi_pdu_reject_reason(p->reason));
	else
		pr_err("iscsi: target sent a Reject (%s)\n", iscsi_pdu_reject_reason(p->reason));
	/* Under ERL 0 a rejected command never completes: start over on a new connection. */
	conn_fail(s, -EPROTO, "PDU rejected");
}

/* Hand a PDU (its data in s->scratch) to its handler; false when the
 * receive thread is done with this connection. */
static bool rx_dispatch(struct session *s, const struct iscsi_pdu *p)
{
	switch (p->opcode) {
	case ISCSI_OP_SCSI_RSP:
		rx_scsi_response(s, p, s->scratch);
		break;
	case ISCSI_OP_R2T:
		rx_r2t(s, p);
		break;
	case ISCSI_OP_NOP_IN:
		rx_nop_in(s, p);
		break;
	case ISCSI_OP_TMF_RSP:
		rx_tmf_response(s, p);
		break;
	case ISCSI_OP_ASYNC:
		rx_async(s, p);
		break;
	case ISCSI_OP_REJECT:
		rx_reject(s, p, s->scratch);
		break;
	case ISCSI_OP_LOGOUT_RSP:
		if (s->closing) {
			s->conn_err = -ECONNABORTED; /* no recovery: we asked for it */
			sem_up(&s->closed);
		} else {
			conn_fail(s, -ECONNRESET, "logged out");
		}
		return false;
	default:
		pr_err("iscsi: unexpected %s from the target\n", iscsi_pdu_opcode_name(p->opcode));
		conn_fail(s, -EPROTO, "unexpected PDU");
		return false;
	}
	return !s->conn_err;
}

static void rx_thread(void *arg)
{
	struct session *s = arg;
	uint8_t hdr[ISCSI_BHS_LEN + ISCSI_DIGEST_LEN];
	for (;;) {
		int rc = recv_exact(s, hdr, ISCSI_BHS_LEN + (s->hd ? ISCSI_DIGEST_LEN : 0));
		if (rc) {
			conn_fail(s, rc,
			          rc == -ECONNRESET ? "the target closed the connection"
			                            : "receive failed");
			return;
		}
		if (s->hd && iscsi_pdu_check_hdr_digest(hdr, ISCSI_BHS_LEN, hdr + ISCSI_BHS_LEN)) {
			s->digest_errors++;
			conn_fail(s, -EBADMSG, "header digest mismatch");
			return;
		}
		struct iscsi_pdu p;
		const char *why = "";
		if (iscsi_pdu_decode(hdr, ISCSI_FROM_TARGET, s->p.max_recv_dsl, &p, &why)) {
			pr_err("iscsi: malformed PDU from the target: %s\n", why);
			conn_fail(s, -EPROTO, "malformed PDU");
			return;
		}
		s->pdus_in++;
		s->last_rx_ns = clock_ns();
		if (p.ahs_len && (rc = recv_discard(s, p.ahs_len))) {
			conn_fail(s, rc, "receive failed");
			return;
		}
		if (p.opcode == ISCSI_OP_DATA_IN) {
			if (rx_data_in(s, &p))
				return;
			continue;
		}
		if (p.data_len > ISCSI_RX_SCRATCH - 4) {
			pr_err("iscsi: %s carries %u bytes of data; we accept %u\n",
			       iscsi_pdu_opcode_name(p.opcode), p.data_len, (unsigned)(ISCSI_RX_SCRATCH - 4));
			conn_fail(s, -EMSGSIZE, "oversized data segment");
			return;
		}
		if ((rc = recv_segment(s, s->scratch, p.data_len))) {
			conn_fail(s, rc,
			          rc == -EBADMSG ? "data digest mismatch" : "receive failed");
			return;
		}
		if (!rx_dispatch(s, &p))
			return;
		if (s->conn_err)
			return;
	}
}

/* ------------------------------------------------------------ the engine */

static int send_command(struct session *s, struct task *t)
{
	struct iscsi_pdu p = {.opcode = ISCSI_OP_SCSI_CMD};
	uint32_t imm = 0;
	p.flags = ISCSI_F_FINAL | ISCSI_ATTR_SIMPLE | (t->read ? ISCSI_F_CMD_READ : 0) |
	          (t->write ? ISCSI_F_CMD_WRITE : 0);
	scsi_lun_encode(t->cmd && t->cmd->lun0 ? 0 : s->cfg.lun, p.lun);
	p.itt = t->itt;
	p.exp_xfer_len = t->xfer;
	p.cmdsn = s->w.cmdsn;
	p.expstatsn = s->w.expstatsn;
	memcpy(p.cdb, t->cdb, sizeof(p.cdb));
	t->unsol_target = 0;
	if (t->write) {
		uint32_t first = s->p.initial_r2t ? 0 : s->p.first_burst;
		if (s->p.immediate_data) {
			imm = t->xfer < s->p.first_burst ? t->xfer : s->p.first_burst;
			if (imm > s->p.max_send_dsl)
				imm = s->p.max_send_dsl;
		}
		t->unsol_target = first > imm ? (t->xfer < first ? t->xfer : first) : imm;
		if (t->unsol_target > imm)
			p.flags &= (uint8_t)~ISCSI_F_FINAL; /* unsolicited Data-Out follows */
	}
	p.data_len = imm;
	int rc = send_pdu(s, &p, t->buf, t);
	if (rc)
		return rc;
	t->cmdsn = s->w.cmdsn++;
	t->unsol = imm;
	t->state = TS_SENT;
	t->deadline = clock_ns() + s->cfg.cmd_timeout_ns;
	s->cmds++;
	return 0;
}

/* Send the next Data-Out PDU of t: unsolicited first, then the current R2T. */
static int send_data_out(struct session *s, struct task *t)
{
	struct iscsi_pdu p = {.opcode = ISCSI_OP_DATA_OUT};
	uint32_t off, len, left;
	scsi_lun_encode(s->cfg.lun, p.lun);
	p.itt = t->itt;
	p.expstatsn = s->w.expstatsn;
	if (t->unsol < t->unsol_target) {
		off = t->unsol;
		left = t->unsol_target - t->unsol;
		p.ttt = ISCSI_TAG_RESERVED;
		/* Unsolicited Data-Out is one sequence of its own, numbered from 0. */
		p.datasn = t->unsol_datasn++;
	} else {
		off = t->r2t_off;
		left = t->r2t_left;
		p.ttt = t->r2t_ttt;
		p.datasn = t->r2t_datasn++;
	}
	len = left < s->p.max_send_dsl ? left : s->p.max_send_dsl;
	p.offset = off;
	p.data_len = len;
	if (len == left)
		p.flags = ISCSI_F_FINAL;
	bool unsol = t->unsol < t->unsol_target;
	int rc = send_pdu(s, &p, t->buf + off, t);
	if (rc) {
		if (unsol)
			t->unsol_datasn--;
		else
			t->r2t_datasn--;
		return rc;
	}
	s->data_out_pdus++;
	if (unsol) {
		t->unsol += len;
	} else {
		t->r2t_off += len;
		t->r2t_left -= len;
		if (!t->r2t_left)
			t->r2t_active = false;
	}
	return 0;
}

static int send_nop(struct session *s, uint32_t itt, uint32_t ttt)
{
	struct iscsi_pdu p = {
	    .opcode = ISCSI_OP_NOP_OUT, .immediate = true, .flags = ISCSI_F_FINAL};
	p.itt = itt;
	p.ttt = ttt;
	p.cmdsn = s->w.cmdsn;
	p.expstatsn = s->w.expstatsn;
	return send_pdu(s, &p, 0, 0);
}

static int send_tmf(struct session *s, uint8_t func, struct task *t)
{
	struct iscsi_pdu p = {.opcode = ISCSI_OP_TMF_REQ, .immediate = true};
	p.flags = ISCSI_F_FINAL | func;
	scsi_lun_encode(s->cfg.lun, p.lun);
	p.itt = ITT_TMF;
	p.ttt = t ? t->itt : ISCSI_TAG_RESERVED;
	p.cmdsn = s->w.cmdsn;
	p.expstatsn = s->w.expstatsn;
	p.refcmdsn = t ? t->cmdsn : 0;
	int rc = send_pdu(s, &p, 0, 0);
	if (!rc) {
		s->tmf_func = func;
		s->tmf_task = t;
		s->tmf_deadline = clock_ns() + TMF_TIMEOUT_NS;
		if (func == ISCSI_TMF_LUN_RESET)
			s->resets++;
		else
			s->aborts++;
	}
	return rc;
}

static int send_logout(struct session *s)
{
	struct iscsi_pdu p = {.opcode = ISCSI_OP_LOGOUT_REQ};
	p.flags = ISCSI_F_FINAL | ISCSI_LOGOUT_SESSION;
	p.itt = ITT_LOGOUT;
	p.cid = 1;
	p.cmdsn = s->w.cmdsn;
	p.expstatsn = s->w.expstatsn;
	int rc = send_pdu(s, &p, 0, 0);
	if (!rc)
		s->w.cmdsn++;
	return rc;
}

static struct task *task_alloc(struct session *s)
{
	for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++) {
		struct task *t = &s->tasks[i];
		if (t->state == TS_FREE) {
			memset(t, 0, sizeof(*t));
			t->seq = ++s->seq;
			task_requeue(s, t);
			return t;
		}
	}
	return 0;
}

/* Move waiting block requests and internal commands into free tasks. */
static void take_new_work(struct session *s)
{
	for (;;) {
		uint64_t fl = irq_save();
		struct iscsi_cmd *c = s->cmdq;
		struct blk_req *r = c ? 0 : s->subq_head;
		irq_restore(fl);
		if (!c && !r)
			return;
		struct task *t = task_alloc(s);
		if (!t)
			return;
		fl = irq_save();
		if (c) {
			s->cmdq = c->next;
		} else {
			s->subq_head = r->bnext;
			if (!s->subq_head)
				s->subq_tail = 0;
		}
		irq_restore(fl);
		if (c) {
			t->cmd = c;
			memcpy(t->cdb, c->cdb, sizeof(t->cdb));
			t->buf = c->buf;
			t->xfer = c->len;
			t->write = c->write && c->len;
			t->read = !c->write && c->len;
			continue;
		}
		t->req = r;
		t->buf = r->buf;
		int rc;
		if (r->op == BLK_FLUSH) {
			rc = scsi_cdb_sync_cache(t->cdb, 0, 0);
			t->xfer = 0;
		} else {
			t->xfer = r->nblocks * s->dev.info.block_size;
			t->write = r->op == BLK_WRITE;
			t->read = !t->write;
			rc = t->write ? scsi_cdb_write(t->cdb, r->lba, r->nblocks, false)
			              : scsi_cdb_read(t->cdb, r->lba, r->nblocks, false);
		}
		ASSERT(rc > 0);
	}
}

/* The oldest task (by issue order) in a given state, or NULL. */
struct pick {
	const struct session *s;
	enum tstate st;
};

static bool pick_state(size_t i, const void *ctx)
{
	const struct pick *k = ctx;
	return k->s->tasks[i].state == k->st;
}

static uint64_t task_seq(size_t i, const void *ctx)
{
	return ((const struct pick *)ctx)->s->tasks[i].seq;
}

/* The task in state st that was issued first: replays keep their order. */
static struct task *oldest(struct session *s, enum tstate st)
{
	struct pick k = {s, st};
	size_t i = iscsi_oldest(ISCSI_QUEUE_DEPTH, pick_state, task_seq, &k);
	return i < ISCSI_QUEUE_DEPTH ? &s->tasks[i] : 0;
}

/*
 * One pass of sending: answers to pings, Data-Out (it unblocks the target),
 * then new commands while the CmdSN window allows.  Stops at the first
 * -EAGAIN; a completion will wake us.  Lock held.
 */
static void pump(struct session *s)
{
	while (s->npings) {
		if (send_nop(s, ISCSI_TAG_RESERVED, s->ping_ttt[0]))
			return;
		s->npings--;
		memmove(s->ping_ttt, s->ping_ttt + 1, s->npings * sizeof(uint32_t));
	}
	bool progress = true;
	while (progress) {
		progress = false;
		for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++) {
			struct task *t = &s->tasks[i];
			if (t->state != TS_SENT || !t->write)
				continue;
			if (t->unsol < t->unsol_target || t->r2t_active) {
				if (send_data_out(s, t))
					return;
				progress = true;
			}
		}
	}
	take_new_work(s);
	for (;;) {
		if (!iscsi_window_open(&s->w))
			return; /* the target's window is full */
		struct task *t = oldest(s, TS_QUEUED);
		if (!t || send_command(s, t))
			return;
		while (t->unsol < t->unsol_target)
			if (send_data_out(s, t))
				return;
	}
}

static void check_timers(struct session *s, uint64_t now)
{
	if (s->tmf_func && now >= s->tmf_deadline) {
		if (s->tmf_func == ISCSI_TMF_ABORT_TASK) {
			pr_warn("iscsi: abort task got no answer; resetting LUN %u\n", s->cfg.lun);
			send_tmf(s, ISCSI_TMF_LUN_RESET, 0);
		} else {
			s->tmf_func = 0;
			conn_fail(s, -ETIMEDOUT, "LUN reset got no answer");
		}
		return;
	}
	if (!s->tmf_func) {
		struct task *late = 0;
		for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++) {
			struct task *t = &s->tasks[i];
			if (t->state == TS_SENT && t->deadline && now >= t->deadline &&
			    (!late || t->seq < late->seq))
				late = t;
		}
		if (late) {
			if (late->aborts++ >= ABORT_RETRIES) {
				late->err = -ETIMEDOUT;
				late->state = TS_DONE;
				pr_err("iscsi: command %02x timed out %d times; failing it\n",
				       late->cdb[0], ABORT_RETRIES);
			} else {
				pr_warn(
				    "iscsi: command %02x (itt %#x) timed out after %lu s; aborting "
				    "it\n",
				    late->cdb[0], late->itt,
				    (unsigned long)(s->cfg.cmd_timeout_ns / NSEC_PER_SEC));
				send_tmf(s, ISCSI_TMF_ABORT_TASK, late);
			}
		}
	}
	if (s->nop_outstanding && iscsi_nop_expired(now, s->nop_sent_ns, s->cfg.nop_timeout_ns)) {
		s->nop_outstanding = false;
		conn_fail(s, -ETIMEDOUT, "no answer to NOP-Out");
	} else if (!s->nop_outstanding &&
	           iscsi_nop_due(now, s->last_rx_ns, s->cfg.nop_interval_ns)) {
		if (send_nop(s, ITT_NOP, ISCSI_TAG_RESERVED) == 0) {
			s->nop_outstanding = true;
			s->nop_sent_ns = now;
			s->nops++;
		}
	}
}

static uint64_t next_timer(struct session *s, uint64_t now)
{
	return iscsi_next_wakeup(now, s->last_rx_ns, s->cfg.nop_interval_ns);
}

/* Complete finished tasks whose buffers are no longer referenced by sends. */
static void reap(struct session *s, struct blk_req **done)
{
	for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++)
		task_try_finish(s, &s->tasks[i], done);
}

static void fail_everything(struct session *s, int err, struct blk_req **done)
{
	for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++) {
		struct task *t = &s->tasks[i];
		if (t->state == TS_QUEUED || t->state == TS_SENT) {
			t->err = err;
			t->state = TS_DONE;
		}
	}
	reap(s, done);
	uint64_t fl = irq_save();
	struct blk_req *r = s->subq_head;
	s->subq_head = s->subq_tail = 0;
	struct iscsi_cmd *c = s->cmdq;
	s->cmdq = 0;
	irq_restore(fl);
	while (r) {
		struct blk_req *n = r->bnext;
		r->berr = err;
		r->bnext = *done;
		*done = r;
		r = n;
	}
	while (c) {
		struct iscsi_cmd *n = c->next;
		c->err = err;
		sem_up(&c->done);
		c = n;
	}
}

/* Tear the connection down; every send's done has run when this returns. */
static void conn_close(struct session *s)
{
	if (!s->conn)
		return;
	net_close(s->conn); /* wakes the receive thread with an error */
	if (s->rx)
		thread_join(s->rx);
	s->rx = 0;
	s->conn = 0;
	s->up = false;
}

/* The login's ITT: its own range, a new one each time, so late answers to an
 * earlier attempt never match. */
static uint32_t login_itt(struct session *s)
{
	return 0x70000000u | (s->gen++ & 0xffff);
}

static int conn_start(struct session *s, struct iscsi_connected *lo)
{
	s->conn = lo->conn;
	s->p = lo->res.params;
	s->tsih = lo->res.tsih;
	s->hd = s->p.header_digest == ISCSI_DIGEST_CRC32C;
	s->dd = s->p.data_digest == ISCSI_DIGEST_CRC32C;
	s->w.expstatsn = lo->res.expstatsn;
	s->w.cmdsn = lo->res.expcmdsn;
	s->w.expcmdsn = lo->res.expcmdsn;
	s->w.maxcmdsn = lo->res.maxcmdsn;
	s->conn_err = 0;
	s->nop_outstanding = false;
	s->npings = 0;
	s->tmf_func = 0;
	s->last_rx_ns = clock_ns();
	s->rx = thread_create("iscsi-rx", THREAD_PRIO_HIGH, 0, rx_thread, s);
	if (!s->rx)
		return -ENOMEM;
	s->up = true;
	return 0;
}

/*
 * ERL 0 recovery: drop the connection, log in again (same ISID, so the
 * target reinstates the session), replay every outstanding command in order.
 */
static void recover(struct session *s)
{
	struct blk_req *done = 0;
	s->recoveries++;
	/* The receive thread may be waiting for the lock: release it to join. */
	mutex_unlock(&s->lock);
	conn_close(s);
	mutex_lock(&s->lock);
	if (!s->down_since)
		s->down_since = clock_ns();
	for (int i = 0; i < ISCSI_QUEUE_DEPTH; i++) {
		struct task *t = &s->tasks[i];
		if (t->state == TS_SENT)
			task_requeue(s, t);
	}
	reap(s, &done);
	mutex_unlock(&s->lock);
	run_completions(done);

	uint64_t wait = iscsi_first_wait(s->p.time2wait);
	for (unsigned attempt = 1;; attempt++) {
		uint64_t now = clock_ns();
		if (now - s->down_since >= s->cfg.replacement_timeout_ns) {
			pr_err(
			    "iscsi: %s unreachable for %lu s (rd.iscsi.timeout); failing "
			    "outstanding I/O, still retrying: check the target and the path to it\n",
			    s->cfg.target,
			    (unsigned long)(s->cfg.replacement_timeout_ns / NSEC_PER_SEC));
			mutex_lock(&s->lock);
			fail_everything(s, -EIO, &done);
			mutex_unlock(&s->lock);
			run_completions(done);
			done = 0;
			s->down_since = now; /* the next requests get a full timeout again */
		}
		thread_sleep_ns(wait);
		struct iscsi_connected lo;
		int rc = iscsi_connect(&s->cfg, false, login_itt(s), s->w.cmdsn, s->loginbuf,
		                       s->loginrx, &lo, attempt > 1);
		if (rc == 0) {
			mutex_lock(&s->lock);
			if (conn_start(s, &lo) == 0) {
				pr_info(
				    "iscsi: session to %s reinstated after %lu ms (attempt %u); "
				    "replaying outstanding commands\n",
				    s->cfg.target,
				    (unsigned long)((clock_ns() - s->down_since) / NSEC_PER_MSEC),
				    attempt);
				s->down_since = 0;
				s->reconnects++;
				return; /* lock held, as the caller expects */
			}
			mutex_unlock(&s->lock);
			net_close(lo.conn);
		}
		if (iscsi_login_error_is_final(rc))
			pr_err("iscsi: the target refuses us now; retrying in case it is being "
			       "reconfigured\n");
		wait = iscsi_backoff(wait); /* back off, but keep trying */
	}
}

static void engine_thread(void *arg)
{
	struct session *s = arg;
	for (;;) {
		uint64_t now = clock_ns();
		sem_down_until(&s->wake, next_timer(s, now));
		struct blk_req *done = 0;
		mutex_lock(&s->lock);
		if (s->closing) {
			if (!s->logout_sent && !s->conn_err && !oldest(s, TS_SENT) &&
			    !oldest(s, TS_QUEUED) && send_logout(s) == 0)
				s->logout_sent = true;
			mutex_unlock(&s->lock);
			continue;
		}
		if (s->conn_err)
			recover(s);
		now = clock_ns();
		check_timers(s, now);
		pump(s);
		reap(s, &done);
		mutex_unlock(&s->lock);
		run_completions(done);
	}
}

/* ------------------------------------------------------------ the block device */

static int iscsi_submit(struct blk_dev *d, struct blk_req *r)
{
	struct session *s = d->priv;
	uint64_t fl = irq_save();
	r->bnext = 0;
	if (s->subq_tail)
		s->subq_tail->bnext = r;
	else
		s->subq_head = r;
	s->subq_tail = r;
	irq_restore(fl);
	sem_up(&s->wake);
	return 0;
}

/* Log out once the queue has drained, so the target drops the session now
 * rather than after its timeouts. */
static int iscsi_close(struct blk_dev *d)
{
	struct session *s = d->priv;
	s->closing = true;
	if (s->down_since) {
		/* recovering: there is no connection to log out on */
		pr_warn("iscsi: %s is unreachable; closing without a logout\n", s->cfg.target);
		return -ENOTCONN;
	}
	sem_up(&s->wake);
	int rc = sem_down_until(&s->closed, clock_ns() + 5 * NSEC_PER_SEC);
	if (rc)
		pr_warn("iscsi: no answer to our logout from %s within 5 s\n", s->cfg.target);
	else
		pr_info("iscsi: logged out of %s\n", s->cfg.target);
	return rc;
}

static const struct blk_ops iscsi_blk_ops = {
	.submit = iscsi_submit,
	.close = iscsi_close,
};

/* Run one internal command and wait for it.  Bring-up only. */
static int exec(struct session *s, struct iscsi_cmd *c)
{
	sem_init(&c->done, 0);
	c->err = 0;
	c->has_sense = false;
	uint64_t fl = irq_save();
	c->next = s->cmdq;
	s->cmdq = c;
	irq_restore(fl);
	sem_up(&s->wake);
	sem_down(&c->done);
	return c->err;
}

/* A fresh internal command reading into buf[0..len); the caller fills the CDB. */
static struct iscsi_cmd *cmd_prep(struct iscsi_cmd *c, void *buf, uint32_t len)
{
	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->len = len;
	return c;
}

/* REPORT LUNS (well-known LUN semantics aside, any LUN answers it): name the
 * LUNs there are when ours is not among them.  A target that does not answer
 * it gets the benefit of the doubt. */
static int check_lun_exists(struct session *s, uint8_t *data, uint32_t cap)
{
	struct iscsi_cmd c;
	scsi_cdb_report_luns(cmd_prep(&c, data, cap)->cdb, 0, cap);
	c.lun0 = true;
	if (exec(s, &c))
		return 0;
	uint8_t luns[30][8];
	uint32_t total = 0;
	int n = scsi_parse_report_luns(data, cap, luns, 30, &total);
	bool found = false;
	char list[128] = "";
	size_t ll = 0;
	for (int i = 0; i < n && ll < sizeof(list); i++) {
		uint32_t num;
		if (scsi_lun_decode(luns[i], &num))
			continue;
		found |= num == s->cfg.lun;
		ll += (size_t)fmt_snprintf(list + ll, sizeof(list) - ll, "%s%u", ll ? ", " : "", num);
	}
	if (n <= 0 || found)
		return 0;
	pr_err("iscsi: %s has no LUN %u; it has LUN %s: fix the LUN in netroot= or the root path\n",
	       s->cfg.target, s->cfg.lun, list);
	return -ENODEV;
}

/* TEST UNIT READY absorbs the unit attention every new nexus reports. */
static int wait_ready(struct session *s)
{
	struct iscsi_cmd c;
	int rc = 0;
	for (int i = 0; i < 5; i++) {
		scsi_cdb_test_unit_ready(cmd_prep(&c, 0, 0)->cdb);
		rc = exec(s, &c);
		if (rc == 0)
			return 0;
		thread_sleep_ns(200 * NSEC_PER_MSEC);
	}
	pr_err("iscsi: LUN %u of %s is not ready (error %d)\n", s->cfg.lun, s->cfg.target, rc);
	return rc;
}

static int inquire(struct session *s, uint8_t *data, struct scsi_inquiry *inq)
{
	struct iscsi_cmd c;
	scsi_cdb_inquiry(cmd_prep(&c, data, 96)->cdb, false, 0, 96);
	int rc = exec(s, &c);
	if (rc || scsi_parse_inquiry(data, 96, inq)) {
		pr_err("iscsi: INQUIRY of LUN %u failed (error %d)\n", s->cfg.lun, rc);
		return rc ? rc : -EIO;
	}
	if (inq->qualifier != 0 || inq->device_type != 0) {
		pr_err("iscsi: LUN %u of %s is not a disk (qualifier %u, type %#x); pick another "
		       "LUN\n",
		       s->cfg.lun, s->cfg.target, inq->qualifier, inq->device_type);
		return -ENODEV;
	}
	return 0;
}

static int read_capacity(struct session *s, uint8_t *data, struct scsi_capacity *cap)
{
	struct iscsi_cmd c;
	scsi_cdb_read_capacity16(cmd_prep(&c, data, 32)->cdb, 32);
	int rc = exec(s, &c);
	if (rc == 0)
		rc = scsi_parse_read_capacity16(data, 32, cap);
	if (rc) {
		/* Older targets only know the 10-byte form. */
		scsi_cdb_read_capacity10(cmd_prep(&c, data, 8)->cdb);
		rc = exec(s, &c);
		if (rc == 0)
			rc = scsi_parse_read_capacity10(data, 8, cap);
	}
	if (rc)
		pr_err("iscsi: READ CAPACITY of LUN %u failed (error %d)\n", s->cfg.lun, rc);
	return rc;
}

static int probe_lun(struct session *s)
{
	static uint8_t data[256] __attribute__((aligned(8)));
	struct scsi_inquiry inq;
	struct scsi_capacity cap;
	int rc = check_lun_exists(s, data, sizeof(data));
	if (!rc)
		rc = wait_ready(s);
	if (!rc)
		rc = inquire(s, data, &inq);
	if (!rc)
		rc = read_capacity(s, data, &cap);
	if (rc)
		return rc;
	struct blk_info *bi = &s->dev.info;
	bi->block_size = cap.block_size;
	bi->blocks = cap.blocks;
	bi->max_blocks = ISCSI_MAX_XFER / cap.block_size;
	bi->queue_depth = ISCSI_QUEUE_DEPTH;
	memcpy(bi->vendor, inq.vendor, sizeof(bi->vendor));
	memcpy(bi->product, inq.product, sizeof(bi->product));
	memcpy(bi->revision, inq.revision, sizeof(bi->revision));
	fmt_snprintf(bi->name, sizeof(bi->name), "%s lun %u", s->cfg.target, s->cfg.lun);
	return 0;
}

static void *storage_alloc(size_t n)
{
	void *p = mm_alloc(MM_STORAGE, n);
	if (p)
		memset(p, 0, n);
	return p;
}

/* The first login: a target that is still coming up gets until the login
 * timeout; a refusal that will not change ends it at once. */
static int first_login(struct session *s, struct iscsi_connected *lo)
{
	uint64_t give_up = clock_ns() + s->cfg.login_timeout_ns;
	for (;;) {
		int rc = iscsi_connect(&s->cfg, false, login_itt(s), s->w.cmdsn, s->loginbuf,
		                       s->loginrx, lo, false);
		if (rc == 0 || iscsi_login_error_is_final(rc) || clock_ns() >= give_up)
			return rc;
		pr_info("iscsi: retrying the login in 2 s\n");
		thread_sleep_ns(2 * NSEC_PER_SEC);
	}
}

static void print_login(const struct session *s, const struct iscsi_connected *lo)
{
	pr_info("iscsi: logged in to %s at %s:%u (TSIH %#x; digests: header %s, data %s; "
	        "MaxRecvDataSegmentLength %u/%u, MaxBurstLength %u, FirstBurstLength %u, "
	        "ImmediateData %s, InitialR2T %s)\n",
	        s->cfg.target, lo->ip, lo->port, s->tsih, s->hd ? "CRC32C" : "None",
	        s->dd ? "CRC32C" : "None", s->p.max_recv_dsl, s->p.max_send_dsl, s->p.max_burst,
	        s->p.first_burst, s->p.immediate_data ? "Yes" : "No",
	        s->p.initial_r2t ? "Yes" : "No");
}

int iscsi_session_open(const struct iscsi_cfg *cfg, struct blk_dev **out)
{
	ASSERT(!sess);
	int rc = -ENOMEM;
	struct session *s = storage_alloc(sizeof(*s));
	if (!s)
		goto err_nomem;
	s->scratch = storage_alloc(ISCSI_RX_SCRATCH);
	s->loginbuf = storage_alloc(ISCSI_CONNECT_BUF);
	s->loginrx = storage_alloc(ISCSI_CONNECT_BUF);
	if (!s->scratch || !s->loginbuf || !s->loginrx)
		goto err_bufs;
	s->cfg = *cfg;
	mutex_init(&s->lock, false);
	sem_init(&s->wake, 0);
	sem_init(&s->closed, 0);
	for (int i = 0; i < HDR_BUFS; i++) {
		s->hdrs[i].s = s;
		s->hdrs[i].next = s->free_hdrs;
		s->free_hdrs = &s->hdrs[i];
	}
	s->w.cmdsn = 1;
	sess = s;

	struct iscsi_connected lo;
	rc = first_login(s, &lo);
	if (rc)
		goto err_login;
	mutex_lock(&s->lock);
	rc = conn_start(s, &lo);
	mutex_unlock(&s->lock);
	if (rc)
		goto err_conn;
	print_login(s, &lo);
	s->engine = thread_create("iscsi", THREAD_PRIO_HIGH, THREAD_DETACHED, engine_thread, s);
	if (!s->engine) {
		rc = -ENOMEM;
		goto err_engine;
	}
	rc = probe_lun(s);
	if (rc)
		return rc; /* the engine keeps the session; nothing is registered */
	s->dev.ops = &iscsi_blk_ops;
	s->dev.priv = s;
	pr_info("iscsi: LUN %u: %s %s %s, %llu blocks of %u bytes (%llu MiB)\n", cfg->lun,
	        s->dev.info.vendor, s->dev.info.product, s->dev.info.revision,
	        (unsigned long long)s->dev.info.blocks, s->dev.info.block_size,
	        (unsigned long long)(s->dev.info.blocks * s->dev.info.block_size >> 20));
	*out = &s->dev;
	return 0;

err_engine:
	conn_close(s);
err_conn:
	if (s->conn)
		net_close(s->conn);
err_login:
	sess = 0;
err_bufs:
	mm_free(MM_STORAGE, s->loginrx);
	mm_free(MM_STORAGE, s->loginbuf);
	mm_free(MM_STORAGE, s->scratch);
	mm_free(MM_STORAGE, s);
err_nomem:
	if (rc == -ENOMEM)
		pr_err("iscsi: the storage partition is too small for a session; raise it in "
		       "config.h\n");
	return rc;
}

void iscsi_session_dump(void)
{
	struct session *s = sess;
	if (!s)
		return;
	con_printf("iscsi: %s: %lu commands, %lu PDUs out, %lu in, %lu R2Ts, %lu Data-Out, %lu "
	           "NOPs, %lu recoveries (%u reinstated), %lu aborts, %lu LUN resets, %lu unit "
	           "attentions, %lu digest errors\n",
	           s->cfg.target, s->cmds, s->pdus_out, s->pdus_in, s->r2ts, s->data_out_pdus,
	           s->nops, s->recoveries, s->reconnects, s->aborts, s->resets, s->ua_seen,
	           s->digest_errors);
}
