/*
 * cmdline: parsing of the Multiboot command line and its validation against
 * the keys that modules declare.
 *
 * Parsing copies the line into the struct's own buffer, removing quotes and
 * NUL-terminating each token in place, so every token pointer stays valid
 * for as long as the struct and nothing depends on the loader's memory.
 * Unquoted text never grows, so the copy always fits once the raw line does.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/assert.h"
#include "kernel/cmdline.h"
#include "kernel/fmt.h"

/* Tokens quoted back in messages are cut to this many bytes. */
#define SHOW_MAX   64
#define SHOW(s, n) (int)((n) > SHOW_MAX ? SHOW_MAX : (n)), (s), ((n) > SHOW_MAX ? "..." : "")

/* One report line: long enough for a key list of a few dozen names. */
#define MSG_LEN 512

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static bool valid_key(const char *k)
{
	if (*k == '\0')
		return false;
	for (; *k != '\0'; k++) {
		if (!is_key_char(*k))
			return false;
	}
	return true;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool streq_nocase(const char *a, const char *b)
{
	while (*a != '\0' && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

static void reset(struct cmdline *cl)
{
	cl->buf[0] = '\0';
	cl->image = NULL;
	cl->nparams = 0;
	cl->argc = 0;
	cl->argv[0] = NULL;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One token of the line, copied out of the source with its quotes removed. */
struct token {
	const char *src; /* where it starts in the line, for messages */
	size_t src_len;
	char *text; /* the copy, NUL-terminated */
	char *eq;   /* its first '=' in the copy, or NULL */
	bool quoted;
};

/* Copy the token at *src into *dst.  0, or -EINVAL for an unbalanced quote. */
static int next_token(const char **src, char **dst, struct token *t)
{
	const char *p = *src;
	char *d = *dst;
	bool in_quote = false;

	*t = (struct token){.src = p, .text = d};
	while (*p != '\0' && (in_quote || !is_blank(*p))) {
		if (*p == '"') {
			in_quote = !in_quote;
			t->quoted = true;
			p++;
			continue;
		}
		if (*p == '=' && t->eq == NULL)
			t->eq = d;
		*d++ = *p++;
	}
	t->src_len = (size_t)(p - t->src);
	/* Each token's NUL takes the place of a blank or of the line's NUL. */
	*d++ = '\0';
	*src = p;
	*dst = d;
	return in_quote ? -EINVAL : 0;
}

static int add_arg(struct cmdline *cl, const struct token *t, char *err, size_t errlen)
{
	if (cl->argc >= CMDLINE_MAX_ARGS) {
		set_err(err, errlen,
		        "cmdline: too many arguments after '--' (the limit is %d); "
		        "'%.*s%s' does not fit",
		        CMDLINE_MAX_ARGS, SHOW(t->src, t->src_len));
		return -E2BIG;
	}
	cl->argv[cl->argc++] = t->text;
	cl->argv[cl->argc] = NULL;
	return 0;
}

static int add_param(struct cmdline *cl, const struct token *t, char *err, size_t errlen)
{
	if (t->eq != NULL)
		*t->eq = '\0';
	if (!valid_key(t->text)) {
		set_err(err, errlen,
		        "cmdline: bad key '%s' in '%.*s%s'; keys may contain only "
		        "A-Z a-z 0-9 . _ -",
		        t->text, SHOW(t->src, t->src_len));
		return -EINVAL;
	}
	if (cl->nparams >= CMDLINE_MAX_PARAMS) {
		set_err(err, errlen,
		        "cmdline: too many parameters (the limit is %d); '%.*s%s' does not fit",
		        CMDLINE_MAX_PARAMS, SHOW(t->src, t->src_len));
		return -E2BIG;
	}
	cl->params[cl->nparams].key = t->text;
	cl->params[cl->nparams].value = t->eq != NULL ? t->eq + 1 : NULL;
	cl->nparams++;
	return 0;
}

/* Where the tokens go: the first may be the image path, "--" starts the
 * app's arguments, everything else is a parameter. */
static int place_token(struct cmdline *cl, const struct token *t, bool first, bool *in_args,
                       char *err, size_t errlen)
{
	if (*in_args)
		return add_arg(cl, t, err, errlen);
	if (!t->quoted && strcmp(t->text, "--") == 0) {
		*in_args = true;
		return 0;
	}
	if (first && strchr(t->text, '=') == NULL && strchr(t->text, '/') != NULL) {
		cl->image = t->text;
		return 0;
	}
	return add_param(cl, t, err, errlen);
}

int cmdline_parse(struct cmdline *cl, const char *line, char *err, size_t errlen)
{
	char *dst = cl->buf;
	bool first = true, in_args = false;
	size_t n = 0;

	ASSERT(cl != NULL);
	reset(cl);
	set_err(err, errlen, "%s", "");
	if (line == NULL)
		line = "";
	while (n < CMDLINE_BUF_SIZE && line[n] != '\0')
		n++;
	if (n >= CMDLINE_BUF_SIZE) {
		set_err(err, errlen, "cmdline: command line is longer than the limit of %d bytes",
		        CMDLINE_BUF_SIZE - 1);
		return -E2BIG;
	}
	for (const char *src = line;;) {
		struct token t;
		while (is_blank(*src))
			src++;
		if (*src == '\0')
			return 0;
		int rc = next_token(&src, &dst, &t);
		ASSERT(dst <= cl->buf + CMDLINE_BUF_SIZE);
		if (rc) {
			set_err(err, errlen, "cmdline: unbalanced quote in '%.*s%s'",
			        SHOW(t.src, t.src_len));
		} else {
			rc = place_token(cl, &t, first, &in_args, err, errlen);
		}
		if (rc) {
			reset(cl);
			return rc;
		}
		first = false;
	}
}

int cmdline_find(const struct cmdline_key *keys, size_t nkeys, const char *key)
{
	ASSERT(nkeys <= INT_MAX);
	for (size_t i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].key, key) == 0)
			return (int)i;
	}
	return -ENOENT;
}

static int digit_val(char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (lower(c) >= 'a' && lower(c) <= 'f')
		d = lower(c) - 'a' + 10;
	else
		return -1;
	return (unsigned)d < base ? d : -1;
}

/* Digits in base up to the first non-digit; *end points there. */
static int parse_digits(const char *s, unsigned base, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	bool range = false;
	int d;

	if (digit_val(*s, base) < 0)
		return -EINVAL;
	while ((d = digit_val(*s, base)) >= 0) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			range = true;
		else
			v = v * base + (uint64_t)d;
		s++;
	}
	*end = s;
	if (range)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int rc;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		rc = parse_digits(s + 2, 16, &v, &end);
	else
		rc = parse_digits(s, 10, &v, &end);
	if (rc == 0 && *end != '\0')
		rc = -EINVAL;
	if (rc == -ERANGE && *end != '\0')
		rc = -EINVAL;
	if (rc == 0)
		*out = v;
	return rc;
}

