/*
 * SCSI command building and response parsing for a block device initiator (SPC-4 / SBC-3):
 * CDB builders, INQUIRY / READ CAPACITY / REPORT LUNS parsers, SAM LUN encoding, and sense
 * data decoding with the translation of SCSI errors into errno (done here, once).
 *
 * Pure byte work on caller buffers; no allocation, reentrant, any context.  Parsers return
 * -EBADMSG when the device's data is malformed (distinct from transport-level -EPROTO).
 *
 * Sense key -> errno (scsi_sense_errno):
 *   NO SENSE, RECOVERED ERROR          0        (the command did its job)
 *   NOT READY                          -EBUSY   (retry after a delay), except
 *       04/01 becoming ready, 04/07 operation in progress, 04/0A ALUA transition -> -EAGAIN
 *       3A/xx medium not present                                               -> -ENODEV
 *   MEDIUM ERROR, HARDWARE ERROR       -EIO
 *   ILLEGAL REQUEST                    -EINVAL, except
 *       20/00 invalid opcode -> -EOPNOTSUPP, 25/00 LUN not supported -> -ENXIO,
 *       21/00 LBA out of range -> -ERANGE
 *   UNIT ATTENTION                     -EAGAIN  (state changed: re-check, then retry)
 *   DATA PROTECT                       -EROFS, except 27/07 space allocation failed -> -ENOSPC
 *   BLANK CHECK                        -ENODATA
 *   ABORTED COMMAND                    -EAGAIN  (retry)
 *   VOLUME OVERFLOW                    -ENOSPC
 *   MISCOMPARE                         -EILSEQ
 *   others (vendor, copy aborted...)   -EIO
 * SCSI status without sense (scsi_status_errno): GOOD 0, CONDITION MET 0, BUSY -EBUSY,
 * RESERVATION CONFLICT -EACCES, TASK SET FULL -EAGAIN, TASK ABORTED -EAGAIN, ACA ACTIVE -EBUSY,
 * CHECK CONDITION without sense -EIO, anything else -EIO.
 */
#ifndef BLK_SCSI_H
#define BLK_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSI_CDB_MAX 16

/* Status byte values (SAM-5). */
#define SCSI_STATUS_GOOD                 0x00
#define SCSI_STATUS_CHECK_CONDITION      0x02
#define SCSI_STATUS_CONDITION_MET        0x04
#define SCSI_STATUS_BUSY                 0x08
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define SCSI_STATUS_TASK_SET_FULL        0x28
#define SCSI_STATUS_ACA_ACTIVE           0x30
#define SCSI_STATUS_TASK_ABORTED         0x40

/* Sense keys. */
#define SCSI_SK_NO_SENSE        0x0
#define SCSI_SK_RECOVERED_ERROR 0x1
#define SCSI_SK_NOT_READY       0x2
#define SCSI_SK_MEDIUM_ERROR    0x3
#define SCSI_SK_HARDWARE_ERROR  0x4
#define SCSI_SK_ILLEGAL_REQUEST 0x5
#define SCSI_SK_UNIT_ATTENTION  0x6
#define SCSI_SK_DATA_PROTECT    0x7
#define SCSI_SK_BLANK_CHECK     0x8
#define SCSI_SK_VENDOR_SPECIFIC 0x9
#define SCSI_SK_COPY_ABORTED    0xa
#define SCSI_SK_ABORTED_COMMAND 0xb
#define SCSI_SK_VOLUME_OVERFLOW 0xd
#define SCSI_SK_MISCOMPARE      0xe

#define SCSI_VPD_SUPPORTED 0x00
#define SCSI_VPD_SERIAL    0x80
#define SCSI_VPD_DEVICE_ID 0x83

/*
 * CDB builders.  Each fills cdb[0..SCSI_CDB_MAX) (unused bytes zeroed) and returns the CDB
 * length.  Allocation lengths are the caller's buffer sizes.
 */
size_t scsi_cdb_test_unit_ready(uint8_t cdb[SCSI_CDB_MAX]);
size_t scsi_cdb_request_sense(uint8_t cdb[SCSI_CDB_MAX], uint8_t alloc_len);
/* Standard data when evpd is false (page must then be 0); VPD page otherwise. */
size_t scsi_cdb_inquiry(uint8_t cdb[SCSI_CDB_MAX], bool evpd, uint8_t page, uint16_t alloc_len);
size_t scsi_cdb_report_luns(uint8_t cdb[SCSI_CDB_MAX], uint8_t select_report, uint32_t alloc_len);
size_t scsi_cdb_read_capacity10(uint8_t cdb[SCSI_CDB_MAX]);
size_t scsi_cdb_read_capacity16(uint8_t cdb[SCSI_CDB_MAX], uint32_t alloc_len);

