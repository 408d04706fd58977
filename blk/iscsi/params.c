/* iSCSI operational parameter negotiation per RFC 7143 §6.2 and §13. */
#include "blk/iscsi/params.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/assert.h"

enum kind {
	K_DIGEST, /* list of None/CRC32C, stored as uint8_t */
	K_AND,    /* boolean, result function AND */
	K_OR,     /* boolean, result function OR */
	K_MIN,    /* number, result function Minimum */
	K_MAX,    /* number, result function Maximum */
	K_DECL,   /* declarative number: MaxRecvDataSegmentLength */
};

#define F_SESSION 1 /* irrelevant in a discovery session */

struct key {
	const char *name;
	uint8_t kind;
	uint8_t flags;
	uint32_t lo, hi;
	uint16_t off; /* field in struct iscsi_params */
};

#define OFF(f) ((uint16_t)offsetof(struct iscsi_params, f))
#define MAX24  16777215u

static const struct key keys[] = {
    {"HeaderDigest", K_DIGEST, 0, 0, 0, OFF(header_digest)},
    {"DataDigest", K_DIGEST, 0, 0, 0, OFF(data_digest)},
    {"MaxConnections", K_MIN, F_SESSION, 1, 65535, OFF(max_connections)},
    {"InitialR2T", K_OR, F_SESSION, 0, 1, OFF(initial_r2t)},
    {"ImmediateData", K_AND, F_SESSION, 0, 1, OFF(immediate_data)},
    {"MaxRecvDataSegmentLength", K_DECL, 0, 512, MAX24, OFF(max_send_dsl)},
    {"MaxBurstLength", K_MIN, F_SESSION, 512, MAX24, OFF(max_burst)},
    {"FirstBurstLength", K_MIN, F_SESSION, 512, MAX24, OFF(first_burst)},
    {"DefaultTime2Wait", K_MAX, 0, 0, 3600, OFF(time2wait)},
    {"DefaultTime2Retain", K_MIN, 0, 0, 3600, OFF(time2retain)},
    {"MaxOutstandingR2T", K_MIN, F_SESSION, 1, 65535, OFF(max_outstanding_r2t)},
    {"DataPDUInOrder", K_OR, F_SESSION, 0, 1, OFF(data_pdu_in_order)},
    {"DataSequenceInOrder", K_OR, F_SESSION, 0, 1, OFF(data_seq_in_order)},
    {"ErrorRecoveryLevel", K_MIN, 0, 0, 2, OFF(error_recovery_level)},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
BUILD_ASSERT(NKEYS <= 32); /* bitmasks are uint32_t */

/* Keys only an initiator sends, and security-stage keys: never valid here from a target. */
static const char *const forbidden[] = {
    "InitiatorName", "InitiatorAlias", "SessionType", "SendTargets", "AuthMethod",
    "CHAP_A",        "CHAP_I",         "CHAP_C",      "CHAP_N",      "CHAP_R",
};

void iscsi_params_default(struct iscsi_params *p)
{
	ASSERT(p != NULL);
	memset(p, 0, sizeof(*p));
	p->header_digest = ISCSI_DIGEST_NONE;
	p->data_digest = ISCSI_DIGEST_NONE;
	p->max_connections = 1;
	p->initial_r2t = true;
	p->immediate_data = true;
	p->max_recv_dsl = 8192;
	p->max_send_dsl = 8192;
	p->max_burst = 262144;
	p->first_burst = 65536;
	p->time2wait = 2;
	p->time2retain = 20;
	p->max_outstanding_r2t = 1;
	p->data_pdu_in_order = true;
	p->data_seq_in_order = true;
	p->error_recovery_level = 0;
}

void iscsi_params_preferred(struct iscsi_params *p)
{
	iscsi_params_default(p);
	p->header_digest = ISCSI_DIGEST_PREFER_CRC32C;
	p->data_digest = ISCSI_DIGEST_PREFER_NONE;
	p->initial_r2t = false;
	p->immediate_data = true;
	p->max_recv_dsl = 262144;
	p->max_burst = 1048576;
	p->first_burst = 262144;
}

static uint32_t get_num(const struct iscsi_params *p, const struct key *k)
{
	const char *base = (const char *)p + k->off;

	switch (k->kind) {
	case K_DIGEST:
		return *(const uint8_t *)base;
	case K_AND:
	case K_OR:
		return *(const bool *)base;
	default:
		return *(const uint32_t *)base;
	}
}

static void set_num(struct iscsi_params *p, const struct key *k, uint32_t v)
{
	char *base = (char *)p + k->off;

	switch (k->kind) {
	case K_DIGEST:
		*(uint8_t *)base = (uint8_t)v;
		break;
	case K_AND:
	case K_OR:
		*(bool *)base = v != 0;
		break;
	default:
		*(uint32_t *)base = v;
		break;
	}
}

void iscsi_neg_init(struct iscsi_neg *n, const struct iscsi_params *offer, bool discovery)
{
	ASSERT(n != NULL && offer != NULL);
	memset(n, 0, sizeof(*n));
	n->offer = *offer;
	n->discovery = discovery;
	iscsi_params_default(&n->result);
	n->result.max_recv_dsl = offer->max_recv_dsl;
}

static int fail(struct iscsi_neg *n, const struct iscsi_kv *kv, int err, const char *why)
{
	size_t len = 0;

	n->why = why;
	if (kv != NULL) {
		len = kv->key_len < ISCSI_TEXT_KEY_MAX ? kv->key_len : ISCSI_TEXT_KEY_MAX;
		memcpy(n->bad_key, kv->key, len);
	}
	n->bad_key[len] = '\0';
	return err;
}

static const char *digest_offer_str(uint8_t d)
{
	switch (d) {
	case ISCSI_DIGEST_CRC32C:
		return "CRC32C";
	case ISCSI_DIGEST_PREFER_CRC32C:
		return "CRC32C,None";
	case ISCSI_DIGEST_PREFER_NONE:
		return "None,CRC32C";
	default:
		return "None";
	}
}

static bool digest_acceptable(uint8_t pref, uint8_t candidate)
{
	if (pref == ISCSI_DIGEST_NONE)
		return candidate == ISCSI_DIGEST_NONE;
	if (pref == ISCSI_DIGEST_CRC32C)
		return candidate == ISCSI_DIGEST_CRC32C;
	return true;
}

static bool key_offerable(const struct iscsi_neg *n, const struct key *k)
{
	if (!n->discovery)
		return true;
	return k->kind == K_DIGEST || k->kind == K_DECL;
}

int iscsi_params_check(const struct iscsi_params *o)
{
	if (o->header_digest > ISCSI_DIGEST_PREFER_NONE ||
	    o->data_digest > ISCSI_DIGEST_PREFER_NONE)
		return -EINVAL;
	if (o->max_recv_dsl < 512 || o->max_recv_dsl > MAX24)
		return -EINVAL;
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		uint32_t v = get_num(o, k);

		if ((k->kind == K_MIN || k->kind == K_MAX) && (v < k->lo || v > k->hi))
			return -EINVAL;
	}
	return 0;
}

