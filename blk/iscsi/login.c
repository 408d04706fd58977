/* iSCSI login phase state machine: builds Login Requests, consumes Login Responses. */
#include "blk/iscsi/login.h"

#include <errno.h>
#include <string.h>

#include "blk/iscsi/text.h"
#include "kernel/assert.h"

/* What iscsi_login_build() sends next. */
enum next {
	NEXT_START,      /* first request: names, session type, AuthMethod */
	NEXT_CHAP_A,     /* CHAP_A offer */
	NEXT_CHAP_RESP,  /* CHAP_N/CHAP_R (+ our CHAP_I/CHAP_C for mutual) */
	NEXT_SEC_AGAIN,  /* security stage, ask to move on */
	NEXT_OPER,       /* operational stage: our offers */
	NEXT_OPER_AGAIN, /* operational stage: answers only, ask to move on */
	NEXT_FETCH,      /* empty request to fetch a continued (C bit) response */
	NEXT_NONE,       /* finished or dead */
};

enum auth { AUTH_UNDECIDED, AUTH_NONE, AUTH_CHAP };

/* ---- messages ---------------------------------------------------------------------------- */

static void msg_add(struct iscsi_login *l, const char *s)
{
	size_t have = strlen(l->msg);
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (n > sizeof(l->msg) - 1 - have)
		n = sizeof(l->msg) - 1 - have;
	memcpy(l->msg + have, s, n);
	l->msg[have + n] = '\0';
}

static void msg_hex16(struct iscsi_login *l, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char s[7] = {'0', 'x', hex[v >> 12], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};

	msg_add(l, s);
}

/* Record a failure: the message is the concatenation of the non-NULL parts. */
static int fail(struct iscsi_login *l, int err, const char *a, const char *b, const char *c,
                const char *d)
{
	l->msg[0] = '\0';
	msg_add(l, a);
	msg_add(l, b);
	msg_add(l, c);
	msg_add(l, d);
	l->dead = true;
	l->next = NEXT_NONE;
	return err;
}

static const char *target_label(const struct iscsi_login *l)
{
	return l->discovery ? "the discovery session" : l->cfg->target_name;
}

