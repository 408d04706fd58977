/* Unit tests for lib/crc32c: RFC 3720 B.4 vectors, chaining, wire order, bitwise model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/crc32c.h"

/* Bit-at-a-time reference: slow, obviously right, independent of the tables. */
static uint32_t crc_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
	}
	return ~c;
}

static void test_rfc3720_vectors(void **state)
{
	uint8_t buf[48];
	(void)state;

	memset(buf, 0, 32);
	assert_int_equal(crc32c(buf, 32), 0x8a9136aa);
	memset(buf, 0xff, 32);
	assert_int_equal(crc32c(buf, 32), 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32c(buf, 32), 0x46dd794e);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(buf, 32), 0x113fdb5c);
	/* the iSCSI Read command PDU of RFC 3720 B.4 */
	static const uint8_t read_pdu[48] = {
	    0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
	    0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	assert_int_equal(crc32c(read_pdu, 48), 0xd9963a56);
	assert_int_equal(crc32c("123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(NULL, 0), 0);
}

static void test_matches_reference_all_lengths_and_alignments(void **state)
{
	uint8_t buf[300];
	uint32_t x = 12345;
	(void)state;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += (len < 40 ? 1 : 13))
			assert_int_equal(crc32c(buf + off, len), crc_ref(buf + off, len));
}

static void test_extend_chains(void **state)
{
	const char *s = "The quick brown fox jumps over the lazy dog, twice over.";
	size_t n = strlen(s);
	(void)state;

	for (size_t cut = 0; cut <= n; cut++) {
		uint32_t c = crc32c(s, cut);
		assert_int_equal(crc32c_extend(c, s + cut, n - cut), crc32c(s, n));
	}
	assert_int_equal(crc32c_extend(0, s, n), crc32c(s, n));
}

static void test_wire_order(void **state)
{
	uint8_t out[4];
	static const uint8_t want[4] = {0xaa, 0x36, 0x91, 0x8a};
	(void)state;

	crc32c_put(out, 0x8a9136aa);
	assert_memory_equal(out, want, 4);
	assert_int_equal(crc32c_get(want), 0x8a9136aa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3720_vectors),
	    cmocka_unit_test(test_matches_reference_all_lengths_and_alignments),
	    cmocka_unit_test(test_extend_chains),
	    cmocka_unit_test(test_wire_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
