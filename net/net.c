/*
 * The net thread: owns lwIP (NO_SYS=1), polls the NICs NAPI style, runs the
 * functions other threads post to its mailbox, and drives lwIP's timers.
 * Also the interface configuration: ip=, ifname=, DHCP and its options.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/assert.h"
#include "kernel/report.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/params.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "mm/mm.h"
#include "net/net.h"
#include "net/netcfg.h"
#include "net/netif.h"
#include "net/netmem.h"
#include "net/nic.h"

PARAM(ip, .key = "ip", .type = CMDLINE_STR, .defval = "dhcp", .on_bad = CMDLINE_USE_DEFAULT,
      .help = "dhcp | off | <iface>:dhcp | <ip>:[<server>]:[<gw>]:<mask>:[<host>]:[<iface>]:none");
PARAM(ifname, .key = "ifname", .type = CMDLINE_STR, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "<name>:<MAC>: call the NIC with that MAC <name>");
PARAM(storage_iface, .key = "rd.iscsi.iface", .type = CMDLINE_STR, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "<name>: the NIC that carries storage only (net-storage buffers, served first)");
PARAM(net_dhcp_timeout, .key = "net.dhcp_timeout", .type = CMDLINE_UINT, .defval = "30", .min = 1,
      .max = 3600, .on_bad = CMDLINE_USE_DEFAULT,
      .help = "seconds until net_wait_up() gives up on DHCP (it keeps trying)");

#define LINK_POLL_MS      1000
#define LINK_POLL_FAST    50 /* while the node boots: DHCP waits for the link */
#define LINK_FAST_FOR_MS  5000
#define NET_BUSY_ROUNDS   16 /* full-budget rounds in a row before a pause */
#define NET_BUSY_PAUSE_NS (100 * NSEC_PER_USEC)
#define KICK_BITS         (NIC_MAX * NIC_MAX_QUEUES)
BUILD_ASSERT(KICK_BITS <= 32);

struct net_if {
	struct nif nif;
	bool attached, dhcp, dhcp_gave_up;
	char hostname[NETCFG_HOSTNAME_MAX];
};

/* lwIP's netif->state is the struct nif, which is the start of its net_if. */
BUILD_ASSERT(offsetof(struct net_if, nif) == 0);

struct net_msg {
	void (*fn)(void *arg);
	void *arg;
};


static struct net_if ifs[NIC_MAX] NET_STATIC;
static unsigned nifs;
static struct thread *net_thread;
static int init_rc = 1; /* 1: not yet */
static struct mutex init_lock = MUTEX_INIT;
static struct sem started;

static struct sem wake; /* kicks and posts; the net thread sleeps on it */
static uint32_t kicks;  /* bit (nic index * NIC_MAX_QUEUES + queue), set by interrupts */
static struct net_msg mbox[NET_MBOX_SIZE];
static unsigned mb_head, mb_count;
static struct sem mb_space;

/* Address state, read by net_wait_up() under irq_save(). */
static struct waitq up_waiters = WAITQ_INIT;
static bool any_up, all_dhcp_gave_up, unconfigurable;
static char up_addr[IP4ADDR_STRLEN_MAX];

/* ---- lwIP's system interface ---- */

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / NSEC_PER_MSEC);
}

/* ---- mailbox and kicks ---- */

bool net_in_thread(void)
{
	return net_thread && thread_current() == net_thread;
}

void net_call(void (*fn)(void *arg), void *arg)
{
	uint64_t flags;

	ASSERT(init_rc == 0 && !net_in_thread());
	sem_down(&mb_space);
	flags = irq_save();
	ASSERT(mb_count < NET_MBOX_SIZE);
	mbox[(mb_head + mb_count) % NET_MBOX_SIZE] = (struct net_msg){fn, arg};
	mb_count++;
	irq_restore(flags);
	sem_up(&wake);
}

/* The drivers' interrupt handlers call this with the queue's interrupt masked. */
static void net_kick(struct nic *n, unsigned q, void *ctx)
{
	struct nif *nif = ctx;

	(void)n;
	ASSERT(q < NIC_MAX_QUEUES);
	__atomic_fetch_or(&kicks, 1u << (nif->index * NIC_MAX_QUEUES + q), __ATOMIC_SEQ_CST);
	sem_up(&wake);
}

