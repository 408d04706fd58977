/* CHAP (RFC 1994 as profiled by RFC 7143 §12.1.3), initiator side, one-way and mutual. */
#include "blk/iscsi/chap.h"

#include <errno.h>
#include <string.h>

#include "lib/md5.h"
#include "lib/sha256.h"
#include "kernel/assert.h"

size_t iscsi_chap_digest_len(uint8_t alg)
{
	switch (alg) {
	case ISCSI_CHAP_MD5:
		return MD5_LEN;
	case ISCSI_CHAP_SHA256:
		return SHA256_LEN;
	default:
		return 0;
	}
}

void iscsi_chap_compute(uint8_t alg, uint8_t id, const uint8_t *secret, size_t secret_len,
                        const uint8_t *challenge, size_t challenge_len,
                        uint8_t out[ISCSI_CHAP_DIGEST_MAX])
{
	ASSERT(iscsi_chap_digest_len(alg) != 0);
	if (alg == ISCSI_CHAP_MD5) {
		struct md5 ctx;

		md5_init(&ctx);
		md5_update(&ctx, &id, 1);
		md5_update(&ctx, secret, secret_len);
		md5_update(&ctx, challenge, challenge_len);
		md5_final(&ctx, out);
	} else {
		struct sha256 ctx;

		sha256_init(&ctx);
		sha256_update(&ctx, &id, 1);
		sha256_update(&ctx, secret, secret_len);
		sha256_update(&ctx, challenge, challenge_len);
		sha256_final(&ctx, out);
	}
}

int iscsi_chap_check_secret(const uint8_t *secret, size_t len, bool allow_short)
{
	if (secret == NULL || len == 0 || len > ISCSI_CHAP_SECRET_MAX)
		return -EINVAL;
	if (len < ISCSI_CHAP_SECRET_MIN && !allow_short)
		return -EINVAL;
	return 0;
}

int iscsi_chap_check_secrets(const uint8_t *secret, size_t len, const uint8_t *mutual,
                             size_t mutual_len)
{
	if (len == mutual_len && memcmp(secret, mutual, len) == 0)
		return -EINVAL;
	return 0;
}

void iscsi_chap_init(struct iscsi_chap *c)
{
	ASSERT(c != NULL);
	memset(c, 0, sizeof(*c));
}

static int fail(struct iscsi_chap *c, int err, const char *why)
{
	c->why = why;
	return err;
}

int iscsi_chap_rx(struct iscsi_chap *c, const struct iscsi_kv *kv)
{
	uint64_t v;

	ASSERT(c != NULL && kv != NULL);
	if (iscsi_kv_is(kv, "CHAP_A")) {
		if (kv->value_len == 6 && memcmp(kv->value, "Reject", 6) == 0)
			return fail(c, -EOPNOTSUPP, "target supports none of our CHAP algorithms");
		if (iscsi_text_parse_number(kv->value, kv->value_len, 255, &v) < 0)
			return fail(c, -EPROTO, "malformed CHAP_A");
		if (iscsi_chap_digest_len((uint8_t)v) == 0)
			return fail(c, -EPROTO, "target chose a CHAP algorithm we did not offer");
		if (c->alg != 0)
			return fail(c, -EPROTO, "CHAP_A sent twice");
		c->alg = (uint8_t)v;
		return 1;
	}
	if (iscsi_kv_is(kv, "CHAP_I")) {
		if (iscsi_text_parse_number(kv->value, kv->value_len, 255, &v) < 0)
			return fail(c, -EPROTO, "malformed CHAP_I");
		if (c->have_id)
			return fail(c, -EPROTO, "CHAP_I sent twice");
		c->id = (uint8_t)v;
		c->have_id = true;
		return 1;
	}
	if (iscsi_kv_is(kv, "CHAP_C")) {
		int rc;

		if (c->have_challenge)
			return fail(c, -EPROTO, "CHAP_C sent twice");
		rc = iscsi_text_decode_binary(kv->value, kv->value_len, c->challenge,
		                              sizeof(c->challenge), &c->challenge_len);
		if (rc == -ENOSPC)
			return fail(c, -EPROTO, "CHAP_C longer than 1024 bytes");
		if (rc < 0 || c->challenge_len == 0)
			return fail(c, -EPROTO, "malformed CHAP_C");
		c->have_challenge = true;
		return 1;
	}
	return 0;
}