/* ---- init and build ---------------------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n == 0 || n > ISCSI_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] <= ' ' || (uint8_t)s[i] >= 0x7f)
			return false;
	return true;
}

int iscsi_login_init(struct iscsi_login *l, const struct iscsi_login_config *cfg, void *rx_buf,
                     size_t rx_cap)
{
	ASSERT(l != NULL && cfg != NULL);
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->rx = rx_buf;
	l->rx_cap = rx_cap;
	l->discovery = cfg->target_name == NULL || cfg->target_name[0] == '\0';
	l->next = NEXT_START;
	l->csg = ISCSI_STAGE_SECURITY;
	iscsi_chap_init(&l->chap);
	iscsi_neg_init(&l->neg, &cfg->params, l->discovery);

	if (rx_buf == NULL || rx_cap < ISCSI_LOGIN_DSL_MAX)
		return fail(l, -EINVAL, "login receive buffer smaller than 8192 bytes", 0, 0, 0);
	if (!name_ok(cfg->initiator_name))
		return fail(l, -EINVAL, "initiator name missing, too long or not printable", 0, 0,
		            0);
	if (cfg->initiator_alias && strlen(cfg->initiator_alias) > ISCSI_TEXT_VALUE_MAX)
		return fail(l, -EINVAL, "initiator alias longer than 255 bytes", 0, 0, 0);
	if (!l->discovery && !name_ok(cfg->target_name))
		return fail(l, -EINVAL, "target name too long or not printable", 0, 0, 0);
	if (cfg->chap_name != NULL) {
		if (cfg->chap_name[0] == '\0' || strlen(cfg->chap_name) > ISCSI_TEXT_VALUE_MAX)
			return fail(l, -EINVAL, "CHAP user name empty or longer than 255 bytes", 0,
			            0, 0);
		if (iscsi_chap_check_secret(cfg->chap_secret, cfg->chap_secret_len,
		                            cfg->allow_short_secret) < 0)
			return fail(l, -EINVAL, "CHAP secret for ", target_label(l),
			            " is empty, over 255 bytes, or under the 12 bytes RFC 7143 "
			            "requires (allow_short_secret overrides)",
			            0);
	}
	if (cfg->mutual_secret != NULL) {
		if (cfg->chap_name == NULL)
			return fail(l, -EINVAL, "mutual CHAP needs one-way CHAP credentials too", 0,
			            0, 0);
		if (cfg->random == NULL)
			return fail(l, -EINVAL, "mutual CHAP needs a random source", 0, 0, 0);
		if (cfg->mutual_name && strlen(cfg->mutual_name) > ISCSI_TEXT_VALUE_MAX)
			return fail(l, -EINVAL, "mutual CHAP name longer than 255 bytes", 0, 0, 0);
		if (iscsi_chap_check_secret(cfg->mutual_secret, cfg->mutual_secret_len,
		                            cfg->allow_short_secret) < 0)
			return fail(l, -EINVAL, "mutual CHAP secret for ", target_label(l),
			            " is empty, over 255 bytes, or under 12 bytes", 0);
		if (iscsi_chap_check_secrets(cfg->chap_secret, cfg->chap_secret_len,
		                             cfg->mutual_secret, cfg->mutual_secret_len) < 0)
			return fail(l, -EINVAL,
			            "one-way and mutual CHAP secrets must differ (RFC 7143 12.1.3)",
			            0, 0, 0);
	}
	if (iscsi_params_check(&cfg->params) < 0)
		return fail(l, -EINVAL, "operational parameter offer out of range", 0, 0, 0);
	return 0;
}

static int add_pending(struct iscsi_login *l, struct iscsi_text_buf *b)
{
	int rc = iscsi_text_append(b, l->pending, l->pending_len);

	if (rc == 0)
		l->pending_len = 0;
	return rc;
}

static int build_text(struct iscsi_login *l, struct iscsi_text_buf *b, uint8_t *flags)
{
	const struct iscsi_login_config *cfg = l->cfg;
	int rc = 0;

	switch (l->next) {
	case NEXT_START:
		*flags = ISCSI_LOGIN_FLAGS(1, 0, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL);
		rc = iscsi_text_add(b, "InitiatorName", cfg->initiator_name);
		if (rc == 0 && cfg->initiator_alias && cfg->initiator_alias[0])
			rc = iscsi_text_add(b, "InitiatorAlias", cfg->initiator_alias);
		if (rc == 0)
			rc =
			    iscsi_text_add(b, "SessionType", l->discovery ? "Discovery" : "Normal");
		if (rc == 0 && !l->discovery)
			rc = iscsi_text_add(b, "TargetName", cfg->target_name);
		if (rc == 0)
			rc = iscsi_text_add(b, "AuthMethod",
			                    cfg->mutual_secret ? "CHAP"
			                    : cfg->chap_name   ? "CHAP,None"
			                                       : "None");
		return rc;
	case NEXT_CHAP_A:
		/* T=0: we know more exchanges follow (RFC 7143 Appendix B.3 does the same) */
		*flags = ISCSI_LOGIN_FLAGS(0, 0, ISCSI_STAGE_SECURITY, 0);
		rc = iscsi_text_add(b, "CHAP_A", ISCSI_CHAP_OFFER);
		if (rc == 0)
			l->chap_a_sent = true;
		return rc;
	case NEXT_CHAP_RESP:
		*flags = ISCSI_LOGIN_FLAGS(1, 0, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL);
		rc = iscsi_chap_respond(&l->chap, cfg->chap_name, cfg->chap_secret,
		                        cfg->chap_secret_len, b);
		if (rc == 0 && cfg->mutual_secret) {
			uint8_t rnd[1 + ISCSI_CHAP_DIGEST_MAX];
			size_t n = 1 + iscsi_chap_digest_len(l->chap.alg);

			rc = cfg->random(cfg->random_ctx, rnd, n);
			if (rc < 0)
				return fail(l, rc, "random source failed", 0, 0, 0);
			rc = iscsi_chap_challenge(&l->chap, rnd, n, b);
		}
		if (rc == 0)
			l->chap_resp_sent = true;
		return rc;
	case NEXT_SEC_AGAIN:
		*flags = ISCSI_LOGIN_FLAGS(1, 0, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL);
		return 0;
	case NEXT_OPER:
		*flags = ISCSI_LOGIN_FLAGS(1, 0, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE);
		return iscsi_neg_offer(&l->neg, b);
	case NEXT_OPER_AGAIN:
		*flags = ISCSI_LOGIN_FLAGS(1, 0, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE);
		return 0;
	case NEXT_FETCH:
		/*
		 * Repeat the flags of the request that drew the continued response: if it asked
		 * to transit, the target may transit with the last part (it may not set T when
		 * our request had T=0).
		 */
		*flags = l->req_flags;
		return 0;
	default:
		ASSERT(0);
		return -EINVAL;
	}
}

