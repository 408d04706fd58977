/* Fuzz the SCSI response parsers: sense (both formats), INQUIRY, READ CAPACITY, REPORT LUNS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scsi_sense s;
	struct scsi_inquiry q;
	struct scsi_capacity c;
	uint8_t luns[16][8];
	uint32_t total, num;
	char msg[160];

	if (scsi_parse_sense(data, size, &s) == 0) {
		(void)scsi_sense_errno(&s);
		scsi_sense_describe(&s, msg, sizeof(msg));
		if (strlen(msg) >= sizeof(msg))
			abort();
		scsi_sense_describe(&s, msg, 1 + (size % 40));
	}
	if (scsi_parse_inquiry(data, size, &q) == 0 &&
	    (strlen(q.vendor) > 8 || strlen(q.product) > 16 || strlen(q.revision) > 4))
		abort();
	if (scsi_parse_read_capacity10(data, size, &c) == 0 && (c.block_size == 0 || c.blocks == 0))
		abort();
	if (scsi_parse_read_capacity16(data, size, &c) == 0 && (c.block_size == 0 || c.blocks == 0))
		abort();
	int n = scsi_parse_report_luns(data, size, luns, 16, &total);
	if (n > 16 || (n >= 0 && (uint32_t)n > total))
		abort();
	for (int i = 0; i < n; i++) {
		uint8_t again[8];
		if (scsi_lun_decode(luns[i], &num) == 0 &&
		    (scsi_lun_encode(num, again) != 0 || scsi_lun_decode(again, &num) != 0))
			abort();
	}
	(void)scsi_status_errno(size ? data[0] : 0);
	return 0;
}
