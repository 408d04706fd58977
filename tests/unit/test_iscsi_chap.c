/* Unit tests for blk/iscsi/chap: responses (MD5 / SHA-256), parsing, mutual CHAP checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/chap.h"

static const uint8_t secret[] = "secretsecret"; /* 12 bytes + NUL */
#define SECRET_LEN 12

static int feed(struct iscsi_chap *c, const char *rec)
{
	static char tmp[4096];
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	size_t len = strlen(rec) + 1;

	memcpy(tmp, rec, len);
	iscsi_text_iter_init(&it, tmp, len);
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	return iscsi_chap_rx(c, &kv);
}

static void test_compute_vectors(void **state)
{
	uint8_t ch[16], out[32];
	(void)state;

	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)i;
	/* H(0x01 || "secretsecret" || 00 01 .. 0f), checked against Python's hashlib */
	static const uint8_t md5[16] = {0x22, 0x6d, 0xc5, 0x76, 0xc3, 0x3f, 0x04, 0xff,
	                                0x9c, 0x3a, 0x20, 0x0f, 0xfe, 0x35, 0xf4, 0x42};
	iscsi_chap_compute(ISCSI_CHAP_MD5, 1, secret, SECRET_LEN, ch, 16, out);
	assert_memory_equal(out, md5, 16);
	static const uint8_t sha[32] = {0x02, 0x4a, 0xef, 0x34, 0xe1, 0x76, 0x66, 0x8b,
	                                0x34, 0xec, 0x2b, 0xf7, 0xf5, 0x52, 0x5e, 0x3b,
	                                0xf7, 0xf0, 0xe9, 0x4d, 0x7c, 0xec, 0x77, 0xcb,
	                                0x07, 0xd0, 0x8c, 0x3d, 0x5a, 0x8e, 0x23, 0xca};
	iscsi_chap_compute(ISCSI_CHAP_SHA256, 1, secret, SECRET_LEN, ch, 16, out);
	assert_memory_equal(out, sha, 32);
	assert_int_equal(iscsi_chap_digest_len(5), 16);
	assert_int_equal(iscsi_chap_digest_len(7), 32);
	assert_int_equal(iscsi_chap_digest_len(6), 0);
}

static void test_secret_policy(void **state)
{
	uint8_t big[256] = {1};
	(void)state;

	assert_int_equal(iscsi_chap_check_secret(secret, 12, false), 0);
	assert_int_equal(iscsi_chap_check_secret(secret, 11, false), -EINVAL);
	assert_int_equal(iscsi_chap_check_secret(secret, 11, true), 0);
	assert_int_equal(iscsi_chap_check_secret(secret, 0, true), -EINVAL);
	assert_int_equal(iscsi_chap_check_secret(NULL, 12, true), -EINVAL);
	assert_int_equal(iscsi_chap_check_secret(big, 255, false), 0);
	assert_int_equal(iscsi_chap_check_secret(big, 256, false), -EINVAL);
	assert_int_equal(iscsi_chap_check_secrets(secret, 12, secret, 12), -EINVAL);
	assert_int_equal(iscsi_chap_check_secrets(secret, 12, (const uint8_t *)"secretsecreT", 12),
	                 0);
	assert_int_equal(iscsi_chap_check_secrets(secret, 12, secret, 11), 0);
}

