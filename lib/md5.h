/*
 * MD5 (RFC 1321), needed only because CHAP_A=5 is the one algorithm every iSCSI target
 * implements.  It is not collision resistant; do not use it for anything but CHAP.
 *
 * Streaming interface over a caller-owned context; no allocation, reentrant, any context.
 * A context must be initialised with md5_init() before update, and is wiped by final.
 */
#ifndef LIB_MD5_H
#define LIB_MD5_H

#include <stddef.h>
#include <stdint.h>

#include "lib/mdhash.h"

#define MD5_LEN 16

struct md5 {
	uint32_t h[4];
	struct mdhash md; /* length and partial block */
};

void md5_init(struct md5 *ctx);
void md5_update(struct md5 *ctx, const void *data, size_t len);
/* Writes the digest and clears the context (it holds secret-derived state). */
void md5_final(struct md5 *ctx, uint8_t out[MD5_LEN]);
/* One-shot convenience. */
void md5(const void *data, size_t len, uint8_t out[MD5_LEN]);

#endif
