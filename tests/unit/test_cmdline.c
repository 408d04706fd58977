/* Unit tests for kernel/cmdline: tokenising, the image rule, limits and key validation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cmdline.h"

static struct cmdline cl;
static char err[256];

/* Collected report() lines. */
static char reports[16][600];
static int nreports;

static void collect(void *ctx, const char *msg)
{
	assert_ptr_equal(ctx, &nreports);
	assert_true(nreports < 16);
	assert_true(strlen(msg) < sizeof(reports[0]));
	assert_null(strchr(msg, '\n'));
	strcpy(reports[nreports++], msg);
}

static int setup(void **state)
{
	(void)state;
	memset(&cl, 0xa5, sizeof(cl));
	memset(err, 'X', sizeof(err));
	nreports = 0;
	return 0;
}

static void assert_empty(void)
{
	assert_null(cl.image);
	assert_int_equal(cl.nparams, 0);
	assert_int_equal(cl.argc, 0);
	assert_null(cl.argv[0]);
}

static void assert_param(unsigned i, const char *key, const char *value)
{
	assert_true(i < cl.nparams);
	assert_string_equal(cl.params[i].key, key);
	if (value == NULL)
		assert_null(cl.params[i].value);
	else
		assert_string_equal(cl.params[i].value, value);
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_empty();
	assert_int_equal(cmdline_parse(&cl, NULL, err, sizeof(err)), 0);
	assert_empty();
	assert_int_equal(cmdline_parse(&cl, " \t\r\n  ", NULL, 0), 0);
	assert_empty();
}

static void test_image_url(void **state)
{
	(void)state;
	assert_int_equal(
	    cmdline_parse(&cl, "tftp://10.0.2.2/tether.elf app=selftest", err, sizeof(err)), 0);
	assert_string_equal(cl.image, "tftp://10.0.2.2/tether.elf");
	assert_int_equal(cl.nparams, 1);
	assert_param(0, "app", "selftest");
}

static void test_image_path(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "/path/build/tether.elf app=x quiet", err, sizeof(err)),
	                 0);
	assert_string_equal(cl.image, "/path/build/tether.elf");
	assert_int_equal(cl.nparams, 2);
	assert_param(0, "app", "x");
	assert_param(1, "quiet", NULL);
}

static void test_no_image(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "quiet app=x", err, sizeof(err)), 0);
	assert_null(cl.image);
	assert_int_equal(cl.nparams, 2);
	assert_param(0, "quiet", NULL);
	assert_param(1, "app", "x");

	/* A '/' only in the value: a parameter, not an image. */
	assert_int_equal(cmdline_parse(&cl, "root=/dev/x", err, sizeof(err)), 0);
	assert_null(cl.image);
	assert_param(0, "root", "/dev/x");

	/* Only the first token can be the image. */
	assert_int_equal(cmdline_parse(&cl, "quiet /boot/x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'/boot/x'"));

	/* A URL carrying '=' is not an image; its key is then invalid. */
	assert_int_equal(cmdline_parse(&cl, "http://h/x?a=b", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "http://h/x?a"));
}

static void test_image_only(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "  /tether.elf  ", err, sizeof(err)), 0);
	assert_string_equal(cl.image, "/tether.elf");
	assert_int_equal(cl.nparams, 0);
	assert_int_equal(cl.argc, 0);
}

static void test_separators(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "a=1\tb=2\nc=3\r\nd  \t e=", err, sizeof(err)), 0);
	assert_int_equal(cl.nparams, 5);
	assert_param(0, "a", "1");
	assert_param(1, "b", "2");
	assert_param(2, "c", "3");
	assert_param(3, "d", NULL);
	assert_param(4, "e", "");
}

static void test_value_with_equals(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "opt=a=b=c", err, sizeof(err)), 0);
	assert_param(0, "opt", "a=b=c");
}

