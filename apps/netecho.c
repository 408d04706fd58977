/*
 * netecho: TCP echo server, for testing the stack end to end.  Serves one
 * connection at a time and sends back every byte it reads.
 *
 *   app=netecho -- PORT [CONNECTIONS]   exit 0 after CONNECTIONS (default: never)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "kernel/clock.h"
#include "net/net.h"
#include "net/sock.h"

#define ECHO_BUF (64 * 1024)

static int serve(struct net_conn *c, char *buf)
{
	char peer[32];
	unsigned long long total = 0;
	long n;
	int rc = 0;

	net_conn_name(c, NULL, peer, sizeof(peer));
	printf("netecho: connection from %s\n", peer);
	while ((n = net_recv(c, buf, ECHO_BUF, 0)) > 0) {
		rc = net_send_all(c, buf, (size_t)n);
		if (rc)
			break;
		total += (unsigned long long)n;
	}
	if (n < 0)
		rc = (int)n;
	printf("netecho: %s: %llu bytes echoed%s%d\n", peer, total, rc ? ", error " : ", status ",
	       rc);
	net_close(c);
	return rc;
}

static int netecho_main(int argc, char **argv)
{
	struct net_conn *l, *c;
	char addr[20];
	long port, count;
	char *buf;
	int rc;

	if (argc < 2 || (port = strtol(argv[1], NULL, 10)) <= 0 || port > 65535) {
		printf("usage: netecho PORT [CONNECTIONS]\n");
		return 2;
	}
	count = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	buf = malloc(ECHO_BUF);
	if (!buf)
		return 1;
	rc = net_wait_up(0, addr, sizeof(addr));
	if (rc) {
		printf("netecho: no network: %s\n", strerror(-rc));
		return 1;
	}
	rc = net_listen((uint16_t)port, &l);
	if (rc) {
		printf("netecho: listen on %ld: %s\n", port, strerror(-rc));
		return 1;
	}
	printf("netecho: listening on %s:%ld\n", addr, port);
	for (long served = 0; !count || served < count; served++) {
		rc = net_accept(l, &c, 0);
		if (rc) {
			printf("netecho: accept: %s\n", strerror(-rc));
			break;
		}
		serve(c, buf);
	}
	net_dump();
	net_close(l);
	free(buf);
	return rc ? 1 : 0;
}

APP(netecho, "netecho", netecho_main, "TCP echo server: netecho PORT [CONNECTIONS]");
