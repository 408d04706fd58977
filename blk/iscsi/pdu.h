/*
 * iSCSI PDU Basic Header Segment encoding and decoding (RFC 7143 §11), framing arithmetic and
 * digest helpers.  Pure byte work on caller buffers: no allocation, reentrant, any context.
 *
 * Receive path, as the connection layer is expected to use it:
 *   1. read ISCSI_BHS_LEN bytes;
 *   2. iscsi_pdu_decode(bhs, ISCSI_FROM_TARGET, our MaxRecvDataSegmentLength, &pdu, &why):
 *      any error means the stream can no longer be trusted: drop the connection;
 *   3. iscsi_pdu_layout(pdu.ahs_len, pdu.data_len, hd, dd, &l): read l.total - ISCSI_BHS_LEN
 *      more bytes (AHS, header digest, data, padding, data digest);
 *   4. iscsi_pdu_check_hdr_digest() / iscsi_pdu_check_data_digest() when negotiated.
 * Login PDUs never carry digests (they take effect after the login completes) and their data
 * segments are limited to ISCSI_LOGIN_DSL_MAX.
 *
 * What decoding enforces (-EPROTO plus a static reason): opcode valid for the direction
 * (vendor opcodes are refused: we cannot interpret them), byte 0 bit 7 clear, DataSegmentLength
 * <= max_dsl, and the flag combinations whose violation changes the meaning of a PDU: Data-In
 * S without F, O together with U (Data-In, SCSI Response, bidi o/u), Login T with C, Login
 * stage value 2, Text F with C, R2T with a zero length.  Leniency, because real targets are
 * sloppy there and nothing is misread: other reserved bytes, the constant-1 F bit of
 * single-PDU responses, the I bit on target PDUs, data on PDUs whose data segment is
 * defined empty (framing still follows DataSegmentLength), and AHS on target PDUs (skipped).
 *
 * Digest mismatches are -EBADMSG, distinct from -EPROTO, since they signal corruption rather
 * than a broken peer.
 */
#ifndef BLK_ISCSI_PDU_H
#define BLK_ISCSI_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_BHS_LEN       48
#define ISCSI_DIGEST_LEN    4
#define ISCSI_AHS_MAX       1020      /* TotalAHSLength is one byte of 4-byte words */
#define ISCSI_DSL_MAX       0xffffffu /* DataSegmentLength is 24 bits */
#define ISCSI_LOGIN_DSL_MAX 8192      /* data segment limit while logging in */
#define ISCSI_TAG_RESERVED  0xffffffffu
#define ISCSI_VERSION       0x00 /* RFC 7143 Version-max/min */

enum iscsi_opcode {
	/* initiator to target */
	ISCSI_OP_NOP_OUT = 0x00,
	ISCSI_OP_SCSI_CMD = 0x01,
	ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03,
	ISCSI_OP_TEXT_REQ = 0x04,
	ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06,
	ISCSI_OP_SNACK_REQ = 0x10,
	/* target to initiator */
	ISCSI_OP_NOP_IN = 0x20,
	ISCSI_OP_SCSI_RSP = 0x21,
	ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24,
	ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26,
	ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC = 0x32,
	ISCSI_OP_REJECT = 0x3f,
};

/* Byte 1 flags. */
#define ISCSI_F_FINAL            0x80 /* F; T (transit) in Login PDUs */
#define ISCSI_F_CONTINUE         0x40 /* C in Login and Text PDUs */
#define ISCSI_F_CMD_READ         0x40 /* SCSI Command R */
#define ISCSI_F_CMD_WRITE        0x20 /* SCSI Command W */
#define ISCSI_F_CMD_ATTR_MASK    0x07 /* task attribute */
#define ISCSI_ATTR_UNTAGGED      0
#define ISCSI_ATTR_SIMPLE        1
#define ISCSI_ATTR_ORDERED       2
#define ISCSI_ATTR_HEAD_OF_QUEUE 3
#define ISCSI_ATTR_ACA           4
#define ISCSI_F_DATA_ACK         0x40 /* Data-In A */
#define ISCSI_F_BIDI_OVERFLOW    0x10 /* SCSI Response o */
#define ISCSI_F_BIDI_UNDERFLOW   0x08 /* SCSI Response u */
#define ISCSI_F_OVERFLOW         0x04 /* SCSI Response / Data-In O */
#define ISCSI_F_UNDERFLOW        0x02 /* SCSI Response / Data-In U */
#define ISCSI_F_DATA_STATUS      0x01 /* Data-In S */

