"""make bench BENCH=flood: storage throughput while unrelated packets flood
the node, side by side with the same run unloaded.

For each configuration the node runs blkcheck's raw commands (one buffer,
no pattern, no hashing: the storage path's own speed) against a private
tgtd, unloaded and under a UDP flood to a closed port (tests/tools/flood.c
through a hostfwd on 127.0.0.1) paced at 5k and 20k packets/s and unpaced.
It prints raw write and read MB/s, the loaded/unloaded ratios, the general
drops and ICMP replies held back, and the host's idle CPU during each run
(this machine has 2 shared cores: a saturated host shows).  A second run
records MB/s once a second while a 20k flood starts and stops, and draws
build/bench/flood.png.

Configurations: QEMU's user network (one queue) with virtio-net and with
e1000; a multi-queue tap with virtio-net (storage on queue pair 1); two NICs
with storage on the second (rd.iscsi.iface=).  The last two need root.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

import qemu
from lan import NS_ADDR, Lan
from qemu import BUILD, Nic, qemu_status
from tgt import Tgt, free_port

MiB = 1 << 20
IQN = "iqn.2026-11.org.tether:flood"
FLOOD = os.path.join(BUILD, "tools", "flood")
SIZE = 64 * MiB
LOADS = [("unloaded", None), ("5k", 5000), ("20k", 20000), ("unpaced", 0)]
NODE_IP = "10.77.0.2"  # the node on the namespace LAN
NOT_BUILT = []
# A Linux diskless node (open-iscsi) on the same host, virtio-net, slirp
# (the issue's measurements): MB/s and the share kept under load.
LINUX = {"write": {"unloaded": 23.7, "20k": 8.9, "unpaced": 1.3},
         "read": {"unloaded": 65.0, "20k": 22.0, "unpaced": 6.7}}
GOAL = "under 20k pkt/s keep >= 60% on one queue, >= 80% on mq tap and two NICs (Linux ~35%)"


def cpu_times():
    """(idle, total) jiffies of all CPUs together, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v[:8])


def idle_since(t0):
    idle, total = cpu_times()
    di, dt = idle - t0[0], total - t0[1]
    return round(100.0 * di / dt, 1) if dt > 0 else None


def counters(log):
    c = {}
    for q in re.finditer(r"eth0: q\d+ rx .*drops:(.*)", log):
        for k, v in re.findall(r"(\w+)=(\d+)", q.group(1)):
            c["drop_" + k] = c.get("drop_" + k, 0) + int(v)
    m = re.search(r"icmp-limited (\d+)", log)
    if m:
        c["icmp_limited"] = int(m.group(1))
    return c


class UserNet:
    """QEMU's user network: tgtd through a guestfwd, the flood through a
    UDP hostfwd on 127.0.0.1."""

    def __init__(self, tgt, nic):
        self.tgt, self.nic, self.hport = tgt, nic, free_port()

    def node(self, cmds):
        return dict(append=f"app=blkcheck netroot=iscsi:10.0.2.100::3260:1:{IQN} -- {cmds}",
                    nics=[Nic(self.nic, guestfwd=[self.tgt.guestfwd(single=True)],
                              hostfwd=[f"udp:127.0.0.1:{self.hport}-:9"])])

    def flood_cmd(self):
        return [FLOOD, "udp", "127.0.0.1", str(self.hport)]


class MqTap:
    """virtio-net with two queue pairs on a multi-queue tap in our own
    namespace, tgtd in it; the flood comes from inside the namespace."""

    def __init__(self, lan):
        self.lan = lan

    def node(self, cmds):
        return dict(append=f"app=blkcheck ip={NODE_IP}:::255.255.255.0::eth0:none "
                           f"netroot=iscsi:{NS_ADDR}::3260:1:{IQN} -- {cmds}",
                    nics=[self.lan.nic("virtio-net-pci", queues=2)], wrap=self.lan.wrap)

    def flood_cmd(self):
        return self.lan.wrap + [FLOOD, "udp", NODE_IP, "9"]


class TwoNics:
    """eth0 on QEMU's user network, flooded through a hostfwd (inside our
    namespace, where QEMU runs); eth1 on the namespace LAN with dnsmasq and
    tgtd, named storage's by rd.iscsi.iface=."""

    def __init__(self, lan):
        self.lan, self.hport = lan, free_port()

    def node(self, cmds):
        return dict(append=f"app=blkcheck rd.iscsi.iface=eth1 "
                           f"netroot=iscsi:{NS_ADDR}::3260:1:{IQN} -- {cmds}",
                    nics=[Nic("virtio-net-pci", hostfwd=[f"udp:127.0.0.1:{self.hport}-:9"]),
                          self.lan.nic("virtio-net-pci")], wrap=self.lan.wrap)

    def flood_cmd(self):
        return self.lan.wrap + [FLOOD, "udp", "127.0.0.1", str(self.hport)]