static void test_one_way_md5(void **state)
{
	struct iscsi_chap c;
	char buf[256];
	struct iscsi_text_buf b;
	(void)state;

	iscsi_chap_init(&c);
	assert_false(iscsi_chap_ready(&c));
	assert_int_equal(feed(&c, "CHAP_A=5"), 1);
	assert_int_equal(feed(&c, "CHAP_I=1"), 1);
	assert_false(iscsi_chap_ready(&c));
	assert_int_equal(feed(&c, "CHAP_C=0x000102030405060708090a0b0c0d0e0f"), 1);
	assert_true(iscsi_chap_ready(&c));
	assert_int_equal(feed(&c, "TargetAlias=x"), 0);

	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_chap_respond(&c, "alice", secret, SECRET_LEN, &b), 0);
	static const char want[] = "CHAP_N=alice\0CHAP_R=0x226dc576c33f04ff9c3a200ffe35f442\0";
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(buf, want, b.len);

	/* does not fit: nothing written */
	iscsi_text_buf_init(&b, buf, 20);
	assert_int_equal(iscsi_chap_respond(&c, "alice", secret, SECRET_LEN, &b), -ENOSPC);
	assert_int_equal(b.len, 0);
}

static void test_base64_challenge_sha256(void **state)
{
	struct iscsi_chap c;
	char buf[256];
	struct iscsi_text_buf b;
	(void)state;

	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_A=7"), 1);
	assert_int_equal(feed(&c, "CHAP_I=0x01"), 1);
	/* 00 01 .. 0f in base64 */
	assert_int_equal(feed(&c, "CHAP_C=0bAAECAwQFBgcICQoLDA0ODw=="), 1);
	assert_int_equal(c.challenge_len, 16);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_chap_respond(&c, "alice", secret, SECRET_LEN, &b), 0);
	assert_non_null(
	    strstr(buf + 13, "0x024aef34e176668b34ec2bf7f5525e3bf7f0e94d7cec77cb07d08c3d5a8e23ca"));
}

static void expect_rx_error(const char *rec, int err, const char *why)
{
	struct iscsi_chap c;

	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, rec), err);
	assert_string_equal(c.why, why);
}

static void test_rx_errors(void **state)
{
	struct iscsi_chap c;
	(void)state;

	expect_rx_error("CHAP_A=Reject", -EOPNOTSUPP,
	                "target supports none of our CHAP algorithms");
	expect_rx_error("CHAP_A=6", -EPROTO, "target chose a CHAP algorithm we did not offer");
	expect_rx_error("CHAP_A=5,7", -EPROTO, "malformed CHAP_A");
	expect_rx_error("CHAP_I=256", -EPROTO, "malformed CHAP_I");
	expect_rx_error("CHAP_I=", -EPROTO, "malformed CHAP_I");
	expect_rx_error("CHAP_C=", -EPROTO, "malformed CHAP_C");
	expect_rx_error("CHAP_C=0xzz", -EPROTO, "malformed CHAP_C");
	expect_rx_error("CHAP_C=1234", -EPROTO, "malformed CHAP_C");

	static char longc[2 * 1025 + 16] = "CHAP_C=0x";
	memset(longc + 9, 'a', 2 * 1025);
	expect_rx_error(longc, -EPROTO, "CHAP_C longer than 1024 bytes");
	longc[9 + 2 * 1024] = 0;
	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, longc), 1);
	assert_int_equal(c.challenge_len, 1024);

	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_A=5"), 1);
	assert_int_equal(feed(&c, "CHAP_A=5"), -EPROTO);
	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_I=5"), 1);
	assert_int_equal(feed(&c, "CHAP_I=5"), -EPROTO);
	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_C=0x01"), 1);
	assert_int_equal(feed(&c, "CHAP_C=0x01"), -EPROTO);
}

