"""System-test harness: boot tether in QEMU (TCG) and hand back what it said.

In the spirit of U-Boot's test/py: every test boots the real image, waits
under a timeout, and checks both QEMU's exit status and the serial log.
tether's exit convention: status N -> QEMU exits 33 + 2N (see README).
"""
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("B", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("TETHER_IMAGE", os.path.join(BUILD, "tether.bin"))
ELF = os.path.join(BUILD, "tether.elf")
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"

EXIT_PANIC = 100
EXIT_CMDLINE = 101
EXIT_NOMEM = 102


def qemu_status(n):
    """QEMU's exit status for a tether exit status n."""
    return 33 + 2 * n


@dataclass
class Boot:
    status: int
    log: str
    seconds: float
    cmd: list

    @property
    def tether_exit(self):
        m = re.search(r"tether: exit (\d+)", self.log)
        return int(m.group(1)) if m else None

    def lines(self, needle):
        return [l for l in self.log.splitlines() if needle in l]

    def require(self, *needles):
        for n in needles:
            assert n in self.log, f"expected {n!r} in the serial log:\n{self.log}"

    def __str__(self):
        return f"status {self.status} after {self.seconds:.1f}s\n{self.log}"


def pxe_dir(tmpdir, append, image=None):
    """A TFTP root holding the image and the iPXE script an admin would write."""
    tftp = os.path.join(str(tmpdir), "tftp")
    os.makedirs(tftp, exist_ok=True)
    shutil.copy(image or IMAGE, os.path.join(tftp, "tether.bin"))
    with open(os.path.join(tftp, "boot.ipxe"), "w") as f:
        f.write(f"#!ipxe\nkernel tftp://10.0.2.2/tether.bin {append}\nboot\n")
    return tftp


def boot(append="", mem=128, timeout=120, image=None, extra=(), debug_exit=True, stop_on=None,
         pxe=None, nic="virtio-net-pci", direct=True, wrap=()):
    """Boot the image and return a Boot.

    Direct (-kernel) by default; with pxe=<tmpdir>, through Debian's iPXE ROM
    from QEMU's built-in DHCP/TFTP, as a cluster node boots.  The user network
    is restrict=on: the node can reach nothing but slirp's own services.
    stop_on: a regex; when it shows up on serial, QEMU is stopped (for runs
    that do not end by themselves, e.g. without isa-debug-exit).
    direct=False: no -kernel at all; extra carries the boot method.
    wrap: a command prefix, e.g. ip netns exec NS to run QEMU in a namespace.
    """
    cmd = list(wrap) + [QEMU, "-nodefaults", "-machine", "pc", "-m", str(mem), "-display", "none",
           "-no-reboot", "-serial", "stdio"]
    if pxe is not None:
        tftp = pxe_dir(pxe, append, image)
        cmd += ["-boot", "n", "-netdev",
                f"user,id=n0,restrict=on,tftp={tftp},bootfile=boot.ipxe",
                "-device", f"{nic},netdev=n0"]
    elif direct:
        cmd += ["-kernel", image or IMAGE, "-append", append]
    if debug_exit:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    cmd += list(extra)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    out = []
    try:
        deadline = t0 + timeout
        os.set_blocking(proc.stdout.fileno(), False)
        buf = b""
        while True:
            chunk = proc.stdout.read()
            if chunk:
                buf += chunk
                if stop_on and re.search(stop_on, buf.decode(errors="replace")):
                    break
            elif proc.poll() is not None:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        out.append(buf)
    finally:
        if proc.poll() is None:
            proc.kill()  # ours, by PID
            proc.wait()
        rest = proc.stdout.read() or b""
        out.append(rest)
    log = b"".join(out).decode(errors="replace").replace("\r\n", "\n")
    took = time.monotonic() - t0
    if proc.returncode is not None and proc.returncode < 0 and not stop_on:
        pytest.fail(f"QEMU did not finish within {timeout}s: {' '.join(cmd)}\n{log}")
    return Boot(proc.returncode, log, took, cmd)


@pytest.fixture(scope="session", autouse=True)
def image_built():
    if not os.path.exists(IMAGE):
        pytest.exit(f"{IMAGE} is missing: run 'make' first", returncode=2)


class Node:
    """A node booted in the background, for tests that talk to it while it runs."""

    def __init__(self, append, extra=(), mem=128, debug_exit=True):
        self.cmd = [QEMU, "-nodefaults", "-machine", "pc", "-m", str(mem), "-display", "none",
                    "-no-reboot", "-serial", "stdio", "-kernel", IMAGE, "-append", append]
        if debug_exit:
            self.cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        self.cmd += list(extra)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""

    def _pump(self):
        chunk = self.proc.stdout.read()
        if chunk:
            self.buf += chunk
        return chunk

    @property
    def log(self):
        return self.buf.decode(errors="replace").replace("\r\n", "\n")

    def wait_for(self, regex, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._pump()
            m = re.search(regex, self.log)
            if m:
                return m
            if self.proc.poll() is not None:
                self._pump()
                break
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"{regex!r} did not appear on serial within {timeout}s:\n{self.log}")

    def finish(self, timeout=120):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._pump()
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.kill()
            pytest.fail(f"the node did not finish within {timeout}s:\n{self.log}")
        self._pump()
        return Boot(self.proc.returncode, self.log, time.monotonic() - self.t0, self.cmd)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()  # ours, by PID
            self.proc.wait()
