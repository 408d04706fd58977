/* Unit tests for blk/scsi: CDB builders, INQUIRY/READ CAPACITY/REPORT LUNS parsing, sense. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/scsi.h"

static void test_cdbs(void **state)
{
	uint8_t c[16];
	(void)state;

	assert_int_equal(scsi_cdb_test_unit_ready(c), 6);
	static const uint8_t tur[16] = {0};
	assert_memory_equal(c, tur, 16);

	assert_int_equal(scsi_cdb_request_sense(c, 252), 6);
	assert_int_equal(c[0], 0x03);
	assert_int_equal(c[4], 252);

	assert_int_equal(scsi_cdb_inquiry(c, false, 0, 96), 6);
	static const uint8_t inq[6] = {0x12, 0, 0, 0, 96, 0};
	assert_memory_equal(c, inq, 6);
	assert_int_equal(scsi_cdb_inquiry(c, true, SCSI_VPD_DEVICE_ID, 0x1234), 6);
	static const uint8_t vpd[6] = {0x12, 1, 0x83, 0x12, 0x34, 0};
	assert_memory_equal(c, vpd, 6);

	assert_int_equal(scsi_cdb_report_luns(c, 0, 0x10008), 12);
	static const uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0};
	assert_memory_equal(c, rl, 12);

	assert_int_equal(scsi_cdb_read_capacity10(c), 10);
	assert_int_equal(c[0], 0x25);
	assert_int_equal(scsi_cdb_read_capacity16(c, 32), 16);
	static const uint8_t rc16[16] = {0x9e, 0x10, [13] = 32};
	assert_memory_equal(c, rc16, 16);
}

static void test_read_write(void **state)
{
	uint8_t c[16];
	(void)state;

	assert_int_equal(scsi_cdb_read(c, 0x12345678, 8, false), 10);
	static const uint8_t r10[10] = {0x28, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 8, 0};
	assert_memory_equal(c, r10, 10);
	assert_int_equal(c[10], 0);

	assert_int_equal(scsi_cdb_write(c, 0, 65535, true), 10);
	static const uint8_t w10[10] = {0x2a, 0x08, 0, 0, 0, 0, 0, 0xff, 0xff, 0};
	assert_memory_equal(c, w10, 10);

	/* too many blocks, or past 2^32, or ending past 2^32: 16-byte form */
	assert_int_equal(scsi_cdb_read(c, 0, 65536, false), 16);
	static const uint8_t r16[16] = {0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
	assert_memory_equal(c, r16, 16);
	assert_int_equal(scsi_cdb_write(c, 0x100000000ull, 1, false), 16);
	static const uint8_t w16[16] = {0x8a, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};
	assert_memory_equal(c, w16, 16);
	assert_int_equal(scsi_cdb_read(c, 0xffffffffull, 1, false), 10);
	assert_int_equal(scsi_cdb_read(c, 0xffffffffull, 2, false), 16);

	assert_int_equal(scsi_cdb_read(c, 0, 0, false), -EINVAL);
	assert_int_equal(scsi_cdb_read(c, UINT64_MAX, 1, false), -EINVAL);
	assert_int_equal(scsi_cdb_read(c, UINT64_MAX - 1, 1, false), 16);

	assert_int_equal(scsi_cdb_sync_cache(c, 0, 0), 10);
	assert_int_equal(c[0], 0x35);
	assert_int_equal(scsi_cdb_sync_cache(c, 1ull << 40, 0), 16);
	assert_int_equal(c[0], 0x91);
	assert_int_equal(c[4], 1); /* bit 40 of the big-endian LBA in bytes 2-9 */
	assert_int_equal(scsi_cdb_sync_cache(c, 0, 70000), 16);
	assert_int_equal(scsi_cdb_sync_cache(c, UINT64_MAX, 2), -EINVAL);
}

static void test_inquiry(void **state)
{
	struct scsi_inquiry q;
	uint8_t d[36];
	(void)state;

	memset(d, 0, sizeof(d));
	d[0] = 0x00;
	d[1] = 0x80;
	d[2] = 0x06;
	memcpy(d + 8, "LIO-ORG ", 8);
	memcpy(d + 16, "disk1           ", 16);
	memcpy(d + 32, "4.0\0", 4);
	assert_int_equal(scsi_parse_inquiry(d, 36, &q), 0);
	assert_string_equal(q.vendor, "LIO-ORG");
	assert_string_equal(q.product, "disk1");
	assert_string_equal(q.revision, "4.0");
	assert_true(q.removable);
	assert_int_equal(q.version, 6);
	assert_int_equal(q.device_type, 0);

	d[0] = 0x7f; /* qualifier 3: no LUN here; device type 0x1f */
	d[8] = 0x01; /* non-printable byte tamed */
	memset(d + 16, ' ', 16);
	assert_int_equal(scsi_parse_inquiry(d, 36, &q), 0);
	assert_int_equal(q.qualifier, 3);
	assert_int_equal(q.device_type, 0x1f);
	assert_string_equal(q.vendor, "?IO-ORG");
	assert_string_equal(q.product, "");
	assert_int_equal(scsi_parse_inquiry(d, 35, &q), -EBADMSG);
	assert_int_equal(scsi_parse_inquiry(NULL, 36, &q), -EBADMSG);
}

