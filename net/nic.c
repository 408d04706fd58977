/*
 * The NIC registry: drivers register each device they probe; the stack and
 * the tools find them by index or MAC.  Registration happens at boot, one
 * thread, so the table needs no lock; later it is only read.
 */
#include <errno.h>
#include <string.h>

#include "net/nic.h"
#include "kernel/assert.h"
#include "kernel/console.h"
#include "kernel/report.h"
#include "kernel/fmt.h"

static struct nic *nics[NIC_MAX];
static unsigned nnics;

static const char *const drop_names[NIC_DROP_NREASONS] = {
    [NIC_DROP_NOBUF] = "nobuf",  [NIC_DROP_TOOSHORT] = "short",    [NIC_DROP_TOOLONG] = "long",
    [NIC_DROP_BADCSUM] = "csum", [NIC_DROP_OTHERMAC] = "othermac", [NIC_DROP_ERROR] = "error",
    [NIC_DROP_STACK] = "stack",  [NIC_DROP_GENERAL] = "general",
};

int nic_register(struct nic *n)
{
	ASSERT(n && n->ops && n->nrxq >= 1 && n->nrxq <= NIC_MAX_QUEUES && n->ntxq >= 1 &&
	       n->ntxq <= NIC_MAX_QUEUES);
	if (nnics == NIC_MAX)
		return -ENOSPC;
	n->name[0] = 'e';
	n->name[1] = 't';
	n->name[2] = 'h';
	n->name[3] = (char)('0' + nnics);
	n->name[4] = 0;
	nics[nnics++] = n;
	return 0;
}

unsigned nic_count(void)
{
	return nnics;
}

struct nic *nic_get(unsigned i)
{
	return i < nnics ? nics[i] : NULL;
}

struct nic *nic_by_mac(const uint8_t mac[6])
{
	for (unsigned i = 0; i < nnics; i++)
		if (memcmp(nics[i]->mac, mac, 6) == 0)
			return nics[i];
	return NULL;
}

bool nic_deliver(struct nic *n, struct nic_rxbuf *b)
{
	struct nic_qstats *st = &n->stats[b->queue];
	if (b->len < ETH_HLEN || b->len > ETH_FRAME_MAX) {
		st->drops[b->len < ETH_HLEN ? NIC_DROP_TOOSHORT : NIC_DROP_TOOLONG]++;
		return false;
	}
	st->rx_packets++;
	st->rx_bytes += b->len;
	n->rx(n, b, n->ctx);
	return true;
}

void nic_stats_dump(void)
{
	for (unsigned i = 0; i < nnics; i++) {
		const struct nic *n = nics[i];
		unsigned nq = n->nrxq > n->ntxq ? n->nrxq : n->ntxq;
		for (unsigned q = 0; q < nq; q++) {
			const struct nic_qstats *s = &n->stats[q];
			char drops[160];
			size_t len = 0;
			drops[0] = 0;
			for (unsigned r = 0; r < NIC_DROP_NREASONS && len < sizeof(drops); r++)
				if (s->drops[r])
					len += (size_t)fmt_snprintf(
					    drops + len, sizeof(drops) - len, " %s=%llu",
					    drop_names[r], (unsigned long long)s->drops[r]);
			con_printf("%s: q%u rx %llu pkts %llu bytes, tx %llu pkts %llu bytes, "
			           "busy %llu, irqs %llu, polls %llu, drops:%s\n",
			           n->name, q, (unsigned long long)s->rx_packets,
			           (unsigned long long)s->rx_bytes,
			           (unsigned long long)s->tx_packets,
			           (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_busy,
			           (unsigned long long)s->irqs, (unsigned long long)s->polls,
			           drops[0] ? drops : " none");
		}
	}
}
REPORT(nic, 10, nic_stats_dump);