/* Mutual CHAP from the initiator's side, with the target's answer computed independently. */
static void test_mutual(void **state)
{
	static const uint8_t tsecret[] = "targetsecret!";
	struct iscsi_chap c;
	char buf[512];
	struct iscsi_text_buf b;
	uint8_t rnd[33];
	(void)state;

	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_A=7"), 1);
	assert_int_equal(feed(&c, "CHAP_I=9"), 1);
	assert_int_equal(feed(&c, "CHAP_C=0x0001020304"), 1);

	rnd[0] = 0x2a;
	for (int i = 0; i < 32; i++)
		rnd[1 + i] = (uint8_t)(100 + i);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_chap_challenge(&c, rnd, 32, &b), -EINVAL); /* too short */
	assert_int_equal(iscsi_chap_challenge(&c, rnd, 33, &b), 0);
	static const char want[] =
	    "CHAP_I=42\0CHAP_C="
	    "0x6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283\0";
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(buf, want, b.len);

	const char *good = "0x4cecf9c6bfef80c0764844fe64a8bffc7462a60896a4d75c2f36f5b2ce8f761e";
	assert_int_equal(
	    iscsi_chap_verify(&c, "target1", "target1", 7, good, strlen(good), tsecret, 13), 0);
	assert_int_equal(iscsi_chap_verify(&c, NULL, "whoever", 7, good, strlen(good), tsecret, 13),
	                 0);
	assert_int_equal(
	    iscsi_chap_verify(&c, "target1", "target2", 7, good, strlen(good), tsecret, 13),
	    -EACCES);
	assert_string_equal(c.why, "target authenticated with an unexpected CHAP_N");
	assert_int_equal(iscsi_chap_verify(&c, "", "x", 1, good, strlen(good), tsecret, 12),
	                 -EACCES); /* wrong secret */
	assert_string_equal(c.why, "target's CHAP_R is wrong (mutual CHAP secret mismatch)");
	const char *flipped = "0x4cecf9c6bfef80c0764844fe64a8bffc7462a60896a4d75c2f36f5b2ce8f761f";
	assert_int_equal(iscsi_chap_verify(&c, "", "x", 1, flipped, strlen(flipped), tsecret, 13),
	                 -EACCES);
	assert_int_equal(iscsi_chap_verify(&c, "", "x", 1, "0x4cec", 6, tsecret, 13), -EACCES);
	assert_string_equal(c.why, "target's CHAP_R has the wrong length");
	assert_int_equal(iscsi_chap_verify(&c, "", "x", 1, "junk", 4, tsecret, 13), -EPROTO);

	/* MD5 mutual, base64-encoded answer */
	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_A=5"), 1);
	assert_int_equal(
	    iscsi_chap_challenge(&c, rnd, 17, (iscsi_text_buf_init(&b, buf, sizeof(buf)), &b)), 0);
	const char *md5b64 = "0bjzhS3TVfQZbGrebJZhtrmg==";
	assert_int_equal(iscsi_chap_verify(&c, NULL, "t", 1, md5b64, strlen(md5b64), tsecret, 13),
	                 0);
}

static void test_reflection(void **state)
{
	struct iscsi_chap c;
	char buf[256];
	struct iscsi_text_buf b;
	uint8_t rnd[17] = {7,    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	                   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	(void)state;

	iscsi_chap_init(&c);
	assert_int_equal(feed(&c, "CHAP_A=5"), 1);
	assert_int_equal(feed(&c, "CHAP_I=1"), 1);
	assert_int_equal(feed(&c, "CHAP_C=0x000102030405060708090a0b0c0d0e0f"), 1);
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_chap_challenge(&c, rnd, sizeof(rnd), &b), -EINVAL);
	assert_string_equal(c.why, "our CHAP challenge equals the target's (reflection)");
	assert_int_equal(b.len, 0);
	rnd[16] ^= 1;
	assert_int_equal(iscsi_chap_challenge(&c, rnd, sizeof(rnd), &b), 0);
	iscsi_text_buf_init(&b, buf, 10);
	assert_int_equal(iscsi_chap_challenge(&c, rnd, sizeof(rnd), &b), -ENOSPC);
	assert_int_equal(b.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compute_vectors), cmocka_unit_test(test_secret_policy),
	    cmocka_unit_test(test_one_way_md5),     cmocka_unit_test(test_base64_challenge_sha256),
	    cmocka_unit_test(test_rx_errors),       cmocka_unit_test(test_mutual),
	    cmocka_unit_test(test_reflection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
