"""The iSCSI initiator against a real tgtd, verified byte for byte on the host.

Each test starts its own tgtd on 127.0.0.1 with file-backed LUNs.  The node
is on QEMU's user network with restrict=on: it reaches nothing but slirp's
DHCP/TFTP and a guestfwd relay (one socat per connection) from 10.0.2.100:3260
to this test's tgtd.  The suite runs on virtio-net and on e1000.
"""
import os
import re
import shutil
import subprocess

import pytest

import qemu
from conftest import (IMAGE, IQN, PATTERN, MiB, NICS, PORTAL, Nic, boot, host_check, line,
                      netroot, pattern_sha256, qemu_status, user_nic)


def qemu_run(pxe):
    """PXE-boot through iPXE with this NIC's own TFTP root and script."""
    return qemu.run(append=None, pxe=True, nics=[pxe], timeout=300)


def node(t, append, nic="virtio-net-pci", timeout=600, **kw):
    return boot(append, nics=[user_nic(t, nic)], timeout=timeout, **kw)


def mid_write(make_lun, t, start_node, nic, keys, cmds):
    """A node busy writing: a small write first, whose line on serial says the
    session is up and that cmds (a big write) have just begun, so the test can
    strike the target mid-write.  Returns (LUN file, node)."""
    lun = make_lun()
    t.add_target(1, IQN, lun)
    n = start_node(f"app=blkcheck {keys} {netroot()} -- write 13 0 {MiB} {cmds}",
                   nics=[user_nic(t, nic)])
    n.wait_for(rf"blkcheck: write offset=0 length={MiB} sha256=", timeout=120)
    return lun, n


