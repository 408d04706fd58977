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

from conftest import (FLOOD, IQN, MiB, NICS, Nic, free_port, host_check, line, netroot,
                      qemu_status)

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
