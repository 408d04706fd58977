/*
 * Parsing of the network keys of the command line (ip=, ifname=) and of the
 * DHCP options lwIP leaves to us.  Pure functions; see net/netcfg.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "kernel/fmt.h"
#include "kernel/hexdigit.h"
#include "net/netcfg.h"

/* ip= is split on ':' into at most this many fields; dracut defines nine. */
#define IP_FIELDS 10

struct field {
	const char *s;
	size_t len;
};

static bool field_is(const struct field *f, const char *word)
{
	return f->len == strlen(word) && memcmp(f->s, word, f->len) == 0;
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_dec(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;

	/* Leading zeros are refused: "010" means 8 to some parsers, 10 to others. */
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int netcfg_parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0;
	size_t start = 0;
	unsigned part = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		unsigned v;
		if (part == 4 || parse_dec(s + start, i - start, 255, &v))
			return -EINVAL;
		a = a << 8 | v;
		part++;
		start = i + 1;
	}
	if (part != 4)
		return -EINVAL;
	*out = a;
	return 0;
}

int netcfg_parse_mask(const char *s, size_t len, uint32_t *out)
{
	unsigned bits;
	uint32_t m;

	if (memchr(s, '.', len) == NULL) {
		if (parse_dec(s, len, 32, &bits))
			return -EINVAL;
		*out = bits ? ~0u << (32 - bits) : 0;
		return 0;
	}
	if (netcfg_parse_ipv4(s, len, &m))
		return -EINVAL;
	/* Contiguous ones: the inverted mask plus one is a power of two. */
	if (((~m + 1) & ~m) != 0)
		return -EINVAL;
	*out = m;
	return 0;
}

int netcfg_parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	uint8_t m[6];

	if (len != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		/* One separator style throughout, like every tool prints them. */
		if (i < 5 && (p[2] != s[2] || (p[2] != ':' && p[2] != '-')))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

static int copy_name(char *dst, size_t dstlen, const struct field *f)
{
	if (f->len >= dstlen)
		return -E2BIG;
	for (size_t i = 0; i < f->len; i++)
		if ((unsigned char)f->s[i] <= ' ' || (unsigned char)f->s[i] >= 0x7f)
			return -EINVAL;
	memcpy(dst, f->s, f->len);
	dst[f->len] = 0;
	return 0;
}

static unsigned split(const char *s, struct field *f, unsigned max)
{
	unsigned n = 0;
	const char *start = s;

	for (const char *p = s;; p++) {
		if (*p != ':' && *p != 0)
			continue;
		if (n == max)
			return max + 1;
		f[n].s = start;
		f[n].len = (size_t)(p - start);
		n++;
		if (*p == 0)
			return n;
		start = p + 1;
	}
}

static bool autoconf_dhcp(const struct field *f)
{
	return field_is(f, "dhcp") || field_is(f, "on") || field_is(f, "any");
}

static bool autoconf_off(const struct field *f)
{
	return field_is(f, "off") || field_is(f, "none") || field_is(f, "static");
}

static int parse_static(const struct field *f, unsigned n, struct netcfg_ip *out, char *err,
                        size_t errlen)
{
	if (n < 4)
		return fail(err, errlen, "ip=%s: want <client>:[<server>]:[<gw>]:<netmask>:...",
		            f[0].s);
	if (n >= 7 && f[6].len && !autoconf_off(&f[6]) && !autoconf_dhcp(&f[6]))
		return fail(err, errlen, "ip=: autoconf '%.*s' not supported (none, off, dhcp)",
		            (int)(f[6].len), f[6].s);
	if (n >= 5 && copy_name(out->hostname, sizeof(out->hostname), &f[4]))
		return fail(err, errlen, "ip=: bad host name '%.*s'", (int)(f[4].len), f[4].s);
	if (n >= 6 && copy_name(out->iface, sizeof(out->iface), &f[5]))
		return fail(err, errlen, "ip=: bad interface name '%.*s'", (int)(f[5].len), f[5].s);
	if (n >= 7 && autoconf_dhcp(&f[6])) {
		out->mode = NETCFG_DHCP;
		return 0;
	}
	if (netcfg_parse_ipv4(f[0].s, f[0].len, &out->addr) || out->addr == 0)
		return fail(err, errlen, "ip=: bad client address '%.*s'", (int)(f[0].len), f[0].s);
	if (f[1].len && netcfg_parse_ipv4(f[1].s, f[1].len, &out->server))
		return fail(err, errlen, "ip=: bad server address '%.*s'", (int)(f[1].len), f[1].s);
	if (f[2].len && netcfg_parse_ipv4(f[2].s, f[2].len, &out->gw))
		return fail(err, errlen, "ip=: bad gateway '%.*s'", (int)(f[2].len), f[2].s);
	if (netcfg_parse_mask(f[3].s, f[3].len, &out->mask) || out->mask == 0)
		return fail(err, errlen,
		            "ip=: bad netmask '%.*s' (dotted or a prefix length 1..32)",
		            (int)(f[3].len), f[3].s);
	if (out->gw && (out->gw & out->mask) != (out->addr & out->mask))
		return fail(err, errlen, "ip=: gateway '%.*s' is not on the client's subnet",
		            (int)(f[2].len), f[2].s);
	out->mode = NETCFG_STATIC;
	return 0;
}

int netcfg_parse_ip(const char *s, struct netcfg_ip *out, char *err, size_t errlen)
{
	struct field f[IP_FIELDS];
	unsigned n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = 0;
	if (!s)
		return fail(err, errlen, "ip=: no value");
	n = split(s, f, IP_FIELDS);
	if (n > IP_FIELDS)
		return fail(err, errlen, "ip=%s: too many ':' fields", s);
	if (n == 1) {
		if (autoconf_dhcp(&f[0])) {
			out->mode = NETCFG_DHCP;
			return 0;
		}
		if (field_is(&f[0], "off") || field_is(&f[0], "none")) {
			out->mode = NETCFG_OFF;
			return 0;
		}
		return fail(err, errlen, "ip=%s: want dhcp, off, <iface>:dhcp or a static address",
		            s);
	}
	if (n == 2) {
		if (!autoconf_dhcp(&f[1]))
			return fail(err, errlen, "ip=%s: want <iface>:dhcp", s);
		if (copy_name(out->iface, sizeof(out->iface), &f[0]) || f[0].len == 0)
			return fail(err, errlen, "ip=: bad interface name '%.*s'", (int)(f[0].len),
			            f[0].s);
		out->mode = NETCFG_DHCP;
		return 0;
	}
	rc = parse_static(f, n, out, err, errlen);
	if (rc)
		memset(out, 0, sizeof(*out)); /* nothing half-filled */
	return rc;
}

int netcfg_parse_ifname(const char *s, struct netcfg_ifname *out, char *err, size_t errlen)
{
	const char *colon;
	struct field name;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = 0;
	if (!s || !(colon = strchr(s, ':')))
		return fail(err, errlen, "ifname=%s: want <name>:<MAC>", s ? s : "");
	name.s = s;
	name.len = (size_t)(colon - s);
	if (name.len == 0 || copy_name(out->name, sizeof(out->name), &name)) {
		memset(out, 0, sizeof(*out));
		return fail(err, errlen, "ifname=: bad name '%.*s'", (int)(name.len), name.s);
	}
	if (netcfg_parse_mac(colon + 1, strlen(colon + 1), out->mac)) {
		memset(out, 0, sizeof(*out));
		return fail(err, errlen, "ifname=: bad MAC '%s'", colon + 1);
	}
	return 0;
}

int netcfg_dhcp_string(const uint8_t *val, size_t len, char *out, size_t outlen)
{
	if (outlen)
		out[0] = 0;
	while (len && val[len - 1] == 0)
		len--;
	if (len >= outlen)
		return -E2BIG;
	for (size_t i = 0; i < len; i++)
		if (val[i] < ' ' || val[i] == 0x7f)
			return -EINVAL;
	memcpy(out, val, len);
	out[len] = 0;
	return 0;
}

int netcfg_dhcp_find(const uint8_t *buf, size_t len, uint8_t code, const uint8_t **val,
                     size_t *vlen)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = buf[i];
		if (c == 0) {
			i++;
			continue;
		}
		if (c == 255)
			break;
		if (i + 1 >= len || i + 2 + buf[i + 1] > len)
			return -EINVAL;
		if (c == code) {
			*val = buf + i + 2;
			*vlen = buf[i + 1];
			return 0;
		}
		i += 2 + (size_t)buf[i + 1];
	}
	return -ENOENT;
}

