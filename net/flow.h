/*
 * Traffic classes and the frame classifier.
 *
 * Storage is every TCP connection the iSCSI initiator opens (its session,
 * discovery, redirected portals); general is everything else.  The drivers'
 * poll loops classify each received frame before lwIP sees it, so storage
 * frames can be served first and general frames dropped when general is
 * over its budget (docs/ARCHITECTURE.md, "Traffic classes").
 *
 * A storage flow is registered by its remote address and port and its
 * local port, before its SYN leaves; the local address is not needed (the
 * node has one per interface, and ports are unique across them).  Besides
 * the flow's own TCP segments, these count as storage:
 *   - IPv4 fragments from a storage peer (only the first carries ports, and
 *     a datagram needs all of its fragments);
 *   - ARP whose sender is a storage peer (the flow stalls without its
 *     peer's address);
 *   - ICMP from a storage peer (path MTU, unreachable for the flow).
 * Everything else, malformed and non-IP frames included, is general.
 *
 * Pure logic: no allocation, no locks, any context.  The net thread owns a
 * table and is the only writer; classification only reads it.
 */
#ifndef NET_FLOW_H
#define NET_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum net_class {
	NET_CLASS_GENERAL,
	NET_CLASS_STORAGE,
	NET_CLASS_N
};

/* Addresses and ports in host byte order. */
struct flow_key {
	uint32_t raddr;
	uint16_t rport, lport;
};

struct flow_table {
	struct flow_key flows[NET_STORAGE_FLOWS_MAX];
	bool used[NET_STORAGE_FLOWS_MAX];
	unsigned n;
};

/* Register a storage flow.  0, -EEXIST if it is already there, or -ENOSPC
 * when NET_STORAGE_FLOWS_MAX flows are registered. */
int flow_add(struct flow_table *t, const struct flow_key *k);

/* Forget a storage flow.  0 or -ENOENT. */
int flow_del(struct flow_table *t, const struct flow_key *k);

/* True if k is a registered flow. */
bool flow_has(const struct flow_table *t, const struct flow_key *k);

/* True if addr (host order) is the remote end of a registered flow. */
bool flow_is_peer(const struct flow_table *t, uint32_t addr);

/* The class of the Ethernet frame f[0..len), as received (no FCS). */
enum net_class flow_classify(const struct flow_table *t, const uint8_t *f, size_t len);

/*
 * The class of a frame the node sends; f[0..len) holds at least its headers
 * (the rest of the frame may follow elsewhere).  The mirror of
 * flow_classify(): the flow's segments and fragments to a peer, and ARP
 * asking for or answering a peer, are storage.
 */
enum net_class flow_classify_tx(const struct flow_table *t, const uint8_t *f, size_t len);

/* True for an ICMP error message (destination unreachable, time exceeded,
 * parameter problem) in the IPv4 frame f[0..len). */
bool flow_icmp_error(const uint8_t *f, size_t len);

/*
 * A token bucket: rate tokens a second, up to burst saved.  Linux limits
 * the ICMP errors it sends the same way (net.ipv4.icmp_msgs_per_sec, burst).
 * Zero-initialise, then set rate and burst.  now_ns is a monotonic clock.
 */
struct flow_bucket {
	uint32_t rate, burst;
	uint64_t credit_ns; /* saved time, up to burst tokens' worth */
	uint64_t last_ns;
	bool started;
};

/* Take one token: true if there was one. */
bool flow_bucket_take(struct flow_bucket *b, uint64_t now_ns);

#endif
