# Network configuration parsing (net/netcfg.c): pure logic, host-tested.
UNIT_TESTS += netcfg
UT_netcfg_SRCS := net/netcfg.c kernel/fmt.c

# Frame classification (net/flow.c): storage or general, from the headers.
UNIT_TESTS += flow
UT_flow_SRCS := net/flow.c

# lwIP's memory per traffic class (net/netmem.c).
UNIT_TESTS += netmem
UT_netmem_SRCS := net/netmem.c
