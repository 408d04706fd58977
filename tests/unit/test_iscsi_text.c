/* Unit tests for blk/iscsi/text: record iteration, building, value codecs, SendTargets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/text.h"

#define S(lit) lit, sizeof(lit) - 1 /* string literal with its embedded NULs */

static void test_iter_basic(void **state)
{
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	(void)state;

	iscsi_text_iter_init(&it, S("A=1\0Bb=\0X-com.ex#y=z=w\0"));
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	assert_true(iscsi_kv_is(&kv, "A"));
	assert_false(iscsi_kv_is(&kv, "AB"));
	assert_string_equal(kv.value, "1");
	assert_int_equal(kv.value_len, 1);
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	assert_true(iscsi_kv_is(&kv, "Bb"));
	assert_int_equal(kv.value_len, 0);
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	assert_true(iscsi_kv_is(&kv, "X-com.ex#y"));
	assert_string_equal(kv.value, "z=w"); /* only the first '=' separates */
	assert_int_equal(iscsi_text_next(&it, &kv), 0);
	assert_int_equal(iscsi_text_next(&it, &kv), 0);

	/* empty buffer and NUL padding between and after records are fine */
	iscsi_text_iter_init(&it, NULL, 0);
	assert_int_equal(iscsi_text_next(&it, &kv), 0);
	iscsi_text_iter_init(&it, S("\0\0A=1\0\0\0B=2\0\0\0"));
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	assert_true(iscsi_kv_is(&kv, "B"));
	assert_int_equal(iscsi_text_next(&it, &kv), 0);
}

static void expect_bad(const char *buf, size_t len, const char *why)
{
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	int rc;

	iscsi_text_iter_init(&it, buf, len);
	while ((rc = iscsi_text_next(&it, &kv)) > 0)
		;
	assert_int_equal(rc, -EPROTO);
	assert_non_null(it.why);
	assert_string_equal(it.why, why);
	/* stays failed */
	assert_int_equal(iscsi_text_next(&it, &kv), -EPROTO);
}

static void test_iter_malformed(void **state)
{
	(void)state;
	expect_bad(S("A=1"), "text record not NUL-terminated");
	expect_bad(S("A=1\0B=2"), "text record not NUL-terminated");
	expect_bad(S("A1\0"), "text record without '='");
	expect_bad(S("=1\0"), "empty key");
	expect_bad(S("A B=1\0"), "invalid character in key");
	expect_bad(S("A\xff=1\0"), "invalid character in key");

	char longkey[80];
	memset(longkey, 'K', 64);
	memcpy(longkey + 64, "=v", 3);
	expect_bad(longkey, 67, "key longer than 63 bytes");
	longkey[63] = '=';
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	iscsi_text_iter_init(&it, longkey, 67);
	assert_int_equal(iscsi_text_next(&it, &kv), 1);
	assert_int_equal(kv.key_len, 63);
}

static void test_build(void **state)
{
	char buf[64];
	struct iscsi_text_buf b;
	static const uint8_t bin[3] = {0x00, 0xab, 0x7f};
	(void)state;

	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_text_add(&b, "Key", "Value"), 0);
	assert_int_equal(iscsi_text_add_u32(&b, "N", 4294967295u), 0);
	assert_int_equal(iscsi_text_add_u32(&b, "Z", 0), 0);
	assert_int_equal(iscsi_text_add_hex(&b, "C", bin, 3), 0);
	static const char want[] = "Key=Value\0N=4294967295\0Z=0\0C=0x00ab7f\0";
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(buf, want, b.len);

	/* -ENOSPC leaves the buffer unchanged */
	size_t before = b.len;
	assert_int_equal(iscsi_text_add(&b, "Long", "0123456789012345678901234567890"), -ENOSPC);
	assert_int_equal(b.len, before);
	assert_int_equal(iscsi_text_add_hex(&b, "H", bin, 3), 0); /* 49 of 64 */
	assert_int_equal(iscsi_text_add_hex(&b, "H", bin, 3), 0); /* 60 of 64 */
	assert_int_equal(iscsi_text_add_hex(&b, "H", bin, 3), -ENOSPC);
	assert_int_equal(b.len, 60);
	uint8_t big[40] = {0};
	assert_int_equal(iscsi_text_add_hex(&b, "H", big, 40), -ENOSPC);
	assert_int_equal(iscsi_text_append(&b, "x", 100), -ENOSPC);
	/* the hex digits fit but key, prefix and terminator do not */
	char small[10];
	iscsi_text_buf_init(&b, small, sizeof(small));
	assert_int_equal(iscsi_text_add_hex(&b, "H", bin, 3), -ENOSPC);
	assert_int_equal(b.len, 0);

	/* invalid keys and values */
	iscsi_text_buf_init(&b, buf, sizeof(buf));
	assert_int_equal(iscsi_text_add(&b, "", "v"), -EINVAL);
	assert_int_equal(iscsi_text_add(&b, "bad key", "v"), -EINVAL);
	assert_int_equal(iscsi_text_add_hex(&b, "H", bin, 0), -EINVAL);
	char big_value[300];
	memset(big_value, 'v', 256);
	big_value[256] = 0;
	char huge[600];
	iscsi_text_buf_init(&b, huge, sizeof(huge));
	assert_int_equal(iscsi_text_add(&b, "K", big_value), -EINVAL);
	big_value[255] = 0;
	assert_int_equal(iscsi_text_add(&b, "K", big_value), 0);
	assert_int_equal(iscsi_text_append(&b, "A=1\0", 4), 0);
}

