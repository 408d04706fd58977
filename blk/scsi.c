/* SCSI CDB builders, response parsers and sense decoding for the block layer. */
#include "blk/scsi.h"

#include <errno.h>
#include <string.h>

#include "kernel/be.h"
#include "kernel/assert.h"

static size_t cdb_start(uint8_t cdb[SCSI_CDB_MAX], uint8_t opcode)
{
	ASSERT(cdb != NULL);
	memset(cdb, 0, SCSI_CDB_MAX);
	cdb[0] = opcode;
	return 0;
}

size_t scsi_cdb_test_unit_ready(uint8_t cdb[SCSI_CDB_MAX])
{
	cdb_start(cdb, 0x00);
	return 6;
}

size_t scsi_cdb_request_sense(uint8_t cdb[SCSI_CDB_MAX], uint8_t alloc_len)
{
	cdb_start(cdb, 0x03);
	cdb[4] = alloc_len;
	return 6;
}

size_t scsi_cdb_inquiry(uint8_t cdb[SCSI_CDB_MAX], bool evpd, uint8_t page, uint16_t alloc_len)
{
	ASSERT(evpd || page == 0);
	cdb_start(cdb, 0x12);
	cdb[1] = evpd ? 1 : 0;
	cdb[2] = page;
	be16_put(cdb + 3, alloc_len);
	return 6;
}

size_t scsi_cdb_report_luns(uint8_t cdb[SCSI_CDB_MAX], uint8_t select_report, uint32_t alloc_len)
{
	cdb_start(cdb, 0xa0);
	cdb[2] = select_report;
	be32_put(cdb + 6, alloc_len);
	return 12;
}

size_t scsi_cdb_read_capacity10(uint8_t cdb[SCSI_CDB_MAX])
{
	cdb_start(cdb, 0x25);
	return 10;
}

size_t scsi_cdb_read_capacity16(uint8_t cdb[SCSI_CDB_MAX], uint32_t alloc_len)
{
	cdb_start(cdb, 0x9e); /* SERVICE ACTION IN(16) */
	cdb[1] = 0x10;        /* READ CAPACITY(16) */
	be32_put(cdb + 10, alloc_len);
	return 16;
}

static int cdb_rw(uint8_t cdb[SCSI_CDB_MAX], uint8_t op10, uint8_t op16, uint64_t lba,
                  uint32_t blocks, bool fua)
{
	if (blocks == 0 || lba > UINT64_MAX - blocks)
		return -EINVAL;
	if (lba + blocks - 1 <= UINT32_MAX && blocks <= UINT16_MAX) {
		cdb_start(cdb, op10);
		cdb[1] = fua ? 0x08 : 0;
		be32_put(cdb + 2, (uint32_t)lba);
		be16_put(cdb + 7, (uint16_t)blocks);
		return 10;
	}
	cdb_start(cdb, op16);
	cdb[1] = fua ? 0x08 : 0;
	be64_put(cdb + 2, lba);
	be32_put(cdb + 10, blocks);
	return 16;
}

int scsi_cdb_read(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua)
{
	return cdb_rw(cdb, 0x28, 0x88, lba, blocks, fua);
}

int scsi_cdb_write(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks, bool fua)
{
	return cdb_rw(cdb, 0x2a, 0x8a, lba, blocks, fua);
}

int scsi_cdb_sync_cache(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks)
{
	if (blocks != 0 && lba > UINT64_MAX - blocks)
		return -EINVAL;
	if (lba <= UINT32_MAX && blocks <= UINT16_MAX) {
		cdb_start(cdb, 0x35);
		be32_put(cdb + 2, (uint32_t)lba);
		be16_put(cdb + 7, (uint16_t)blocks);
		return 10;
	}
	cdb_start(cdb, 0x91);
	be64_put(cdb + 2, lba);
	be32_put(cdb + 10, blocks);
	return 16;
}

/* Copy a space-padded ASCII field, trimming trailing spaces and NULs, and taming non-ASCII. */
static void copy_trimmed(char *dst, const uint8_t *src, size_t n)
{
	size_t len = n;

	while (len > 0 && (src[len - 1] == ' ' || src[len - 1] == 0))
		len--;
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[len] = '\0';
}

