"""A private tgtd for the system tests: its own control port and portal on
127.0.0.1, file-backed LUNs under the test's tmp dir, stopped by PID.

tgtd ignores SIGTERM while it has targets, so stop() deletes them first.
"""
import os
import random
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tgt:
    def __init__(self, workdir, port=None, control=None):
        self.workdir = str(workdir)
        self.port = port or free_port()
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
            ["tgtd", "-f", "-C", str(self.control), "--iscsi", f"portal=127.0.0.1:{self.port}"],
            stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tgtd exited at start; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"tgtd did not listen on 127.0.0.1:{self.port}; see {self.log}")

    def stop(self):
        if not self.proc:
            return
        for tid in list(self.tids):
            self.adm("--mode", "target", "--op", "delete", "--force", "--tid", str(tid),
                     check=False)
        self.proc.terminate()  # ours, by PID
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.logf.close()

    def restart(self, down_seconds=0.0):
        """Stop tgtd entirely and bring it back with the same targets."""
        saved = self.config
        self.stop()
        time.sleep(down_seconds)
        self.tids = []
        self.start()
        for t in saved:
            self.add_target(**t)

    # -- configuration -------------------------------------------------------
    def adm(self, *args, check=True):
        cmd = ["tgtadm", "-C", str(self.control), "--lld", "iscsi"] + list(args)
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
        return f"guestfwd=tcp:{guest_ip}:{guest_port}-cmd:socat - TCP:127.0.0.1:{self.port}"
