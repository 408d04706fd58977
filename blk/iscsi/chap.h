/*
 * CHAP for iSCSI login (RFC 7143 §12.1.3 over RFC 1994), initiator side: answer the target's
 * challenge and, for mutual CHAP, challenge the target and check its answer.
 *
 * Algorithms: CHAP_A=5 (MD5, the only one RFC 7143 names) and CHAP_A=7 (SHA-256, IANA PPP
 * registry; Linux LIO and EDK2 implement it).  We offer "7,5" so capable targets pick
 * SHA-256 and tgt-style targets fall back to MD5.
 *
 * What we enforce, and why:
 *   - Secrets shorter than 12 bytes are refused by iscsi_chap_check_secret() unless the caller
 *     passes allow_short: RFC 7143 requires >= 96 bits without IPsec, but tgt accepts shorter
 *     secrets and existing deployments use them, so it is the caller's (logged) choice.
 *   - The target's challenge must be 1..ISCSI_CHAP_CHALLENGE_MAX bytes (1024, the limit Linux
 *     LIO applies too).
 *   - Reflection: our mutual challenge must differ from the target's (RFC 7143 §12.1.3).  The
 *     target challenges first, so this is checked when we generate ours.
 *   - The one-way and mutual secrets must differ (RFC 7143 §12.1.3: a secret authenticating
 *     initiators must not authenticate targets); iscsi_chap_check_secrets() checks that.
 *   - The target's CHAP_R is compared in constant time; its CHAP_N must equal the expected
 *     name exactly when the caller gives one.
 *
 * State lives in a caller-owned struct iscsi_chap (about 1.1 KiB); no allocation, reentrant,
 * any context.  Errors: -EPROTO malformed target values, -EOPNOTSUPP algorithm we lack,
 * -EACCES failed mutual authentication, -EINVAL bad caller input, -ENOSPC output buffer full.
 * c->why holds a static reason after any error.
 */
#ifndef BLK_ISCSI_CHAP_H
#define BLK_ISCSI_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/text.h"

#define ISCSI_CHAP_MD5           5
#define ISCSI_CHAP_SHA256        7
/*
 * CHAP_A value we send, in preference order.  MD5 first: tgt (and other
 * targets written to RFC 3720 drafts) take 7 to mean SHA-1 and would answer
 * a SHA-256 response with a SHA-1 check; a target that supports only
 * SHA-256 still picks 7 from this list.
 */
#define ISCSI_CHAP_OFFER "5,7"
#define ISCSI_CHAP_DIGEST_MAX    32    /* largest response (SHA-256) */
#define ISCSI_CHAP_CHALLENGE_MAX 1024  /* longest target challenge accepted */
#define ISCSI_CHAP_SECRET_MIN    12    /* RFC 7143 §12.1.3 without IPsec */
#define ISCSI_CHAP_SECRET_MAX    255

struct iscsi_chap {
	uint8_t alg; /* 0 until the target picks one */
	bool have_id, have_challenge;
	uint8_t id; /* target's CHAP_I */
	uint8_t challenge[ISCSI_CHAP_CHALLENGE_MAX];
	size_t challenge_len;
	/* mutual: the challenge we sent */
	uint8_t our_id;
	uint8_t our_challenge[ISCSI_CHAP_DIGEST_MAX];
	size_t our_challenge_len;
	const char *why;
};

/* Digest length of a CHAP_A algorithm, 0 if unsupported. */
size_t iscsi_chap_digest_len(uint8_t alg);

/* H(id || secret || challenge) with the algorithm's hash; out holds digest_len(alg) bytes. */
void iscsi_chap_compute(uint8_t alg, uint8_t id, const uint8_t *secret, size_t secret_len,
                        const uint8_t *challenge, size_t challenge_len,
                        uint8_t out[ISCSI_CHAP_DIGEST_MAX]);

/* 0 if usable: non-empty, <= ISCSI_CHAP_SECRET_MAX, and >= 12 bytes unless allow_short. */
int iscsi_chap_check_secret(const uint8_t *secret, size_t len, bool allow_short);

/* -EINVAL if the one-way and mutual secrets are identical (RFC 7143 §12.1.3). */
int iscsi_chap_check_secrets(const uint8_t *secret, size_t len, const uint8_t *mutual,
                             size_t mutual_len);

void iscsi_chap_init(struct iscsi_chap *c);

/*
 * Feed one record from the target's challenge response.  Returns 1 if it was CHAP_A, CHAP_I
 * or CHAP_C and was accepted, 0 if it is some other key (not ours), negative on error.  A
 * CHAP_A answer must be one algorithm from ISCSI_CHAP_OFFER; "Reject" is -EOPNOTSUPP.
 */
int iscsi_chap_rx(struct iscsi_chap *c, const struct iscsi_kv *kv);

/* True once CHAP_A, CHAP_I and CHAP_C have all arrived. */
bool iscsi_chap_ready(const struct iscsi_chap *c);

/* Append CHAP_N=name and CHAP_R=0x<response>.  Requires iscsi_chap_ready(). */
int iscsi_chap_respond(struct iscsi_chap *c, const char *name, const uint8_t *secret,
                       size_t secret_len, struct iscsi_text_buf *out);

/*
 * Mutual CHAP: append CHAP_I and CHAP_C for the target to answer.  random supplies
 * 1 + digest_len(alg) unpredictable bytes (identifier, then challenge).  -EINVAL if random
 * is too short or reproduces the target's challenge (reflection, or a broken RNG).
 */
int iscsi_chap_challenge(struct iscsi_chap *c, const uint8_t *random, size_t random_len,
                         struct iscsi_text_buf *out);

/*
 * Mutual CHAP: check the target's CHAP_N and CHAP_R values (as received, CHAP_R still
 * encoded).  expected_name NULL or "" skips the name check.  0, -EACCES or -EPROTO.
 */
int iscsi_chap_verify(struct iscsi_chap *c, const char *expected_name, const char *name,
                      size_t name_len, const char *response, size_t response_len,
                      const uint8_t *secret, size_t secret_len);

#endif
