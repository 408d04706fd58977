/*
 * The net thread: the one thread that runs lwIP (NO_SYS=1).
 *
 * It brings up every registered NIC (net/nic.h) as configured by ip= and
 * ifname=, then loops: poll the NIC queues whose interrupts kicked it (NAPI,
 * with a budget per queue), run the functions other threads posted to its
 * mailbox, and run lwIP's timers; between rounds it sleeps on a semaphore
 * until the next lwIP timeout.
 *
 * Command-line keys (declared in net/net.c):
 *   ip=...               see net/netcfg.h; default dhcp (DHCP on every NIC)
 *   ifname=<name>:<MAC>  name the NIC with that MAC (used by ip=...:<iface>:...)
 *   net.dhcp_timeout=S   seconds to wait for a DHCP lease (default 30).  When
 *                        no server answered by then, the node prints so, keeps
 *                        asking in the background, and net_wait_up() returns
 *                        -ETIMEDOUT so the app can fail cleanly.
 *
 * No lwIP types here: apps may include it.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * Start the net thread and bring up the NICs, once; later calls return the
 * first result at once.  0, or -ENOMEM (heap partition or thread).
 * Thread context (any thread but the net thread).  NICs must be registered
 * before the first call.
 */
int net_init(void);

/*
 * Run fn(arg) in the net thread, after everything posted before it.
 * Returns at once (fn runs later); blocks only while the mailbox is full.
 * fn must not block.  Any thread but the net thread; net_init() first.
 */
void net_call(void (*fn)(void *arg), void *arg);

/* True in the net thread. */
bool net_in_thread(void);

/*
 * Wait until an interface has an IPv4 address (static, or a DHCP lease),
 * and write it as text ("10.0.2.15") to addr if addr is not NULL.
 * 0; -ETIMEDOUT after timeout_ns (0 = no limit of ours) or once every DHCP
 * interface passed net.dhcp_timeout; -ENETDOWN if there is no NIC, ip=off,
 * or ip= was invalid.  Thread context; calls net_init().
 */
int net_wait_up(uint64_t timeout_ns, char *addr, size_t addrlen);

/*
 * DHCP options for the layers above.  A module that needs a value from the
 * lease (blk/iscsi: the root path and iPXE's iSCSI options) registers the
 * option's code with NET_DHCP_OPTION(); net/ then asks servers for it in
 * every DISCOVER and REQUEST, and hands fn each value as an OFFER or ACK
 * brings it, with the name of the interface it came on.  fn runs in the net
 * thread and must not sleep; val is lwIP's copy, valid only for the call, and
 * may be anything the server sent (malformed included).  Codes that lwIP
 * itself consumes (1, 3, 6, 51, 53, 54, ...) never reach fn.
 */
struct net_dhcp_option {
	uint8_t code;
	void (*fn)(const char *ifname, const uint8_t *val, size_t len);
};
#define NET_DHCP_OPTION(id, code_, fn_)                                                            \
	static const struct net_dhcp_option net_dhcpopt_##id                                       \
	    __attribute__((section(".dhcpopts." #id), used, aligned(8))) = {code_, fn_}

/* Print lwIP's statistics and every interface's and NIC's counters.
 * Thread context (runs in the net thread and waits for it). */
void net_dump(void);

/* Internal to net/: the net thread's end of a round, for net/sock.c to
 * hand batched receive data to waiting readers.  Net thread. */
void net_sock_flush(void);

#endif
