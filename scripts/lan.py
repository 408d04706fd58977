"""A private LAN for tests and benchmarks: a network namespace of our own with
a tap device for QEMU, and in it, as needed, a DHCP server (dnsmasq, DHCP
only: no DNS) and a tgtd.  A real Linux TCP stack on the far side of a real
L2 link, where QEMU's user network has slirp's.  Nothing the node sends
leaves the namespace.  Needs root and /dev/net/tun.
"""
import os
import pathlib
import subprocess
import time

from qemu import Nic
from tgt import Tgt

NS_ADDR = "10.77.0.1"  # the namespace's end of the tap


class Lan:
    """A namespace with a tap for QEMU, a DHCP server and a target."""

    def __init__(self, tmp_path, queues=1):
        """queues > 1: a multi-queue tap, for virtio-net with that many pairs."""
        self.tmp = pathlib.Path(tmp_path)
        self.ns = f"tetherlan{os.getpid()}"
        self.wrap = ["ip", "netns", "exec", self.ns]
        self.dnsmasq = None
        self.tgt = None
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"] +
                    (["multi_queue"] if queues > 1 else []),
                    ["ip", "addr", "add", f"{NS_ADDR}/24", "dev", "tap0"],
                    ["ip", "link", "set", "tap0", "up"]):
            subprocess.run(self.wrap + cmd, check=True)

    def target(self, iqn, **kw):
        """A tgtd in the namespace, listening on NS_ADDR:3260, with target 1."""
        os.makedirs(self.tmp / "tgt", exist_ok=True)
        self.tgt = Tgt(self.tmp / "tgt", netns=self.ns, addr=NS_ADDR).start()
        self.tgt.add_target(1, iqn, **kw)
        return self.tgt

    def dhcp(self, *options):
        """dnsmasq on tap0 only, DHCP only (port=0: no DNS), with these options."""
        self.dhcp_log = self.tmp / "dnsmasq.log"
        cmd = self.wrap + ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                           "--port=0", "--interface=tap0", "--bind-interfaces",
                           "--user=root", "--group=root", "--pid-file=",
                           f"--dhcp-leasefile={self.tmp / 'leases'}",
                           "--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,1h",
                           "--log-dhcp", f"--log-facility={self.dhcp_log}"]
        cmd += [f"--dhcp-option={o}" for o in options]
        self.dnsmasq = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        time.sleep(0.3)
        assert self.dnsmasq.poll() is None, "dnsmasq did not start: " + self.dhcp_log.read_text()

    @staticmethod
    def nic(model, queues=1):
        """QEMU's NIC on the tap; QEMU itself must run under self.wrap."""
        return Nic(model, kind="tap", tap="tap0", queues=queues)

    def close(self):
        if self.dnsmasq and self.dnsmasq.poll() is None:
            self.dnsmasq.terminate()  # ours, by PID
            self.dnsmasq.wait()
        if self.tgt:
            self.tgt.stop()
        subprocess.run(["ip", "netns", "del", self.ns])
