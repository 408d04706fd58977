/* Host-side kassert_fail() for unit tests: report and abort, so ASan/cmocka show where. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/assert.h"

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	/* mock_assert lets a test use expect_assert_failure(); otherwise it fails the test. */
	static char msg[256]; /* cmocka keeps the pointer after it longjmps out */
	snprintf(msg, sizeof(msg), "ASSERT(%s) in %s()", expr, func);
	mock_assert(0, msg, file, line);
	abort();
}
