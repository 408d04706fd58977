#!/usr/bin/python3
"""tether benchmarks: print figures and write them to build/bench.json.

Figures, not assertions: nothing here passes or fails on speed.  Everything
runs under TCG on this machine; compare with the Linux diskless node in
FIELD-NOTES (7.2-7.9 s to disk, write 19-24 MB/s, read 54-66 MB/s, 4 KiB
random reads at queue depth 1: 1.4-2.4k IOPS).

  image      text, data, bss, boot image bytes; smallest -m that boots
  boot       QEMU start to app_main (direct -kernel), median of 5
  net        TCP through slirp, both directions, virtio-net and e1000
  storage    against a private tgtd: sequential 1 MiB I/O at queue depth 1
             and 32, 4 KiB random reads at queue depth 1 and 32, and QEMU
             start to LUN ready for direct and PXE boot
  storage-tap  the same I/O over a tap in a network namespace of our own,
             to a tgtd inside it: a real Linux TCP peer instead of slirp
             (needs root and /dev/net/tun; skipped otherwise)
  flood      raw storage MB/s unloaded and under UDP floods of 5k, 20k and
             unpaced packets/s, with host idle CPU; build/bench/flood.png
             (scripts/flood_bench.py)
"""
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import qemu
from qemu import BUILD as B, ELF, IMAGE as IMG, Nic, qemu_status
from tgt import Tgt, free_port
from lan import NS_ADDR, Lan
from flood_bench import flood

ROOT = qemu.ROOT
RUNS = 5
MiB = 1 << 20
IQN = "iqn.2026-11.org.tether:bench"
OK = qemu_status(0)


def run_node(timeout=900, watch=(), **node):
    """Run a node (scripts/qemu.py keywords); return (status, log, {regex:
    host seconds from QEMU's start to its first match})."""
    r = qemu.run(timeout=timeout, watch=watch, fail=False, **node)
    return r.status, r.log, r.seen


