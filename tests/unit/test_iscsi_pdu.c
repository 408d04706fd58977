/* Unit tests for blk/iscsi/pdu: BHS codec for every opcode, validation, framing, digests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/crc32c.h"
#include "blk/iscsi/pdu.h"

/* A PDU with every field set to something distinctive. */
static void fill(struct iscsi_pdu *p, uint8_t opcode)
{
	memset(p, 0, sizeof(*p));
	p->opcode = opcode;
	p->flags = 0x80;
	p->ahs_len = 8;
	p->data_len = 0x123456;
	for (int i = 0; i < 8; i++)
		p->lun[i] = (uint8_t)(0x10 + i);
	p->itt = 0x01020304;
	p->ttt = 0x05060708;
	p->cmdsn = 0x11111111;
	p->expstatsn = 0x22222222;
	p->statsn = 0x33333333;
	p->expcmdsn = 0x44444444;
	p->maxcmdsn = 0x55555555;
	p->exp_xfer_len = 0x66666666;
	for (int i = 0; i < 16; i++)
		p->cdb[i] = (uint8_t)(0xc0 + i);
	p->response = 0x01;
	p->status = 0x02;
	p->datasn = 0x77777777;
	p->offset = 0x88888888;
	p->xfer_len = 0x99999999;
	p->residual = 0xaaaaaaaa;
	p->bidi_residual = 0xbbbbbbbb;
	p->snack_tag = 0xcccccccc;
	p->refcmdsn = 0xdddddddd;
	p->reason = 0x09;
	p->async_event = 4;
	p->async_vcode = 0x5a;
	p->async_param[0] = 0x1234;
	p->async_param[1] = 0x5678;
	p->async_param[2] = 0x9abc;
	p->time2wait = 0x0102;
	p->time2retain = 0x0304;
	p->cid = 0x0a0b;
	p->version_max = 0;
	p->version_min = 0;
	memcpy(p->isid, "\x80\x12\x34\x56\x00\x01", 6);
	p->tsih = 0xbeef;
	p->status_class = 2;
	p->status_detail = 1;
}