static void run_mailbox(void)
{
	for (;;) {
		struct net_msg m;
		uint64_t flags = irq_save();
		if (!mb_count) {
			irq_restore(flags);
			return;
		}
		m = mbox[mb_head];
		mb_head = (mb_head + 1) % NET_MBOX_SIZE;
		mb_count--;
		irq_restore(flags);
		sem_up(&mb_space);
		netmem_use(NET_CLASS_GENERAL);
		m.fn(m.arg);
	}
}

/* Poll the queues in k once; returns those that used their whole budget. */
static uint32_t poll_kicked(uint32_t k)
{
	uint32_t again = 0;

	while (k) {
		unsigned bit = (unsigned)__builtin_ctz(k);
		struct net_if *i = &ifs[bit / NIC_MAX_QUEUES];
		k &= k - 1;
		if (i->attached &&
		    nif_poll(&i->nif, bit % NIC_MAX_QUEUES, NET_POLL_BUDGET) >= NET_POLL_BUDGET)
			again |= 1u << bit;
	}
	return again;
}

/* The kick bits of storage's queues: its queue pairs, and every queue of its NIC. */
static uint32_t storage_kicks(void)
{
	uint32_t m = 0;
	for (unsigned n = 0; n < nifs; n++) {
		if (!ifs[n].attached)
			continue;
		if (ifs[n].nif.storage_nic)
			m |= ((1u << NIC_MAX_QUEUES) - 1) << (n * NIC_MAX_QUEUES);
		else if (ifs[n].nif.storage_q)
			m |= 1u << (n * NIC_MAX_QUEUES + ifs[n].nif.storage_q);
	}
	return m;
}

/* Poll every kicked queue once, storage's first; a queue that used its whole
 * budget stays kicked, so the loop comes back to it before sleeping. */
static bool run_kicks(void)
{
	uint32_t k = __atomic_exchange_n(&kicks, 0, __ATOMIC_SEQ_CST);
	uint32_t first = k & storage_kicks();
	uint32_t again = poll_kicked(first);

	again |= poll_kicked(k & ~first);
	if (again)
		__atomic_fetch_or(&kicks, again, __ATOMIC_SEQ_CST);
	return again != 0;
}

/* Frames waiting for TX ring space go out when completions are reaped; a
 * driver that raises no interrupt for TX completions still gets polled. */
static bool tx_backlogged(void)
{
	bool any = false;

	for (unsigned n = 0; n < nifs; n++) {
		if (!ifs[n].attached || !nif_tx_pending(&ifs[n].nif))
			continue;
		nif_poll(&ifs[n].nif, 0, 0);
		if (ifs[n].nif.storage_q)
			nif_poll(&ifs[n].nif, ifs[n].nif.storage_q, 0);
		any |= nif_tx_pending(&ifs[n].nif);
	}
	return any;
}

/* ---- address state ---- */

static void wake_waiters(void)
{
	uint64_t flags = irq_save();
	waitq_wake_all(&up_waiters);
	irq_restore(flags);
}

static void update_up_state(void)
{
	unsigned dhcp = 0, gave_up = 0;
	char addr[IP4ADDR_STRLEN_MAX] = "";
	uint64_t flags;

	for (unsigned n = 0; n < nifs; n++) {
		struct netif *ni = &ifs[n].nif.netif;
		if (!ifs[n].attached)
			continue;
		if (!addr[0] && !ip4_addr_isany_val(*netif_ip4_addr(ni)))
			ip4addr_ntoa_r(netif_ip4_addr(ni), addr, sizeof(addr));
		dhcp += ifs[n].dhcp;
		gave_up += ifs[n].dhcp && ifs[n].dhcp_gave_up;
	}
	flags = irq_save();
	any_up = addr[0] != 0;
	all_dhcp_gave_up = dhcp && gave_up == dhcp;
	memcpy(up_addr, addr, sizeof(up_addr));
	irq_restore(flags);
	wake_waiters();
}

static void status_changed(struct netif *ni)
{
	struct net_if *i = (struct net_if *)ni->state; /* struct nif is first */
	char a[IP4ADDR_STRLEN_MAX], m[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];

	if (!ip4_addr_isany_val(*netif_ip4_addr(ni))) {
		ip4addr_ntoa_r(netif_ip4_addr(ni), a, sizeof(a));
		ip4addr_ntoa_r(netif_ip4_netmask(ni), m, sizeof(m));
		ip4addr_ntoa_r(netif_ip4_gw(ni), g, sizeof(g));
		pr_info("net: %s: %s netmask %s gateway %s (%s)\n", i->nif.name, a, m, g,
		        i->dhcp ? "DHCP" : "static");
		if (!netif_default)
			netif_set_default(ni);
	}
	update_up_state();
}

