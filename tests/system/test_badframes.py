"""Bad frames on the wire: a node must count and drop malformed, truncated,
oversized, mis-checksummed and misaddressed frames, and keep working.

The test is the node's only peer (10.0.2.2), on a QEMU socket netdev over
loopback UDP (one datagram per Ethernet frame), so it can put any bytes on
the wire without root.  After the bad frames it proves the node still
answers a ping and serves a TCP echo connection, which makes netecho print
the stack's counters (net_dump()) and exit; the counters are checked against
what was sent.  A last test sends the segment lwIP 2.1.3 asserts on (a FIN
2^31 past rcv_nxt), which the port's TCP input hook must drop.
"""
import re
import select
import socket
import struct
import time

import pytest

from conftest import Nic, qemu_status

NODE_MAC = bytes.fromhex("525400123456")  # QEMU's default for the first NIC
PEER_MAC = bytes.fromhex("525400abcdef")
OTHER_MAC = bytes.fromhex("525400999999")
BCAST = b"\xff" * 6
NODE_IP = socket.inet_aton("10.0.2.15")
PEER_IP = socket.inet_aton("10.0.2.2")
APPEND = "ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:none app=netecho -- 7 1"
ETH_ARP, ETH_IP = 0x0806, 0x0800
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, typ, payload, src=PEER_MAC):
    return dst + src + struct.pack("!H", typ) + payload


def ipv4(proto, payload, ident=1, total=None, bad_csum=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), ident, 0, 64, proto, 0,
                    PEER_IP, NODE_IP)
    c = csum(h) ^ (0x5555 if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def tcp(sport, dport, seq, ack, flags, data=b"", bad_csum=False, win=65535):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, win, 0, 0)
    seg = h + data
    c = csum(PEER_IP + NODE_IP + struct.pack("!BBH", 0, 6, len(seg)) + seg)
    c ^= 0x5555 if bad_csum else 0
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def icmp_echo(ident, seq, data=b"tether-ping"):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def arp(op, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, op, PEER_MAC, PEER_IP, tmac, tip)


@pytest.fixture
def wire():
    w = Wire()
    yield w
    w.close()


class Wire:
    """Our end of the QEMU socket netdev: QEMU sends to self.port and
    listens on self.qemu_port, both on 127.0.0.1 only."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        self.qemu_port = probe.getsockname()[1]
        probe.close()
        self.rx = []

    def nic(self, model):
        """QEMU's NIC on the other end of this wire."""
        return Nic(model, kind="socket",
                   socket=f"udp=127.0.0.1:{self.port},localaddr=127.0.0.1:{self.qemu_port}")

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    def recv(self, match, timeout=10.0):
        """The first frame from the node for which match(frame) is true;
        answers the node's ARP requests for us on the way."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            f, _ = self.sock.recvfrom(65536)
            self.rx.append(f)
            if (len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01"
                    and f[38:42] == PEER_IP):
                self.send(eth(f[6:12], ETH_ARP, arp(2, f[6:12], NODE_IP)))
            if match(f):
                return f
        return None

    def close(self):
        self.sock.close()


def is_tcp_from_node(f, dport, flags=0):
    return (len(f) >= 54 and f[12:14] == b"\x08\x00" and f[23] == 6 and f[26:30] == NODE_IP
            and struct.unpack("!H", f[36:38])[0] == dport and f[47] & flags == flags)


def icmp_reply(ident, seq):
    return lambda f: (len(f) >= 42 and f[12:14] == b"\x08\x00" and f[23] == 1 and f[34] == 0
                      and f[38:42] == struct.pack("!HH", ident, seq))


def lwip_stats(log):
    """lwIP's stats_display() output as {section: {counter: value}}."""
    out, section = {}, None
    for line in log.splitlines():
        line = re.sub(r"^\[\s*\d+\.\d+\]\s?", "", line).strip()
        m = re.fullmatch(r"([a-z_]+): (\d+)", line)
        if m and section:
            out[section][m.group(1)] = int(m.group(2))
        elif re.fullmatch(r"[A-Z][A-Z0-9_ ]*", line):
            section = line
            out.setdefault(section, {})
    return out


