#!/usr/bin/env python3
"""List every place where a lower layer of tether reaches a higher one.

Layers point down: a lower layer learns about an upper one only through
registration (ops tables, linker-section tables such as PARAM, APP, REPORT
and NET_DHCP_OPTION, callbacks).  This script checks two things:

  * every quoted #include in our C and assembly sources, against the layer
    order below;
  * with --objects, every undefined symbol of a lower layer's object file
    that a higher layer's object defines: a call or a reference by name
    that an extern declaration smuggled past the include check.

It prints one line per violation and exits 1 if there is any, 0 (silently)
otherwise.  `make test` runs it first, and a newcomer can run `make layers`.
"""
import argparse
import os
import re
import subprocess
import sys

# Lowest first.  Folders on one rank form one layer and may use each other:
# the kernel needs partitions for stacks, the partitions need the kernel's
# locks and console, and the pure helpers in lib/ use its assertions.
LAYERS = [
    ["lib", "boot", "kernel", "mm"],  # the machine, threads, partitions; pure helpers
    ["net"],                      # NICs, lwIP's port, DHCP, TCP API
    ["blk"],                      # block layer, page cache, iSCSI
    ["fs"],                       # files
    ["apps"],                     # built-in workloads
    ["init"],                     # kmain: wires the layers together
]
RANK = {d: r for r, ds in enumerate(LAYERS) for d in ds}

# A lower layer may name these symbols of a higher one, each for the reason
# given.  Keep this list short.
ALLOWED = {
    ("boot", "kmain"): "the entry code jumps to the top of the tree",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCES = (".c", ".h", ".S")


def layer_of(path):
    top = path.split("/", 1)[0]
    return top if top in RANK else None


def sources(root):
    for top in RANK:
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith(SOURCES):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def include_violations(root):
    out = []
    for src in sources(root):
        low = layer_of(src)
        with open(os.path.join(root, src), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            target = m.group(1)
            high = layer_of(target)
            if high and RANK[high] > RANK[low]:
                line = text.count("\n", 0, m.start()) + 1
                out.append(f"{src}:{line}: {low}/ includes {target} ({high}/ is above it)")
    return out


def nm(path, flags):
    r = subprocess.run(["nm", flags, path], capture_output=True, text=True, check=True)
    return r.stdout.splitlines()


def symbol_violations(objdir, objects):
    defined = {}   # symbol -> (layer, object)
    undefined = []  # (layer, object, symbol)
    for obj in objects:
        rel = os.path.relpath(obj, objdir)
        layer = layer_of(rel)
        if not layer:
            continue
        for line in nm(obj, "--defined-only"):
            parts = line.split()
            if len(parts) == 3 and parts[1].isupper():
                defined[parts[2]] = (layer, rel)
        for line in nm(obj, "--undefined-only"):
            undefined.append((layer, rel, line.split()[-1]))
    out = []
    for layer, rel, sym in undefined:
        if sym not in defined or (layer, sym) in ALLOWED:
            continue
        high, where = defined[sym]
        if RANK[high] > RANK[layer]:
            out.append(f"{rel}: {layer}/ uses {sym}, defined in {where} ({high}/ is above it)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".", help="the tree to check (default: .)")
    ap.add_argument("--objects", metavar="DIR",
                    help="also check the image's object files, named relative to DIR")
    ap.add_argument("files", nargs="*", help="the object files (with --objects)")
    args = ap.parse_args()
    bad = include_violations(args.root)
    if args.objects:
        missing = [f for f in args.files if not os.path.isfile(f)]
        if missing or not args.files:
            sys.exit(f"layers: no object files to check ({' '.join(missing) or 'none given'}); "
                     "build first (make all)")
        bad += symbol_violations(args.objects, args.files)
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