int netcfg_dhcp_request_more(uint8_t *opts, size_t *len, size_t cap, const uint8_t *codes,
                             size_t n)
{
	size_t i = 0, at = *len, have = 0;
	bool found = false;

	while (i < *len) {
		uint8_t c = opts[i];
		if (c == 0) {
			i++;
			continue;
		}
		if (c == 255 || i + 1 >= *len || i + 2 + opts[i + 1] > *len)
			return -EINVAL; /* lwIP appends the end option after the hooks */
		if (c == 55 && !found) {
			found = true;
			at = i;
			have = opts[i + 1];
		}
		i += 2 + (size_t)opts[i + 1];
	}

	uint8_t add[255];
	size_t k = 0;
	for (size_t j = 0; j < n; j++) {
		bool dup = memchr(add, codes[j], k) != NULL;
		if (found && memchr(opts + at + 2, codes[j], have))
			dup = true;
		if (!dup) {
			if (k == sizeof(add))
				return -ENOSPC;
			add[k++] = codes[j];
		}
	}
	if (k == 0)
		return 0;
	if (!found) {
		if (*len + 2 + k > cap)
			return -ENOSPC;
		opts[*len] = 55;
		opts[*len + 1] = (uint8_t)k;
		memcpy(opts + *len + 2, add, k);
		*len += 2 + k;
		return 0;
	}
	if (have + k > 255 || *len + k > cap)
		return -ENOSPC;
	size_t end = at + 2 + have; /* first byte after the list */
	memmove(opts + end + k, opts + end, *len - end);
	memcpy(opts + end, add, k);
	opts[at + 1] = (uint8_t)(have + k);
	*len += k;
	return 0;
}
