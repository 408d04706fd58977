/* Unit tests for blk/iscsi/rootpath: RFC 4173 root-path and dracut netroot strings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/rootpath.h"

static struct iscsi_rootpath rp;

static void test_rfc4173(void **state)
{
	const char *why = NULL;
	(void)state;

	assert_int_equal(iscsi_rootpath_parse("iscsi:192.168.1.10:6:3261:5:iqn.2001-04.com.example:"
	                                      "storage.disk1",
	                                      &rp, &why),
	                 0);
	assert_int_equal(rp.server.kind, ISCSI_HOST_IPV4);
	assert_int_equal(rp.server.ip[15], 10);
	assert_int_equal(rp.protocol, 6);
	assert_int_equal(rp.port, 3261);
	static const uint8_t lun5[8] = {0, 5};
	assert_memory_equal(rp.lun, lun5, 8);
	assert_string_equal(rp.target, "iqn.2001-04.com.example:storage.disk1");
	assert_false(rp.has_chap);

	/* defaults everywhere, RFC 4173's own example LUN */
	assert_int_equal(iscsi_rootpath_parse("iscsi:san.example.com:::4752-3A4F-6b7e-2F99:"
	                                      "iqn.x:y",
	                                      &rp, NULL),
	                 0);
	assert_int_equal(rp.server.kind, ISCSI_HOST_NAME);
	assert_string_equal(rp.server.name, "san.example.com");
	assert_int_equal(rp.port, 3260);
	static const uint8_t hexlun[8] = {0x47, 0x52, 0x3a, 0x4f, 0x6b, 0x7e, 0x2f, 0x99};
	assert_memory_equal(rp.lun, hexlun, 8);

	/* fewer hex groups fill the leading bytes */
	assert_int_equal(iscsi_rootpath_parse("iscsi:10.0.0.1:::1-2:iqn.x", &rp, NULL), 0);
	static const uint8_t short_hex[8] = {0, 1, 0, 2};
	assert_memory_equal(rp.lun, short_hex, 8);

	/* decimal LUN above 255 uses flat addressing */
	assert_int_equal(iscsi_rootpath_parse("iscsi:10.0.0.1:::300:iqn.x", &rp, NULL), 0);
	static const uint8_t flat[8] = {0x41, 0x2c};
	assert_memory_equal(rp.lun, flat, 8);

	/* IPv6 server, empty LUN, empty target = discovery */
	assert_int_equal(iscsi_rootpath_parse("iscsi:[2001:db8::1]:6:3260::", &rp, NULL), 0);
	assert_int_equal(rp.server.kind, ISCSI_HOST_IPV6);
	assert_string_equal(rp.server.name, "2001:db8::1");
	assert_string_equal(rp.target, "");
	static const uint8_t zero[8] = {0};
	assert_memory_equal(rp.lun, zero, 8);

	/* empty server: the DHCP server, filled in by the caller */
	assert_int_equal(iscsi_rootpath_parse("ISCSI:::::iqn.x", &rp, NULL), 0);
	assert_int_equal(rp.server.kind, ISCSI_HOST_NONE);
}

static void test_dracut_credentials(void **state)
{
	(void)state;

	assert_int_equal(
	    iscsi_rootpath_parse("iscsi:alice:pa@ss:word@10.0.0.1::::iqn.x:y", &rp, NULL),
	    -EINVAL); /* ':' in a password is ambiguous */
	assert_int_equal(
	    iscsi_rootpath_parse("iscsi:alice:p@ssword@10.0.0.1::::iqn.x:y", &rp, NULL), 0);
	assert_true(rp.has_chap);
	assert_false(rp.has_mutual);
	assert_string_equal(rp.user, "alice");
	assert_string_equal(rp.pass, "p@ssword");
	assert_string_equal(rp.target, "iqn.x:y");

	assert_int_equal(iscsi_rootpath_parse("iscsi:u:p:ru:rp@[fe80::1]::860:0:iqn.x", &rp, NULL),
	                 0);
	assert_true(rp.has_mutual);
	assert_string_equal(rp.ruser, "ru");
	assert_string_equal(rp.rpass, "rp");
	assert_int_equal(rp.port, 860);
}

static void expect(const char *s, int err, const char *why)
{
	const char *got = NULL;

	assert_int_equal(iscsi_rootpath_parse(s, &rp, &got), err);
	assert_non_null(got);
	assert_string_equal(got, why);
}

