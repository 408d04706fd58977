/* iSCSI Basic Header Segment codec, PDU framing arithmetic and digest helpers. */
#include "blk/iscsi/pdu.h"

#include <errno.h>
#include <string.h>

#include "lib/crc32c.h"
#include "kernel/be.h"
#include "kernel/assert.h"

/* Fields that sit at the same place in every PDU that has them. */
#define F_LUN       0x001 /* bytes 8-15 */
#define F_TTT       0x002 /* bytes 20-23 */
#define F_CMDSN     0x004 /* bytes 24-27 */
#define F_EXPSTATSN 0x008 /* bytes 28-31 */
#define F_TSN       0x010 /* StatSN 24, ExpCmdSN 28, MaxCmdSN 32 */
#define F_DATASN    0x020 /* bytes 36-39 */
#define F_OFFSET    0x040 /* bytes 40-43 */
#define F_RESID     0x080 /* bytes 44-47 */

struct op_desc {
	uint8_t opcode;
	uint8_t dir; /* enum iscsi_dir */
	uint16_t fields;
	const char *name;
};

static const struct op_desc ops[] = {
    {ISCSI_OP_NOP_OUT, ISCSI_FROM_INITIATOR, F_LUN | F_TTT | F_CMDSN | F_EXPSTATSN, "NOP-Out"},
    {ISCSI_OP_SCSI_CMD, ISCSI_FROM_INITIATOR, F_LUN | F_CMDSN | F_EXPSTATSN, "SCSI Command"},
    {ISCSI_OP_TMF_REQ, ISCSI_FROM_INITIATOR, F_LUN | F_TTT | F_CMDSN | F_EXPSTATSN | F_DATASN,
     "Task Management Request"},
    {ISCSI_OP_LOGIN_REQ, ISCSI_FROM_INITIATOR, F_CMDSN | F_EXPSTATSN, "Login Request"},
    {ISCSI_OP_TEXT_REQ, ISCSI_FROM_INITIATOR, F_LUN | F_TTT | F_CMDSN | F_EXPSTATSN,
     "Text Request"},
    {ISCSI_OP_DATA_OUT, ISCSI_FROM_INITIATOR, F_LUN | F_TTT | F_EXPSTATSN | F_DATASN | F_OFFSET,
     "SCSI Data-Out"},
    {ISCSI_OP_LOGOUT_REQ, ISCSI_FROM_INITIATOR, F_CMDSN | F_EXPSTATSN, "Logout Request"},
    {ISCSI_OP_SNACK_REQ, ISCSI_FROM_INITIATOR, F_LUN | F_TTT | F_EXPSTATSN, "SNACK Request"},
    {ISCSI_OP_NOP_IN, ISCSI_FROM_TARGET, F_LUN | F_TTT | F_TSN, "NOP-In"},
    {ISCSI_OP_SCSI_RSP, ISCSI_FROM_TARGET, F_TSN | F_DATASN | F_RESID, "SCSI Response"},
    {ISCSI_OP_TMF_RSP, ISCSI_FROM_TARGET, F_TSN, "Task Management Response"},
    {ISCSI_OP_LOGIN_RSP, ISCSI_FROM_TARGET, F_TSN, "Login Response"},
    {ISCSI_OP_TEXT_RSP, ISCSI_FROM_TARGET, F_LUN | F_TTT | F_TSN, "Text Response"},
    {ISCSI_OP_DATA_IN, ISCSI_FROM_TARGET, F_LUN | F_TTT | F_TSN | F_DATASN | F_OFFSET | F_RESID,
     "SCSI Data-In"},
    {ISCSI_OP_LOGOUT_RSP, ISCSI_FROM_TARGET, F_TSN, "Logout Response"},
    {ISCSI_OP_R2T, ISCSI_FROM_TARGET, F_LUN | F_TTT | F_TSN | F_DATASN | F_OFFSET, "R2T"},
    {ISCSI_OP_ASYNC, ISCSI_FROM_TARGET, F_LUN | F_TSN, "Asynchronous Message"},
    {ISCSI_OP_REJECT, ISCSI_FROM_TARGET, F_TSN | F_DATASN, "Reject"},
};

