/*
 * Ethernet framing as the NIC drivers and the stack see it: the header, one
 * optional 802.1Q tag, and the largest frame the MTU allows (without FCS,
 * which every device here strips).
 */
#ifndef NET_ETH_H
#define NET_ETH_H

#define ETH_ALEN      6    /* a MAC address */
#define ETH_HLEN      14   /* destination, source, EtherType */
#define ETH_VLAN_HLEN 4    /* one 802.1Q tag */
#define ETH_MTU       1500 /* payload bytes, as every NIC here is configured */
#define ETH_FRAME_MAX (ETH_HLEN + ETH_VLAN_HLEN + ETH_MTU)

#endif
