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
import subprocess

import pytest

from conftest import (FLOOD, IQN, NS_ADDR, MiB, NICS, Nic, free_port, host_check, line,
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
    flood = subprocess.Popen([FLOOD, "--pps", str(PPS), "--seconds", "600", "udp", "127.0.0.1",
                              str(hport)], stdout=subprocess.PIPE, text=True)
    try:
        b = node.finish(timeout=600)
    finally:
        flood.terminate()  # ours, by PID
        sent = flood.communicate(timeout=10)[0]
    assert b.status == qemu_status(0), str(b)
    assert f"blkcheck: verify offset=0 length={64 * MiB} ok" in line(b, "blkcheck: verify"), b
    assert host_check(lun, 41, 0, 64 * MiB) == "ok"
    # The keepalive was answered throughout: no NOP timeout, no reconnect.
    assert "lost" not in b.log and "reinstated" not in b.log, str(b)
    c = counters(b.log)
    print(f"{nic}: {c}; flood: {sent.strip()}")
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
    flood = subprocess.Popen(lan.wrap + [FLOOD, "--pps", str(PPS), "--seconds", "600", "udp",
                                         "10.77.0.2", "9"], stdout=subprocess.PIPE, text=True)
    try:
        b = node.finish(timeout=600)
    finally:
        flood.terminate()  # ours, by PID
        sent = flood.communicate(timeout=10)[0]
    assert b.status == qemu_status(0), str(b)
    assert host_check(lun, 41, 0, 64 * MiB) == "ok"
    assert "lost" not in b.log and "reinstated" not in b.log, str(b)
    c = counters(b.log)
    q0, q1 = queue_rx(b.log, 0), queue_rx(b.log, 1)
    print(f"mq: {c}; q0 rx {q0}, q1 rx {q1}; flood: {sent.strip()}")
    assert "2 RX / 2 TX queues" in b.log, str(b)
    # Nearly every storage frame came in on the storage queue (the first few,
    # before tun has seen the flow leave on queue 1, may not).
    assert q1 >= 0.9 * c["storage_rx"], str(b)
    assert c["icmp_limited"] > 0, str(b)
    # The storage queue's buffers are net-storage's, and it shows at exit.
    m = re.search(r"net-storage +(\d+) KiB of", b.log)
    assert m and int(m.group(1)) > 0, str(b)