/*
 * READ / WRITE of blocks at lba: the 10-byte form when lba and blocks fit (lba < 2^32,
 * blocks <= 65535), else the 16-byte form.  fua sets Force Unit Access.  Returns the CDB
 * length, or -EINVAL for blocks == 0 (a 0 transfer length means "no data", never what a
 * caller wants) or a range that wraps past 2^64.
 */
int scsi_cdb_read(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua);
int scsi_cdb_write(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua);

/* SYNCHRONIZE CACHE of blocks at lba (blocks 0 = to the end of the medium); 10 or 16 bytes. */
int scsi_cdb_sync_cache(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks);

struct scsi_inquiry {
	uint8_t qualifier;   /* peripheral qualifier: 0 connected, 1 not connected, 3 no LUN */
	uint8_t device_type; /* 0x00 disk, 0x05 CD/DVD, 0x1f unknown */
	bool removable;
	uint8_t version;
	char vendor[9]; /* trailing spaces trimmed, NUL-terminated */
	char product[17];
	char revision[5];
};

/* Standard INQUIRY data; needs the 36-byte standard header.  0 or -EBADMSG. */
int scsi_parse_inquiry(const uint8_t *buf, size_t len, struct scsi_inquiry *out);

struct scsi_capacity {
	uint64_t blocks;     /* number of logical blocks (last LBA + 1) */
	uint32_t block_size; /* bytes */
	uint8_t phys_exp;    /* physical block = block_size << phys_exp (16 only) */
	bool thin;           /* LBPME: logical block provisioning (16 only) */
	bool protection;     /* PROT_EN (16 only) */
};

/*
 * READ CAPACITY(10): 8 bytes.  -EOVERFLOW if the device reports 0xffffffff (too big for the
 * 10-byte form: issue READ CAPACITY(16)), -EBADMSG if short or block size 0.
 */
int scsi_parse_read_capacity10(const uint8_t *buf, size_t len, struct scsi_capacity *out);
/* READ CAPACITY(16): at least 12 bytes (32 normally). */
int scsi_parse_read_capacity16(const uint8_t *buf, size_t len, struct scsi_capacity *out);

/*
 * REPORT LUNS.  *total gets the number of LUNs the device has; up to max entries are copied
 * to luns (those fully inside buf).  If *total > copied, reissue with a larger buffer:
 * 8 + 8 * *total bytes.  Returns the number copied or -EBADMSG.
 */
int scsi_parse_report_luns(const uint8_t *buf, size_t len, uint8_t (*luns)[8], size_t max,
                           uint32_t *total);

/*
 * SAM LUN structure <-> number, single level only: peripheral addressing (0..255) and flat
 * space addressing (0..16383).  decode: -EOPNOTSUPP for other methods (logical unit /
 * extended addressing, well-known LUNs, multi-level), which we cannot boot from anyway.
 * encode: -EINVAL if num > 16383.
 */
int scsi_lun_decode(const uint8_t lun[8], uint32_t *num);
int scsi_lun_encode(uint32_t num, uint8_t lun[8]);

struct scsi_sense {
	uint8_t response_code; /* 0x70/0x71 fixed, 0x72/0x73 descriptor */
	bool deferred;         /* 0x71 / 0x73: about an earlier command */
	uint8_t key, asc, ascq;
	bool info_valid;
	uint64_t info; /* INFORMATION field, e.g. the failing LBA */
	bool ili, eom, filemark;
};

/*
 * Decode fixed or descriptor sense data.  Lenient about truncation (fields beyond len, or
 * beyond the additional sense length, read as 0) because devices and targets trim sense;
 * -EBADMSG only for an unknown response code or fewer than the bytes holding the key.
 */
int scsi_parse_sense(const uint8_t *buf, size_t len, struct scsi_sense *out);

/* The errno for a sense (table above). */
int scsi_sense_errno(const struct scsi_sense *s);

/* The errno for a status byte that came without usable sense (table above). */
int scsi_status_errno(uint8_t status);

/* "UNIT ATTENTION" etc.; never NULL. */
const char *scsi_sense_key_name(uint8_t key);

/* Description of a common ASC/ASCQ pair, or NULL if not in our table. */
const char *scsi_asc_name(uint8_t asc, uint8_t ascq);

/*
 * "<key>: <asc description> (asc/ascq)" into buf (always NUL-terminated, truncated to cap),
 * e.g. "unit attention: power on, reset, or bus device reset occurred (29/00)".
 */
void scsi_sense_describe(const struct scsi_sense *s, char *buf, size_t cap);

#endif