static void test_capacity(void **state)
{
	struct scsi_capacity cap;
	(void)state;

	static const uint8_t c10[8] = {0x00, 0x3f, 0xff, 0xff, 0, 0, 0x02, 0};
	assert_int_equal(scsi_parse_read_capacity10(c10, 8, &cap), 0);
	assert_int_equal(cap.blocks, 0x400000);
	assert_int_equal(cap.block_size, 512);
	static const uint8_t big[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0};
	assert_int_equal(scsi_parse_read_capacity10(big, 8, &cap), -EOVERFLOW);
	static const uint8_t zero_bs[8] = {0, 0, 0, 1, 0, 0, 0, 0};
	assert_int_equal(scsi_parse_read_capacity10(zero_bs, 8, &cap), -EBADMSG);
	assert_int_equal(scsi_parse_read_capacity10(c10, 7, &cap), -EBADMSG);

	static const uint8_t c16[32] = {0, 0, 0, 1, 0, 0, 0, 0xff, 0, 0, 0x10, 0, 0x01, 0x03, 0x80};
	assert_int_equal(scsi_parse_read_capacity16(c16, 32, &cap), 0);
	assert_true(cap.blocks == 0x100000100ull);
	assert_int_equal(cap.block_size, 4096);
	assert_true(cap.protection);
	assert_int_equal(cap.phys_exp, 3);
	assert_true(cap.thin);
	assert_int_equal(scsi_parse_read_capacity16(c16, 12, &cap), 0);
	assert_false(cap.thin);
	assert_int_equal(scsi_parse_read_capacity16(c16, 11, &cap), -EBADMSG);
	static const uint8_t max16[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                  0xff, 0xff, 0,    0,    2,    0};
	assert_int_equal(scsi_parse_read_capacity16(max16, 12, &cap), -EBADMSG);
}

static void test_report_luns_and_lun_codec(void **state)
{
	uint8_t luns[4][8];
	uint32_t total, num;
	(void)state;

	static const uint8_t rl[32] = {0, 0, 0, 24, 0, 0, 0, 0, 0,    0,    0, 0, 0, 0, 0, 0,
	                               0, 1, 0, 0,  0, 0, 0, 0, 0x41, 0x2c, 0, 0, 0, 0, 0, 0};
	assert_int_equal(scsi_parse_report_luns(rl, 32, luns, 4, &total), 3);
	assert_int_equal(total, 3);
	assert_int_equal(scsi_parse_report_luns(rl, 31, luns, 4, &total), 2); /* partial entry */
	assert_int_equal(scsi_lun_decode(luns[0], &num), 0);
	assert_int_equal(num, 0);
	assert_int_equal(scsi_lun_decode(luns[1], &num), 0);
	assert_int_equal(num, 1);
	assert_int_equal(scsi_parse_report_luns(rl, 32, luns, 1, &total), 1);
	assert_int_equal(scsi_parse_report_luns(rl, 8, NULL, 0, &total), 0);
	assert_int_equal(total, 3);
	uint8_t full[40];
	memcpy(full, rl, 32);
	memset(full + 32, 0, 8);
	full[3] = 32;
	full[32] = 0x41;
	full[33] = 0x2c;
	assert_int_equal(scsi_parse_report_luns(full, 40, luns, 4, &total), 4);
	assert_int_equal(scsi_lun_decode(luns[3], &num), 0);
	assert_int_equal(num, 300);
	static const uint8_t odd[8] = {0, 0, 0, 12};
	assert_int_equal(scsi_parse_report_luns(odd, 8, luns, 4, &total), -EBADMSG);
	assert_int_equal(scsi_parse_report_luns(odd, 7, luns, 4, &total), -EBADMSG);

	uint8_t lun[8];
	for (uint32_t n = 0; n <= 0x3fff; n += 97) {
		assert_int_equal(scsi_lun_encode(n, lun), 0);
		assert_int_equal(scsi_lun_decode(lun, &num), 0);
		assert_int_equal(num, n);
	}
	assert_int_equal(scsi_lun_encode(255, lun), 0);
	assert_int_equal(lun[0], 0);
	assert_int_equal(scsi_lun_encode(256, lun), 0);
	assert_int_equal(lun[0], 0x41);
	assert_int_equal(scsi_lun_encode(0x4000, lun), -EINVAL);
	static const uint8_t wlun[8] = {0xc1, 0x01};
	assert_int_equal(scsi_lun_decode(wlun, &num), -EOPNOTSUPP);
	static const uint8_t bus[8] = {0x01, 0x00};
	assert_int_equal(scsi_lun_decode(bus, &num), -EOPNOTSUPP);
	static const uint8_t two_level[8] = {0, 1, 0, 2};
	assert_int_equal(scsi_lun_decode(two_level, &num), -EOPNOTSUPP);
}

