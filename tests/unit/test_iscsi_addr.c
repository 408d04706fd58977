/* Unit tests for blk/iscsi/addr: IPv4/IPv6 literals, host names, portal strings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/addr.h"

static int v6(const char *s, uint8_t out[16])
{
	return iscsi_addr_parse_ipv6(s, strlen(s), out);
}

static void test_ipv4(void **state)
{
	uint8_t ip[16];
	static const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 20};
	(void)state;

	assert_int_equal(iscsi_addr_parse_ipv4("192.168.1.20", 12, ip), 0);
	assert_memory_equal(ip, want, 16);
	assert_true(iscsi_addr_is_v4mapped(ip));
	assert_int_equal(iscsi_addr_parse_ipv4("0.0.0.0", 7, ip), 0);
	assert_int_equal(iscsi_addr_parse_ipv4("255.255.255.255", 15, ip), 0);
	static const char *const bad[] = {"",         "1.2.3",      "1.2.3.4.5", "256.0.0.1",
	                                  "01.2.3.4", "1.2.3.",     "1..2.3",    "a.b.c.d",
	                                  "1.2.3.4 ", "1234.1.1.1", "-1.2.3.4"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(iscsi_addr_parse_ipv4(bad[i], strlen(bad[i]), ip), -EINVAL);
}

static void test_ipv6(void **state)
{
	uint8_t ip[16];
	(void)state;

	static const uint8_t loop[16] = {[15] = 1};
	assert_int_equal(v6("::1", ip), 0);
	assert_memory_equal(ip, loop, 16);
	static const uint8_t zero[16] = {0};
	assert_int_equal(v6("::", ip), 0);
	assert_memory_equal(ip, zero, 16);
	static const uint8_t ll[16] = {0xfe, 0x80, [14] = 0x12, [15] = 0x34};
	assert_int_equal(v6("fe80::1234", ip), 0);
	assert_memory_equal(ip, ll, 16);
	static const uint8_t full[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
	                                 0,    3,    0,    4,    0, 5, 0, 6};
	assert_int_equal(v6("2001:DB8:1:2:3:4:5:6", ip), 0);
	assert_memory_equal(ip, full, 16);
	static const uint8_t tail[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0};
	assert_int_equal(v6("1:2:3:4:5:6:7::", ip), 0);
	assert_memory_equal(ip, tail, 16);
	static const uint8_t head[16] = {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8};
	assert_int_equal(v6("::2:3:4:5:6:7:8", ip), 0);
	assert_memory_equal(ip, head, 16);
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	assert_int_equal(v6("::ffff:10.0.0.1", ip), 0);
	assert_memory_equal(ip, mapped, 16);
	assert_true(iscsi_addr_is_v4mapped(ip));
	static const uint8_t mid[16] = {0, 1, [14] = 0, [15] = 2};
	assert_int_equal(v6("1::2", ip), 0);
	assert_memory_equal(ip, mid, 16);

	static const char *const bad[] = {
	    "",
	    ":",
	    ":1",
	    "1:",
	    "1:::2",
	    "1::2::3",
	    "12345::",
	    "1:2:3:4:5:6:7:8:9",
	    "1:2:3:4:5:6:7",
	    "::g",
	    "1::2:3:4:5:6:7:8",
	    "::1.2.3",
	    "1:2:3:4:5:6:7:1.2.3.4",
	    "fe80::1%eth0",
	    ":::",
	    "1.2.3.4",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(v6(bad[i], ip), -EINVAL);
}

static void test_host(void **state)
{
	struct iscsi_host h;
	(void)state;

	assert_int_equal(iscsi_addr_parse_host("10.1.2.3", 8, &h), 0);
	assert_int_equal(h.kind, ISCSI_HOST_IPV4);
	assert_string_equal(h.name, "10.1.2.3");
	assert_int_equal(iscsi_addr_parse_host("fe80::1", 7, &h), 0);
	assert_int_equal(h.kind, ISCSI_HOST_IPV6);
	assert_int_equal(iscsi_addr_parse_host("san-01.example.com.", 19, &h), 0);
	assert_int_equal(h.kind, ISCSI_HOST_NAME);
	assert_string_equal(h.name, "san-01.example.com.");
	assert_int_equal(iscsi_addr_parse_host("", 0, &h), 0);
	assert_int_equal(h.kind, ISCSI_HOST_NONE);

	static const char *const bad[] = {"10.0.0.256", "a..b",  ".a",      "a b",
	                                  "x_y!",       "1.2.3", "fe80::zz"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(iscsi_addr_parse_host(bad[i], strlen(bad[i]), &h), -EINVAL);

	char label[70];
	memset(label, 'a', 64);
	assert_int_equal(iscsi_addr_parse_host(label, 64, &h), -EINVAL); /* label > 63 */
	assert_int_equal(iscsi_addr_parse_host(label, 63, &h), 0);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	for (int i = 50; i < 300; i += 50)
		longname[i] = '.';
	assert_int_equal(iscsi_addr_parse_host(longname, 256, &h), -EINVAL);
}

