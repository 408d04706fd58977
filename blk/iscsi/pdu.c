/* iSCSI Basic Header Segment codec, PDU framing arithmetic and digest helpers. */
#include "blk/iscsi/pdu.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "lib/crc32c.h"
#include "kernel/be.h"
#include "kernel/assert.h"

/* Byte offsets in the Basic Header Segment (RFC 7143 §11). */
enum {
	BHS_OPCODE = 0,      /* I bit and opcode */
	BHS_FLAGS = 1,       /* F bit and opcode-specific flags */
	BHS_B2 = 2,          /* response, reason, version-max */
	BHS_B3 = 3,          /* status, version-min */
	BHS_TOTAHSLEN = 4,   /* in 4-byte words */
	BHS_DSL = 5,         /* DataSegmentLength, 24 bits */
	BHS_LUN = 8,         /* or ISID (6 bytes) and TSIH (2) in login PDUs */
	BHS_TSIH = 14,
	BHS_ITT = 16,
	BHS_TTT = 20,        /* or Expected Data Transfer Length, CID, SNACK Tag */
	BHS_CMDSN = 24,      /* initiator PDUs; StatSN in target PDUs */
	BHS_EXPSTATSN = 28,  /* initiator PDUs; ExpCmdSN in target PDUs */
	BHS_MAXCMDSN = 32,   /* or the CDB, RefCmdSN */
	BHS_DATASN = 36,     /* or Status-Class/Detail, AsyncEvent/VCode */
	BHS_OFFSET = 40,     /* or BegRun, Time2Wait, Bidi residual */
	BHS_RESID = 44,      /* or RunLength, Desired Data Transfer Length */
};

/* Fields that sit at the same place in every PDU that has them. */
#define F_LUN       0x001
#define F_TTT       0x002
#define F_CMDSN     0x004
#define F_EXPSTATSN 0x008
#define F_TSN       0x010 /* StatSN, ExpCmdSN, MaxCmdSN */
#define F_DATASN    0x020
#define F_OFFSET    0x040
#define F_RESID     0x080

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

/*
 * Where each field of struct iscsi_pdu sits in the header: one description
 * that both directions walk, so encode and decode cannot disagree.  key is
 * an F_* bit for the shared fields, or an opcode for the rest.  Scalars are
 * big-endian of their own size; bytes are copied as they are.
 */
struct field {
	uint16_t key;
	uint8_t bhs_off, len, bytes;
	uint16_t pdu_off;
};

#define MEMBER_SIZE(m) sizeof(((struct iscsi_pdu *)0)->m)
#define FIELD(key, off, m)  {key, off, MEMBER_SIZE(m), 0, offsetof(struct iscsi_pdu, m)}
#define BYTES(key, off, m)  {key, off, MEMBER_SIZE(m), 1, offsetof(struct iscsi_pdu, m)}

static const struct field shared[] = {
    BYTES(F_LUN, BHS_LUN, lun),
    FIELD(F_TTT, BHS_TTT, ttt),
    FIELD(F_CMDSN, BHS_CMDSN, cmdsn),
    FIELD(F_EXPSTATSN, BHS_EXPSTATSN, expstatsn),
    FIELD(F_TSN, BHS_CMDSN, statsn),
    FIELD(F_TSN, BHS_EXPSTATSN, expcmdsn),
    FIELD(F_TSN, BHS_MAXCMDSN, maxcmdsn),
    FIELD(F_DATASN, BHS_DATASN, datasn),
    FIELD(F_OFFSET, BHS_OFFSET, offset),
    FIELD(F_RESID, BHS_RESID, residual),
};

