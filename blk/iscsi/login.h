/*
 * iSCSI login phase (RFC 7143 §6, §11.12-13) as a pure state machine: it builds each Login
 * Request into caller buffers and consumes each Login Response; the caller moves the bytes.
 *
 *	iscsi_login_init(&l, &cfg, rxbuf, sizeof(rxbuf));
 *	for (;;) {
 *		iscsi_login_build(&l, bhs, data, sizeof(data), &len);  // send bhs + data + pad
 *		... receive one PDU (no digests during login, data <= ISCSI_LOGIN_DSL_MAX) ...
 *		rc = iscsi_login_rx(&l, rbhs, rdata, rlen);
 *		if (rc == ISCSI_LOGIN_SEND) continue;
 *		break;  // ISCSI_LOGIN_DONE, ISCSI_LOGIN_REDIRECT or -errno (iscsi_login_msg())
 *	}
 *
 * Flow: security stage first (AuthMethod=None, "CHAP,None" with one-way credentials, "CHAP"
 * alone with mutual credentials), CHAP_A / CHAP_I+CHAP_C / CHAP_N+CHAP_R (+ our CHAP_I/CHAP_C
 * and the target's CHAP_N/CHAP_R for mutual), then the operational stage with every offer in
 * one request, then Full Feature Phase.  Login responses continued with the C bit are
 * reassembled in rx_buf before parsing.  Keys the target offers get answers in the next
 * request.  At most ISCSI_LOGIN_MAX_ROUNDS exchanges.
 *
 * Target login status is translated here, once, into errno plus a message naming the target:
 *   0x0101/0x0102 redirect           -> ISCSI_LOGIN_REDIRECT, iscsi_login_redirect()
 *   0x0201 authentication failure    -> -EACCES      0x0202 authorization failure -> -EPERM
 *   0x0203 not found                 -> -ENOENT      0x0204 target removed        -> -ENODEV
 *   0x0205 unsupported version       -> -EPROTONOSUPPORT
 *   0x0206 too many connections      -> -EBUSY       0x0209 session type unsupported -> -EOPNOTSUPP
 *   0x020a session does not exist    -> -ESTALE      0x020b invalid during login  -> -EPROTO
 *   other 0x02xx (missing parameter, can't include in session, ...)              -> -EINVAL
 *   0x0301/0x0302 service unavailable / out of resources (retry later)           -> -EAGAIN
 *   other 0x03xx                     -> -EIO         unknown class                -> -EPROTO
 * Our own findings: malformed or out-of-order responses -> -EPROTO; mutual CHAP failure or a
 * target that skips required authentication -> -EACCES; a refused mandatory digest ->
 * -EOPNOTSUPP; text beyond rx_cap -> -EMSGSIZE; bad configuration -> -EINVAL (from init).
 *
 * After an error or a redirect the struct is dead: init again for a new connection.  The
 * config (and every string and secret it points to) must outlive the login.  No allocation,
 * reentrant across distinct structs, any context (the random callback is called from
 * iscsi_login_build() only).
 */
#ifndef BLK_ISCSI_LOGIN_H
#define BLK_ISCSI_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/addr.h"
#include "blk/iscsi/chap.h"
#include "blk/iscsi/params.h"
#include "blk/iscsi/pdu.h"

#define ISCSI_LOGIN_MAX_ROUNDS  16
#define ISCSI_LOGIN_PENDING_MAX 1024 /* our queued answers to target offers */
#define ISCSI_LOGIN_MSG_MAX     320

enum {
	ISCSI_LOGIN_SEND = 1,     /* call iscsi_login_build() and send the result */
	ISCSI_LOGIN_DONE = 2,     /* Full Feature Phase; see iscsi_login_result() */
	ISCSI_LOGIN_REDIRECT = 3, /* reconnect to iscsi_login_redirect() and log in again */
};