static int portal(const char *s, struct iscsi_portal *p)
{
	return iscsi_addr_parse_portal(s, strlen(s), p);
}

static void test_portal(void **state)
{
	struct iscsi_portal p;
	(void)state;

	assert_int_equal(portal("10.0.0.1:3261,2", &p), 0);
	assert_int_equal(p.host.kind, ISCSI_HOST_IPV4);
	assert_int_equal(p.port, 3261);
	assert_true(p.has_tpgt);
	assert_int_equal(p.tpgt, 2);

	assert_int_equal(portal("10.0.0.1", &p), 0);
	assert_int_equal(p.port, 3260);
	assert_false(p.has_tpgt);

	assert_int_equal(portal("[2001:db8::5]:860,1", &p), 0);
	assert_int_equal(p.host.kind, ISCSI_HOST_IPV6);
	assert_string_equal(p.host.name, "2001:db8::5");
	assert_int_equal(p.port, 860);
	assert_int_equal(p.tpgt, 1);

	assert_int_equal(portal("[::1],7", &p), 0);
	assert_int_equal(p.port, 3260);
	assert_int_equal(p.tpgt, 7);

	/* lenient: bare IPv6 without brackets, no port */
	assert_int_equal(portal("fe80::2,1", &p), 0);
	assert_int_equal(p.host.kind, ISCSI_HOST_IPV6);
	assert_int_equal(p.port, 3260);

	assert_int_equal(portal("storage.lan:3260", &p), 0);
	assert_int_equal(p.host.kind, ISCSI_HOST_NAME);

	static const char *const bad[] = {"",
	                                  ":3260",
	                                  "10.0.0.1:",
	                                  "10.0.0.1:0",
	                                  "10.0.0.1:65536",
	                                  "10.0.0.1:x",
	                                  "[::1",
	                                  "[]:1",
	                                  "[::1]x",
	                                  "10.0.0.1,",
	                                  "10.0.0.1,70000",
	                                  "[zz]:1",
	                                  "10.0.0.1:1:2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(portal(bad[i], &p), -EINVAL);
}

static void test_uint(void **state)
{
	uint32_t v;
	(void)state;

	assert_int_equal(iscsi_addr_parse_uint("65535", 5, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(iscsi_addr_parse_uint("65536", 5, 65535, &v), -EINVAL);
	assert_int_equal(iscsi_addr_parse_uint("4294967295", 10, UINT32_MAX, &v), 0);
	assert_int_equal(iscsi_addr_parse_uint("4294967296", 10, UINT32_MAX, &v), -EINVAL);
	assert_int_equal(iscsi_addr_parse_uint("12345678901", 11, UINT32_MAX, &v), -EINVAL);
	assert_int_equal(iscsi_addr_parse_uint("", 0, 5, &v), -EINVAL);
	assert_int_equal(iscsi_addr_parse_uint("+1", 2, 5, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),   cmocka_unit_test(test_ipv6), cmocka_unit_test(test_host),
	    cmocka_unit_test(test_portal), cmocka_unit_test(test_uint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
