# Network configuration parsing (net/netcfg.c): pure logic, host-tested.
UNIT_TESTS += netcfg
UT_netcfg_SRCS := net/netcfg.c kernel/fmt.c

# Frame classification (net/flow.c): storage or general, from the headers.
UNIT_TESTS += flow
UT_flow_SRCS := net/flow.c
