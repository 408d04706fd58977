/*
 * netsource: connects to HOST:PORT and sends BYTES bytes of the test
 * pattern (byte i is i % 251) with zero-copy sends, several in flight,
 * then reports the rate (counted until the peer acknowledged the last byte).
 *
 *   app=netsource -- HOST PORT BYTES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "kernel/clock.h"
#include "kernel/sync.h"
#include "net/net.h"
#include "net/sock.h"

#define PERIOD    251
#define CHUNK     (PERIOD * 256) /* whole periods: every chunk is the same bytes */
#define IN_FLIGHT 8

static struct sem completions;
static volatile int send_err;

/* Runs in the net thread: record and wake, nothing more. */
static void sent(void *arg, int err)
{
	(void)arg;
	if (err)
		send_err = err;
	sem_up(&completions);
}

static int netsource_main(int argc, char **argv)
{
	unsigned long long want, queued = 0;
	struct net_conn *c;
	uint8_t *pat;
	long port;
	int rc, inflight = 0;

	if (argc < 4 || (port = strtol(argv[2], NULL, 10)) <= 0 || port > 65535) {
		printf("usage: netsource HOST PORT BYTES\n");
		return 2;
	}
	want = strtoull(argv[3], NULL, 0);
	pat = malloc(CHUNK);
	if (!pat)
		return 1;
	for (unsigned i = 0; i < CHUNK; i++)
		pat[i] = (uint8_t)(i % PERIOD);
	sem_init(&completions, 0);
	rc = net_connect(argv[1], (uint16_t)port, &c, 60 * NSEC_PER_SEC);
	if (rc) {
		printf("netsource: connect to %s:%ld: %s\n", argv[1], port, strerror(-rc));
		return 1;
	}
	uint64_t t0 = clock_ns();
	while (queued < want && !send_err) {
		struct net_iov v = {pat, want - queued < CHUNK ? (size_t)(want - queued) : CHUNK};
		if (inflight == IN_FLIGHT) {
			sem_down(&completions);
			inflight--;
		}
		rc = net_send(c, &v, 1, sent, NULL);
		if (rc) {
			send_err = rc;
			break;
		}
		inflight++;
		queued += v.len;
	}
	while (inflight--)
		sem_down(&completions);
	uint64_t t1 = clock_ns();
	double s = (double)(t1 - t0) / 1e9;
	printf("netsource: %llu bytes to %s:%ld in %.3f s: %.1f MiB/s%s%s\n", queued, argv[1], port,
	       s, s > 0 ? (double)queued / s / (1024 * 1024) : 0.0,
	       send_err ? ", send error: " : "", send_err ? strerror(-send_err) : "");
	net_dump();
	net_close(c);
	free(pat);
	return send_err ? 1 : 0;
}

APP(netsource, "netsource", netsource_main, "send BYTES of a pattern to HOST PORT");
