"""Command line and memory: bad input gets a clear message and a documented outcome."""
import re

from conftest import boot, qemu_status, EXIT_CMDLINE, EXIT_NOMEM


def test_unknown_key_is_reported_and_ignored():
    b = boot("app=selftest foo=bar -- libc")
    assert b.status == qemu_status(0), str(b)
    b.require("cmdline: unknown key 'foo' (value 'bar') ignored; known keys:")


def test_bad_value_falls_back_to_documented_default():
    b = boot("app=selftest loglevel=loud -- libc")
    assert b.status == qemu_status(0), str(b)
    line = b.lines("cmdline: loglevel=loud")[0]
    assert "0..7" in line and "default 6" in line, line


def test_unknown_app_stops_with_the_list():
    b = boot("app=nosuchapp")
    assert b.status == qemu_status(EXIT_CMDLINE), str(b)
    line = b.lines("app=nosuchapp")[-1]
    assert "selftest" in line and "crash" in line and "cannot continue" in line, line


def test_unbalanced_quote_stops():
    b = boot('app=selftest x="unterminated')
    assert b.status == qemu_status(EXIT_CMDLINE), str(b)
    assert re.search(r"cmdline: .*quote", b.log), str(b)


def test_too_little_ram_names_the_shortfall():
    b = boot("app=selftest", mem=8)
    assert b.status == qemu_status(EXIT_NOMEM), str(b)
    assert re.search(r"need \d+ [KM]iB more for [a-z -]+", b.log), str(b)
    b.require("give the node more memory")


def test_32_mib_node_runs_selftest():
    b = boot("app=selftest", mem=32)
    assert b.status == qemu_status(0), str(b)
    b.require("selftest: 14 checks, 14 passed, 0 failed")
