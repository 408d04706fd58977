#!/bin/bash
# Emit the .ksyms assembly for an ELF: the function symbols sorted by address,
# ending with __text_end as a marker.  Used between the two kernel link passes.
set -euo pipefail
elf=$1
nm -n --defined-only "$elf" | awk '
	$2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
	$3 == "__text_end" { endaddr = $1 }
	END {
		addr[n] = endaddr; name[n] = "__text_end"; n++
		print "\t.section .ksyms, \"a\""
		print "\t.balign 8"
		printf "\t.quad %d\n", n
		off = 0
		for (i = 0; i < n; i++) { printf "\t.quad 0x%s, %d\n", addr[i], off; off += length(name[i]) + 1 }
		for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
	}'
