/*
 * virtio-net driver (virtio 1.x over PCI, and the legacy 0.9.5 IO-port
 * interface for devices that lack the modern capabilities).
 *
 * Devices: 1af4:1041 (modern) and 1af4:1000 (transitional; the modern
 * interface is used when its capabilities are present, as with QEMU's
 * default virtio-net-pci; `disable-modern=on` forces the legacy path).
 * The driver registers itself with PCI_DRIVER(); nothing here is called
 * directly.  What it does on top of net/nic.h:
 *
 *  - Queues.  Probe sets nrxq = ntxq to the queue pairs the device offers
 *    (VIRTIO_NET_F_MQ), at most NIC_MAX_QUEUES.  The stack may lower nrxq
 *    before open; open uses nrxq pairs (ntxq is set equal) and, with more
 *    than one, enables them with VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET.  The
 *    device spreads flows over RX queues by its own hash.
 *  - Memory.  Rings, RX buffers (one NIC_RXBUF_SIZE buffer per descriptor)
 *    and the TX bookkeeping of queue pair q come from n->rxq_part[q], once,
 *    at open.  nic_rxbuf.data points behind the virtio_net_hdr.
 *  - TX never copies: a frame takes one descriptor for a shared, all-zero
 *    virtio_net_hdr plus one per fragment.  -EBUSY when the ring lacks
 *    nfrags + 1 descriptors.  TX completions interrupt (on the vector of
 *    the pair), so every frame's tx_done follows a kick without polling
 *    on a timer.
 *  - Interrupts.  MSI-X when the device has it: entry q serves RX and TX of
 *    pair q ("MSI-X"), and open uses no more pairs than there are entries;
 *    otherwise one shared INTx line ("INTx") that kicks every queue.
 *    Masking uses VRING_AVAIL_F_NO_INTERRUPT.
 *  - NIC_DROP_NOBUF counts the times a queue ran out of posted buffers, not
 *    frames: the device then holds frames back or drops them without
 *    telling (virtio has no drop counter).
 */
#ifndef NET_VIRTIO_NET_H
#define NET_VIRTIO_NET_H

#define VIRTIO_PCI_VENDOR           0x1af4
#define VIRTIO_PCI_NET_MODERN       0x1041
#define VIRTIO_PCI_NET_TRANSITIONAL 0x1000

#endif