int iscsi_login_build(struct iscsi_login *l, uint8_t bhs[ISCSI_BHS_LEN], void *data, size_t cap,
                      uint32_t *data_len)
{
	struct iscsi_text_buf b;
	struct iscsi_pdu p;
	uint8_t flags = 0;
	int rc;

	ASSERT(l != NULL && bhs != NULL && data_len != NULL);
	ASSERT(!l->dead && !l->in_flight && l->next != NEXT_NONE);

	if (cap > ISCSI_LOGIN_DSL_MAX)
		cap = ISCSI_LOGIN_DSL_MAX; /* the target's limit until the login completes */
	iscsi_text_buf_init(&b, data, cap);
	rc = build_text(l, &b, &flags);
	/* answers to the target's offers ride along, except on a bare continuation fetch */
	if (rc == 0 && l->next != NEXT_FETCH)
		rc = add_pending(l, &b);
	if (rc < 0 && l->dead)
		return rc;
	if (rc < 0)
		return fail(l, rc,
		            rc == -ENOSPC ? "login request does not fit the buffer"
		                          : "cannot build login request: ",
		            rc == -ENOSPC ? NULL : (l->chap.why ? l->chap.why : l->neg.why), 0, 0);

	memset(&p, 0, sizeof(p));
	p.opcode = ISCSI_OP_LOGIN_REQ;
	p.immediate = true;
	p.flags = flags;
	p.data_len = (uint32_t)b.len;
	p.version_max = ISCSI_VERSION;
	p.version_min = ISCSI_VERSION;
	memcpy(p.isid, l->cfg->isid, 6);
	p.tsih = l->cfg->tsih;
	p.itt = l->cfg->itt;
	p.cid = l->cfg->cid;
	p.cmdsn = l->cfg->cmdsn;
	p.expstatsn = l->have_statsn ? l->result.expstatsn : 0;
	rc = iscsi_pdu_encode(&p, bhs);
	ASSERT(rc == 0);

	*data_len = (uint32_t)b.len;
	l->req_flags = flags;
	l->in_flight = true;
	return 0;
}

/* ---- receive ----------------------------------------------------------------------------- */

static bool value_is(const struct iscsi_kv *kv, const char *s)
{
	size_t n = strlen(s);

	return kv->value_len == n && memcmp(kv->value, s, n) == 0;
}

static bool is_chap_key(const struct iscsi_kv *kv)
{
	return kv->key_len > 5 && memcmp(kv->key, "CHAP_", 5) == 0;
}

/* Status 0x0101/0x0102: the target sends us elsewhere (TargetAddress). */
static int status_redirect(struct iscsi_login *l, const struct iscsi_pdu *p, const uint8_t *data,
                           uint32_t len)
{
	const char *tgt = target_label(l);
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	bool found = false;

	iscsi_text_iter_init(&it, data, len);
	while (iscsi_text_next(&it, &kv) > 0) {
		if (iscsi_kv_is(&kv, "TargetAddress") &&
		    iscsi_addr_parse_portal(kv.value, kv.value_len, &l->redirect) == 0) {
			found = true;
			break;
		}
	}
	if (!found)
		return fail(l, -EPROTO, "target redirected ", tgt,
		            " without a usable TargetAddress", 0);
	l->redirect_permanent = p->status_detail == 2;
	fail(l, 0, tgt,
	     l->redirect_permanent ? " moved permanently to " : " moved temporarily to ",
	     l->redirect.host.name, 0);
	return ISCSI_LOGIN_REDIRECT;
}

