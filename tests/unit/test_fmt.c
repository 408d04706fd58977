/* Unit tests for kernel/fmt: checked against the host C library's snprintf. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

#include "kernel/fmt.h"

/* Both formatters on the same arguments must agree on text and return value. */
#define SAME(...)                                                                                  \
	do {                                                                                       \
		char want_[512], got_[512];                                                        \
		int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);                             \
		int gn_ = fmt_snprintf(got_, sizeof(got_), __VA_ARGS__);                           \
		assert_string_equal(got_, want_);                                                  \
		assert_int_equal(gn_, wn_);                                                        \
	} while (0)

static void test_plain(void **state)
{
	(void)state;
	SAME("%s", "");
	SAME("hello, world");
	SAME("100%% sure");
	SAME("%d %i %u", 42, -42, 42u);
	SAME("[%c][%3c][%-3c]", 'a', 'b', 'c');
	SAME("%s|%10s|%-10s|%.2s|%10.3s|%-10.1s|", "abc", "abc", "abc", "abc", "abcdef", "xyz");
	SAME("%.0s|%.10s", "abc", "abc");
	SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
	SAME("%#x %#X %#o", 0x1fu, 0x1fu, 8u);
	SAME("%#x %#o %#.0o %#.0x %.0d %.0u|", 0u, 0u, 0u, 0u, 0, 0u);
	SAME("%5.0d|%-5.0x|", 0, 0u);
}

static void test_integers_extreme(void **state)
{
	(void)state;
	SAME("%d %d", INT_MIN, INT_MAX);
	SAME("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	SAME("%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
	SAME("%llo %llx %llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	SAME("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, UINTMAX_MAX);
	SAME("%zu %zx %zd %zd", SIZE_MAX, SIZE_MAX, (ssize_t)-1, (ssize_t)SSIZE_MAX);
	SAME("%td %tu %tx", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)-1, (ptrdiff_t)-1);
	SAME("%hhd %hhd %hhu %hhx", 300, -129, 511, 0x1ff);
	SAME("%hd %hd %hu %hx", 70000, -32769, 131071, 0x1ffff);
	SAME("%+d %+d % d % d % d", 0, -1, 0, 5, -7);
	SAME("%020lld|%-20lld|%+020lld|", LLONG_MIN, LLONG_MIN, LLONG_MAX);
	SAME("%.30d|%40.30x|%-40.30o|", -12345, 0xabcu, 0777u);
}

static void test_star(void **state)
{
	(void)state;
	SAME("%*d|%-*d|%*d|", 6, 42, 6, 42, -6, 42);
	SAME("%.*d|%.*d|%*.*x|", 5, 42, -3, 42, 10, 4, 0xbeu);
	SAME("%*s|%.*s|%-*.*s|", 8, "ab", 1, "ab", 7, 3, "abcdef");
	SAME("%0*d|%0*d|", 8, -42, -8, -42);
}

static void test_pointer(void **state)
{
	int x;
	void *p = &x;
	char buf[64];

	(void)state;
	SAME("%p", p);
	SAME("[%30p][%-30p]", p, p);
	SAME("%p", (void *)0x1000);
	SAME("%p", (void *)UINTPTR_MAX);
	/* glibc prints "(nil)"; the kernel contract is 0x-prefixed hex always. */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%p", (void *)NULL), 3);
	assert_string_equal(buf, "0x0");
	fmt_snprintf(buf, sizeof(buf), "[%6p]", (void *)NULL);
	assert_string_equal(buf, "[   0x0]");
}

static void test_null_string(void **state)
{
	char buf[64];
	const char *volatile nul = NULL; /* hidden from -Wformat-overflow */

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", nul), 6);
	assert_string_equal(buf, "(null)");
	fmt_snprintf(buf, sizeof(buf), "[%8s][%-8s][%.3s]", nul, nul, nul);
	assert_string_equal(buf, "[  (null)][(null)  ][(nu]");
}

/* Format strings the kernel does not support, built at run time to keep -Wformat quiet. */
static int vfmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

