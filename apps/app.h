/*
 * Built-in apps.  An app is linked into the image and registered with
 * APP(); the command-line key app=NAME picks one, and it runs as
 * main(argc, argv) in an app thread (app stack partition, libc allowed)
 * with the arguments after "--".  argv[0] is the app's name.  Its return
 * value, or the status given to exit(), becomes the node's exit status.
 */
#ifndef APPS_APP_H
#define APPS_APP_H

/* What an app needs brought up before it starts. */
#define APP_NEEDS_STORAGE (1u << 0) /* the iSCSI LUN (and so the network) */

struct app {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
	unsigned needs;
};

#define APP(id, name_, main_, help_) APP_NEEDS(id, name_, main_, help_, 0)
#define APP_NEEDS(id, name_, main_, help_, needs_)                                                 \
	static const struct app app_##id                                                           \
	    __attribute__((section(".apps." #id), used, aligned(8))) = {name_, main_, help_, needs_}

const struct app *app_find(const char *name);

/*
 * The app ends with status (libc's _exit lands here): the calling thread
 * stops, and the main thread closes storage and ends the node.  App threads.
 */
_Noreturn void app_exit(int status);

/*
 * Start the app named by app= and wait for it; ends the node with its exit
 * status.  Runs in the kernel's main thread.
 */
_Noreturn void app_run(void);

#endif