static void link_changed(struct netif *ni)
{
	struct net_if *i = (struct net_if *)ni->state;

	pr_info("net: %s: link %s\n", i->nif.name, netif_is_link_up(ni) ? "up" : "down");
}

static void dhcp_deadline(void *arg)
{
	struct net_if *i = arg;
	unsigned s = (unsigned)param_get("net.dhcp_timeout")->num;

	if (dhcp_supplied_address(&i->nif.netif))
		return;
	pr_warn("net: %s: no DHCP lease within %u s (net.dhcp_timeout=); still asking in the "
	        "background\n",
	        i->nif.name, s);
	i->dhcp_gave_up = true;
	update_up_state();
}

static void link_poll(void *arg)
{
	u32_t since = (u32_t)(uintptr_t)arg;

	for (unsigned n = 0; n < nifs; n++)
		if (ifs[n].attached)
			nif_check_link(&ifs[n].nif);
	sys_timeout(sys_now() - since < LINK_FAST_FOR_MS ? LINK_POLL_FAST : LINK_POLL_MS, link_poll,
	            arg);
}

/* ---- DHCP hooks (lwIP calls them from dhcp.c, in this thread) ---- */

extern const struct net_dhcp_option __dhcpopts_start[], __dhcpopts_end[];

void net_dhcp_append_hook(struct netif *netif, struct dhcp_msg *msg, unsigned char msg_type,
                          unsigned short *options_len)
{
	/* lwIP's parameter request list is fixed and servers read only the
	 * first option 55, so ours is grown in place: the host name and what
	 * the layers above registered. */
	uint8_t ask[1 + NET_DHCP_OPTIONS_MAX];
	size_t n = 0;
	struct net_if *i = (struct net_if *)netif->state;
	size_t len = *options_len;

	if (msg_type != DHCP_DISCOVER && msg_type != DHCP_REQUEST)
		return;
	ask[n++] = DHCP_OPTION_HOSTNAME;
	for (const struct net_dhcp_option *o = __dhcpopts_start; o < __dhcpopts_end; o++) {
		ASSERT(n < sizeof(ask)); /* raise NET_DHCP_OPTIONS_MAX in config.h */
		ask[n++] = o->code;
	}
	/* one byte stays free for the end option lwIP appends */
	if (netcfg_dhcp_request_more(msg->options, &len, DHCP_OPTIONS_LEN - 1, ask, n)) {
		pr_warn("net: %s: no room to ask DHCP for the root path; netroot= still works\n",
		        i->nif.name);
		return;
	}
	*options_len = (unsigned short)len;
}

void net_dhcp_option_hook(struct netif *netif, unsigned char option, unsigned char len,
                          struct pbuf *p, unsigned short offset)
{
	struct net_if *i = (struct net_if *)netif->state;
	uint8_t val[255];
	char s[NETCFG_HOSTNAME_MAX];

	if (pbuf_copy_partial(p, val, len, offset) != len)
		return;
	if (option == DHCP_OPTION_HOSTNAME) {
		if (netcfg_dhcp_string(val, len, s, sizeof(s)) == 0 && !i->hostname[0])
			pr_info("net: %s: DHCP host name %s\n", i->nif.name, s);
		return;
	}
	for (const struct net_dhcp_option *o = __dhcpopts_start; o < __dhcpopts_end; o++)
		if (o->code == option)
			o->fn(i->nif.name, val, len);
}

/* ---- bring-up ---- */

static void ip4_from_host(ip4_addr_t *a, uint32_t host)
{
	ip4_addr_set_u32(a, lwip_htonl(host));
}

static const char *nic_name_for(const struct nic *n, const struct netcfg_ifname *ifn)
{
	if (ifn && memcmp(ifn->mac, n->mac, 6) == 0)
		return ifn->name;
	return n->name;
}

static void configure(struct net_if *i, const struct netcfg_ip *cfg, bool first)
{
	struct netif *ni = &i->nif.netif;
	bool mine = cfg->iface[0] ? strcmp(cfg->iface, i->nif.name) == 0
	                          : cfg->mode == NETCFG_DHCP || first;

	if (!mine || cfg->mode == NETCFG_OFF)
		return;
	if (cfg->hostname[0]) {
		memcpy(i->hostname, cfg->hostname, sizeof(i->hostname));
		netif_set_hostname(ni, i->hostname);
	}
	if (cfg->mode == NETCFG_STATIC) {
		ip4_addr_t a, m, g;
		ip4_from_host(&a, cfg->addr);
		ip4_from_host(&m, cfg->mask);
		ip4_from_host(&g, cfg->gw);
		netif_set_addr(ni, &a, &m, &g);
		if (cfg->gw)
			netif_set_default(ni);
		return;
	}
	i->dhcp = true;
	if (dhcp_start(ni) != ERR_OK) {
		pr_err("net: %s: cannot start DHCP\n", i->nif.name);
		i->dhcp_gave_up = true;
		return;
	}
	pr_info("net: %s: DHCP started\n", i->nif.name);
	sys_timeout((u32_t)param_get("net.dhcp_timeout")->num * 1000, dhcp_deadline, i);
}

