"""Storage under a flood of unrelated packets (function, not speed: the
figures are in `make bench BENCH=flood`).

The node writes and verifies 64 MiB on a private tgtd while the host floods
it, throughout, with 1400-byte UDP datagrams to a closed port through a
hostfwd on 127.0.0.1 (tests/tools/flood.c, paced at 20k packets/s and
stopped by PID when the node is done).  The bytes are checked on the host,
the session must never drop or recover, and the counters must show the
traffic classes at work: general frames dropped over their budget, ICMP
port-unreachables rate-limited, storage frames counted as storage.
"""
import re
import shutil
import socket
import subprocess
import threading

import pytest

from conftest import (FLOOD, IQN, NS_ADDR, MiB, NICS, Nic, boot, free_port, host_check, line,
                      netroot, qemu_status)

PPS = 20000


def counters(log):
    """{name: value} from the exit report's class and drop lines."""
    out = {}
    m = re.search(r"net: eth0: storage rx (\d+) tx (\d+); general rx (\d+) tx (\d+); "
                  r"icmp-limited (\d+)", log)
    if m:
        out.update(zip(["storage_rx", "storage_tx", "general_rx", "general_tx",
                        "icmp_limited"], map(int, m.groups())))
    for q in re.finditer(r"eth0: q\d+ rx .*drops:(.*)", log):
        for k, v in re.findall(r"(\w+)=(\d+)", q.group(1)):
            out["drop_" + k] = out.get("drop_" + k, 0) + int(v)
    return out


def finish_under_flood(node, flood_cmd):
    """Flood the node (flood_cmd: the generator's command line, perhaps
    behind a namespace prefix, without its options) until it ends; stop the
    generator by PID.  The node's Result and what the generator said."""
    at = flood_cmd.index(FLOOD) + 1
    cmd = flood_cmd[:at] + ["--pps", str(PPS), "--seconds", "600"] + flood_cmd[at:]
    flood = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        b = node.finish(timeout=600)
    finally:
        flood.terminate()  # ours, by PID
        sent = flood.communicate(timeout=10)[0]
    return b, sent.strip()


@pytest.mark.parametrize("nic", NICS)
def test_write_and_verify_through_a_udp_flood(make_lun, tgt, start_node, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun)
    hport = free_port()
    node = start_node(f"app=blkcheck iscsi.nop_interval=1 iscsi.nop_timeout=5 {netroot()} -- "
                      f"write 41 0 {64 * MiB} verify 41 0 {64 * MiB}",
                      nics=[Nic(nic, guestfwd=[tgt.guestfwd()],
                                hostfwd=[f"udp:127.0.0.1:{hport}-:9"])])
    node.wait_for(r"iscsi: LUN \d+:", timeout=120)
    b, sent = finish_under_flood(node, [FLOOD, "udp", "127.0.0.1", str(hport)])
    assert b.status == qemu_status(0), str(b)
    assert f"blkcheck: verify offset=0 length={64 * MiB} ok" in line(b, "blkcheck: verify"), b
    assert host_check(lun, 41, 0, 64 * MiB) == "ok"
    # The keepalive was answered throughout: no NOP timeout, no reconnect.
    assert "lost" not in b.log and "reinstated" not in b.log, str(b)
    c = counters(b.log)
    print(f"{nic}: {c}; flood: {sent}")
    assert c["storage_rx"] > 10000 and c["storage_tx"] > 10000, str(b)
    assert c["general_rx"] > 0, str(b)
    assert c["drop_general"] > 0, str(b)  # over the general budget, dropped at once
    assert c["icmp_limited"] > 0, str(b)  # port-unreachables held to the rate


def queue_rx(log, q):
    m = re.search(rf"eth0: q{q} rx (\d+) pkts", log)
    return int(m.group(1)) if m else 0


@pytest.mark.parametrize("lan", [2], indirect=True)
def test_multiqueue_tap_gives_storage_its_own_queue(lan, make_lun, start_node):
    """virtio-net with two queue pairs on a multi-queue tap, tgtd in the
    test's own namespace: storage leaves on queue pair 1, so tun answers it
    there, while a 20k pkt/s flood from the namespace lands on the queues
    tun hashes it to.  Storage frames must arrive on queue 1."""
    lun = make_lun()
    lan.target(IQN, backing=lun)
    node = start_node(f"app=blkcheck ip=10.77.0.2:::255.255.255.0::eth0:none "
                      f"iscsi.nop_interval=1 iscsi.nop_timeout=5 "
                      f"netroot=iscsi:{NS_ADDR}::3260:1:{IQN} -- "
                      f"write 41 0 {64 * MiB} verify 41 0 {64 * MiB}",
                      wrap=lan.wrap, nics=[lan.nic("virtio-net-pci", queues=2)])
    node.wait_for(r"iscsi: LUN \d+:", timeout=120)
    b, sent = finish_under_flood(node, lan.wrap + [FLOOD, "udp", "10.77.0.2", "9"])
    assert b.status == qemu_status(0), str(b)
    assert host_check(lun, 41, 0, 64 * MiB) == "ok"
    assert "lost" not in b.log and "reinstated" not in b.log, str(b)
    c = counters(b.log)
    q0, q1 = queue_rx(b.log, 0), queue_rx(b.log, 1)
    print(f"mq: {c}; q0 rx {q0}, q1 rx {q1}; flood: {sent}")
    assert "2 RX / 2 TX queues" in b.log, str(b)
    # Nearly every storage frame came in on the storage queue (the first few,
    # before tun has seen the flow leave on queue 1, may not).
    assert q1 >= 0.9 * c["storage_rx"], str(b)
    assert c["icmp_limited"] > 0, str(b)
    # The storage queue's buffers are net-storage's, and it shows at exit.
    m = re.search(r"net-storage +(\d+) KiB of", b.log)
    assert m and int(m.group(1)) > 0, str(b)


