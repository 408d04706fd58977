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
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
from tgt import Tgt  # noqa: E402

B = os.environ.get("B", os.path.join(ROOT, "build"))
IQN = "iqn.2026-11.org.tether:run"
MiB = 1 << 20
SIZE = int(os.environ.get("RUN_MIB", "64")) * MiB
NIC = os.environ.get("RUN_NIC", "virtio-net-pci")


def selftest():
    print("== self-checks: booting build/tether.bin with -kernel, app=selftest", flush=True)
    st = subprocess.call(["qemu-system-x86_64", "-nodefaults", "-machine", "pc", "-m", "128",
                          "-display", "none", "-no-reboot", "-serial", "stdio",
                          "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                          "-kernel", os.path.join(B, "tether.bin"), "-append", "app=selftest"],
                         stdin=subprocess.DEVNULL)
    print(f"== selftest: QEMU exit status {st} (tether exit {(st - 33) // 2 if st >= 33 else '?'})")
    return st == 33


def main():
    if not selftest():
        sys.exit(1)
    work = os.path.join(B, "run")
    shutil.rmtree(work, ignore_errors=True)
    tftp = os.path.join(work, "tftp")
    os.makedirs(tftp)
    lun = os.path.join(work, "lun.img")
    shutil.copy(os.path.join(B, "tether.bin"), tftp)
    args = (f"app=blkcheck netroot=iscsi:10.0.2.100::3260:1:{IQN} -- "
            f"info write 1 0 {SIZE} verify 1 0 {SIZE}")
    with open(os.path.join(tftp, "boot.ipxe"), "w") as f:
        f.write(f"#!ipxe\nkernel tftp://10.0.2.2/tether.bin {args}\nboot\n")

    tgt = Tgt(work).start()
    status = 1
    try:
        tgt.add_target(1, IQN, lun, size=SIZE + 32 * MiB)
        print(f"== target {IQN} on 127.0.0.1:{tgt.port}, LUN 1 = {lun}")
        print(f"== PXE-booting a node ({NIC}) through iPXE: {args}")
        cmd = ["qemu-system-x86_64", "-nodefaults", "-machine", "pc", "-m", "128",
               "-display", "none", "-no-reboot", "-serial", "stdio",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-boot", "n",
               "-netdev", f"user,id=n0,restrict=on,tftp={tftp},bootfile=boot.ipxe,"
                          f"{tgt.guestfwd(single=True)}",
               "-device", f"{NIC},netdev=n0"]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        log = []
        first = ready = None
        for raw in p.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            print(line, flush=True)
            log.append(line)
            if first is None:
                first = time.monotonic() - t0
            if ready is None and re.search(r"iscsi: LUN \d+:", line):
                ready = time.monotonic() - t0
        status = p.wait()
        text = "\n".join(log)
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
        print(f"== QEMU exit status {status} (tether exit {(status - 33) // 2 if status >= 33 else '?'})")
        if check != "ok":
            status = 1
    finally:
        tgt.stop()
        print("== target stopped")
    sys.exit(0 if status == 33 else 1)


if __name__ == "__main__":
    main()