static const struct field specific[] = {
    FIELD(ISCSI_OP_SCSI_CMD, BHS_TTT, exp_xfer_len),
    BYTES(ISCSI_OP_SCSI_CMD, BHS_MAXCMDSN, cdb),
    FIELD(ISCSI_OP_TMF_REQ, BHS_MAXCMDSN, refcmdsn),
    FIELD(ISCSI_OP_LOGIN_REQ, BHS_B2, version_max),
    FIELD(ISCSI_OP_LOGIN_REQ, BHS_B3, version_min),
    BYTES(ISCSI_OP_LOGIN_REQ, BHS_LUN, isid),
    FIELD(ISCSI_OP_LOGIN_REQ, BHS_TSIH, tsih),
    FIELD(ISCSI_OP_LOGIN_REQ, BHS_TTT, cid),
    FIELD(ISCSI_OP_LOGIN_RSP, BHS_B2, version_max),
    FIELD(ISCSI_OP_LOGIN_RSP, BHS_B3, version_min),
    BYTES(ISCSI_OP_LOGIN_RSP, BHS_LUN, isid),
    FIELD(ISCSI_OP_LOGIN_RSP, BHS_TSIH, tsih),
    FIELD(ISCSI_OP_LOGIN_RSP, BHS_DATASN, status_class),
    FIELD(ISCSI_OP_LOGIN_RSP, BHS_DATASN + 1, status_detail),
    FIELD(ISCSI_OP_LOGOUT_REQ, BHS_TTT, cid),
    FIELD(ISCSI_OP_SNACK_REQ, BHS_OFFSET, datasn),
    FIELD(ISCSI_OP_SNACK_REQ, BHS_RESID, xfer_len),
    FIELD(ISCSI_OP_SCSI_RSP, BHS_B2, response),
    FIELD(ISCSI_OP_SCSI_RSP, BHS_B3, status),
    FIELD(ISCSI_OP_SCSI_RSP, BHS_TTT, snack_tag),
    FIELD(ISCSI_OP_SCSI_RSP, BHS_OFFSET, bidi_residual),
    FIELD(ISCSI_OP_TMF_RSP, BHS_B2, response),
    FIELD(ISCSI_OP_DATA_IN, BHS_B3, status),
    FIELD(ISCSI_OP_LOGOUT_RSP, BHS_B2, response),
    FIELD(ISCSI_OP_LOGOUT_RSP, BHS_OFFSET, time2wait),
    FIELD(ISCSI_OP_LOGOUT_RSP, BHS_OFFSET + 2, time2retain),
    FIELD(ISCSI_OP_R2T, BHS_RESID, xfer_len),
    FIELD(ISCSI_OP_ASYNC, BHS_DATASN, async_event),
    FIELD(ISCSI_OP_ASYNC, BHS_DATASN + 1, async_vcode),
    FIELD(ISCSI_OP_ASYNC, BHS_DATASN + 2, async_param[0]),
    FIELD(ISCSI_OP_ASYNC, BHS_OFFSET, async_param[1]),
    FIELD(ISCSI_OP_ASYNC, BHS_OFFSET + 2, async_param[2]),
    FIELD(ISCSI_OP_REJECT, BHS_B2, reason),
};

static void get_field(const struct field *f, const uint8_t *bhs, struct iscsi_pdu *p)
{
	uint8_t *m = (uint8_t *)p + f->pdu_off;
	const uint8_t *b = bhs + f->bhs_off;
	if (f->bytes)
		memcpy(m, b, f->len);
	else if (f->len == 1)
		*m = *b;
	else if (f->len == 2)
		*(uint16_t *)m = be16_get(b);
	else
		*(uint32_t *)m = be32_get(b);
}

static void put_field(const struct field *f, const struct iscsi_pdu *p, uint8_t *bhs)
{
	const uint8_t *m = (const uint8_t *)p + f->pdu_off;
	uint8_t *b = bhs + f->bhs_off;
	if (f->bytes)
		memcpy(b, m, f->len);
	else if (f->len == 1)
		*b = *m;
	else if (f->len == 2)
		be16_put(b, *(const uint16_t *)m);
	else
		be32_put(b, *(const uint32_t *)m);
}

/* Move every field the opcode's PDU has, in one direction. */
static void transfer(const struct op_desc *d, uint8_t opcode, const uint8_t *in_bhs,
                     struct iscsi_pdu *out_pdu, const struct iscsi_pdu *in_pdu, uint8_t *out_bhs)
{
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		if (!(d->fields & shared[i].key))
			continue;
		if (in_bhs)
			get_field(&shared[i], in_bhs, out_pdu);
		else
			put_field(&shared[i], in_pdu, out_bhs);
	}
	for (size_t i = 0; i < sizeof(specific) / sizeof(specific[0]); i++) {
		if (specific[i].key != opcode)
			continue;
		if (in_bhs)
			get_field(&specific[i], in_bhs, out_pdu);
		else
			put_field(&specific[i], in_pdu, out_bhs);
	}
}

int iscsi_pdu_decode(const uint8_t bhs[ISCSI_BHS_LEN], enum iscsi_dir dir, uint32_t max_dsl,
                     struct iscsi_pdu *p, const char **why)
{
	const struct op_desc *d;

	ASSERT(bhs != NULL && p != NULL);
	memset(p, 0, sizeof(*p));
	p->opcode = bhs[BHS_OPCODE] & 0x3f;
	p->immediate = (bhs[BHS_OPCODE] & 0x40) != 0;
	p->flags = bhs[BHS_FLAGS];
	p->ahs_len = (uint16_t)(bhs[BHS_TOTAHSLEN] * 4);
	p->data_len = (uint32_t)bhs[BHS_DSL] << 16 | (uint32_t)be16_get(bhs + BHS_DSL + 1);
	p->itt = be32_get(bhs + BHS_ITT);

	if (bhs[BHS_OPCODE] & 0x80)
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
	transfer(d, p->opcode, bhs, p, NULL, NULL);
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
	bhs[BHS_OPCODE] = p->opcode;
	if (p->immediate && d->dir == ISCSI_FROM_INITIATOR)
		bhs[BHS_OPCODE] |= 0x40;
	bhs[BHS_FLAGS] = p->flags;
	bhs[BHS_TOTAHSLEN] = (uint8_t)(p->ahs_len / 4);
	bhs[BHS_DSL] = (uint8_t)(p->data_len >> 16);
	be16_put(bhs + BHS_DSL + 1, (uint16_t)p->data_len);
	be32_put(bhs + BHS_ITT, p->itt);
	transfer(d, p->opcode, NULL, NULL, p, bhs);
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