static void test_quotes(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl,
	                               "key=\"a b c\" k2=\"\" \"k3=x y\" k4=pre\"mid dle\"post",
	                               err, sizeof(err)),
	                 0);
	assert_int_equal(cl.nparams, 4);
	assert_param(0, "key", "a b c");
	assert_param(1, "k2", "");
	assert_param(2, "k3", "x y");
	assert_param(3, "k4", "premid dlepost");

	/* Quotes do not hide the first '='. */
	assert_int_equal(cmdline_parse(&cl, "\"a=b\"=c", err, sizeof(err)), 0);
	assert_param(0, "a", "b=c");
	/* Blanks inside a quoted key make it invalid. */
	assert_int_equal(cmdline_parse(&cl, "\"a b\"=c", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad key 'a b' in '\"a b\"=c'"));
}

static void test_args(void **state)
{
	(void)state;
	assert_int_equal(
	    cmdline_parse(&cl, "/img app=x -- one \"x y\" -- \"\" k=v", err, sizeof(err)), 0);
	assert_string_equal(cl.image, "/img");
	assert_int_equal(cl.nparams, 1);
	assert_param(0, "app", "x");
	assert_int_equal(cl.argc, 5);
	assert_string_equal(cl.argv[0], "one");
	assert_string_equal(cl.argv[1], "x y");
	assert_string_equal(cl.argv[2], "--");
	assert_string_equal(cl.argv[3], "");
	assert_string_equal(cl.argv[4], "k=v");
	assert_null(cl.argv[5]);
}

static void test_args_first(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "-- /not/an/image", err, sizeof(err)), 0);
	assert_null(cl.image);
	assert_int_equal(cl.nparams, 0);
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cl.argv[0], "/not/an/image");

	assert_int_equal(cmdline_parse(&cl, "a --", err, sizeof(err)), 0);
	assert_int_equal(cl.argc, 0);
	assert_null(cl.argv[0]);

	/* A quoted "--" is an ordinary token (a valid key). */
	assert_int_equal(cmdline_parse(&cl, "\"--\" x", err, sizeof(err)), 0);
	assert_int_equal(cl.argc, 0);
	assert_int_equal(cl.nparams, 2);
	assert_param(0, "--", NULL);
}

static void test_unbalanced_quote(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "/img a=1 key=\"a b", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "cmdline: unbalanced quote in 'key=\"a b'");
	assert_empty();

	assert_int_equal(cmdline_parse(&cl, "-- \"", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unbalanced quote"));
	assert_empty();
}

static void test_bad_keys(void **state)
{
	static const char *const bad[] = {"foo!=1",     "=x",  "\"a b\"=c",
	                                  "k\xc3\xa9y", "a,b", "x:y=1"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cmdline_parse(&cl, bad[i], err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "cmdline: bad key"));
		assert_empty();
	}
	assert_int_equal(cmdline_parse(&cl, "ok=1 foo!=1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "cmdline: bad key 'foo!' in 'foo!=1'; keys may contain only "
	                         "A-Z a-z 0-9 . _ -");
	assert_int_equal(cmdline_parse(&cl, "=x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad key '' in '=x'"));

	/* Every allowed character. */
	assert_int_equal(cmdline_parse(&cl, "azAZ09._-=1", err, sizeof(err)), 0);
	assert_param(0, "azAZ09._-", "1");
}

static void test_too_long(void **state)
{
	char *line = malloc(CMDLINE_BUF_SIZE + 1);

	(void)state;
	memset(line, 'a', CMDLINE_BUF_SIZE);
	line[CMDLINE_BUF_SIZE] = '\0';
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "2047"));
	assert_empty();

	/* The longest accepted line, as one token and as many. */
	line[CMDLINE_BUF_SIZE - 1] = '\0';
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), 0);
	assert_int_equal(strlen(cl.params[0].key), CMDLINE_BUF_SIZE - 1);
	for (int i = 1; i < CMDLINE_BUF_SIZE - 1; i += 64)
		line[i] = ' ';
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), 0);
	assert_int_equal(cl.nparams, 33);
	free(line);
}

static void test_too_many_params(void **state)
{
	char line[1024] = "";

	(void)state;
	for (int i = 0; i < CMDLINE_MAX_PARAMS; i++)
		sprintf(line + strlen(line), "k%d=%d ", i, i);
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), 0);
	assert_int_equal(cl.nparams, CMDLINE_MAX_PARAMS);
	assert_param(63, "k63", "63");
	strcat(line, "extra=1");
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), -E2BIG);
	assert_string_equal(
	    err, "cmdline: too many parameters (the limit is 64); 'extra=1' does not fit");
	assert_empty();
}