int scsi_parse_inquiry(const uint8_t *buf, size_t len, struct scsi_inquiry *out)
{
	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 36)
		return -EBADMSG;
	out->qualifier = buf[0] >> 5;
	out->device_type = buf[0] & 0x1f;
	out->removable = (buf[1] & 0x80) != 0;
	out->version = buf[2];
	copy_trimmed(out->vendor, buf + 8, 8);
	copy_trimmed(out->product, buf + 16, 16);
	copy_trimmed(out->revision, buf + 32, 4);
	return 0;
}

int scsi_parse_read_capacity10(const uint8_t *buf, size_t len, struct scsi_capacity *out)
{
	uint32_t last;

	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 8)
		return -EBADMSG;
	last = be32_get(buf);
	out->block_size = be32_get(buf + 4);
	if (out->block_size == 0)
		return -EBADMSG;
	if (last == UINT32_MAX)
		return -EOVERFLOW;
	out->blocks = (uint64_t)last + 1;
	return 0;
}

int scsi_parse_read_capacity16(const uint8_t *buf, size_t len, struct scsi_capacity *out)
{
	uint64_t last;

	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 12)
		return -EBADMSG;
	last = be64_get(buf);
	out->block_size = be32_get(buf + 8);
	if (out->block_size == 0 || last == UINT64_MAX)
		return -EBADMSG;
	out->blocks = last + 1;
	if (len >= 13) {
		out->protection = (buf[12] & 0x01) != 0;
	}
	if (len >= 15) {
		out->phys_exp = buf[13] & 0x0f;
		out->thin = (buf[14] & 0x80) != 0;
	}
	return 0;
}

int scsi_parse_report_luns(const uint8_t *buf, size_t len, uint8_t (*luns)[8], size_t max,
                           uint32_t *total)
{
	uint32_t list_len;
	size_t avail, n;

	ASSERT(total != NULL && (luns != NULL || max == 0));
	*total = 0;
	if (buf == NULL || len < 8)
		return -EBADMSG;
	list_len = be32_get(buf);
	if (list_len % 8)
		return -EBADMSG;
	*total = list_len / 8;
	avail = (len - 8) / 8;
	n = *total;
	if (n > avail)
		n = avail;
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		memcpy(luns[i], buf + 8 + 8 * i, 8);
	return (int)(n > INT32_MAX ? INT32_MAX : n);
}

