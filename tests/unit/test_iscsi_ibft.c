/* Unit tests for blk/iscsi/ibft: locating the table, parsing every structure, hostile tables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk/iscsi/ibft.h"

/* A table laid out like iPXE's: header, control, initiator, NIC, target, then strings. */
#define OFF_CONTROL 48
#define OFF_INIT    72
#define OFF_NIC     152
#define OFF_TGT     256
#define OFF_STR     320

static uint8_t tbl[1024];
static size_t str_pos;

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void hdr(uint8_t *p, uint8_t id, uint16_t len, uint8_t index, uint8_t flags)
{
	p[0] = id;
	p[1] = 1;
	le16(p + 2, len);
	p[4] = index;
	p[5] = flags;
}

/* Place a string and point the (length, offset) field at it. */
static void str(uint8_t *field, const void *s, size_t n)
{
	memcpy(tbl + str_pos, s, n);
	tbl[str_pos + n] = 0;
	le16(field, (uint16_t)n);
	le16(field + 2, (uint16_t)str_pos);
	str_pos += n + 1;
}

static void v4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(p, 0, 10);
	p[10] = p[11] = 0xff;
	p[12] = a;
	p[13] = b;
	p[14] = c;
	p[15] = d;
}

static void seal(size_t len)
{
	uint8_t sum = 0;

	tbl[4] = (uint8_t)len;
	tbl[5] = (uint8_t)(len >> 8);
	tbl[6] = tbl[7] = 0;
	tbl[9] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + tbl[i]);
	tbl[9] = (uint8_t)(0 - sum);
}

static size_t build(void)
{
	memset(tbl, 0, sizeof(tbl));
	str_pos = OFF_STR;
	memcpy(tbl, "iBFT", 4);
	tbl[8] = 1;
	memcpy(tbl + 10, "TETHER", 6);
	memcpy(tbl + 16, "TESTIBFT", 8);

	uint8_t *c = tbl + OFF_CONTROL;
	hdr(c, 1, 18, 0, 0);
	le16(c + 8, OFF_INIT);
	le16(c + 10, OFF_NIC);
	le16(c + 12, OFF_TGT);

	uint8_t *i = tbl + OFF_INIT;
	hdr(i, 2, 76, 0, 0x03);
	str(i + 70, "iqn.2026-01.org.tether:host1", 28);

	uint8_t *n = tbl + OFF_NIC;
	hdr(n, 3, 104, 0, 0x07);
	v4(n + 6, 10, 0, 2, 15);
	n[22] = 24;
	n[23] = 3;
	v4(n + 24, 10, 0, 2, 2);
	v4(n + 40, 10, 0, 2, 3);
	v4(n + 56, 8, 8, 8, 8);
	v4(n + 72, 10, 0, 2, 2);
	le16(n + 88, 100);
	memcpy(n + 90, "\x52\x54\x00\x12\x34\x56", 6);
	le16(n + 96, 0x0018);
	str(n + 98, "node1", 5);

	uint8_t *t = tbl + OFF_TGT;
	hdr(t, 4, 56, 0, 0x03);
	v4(t + 6, 10, 0, 2, 100);
	le16(t + 22, 3260);
	t[25] = 1; /* LUN 1, peripheral addressing */
	t[32] = 2; /* mutual CHAP */
	t[33] = 0;
	str(t + 34, "iqn.2001-04.com.example:storage", 31);
	str(t + 38, "alice", 5);
	str(t + 42, "initiator-secret", 16);
	str(t + 46, "storage1", 8);
	str(t + 50, "target-secret-42", 16);
	seal(str_pos);
	return str_pos;
}

static int parse(size_t len, struct iscsi_ibft *out, const char **why)
{
	return iscsi_ibft_parse(tbl, len, out, why);
}