static void test_too_many_args(void **state)
{
	char line[1024] = "app=x --";

	(void)state;
	for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
		sprintf(line + strlen(line), " a%d", i);
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), 0);
	assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
	assert_string_equal(cl.argv[31], "a31");
	assert_null(cl.argv[32]);
	strcat(line, " one-more");
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "cmdline: too many arguments after '--' (the limit is 32); "
	                         "'one-more' does not fit");
	assert_empty();
}

static void test_err_truncation(void **state)
{
	char small[12];
	char line[300];

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "k=\"", 3);
	line[sizeof(line) - 1] = '\0';
	memset(small, 'Z', sizeof(small));
	assert_int_equal(cmdline_parse(&cl, line, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "cmdline: un");
	/* Long tokens are cut in messages. */
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "...'"));
	assert_true(strlen(err) < 120);
	/* err may be absent. */
	assert_int_equal(cmdline_parse(&cl, line, NULL, 0), -EINVAL);
	assert_int_equal(cmdline_parse(&cl, line, small, 0), -EINVAL);
	assert_int_equal(small[0], 'c');
}

/* The parse copies the line: the caller's buffer may go away. */
static void test_private_copy(void **state)
{
	char line[] = "/img a=\"1 2\" -- z";

	(void)state;
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), 0);
	memset(line, 0, sizeof(line));
	assert_string_equal(cl.image, "/img");
	assert_param(0, "a", "1 2");
	assert_string_equal(cl.argv[0], "z");
	assert_true(cl.image >= cl.buf && cl.image < cl.buf + sizeof(cl.buf));
}

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t v;
	} cases[] = {
	    {"0", 0, 0},
	    {"4096", 0, 4096},
	    {"4K", 0, 4096},
	    {"4k", 0, 4096},
	    {"4KiB", 0, 4096},
	    {"4kib", 0, 4096},
	    {"1M", 0, 1 << 20},
	    {"3MiB", 0, 3 << 20},
	    {"1G", 0, 1ull << 30},
	    {"16g", 0, 16ull << 30},
	    {"007", 0, 7},
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"17179869183G", 0, 17179869183ull << 30},
	    {"18446744073709551616", -ERANGE, 0},
	    {"17179869184G", -ERANGE, 0},
	    {"18014398509481984K", -ERANGE, 0},
	    {"", -EINVAL, 0},
	    {"K", -EINVAL, 0},
	    {"1T", -EINVAL, 0},
	    {"1.5M", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    {"+1", -EINVAL, 0},
	    {" 1", -EINVAL, 0},
	    {"1 ", -EINVAL, 0},
	    {"1KB", -EINVAL, 0},
	    {"1Ki", -EINVAL, 0},
	    {"1KiBB", -EINVAL, 0},
	    {"1B", -EINVAL, 0},
	    {"0x10", -EINVAL, 0},
	    {"99999999999999999999x", -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int rc = cmdline_parse_size(cases[i].s, &v);

		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, want %d", cases[i].s, rc, cases[i].rc);
		if (rc == 0 && v != cases[i].v)
			fail_msg("'%s': %llu, want %llu", cases[i].s, (unsigned long long)v,
			         (unsigned long long)cases[i].v);
		if (rc != 0)
			assert_int_equal(v, 12345);
	}
}

/* ---------------------------------------------------------------- cmdline_apply */

static const char *const apps[] = {"selftest", "crash", NULL};

enum { K_APP, K_LOGLEVEL, K_HEAP, K_QUIET, K_NAME, K_MODE, NKEYS };

static const struct cmdline_key keys[NKEYS] = {
    [K_APP] = {.key = "app",
               .type = CMDLINE_ENUM,
               .choices = apps,
               .on_bad = CMDLINE_FATAL,
               .help = "application to run"},
    [K_LOGLEVEL] = {.key = "loglevel",
                    .type = CMDLINE_UINT,
                    .defval = "6",
                    .min = 0,
                    .max = 7,
                    .help = "console log level"},
    [K_HEAP] = {.key = "heap",
                .type = CMDLINE_SIZE,
                .defval = "16M",
                .min = 64 << 10,
                .max = 1 << 30,
                .on_bad = CMDLINE_FATAL,
                .help = "kernel heap size"},
    [K_QUIET] = {.key = "quiet", .type = CMDLINE_BOOL, .defval = "no", .help = "less output"},
    [K_NAME] = {.key = "name", .type = CMDLINE_STR, .defval = "tether", .help = "host name"},
    [K_MODE] = {.key = "mode",
                .type = CMDLINE_ENUM,
                .choices = apps,
                .defval = "crash",
                .help = "a defaulted enum"},
};