/* The status codes RFC 7143 §11.13.5 names: their -errno and what to do,
 * or 1 for one it does not. */
static int status_known(struct iscsi_login *l, uint16_t code)
{
	const char *tgt = target_label(l);

	switch (code) {
	case 0x0201:
		if (l->cfg->chap_name == NULL)
			return fail(l, -EACCES, "authentication failed: ", tgt,
			            " requires CHAP but no credentials are configured", 0);
		return fail(l, -EACCES,
		            "authentication failed: check the CHAP user name and secret for ", tgt,
		            0, 0);
	case 0x0202:
		fail(l, -EPERM, "authorization failed: initiator ", l->cfg->initiator_name,
		     " is not allowed to access ", tgt);
		msg_add(l, " (check the target's ACL)");
		return -EPERM;
	case 0x0203:
		return fail(l, -ENOENT, "target ", tgt, " not found on this portal", 0);
	case 0x0204:
		return fail(l, -ENODEV, "target ", tgt, " has been removed", 0);
	case 0x0205:
		return fail(l, -EPROTONOSUPPORT, "target ", tgt,
		            " does not support iSCSI protocol version 0 (RFC 7143)", 0);
	case 0x0206:
		return fail(l, -EBUSY, "target ", tgt, " refused: too many connections", 0);
	case 0x0207:
		return fail(l, -EINVAL, "target ", tgt, " refused the login: missing parameter", 0);
	case 0x0208:
		return fail(l, -EINVAL, "target ", tgt,
		            " cannot include this connection in the session", 0);
	case 0x0209:
		return fail(l, -EOPNOTSUPP, "target does not support ",
		            l->discovery ? "discovery" : "normal", " sessions", 0);
	case 0x020a:
		return fail(l, -ESTALE, "target ", tgt,
		            " does not know the session to reinstate (stale TSIH)", 0);
	case 0x020b:
		return fail(l, -EPROTO, "target ", tgt, " says a request was invalid during login",
		            0);
	case 0x0301:
		return fail(l, -EAGAIN, "target ", tgt, " service unavailable, try again later", 0);
	case 0x0302:
		return fail(l, -EAGAIN, "target ", tgt, " out of resources, try again later", 0);
	default:
		return 1;
	}
}

static int status_error(struct iscsi_login *l, const struct iscsi_pdu *p, const uint8_t *data,
                        uint32_t len)
{
	const char *tgt = target_label(l);
	uint16_t code = (uint16_t)(p->status_class << 8 | p->status_detail);
	int err;

	if (p->status_class == 1 && (p->status_detail == 1 || p->status_detail == 2))
		return status_redirect(l, p, data, len);
	err = status_known(l, code);
	if (err <= 0)
		return err;
	if (p->status_class == 2) {
		err = -EINVAL;
		fail(l, err, "target ", tgt, " rejected the login: initiator error ", 0);
	} else if (p->status_class == 3) {
		err = -EIO;
		fail(l, err, "target ", tgt, " failed the login: target error ", 0);
	} else {
		err = -EPROTO;
		fail(l, err, "target ", tgt, " answered with unknown login status ", 0);
	}
	msg_hex16(l, code);
	return err;
}

static int neg_fail(struct iscsi_login *l, int rc)
{
	if (rc == -ENOSPC)
		return fail(l, -EPROTO, "target sent more keys than we can answer", 0, 0, 0);
	return fail(l, rc, "target sent bad ", l->neg.bad_key[0] ? l->neg.bad_key : "text", ": ",
	            l->neg.why);
}

/* Security stage keys of one complete response. */
static int rx_security(struct iscsi_login *l, const struct iscsi_kv *kv, struct iscsi_kv *mutual_n,
                       struct iscsi_kv *mutual_r)
{
	const struct iscsi_login_config *cfg = l->cfg;
	int rc;

