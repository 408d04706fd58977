/*
 * iSCSI text data segments (RFC 7143 §6.1): sequences of "key=value\0" records carried by
 * Login and Text PDUs.  Iteration over untrusted buffers, bounded building, value codecs
 * (numbers, booleans, hex "0x" / base64 "0b" binary values) and SendTargets (§13.3, §13.8)
 * response parsing.  Negotiation semantics live in params.h.
 *
 * All functions work on caller buffers only; no allocation, reentrant, any context.  Errors:
 * -EPROTO for malformed peer data (with a static reason string), -ENOSPC when a caller buffer
 * is too small, -EINVAL for malformed caller arguments or unparsable values.
 */
#ifndef BLK_ISCSI_TEXT_H
#define BLK_ISCSI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/addr.h"

#define ISCSI_TEXT_KEY_MAX 63 /* RFC 7143 §6.1: key names are at most 63 bytes */
#define ISCSI_TEXT_VALUE_MAX                                                                       \
	255                /* default limit for text values (binary CHAP values exceed it)         \
	                    */
#define ISCSI_NAME_MAX 223 /* iSCSI names, RFC 3722 */

/* One record.  value is NUL-terminated inside the caller's buffer; key is followed by '='. */
struct iscsi_kv {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/* True if kv's key is exactly the C string key. */
bool iscsi_kv_is(const struct iscsi_kv *kv, const char *key);

struct iscsi_text_iter {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	const char *why; /* reason for the last -EPROTO */
};

/* buf must stay valid and unchanged while iterating. */
void iscsi_text_iter_init(struct iscsi_text_iter *it, const void *buf, size_t len);

/*
 * Next record: 1 and *kv filled, 0 at the end, -EPROTO if malformed (it->why says how; the
 * iterator then stays failed).  Rejects: a record without '=', an empty or over-long key, key
 * bytes outside [A-Za-z0-9.+@_#-], and a final record with no NUL terminator.  Leniency: runs
 * of NUL bytes between records are skipped (some targets pad the data segment that way).
 */
int iscsi_text_next(struct iscsi_text_iter *it, struct iscsi_kv *kv);

/* Bounded builder.  On -ENOSPC the buffer is unchanged (the record is not half written). */
struct iscsi_text_buf {
	char *buf;
	size_t cap;
	size_t len;
};

void iscsi_text_buf_init(struct iscsi_text_buf *b, void *buf, size_t cap);
/*
 * key must be a valid key name and value at most ISCSI_TEXT_VALUE_MAX bytes (-EINVAL
 * otherwise).  Binary values, which may be longer, go through add_hex ("0x" + 2 hex digits
 * per byte).
 */
int iscsi_text_add(struct iscsi_text_buf *b, const char *key, const char *value);
int iscsi_text_add_hex(struct iscsi_text_buf *b, const char *key, const uint8_t *bin, size_t len);
int iscsi_text_add_u32(struct iscsi_text_buf *b, const char *key, uint32_t value);
/* Append already formatted records (e.g. pending replies). */
int iscsi_text_append(struct iscsi_text_buf *b, const void *records, size_t len);

/*
 * numerical-value: decimal, or "0x"/"0b" binary-encoded big-endian up to 64 bits.
 * -EINVAL if empty, not a number, or above max.
 */
int iscsi_text_parse_number(const char *v, size_t len, uint64_t max, uint64_t *out);

/* "Yes" / "No", case-sensitive as RFC 7143 §6.1 specifies. */
int iscsi_text_parse_bool(const char *v, size_t len, bool *out);

/*
 * binary-value: "0x"/"0X" + hex digits (odd count: leading zero implied) or "0b"/"0B" +
 * base64 (RFC 4648, padding optional).  -EINVAL if malformed, -ENOSPC if it decodes to more
 * than cap bytes.
 */
int iscsi_text_decode_binary(const char *v, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* True if the comma-separated list contains item exactly. */
bool iscsi_text_list_has(const char *list, size_t len, const char *item);

/*
 * SendTargets response walker.  Yields one entry per (TargetName, TargetAddress) pair; a
 * TargetName without any TargetAddress yields one entry with has_portal false, meaning
 * "reachable through the portal you asked" (RFC 7143 §13.3).  Other keys are skipped.
 * Returns 1 per entry, 0 at the end, -EPROTO on malformed text, a TargetAddress before any
 * TargetName, or a bad name/address (st->why says which).
 */
struct iscsi_sendtargets {
	struct iscsi_text_iter it;
	const char *name;  /* current TargetName (NUL-terminated, in the caller's buffer) */
	bool name_yielded; /* an entry was produced for the current name */
	const char *why;
};

struct iscsi_st_entry {
	const char *name; /* NUL-terminated, points into the caller's buffer */
	bool has_portal;
	struct iscsi_portal portal;
};

void iscsi_sendtargets_init(struct iscsi_sendtargets *st, const void *buf, size_t len);
int iscsi_sendtargets_next(struct iscsi_sendtargets *st, struct iscsi_st_entry *e);

#endif
