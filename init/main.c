/*
 * kmain: the boot sequence after boot/multiboot.S reaches 64-bit mode.  It sits
 * above every layer (init/ is the top of the tree): it brings up the kernel
 * and the partitions, probes devices, then hands the node to the app.
 * Order matters: the console first (so every later failure can speak), the
 * command line before the partitions (its keys may size them), the
 * partitions before anything allocates, and the scheduler last.
 */
#include <stdint.h>

#include "apps/app.h"
#include "boot/bootinfo.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/panic.h"
#include "kernel/params.h"
#include "kernel/pci.h"
#include "kernel/thread.h"
#include "kernel/trap.h"
#include "mm/mm.h"

#define TETHER_VERSION "0.1.0"

PARAM(loglevel, .key = "loglevel", .type = CMDLINE_UINT, .defval = "6", .min = 0, .max = 7,
      .on_bad = CMDLINE_USE_DEFAULT,
      .help = "console verbosity 0..7 as in Linux (default 6: info)");

static struct bootinfo bootinfo;

static void main_thread(void *arg)
{
	(void)arg;
	/* Devices need threads (drivers sleep while probing) and the partitions. */
	pci_init();
	app_run();
}

void kmain(uint32_t magic, uint32_t mbi);
void kmain(uint32_t magic, uint32_t mbi)
{
	char err[256];

	clock_early_init();
	con_init();
	cpu_init();
	trap_init();
	/* Calibrate before anything prints, so every line has a real timestamp. */
	lapic_init();
	clock_init();

	con_printf("tether %s (x86-64, built " __DATE__ " " __TIME__ ")\n", TETHER_VERSION);
	if (bootinfo_parse(magic, mbi, &bootinfo, err, sizeof(err))) {
		con_printf("%s\n", err);
		tether_exit(TETHER_EXIT_NOMEM);
	}
	if (bootinfo.loader[0])
		con_printf("boot loader: %s\n", bootinfo.loader);
	con_printf("Command line: %s\n", bootinfo.cmdline);
	if (!bootinfo.from_mmap)
		pr_warn("boot: the loader passed no memory map; using mem_lower/mem_upper\n");

	if (params_init(bootinfo.cmdline))
		tether_exit(TETHER_EXIT_CMDLINE);
	con_set_loglevel((int)param_get("loglevel")->num);

	if (mm_init(bootinfo.ram, bootinfo.nram, err, sizeof(err))) {
		con_printf("mm: RAM too small for the partition table: %s\n", err);
		con_printf("mm: give the node more memory (QEMU -m), or shrink the partitions in "
		           "config.h\n");
		tether_exit(TETHER_EXIT_NOMEM);
	}
	mm_report(false);

	thread_init();
	if (!thread_create("main", THREAD_PRIO_NORMAL, 0, main_thread, 0))
		panic("cannot create the main thread");
	thread_idle();
}
