# scripts/lib.sh: settings and helpers shared by deps.sh and newlib.sh.
# Sourced, never run.  Kept free of slow work (no apt, no compiler calls) so
# that deps.sh's fast path stays well under a second.

# Every path is taken from the repo root so the scripts work from any cwd.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-build}
case $B in
	/*) BD=$B ;;
	*)  BD=$ROOT/$B ;;
esac

TAG=${TAG:-deps}
say() { printf '%s: %s\n' "$TAG" "$*"; }
die() { printf '%s: error: %s\n' "$TAG" "$*" >&2; exit 1; }

# Root already can run apt; anyone else needs sudo, and we would rather fail
# with a clear message than half-install.
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	SUDO=(__no_sudo__)
fi

# ---------------------------------------------------------------- newlib
# Debian ships newlib only as a source tarball inside newlib-source.
NEWLIB_TARBALL=
for _t in /usr/src/newlib/newlib-*.tar.*; do
	[ -f "$_t" ] && NEWLIB_TARBALL=$_t && break
done
unset _t

# Flags the x86_64-elf-gcc wrapper forces on every compile.  They define the
# ABI the kernel expects from libc: no red zone because interrupts land on
# the same stack as libc code; non-PIC small code model because the image is
# linked at 1 MiB; no Linux predefines so newlib doesn't pick Linux paths.
# SSE stays enabled on purpose: newlib's x86-64 ABI passes doubles in xmm.
NEWLIB_WRAP_CFLAGS="-ffreestanding -mno-red-zone -fno-pic -fno-pie \
-fno-stack-protector -fno-asynchronous-unwind-tables \
-U__linux__ -U__linux -U__unix__ -U__unix -Ulinux -Uunix -U__gnu_linux__ -D__ELF__"
NEWLIB_CFLAGS="-O2 -g0"
NEWLIB_CONFIGURE_ARGS=(
	--target=x86_64-elf
	--disable-multilib
	--disable-nls
	--disable-newlib-supplied-syscalls
	--enable-newlib-io-long-long
	--enable-newlib-io-c99-formats
	--enable-newlib-retargetable-locking
)

# What the newlib stamp holds: a change of tarball or any flag rebuilds.
newlib_stamp_value() {
	printf '%s\n' "$(basename "$NEWLIB_TARBALL")" "$NEWLIB_WRAP_CFLAGS" \
		"$NEWLIB_CFLAGS" "${NEWLIB_CONFIGURE_ARGS[*]}" | sha256sum | cut -d' ' -f1
}

# True when newlib is installed and was built from the current settings.
newlib_is_current() {
	[ -n "$NEWLIB_TARBALL" ] &&
	[ -f "$BD/.stamp-newlib" ] &&
	[ -f "$BD/newlib/x86_64-elf/include/stdio.h" ] &&
	[ -f "$BD/newlib/x86_64-elf/lib/libc.a" ] &&
	[ -f "$BD/newlib/x86_64-elf/lib/libm.a" ] &&
	[ "$(<"$BD/.stamp-newlib")" = "$(newlib_stamp_value)" ]
}
