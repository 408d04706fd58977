#!/usr/bin/python3
"""make run: the main job, end to end on this machine.

  0. boot the image once with -kernel and run its selftest app (banner,
     partition map, every foundation check);
  1. start a private tgtd on 127.0.0.1 with a file LUN under build/run/;
  2. PXE-boot a node in QEMU through Debian's iPXE ROM (QEMU's own DHCP and
     TFTP serve it an iPXE script, as a cluster's boot server would);
  3. the node logs in to the target (netroot= on its command line);
  4. blkcheck writes a pattern, flushes, and reads it back to verify it;
  5. print the figures; the host also checks the LUN's backing file;
  6. stop the target.

The node's network is QEMU's user mode with restrict=on: it reaches nothing
but QEMU's DHCP/TFTP and a guestfwd relay to our tgtd.
"""
import os
import re
import shutil
import subprocess
import sys

import qemu
from qemu import BUILD as B, IMAGE, Nic, qemu_status, tether_exit
from tgt import Tgt

IQN = "iqn.2026-11.org.tether:run"
MiB = 1 << 20
SIZE = int(os.environ.get("RUN_MIB", "64")) * MiB
NIC = os.environ.get("RUN_NIC", "virtio-net-pci")


def selftest(append="app=selftest"):
    print(f"== self-checks: booting {os.path.relpath(IMAGE)} with -kernel, {append}", flush=True)
    r = qemu.run(append=append, echo=True, timeout=120, fail=False)
    print(f"== selftest: QEMU exit status {r.status} (tether exit {tether_exit(r.status)})")
    return r.status == qemu_status(0)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "selftest":
        sys.exit(0 if selftest(" ".join(sys.argv[2:]) or "app=selftest") else 1)
    if not selftest():
        sys.exit(1)
    work = os.path.join(B, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    lun = os.path.join(work, "lun.img")
    args = (f"app=blkcheck netroot=iscsi:10.0.2.100::3260:1:{IQN} -- "
            f"info write 1 0 {SIZE} verify 1 0 {SIZE}")
    tftp = qemu.pxe_root(work, args)

    tgt = Tgt(work).start()
    status = 1
    try:
        tgt.add_target(1, IQN, lun, size=SIZE + 32 * MiB)
        print(f"== target {IQN} on 127.0.0.1:{tgt.port}, LUN 1 = {lun}")
        print(f"== PXE-booting a node ({NIC}) through iPXE: {args}")
        nic = Nic(NIC, tftp=tftp, bootfile="boot.ipxe", guestfwd=[tgt.guestfwd(single=True)])
        ready_rx = r"iscsi: LUN \d+:"
        r = qemu.run(append=None, pxe=True, nics=[nic], echo=True, timeout=1800, fail=False,
                     watch=[r".", ready_rx])
        status, text = r.status, r.log
        first, ready = r.seen.get(r"."), r.seen.get(ready_rx)
        w = re.search(r"blkcheck: write .* MBps=([\d.]+)", text)
        v = re.search(r"blkcheck: verify .* ok MBps=([\d.]+)", text)
        check = subprocess.run([os.path.join(B, "tools", "pattern"), "check", lun, "1", "0",
                                str(SIZE)], capture_output=True, text=True).stdout.strip()
        print("== figures (TCG, this machine; Linux diskless node: 7.2-7.9 s to disk, "
              "write 19-24 MB/s, read 54-66 MB/s)")
        if first is not None:
            print(f"   QEMU start to first tether line (iPXE's PXE boot): {first:.1f} s")
        if ready is not None:
            print(f"   QEMU start to LUN ready: {ready:.1f} s")
        print(f"   write {w.group(1) if w else '?'} MB/s, read-verify "
              f"{v.group(1) if v else '?'} MB/s ({SIZE // MiB} MiB, 1 MiB I/Os, queue depth 32)")
        print(f"   host check of the LUN's backing file: {check}")
        print(f"== QEMU exit status {status} (tether exit {tether_exit(status)})")
        if check != "ok":
            status = 1
    finally:
        tgt.stop()
        print("== target stopped")
    sys.exit(0 if status == qemu_status(0) else 1)


if __name__ == "__main__":
    main()
