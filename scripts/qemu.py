"""tether under QEMU: the one place that writes QEMU's command line.

The system tests, `make run`, `make run-selftest` and `make bench` all start
nodes through this module.  A node is described by keyword arguments:

  append      the kernel command line (direct boot with -kernel)
  image       the image to boot (default build/tether.bin)
  mem         MiB of RAM (-m)
  nics        a list of Nic: device model and backend (user, tap, socket, hub)
  pxe         a Nic's user network serves tftp/bootfile and QEMU boots from it
              (-boot n) instead of -kernel
  debug_exit  the isa-debug-exit device, so tether's exit status becomes QEMU's
  serial      "stdio" (read through the Node), or "file:PATH"
  wrap        a command prefix (ip netns exec NS) to run QEMU inside
  extra       anything else (before the NICs: a PCI bridge they sit on)

Exit statuses follow kernel/panic.h: tether exit N makes QEMU exit 33 + 2N;
the TETHER_EXIT_* codes are read from that header, never copied.

Nodes are started with start() and stopped by PID only (never by name).
"""
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("B", os.path.join(ROOT, "build"))
IMAGE = os.environ.get("TETHER_IMAGE", os.path.join(BUILD, "tether.bin"))
ELF = os.path.join(BUILD, "tether.elf")
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"


def _exit_codes():
    codes = {}
    with open(os.path.join(ROOT, "kernel", "panic.h")) as f:
        for m in re.finditer(r"#define TETHER_EXIT_(\w+)\s+(\d+)", f.read()):
            codes[m.group(1)] = int(m.group(2))
    return codes


EXIT = _exit_codes()  # {"OK": 0, "PANIC": 100, "CMDLINE": 101, "NOMEM": 102, "MAX": 111}


def qemu_status(n):
    """QEMU's exit status for tether exit status n."""
    return 33 + 2 * n


def tether_exit(status):
    """tether's exit status from QEMU's, or None if QEMU did not exit through tether."""
    if status is None or status < 33 or (status - 33) % 2:
        return None
    return (status - 33) // 2


@dataclass
class Nic:
    """One NIC and its backend.

    kind: "user" (slirp, restrict=on: only its DHCP/TFTP and the forwards
    given reach anything), "tap" (an existing tap, e.g. in a test's own
    namespace), "socket" (QEMU's UDP socket netdev, args in socket), "hub"
    (a hub port with nothing else on it: a link that carries nothing), or
    "none" (a device without a backend).
    """
    model: str = "virtio-net-pci"      # with options: "virtio-net-pci,vectors=0"
    kind: str = "user"
    hostfwd: list = field(default_factory=list)   # "tcp:127.0.0.1:HPORT-:GPORT", ...
    guestfwd: list = field(default_factory=list)  # as Tgt.guestfwd() returns them
    net: str = None                    # user: the subnet, e.g. "10.0.3.0/24"
    tftp: str = None                   # user: a TFTP root, with bootfile
    bootfile: str = None
    tap: str = "tap0"
    queues: int = 1                    # tap: queue pairs (virtio-net multiqueue)
    socket: str = None                 # socket: "udp=127.0.0.1:P,localaddr=127.0.0.1:Q"
    device_opts: str = ""              # appended to -device, e.g. "bus=br1,addr=1"

    def args(self, i):
        nid = f"n{i}"
        if self.kind == "user":
            opts = ["user", f"id={nid}", "restrict=on"]
            if self.net:
                opts.append(f"net={self.net}")
            if self.tftp:
                opts += [f"tftp={self.tftp}", f"bootfile={self.bootfile}"]
            opts += [f"hostfwd={h}" for h in self.hostfwd]
            opts += self.guestfwd
            netdev = ",".join(opts)
        elif self.kind == "tap":
            netdev = f"tap,id={nid},ifname={self.tap},script=no,downscript=no"
            if self.queues > 1:
                netdev += f",queues={self.queues}"
        elif self.kind == "socket":
            netdev = f"socket,id={nid},{self.socket}"
        elif self.kind == "hub":
            netdev = f"hubport,id={nid},hubid={i}"
        elif self.kind == "none":
            return ["-device", self.model + (f",{self.device_opts}" if self.device_opts else "")]
        else:
            raise ValueError(f"unknown NIC backend {self.kind!r}")
        dev = f"{self.model},netdev={nid}"
        if self.queues > 1:
            dev += f",mq=on,vectors={2 * self.queues + 2}"
        if self.device_opts:
            dev += f",{self.device_opts}"
        return ["-netdev", netdev, "-device", dev]