static struct cmdline_value vals[NKEYS];

static int apply(const char *line)
{
	assert_int_equal(cmdline_parse(&cl, line, err, sizeof(err)), 0);
	nreports = 0;
	memset(vals, 0x5a, sizeof(vals));
	return cmdline_apply(&cl, keys, NKEYS, vals, collect, &nreports);
}

static void test_apply_defaults(void **state)
{
	(void)state;
	assert_int_equal(apply("/img"), 0);
	assert_int_equal(nreports, 0);
	assert_false(vals[K_APP].set);
	assert_null(vals[K_APP].str);
	assert_int_equal(vals[K_APP].choice, -1);
	assert_false(vals[K_LOGLEVEL].set);
	assert_int_equal(vals[K_LOGLEVEL].num, 6);
	assert_string_equal(vals[K_LOGLEVEL].str, "6");
	assert_int_equal(vals[K_HEAP].num, 16 << 20);
	assert_false(vals[K_QUIET].b);
	assert_string_equal(vals[K_NAME].str, "tether");
	assert_int_equal(vals[K_MODE].choice, 1);
}

static void test_apply_values(void **state)
{
	(void)state;
	assert_int_equal(apply("/img app=crash loglevel=0x7 heap=64KiB quiet name=\"my host\" "
	                       "mode=selftest -- x"),
	                 0);
	assert_int_equal(nreports, 0);
	assert_true(vals[K_APP].set);
	assert_int_equal(vals[K_APP].choice, 1);
	assert_string_equal(vals[K_APP].str, "crash");
	assert_true(vals[K_LOGLEVEL].set);
	assert_int_equal(vals[K_LOGLEVEL].num, 7);
	assert_int_equal(vals[K_HEAP].num, 64 << 10);
	assert_true(vals[K_QUIET].set);
	assert_true(vals[K_QUIET].b);
	assert_null(vals[K_QUIET].str);
	assert_string_equal(vals[K_NAME].str, "my host");
	assert_int_equal(vals[K_MODE].choice, 0);

	assert_int_equal(apply("loglevel=0 heap=1G name="), 0);
	assert_int_equal(nreports, 0);
	assert_int_equal(vals[K_LOGLEVEL].num, 0);
	assert_int_equal(vals[K_HEAP].num, 1 << 30);
	assert_true(vals[K_NAME].set);
	assert_string_equal(vals[K_NAME].str, "");
}

static void test_apply_bools(void **state)
{
	static const char *const yes[] = {"1", "yes", "on", "true", "YES", "True", "On"};
	static const char *const no[] = {"0", "no", "off", "false", "NO", "Off"};
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(line, sizeof(line), "quiet=%s", yes[i]);
		assert_int_equal(apply(line), 0);
		assert_int_equal(nreports, 0);
		assert_true(vals[K_QUIET].set && vals[K_QUIET].b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(line, sizeof(line), "quiet=%s", no[i]);
		assert_int_equal(apply(line), 0);
		assert_true(vals[K_QUIET].set && !vals[K_QUIET].b);
	}
	assert_int_equal(apply("quiet=maybe"), 0);
	assert_int_equal(nreports, 1);
	assert_string_equal(reports[0], "cmdline: quiet=maybe: expected one of: 1, 0, yes, no, "
	                                "on, off, true, false; using the default no");
	assert_false(vals[K_QUIET].set);
	assert_false(vals[K_QUIET].b);

	assert_int_equal(apply("quiet="), 0);
	assert_int_equal(nreports, 1);
	assert_non_null(strstr(reports[0], "cmdline: quiet=: expected one of"));
}

