"""The target from DHCP: RFC 4173 root-path (option 17), with iPXE's initiator
IQN (option 203) and CHAP credentials (option 175), served by a real DHCP
server, as a cluster's boot server would.

Each test makes a network namespace of its own with a tap device.  In it run
dnsmasq (DHCP only: no DNS) and a tgtd; QEMU's NIC is the tap.  Nothing the
node sends leaves the namespace.
"""
import shutil

import pytest

from conftest import NICS, NS_ADDR, MiB, boot, host_check, qemu_status

IQN = "iqn.2026-11.org.tether.test:dhcp"
NODE_IQN = "iqn.2026-11.org.tether.test:node7"

pytestmark = pytest.mark.skipif(not shutil.which("dnsmasq"), reason="needs dnsmasq")


def node(lan, append, nic, timeout=300):
    return boot(append, wrap=lan.wrap, timeout=timeout, nics=[lan.nic(nic)])


def root_path(creds=""):
    return f"17,iscsi:{creds}{NS_ADDR}::3260:1:{IQN}"


@pytest.mark.parametrize("nic", NICS)
def test_target_initiator_and_chap_from_dhcp(lan, make_lun, nic):
    """No netroot=: the lease names the target, our IQN and our CHAP secret.
    The target admits only that IQN with that secret."""
    lun = make_lun()
    t = lan.target(IQN, backing=lun, chap=("nodeuser", "nodesecret12"))
    t.adm("--mode", "target", "--op", "unbind", "--tid", "1", "--initiator-address", "ALL")
    t.adm("--mode", "target", "--op", "bind", "--tid", "1", "--initiator-name", NODE_IQN)
    lan.dhcp(root_path(), f"203,{NODE_IQN}", "encap:175,190,nodeuser",
             "encap:175,191,nodesecret12")
    b = node(lan, f"app=blkcheck -- write 31 0 {8 * MiB} verify 31 0 {8 * MiB}", nic)
    assert b.status == qemu_status(0), str(b)
    b.require(f"DHCP root path iscsi:{NS_ADDR}::3260:1:{IQN}",
              f"DHCP initiator name {NODE_IQN}",
              "DHCP gives iSCSI CHAP credentials for nodeuser",
              "iscsi: target from DHCP root-path",
              f"iscsi: logged in to {IQN} at {NS_ADDR}:3260",
              f"blkcheck: verify offset=0 length={8 * MiB} ok")
    assert host_check(lun, 31, 0, 8 * MiB) == "ok"


def test_command_line_wins_over_dhcp(lan, make_lun):
    """netroot= comes first: a root path in the lease is not used."""
    lun = make_lun()
    lan.target(IQN, backing=lun)
    lan.dhcp("17,iscsi:10.77.0.9::3260:1:iqn.2026-11.org.tether.test:elsewhere")
    b = node(lan, f"app=blkcheck netroot=iscsi:{NS_ADDR}::3260:1:{IQN} -- write 33 0 {MiB}",
                 "virtio-net-pci")
    assert b.status == qemu_status(0), str(b)
    b.require("iscsi: target from the command line (netroot=)")
    assert "target from DHCP" not in b.log, str(b)
    assert host_check(lun, 33, 0, MiB) == "ok"


@pytest.mark.parametrize("path,says", [
    ("iscsi:target.example.com::3260:1:iqn.2026-11.org.tether.test:dhcp",
     "the DHCP root-path names the server 'target.example.com'; tether has no DNS and speaks "
     "IPv4: give an IPv4 address"),
    (f"iscsi:{NS_ADDR}::99999:1:{IQN}",
     f"DHCP root-path 'iscsi:{NS_ADDR}::99999:1:{IQN}': "),
    (f"iscsi:{NS_ADDR}::3260:1",
     f"DHCP root-path 'iscsi:{NS_ADDR}::3260:1': missing ':' after LUN; fix option 17 on the "
     "DHCP server"),
], ids=["hostname", "bad-port", "truncated"])
def test_bad_root_path_from_dhcp_is_reported(lan, path, says):
    """A bad option 17 is reported with what is wrong and what to fix, and the
    node ends without a disk instead of guessing."""
    lan.dhcp(f"17,{path}")
    b = node(lan, "app=blkcheck -- info", "virtio-net-pci", timeout=120)
    assert b.status == qemu_status(3), str(b)
    b.require(says, "storage: bring-up failed")