static void test_numbers(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(iscsi_text_parse_number("8192", 4, UINT64_MAX, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(iscsi_text_parse_number("0x2000", 6, UINT64_MAX, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(iscsi_text_parse_number("0X00000000000000002000", 22, UINT64_MAX, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(iscsi_text_parse_number("0bIAA=", 6, UINT64_MAX, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(iscsi_text_parse_number("18446744073709551615", 20, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(iscsi_text_parse_number("18446744073709551616", 20, UINT64_MAX, &v),
	                 -EINVAL);
	assert_int_equal(iscsi_text_parse_number("0x10000000000000000", 19, UINT64_MAX, &v),
	                 -EINVAL);
	assert_int_equal(iscsi_text_parse_number("256", 3, 255, &v), -EINVAL);
	assert_int_equal(iscsi_text_parse_number("", 0, 255, &v), -EINVAL);
	assert_int_equal(iscsi_text_parse_number("-1", 2, 255, &v), -EINVAL);
	assert_int_equal(iscsi_text_parse_number("1 ", 2, 255, &v), -EINVAL);
	assert_int_equal(iscsi_text_parse_number("0x", 2, 255, &v), -EINVAL);
	assert_int_equal(iscsi_text_parse_number("0xg", 3, 255, &v), -EINVAL);
	assert_int_equal(iscsi_text_parse_number("0bAAAAAAAAAAAAAAAA", 18, UINT64_MAX, &v),
	                 -EINVAL);
}

static void test_bool_and_list(void **state)
{
	bool b;
	(void)state;

	assert_int_equal(iscsi_text_parse_bool("Yes", 3, &b), 0);
	assert_true(b);
	assert_int_equal(iscsi_text_parse_bool("No", 2, &b), 0);
	assert_false(b);
	assert_int_equal(iscsi_text_parse_bool("yes", 3, &b), -EINVAL);
	assert_int_equal(iscsi_text_parse_bool("Y", 1, &b), -EINVAL);

	assert_true(iscsi_text_list_has("CRC32C,None", 11, "None"));
	assert_true(iscsi_text_list_has("CRC32C,None", 11, "CRC32C"));
	assert_false(iscsi_text_list_has("CRC32C,None", 11, "CRC"));
	assert_false(iscsi_text_list_has("", 0, "None"));
	assert_true(iscsi_text_list_has("", 0, ""));
}

static void test_binary(void **state)
{
	uint8_t out[8];
	size_t n;
	(void)state;

	assert_int_equal(iscsi_text_decode_binary("0x0102ff", 8, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[2], 0xff);
	assert_int_equal(iscsi_text_decode_binary("0XABC", 5, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2); /* odd count: implied leading zero */
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xbc);
	/* base64 with and without padding */
	assert_int_equal(iscsi_text_decode_binary("0bTWFu", 6, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "Man", 3);
	assert_int_equal(iscsi_text_decode_binary("0BTWE=", 6, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "Ma", 2);
	assert_int_equal(iscsi_text_decode_binary("0bTQ==", 6, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(iscsi_text_decode_binary("0bTQ", 4, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(iscsi_text_decode_binary("0b+/+/", 6, out, sizeof(out), &n), 0);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(iscsi_text_decode_binary("0bMTIz", 6, out, sizeof(out), &n), 0);
	assert_memory_equal(out, "123", 3);
	assert_int_equal(iscsi_text_decode_binary("0b09AZ", 6, out, sizeof(out), &n), 0);
	assert_memory_equal(out, "\xd3\xd0\x19", 3);

	static const char *const bad[] = {
	    "",       "0",   "0x",      "0b",     "x12",  "0z12",  "0x1g",
	    "0b!!!!", "0bT", "0bTQ===", "0b====", "00x1", "0xg12", "0b=="};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    iscsi_text_decode_binary(bad[i], strlen(bad[i]), out, sizeof(out), &n),
		    -EINVAL);
	assert_int_equal(iscsi_text_decode_binary("0x010203040506070809", 20, out, 8, &n), -ENOSPC);
	assert_int_equal(iscsi_text_decode_binary("0bAAAAAAAAAAAA", 14, out, 8, &n), -ENOSPC);
}

static void test_sendtargets(void **state)
{
	struct iscsi_sendtargets st;
	struct iscsi_st_entry e;
	(void)state;

	iscsi_sendtargets_init(&st, S("TargetName=iqn.2001-04.com.example:disk1\0"
	                              "TargetAddress=10.0.0.1:3260,1\0"
	                              "TargetAddress=[2001:db8::1]:3261,2\0"
	                              "TargetAlias=ignored\0"
	                              "TargetName=iqn.2001-04.com.example:disk2\0"
	                              "TargetName=iqn.2001-04.com.example:disk3\0"
	                              "TargetAddress=san.example.com,5\0"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 1);
	assert_string_equal(e.name, "iqn.2001-04.com.example:disk1");
	assert_true(e.has_portal);
	assert_int_equal(e.portal.host.kind, ISCSI_HOST_IPV4);
	assert_int_equal(e.portal.port, 3260);
	assert_int_equal(e.portal.tpgt, 1);
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 1);
	assert_string_equal(e.name, "iqn.2001-04.com.example:disk1");
	assert_int_equal(e.portal.host.kind, ISCSI_HOST_IPV6);
	assert_int_equal(e.portal.port, 3261);
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 1);
	assert_string_equal(e.name, "iqn.2001-04.com.example:disk2");
	assert_false(e.has_portal); /* same portal as the discovery session */
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 1);
	assert_string_equal(e.name, "iqn.2001-04.com.example:disk3");
	assert_int_equal(e.portal.host.kind, ISCSI_HOST_NAME);
	assert_int_equal(e.portal.tpgt, 5);
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 0);
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 0);

	/* a final name without address is flushed at the end */
	iscsi_sendtargets_init(&st, S("TargetName=iqn.x:a\0"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 1);
	assert_false(e.has_portal);
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 0);

	iscsi_sendtargets_init(&st, NULL, 0);
	assert_int_equal(iscsi_sendtargets_next(&st, &e), 0);

	iscsi_sendtargets_init(&st, S("TargetAddress=10.0.0.1\0"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), -EPROTO);
	assert_string_equal(st.why, "TargetAddress before any TargetName");
	assert_int_equal(iscsi_sendtargets_next(&st, &e), -EPROTO);

	iscsi_sendtargets_init(&st, S("TargetName=iqn.x:a\0TargetAddress=10.0.0.300\0"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), -EPROTO);
	iscsi_sendtargets_init(&st, S("TargetName=bad name\0"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), -EPROTO);
	iscsi_sendtargets_init(&st, S("TargetName=\0"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), -EPROTO);
	iscsi_sendtargets_init(&st, S("TargetName=iqn.x:a\0Tar"));
	assert_int_equal(iscsi_sendtargets_next(&st, &e), -EPROTO);
	assert_string_equal(st.why, "text record not NUL-terminated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iter_basic),    cmocka_unit_test(test_iter_malformed),
	    cmocka_unit_test(test_build),         cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_bool_and_list), cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_sendtargets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
