/*
 * MD5 (RFC 1321), needed only because CHAP_A=5 is the one algorithm every iSCSI target
 * implements.  It is not collision resistant; do not use it for anything but CHAP.
 *
 * Streaming interface over a caller-owned context; no allocation, reentrant, any context.
 * A context must be initialised with iscsi_md5_init() before update, and is wiped by final.
 */
#ifndef BLK_ISCSI_MD5_H
#define BLK_ISCSI_MD5_H

#include <stddef.h>
#include <stdint.h>

#include "blk/iscsi/mdhash.h"

#define ISCSI_MD5_LEN 16

struct iscsi_md5 {
	uint32_t h[4];
	struct iscsi_mdhash md; /* length and partial block */
};

void iscsi_md5_init(struct iscsi_md5 *ctx);
void iscsi_md5_update(struct iscsi_md5 *ctx, const void *data, size_t len);
/* Writes the digest and clears the context (it holds secret-derived state). */
void iscsi_md5_final(struct iscsi_md5 *ctx, uint8_t out[ISCSI_MD5_LEN]);
/* One-shot convenience. */
void iscsi_md5(const void *data, size_t len, uint8_t out[ISCSI_MD5_LEN]);

#endif