static void test_verbatim(void **state)
{
	char buf[128];
	int n = 0;

	(void)state;
	assert_int_equal(vfmt(buf, sizeof(buf), "x=%f y=%d", 1.5, 7), 8);
	assert_string_equal(buf, "x=%f y=7");
	vfmt(buf, sizeof(buf), "%e %g %a %5.2f %Lf %d", 1.0, 2.0, 3.0, 4.0, 5.0L, 9);
	assert_string_equal(buf, "%e %g %a %5.2f %Lf 9");
	/* %n must never write through the argument. */
	vfmt(buf, sizeof(buf), "ab%n|", &n);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "ab%n|");
	vfmt(buf, sizeof(buf), "%q %k %lc %ls %hs|%d", 5);
	assert_string_equal(buf, "%q %k %lc %ls %hs|5");
	/* Cut short by the end of the string. */
	assert_int_equal(vfmt(buf, sizeof(buf), "abc%"), 4);
	assert_string_equal(buf, "abc%");
	vfmt(buf, sizeof(buf), "abc%-08.3l");
	assert_string_equal(buf, "abc%-08.3l");
	vfmt(buf, sizeof(buf), "%lll|%d", 4);
	assert_string_equal(buf, "%lll|4");
}

static void test_truncation(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "%s", "abcdefgh"), 8);
	assert_string_equal(buf, "abcd");
	assert_int_equal(buf[5], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 1, "%d", 12345), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", -17, "abc"), 7);

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "%10d", 7), 10);
	assert_string_equal(buf, "     ");

	/* Exactly fits. */
	assert_int_equal(fmt_snprintf(buf, 4, "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_snprintf(buf, 3, "abc"), 3);
	assert_string_equal(buf, "ab");
}

/* Truncation at every size must give a prefix of the full output. */
static void test_truncation_every_size(void **state)
{
	char full[128], part[128];
	int n;

	(void)state;
	n = fmt_snprintf(full, sizeof(full), "%-6s|%+08d|%#10x|%p|%c", "ab", -99, 0xfeu,
	                 (void *)0x1234, 'z');
	assert_true(n > 0 && n < (int)sizeof(full));
	for (size_t sz = 0; sz <= (size_t)n + 1; sz++) {
		memset(part, 'X', sizeof(part));
		assert_int_equal(fmt_snprintf(sz ? part : NULL, sz, "%-6s|%+08d|%#10x|%p|%c", "ab",
		                              -99, 0xfeu, (void *)0x1234, 'z'),
		                 n);
		if (sz == 0)
			continue;
		assert_int_equal(part[sz - 1 < (size_t)n ? sz - 1 : (size_t)n], '\0');
		assert_memory_equal(part, full, sz - 1 < (size_t)n ? sz - 1 : (size_t)n);
		assert_int_equal(part[sz], 'X');
	}
}

static void test_overflow(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(vfmt(buf, sizeof(buf), "%*d", INT_MAX, 1), INT_MAX);
	assert_string_equal(buf, "       ");
	assert_int_equal(vfmt(buf, sizeof(buf), "%*d%*d", INT_MAX, 1, INT_MAX, 1), -EOVERFLOW);
	assert_int_equal(buf[7], '\0');
	/* A width too big for an int saturates rather than wrapping. */
	assert_int_equal(vfmt(NULL, 0, "%99999999999999999999d", 1), INT_MAX);
	assert_int_equal(vfmt(NULL, 0, "%*d", INT_MIN, 1), INT_MAX);
}

/*
 * Every combination of flags, width, precision and conversion over a set of
 * values, each through each length modifier, against the host.
 */
static const char *const flagsets[] = {"",   "-",  "0",  "+",  " ",  "#",  "-0",    "+0", " 0",
                                       "#0", "-+", "- ", "-#", "+ ", "#+", "-+ #0", "0#"};
static const char *const widths[] = {"", "1", "2", "7", "23"};
static const char *const precs[] = {"", ".", ".0", ".1", ".4", ".21"};
static const char convs[] = "diuxXo";
static const long long values[] = {0,
                                   1,
                                   -1,
                                   7,
                                   8,
                                   42,
                                   -42,
                                   127,
                                   128,
                                   255,
                                   256,
                                   -128,
                                   -129,
                                   32767,
                                   -32768,
                                   65535,
                                   65536,
                                   2147483647,
                                   -2147483648LL,
                                   4294967295LL,
                                   1LL << 40,
                                   -(1LL << 40),
                                   LLONG_MAX,
                                   LLONG_MIN};

static int both(char *want, char *got, size_t size, const char *f, const char *len, long long v,
                int *wn)
{
	bool sig = strchr("di", f[strlen(f) - 1]) != NULL;

	if (strcmp(len, "hh") == 0) {
		*wn = snprintf(want, size, f, sig ? (int)(signed char)v : (int)(unsigned char)v);
		return fmt_snprintf(got, size, f,
		                    sig ? (int)(signed char)v : (int)(unsigned char)v);
	}
	if (strcmp(len, "h") == 0) {
		*wn = snprintf(want, size, f, sig ? (int)(short)v : (int)(unsigned short)v);
		return fmt_snprintf(got, size, f, sig ? (int)(short)v : (int)(unsigned short)v);
	}
	if (strcmp(len, "") == 0) {
		*wn = snprintf(want, size, f, (int)v);
		return fmt_snprintf(got, size, f, (int)v);
	}
	if (strcmp(len, "l") == 0) {
		*wn = snprintf(want, size, f, (long)v);
		return fmt_snprintf(got, size, f, (long)v);
	}
	if (strcmp(len, "ll") == 0) {
		*wn = snprintf(want, size, f, v);
		return fmt_snprintf(got, size, f, v);
	}
	if (strcmp(len, "z") == 0) {
		*wn = snprintf(want, size, f, (size_t)v);
		return fmt_snprintf(got, size, f, (size_t)v);
	}
	if (strcmp(len, "j") == 0) {
		*wn = snprintf(want, size, f, (intmax_t)v);
		return fmt_snprintf(got, size, f, (intmax_t)v);
	}
	*wn = snprintf(want, size, f, (ptrdiff_t)v);
	return fmt_snprintf(got, size, f, (ptrdiff_t)v);
}

static void test_matrix(void **state)
{
	static const char *const lens[] = {"hh", "h", "", "l", "ll", "z", "j", "t"};
	unsigned long checked = 0;

	(void)state;
	for (size_t fi = 0; fi < sizeof(flagsets) / sizeof(flagsets[0]); fi++)
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
			for (size_t pi = 0; pi < sizeof(precs) / sizeof(precs[0]); pi++)
				for (size_t ci = 0; convs[ci] != '\0'; ci++)
					for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]);
					     li++) {
						char f[32], want[128], got[128];

						snprintf(f, sizeof(f), "%%%s%s%s%s%c", flagsets[fi],
						         widths[wi], precs[pi], lens[li],
						         convs[ci]);
						for (size_t vi = 0;
						     vi < sizeof(values) / sizeof(values[0]);
						     vi++) {
							int wn, gn;

							gn = both(want, got, sizeof(want), f,
							          lens[li], values[vi], &wn);
							if (strcmp(want, got) != 0 || wn != gn)
								fail_msg("format '%s' value %lld: "
								         "want '%s' (%d) got '%s' "
								         "(%d)",
								         f, values[vi], want, wn,
								         got, gn);
							checked++;
						}
					}
	assert_true(checked > 100000);
}

