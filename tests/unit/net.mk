# Network configuration parsing (net/netcfg.c): pure logic, host-tested.
UNIT_TESTS += netcfg
UT_netcfg_SRCS := net/netcfg.c kernel/fmt.c
