/*
 * netsink: accepts one TCP connection, reads BYTES bytes, checks them
 * against the test pattern (byte i is i % 251, as netsource and the system
 * tests send it) and reports the rate.
 *
 *   app=netsink -- PORT BYTES
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "kernel/clock.h"
#include "net/net.h"
#include "net/sock.h"

#define PERIOD   251
#define SINK_BUF (PERIOD * 256) /* 64256: whole periods */

/* newlib's memcmp() goes a byte at a time when the two sides are not
 * aligned alike, as the pattern rarely is: compare eight bytes a step, or
 * the check costs as much as the network stack under TCG.  (-ffreestanding
 * makes plain memcpy() a call, hence the builtin.) */
static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; a += 8, b += 8, n -= 8) {
		__builtin_memcpy(&x, a, 8);
		__builtin_memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	while (n--)
		if (*a++ != *b++)
			return false;
	return true;
}

static int netsink_main(int argc, char **argv)
{
	struct net_conn *l, *c;
	unsigned long long want, got = 0, bad_at = ~0ULL;
	uint8_t *buf, *pat;
	uint64_t t0 = 0, t1;
	char addr[20], peer[32];
	long port, n = 0;
	int rc;

	if (argc < 3 || (port = strtol(argv[1], NULL, 10)) <= 0 || port > 65535) {
		printf("usage: netsink PORT BYTES\n");
		return 2;
	}
	want = strtoull(argv[2], NULL, 0);
	buf = malloc(SINK_BUF);
	pat = malloc(2 * SINK_BUF);
	if (!buf || !pat)
		return 1;
	for (unsigned i = 0; i < 2 * SINK_BUF; i++)
		pat[i] = (uint8_t)(i % PERIOD);
	if ((rc = net_wait_up(0, addr, sizeof(addr))) || (rc = net_listen((uint16_t)port, &l))) {
		printf("netsink: no network or no listener: %s\n", strerror(-rc));
		return 1;
	}
	printf("netsink: listening on %s:%ld for %llu bytes\n", addr, port, want);
	if ((rc = net_accept(l, &c, 0))) {
		printf("netsink: accept: %s\n", strerror(-rc));
		return 1;
	}
	net_conn_name(c, NULL, peer, sizeof(peer));
	while (got < want) {
		size_t ask = want - got < SINK_BUF ? (size_t)(want - got) : SINK_BUF;
		n = net_recv(c, buf, ask, 0);
		if (n <= 0)
			break;
		if (!t0)
			t0 = clock_ns();
		if (bad_at == ~0ULL && !same(buf, pat + got % PERIOD, (size_t)n))
			for (long i = 0; i < n && bad_at == ~0ULL; i++)
				if (buf[i] != (uint8_t)((got + (unsigned long long)i) % PERIOD))
					bad_at = got + (unsigned long long)i;
		got += (unsigned long long)n;
	}
	t1 = clock_ns();
	double s = t0 && t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
	printf("netsink: %s: %llu of %llu bytes in %.3f s: %.1f MiB/s%s\n", peer, got, want, s,
	       s > 0 ? (double)got / s / (1024 * 1024) : 0.0, n < 0 ? " (receive error)" : "");
	if (bad_at != ~0ULL)
		printf("netsink: data differs from the pattern at byte %llu\n", bad_at);
	else
		printf("netsink: data matches the pattern\n");
	net_dump();
	net_close(c);
	net_close(l);
	free(buf);
	free(pat);
	return got == want && bad_at == ~0ULL ? 0 : 1;
}

APP(netsink, "netsink", netsink_main, "receive BYTES on PORT, check and time them");
