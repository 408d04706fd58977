#!/usr/bin/python3
"""An iSCSI portal that accepts CRC32C digests in discovery sessions, as LIO
does and tgtd does not, for the discovery-with-digests test.

QEMU runs it once per connection from a guestfwd (cmd:): stdin and stdout
are the node's TCP connection.  A discovery session is answered here, with
real Login and Text PDUs: HeaderDigest and DataDigest are CRC32C whenever
the node offers it, and the SendTargets answer lists TARGET.  Any other
session is relayed, bytes as they are, to the tgtd on 127.0.0.1:TGT_PORT.

  discovery_peer.py TGT_PORT TARGET LOG

What it saw goes to LOG (never to stderr: that is the node's connection too).
"""
import os
import select
import socket
import struct
import sys

T, C = 0x80, 0x40


def crc32c_table():
    poly, table = 0x82F63B78, []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def digest(data):
    return struct.pack("<I", crc32c(data))  # least significant byte first on the wire


def pad(n):
    return (4 - n % 4) % 4


class Conn:
    def __init__(self, log):
        self.inp, self.out, self.log = sys.stdin.buffer, sys.stdout.buffer, log
        self.seen = b""  # everything read, for a relay
        self.hd = self.dd = False

    def read(self, n):
        b = b""
        while len(b) < n:
            chunk = os.read(self.inp.fileno(), n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        self.seen += b
        return b

    def recv(self):
        bhs = self.read(48)
        if self.hd and crc32c(bhs) != struct.unpack("<I", self.read(4))[0]:
            raise ValueError("header digest mismatch")
        dsl = int.from_bytes(bhs[5:8], "big")
        data = self.read(dsl + pad(dsl))[:dsl]
        if self.dd and dsl and crc32c(data + bytes(pad(dsl))) != struct.unpack("<I", self.read(4))[0]:
            raise ValueError("data digest mismatch")
        self.log.write(f"<- opcode {bhs[0] & 0x3f:#x} flags {bhs[1]:#x} {data!r}\n")
        return bhs, data

    def send(self, bhs, data):
        out = bhs + (digest(bhs) if self.hd else b"")
        padded = data + bytes(pad(len(data)))
        out += padded + (digest(padded) if self.dd and data else b"")
        self.log.write(f"-> opcode {bhs[0] & 0x3f:#x} flags {bhs[1]:#x} {data!r}\n")
        self.out.write(out)
        self.out.flush()


def keys(data):
    return dict(kv.split("=", 1) for kv in data.decode().split("\0") if "=" in kv)


def text(pairs):
    return b"".join(f"{k}={v}".encode() + b"\0" for k, v in pairs)


def answer(k, v):
    """Our answer to an offered key, or None for declarations we only note."""
    if k in ("InitiatorName", "InitiatorAlias", "SessionType", "TargetName",
             "MaxRecvDataSegmentLength"):
        return None
    if k in ("HeaderDigest", "DataDigest"):
        return "CRC32C" if "CRC32C" in v.split(",") else "None"
    if k == "AuthMethod":
        return "None"
    if k.startswith("X-") or k.startswith("X#"):
        return "NotUnderstood"
    return v.split(",")[0]


def login_response(req, flags, statsn, data):
    isid, itt, cmdsn = req[8:14], req[16:20], struct.unpack(">I", req[24:28])[0]
    return (bytes([0x23, flags, 0, 0, 0]) + len(data).to_bytes(3, "big") + isid +
            struct.pack(">H", 0x1234) + itt + bytes(4) +
            struct.pack(">III", statsn, cmdsn, cmdsn + 8) + bytes(12))


def discovery(c, req, data, target):
    """Answer the login stage by stage, then SendTargets, with digests."""
    statsn, negotiated = 1, {}
    while True:
        csg, nsg, transit = (req[1] >> 2) & 3, req[1] & 3, bool(req[1] & T)
        pairs = [(k, a) for k, v in keys(data).items() if (a := answer(k, v)) is not None]
        if csg == 1:
            pairs.append(("MaxRecvDataSegmentLength", "8192"))
        negotiated.update(pairs)
        flags = (T | csg << 2 | nsg) if transit else csg << 2
        c.send(login_response(req, flags, statsn, text(pairs)), text(pairs))
        statsn += 1
        if transit and nsg == 3:
            break
        req, data = c.recv()
    c.hd = negotiated.get("HeaderDigest") == "CRC32C"
    c.dd = negotiated.get("DataDigest") == "CRC32C"
    c.log.write(f"full feature phase: header digest {c.hd}, data digest {c.dd}\n")
    req, data = c.recv()
    if req[0] & 0x3f != 0x04 or keys(data).get("SendTargets") != "All":
        raise ValueError("expected Text Request SendTargets=All")
    cmdsn = struct.unpack(">I", req[24:28])[0]
    body = text([("TargetName", target), ("TargetAddress", "10.0.2.100:3260,1")])
    rsp = (bytes([0x24, 0x80, 0, 0, 0]) + len(body).to_bytes(3, "big") + bytes(8) +
           req[16:20] + b"\xff\xff\xff\xff" + struct.pack(">III", statsn, cmdsn + 1, cmdsn + 9) +
           bytes(12))
    c.send(rsp, body)
    c.log.write("SendTargets answered\n")
    try:
        while True:  # until the node logs out or closes
            req, data = c.recv()
            if req[0] & 0x3f == 0x06:  # Logout Request: answer and end
                c.send(bytes([0x26, 0x80]) + bytes(14) + req[16:20] + bytes(28), b"")
                return
    except EOFError:
        return


def relay(c, port):
    """Not a discovery session: hand the bytes over to tgtd, both ways."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(c.seen)
    fin, fout = c.inp.fileno(), c.out.fileno()
    while True:
        r, _, _ = select.select([fin, s], [], [])
        if fin in r:
            b = os.read(fin, 65536)
            if not b:
                return
            s.sendall(b)
        if s in r:
            b = s.recv(65536)
            if not b:
                return
            os.write(fout, b)


def main():
    port, target, logpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(logpath, "a") as log:
        c = Conn(log)
        try:
            req, data = c.recv()
            if keys(data).get("SessionType") == "Discovery":
                log.write("discovery session\n")
                discovery(c, req, data, target)
            else:
                log.write("normal session: relayed to tgtd\n")
                relay(c, port)
        except (EOFError, ValueError, OSError) as e:
            log.write(f"ended: {e!r}\n")


if __name__ == "__main__":
    main()
