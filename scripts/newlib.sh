#!/usr/bin/env bash
# scripts/newlib.sh: build newlib (C library for the unikernel) from Debian's
# newlib-source tarball with the host gcc, and install it under $B/newlib.
#
# Debian has no x86_64-elf cross compiler, so we pose the host binutils/gcc
# as one through wrapper scripts; newlib's configure finds them by name.
# Normally run by deps.sh, which skips it when $B/.stamp-newlib is current.
set -euo pipefail
TAG=newlib
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ -n "$NEWLIB_TARBALL" ] ||
	die "no /usr/src/newlib/newlib-*.tar.* (package newlib-source); run: sudo apt-get install newlib-source"

SRC=$BD/newlib-src
OBJ=$BD/newlib-build
TOOLS=$BD/newlib-tools/bin
PREFIX=$BD/newlib
LOG=$OBJ/build.log

# Remove the stamp first so an interrupted build is never taken as done.
rm -f "$BD/.stamp-newlib"
rm -rf "$SRC" "$OBJ" "$TOOLS" "$PREFIX"
mkdir -p "$SRC" "$OBJ" "$TOOLS"
: >"$LOG"

# Run one build step with its output in the log; on failure show the end of
# the log, since configure/make errors are rarely in the last line alone.
step() {
	local name=$1; shift
	say "$name"
	echo "=== $name: $*" >>"$LOG"
	if ! "$@" >>"$LOG" 2>&1; then
		echo "--- last 30 lines of $LOG:" >&2
		tail -n 30 "$LOG" >&2
		die "step '$name' failed; rerun by hand: bash scripts/newlib.sh (log: $LOG)"
	fi
}

# The tarball's top folder is not named after the version (newlib-salsa/),
# so unpack into an empty folder and take whatever single folder appears.
step "unpack $(basename "$NEWLIB_TARBALL")" tar -xf "$NEWLIB_TARBALL" -C "$SRC"
tops=("$SRC"/*/)
[ ${#tops[@]} -eq 1 ] && [ -f "${tops[0]}configure" ] ||
	die "unexpected layout in $NEWLIB_TARBALL (want one folder holding configure)"
TOP=${tops[0]%/}

# gcc's own headers (stddef.h, stdarg.h, limits.h...) must still be found,
# but after newlib's: -nostdinc drops the host's glibc headers and
# -idirafter puts gcc's freestanding ones behind everything newlib adds.
GCC_INC=$(gcc -print-file-name=include)
[ -f "$GCC_INC/stddef.h" ] || die "gcc's include dir ($GCC_INC) has no stddef.h"
cat >"$TOOLS/x86_64-elf-gcc" <<EOF
#!/bin/sh
# Host gcc posing as a bare-metal x86_64-elf compiler (see scripts/newlib.sh).
exec gcc -nostdinc -idirafter $GCC_INC $NEWLIB_WRAP_CFLAGS "\$@"
EOF
cp "$TOOLS/x86_64-elf-gcc" "$TOOLS/x86_64-elf-cc"
for t in ar as ld nm ranlib objcopy objdump strip readelf; do
	printf '#!/bin/sh\nexec %s "$@"\n' "$t" >"$TOOLS/x86_64-elf-$t"
done
chmod +x "$TOOLS"/*

export PATH="$TOOLS:$PATH"
# Keep host settings from leaking into the target build.
unset CFLAGS CPPFLAGS LDFLAGS CC AR AS LD

cd "$OBJ"
step configure "$TOP/configure" --prefix="$PREFIX" "${NEWLIB_CONFIGURE_ARGS[@]}" \
	CFLAGS_FOR_TARGET="$NEWLIB_CFLAGS"
step "make all-target-newlib (a few minutes)" make -j"$(nproc)" all-target-newlib
step "make install-target-newlib" make install-target-newlib
cd "$ROOT"

LIB=$PREFIX/x86_64-elf/lib
for f in "$PREFIX/x86_64-elf/include/stdio.h" "$LIB/libc.a" "$LIB/libm.a"; do
	[ -f "$f" ] || die "install did not produce $f (log: $LOG)"
done
step "strip -g" strip -g "$LIB"/*.a

# Check that the library is the one the kernel was written against.
syms=$(nm -g "$LIB/libc.a" 2>/dev/null)
for s in printf malloc __retarget_lock_acquire_recursive; do
	grep -qE "^[0-9a-f]* *[TWU] $s\$" <<<"$syms" || die "libc.a lacks $s"
done
# Syscalls are unprefixed on this target (MISSING_SYSCALL_NAMES): libc
# references write/sbrk/... and the kernel must supply them.
for s in write sbrk _exit; do
	grep -qE "^ +U $s\$" <<<"$syms" || die "libc.a does not reference syscall $s"
done

newlib_stamp_value >"$BD/.stamp-newlib"
say "installed in $PREFIX ($(du -k "$LIB/libc.a" | cut -f1) KiB libc.a)"
