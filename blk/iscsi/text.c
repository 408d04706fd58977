/* iSCSI text key=value records: iteration, building, value codecs, SendTargets parsing. */
#include "blk/iscsi/text.h"
#include "kernel/hexdigit.h"

#include <errno.h>
#include <string.h>

#include "kernel/assert.h"

static bool key_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '+' || c == '@' || c == '_' || c == '#';
}

static bool key_ok(const char *key, size_t len)
{
	if (len == 0 || len > ISCSI_TEXT_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!key_char_ok((uint8_t)key[i]))
			return false;
	return true;
}

bool iscsi_kv_is(const struct iscsi_kv *kv, const char *key)
{
	size_t n = strlen(key);

	return kv->key_len == n && memcmp(kv->key, key, n) == 0;
}

void iscsi_text_iter_init(struct iscsi_text_iter *it, const void *buf, size_t len)
{
	ASSERT(it != NULL && (buf != NULL || len == 0));
	it->buf = buf;
	it->len = len;
	it->pos = 0;
	it->why = NULL;
}

static int iter_fail(struct iscsi_text_iter *it, const char *why)
{
	it->why = why;
	it->pos = it->len; /* stay failed-and-finished: a later call cannot resume mid-garbage */
	return -EPROTO;
}

int iscsi_text_next(struct iscsi_text_iter *it, struct iscsi_kv *kv)
{
	const uint8_t *p, *nul, *eq;
	size_t rest;

	ASSERT(it != NULL && kv != NULL);
	if (it->why != NULL)
		return -EPROTO;
	while (it->pos < it->len && it->buf[it->pos] == 0)
		it->pos++;
	if (it->pos >= it->len)
		return 0;

	p = it->buf + it->pos;
	rest = it->len - it->pos;
	nul = memchr(p, 0, rest);
	if (nul == NULL)
		return iter_fail(it, "text record not NUL-terminated");
	eq = memchr(p, '=', (size_t)(nul - p));
	if (eq == NULL)
		return iter_fail(it, "text record without '='");
	if (eq == p)
		return iter_fail(it, "empty key");
	if ((size_t)(eq - p) > ISCSI_TEXT_KEY_MAX)
		return iter_fail(it, "key longer than 63 bytes");
	if (!key_ok((const char *)p, (size_t)(eq - p)))
		return iter_fail(it, "invalid character in key");

	kv->key = (const char *)p;
	kv->key_len = (size_t)(eq - p);
	kv->value = (const char *)eq + 1;
	kv->value_len = (size_t)(nul - eq - 1);
	it->pos += (size_t)(nul - p) + 1;
	return 1;
}

void iscsi_text_buf_init(struct iscsi_text_buf *b, void *buf, size_t cap)
{
	ASSERT(b != NULL && (buf != NULL || cap == 0));
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
}

static int add_parts(struct iscsi_text_buf *b, const char *key, const char *prefix,
                     const char *value, size_t vlen)
{
	size_t klen = strlen(key), plen = strlen(prefix);
	size_t need = klen + 1 + plen + vlen + 1;

	if (!key_ok(key, klen))
		return -EINVAL;
	if (need > b->cap - b->len)
		return -ENOSPC;
	memcpy(b->buf + b->len, key, klen);
	b->buf[b->len + klen] = '=';
	memcpy(b->buf + b->len + klen + 1, prefix, plen);
	memcpy(b->buf + b->len + klen + 1 + plen, value, vlen);
	b->buf[b->len + need - 1] = '\0';
	b->len += need;
	return 0;
}

int iscsi_text_add(struct iscsi_text_buf *b, const char *key, const char *value)
{
	size_t vlen;

	ASSERT(b != NULL && key != NULL && value != NULL);
	vlen = strlen(value);
	if (vlen > ISCSI_TEXT_VALUE_MAX)
		return -EINVAL;
	return add_parts(b, key, "", value, vlen);
}

int iscsi_text_add_u32(struct iscsi_text_buf *b, const char *key, uint32_t value)
{
	char digits[11];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	return iscsi_text_add(b, key, digits + n);
}

int iscsi_text_add_hex(struct iscsi_text_buf *b, const char *key, const uint8_t *bin, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t klen = strlen(key);
	size_t need;
	char *out;

	ASSERT(b != NULL && (bin != NULL || len == 0));
	if (!key_ok(key, klen) || len == 0)
		return -EINVAL;
	if (len > (b->cap - b->len) / 2)
		return -ENOSPC;
	need = klen + 1 + 2 + 2 * len + 1;
	if (need > b->cap - b->len)
		return -ENOSPC;
	out = b->buf + b->len;
	memcpy(out, key, klen);
	out += klen;
	*out++ = '=';
	*out++ = '0';
	*out++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*out++ = hex[bin[i] >> 4];
		*out++ = hex[bin[i] & 15];
	}
	*out = '\0';
	b->len += need;
	return 0;
}