static void test_apply_bad_uint(void **state)
{
	static const char *const bad[] = {
	    "abc", "8", "-1", "0x", "0x8", "1e3", "", " 1", "99999999999999999999999"};
	char line[64], want[200];

	(void)state;
	assert_int_equal(apply("loglevel=abc"), 0);
	assert_int_equal(nreports, 1);
	assert_string_equal(reports[0],
	                    "cmdline: loglevel=abc: expected an integer 0..7; using the default 6");
	assert_false(vals[K_LOGLEVEL].set);
	assert_int_equal(vals[K_LOGLEVEL].num, 6);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "loglevel=\"%s\"", bad[i]);
		snprintf(want, sizeof(want),
		         "cmdline: loglevel=%s: expected an integer 0..7; using the default 6",
		         bad[i]);
		assert_int_equal(apply(line), 0);
		assert_int_equal(nreports, 1);
		assert_string_equal(reports[0], want);
		assert_int_equal(vals[K_LOGLEVEL].num, 6);
	}

	assert_int_equal(apply("loglevel"), 0);
	assert_string_equal(reports[0], "cmdline: loglevel (given without a value): expected an "
	                                "integer 0..7; using the default 6");
}

static void test_apply_fatal(void **state)
{
	(void)state;
	assert_int_equal(apply("app=nope"), -EINVAL);
	assert_int_equal(nreports, 1);
	assert_string_equal(reports[0],
	                    "cmdline: app=nope: expected one of: selftest, crash; cannot continue");
	assert_false(vals[K_APP].set);
	assert_int_equal(vals[K_APP].choice, -1);

	/* Exact match only. */
	assert_int_equal(apply("app=SelfTest"), -EINVAL);
	assert_int_equal(apply("app"), -EINVAL);
	assert_string_equal(reports[0], "cmdline: app (given without a value): expected one of: "
	                                "selftest, crash; cannot continue");

	assert_int_equal(apply("heap=12Q"), -EINVAL);
	assert_string_equal(reports[0], "cmdline: heap=12Q: expected a size 64K..1G (bytes, or a "
	                                "number with a K, M or G suffix); cannot continue");
	assert_int_equal(vals[K_HEAP].num, 16 << 20);
	assert_int_equal(apply("heap=2G"), -EINVAL);
	assert_int_equal(apply("heap=65535"), -EINVAL);
	assert_int_equal(apply("heap=65536"), 0);
	assert_int_equal(vals[K_HEAP].num, 65536);

	/* A non-fatal error alongside a fatal one: both reported, still fatal. */
	assert_int_equal(apply("loglevel=9 app=nope mode=x"), -EINVAL);
	assert_int_equal(nreports, 3);
	assert_non_null(strstr(reports[2], "mode=x: expected one of: selftest, crash; using the "
	                                   "default crash"));
}

static void test_apply_str_bare(void **state)
{
	(void)state;
	assert_int_equal(apply("name"), 0);
	assert_int_equal(nreports, 1);
	assert_string_equal(reports[0], "cmdline: name (given without a value): expected a value "
	                                "(name=...); using the default tether");
	assert_string_equal(vals[K_NAME].str, "tether");
}

static void test_apply_unknown(void **state)
{
	(void)state;
	assert_int_equal(apply("foo=bar loglevel=3 Quiet"), 0);
	assert_int_equal(nreports, 2);
	assert_string_equal(reports[0], "cmdline: unknown key 'foo' (value 'bar') ignored; known "
	                                "keys: app, loglevel, heap, quiet, name, mode");
	assert_string_equal(reports[1], "cmdline: unknown key 'Quiet' ignored; known keys: app, "
	                                "loglevel, heap, quiet, name, mode");
	assert_int_equal(vals[K_LOGLEVEL].num, 3);
	assert_false(vals[K_QUIET].set);

	/* No table at all. */
	assert_int_equal(cmdline_parse(&cl, "x=1", err, sizeof(err)), 0);
	nreports = 0;
	assert_int_equal(cmdline_apply(&cl, NULL, 0, NULL, collect, &nreports), 0);
	assert_string_equal(reports[0], "cmdline: unknown key 'x' (value '1') ignored; no keys are "
	                                "known");
}