def iface_counters(log, name):
    m = re.search(rf"net: {name}: storage rx (\d+) tx (\d+); general rx (\d+) tx (\d+)", log)
    return tuple(map(int, m.groups())) if m else None


@pytest.mark.skipif(not shutil.which("dnsmasq"), reason="needs dnsmasq")
def test_storage_on_a_nic_of_its_own(lan, make_lun, start_node):
    """Two NICs: eth0 on QEMU's user network takes a 20k pkt/s flood through a
    hostfwd; eth1, named by rd.iscsi.iface=, is on the test's namespace LAN
    with dnsmasq and tgtd.  Storage must go through eth1 only, the flood
    through eth0 only, and eth1's buffers must be net-storage's."""
    lun = make_lun()
    lan.target(IQN, backing=lun)
    lan.dhcp()
    hport = free_port()
    node = start_node(f"app=blkcheck rd.iscsi.iface=eth1 iscsi.nop_interval=1 "
                      f"iscsi.nop_timeout=5 netroot=iscsi:{NS_ADDR}::3260:1:{IQN} -- "
                      f"write 41 0 {64 * MiB} verify 41 0 {64 * MiB}", wrap=lan.wrap,
                      nics=[Nic("virtio-net-pci", hostfwd=[f"udp:127.0.0.1:{hport}-:9"]),
                            lan.nic("virtio-net-pci")])
    node.wait_for(r"iscsi: LUN \d+:", timeout=180)
    # QEMU's hostfwd listens on 127.0.0.1 inside the namespace QEMU runs in.
    b, sent = finish_under_flood(node, lan.wrap + [FLOOD, "udp", "127.0.0.1", str(hport)])
    assert b.status == qemu_status(0), str(b)
    assert host_check(lun, 41, 0, 64 * MiB) == "ok"
    assert "lost" not in b.log and "reinstated" not in b.log, str(b)
    b.require("net: eth1: storage's NIC (rd.iscsi.iface=)")
    e0, e1 = iface_counters(b.log, "eth0"), iface_counters(b.log, "eth1")
    print(f"eth0 {e0}, eth1 {e1}; flood: {sent}")
    assert e1[0] > 10000 and e1[1] > 10000, str(b)  # storage came and went on eth1
    assert e0[0] == 0 and e0[1] == 0, str(b)        # and never on eth0
    assert e0[2] > 1000, str(b)                      # where the flood landed
    m = re.search(r"net-storage +(\d+) KiB of", b.log)
    assert m and int(m.group(1)) > 0, str(b)


class Sink:
    """A TCP server on 127.0.0.1 that accepts and never reads: its peers'
    data piles up in their send queues."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                self.conns.append(c)
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


@pytest.mark.parametrize("nic", NICS)
def test_storage_writes_while_general_tcp_memory_is_full(make_lun, tgt, sink, nic):
    """TX isolation: 24 ordinary connections to a sink that never reads take
    every byte of lwIP's general memory and keep it; storage, whose memory is
    its own (net-storage), then writes and verifies 64 MiB."""
    lun = make_lun()
    tgt.add_target(1, IQN, lun)
    # socat with small buffers, so the sink holding back is felt at once
    fwd = (f"guestfwd=tcp:10.0.2.101:9000-cmd:socat -b 4096 - "
           f"TCP:127.0.0.1:{sink.port},,sndbuf=4096")  # ,, is a comma to QEMU
    b = boot(f"app=blkcheck {netroot()} -- netfill 10.0.2.101 9000 24 "
             f"write 47 0 {64 * MiB} verify 47 0 {64 * MiB}",
             nics=[Nic(nic, guestfwd=[tgt.guestfwd(), fwd])], timeout=600)
    assert b.status == qemu_status(0), str(b)
    fill = line(b, "blkcheck: netfill")
    m = re.search(r"(\d+) failed allocations", fill)
    assert m and int(m.group(1)) > 0, fill  # general memory was full
    b.require(f"blkcheck: verify offset=0 length={64 * MiB} ok")
    assert host_check(lun, 47, 0, 64 * MiB) == "ok"
    m = re.search(r"lwIP memory, storage: .* (\d+) failed allocations", b.log)
    assert m and int(m.group(1)) == 0, str(b)  # storage never went short