def nic_drops(log):
    """The node's per-queue NIC drop counters (nic_stats_dump()), summed."""
    drops = {}
    for m in re.finditer(r"eth0: q\d+ rx .*drops:(.*)", log):
        for k, v in re.findall(r"(\w+)=(\d+)", m.group(1)):
            drops[k] = drops.get(k, 0) + int(v)
    return drops


def tcp_echo(w, payload):
    """One whole TCP echo connection to port 7, the test being the client."""
    sport, iss = 40000, 1000
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, iss, 0, SYN))))
    f = w.recv(lambda f: is_tcp_from_node(f, sport, SYN | ACK))
    assert f, "no SYN-ACK from the node"
    rcv = struct.unpack("!I", f[38:42])[0] + 1
    snd = iss + 1
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, snd, rcv, ACK))))
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, snd, rcv, PSH | ACK, payload), ident=2)))
    snd += len(payload)
    got = b""
    while len(got) < len(payload):
        f = w.recv(lambda f: is_tcp_from_node(f, sport) and len(f) > 54)
        assert f, f"echo incomplete: {got!r}"
        seq = struct.unpack("!I", f[38:42])[0]
        data = f[54:14 + struct.unpack("!H", f[16:18])[0]]
        if seq == rcv:
            got += data
            rcv += len(data)
        w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, snd, rcv, ACK), ident=3)))
    assert got == payload
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, snd, rcv, FIN | ACK), ident=4)))
    f = w.recv(lambda f: is_tcp_from_node(f, sport, FIN))
    assert f, "the node did not close its end"
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, snd + 1, rcv + 1, ACK), ident=5)))