static void bring_up(void)
{
	struct netcfg_ip cfg;
	struct netcfg_ifname ifn;
	bool have_ifn = false, matched = false;
	const char *s;
	char err[160];

	s = param_get("ip")->str;
	if (netcfg_parse_ip(s, &cfg, err, sizeof(err))) {
		pr_err("net: %s; no interface is configured\n", err);
		unconfigurable = true;
		cfg.mode = NETCFG_OFF;
	}
	s = param_get("ifname")->str;
	if (s && netcfg_parse_ifname(s, &ifn, err, sizeof(err)))
		pr_err("net: %s; ignored\n", err);
	else if (s)
		have_ifn = true;

	nifs = nic_count() < NIC_MAX ? nic_count() : NIC_MAX;
	if (!nifs)
		pr_warn("net: no NIC found\n");
	const char *stor = param_get("rd.iscsi.iface")->str;
	bool stor_found = false;
	for (unsigned n = 0; n < nifs; n++) {
		struct net_if *i = &ifs[n];
		struct nic *nic = nic_get(n);
		const char *name = nic_name_for(nic, have_ifn ? &ifn : NULL);
		bool is_stor = stor && strcmp(stor, name) == 0;
		stor_found |= is_stor;
		if (nif_attach(&i->nif, nic, n, name, net_kick, is_stor))
			continue;
		if (is_stor)
			pr_info("net: %s: storage's NIC (rd.iscsi.iface=): buffers from %s, served "
			        "first\n", name, mm_part_name(MM_NETSTOR));
		i->attached = true;
		pr_info("net: %s: %s %02x:%02x:%02x:%02x:%02x:%02x, %u RX / %u TX queues, %s\n",
		        i->nif.name, nic->ops->name, nic->mac[0], nic->mac[1], nic->mac[2],
		        nic->mac[3], nic->mac[4], nic->mac[5], nic->nrxq, nic->ntxq,
		        nic->irq_mode ? nic->irq_mode : "polled");
		netif_set_status_callback(&i->nif.netif, status_changed);
		netif_set_link_callback(&i->nif.netif, link_changed);
		matched |= !cfg.iface[0] || strcmp(cfg.iface, i->nif.name) == 0;
		configure(i, &cfg, n == 0);
	}
	if (cfg.mode != NETCFG_OFF && cfg.iface[0] && !matched)
		pr_err("net: ip=: no interface named %s\n", cfg.iface);
	if (stor && !stor_found)
		pr_err("net: rd.iscsi.iface=%s: no interface of that name; storage shares the "
		       "NICs with everything else\n", stor);
	if (cfg.mode == NETCFG_OFF || !matched)
		unconfigurable = true;
	sys_timeout(LINK_POLL_FAST, link_poll, (void *)(uintptr_t)sys_now());
	update_up_state();
}

/* ---- the thread ---- */

static void net_main(void *arg)
{
	unsigned busy_rounds = 0;

	(void)arg;
	lwip_init();
	bring_up();
	sem_up(&started);
	for (;;) {
		bool busy;
		u32_t ms;

		/* Each step starts as general; the glue names storage's work. */
		netmem_use(NET_CLASS_GENERAL);
		busy = run_kicks();
		netmem_use(NET_CLASS_GENERAL);
		run_mailbox();
		netmem_use(NET_CLASS_GENERAL);
		sys_check_timeouts();
		netmem_use(NET_CLASS_GENERAL);
		net_sock_flush();
		for (unsigned n = 0; n < nifs; n++)
			if (ifs[n].attached)
				nif_flush_ack(&ifs[n].nif);
		busy |= __atomic_load_n(&kicks, __ATOMIC_SEQ_CST) != 0;
		if (busy) {
			/* Under a flood, step aside now and then: the apps below
			 * our priority must run to drain their sockets. */
			if (++busy_rounds % NET_BUSY_ROUNDS == 0)
				thread_sleep_ns(NET_BUSY_PAUSE_NS);
			else
				thread_yield();
			continue;
		}
		busy_rounds = 0;
		ms = sys_timeouts_sleeptime();
		if (tx_backlogged() && ms > 1)
			ms = 1;
		sem_down_until(&wake, ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE
		                          ? 0
		                          : clock_ns() + (uint64_t)ms * NSEC_PER_MSEC + 1);
	}
}