/* Fields meaningful for an opcode survive a round trip; the others decode as zero. */
static void test_round_trip_all_opcodes(void **state)
{
	static const struct {
		uint8_t op;
		enum iscsi_dir dir;
	} ops[] = {
	    {ISCSI_OP_NOP_OUT, ISCSI_FROM_INITIATOR},    {ISCSI_OP_SCSI_CMD, ISCSI_FROM_INITIATOR},
	    {ISCSI_OP_TMF_REQ, ISCSI_FROM_INITIATOR},    {ISCSI_OP_LOGIN_REQ, ISCSI_FROM_INITIATOR},
	    {ISCSI_OP_TEXT_REQ, ISCSI_FROM_INITIATOR},   {ISCSI_OP_DATA_OUT, ISCSI_FROM_INITIATOR},
	    {ISCSI_OP_LOGOUT_REQ, ISCSI_FROM_INITIATOR}, {ISCSI_OP_SNACK_REQ, ISCSI_FROM_INITIATOR},
	    {ISCSI_OP_NOP_IN, ISCSI_FROM_TARGET},        {ISCSI_OP_SCSI_RSP, ISCSI_FROM_TARGET},
	    {ISCSI_OP_TMF_RSP, ISCSI_FROM_TARGET},       {ISCSI_OP_LOGIN_RSP, ISCSI_FROM_TARGET},
	    {ISCSI_OP_TEXT_RSP, ISCSI_FROM_TARGET},      {ISCSI_OP_DATA_IN, ISCSI_FROM_TARGET},
	    {ISCSI_OP_LOGOUT_RSP, ISCSI_FROM_TARGET},    {ISCSI_OP_R2T, ISCSI_FROM_TARGET},
	    {ISCSI_OP_ASYNC, ISCSI_FROM_TARGET},         {ISCSI_OP_REJECT, ISCSI_FROM_TARGET},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct iscsi_pdu in, out, again;
		uint8_t bhs[48], bhs2[48];
		const char *why = NULL;

		fill(&in, ops[i].op);
		in.immediate = ops[i].dir == ISCSI_FROM_INITIATOR;
		if (ops[i].op == ISCSI_OP_LOGIN_REQ || ops[i].op == ISCSI_OP_LOGIN_RSP)
			in.flags = ISCSI_LOGIN_FLAGS(1, 0, 1, 3);
		assert_int_equal(iscsi_pdu_encode(&in, bhs), 0);
		assert_int_equal(bhs[0] & 0x3f, ops[i].op);
		assert_int_equal(bhs[4], 2);
		assert_int_equal(bhs[5] << 16 | bhs[6] << 8 | bhs[7], 0x123456);
		assert_int_equal(iscsi_pdu_decode(bhs, ops[i].dir, ISCSI_DSL_MAX, &out, &why), 0);
		assert_int_equal(out.opcode, ops[i].op);
		assert_int_equal(out.itt, in.itt);
		assert_int_equal(out.ahs_len, 8);
		assert_int_equal(out.data_len, 0x123456);
		assert_int_equal(out.immediate, ops[i].dir == ISCSI_FROM_INITIATOR);
		/* decode is the inverse of encode: re-encoding gives the same bytes */
		assert_int_equal(iscsi_pdu_encode(&out, bhs2), 0);
		assert_memory_equal(bhs, bhs2, 48);
		assert_int_equal(iscsi_pdu_decode(bhs2, ops[i].dir, ISCSI_DSL_MAX, &again, &why),
		                 0);
		assert_memory_equal(&out, &again, sizeof(out));
		/* wrong direction is refused */
		assert_int_equal(iscsi_pdu_decode(bhs, !ops[i].dir, ISCSI_DSL_MAX, &out, &why),
		                 -EPROTO);
		assert_non_null(why);
		assert_string_not_equal(iscsi_pdu_opcode_name(ops[i].op), "unknown opcode");
	}
}