@pytest.mark.parametrize("nic", NICS)
def test_write_64mib_checked_on_host(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun)
    b = node(tgt, f"app=blkcheck {netroot()} -- info write 7 4096 {64 * MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)
    assert re.search(r"blkcheck: info blocksize=512 blocks=196608 vendor=\S+ product=\S+",
                     b.log), b
    w = line(b, "blkcheck: write offset=4096")
    assert f"length={64 * MiB} sha256={pattern_sha256(7, 4096, 64 * MiB)} MBps=" in w, w
    assert host_check(lun, 7, 4096, 64 * MiB) == "ok"
    b.require(f"iscsi: logged out of {IQN}")  # a clean end: the target frees the session now
    # and nothing outside the range was touched
    with open(lun, "rb") as f:
        assert f.read(4096) == bytes(4096)


@pytest.mark.parametrize("nic", NICS)
def test_host_writes_node_verifies_and_reads(make_lun, tgt, nic):
    lun = make_lun()
    subprocess.run([PATTERN, "write", lun, "99", "0", str(32 * MiB)], check=True)
    tgt.add_target(1, IQN, lun)
    b = node(tgt, f"app=blkcheck {netroot()} -- verify 99 0 {32 * MiB} read 0 {8 * MiB} "
                  f"verify 98 0 4096", nic=nic)
    # the last verify uses another seed: it must fail, and say where
    assert b.status == qemu_status(1), str(b)
    assert f"blkcheck: verify offset=0 length={32 * MiB} ok MBps=" in b.log, str(b)
    r = line(b, "blkcheck: read offset=0")
    assert f"sha256={pattern_sha256(99, 0, 8 * MiB)}" in r, r
    assert "blkcheck: verify offset=0 length=4096 MISMATCH first=0 count=512" in b.log, str(b)


@pytest.mark.parametrize("nic", NICS)
def test_one_way_chap(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun, chap=("nodeuser", "nodesecret12"))
    b = node(tgt, f"app=blkcheck {netroot(creds='nodeuser:nodesecret12@')} -- "
                  f"write 3 0 {MiB} verify 3 0 {MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)
    assert host_check(lun, 3, 0, MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_wrong_chap_secret_is_refused_clearly(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun, chap=("nodeuser", "nodesecret12"))
    b = node(tgt, f"app=blkcheck rd.iscsi.timeout=5 {netroot(creds='nodeuser:wrongsecret1@')} "
                  f"-- write 3 0 {MiB}", timeout=120, nic=nic)
    assert b.status == qemu_status(3), str(b)
    assert re.search(r"authentication failed: check the CHAP user name and secret", b.log), str(b)
    assert host_check(lun, 3, 0, MiB) != "ok"


@pytest.mark.parametrize("nic", NICS)
def test_mutual_chap(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun, chap=("nodeuser", "nodesecret12"),
                   mutual=("targetuser", "targetsecret"))
    creds = "nodeuser:nodesecret12:targetuser:targetsecret@"
    b = node(tgt, f"app=blkcheck {netroot(creds=creds)} -- write 5 0 {MiB} verify 5 0 {MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)


@pytest.mark.parametrize("nic", NICS)
def test_target_failing_mutual_authentication_is_refused(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun, chap=("nodeuser", "nodesecret12"),
                   mutual=("targetuser", "notwhatweexpect"))
    creds = "nodeuser:nodesecret12:targetuser:targetsecret@"
    b = node(tgt, f"app=blkcheck rd.iscsi.timeout=5 {netroot(creds=creds)} -- write 5 0 {MiB}",
             timeout=120, nic=nic)
    assert b.status == qemu_status(3), str(b)
    assert re.search(r"(?i)mutual", b.log), str(b)
    assert host_check(lun, 5, 0, MiB) != "ok"


@pytest.mark.parametrize("nic", NICS)
def test_header_and_data_digests(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun, params={"HeaderDigest": "CRC32C", "DataDigest": "CRC32C"})
    b = node(tgt, f"app=blkcheck iscsi.header_digest=crc32c iscsi.data_digest=crc32c {netroot()} "
                  f"-- write 11 0 {16 * MiB} verify 11 0 {16 * MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)
    b.require("digests: header CRC32C, data CRC32C")
    assert host_check(lun, 11, 0, 16 * MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_wrong_lun_names_the_luns_there_are(make_lun, tgt, nic):
    tgt.add_target(1, IQN, make_lun())
    b = node(tgt, f"app=blkcheck netroot=iscsi:{PORTAL}::3260:7:{IQN} -- info", nic=nic)
    assert b.status == qemu_status(3), str(b)
    b.require(f"{IQN} has no LUN 7; it has LUN 0, 1")


@pytest.mark.parametrize("nic", NICS)
def test_discovery(make_lun, tgt, nic):
    tgt.add_target(1, "iqn.2026-11.org.tether.test:first", make_lun("a.img"))
    second = make_lun("b.img")
    tgt.add_target(2, "iqn.2026-11.org.tether.test:second", second)
    b = node(tgt, f"app=blkcheck netroot=iscsi:{PORTAL}::3260:1: "
                  f"rd.iscsi.target=iqn.2026-11.org.tether.test:second -- write 2 0 {MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)
    b.require("found 2 targets", "iqn.2026-11.org.tether.test:first")
    assert host_check(second, 2, 0, MiB) == "ok"


@pytest.mark.parametrize("params", [
    {"ImmediateData": "No"},
    {"InitialR2T": "Yes"},
    {"MaxRecvDataSegmentLength": "4096"},
    {"MaxBurstLength": "16384", "FirstBurstLength": "8192"},
], ids=["no-immediate-data", "initial-r2t", "mrdsl-4096", "small-burst"])
@pytest.mark.parametrize("nic", NICS)
def test_target_parameter_sets(make_lun, tgt, params, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun, params=params)
    b = node(tgt, f"app=blkcheck {netroot()} -- write 21 0 {8 * MiB} verify 21 0 {8 * MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)
    assert host_check(lun, 21, 0, 8 * MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_target_restart_during_64mib_write(make_lun, start_node, tgt, nic):
    """tgtd is stopped in the middle of a 64 MiB write and comes back 3 s
    later: the node logs in again, replays what was in flight, and every byte
    lands.  SIGKILL, because a busy tgtd refuses to delete its targets and so
    ignores SIGTERM: only a kill stops it at once, mid-write, every time."""
    lun, n = mid_write(make_lun, tgt, start_node, nic, "", f"write 13 0 {64 * MiB} verify 13 0 {64 * MiB}")
    tgt.restart(down_seconds=3, crash=True)
    b = n.finish(timeout=600)
    assert b.status == qemu_status(0), str(b)
    b.require("iscsi: connection to 10.0.2.100:3260 lost", "reinstated",
              f"blkcheck: write offset=0 length={64 * MiB} sha256={pattern_sha256(13, 0, 64 * MiB)}",
              f"blkcheck: verify offset=0 length={64 * MiB} ok")
    assert host_check(lun, 13, 0, 64 * MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_hung_target_is_caught_by_nop_timeout(make_lun, start_node, tgt, nic):
    """tgtd freezes (SIGSTOP) with the connection open: only the NOP-Out
    keepalive can tell.  The node drops the connection, logs in again once the
    target answers, and the write completes."""
    lun, n = mid_write(make_lun, tgt, start_node, nic, "iscsi.nop_interval=1 iscsi.nop_timeout=2",
                       f"write 13 0 {32 * MiB} verify 13 0 {32 * MiB}")
    tgt.freeze()
    try:
        n.wait_for(r"iscsi: connection to 10\.0\.2\.100:3260 lost: no answer to NOP-Out",
                   timeout=60)
    finally:
        tgt.thaw()
    b = n.finish(timeout=600)
    assert b.status == qemu_status(0), str(b)
    b.require("reinstated", f"blkcheck: verify offset=0 length={32 * MiB} ok")
    assert host_check(lun, 13, 0, 32 * MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_target_gone_for_good_fails_io_clearly(make_lun, start_node, tgt, nic):
    """tgtd dies and never returns: after rd.iscsi.timeout the I/O fails with
    a message that says so, and the node ends with the app's failure status."""
    _, n = mid_write(make_lun, tgt, start_node, nic, "rd.iscsi.timeout=5", f"write 13 0 {64 * MiB}")
    tgt.kill()
    b = n.finish(timeout=180)
    assert b.status == qemu_status(1), str(b)
    b.require(f"iscsi: {IQN} unreachable for 5 s (rd.iscsi.timeout)",
              f"blkcheck: write offset=0 length={64 * MiB} FAILED")


@pytest.mark.parametrize("nic", NICS)
def test_login_redirect(make_lun, tgt, other_tgt, nic):
    """The target we are sent to answers with a Temporary redirect (tgt's
    RedirectAddress) to a second tgtd; the node follows it and the data lands
    there."""
    lun = make_lun()
    decoy = make_lun("decoy.img")
    other_tgt.add_target(1, IQN, lun)
    tgt.add_target(1, IQN, decoy, params={"RedirectAddress": "10.0.2.101",
                                          "RedirectPort": "3260",
                                          "RedirectReason": "Temporary"})
    both = Nic(nic, guestfwd=[tgt.guestfwd(), other_tgt.guestfwd(guest_ip="10.0.2.101")])
    b = boot(f"app=blkcheck {netroot()} -- write 29 0 {4 * MiB} verify 29 0 {4 * MiB}",
             nics=[both], timeout=300)
    assert b.status == qemu_status(0), str(b)
    b.require("10.0.2.101:3260", f"iscsi: logged in to {IQN} at 10.0.2.101:3260")
    assert host_check(lun, 29, 0, 4 * MiB) == "ok"
    with open(decoy, "rb") as f:
        assert f.read(4 * MiB) == bytes(4 * MiB)


@pytest.mark.parametrize("nic", NICS)
def test_storage_survives_exhausted_app_heap_and_net_general(make_lun, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun)
    b = node(tgt, f"app=blkcheck {netroot()} -- exhaust write 17 0 {16 * MiB} "
                  f"verify 17 0 {16 * MiB}", nic=nic)
    assert b.status == qemu_status(0), str(b)
    ex = line(b, "blkcheck: exhaust")
    assert re.search(r"app heap full after \d+ KiB", ex) and "net-general full" in ex, ex
    assert host_check(lun, 17, 0, 16 * MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_pxe_sanhook_ibft(make_lun, tmp_path, tgt, nic):
    lun = make_lun()
    tgt.add_target(1, IQN, lun)
    tftp = os.path.join(str(tmp_path), "tftp")
    os.makedirs(tftp)
    shutil.copy(IMAGE, os.path.join(tftp, "tether.bin"))
    with open(os.path.join(tftp, "boot.ipxe"), "w") as f:
        f.write("#!ipxe\n"
                "dhcp\n"
                f"sanhook iscsi:{PORTAL}::3260:1:{IQN}\n"
                f"kernel tftp://10.0.2.2/tether.bin app=blkcheck -- write 19 0 {4 * MiB} "
                f"verify 19 0 {4 * MiB}\n"
                "boot\n")
    pxe = Nic(nic, tftp=tftp, bootfile="boot.ipxe", guestfwd=[tgt.guestfwd()])
    b = qemu_run(pxe)
    assert b.status == qemu_status(0), str(b)
    b.require("target from the iBFT", f"blkcheck: verify offset=0 length={4 * MiB} ok")
    assert host_check(lun, 19, 0, 4 * MiB) == "ok"


@pytest.mark.parametrize("nic", NICS)
def test_discovery_with_crc32c_digests(make_lun, tmp_path, tgt, nic):
    """The discovery portal accepts the CRC32C digests tether offers (LIO does;
    tgtd answers None): discovery runs with both digests, then the session
    goes on to tgtd.  The portal is tests/system/discovery_peer.py, speaking
    real Login and Text PDUs and checking every digest."""
    lun = make_lun()
    tgt.add_target(1, IQN, lun)
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "discovery_peer.py")
    log = tmp_path / "peer.log"
    fwd = f"guestfwd=tcp:{PORTAL}:3260-cmd:/usr/bin/python3 {peer} {tgt.port} {IQN} {log}"
    b = boot(f"app=blkcheck netroot=iscsi:{PORTAL}::3260:1: -- write 43 0 {MiB} "
             f"verify 43 0 {MiB}", nics=[Nic(nic, guestfwd=[fwd])], timeout=300)
    seen = log.read_text() if log.exists() else ""
    assert b.status == qemu_status(0), f"{b}\npeer:\n{seen}"
    b.require("found 1 target", f"iscsi: logged in to {IQN}",
              f"blkcheck: verify offset=0 length={MiB} ok")
    assert "full feature phase: header digest True, data digest True" in seen, seen
    assert "SendTargets answered" in seen and "normal session: relayed" in seen, seen
    assert host_check(lun, 43, 0, MiB) == "ok"
