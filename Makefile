# tether: top-level build.  See README.md.
.DEFAULT_GOAL := all
SHELL := /bin/bash

B := build
HOSTCC ?= gcc
CLANG ?= clang
PYTHON := /usr/bin/python3
FUZZ_SECONDS ?= 20

# ---------------------------------------------------------------- host tests
.SECONDEXPANSION:
UNIT_TESTS :=
FUZZERS :=
include $(wildcard tests/unit/*.mk)
include $(wildcard tests/fuzz/*.mk)

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. -DTETHER_HOST_TEST \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

UT_BINS := $(addprefix $(B)/unit/test_,$(UNIT_TESTS))
FZ_BINS := $(addprefix $(B)/fuzz/fuzz_,$(FUZZERS))

$(B)/unit/test_%: tests/unit/test_%.c tests/unit/host_assert.c $$(UT_$$*_SRCS) | $(B)/unit/
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< tests/unit/host_assert.c $(UT_$*_SRCS) -lcmocka

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_assert.c $$(FZ_$$*_SRCS) | $(B)/fuzz/
	$(CLANG) -std=gnu11 -O1 -g -I. -DTETHER_HOST_TEST -Wall -Wextra -Werror \
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

