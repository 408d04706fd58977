UNIT_TESTS += bootinfo
UT_bootinfo_SRCS := boot/bootinfo.c kernel/fmt.c
