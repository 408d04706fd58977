/*
 * Command-line keys.  A module declares the keys it owns with PARAM() next
 * to the code that uses them; they are gathered from the .params section,
 * validated against the Multiboot command line by kernel/cmdline.c, and read
 * back with param_get().  README.md lists every key.
 */
#ifndef KERNEL_PARAMS_H
#define KERNEL_PARAMS_H

#include "kernel/cmdline.h"

#define PARAM(id, ...)                                                                             \
	static const struct cmdline_key param_##id                                                 \
	    __attribute__((section(".params." #id), used, aligned(8))) = {__VA_ARGS__}

/*
 * Parse and validate the command line, reporting every problem on the
 * console.  Returns 0, or -EINVAL when a key whose bad value is fatal was
 * given one (the caller stops the node).  Boot, once.
 */
int params_init(const char *line);

/* The value of a declared key (default if not given).  Thread context. */
const struct cmdline_value *param_get(const char *key);

/* The app arguments after "--". */
int params_argc(void);
char **params_argv(void);

/* The raw line as the loader gave it. */
const char *params_line(void);

#endif
