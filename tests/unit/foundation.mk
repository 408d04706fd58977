# Foundation modules: console formatting, command line, memory pools/heap/layout.
UNIT_TESTS += fmt cmdline pool heap layout
UT_fmt_SRCS := kernel/fmt.c
UT_cmdline_SRCS := kernel/cmdline.c kernel/fmt.c
UT_pool_SRCS := mm/pool.c
UT_heap_SRCS := mm/heap.c
UT_layout_SRCS := mm/layout.c kernel/fmt.c
