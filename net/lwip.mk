# lwIP 2.1.3, unpacked by `make deps` into build/lwip and never patched, plus
# its port (net/port).  The core files are those of src/Filelists.mk
# (COREFILES + CORE4FILES + netif/ethernet.c), listed here because that file
# has CRLF line endings that make cannot read.  Our own net/*.c are compiled
# by the top Makefile; they need lwIP's headers too, hence KCFLAGS.
LWIP_SRC := $(B)/lwip/src
LWIP_FILES := \
	core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c \
	core/altcp.c core/altcp_alloc.c core/altcp_tcp.c core/tcp.c core/tcp_in.c \
	core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/autoip.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
	core/ipv4/igmp.c core/ipv4/ip4_frag.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	netif/ethernet.c

KCFLAGS += -Inet/port -I$(LWIP_SRC)/include
EXTRA_KOBJS += $(addprefix $(B)/obj/lwip/,$(LWIP_FILES:.c=.o))

# lwIP is third-party code: same flags as the kernel (warnings are errors
# too; 2.1.3 builds clean), but a separate object tree.
$(B)/obj/lwip/%.o: $(LWIP_SRC)/%.c net/port/lwipopts.h net/port/arch/cc.h net/port/lwippools.h | deps
	@mkdir -p $(@D)
	@echo "  CC      lwip/$*.c"
	@$(HOSTCC) $(KCFLAGS) -c -o $@ $<
