# tether: top-level build.  See README.md.
.DEFAULT_GOAL := all
SHELL := /bin/bash

B := build
HOSTCC ?= gcc
CLANG ?= clang
PYTHON ?= /usr/bin/python3
FUZZ_SECONDS ?= 20


# ---------------------------------------------------------------- dependencies
.PHONY: deps
deps:
	@B=$(B) bash scripts/deps.sh

NEWLIB := $(B)/newlib/x86_64-elf
GCCINC := $(shell $(HOSTCC) -print-file-name=include)

# ---------------------------------------------------------------- the image
# Bare metal with the host gcc: no Linux predefines, no host headers, no red
# zone (interrupts push onto the same stack), no PIC, frame pointers kept for
# backtraces.  Kernel code is general-registers-only so interrupt handlers
# never touch SSE state; app code may use SSE (newlib needs it).
BASE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. \
	-ffreestanding -nostdinc -isystem $(NEWLIB)/include -isystem $(GCCINC) \
	-U__linux__ -U__linux -U__unix__ -U__unix -Ulinux -Uunix -U__gnu_linux__ \
	-mno-red-zone -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-strict-aliasing -fno-delete-null-pointer-checks \
	-ffunction-sections -MMD -MP \
	-D_POSIX_TIMERS=1 -D_POSIX_MONOTONIC_CLOCK=200112L
KCFLAGS := $(BASE_CFLAGS) -mgeneral-regs-only
ACFLAGS := $(BASE_CFLAGS)
ASFLAGS := -I. -D__ASSEMBLY__ -MMD -MP
LDFLAGS := -nostdlib -static -T linker.ld -z noexecstack -z max-page-size=4096 --no-warn-rwx-segments --gc-sections

KSRCS := $(wildcard lib/*.c boot/*.c kernel/*.c mm/*.c net/*.c blk/*.c blk/iscsi/*.c init/*.c)
KASRCS := $(wildcard boot/*.S kernel/*.S)
# Extra kernel objects (lwIP and its port) come from net/*.mk fragments.
EXTRA_KOBJS :=
include $(wildcard net/*.mk)
ASRCS := $(wildcard apps/*.c)
KOBJS := $(patsubst %.c,$(B)/obj/%.o,$(KSRCS)) $(patsubst %.S,$(B)/obj/%.o,$(KASRCS))
AOBJS := $(patsubst %.c,$(B)/obj/%.o,$(ASRCS))
OBJS := $(KOBJS) $(EXTRA_KOBJS) $(AOBJS)
LIBS := $(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a

$(B)/obj/apps/%.o: apps/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(HOSTCC) $(ACFLAGS) -c -o $@ $<
$(B)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(HOSTCC) $(KCFLAGS) -c -o $@ $<
$(B)/obj/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(HOSTCC) $(ASFLAGS) -c -o $@ $<

# Two passes: the second embeds the symbol table of the first (for
# backtraces).  .ksyms sits after all code, so no function may move; the
# check below proves it.
$(B)/tether.pass1.elf: $(OBJS) linker.ld
	@echo "  LD      $@"
	@ld $(LDFLAGS) -o $@ $(OBJS) --start-group $(LIBS) --end-group
$(B)/ksyms.S: $(B)/tether.pass1.elf scripts/ksyms.sh
	@bash scripts/ksyms.sh $< > $@
$(B)/ksyms.o: $(B)/ksyms.S
	@$(HOSTCC) -c -o $@ $<
$(B)/tether.elf: $(B)/tether.pass1.elf $(B)/ksyms.o
	@echo "  LD      $@ (with symbols)"
	@ld $(LDFLAGS) -o $@ $(OBJS) $(B)/ksyms.o --start-group $(LIBS) --end-group
	@cmp -s <(nm $< | grep -i ' t ' | sort) <(nm $@ | grep -i ' t ' | sort) || \
		{ echo "error: functions moved between the two link passes (linker.ld: .ksyms must stay last)"; exit 1; }
$(B)/tether.bin: $(B)/tether.elf
	@objcopy -O binary $< $@
	@size $< | tail -1 | awk '{printf "tether: text %d data %d bss %d bytes; image %s\n", $$1, $$2, $$3, "$@"}'

.PHONY: all kernel
# deps first, in a make of its own: the lwIP sources it unpacks must exist
# when the make that builds them reads its rules.
all: deps
	@$(MAKE) --no-print-directory kernel
kernel: $(B)/tether.bin

-include $(OBJS:.o=.d)

# ---------------------------------------------------------------- host tests
.SECONDEXPANSION:
UNIT_TESTS :=
FUZZERS :=
include tests/sources.mk
include $(wildcard tests/unit/*.mk)
include $(wildcard tests/fuzz/*.mk)

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

UT_BINS := $(addprefix $(B)/unit/test_,$(UNIT_TESTS))
FZ_BINS := $(addprefix $(B)/fuzz/fuzz_,$(FUZZERS))

$(B)/unit/test_%: tests/unit/test_%.c tests/unit/host_assert.c $$(UT_$$*_SRCS) | $(B)/unit/
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ $< tests/unit/host_assert.c $(UT_$*_SRCS) -lcmocka

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_assert.c $$(FZ_$$*_SRCS) | $(B)/fuzz/
	@echo "  FUZZCC  $@"
	@$(CLANG) -std=gnu11 -O1 -g -I. -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< tests/fuzz/fuzz_assert.c $(FZ_$*_SRCS)

.PHONY: unit fuzz
unit: $(UT_BINS)
	@set -e; for t in $(UT_BINS); do echo "== $$t"; $$t; done

fuzz: $(FZ_BINS)
	@set -e; for f in $(FZ_BINS); do \
		n=$${f##*/fuzz_}; c=tests/fuzz/corpus/$$n; w=$(B)/fuzz/corpus-$$n; mkdir -p $$w; \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$w $$( [ -d $$c ] && echo $$c ) 2>&1 | tail -n 12; \
		test $${PIPESTATUS[0]} -eq 0; \
	done