bool iscsi_chap_ready(const struct iscsi_chap *c)
{
	return c->alg != 0 && c->have_id && c->have_challenge;
}

int iscsi_chap_respond(struct iscsi_chap *c, const char *name, const uint8_t *secret,
                       size_t secret_len, struct iscsi_text_buf *out)
{
	uint8_t resp[ISCSI_CHAP_DIGEST_MAX];
	size_t start = out->len;
	int rc;

	ASSERT(iscsi_chap_ready(c) && name != NULL);
	iscsi_chap_compute(c->alg, c->id, secret, secret_len, c->challenge, c->challenge_len, resp);
	rc = iscsi_text_add(out, "CHAP_N", name);
	if (rc == 0)
		rc = iscsi_text_add_hex(out, "CHAP_R", resp, iscsi_chap_digest_len(c->alg));
	mdhash_wipe(resp, sizeof(resp));
	if (rc < 0) {
		out->len = start;
		return fail(c, rc, rc == -ENOSPC ? "CHAP response does not fit" : "bad CHAP name");
	}
	return 0;
}

int iscsi_chap_challenge(struct iscsi_chap *c, const uint8_t *random, size_t random_len,
                         struct iscsi_text_buf *out)
{
	size_t dlen = iscsi_chap_digest_len(c->alg);
	size_t start = out->len;
	int rc;

	ASSERT(c->alg != 0);
	if (random == NULL || random_len < 1 + dlen)
		return fail(c, -EINVAL, "not enough random bytes for a CHAP challenge");
	c->our_id = random[0];
	memcpy(c->our_challenge, random + 1, dlen);
	c->our_challenge_len = dlen;
	if (c->have_challenge && c->challenge_len == dlen &&
	    memcmp(c->challenge, c->our_challenge, dlen) == 0)
		return fail(c, -EINVAL, "our CHAP challenge equals the target's (reflection)");
	rc = iscsi_text_add_u32(out, "CHAP_I", c->our_id);
	if (rc == 0)
		rc = iscsi_text_add_hex(out, "CHAP_C", c->our_challenge, dlen);
	if (rc < 0) {
		out->len = start;
		return fail(c, rc, "CHAP challenge does not fit");
	}
	return 0;
}

int iscsi_chap_verify(struct iscsi_chap *c, const char *expected_name, const char *name,
                      size_t name_len, const char *response, size_t response_len,
                      const uint8_t *secret, size_t secret_len)
{
	uint8_t want[ISCSI_CHAP_DIGEST_MAX], got[ISCSI_CHAP_DIGEST_MAX];
	size_t dlen = iscsi_chap_digest_len(c->alg), got_len;
	uint8_t diff = 0;

	ASSERT(c->our_challenge_len != 0);
	if (iscsi_text_decode_binary(response, response_len, got, sizeof(got), &got_len) < 0)
		return fail(c, -EPROTO, "malformed CHAP_R from target");
	if (got_len != dlen)
		return fail(c, -EACCES, "target's CHAP_R has the wrong length");
	if (expected_name != NULL && expected_name[0] != '\0' &&
	    (strlen(expected_name) != name_len || memcmp(expected_name, name, name_len) != 0))
		return fail(c, -EACCES, "target authenticated with an unexpected CHAP_N");
	iscsi_chap_compute(c->alg, c->our_id, secret, secret_len, c->our_challenge,
	                   c->our_challenge_len, want);
	/* constant time: no early exit tells an attacker how many bytes matched */
	for (size_t i = 0; i < dlen; i++)
		diff |= (uint8_t)(want[i] ^ got[i]);
	mdhash_wipe(want, sizeof(want));
	if (diff != 0)
		return fail(c, -EACCES, "target's CHAP_R is wrong (mutual CHAP secret mismatch)");
	return 0;
}
