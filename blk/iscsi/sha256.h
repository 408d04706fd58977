/*
 * SHA-256 (FIPS 180-4) for CHAP_A=7 (IANA PPP authentication algorithm 7, accepted by Linux
 * LIO and EDK2; RFC 7143 itself only mandates MD5).
 *
 * Streaming interface over a caller-owned context; no allocation, reentrant, any context.
 */
#ifndef BLK_ISCSI_SHA256_H
#define BLK_ISCSI_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/mdhash.h"

#define ISCSI_SHA256_LEN 32

struct iscsi_sha256 {
	uint32_t h[8];
	struct iscsi_mdhash md; /* length and partial block */
};

void iscsi_sha256_init(struct iscsi_sha256 *ctx);
void iscsi_sha256_update(struct iscsi_sha256 *ctx, const void *data, size_t len);
/* Writes the digest and clears the context. */
void iscsi_sha256_final(struct iscsi_sha256 *ctx, uint8_t out[ISCSI_SHA256_LEN]);
void iscsi_sha256(const void *data, size_t len, uint8_t out[ISCSI_SHA256_LEN]);

#endif