int iscsi_neg_offer(struct iscsi_neg *n, struct iscsi_text_buf *out)
{
	size_t start = out->len;
	uint32_t before_offered = n->offered;
	bool before_declared = n->declared;
	int rc = 0;

	ASSERT(n != NULL && out != NULL);
	if (iscsi_params_check(&n->offer) < 0)
		return fail(n, NULL, -EINVAL, "offered parameter out of range");
	for (size_t i = 0; i < NKEYS && rc == 0; i++) {
		const struct key *k = &keys[i];
		uint32_t bit = 1u << i;

		if (!key_offerable(n, k) || (n->done & bit) || (n->offered & bit))
			continue;
		if (k->kind == K_DECL && n->declared)
			continue;
		switch (k->kind) {
		case K_DIGEST:
			rc = iscsi_text_add(out, k->name,
			                    digest_offer_str((uint8_t)get_num(&n->offer, k)));
			break;
		case K_AND:
		case K_OR:
			rc = iscsi_text_add(out, k->name, get_num(&n->offer, k) ? "Yes" : "No");
			break;
		case K_DECL:
			/* we declare our receive limit; the target's arrives separately */
			rc = iscsi_text_add_u32(out, k->name, n->offer.max_recv_dsl);
			break;
		default:
			rc = iscsi_text_add_u32(out, k->name, get_num(&n->offer, k));
			break;
		}
		if (k->kind != K_DECL)
			n->offered |= bit;
		else
			n->declared = true;
	}
	if (rc < 0) {
		/* all or nothing, so a retry with a bigger buffer sends a consistent offer */
		out->len = start;
		n->offered = before_offered;
		n->declared = before_declared;
		return fail(n, NULL, rc, "offer does not fit the buffer");
	}
	return 0;
}

static bool value_is(const struct iscsi_kv *kv, const char *s)
{
	size_t len = strlen(s);

	return kv->value_len == len && memcmp(kv->value, s, len) == 0;
}

static int parse_digest(const char *v, size_t len, uint8_t *out)
{
	if (len == 4 && memcmp(v, "None", 4) == 0)
		*out = ISCSI_DIGEST_NONE;
	else if (len == 6 && memcmp(v, "CRC32C", 6) == 0)
		*out = ISCSI_DIGEST_CRC32C;
	else
		return -EINVAL;
	return 0;
}

