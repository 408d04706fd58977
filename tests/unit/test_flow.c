/* Unit tests for net/flow: which received frames belong to a storage flow. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/flow.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define TARGET IP(10, 0, 2, 2)
#define NODE   IP(10, 0, 2, 15)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* An Ethernet + IPv4 frame into f, optionally tagged; returns its length. */
static size_t ipv4(uint8_t *f, bool vlan, uint8_t proto, uint32_t src, uint16_t sport,
                   uint16_t dport, uint16_t frag, size_t payload)
{
	memset(f, 0, 1600);
	size_t off = 12;
	if (vlan) {
		put16(f + off, 0x8100);
		put16(f + off + 2, 5);
		off += 4;
	}
	put16(f + off, 0x0800);
	uint8_t *ip = f + off + 2;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + payload));
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, NODE);
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	return (size_t)(ip - f) + 20 + payload;
}

static size_t arp(uint8_t *f, uint32_t sender)
{
	memset(f, 0, 64);
	put16(f + 12, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	put32(a + 14, sender);
	put32(a + 24, NODE);
	return 14 + 28;
}

static struct flow_table table(void)
{
	struct flow_table t;
	memset(&t, 0, sizeof(t));
	struct flow_key k = {.raddr = TARGET, .rport = 3260, .lport = 49152};
	assert_int_equal(flow_add(&t, &k), 0);
	return t;
}

static void test_table(void **state)
{
	(void)state;
	struct flow_table t;
	memset(&t, 0, sizeof(t));
	struct flow_key k = {.raddr = TARGET, .rport = 3260, .lport = 1000};
	assert_false(flow_is_peer(&t, TARGET));
	assert_int_equal(flow_add(&t, &k), 0);
	assert_int_equal(flow_add(&t, &k), -EEXIST);
	assert_true(flow_is_peer(&t, TARGET));
	for (unsigned i = 1; i < NET_STORAGE_FLOWS_MAX; i++) {
		k.lport = (uint16_t)(1000 + i);
		assert_int_equal(flow_add(&t, &k), 0);
	}
	k.lport = 999;
	assert_int_equal(flow_add(&t, &k), -ENOSPC);
	assert_int_equal(flow_del(&t, &k), -ENOENT);
	k.lport = 1000;
	assert_int_equal(flow_del(&t, &k), 0);
	assert_int_equal(flow_add(&(struct flow_table){0}, &k), 0);
	k.lport = 999;
	assert_int_equal(flow_add(&t, &k), 0); /* the freed slot is reused */
	for (unsigned i = 1; i < NET_STORAGE_FLOWS_MAX; i++) {
		k.lport = (uint16_t)(1000 + i);
		assert_int_equal(flow_del(&t, &k), 0);
	}
	k.lport = 999;
	assert_int_equal(flow_del(&t, &k), 0);
	assert_int_equal(t.n, 0);
	assert_false(flow_is_peer(&t, TARGET));
}

static void test_tcp(void **state)
{
	(void)state;
	struct flow_table t = table();
	uint8_t f[1600];
	size_t n = ipv4(f, false, 6, TARGET, 3260, 49152, 0x4000, 1000);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	/* the same with an 802.1Q tag */
	n = ipv4(f, true, 6, TARGET, 3260, 49152, 0, 1000);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	/* another local port, another remote port, another peer, UDP */
	n = ipv4(f, false, 6, TARGET, 3260, 49153, 0, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4(f, false, 6, TARGET, 3261, 49152, 0, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4(f, false, 6, IP(10, 0, 2, 3), 3260, 49152, 0, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4(f, false, 17, TARGET, 3260, 49152, 0, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	/* a flood from the peer's address (QEMU's user network NATs the host as
	 * 10.0.2.2) on other ports stays general */
	n = ipv4(f, false, 17, TARGET, 40000, 9, 0, 1400);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	/* an empty table classifies nothing as storage */
	struct flow_table empty;
	memset(&empty, 0, sizeof(empty));
	n = ipv4(f, false, 6, TARGET, 3260, 49152, 0, 100);
	assert_int_equal(flow_classify(&empty, f, n), NET_CLASS_GENERAL);
}

static void test_fragments_icmp_arp(void **state)
{
	(void)state;
	struct flow_table t = table();
	uint8_t f[1600];
	/* first fragment (MF), a later one (offset): from the peer, storage */
	size_t n = ipv4(f, false, 6, TARGET, 3260, 49152, 0x2000, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	n = ipv4(f, false, 6, TARGET, 0, 0, 185, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	n = ipv4(f, false, 6, IP(10, 0, 2, 3), 0, 0, 185, 100);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4(f, false, 1, TARGET, 0x0303, 0, 0, 36);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	n = arp(f, TARGET);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	n = arp(f, IP(10, 0, 2, 3));
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	/* ARP for another protocol or hardware type is general */
	n = arp(f, TARGET);
	f[14 + 5] = 16;
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
}

static void test_malformed(void **state)
{
	(void)state;
	struct flow_table t = table();
	uint8_t f[1600];
	size_t n = ipv4(f, false, 6, TARGET, 3260, 49152, 0, 100);
	/* every truncation of a storage frame is general, never a read past the end */
	for (size_t len = 0; len < 14 + 20 + 4; len++)
		assert_int_equal(flow_classify(&t, f, len), NET_CLASS_GENERAL);
	assert_int_equal(flow_classify(&t, f, 14 + 20 + 4), NET_CLASS_GENERAL); /* total > len */
	/* IPv6, a bad version, a bad IHL, a total length below the header */
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4(f, false, 6, TARGET, 3260, 49152, 0, 100);
	f[14] = 0x65;
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	f[14] = 0x44;
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	f[14] = 0x45;
	put16(f + 16, 19);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_GENERAL);
	/* options move the ports: IHL 6 with the ports 4 bytes later */
	n = ipv4(f, false, 6, TARGET, 0, 0, 0, 100);
	f[14] = 0x46;
	put16(f + 14 + 24, 3260);
	put16(f + 14 + 26, 49152);
	assert_int_equal(flow_classify(&t, f, n), NET_CLASS_STORAGE);
	/* a truncated VLAN tag */
	n = ipv4(f, true, 6, TARGET, 3260, 49152, 0, 100);
	assert_int_equal(flow_classify(&t, f, 15), NET_CLASS_GENERAL);
}

/* A frame the node sends: swap the roles of the two ends. */
static size_t ipv4_out(uint8_t *f, uint8_t proto, uint32_t dst, uint16_t sport, uint16_t dport,
                       uint16_t frag)
{
	size_t n = ipv4(f, false, proto, NODE, sport, dport, frag, 100);
	put32(f + 14 + 16, dst);
	return n;
}

static void test_tx(void **state)
{
	(void)state;
	struct flow_table t = table();
	uint8_t f[1600];
	size_t n = ipv4_out(f, 6, TARGET, 49152, 3260, 0x4000);
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_STORAGE);
	/* only the headers need be there: the payload may be a separate fragment */
	assert_int_equal(flow_classify_tx(&t, f, 14 + 20 + 4), NET_CLASS_STORAGE);
	assert_int_equal(flow_classify_tx(&t, f, 14 + 20 + 3), NET_CLASS_GENERAL);
	n = ipv4_out(f, 6, TARGET, 49153, 3260, 0);
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4_out(f, 17, TARGET, 49152, 3260, 0);
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4_out(f, 6, IP(10, 0, 2, 3), 49152, 3260, 0);
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_GENERAL);
	n = ipv4_out(f, 6, TARGET, 0, 0, 100); /* a later fragment */
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_STORAGE);
	/* ARP asking for the peer, and for someone else */
	n = arp(f, NODE);
	put32(f + 14 + 24, TARGET);
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_STORAGE);
	put32(f + 14 + 24, IP(10, 0, 2, 3));
	assert_int_equal(flow_classify_tx(&t, f, n), NET_CLASS_GENERAL);
	for (size_t len = 0; len < 14 + 20 + 4; len++) {
		n = ipv4_out(f, 6, TARGET, 49152, 3260, 0);
		assert_int_equal(flow_classify_tx(&t, f, len), NET_CLASS_GENERAL);
	}
}

static void test_icmp_error(void **state)
{
	(void)state;
	uint8_t f[1600];
	size_t n = ipv4_out(f, 1, TARGET, 0x0303, 0, 0); /* type 3 code 3: port unreachable */
	assert_true(flow_icmp_error(f, n));
	f[14 + 20] = 11;
	assert_true(flow_icmp_error(f, n));
	f[14 + 20] = 0; /* echo reply */
	assert_false(flow_icmp_error(f, n));
	f[14 + 20] = 8; /* echo request */
	assert_false(flow_icmp_error(f, n));
	n = ipv4_out(f, 17, TARGET, 0x0303, 0, 0);
	assert_false(flow_icmp_error(f, n));
	n = ipv4_out(f, 1, TARGET, 0x0303, 0, 0);
	assert_false(flow_icmp_error(f, 14 + 20));
	assert_false(flow_icmp_error(f, 10));
}

static void test_bucket(void **state)
{
	(void)state;
	const uint64_t ms = 1000000;
	struct flow_bucket b = {.rate = 1000, .burst = 50};
	unsigned got = 0;
	/* a burst of 50 at once, then nothing until time passes */
	for (int i = 0; i < 100; i++)
		got += flow_bucket_take(&b, 5 * ms);
	assert_int_equal(got, 50);
	assert_false(flow_bucket_take(&b, 5 * ms));
	assert_true(flow_bucket_take(&b, 6 * ms));
	assert_false(flow_bucket_take(&b, 6 * ms));
	/* a steady flood for one second gets about the rate */
	got = 0;
	for (uint64_t t = 1000 * ms; t < 2000 * ms; t += ms / 20)
		got += flow_bucket_take(&b, t);
	assert_in_range(got, 1000, 1050);
	/* a long idle saves no more than the burst; time going backwards gives nothing */
	got = 0;
	for (int i = 0; i < 100; i++)
		got += flow_bucket_take(&b, 100000 * ms);
	assert_int_equal(got, 50);
	assert_false(flow_bucket_take(&b, 1 * ms));
	struct flow_bucket off = {0};
	assert_false(flow_bucket_take(&off, 1 * ms));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_fragments_icmp_arp),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_tx),
	    cmocka_unit_test(test_icmp_error),
	    cmocka_unit_test(test_bucket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