/* Login stages (CSG/NSG). */
#define ISCSI_STAGE_SECURITY     0
#define ISCSI_STAGE_OPERATIONAL  1
#define ISCSI_STAGE_FULL_FEATURE 3
#define ISCSI_LOGIN_FLAGS(transit, cont, csg, nsg)                                                 \
	(uint8_t)(((transit) ? ISCSI_F_FINAL : 0) | ((cont) ? ISCSI_F_CONTINUE : 0) |              \
	          ((csg)&3) << 2 | ((nsg)&3))
#define ISCSI_LOGIN_CSG(flags) (((flags) >> 2) & 3)
#define ISCSI_LOGIN_NSG(flags) ((flags)&3)

/* Task management functions (TMF request byte 1 & 0x7f). */
#define ISCSI_TMF_ABORT_TASK        1
#define ISCSI_TMF_ABORT_TASK_SET    2
#define ISCSI_TMF_CLEAR_ACA         3
#define ISCSI_TMF_CLEAR_TASK_SET    4
#define ISCSI_TMF_LUN_RESET         5
#define ISCSI_TMF_TARGET_WARM_RESET 6
#define ISCSI_TMF_TARGET_COLD_RESET 7

/* Logout reasons (logout request byte 1 & 0x7f). */
#define ISCSI_LOGOUT_SESSION    0
#define ISCSI_LOGOUT_CONNECTION 1
#define ISCSI_LOGOUT_RECOVERY   2

/* Asynchronous events. */
#define ISCSI_ASYNC_SCSI            0
#define ISCSI_ASYNC_LOGOUT_REQUEST  1
#define ISCSI_ASYNC_DROP_CONNECTION 2
#define ISCSI_ASYNC_DROP_ALL        3
#define ISCSI_ASYNC_RENEGOTIATE     4

/*
 * One decoded BHS, host byte order.  Only the fields of the PDU's opcode are meaningful; the
 * rest are zero after decode and ignored by encode.
 */
struct iscsi_pdu {
	uint8_t opcode;
	bool immediate;    /* I bit, initiator PDUs */
	uint8_t flags;     /* byte 1 as on the wire (ISCSI_F_*, login stages, TMF function...) */
	uint16_t ahs_len;  /* bytes; a multiple of 4, <= ISCSI_AHS_MAX */
	uint32_t data_len; /* DataSegmentLength, without padding */
	uint8_t lun[8];    /* SCSI command, Data, NOP, R2T, TMF request, Text, Async */
	uint32_t itt;
	uint32_t ttt;   /* Target Transfer Tag; TMF request: Referenced Task Tag */
	uint32_t cmdsn; /* initiator PDUs */
	uint32_t expstatsn;
	uint32_t statsn; /* target PDUs */
	uint32_t expcmdsn;
	uint32_t maxcmdsn;
	uint32_t exp_xfer_len; /* SCSI Command: Expected Data Transfer Length */
	uint8_t cdb[16];       /* SCSI Command */
	uint8_t response;      /* SCSI / TMF / Logout Response */
	uint8_t status;        /* SCSI Response; Data-In with S */
	uint32_t datasn;       /* DataSN; R2T: R2TSN; SCSI Rsp/TMF req: ExpDataSN; SNACK: BegRun */
	uint32_t offset;       /* Data-In/Out and R2T: Buffer Offset */
	uint32_t xfer_len;     /* R2T: Desired Data Transfer Length; SNACK: RunLength */
	uint32_t residual;     /* SCSI Response, Data-In */
	uint32_t bidi_residual;
	uint32_t snack_tag; /* SCSI Response */
	uint32_t refcmdsn;  /* TMF request */
	uint8_t reason;     /* Reject */
	uint8_t async_event;
	uint8_t async_vcode;
	uint16_t async_param[3];
	uint16_t time2wait; /* Logout Response */
	uint16_t time2retain;
	uint16_t cid;        /* Login / Logout request */
	uint8_t version_max; /* Login */
	uint8_t version_min; /* Login request: Version-min; response: Version-active */
	uint8_t isid[6];
	uint16_t tsih;
	uint8_t status_class; /* Login Response */
	uint8_t status_detail;
};

