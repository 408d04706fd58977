/*
 * Host-side flood generator for the traffic-class tests and the flood bench:
 * unrelated packets aimed at the node under test, paced or as fast as the
 * host sends them, for a bounded time.
 *
 *   flood [options] udp HOST PORT        UDP datagrams (a closed port, or one an app reads)
 *   flood [options] syn HOST PORT        TCP SYNs from a raw socket (root; on a tap LAN)
 *   flood [options] connect HOST PORT    non-blocking TCP connects (through a hostfwd,
 *                                        whose every accepted connection reaches the node)
 *   flood [options] arp IFACE IP         broadcast ARP requests for IP, out of IFACE
 *
 * Options: --pps N (0: unpaced; default 0), --seconds S (default 10, at most
 * 3600), --size BYTES (UDP payload, default 1400), --batch N (packets per
 * wake-up when paced, default 32).  Paced sending sleeps between batches,
 * so the sender itself stays cheap.  At the end it prints
 *   flood: mode=M sent=N errors=E seconds=S pps=R
 * and exits 0, or 2 for a usage error.  SIGTERM or SIGINT end it early, with
 * the same line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	unsigned long pps, seconds, size, batch;
	const char *mode, *a, *b;
};

struct target {
	int fd;
	struct sockaddr_in to;
	uint8_t pkt[1600];
	size_t len;
	unsigned long sent, errors;
	uint32_t seq;
	int ifindex; /* arp */
};

static void usage(const char *why)
{
	fprintf(stderr,
	        "flood: %s\n"
	        "usage: flood [--pps N] [--seconds S] [--size BYTES] [--batch N] "
	        "udp|syn|connect HOST PORT\n"
	        "       flood [options] arp IFACE IP\n",
	        why);
	exit(2);
}

static unsigned long num(const char *s, const char *what, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max) {
		fprintf(stderr, "flood: %s '%s' is not a number from 0 to %lu\n", what, s, max);
		exit(2);
	}
	return v;
}

static struct opts parse(int argc, char **argv)
{
	struct opts o = {.pps = 0, .seconds = 10, .size = 1400, .batch = 32};
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (!strcmp(argv[i], "--pps"))
			o.pps = num(argv[i + 1], "--pps", 10000000);
		else if (!strcmp(argv[i], "--seconds"))
			o.seconds = num(argv[i + 1], "--seconds", 3600);
		else if (!strcmp(argv[i], "--size"))
			o.size = num(argv[i + 1], "--size", 1472);
		else if (!strcmp(argv[i], "--batch"))
			o.batch = num(argv[i + 1], "--batch", 100000);
		else
			usage("unknown option");
	}
	if (argc - i != 3)
		usage("expected a mode and two operands");
	o.mode = argv[i];
	o.a = argv[i + 1];
	o.b = argv[i + 2];
	if (!o.batch)
		o.batch = 1;
	return o;
}

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void resolve(struct target *t, const char *host, const char *port)
{
	t->to.sin_family = AF_INET;
	t->to.sin_port = htons((uint16_t)num(port, "PORT", 65535));
	if (inet_pton(AF_INET, host, &t->to.sin_addr) != 1)
		usage("HOST must be a dotted IPv4 address");
}

static void setup_udp(struct target *t, const struct opts *o)
{
	resolve(t, o->a, o->b);
	/* Not connected: ICMP replies would turn the next send into an error
	 * instead of a datagram. */
	t->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (t->fd < 0) {
		perror("flood: udp socket");
		exit(1);
	}
	memset(t->pkt, 0x5a, o->size);
	t->len = o->size;
}

static void setup_syn(struct target *t, const struct opts *o)
{
	resolve(t, o->a, o->b);
	t->fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (t->fd < 0) {
		perror("flood: raw socket (syn needs root)");
		exit(1);
	}
	t->len = sizeof(struct tcphdr);
}

/* One SYN from a port that changes each time; the kernel adds the IP header. */
static int send_syn(struct target *t)
{
	struct tcphdr *h = (struct tcphdr *)t->pkt;
	memset(h, 0, sizeof(*h));
	h->source = htons((uint16_t)(1024 + t->seq % 60000));
	h->dest = t->to.sin_port;
	h->seq = htonl(t->seq++ * 2654435761u);
	h->doff = 5;
	h->syn = 1;
	h->window = htons(65535);
	/* the pseudo-header: our address is whatever the route picks, so ask */
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	static uint32_t src;
	if (!src) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		if (s >= 0 && !connect(s, (struct sockaddr *)&t->to, sizeof(t->to)) &&
		    !getsockname(s, (struct sockaddr *)&me, &ml))
			src = me.sin_addr.s_addr;
		if (s >= 0)
			close(s);
	}
	uint8_t ph[12];
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &t->to.sin_addr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = 0;
	ph[11] = sizeof(*h);
	uint32_t sum = 0;
	for (int i = 0; i < 12; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	h->check = htons(csum(h, sizeof(*h), sum));
	return (int)sendto(t->fd, h, sizeof(*h), 0, (struct sockaddr *)&t->to, sizeof(t->to));
}

