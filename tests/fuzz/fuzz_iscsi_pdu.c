/*
 * Fuzz the BHS decoder in both directions, and check that whatever decodes re-encodes to a
 * header that decodes identically; exercise framing, digest and data-segment helpers too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/iscsi/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iscsi_pdu p, q;
	struct iscsi_pdu_layout l;
	uint8_t bhs[ISCSI_BHS_LEN], again[ISCSI_BHS_LEN], d[4];
	const char *why;

	if (size < ISCSI_BHS_LEN)
		return 0;
	memcpy(bhs, data, ISCSI_BHS_LEN);
	for (int dir = 0; dir < 2; dir++) {
		uint32_t max = dir ? ISCSI_DSL_MAX : 8192;

		why = NULL;
		if (iscsi_pdu_decode(bhs, (enum iscsi_dir)dir, max, &p, &why) < 0) {
			if (why == NULL)
				abort();
			continue;
		}
		if (iscsi_pdu_encode(&p, again) != 0)
			abort();
		if (iscsi_pdu_decode(again, (enum iscsi_dir)dir, max, &q, &why) != 0 ||
		    memcmp(&p, &q, sizeof(p)) != 0)
			abort();
		iscsi_pdu_layout(p.ahs_len, p.data_len, data[1] & 1, data[1] & 2, &l);
		if (l.total < ISCSI_BHS_LEN || l.data + p.data_len + l.pad != l.data_digest)
			abort();
		(void)iscsi_pdu_opcode_name(p.opcode);
		(void)iscsi_pdu_reject_reason(p.reason);
	}

	/* the bytes after the header as a data segment */
	const uint8_t *seg = data + ISCSI_BHS_LEN;
	uint32_t seg_len = (uint32_t)(size - ISCSI_BHS_LEN);
	const uint8_t *sense;
	uint32_t sense_len;
	if (iscsi_pdu_sense(seg, seg_len, &sense, &sense_len) == 0 && sense_len > 0 &&
	    (sense < seg || sense + sense_len > seg + seg_len))
		abort();
	(void)iscsi_pdu_rejected_header(seg, seg_len, &q, &why);
	iscsi_pdu_put_hdr_digest(data, size, d);
	if (iscsi_pdu_check_hdr_digest(data, size, d) != 0)
		abort();
	if (seg_len >= 4) {
		uint32_t n = seg_len & ~3u;
		uint32_t dlen = n - (data[2] & 3);
		/* sender-side digest with virtual zero padding equals the receiver's over zeros */
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, seg, n);
		memset(copy + dlen, 0, n - dlen);
		iscsi_pdu_put_data_digest(copy, dlen, d);
		if (iscsi_pdu_check_data_digest(copy, dlen, d) != 0)
			abort();
		free(copy);
	}
	return 0;
}
