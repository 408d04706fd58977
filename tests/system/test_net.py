"""The network stack end to end: lwIP on virtio-net and e1000 through QEMU's
user network (restrict=on; the host reaches the node only through hostfwd on
127.0.0.1), and the configuration errors an admin can make."""
import hashlib
import os
import re
import socket
import threading
import time

import pytest

from conftest import MiB, NICS, Nic, boot, free_port, qemu_status


def forwarded(nic, hport, gport):
    """The NIC on QEMU's user network, with host port hport forwarded to gport."""
    return [Nic(nic, hostfwd=[f"tcp:127.0.0.1:{hport}-:{gport}"])]


@pytest.mark.parametrize("nic", NICS)
def test_echo_64mib_byte_for_byte(start_node, nic):
    hport = free_port()
    node = start_node("app=netecho -- 7 1", nics=forwarded(nic, hport, 7))
    node.wait_for(r"netecho: listening on 10\.0\.2\.15:7")
    n = 64 * MiB
    block = hashlib.sha256(b"tether").digest() * 32768  # 1 MiB, not periodic at small scale
    sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
    got = [0]
    s = socket.create_connection(("127.0.0.1", hport), timeout=60)

    def reader():
        while got[0] < n:
            b = s.recv(1 << 20)
            if not b:
                break
            got_hash.update(b)
            got[0] += len(b)

    th = threading.Thread(target=reader)
    th.start()
    for i in range(n // MiB):
        chunk = bytes([i & 0xFF]) + block[1:]  # every MiB differs from the last
        sent_hash.update(chunk)
        s.sendall(chunk)
    th.join(600)
    s.close()
    b = node.finish()
    assert got[0] == n, f"echoed {got[0]} of {n} bytes\n{b.log}"
    assert got_hash.hexdigest() == sent_hash.hexdigest(), "echoed bytes differ"
    assert b.status == qemu_status(0), str(b)
    b.require(f"{n} bytes echoed")


@pytest.mark.parametrize("nic", NICS)
def test_dhcp_address_and_nic_in_boot_log(start_node, nic):
    hport = free_port()
    node = start_node("app=netecho -- 7 1", nics=forwarded(nic, hport, 7))
    node.wait_for(r"netecho: listening")
    log = node.log
    node.kill()
    assert re.search(r"eth0: (virtio-net|e1000) .*52:54:00:12:34:56", log), log
    assert re.search(r"net: eth0: 10\.0\.2\.15 netmask 255\.255\.255\.0 .*\(DHCP\)", log), log


@pytest.mark.parametrize("nic", NICS)
def test_static_address_and_ifname(start_node, nic):
    hport = free_port()
    node = start_node("app=netecho ifname=storage0:52:54:00:12:34:56 "
                      "ip=10.0.2.15::10.0.2.2:255.255.255.0:node1:storage0:none -- 7 1",
                      nics=forwarded(nic, hport, 7))
    node.wait_for(r"netecho: listening on 10\.0\.2\.15:7")
    s = socket.create_connection(("127.0.0.1", hport), timeout=30)
    s.sendall(b"ping through a static address")
    assert s.recv(100) == b"ping through a static address"
    s.close()
    b = node.finish()
    assert b.status == qemu_status(0), str(b)
    assert "DHCP" not in "".join(l for l in b.log.splitlines() if "net: storage0:" in l), b.log


def test_no_nic_is_reported():
    b = boot("app=netecho -- 7 1", timeout=60)
    assert b.status == qemu_status(1), str(b)
    b.require("net: no NIC found", "netecho: no network")


@pytest.mark.parametrize("nic", NICS)
def test_bad_ip_value_is_reported(nic):
    b = boot("app=netecho ip=10.0.2.999::10.0.2.2:255.255.255.0::eth0:none -- 7 1",
             nics=[Nic(nic)], timeout=60)
    assert b.status == qemu_status(1), str(b)
    assert re.search(r"ip=10\.0\.2\.999.*", b.log), str(b)
    b.require("netecho: no network")


@pytest.mark.parametrize("nic", NICS)
def test_dhcp_server_that_never_answers(nic):
    # a hub port with nothing else on the hub: DHCP DISCOVERs go nowhere
    b = boot("app=netecho net.dhcp_timeout=3 -- 7 1",
             nics=[Nic(nic, kind="hub")], timeout=120)
    assert b.status == qemu_status(1), str(b)
    b.require("no DHCP lease within 3 s (net.dhcp_timeout=)", "netecho: no network")
