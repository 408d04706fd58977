/* The frame classifier: storage or general, from the headers alone. */
#include <errno.h>
#include <string.h>

#include "net/flow.h"
#include "net/eth.h"
#include "kernel/be.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_VLAN 0x8100
#define IP_PROTO_ICMP  1
#define IP_PROTO_TCP   6
#define IP_MF          0x2000
#define IP_OFFMASK     0x1fff
#define ARP_LEN        28 /* Ethernet/IPv4 ARP body */
#define ARP_SPA        14 /* sender protocol address, in the body */
#define TCP_PORTS_LEN  4

static bool same(const struct flow_key *a, const struct flow_key *b)
{
	return a->raddr == b->raddr && a->rport == b->rport && a->lport == b->lport;
}

int flow_add(struct flow_table *t, const struct flow_key *k)
{
	int free_slot = -1;
	for (unsigned i = 0; i < NET_STORAGE_FLOWS_MAX; i++) {
		if (t->used[i] && same(&t->flows[i], k))
			return -EEXIST;
		if (!t->used[i] && free_slot < 0)
			free_slot = (int)i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	t->flows[free_slot] = *k;
	t->used[free_slot] = true;
	t->n++;
	return 0;
}

int flow_del(struct flow_table *t, const struct flow_key *k)
{
	for (unsigned i = 0; i < NET_STORAGE_FLOWS_MAX; i++) {
		if (t->used[i] && same(&t->flows[i], k)) {
			t->used[i] = false;
			t->n--;
			return 0;
		}
	}
	return -ENOENT;
}

bool flow_is_peer(const struct flow_table *t, uint32_t addr)
{
	for (unsigned i = 0; t->n && i < NET_STORAGE_FLOWS_MAX; i++)
		if (t->used[i] && t->flows[i].raddr == addr)
			return true;
	return false;
}

bool flow_has(const struct flow_table *t, const struct flow_key *k)
{
	for (unsigned i = 0; t->n && i < NET_STORAGE_FLOWS_MAX; i++)
		if (t->used[i] && same(&t->flows[i], k))
			return true;
	return false;
}

static bool is_flow(const struct flow_table *t, uint32_t src, uint16_t sport, uint16_t dport)
{
	const struct flow_key k = {.raddr = src, .rport = sport, .lport = dport};
	return flow_has(t, &k);
}

/* Where the network header starts (after any 802.1Q tag), with the
 * EtherType in *type; 0 if the frame is too short for its link header. */
static size_t ipv4_at(const uint8_t *f, size_t len, uint16_t *type)
{
	if (len < ETH_HLEN)
		return 0;
	size_t off = ETH_HLEN;
	*type = be16_get(f + 12);
	if (*type == ETHERTYPE_VLAN) {
		if (len < ETH_HLEN + ETH_VLAN_HLEN)
			return 0;
		*type = be16_get(f + 16);
		off += ETH_VLAN_HLEN;
	}
	return off;
}

/* An IPv4 packet ip[0..len) after the Ethernet header (and any tag). */
static enum net_class classify_ipv4(const struct flow_table *t, const uint8_t *ip, size_t len)
{
	if (len < 20 || ip[0] >> 4 != 4)
		return NET_CLASS_GENERAL;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	size_t total = be16_get(ip + 2);
	if (ihl < 20 || total < ihl || total > len)
		return NET_CLASS_GENERAL;
	uint32_t src = be32_get(ip + 12);
	if (!flow_is_peer(t, src))
		return NET_CLASS_GENERAL;
	uint16_t frag = be16_get(ip + 6);
	if (frag & (IP_MF | IP_OFFMASK))
		return NET_CLASS_STORAGE; /* a fragment from a peer: ports may be elsewhere */
	if (ip[9] == IP_PROTO_ICMP)
		return NET_CLASS_STORAGE;
	if (ip[9] != IP_PROTO_TCP || total - ihl < TCP_PORTS_LEN)
		return NET_CLASS_GENERAL;
	const uint8_t *tcp = ip + ihl;
	return is_flow(t, src, be16_get(tcp), be16_get(tcp + 2)) ? NET_CLASS_STORAGE : NET_CLASS_GENERAL;
}

static enum net_class classify_arp(const struct flow_table *t, const uint8_t *arp, size_t len)
{
	/* hardware Ethernet, protocol IPv4, address lengths 6 and 4 */
	if (len < ARP_LEN || be16_get(arp) != 1 || be16_get(arp + 2) != ETHERTYPE_IPV4 || arp[4] != 6 ||
	    arp[5] != 4)
		return NET_CLASS_GENERAL;
	return flow_is_peer(t, be32_get(arp + ARP_SPA)) ? NET_CLASS_STORAGE : NET_CLASS_GENERAL;
}


enum net_class flow_classify(const struct flow_table *t, const uint8_t *f, size_t len)
{
	uint16_t type;
	size_t off = ipv4_at(f, len, &type);
	if (!t->n || !off)
		return NET_CLASS_GENERAL;
	if (type == ETHERTYPE_IPV4)
		return classify_ipv4(t, f + off, len - off);
	if (type == ETHERTYPE_ARP)
		return classify_arp(t, f + off, len - off);
	return NET_CLASS_GENERAL;
}

enum net_class flow_classify_tx(const struct flow_table *t, const uint8_t *f, size_t len)
{
	uint16_t type;
	size_t off = ipv4_at(f, len, &type);
	if (!t->n || !off)
		return NET_CLASS_GENERAL;
	const uint8_t *p = f + off;
	len -= off;
	if (type == ETHERTYPE_ARP)
		return len >= ARP_LEN && flow_is_peer(t, be32_get(p + 24)) ? NET_CLASS_STORAGE
		                                                        : NET_CLASS_GENERAL;
	if (type != ETHERTYPE_IPV4 || len < 20 || p[0] >> 4 != 4)
		return NET_CLASS_GENERAL;
	size_t ihl = (size_t)(p[0] & 0xf) * 4;
	uint32_t dst = be32_get(p + 16);
	if (ihl < 20 || !flow_is_peer(t, dst))
		return NET_CLASS_GENERAL;
	if (be16_get(p + 6) & (IP_MF | IP_OFFMASK))
		return NET_CLASS_STORAGE;
	if (p[9] != IP_PROTO_TCP || len < ihl + TCP_PORTS_LEN)
		return NET_CLASS_GENERAL;
	const uint8_t *tcp = p + ihl;
	return is_flow(t, dst, be16_get(tcp + 2), be16_get(tcp)) ? NET_CLASS_STORAGE : NET_CLASS_GENERAL;
}

bool flow_icmp_error(const uint8_t *f, size_t len)
{
	uint16_t type;
	size_t off = ipv4_at(f, len, &type);
	if (!off || type != ETHERTYPE_IPV4 || len < off + 20)
		return false;
	const uint8_t *p = f + off;
	size_t ihl = (size_t)(p[0] & 0xf) * 4;
	if (p[0] >> 4 != 4 || p[9] != IP_PROTO_ICMP || ihl < 20 || len < off + ihl + 1)
		return false;
	uint8_t icmp_type = p[ihl];
	return icmp_type == 3 || icmp_type == 11 || icmp_type == 12;
}

bool flow_bucket_take(struct flow_bucket *b, uint64_t now_ns)
{
	if (!b->rate)
		return false;
	uint64_t per = 1000000000ull / b->rate;
	uint64_t cap = per * (b->burst ? b->burst : 1);
	if (!b->started) {
		b->started = true;
		b->credit_ns = cap;
	} else if (now_ns > b->last_ns) {
		uint64_t gained = now_ns - b->last_ns;
		b->credit_ns = gained >= cap - b->credit_ns ? cap : b->credit_ns + gained;
	}
	b->last_ns = now_ns;
	if (b->credit_ns < per)
		return false;
	b->credit_ns -= per;
	return true;
}