enum iscsi_dir {
	ISCSI_FROM_TARGET,    /* PDUs we receive */
	ISCSI_FROM_INITIATOR, /* PDUs we send; e.g. the header echoed in a Reject */
};

/*
 * Decode bhs[0..48).  Returns 0, or -EPROTO with *why set (why may be NULL).  *out is fully
 * written either way.
 */
int iscsi_pdu_decode(const uint8_t bhs[ISCSI_BHS_LEN], enum iscsi_dir dir, uint32_t max_dsl,
                     struct iscsi_pdu *out, const char **why);

/*
 * Encode p into bhs[0..48), zeroing reserved fields.  Any opcode of either direction (target
 * PDUs are for tests and tools).  -EINVAL for an unknown opcode, data_len above 24 bits, or an
 * ahs_len that is not a multiple of 4 up to ISCSI_AHS_MAX.
 */
int iscsi_pdu_encode(const struct iscsi_pdu *p, uint8_t bhs[ISCSI_BHS_LEN]);

/* Byte offsets within one PDU; total is the full PDU length on the wire. */
struct iscsi_pdu_layout {
	uint32_t ahs;        /* == ISCSI_BHS_LEN */
	uint32_t hdr_digest; /* valid if has_hdr_digest */
	uint32_t data;
	uint32_t pad;         /* padding bytes after the data segment (0..3) */
	uint32_t data_digest; /* valid if has_data_digest */
	uint32_t total;
	bool has_hdr_digest;
	bool has_data_digest; /* only when data_len > 0 */
};

/* ahs_len must be a multiple of 4 <= ISCSI_AHS_MAX and data_len <= ISCSI_DSL_MAX (asserted). */
void iscsi_pdu_layout(uint32_t ahs_len, uint32_t data_len, bool hdr_digest, bool data_digest,
                      struct iscsi_pdu_layout *l);

/* Padding needed after a data segment of len bytes. */
static inline uint32_t iscsi_pdu_pad(uint32_t len)
{
	return (4 - (len & 3)) & 3;
}

/* Header digest over BHS + AHS (hdr_len bytes), stored in wire order. */
void iscsi_pdu_put_hdr_digest(const uint8_t *hdr, size_t hdr_len, uint8_t out[ISCSI_DIGEST_LEN]);
int iscsi_pdu_check_hdr_digest(const uint8_t *hdr, size_t hdr_len,
                               const uint8_t digest[ISCSI_DIGEST_LEN]);

/*
 * Data digest for sending: CRC over data[0..len) followed by zero padding (the padding need not
 * be present in the buffer).  Stored in wire order.
 */
void iscsi_pdu_put_data_digest(const void *data, uint32_t len, uint8_t out[ISCSI_DIGEST_LEN]);

/*
 * Check a received data digest.  padded holds len + iscsi_pdu_pad(len) bytes exactly as
 * received: the digest covers the padding bytes the sender actually sent.  0 or -EBADMSG.
 */
int iscsi_pdu_check_data_digest(const uint8_t *padded, uint32_t len,
                                const uint8_t digest[ISCSI_DIGEST_LEN]);

/*
 * SCSI Response / Async Message data segment: SenseLength (2 bytes) + sense + response data.
 * On success *sense points into data and *sense_len may be 0 (no sense).  -EPROTO if the
 * segment is shorter than 2 bytes yet non-empty or SenseLength overruns it.
 */
int iscsi_pdu_sense(const uint8_t *data, uint32_t len, const uint8_t **sense, uint32_t *sense_len);

/* Decode the header of our PDU that a Reject carries in its data segment. */
int iscsi_pdu_rejected_header(const uint8_t *data, uint32_t len, struct iscsi_pdu *rejected,
                              const char **why);

/* Human-readable names; never NULL. */
const char *iscsi_pdu_opcode_name(uint8_t opcode);
const char *iscsi_pdu_reject_reason(uint8_t reason);

#endif