def start_flood(setup, pps):
    cmd = setup.flood_cmd()
    at = cmd.index(FLOOD) + 1
    cmd[at:at] = ["--pps", str(pps), "--seconds", "900"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def stop_flood(p):
    if p is None:
        return None
    p.terminate()  # ours, by PID
    out = p.communicate(timeout=10)[0]
    m = re.search(r"pps=(\d+)", out)
    return int(m.group(1)) if m else None


def run_one(setup, pps):
    """One node: raw write, then raw read, under one load."""
    n = qemu.start(**setup.node(f"rawwrite 0 {SIZE} rawread 0 {SIZE}"))
    flood = None
    try:
        n.wait_for(r"iscsi: LUN \d+:", timeout=180)
        t0 = cpu_times()
        if pps is not None:
            flood = start_flood(setup, pps)
        r = n.finish(timeout=900, fail=False)
        idle = idle_since(t0)
    finally:
        sent_pps = stop_flood(flood)
        n.kill()
    w = re.search(r"blkcheck: rawwrite .* MBps=([\d.]+)", r.log)
    rd = re.search(r"blkcheck: rawread .* MBps=([\d.]+)", r.log)
    ok = r.status == qemu_status(0) and w and rd
    res = {"write_MBps": float(w.group(1)) if ok else None,
           "read_MBps": float(rd.group(1)) if ok else None,
           "host_idle_pct": idle, "flood_pps_sent": sent_pps}
    res.update(counters(r.log))
    if not ok:
        res["error"] = f"QEMU status {r.status}; see the log"
        print(r.log[-3000:])
    return res


def ratio(x, base):
    return round(x / base, 2) if x is not None and base else None


def print_config(name, res):
    base = res["unloaded"]
    print(f"flood {name}: raw MB/s (loaded/unloaded), general drops, ICMP held back, "
          f"host idle CPU")
    for load, _ in LOADS:
        r = res[load]
        r["write_ratio"] = ratio(r["write_MBps"], base["write_MBps"])
        r["read_ratio"] = ratio(r["read_MBps"], base["read_MBps"])
        lw = LINUX["write"].get(load)
        lr = LINUX["read"].get(load)
        linux = (f"  (Linux: write {lw}, read {lr})" if lw else "")
        print(f"  {load:>9}: write {r['write_MBps']} ({r['write_ratio']}), read "
              f"{r['read_MBps']} ({r['read_ratio']}); drops general={r.get('drop_general', 0)}"
              f" nobuf={r.get('drop_nobuf', 0)}; icmp-limited {r.get('icmp_limited', 0)}; "
              f"idle {r['host_idle_pct']}%; flood sent {r['flood_pps_sent']} pkt/s{linux}")


def timeline(setup, total=1536 * MiB, on_at=6.0, off_at=14.0):
    """MB/s each second of one long raw read while a 20k flood starts and stops."""
    n = qemu.start(**setup.node(f"rawread 0 {total}"))
    flood, points, seen = None, [], 0
    window = [None, None]
    try:
        n.wait_for(r"iscsi: LUN \d+:", timeout=180)
        t0 = None
        while n.running:
            ticks = re.findall(r"blkcheck: rawread second=\d+ MBps=([\d.]+)", n.poll())
            now = time.monotonic()
            for v in ticks[seen:]:
                t0 = t0 if t0 is not None else now - 1.0
                points.append((round(now - t0, 2), float(v)))
            seen = len(ticks)
            if t0 is not None and flood is None and window[0] is None and now - t0 >= on_at:
                flood, window[0] = start_flood(setup, 20000), round(now - t0, 2)
            if flood is not None and now - t0 >= off_at:
                stop_flood(flood)
                flood, window[1] = None, round(now - t0, 2)
            time.sleep(0.05)
    finally:
        stop_flood(flood)
        n.kill()
    return {"points": points, "flood_on_s": window[0], "flood_off_s": window[1]}


def plot(tl, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, t in tl.items():
        if t["points"]:
            xs, ys = zip(*t["points"])
            ax.plot(xs, ys, marker="o", label=name)
    first = next(iter(tl.values()))
    if first["flood_on_s"] is not None:
        ax.axvspan(first["flood_on_s"], first["flood_off_s"] or ax.get_xlim()[1],
                   color="red", alpha=0.15, label="UDP flood, 20k pkt/s")
    ax.set_xlabel("seconds")
    ax.set_ylabel("storage raw read, MB/s")
    ax.set_title("tether: storage while unrelated packets flood the node (TCG)")
    ax.legend()
    ax.grid(alpha=0.3)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def measure(name, setup, res, tl):
    res[name] = {load: run_one(setup, pps) for load, pps in LOADS}
    print_config(name, res[name])
    tl[name] = timeline(setup)


def flood():
    if not os.path.exists(FLOOD):
        print("flood: skipped (build/tools/flood is missing: make bench builds it)")
        return None
    work = tempfile.mkdtemp(prefix="tether-flood-")
    res, tl = {"goal": GOAL, "linux": LINUX, "not_built": NOT_BUILT}, {}
    tgt = Tgt(work).start()
    try:
        tgt.add_target(1, IQN, os.path.join(work, "lun.img"), size=1600 * MiB)
        for name, nic in [("user-virtio", "virtio-net-pci"), ("user-e1000", "e1000")]:
            measure(name, UserNet(tgt, nic), res, tl)
    finally:
        tgt.stop()
    if os.geteuid() == 0 and os.path.exists("/dev/net/tun"):
        for name, queues, setup in [("mq-tap-virtio", 2, MqTap), ("two-nics", 1, TwoNics)]:
            lan = Lan(os.path.join(work, name), queues=queues)
            try:
                lan.target(IQN, backing=os.path.join(work, f"{name}.img"), size=1600 * MiB)
                lan.dhcp()
                measure(name, setup(lan), res, tl)
            finally:
                lan.close()
    else:
        print("flood mq-tap-virtio, two-nics: skipped (needs root and /dev/net/tun)")
    shutil.rmtree(work, ignore_errors=True)
    res["timeline"] = tl
    path = os.path.join(BUILD, "bench", "flood.png")
    plot(tl, path)
    print(f"flood: MB/s per second as a 20k flood starts and stops: "
          f"{os.path.relpath(path, qemu.ROOT)}")
    print(f"flood: goal: {GOAL}")
    for n in NOT_BUILT:
        print(f"flood: {n}: not built yet, not measured")
    return res
