/* kassert_fail() for fuzzers: an assertion is a finding, so abort loudly. */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/assert.h"

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "ASSERT(%s) failed at %s:%d in %s()\n", expr, file, line, func);
	abort();
}