static void test_errors(void **state)
{
	(void)state;

	expect("", -EINVAL, "does not start with \"iscsi:\"");
	expect("nfs:10.0.0.1:/root", -EINVAL, "does not start with \"iscsi:\"");
	expect("iscsi:10.0.0.1", -EINVAL, "missing ':' after server");
	expect("iscsi:10.0.0.1:6", -EINVAL, "missing ':' after protocol");
	expect("iscsi:10.0.0.1:6:3260", -EINVAL, "missing ':' after port");
	expect("iscsi:10.0.0.1:6:3260:0", -EINVAL, "missing ':' after LUN");
	expect("iscsi:10.0.0.256:::0:iqn.x", -EINVAL, "server: not an IPv4 address or host name");
	expect("iscsi:[2001:db8::1:::0:iqn.x", -EINVAL, "server: unterminated [IPv6] literal");
	expect("iscsi:[2001:db8::1]", -EINVAL, "server: unterminated [IPv6] literal");
	expect("iscsi:[2001:zz::1]:::0:iqn.x", -EINVAL, "server: bad IPv6 address");
	char longv6[400] = "iscsi:[";
	memset(longv6 + 7, '1', 260);
	strcat(longv6, "]:::0:iqn.x");
	expect(longv6, -EINVAL, "server: bad IPv6 address");
	expect("iscsi:10.0.0.1:17::0:iqn.x", -EPROTONOSUPPORT,
	       "protocol: only 6 (TCP) is supported");
	expect("iscsi:10.0.0.1:tcp::0:iqn.x", -EINVAL, "protocol: not a number");
	expect("iscsi:10.0.0.1::0:0:iqn.x", -EINVAL, "port: not a number from 1 to 65535");
	expect("iscsi:10.0.0.1::65536:0:iqn.x", -EINVAL, "port: not a number from 1 to 65535");
	const char *lun_msg = "LUN: not decimal (0-16383) or hex groups like 4752-3A4F";
	expect("iscsi:10.0.0.1:::16384:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::0x1:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::1-2-3-4-5:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::12345-1:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::1--2:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::1-:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::g-1:iqn.x", -EINVAL, lun_msg);
	expect("iscsi:10.0.0.1:::0:iqn x", -EINVAL,
	       "targetname: contains spaces or control characters");
	char longt[300] = "iscsi:10.0.0.1:::0:";
	memset(longt + strlen(longt), 'a', 224);
	expect(longt, -EINVAL, "targetname: longer than 223 bytes");
	expect("iscsi:alice@10.0.0.1:::0:iqn.x", -EINVAL,
	       "credentials: need user:password[:reverse-user:reverse-password]");
	expect("iscsi:a:b:c@10.0.0.1:::0:iqn.x", -EINVAL,
	       "credentials: need user:password[:reverse-user:reverse-password]");
	expect("iscsi:a:b:c:d:e@10.0.0.1:::0:iqn.x", -EINVAL, "credentials: more than 4 fields");
	expect("iscsi::pw@10.0.0.1:::0:iqn.x", -EINVAL,
	       "credentials: empty or too long user name or password");
	expect("iscsi:u:p:ru:@10.0.0.1:::0:iqn.x", -EINVAL,
	       "credentials: empty or too long reverse user name or password");
	assert_int_equal(iscsi_rootpath_parse("iscsi:", &rp, NULL), -EINVAL);
}

static void test_ipxe_encap(void **state)
{
	(void)state;
	/* iPXE's encapsulation: version (0xeb), then username, password, reverse pair. */
	static const uint8_t opt[] = {0xeb, 4, 1, 0, 0, 0,    190, 4, 'n', 'o', 'd', 'e',
	                              191, 6, 's', 'e', 'c', 'r', 'e', 't', 0, 192, 2, 't', 'g',
	                              193, 3, 'p', 'w', 'd', 255};
	struct iscsi_dhcp_boot d;
	memset(&d, 0, sizeof(d));
	strcpy(d.initiator, "iqn.kept");
	assert_int_equal(iscsi_rootpath_ipxe_encap(opt, sizeof(opt), &d), 0);
	assert_string_equal(d.user, "node");
	assert_string_equal(d.pass, "secret");
	assert_string_equal(d.ruser, "tg");
	assert_string_equal(d.rpass, "pwd");
	assert_string_equal(d.initiator, "iqn.kept");

	/* Absent sub-options leave the fields alone; a length past the end is refused whole. */
	static const uint8_t none[] = {0xeb, 1, 1};
	assert_int_equal(iscsi_rootpath_ipxe_encap(none, sizeof(none), &d), 0);
	assert_string_equal(d.user, "node");
	static const uint8_t bad[] = {190, 9, 'x'};
	struct iscsi_dhcp_boot before = d;
	assert_int_equal(iscsi_rootpath_ipxe_encap(bad, sizeof(bad), &d), -EINVAL);
	assert_memory_equal(&before, &d, sizeof(d));
	static const uint8_t ctl[] = {191, 2, 'a', 1};
	assert_int_equal(iscsi_rootpath_ipxe_encap(ctl, sizeof(ctl), &d), -EINVAL);
	assert_string_equal(d.pass, "secret");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc4173),
	    cmocka_unit_test(test_ipxe_encap),
	    cmocka_unit_test(test_dracut_credentials),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
