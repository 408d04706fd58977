/*
 * Fuzz the login state machine with a hostile target.  Input: one mode byte, then PDUs, each
 * a 48-byte BHS followed by as many data bytes as its DataSegmentLength says (clamped to the
 * input and to 8192, and the field patched to match).  Mode bits: 0-1 auth (0 none, 1 one-way
 * CHAP, 2 mutual CHAP), 2 discovery session, 3 keep the target's ITT/ISID instead of patching
 * in ours (patching lets the fuzzer get past those checks).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/iscsi/login.h"

#define ITT 0x1000

static const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};

static int det_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(0x5a + i);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iscsi_login l;
	static struct iscsi_login_config cfg;
	static uint8_t rx[16384], tx[8192], pdu_data[8192];
	uint8_t bhs[48], mode;
	uint32_t len;
	size_t pos = 1;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0];
	memset(&cfg, 0, sizeof(cfg));
	cfg.initiator_name = "iqn.2026-01.org.tether:fuzz";
	cfg.target_name = (mode & 4) ? NULL : "iqn.2001-04.com.example:target";
	memcpy(cfg.isid, isid, 6);
	cfg.itt = ITT;
	cfg.cmdsn = 1;
	iscsi_params_preferred(&cfg.params);
	if ((mode & 3) >= 1) {
		cfg.chap_name = "user";
		cfg.chap_secret = (const uint8_t *)"initiator-secret";
		cfg.chap_secret_len = 16;
	}
	if ((mode & 3) == 2) {
		cfg.mutual_name = "target";
		cfg.mutual_secret = (const uint8_t *)"target-secret-42";
		cfg.mutual_secret_len = 16;
		cfg.random = det_random;
	}
	if (iscsi_login_init(&l, &cfg, rx, sizeof(rx)) != 0)
		abort();

	for (;;) {
		rc = iscsi_login_build(&l, bhs, tx, sizeof(tx), &len);
		if (rc < 0)
			return 0;
		if (len > sizeof(tx))
			abort();
		if (size - pos < 48)
			return 0;
		memcpy(bhs, data + pos, 48);
		pos += 48;
		uint32_t dsl = (uint32_t)bhs[5] << 16 | (uint32_t)bhs[6] << 8 | bhs[7];
		if (dsl > size - pos)
			dsl = (uint32_t)(size - pos);
		if (dsl > sizeof(pdu_data))
			dsl = sizeof(pdu_data);
		bhs[5] = (uint8_t)(dsl >> 16);
		bhs[6] = (uint8_t)(dsl >> 8);
		bhs[7] = (uint8_t)dsl;
		if (!(mode & 8)) {
			memcpy(bhs + 8, isid, 6);
			bhs[16] = (uint8_t)(ITT >> 24);
			bhs[17] = (uint8_t)(ITT >> 16);
			bhs[18] = (uint8_t)(ITT >> 8);
			bhs[19] = (uint8_t)ITT;
		}
		memcpy(pdu_data, data + pos, dsl);
		pos += dsl;
		rc = iscsi_login_rx(&l, bhs, pdu_data, dsl);
		if (rc == ISCSI_LOGIN_SEND)
			continue;
		if (rc == ISCSI_LOGIN_DONE) {
			const struct iscsi_login_result *r = iscsi_login_result(&l);
			if (r->tsih == 0 || r->params.first_burst > r->params.max_burst ||
			    r->params.max_send_dsl < 512)
				abort();
			if ((mode & 3) == 2 && !l.authed)
				abort(); /* mutual CHAP must never be skipped */
		} else if (rc == ISCSI_LOGIN_REDIRECT) {
			bool perm;
			if (iscsi_login_redirect(&l, &perm)->host.kind == ISCSI_HOST_NONE)
				abort();
		} else if (iscsi_login_msg(&l)[0] == '\0') {
			abort(); /* every failure explains itself */
		}
		return 0;
	}
}