static const struct op_desc *find_op(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

static int bad(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return -EPROTO;
}

/* Flag combinations that change what a PDU means; see the header for the leniency policy. */
static int check_flags(const struct iscsi_pdu *p, const char **why)
{
	uint8_t f = p->flags;

	switch (p->opcode) {
	case ISCSI_OP_DATA_IN:
		if ((f & ISCSI_F_DATA_STATUS) && !(f & ISCSI_F_FINAL))
			return bad(why, "Data-In with status but without the F bit");
		if ((f & ISCSI_F_OVERFLOW) && (f & ISCSI_F_UNDERFLOW))
			return bad(why, "Data-In with both overflow and underflow");
		break;
	case ISCSI_OP_SCSI_RSP:
		if ((f & ISCSI_F_OVERFLOW) && (f & ISCSI_F_UNDERFLOW))
			return bad(why, "SCSI Response with both overflow and underflow");
		if ((f & ISCSI_F_BIDI_OVERFLOW) && (f & ISCSI_F_BIDI_UNDERFLOW))
			return bad(why, "SCSI Response with both bidi overflow and underflow");
		break;
	case ISCSI_OP_LOGIN_REQ:
	case ISCSI_OP_LOGIN_RSP:
		if ((f & ISCSI_F_FINAL) && (f & ISCSI_F_CONTINUE))
			return bad(why, "Login PDU with both T and C bits");
		if (ISCSI_LOGIN_CSG(f) == 2 || ((f & ISCSI_F_FINAL) && ISCSI_LOGIN_NSG(f) == 2))
			return bad(why, "Login PDU with reserved stage value 2");
		break;
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_TEXT_RSP:
		if ((f & ISCSI_F_FINAL) && (f & ISCSI_F_CONTINUE))
			return bad(why, "Text PDU with both F and C bits");
		break;
	case ISCSI_OP_R2T:
		if (p->xfer_len == 0)
			return bad(why, "R2T with zero Desired Data Transfer Length");
		break;
	default:
		break;
	}
	return 0;
}

int iscsi_pdu_decode(const uint8_t bhs[ISCSI_BHS_LEN], enum iscsi_dir dir, uint32_t max_dsl,
                     struct iscsi_pdu *p, const char **why)
{
	const struct op_desc *d;

	ASSERT(bhs != NULL && p != NULL);
	memset(p, 0, sizeof(*p));
	p->opcode = bhs[0] & 0x3f;
	p->immediate = (bhs[0] & 0x40) != 0;
	p->flags = bhs[1];
	p->ahs_len = (uint16_t)(bhs[4] * 4);
	p->data_len = (uint32_t)bhs[5] << 16 | (uint32_t)bhs[6] << 8 | bhs[7];
	p->itt = be32_get(bhs + 16);

	if (bhs[0] & 0x80)
		return bad(why, "reserved bit set in byte 0");
	d = find_op(p->opcode);
	if (d == NULL)
		return bad(why, "unknown or vendor-specific opcode");
	if (d->dir != dir)
		return bad(why, dir == ISCSI_FROM_TARGET ? "initiator opcode received from target"
		                                         : "target opcode in initiator PDU");
	if (dir == ISCSI_FROM_TARGET)
		p->immediate = false; /* reserved in target PDUs; some targets leave it set */
	if (p->data_len > max_dsl)
		return bad(why, "DataSegmentLength exceeds our MaxRecvDataSegmentLength");

	if (d->fields & F_LUN)
		memcpy(p->lun, bhs + 8, 8);
	if (d->fields & F_TTT)
		p->ttt = be32_get(bhs + 20);
	if (d->fields & F_CMDSN)
		p->cmdsn = be32_get(bhs + 24);
	if (d->fields & F_EXPSTATSN)
		p->expstatsn = be32_get(bhs + 28);
	if (d->fields & F_TSN) {
		p->statsn = be32_get(bhs + 24);
		p->expcmdsn = be32_get(bhs + 28);
		p->maxcmdsn = be32_get(bhs + 32);
	}
	if (d->fields & F_DATASN)
		p->datasn = be32_get(bhs + 36);
	if (d->fields & F_OFFSET)
		p->offset = be32_get(bhs + 40);
	if (d->fields & F_RESID)
		p->residual = be32_get(bhs + 44);

	switch (p->opcode) {
	case ISCSI_OP_SCSI_CMD:
		p->exp_xfer_len = be32_get(bhs + 20);
		memcpy(p->cdb, bhs + 32, 16);
		break;
	case ISCSI_OP_TMF_REQ:
		p->refcmdsn = be32_get(bhs + 32);
		break;
	case ISCSI_OP_LOGIN_REQ:
	case ISCSI_OP_LOGIN_RSP:
		p->version_max = bhs[2];
		p->version_min = bhs[3];
		memcpy(p->isid, bhs + 8, 6);
		p->tsih = be16_get(bhs + 14);
		if (p->opcode == ISCSI_OP_LOGIN_REQ) {
			p->cid = be16_get(bhs + 20);
		} else {
			p->status_class = bhs[36];
			p->status_detail = bhs[37];
		}
		break;
	case ISCSI_OP_LOGOUT_REQ:
		p->cid = be16_get(bhs + 20);
		break;
	case ISCSI_OP_SNACK_REQ:
		p->datasn = be32_get(bhs + 40);
		p->xfer_len = be32_get(bhs + 44);
		break;
	case ISCSI_OP_SCSI_RSP:
		p->response = bhs[2];
		p->status = bhs[3];
		p->snack_tag = be32_get(bhs + 20);
		p->bidi_residual = be32_get(bhs + 40);
		break;
	case ISCSI_OP_TMF_RSP:
		p->response = bhs[2];
		break;
	case ISCSI_OP_DATA_IN:
		p->status = bhs[3];
		break;
	case ISCSI_OP_LOGOUT_RSP:
		p->response = bhs[2];
		p->time2wait = be16_get(bhs + 40);
		p->time2retain = be16_get(bhs + 42);
		break;
	case ISCSI_OP_R2T:
		p->xfer_len = be32_get(bhs + 44);
		break;
	case ISCSI_OP_ASYNC:
		p->async_event = bhs[36];
		p->async_vcode = bhs[37];
		p->async_param[0] = be16_get(bhs + 38);
		p->async_param[1] = be16_get(bhs + 40);
		p->async_param[2] = be16_get(bhs + 42);
		break;
	case ISCSI_OP_REJECT:
		p->reason = bhs[2];
		break;
	default:
		break;
	}
	return check_flags(p, why);
}

int iscsi_pdu_encode(const struct iscsi_pdu *p, uint8_t bhs[ISCSI_BHS_LEN])
{
	const struct op_desc *d;

	ASSERT(p != NULL && bhs != NULL);
	d = find_op(p->opcode);
	if (d == NULL || p->data_len > ISCSI_DSL_MAX || (p->ahs_len & 3) ||
	    p->ahs_len > ISCSI_AHS_MAX)
		return -EINVAL;

	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[0] = p->opcode;
	if (p->immediate && d->dir == ISCSI_FROM_INITIATOR)
		bhs[0] |= 0x40;
	bhs[1] = p->flags;
	bhs[4] = (uint8_t)(p->ahs_len / 4);
	bhs[5] = (uint8_t)(p->data_len >> 16);
	bhs[6] = (uint8_t)(p->data_len >> 8);
	bhs[7] = (uint8_t)p->data_len;
	be32_put(bhs + 16, p->itt);

	if (d->fields & F_LUN)
		memcpy(bhs + 8, p->lun, 8);
	if (d->fields & F_TTT)
		be32_put(bhs + 20, p->ttt);
	if (d->fields & F_CMDSN)
		be32_put(bhs + 24, p->cmdsn);
	if (d->fields & F_EXPSTATSN)
		be32_put(bhs + 28, p->expstatsn);
	if (d->fields & F_TSN) {
		be32_put(bhs + 24, p->statsn);
		be32_put(bhs + 28, p->expcmdsn);
		be32_put(bhs + 32, p->maxcmdsn);
	}
	if (d->fields & F_DATASN)
		be32_put(bhs + 36, p->datasn);
	if (d->fields & F_OFFSET)
		be32_put(bhs + 40, p->offset);
	if (d->fields & F_RESID)
		be32_put(bhs + 44, p->residual);

	switch (p->opcode) {
	case ISCSI_OP_SCSI_CMD:
		be32_put(bhs + 20, p->exp_xfer_len);
		memcpy(bhs + 32, p->cdb, 16);
		break;
	case ISCSI_OP_TMF_REQ:
		be32_put(bhs + 32, p->refcmdsn);
		break;
	case ISCSI_OP_LOGIN_REQ:
	case ISCSI_OP_LOGIN_RSP:
		bhs[2] = p->version_max;
		bhs[3] = p->version_min;
		memcpy(bhs + 8, p->isid, 6);
		be16_put(bhs + 14, p->tsih);
		if (p->opcode == ISCSI_OP_LOGIN_REQ) {
			be16_put(bhs + 20, p->cid);
		} else {
			bhs[36] = p->status_class;
			bhs[37] = p->status_detail;
		}
		break;
	case ISCSI_OP_LOGOUT_REQ:
		be16_put(bhs + 20, p->cid);
		break;
	case ISCSI_OP_SNACK_REQ:
		be32_put(bhs + 40, p->datasn);
		be32_put(bhs + 44, p->xfer_len);
		break;
	case ISCSI_OP_SCSI_RSP:
		bhs[2] = p->response;
		bhs[3] = p->status;
		be32_put(bhs + 20, p->snack_tag);
		be32_put(bhs + 40, p->bidi_residual);
		break;
	case ISCSI_OP_TMF_RSP:
		bhs[2] = p->response;
		break;
	case ISCSI_OP_DATA_IN:
		bhs[3] = p->status;
		break;
	case ISCSI_OP_LOGOUT_RSP:
		bhs[2] = p->response;
		be16_put(bhs + 40, p->time2wait);
		be16_put(bhs + 42, p->time2retain);
		break;
	case ISCSI_OP_R2T:
		be32_put(bhs + 44, p->xfer_len);
		break;
	case ISCSI_OP_ASYNC:
		bhs[36] = p->async_event;
		bhs[37] = p->async_vcode;
		be16_put(bhs + 38, p->async_param[0]);
		be16_put(bhs + 40, p->async_param[1]);
		be16_put(bhs + 42, p->async_param[2]);
		break;
	case ISCSI_OP_REJECT:
		bhs[2] = p->reason;
		break;
	default:
		break;
	}
	return 0;
}

void iscsi_pdu_layout(uint32_t ahs_len, uint32_t data_len, bool hdr_digest, bool data_digest,
                      struct iscsi_pdu_layout *l)
{
	ASSERT(l != NULL && (ahs_len & 3) == 0 && ahs_len <= ISCSI_AHS_MAX &&
	       data_len <= ISCSI_DSL_MAX);
	l->ahs = ISCSI_BHS_LEN;
	l->hdr_digest = l->ahs + ahs_len;
	l->has_hdr_digest = hdr_digest;
	l->data = l->hdr_digest + (hdr_digest ? ISCSI_DIGEST_LEN : 0);
	l->pad = iscsi_pdu_pad(data_len);
	l->data_digest = l->data + data_len + l->pad;
	l->has_data_digest = data_digest && data_len > 0;
	l->total = l->data_digest + (l->has_data_digest ? ISCSI_DIGEST_LEN : 0);
}

void iscsi_pdu_put_hdr_digest(const uint8_t *hdr, size_t hdr_len, uint8_t out[ISCSI_DIGEST_LEN])
{
	crc32c_put(out, crc32c(hdr, hdr_len));
}

int iscsi_pdu_check_hdr_digest(const uint8_t *hdr, size_t hdr_len,
                               const uint8_t digest[ISCSI_DIGEST_LEN])
{
	return crc32c(hdr, hdr_len) == crc32c_get(digest) ? 0 : -EBADMSG;
}

void iscsi_pdu_put_data_digest(const void *data, uint32_t len, uint8_t out[ISCSI_DIGEST_LEN])
{
	static const uint8_t zeros[3];
	uint32_t crc = crc32c(data, len);

	crc32c_put(out, crc32c_extend(crc, zeros, iscsi_pdu_pad(len)));
}

int iscsi_pdu_check_data_digest(const uint8_t *padded, uint32_t len,
                                const uint8_t digest[ISCSI_DIGEST_LEN])
{
	uint32_t crc = crc32c(padded, (size_t)len + iscsi_pdu_pad(len));

	return crc == crc32c_get(digest) ? 0 : -EBADMSG;
}

int iscsi_pdu_sense(const uint8_t *data, uint32_t len, const uint8_t **sense, uint32_t *sense_len)
{
	uint32_t n;

	ASSERT(sense != NULL && sense_len != NULL);
	*sense = NULL;
	*sense_len = 0;
	if (len == 0)
		return 0;
	if (len < 2)
		return -EPROTO;
	n = be16_get(data);
	if (n > len - 2)
		return -EPROTO;
	*sense = data + 2;
	*sense_len = n;
	return 0;
}

int iscsi_pdu_rejected_header(const uint8_t *data, uint32_t len, struct iscsi_pdu *rejected,
                              const char **why)
{
	if (len < ISCSI_BHS_LEN)
		return bad(why, "Reject without the rejected header");
	return iscsi_pdu_decode(data, ISCSI_FROM_INITIATOR, ISCSI_DSL_MAX, rejected, why);
}

const char *iscsi_pdu_opcode_name(uint8_t opcode)
{
	const struct op_desc *d = find_op(opcode);

	return d ? d->name : "unknown opcode";
}

const char *iscsi_pdu_reject_reason(uint8_t reason)
{
	switch (reason) {
	case 0x02:
		return "data digest error";
	case 0x03:
		return "SNACK reject";
	case 0x04:
		return "protocol error";
	case 0x05:
		return "command not supported";
	case 0x06:
		return "immediate command rejected: too many immediate commands";
	case 0x07:
		return "task in progress";
	case 0x08:
		return "invalid data ACK";
	case 0x09:
		return "invalid PDU field";
	case 0x0a:
		return "long operation reject: out of resources to generate a Target Transfer Tag";
	case 0x0b:
		return "deprecated: negotiation reset";
	case 0x0c:
		return "waiting for logout";
	default:
		return "unknown reject reason";
	}
}
