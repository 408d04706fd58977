/* Unit tests for net/netcfg: ip= and ifname= forms, addresses, masks, MACs, DHCP options. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/netcfg.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void test_ipv4(void **state)
{
	uint32_t a = 1;
	(void)state;
	assert_int_equal(netcfg_parse_ipv4("10.0.2.15", 9, &a), 0);
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_int_equal(netcfg_parse_ipv4("255.255.255.255", 15, &a), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_int_equal(netcfg_parse_ipv4("0.0.0.0", 7, &a), 0);
	assert_int_equal(a, 0);
	/* Only len bytes count: the rest of a longer string is not looked at. */
	assert_int_equal(netcfg_parse_ipv4("1.2.3.4:x", 7, &a), 0);
	assert_int_equal(a, IP(1, 2, 3, 4));
	static const char *const bad[] = {"",         "1.2.3",    "1.2.3.4.5", "256.1.1.1",
	                                  "1..2.3",   "1.2.3.",   ".1.2.3",    "a.b.c.d",
	                                  "01.2.3.4", "1.2.3.4 ", "+1.2.3.4",  "1.2.3.1000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 42;
		assert_int_equal(netcfg_parse_ipv4(bad[i], strlen(bad[i]), &a), -EINVAL);
		assert_int_equal(a, 42);
	}
}