static void test_sense_fixed(void **state)
{
	struct scsi_sense s;
	char msg[128];
	(void)state;

	/* UNIT ATTENTION, power on or reset, with INFORMATION */
	static const uint8_t ua[18] = {0xf0, 0, 0x06, 0,    0,    0x12, 0x34, 10, 0,
	                               0,    0, 0,    0x29, 0x00, 0,    0,    0,  0};
	assert_int_equal(scsi_parse_sense(ua, 18, &s), 0);
	assert_int_equal(s.key, SCSI_SK_UNIT_ATTENTION);
	assert_int_equal(s.asc, 0x29);
	assert_true(s.info_valid);
	assert_int_equal(s.info, 0x1234);
	assert_false(s.deferred);
	assert_int_equal(scsi_sense_errno(&s), -EAGAIN);
	scsi_sense_describe(&s, msg, sizeof(msg));
	assert_string_equal(
	    msg, "unit attention: power on, reset, or bus device reset occurred (29/00)");

	/* truncated: the additional length says ASC is not there */
	static const uint8_t trunc[14] = {0x71, 0, 0x22, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x3a, 0x01};
	assert_int_equal(scsi_parse_sense(trunc, 14, &s), 0);
	assert_true(s.deferred);
	assert_int_equal(s.asc, 0);
	assert_true(s.ili);
	assert_int_equal(s.key, SCSI_SK_NOT_READY);
	assert_int_equal(scsi_parse_sense(trunc, 3, &s), 0);
	/* additional length claims more than was returned: read what is there */
	static const uint8_t cut[13] = {0x70, 0, 0x05, 0, 0, 0, 0, 200, 0, 0, 0, 0, 0x24};
	assert_int_equal(scsi_parse_sense(cut, 13, &s), 0);
	assert_int_equal(s.asc, 0x24);
	assert_int_equal(s.ascq, 0);
	assert_int_equal(scsi_parse_sense(trunc, 2, &s), -EBADMSG);
	assert_int_equal(scsi_parse_sense(trunc, 0, &s), -EBADMSG);
	static const uint8_t vendor[18] = {0x7f};
	assert_int_equal(scsi_parse_sense(vendor, 18, &s), -EBADMSG);
	static const uint8_t old[18] = {0x00};
	assert_int_equal(scsi_parse_sense(old, 18, &s), -EBADMSG);

	s.key = SCSI_SK_NOT_READY;
	s.deferred = true;
	s.asc = 0x99;
	scsi_sense_describe(&s, msg, sizeof(msg));
	assert_string_equal(msg, "not ready: additional sense code (99/00) [deferred]");
	scsi_sense_describe(&s, msg, 12);
	assert_string_equal(msg, "not ready: ");
	scsi_sense_describe(&s, msg, 1);
	assert_string_equal(msg, "");
}

static void test_sense_descriptor(void **state)
{
	struct scsi_sense s;
	(void)state;

	/* MEDIUM ERROR 11/00 with an information descriptor (LBA) and a block descriptor (ILI) */
	static const uint8_t d[28] = {0x72, 0x03, 0x11, 0x00, 0,    0,    0, 20, 0x00, 0x0a,
	                              0x80, 0,    0,    0,    0,    0,    0, 0,  0x10, 0x00,
	                              0x05, 0x02, 0,    0x20, 0x09, 0x09, 0, 0};
	assert_int_equal(scsi_parse_sense(d, 28, &s), 0);
	assert_int_equal(s.key, SCSI_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0x11);
	assert_true(s.info_valid);
	assert_int_equal(s.info, 0x1000);
	assert_true(s.ili);
	assert_int_equal(scsi_sense_errno(&s), -EIO);
	/* a descriptor overrunning the additional length is ignored, not read */
	uint8_t bad[28];
	memcpy(bad, d, 28);
	bad[9] = 0x40;
	assert_int_equal(scsi_parse_sense(bad, 28, &s), 0);
	assert_false(s.info_valid);
	/* additional length beyond the buffer */
	memcpy(bad, d, 28);
	bad[7] = 250;
	assert_int_equal(scsi_parse_sense(bad, 28, &s), 0);
	assert_true(s.info_valid);
	/* short descriptor-format sense */
	assert_int_equal(scsi_parse_sense(d, 4, &s), 0);
	assert_int_equal(s.asc, 0x11);
	assert_int_equal(scsi_parse_sense(d, 1, &s), -EBADMSG);
	static const uint8_t deferred[8] = {0x73, 0x06, 0x2a, 0x09, 0, 0, 0, 0};
	assert_int_equal(scsi_parse_sense(deferred, 8, &s), 0);
	assert_true(s.deferred);
	static const uint8_t stream[12] = {0x72, 0x00, 0, 0, 0, 0, 0, 4, 0x04, 0x02, 0, 0xc0};
	assert_int_equal(scsi_parse_sense(stream, 12, &s), 0);
	assert_true(s.filemark && s.eom);
}