$(B)/%/:
	@mkdir -p $@
.PRECIOUS: $(B)/%/


# ---------------------------------------------------------------- run, test, bench
# Every QEMU command line comes from scripts/qemu.py.
RUN_APPEND ?= app=selftest

.PHONY: run run-selftest test system bench clean layers
# The main job: a private tgtd, a node PXE-booted through iPXE, a verified
# write and read on the LUN, the figures (scripts/run.py).
run: all $(B)/tools/pattern
	@$(PYTHON) scripts/run.py

# The foundation alone: boot with -kernel and run the selftest app; QEMU's
# status follows tether's exit convention (33 + 2N), so 33 means exit 0.
run-selftest: all
	@$(PYTHON) scripts/run.py selftest $(RUN_APPEND)

$(B)/tools/%: tests/tools/%.c | $(B)/tools/
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -O2 -Wall -Wextra -Werror -o $@ $<

system: all $(B)/tools/pattern $(B)/tools/flood
	cd tests/system && $(PYTHON) -m pytest -v -rs

# Layers point down: every include or reference from a lower layer to a
# higher one is listed, and any fails the check (scripts/layers.py).
layers: all
	@echo "== layers: includes and symbols from a lower layer to a higher one"
	@$(PYTHON) scripts/layers.py --objects $(B)/obj $(filter $(B)/obj/%.o,$(KOBJS) $(AOBJS))

test: all
	@$(MAKE) --no-print-directory layers
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory system

bench: all $(B)/tools/pattern $(B)/tools/flood
	$(PYTHON) scripts/bench.py $(BENCH)

clean:
	rm -rf $(B)/obj $(B)/unit $(B)/fuzz $(B)/tether* $(B)/ksyms.*