@pytest.mark.parametrize("device", ["virtio-net-pci", "e1000"])
def test_bad_frames_counted_and_survived(start_node, wire, device):
    w = wire
    node = start_node(APPEND, nics=[w.nic(device)])
    node.wait_for(r"netecho: listening on 10\.0\.2\.15:7")
    # Introduce ourselves; the node answers and learns our MAC.
    w.send(eth(BCAST, ETH_ARP, arp(1, b"\0" * 6, NODE_IP)))
    assert w.recv(lambda f: f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02"), \
        "no ARP reply from the node"

    bad = {
        # Shorter than an Ethernet header.
        "runt": NODE_MAC + PEER_MAC[:4],
        # Ethernet and IP headers fine, the datagram cut short.
        "truncated_ip": eth(NODE_MAC, ETH_IP, ipv4(1, icmp_echo(9, 1), total=1000)),
        # Longer than the MTU allows (and than a VLAN tag explains).
        "oversized": eth(NODE_MAC, ETH_IP, ipv4(1, icmp_echo(9, 2, b"x" * 1600))),
        "bad_ip_csum": eth(NODE_MAC, ETH_IP, ipv4(1, icmp_echo(9, 3), bad_csum=True)),
        "bad_tcp_csum": eth(NODE_MAC, ETH_IP,
                            ipv4(6, tcp(40001, 7, 5000, 0, SYN, bad_csum=True))),
        # A ping to our address, but to another station's MAC.
        "other_mac": eth(OTHER_MAC, ETH_IP, ipv4(1, icmp_echo(9, 4))),
        "unknown_ethertype": eth(NODE_MAC, 0x88B5, b"\0" * 46),
        # Beyond a 2 KiB RX buffer: QEMU drops it before the node sees it,
        # so it proves only that nothing downstream chokes on it.
        "giant": eth(NODE_MAC, ETH_IP, ipv4(1, icmp_echo(9, 5, b"y" * 9000))),
    }
    for frame in bad.values():
        w.send(frame)
    # None of them may be answered: no echo reply (they all use id 9),
    # no SYN-ACK.
    answered = w.recv(lambda f: any(icmp_reply(9, seq)(f) for seq in range(1, 6)) or
                      is_tcp_from_node(f, 40001), timeout=2)

    # Still alive and well: a ping, then a whole TCP connection.
    w.send(eth(NODE_MAC, ETH_IP, ipv4(1, icmp_echo(0x77, 1))))
    assert w.recv(icmp_reply(0x77, 1)), "no echo reply after the bad frames"
    tcp_echo(w, b"still here after the bad frames\n")
    b = node.finish(timeout=60)

    st, drops = lwip_stats(b.log), nic_drops(b.log)
    print(f"{device}: NIC drops {drops}; ETHARP {st['ETHARP']}; IP {st['IP']}; TCP {st['TCP']}")
    assert answered is None, f"the node answered a bad frame: {answered.hex()}\n{b.log}"
    assert b.status == qemu_status(0), str(b)
    b.require("netecho: 10.0.2.2", "bytes echoed, status 0")
    assert st["IP"]["lenerr"] >= 1, b.log   # truncated_ip
    assert st["IP"]["chkerr"] >= 1, b.log   # bad_ip_csum
    assert st["TCP"]["chkerr"] >= 1, b.log  # bad_tcp_csum
    if device == "e1000":
        # QEMU's e1000 pads a runt to 60 bytes, which lwIP then sees as an
        # unknown ethertype, and itself drops what the node cannot see:
        # oversized frames (no long-packet mode) and other MACs (RAL/RAH).
        assert st["ETHARP"]["proterr"] >= 2, b.log  # runt, unknown_ethertype
    else:
        assert drops.get("short", 0) >= 1, b.log     # runt
        assert drops.get("long", 0) >= 1, b.log      # oversized
        assert drops.get("othermac", 0) >= 1, b.log  # other_mac
        assert st["ETHARP"]["proterr"] >= 1, b.log   # unknown_ethertype


# lwIP 2.1.3's tcp_receive() asserts ("insane offset!") on this segment; net/netif.c's
# LWIP_HOOK_TCP_INPACKET_PCB drops it first.
@pytest.mark.parametrize("device", ["virtio-net-pci", "e1000"])
def test_fin_half_the_sequence_space_away(start_node, wire, device):
    """A FIN whose sequence number is exactly 2^31 past what the node expects
    is out of the window and must be dropped; the connection goes on."""
    w = wire
    node = start_node(APPEND, nics=[w.nic(device)])
    node.wait_for(r"netecho: listening on 10\.0\.2\.15:7")
    w.send(eth(BCAST, ETH_ARP, arp(1, b"\0" * 6, NODE_IP)))
    sport, iss = 40002, 7000
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, iss, 0, SYN))))
    f = w.recv(lambda f: is_tcp_from_node(f, sport, SYN | ACK))
    assert f, "no SYN-ACK from the node"
    rcv = struct.unpack("!I", f[38:42])[0] + 1
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, iss + 1, rcv, ACK))))
    node.wait_for(r"netecho: connection from 10\.0\.2\.2:40002")
    w.send(eth(NODE_MAC, ETH_IP,
               ipv4(6, tcp(sport, 7, (iss + 1 + 2**31) % 2**32, rcv, FIN | ACK), ident=2)))
    # Still served: the echo works on that same connection.
    payload = b"after the far FIN\n"
    w.send(eth(NODE_MAC, ETH_IP, ipv4(6, tcp(sport, 7, iss + 1, rcv, PSH | ACK, payload),
                                      ident=3)))
    f = w.recv(lambda f: is_tcp_from_node(f, sport) and len(f) > 54, timeout=10)
    if not (f and payload in f):
        b = node.finish(timeout=10)  # a panicked node has exited
        pytest.fail(f"no echo after the far FIN; status {b.status}:\n{b.log}")