	if (iscsi_kv_is(kv, "AuthMethod")) {
		if (l->auth != AUTH_UNDECIDED)
			return fail(l, -EPROTO, "target sent AuthMethod twice", 0, 0, 0);
		if (value_is(kv, "Reject") || value_is(kv, "NotUnderstood"))
			return fail(l, -EACCES, "target ", target_label(l),
			            cfg->chap_name ? " refused our authentication methods"
			                           : " requires authentication; configure CHAP",
			            0);
		if (value_is(kv, "CHAP") && cfg->chap_name)
			l->auth = AUTH_CHAP;
		else if (value_is(kv, "None") && !cfg->mutual_secret)
			l->auth = AUTH_NONE;
		else
			return fail(l, -EPROTO, "target chose an AuthMethod we did not offer", 0, 0,
			            0);
		return 0;
	}
	if (!is_chap_key(kv)) {
		struct iscsi_text_buf reply;

		iscsi_text_buf_init(&reply, l->pending, sizeof(l->pending));
		reply.len = l->pending_len;
		rc = iscsi_neg_apply(&l->neg, kv, &reply);
		l->pending_len = reply.len;
		return rc < 0 ? neg_fail(l, rc) : 0;
	}
	if (l->auth != AUTH_CHAP || !l->chap_a_sent)
		return fail(l, -EPROTO, "target sent CHAP keys out of sequence", 0, 0, 0);
	if (iscsi_kv_is(kv, "CHAP_N") || iscsi_kv_is(kv, "CHAP_R")) {
		/* a copy: kv is the caller's loop variable, reused for the next record */
		struct iscsi_kv *slot = iscsi_kv_is(kv, "CHAP_N") ? mutual_n : mutual_r;

		if (!cfg->mutual_secret || !l->chap_resp_sent || slot->key != NULL)
			return fail(l, -EPROTO, "target sent an unexpected ",
			            kv->key[5] == 'N' ? "CHAP_N" : "CHAP_R", 0, 0);
		*slot = *kv;
		return 0;
	}
	if (l->chap_resp_sent)
		return fail(l, -EPROTO, "target sent a new CHAP challenge after our response", 0, 0,
		            0);
	rc = iscsi_chap_rx(&l->chap, kv);
	if (rc < 0)
		return fail(l, rc == -EOPNOTSUPP ? -EACCES : rc, "CHAP with ", target_label(l),
		            ": ", l->chap.why);
	if (rc == 0)
		return fail(l, -EPROTO, "target sent an unknown CHAP key", 0, 0, 0);
	return 0;
}

/* Decide the next step of the security stage after a complete response. */
static int after_security(struct iscsi_login *l, bool transit, uint8_t nsg,
                          const struct iscsi_kv *mutual_n, const struct iscsi_kv *mutual_r)
{
	const struct iscsi_login_config *cfg = l->cfg;
	int rc;

	if (l->auth == AUTH_CHAP && l->chap_resp_sent && cfg->mutual_secret &&
	    (mutual_n->key || mutual_r->key || transit)) {
		if (!mutual_n->key || !mutual_r->key)
			return fail(l, -EACCES, "target ", target_label(l),
			            " did not answer our mutual CHAP challenge", 0);
		rc = iscsi_chap_verify(&l->chap, cfg->mutual_name, mutual_n->value,
		                       mutual_n->value_len, mutual_r->value, mutual_r->value_len,
		                       cfg->mutual_secret, cfg->mutual_secret_len);
		if (rc < 0)
			return fail(l, rc, "mutual CHAP with ", target_label(l),
			            " failed: ", l->chap.why);
		l->authed = true;
	}

	if (transit) {
		if (l->auth == AUTH_UNDECIDED) {
			/* target skipped the AuthMethod answer: only fine if None was on offer */
			if (cfg->mutual_secret)
				return fail(l, -EACCES, "target ", target_label(l),
				            " skipped the authentication we require", 0);
			l->auth = AUTH_NONE;
		}
		if (l->auth == AUTH_CHAP && !l->chap_resp_sent)
			return fail(l, -EPROTO,
			            "target ended the security stage before CHAP completed", 0, 0,
			            0);
		/* the mutual check above ran, since CHAP completed and the target transits */
		ASSERT(l->auth != AUTH_CHAP || !cfg->mutual_secret || l->authed);
		/* our security requests never ask for more than the operational stage */
		ASSERT(nsg == ISCSI_STAGE_OPERATIONAL);
		l->csg = nsg;
		l->next = NEXT_OPER;
		return 0;
	}

	if (l->auth == AUTH_CHAP && !l->chap_a_sent)
		l->next = NEXT_CHAP_A;
	else if (l->auth == AUTH_CHAP && !l->chap_resp_sent && iscsi_chap_ready(&l->chap))
		l->next = NEXT_CHAP_RESP;
	else if (l->auth == AUTH_CHAP && !l->chap_resp_sent)
		return fail(l, -EPROTO, "target's CHAP challenge lacks CHAP_A, CHAP_I or CHAP_C", 0,
		            0, 0);
	else
		l->next = NEXT_SEC_AGAIN;
	return 0;
}

