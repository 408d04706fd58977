/*
 * Host stand-ins for the kernel and net-thread symbols that net/netif.c and
 * lwIP's port (net/port) reach, so the network fuzzer links the real RX
 * path without the rest of the kernel.  Only what the link needs is here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/console.h"
#include "kernel/panic.h"
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "net/netmem.h"

/* Shared with fuzz_netif_input.c (no header: the two are one program). */
void fuzz_net_advance(uint32_t ms);
void fuzz_net_seed(uint64_t seed);
uint32_t rand_u32(void);

void fuzz_net_mem(void);

/* lwIP's memory per class, as net_init() carves it from the partitions. */
static unsigned char gen_mem[NET_LWIP_GENERAL_BYTES] __attribute__((aligned(64)));
static unsigned char stor_mem[NET_LWIP_STORAGE_BYTES] __attribute__((aligned(64)));

void fuzz_net_mem(void)
{
	netmem_init(NET_CLASS_GENERAL, gen_mem, sizeof(gen_mem));
	netmem_init(NET_CLASS_STORAGE, stor_mem, sizeof(stor_mem));
	netmem_use(NET_CLASS_GENERAL);
}

static uint32_t now_ms;
static uint64_t rand_state;

u32_t sys_now(void)
{
	return now_ms;
}

/* The kernel's clock, on the fuzzer's own time (netif.c's ICMP limit). */
uint64_t clock_ns(void);
uint64_t clock_ns(void)
{
	return (uint64_t)now_ms * 1000000u;
}

void fuzz_net_advance(uint32_t ms)
{
	now_ms += ms;
}

/* Reset per input so the ports and DHCP xids lwIP draws replay exactly. */
void fuzz_net_seed(uint64_t seed)
{
	rand_state = seed | 1;
}

uint32_t rand_u32(void)
{
	/* Any full-period generator will do; the fuzzer only needs replay. */
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return (uint32_t)rand_state;
}

/* Console output would only slow the fuzzer down; FUZZ_NET_VERBOSE=1 in the
 * environment shows it when replaying a crash. */
static int verbose = -1;

static bool talk(void)
{
	if (verbose < 0)
		verbose = getenv("FUZZ_NET_VERBOSE") != NULL;
	return verbose;
}

int con_vprintf(const char *fmt, va_list ap)
{
	return talk() ? vfprintf(stderr, fmt, ap) : 0;
}

int con_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = con_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int con_log(int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)level;
	va_start(ap, fmt);
	n = con_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* lwIP's LWIP_PLATFORM_ASSERT lands here: an lwIP assertion is a finding. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("panic: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/*
 * The DHCP hooks live in net/net.c, which needs the whole kernel.  These
 * keep only what matters to lwIP's side of the contract: nothing appended,
 * and every option lwIP reports must be readable where it says it is.
 */
void net_dhcp_append_hook(struct netif *netif, struct dhcp_msg *msg, unsigned char msg_type,
                          unsigned short *options_len)
{
	(void)netif;
	(void)msg;
	(void)msg_type;
	(void)options_len;
}

void net_dhcp_option_hook(struct netif *netif, unsigned char option, unsigned char len,
                          struct pbuf *p, unsigned short offset)
{
	/* Into an exact-size buffer, so ASan sees any overrun; a short copy
	 * (an option running past the datagram) is refused by the real hook. */
	uint8_t *val = malloc(len ? len : 1);

	(void)netif;
	(void)option;
	(void)pbuf_copy_partial(p, val, len, offset);
	free(val);
}
