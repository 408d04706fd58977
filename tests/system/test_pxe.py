"""The image boots through real iPXE (Debian's ipxe-qemu ROM) from QEMU's
DHCP and TFTP, as a cluster node would; iPXE's image URL on the command line
is skipped."""
import pytest

from conftest import boot, qemu_status


@pytest.mark.parametrize("nic", ["virtio-net-pci", "e1000"])
def test_pxe_boot_through_ipxe(tmp_path, nic):
    b = boot("app=selftest loglevel=6 -- libc time", pxe=tmp_path, nic=nic, timeout=180)
    assert b.status == qemu_status(0), str(b)
    b.require("boot loader: iPXE", "Command line: tftp://10.0.2.2/tether.bin app=selftest",
              "selftest: 2 checks, 2 passed, 0 failed")
    assert "unknown key" not in b.log, str(b)