static int finish(struct iscsi_login *l, const struct iscsi_pdu *p)
{
	int rc = iscsi_neg_finish(&l->neg);

	if (rc < 0)
		return neg_fail(l, rc);
	if (l->cfg->tsih == 0 && p->tsih == 0)
		return fail(l, -EPROTO, "target completed the login without assigning a TSIH", 0, 0,
		            0);
	if (l->cfg->tsih != 0 && p->tsih != l->cfg->tsih)
		return fail(l, -EPROTO, "target changed the TSIH of an existing session", 0, 0, 0);
	l->result.params = l->neg.result;
	l->result.tsih = p->tsih;
	l->next = NEXT_NONE;
	l->msg[0] = '\0';
	return ISCSI_LOGIN_DONE;
}

/* Is this a Login Response to our request, with good status?  Anything else
 * ends the login (0 or the failure's -errno). */
static int rx_check_response(struct iscsi_login *l, const struct iscsi_pdu *p, const void *data,
                             uint32_t len)
{
	if (p->opcode == ISCSI_OP_REJECT)
		return fail(l, -EPROTO, "target rejected our login request: ",
		            iscsi_pdu_reject_reason(p->reason), 0, 0);
	if (p->opcode != ISCSI_OP_LOGIN_RSP)
		return fail(l, -EPROTO, "unexpected ", iscsi_pdu_opcode_name(p->opcode),
		            " during login", 0);
	if (p->itt != l->cfg->itt)
		return fail(l, -EPROTO, "login response carries a foreign task tag", 0, 0, 0);
	/* Status first: targets need not echo our ISID in a failure response. */
	if (p->status_class != 0)
		return status_error(l, p, data, len);
	if (memcmp(p->isid, l->cfg->isid, 6) != 0)
		return fail(l, -EPROTO, "login response carries a foreign ISID", 0, 0, 0);
	if (p->version_min != ISCSI_VERSION)
		return fail(l, -EPROTONOSUPPORT, "target chose an iSCSI version other than 0", 0, 0,
		            0);
	return 0;
}

/* The stage bits: the response is for our stage, and any transit is one we
 * offered. */
static int rx_check_stage(struct iscsi_login *l, const struct iscsi_pdu *p)
{
	uint8_t nsg = ISCSI_LOGIN_NSG(p->flags);
	if (ISCSI_LOGIN_CSG(p->flags) != l->csg)
		return fail(l, -EPROTO, "login response is for a different stage", 0, 0, 0);
	if (!(p->flags & ISCSI_F_FINAL))
		return 0;
	if (!(l->req_flags & ISCSI_F_FINAL))
		return fail(l, -EPROTO, "target moved to the next stage without our consent", 0, 0,
		            0);
	if (nsg <= l->csg || nsg > ISCSI_LOGIN_NSG(l->req_flags))
		return fail(l, -EPROTO, "target chose an invalid next stage", 0, 0, 0);
	return 0;
}

