"""Deliberate faults: each must give a register dump, a backtrace naming the
right function, and the panic exit status -- never silent corruption."""
import re

import pytest

from conftest import boot, qemu_status, EXIT_PANIC

REGS = ["RIP:", "RSP:", "RBP:", "RAX:", "RBX:", "RCX:", "RDX:", "RSI:", "RDI:", "R8:", "R9:",
        "R10:", "R11:", "R12:", "R13:", "R14:", "R15:", "RFLAGS:", "CR0:", "CR2:", "CR3:",
        "CR4:"]


def trace(b):
    assert "Call trace:" in b.log, str(b)
    return b.log.split("Call trace:")[1]


def check_dump(b):
    assert b.status == qemu_status(EXIT_PANIC), str(b)
    for r in REGS:
        assert r in b.log, f"{r} missing from the register dump:\n{b.log}"
    b.require("tether: exit 100")


def test_page_fault():
    b = boot("app=crash -- pagefault", mem=64)
    check_dump(b)
    b.require("CPU exception 14 (#PF page fault)", "CR2: 00000000bffff000",
              "page fault: write of an unmapped page at 00000000bffff000")
    assert re.search(r"\] crash_page_fault\+0x", trace(b)), str(b)


def test_null_pointer():
    b = boot("app=crash -- nullptr", mem=64)
    check_dump(b)
    b.require("NULL pointer dereference")
    assert "crash_null_pointer+0x" in trace(b), str(b)


def test_divide_by_zero():
    b = boot("app=crash -- divzero", mem=64)
    check_dump(b)
    b.require("CPU exception 0 (#DE divide error)", "in thread 'crash'")
    assert "crash_divide_by_zero+0x" in trace(b), str(b)


def test_thread_stack_overflow_hits_guard_page():
    b = boot("app=crash -- stackoverflow", mem=64)
    check_dump(b)
    b.require("STACK OVERFLOW: thread 'overflow' ran off the bottom of its stack")
    assert "crash_recurse" in trace(b), str(b)
    assert "repeated" in trace(b)


def test_assertion_panics_with_registers_and_backtrace():
    b = boot("app=crash -- assert", mem=64)
    check_dump(b)
    b.require("panic: assertion failed: x == 42 at apps/crash.c")
    t = trace(b)
    assert t.index("kassert_fail") < t.index("crash_assert") < t.index("crash_main"), t


def test_panic():
    b = boot("app=crash -- panic", mem=64)
    check_dump(b)
    b.require("panic: deliberate panic from the crash app")