int cmdline_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	unsigned shift = 0;
	uint64_t v = 0;
	int rc;

	ASSERT(s != NULL && out != NULL);
	rc = parse_digits(s, 10, &v, &end);
	if (rc == -EINVAL)
		return rc;
	switch (lower(*end)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift != 0) {
		end++;
		if (lower(end[0]) == 'i' && lower(end[1]) == 'b')
			end += 2;
	}
	/* Syntax first: "99999999999999999999x" is malformed, not out of range. */
	if (*end != '\0')
		return -EINVAL;
	if (rc == -ERANGE || v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static const char *const bool_true[] = {"1", "yes", "on", "true", NULL};
static const char *const bool_false[] = {"0", "no", "off", "false", NULL};

static int match_list(const char *const *list, const char *v, bool nocase)
{
	for (int i = 0; list[i] != NULL; i++) {
		if (nocase ? streq_nocase(list[i], v) : strcmp(list[i], v) == 0)
			return i;
	}
	return -1;
}

/* Parses v (NULL: bare key) for k into *out; 0 or -EINVAL.  *out is only written on success. */
static int parse_value(const struct cmdline_key *k, const char *v, struct cmdline_value *out)
{
	uint64_t num = 0;
	int choice;

	if (k->type == CMDLINE_BOOL) {
		if (v == NULL) {
			out->b = true;
		} else if (match_list(bool_true, v, true) >= 0) {
			out->b = true;
		} else if (match_list(bool_false, v, true) >= 0) {
			out->b = false;
		} else {
			return -EINVAL;
		}
		out->str = v;
		return 0;
	}
	if (v == NULL)
		return -EINVAL;

	switch (k->type) {
	case CMDLINE_STR:
		break;
	case CMDLINE_UINT:
	case CMDLINE_SIZE:
		if ((k->type == CMDLINE_UINT ? parse_uint(v, &num) : cmdline_parse_size(v, &num)) !=
		    0)
			return -EINVAL;
		if (num < k->min || num > k->max)
			return -EINVAL;
		out->num = num;
		break;
	case CMDLINE_ENUM:
		choice = match_list(k->choices, v, false);
		if (choice < 0)
			return -EINVAL;
		out->choice = choice;
		break;
	default:
		ASSERT(!"unknown cmdline_type");
	}
	out->str = v;
	return 0;
}

/* Appending message builder; marks truncation with "..." so it is never silent. */
struct msg {
	char buf[MSG_LEN];
	size_t len;
};

static void msg_add(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void msg_add(struct msg *m, const char *fmt, ...)
{
	size_t room = sizeof(m->buf) - m->len;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = fmt_vsnprintf(m->buf + m->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		m->len = sizeof(m->buf) - 1;
		memcpy(m->buf + m->len - 3, "...", 3);
	} else {
		m->len += (size_t)n;
	}
}

static void msg_start(struct msg *m)
{
	m->len = 0;
	m->buf[0] = '\0';
	msg_add(m, "%s", "cmdline: ");
}

static void msg_send(struct msg *m, cmdline_report_fn report, void *ctx)
{
	if (report != NULL)
		report(ctx, m->buf);
}

static void msg_list(struct msg *m, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		msg_add(m, "%s%s", i ? ", " : "", list[i]);
}

/* Human form of a size bound: the largest binary unit that divides it exactly. */
static void msg_size(struct msg *m, uint64_t v)
{
	static const char units[] = "GMK";

	for (int i = 0; i < 3; i++) {
		unsigned shift = 30 - 10 * (unsigned)i;

		if (v != 0 && (v & ((1ull << shift) - 1)) == 0) {
			msg_add(m, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return;
		}
	}
	msg_add(m, "%llu", (unsigned long long)v);
}

static void msg_expected(struct msg *m, const struct cmdline_key *k)
{
	static const char *const bools[] = {"1",   "0",    "yes",   "no", "on",
	                                    "off", "true", "false", NULL};

	switch (k->type) {
	case CMDLINE_STR:
		msg_add(m, "expected a value (%s=...)", k->key);
		break;
	case CMDLINE_UINT:
		msg_add(m, "expected an integer %llu..%llu", (unsigned long long)k->min,
		        (unsigned long long)k->max);
		break;
	case CMDLINE_SIZE:
		msg_add(m, "%s", "expected a size ");
		msg_size(m, k->min);
		msg_add(m, "%s", "..");
		msg_size(m, k->max);
		msg_add(m, "%s", " (bytes, or a number with a K, M or G suffix)");
		break;
	case CMDLINE_BOOL:
		msg_add(m, "%s", "expected one of: ");
		msg_list(m, bools);
		break;
	case CMDLINE_ENUM:
		msg_add(m, "%s", "expected one of: ");
		msg_list(m, k->choices);
		break;
	}
}

static void msg_param(struct msg *m, const struct cmdline_param *p)
{
	if (p->value != NULL)
		msg_add(m, "%s=%.*s%s", p->key, SHOW(p->value, strlen(p->value)));
	else
		msg_add(m, "%s (given without a value)", p->key);
}

static void check_key_table(const struct cmdline_key *keys, size_t nkeys)
{
	ASSERT(nkeys <= INT_MAX);
	for (size_t i = 0; i < nkeys; i++) {
		const struct cmdline_key *k = &keys[i];

		ASSERT(k->key != NULL && valid_key(k->key));
		for (size_t j = 0; j < i; j++)
			ASSERT(strcmp(keys[j].key, k->key) != 0);
		ASSERT(k->type >= CMDLINE_STR && k->type <= CMDLINE_ENUM);
		ASSERT(k->on_bad == CMDLINE_USE_DEFAULT || k->on_bad == CMDLINE_FATAL);
		if (k->type == CMDLINE_UINT || k->type == CMDLINE_SIZE)
			ASSERT(k->min <= k->max);
		if (k->type == CMDLINE_ENUM)
			ASSERT(k->choices != NULL && k->choices[0] != NULL);
	}
}

static void reset_values(const struct cmdline_key *keys, size_t nkeys, struct cmdline_value *vals)
{
	for (size_t i = 0; i < nkeys; i++) {
		struct cmdline_value *v = &vals[i];

		*v = (struct cmdline_value){.choice = -1};
		/* A default that does not parse is a bug in the declaring module. */
		if (keys[i].defval != NULL)
			ASSERT(parse_value(&keys[i], keys[i].defval, v) == 0);
	}
}

static void report_unknown(const struct cmdline_param *p, const struct cmdline_key *keys,
                           size_t nkeys, cmdline_report_fn report, void *ctx)
{
	struct msg m;

	msg_start(&m);
	msg_add(&m, "unknown key '%s'", p->key);
	if (p->value != NULL)
		msg_add(&m, " (value '%.*s%s')", SHOW(p->value, strlen(p->value)));
	msg_add(&m, "%s", " ignored; ");
	if (nkeys == 0)
		msg_add(&m, "%s", "no keys are known");
	else
		msg_add(&m, "%s", "known keys: ");
	for (size_t i = 0; i < nkeys; i++)
		msg_add(&m, "%s%s", i ? ", " : "", keys[i].key);
	msg_send(&m, report, ctx);
}

/* Only the last occurrence of a key counts; the note goes out once, with
 * it.  False for an occurrence that a later one overrides. */
static bool last_occurrence(const struct cmdline *cl, unsigned j, cmdline_report_fn report,
                            void *ctx)
{
	const struct cmdline_param *p = &cl->params[j];
	unsigned earlier = 0;
	struct msg m;

	for (unsigned o = 0; o < cl->nparams; o++) {
		if (o == j || strcmp(cl->params[o].key, p->key) != 0)
			continue;
		if (o > j)
			return false;
		earlier++;
	}
	if (earlier > 0) {
		msg_start(&m);
		msg_add(&m, "note: '%s' given %u times; the last one (", p->key, earlier + 1);
		msg_param(&m, p);
		msg_add(&m, "%s", ") wins");
		msg_send(&m, report, ctx);
	}
	return true;
}

/* A value that does not parse: say so, and what happens instead.  True if
 * the key is fatal. */
static bool report_bad(const struct cmdline_param *p, const struct cmdline_key *k,
                       cmdline_report_fn report, void *ctx)
{
	struct msg m;
	bool fatal = false;

	msg_start(&m);
	msg_param(&m, p);
	msg_add(&m, "%s", ": ");
	msg_expected(&m, k);
	if (k->on_bad == CMDLINE_FATAL) {
		msg_add(&m, "%s", "; cannot continue");
		fatal = true;
	} else if (k->defval != NULL) {
		msg_add(&m, "; using the default %s", k->defval);
	} else {
		msg_add(&m, "%s", "; leaving it unset");
	}
	msg_send(&m, report, ctx);
	return fatal;
}

int cmdline_apply(const struct cmdline *cl, const struct cmdline_key *keys, size_t nkeys,
                  struct cmdline_value *vals, cmdline_report_fn report, void *ctx)
{
	bool fatal = false;

	ASSERT(cl != NULL && (keys != NULL || nkeys == 0) && (vals != NULL || nkeys == 0));
	ASSERT(cl->nparams <= CMDLINE_MAX_PARAMS);
	check_key_table(keys, nkeys);
	reset_values(keys, nkeys, vals);

	for (unsigned j = 0; j < cl->nparams; j++) {
		const struct cmdline_param *p = &cl->params[j];
		int idx = cmdline_find(keys, nkeys, p->key);

		if (idx < 0) {
			report_unknown(p, keys, nkeys, report, ctx);
			continue;
		}
		if (!last_occurrence(cl, j, report, ctx))
			continue;
		struct cmdline_value nv = vals[idx];
		if (parse_value(&keys[idx], p->value, &nv) == 0) {
			nv.set = true;
			vals[idx] = nv;
		} else if (report_bad(p, &keys[idx], report, ctx)) {
			fatal = true;
		}
	}
	return fatal ? -EINVAL : 0;
}