int net_init(void)
{
	int rc;
	void *gen_mem, *stor_mem;

	mutex_lock(&init_lock);
	if (init_rc != 1)
		goto out;
	rc = -ENOMEM;
	gen_mem = mm_alloc_aligned(MM_NETGEN, NET_LWIP_GENERAL_BYTES, 64);
	if (!gen_mem) {
		pr_err("net: no %u KiB for lwIP's memory in %s; raise it in config.h\n",
		       (unsigned)(NET_LWIP_GENERAL_BYTES / 1024), mm_part_name(MM_NETGEN));
		goto err_gen;
	}
	stor_mem = mm_alloc_aligned(MM_NETSTOR, NET_LWIP_STORAGE_BYTES, 64);
	if (!stor_mem) {
		pr_err("net: no %u KiB for lwIP's memory in %s; raise it in config.h\n",
		       (unsigned)(NET_LWIP_STORAGE_BYTES / 1024), mm_part_name(MM_NETSTOR));
		goto err_stor;
	}
	netmem_init(NET_CLASS_GENERAL, gen_mem, NET_LWIP_GENERAL_BYTES);
	netmem_init(NET_CLASS_STORAGE, stor_mem, NET_LWIP_STORAGE_BYTES);
	sem_init(&wake, 0);
	sem_init(&started, 0);
	sem_init(&mb_space, NET_MBOX_SIZE);
	net_thread = thread_create("net", THREAD_PRIO_HIGH, 0, net_main, NULL);
	if (!net_thread)
		goto err_thread;
	init_rc = 0;
	sem_down(&started);
	goto out;

err_thread:
	mm_free(MM_NETSTOR, stor_mem);
err_stor:
	mm_free(MM_NETGEN, gen_mem);
err_gen:
	init_rc = rc;
out:
	rc = init_rc;
	mutex_unlock(&init_lock);
	return rc;
}

int net_wait_up(uint64_t timeout_ns, char *addr, size_t addrlen)
{
	uint64_t deadline, flags;
	int rc = net_init();

	if (rc)
		return rc;
	deadline = timeout_ns ? clock_ns() + timeout_ns : 0;
	flags = irq_save();
	for (;;) {
		if (any_up) {
			if (addr && addrlen) {
				strncpy(addr, up_addr, addrlen - 1);
				addr[addrlen - 1] = 0;
			}
			rc = 0;
			break;
		}
		if (unconfigurable || !nifs) {
			rc = -ENETDOWN;
			break;
		}
		if (all_dhcp_gave_up) {
			rc = -ETIMEDOUT;
			break;
		}
		rc = waitq_wait(&up_waiters, deadline);
		if (rc)
			break;
	}
	irq_restore(flags);
	return rc;
}

struct dump_req {
	struct sem done;
};

static void do_dump(void *arg)
{
	struct dump_req *r = arg;

	stats_display();
	for (unsigned n = 0; n < nifs; n++)
		if (ifs[n].attached)
			nif_dump(&ifs[n].nif);
	nic_stats_dump();
	sem_up(&r->done);
}

/* At exit: each interface's counters, traffic classes included.  Counters
 * only: no lwIP state is walked, so it is safe from any context. */
static void net_exit_report(void)
{
	for (unsigned n = 0; n < nifs; n++)
		if (ifs[n].attached)
			nif_dump(&ifs[n].nif);
	if (init_rc != 0)
		return;
	for (int c = 0; c < NET_CLASS_N; c++) {
		const struct netmem_arena *a = netmem_arena((enum net_class)c);
		con_printf("net: lwIP memory, %s: %zu KiB in use, high-water %zu of %zu KiB, "
		           "%llu failed allocations\n",
		           c == NET_CLASS_STORAGE ? "storage" : "general", a->used / 1024,
		           a->hiwater / 1024, (size_t)(a->end - a->base) / 1024,
		           (unsigned long long)a->fails);
	}
}
REPORT(net, 20, net_exit_report);

void net_dump(void)
{
	struct dump_req r;

	if (net_init())
		return;
	sem_init(&r.done, 0);
	net_call(do_dump, &r);
	sem_down(&r.done);
}