/* Known byte layouts, written from RFC 7143 §11 rather than through the encoder. */
static void test_field_positions(void **state)
{
	struct iscsi_pdu p;
	uint8_t bhs[48];
	const char *why;
	(void)state;

	/* SCSI Command: READ(10) of 8 blocks, EDTL 4096, CmdSN 7, ExpStatSN 9 */
	fill(&p, ISCSI_OP_SCSI_CMD);
	p.immediate = false;
	p.flags = ISCSI_F_FINAL | ISCSI_F_CMD_READ | ISCSI_ATTR_SIMPLE;
	p.ahs_len = 0;
	p.data_len = 0;
	p.itt = 0x10;
	p.exp_xfer_len = 4096;
	p.cmdsn = 7;
	p.expstatsn = 9;
	memset(p.lun, 0, 8);
	p.lun[1] = 1;
	memset(p.cdb, 0, 16);
	p.cdb[0] = 0x28;
	p.cdb[8] = 8;
	assert_int_equal(iscsi_pdu_encode(&p, bhs), 0);
	static const uint8_t want[48] = {
	    0x01, 0xc1, 0, 0, 0, 0, 0, 0, 0,    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0x10, 0,
	    0,    0,    0, 7, 0, 0, 0, 9, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0,    0, 0, 0,    0,
	};
	assert_memory_equal(bhs, want, 48);

	/* Data-In with status: F, S, U; status 0; residual 512 */
	static const uint8_t din[48] = {
	    0x25, 0x83, 0, 0x00, 0,    0,    0x02, 0x00, 0, 1, 0,    0, 0, 0, 0, 0,
	    0,    0,    0, 0x10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0,    5, 0, 0, 0, 8,
	    0,    0,    0, 0x27, 0,    0,    0,    0,    0, 0, 0x10, 0, 0, 0, 2, 0,
	};
	assert_int_equal(iscsi_pdu_decode(din, ISCSI_FROM_TARGET, 8192, &p, &why), 0);
	assert_int_equal(p.opcode, ISCSI_OP_DATA_IN);
	assert_int_equal(p.flags & (ISCSI_F_FINAL | ISCSI_F_DATA_STATUS | ISCSI_F_UNDERFLOW), 0x83);
	assert_int_equal(p.data_len, 512);
	assert_int_equal(p.lun[1], 1);
	assert_int_equal(p.itt, 0x10);
	assert_int_equal(p.ttt, ISCSI_TAG_RESERVED);
	assert_int_equal(p.statsn, 5);
	assert_int_equal(p.expcmdsn, 8);
	assert_int_equal(p.maxcmdsn, 0x27);
	assert_int_equal(p.datasn, 0);
	assert_int_equal(p.offset, 0x1000);
	assert_int_equal(p.residual, 0x200);

	/* Login Response, status 0x0201, T=0 CSG=0 */
	static const uint8_t lrsp[48] = {
	    0x23, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0x80, 0x12, 0x34, 0x56, 0, 1, 0, 0,
	    0,    0,    0,    1,    0, 0, 0, 0, 0,    0,    0,    3,    0, 0, 0, 1,
	    0,    0,    0,    1,    2, 1, 0, 0, 0,    0,    0,    0,    0, 0, 0, 0,
	};
	assert_int_equal(iscsi_pdu_decode(lrsp, ISCSI_FROM_TARGET, 8192, &p, &why), 0);
	assert_int_equal(p.status_class, 2);
	assert_int_equal(p.status_detail, 1);
	assert_int_equal(p.statsn, 3);
	assert_int_equal(p.isid[0], 0x80);
	assert_int_equal(p.tsih, 0);

	/* R2T: TTT, R2TSN, offset, desired length */
	fill(&p, ISCSI_OP_R2T);
	p.xfer_len = 65536;
	assert_int_equal(iscsi_pdu_encode(&p, bhs), 0);
	assert_int_equal(bhs[44] << 24 | bhs[45] << 16 | bhs[46] << 8 | bhs[47], 65536);
	assert_int_equal(bhs[20], 0x05);
}

static void expect_decode_error(const uint8_t bhs[48], enum iscsi_dir dir, uint32_t max,
                                const char *why)
{
	struct iscsi_pdu p;
	const char *got = NULL;

	assert_int_equal(iscsi_pdu_decode(bhs, dir, max, &p, &got), -EPROTO);
	assert_non_null(got);
	assert_string_equal(got, why);
	assert_int_equal(iscsi_pdu_decode(bhs, dir, max, &p, NULL), -EPROTO);
}