static uint32_t combine(const struct key *k, uint32_t ours, uint32_t theirs)
{
	switch (k->kind) {
	case K_AND:
		return ours && theirs;
	case K_OR:
		return ours || theirs;
	case K_MIN:
		return ours < theirs ? ours : theirs;
	default:
		ASSERT(k->kind == K_MAX); /* lists and declarations have no result function */
		return ours > theirs ? ours : theirs;
	}
}

static uint32_t default_of(const struct key *k)
{
	struct iscsi_params d;

	iscsi_params_default(&d);
	return get_num(&d, k);
}

static int parse_value(struct iscsi_neg *n, const struct key *k, const struct iscsi_kv *kv,
                       uint32_t *out)
{
	bool b;
	uint64_t v;

	switch (k->kind) {
	case K_AND:
	case K_OR:
		if (iscsi_text_parse_bool(kv->value, kv->value_len, &b) < 0)
			return fail(n, kv, -EPROTO, "not Yes or No");
		*out = b;
		return 0;
	default:
		if (iscsi_text_parse_number(kv->value, kv->value_len, k->hi, &v) < 0 || v < k->lo)
			return fail(n, kv, -EPROTO, "value out of range");
		*out = (uint32_t)v;
		return 0;
	}
}

/* The target answered a key we offered. */
static int apply_answer(struct iscsi_neg *n, const struct key *k, const struct iscsi_kv *kv)
{
	uint32_t ours = get_num(&n->offer, k);
	uint32_t theirs;
	int rc;

	if (value_is(kv, "Reject") || value_is(kv, "Irrelevant") || value_is(kv, "NotUnderstood")) {
		if (k->kind == K_DIGEST && ours == ISCSI_DIGEST_CRC32C)
			return fail(n, kv, -EOPNOTSUPP,
			            "target refused the CRC32C digest we require");
		set_num(&n->result, k, default_of(k));
		return 0;
	}
	if (k->kind == K_DIGEST) {
		uint8_t d;

		if (parse_digest(kv->value, kv->value_len, &d) < 0 ||
		    !digest_acceptable((uint8_t)ours, d))
			return fail(n, kv, -EPROTO, "answer is not one of the values we offered");
		set_num(&n->result, k, d);
		return 0;
	}
	rc = parse_value(n, k, kv, &theirs);
	if (rc < 0)
		return rc;
	if (combine(k, ours, theirs) != theirs)
		return fail(n, kv, -EPROTO, "answer violates the key's result function");
	set_num(&n->result, k, theirs);
	return 0;
}

/* The target offered a key on its own: compute the outcome and queue our answer. */
static int apply_offer(struct iscsi_neg *n, const struct key *k, const struct iscsi_kv *kv,
                       struct iscsi_text_buf *reply)
{
	uint32_t ours = get_num(&n->offer, k);
	uint32_t theirs, res;
	int rc;

	ASSERT(key_offerable(n, k));
	if (k->kind == K_DIGEST) {
		/* RFC 7143 §6.2.1: pick the first of the offerer's values we support */
		size_t pos = 0;

		while (pos <= kv->value_len) {
			const char *item = kv->value + pos;
			const char *comma = memchr(item, ',', kv->value_len - pos);
			size_t len = comma ? (size_t)(comma - item) : kv->value_len - pos;
			uint8_t d;

			if (parse_digest(item, len, &d) == 0 &&
			    digest_acceptable((uint8_t)ours, d)) {
				set_num(&n->result, k, d);
				return iscsi_text_add(reply, k->name, d ? "CRC32C" : "None");
			}
			pos += len + 1;
		}
		if (ours == ISCSI_DIGEST_CRC32C)
			return fail(n, kv, -EOPNOTSUPP,
			            "target does not offer the CRC32C digest we require");
		set_num(&n->result, k, ISCSI_DIGEST_NONE);
		return iscsi_text_add(reply, k->name, "Reject");
	}
	rc = parse_value(n, k, kv, &theirs);
	if (rc < 0)
		return rc;
	res = combine(k, ours, theirs);
	set_num(&n->result, k, res);
	if (k->kind == K_AND || k->kind == K_OR)
		return iscsi_text_add(reply, k->name, res ? "Yes" : "No");
	return iscsi_text_add_u32(reply, k->name, res);
}