static void test_apply_repeated(void **state)
{
	(void)state;
	assert_int_equal(apply("loglevel=3 quiet loglevel=abc loglevel=5"), 0);
	assert_int_equal(nreports, 1);
	assert_string_equal(
	    reports[0], "cmdline: note: 'loglevel' given 3 times; the last one (loglevel=5) wins");
	assert_int_equal(vals[K_LOGLEVEL].num, 5);
	assert_true(vals[K_LOGLEVEL].set);

	/* The last one wins even when it is bad. */
	assert_int_equal(apply("loglevel=3 loglevel=abc"), 0);
	assert_int_equal(nreports, 2);
	assert_non_null(strstr(reports[0], "note: 'loglevel' given 2 times"));
	assert_non_null(strstr(reports[1], "loglevel=abc: expected an integer 0..7; using the "
	                                   "default 6"));
	assert_int_equal(vals[K_LOGLEVEL].num, 6);

	assert_int_equal(apply("app=crash app=nope"), -EINVAL);
	assert_int_equal(apply("app=nope app=crash"), 0);
	assert_int_equal(vals[K_APP].choice, 1);
}

static void test_apply_long_value_cut(void **state)
{
	char line[400];

	(void)state;
	strcpy(line, "loglevel=");
	memset(line + 9, '9', 300);
	line[309] = '\0';
	assert_int_equal(apply(line), 0);
	assert_int_equal(nreports, 1);
	assert_non_null(strstr(reports[0], "9...: expected an integer 0..7; using the default 6"));
	assert_true(strlen(reports[0]) < 160);
}

static void test_apply_report_null(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse(&cl, "foo loglevel=x app=nope", err, sizeof(err)), 0);
	assert_int_equal(cmdline_apply(&cl, keys, NKEYS, vals, NULL, NULL), -EINVAL);
	assert_int_equal(vals[K_LOGLEVEL].num, 6);
}

/* A key list longer than the message buffer is cut with "...", not silently. */
static void test_apply_many_keys_message(void **state)
{
	static char names[60][24];
	static struct cmdline_key many[60];
	static struct cmdline_value mv[60];

	(void)state;
	for (int i = 0; i < 60; i++) {
		snprintf(names[i], sizeof(names[i]), "some.key.%02d", i);
		many[i] = (struct cmdline_key){.key = names[i], .type = CMDLINE_STR};
	}
	assert_int_equal(cmdline_parse(&cl, "nope=1", err, sizeof(err)), 0);
	nreports = 0;
	assert_int_equal(cmdline_apply(&cl, many, 60, mv, collect, &nreports), 0);
	assert_int_equal(nreports, 1);
	assert_int_equal(strlen(reports[0]), 511);
	assert_string_equal(reports[0] + 508, "...");
	assert_non_null(strstr(reports[0], "unknown key 'nope' (value '1') ignored; known keys: "
	                                   "some.key.00, some.key.01"));
	assert_null(mv[0].str);
	assert_false(mv[0].set);
}

static void test_find(void **state)
{
	(void)state;
	assert_int_equal(cmdline_find(keys, NKEYS, "app"), K_APP);
	assert_int_equal(cmdline_find(keys, NKEYS, "mode"), K_MODE);
	assert_int_equal(cmdline_find(keys, NKEYS, "nope"), -ENOENT);
	assert_int_equal(cmdline_find(keys, NKEYS, "APP"), -ENOENT);
	assert_int_equal(cmdline_find(keys, 0, "app"), -ENOENT);
}

static void test_bad_default_asserts(void **state)
{
	static const struct cmdline_key bad_uint = {
	    .key = "n", .type = CMDLINE_UINT, .defval = "9", .min = 0, .max = 7};
	static const struct cmdline_key bad_enum = {
	    .key = "e", .type = CMDLINE_ENUM, .defval = "other", .choices = apps};
	static const struct cmdline_key bad_bool = {
	    .key = "b", .type = CMDLINE_BOOL, .defval = "maybe"};
	static const struct cmdline_key bad_name = {.key = "a b", .type = CMDLINE_STR};
	static const struct cmdline_key dup[2] = {{.key = "a", .type = CMDLINE_STR},
	                                          {.key = "a", .type = CMDLINE_BOOL}};
	static const struct cmdline_key bad_range = {
	    .key = "r", .type = CMDLINE_SIZE, .min = 10, .max = 5};
	static const struct cmdline_key no_choices = {.key = "c", .type = CMDLINE_ENUM};
	struct cmdline_value v[2];

	(void)state;
	assert_int_equal(cmdline_parse(&cl, "", err, sizeof(err)), 0);
	expect_assert_failure(cmdline_apply(&cl, &bad_uint, 1, v, NULL, NULL));
	expect_assert_failure(cmdline_apply(&cl, &bad_enum, 1, v, NULL, NULL));
	expect_assert_failure(cmdline_apply(&cl, &bad_bool, 1, v, NULL, NULL));
	expect_assert_failure(cmdline_apply(&cl, &bad_name, 1, v, NULL, NULL));
	expect_assert_failure(cmdline_apply(&cl, dup, 2, v, NULL, NULL));
	expect_assert_failure(cmdline_apply(&cl, &bad_range, 1, v, NULL, NULL));
	expect_assert_failure(cmdline_apply(&cl, &no_choices, 1, v, NULL, NULL));
}

