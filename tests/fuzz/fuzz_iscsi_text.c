/*
 * Fuzz text record iteration and everything that consumes records from a target: SendTargets
 * parsing, operational negotiation (normal and discovery sessions, before and after our
 * offer), CHAP challenge intake, and the value codecs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blk/iscsi/chap.h"
#include "blk/iscsi/params.h"
#include "blk/iscsi/text.h"

static void values(const struct iscsi_kv *kv)
{
	uint8_t bin[64];
	size_t n;
	uint64_t v;
	bool b;
	struct iscsi_portal portal;

	if (iscsi_text_decode_binary(kv->value, kv->value_len, bin, sizeof(bin), &n) == 0 &&
	    n > sizeof(bin))
		abort();
	(void)iscsi_text_parse_number(kv->value, kv->value_len, UINT64_MAX, &v);
	(void)iscsi_text_parse_bool(kv->value, kv->value_len, &b);
	(void)iscsi_text_list_has(kv->value, kv->value_len, "None");
	(void)iscsi_addr_parse_portal(kv->value, kv->value_len, &portal);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	struct iscsi_sendtargets st;
	struct iscsi_st_entry e;
	static struct iscsi_neg neg[3];
	static struct iscsi_chap chap;
	struct iscsi_params p;
	static char offer[1024], reply[3][1024];
	struct iscsi_text_buf ob, rb[3];
	int rc;

	iscsi_text_iter_init(&it, data, size);
	while ((rc = iscsi_text_next(&it, &kv)) > 0) {
		if ((const uint8_t *)kv.value + kv.value_len >= data + size ||
		    kv.value[kv.value_len] != '\0' || kv.key_len == 0 || kv.key_len > 63)
			abort();
		values(&kv);
	}
	if (rc < 0 && it.why == NULL)
		abort();

	iscsi_sendtargets_init(&st, data, size);
	while ((rc = iscsi_sendtargets_next(&st, &e)) > 0)
		if (e.name == NULL || strlen(e.name) == 0)
			abort();

	iscsi_params_preferred(&p);
	p.header_digest = size & 1 ? ISCSI_DIGEST_CRC32C : ISCSI_DIGEST_PREFER_CRC32C;
	iscsi_neg_init(&neg[0], &p, false);
	iscsi_neg_init(&neg[1], &p, true);
	iscsi_neg_init(&neg[2], &p, false);
	iscsi_text_buf_init(&ob, offer, sizeof(offer));
	if (iscsi_neg_offer(&neg[0], &ob) != 0 || iscsi_neg_offer(&neg[1], &ob) != 0)
		abort();
	iscsi_chap_init(&chap);
	bool dead[3] = {false, false, false};
	for (int i = 0; i < 3; i++)
		iscsi_text_buf_init(&rb[i], reply[i], sizeof(reply[i]));
	iscsi_text_iter_init(&it, data, size);
	while (iscsi_text_next(&it, &kv) > 0) {
		for (int i = 0; i < 3; i++)
			if (!dead[i] && iscsi_neg_apply(&neg[i], &kv, &rb[i]) < 0)
				dead[i] = true;
		(void)iscsi_chap_rx(&chap, &kv);
	}
	for (int i = 0; i < 3; i++) {
		if (dead[i])
			continue;
		/* our replies must themselves be well-formed text */
		struct iscsi_text_iter ri;
		iscsi_text_iter_init(&ri, reply[i], rb[i].len);
		while ((rc = iscsi_text_next(&ri, &kv)) > 0)
			;
		if (rc < 0)
			abort();
		if (iscsi_neg_finish(&neg[i]) == 0) {
			const struct iscsi_params *r = &neg[i].result;
			if (r->first_burst > r->max_burst || r->max_send_dsl < 512 ||
			    r->max_send_dsl > 16777215 || r->error_recovery_level > 2)
				abort();
		}
	}
	if (iscsi_chap_ready(&chap)) {
		char out[512];
		struct iscsi_text_buf b;
		iscsi_text_buf_init(&b, out, sizeof(out));
		if (iscsi_chap_respond(&chap, "fuzz", (const uint8_t *)"0123456789ab", 12, &b) != 0)
			abort();
	}
	return 0;
}