static void test_errno_table(void **state)
{
	static const struct {
		uint8_t key, asc, ascq;
		int err;
	} t[] = {
	    {SCSI_SK_NO_SENSE, 0, 0, 0},
	    {SCSI_SK_RECOVERED_ERROR, 0x17, 0, 0},
	    {SCSI_SK_NOT_READY, 0x04, 0x01, -EAGAIN},
	    {SCSI_SK_NOT_READY, 0x04, 0x0a, -EAGAIN},
	    {SCSI_SK_NOT_READY, 0x04, 0x02, -EBUSY},
	    {SCSI_SK_NOT_READY, 0x3a, 0x02, -ENODEV},
	    {SCSI_SK_MEDIUM_ERROR, 0x11, 0, -EIO},
	    {SCSI_SK_HARDWARE_ERROR, 0x44, 0, -EIO},
	    {SCSI_SK_ILLEGAL_REQUEST, 0x20, 0, -EOPNOTSUPP},
	    {SCSI_SK_ILLEGAL_REQUEST, 0x25, 0, -ENXIO},
	    {SCSI_SK_ILLEGAL_REQUEST, 0x21, 0, -ERANGE},
	    {SCSI_SK_ILLEGAL_REQUEST, 0x24, 0, -EINVAL},
	    {SCSI_SK_UNIT_ATTENTION, 0x2a, 0x09, -EAGAIN},
	    {SCSI_SK_DATA_PROTECT, 0x27, 0, -EROFS},
	    {SCSI_SK_DATA_PROTECT, 0x27, 0x07, -ENOSPC},
	    {SCSI_SK_BLANK_CHECK, 0, 0, -ENODATA},
	    {SCSI_SK_VENDOR_SPECIFIC, 0, 0, -EIO},
	    {SCSI_SK_COPY_ABORTED, 0, 0, -EIO},
	    {SCSI_SK_ABORTED_COMMAND, 0x47, 0, -EAGAIN},
	    {SCSI_SK_VOLUME_OVERFLOW, 0, 0, -ENOSPC},
	    {SCSI_SK_MISCOMPARE, 0x1d, 0, -EILSEQ},
	    {0xf, 0, 0, -EIO},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct scsi_sense s = {.key = t[i].key, .asc = t[i].asc, .ascq = t[i].ascq};
		assert_int_equal(scsi_sense_errno(&s), t[i].err);
	}
	assert_int_equal(scsi_status_errno(SCSI_STATUS_GOOD), 0);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_CONDITION_MET), 0);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_BUSY), -EBUSY);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_ACA_ACTIVE), -EBUSY);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_RESERVATION_CONFLICT), -EACCES);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_TASK_SET_FULL), -EAGAIN);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_TASK_ABORTED), -EAGAIN);
	assert_int_equal(scsi_status_errno(SCSI_STATUS_CHECK_CONDITION), -EIO);
	assert_int_equal(scsi_status_errno(0x77), -EIO);

	for (int k = 0; k < 16; k++)
		assert_non_null(scsi_sense_key_name((uint8_t)k));
	assert_string_equal(scsi_sense_key_name(SCSI_SK_DATA_PROTECT), "data protect");
	assert_string_equal(scsi_asc_name(0x3a, 0x02), "medium not present");
	assert_string_equal(scsi_asc_name(0x24, 0x00), "invalid field in CDB");
	assert_null(scsi_asc_name(0x24, 0x01));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cdbs),
	    cmocka_unit_test(test_read_write),
	    cmocka_unit_test(test_inquiry),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_report_luns_and_lun_codec),
	    cmocka_unit_test(test_sense_fixed),
	    cmocka_unit_test(test_sense_descriptor),
	    cmocka_unit_test(test_errno_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
