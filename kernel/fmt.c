/*
 * fmt: a small, reentrant printf-style formatter for the kernel console.
 *
 * Output goes through a bounded sink that keeps counting past the end of the
 * buffer, which gives the C99 "length that would have been written" return
 * value for free.  Integers are converted into a small on-stack digit buffer;
 * nothing here needs more than a few hundred bytes of stack.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/assert.h"
#include "kernel/fmt.h"

/* Conversion flags. */
#define FL_LEFT  0x01u
#define FL_ZERO  0x02u
#define FL_PLUS  0x04u
#define FL_SPACE 0x08u
#define FL_ALT   0x10u

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct sink {
	char *buf;
	size_t size;
	size_t len; /* bytes produced so far, including those that did not fit */
};

struct spec {
	unsigned flags;
	int width;
	int prec; /* -1: none given */
	enum fmt_len len;
};

/* %zd reads size_t's signed counterpart; we rely on ptrdiff_t being that. */
BUILD_ASSERT(sizeof(ptrdiff_t) == sizeof(size_t));

static void put(struct sink *s, char c)
{
	/* Keep the last byte for the terminating NUL. */
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

/*
 * Padding may be huge (a width of 2^31 is legal); only the part that lands in
 * the buffer is written, the rest is just counted.
 */
static void put_rep(struct sink *s, char c, size_t n)
{
	while (n > 0 && s->len + 1 < s->size) {
		s->buf[s->len++] = c;
		n--;
	}
	s->len += n;
}

static void put_mem(struct sink *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(s, p[i]);
}

static size_t pad_for(const struct spec *sp, size_t len)
{
	if (sp->width <= 0 || (size_t)sp->width <= len)
		return 0;
	return (size_t)sp->width - len;
}

static void emit_padded(struct sink *s, const struct spec *sp, const char *p, size_t n)
{
	size_t pad = pad_for(sp, n);

	if (!(sp->flags & FL_LEFT))
		put_rep(s, ' ', pad);
	put_mem(s, p, n);
	if (sp->flags & FL_LEFT)
		put_rep(s, ' ', pad);
}

/*
 * One integer conversion.  Layout: [spaces] prefix [zero padding] [precision
 * zeros] digits [spaces], where the zero padding only exists for the '0'
 * flag without a precision, as C specifies.
 */
static void emit_int(struct sink *s, const struct spec *sp, uintmax_t v, bool neg, unsigned base,
                     bool upper, bool is_signed, bool is_ptr)
{
	static const char lower_digits[] = "0123456789abcdef";
	static const char upper_digits[] = "0123456789ABCDEF";
	const char *tab = upper ? upper_digits : lower_digits;
	char digits[sizeof(uintmax_t) * CHAR_BIT / 3 + 2];
	char prefix[3];
	size_t nd = 0, np = 0, zeros, prec, total, pad;
	bool nonzero = v != 0;

	while (v != 0) {
		ASSERT(nd < sizeof(digits));
		digits[nd++] = tab[v % base];
		v /= base;
	}

	prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	zeros = prec > nd ? prec - nd : 0;
	/* '#' with %o: the first digit printed must be a zero. */
	if (base == 8 && (sp->flags & FL_ALT) && zeros == 0 && (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;

	if (is_signed) {
		if (neg)
			prefix[np++] = '-';
		else if (sp->flags & FL_PLUS)
			prefix[np++] = '+';
		else if (sp->flags & FL_SPACE)
			prefix[np++] = ' ';
	}
	if (base == 16 && (is_ptr || ((sp->flags & FL_ALT) && nonzero))) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	total = np + zeros + nd;
	pad = pad_for(sp, total);
	if (!(sp->flags & FL_LEFT) && !((sp->flags & FL_ZERO) && sp->prec < 0))
		put_rep(s, ' ', pad);
	put_mem(s, prefix, np);
	if (!(sp->flags & FL_LEFT) && (sp->flags & FL_ZERO) && sp->prec < 0)
		put_rep(s, '0', pad);
	put_rep(s, '0', zeros);
	while (nd > 0)
		put(s, digits[--nd]);
	if (sp->flags & FL_LEFT)
		put_rep(s, ' ', pad);
}

static intmax_t fetch_signed(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return (ptrdiff_t)va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t fetch_unsigned(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Decimal field from the format string, saturating rather than overflowing. */
static int parse_num(const char **pp)
{
	const char *p = *pp;
	int n = 0;

	while (*p >= '0' && *p <= '9') {
		int d = *p - '0';

		n = n > (INT_MAX - d) / 10 ? INT_MAX : n * 10 + d;
		p++;
	}
	*pp = p;
	return n;
}

/* Flags: any of "-0+ #", in any order. */
static const char *parse_flags(const char *p, struct spec *sp)
{
	for (;; p++) {
		switch (*p) {
		case '-':
			sp->flags |= FL_LEFT;
			break;
		case '0':
			sp->flags |= FL_ZERO;
			break;
		case '+':
			sp->flags |= FL_PLUS;
			break;
		case ' ':
			sp->flags |= FL_SPACE;
			break;
		case '#':
			sp->flags |= FL_ALT;
			break;
		default:
			return p;
		}
	}
}

/* Width and precision, either of them '*' (taken from the arguments). */
static const char *parse_width_prec(const char *p, struct spec *sp, va_list *ap)
{
	if (*p == '*') {
		int w = va_arg(*ap, int);

		/* A negative '*' width means left-justify, per C. */
		if (w < 0) {
			sp->flags |= FL_LEFT;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		sp->width = w;
		p++;
	} else {
		sp->width = parse_num(&p);
	}
	if (*p != '.')
		return p;
	p++;
	if (*p == '*') {
		int pr = va_arg(*ap, int);

		sp->prec = pr < 0 ? -1 : pr;
		return p + 1;
	}
	sp->prec = parse_num(&p);
	return p;
}

/* Length modifier: hh h l ll z j t. */
static const char *parse_len(const char *p, struct spec *sp)
{
	switch (*p) {
	case 'h':
		sp->len = p[1] == 'h' ? LEN_HH : LEN_H;
		return p + (p[1] == 'h' ? 2 : 1);
	case 'l':
		sp->len = p[1] == 'l' ? LEN_LL : LEN_L;
		return p + (p[1] == 'l' ? 2 : 1);
	case 'z':
		sp->len = LEN_Z;
		return p + 1;
	case 'j':
		sp->len = LEN_J;
		return p + 1;
	case 't':
		sp->len = LEN_T;
		return p + 1;
	default:
		return p;
	}
}

/* %c and %s: no length modifier is accepted (no wide characters). */
static void emit_char_str(struct sink *s, const struct spec *sp, char conv, va_list *ap)
{
	if (conv == 'c') {
		char c = (char)va_arg(*ap, int);

		emit_padded(s, sp, &c, 1);
		return;
	}
	const char *str = va_arg(*ap, const char *);
	size_t n = 0;

	if (str == NULL)
		str = "(null)";
	/* With a precision the string need not be NUL-terminated: never read past it. */
	while ((sp->prec < 0 || n < (size_t)sp->prec) && str[n] != '\0')
		n++;
	emit_padded(s, sp, str, n);
}

/* Emit one conversion whose specifier is conv; false if conv (with this
 * length modifier) is not one we know. */
static bool emit_conversion(struct sink *s, const struct spec *sp, char conv, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(sp->len, ap);
		uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;

		emit_int(s, sp, mag, v < 0, 10, false, true, false);
		return true;
	}
	case 'u':
		emit_int(s, sp, fetch_unsigned(sp->len, ap), false, 10, false, false, false);
		return true;
	case 'x':
	case 'X':
		emit_int(s, sp, fetch_unsigned(sp->len, ap), false, 16, conv == 'X', false, false);
		return true;
	case 'o':
		emit_int(s, sp, fetch_unsigned(sp->len, ap), false, 8, false, false, false);
		return true;
	case 'p':
		if (sp->len != LEN_NONE)
			return false;
		emit_int(s, sp, (uintptr_t)va_arg(*ap, void *), false, 16, false, false, true);
		return true;
	case 'c':
	case 's':
		if (sp->len != LEN_NONE)
			return false;
		emit_char_str(s, sp, conv, ap);
		return true;
	case '%':
		put(s, '%');
		return true;
	default:
		return false;
	}
}

/*
 * Parses the conversion at pct (its '%') and emits it.  Returns the position
 * after the conversion.  Unsupported or truncated conversions are copied
 * verbatim from pct and consume no argument, so mistakes show.
 */
static const char *convert(struct sink *s, const char *pct, va_list *ap)
{
	struct spec sp = {.flags = 0, .width = 0, .prec = -1, .len = LEN_NONE};
	const char *p = parse_flags(pct + 1, &sp);

	p = parse_width_prec(p, &sp, ap);
	p = parse_len(p, &sp);
	if (*p == '\0') {
		/* The string ended inside a conversion. */
		put_mem(s, pct, (size_t)(p - pct));
		return p;
	}
	if (!emit_conversion(s, &sp, *p, ap))
		put_mem(s, pct, (size_t)(p - pct) + 1);
	return p + 1;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {.buf = buf, .size = size, .len = 0};
	const char *p = fmt;
	va_list args;

	ASSERT(fmt != NULL);
	ASSERT(buf != NULL || size == 0);

	/* A local copy so helpers can advance it through a pointer portably. */
	va_copy(args, ap);
	while (*p != '\0') {
		if (*p != '%') {
			put(&s, *p++);
			continue;
		}
		p = convert(&s, p, &args);
	}
	va_end(args);

	if (size > 0)
		buf[s.len < size ? s.len : size - 1] = '\0';
	if (s.len > INT_MAX)
		return -EOVERFLOW;
	return (int)s.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