static void test_decode_errors(void **state)
{
	uint8_t b[48];
	(void)state;

	memset(b, 0, 48);
	b[0] = 0x20 | 0x80;
	b[1] = 0x80;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "reserved bit set in byte 0");
	b[0] = 0x3c; /* vendor specific */
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "unknown or vendor-specific opcode");
	b[0] = 0x11;
	expect_decode_error(b, ISCSI_FROM_INITIATOR, 8192, "unknown or vendor-specific opcode");
	b[0] = ISCSI_OP_SNACK_REQ;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "initiator opcode received from target");
	b[0] = ISCSI_OP_NOP_IN;
	expect_decode_error(b, ISCSI_FROM_INITIATOR, 8192, "target opcode in initiator PDU");
	b[7] = 1;
	b[6] = 0x20; /* 8193 */
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192,
	                    "DataSegmentLength exceeds our MaxRecvDataSegmentLength");
	b[6] = 0x20;
	b[7] = 0;
	struct iscsi_pdu p;
	assert_int_equal(iscsi_pdu_decode(b, ISCSI_FROM_TARGET, 8192, &p, NULL), 0);

	memset(b, 0, 48);
	b[0] = ISCSI_OP_DATA_IN;
	b[1] = ISCSI_F_DATA_STATUS;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192,
	                    "Data-In with status but without the F bit");
	b[1] = ISCSI_F_FINAL | ISCSI_F_OVERFLOW | ISCSI_F_UNDERFLOW;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "Data-In with both overflow and underflow");
	b[0] = ISCSI_OP_SCSI_RSP;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192,
	                    "SCSI Response with both overflow and underflow");
	b[1] = 0x80 | ISCSI_F_BIDI_OVERFLOW | ISCSI_F_BIDI_UNDERFLOW;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192,
	                    "SCSI Response with both bidi overflow and underflow");
	b[0] = ISCSI_OP_LOGIN_RSP;
	b[1] = ISCSI_F_FINAL | ISCSI_F_CONTINUE | 1;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "Login PDU with both T and C bits");
	b[1] = ISCSI_LOGIN_FLAGS(0, 0, 2, 0);
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "Login PDU with reserved stage value 2");
	b[1] = ISCSI_LOGIN_FLAGS(1, 0, 1, 2);
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "Login PDU with reserved stage value 2");
	b[1] = ISCSI_LOGIN_FLAGS(0, 0, 1, 2); /* NSG is ignored without T */
	assert_int_equal(iscsi_pdu_decode(b, ISCSI_FROM_TARGET, 8192, &p, NULL), 0);
	b[0] = ISCSI_OP_TEXT_RSP;
	b[1] = ISCSI_F_FINAL | ISCSI_F_CONTINUE;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192, "Text PDU with both F and C bits");
	b[0] = ISCSI_OP_R2T;
	b[1] = 0x80;
	expect_decode_error(b, ISCSI_FROM_TARGET, 8192,
	                    "R2T with zero Desired Data Transfer Length");

	/* leniency: I bit on a target PDU, missing constant F bit, reserved bytes */
	memset(b, 0xee, 48);
	b[0] = 0x40 | ISCSI_OP_NOP_IN;
	b[1] = 0;
	b[4] = 0;
	b[5] = b[6] = b[7] = 0;
	assert_int_equal(iscsi_pdu_decode(b, ISCSI_FROM_TARGET, 8192, &p, NULL), 0);
	assert_false(p.immediate);
}

static void test_encode_errors(void **state)
{
	struct iscsi_pdu p;
	uint8_t b[48];
	(void)state;

	memset(&p, 0, sizeof(p));
	p.opcode = 0x3c;
	assert_int_equal(iscsi_pdu_encode(&p, b), -EINVAL);
	p.opcode = ISCSI_OP_NOP_OUT;
	p.data_len = ISCSI_DSL_MAX + 1;
	assert_int_equal(iscsi_pdu_encode(&p, b), -EINVAL);
	p.data_len = 0;
	p.ahs_len = 6;
	assert_int_equal(iscsi_pdu_encode(&p, b), -EINVAL);
	p.ahs_len = 1024;
	assert_int_equal(iscsi_pdu_encode(&p, b), -EINVAL);
	p.ahs_len = ISCSI_AHS_MAX;
	assert_int_equal(iscsi_pdu_encode(&p, b), 0);
	assert_int_equal(b[4], 255);
}

static void test_layout(void **state)
{
	struct iscsi_pdu_layout l;
	(void)state;

	iscsi_pdu_layout(0, 0, false, false, &l);
	assert_int_equal(l.total, 48);
	assert_int_equal(l.data, 48);
	assert_false(l.has_data_digest);

	iscsi_pdu_layout(0, 0, true, true, &l); /* no data: no data digest */
	assert_int_equal(l.total, 52);
	assert_false(l.has_data_digest);

	iscsi_pdu_layout(8, 5, true, true, &l);
	assert_int_equal(l.ahs, 48);
	assert_int_equal(l.hdr_digest, 56);
	assert_int_equal(l.data, 60);
	assert_int_equal(l.pad, 3);
	assert_int_equal(l.data_digest, 68);
	assert_int_equal(l.total, 72);

	iscsi_pdu_layout(0, 8192, false, true, &l);
	assert_int_equal(l.pad, 0);
	assert_int_equal(l.total, 48 + 8192 + 4);
	assert_int_equal(iscsi_pdu_pad(1), 3);
	assert_int_equal(iscsi_pdu_pad(2), 2);
	assert_int_equal(iscsi_pdu_pad(3), 1);
	assert_int_equal(iscsi_pdu_pad(4), 0);
}

