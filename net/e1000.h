/*
 * Intel 8254x ("e1000") driver, for the 82540EM that QEMU emulates with
 * `-device e1000` (8086:100e).  The driver registers itself with
 * PCI_DRIVER(); nothing here is called directly.  What it does on top of
 * net/nic.h:
 *
 *  - One RX and one TX queue, legacy descriptors, 256 of each.
 *  - Memory: both rings, the RX buffers (NIC_RXBUF_SIZE each, one more than
 *    the ring can hold so a buffer can be out with the stack while the ring
 *    stays full) and the bookkeeping come from n->rxq_part[0] at open.
 *  - TX never copies: one descriptor per fragment; -EBUSY when the ring
 *    lacks nfrags free slots.  The device pads short frames (TCTL.PSP).
 *  - Interrupts: INTx only (the 82540EM has no MSI-X), through the IO-APIC.
 *    The handler reads ICR (which acknowledges), masks everything with IMC
 *    and kicks queue 0; poll() unmasks when drained.
 *  - NIC_DROP_NOBUF counts the times the ring ran out of buffers (as
 *    virtio-net does) plus the frames the device reports lost (MPC).
 *    NIC_DROP_ERROR counts frames with an RX error bit; frames spanning
 *    several buffers (cannot happen with 2 KiB buffers and no long-packet
 *    mode) count as NIC_DROP_TOOLONG.
 *  - Completions: TXDW stays enabled, so every TX completion interrupts
 *    (QEMU raises one per TDT write) and leads to a kick.
 *  - QEMU quirk: QEMU's e1000 holds back received frames for 1 s after
 *    every RCTL write (its flush_queue_timer), so nothing arrives during
 *    the first second after open.  Transmit works at once; a DHCP client's
 *    retransmission covers the gap.
 */
#ifndef NET_E1000_H
#define NET_E1000_H

#define E1000_PCI_VENDOR  0x8086
#define E1000_PCI_82540EM 0x100e

#endif
