# Fuzzer for the NIC-to-lwIP receive path: net/netif.c plus the same lwIP
# core files net/lwip.mk builds for the kernel, compiled for the host with
# tether's own lwipopts.h and arch/cc.h (net/port); fuzz_net_host.c stands in
# for the kernel symbols they reach.
FUZZERS += netif_input
FZ_LWIP_OBJS := $(addprefix $(B)/fuzz/lwip/,$(LWIP_FILES:.c=.o))
FZ_netif_input_SRCS := tests/fuzz/fuzz_net_host.c net/netif.c net/flow.c net/netmem.c \
	$(FZ_LWIP_OBJS)
# Kept between builds: otherwise make deletes them as intermediates and
# rebuilds all 29 every time.
.SECONDARY: $(FZ_LWIP_OBJS)

# The common fuzzer rule has no per-fuzzer flags; lwIP's headers and the
# port's come through the compiler command for this one target.
$(B)/fuzz/fuzz_netif_input: CLANG := $(CLANG) -Inet/port -I$(LWIP_SRC)/include
$(B)/fuzz/fuzz_netif_input: net/netif.h net/nic.h net/port/lwipopts.h net/port/arch/cc.h \
	net/port/lwippools.h

# lwIP is third-party code built apart: instrumented for coverage and the
# sanitizers like the rest, but clang's tautological-compare warning (on a
# TCP_WND constant in tcp.c) is lwIP's business, not ours.
$(B)/fuzz/lwip/%.o: $(LWIP_SRC)/%.c net/port/lwipopts.h net/port/arch/cc.h net/port/lwippools.h \
		| deps
	@mkdir -p $(@D)
	@echo "  FUZZCC  lwip/$*.c"
	@$(CLANG) -std=gnu11 -O1 -g -I. -Inet/port -I$(LWIP_SRC)/include \
		-Wall -Wextra -Werror -Wno-tautological-constant-out-of-range-compare \
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -c -o $@ $<

# The frame classifier (net/flow.c): pure, no lwIP.
FUZZERS += flow
FZ_flow_SRCS := net/flow.c