int scsi_lun_decode(const uint8_t lun[8], uint32_t *num)
{
	ASSERT(lun != NULL && num != NULL);
	for (int i = 2; i < 8; i++)
		if (lun[i] != 0)
			return -EOPNOTSUPP;
	switch (lun[0] >> 6) {
	case 0: /* peripheral device addressing; bus identifier must be 0 for a plain LUN */
		if (lun[0] != 0)
			return -EOPNOTSUPP;
		*num = lun[1];
		return 0;
	case 1: /* flat space addressing */
		*num = (uint32_t)(lun[0] & 0x3f) << 8 | lun[1];
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int scsi_lun_encode(uint32_t num, uint8_t lun[8])
{
	ASSERT(lun != NULL);
	if (num > 0x3fff)
		return -EINVAL;
	memset(lun, 0, 8);
	if (num < 256) {
		lun[1] = (uint8_t)num;
	} else {
		lun[0] = (uint8_t)(0x40 | num >> 8);
		lun[1] = (uint8_t)num;
	}
	return 0;
}

int scsi_parse_sense(const uint8_t *buf, size_t len, struct scsi_sense *out)
{
	uint8_t code;

	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	if (buf == NULL || len < 1)
		return -EBADMSG;
	code = buf[0] & 0x7f;
	out->response_code = code;
	out->deferred = code == 0x71 || code == 0x73;

	if (code == 0x70 || code == 0x71) {
		size_t end;

		if (len < 3)
			return -EBADMSG;
		out->key = buf[2] & 0x0f;
		out->filemark = (buf[2] & 0x80) != 0;
		out->eom = (buf[2] & 0x40) != 0;
		out->ili = (buf[2] & 0x20) != 0;
		if (len >= 7) {
			out->info_valid = (buf[0] & 0x80) != 0;
			out->info = be32_get(buf + 3);
		}
		/* fields past the additional sense length are not sense data */
		end = len >= 8 ? 8 + (size_t)buf[7] : len;
		if (end > len)
			end = len;
		if (end > 12)
			out->asc = buf[12];
		if (end > 13)
			out->ascq = buf[13];
		return 0;
	}
	if (code == 0x72 || code == 0x73) {
		size_t end, pos = 8;

		if (len < 2)
			return -EBADMSG;
		out->key = buf[1] & 0x0f;
		if (len > 2)
			out->asc = buf[2];
		if (len > 3)
			out->ascq = buf[3];
		if (len < 8)
			return 0;
		end = 8 + (size_t)buf[7];
		if (end > len)
			end = len;
		while (pos + 2 <= end) {
			uint8_t type = buf[pos];
			size_t dlen = 2 + (size_t)buf[pos + 1];

			if (pos + dlen > end)
				break;
			if (type == 0x00 && dlen >= 12) { /* information descriptor */
				out->info_valid = (buf[pos + 2] & 0x80) != 0;
				out->info = be64_get(buf + pos + 4);
			} else if (type == 0x04 && dlen >= 4) { /* stream commands */
				out->filemark = (buf[pos + 3] & 0x80) != 0;
				out->eom = (buf[pos + 3] & 0x40) != 0;
				out->ili = (buf[pos + 3] & 0x20) != 0;
			} else if (type == 0x05 && dlen >= 4) { /* block commands: ILI */
				out->ili = (buf[pos + 3] & 0x20) != 0;
			}
			pos += dlen;
		}
		return 0;
	}
	return -EBADMSG;
}

int scsi_sense_errno(const struct scsi_sense *s)
{
	ASSERT(s != NULL);
	switch (s->key) {
	case SCSI_SK_NO_SENSE:
	case SCSI_SK_RECOVERED_ERROR:
		return 0;
	case SCSI_SK_NOT_READY:
		if (s->asc == 0x04 && (s->ascq == 0x01 || s->ascq == 0x07 || s->ascq == 0x0a))
			return -EAGAIN;
		if (s->asc == 0x3a)
			return -ENODEV;
		return -EBUSY;
	case SCSI_SK_ILLEGAL_REQUEST:
		if (s->asc == 0x20 && s->ascq == 0x00)
			return -EOPNOTSUPP;
		if (s->asc == 0x25 && s->ascq == 0x00)
			return -ENXIO;
		if (s->asc == 0x21 && s->ascq == 0x00)
			return -ERANGE;
		return -EINVAL;
	case SCSI_SK_UNIT_ATTENTION:
	case SCSI_SK_ABORTED_COMMAND:
		return -EAGAIN;
	case SCSI_SK_DATA_PROTECT:
		if (s->asc == 0x27 && s->ascq == 0x07)
			return -ENOSPC;
		return -EROFS;
	case SCSI_SK_BLANK_CHECK:
		return -ENODATA;
	case SCSI_SK_VOLUME_OVERFLOW:
		return -ENOSPC;
	case SCSI_SK_MISCOMPARE:
		return -EILSEQ;
	default:
		return -EIO;
	}
}

int scsi_status_errno(uint8_t status)
{
	switch (status) {
	case SCSI_STATUS_GOOD:
	case SCSI_STATUS_CONDITION_MET:
		return 0;
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_ACA_ACTIVE:
		return -EBUSY;
	case SCSI_STATUS_RESERVATION_CONFLICT:
		return -EACCES;
	case SCSI_STATUS_TASK_SET_FULL:
	case SCSI_STATUS_TASK_ABORTED:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

const char *scsi_sense_key_name(uint8_t key)
{
	static const char *const names[16] = {
	    "no sense",         "recovered error", "not ready",      "medium error",
	    "hardware error",   "illegal request", "unit attention", "data protect",
	    "blank check",      "vendor specific", "copy aborted",   "aborted command",
	    "obsolete key 0xc", "volume overflow", "miscompare",     "reserved key 0xf",
	};

	return names[key & 0x0f];
}

/* Common additional sense codes (SPC-4 Annex D); 0xff as ascq matches any qualifier. */
static const struct {
	uint8_t asc, ascq;
	const char *text;
} asc_table[] = {
    {0x00, 0x00, "no additional sense information"},
    {0x00, 0x06, "I/O process terminated"},
    {0x04, 0x00, "logical unit not ready, cause not reportable"},
    {0x04, 0x01, "logical unit is in process of becoming ready"},
    {0x04, 0x02, "logical unit not ready, initializing command required"},
    {0x04, 0x03, "logical unit not ready, manual intervention required"},
    {0x04, 0x04, "logical unit not ready, format in progress"},
    {0x04, 0x07, "logical unit not ready, operation in progress"},
    {0x04, 0x0a, "logical unit not accessible, asymmetric access state transition"},
    {0x04, 0x0b, "logical unit not accessible, target port in standby state"},
    {0x04, 0x0c, "logical unit not accessible, target port in unavailable state"},
    {0x08, 0x00, "logical unit communication failure"},
    {0x0c, 0x00, "write error"},
    {0x11, 0x00, "unrecovered read error"},
    {0x14, 0x01, "record not found"},
    {0x1a, 0x00, "parameter list length error"},
    {0x20, 0x00, "invalid command operation code"},
    {0x21, 0x00, "logical block address out of range"},
    {0x24, 0x00, "invalid field in CDB"},
    {0x25, 0x00, "logical unit not supported"},
    {0x26, 0x00, "invalid field in parameter list"},
    {0x27, 0x00, "write protected"},
    {0x27, 0x07, "space allocation failed write protect"},
    {0x28, 0x00, "not ready to ready change, medium may have changed"},
    {0x29, 0x00, "power on, reset, or bus device reset occurred"},
    {0x29, 0x01, "power on occurred"},
    {0x29, 0x02, "SCSI bus reset occurred"},
    {0x29, 0x03, "bus device reset function occurred"},
    {0x29, 0x04, "device internal reset"},
    {0x29, 0x07, "I_T nexus loss occurred"},
    {0x2a, 0x01, "mode parameters changed"},
    {0x2a, 0x06, "asymmetric access state changed"},
    {0x2a, 0x09, "capacity data has changed"},
    {0x2f, 0x00, "commands cleared by another initiator"},
    {0x38, 0x07, "thin provisioning soft threshold reached"},
    {0x3a, 0xff, "medium not present"},
    {0x3f, 0x01, "microcode has been changed"},
    {0x3f, 0x03, "inquiry data has changed"},
    {0x3f, 0x0e, "reported LUNs data has changed"},
    {0x44, 0x00, "internal target failure"},
    {0x47, 0x00, "SCSI parity error"},
    {0x4b, 0x00, "data phase error"},
    {0x55, 0x03, "insufficient resources"},
    {0x5d, 0x00, "failure prediction threshold exceeded"},
};

const char *scsi_asc_name(uint8_t asc, uint8_t ascq)
{
	for (size_t i = 0; i < sizeof(asc_table) / sizeof(asc_table[0]); i++)
		if (asc_table[i].asc == asc &&
		    (asc_table[i].ascq == ascq || asc_table[i].ascq == 0xff))
			return asc_table[i].text;
	return NULL;
}

static void append(char *buf, size_t cap, size_t *pos, const char *s)
{
	while (*s && *pos + 1 < cap)
		buf[(*pos)++] = *s++;
	buf[*pos] = '\0';
}

void scsi_sense_describe(const struct scsi_sense *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const char *asc = scsi_asc_name(s->asc, s->ascq);
	char code[8] = {'(', hex[s->asc >> 4],  hex[s->asc & 15],
	                '/', hex[s->ascq >> 4], hex[s->ascq & 15],
	                ')'};
	size_t pos = 0;

	ASSERT(buf != NULL && cap > 0);
	buf[0] = '\0';
	append(buf, cap, &pos, scsi_sense_key_name(s->key));
	append(buf, cap, &pos, ": ");
	append(buf, cap, &pos, asc ? asc : "additional sense code");
	append(buf, cap, &pos, " ");
	append(buf, cap, &pos, code);
	if (s->deferred)
		append(buf, cap, &pos, " [deferred]");
}
