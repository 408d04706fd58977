"""NIC drivers (virtio-net modern/legacy/multiqueue, e1000) through the
nictest app: each NIC must send a DHCPDISCOVER and receive slirp's OFFER."""
import subprocess
import time

import pytest

from conftest import Nic, boot, qemu_status


def user(model, **kw):
    return Nic(model, **kw)


SECOND = dict(net="10.0.3.0/24")  # the second NIC's user network


@pytest.mark.parametrize("device,mode", [
    ("virtio-net-pci", "MSI-X"),
    ("virtio-net-pci,disable-modern=on", "MSI-X"),
    ("virtio-net-pci,disable-legacy=on", "MSI-X"),
    ("virtio-net-pci,vectors=0", "INTx"),
    ("virtio-net-pci,disable-modern=on,vectors=0", "INTx"),
    ("e1000", "INTx"),
])
def test_dhcp_offer_on_one_nic(device, mode):
    b = boot("app=nictest", nics=[user(device)])
    assert b.status == qemu_status(0), str(b)
    b.require("nictest: eth0: DHCPOFFER 10.0.2.15 from 10.0.2.2: TX and RX ok",
              f"queue, {mode}")


def test_two_nics_at_once():
    b = boot("app=nictest", nics=[user("virtio-net-pci"), user("e1000", **SECOND)])
    assert b.status == qemu_status(0), str(b)
    b.require("eth0: DHCPOFFER 10.0.2.15", "eth1: DHCPOFFER 10.0.3.15")


def test_nics_behind_a_bridge_sharing_an_irq():
    b = boot("app=nictest", extra=["-device", "pci-bridge,id=br1,chassis_nr=1"],
             nics=[user("virtio-net-pci", device_opts="bus=br1,addr=1,vectors=0"),
                   user("e1000", device_opts="bus=br1,addr=2", **SECOND)])
    assert b.status == qemu_status(0), str(b)
    b.require("PCI bridge to [bus 01]", "eth0: DHCPOFFER", "eth1: DHCPOFFER")


def test_virtio_bar_above_4g_is_mapped():
    # A 4 GiB ivshmem BAR pushes SeaBIOS's 64-bit window, and virtio's modern BAR, above 4 GiB.
    b = boot("app=nictest", extra=["-object", "memory-backend-ram,id=m1,size=4G",
                                   "-device", "ivshmem-plain,memdev=m1"],
             nics=[user("virtio-net-pci")])
    assert b.status == qemu_status(0), str(b)
    b.require("reg 0x20: [mem 0x2", "eth0: DHCPOFFER 10.0.2.15")


def test_no_nic_fails_cleanly():
    b = boot("app=nictest")
    assert b.status == qemu_status(1), str(b)
    b.require("no NIC found")


@pytest.mark.parametrize("device", ["virtio-net-pci", "virtio-net-pci,disable-modern=on,vectors=0",
                                    "e1000"])
def test_tx_ring_full_recovers_on_completions(device):
    b = boot("app=nictest -- txburst 20000", nics=[user(device)])
    assert b.status == qemu_status(0), str(b)
    b.require("txburst: 20000 sent, 20000 completed")


@pytest.mark.parametrize("device", ["virtio-net-pci", "e1000"])
def test_rx_pool_exhaustion_counted_and_recovered(device):
    b = boot("app=nictest -- rxhold 1000", nics=[user(device)])
    assert b.status == qemu_status(0), str(b)
    b.require("pool ran dry and was counted", "eth0: DHCPOFFER 10.0.2.15")


@pytest.mark.parametrize("lan", [2], indirect=True)
def test_multiqueue_spreads_flows_over_rx_queues(lan, start_node):
    node = start_node("app=nictest -- listen 6", wrap=lan.wrap,
                      nics=[lan.nic("virtio-net-pci", queues=2)])
    time.sleep(2)
    # Many UDP flows from the namespace side: tun steers them by flow hash.
    subprocess.run(lan.wrap + ["/usr/bin/python3", "-c", FLOWS], check=True)
    b = node.finish(timeout=60)
    assert b.status == qemu_status(0), str(b)
    assert "2 RX / 2 TX queues, MSI-X" in b.log, str(b)


FLOWS = r'''
import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("tap0", 0))
dst, src = bytes.fromhex("525400123456"), bytes.fromhex("020000000001")
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
for i in range(2000):
    payload = b"tether-mq %06d" % i + bytes(64)
    udp = struct.pack("!HHHH", 10000 + i % 64, 9, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(dst + src + b"\x08\x00" + ip + udp)
'''