static void test_strings_chars_matrix(void **state)
{
	static const char *const sflags[] = {"", "-"};
	static const char *const strs[] = {"", "a", "hello", "a longer string of text"};

	(void)state;
	for (size_t fi = 0; fi < 2; fi++)
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
			for (size_t pi = 0; pi < sizeof(precs) / sizeof(precs[0]); pi++) {
				char f[32], want[128], got[128];

				snprintf(f, sizeof(f), "<%%%s%s%ss>", sflags[fi], widths[wi],
				         precs[pi]);
				for (size_t si = 0; si < sizeof(strs) / sizeof(strs[0]); si++) {
					int wn = snprintf(want, sizeof(want), f, strs[si]);
					int gn = fmt_snprintf(got, sizeof(got), f, strs[si]);

					assert_string_equal(got, want);
					assert_int_equal(gn, wn);
				}
				snprintf(f, sizeof(f), "<%%%s%sc>", sflags[fi], widths[wi]);
				for (int c = 1; c < 256; c += 37) {
					int wn = snprintf(want, sizeof(want), f, c);
					int gn = fmt_snprintf(got, sizeof(got), f, c);

					assert_memory_equal(got, want, (size_t)wn + 1);
					assert_int_equal(gn, wn);
				}
			}
}

/* Precision bounds the read: an unterminated array must be fine. */
static void test_precision_no_overread(void **state)
{
	char *raw = test_malloc(4);
	char buf[16];

	(void)state;
	memcpy(raw, "abcd", 4);
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.4s|%.2s", raw, raw), 7);
	assert_string_equal(buf, "abcd|ab");
	test_free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_integers_extreme),
	    cmocka_unit_test(test_star),
	    cmocka_unit_test(test_pointer),
	    cmocka_unit_test(test_null_string),
	    cmocka_unit_test(test_verbatim),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_truncation_every_size),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_matrix),
	    cmocka_unit_test(test_strings_chars_matrix),
	    cmocka_unit_test(test_precision_no_overread),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
