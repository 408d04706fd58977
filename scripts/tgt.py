"""A private tgtd for the system tests: its own control port and portal on
127.0.0.1, file-backed LUNs under the test's tmp dir, stopped by PID.

tgtd ignores SIGTERM while it has targets, so stop() deletes them first.
"""
import os
import random
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tgt:
    def __init__(self, workdir, port=None, control=None, netns=None, addr="127.0.0.1"):
        """netns: run tgtd (and tgtadm) inside that network namespace, which the
        test made itself; addr is then the portal address in it."""
        self.workdir = str(workdir)
        self.netns = netns
        self.addr = addr
        self.prefix = ["ip", "netns", "exec", netns] if netns else []
        self.port = port or (3260 if netns else free_port())
        # tgtd's control "port" names a Unix socket and must stay below 32768;
        # a random one keeps concurrent runs (tests, bench, make run) apart.
        self.control = control or random.randrange(1000, 32000)
        self.proc = None
        self.tids = []
        self.log = os.path.join(self.workdir, "tgtd.log")
        self.config = []

    # -- process -------------------------------------------------------------
    def start(self):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.prefix + ["tgtd", "-f", "-C", str(self.control), "--iscsi",
                           f"portal={self.addr}:{self.port}"],
            stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tgtd exited at start; see {self.log}")
            if self._listening():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"tgtd did not listen on {self.addr}:{self.port}; see {self.log}")

    def _listening(self):
        if not self.netns:
            try:
                with socket.create_connection((self.addr, self.port), timeout=0.2):
                    return True
            except OSError:
                return False
        probe = f"import socket; socket.create_connection(('{self.addr}', {self.port}), 0.2)"
        return subprocess.run(self.prefix + ["/usr/bin/python3", "-c", probe],
                              capture_output=True).returncode == 0

    def stop(self):
        if not self.proc:
            return
        for tid in list(self.tids):
            self.adm("--mode", "target", "--op", "delete", "--force", "--tid", str(tid),
                     check=False)
        self.proc.terminate()  # ours, by PID (ip netns exec runs tgtd in its own place)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.logf.close()

    def kill(self):
        """A crash: SIGKILL by PID.  The kernel resets every connection at once;
        what tgtd had written to the backing file stays there."""
        if not self.proc:
            return
        self.proc.kill()  # ours, by PID
        self.proc.wait()
        self.proc = None
        self.logf.close()

    def freeze(self):
        """SIGSTOP: connections stay open, nothing is answered (a hung target)."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def restart(self, down_seconds=0.0, crash=False):
        """Stop tgtd entirely (or kill it: crash=True) and bring it back with
        the same targets."""
        saved = self.config
        self.kill() if crash else self.stop()
        time.sleep(down_seconds)
        self.tids = []
        self.start()
        for t in saved:
            self.add_target(**t)

    # -- configuration -------------------------------------------------------
    def adm(self, *args, check=True):
        cmd = self.prefix + ["tgtadm", "-C", str(self.control), "--lld", "iscsi"] + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr or r.stdout}")
        return r.stdout

    def add_target(self, tid, iqn, backing, size=None, params=None, chap=None, mutual=None):
        """chap=(user, secret): one-way CHAP; mutual=(user, secret): the target's own."""
        if size is not None and not os.path.exists(backing):
            with open(backing, "wb") as f:
                f.truncate(size)
        self.adm("--mode", "target", "--op", "new", "--tid", str(tid), "--targetname", iqn)
        self.tids.append(tid)
        self.adm("--mode", "logicalunit", "--op", "new", "--tid", str(tid), "--lun", "1",
                 "--backing-store", backing)
        for k, v in (params or {}).items():
            self.adm("--mode", "target", "--op", "update", "--tid", str(tid), "--name", k,
                     "--value", str(v))
        if chap:
            self.adm("--mode", "account", "--op", "new", "--user", chap[0], "--password", chap[1],
                     check=False)
            self.adm("--mode", "account", "--op", "bind", "--tid", str(tid), "--user", chap[0])
        if mutual:
            self.adm("--mode", "account", "--op", "new", "--user", mutual[0], "--password",
                     mutual[1], check=False)
            self.adm("--mode", "account", "--op", "bind", "--tid", str(tid), "--user", mutual[0],
                     "--outgoing")
        self.adm("--mode", "target", "--op", "bind", "--tid", str(tid), "--initiator-address",
                 "ALL")
        self.config = self.config + [dict(tid=tid, iqn=iqn, backing=backing, params=params,
                                          chap=chap, mutual=mutual)]
        return self

    def guestfwd(self, guest_port=3260, guest_ip="10.0.2.100", single=False):
        """The QEMU netdev option that relays the node's connections to us.

        cmd: gives one socat per connection, so re-logins after a restart work;
        but that relay adds ~40 ms to every exchange that spans several
        segments.  single=True is QEMU's own socket with TCP_NODELAY instead:
        no added latency, but only one connection for the life of QEMU -- for
        benchmarks, which log in once.
        """
        if single:
            return (f"guestfwd=tcp:{guest_ip}:{guest_port}-tcp:127.0.0.1:{self.port},,"
                    "nodelay=on")
        # socat's stderr is the guest's connection too: its messages go to a
        # log file, or the node would read them as iSCSI PDUs.
        return (f"guestfwd=tcp:{guest_ip}:{guest_port}-cmd:socat -lf {self.workdir}/socat.log - "
                f"TCP:127.0.0.1:{self.port}")