def image():
    out = subprocess.run(["size", ELF], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    res = {"text": text, "data": data, "bss": bss, "image_bytes": os.path.getsize(IMG)}
    smallest = None
    for mem in range(8, 33):
        st, _, _ = run_node(append="app=selftest -- libc", mem=mem, timeout=60)
        if st == OK:
            smallest = mem
            break
    res["smallest_m_mib"] = smallest
    print(f"image: text {text} B, data {data} B, bss {bss} B; boot image {res['image_bytes']} B; "
          f"smallest -m that boots: {smallest} MiB")
    return res


def boot_time():
    host, guest = [], []
    for _ in range(RUNS):
        st, log, seen = run_node(append="app=selftest -- libc", watch=[r"app: starting"])
        m = re.search(r"\[ *([\d.]+)\] app: starting", log)
        if st != OK or not m:
            sys.exit("bench: the node never reached app_main; run 'make run-selftest' to see why")
        host.append(seen[r"app: starting"])
        guest.append(float(m.group(1)))
    res = {"median_s": statistics.median(host), "runs": host,
           "guest_clock_median_s": statistics.median(guest)}
    print(f"boot to app_main (QEMU start, direct -kernel, TCG, median of {RUNS}): "
          f"{res['median_s'] * 1000:.0f} ms (guest clock {res['guest_clock_median_s'] * 1000:.0f} ms)")
    return res


def net_push(nic, n=64 * MiB):
    """Host -> guest: the node's netsink checks the pattern and reports MiB/s."""
    hport = free_port()
    args = dict(append=f"app=netsink -- 5001 {n}",
                nics=[Nic(nic, hostfwd=[f"tcp:127.0.0.1:{hport}-:5001"])])
    pat = bytes(i % 251 for i in range(251 * 4096))
    out = {}

    def node():
        out["r"] = run_node(timeout=600, **args)

    th = threading.Thread(target=node)
    th.start()
    time.sleep(1.5)
    for _ in range(100):
        try:
            s = socket.create_connection(("127.0.0.1", hport), timeout=5)
            break
        except OSError:
            time.sleep(0.2)
    sent = 0
    while sent < n:
        k = min(len(pat), n - sent)
        s.sendall(pat[:k])
        sent += k
    s.shutdown(socket.SHUT_WR)
    th.join()
    s.close()
    m = re.search(r"netsink: .* ([\d.]+) MiB/s", out["r"][1])
    return float(m.group(1)) if m and "matches the pattern" in out["r"][1] else None


def net_pull(nic, n=64 * MiB):
    """Guest -> host: the node's netsource sends through a guestfwd relay to us."""
    port = free_port()
    ls = socket.socket()
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(120)
    fwd = f"guestfwd=tcp:10.0.2.100:5002-cmd:socat - TCP:127.0.0.1:{port}"
    args = dict(append=f"app=netsource -- 10.0.2.100 5002 {n}", nics=[Nic(nic, guestfwd=[fwd])])
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", run_node(timeout=600, **args)))
    th.start()
    got = 0
    try:
        c, _ = ls.accept()
        c.settimeout(120)
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            got += len(b)
        c.close()
    finally:
        ls.close()
    th.join()
    m = re.search(r"netsource: .* ([\d.]+) MiB/s", out["r"][1])
    return float(m.group(1)) if m and got == n else None


def net():
    res = {}
    for nic in ["virtio-net-pci", "e1000"]:
        res[nic] = {"host_to_guest_MiBps": net_push(nic), "guest_to_host_MiBps": net_pull(nic)}
        print(f"net {nic}: host->guest {res[nic]['host_to_guest_MiBps']} MiB/s, "
              f"guest->host {res[nic]['guest_to_host_MiBps']} MiB/s "
              f"(Linux guest through slirp: ~100 and ~35 MiB/s)")
    return res


# The storage job: 64 MiB sequential at QD1 and QD32 (1 MiB I/Os), then 4 KiB
# random reads at QD1 and QD32.
STORAGE_CMDS = (f"qd 1 write 1 0 {64 * MiB} verify 1 0 {64 * MiB} "
                f"qd 32 write 2 0 {64 * MiB} verify 2 0 {64 * MiB} "
                f"iosize 4096 qd 1 randread 2000 qd 32 randread 4000")


def storage_job(**node):
    """Run STORAGE_CMDS on a node; return its figures and the QEMU-start-to-LUN time."""
    st, log, seen = run_node(watch=[r"iscsi: LUN \d+:"], **node)
    w = [float(x) for x in re.findall(r"blkcheck: write .* MBps=([\d.]+)", log)]
    r = [float(x) for x in re.findall(r"blkcheck: verify .* ok MBps=([\d.]+)", log)]
    iops = [float(x) for x in re.findall(r"blkcheck: randread .* IOPS=([\d.]+)", log)]
    if st != OK or len(w) != 2 or len(r) != 2 or len(iops) != 2:
        print(log)
        sys.exit("bench: the storage run failed; see the log above")
    return {"seq_write_MBps": {"qd1": w[0], "qd32": w[1]},
            "seq_read_MBps": {"qd1": r[0], "qd32": r[1]},
            "rand4k_read_IOPS": {"qd1": iops[0], "qd32": iops[1]},
            "lun_ready_direct_s": seen.get(r"iscsi: LUN \d+:")}


def print_storage(res, how):
    print(f"storage ({how}, 64 MiB, 1 MiB I/Os): write {res['seq_write_MBps']['qd1']} "
          f"MB/s at QD1, {res['seq_write_MBps']['qd32']} at QD32; read "
          f"{res['seq_read_MBps']['qd1']} MB/s at QD1, {res['seq_read_MBps']['qd32']} at QD32 "
          f"(Linux through slirp: write 19-24, read 54-66)")
    print(f"storage ({how}) 4 KiB random reads: {res['rand4k_read_IOPS']['qd1']:.0f} IOPS at "
          f"QD1, {res['rand4k_read_IOPS']['qd32']:.0f} at QD32 (Linux QD1: 1.4-2.4k)")


def storage():
    work = tempfile.mkdtemp(prefix="tether-bench-")
    tgt = Tgt(work).start()
    res = {}
    try:
        lun = os.path.join(work, "lun.img")
        tgt.add_target(1, IQN, lun, size=160 * MiB)
        fwd = [tgt.guestfwd(single=True)]
        root = f"netroot=iscsi:10.0.2.100::3260:1:{IQN}"
        res = storage_job(append=f"app=blkcheck {root} -- {STORAGE_CMDS}",
                          nics=[Nic("virtio-net-pci", guestfwd=fwd)])
        tftp = qemu.pxe_root(work, f"app=blkcheck {root} -- info")
        st, log, seen = run_node(append=None, pxe=True,
                                 nics=[Nic("virtio-net-pci", guestfwd=fwd, tftp=tftp,
                                           bootfile="boot.ipxe")],
                                 watch=[r"iscsi: LUN \d+:"])
        res["lun_ready_pxe_s"] = seen.get(r"iscsi: LUN \d+:")
    finally:
        tgt.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_storage(res, "virtio-net, slirp, tgtd")
    print(f"QEMU start to LUN ready: direct {res['lun_ready_direct_s']:.2f} s, PXE through iPXE "
          f"{res['lun_ready_pxe_s']:.2f} s (Linux: 7.2-7.9 s)")
    return res


def storage_tap():
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        print("storage-tap: skipped (needs root and /dev/net/tun)")
        return None
    work = tempfile.mkdtemp(prefix="tether-bench-")
    lan = Lan(work)
    res = {}
    try:
        lun = os.path.join(work, "lun.img")
        lan.target(IQN, backing=lun, size=160 * MiB)
        keys = (f"ip=10.77.0.2:::255.255.255.0::eth0:none "
                f"netroot=iscsi:{NS_ADDR}::3260:1:{IQN}")
        for nic in ["virtio-net-pci", "e1000"]:
            res[nic] = storage_job(append=f"app=blkcheck {keys} -- {STORAGE_CMDS}",
                                   nics=[lan.nic(nic)], wrap=lan.wrap)
            print_storage(res[nic], f"{nic}, tap, tgtd")
    finally:
        lan.close()
        shutil.rmtree(work, ignore_errors=True)
    return res


def main():
    parts = [("image", image), ("boot", boot_time), ("net", net), ("storage", storage),
             ("storage-tap", storage_tap), ("flood", flood)]
    only = sys.argv[1:] or [name for name, _ in parts]
    res = {}
    path = os.path.join(B, "bench.json")
    if os.path.exists(path):
        with open(path) as f:
            res = json.load(f)
    for name, fn in parts:
        if name in only:
            res[name] = fn()
    res["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    res["load_average"] = os.getloadavg()
    with open(path, "w") as f:
        json.dump(res, f, indent=2)
    print(f"written to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