static void test_mask(void **state)
{
	uint32_t m;
	(void)state;
	assert_int_equal(netcfg_parse_mask("255.255.255.0", 13, &m), 0);
	assert_int_equal(m, 0xffffff00u);
	assert_int_equal(netcfg_parse_mask("24", 2, &m), 0);
	assert_int_equal(m, 0xffffff00u);
	assert_int_equal(netcfg_parse_mask("32", 2, &m), 0);
	assert_int_equal(m, 0xffffffffu);
	assert_int_equal(netcfg_parse_mask("0", 1, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(netcfg_parse_mask("255.0.255.0", 11, &m), -EINVAL);
	assert_int_equal(netcfg_parse_mask("33", 2, &m), -EINVAL);
	assert_int_equal(netcfg_parse_mask("", 0, &m), -EINVAL);
}

static void test_mac(void **state)
{
	uint8_t mac[6] = {0};
	static const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0xab};
	(void)state;
	assert_int_equal(netcfg_parse_mac("52:54:00:12:34:AB", 17, mac), 0);
	assert_memory_equal(mac, want, 6);
	memset(mac, 0, 6);
	assert_int_equal(netcfg_parse_mac("52-54-00-12-34-ab", 17, mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_int_equal(netcfg_parse_mac("52:54-00:12:34:ab", 17, mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("52:54:00:12:34:a", 16, mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("52:54:00:12:34:ag", 17, mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("5254.0012.34ab.xx", 17, mac), -EINVAL);
}

static void test_ip_dhcp(void **state)
{
	struct netcfg_ip c;
	char err[128];
	(void)state;
	assert_int_equal(netcfg_parse_ip("dhcp", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_string_equal(c.iface, "");
	assert_string_equal(err, "");
	assert_int_equal(netcfg_parse_ip("on", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_int_equal(netcfg_parse_ip("off", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, NETCFG_OFF);
	assert_int_equal(netcfg_parse_ip("none", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, NETCFG_OFF);
	assert_int_equal(netcfg_parse_ip("eth1:dhcp", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_string_equal(c.iface, "eth1");
	/* The long form with autoconf dhcp keeps host name and interface. */
	assert_int_equal(netcfg_parse_ip(":::::eth0:dhcp", &c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_string_equal(c.iface, "eth0");
	assert_int_equal(netcfg_parse_ip("::::node7:eth0:dhcp", &c, err, sizeof(err)), 0);
	assert_string_equal(c.hostname, "node7");
}

static void test_ip_static(void **state)
{
	struct netcfg_ip c;
	char err[128];
	(void)state;
	/* dracut: empty server field. */
	assert_int_equal(netcfg_parse_ip("10.0.2.15::10.0.2.2:255.255.255.0:node1:eth0:none", &c,
	                                 err, sizeof(err)),
	                 0);
	assert_int_equal(c.mode, NETCFG_STATIC);
	assert_int_equal(c.addr, IP(10, 0, 2, 15));
	assert_int_equal(c.server, 0);
	assert_int_equal(c.gw, IP(10, 0, 2, 2));
	assert_int_equal(c.mask, 0xffffff00u);
	assert_string_equal(c.hostname, "node1");
	assert_string_equal(c.iface, "eth0");
	/* Linux nfsroot: with a server, prefix-length mask, trailing dns/mtu/mac fields. */
	assert_int_equal(netcfg_parse_ip("192.168.1.5:192.168.1.1:192.168.1.1:24:::off:8.8.8.8", &c,
	                                 err, sizeof(err)),
	                 0);
	assert_int_equal(c.mode, NETCFG_STATIC);
	assert_int_equal(c.server, IP(192, 168, 1, 1));
	assert_int_equal(c.mask, 0xffffff00u);
	assert_string_equal(c.iface, "");
	/* No gateway, four fields only. */
	assert_int_equal(netcfg_parse_ip("10.1.2.3:::16", &c, err, sizeof(err)), 0);
	assert_int_equal(c.gw, 0);
	assert_int_equal(c.mask, 0xffff0000u);
}

static void test_ip_bad(void **state)
{
	struct netcfg_ip c;
	char err[128];
	static const struct {
		const char *in, *says;
	} bad[] = {
	    {"bootp", "want dhcp"},
	    {"eth0:static", "want <iface>:dhcp"},
	    {":dhcp", "bad interface"},
	    {"10.0.2.15::10.0.2.2", "want <client>"},
	    {"10.0.2.300::10.0.2.2:24::eth0:none", "bad client address"},
	    {"0.0.0.0::10.0.2.2:24::eth0:none", "bad client address"},
	    {"10.0.2.15:x:10.0.2.2:24::eth0:none", "bad server"},
	    {"10.0.2.15::10.0.2:24::eth0:none", "bad gateway"},
	    {"10.0.2.15::10.0.2.2:255.0.255.0::eth0:none", "bad netmask"},
	    {"10.0.2.15::10.0.2.2:0::eth0:none", "bad netmask"},
	    {"10.0.2.15::10.0.3.2:24::eth0:none", "not on the client's subnet"},
	    {"10.0.2.15::10.0.2.2:24::eth0:ibft", "autoconf 'ibft' not supported"},
	    {"10.0.2.15::10.0.2.2:24::averyveryverylongname:none", "bad interface"},
	    {"1:2:3:4:5:6:7:8:9:10:11", "too many"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0x5a, sizeof(c));
		assert_int_equal(netcfg_parse_ip(bad[i].in, &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("ip=%s: error '%s' lacks '%s'", bad[i].in, err, bad[i].says);
		assert_int_equal(c.mode, NETCFG_OFF);
		assert_int_equal(c.addr, 0);
		assert_string_equal(c.iface, "");
	}
	/* A NULL err buffer is fine; a tiny one is truncated but terminated. */
	assert_int_equal(netcfg_parse_ip("bootp", &c, NULL, 0), -EINVAL);
	assert_int_equal(netcfg_parse_ip("bootp", &c, err, 4), -EINVAL);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(netcfg_parse_ip(NULL, &c, err, sizeof(err)), -EINVAL);
}

static void test_ifname(void **state)
{
	struct netcfg_ifname n;
	char err[128];
	static const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	(void)state;
	assert_int_equal(netcfg_parse_ifname("storage0:52:54:00:12:34:56", &n, err, sizeof(err)),
	                 0);
	assert_string_equal(n.name, "storage0");
	assert_memory_equal(n.mac, want, 6);
	assert_int_equal(netcfg_parse_ifname("storage0", &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "want <name>:<MAC>"));
	assert_int_equal(netcfg_parse_ifname(":52:54:00:12:34:56", &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(netcfg_parse_ifname("x:52:54:00:12:34", &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad MAC"));
	assert_string_equal(n.name, "");
}

static void test_dhcp_string(void **state)
{
	char out[16];
	(void)state;
	assert_int_equal(netcfg_dhcp_string((const uint8_t *)"node1\0\0", 7, out, sizeof(out)), 0);
	assert_string_equal(out, "node1");
	assert_int_equal(netcfg_dhcp_string((const uint8_t *)"", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(netcfg_dhcp_string((const uint8_t *)"a\0b", 3, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(netcfg_dhcp_string((const uint8_t *)"a\nb", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(
	    netcfg_dhcp_string((const uint8_t *)"0123456789abcdef", 16, out, sizeof(out)), -E2BIG);
	assert_int_equal(
	    netcfg_dhcp_string((const uint8_t *)"0123456789abcde", 15, out, sizeof(out)), 0);
	assert_int_equal(
	    netcfg_dhcp_string((const uint8_t *)"iscsi:10.0.2.2::::iqn.x", 23, out, sizeof(out)),
	    -E2BIG);
}

static void test_dhcp_find(void **state)
{
	/* iPXE-style option 175 body: pad, 0xb1 (bus id) len 3, 0x15 len 1, end. */
	static const uint8_t blk[] = {0, 0xb1, 3, 1, 2, 3, 0x15, 1, 1, 255, 0x99, 1, 7};
	const uint8_t *v;
	size_t n;
	(void)state;
	assert_int_equal(netcfg_dhcp_find(blk, sizeof(blk), 0xb1, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_ptr_equal(v, blk + 3);
	assert_int_equal(netcfg_dhcp_find(blk, sizeof(blk), 0x15, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 1);
	/* Nothing after the end marker counts. */
	assert_int_equal(netcfg_dhcp_find(blk, sizeof(blk), 0x99, &v, &n), -ENOENT);
	/* A length running past the end, and a code with no length byte. */
	static const uint8_t trunc[] = {0x15, 4, 1, 2};
	assert_int_equal(netcfg_dhcp_find(trunc, sizeof(trunc), 0x15, &v, &n), -EINVAL);
	static const uint8_t nolen[] = {0, 0x15};
	assert_int_equal(netcfg_dhcp_find(nolen, sizeof(nolen), 0x15, &v, &n), -EINVAL);
	assert_int_equal(netcfg_dhcp_find(blk, 0, 0x15, &v, &n), -ENOENT);
}

static void test_dhcp_request_more(void **state)
{
	(void)state;
	/* What lwIP writes before its hook: message type, max size, request list, hostname. */
	uint8_t opts[32] = {53, 1, 1, 57, 2, 0x05, 0xdc, 55, 3, 1, 3, 28, 12, 2, 'n', '7'};
	size_t len = 16;
	static const uint8_t ask[] = {17, 12, 175, 203, 3};
	assert_int_equal(netcfg_dhcp_request_more(opts, &len, sizeof(opts), ask, sizeof(ask)), 0);
	/* 3 (the router) was listed already; 17, 12, 175, 203 join the same list */
	static const uint8_t want[] = {53, 1, 1, 57, 2, 0x05, 0xdc, 55, 7, 1, 3, 28, 17, 12, 175,
	                               203, 12, 2, 'n', '7'};
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(opts, want, sizeof(want));
	/* asking again changes nothing */
	assert_int_equal(netcfg_dhcp_request_more(opts, &len, sizeof(opts), ask, sizeof(ask)), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(opts, want, sizeof(want));

	/* no room: refused, untouched */
	uint8_t tight[18] = {53, 1, 1, 55, 2, 1, 3, 12, 2, 'n', '7'};
	size_t tlen = 11;
	uint8_t copy[18];
	memcpy(copy, tight, sizeof(tight));
	assert_int_equal(netcfg_dhcp_request_more(tight, &tlen, 14, ask, sizeof(ask)), -ENOSPC);
	assert_int_equal(tlen, 11);
	assert_memory_equal(tight, copy, sizeof(tight));

	/* no list at all: one is added; pads are skipped */
	uint8_t bare[16] = {0, 53, 1, 3};
	size_t blen = 4;
	assert_int_equal(netcfg_dhcp_request_more(bare, &blen, sizeof(bare), ask, 2), 0);
	static const uint8_t bwant[] = {0, 53, 1, 3, 55, 2, 17, 12};
	assert_int_equal(blen, sizeof(bwant));
	assert_memory_equal(bare, bwant, sizeof(bwant));

	/* malformed: a length past the end, or an end option already there */
	uint8_t broken[8] = {53, 9, 1};
	size_t klen = 3;
	assert_int_equal(netcfg_dhcp_request_more(broken, &klen, sizeof(broken), ask, 1), -EINVAL);
	uint8_t ended[8] = {53, 1, 1, 255};
	size_t elen = 4;
	assert_int_equal(netcfg_dhcp_request_more(ended, &elen, sizeof(ended), ask, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),      cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_mac),       cmocka_unit_test(test_ip_dhcp),
	    cmocka_unit_test(test_ip_static), cmocka_unit_test(test_ip_bad),
	    cmocka_unit_test(test_ifname),    cmocka_unit_test(test_dhcp_string),
	    cmocka_unit_test(test_dhcp_find),  
	    cmocka_unit_test(test_dhcp_request_more),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
