"""Boot, banner, partition map, the selftest app and the exit convention."""
import re

from conftest import boot, qemu_status, ELF

PARTITIONS = ["kernel", "pagetables", "kstacks", "net-general", "net-storage", "storage",
              "pagecache", "appstacks", "appheap"]


def test_banner_and_partition_map():
    b = boot("app=selftest -- libc")
    assert b.status == qemu_status(0), str(b)
    b.require("tether 0.", "Command line:", "Memory: 127 MiB RAM, 9 partitions")
    for name in PARTITIONS:
        row = [l for l in b.log.splitlines() if re.search(rf"\]   {re.escape(name)} +0x", l)]
        assert row, f"partition {name} missing from the map:\n{b.log}"
    # the exit report names every partition's high-water mark
    hw = b.log.split("mm: high-water marks:")[1]
    for name in PARTITIONS:
        assert re.search(rf"{re.escape(name)} +\d+ [KM]iB of", hw), hw


def test_every_line_has_a_monotonic_timestamp():
    b = boot("app=selftest -- time")
    stamps = []
    for line in b.log.strip().splitlines():
        m = re.match(r"^\[ *(\d+)\.(\d{6})\] ", line)
        assert m, f"line without a timestamp: {line!r}"
        stamps.append(int(m.group(1)) * 10**6 + int(m.group(2)))
    assert stamps == sorted(stamps)


def test_selftest_passes():
    b = boot("app=selftest")
    assert b.status == qemu_status(0), str(b)
    results = re.findall(r"selftest: ([a-z-]+): (ok|FAIL)", b.log)
    assert len(results) == 15, b  # 14 checks; "pools" reports two lines
    assert all(r == "ok" for _, r in results), str(b)
    b.require("selftest: 14 checks, 14 passed, 0 failed", "tether: exit 0")


def test_selftest_unknown_check_fails():
    b = boot("app=selftest -- libc nosuchcheck")
    assert b.status == qemu_status(1), str(b)
    b.require("no check named 'nosuchcheck'")


def test_app_arguments_after_double_dash():
    b = boot('app=selftest -- "libc" time')
    b.require("app: starting selftest (app_main, 2 arguments)", "selftest: 2 checks, 2 passed")


def test_elf64_boots_too():
    # The ELF64 keeps symbols for gdb; its Multiboot header lets loaders boot it as is.
    b = boot("app=selftest -- libc", image=ELF)
    assert b.status == qemu_status(0), str(b)


def test_heap_exhaustion_leaves_other_partitions_intact():
    b = boot("app=selftest -- heap-exhaustion", mem=64)
    assert b.status == qemu_status(0), str(b)
    line = b.lines("selftest: heap-exhaustion:")[0]
    assert ": ok" in line and "other partitions untouched" in line, line
    # the exit report shows the app heap full and failing, the others not
    hw = b.log.split("mm: high-water marks:")[1]
    assert re.search(r"appheap .*\(100%\), [1-9]\d* failed", hw), hw
    for name in ["net-general", "net-storage", "storage", "pagecache"]:
        assert re.search(rf"{name} .*, 0 failed", hw), hw


def test_no_debug_exit_device_halts():
    b = boot("app=selftest -- libc", debug_exit=False, stop_on=r"tether: halted", timeout=60)
    b.require("tether: exit 0", "tether: halted (no isa-debug-exit device")