static void test_parse_full(void **state)
{
	static struct iscsi_ibft t;
	const char *why = NULL;
	size_t len = build();
	(void)state;

	assert_int_equal(parse(len, &t, &why), 0);
	assert_int_equal(t.revision, 1);
	assert_string_equal(t.oem_id, "TETHER");
	assert_string_equal(t.oem_table_id, "TESTIBFT");
	assert_true(t.initiator_valid && t.initiator_boot_selected);
	assert_string_equal(t.initiator_name, "iqn.2026-01.org.tether:host1");

	const struct iscsi_ibft_nic *n = &t.nic[0];
	assert_true(n->present && n->valid && n->boot_selected && n->global);
	static const uint8_t ip[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 2, 15};
	assert_memory_equal(n->ip, ip, 16);
	assert_true(iscsi_addr_is_v4mapped(n->ip));
	assert_int_equal(n->prefix, 24);
	assert_true(n->dhcp);
	assert_int_equal(n->gateway[15], 2);
	assert_int_equal(n->dns[1][12], 8);
	assert_int_equal(n->dhcp_server[15], 2);
	assert_int_equal(n->vlan, 100);
	assert_memory_equal(n->mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_int_equal(n->pci_bdf, 0x18);
	assert_string_equal(n->hostname, "node1");
	assert_false(t.nic[1].present);

	const struct iscsi_ibft_target *g = iscsi_ibft_boot_target(&t);
	assert_ptr_equal(g, &t.target[0]);
	assert_int_equal(g->ip[15], 100);
	assert_int_equal(g->port, 3260);
	assert_int_equal(g->lun[1], 1);
	assert_int_equal(g->chap_type, ISCSI_IBFT_CHAP_MUTUAL);
	assert_string_equal(g->name, "iqn.2001-04.com.example:storage");
	assert_string_equal(g->chap_name, "alice");
	assert_int_equal(g->chap_secret_len, 16);
	assert_memory_equal(g->chap_secret, "initiator-secret", 16);
	assert_string_equal(g->rchap_name, "storage1");
	assert_int_equal(g->rchap_secret_len, 16);
	assert_false(t.target[1].present);

	/* avail may exceed the table; a second pair present through an 18-byte control */
	assert_int_equal(parse(sizeof(tbl), &t, NULL), 0);
}

static void test_optional_and_invalid_blocks(void **state)
{
	static struct iscsi_ibft t;
	size_t len = build();
	(void)state;

	/* control of 16 bytes: the second target offset is not read */
	le16(tbl + OFF_CONTROL + 2, 16);
	le16(tbl + OFF_CONTROL + 16, 9999);
	seal(len);
	assert_int_equal(parse(len, &t, NULL), 0);

	/* the second pair pointing at the same structures */
	len = build();
	le16(tbl + OFF_CONTROL + 14, OFF_NIC);
	le16(tbl + OFF_CONTROL + 16, OFF_TGT);
	tbl[OFF_TGT + 5] = 0x01; /* valid, not boot selected */
	seal(len);
	assert_int_equal(parse(len, &t, NULL), 0);
	assert_true(t.nic[1].valid);
	assert_true(t.target[1].valid);
	assert_ptr_equal(iscsi_ibft_boot_target(&t), &t.target[0]);

	/* blocks marked invalid are present but not interpreted */
	len = build();
	tbl[OFF_TGT + 5] = 0x02;
	tbl[OFF_TGT + 32] = 9; /* would be an error if it were read */
	tbl[OFF_NIC + 5] = 0;
	tbl[OFF_INIT + 5] = 0;
	seal(len);
	assert_int_equal(parse(len, &t, NULL), 0);
	assert_true(t.target[0].present);
	assert_false(t.target[0].valid);
	assert_string_equal(t.target[0].name, "");
	assert_false(t.nic[0].valid);
	assert_false(t.initiator_valid);
	assert_string_equal(t.initiator_name, "");
	assert_null(iscsi_ibft_boot_target(&t));

	/* absent structures, empty strings */
	len = build();
	le16(tbl + OFF_CONTROL + 8, 0);
	le16(tbl + OFF_CONTROL + 10, 0);
	le16(tbl + OFF_TGT + 38, 0);
	seal(len);
	assert_int_equal(parse(len, &t, NULL), 0);
	assert_false(t.initiator_present);
	assert_false(t.nic[0].present);
	assert_string_equal(t.target[0].chap_name, "");

	/* BIFT signature (Broadcom) */
	len = build();
	memcpy(tbl, "BIFT", 4);
	seal(len);
	assert_int_equal(parse(len, &t, NULL), 0);
}

static void expect_bad(size_t len, const char *why)
{
	static struct iscsi_ibft t;
	const char *got = NULL;

	assert_int_equal(parse(len, &t, &got), -EBADMSG);
	assert_non_null(got);
	assert_string_equal(got, why);
}

static void test_hostile_tables(void **state)
{
	size_t len;
	(void)state;

	len = build();
	tbl[100] ^= 1;
	expect_bad(len, "bad checksum");
	len = build();
	expect_bad(47, "no iBFT signature");
	len = build();
	tbl[0] = 'x';
	expect_bad(len, "no iBFT signature");
	len = build();
	expect_bad(len - 1, "table length out of bounds");
	len = build();
	seal(60);
	expect_bad(len, "table length out of bounds");

	len = build();
	tbl[OFF_CONTROL] = 2;
	seal(len);
	expect_bad(len, "control structure missing");
	len = build();
	le16(tbl + OFF_CONTROL + 2, 12);
	seal(len);
	expect_bad(len, "control structure length out of bounds");
	len = build();
	le16(tbl + OFF_CONTROL + 2, 0xffff);
	seal(len);
	expect_bad(len, "control structure length out of bounds");

	len = build();
	le16(tbl + OFF_CONTROL + 12, 0xfff0);
	seal(len);
	expect_bad(len, "structure offset outside the table");
	len = build();
	le16(tbl + OFF_CONTROL + 12, 20);
	seal(len);
	expect_bad(len, "structure offset outside the table");
	len = build();
	le16(tbl + OFF_CONTROL + 12, OFF_NIC);
	seal(len);
	expect_bad(len, "structure has the wrong id");
	len = build();
	le16(tbl + OFF_TGT + 2, 52);
	seal(len);
	expect_bad(len, "structure shorter than its fields");
	len = build();
	le16(tbl + OFF_TGT + 2, 1000);
	seal(len);
	expect_bad(len, "structure extends past the table");

	len = build();
	le16(tbl + OFF_TGT + 36, 1000);
	seal(len);
	expect_bad(len, "string outside the table");
	len = build();
	le16(tbl + OFF_TGT + 36, 10);
	seal(len);
	expect_bad(len, "string outside the table");
	len = build();
	le16(tbl + OFF_TGT + 34, 300); /* longer than a target name may be */
	le16(tbl + OFF_TGT + 36, 48);
	seal(len);
	expect_bad(len, "string too long");
	len = build();
	le16(tbl + OFF_TGT + 34, 32); /* includes the terminator */
	seal(len);
	expect_bad(len, "string with an embedded NUL");
	len = build();
	tbl[OFF_STR + 3] = ' ';
	seal(len);
	expect_bad(len, "initiator name not printable");
	len = build();
	tbl[OFF_STR + 29 + 6 + 3] = 0x7f; /* inside the target name */
	seal(len);
	expect_bad(len, "target name not printable");
	len = build();
	tbl[OFF_TGT + 32] = 3;
	seal(len);
	expect_bad(len, "unknown CHAP type");
	len = build();
	tbl[OFF_NIC + 22] = 33;
	seal(len);
	expect_bad(len, "NIC subnet prefix too long for its address");
	/* an IPv6 NIC may have a /64 */
	static struct iscsi_ibft t;
	len = build();
	memset(tbl + OFF_NIC + 6, 0, 16);
	tbl[OFF_NIC + 6] = 0xfe;
	tbl[OFF_NIC + 7] = 0x80;
	tbl[OFF_NIC + 22] = 64;
	seal(len);
	assert_int_equal(parse(len, &t, NULL), 0);
}

static void test_find(void **state)
{
	static uint8_t win[0x8000];
	size_t off = 1, len = build();
	(void)state;

	memset(win, 0, sizeof(win));
	assert_int_equal(iscsi_ibft_find(win, sizeof(win), &off), -ENOENT);
	assert_int_equal(iscsi_ibft_find(NULL, 0, &off), -ENOENT);

	/* a decoy with a bad checksum, one misaligned copy, then the real one */
	memcpy(win + 0x100, tbl, len);
	win[0x100 + 60] ^= 0xff;
	memcpy(win + 0x1008, tbl, len);
	memcpy(win + 0x4000, tbl, len);
	assert_int_equal(iscsi_ibft_find(win, sizeof(win), &off), 0);
	assert_int_equal(off, 0x4000);
	static struct iscsi_ibft t;
	assert_int_equal(iscsi_ibft_parse(win + off, sizeof(win) - off, &t, NULL), 0);

	/* a table that would run past the window is skipped */
	memset(win, 0, sizeof(win));
	memcpy(win + sizeof(win) - 64, tbl, 48);
	assert_int_equal(iscsi_ibft_find(win, sizeof(win), &off), -ENOENT);
	/* bogus length below the header size */
	memset(win, 0, sizeof(win));
	memcpy(win, "iBFT\x10\0\0\0", 8);
	assert_int_equal(iscsi_ibft_find(win, sizeof(win), &off), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_full),
	    cmocka_unit_test(test_optional_and_invalid_blocks),
	    cmocka_unit_test(test_hostile_tables),
	    cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
