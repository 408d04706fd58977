"""System-test harness: boot tether in QEMU (TCG) and hand back what it said.

In the spirit of U-Boot's test/py: every test boots the real image, waits
under a timeout, and checks both QEMU's exit status and the serial log.
QEMU's command line comes from scripts/qemu.py, as for `make run` and
`make bench`; tether's exit convention (status N -> QEMU exits 33 + 2N) and
its exit codes come from there too, read from kernel/panic.h.

Fixtures: start_node (nodes that are always stopped), tgt and other_tgt (private tgtds),
lan (a network namespace with a tap, dnsmasq and tgtd), make_lun (LUN files).
"""
import hashlib
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from lan import NS_ADDR, Lan  # noqa: E402,F401  (re-exported for the tests)
from qemu import (BUILD, ELF, EXIT, IMAGE, QEMU, Nic, NodeError, Result,  # noqa: E402,F401
                  pxe_root, qemu_status)
import qemu  # noqa: E402
from tgt import Tgt, free_port  # noqa: E402,F401

EXIT_PANIC = EXIT["PANIC"]
EXIT_CMDLINE = EXIT["CMDLINE"]
EXIT_NOMEM = EXIT["NOMEM"]

MiB = 1 << 20
NICS = ["virtio-net-pci", "e1000"]
IQN = "iqn.2026-11.org.tether.test:disk"
PORTAL = "10.0.2.100"  # where a guestfwd relays the node to a test's tgtd
PATTERN = os.path.join(BUILD, "tools", "pattern")
FLOOD = os.path.join(BUILD, "tools", "flood")

Boot = Result


def boot(append="", mem=128, timeout=120, image=None, nics=(), extra=(), debug_exit=True,
         stop_on=None, pxe=None, nic="virtio-net-pci", wrap=()):
    """Boot the image, wait for it to end, and return its Result.

    Direct (-kernel) by default; with pxe=<tmpdir>, through Debian's iPXE ROM
    from QEMU's built-in DHCP/TFTP, as a cluster node boots (nic is then the
    model on that user network).  stop_on: a regex; when it shows up on
    serial, QEMU is stopped (for runs that do not end by themselves).
    """
    if pxe is not None:
        nics = [Nic(nic, tftp=pxe_root(pxe, append, image), bootfile="boot.ipxe")]
    return qemu.run(append=None if pxe is not None else append, image=image, mem=mem,
                    nics=nics, pxe=pxe is not None, debug_exit=debug_exit, wrap=wrap,
                    extra=extra, timeout=timeout, stop_on=stop_on, fail=stop_on is None)


@pytest.fixture(scope="session", autouse=True)
def image_built():
    if not os.path.exists(IMAGE):
        pytest.exit(f"{IMAGE} is missing: run 'make' first", returncode=2)


@pytest.fixture
def start_node():
    """Start nodes in the background (keywords as scripts/qemu.py's
    command()); every one is stopped, by PID, when the test ends."""
    started = []

    def start(append="", **kw):
        n = qemu.start(append=append, **kw)
        started.append(n)
        return n

    yield start
    for n in started:
        n.kill()


@pytest.fixture
def tgt(tmp_path):
    """A private tgtd on 127.0.0.1, stopped when the test ends."""
    t = Tgt(tmp_path).start()
    yield t
    t.stop()


@pytest.fixture
def other_tgt(tmp_path):
    """A second private tgtd, for redirects: stopped when the test ends."""
    os.makedirs(tmp_path / "other", exist_ok=True)
    t = Tgt(tmp_path / "other").start()
    yield t
    t.stop()


@pytest.fixture
def lan(tmp_path, request):
    """A network namespace of the test's own, with a tap for QEMU; a
    multi-queue tap with parametrize("lan", [QUEUES], indirect=True)."""
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun") or not shutil.which("ip"):
        pytest.skip("needs root, /dev/net/tun and ip")
    n = Lan(tmp_path, queues=getattr(request, "param", 1))
    yield n
    n.close()


@pytest.fixture
def make_lun(tmp_path):
    """make_lun(name, size): a sparse LUN backing file under the test's tmp dir."""
    def make(name="lun.img", size=96 * MiB):
        return lun_file(tmp_path, name, size)
    return make


def lun_file(dirpath, name="lun.img", size=96 * MiB):
    p = os.path.join(str(dirpath), name)
    with open(p, "wb") as f:
        f.truncate(size)
    return p


def netroot(target=IQN, creds="", portal=PORTAL):
    return f"netroot=iscsi:{creds}{portal}::3260:1:{target}"


def user_nic(t, model="virtio-net-pci", **kw):
    """The model on QEMU's user network, with a guestfwd relay to tgtd t."""
    return Nic(model, guestfwd=[t.guestfwd()], **kw)


def host_check(path, seed, off, length):
    r = subprocess.run([PATTERN, "check", path, str(seed), str(off), str(length)],
                       capture_output=True, text=True)
    return r.stdout.strip()


def pattern_sha256(seed, off, length):
    out = subprocess.run([PATTERN, "gen", str(seed), str(off), str(length)], check=True,
                         capture_output=True).stdout
    return hashlib.sha256(out).hexdigest()


def line(b, prefix):
    found = [l for l in b.log.splitlines() if prefix in l]
    assert found, f"no line with {prefix!r}:\n{b.log}"
    return found[-1]