def pxe_root(workdir, append, image=None):
    """A TFTP root holding the image and the iPXE script an admin would write."""
    tftp = os.path.join(str(workdir), "tftp")
    os.makedirs(tftp, exist_ok=True)
    shutil.copy(image or IMAGE, os.path.join(tftp, "tether.bin"))
    with open(os.path.join(tftp, "boot.ipxe"), "w") as f:
        f.write(f"#!ipxe\nkernel tftp://10.0.2.2/tether.bin {append}\nboot\n")
    return tftp


def command(append="", image=None, mem=128, nics=(), pxe=False, debug_exit=True,
            serial="stdio", wrap=(), extra=()):
    """QEMU's argument list for one node."""
    cmd = list(wrap) + [QEMU, "-nodefaults", "-machine", "pc", "-m", str(mem),
                        "-display", "none", "-no-reboot", "-serial", serial]
    if pxe:
        cmd += ["-boot", "n"]
    elif append is not None:
        cmd += ["-kernel", image or IMAGE, "-append", append]
    if debug_exit:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    cmd += list(extra)  # before the NICs: a bridge they sit on, devices that take PCI slots
    for i, nic in enumerate(nics):
        cmd += nic.args(i)
    return cmd


class NodeError(AssertionError):
    """A node did not do what was expected in time; the message has its log."""


@dataclass
class Result:
    status: int
    log: str
    seconds: float
    cmd: list
    seen: dict = field(default_factory=dict)  # watched regex -> seconds to its first match

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


class Node:
    """A running QEMU whose serial console we read (serial="stdio").

    echo: also print each serial line as it arrives (make run).  watch:
    regexes whose first appearance is timed, in host seconds from the start
    (the bench's boot figures), in self.seen.
    """

    def __init__(self, cmd, echo=False, watch=()):
        self.cmd = cmd
        self.echo = echo
        self.watch = list(watch)
        self.seen = {}
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""
        self._printed = 0

    def _pump(self):
        chunk = self.proc.stdout.read()
        if chunk:
            self.buf += chunk
            self._observe()
        return chunk

    def _observe(self):
        text = self.log
        for rx in self.watch:
            if rx not in self.seen and re.search(rx, text):
                self.seen[rx] = time.monotonic() - self.t0
        if self.echo:
            end = text.rfind("\n") + 1
            if end > self._printed:
                print(text[self._printed:end], end="", flush=True)
                self._printed = end

    @property
    def log(self):
        return self.buf.decode(errors="replace").replace("\r\n", "\n")

    def poll(self):
        """Read what serial has said so far, without waiting; the whole log."""
        self._pump()
        return self.log

    @property
    def running(self):
        return self.proc.poll() is None

    def wait_for(self, regex, timeout=60):
        """The first match of regex on serial; NodeError (and the node
        stopped) if it does not appear in time or the node ends first."""
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
        raise NodeError(f"{regex!r} did not appear on serial within {timeout}s:\n{self.log}")

    def finish(self, timeout=120, stop_on=None, fail=True):
        """Wait for QEMU to exit (or for stop_on to appear, then stop it).
        With fail=False a node still running at the deadline is stopped and
        its result returned with status None."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._pump()
            if stop_on and re.search(stop_on, self.log):
                self.kill()
                break
            time.sleep(0.02)
        timed_out = self.proc.poll() is None
        if timed_out:
            self.kill()
        self._pump()
        if timed_out and fail:
            raise NodeError(f"QEMU did not finish within {timeout}s: {' '.join(self.cmd)}\n"
                            f"{self.log}")
        status = None if timed_out else self.proc.returncode
        return Result(status, self.log, time.monotonic() - self.t0, self.cmd, dict(self.seen))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()  # ours, by PID
            self.proc.wait()
        try:
            self._pump()
        except (ValueError, OSError):
            pass


def start(echo=False, watch=(), **node):
    """Start a node (see command() for the keywords) and return its Node."""
    return Node(command(**node), echo=echo, watch=watch)


def run(timeout=120, stop_on=None, echo=False, watch=(), fail=True, **node):
    """Boot a node, wait for it to end, and return its Result."""
    n = start(echo=echo, watch=watch, **node)
    try:
        return n.finish(timeout=timeout, stop_on=stop_on, fail=fail)
    finally:
        n.kill()