static int apply_other(struct iscsi_neg *n, const struct iscsi_kv *kv, struct iscsi_text_buf *reply)
{
	char key[ISCSI_TEXT_KEY_MAX + 1];
	uint64_t v;

	ASSERT(kv->key_len <= ISCSI_TEXT_KEY_MAX);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (iscsi_kv_is(kv, forbidden[i]))
			return fail(n, kv, -EPROTO, "key not allowed from a target in this stage");
	if (iscsi_kv_is(kv, "TargetPortalGroupTag")) {
		if (iscsi_text_parse_number(kv->value, kv->value_len, 65535, &v) < 0)
			return fail(n, kv, -EPROTO, "value out of range");
		n->result.has_tpgt = true;
		n->result.tpgt = (uint16_t)v;
		return 0;
	}
	if (iscsi_kv_is(kv, "TargetAlias")) {
		if (kv->value_len > ISCSI_TEXT_VALUE_MAX)
			return fail(n, kv, -EPROTO, "value too long");
		/* it ends up on the console: keep control characters out */
		for (size_t i = 0; i < kv->value_len; i++) {
			uint8_t c = (uint8_t)kv->value[i];
			n->result.target_alias[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
		n->result.target_alias[kv->value_len] = '\0';
		return 0;
	}
	if (iscsi_kv_is(kv, "TargetName") || iscsi_kv_is(kv, "TargetAddress"))
		return 0;

	/* Replies to reply-type values would ping-pong forever; they need no answer. */
	if (value_is(kv, "NotUnderstood") || value_is(kv, "Irrelevant") || value_is(kv, "Reject"))
		return 0;

	memcpy(key, kv->key, kv->key_len);
	key[kv->key_len] = '\0';
	if (iscsi_kv_is(kv, "IFMarker") || iscsi_kv_is(kv, "OFMarker"))
		return iscsi_text_add(reply, key, "No");
	if (iscsi_kv_is(kv, "IFMarkInt") || iscsi_kv_is(kv, "OFMarkInt"))
		return iscsi_text_add(reply, key, "Irrelevant");
	if (iscsi_kv_is(kv, "TaskReporting"))
		return iscsi_text_add(reply, key,
		                      iscsi_text_list_has(kv->value, kv->value_len, "RFC3720")
		                          ? "RFC3720"
		                          : "Reject");
	return iscsi_text_add(reply, key, "NotUnderstood");
}

int iscsi_neg_apply(struct iscsi_neg *n, const struct iscsi_kv *kv, struct iscsi_text_buf *reply)
{
	int rc = 0;

	ASSERT(n != NULL && kv != NULL && reply != NULL);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		uint32_t bit = 1u << i;

		if (!iscsi_kv_is(kv, k->name))
			continue;
		if (k->kind == K_DECL) {
			uint32_t v;

			rc = parse_value(n, k, kv, &v);
			if (rc == 0)
				n->result.max_send_dsl = v;
			return rc;
		}
		if (n->done & bit)
			return fail(n, kv, -EPROTO, "key negotiated twice");
		if (n->offered & bit) {
			rc = apply_answer(n, k, kv);
		} else if (value_is(kv, "NotUnderstood") || value_is(kv, "Irrelevant") ||
		           value_is(kv, "Reject")) {
			/* a reply to something we never offered: nothing to adopt or answer */
			return 0;
		} else if (!key_offerable(n, k)) {
			/* irrelevant here (discovery): answer, but there is no outcome to track */
			rc = iscsi_text_add(reply, k->name, "Irrelevant");
			return rc < 0 ? fail(n, kv, rc, "reply buffer full") : 0;
		} else {
			rc = apply_offer(n, k, kv, reply);
		}
		if (rc == 0)
			n->done |= bit;
		else if (rc == -ENOSPC)
			return fail(n, kv, rc, "reply buffer full");
		return rc;
	}
	rc = apply_other(n, kv, reply);
	if (rc == -ENOSPC)
		return fail(n, kv, rc, "reply buffer full");
	return rc;
}

int iscsi_neg_finish(struct iscsi_neg *n)
{
	ASSERT(n != NULL);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		uint32_t bit = 1u << i;
		uint32_t ours = get_num(&n->offer, k), def = default_of(k);

		if (!(n->offered & bit) || (n->done & bit))
			continue;
		switch (k->kind) {
		case K_DIGEST:
			if (ours == ISCSI_DIGEST_CRC32C) {
				memcpy(n->bad_key, k->name, strlen(k->name) + 1);
				n->why = "target never answered the CRC32C digest we require";
				return -EOPNOTSUPP;
			}
			set_num(&n->result, k, ISCSI_DIGEST_NONE);
			break;
		case K_AND:
			set_num(&n->result, k, ours ? def : 0);
			break;
		case K_OR:
			set_num(&n->result, k, ours ? 1 : def);
			break;
		default:
			set_num(&n->result, k, combine(k, ours, def));
			break;
		}
		n->done |= bit;
	}
	if (n->result.first_burst > n->result.max_burst)
		n->result.first_burst = n->result.max_burst;
	return 0;
}

bool iscsi_neg_settled(const struct iscsi_neg *n)
{
	return (n->offered & ~n->done) == 0;
}
