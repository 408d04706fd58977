/* App registry and launcher: finds app=NAME and runs it in its own app thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "blk/blk.h"
#include "blk/iscsi/iscsi.h"
#include "config.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/params.h"
#include "kernel/cpu.h"
#include "kernel/sync.h"
#include "kernel/thread.h"

PARAM(app, .key = "app", .type = CMDLINE_STR, .defval = "selftest", .on_bad = CMDLINE_FATAL,
      .help = "the built-in app to run (default selftest)");

extern const struct app __apps_start[], __apps_end[];

static const struct app *chosen;
static struct sem done = {0, WAITQ_INIT};
static char *argv_buf[CMDLINE_MAX_ARGS + 2]; /* the app's name, the arguments, NULL */

const struct app *app_find(const char *name)
{
	for (const struct app *a = __apps_start; a < __apps_end; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return 0;
}

static void app_thread(void *arg)
{
	(void)arg;
	int argc = params_argc() + 1;
	argv_buf[0] = (char *)chosen->name;
	for (int i = 1; i < argc; i++)
		argv_buf[i] = params_argv()[i - 1];
	argv_buf[argc] = 0;
	pr_info("app: starting %s (app_main, %d argument%s)\n", chosen->name, argc - 1,
	        argc == 2 ? "" : "s");
	/* exit() rather than returning: it flushes stdio and runs atexit handlers. */
	exit(chosen->main(argc, argv_buf));
}

void app_exit(int status)
{
	if (tether_shutdown(status))
		sem_up(&done);
	/* Other threads of the app may run on until the node ends: that is the
	 * shutdown's business, not this thread's. */
	thread_exit(status);
}

void app_run(void)
{
	const char *name = param_get("app")->str;
	chosen = app_find(name);
	if (!chosen) {
		con_printf("cmdline: app=%s: no such app; expected one of:", name);
		for (const struct app *a = __apps_start; a < __apps_end; a++)
			con_printf(" %s%s", a->name, a + 1 < __apps_end ? "," : "");
		con_printf("; cannot continue\n");
		tether_exit(TETHER_EXIT_CMDLINE);
	}
	/* Storage comes up beside the app, which waits for it with blk_wait(). */
	if (chosen->needs & APP_NEEDS_STORAGE)
		iscsi_boot_start();
	struct thread *t = thread_create(chosen->name, THREAD_PRIO_NORMAL,
					 THREAD_APP | THREAD_DETACHED, app_thread, 0);
	if (!t)
		panic("cannot start app %s", chosen->name);
	sem_down(&done);
	int status = tether_shutdown_status();
	if (chosen->needs & APP_NEEDS_STORAGE)
		blk_close_all(); /* log out: the target frees the session at once */
	tether_exit(status);
}

/* ---- newlib's exits land here: the app is the node's only process ---- */

void _exit(int status);
void _exit(int status)
{
	/* The app is done, whichever of its threads said so; the kernel's main
	 * thread shuts the node down (storage logout first). */
	app_exit(status);
}

int kill(int pid, int sig);
int kill(int pid, int sig)
{
	/* abort() raises SIGABRT at itself: treat it as the app failing. */
	if (pid == 1) {
		con_printf("app: killed by signal %d\n", sig);
		app_exit(128 + sig > TETHER_EXIT_MAX ? TETHER_EXIT_MAX : 128 + sig);
	}
	errno = ESRCH;
	return -1;
}