/* Walk the reassembled text: security keys, or operational negotiation. */
static int rx_text(struct iscsi_login *l, struct iscsi_kv *mutual_n, struct iscsi_kv *mutual_r)
{
	struct iscsi_text_iter it;
	struct iscsi_kv kv;
	int rc;

	iscsi_text_iter_init(&it, l->rx, l->rx_len);
	while ((rc = iscsi_text_next(&it, &kv)) > 0) {
		if (l->csg == ISCSI_STAGE_SECURITY) {
			rc = rx_security(l, &kv, mutual_n, mutual_r);
		} else {
			struct iscsi_text_buf reply;

			iscsi_text_buf_init(&reply, l->pending, sizeof(l->pending));
			reply.len = l->pending_len;
			rc = iscsi_neg_apply(&l->neg, &kv, &reply);
			l->pending_len = reply.len;
			if (rc < 0)
				rc = neg_fail(l, rc);
		}
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return fail(l, -EPROTO, "malformed login response text: ", it.why, 0, 0);
	return 0;
}

int iscsi_login_rx(struct iscsi_login *l, const uint8_t bhs[ISCSI_BHS_LEN], const void *data,
                   uint32_t len)
{
	struct iscsi_kv mutual_n = {0}, mutual_r = {0}; /* key NULL: not received */
	struct iscsi_pdu p;
	const char *why = NULL;

	ASSERT(l != NULL && bhs != NULL && (data != NULL || len == 0));
	ASSERT(!l->dead && l->in_flight);
	l->in_flight = false;

	if (++l->rounds > ISCSI_LOGIN_MAX_ROUNDS)
		return fail(l, -EPROTO, "login did not complete within 16 exchanges", 0, 0, 0);
	if (iscsi_pdu_decode(bhs, ISCSI_FROM_TARGET, ISCSI_LOGIN_DSL_MAX, &p, &why) < 0)
		return fail(l, -EPROTO, "malformed login response: ", why, 0, 0);
	ASSERT(len == p.data_len);
	int rc = rx_check_response(l, &p, data, len);
	if (rc)
		return rc;
	l->have_statsn = true;
	l->result.expstatsn = p.statsn + 1;
	l->result.expcmdsn = p.expcmdsn;
	l->result.maxcmdsn = p.maxcmdsn;
	rc = rx_check_stage(l, &p);
	if (rc)
		return rc;
	if (len > l->rx_cap - l->rx_len)
		return fail(l, -EMSGSIZE, "login response text exceeds our reassembly buffer", 0, 0,
		            0);
	memcpy(l->rx + l->rx_len, data, len);
	l->rx_len += len;
	if (p.flags & ISCSI_F_CONTINUE) {
		l->next = NEXT_FETCH;
		return ISCSI_LOGIN_SEND;
	}
	rc = rx_text(l, &mutual_n, &mutual_r);
	if (rc < 0)
		return rc;
	bool transit = (p.flags & ISCSI_F_FINAL) != 0;
	if (l->csg == ISCSI_STAGE_SECURITY) {
		rc = after_security(l, transit, ISCSI_LOGIN_NSG(p.flags), &mutual_n, &mutual_r);
		l->rx_len = 0; /* only now: mutual_n/r point into rx */
		return rc < 0 ? rc : ISCSI_LOGIN_SEND;
	}
	l->rx_len = 0;
	if (transit) {
		/*
		 * Answers still owed are moot: every standard key was offered by us in the first
		 * operational request, so a target offer of one now is a duplicate
		 * iscsi_neg_apply() already refused; what remains is NotUnderstood for unknown
		 * keys.
		 */
		l->pending_len = 0;
		return finish(l, &p);
	}
	l->next = NEXT_OPER_AGAIN;
	return ISCSI_LOGIN_SEND;
}

const char *iscsi_login_msg(const struct iscsi_login *l)
{
	return l->msg;
}

const struct iscsi_login_result *iscsi_login_result(const struct iscsi_login *l)
{
	ASSERT(!l->dead && l->next == NEXT_NONE);
	return &l->result;
}

const struct iscsi_portal *iscsi_login_redirect(const struct iscsi_login *l, bool *permanent)
{
	ASSERT(l->redirect.host.kind != ISCSI_HOST_NONE);
	if (permanent != NULL)
		*permanent = l->redirect_permanent;
	return &l->redirect;
}

bool iscsi_login_error_is_final(int err)
{
	return err == -EACCES || err == -EPERM || err == -ENOENT || err == -EINVAL ||
	       err == -EOPNOTSUPP;
}
