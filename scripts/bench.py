#!/usr/bin/python3
"""tether benchmarks: print figures and write them to build/bench.json.

Figures, not assertions: nothing here passes or fails on speed.
  - image size: text, data, bss of build/tether.elf, and the boot image's bytes
  - boot to app_main: host wall time from starting QEMU (direct -kernel boot,
    TCG) to the serial line "app: starting", median of 5 runs
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
B = os.environ.get("B", os.path.join(ROOT, "build"))
ELF = os.path.join(B, "tether.elf")
IMG = os.path.join(B, "tether.bin")
RUNS = 5


def image_size():
    out = subprocess.run(["size", ELF], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    return {"text": text, "data": data, "bss": bss, "image_bytes": os.path.getsize(IMG)}


def boot_to_app_main():
    cmd = ["qemu-system-x86_64", "-nodefaults", "-machine", "pc", "-m", "128", "-display", "none",
           "-no-reboot", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", IMG, "-append", "app=selftest -- libc"]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    seen = None
    guest = None
    for raw in p.stdout:
        line = raw.decode(errors="replace")
        if "app: starting" in line:
            seen = time.monotonic() - t0
            guest = float(line[1:line.index("]")])
    p.wait()
    if seen is None:
        sys.exit("bench: the node never reached app_main; run 'make run' to see why")
    return seen, guest


def main():
    res = {"image": image_size()}
    host, guest = [], []
    for _ in range(RUNS):
        h, g = boot_to_app_main()
        host.append(h)
        guest.append(g)
    res["boot_to_app_main_s"] = {"median": statistics.median(host), "runs": host,
                                 "guest_clock_median": statistics.median(guest),
                                 "how": "QEMU start to 'app: starting', direct -kernel, TCG"}
    i = res["image"]
    print(f"image: text {i['text']} B, data {i['data']} B, bss {i['bss']} B; "
          f"boot image {i['image_bytes']} B")
    print(f"boot to app_main (QEMU start, TCG, median of {RUNS}): "
          f"{res['boot_to_app_main_s']['median'] * 1000:.0f} ms "
          f"(guest clock: {res['boot_to_app_main_s']['guest_clock_median'] * 1000:.0f} ms)")
    with open(os.path.join(B, "bench.json"), "w") as f:
        json.dump(res, f, indent=2)
    print(f"written to {os.path.relpath(os.path.join(B, 'bench.json'), ROOT)}")


if __name__ == "__main__":
    main()