/* Random lines: the parser must never fail other than with the documented codes. */
static void test_random_lines(void **state)
{
	static const char alphabet[] = "ab=\" \t-/.:_x9";
	char line[96];

	(void)state;
	srand(1234);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)rand() % (sizeof(line) - 1);
		int rc;

		for (size_t i = 0; i < n; i++)
			line[i] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		line[n] = '\0';
		rc = cmdline_parse(&cl, line, err, sizeof(err));
		assert_true(rc == 0 || rc == -EINVAL || rc == -E2BIG);
		if (rc != 0) {
			assert_true(strncmp(err, "cmdline: ", 9) == 0);
			assert_empty();
			continue;
		}
		assert_string_equal(err, "");
		assert_true(cl.nparams <= CMDLINE_MAX_PARAMS);
		for (unsigned i = 0; i < cl.nparams; i++) {
			assert_true(cl.params[i].key >= cl.buf &&
			            cl.params[i].key < cl.buf + sizeof(cl.buf));
			assert_null(strpbrk(cl.params[i].key, " \t\"=/:"));
		}
		assert_null(cl.argv[cl.argc]);
		nreports = 0;
		rc = cmdline_apply(&cl, keys, NKEYS, vals, collect, &nreports);
		assert_true(rc == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_empty, setup),
	    cmocka_unit_test_setup(test_image_url, setup),
	    cmocka_unit_test_setup(test_image_path, setup),
	    cmocka_unit_test_setup(test_no_image, setup),
	    cmocka_unit_test_setup(test_image_only, setup),
	    cmocka_unit_test_setup(test_separators, setup),
	    cmocka_unit_test_setup(test_value_with_equals, setup),
	    cmocka_unit_test_setup(test_quotes, setup),
	    cmocka_unit_test_setup(test_args, setup),
	    cmocka_unit_test_setup(test_args_first, setup),
	    cmocka_unit_test_setup(test_unbalanced_quote, setup),
	    cmocka_unit_test_setup(test_bad_keys, setup),
	    cmocka_unit_test_setup(test_too_long, setup),
	    cmocka_unit_test_setup(test_too_many_params, setup),
	    cmocka_unit_test_setup(test_too_many_args, setup),
	    cmocka_unit_test_setup(test_err_truncation, setup),
	    cmocka_unit_test_setup(test_private_copy, setup),
	    cmocka_unit_test_setup(test_parse_size, setup),
	    cmocka_unit_test_setup(test_apply_defaults, setup),
	    cmocka_unit_test_setup(test_apply_values, setup),
	    cmocka_unit_test_setup(test_apply_bools, setup),
	    cmocka_unit_test_setup(test_apply_bad_uint, setup),
	    cmocka_unit_test_setup(test_apply_fatal, setup),
	    cmocka_unit_test_setup(test_apply_str_bare, setup),
	    cmocka_unit_test_setup(test_apply_unknown, setup),
	    cmocka_unit_test_setup(test_apply_repeated, setup),
	    cmocka_unit_test_setup(test_apply_long_value_cut, setup),
	    cmocka_unit_test_setup(test_apply_report_null, setup),
	    cmocka_unit_test_setup(test_apply_many_keys_message, setup),
	    cmocka_unit_test_setup(test_find, setup),
	    cmocka_unit_test_setup(test_bad_default_asserts, setup),
	    cmocka_unit_test_setup(test_random_lines, setup),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
