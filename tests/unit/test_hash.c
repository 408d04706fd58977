/* Unit tests for lib/md5 and lib/sha256: RFC 1321 and FIPS 180 vectors, streaming splits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/md5.h"
#include "lib/sha256.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_md5(const char *msg, const char *want)
{
	uint8_t d[16];
	char h[33];

	md5(msg, strlen(msg), d);
	hex(d, 16, h);
	assert_string_equal(h, want);
}

static void check_sha256(const void *msg, size_t len, const char *want)
{
	uint8_t d[32];
	char h[65];

	sha256(msg, len, d);
	hex(d, 32, h);
	assert_string_equal(h, want);
}

static void test_md5_rfc1321(void **state)
{
	(void)state;
	check_md5("", "d41d8cd98f00b204e9800998ecf8427e");
	check_md5("a", "0cc175b9c0f1b6a831c399e269772661");
	check_md5("abc", "900150983cd24fb0d6963f7d28e17f72");
	check_md5("message digest", "f96b697d7cb7938d525a2f31aaf161d0");
	check_md5("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
	check_md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	          "d174ab98d277d9f5a5611c2c9f419d9f");
	check_md5("1234567890123456789012345678901234567890123456789012345678901234567890123456789"
	          "0",
	          "57edf4a22be3c955ac49da2e2107b67a");
}

static void test_sha256_fips180(void **state)
{
	(void)state;
	check_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_sha256(two, strlen(two),
	             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_million_a_streamed(void **state)
{
	struct sha256 ctx;
	uint8_t chunk[1000], d[32];
	char h[65];
	(void)state;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&ctx);
	for (int i = 0; i < 1000; i++)
		sha256_update(&ctx, chunk, sizeof(chunk));
	sha256_final(&ctx, d);
	hex(d, 32, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Any split of the input into update() calls must give the one-shot digest. */
static void test_streaming_splits(void **state)
{
	uint8_t msg[200], one_md5[16], one_sha[32], d[32];
	(void)state;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(msg); len += 17) {
		md5(msg, len, one_md5);
		sha256(msg, len, one_sha);
		for (size_t cut = 0; cut <= len; cut += 5) {
			struct md5 m;
			struct sha256 s;

			md5_init(&m);
			md5_update(&m, msg, cut);
			md5_update(&m, msg + cut, len - cut);
			md5_final(&m, d);
			assert_memory_equal(d, one_md5, 16);
			sha256_init(&s);
			sha256_update(&s, msg, cut);
			sha256_update(&s, msg + cut, len - cut);
			sha256_final(&s, d);
			assert_memory_equal(d, one_sha, 32);
		}
	}
}

/* The padding boundary cases: 55, 56, 63, 64 and 119/120 byte messages. */
static void test_padding_boundaries(void **state)
{
	uint8_t a[120];
	(void)state;

	memset(a, 'a', sizeof(a));
	check_sha256(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	check_sha256(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	check_sha256(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_md5_rfc1321),
	    cmocka_unit_test(test_sha256_fips180),
	    cmocka_unit_test(test_sha256_million_a_streamed),
	    cmocka_unit_test(test_streaming_splits),
	    cmocka_unit_test(test_padding_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
