/*
 * Invariant checks that stay on in every build.
 *
 * ASSERT(cond) panics with the expression, file and line when cond is false.
 * In the kernel that means a register dump and a backtrace on COM1 and a
 * failure exit; in host unit tests kassert_fail() is provided by the test
 * harness and aborts the test.  May be called from any context.
 */
#ifndef KERNEL_ASSERT_H
#define KERNEL_ASSERT_H

_Noreturn void kassert_fail(const char *expr, const char *file, int line, const char *func);

#define ASSERT(cond)                                                                               \
	do {                                                                                       \
		if (__builtin_expect(!(cond), 0))                                                  \
			kassert_fail(#cond, __FILE__, __LINE__, __func__);                         \
	} while (0)

#define BUILD_ASSERT(cond) _Static_assert(cond, #cond)

#endif
