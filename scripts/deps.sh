#!/usr/bin/env bash
# scripts/deps.sh: install and prepare everything the build and tests need
# that is not in the repo: Debian packages, lwIP's source, and newlib.
#
# A fresh machine has none of it, so the project must bring it in itself.
# Run by `make deps` before every build, so when all is in place it must do
# no apt or network call and finish in well under a second; stamps under
# $B/.stamp-* and one dpkg-query make that so.  Silent when there is nothing
# to do, one line per action otherwise.  B (default: build) is the build dir.
set -euo pipefail
TAG=deps
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
export B

PKGS=(qemu-system-x86 ipxe-qemu ipxe tgt libcmocka-dev python3-pytest python3-matplotlib socat dnsmasq-base
      newlib-source clang libclang-rt-14-dev llvm iproute2 libiscsi-bin
      dpkg-dev xz-utils texinfo)
LWIP_SERIES=2.1

mkdir -p "$BD/deps"
APTLOG=$BD/deps/apt.log
# Two makes started at once must not both run apt or build newlib.
exec 9>"$BD/.deps.lock"
flock 9

need_root() {
	[ "${SUDO[0]:-}" != __no_sudo__ ] ||
		die "need root or sudo for: $*; run it as root by hand"
}

# apt output goes to a log: the user wants to see what was done, not apt's
# progress; on failure the log's tail is shown.
apt_run() {
	need_root "apt-get $*"
	echo "=== apt-get $*" >>"$APTLOG"
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get -q -o DPkg::Lock::Timeout=120 "$@" >>"$APTLOG" 2>&1
}

APT_UPDATED=0
apt_update() {
	[ $APT_UPDATED -eq 0 ] || return 0
	say "apt-get update"
	apt_run update || { tail -n 15 "$APTLOG" >&2; die "apt-get update failed; run: sudo apt-get update"; }
	APT_UPDATED=1
}

apt_install() {
	# Recommends are not needed: qemu's ROMs (ipxe-qemu, seabios) are hard
	# dependencies, and recommends would pull in a GUI stack.
	apt_run install -y --no-install-recommends "$@"
}

# ---------------------------------------------------------------- 1. packages
declare -A installed=()
while read -r name status; do
	[ "$status" = "install ok installed" ] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
missing=()
for p in "${PKGS[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	say "apt-get install ${missing[*]}"
	if ! apt_install "${missing[@]}"; then
		# Usually stale or absent package lists (a fresh machine).
		apt_update
		if ! apt_install "${missing[@]}"; then
			# Find which package(s) apt cannot install, to name them.
			bad=()
			for p in "${missing[@]}"; do
				apt_install "$p" || bad+=("$p")
			done
			[ ${#bad[@]} -gt 0 ] || bad=("${missing[@]}")
			tail -n 15 "$APTLOG" >&2
			die "apt-get install of ${bad[*]} failed; run: sudo apt-get install ${bad[*]}"
		fi
	fi
fi

# ---------------------------------------------------------------- 2. lwIP
# Debian carries lwIP as a source package only, so apt needs a deb-src entry.
has_deb_src() {
	grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
	grep -Eqs '^Types:.*[[:space:]]deb-src([[:space:]]|$)' /etc/apt/sources.list.d/*.sources
}

# Mirror the main archive's deb entry (not -security, not third parties),
# whichever of the two sources formats it is written in.
add_deb_src() {
	local d=/etc/apt/sources.list.d file body
	body=$(awk '
		function flush() {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris ~ /debian/ && uris !~ /security/ && suites != "")
				printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n%s\n", uris, suites, comps, (sb != "" ? "Signed-By: " sb "\n" : "")
			types = uris = suites = comps = sb = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^[ \t]*#/ { next }
		{ v = $0; sub(/^[^:]*:[ \t]*/, "", v) }
		/^Types:/      { types = v }
		/^URIs:/       { uris = v }
		/^Suites:/     { suites = v }
		/^Components:/ { comps = v }
		/^Signed-By:/  { sb = v }
		END { flush() }
	' "$d"/*.sources 2>/dev/null || true)
	if [ -n "$body" ]; then
		file=$d/tether-deb-src.sources
	else
		body=$(cat /etc/apt/sources.list "$d"/*.list 2>/dev/null |
			awk '$1 == "deb" && /debian/ && !/security/ { $1 = "deb-src"; print }' || true)
		file=$d/tether-deb-src.list
	fi
	[ -n "$body" ] || die "no deb entry for Debian's archive in /etc/apt to base a deb-src entry on; add a deb-src line for Debian main by hand, then run: sudo apt-get update"
	need_root "writing $file"
	say "no deb-src entry in /etc/apt: adding $file (mirrors the Debian main deb entry) for lwIP's source"
	printf '%s\n' "$body" | "${SUDO[@]}" tee "$file" >/dev/null ||
		die "could not write $file; add a deb-src entry by hand"
	APT_UPDATED=0
	apt_update
}

lwip_fetch() {
	local deps=$BD/deps orig top tmp
	has_deb_src || add_deb_src
	say "apt-get source --download-only lwip (into $deps)"
	# No root needed: it only downloads into the cwd.  The '_apt cannot
	# access' warning root gets here is harmless, hence the log.
	if ! (cd "$deps" && apt-get -q source --download-only lwip >>"$APTLOG" 2>&1); then
		apt_update
		(cd "$deps" && apt-get -q source --download-only lwip >>"$APTLOG" 2>&1) || {
			tail -n 15 "$APTLOG" >&2
			die "apt-get source of lwip failed; run: cd $deps && apt-get source --download-only lwip"
		}
	fi
	# Upstream orig only: Debian's patches are about its shared-library
	# packaging, which a unikernel doesn't use.
	orig=$(ls "$deps"/lwip_*.orig.tar.* 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$orig" ] || die "no lwip_*.orig.tar.* in $deps after apt-get source"
	case ${orig##*/} in
		lwip_$LWIP_SERIES.*) ;;
		*) die "${orig##*/} is not lwIP $LWIP_SERIES.x; the port expects $LWIP_SERIES" ;;
	esac
	say "unpack ${orig##*/} into $BD/lwip"
	tmp=$BD/lwip.tmp
	rm -rf "$tmp" "$BD/lwip"
	mkdir -p "$tmp"
	tar -xf "$orig" -C "$tmp" || die "unpacking $orig failed; run: tar -xf $orig"
	top=$(dirname "$(find "$tmp" -maxdepth 3 -path '*/src/Filelists.mk' -print -quit)")
	[ -f "$top/Filelists.mk" ] || die "no src/Filelists.mk in $orig"
	mv "$(dirname "$top")" "$BD/lwip"
	rm -rf "$tmp"
	grep -Eq '^#define LWIP_VERSION_MAJOR +2[[:space:]]*$' "$BD/lwip/src/include/lwip/init.h" &&
	grep -Eq '^#define LWIP_VERSION_MINOR +1[[:space:]]*$' "$BD/lwip/src/include/lwip/init.h" ||
		die "$BD/lwip/src/include/lwip/init.h does not say version $LWIP_SERIES"
	basename "$orig" >"$BD/.stamp-lwip"
}

[ -f "$BD/.stamp-lwip" ] && [ -f "$BD/lwip/src/Filelists.mk" ] || lwip_fetch

# ---------------------------------------------------------------- 3. newlib
if ! newlib_is_current; then
	say "building newlib (log: $BD/newlib-build/build.log)"
	bash "$ROOT/scripts/newlib.sh" || die "newlib build failed; run: bash scripts/newlib.sh"
fi