int iscsi_text_append(struct iscsi_text_buf *b, const void *records, size_t len)
{
	ASSERT(b != NULL && (records != NULL || len == 0));
	if (len > b->cap - b->len)
		return -ENOSPC;
	memcpy(b->buf + b->len, records, len);
	b->len += len;
	return 0;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int iscsi_text_decode_binary(const char *v, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t n = 0;

	ASSERT(out_len != NULL && (out != NULL || cap == 0));
	if (len < 3 || v[0] != '0')
		return -EINVAL;
	if (v[1] == 'x' || v[1] == 'X') {
		size_t digits = len - 2;
		size_t i = 2;

		if ((digits + 1) / 2 > cap)
			return -ENOSPC;
		if (digits % 2) {
			/* odd digit count: the value has an implied leading zero nibble */
			int lo = hex_digit(v[i++]);
			if (lo < 0)
				return -EINVAL;
			out[n++] = (uint8_t)lo;
		}
		for (; i < len; i += 2) {
			int hi = hex_digit(v[i]), lo = hex_digit(v[i + 1]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			out[n++] = (uint8_t)(hi << 4 | lo);
		}
	} else if (v[1] == 'b' || v[1] == 'B') {
		uint32_t acc = 0;
		int bits = 0;
		size_t end = len;

		/* at most two '=' of padding, and only at the end */
		while (end > 2 && len - end < 2 && v[end - 1] == '=')
			end--;
		if (end == 2)
			return -EINVAL;
		for (size_t i = 2; i < end; i++) {
			int d = b64_val(v[i]);
			if (d < 0)
				return -EINVAL;
			acc = acc << 6 | (uint32_t)d;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if (n >= cap)
					return -ENOSPC;
				out[n++] = (uint8_t)(acc >> bits);
			}
		}
		/* 6 leftover bits means a lone trailing character: not valid base64 */
		if (bits >= 6)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	*out_len = n;
	return 0;
}

int iscsi_text_parse_number(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t val = 0;

	ASSERT(out != NULL);
	if (len == 0)
		return -EINVAL;
	if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		for (size_t i = 2; i < len; i++) {
			int d = hex_digit(v[i]);
			if (d < 0 || val >> 60)
				return -EINVAL;
			val = val << 4 | (uint64_t)d;
		}
	} else if (len > 2 && v[0] == '0' && (v[1] == 'b' || v[1] == 'B')) {
		uint8_t bin[8];
		size_t n;

		if (iscsi_text_decode_binary(v, len, bin, sizeof(bin), &n) < 0)
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			val = val << 8 | bin[i];
	} else {
		for (size_t i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -EINVAL;
			if (val > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
				return -EINVAL;
			val = val * 10 + (uint64_t)(v[i] - '0');
		}
	}
	if (val > max)
		return -EINVAL;
	*out = val;
	return 0;
}

int iscsi_text_parse_bool(const char *v, size_t len, bool *out)
{
	ASSERT(out != NULL);
	if (len == 3 && memcmp(v, "Yes", 3) == 0)
		*out = true;
	else if (len == 2 && memcmp(v, "No", 2) == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

bool iscsi_text_list_has(const char *list, size_t len, const char *item)
{
	size_t ilen = strlen(item);
	size_t pos = 0;

	while (pos <= len) {
		const char *comma = memchr(list + pos, ',', len - pos);
		size_t end = comma ? (size_t)(comma - list) : len;

		if (end - pos == ilen && memcmp(list + pos, item, ilen) == 0)
			return true;
		pos = end + 1;
	}
	return false;
}

void iscsi_sendtargets_init(struct iscsi_sendtargets *st, const void *buf, size_t len)
{
	ASSERT(st != NULL);
	iscsi_text_iter_init(&st->it, buf, len);
	st->name = NULL;
	st->name_yielded = false;
	st->why = NULL;
}

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len > ISCSI_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)s[i] <= ' ' || (uint8_t)s[i] >= 0x7f)
			return false;
	return true;
}

int iscsi_sendtargets_next(struct iscsi_sendtargets *st, struct iscsi_st_entry *e)
{
	struct iscsi_kv kv;
	int rc;

	ASSERT(st != NULL && e != NULL);
	if (st->why != NULL)
		return -EPROTO;
	for (;;) {
		rc = iscsi_text_next(&st->it, &kv);
		if (rc < 0) {
			st->why = st->it.why;
			return rc;
		}
		if (rc == 0 || iscsi_kv_is(&kv, "TargetName")) {
			/* flush a previous name that had no address of its own */
			const char *prev = st->name;
			bool pending = prev != NULL && !st->name_yielded;

			if (rc > 0) {
				if (!name_ok(kv.value, kv.value_len)) {
					st->why = "bad TargetName in SendTargets response";
					return -EPROTO;
				}
				st->name = kv.value;
				st->name_yielded = false;
			} else {
				st->name = NULL;
			}
			if (pending) {
				memset(e, 0, sizeof(*e));
				e->name = prev;
				e->has_portal = false;
				return 1;
			}
			if (rc == 0)
				return 0;
			continue;
		}
		if (iscsi_kv_is(&kv, "TargetAddress")) {
			if (st->name == NULL) {
				st->why = "TargetAddress before any TargetName";
				return -EPROTO;
			}
			memset(e, 0, sizeof(*e));
			if (iscsi_addr_parse_portal(kv.value, kv.value_len, &e->portal) < 0) {
				st->why = "bad TargetAddress in SendTargets response";
				return -EPROTO;
			}
			e->name = st->name;
			e->has_portal = true;
			st->name_yielded = true;
			return 1;
		}
		/* TargetAlias and vendor keys carry nothing we need here */
	}
}
