/* Parsing of IPv4/IPv6/DNS host literals and iSCSI portal strings. */
#include "blk/iscsi/addr.h"
#include "kernel/hexdigit.h"

#include <errno.h>
#include <string.h>

#include "kernel/assert.h"

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int iscsi_addr_parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;

	ASSERT(out != NULL);
	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		uint64_t n = (uint64_t)v * 10 + (uint64_t)(s[i] - '0');
		if (n > max)
			return -EINVAL;
		v = (uint32_t)n;
	}
	*out = v;
	return 0;
}

int iscsi_addr_parse_ipv4(const char *s, size_t len, uint8_t out[16])
{
	uint8_t q[4];
	size_t pos = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = pos;
		uint32_t v;

		while (pos < len && is_digit(s[pos]))
			pos++;
		if (pos - start > 3 || (pos - start > 1 && s[start] == '0'))
			return -EINVAL;
		if (iscsi_addr_parse_uint(s + start, pos - start, 255, &v) < 0)
			return -EINVAL;
		q[part] = (uint8_t)v;
		if (part < 3) {
			if (pos >= len || s[pos] != '.')
				return -EINVAL;
			pos++;
		}
	}
	if (pos != len)
		return -EINVAL;
	memcpy(out, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(out + 12, q, 4);
	return 0;
}

int iscsi_addr_parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t g[8];
	int n = 0;    /* groups parsed */
	int gap = -1; /* index in g where "::" stands */
	size_t pos = 0;

	if (len < 2)
		return -EINVAL;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -EINVAL;
		gap = 0;
		pos = 2;
		if (pos == len)
			goto done;
	}
	for (;;) {
		size_t start = pos;
		uint32_t v = 0;

		while (pos < len && pos - start < 5 && hex_digit(s[pos]) >= 0)
			v = v << 4 | (uint32_t)hex_digit(s[pos++]);
		if (pos < len && s[pos] == '.') {
			/* trailing dotted quad takes the last two groups */
			uint8_t v4[16];

			if (n > 6 || iscsi_addr_parse_ipv4(s + start, len - start, v4) < 0)
				return -EINVAL;
			g[n++] = (uint16_t)(v4[12] << 8 | v4[13]);
			g[n++] = (uint16_t)(v4[14] << 8 | v4[15]);
			pos = len;
			break;
		}
		if (pos == start || pos - start > 4 || n == 8)
			return -EINVAL;
		g[n++] = (uint16_t)v;
		if (pos == len)
			break;
		if (s[pos] != ':')
			return -EINVAL;
		pos++;
		if (pos < len && s[pos] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = n;
			pos++;
			if (pos == len)
				break;
		} else if (pos == len) {
			return -EINVAL; /* trailing single ':' */
		}
	}
done:
	if (gap < 0 ? n != 8 : n > 7)
		return -EINVAL;
	memset(out, 0, 16);
	int tail = gap < 0 ? 0 : n - gap;
	int head = n - tail;
	for (int i = 0; i < head; i++) {
		out[2 * i] = (uint8_t)(g[i] >> 8);
		out[2 * i + 1] = (uint8_t)g[i];
	}
	for (int i = 0; i < tail; i++) {
		int d = 8 - tail + i;
		out[2 * d] = (uint8_t)(g[head + i] >> 8);
		out[2 * d + 1] = (uint8_t)g[head + i];
	}
	return 0;
}

static int check_dns_name(const char *s, size_t len)
{
	size_t label = 0;
	bool all_numeric = true;

	ASSERT(len <= ISCSI_HOST_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			/* a single trailing dot (absolute name) is fine; empty labels are not */
			if (label == 0)
				return -EINVAL;
			label = 0;
			continue;
		}
		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
		      c == '_'))
			return -EINVAL;
		if (!is_digit(c))
			all_numeric = false;
		if (++label > 63)
			return -EINVAL;
	}
	/* "10.0.0.256" is a typo for an address, not a host name */
	return all_numeric ? -EINVAL : 0;
}

int iscsi_addr_parse_host(const char *s, size_t len, struct iscsi_host *out)
{
	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	if (len == 0) {
		out->kind = ISCSI_HOST_NONE;
		return 0;
	}
	if (len > ISCSI_HOST_MAX)
		return -EINVAL;
	if (iscsi_addr_parse_ipv4(s, len, out->ip) == 0)
		out->kind = ISCSI_HOST_IPV4;
	else if (memchr(s, ':', len) != NULL) {
		if (iscsi_addr_parse_ipv6(s, len, out->ip) < 0)
			return -EINVAL;
		out->kind = ISCSI_HOST_IPV6;
	} else {
		if (check_dns_name(s, len) < 0)
			return -EINVAL;
		out->kind = ISCSI_HOST_NAME;
	}
	memcpy(out->name, s, len);
	out->name[len] = '\0';
	return 0;
}

int iscsi_addr_parse_portal(const char *s, size_t len, struct iscsi_portal *out)
{
	const char *host;
	size_t host_len, pos;
	const char *comma;
	size_t end;
	uint32_t v;

	ASSERT(out != NULL);
	memset(out, 0, sizeof(*out));
	out->port = ISCSI_DEFAULT_PORT;

	comma = memchr(s, ',', len);
	end = comma ? (size_t)(comma - s) : len;

	if (end > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', end);

		if (close == NULL)
			return -EINVAL;
		host = s + 1;
		host_len = (size_t)(close - host);
		if (host_len == 0 || iscsi_addr_parse_ipv6(host, host_len, out->host.ip) < 0)
			return -EINVAL;
		pos = (size_t)(close - s) + 1;
	} else {
		const char *colon = memchr(s, ':', end);
		size_t colons = 0;

		for (size_t i = 0; i < end; i++)
			colons += s[i] == ':';
		host = s;
		if (colons >= 2) {
			host_len = end;
		} else {
			host_len = colon ? (size_t)(colon - s) : end;
		}
		pos = host_len;
	}
	if (host_len == 0 || iscsi_addr_parse_host(host, host_len, &out->host) < 0)
		return -EINVAL;

	if (pos < end) {
		if (s[pos] != ':')
			return -EINVAL;
		pos++;
		if (iscsi_addr_parse_uint(s + pos, end - pos, 65535, &v) < 0 || v == 0)
			return -EINVAL;
		out->port = (uint16_t)v;
	}
	if (comma) {
		if (iscsi_addr_parse_uint(comma + 1, len - end - 1, 65535, &v) < 0)
			return -EINVAL;
		out->has_tpgt = true;
		out->tpgt = (uint16_t)v;
	}
	return 0;
}

bool iscsi_addr_is_v4mapped(const uint8_t ip[16])
{
	return memcmp(ip, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
}
