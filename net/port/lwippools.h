/*
 * Extra lwIP memory pools (MEMP_USE_CUSTOM_POOLS).  Included by lwIP's
 * memp_std.h several times with different LWIP_MEMPOOL definitions, so it
 * has no include guard.
 *
 * NIF_RX: one struct pbuf_custom wrapper per received frame that lwIP
 * holds (net/netif.c).  The element must hold struct nif_rxpbuf; netif.c
 * checks that at build time.
 */
LWIP_MEMPOOL(NIF_RX, NET_RX_WRAPPERS, sizeof(struct pbuf_custom) + sizeof(void *),
	     "NIF_RX pbuf_custom")