struct iscsi_login_config {
	const char *initiator_name;  /* required, <= ISCSI_NAME_MAX */
	const char *initiator_alias; /* optional */
	const char *target_name;     /* NULL or "": discovery session */
	/*
	 * ISID: the initiator part of the session id.  Use a stable random one per initiator
	 * (type 0x80 "random" in byte 0, 3 random bytes, 2-byte qualifier) so a reboot
	 * reinstates rather than duplicates the session at the target.
	 */
	uint8_t isid[6];
	uint16_t tsih;  /* 0 for a new session */
	uint16_t cid;   /* connection id */
	uint32_t itt;   /* task tag used by every login request */
	uint32_t cmdsn; /* initial CmdSN; login requests are immediate and do not advance it */
	/* One-way CHAP: how we authenticate to the target.  chap_name NULL: no credentials. */
	const char *chap_name;
	const uint8_t *chap_secret;
	size_t chap_secret_len;
	/* Mutual CHAP: how the target authenticates to us.  mutual_secret NULL: one-way only. */
	const char *mutual_name; /* CHAP_N we expect from the target; NULL or "": any */
	const uint8_t *mutual_secret;
	size_t mutual_secret_len;
	bool allow_short_secret;    /* accept secrets < 12 bytes (tgt does; RFC 7143 does not) */
	struct iscsi_params params; /* our offer, e.g. from iscsi_params_preferred() */
	/* Required for mutual CHAP: fill buf with len unpredictable bytes; 0 or -errno. */
	int (*random)(void *ctx, uint8_t *buf, size_t len);
	void *random_ctx;
};

struct iscsi_login_result {
	struct iscsi_params params; /* negotiated; params.max_send_dsl is the target's limit */
	uint16_t tsih;
	uint32_t expstatsn; /* StatSN of the final response + 1 */
	uint32_t expcmdsn;
	uint32_t maxcmdsn;
};

struct iscsi_login {
	const struct iscsi_login_config *cfg;
	uint8_t next;      /* what iscsi_login_build() sends next */
	uint8_t csg;       /* current stage */
	uint8_t req_flags; /* flags of the request in flight */
	bool in_flight;
	bool dead;
	uint8_t rounds;
	bool discovery;
	uint8_t auth; /* 0 undecided, else AUTH_NONE / AUTH_CHAP (login.c) */
	bool chap_a_sent, chap_resp_sent, authed;
	bool have_statsn;
	struct iscsi_neg neg;
	struct iscsi_chap chap;
	char pending[ISCSI_LOGIN_PENDING_MAX];
	size_t pending_len;
	uint8_t *rx;
	size_t rx_cap, rx_len;
	struct iscsi_login_result result;
	struct iscsi_portal redirect;
	bool redirect_permanent;
	char msg[ISCSI_LOGIN_MSG_MAX];
};

/*
 * Validate cfg and reset l.  rx_buf (>= ISCSI_LOGIN_DSL_MAX bytes; 16 KiB or more lets long
 * continued responses through) reassembles response text and must outlive the login.
 * -EINVAL with a message on bad configuration: missing or over-long names, a secret that is
 * empty, too long, or too short without allow_short_secret, identical one-way and mutual
 * secrets, mutual CHAP without one-way CHAP or without a random source, an invalid offer.
 */
int iscsi_login_init(struct iscsi_login *l, const struct iscsi_login_config *cfg, void *rx_buf,
                     size_t rx_cap);

/*
 * Build the next Login Request: the BHS into bhs, the text into data[0..*data_len).  Valid
 * right after init and after iscsi_login_rx() returned ISCSI_LOGIN_SEND (asserted).  Returns
 * 0, -ENOSPC if cap is too small, or the random callback's error.
 */
int iscsi_login_build(struct iscsi_login *l, uint8_t bhs[ISCSI_BHS_LEN], void *data, size_t cap,
                      uint32_t *data_len);

/*
 * Consume one received PDU (its BHS and data segment without padding; len must equal the
 * BHS DataSegmentLength, asserted).  Returns ISCSI_LOGIN_SEND, _DONE, _REDIRECT or -errno.
 */
int iscsi_login_rx(struct iscsi_login *l, const uint8_t bhs[ISCSI_BHS_LEN], const void *data,
                   uint32_t len);

/* Last error or redirect explanation; "" if none.  Valid until the next call on l. */
const char *iscsi_login_msg(const struct iscsi_login *l);

/*
 * True if a login that failed with err will fail the same way until someone
 * changes the target or our configuration: the target refused us
 * (authentication, authorization, no such target) or cannot work with what
 * we ask (a parameter, a session type, a mandatory digest).  Bring-up gives
 * up on these at once; recovery keeps trying, since the target may be in the
 * middle of being reconfigured, but says so.  -EAGAIN, -EBUSY, -EPROTO and
 * connection errors are transient.  Pure.
 */
bool iscsi_login_error_is_final(int err);

/* Valid after ISCSI_LOGIN_DONE (asserted). */
const struct iscsi_login_result *iscsi_login_result(const struct iscsi_login *l);

/* Valid after ISCSI_LOGIN_REDIRECT (asserted); *permanent tells 0x0102 from 0x0101. */
const struct iscsi_portal *iscsi_login_redirect(const struct iscsi_login *l, bool *permanent);

#endif