static void test_digests(void **state)
{
	uint8_t hdr[48] = {0}, d[4];
	uint8_t data[8] = {1, 2, 3, 4, 5, 0, 0, 0};
	(void)state;

	iscsi_pdu_put_hdr_digest(hdr, 48, d);
	assert_int_equal(crc32c_get(d), crc32c(hdr, 48));
	assert_int_equal(iscsi_pdu_check_hdr_digest(hdr, 48, d), 0);
	hdr[47] = 1;
	assert_int_equal(iscsi_pdu_check_hdr_digest(hdr, 48, d), -EBADMSG);

	/* sending side pads virtually; receiving side digests the wire bytes */
	iscsi_pdu_put_data_digest(data, 5, d);
	assert_int_equal(crc32c_get(d), crc32c(data, 8));
	assert_int_equal(iscsi_pdu_check_data_digest(data, 5, d), 0);
	data[6] = 0xff; /* non-zero padding on the wire changes the digest */
	assert_int_equal(iscsi_pdu_check_data_digest(data, 5, d), -EBADMSG);
	iscsi_pdu_put_data_digest(data, 8, d);
	assert_int_equal(iscsi_pdu_check_data_digest(data, 8, d), 0);
}

static void test_sense_and_reject(void **state)
{
	const uint8_t *sense;
	uint32_t n;
	struct iscsi_pdu p;
	const char *why = NULL;
	(void)state;

	static const uint8_t seg[] = {0, 4, 0x70, 0, 6, 0, 0xaa};
	assert_int_equal(iscsi_pdu_sense(seg, sizeof(seg), &sense, &n), 0);
	assert_int_equal(n, 4);
	assert_ptr_equal(sense, seg + 2);
	assert_int_equal(iscsi_pdu_sense(seg, 0, &sense, &n), 0);
	assert_null(sense);
	assert_int_equal(n, 0);
	assert_int_equal(iscsi_pdu_sense(seg, 1, &sense, &n), -EPROTO);
	assert_int_equal(iscsi_pdu_sense(seg, 5, &sense, &n), -EPROTO);
	assert_int_equal(iscsi_pdu_sense(seg, 6, &sense, &n), 0);

	/* a Reject echoes our SCSI Command header */
	struct iscsi_pdu cmd;
	uint8_t hdr[52];
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = ISCSI_OP_SCSI_CMD;
	cmd.flags = ISCSI_F_FINAL;
	cmd.itt = 77;
	assert_int_equal(iscsi_pdu_encode(&cmd, hdr), 0);
	assert_int_equal(iscsi_pdu_rejected_header(hdr, 52, &p, &why), 0);
	assert_int_equal(p.opcode, ISCSI_OP_SCSI_CMD);
	assert_int_equal(p.itt, 77);
	assert_int_equal(iscsi_pdu_rejected_header(hdr, 47, &p, &why), -EPROTO);
	assert_string_equal(why, "Reject without the rejected header");

	assert_string_equal(iscsi_pdu_reject_reason(0x09), "invalid PDU field");
	assert_string_equal(iscsi_pdu_reject_reason(0x02), "data digest error");
	assert_string_equal(iscsi_pdu_reject_reason(0x77), "unknown reject reason");
	for (int r = 0; r < 256; r++)
		assert_non_null(iscsi_pdu_reject_reason((uint8_t)r));
	assert_string_equal(iscsi_pdu_opcode_name(0x3c), "unknown opcode");
	assert_string_equal(iscsi_pdu_opcode_name(ISCSI_OP_R2T), "R2T");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_all_opcodes),
	    cmocka_unit_test(test_field_positions),
	    cmocka_unit_test(test_decode_errors),
	    cmocka_unit_test(test_encode_errors),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_digests),
	    cmocka_unit_test(test_sense_and_reject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