/* A connect that is never completed or kept: the hostfwd accepts it and
 * opens a connection to the node's port, which answers a SYN. */
static int send_connect(struct target *t)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	struct linger l = {.l_onoff = 1, .l_linger = 0}; /* RST on close, no TIME_WAIT */
	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	int rc = connect(s, (struct sockaddr *)&t->to, sizeof(t->to));
	rc = rc == 0 || errno == EINPROGRESS ? 0 : -1;
	close(s);
	return rc;
}

static void setup_arp(struct target *t, const struct opts *o)
{
	struct in_addr ip;
	if (inet_pton(AF_INET, o->b, &ip) != 1)
		usage("IP must be a dotted IPv4 address");
	unsigned idx = if_nametoindex(o->a);
	if (!idx)
		usage("IFACE is not an interface here");
	t->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	if (t->fd < 0) {
		perror("flood: packet socket (arp needs root)");
		exit(1);
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->a);
	if (ioctl(t->fd, SIOCGIFHWADDR, &ifr)) {
		perror("flood: SIOCGIFHWADDR");
		exit(1);
	}
	uint8_t *f = t->pkt;
	memset(f, 0xff, 6);
	memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
	f[12] = 0x08, f[13] = 0x06;
	uint8_t *a = f + 14;
	a[0] = 0, a[1] = 1, a[2] = 0x08, a[3] = 0, a[4] = 6, a[5] = 4, a[6] = 0, a[7] = 1;
	memcpy(a + 8, ifr.ifr_hwaddr.sa_data, 6);
	memset(a + 14, 0, 4); /* sender 0.0.0.0: a probe, so nobody learns a binding */
	memset(a + 18, 0, 6);
	memcpy(a + 24, &ip, 4);
	t->len = 14 + 28;
	t->ifindex = (int)idx;
}

static int send_one(struct target *t, const char *mode)
{
	if (!strcmp(mode, "udp"))
		return (int)sendto(t->fd, t->pkt, t->len, 0, (struct sockaddr *)&t->to,
		                   sizeof(t->to));
	if (!strcmp(mode, "syn"))
		return send_syn(t);
	if (!strcmp(mode, "connect"))
		return send_connect(t);
	struct sockaddr_ll dst = {.sll_family = AF_PACKET, .sll_ifindex = t->ifindex,
	                          .sll_halen = 6};
	memset(dst.sll_addr, 0xff, 6);
	return (int)sendto(t->fd, t->pkt, t->len, 0, (struct sockaddr *)&dst, sizeof(dst));
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts = {.tv_sec = (time_t)t, .tv_nsec = (long)((t - (double)(time_t)t) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct opts o = parse(argc, argv);
	struct target t = {.fd = -1};

	if (!strcmp(o.mode, "udp"))
		setup_udp(&t, &o);
	else if (!strcmp(o.mode, "syn"))
		setup_syn(&t, &o);
	else if (!strcmp(o.mode, "connect"))
		resolve(&t, o.a, o.b);
	else if (!strcmp(o.mode, "arp"))
		setup_arp(&t, &o);
	else
		usage("mode must be udp, syn, connect or arp");

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	double start = now(), end = start + (double)o.seconds, next = start;
	while (!stop && now() < end) {
		for (unsigned long i = 0; i < o.batch && !stop; i++) {
			if (send_one(&t, o.mode) < 0)
				t.errors++; /* ENOBUFS, a refused connect: keep going */
			else
				t.sent++;
		}
		if (o.pps) {
			next += (double)o.batch / (double)o.pps;
			if (next > now())
				sleep_until(next < end ? next : end);
		}
	}
	double took = now() - start;
	printf("flood: mode=%s sent=%lu errors=%lu seconds=%.1f pps=%.0f\n", o.mode, t.sent,
	       t.errors, took, took > 0 ? (double)t.sent / took : 0.0);
	return 0;
}
