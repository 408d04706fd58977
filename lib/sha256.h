/*
 * SHA-256 (FIPS 180-4) for CHAP_A=7 (IANA PPP authentication algorithm 7, accepted by Linux
 * LIO and EDK2; RFC 7143 itself only mandates MD5).
 *
 * Streaming interface over a caller-owned context; no allocation, reentrant, any context.
 */
#ifndef LIB_SHA256_H
#define LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "lib/mdhash.h"

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	struct mdhash md; /* length and partial block */
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
/* Writes the digest and clears the context. */
void sha256_final(struct sha256 *ctx, uint8_t out[SHA256_LEN]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif
