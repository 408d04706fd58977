/*
 * Operational parameter negotiation (RFC 7143 §6.2, §13) as pure logic: build our offers,
 * apply the target's answers and offers, resolve what was left unanswered.
 *
 * Rules enforced when the target answers one of our offers (violations are -EPROTO, because
 * they mean the target computed a different outcome than we did):
 *   - Boolean AND keys (ImmediateData): answering Yes to our No is an error.
 *   - Boolean OR keys (InitialR2T, DataPDUInOrder, DataSequenceInOrder): No to our Yes is an
 *     error.
 *   - "min" numbers (MaxConnections, MaxBurstLength, FirstBurstLength, DefaultTime2Retain,
 *     MaxOutstandingR2T, ErrorRecoveryLevel): an answer above our offer is an error; "max"
 *     numbers (DefaultTime2Wait): below our offer is an error.
 *   - Lists (HeaderDigest, DataDigest): the answer must be one value from our list.
 *   - Values outside the RFC range are errors; a key answered twice is an error.
 *   - "Reject", "Irrelevant", "NotUnderstood" answers leave the RFC default in force, except
 *     that a refused mandatory digest (ISCSI_DIGEST_CRC32C) is -EOPNOTSUPP.
 * Keys the target offers on its own get our answer queued in the reply buffer, computed with
 * the same result functions from our preferences.  In a discovery session, session-wide keys
 * offered by the target are answered "Irrelevant".  Unknown keys are answered
 * "NotUnderstood".  RFC 3720 marker keys are answered "No"/"Irrelevant" (markers are off).
 * Keys only an initiator may send (InitiatorName, SessionType, ...) and security keys
 * (AuthMethod, CHAP_*: those belong to the login security stage) are -EPROTO here.
 *
 * Unanswered offers at the end (iscsi_neg_finish): if our value alone determines the outcome
 * (AND with No, OR with Yes) it stands; otherwise the RFC default applies, combined with our
 * offer by the key's own function for numbers, so that both sides' assumptions are safe.
 *
 * Declarative MaxRecvDataSegmentLength: ours (max_recv_dsl) bounds what the target sends us,
 * the target's declaration (max_send_dsl, default 8192) bounds every data segment we send.
 *
 * All state is in caller-owned structs; no allocation, reentrant, any context.
 */
#ifndef BLK_ISCSI_PARAMS_H
#define BLK_ISCSI_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/text.h"

enum iscsi_digest {
	ISCSI_DIGEST_NONE = 0,      /* offer "None"; as a result: no digest */
	ISCSI_DIGEST_CRC32C = 1,    /* offer "CRC32C" (mandatory); as a result: CRC32C */
	ISCSI_DIGEST_PREFER_CRC32C, /* offer "CRC32C,None" (offers only) */
	ISCSI_DIGEST_PREFER_NONE,   /* offer "None,CRC32C" (offers only) */
};

struct iscsi_params {
	uint8_t header_digest; /* enum iscsi_digest */
	uint8_t data_digest;   /* enum iscsi_digest */
	uint32_t max_connections;
	bool initial_r2t;
	bool immediate_data;
	uint32_t max_recv_dsl; /* our MaxRecvDataSegmentLength declaration */
	uint32_t max_send_dsl; /* the target's declaration: limit for what we send */
	uint32_t max_burst;
	uint32_t first_burst;
	uint32_t time2wait;
	uint32_t time2retain;
	uint32_t max_outstanding_r2t;
	bool data_pdu_in_order;
	bool data_seq_in_order;
	uint32_t error_recovery_level;
	/* Target declarations. */
	bool has_tpgt;
	uint16_t tpgt;
	char target_alias[ISCSI_TEXT_VALUE_MAX + 1]; /* control characters replaced by '?' */
};

/* The RFC 7143 defaults, i.e. what holds for anything never negotiated. */
void iscsi_params_default(struct iscsi_params *p);

/*
 * Our recommended offer for a single-connection ERL 0 initiator: HeaderDigest "CRC32C,None"
 * (48 bytes per PDU is cheap and guards PDU framing), DataDigest "None,CRC32C" (on only if
 * the target insists), InitialR2T No, ImmediateData Yes, MaxRecvDataSegmentLength 256 KiB,
 * MaxBurstLength 1 MiB, FirstBurstLength 256 KiB, the rest at RFC defaults.  Callers adjust
 * fields before iscsi_neg_init().
 */
void iscsi_params_preferred(struct iscsi_params *p);

struct iscsi_neg {
	struct iscsi_params offer;  /* our preferences */
	struct iscsi_params result; /* outcome so far; final after iscsi_neg_finish() */
	uint32_t offered;           /* bit per key: sent by us */
	uint32_t done;              /* bit per key: answered, or offered by the target */
	bool discovery;
	bool declared;                        /* our MaxRecvDataSegmentLength has been sent */
	const char *why;                      /* static reason for the last error */
	char bad_key[ISCSI_TEXT_KEY_MAX + 1]; /* key the last error is about, or "" */
};

/* 0 if every value of an offer is within its RFC 7143 range, else -EINVAL. */
int iscsi_params_check(const struct iscsi_params *offer);

/* offer is copied; result starts as the RFC defaults plus our max_recv_dsl declaration. */
void iscsi_neg_init(struct iscsi_neg *n, const struct iscsi_params *offer, bool discovery);

/*
 * Append our offers for every key not yet negotiated, and our MaxRecvDataSegmentLength
 * declaration once (a discovery session only offers the digests and the declaration).  Returns 0,
 * -ENOSPC, or -EINVAL if the offer holds out-of-range values (checked before anything is written).
 */
int iscsi_neg_offer(struct iscsi_neg *n, struct iscsi_text_buf *out);

/*
 * Apply one record received from the target.  Replies owed to the target are appended to
 * reply.  Returns 0, -EPROTO / -EOPNOTSUPP (n->why, n->bad_key set), or -ENOSPC if reply is
 * full.  TargetName and TargetAddress are ignored here: the login layer interprets them.
 */
int iscsi_neg_apply(struct iscsi_neg *n, const struct iscsi_kv *kv, struct iscsi_text_buf *reply);

/* Resolve unanswered offers and cross-check (FirstBurstLength <= MaxBurstLength). */
int iscsi_neg_finish(struct iscsi_neg *n);

/* True if every key we offered has been answered (the login can end its stage). */
bool iscsi_neg_settled(const struct iscsi_neg *n);

#endif
