/*
 * Glue between the keys modules declare (section .params) and the pure
 * command-line parser.  The parsed line and the values live here for the
 * whole run, since values point into the parsed copy.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "kernel/params.h"
#include "kernel/assert.h"
#include "kernel/console.h"

extern const struct cmdline_key __params_start[], __params_end[];

static struct cmdline cl;
static struct cmdline_value vals[PARAMS_MAX];
static const char *raw;

static void report(void *ctx, const char *msg)
{
	(void)ctx;
	con_printf("%s\n", msg);
}

int params_init(const char *line)
{
	char err[200];
	size_t n = (size_t)(__params_end - __params_start);
	ASSERT(n <= PARAMS_MAX);
	raw = line;
	int rc = cmdline_parse(&cl, line, err, sizeof(err));
	if (rc) {
		con_printf("%s\n", err);
		return -EINVAL;
	}
	return cmdline_apply(&cl, __params_start, n, vals, report, 0);
}

const struct cmdline_value *param_get(const char *key)
{
	int i = cmdline_find(__params_start, (size_t)(__params_end - __params_start), key);
	ASSERT(i >= 0);
	return &vals[i];
}

int params_argc(void)
{
	return cl.argc;
}

char **params_argv(void)
{
	return cl.argv;
}

const char *params_line(void)
{
	return raw;
}
